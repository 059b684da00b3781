import json

import pytest

from omicslib.book import runner

NB = '''# %% tags=["parameters"]
profile = "quick"
device = "auto"
outdir = ""
fail = False

# %%
from omicslib.book import report
from omicslib.book.provenance import synthetic
run = report.Run(paper="p1", notebook="p1_99_demo", profile=profile, outdir=outdir or None)
run.compare([{"item": "x", "metric": "acc", "paper": 0.9, "ours": 0.8}], "t", synthetic("s", "d"))

# %%
if fail:
    raise ValueError("planted failure")
'''


@pytest.fixture
def fake_repo(tmp_path, monkeypatch):
    (tmp_path / "notebooks" / "p1_demo").mkdir(parents=True)
    (tmp_path / "notebooks" / "p1_demo" / "p1_99_demo.py").write_text(NB)
    (tmp_path / "omicslib").mkdir()
    (tmp_path / "omicslib" / "x.py").write_text("A = 1\n")
    monkeypatch.setattr(runner, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", tmp_path / "notebooks")
    return tmp_path


def test_run_executes_then_caches_and_reruns_on_change(fake_repo):
    nb = runner.discover()[0]
    assert nb.paper == "p1" and nb.executed == fake_repo / "book" / "p1" / "p1_99_demo.ipynb"
    params = {"outdir": str(nb.results)}
    s1 = runner.run(("p1",), "smoke", "cpu", jobs=1, extra=params)
    assert isinstance(s1["p1_99_demo"], float) and nb.executed.is_file()
    assert (nb.results / "t.csv").is_file()
    assert runner.run(("p1",), "smoke", "cpu", jobs=1, extra=params)["p1_99_demo"] == "cached"
    # a different profile, a code change or a forced run re-execute
    assert runner.run(("p1",), "quick", "cpu", jobs=1, extra=params)["p1_99_demo"] != "cached"
    (fake_repo / "omicslib" / "x.py").write_text("A = 2\n")
    assert runner.run(("p1",), "quick", "cpu", jobs=1, extra=params)["p1_99_demo"] != "cached"


def test_cache_invalidated_when_recorded_input_file_changes(fake_repo, tmp_path):
    nb = runner.discover()[0]
    data = tmp_path / "input.txt"
    data.write_text("v1")
    nb.results.mkdir(parents=True)
    (nb.results / "side.json").write_text(json.dumps({"provenance": {"files": [{"path": str(data), "sha256": "x"}]}}))
    assert runner.recorded_inputs(nb.results) == {str(data): "x"}
    from omicslib.book.provenance import sha256_of

    key = "k"
    nb.executed.parent.mkdir(parents=True, exist_ok=True)
    nb.executed.write_text("{}")
    (nb.results / runner.CACHE_NAME).write_text(json.dumps({"key": key, "inputs": {str(data): sha256_of(data)}}))
    assert runner.is_fresh(nb, key)
    data.write_text("v2")
    assert not runner.is_fresh(nb, key)
    assert not runner.is_fresh(nb, "other-key")


def test_failure_names_notebook_and_cell(fake_repo):
    nb = runner.discover()[0]
    with pytest.raises(runner.NotebookFailed, match=r"p1_99_demo.py failed in cell \d+.*ValueError: planted failure"):
        runner.run(("p1",), "smoke", "cpu", jobs=1, extra={"fail": True, "outdir": str(nb.results)})


def test_cli_rejects_unknown_paper(capsys):
    with pytest.raises(SystemExit):
        runner.main(["--papers", "p7"])
