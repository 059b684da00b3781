"""``make benchmark``: every paper's model against this machine's measured ceiling, scaling sweeps, one CSV
(``python -m omicslib.benchmarks [--quick] [--device auto] [--steps 2] [--out CSV]``; see
:mod:`omicslib.benchmarks.suite`). The per-K p1 table and the p2-p5 table remain as
``python -m omicslib.benchmarks.p1`` and ``python -m omicslib.benchmarks.models``."""

import sys

from omicslib.benchmarks import suite

sys.exit(suite.main())
