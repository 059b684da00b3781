"""p1 Figure 6 as drawn: row rates (hand-computed), the counts beside them, labels readable on the page."""

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parents[1]))
from figure_px import MIN_PX, book_style, smallest_px  # noqa: E402

from omicslib.papers.p1_crossmodal import figures as F  # noqa: E402
from omicslib.papers.p1_crossmodal.analysis import CONFUSION_ORDER, paper_confusion  # noqa: E402


def _cm(rows):
    return pd.DataFrame(rows, index=CONFUSION_ORDER, columns=CONFUSION_ORDER)


def test_row_rates_match_hand_division():
    # row 1: 1, 1, 2, 0 of 4; row 3 empty (no NaN drawn as a number, see below)
    r = F.row_rates(_cm([[1, 1, 2, 0], [0, 3, 0, 1], [0, 0, 0, 0], [5, 0, 0, 5]]))
    np.testing.assert_allclose(r.iloc[0], [0.25, 0.25, 0.5, 0.0])
    np.testing.assert_allclose(r.iloc[1], [0.0, 0.75, 0.0, 0.25])
    assert r.iloc[2].isna().all()
    np.testing.assert_allclose(r.iloc[3], [0.5, 0.0, 0.0, 0.5])


def test_figure6_draws_rates_whose_rows_sum_to_one_for_ours_and_the_paper():
    cm = _cm([[1240, 254, 204, 107], [123, 916, 30, 6], [70, 325, 1159, 365], [201, 242, 388, 1191]])
    with book_style():
        fig = F.figure6(cm, 11, "EXP+CNA", "real-subset")
    ours, paper = (ax.collections[0].get_array().reshape(4, 4) for ax in fig.axes[:2])
    np.testing.assert_allclose(ours.sum(1), 1.0)
    np.testing.assert_allclose(paper.sum(1), 1.0)
    # the paper's Basal row: 183 of 200 predicted Basal (its printed matrix)
    p = paper_confusion()
    np.testing.assert_allclose(paper[0, 0], p.loc["Basal", "Basal"] / p.loc["Basal"].sum())
    np.testing.assert_allclose(ours[1, 1], 916 / (123 + 916 + 30 + 6))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "0.85\n(916)" in texts and not any("nan" in t for t in texts)
    assert f"{int(p.to_numpy().sum()):,} predictions" in fig.axes[1].get_title()
    assert fig.axes[2].get_ylabel() == "share of the true class"   # one shared colour bar, 0 to 1
    assert fig.axes[2].get_ylim() == (0.0, 1.0)
    text, px = smallest_px(fig)
    assert px >= MIN_PX, (text, px)
    plt.close(fig)


def test_figure6_leaves_an_empty_row_blank_not_nan():
    cm = _cm([[1, 1, 2, 0], [0, 3, 0, 1], [0, 0, 0, 0], [5, 0, 0, 5]])
    with book_style():
        fig = F.figure6(cm, 11, "EXP", "smoke")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 12 and not any("nan" in t for t in texts)   # seaborn draws no note in a masked cell
    plt.close(fig)
