"""Launch links that open tracked files, and the Colab mirror of the notebooks.

The book's notebook pages are papermill-executed copies (``book/pN/*.ipynb``, build outputs that are
not in the repository), so the theme's own launch links would point at files that do not exist.
:func:`launch_urls` points them at what is tracked instead:

- **Binder** and **JupyterHub** open the Jupytext source ``notebooks/pN_*/<name>.py`` in JupyterLab,
  which opens it as a notebook (``binder/postBuild`` sets the default viewer, as ``make lab`` does);
- **Colab** cannot open a ``.py`` file: it opens ``notebooks/pN_*/<name>.ipynb`` on the branch
  :data:`COLAB_BRANCH`, which holds the mirror :func:`colab_mirror` generates (``make colab``; the
  publishing workflow pushes it). Each mirrored notebook starts with an install cell pinned to this
  project's version and to the commit the mirror was made from.

The repository address is one setting: ``repository.url`` in ``_config.yml``, overridden by the
environment variable ``REPO_URL`` (``make book REPO_URL=https://github.com/<org>/<repo>``); the branch
by ``REPO_BRANCH`` (default ``main``). Without an address the book has no launch links.

    python -m omicslib.book.launch colab --repo https://github.com/<org>/<repo> [--out _build/colab] [--ref <commit>]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import quote, urlencode

from omicslib.paths import REPO_ROOT

NOTEBOOKS = "notebooks"
COLAB_BRANCH = "colab"
COLAB_DIR = REPO_ROOT / "_build" / "colab"
REPO_ENV, BRANCH_ENV, REF_ENV = "REPO_URL", "REPO_BRANCH", "REPO_REF"
#: The address the offline tests build with; never a real repository.
PLACEHOLDER_URL = "https://github.com/example-org/omicslib-book"
DEFAULT_BRANCH = "main"


def repo_url(configured: str = "") -> str:
    """The repository address: ``$REPO_URL`` if set, else ``configured`` (``_config.yml``); may be empty."""
    return (os.environ.get(REPO_ENV) or configured or "").strip().rstrip("/").removesuffix(".git")


def github_parts(url: str) -> tuple[str, str]:
    """``(org, repo)`` of a GitHub address; Binder, JupyterHub and Colab links need one."""
    head, sep, tail = url.rstrip("/").removesuffix(".git").partition("github.com/")
    parts = tail.split("/")
    if not sep or len(parts) != 2 or not all(parts):
        raise ValueError(f"repository address must be https://github.com/<org>/<repo>, got {url!r}")
    return parts[0], parts[1]


def source_of(pagename: str, root: str | Path = REPO_ROOT) -> str | None:
    """The tracked Jupytext source of a notebook page, relative to the repository root:
    ``book/p1/p1_02_crossmodal_grid`` -> ``notebooks/p1_crossmodal/p1_02_crossmodal_grid.py``
    (``None`` when the page has no source under ``notebooks/``)."""
    name = Path(pagename).name
    hits = sorted(Path(root).glob(f"{NOTEBOOKS}/*/{name}.py"))
    if len(hits) > 1:
        raise ValueError(f"page {pagename!r}: several sources named {name}.py: {[str(h) for h in hits]}")
    return hits[0].relative_to(root).as_posix() if hits else None


def colab_path(source: str) -> str:
    """Path of a source's mirror on the Colab branch (same folders, ``.ipynb``)."""
    return str(Path(source).with_suffix(".ipynb").as_posix())


def launch_urls(url: str, source: str, *, branch: str = DEFAULT_BRANCH, binderhub_url: str = "",
                jupyterhub_url: str = "", colab_url: str = "", colab_branch: str = COLAB_BRANCH,
                interface: str = "jupyterlab") -> dict[str, str]:
    """``{provider: link}`` opening ``source`` (a tracked ``.py``) on each configured provider."""
    org, repo = github_parts(url)
    ui = {"jupyterlab": "lab/tree", "classic": "tree"}[interface]
    out = {}
    if binderhub_url:
        out["Binder"] = f"{binderhub_url.rstrip('/')}/v2/gh/{org}/{repo}/{quote(branch)}?urlpath={ui}/{source}"
    if jupyterhub_url:
        q = urlencode({"repo": f"https://github.com/{org}/{repo}", "urlpath": f"{ui}/{repo}/{source}",
                       "branch": branch}, safe="/")
        out["JupyterHub"] = f"{jupyterhub_url.rstrip('/')}/hub/user-redirect/git-pull?{q}"
    if colab_url:
        out["Colab"] = f"{colab_url.rstrip('/')}/github/{org}/{repo}/blob/{quote(colab_branch)}/{colab_path(source)}"
    return out


