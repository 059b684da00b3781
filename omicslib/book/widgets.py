"""Interactive explorers: drop-down choices that redraw a matplotlib figure (needs a live kernel).

The rendered book has no kernel, so every notebook that shows an explorer also saves a
static figure of all (or representative) choices beside it.
"""

from __future__ import annotations

from typing import Callable, Sequence


def explorer(render: Callable[..., object], **choices: Sequence):
    """A ``VBox`` of one drop-down per keyword (its options) above an output area where
    ``render(**selected)`` draws a figure; it is redrawn whenever a selection changes.
    Options may be values or ``(label, value)`` pairs."""
    import ipywidgets as w
    import matplotlib.pyplot as plt

    if not choices:
        raise ValueError("explorer needs at least one keyword with its options")
    for name, opts in choices.items():
        if len(opts) == 0:
            raise ValueError(f"explorer: no options for {name!r}")
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
    return w.VBox([w.HBox(list(pickers.values())), out])
