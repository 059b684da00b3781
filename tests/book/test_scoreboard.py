"""The generated scoreboards: grouped by the paper's table or figure, narrow, collapsed when long."""

import re

import pytest

from omicslib.book import pages, report
from omicslib.provenance import BADGE_TEXT, Provenance, synthetic

REAL = Provenance("real-subset", ("x",))


def write(root, rows, name="t", notebook="p1_98_test", paper="p1", prov=REAL, seeds=(0, 1, 2)):
    """One comparison table written the way a notebook writes it."""
    run = report.Run(paper=paper, notebook=notebook, profile="quick", seeds=list(seeds),
                     outdir=root / paper / "results" / notebook)
    run.compare(rows, name, prov, name)


def row(item, metric="macro-F1", paper=0.8, ours=0.75, **kw):
    return {"item": item, "metric": metric, "paper": paper, "ours": ours, **kw}


def section(page: str, heading: str) -> str:
    """The text of one ``## heading`` section of a page."""
    return re.split(r"^#+ ", page.split(f"## {heading}\n", 1)[1], maxsplit=1, flags=re.M)[0]


def number_cells(html: str) -> list[tuple[str, str]]:
    """(column label, text) of every number cell."""
    return re.findall(r'<td class="num" data-label="([^"]+)">([^<]*)</td>', html)


def test_rows_are_grouped_by_the_papers_table_or_figure(tmp_path):
    write(tmp_path, [row("K=300 EXP", locator="Table 4, row K=300 EXP, column Acc"),
                     row("K=500 EXP", locator="Table 4, row K=500 EXP, column Acc"),
                     row("rank 1", locator="Table II, rank 1"),
                     row("bars", locator="Fig. 2 (bars only)"),
                     row("genes", locator="Methods, Dataset")], name="located")
    write(tmp_path, [row("proposed", locator="Table 7, row Proposed"), row("baseline", paper=None)], name="one_group")
    write(tmp_path, [row("a", locator="Fig. 6, panel a"), row("b", locator="Fig. 7, panel b"),
                     row("c", paper=None)], name="two_groups")
    frame = pages.scoreboard_frame(("p1",), root=tmp_path)
    assert dict(zip(frame["item"], frame["group"])) == {
        "K=300 EXP": "Table 4", "K=500 EXP": "Table 4", "rank 1": "Table II", "bars": "Fig. 2 (bars only)",
        "genes": "Methods, Dataset",  # not a cell of a table or figure: the whole locator
        "proposed": "Table 7", "baseline": "Table 7",  # no locator: the table's only group
        "a": "Fig. 6", "b": "Fig. 7", "c": "two_groups"}  # no locator, several groups: the table's name
    assert frame.groupby("group").size()["Table 4"] == 2


def test_integers_stay_integers_and_fractions_keep_three_decimals(tmp_path):
    write(tmp_path, [row("Luminal A", "samples", 662, 673.0, locator="Table 1, row Luminal A"),
                     row("Basal", "samples", 198, 198, locator="Table 1, row Basal"),
                     row("K=1000", ours_sd=0.01, locator="Table 4, row K=1000"),
                     row("K=1500", paper=0.04, ours=0.00002, locator="Table 4, row K=1500")])
    page = pages.scoreboard_page(("p1",), "p1", root=tmp_path)
    t1, t4 = number_cells(section(page, "Table 1")), number_cells(section(page, "Table 4"))
    assert t1 == [("paper", "662"), ("ours", "673"), ("Δ", "11"), ("Δ rel.", "+1.7%"),
                  ("paper", "198"), ("ours", "198"), ("Δ", "0"), ("Δ rel.", "+0.0%")]
    assert t4 == [("paper", "0.800"), ("ours", "0.750 ±&nbsp;0.010"), ("Δ", "-0.050"), ("Δ rel.", "-6.2%"),
                  ("paper", "0.040"), ("ours", "2e-05"), ("Δ", "-0.040"), ("Δ rel.", "-100.0%")]  # tiny: 2 digits


