"""The thin command line over Snakemake and the dependency helpers the Snakefile calls
(the workflow itself is exercised in tests/workflow/test_snakefile.py)."""

import json
import sys

import pytest

from omicslib.book import runner


@pytest.fixture
def fake_repo(tmp_path):
    for rel in ("p1_demo/p1_99_demo.py", "p2_demo/p2_01_img.py"):
        (tmp_path / "notebooks" / rel).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "notebooks" / "p1_demo" / "p1_99_demo.py").write_text("from omicslib.papers import p1_demo as P\n"
                                                                       "import omicslib.core\n")
    (tmp_path / "notebooks" / "p2_demo" / "p2_01_img.py").write_text("from omicslib.papers import p2_demo\n")
    for pkg, text in {"p1_demo": "from omicslib.papers.p3_dep import x\n", "p2_demo": "import omicslib.histology\n",
                      "p3_dep": "x = 1\n", "p4_other": "y = 2\n"}.items():
        (tmp_path / "omicslib" / "papers" / pkg).mkdir(parents=True)
        (tmp_path / "omicslib" / "papers" / pkg / "__init__.py").write_text(text)
    (tmp_path / "omicslib" / "papers" / "p1_demo" / "reference.csv").write_text("key,value\n")
    (tmp_path / "omicslib" / "papers" / "p1_demo" / "assets").mkdir()
    (tmp_path / "omicslib" / "papers" / "p1_demo" / "assets" / "table.json").write_text("{}\n")
    (tmp_path / "omicslib" / "core.py").write_text("from .book import report\n")
    (tmp_path / "omicslib" / "histology.py").write_text("from omicslib import weights\n")
    (tmp_path / "omicslib" / "weights.py").write_text("W = 1\n")
    (tmp_path / "omicslib" / "book").mkdir()
    (tmp_path / "omicslib" / "book" / "report.py").write_text("R = 1\n")
    (tmp_path / "omicslib" / "book" / "pages.py").write_text("P = 1\n")
    return tmp_path


def test_discover_names_outputs_and_rules(fake_repo):
    nbs = runner.discover(root=fake_repo)
    assert [nb.stem for nb in nbs] == ["p1_99_demo", "p2_01_img"]
    nb = nbs[0]
    assert nb.paper == "p1" and nb.rule == "nb_p1_99_demo"
    assert nb.executed == fake_repo / "book" / "p1" / "p1_99_demo.ipynb"
    assert nb.results == fake_repo / "book" / "p1" / "results" / "p1_99_demo"
    assert runner.discover(("p2",), root=fake_repo)[0].stem == "p2_01_img"
    assert runner.discover(only=["99"], root=fake_repo, outroot="_build/r")[0].executed.parts[-4:-1] == ("_build", "r",
                                                                                                       "p1")


def test_code_inputs_are_the_imported_modules_and_their_data(fake_repo):
    p1, p2 = runner.discover(root=fake_repo)
    assert runner.paper_packages(p1) == {"p1_demo", "p3_dep"}
    code = runner.code_inputs(p1)
    # imported (absolute, relative, transitively) plus the data beside the imported package
    assert {"omicslib/core.py", "omicslib/book/report.py", "omicslib/papers/p1_demo/reference.csv",
            "omicslib/papers/p1_demo/assets/table.json", "omicslib/papers/p3_dep/__init__.py"} <= set(code)
    # not imported: book tooling, the other papers' packages
    assert "omicslib/book/pages.py" not in code
    assert not any("p4_other" in c or "p2_demo" in c for c in code)
    assert runner.uses_weights(p2) and not runner.uses_weights(p1)   # p2_demo imports omicslib.histology


def test_recorded_inputs_read_sidecars_and_skip_other_json(tmp_path):
    data = tmp_path / "input.txt"
    data.write_text("v1")
    (tmp_path / "side.json").write_text(json.dumps({"provenance": {"files": [{"path": str(data), "sha256": "x"}]}}))
    (tmp_path / "facts.json").write_text(json.dumps([1, 2]))
    (tmp_path / "gone.json").write_text(json.dumps({"provenance": {"files": [{"path": "/no/such", "sha256": "y"}]}}))
    assert runner.recorded_inputs(tmp_path) == {str(data): "x", "/no/such": "y"}
    nb = runner.Notebook(tmp_path / "p1_01_x.py", tmp_path)
    (tmp_path / "book" / "p1" / "results").mkdir(parents=True)
    (tmp_path / "book" / "p1" / "results" / "p1_01_x").symlink_to(tmp_path)
    assert runner.data_inputs(nb) == [str(data)]   # missing files are not inputs (their absence is a parameter)


