"""Launch links, Binder folder and Colab mirror (offline)."""

import html as htmllib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from omicslib.book import launch
from omicslib.paths import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests" / "browser"))
import check_launch  # noqa: E402

URL = launch.PLACEHOLDER_URL
SOURCES = sorted(p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "notebooks").glob("*/p[0-9]_*.py"))


def test_every_notebook_source_is_found_from_its_page_name():
    assert SOURCES
    for src in SOURCES:
        page = f"book/{src.split('/')[1][:2]}/{Path(src).stem}"
        assert launch.source_of(page) == src
    assert launch.source_of("book/p1/index") is None


def test_launch_urls_open_tracked_sources_and_round_trip():
    src = "notebooks/p1_crossmodal/p1_02_crossmodal_grid.py"
    urls = launch.launch_urls(URL, src, branch="main", binderhub_url="https://mybinder.org/",
                              jupyterhub_url="https://hub.example.org", colab_url="https://colab.research.google.com")
    assert urls["Binder"] == ("https://mybinder.org/v2/gh/example-org/omicslib-book/main"
                              "?urlpath=lab/tree/notebooks/p1_crossmodal/p1_02_crossmodal_grid.py")
    assert urls["Colab"] == ("https://colab.research.google.com/github/example-org/omicslib-book/blob/colab/"
                             "notebooks/p1_crossmodal/p1_02_crossmodal_grid.ipynb")
    assert launch.link_target(urls["Binder"]) == ("main", src)
    assert launch.link_target(urls["JupyterHub"]) == ("main", src)
    assert launch.link_target(urls["Colab"]) == ("colab", src.replace(".py", ".ipynb"))
    with pytest.raises(ValueError, match="github.com/<org>/<repo>"):
        launch.launch_urls("https://gitlab.com/a/b", src)


def test_repo_url_env_overrides_the_config(monkeypatch):
    monkeypatch.delenv(launch.REPO_ENV, raising=False)
    assert launch.repo_url("https://github.com/a/b.git") == "https://github.com/a/b"
    monkeypatch.setenv(launch.REPO_ENV, "https://github.com/c/d/")
    assert launch.repo_url("https://github.com/a/b") == "https://github.com/c/d"
    assert launch._config_repo_url() == ""  # no address is committed: launch links need REPO_URL


def test_colab_mirror_pins_version_and_commit(tmp_path):
    written = launch.colab_mirror(tmp_path, URL, "0123abc")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [s[:-3] + ".ipynb" for s in SOURCES]
    version = launch.project_version()
    for path in written:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "colab-install" in code[0].metadata["tags"]
        assert "checkout -q 0123abc" in code[0].source and f'== "{version}"' in code[0].source
        assert any("parameters" in c.metadata.get("tags", []) for c in code[1:]), path
    with pytest.raises(ValueError, match="github.com"):
        launch.colab_mirror(tmp_path, "https://example.org/x", "0123abc")