def test_one_section_per_group_long_tables_collapsed_and_repeated_columns_lifted(tmp_path):
    n = pages.SCOREBOARD_OPEN_ROWS + 1
    write(tmp_path, [row(f"K={k}", note="K mapped", locator=f"Table 4, row K={k}") for k in range(n)]
          + [row("Luminal A", "precision", note="pooled", locator="Table 6, row Luminal A"),
             row("Luminal A", "recall", note="pooled", locator="Table 6, row Luminal A"),
             row("Basal", "recall", note="pooled", locator="Table 6, row Basal")], name="grid")
    page = pages.scoreboard_page(("p1",), "p1", root=tmp_path)
    assert re.findall(r"^## (.*)$", page, re.M) == ["Table 4", "Table 6"]
    t4, t6 = section(page, "Table 4"), section(page, "Table 6")
    assert t4.count("<details>") == 1 and f"Show the {n} rows" in t4 and "<details>" not in t6
    # the same metric, provenance and note on every row: said once above the table, no column
    assert "Metric: macro-F1." in t4 and "Note: K mapped" in t4 and BADGE_TEXT["real-subset"] in t4
    assert ">metric</th>" not in t4 and ">data</th>" not in t4 and ">note</th>" not in t4
    assert ">metric</th>" in t6 and "Metric:" not in t6  # metrics differ: a column
    # consecutive rows of one item share its cell
    assert '<th scope="row" rowspan="2">Luminal A</th>' in t6 and '<th scope="row">Basal</th>' in t6
    assert t6.count(">Luminal A</th>") == 1 and t6.count("<tr") == 1 + 3


def test_columns_without_content_are_left_out(tmp_path):
    write(tmp_path, [row("a", paper=None, locator="Table 2, row a"), row("b", paper=None, locator="Table 2, row b")],
          name="no_paper")
    write(tmp_path, [row("c", locator="Fig. 3, c"), row("d", locator="Fig. 3, d")], name="synth",
          prov=synthetic("s", "generated"))
    page = pages.scoreboard_page(("p1",), "p1", root=tmp_path)
    t2, f3 = section(page, "Table 2"), section(page, "Fig. 3")
    assert ">paper</th>" not in t2 and "The paper gives no value for these rows." in t2
    assert ">paper</th>" in f3 and ">Δ</th>" not in f3 and ">Δ rel.</th>" not in f3  # synthetic: no difference
    assert ">Δ</th>" not in t2 and BADGE_TEXT["synthetic"] in f3


def test_a_few_distinct_notes_become_letters_many_stay_in_a_column(tmp_path):
    write(tmp_path, [row("gene", "f1", note="735 patients", locator="Fig. 7, gene"),
                     row("gene", "mcc", note="735 patients", locator="Fig. 7, gene"),
                     row("gene", "pr_auc", note="735 patients; authors' estimator", locator="Fig. 7, gene")], name="few")
    write(tmp_path, [row(f"rank {k}", note=f"paper G{k} / ours H{k}", locator=f"Table 2, rank {k}") for k in range(3)],
          name="many")
    page = pages.scoreboard_page(("p1",), "p1", root=tmp_path)
    f7, t2 = section(page, "Fig. 7"), section(page, "Table 2")
    assert f7.count('<td class="note" data-label="note">a</td>') == 2
    assert f7.count('<td class="note" data-label="note">b</td>') == 1
    assert "Notes: <b>a</b> 735 patients; <b>b</b> 735 patients; authors&#x27; estimator" in f7
    assert '<td class="note" data-label="note">paper G1 / ours H1</td>' in t2 and "Notes:" not in t2


def test_a_group_from_several_tables_shows_each_with_its_own_provenance(tmp_path):
    write(tmp_path, [row("gene", locator="Fig. 7, gene")], name="real_rows")
    write(tmp_path, [row("gene", locator="Fig. 7, gene")], name="synthetic_rows", prov=synthetic("s", "generated"))
    fig7 = section(pages.scoreboard_page(("p1",), "p1", root=tmp_path), "Fig. 7")
    lines = [ln for ln in fig7.splitlines() if ln.startswith('<p class="scoreboard-source">')]
    assert len(lines) == 2 and fig7.count("<table") == 2 and ">data</th>" not in fig7
    assert BADGE_TEXT["real-subset"] in lines[0] and "<code>real_rows</code>" in lines[0]
    assert BADGE_TEXT["synthetic"] in lines[1] and "<code>synthetic_rows</code>" in lines[1]


