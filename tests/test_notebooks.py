"""Smoke execution of every notebook through papermill (profile=smoke, CPU)."""

import json

import pytest

from omicslib.runner import discover, execute


@pytest.mark.notebook
@pytest.mark.parametrize("nb", discover(), ids=lambda nb: nb.stem)
def test_notebook_smoke(nb, tmp_path):
    out = tmp_path / "results"
    execute(nb.source, tmp_path / f"{nb.stem}.ipynb", {"profile": "smoke", "device": "cpu", "outdir": str(out)},
            timeout=600)
    sidecars = [json.loads(p.read_text()) for p in out.glob("*.json")]
    assert sidecars, f"{nb.stem} wrote no tables or figures"
    for side in sidecars:
        assert side["provenance"]["kind"] in {"full", "real-subset", "synthetic"}
        assert side["profile"] == "smoke"
