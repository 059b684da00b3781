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
