"""Offline check of the launch links of a built book (``make launch-check``; also run by the tests).

Every notebook page (a page whose ``.ipynb`` source Sphinx copied to ``_sources/``) must carry Binder
and Colab links; each Binder/JupyterHub link must open a file tracked in the repository, and each
Colab link a notebook of the Colab mirror (``make colab``), on the branches the book was built for.

    python tests/browser/check_launch.py [_build/html] [--colab _build/colab]
"""

from __future__ import annotations

import argparse
import html as htmllib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HREF = re.compile(r'<a[^>]+href="([^"]+)"[^>]*>', re.I)
PROVIDERS = {"mybinder.org": "Binder", "colab.research.google.com": "Colab", "git-pull": "JupyterHub"}


def tracked_files(repo: Path) -> set[str]:
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=repo,
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def notebook_pages(html_dir: Path) -> list[str]:
    src = html_dir / "_sources"
    return sorted(p.relative_to(src).with_suffix("").with_suffix("").as_posix() for p in src.rglob("*.ipynb"))


def check(html_dir: Path, repo: Path, colab_dir: Path, need=("Binder", "Colab"), files: set[str] | None = None):
    """``(lines, problems)``: one line per notebook page with its launch targets, and what is wrong."""
    from omicslib.book.launch import COLAB_BRANCH, link_target

    files = tracked_files(repo) if files is None else files
    lines, problems = [], []
    pages = notebook_pages(html_dir)
    if not pages:
        problems.append(f"no notebook pages under {html_dir}")
    for page in pages:
        text = (html_dir / f"{page}.html").read_text(encoding="utf-8")
        links = {}
        for href in map(htmllib.unescape, HREF.findall(text)):
            for host, name in PROVIDERS.items():
                if host in href:
                    links[name] = href
        for name in need:
            if name not in links:
                problems.append(f"{page}: no {name} link")
        for name, href in sorted(links.items()):
            branch, path = link_target(href)
            if name == "Colab":
                ok = branch == COLAB_BRANCH and (colab_dir / path).is_file()
            else:
                ok = path in files
            lines.append(f"{page}: {name} -> {branch}:{path} {'ok' if ok else 'MISSING'}")
            if not ok:
                problems.append(f"{page}: {name} link opens {branch}:{path}, which does not exist")
    return lines, problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("html", nargs="?", default=str(ROOT / "_build" / "html"))
    ap.add_argument("--colab", default=str(ROOT / "_build" / "colab"))
    args = ap.parse_args(argv)
    lines, problems = check(Path(args.html), ROOT, Path(args.colab))
    print("\n".join(lines))
    print(f"{len(notebook_pages(Path(args.html)))} notebook pages, {len(lines)} launch links, {len(problems)} problems")
    for p in problems:
        print("  PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
