"""p2's per-fold figure as drawn: the class names of neighbouring matrix columns do not overlap, and every
label is readable on the page."""

import sys
from pathlib import Path
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import QuadMesh

sys.path.insert(0, str(Path(__file__).parents[1]))
from figure_px import MIN_PX, book_style, smallest_px  # noqa: E402

from omicslib.papers.p2_fusion import figures as F  # noqa: E402


def _results(models, k, seed=0):
    rng = np.random.default_rng(seed)
    hist = [pd.DataFrame({"train_loss": np.linspace(0.7, 0.5, 6), "val_loss": np.linspace(0.72, 0.6, 6)})] * k
    return {m: SimpleNamespace(confusions=[pd.DataFrame(rng.integers(0, 15, (2, 2))) for _ in range(k)],
                               histories=hist) for m in models}


def test_fold_figure_class_labels_stay_half_an_em_apart_and_render_at_least_10px():
    with book_style():
        fig = F.fold_figure(_results(["image", "concat", "cross_attention", "late"], k=5))
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        boxes = []
        for ax in fig.axes:
            if any(isinstance(c, QuadMesh) for c in ax.collections):   # the heat maps
                boxes += [t.get_window_extent(r) for t in ax.get_xticklabels() if t.get_text()]
                size = ax.get_xticklabels()[0].get_fontsize()
    boxes.sort(key=lambda b: (round(b.y1), b.x0))
    same_row = [(a, b) for a, b in zip(boxes, boxes[1:]) if abs(a.y1 - b.y1) < 1]
    assert len(same_row) >= 4 * (2 * 5 - 1)   # every neighbouring pair of the 4 rows x 5 folds x 2 classes
    # at least half an em between neighbours (the earlier layout left about a space: 0.05 in at 12 pt)
    assert min(b.x0 - a.x1 for a, b in same_row) * 72 / fig.dpi >= size / 2
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Luminal", "Basal/\nHer2"]
    text, px = smallest_px(fig)
    assert px >= MIN_PX, (text, px)
    plt.close(fig)
