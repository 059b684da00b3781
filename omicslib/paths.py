"""Where things live: repository root, data directories, result folders."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_ENV = "OMICSLIB_DATA"
PAPERS = ("p1", "p2", "p3", "p4", "p5")


def data_dirs() -> list[Path]:
    """Local data directories in resolution order: ``$OMICSLIB_DATA``, then ``../shared/data``.

    Only directories that exist are returned.
    """
    candidates = []
    if os.environ.get(DATA_ENV):
        candidates.append(Path(os.environ[DATA_ENV]).expanduser())
    candidates.append(REPO_ROOT.parent / "shared" / "data")
    return [p for p in candidates if p.is_dir()]


def cache_dir() -> Path:
    """The pooch download cache (``$OMICSLIB_CACHE`` or the OS cache folder)."""
    if os.environ.get("OMICSLIB_CACHE"):
        return Path(os.environ["OMICSLIB_CACHE"]).expanduser()
    import pooch

    return Path(pooch.os_cache("omicslib"))


def results_dir(paper: str, notebook: str) -> Path:
    """Folder where a notebook writes its tables and figures: ``book/<paper>/results/<notebook>``."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper id {paper!r}; expected one of {PAPERS}")
    return REPO_ROOT / "book" / paper / "results" / notebook
