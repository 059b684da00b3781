"""Sphinx extension: pages quote results and paper values as MyST substitutions.

``{{ p1_02.friedman_chi2 }}`` is a fact recorded by notebook ``p1_02_*`` (``Run.fact``);
``{{ p1_ref.t4_best_macro_f1 }}`` a value of p1's reference file. MyST renders substitutions with
Jinja's StrictUndefined, so a key nobody wrote is a warning, and the strict build fails on it.

``{{ book.launch }}`` is the landing page's sentence about launch buttons, generated from whether the
book knows its repository address (:func:`omicslib.book.launch.book_facts`).
"""

from omicslib.book import launch
from omicslib.book.pages import substitutions


def _inject(app, config):
    config.myst_substitutions = {**(config.myst_substitutions or {}), **substitutions(), "book": launch.book_facts()}


def setup(app):
    app.connect("config-inited", _inject)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
