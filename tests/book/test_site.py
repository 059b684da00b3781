"""The book's Sphinx extension: published results without machine paths."""

import json

from omicslib.book import site


def test_public_sidecar_strips_machine_paths_and_keeps_the_rest():
    side = {"provenance": {"files": [{"path": "/data/root/metabric/x.csv", "sha256": "ab" * 32},
                                     {"path": "/home/someone/elsewhere/y.zip", "sha256": "cd" * 32}]},
            "git_commit": "fe48be9", "seeds": [0, 1], "note": "a/relative/path stays"}
    out = site.public_sidecar(side, ("/data/root",))
    assert out["provenance"]["files"] == [{"path": "<data>/metabric/x.csv", "sha256": "ab" * 32},
                                          {"path": "<local>/y.zip", "sha256": "cd" * 32}]
    assert out["git_commit"] == "fe48be9" and out["seeds"] == [0, 1] and out["note"] == "a/relative/path stays"


def test_publish_results_copies_tables_and_clean_sidecars(tmp_path):
    res = tmp_path / "src" / "book" / "p1" / "results" / "p1_02_x"
    res.mkdir(parents=True)
    (res / "table4.csv").write_text("a,b\n1,2\n")
    (res / "table4.json").write_text(json.dumps({"files": [{"path": str(tmp_path / "src" / "data" / "f.csv")}]}))
    (res / ".cache.json").write_text("{}")
    (res / "figure.png").write_bytes(b"png")
    out = tmp_path / "html"
    assert site.publish_results(tmp_path / "src", out) == 2
    pub = out / "book" / "p1" / "results" / "p1_02_x"
    assert (pub / "table4.csv").read_text() == "a,b\n1,2\n"
    assert json.loads((pub / "table4.json").read_text()) == {"files": [{"path": "<data>/data/f.csv"}]}
    assert not (pub / ".cache.json").exists() and not (pub / "figure.png").exists()
    assert str(tmp_path) not in (pub / "table4.json").read_text()


def test_sidebar_toggles_get_a_name():
    toggle = '<summary><span class="toctree-toggle" role="presentation"><i class="fa-solid fa-chevron-down"></i></span>'
    nav = (f'<li><a class="reference internal" href="p1/index.html">p1 · A &amp; B</a><details>{toggle}</summary></li>'
           f'<li><details open="open">{toggle}</summary></li>')
    out = site.accessible_toctree(nav)
    assert out.count("<summary aria-label=") == 2
    assert '<details><summary aria-label="Sections of p1 · A &amp; B">' in out
    assert '<details open="open"><summary aria-label="Sections">' in out
    assert site.accessible_toctree("<p>no toggles</p>") == "<p>no toggles</p>"


def test_module_names_on_a_page_link_to_their_file_at_the_commit():
    from docutils import nodes

    from omicslib.paths import REPO_ROOT

    url = "https://github.com/example-org/omicslib-book"
    para = nodes.paragraph("", "", nodes.literal(text="omicslib.papers.p3_clustering"), nodes.Text(" and "),
                           nodes.literal(text="dmacl.py"), nodes.Text(" but not "), nodes.literal(text="k = 5"),
                           nodes.reference("", "", nodes.literal(text="omicslib.book.report"), refuri="x.html"))
    doc = nodes.document(None, None)
    doc += para
    assert site.link_sources(doc, "book/p3/index", url, "0123456789abcdef", REPO_ROOT) == 2
    refs = [r["refuri"] for r in doc.findall(nodes.reference)]
    assert refs == [f"{url}/blob/0123456789abcdef/omicslib/papers/p3_clustering/__init__.py",
                    f"{url}/blob/0123456789abcdef/omicslib/papers/p3_clustering/dmacl.py", "x.html"]


def test_notebook_pages_name_their_jupytext_source():
    src = "notebooks/p3_clustering/p3_02_intersim_fig2.py"
    plain = site.notebook_source_html(src)
    assert f"<code>{src}</code>" in plain and "<a " not in plain
    linked = site.notebook_source_html(src, "https://github.com/o/r", "0123456789abcdef")
    assert f'href="https://github.com/o/r/blob/0123456789abcdef/{src}"' in linked and "0123456789ab" in linked


def test_results_table_directive_formats_a_result_csv(tmp_path):
    """A small Sphinx build with MyST and the book's results-table directive: digits by magnitude, a dash for a
    missing value, no nan, a comparison table compacted; a file the build did not write is a warning."""
    import importlib.util

    from sphinx.cmd.build import build_main

    from omicslib.paths import REPO_ROOT

    spec = importlib.util.spec_from_file_location("results_table", REPO_ROOT / "book" / "_ext" / "results_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    src = tmp_path / "src"
    (src / "results" / "nb").mkdir(parents=True)
    (src / "results" / "nb" / "t.csv").write_text("method,auc,p\nours,0.81234,0.00001\nbaseline,,0.5\n")
    (src / "index.md").write_text("# Home\n\n```{results-table} The AUCs\n:file: results/nb/t.csv\n```\n\n"
                                  "```{results-table}\n:file: results/nb/missing.csv\n```\n")
    (src / "conf.py").write_text(f"import sys\nsys.path.insert(0, {str(REPO_ROOT / 'book' / '_ext')!r})\n"
                                 "extensions = ['myst_nb', 'results_table']\nnb_execution_mode = 'off'\n")
    out = tmp_path / "html"
    assert build_main(["-q", "-b", "html", str(src), str(out)]) == 0
    page = (out / "index.html").read_text()
    assert '<td class="num">0.812</td>' in page and '<td class="num">1.0e-05</td>' in page
    assert '<td class="num">–</td>' in page and ">nan<" not in page.lower()
    assert "<caption>The AUCs</caption>" in page and "missing.csv was not written by the last build" in page
    assert "<td>ours</td>" in mod.render(src / "results" / "nb" / "t.csv")