def test_source_line_links_the_notebook_cell_and_the_csv(tmp_path):
    write(tmp_path, [row("a", locator="Table 1, a")], name="shown", seeds=(4, 5))
    write(tmp_path, [row("b", locator="Table 2, b")], name="hidden")
    (tmp_path / "p1" / "p1_98_test.ipynb").write_text('{"outputs": ["<p id=\\"src-shown\\">Source</p>"]}')
    page = pages.scoreboard_page(("p1",), "p1", root=tmp_path)
    assert ('From <a href="p1_98_test.html#src-shown">p1_98_test</a> · table <code>shown</code> '
            '(<a href="results/p1_98_test/shown.csv">CSV</a>) · profile quick · seeds 4,5.') in page
    assert '<a href="p1_98_test.html">p1_98_test</a> · table <code>hidden</code>' in page  # no such cell: no anchor
    multi = pages.scoreboard_page(("p1", "p2"), root=tmp_path)
    assert '<a href="p1/p1_98_test.html#src-shown">' in multi and '<a href="p1/results/p1_98_test/shown.csv">' in multi


def test_overview_has_one_row_per_paper_and_group_linking_its_section(tmp_path):
    write(tmp_path, [row(f"K={k}", locator=f"Table 4, row K={k}") for k in range(5)]
          + [row("x", paper=None, locator="Table 1, x")], name="a")
    write(tmp_path, [row("y", locator="Fig. 2, y"), row("z", locator="Fig. 2, z")], name="b", paper="p2",
          notebook="p2_98_test", prov=synthetic("s", "generated"))
    over = pages.scoreboard_overview(("p1", "p2"), root=tmp_path)
    body = over.split("<tbody>")[1]
    assert body.count("<tr") == 3  # Table 4 and Table 1 of p1, Fig. 2 of p2
    counts = '<td class="num" data-label="rows">{}</td><td class="num" data-label="with a paper value">{}</td>'
    assert '<td><a href="p1/p1_scoreboard.html#sb-p1-table-4">Table 4</a></td>' + counts.format(5, 5) in body
    assert '<td><a href="p1/p1_scoreboard.html#sb-p1-table-1">Table 1</a></td>' + counts.format(1, 0) in body
    assert '<th scope="row" rowspan="2"><a href="p1/p1_scoreboard.html">p1</a><br><span class="sb-total">6 rows</span>' in body
    assert f"{BADGE_TEXT['synthetic']}</span> ×2" in body and "0.750" not in over  # counts only, no results
    for paper, anchor in (("p1", "sb-p1-table-4"), ("p1", "sb-p1-table-1"), ("p2", "sb-p2-fig-2")):
        assert f"({anchor})=\n## " in pages.scoreboard_page((paper,), paper, root=tmp_path)  # the link's target


def test_group_anchors_are_unique_per_page():
    import pandas as pd

    df = pd.DataFrame({"paper_id": ["p1", "p1", "p1", "p2"], "group": ["Table 1", "Table-1", "§", "Table 1"]})
    assert pages._group_ids(df) == {("p1", "Table 1"): "sb-p1-table-1", ("p1", "Table-1"): "sb-p1-table-1-2",
                                    ("p1", "§"): "sb-p1-group", ("p2", "Table 1"): "sb-p2-table-1"}


@pytest.mark.parametrize("render", [lambda r: pages.scoreboard_page(("p1",), "p1", root=r),
                                    lambda r: pages.scoreboard_overview(("p1",), root=r)], ids=["paper", "overview"])
def test_no_tables_yet_says_so(tmp_path, render):
    assert "No comparison tables have been produced yet" in render(tmp_path)
