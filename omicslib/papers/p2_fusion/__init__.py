"""p2_fusion: the paper package (notebooks use only its exports)."""

from omicslib.papers.p2_fusion.protocol import *  # noqa: F401,F403 - interim: explicit exports come with the split
