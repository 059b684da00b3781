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
