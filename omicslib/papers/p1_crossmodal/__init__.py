"""p1_crossmodal: the paper package (notebooks use only its exports)."""

from omicslib.papers.p1_crossmodal.protocol import *  # noqa: F401,F403 - interim: explicit exports come with the split
