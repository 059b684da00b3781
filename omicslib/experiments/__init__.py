"""End-to-end protocols of each paper (CV loops, ablations), called by the notebooks."""
