"""Live explorers: drop-down choices that redraw a matplotlib figure (needs a live kernel).

The rendered book has no kernel: there, each explorer is a kernel-free Plotly figure built from the
precomputed results (:mod:`omicslib.book.interactive`), and the book shows a one-line note in place
of the ipywidgets view (the book's Sphinx extension, :mod:`omicslib.book.site`, renders the note
instead of the widget, which would need a kernel and the widget manager from a CDN).
"""

from __future__ import annotations

import os
from typing import Callable, Sequence

#: Set (to 1) in the kernels of the book's headless executions (:func:`omicslib.book.runner.execute`): there an
#: explorer builds no widgets, only the note. Widget comm traffic can stall a headless nbclient execution
#: (jupyter/nbclient#312; seen here once in p1_02), and no reader of the executed notebook has a kernel.
HEADLESS_ENV = "OMICSLIB_HEADLESS"

#: What the rendered book (and any front end without widgets) shows in place of a live explorer.
LIVE_NOTE = ("Live explorer: drop-downs that redraw the figure; it runs in JupyterLab (`make lab`) or on Binder. "
             "The interactive figure beside it works without a kernel.")


class LiveExplorer:
    """The explorer's ``VBox`` (``.box``; None in a headless execution), displayed as the widget where widgets
    render and as :data:`LIVE_NOTE` elsewhere: never as a widget repr."""

    def __init__(self, box):
        self.box = box

    @property
    def children(self):
        return self.box.children if self.box is not None else ()

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        import html

        if self.box is None:
            data, meta = {}, {}
        else:
            out = self.box._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
            data, meta = out if isinstance(out, tuple) else (out, {})
        data = dict(data)
        data["text/plain"] = LIVE_NOTE
        text = html.escape(LIVE_NOTE).replace("`make lab`", "<code>make lab</code>")
        data["text/html"] = f'<p class="omicslib-live-note">{text}</p>'
        return (data, meta) if meta else data

    def __repr__(self) -> str:
        return LIVE_NOTE


def explorer(render: Callable[..., object], **choices: Sequence) -> LiveExplorer:
    """One drop-down per keyword (its options) above an output area where ``render(**selected)``
    draws a figure; it is redrawn whenever a selection changes. Options may be values or
    ``(label, value)`` pairs. Returns a :class:`LiveExplorer` (display it as a cell's last value); in a
    headless execution (``$OMICSLIB_HEADLESS``) one without widgets, showing the note only."""
    import ipywidgets as w
    import matplotlib.pyplot as plt

    if not choices:
        raise ValueError("explorer needs at least one keyword with its options")
    for name, opts in choices.items():
        if len(opts) == 0:
            raise ValueError(f"explorer: no options for {name!r}")
    if os.environ.get(HEADLESS_ENV):
        return LiveExplorer(None)
    out = w.Output()
    pickers = {name: w.Dropdown(options=list(opts), description=name) for name, opts in choices.items()}

    def draw(*_):
        with out:
            out.clear_output(wait=True)
            render(**{name: p.value for name, p in pickers.items()})
            plt.show()

    for p in pickers.values():
        p.observe(draw, "value")
    draw()
    return LiveExplorer(w.VBox([w.HBox(list(pickers.values())), out]))
