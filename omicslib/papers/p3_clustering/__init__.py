"""p3_clustering: the paper package (notebooks use only its exports)."""

from omicslib.papers.p3_clustering.protocol import *  # noqa: F401,F403 - interim: explicit exports come with the split