def test_binder_pins_come_from_the_one_requirements_file():
    lines = [ln for ln in (REPO_ROOT / "binder" / "requirements.txt").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert "-r ../requirements.txt" in lines
    assert all(ln.startswith(("-r ", "--extra-index-url ")) for ln in lines), "pins belong in requirements.txt"
    assert re.fullmatch(r"python-3\.\d+\s*", (REPO_ROOT / "binder" / "runtime.txt").read_text())


def test_binder_postbuild_makes_jupyterlab_open_py_as_notebooks(tmp_path):
    post = REPO_ROOT / "binder" / "postBuild"
    assert os.access(post, os.X_OK)
    shim = tmp_path / "bin"
    shim.mkdir()
    prefix = tmp_path / "prefix"
    (shim / "python").write_text(f'#!/bin/sh\n[ "$1" = "-c" ] && echo "{prefix}" && exit 0\necho "$@" >> '
                                 f'"{tmp_path}/pip.log"\n')
    (shim / "python").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}:{os.environ['PATH']}"}
    subprocess.run(["bash", str(post)], cwd=REPO_ROOT, env=env, check=True)
    got = json.loads((prefix / "share/jupyter/lab/settings/overrides.json").read_text())
    assert got["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]["python"] == "Jupytext Notebook"
    assert "-m pip install --no-deps -e ." in (tmp_path / "pip.log").read_text()
    make = (REPO_ROOT / "Makefile").read_text()
    assert json.dumps(got, separators=(", ", ": ")) in make  # the same setting as `make lab`


NB = {"cells": [{"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# A notebook page"},
                {"cell_type": "code", "id": "sum", "metadata": {}, "execution_count": 1, "source": "1 + 1",
                 "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                              "data": {"text/plain": "2"}}]}],
      "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
      "nbformat": 4, "nbformat_minor": 5}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_built_pages_carry_launch_links_to_existing_paths(tmp_path, monkeypatch):
    """A small Sphinx build with the book's theme, MyST-NB and omicslib.book.site, a placeholder address."""
    pytest.importorskip("sphinx_book_theme")
    from sphinx.cmd.build import build_main

    src = tmp_path / "src"
    (src / "book" / "p1").mkdir(parents=True)
    (src / "notebooks" / "p1_crossmodal").mkdir(parents=True)
    (src / "notebooks" / "p1_crossmodal" / "p1_02_crossmodal_grid.py").write_text("# %%\n1 + 1\n")
    (src / "book" / "p1" / "p1_02_crossmodal_grid.ipynb").write_text(json.dumps(NB))
    (src / "index.md").write_text("# Home\n\n```{toctree}\nbook/p1/p1_02_crossmodal_grid\n```\n")
    (src / "conf.py").write_text(
        "extensions = ['myst_nb', 'sphinx_book_theme', 'omicslib.book.site']\n"
        "html_theme = 'sphinx_book_theme'\nnb_execution_mode = 'off'\nexclude_patterns = ['notebooks', '_build']\n"
        "html_theme_options = {'repository_url': '', 'launch_buttons': {'notebook_interface': 'jupyterlab', "
        "'binderhub_url': 'https://mybinder.org', 'colab_url': 'https://colab.research.google.com'}}\n")
    monkeypatch.setenv(launch.REPO_ENV, URL)
    out = tmp_path / "html"
    assert build_main(["-q", "-b", "html", str(src), str(out)]) == 0
    colab = tmp_path / "colab"
    (colab / "notebooks" / "p1_crossmodal").mkdir(parents=True)
    (colab / "notebooks" / "p1_crossmodal" / "p1_02_crossmodal_grid.ipynb").write_text("{}")
    lines, problems = check_launch.check(out, src, colab, files={"notebooks/p1_crossmodal/p1_02_crossmodal_grid.py"})
    assert not problems, problems
    assert lines == ["book/p1/p1_02_crossmodal_grid: Binder -> main:notebooks/p1_crossmodal/p1_02_crossmodal_grid.py ok",
                     "book/p1/p1_02_crossmodal_grid: Colab -> colab:notebooks/p1_crossmodal/p1_02_crossmodal_grid.ipynb ok"]
    page = (out / "book/p1/p1_02_crossmodal_grid.html").read_text()
    assert "github.com/example-org/omicslib-book" in page  # the repository button
    # the page names its Jupytext source under its title, linked at the built commit (here no git: the branch)
    assert (f'class="omicslib-nb-source">Source: <a href="{URL}/blob/main/notebooks/p1_crossmodal/'
            'p1_02_crossmodal_grid.py"><code>notebooks/p1_crossmodal/p1_02_crossmodal_grid.py</code></a>') in page
    assert (out / "_static" / "plotly.min.js").is_file()
    # without an address: no launch links, and the check says so
    monkeypatch.delenv(launch.REPO_ENV)
    shutil.rmtree(out)
    assert build_main(["-q", "-b", "html", str(src), str(out)]) == 0
    _, problems = check_launch.check(out, src, colab, files=set())
    assert problems == ["book/p1/p1_02_crossmodal_grid: no Binder link", "book/p1/p1_02_crossmodal_grid: no Colab link"]


def _fake_book(root: Path, pages: dict[str, str | None]) -> Path:
    """A minimal built book: for each notebook page, ``_sources/<page>.ipynb`` (how check_launch finds notebook
    pages) and ``<page>.html`` whose launch buttons are the links ``launch.launch_urls`` makes for ``source``
    (``None``: a page without launch buttons)."""
    html = root / "html"
    for page, source in pages.items():
        for folder in (html / "_sources" / page).parent, (html / page).parent:
            folder.mkdir(parents=True, exist_ok=True)
        (html / "_sources" / f"{page}.ipynb").write_text("{}")
        links = "" if source is None else "".join(
            f'<a class="btn" href="{htmllib.escape(u)}">{name}</a>' for name, u in launch.launch_urls(
                URL, source, branch="main", binderhub_url="https://mybinder.org/",
                jupyterhub_url="https://hub.example.org", colab_url="https://colab.research.google.com").items())
        (html / f"{page}.html").write_text(f"<html><body><nav>{links}</nav><p>{page}</p></body></html>")
    return html


def test_launch_check_of_a_built_book(tmp_path, capsys):
    """check_launch on a self-made built book and Colab mirror (at ``launch.colab_path`` of each source; the
    mirror's content is tested above), against the repository's real tracked files: good links pass, and each
    kind of broken link is reported."""
    good = {f"book/{src.split('/')[1][:2]}/{Path(src).stem}": src for src in SOURCES[:2]}
    html = _fake_book(tmp_path, good)
    colab = tmp_path / "colab"
    for src in good.values():
        (colab / launch.colab_path(src)).parent.mkdir(parents=True, exist_ok=True)
        (colab / launch.colab_path(src)).write_text("{}")
    lines, problems = check_launch.check(html, REPO_ROOT, colab)
    assert not problems, problems
    assert len(lines) == 2 * 3  # Binder, Colab, JupyterHub per page
    assert all(line.endswith(" ok") for line in lines)
    assert check_launch.main([str(html), "--colab", str(colab)]) == 0
    assert "2 notebook pages, 6 launch links, 0 problems" in capsys.readouterr().out

    # an untracked source, a page without buttons, a notebook missing from the mirror, no pages at all
    gone = "notebooks/p1_crossmodal/p1_99_not_in_the_repo.py"
    bad = _fake_book(tmp_path / "bad", {"book/p1/p1_99_not_in_the_repo": gone, "book/p1/bare": None})
    _, problems = check_launch.check(bad, REPO_ROOT, colab)
    assert problems == [
        "book/p1/bare: no Binder link", "book/p1/bare: no Colab link",
        f"book/p1/p1_99_not_in_the_repo: Binder link opens main:{gone}, which does not exist",
        f"book/p1/p1_99_not_in_the_repo: Colab link opens colab:{gone[:-3]}.ipynb, which does not exist",
        f"book/p1/p1_99_not_in_the_repo: JupyterHub link opens main:{gone}, which does not exist"]
    first = Path(SOURCES[0])
    (colab / first.with_suffix(".ipynb")).unlink()
    _, problems = check_launch.check(html, REPO_ROOT, colab)
    assert problems == [f"{next(iter(good))}: Colab link opens colab:{first.with_suffix('.ipynb').as_posix()}, "
                        "which does not exist"]
    assert check_launch.main([str(bad), "--colab", str(colab)]) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_launch.check(empty, REPO_ROOT, colab)[1] == [f"no notebook pages under {empty}"]


def test_module_names_resolve_to_their_tracked_files():
    assert launch.module_path("omicslib.papers.p3_clustering") == "omicslib/papers/p3_clustering/__init__.py"
    assert launch.module_path("omicslib.book.report.show") == "omicslib/book/report.py"   # a function: its module
    assert launch.module_path("`omicslib/book/runner.py`") == "omicslib/book/runner.py"
    pkg = launch.paper_package("book/p3/p3_audit")
    assert pkg == "omicslib/papers/p3_clustering"
    assert launch.module_path("dmacl.py", package=pkg) == "omicslib/papers/p3_clustering/dmacl.py"
    assert launch.paper_package("book/intro") is None
    # not files: code, options, a name that does not exist, a bare file without its package
    for text in ("config(profile, **overrides)", "data_source=\"full\"", "omicslib.no_such_module", "dmacl.py",
                 "/etc/passwd", "x + N(0,1)"):
        assert launch.module_path(text) is None, text
    assert launch.source_url(URL, "omicslib/book/report.py", "abc123") == f"{URL}/blob/abc123/omicslib/book/report.py"


def test_launch_sentence_follows_the_address():
    assert "no Binder or Colab launch buttons" in launch.launch_sentence("")
    said = launch.launch_sentence(URL)
    assert URL in said and "launch buttons" in said and "no " not in said.split(":")[0]
    assert set(launch.book_facts()) == {"launch"}


#: A papermill command on a page or in the README, and the jupytext conversion that made its input.
_PAPERMILL = re.compile(r"papermill\s+(\S+\.ipynb)\s+\S+\.ipynb((?:\s+(?:\\\s*)?-p\s+\w+\s+(?:'[^']*'|\S+))*)")
_JUPYTEXT = re.compile(r"jupytext\s+--to\s+ipynb\s+(\S+)\s+-o\s+([^\s`'\")]+)")


def _papermill_instructions():
    docs = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "book").rglob("*.md"))]
    for doc in docs:
        text = doc.read_text()
        for m in _PAPERMILL.finditer(text):
            yield doc.relative_to(REPO_ROOT).as_posix(), text, m


