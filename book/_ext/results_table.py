"""Sphinx extension: ``{results-table}`` shows a result CSV on a page the way notebook outputs show tables.

A ``csv-table`` prints a result file as it is stored: every float with all its digits, ``nan`` in empty
cells, snake_case headers that cannot wrap. This directive reads the CSV (path relative to the page, as
``csv-table``'s ``:file:``) and renders it with :func:`omicslib.book.report.show` (digits by magnitude, a
dash for a missing value, long tables folded); a paper-vs-ours comparison table (the columns of
:data:`omicslib.book.report.COMPARISON_COLUMNS`) with :func:`omicslib.book.report.comparison_html`::

    ```{results-table} Optional caption
    :file: results/p1_02_crossmodal_grid/config_s1.csv
    :digits: 3
    ```

A file the last build did not write is a warning (a failure in the strict build), shown on the page as such.
"""

from pathlib import Path

import pandas as pd
from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx.util import logging

from omicslib.book import report

LOG = logging.getLogger(__name__)


def render(path: Path, caption: str = "", digits: int = 3, fold: int | None = report.FOLD_ROWS) -> str:
    """The HTML of one result CSV (see the module's docstring)."""
    df = pd.read_csv(path)
    if list(df.columns) == report.COMPARISON_COLUMNS:
        body = report.comparison_html(df, digits=digits, fold=fold)
        return (f"<p><b>{caption}</b></p>" if caption else "") + body
    return report.show(df, caption, digits=digits, fold=fold)._repr_html_()


class ResultsTable(Directive):
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {"file": directives.path, "digits": directives.nonnegative_int, "fold": directives.nonnegative_int}

    def run(self):
        env = self.state.document.settings.env
        rel = self.options.get("file")
        if not rel:
            raise self.error("results-table needs :file:")
        path = (Path(env.doc2path(env.docname)).parent / rel).resolve()
        env.note_dependency(str(path))
        if not path.is_file():
            LOG.warning(f"results-table: {rel} was not written by the last build", location=(env.docname, self.lineno))
            return [nodes.paragraph(text=f"({Path(rel).name} was not written by the last build.)")]
        caption = self.arguments[0] if self.arguments else ""
        markup = render(path, caption, self.options.get("digits", 3), self.options.get("fold", report.FOLD_ROWS))
        return [nodes.raw("", markup, format="html")]


def setup(app):
    app.add_directive("results-table", ResultsTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