def test_parameters_pass_optional_settings_only_when_set_and_declared(fake_repo):
    nb = runner.discover(root=fake_repo)[0]
    nb.source.write_text('# %% tags=["parameters"]\nprofile = "quick"\nseed: int = 0\nallow_random_weights = False\n\n'
                         '# %%\nx = 1\n')
    assert runner.declared_parameters(nb) == {"profile", "seed", "allow_random_weights"}
    assert runner.parameters(nb, {"profile": "paper", "device": "cuda", "seed": None, "data_source": ""}) == {
        "profile": "paper", "device": "cuda", "outdir": "book/p1/results/p1_99_demo"}   # no machine path on a page
    got = runner.parameters(nb, {"seed": 3, "data_source": "synthetic", "extra": {"allow_random_weights": True}})
    assert got["seed"] == 3 and got["allow_random_weights"] is True
    assert "data_source" not in got   # not declared by this notebook: its own default stays


def test_data_present_lists_local_files_of_the_papers_datasets(datadir):
    (datadir / "cmmd").mkdir()
    (datadir / "cmmd" / "metadata.csv").write_text("x\n")
    present = runner.data_present("p4")
    assert any(p.startswith("cmmd/series_metadata=") and p.endswith("cmmd/metadata.csv") for p in present)
    assert not any(p.startswith("cmmd/") for p in runner.data_present("p1"))


def test_weights_state_is_a_content_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("OMICSLIB_WEIGHTS", str(tmp_path / "w"))
    assert runner.weights_state(tmp_path) == "none"
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "resnet50-11ad3fa6.pth").write_bytes(b"a")
    h1 = runner.weights_state(tmp_path)
    (tmp_path / "w" / "resnet50-11ad3fa6.pth").write_bytes(b"b")
    assert runner.weights_state(tmp_path) not in (h1, "none")


def test_software_lists_python_and_pinned_packages(tmp_path):
    (tmp_path / "requirements.txt").write_text("# pins\npytest==0.0\nno-such-package-xyz==1.0\n")
    sw = runner.software(tmp_path)
    assert sw["python"] == sys.version.split()[0]
    assert sw["pytest"] == pytest.__version__ and sw["no-such-package-xyz"] == "not installed"


def test_snakemake_command_line():
    cmd = runner.snakemake_command(profile="paper", device="cuda", jobs=3, papers=("p1", "p3"), only=["grid"],
                                   force=True)
    assert cmd[1:4] == ["-m", "snakemake", "notebooks"] and cmd[cmd.index("--cores") + 1] == "3"
    assert cmd[cmd.index("--workflow-profile") + 1] == str(runner.LOCAL_PROFILE)
    forced = cmd[cmd.index("--forcerun") + 1:cmd.index("--config")]
    assert forced and all(r.startswith(("nb_p1_", "nb_p3_")) and "grid" in r for r in forced)
    config = cmd[cmd.index("--config") + 1:]
    assert {"profile=paper", "device=cuda", "papers=p1,p3", "only=grid"} <= set(config)


def test_cli_rejects_unknown_paper():
    with pytest.raises(SystemExit):
        runner.main(["--papers", "p7"])


def test_exec_param_parsing():
    assert runner._parse_param("seed=3") == ("seed", 3)
    assert runner._parse_param('outdir="/a b"') == ("outdir", "/a b")
    assert runner._parse_param("profile=quick") == ("profile", "quick")
    with pytest.raises(Exception, match="name=value"):
        runner._parse_param("novalue")


def test_relative_names_paths_inside_the_root_only(tmp_path):
    assert runner.relative(tmp_path / "book" / "p1" / "results" / "x", tmp_path) == "book/p1/results/x"
    assert runner.relative("/elsewhere/x", tmp_path) == "/elsewhere/x"   # outside the repository: no other name


@pytest.mark.notebook
def test_exec_runs_the_kernel_in_the_root_and_publishes_no_machine_path(tmp_path, monkeypatch):
    """One real papermill run through ``runner exec``: the relative outdir resolves under the root, and the
    executed notebook (what the book publishes) names no folder of this machine."""
    src = tmp_path / "notebooks" / "p1_x" / "p1_01_demo.py"
    src.parent.mkdir(parents=True)
    src.write_text('# %% tags=["parameters"]\noutdir = ""\n\n# %%\nimport pathlib\n'
                   'pathlib.Path(outdir, "t.txt").write_text("ok")\n')
    nb = runner.Notebook(src, tmp_path)
    params = runner.parameters(nb, {"profile": "smoke"})
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "book" / "p1" / "p1_01_demo.ipynb"
    assert runner.exec_main([str(src), str(out), *[f"--param={k}={v}" for k, v in params.items()]]) == 0
    assert (nb.results / "t.txt").read_text() == "ok"
    assert str(tmp_path) not in out.read_text() and '"book/p1/results/p1_01_demo"' in out.read_text()