def test_papermill_instructions_agree_everywhere():
    """Every page and the README run papermill the one way (:func:`launch.papermill_recipe`): on an .ipynb that
    a jupytext conversion of a tracked source made just before (never an .ipynb under notebooks/, which is not
    tracked, nor the executed copy under book/), with parameters that notebook declares."""
    from omicslib.book import runner

    found = list(_papermill_instructions())
    assert any(doc == "README.md" for doc, _, _ in found)
    problems = []
    for doc, text, m in found:
        conversions = {out: src for src, out in _JUPYTEXT.findall(text[:m.start()])}
        source = conversions.get(m.group(1))
        if source is None:
            problems.append(f"{doc}: papermill runs {m.group(1)}, which no jupytext conversion before it made")
            continue
        if not (REPO_ROOT / source).is_file() or not source.startswith("notebooks/"):
            problems.append(f"{doc}: {source} is not a tracked notebook source")
            continue
        declared = runner.declared_parameters(runner.Notebook(REPO_ROOT / source))
        for name in re.findall(r"-p\s+(\w+)", m.group(2)):
            if name not in declared:
                problems.append(f"{doc}: {Path(source).name} declares no parameter {name!r}")
    assert problems == []


def test_papermill_recipe_is_what_the_check_accepts():
    recipe = launch.papermill_recipe("notebooks/p1_crossmodal/p1_02_crossmodal_grid.py")
    (m,) = _PAPERMILL.finditer(recipe)
    assert dict((o, s) for s, o in _JUPYTEXT.findall(recipe))[m.group(1)] == \
        "notebooks/p1_crossmodal/p1_02_crossmodal_grid.py"
    assert "/tmp/" not in recipe   # pages must not name machine folders