def link_target(link: str) -> tuple[str, str]:
    """``(branch, repository path)`` that a launch link opens (the inverse of :func:`launch_urls`)."""
    from urllib.parse import parse_qs, urlparse

    u = urlparse(link)
    q = parse_qs(u.query)
    if "/v2/gh/" in u.path:  # Binder: /v2/gh/<org>/<repo>/<branch>?urlpath=lab/tree/<path>
        branch = u.path.split("/v2/gh/", 1)[1].split("/", 2)[2]
        return branch, q["urlpath"][0].split("/tree/", 1)[1]
    if "git-pull" in u.path:  # JupyterHub: urlpath=lab/tree/<repo>/<path>
        return q["branch"][0], q["urlpath"][0].split("/tree/", 1)[1].split("/", 1)[1]
    if "/github/" in u.path:  # Colab: /github/<org>/<repo>/blob/<branch>/<path>
        rest = u.path.split("/blob/", 1)[1]
        branch, path = rest.split("/", 1)
        return branch, path
    raise ValueError(f"not a launch link: {link}")


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def project_version() -> str:
    import tomllib

    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]


def install_cell_source(url: str, ref: str, version: str) -> str:
    """The first code cell of every Colab notebook: clone the repository at ``ref``, install its pinned
    requirements and ``omicslib`` itself, and check the installed version (Colab only)."""
    return "\n".join([
        f"# Colab: install omicslib {version} at commit {ref} with the pinned requirements (skipped elsewhere)",
        "import importlib.metadata, os, sys",
        'if "google.colab" in sys.modules and not os.path.isdir("omicslib-book"):',
        f"    !git clone -q {url} omicslib-book && git -C omicslib-book checkout -q {ref}",
        "    %pip install -q -r omicslib-book/requirements.txt -e omicslib-book",
        '    sys.path.insert(0, os.path.abspath("omicslib-book"))',
        f'    assert importlib.metadata.version("omicslib") == "{version}", "unexpected omicslib version"',
    ])


def colab_mirror(out: str | Path = COLAB_DIR, url: str = "", ref: str = "") -> list[Path]:
    """Write ``<out>/notebooks/pN_*/<name>.ipynb`` for every Jupytext source, each starting with the
    pinned install cell (:func:`install_cell_source`); returns the written paths. ``url`` defaults to
    :func:`repo_url`, ``ref`` to ``$REPO_REF`` or the current commit."""
    import jupytext
    import nbformat

    url = url or repo_url(_config_repo_url())
    if not url:
        raise ValueError(f"no repository address: set {REPO_ENV} (make colab REPO_URL=https://github.com/<org>/<repo>)")
    github_parts(url)
    ref = ref or os.environ.get(REF_ENV) or _git("rev-parse", "HEAD")
    if not ref:
        raise ValueError(f"no commit to pin: run inside the git checkout or set {REF_ENV}")
    version, out, written = project_version(), Path(out), []
    sources = sorted((REPO_ROOT / NOTEBOOKS).glob("*/p[0-9]_*.py"))
    if not sources:
        raise FileNotFoundError(f"no notebook sources under {REPO_ROOT / NOTEBOOKS}")
    for src in sources:
        nb = jupytext.read(src)
        nb.metadata.pop("jupytext", None)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["colab"] = {"provenance": []}
        cell = nbformat.v4.new_code_cell(install_cell_source(url, ref, version))
        cell.metadata["tags"] = ["colab-install"]
        first = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0
        nb.cells.insert(first, cell)
        rel = src.relative_to(REPO_ROOT).with_suffix(".ipynb")
        dst = out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dst)
        written.append(dst)
    (out / "README.md").write_text(
        f"# Colab mirror of the notebooks\n\nGenerated by `make colab` from the Jupytext sources of {url} at "
        f"commit {ref} (omicslib {version}); do not edit: edit `notebooks/*/*.py` on the main branch.\n")
    return written


# ----------------------------------------------------------------------------------------------------------------
# Source links and the facts the landing page states about launching and rerunning
# ----------------------------------------------------------------------------------------------------------------

