"""Smoke execution of every notebook through papermill (profile=smoke, CPU)."""

import json

import pytest

from omicslib.book.pages import BOOK, page_keys
from omicslib.book.report import FACTS_FILE
from omicslib.book.runner import discover, execute
from omicslib.provenance import KINDS


def _quoted_keys(namespace: str) -> set[str]:
    """Keys of ``namespace`` that any hand-written page quotes as ``{{ namespace.key }}``."""
    return {k for page in BOOK.rglob("*.md") for ns, k in page_keys(page.read_text()) if ns == namespace}


@pytest.mark.notebook
@pytest.mark.parametrize("nb", discover(), ids=lambda nb: nb.stem)
def test_notebook_smoke(nb, tmp_path):
    out = tmp_path / "results"
    execute(nb.source, tmp_path / f"{nb.stem}.ipynb", {"profile": "smoke", "device": "cpu", "outdir": str(out)},
            timeout=600)
    sidecars = [json.loads(p.read_text()) for p in out.glob("*.json") if p.name != FACTS_FILE]
    assert sidecars, f"{nb.stem} wrote no tables or figures"
    for side in sidecars:
        assert side["provenance"]["kind"] in KINDS
        assert side["profile"] == "smoke"
    # every fact a page quotes from this notebook is written by it (same keys in every profile)
    namespace = "_".join(nb.stem.split("_")[:2])
    wanted = _quoted_keys(namespace)
    written = set(json.loads((out / FACTS_FILE).read_text())["facts"]) if (out / FACTS_FILE).is_file() else set()
    assert not wanted - written, f"pages quote facts {sorted(wanted - written)} that {nb.stem} does not write"
