"""The forest plot: one panel per metric, the paper's words as labels, outliers clipped, size recorded."""

import math

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

from omicslib.book import claims as C  # noqa: E402
from omicslib.book import forest  # noqa: E402

BASE = dict(paper="p1", locator="Table 4", test="t", provenance="real-subset", n_seeds=3, n_runs=15, ci_level=0.9)


def _value(id, metric, paper, ours, statement="s"):
    return C.Claim(id=id, statement=statement, kind="value", metric=metric, paper_value=paper, tolerance=0.05,
                   tolerance_reason="r", ours=ours, ci_low=ours - 0.02, ci_high=ours + 0.02, **BASE)


def test_metric_families_name_the_two_c_indices_apart():
    assert forest.metric_family("C-index (Hubert-Levin)").startswith("Hubert–Levin")
    assert forest.metric_family("Harrell's C-index") == "Harrell's C-index"
    assert forest.metric_family("macro-F1 difference") == forest.metric_family("f1_macro") == "macro-F1"
    assert forest.metric_family("Davies-Bouldin").startswith("Davies–Bouldin")


def test_one_panel_per_metric_headline_marked_and_outlier_clipped(tmp_path):
    claims = [_value(f"f{i}", "f1_macro", 0.85, 0.85 + 0.01 * i, f"Table 4: K={i} macro-F1") for i in range(5)]
    claims += [_value("far", "f1_macro", 0.40, 0.95, "far away"), _value("db", "Davies-Bouldin", 0.46, 0.40)]
    fig = forest.verdict_forest(C.ledger(claims), "t", headline="f2")
    axes = fig.get_axes()
    assert len(axes) == 2  # macro-F1 and Davies-Bouldin
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert labels[2].startswith("★ Table 4: K=2") and labels[1] == "Table 4: K=1 macro-F1"
    # the outlier (+0.55) lies beyond the axis, which still holds the others' intervals (up to +0.06)
    lo, hi = axes[0].get_xlim()
    assert hi < 0.55 and hi > 0.06 and any(t.get_text() == "+0.55" for t in axes[0].texts)
    path = tmp_path / "f.png"
    forest.save(fig, path)
    meta = Image.open(path).info
    assert float(meta[forest.META_FONT]) == forest.FONT_PT and float(meta[forest.META_WIDTH]) == forest.WIDTH_IN
    assert Image.open(path).size[0] == int(forest.WIDTH_IN * forest.DPI)


def test_labels_render_at_least_10_px_when_the_figure_fills_a_900_px_column():
    # a label of FONT_PT points at DPI is FONT_PT * DPI / 72 px in the PNG; shown 900 px wide it scales by 900 / (W * DPI)
    px = forest.FONT_PT * forest.DPI / 72 * 900 / (forest.WIDTH_IN * forest.DPI)
    assert px >= 10, px
    assert math.isclose(px, 11 * 900 / (8 * 72))


def test_synthetic_and_arithmetic_rows_are_not_drawn():
    syn = C.Claim(id="s", statement="s", kind="value", **{**BASE, "provenance": "synthetic"})
    txt = C.Claim(id="t", statement="t", locator="x", kind="text", test="t", provenance=C.PAPER_TEXT, paper_value=1,
                  ours=1, tolerance=0.0, tolerance_reason="r", paper="p1")
    assert forest.verdict_forest(C.ledger([syn, txt])) is None
    assert forest._rows(pd.DataFrame(columns=C.COLUMNS)).empty
