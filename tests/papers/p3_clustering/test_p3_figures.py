"""p3 figures as drawn: Figure 4's radars keep every text clear of every other, the two C-indices are named
apart, and every label is readable on the page."""

import itertools
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parents[1]))
from figure_px import MIN_PX, book_style, smallest_px  # noqa: E402

from omicslib.papers.p3_clustering import figures as F  # noqa: E402
from omicslib.papers.p3_clustering.config import table1  # noqa: E402
from omicslib.papers.p3_clustering.protocol import METHODS  # noqa: E402

CANCERS = ["aml", "breast", "colon", "gbm", "kidney", "liver", "lung", "melanoma", "ovarian", "sarcoma"]
KS = (2, 3, 4, 5, 6, 7)


def _summary(seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame([dict(dataset=c, k=k, method=m, c_index=rng.uniform(0.1, 0.4), silhouette=rng.uniform(-0.05, 0.5),
                              davies_bouldin=rng.uniform(0.5, 3)) for c in CANCERS for k in KS for m in METHODS])


def _overlapping_texts(fig):
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    texts = [t for ax in fig.axes for t in [*ax.get_xticklabels(), *ax.get_yticklabels(), *ax.texts, ax.title]]
    boxes = [(t.get_text(), t.get_window_extent(r)) for t in texts if t.get_visible() and t.get_text().strip()]
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if ba.overlaps(bb)]


def test_figure4_radars_18_panels_no_text_overlaps_another_and_labels_render_at_least_10px():
    with book_style():
        fig = F.radar_grid(_summary(), ["c_index", "silhouette", "davies_bouldin"], KS)
        assert len(fig.axes) == 18
        assert _overlapping_texts(fig) == []
    assert fig.axes[0].get_title().startswith("Hubert–Levin C-index")
    # each index keeps one radial range over every k (rows compare)
    assert len({ax.get_ylim() for ax in fig.axes[0::3]}) == 1
    text, px = smallest_px(fig)
    assert px >= MIN_PX, (text, px)
    plt.close(fig)


def test_sweep_plot_names_the_hubert_levin_c_index_and_renders_at_least_10px():
    rng = np.random.default_rng(0)
    sweep = pd.DataFrame([dict(parameter=p, value=v, status="ok", c_index=rng.uniform(0.1, 0.4),
                               silhouette=rng.uniform(0, 0.5)) for p, (vals, _) in table1().items() for v in vals])
    with book_style():
        fig = F.sweep_plot(sweep)
    assert "Hubert–Levin C-index" in [t.get_text() for t in fig.legends[0].get_texts()]
    text, px = smallest_px(fig)
    assert px >= MIN_PX, (text, px)
    plt.close(fig)


def test_rank_stability_titles_name_the_index_and_render_at_least_10px():
    ranks = pd.DataFrame([dict(dataset=f"sim{d}", metric=m, space=sp, rank=d) for d in range(1, 7)
                          for m in ("c_index", "silhouette") for sp in ("own", "common")])
    with book_style():
        fig = F.rank_stability_plot(ranks, "DMACL's rank")
    assert fig.axes[0].get_title().startswith("Hubert–Levin C-index")
    text, px = smallest_px(fig)
    assert px >= MIN_PX, (text, px)
    plt.close(fig)
