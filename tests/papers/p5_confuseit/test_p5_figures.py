"""p5 Kaplan–Meier figures as drawn: months throughout, survival from 0 to 1, the numbers at risk under each
plot equal to a hand count, labels readable on the page; Harrell's C-index named as such."""

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))
from figure_px import MIN_PX, book_style, smallest_px  # noqa: E402

from omicslib.papers.p5_confuseit import figures as F  # noqa: E402


def _cohort(n, scale, seed):
    rng = np.random.default_rng(seed)
    high = rng.random(n) < 0.5
    t = rng.exponential(scale * np.where(high, 0.6, 1.5))
    c = rng.exponential(scale * 2, n)
    return np.minimum(t, c), (t <= c).astype(int), high


def _at_risk_axis(ax):
    # lifelines puts the counts on a twin x axis of the same figure position
    return [a for a in ax.figure.axes if a is not ax and a.get_position().bounds == ax.get_position().bounds][0]


def test_to_months_uses_365_25_over_12_days():
    np.testing.assert_allclose(F.to_months([365.25, 30.4375], "days"), [12.0, 1.0])
    np.testing.assert_allclose(F.to_months([2], "years"), [24.0])
    with pytest.raises(ValueError, match="unit must be one of"):
        F.to_months([1], "weeks")


def test_km_figure_in_months_from_0_to_1_with_at_risk_counts_equal_to_a_hand_count():
    t, e, high = _cohort(300, 2000, 0)   # days
    with book_style():
        fig = F.km_figure(t, e, high, "TCGA-like cohort, days")
        ax = fig.axes[0]
        fig.canvas.draw()
    assert ax.get_xlabel() == "time (months)"
    assert ax.get_ylim() == (0.0, 1.0)
    risk = _at_risk_axis(ax)
    months = t * 12 / 365.25
    for tick, label in zip(risk.get_xticks(), risk.get_xticklabels()):
        lines = [line for line in label.get_text().split("\n") if line.strip()][-2:]   # low, then high risk
        counts = [int(line.split()[-1]) for line in lines]
        # still at risk after the tick: a patient whose time exceeds it (no tied times in continuous data)
        assert counts == [int((months[~high] > tick).sum()), int((months[high] > tick).sum())]
    text, px = smallest_px(fig)
    assert px >= MIN_PX, (text, px)
    plt.close(fig)


def test_km_panels_put_days_and_months_cohorts_on_one_month_scale():
    t1, e1, h1 = _cohort(120, 60, 1)
    t2, e2, h2 = _cohort(120, 1800, 2)
    with book_style():
        fig = F.km_panels([(t1, e1, h1, "months cohort", "months"), (t2, e2, h2, "days cohort", "days"),
                           (t1, e1, h1, "third", "months")])
    shown = [ax for ax in fig.axes if ax.get_visible() and ax.get_ylabel() == "survival probability"]
    assert len(shown) == 3 and all(ax.get_xlabel() == "time (months)" for ax in shown)
    assert all(ax.get_ylim() == (0.0, 1.0) for ax in shown)
    text, px = smallest_px(fig)
    assert px >= MIN_PX, (text, px)
    plt.close(fig)


def test_cindex_bars_name_harrells_c_index():
    summary = pd.DataFrame({"setting": ["rna only", "multimodal + pretraining"], "evaluated_on": ["rna", "slide+rna"],
                            "c_index_mean": [0.6, 0.7], "c_index_sd": [0.02, 0.03]})
    with book_style():
        fig = F.cindex_bars(summary, 0.8)
    assert fig.axes[0].get_xlabel().startswith("Harrell's C-index, higher is better")
    text, px = smallest_px(fig)
    assert px >= MIN_PX, (text, px)
    plt.close(fig)
