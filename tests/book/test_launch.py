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