def built_commit(root: str | Path = REPO_ROOT) -> str:
    """The full commit the book is built from (source links point at it); empty outside a git checkout."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def source_url(url: str, path: str, ref: str) -> str:
    """The web address of a tracked file at ``ref`` (a commit or branch): ``<url>/blob/<ref>/<path>``."""
    return f"{url.rstrip('/')}/blob/{quote(ref, safe='')}/{quote(path)}"


def paper_package(pagename: str, root: str | Path = REPO_ROOT) -> str | None:
    """The paper package of a page under ``book/pN/``: ``book/p3/p3_audit`` -> ``omicslib/papers/p3_clustering``."""
    parts = Path(pagename).parts
    if len(parts) < 3 or parts[0] != "book" or not parts[1][:1] == "p":
        return None
    hits = sorted(Path(root).glob(f"omicslib/papers/{parts[1]}_*/__init__.py"))
    return hits[0].parent.relative_to(root).as_posix() if len(hits) == 1 else None


def module_path(text: str, root: str | Path = REPO_ROOT, package: str | None = None) -> str | None:
    """The tracked file a name on a page stands for, relative to ``root``, or None.

    ``omicslib.papers.p3_clustering.dmacl`` (or a function in it, ``...dmacl.train``) is its module file;
    ``omicslib/book/report.py`` and ``notebooks/p1_crossmodal/p1_02_crossmodal_grid.py`` are themselves;
    a bare ``dmacl.py`` or ``reference.csv`` is looked up in ``package`` (the page's paper package)."""
    root = Path(root)
    text = text.strip().strip("`")
    if not text or any(c in text for c in " ()=,*<>\\"):
        return None
    if "/" in text:
        cand = root / text
        return text if cand.is_file() and text.startswith(("omicslib/", "notebooks/", "tests/", "workflow/")) else None
    if text.startswith("omicslib.") or text == "omicslib":
        bits = text.split(".")
        for n in (len(bits), len(bits) - 1):   # a module, or a function / class / constant defined in one
            base = root.joinpath(*bits[:n])
            for cand in (base.with_suffix(".py"), base / "__init__.py"):
                if cand.is_file() and (n == len(bits) or re.search(
                        rf"^(?:def|class)\s+{re.escape(bits[-1])}\b|^{re.escape(bits[-1])}\s*[:=]", cand.read_text(), re.M)):
                    return cand.relative_to(root).as_posix()
        return None
    if package and "." in text and text.rsplit(".", 1)[1] in ("py", "csv", "json", "yaml", "toml"):
        cand = root / package / text
        return cand.relative_to(root).as_posix() if cand.is_file() else None
    return None


def launch_sentence(url: str) -> str:
    """What the landing page says about launching a notebook online, from whether the book knows its address."""
    if url:
        return ("Every notebook page has launch buttons (the rocket icon in its header): Binder opens its Jupytext "
                "source in JupyterLab and Colab opens its `.ipynb` mirror, both from the repository at "
                f"<{url}>; each notebook page also links to its source file at the commit this book was built from.")
    return ("This build has no Binder or Colab launch buttons because it was built without the repository's "
            "address; `make book REPO_URL=https://github.com/<org>/<repo>` adds them to every notebook page.")


def book_facts() -> dict[str, str]:
    """Facts about the build itself that pages quote as ``{{ book.<key> }}``: ``launch``, the landing page's
    sentence about launch buttons (:func:`launch_sentence`, from ``$REPO_URL`` or ``repository.url``)."""
    return {"launch": launch_sentence(repo_url(_config_repo_url()))}


def papermill_recipe(source: str, params: str = "-p profile paper -p device cuda") -> str:
    """The one way to run a notebook by hand with papermill, as every page and the README give it: the tracked
    Jupytext source is converted first (the ``.ipynb`` under ``notebooks/`` is not tracked, the executed copy
    under ``book/`` is a build output) into ``_build/`` (git-ignored), then executed from the repository root."""
    stem = Path(source).stem
    return (f".venv/bin/jupytext --to ipynb {source} -o _build/{stem}.ipynb\n"
            f".venv/bin/papermill _build/{stem}.ipynb _build/{stem}.out.ipynb {params}")


def _config_repo_url() -> str:
    """``repository.url`` of ``_config.yml`` (read without a YAML library: one plain scalar)."""
    m = re.search(r"^repository:\s*\n(?:[ \t]+.*\n)*?[ \t]+url:[ \t]*[\"']?([^\"'#\s]*)", (REPO_ROOT / "_config.yml").read_text(),
                  re.M)
    return m.group(1) if m else ""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m omicslib.book.launch", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("colab", help="write the Colab mirror of the notebooks")
    c.add_argument("--out", default=str(COLAB_DIR))
    c.add_argument("--repo", default="")
    c.add_argument("--ref", default="")
    args = ap.parse_args(argv)
    paths = colab_mirror(args.out, args.repo, args.ref)
    print(f"wrote {len(paths)} Colab notebooks under {Path(args.out)}")


if __name__ == "__main__":
    main()
