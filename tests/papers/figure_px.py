"""How large a figure's text is on the book page, for the paper figure tests.

A figure is saved by ``Run.figure`` at ``savefig.dpi`` with a tight bounding box and shown as an
``<img style="max-width:100%">``: at its natural pixel size when that fits the content column, else
scaled down to the column. A font of ``s`` pt therefore renders at
``s * dpi / 72 * min(1, column / png_width)`` CSS px. The text sizes are the ones the Agg renderer
really draws (a spy on ``RendererAgg.draw_text``), so hidden tick labels and empty strings do not count.
"""

from __future__ import annotations

import contextlib
import io

import matplotlib.pyplot as plt

#: The book's content column at a 1400 px window is about 800-900 px wide; the narrow end is the test.
COLUMN_PX = 800
#: Smallest readable label on the page.
MIN_PX = 10.0


@contextlib.contextmanager
def book_style():
    """Draw under the book's style (``plots.set_style``, as every notebook does), restored afterwards."""
    from omicslib.book.plots import set_style

    with plt.rc_context():
        set_style()
        yield


def rendered_text_px(fig, column_px: int = COLUMN_PX) -> list[tuple[str, float]]:
    """``[(text, px)]``: every string drawn on ``fig`` with its rendered height on the page, in CSS px."""
    from matplotlib.backends.backend_agg import RendererAgg
    from PIL import Image

    drawn = []
    orig = RendererAgg.draw_text

    def spy(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if s.strip():
            drawn.append((s, prop.get_size_in_points()))
        return orig(self, gc, x, y, s, prop, angle, ismath, mtext)

    with book_style():   # the book's savefig settings (dpi, tight box)
        dpi = plt.rcParams["savefig.dpi"]
        buf = io.BytesIO()
        RendererAgg.draw_text = spy
        try:
            fig.savefig(buf, format="png")
        finally:
            RendererAgg.draw_text = orig
    width = Image.open(io.BytesIO(buf.getvalue())).size[0]
    scale = min(1.0, column_px / width)
    return [(s, pt * dpi / 72 * scale) for s, pt in drawn]


def smallest_px(fig, column_px: int = COLUMN_PX) -> tuple[str, float]:
    """The smallest drawn string and its rendered size (CSS px)."""
    return min(rendered_text_px(fig, column_px), key=lambda t: t[1])
