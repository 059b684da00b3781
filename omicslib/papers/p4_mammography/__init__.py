"""p4_mammography: the paper package (notebooks use only its exports)."""

from omicslib.papers.p4_mammography.protocol import *  # noqa: F401,F403 - interim: explicit exports come with the split
