"""p5_confuseit: the paper package (notebooks use only its exports)."""

from omicslib.papers.p5_confuseit.protocol import *  # noqa: F401,F403 - interim: explicit exports come with the split
