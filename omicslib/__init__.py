"""omicslib: shared code behind the breast-cancer multimodal reproduction book.

One data layer (:mod:`omicslib.data`), one provenance record
(:mod:`omicslib.provenance`), one training loop (:mod:`omicslib.train`), one
evaluation path (:mod:`omicslib.metrics`, :mod:`omicslib.stats`) and one way of
writing results (:mod:`omicslib.report`) for all five papers.
"""

__version__ = "0.1.0"
