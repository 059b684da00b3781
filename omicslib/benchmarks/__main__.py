"""Run every benchmark: ``python -m omicslib.benchmarks [--device auto] [--steps 3]``."""

import argparse
import sys

from omicslib.benchmarks import models, p1

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("--device", default="auto")
ap.add_argument("--steps", default="3")
a = ap.parse_args()
common = ["--device", a.device, "--steps", a.steps]
sys.exit(p1.main(common) or models.main(common))
