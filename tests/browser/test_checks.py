"""The browser check's pure parts (the browser run itself is `make browser-test`)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import check_book  # noqa: E402


def test_unclean_outputs_finds_paths_reprs_and_stray_values():
    found = check_book.unclean_outputs([
        "wrote PosixPath('/work/main/book/p1/results/x.csv')",
        "<omicslib.papers.p1_crossmodal.protocol.GridResult object at 0x7f3a2b1c>",
        "Text(0.5, 1.0, 'title')",
        "[<matplotlib.lines.Line2D at 0x7f00>]",
        "VBox(children=(HBox(children=(Dropdown(description='K'",
        "<Figure size 640x480 with 1 Axes>",
        "cached under /tmp/abc",
    ])
    kinds = [f.split(":")[0] for f in found]
    assert kinds.count("machine path") == 2 and kinds.count("PosixPath repr") == 1
    assert kinds.count("object repr") == 1 and kinds.count("stray return value") == 4


def test_clean_outputs_pass():
    assert check_book.unclean_outputs([
        "macro-F1 0.813 ± 0.017 (n = 5)",
        "results/p1_02_crossmodal_grid/table4.json",  # a relative path is fine
        "K=300 (ours K=32) EXP+CNA",
        "see https://example.org/work/tmp/home/ for the data",
        "Live explorer: drop-downs that redraw the figure",
    ]) == []


def test_anchor_index_reads_ids(tmp_path):
    page = tmp_path / "p.html"
    page.write_text('<h2 id="table-4">Table 4</h2><a name="old-style"></a><p id="src-table4"></p>')
    assert check_book.anchors(page) == {"table-4", "old-style", "src-table4"}


def _page(article: str, head: str = "") -> str:
    return (f"<html><head>{head}<script>const p = '/work/in/a/script';</script></head><body><nav>Contents</nav>"
            f'<main><article class="bd-article">{article}</article></main></body></html>')


def test_static_problems_find_leaks_in_code_cells_and_addresses():
    markup = _page('<div class="cell_input"><pre>outdir = "/work/main/book/p1/results/x"</pre></div>'
                   "<table><tr><td>NaN</td><td>nan</td></tr></table><p>6 rows × 21 columns</p>"
                   '<a href="file:///home/u/book.ipynb">x</a><img src="/tmp/fig.png" alt="f">')
    kinds = sorted(f.split(": ")[1] for f in check_book.static_problems("book/p1/x.html", markup))
    # the code cell's path and the two addresses; NaN in the text and the lower-case cell; the shape footer
    assert kinds == ["NaN", "NaN", "machine path", "machine path", "machine path", "pandas shape footer"]


def test_static_problems_pass_a_clean_page_and_ignore_scripts():
    markup = _page('<div class="answer"><p>Verdict: not reproduced.</p></div><pre>outdir = "book/p1/results/x"</pre>'
                   "<table><tr><td>–</td><td>0.813</td></tr></table><p>see https://example.org/work/tmp/ and "
                   "~/work/x and a NaN-free table; 2 rows of 3 columns</p>")
    assert check_book.static_problems("book/p1/index.html", markup) == []


def test_answer_block_is_required_on_the_landing_page_and_paper_indexes_only():
    bare = _page("<p>Five papers.</p>")
    assert check_book.static_problems("book/intro.html", bare) == [
        "book/intro.html: no answer block (an element of class 'answer') on the page"]
    assert len(check_book.static_problems("book/p5/index.html", bare)) == 1
    assert check_book.static_problems("book/p5/p5_claims.html", bare) == []


def test_layout_height_and_verdict_findings():
    measure = {"page_overflow": 0, "items": [{"tag": "table", "cls": "", "over": 240, "text": "sha256"},
                                             {"tag": "pre", "cls": "", "over": 1, "text": "make book"}]}
    assert check_book.layout_problems("a.html", measure) == [
        "a.html: table 240 px wider than its container at 1400 px: 'sha256'"]   # 1 px is rounding, not overflow
    assert check_book.layout_problems("a.html", {"page_overflow": 35}, 390) == [
        "a.html: the page scrolls sideways by 35 px at 390 px"]
    assert check_book.height_problem("a.html", 15000) == []
    assert check_book.height_problem("a.html", 86605) == [
        "a.html: 86,605 px tall at 1400 px (limit 15,000): split it or fold its long tables"]
    found = check_book.verdict_problems("c.html", [{"cells": 0, "hidden": 0, "example": ""},
                                                   {"cells": 12, "hidden": 12, "example": "not reproduced"},
                                                   {"cells": 3, "hidden": 0, "example": ""}])
    assert found == ["c.html: claims table 0 has no verdict cells (class 'verdict')",
                     "c.html: claims table 1: 12 of 12 verdicts not visible at 390 px (e.g. 'not reproduced')"]


def _png(tmp_path, fontsize_pt=None, width_in=None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width_in or 6, 2))
    meta = {} if fontsize_pt is None else {check_book.FONT_KEY: str(fontsize_pt), check_book.WIDTH_KEY: str(width_in)}
    path = tmp_path / f"f{fontsize_pt}.png"
    fig.savefig(path, dpi=50, metadata=meta)
    plt.close(fig)
    return path


def test_forest_label_size_from_png_metadata_and_shown_width(tmp_path):
    import base64

    # by hand: 9 pt = 0.125 in; a 12 in figure shown 700 px wide has 58.33 px per inch -> 7.29 px
    assert abs(check_book.label_px(9, 12, 700) - 7.2917) < 1e-3
    forest, plain = _png(tmp_path, 9, 12), _png(tmp_path)
    images = [{"src": "http://127.0.0.1:1/_images/forest.png", "shown": 700.0, "alt": "forest"},
              {"src": "data:image/png;base64," + base64.b64encode(plain.read_bytes()).decode(), "shown": 500.0},
              {"src": "data:image/png;base64," + base64.b64encode(forest.read_bytes()).decode(), "shown": 1120.0}]
    html_dir = tmp_path / "html"
    (html_dir / "_images").mkdir(parents=True)
    (html_dir / "_images" / "forest.png").write_bytes(forest.read_bytes())
    found = check_book.forest_labels(images, lambda s: check_book.image_bytes(s, "http://127.0.0.1:1/", html_dir))
    assert [f["label_px"] for f in found] == [7.3, 11.7]   # the plain figure carries no metadata: not a forest plot
    problems = check_book.label_problems("p1_claims.html", found)
    assert len(problems) == 1 and "7.3 px" in problems[0]
    assert check_book.image_bytes("https://elsewhere.org/x.png", "http://127.0.0.1:1/", html_dir) is None
