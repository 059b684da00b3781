"""The Snakemake workflow (workflow/Snakefile) on a tiny fake repository: jobs listed, executed through
papermill, and rerun exactly when a notebook, a data file its last run read, or the weights change."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from omicslib.book import runner

pytestmark = pytest.mark.notebook

NB = '''# %% tags=["parameters"]
profile = "quick"
device = "auto"
outdir = ""
jobs_dir = ""
data = "{data}"

# %%
import json, os, pathlib
{extra}
with open(os.environ["OMICSLIB_FIT_LOG"], "a") as f:   # the kernel runs in the notebook's folder: path absolute
    f.write("{{}}\\n")
out = pathlib.Path(outdir)
files = [{{"path": data, "sha256": "recorded"}}] if data else []
grid = sorted(json.loads(p.read_text())["job"] for p in pathlib.Path(jobs_dir).glob("*.json")) if jobs_dir else []
(out / "t.json").write_text(json.dumps({{"profile": profile, "grid": grid,
                                        "provenance": {{"kind": "synthetic", "files": files}}}}))
print("ran", profile)
'''

#: a paper package's optional jobs.py: the heavy grid of p1_01 as three jobs in the paper profile
JOBS = '''import json
import os


def jobs(notebook, profile, **settings):
    return [f"fold{i}" for i in range(3)] if notebook == "p1_01_reader" else []


def run(notebook, job, profile, out, **settings):
    out.write_text(json.dumps({"job": job, "profile": profile, "max_steps": os.environ.get("OMICSLIB_MAX_STEPS")}))
'''


def _snakemake(repo, *args, env=None, profile="smoke", dry=True, cores=1, config=None):
    cmd = runner.snakemake_command(profile=profile, device="cpu", jobs=cores, papers=("p1", "p2"), dry_run=dry,
                                   root=repo, extra_args=list(args), extra_config=config)
    full_env = {**os.environ, **(env or {})}
    out = subprocess.run(cmd, cwd=repo, env=full_env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout + out.stderr


def _jobs(log: str) -> set[str]:
    """Rules scheduled by a (dry) run, from Snakemake's job-stats table."""
    table = log.split("Job stats:")[1] if "Job stats:" in log else ""
    return {m.group(1) for m in re.finditer(r"^(nb_\w+|grid_\w+|pages)\s+\d+\s*$", table, re.M)}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """A repository with three notebooks: p1_01 reads a data file (recorded in its sidecar), p1_02 reads
    nothing, p2_01 imports omicslib.weights (so the ImageNet weights are one of its parameters)."""
    root = tmp_path_factory.mktemp("repo")
    data = root / "ext" / "table.csv"
    data.parent.mkdir()
    data.write_text("a,b\n1,2\n")
    notebooks = {
        "p1_demo/p1_01_reader.py": NB.format(data=data, extra='if profile == "never":\n    from omicslib.papers import p1_demo'),
        "p1_demo/p1_02_other.py": NB.format(data="", extra='if profile == "never":\n    import omicslib.core'),
        "p2_demo/p2_01_images.py": NB.format(data="", extra='if profile == "never":\n    from omicslib import weights'),
    }
    for rel, text in notebooks.items():
        (root / "notebooks" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "notebooks" / rel).write_text(text)
    (root / "omicslib" / "papers" / "p1_demo").mkdir(parents=True)
    (root / "omicslib" / "core.py").write_text("A = 1\n")
    (root / "omicslib" / "weights.py").write_text("W = 1\n")
    (root / "omicslib" / "pages.py").write_text("P = 1\n")   # book tooling no notebook imports
    (root / "omicslib" / "papers" / "p1_demo" / "__init__.py").write_text("B = 1\n")
    (root / "omicslib" / "papers" / "p1_demo" / "jobs.py").write_text(JOBS)
    (root / "requirements.txt").write_text("pandas==0\n")
    weights = root / "weights"
    weights.mkdir()
    env = {"OMICSLIB_WEIGHTS": str(weights), "TORCH_HOME": str(root / "torch"), "OMICSLIB_PROGRESS": ""}
    log = _snakemake(root, env=env, dry=False, cores=2)
    return root, data, weights, env, log


def test_smoke_execution_through_snakemake(repo):
    root, _, _, _, log = repo
    for paper, stem in [("p1", "p1_01_reader"), ("p1", "p1_02_other"), ("p2", "p2_01_images")]:
        executed = root / "book" / paper / f"{stem}.ipynb"
        assert executed.is_file(), log
        assert json.loads((root / "book" / paper / "results" / stem / "t.json").read_text())["profile"] == "smoke"
        assert "ran smoke" in executed.read_text()
        assert (root / "_build" / "logs" / f"{stem}.log").is_file()
    assert "IPKernelApp" not in log and "TCP" not in log   # kernels on IPC, their stderr in the job logs


def _touched(path: Path, text: str | None = None):
    """Context: ``path`` rewritten (or made newer), then restored with its old content and mtime."""
    import contextlib

    @contextlib.contextmanager
    def cm():
        old, st = path.read_bytes(), path.stat()
        try:
            if text is None:
                os.utime(path, (st.st_atime + 100, st.st_mtime + 100))
            else:
                path.write_text(text)
            yield
        finally:
            path.write_bytes(old)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    return cm()


def test_up_to_date_then_a_notebook_change_reruns_only_it(repo):
    root, _, _, env, _ = repo
    assert _jobs(_snakemake(root, env=env)) == set()
    src = root / "notebooks" / "p1_demo" / "p1_02_other.py"
    with _touched(src, src.read_text() + "\n# %%\n1 + 1\n"):
        assert _jobs(_snakemake(root, env=env)) == {"nb_p1_02_other"}
    assert _jobs(_snakemake(root, env=env, profile="quick")) == {"nb_p1_01_reader", "nb_p1_02_other",
                                                                "nb_p2_01_images"}   # a parameter changed


def test_changed_data_file_reruns_its_consumer(repo):
    root, data, _, env, _ = repo
    with _touched(data, "a,b\n1,3\n"):
        assert _jobs(_snakemake(root, env=env)) == {"nb_p1_01_reader"}


def test_changed_weights_rerun_the_notebooks_that_use_them(repo):
    root, _, weights, env, _ = repo
    ckpt = weights / "resnet50-11ad3fa6.pth"
    ckpt.write_bytes(b"not really a checkpoint")
    try:
        assert _jobs(_snakemake(root, env=env)) == {"nb_p2_01_images"}
    finally:
        ckpt.unlink()


def test_code_change_reruns_the_notebooks_that_import_it(repo):
    root, _, _, env, _ = repo
    # (Snakemake also compares the checksums of small inputs it recorded: a touch alone reruns nothing)
    with _touched(root / "omicslib" / "core.py", "A = 2\n"):
        assert _jobs(_snakemake(root, env=env)) == {"nb_p1_02_other"}
    with _touched(root / "omicslib" / "papers" / "p1_demo" / "__init__.py", "B = 2\n"):
        assert _jobs(_snakemake(root, env=env)) == {"nb_p1_01_reader"}
    with _touched(root / "omicslib" / "pages.py", "P = 2\n"):
        assert _jobs(_snakemake(root, env=env)) == set()


def test_failed_notebook_keeps_its_traceback_copy(repo, tmp_path):
    root, *_ = repo
    src = tmp_path / "p1_97_fail.py"
    src.write_text('# %% tags=["parameters"]\nx = 1\n\n# %%\nraise ValueError("planted failure")\n')
    copy = tmp_path / "failed.ipynb"
    out = subprocess.run([sys.executable, "-m", "omicslib.book.runner", "exec", str(src), str(tmp_path / "o.ipynb"),
                          "--param", "x=2", "--failed-copy", str(copy)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 1
    assert re.search(r"p1_97_fail.py failed in cell \d+.*ValueError: planted failure", out.stderr)
    assert str(copy) in out.stderr and "planted failure" in copy.read_text()
    # a cell past the timeout: named, with the executed copy up to that cell kept
    src.write_text('# %% tags=["parameters"]\nx = 1\n\n# %%\nimport time\ntime.sleep(60)\n')
    out = subprocess.run([sys.executable, "-m", "omicslib.book.runner", "exec", str(src), str(tmp_path / "o.ipynb"),
                          "--timeout", "2", "--failed-copy", str(copy)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 1 and "p1_97_fail.py failed: CellTimeoutError" in out.stderr, out.stderr[-2000:]
    assert "time.sleep(60)" in copy.read_text()


def test_dry_run_of_the_book_lists_one_job_per_notebook_and_the_pages():
    log = subprocess.run(runner.snakemake_command(dry_run=True, target="all", extra_args=["--forceall"]),
                         cwd=runner.REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert log.returncode == 0, log.stderr[-3000:]
    assert _jobs(log.stdout + log.stderr) == {nb.rule for nb in runner.discover()} | {"pages"}


def test_slurm_profile_renders_gpu_resources(repo):
    pytest.importorskip("snakemake_executor_plugin_slurm", reason="the optional [cluster] extra is not installed")
    root, _, _, env, _ = repo
    slurm = str(Path(runner.REPO_ROOT) / "workflow" / "profiles" / "slurm")
    cmd = runner.snakemake_command(profile="paper", jobs=8, papers=("p1", "p2"), dry_run=True, root=root,
                                   extra_args=["--forceall"])
    cmd[cmd.index("--workflow-profile") + 1] = slurm
    # run from the repository root, as the README says (the profile names its settings file relative to it)
    # the profile reads the GPU partition from $SLURM_GPU_PARTITION
    out = subprocess.run(cmd, cwd=runner.REPO_ROOT, env={**os.environ, **env, "SLURM_GPU_PARTITION": "gpu-test"},
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    lines = {m.group(1): m.group(2) for m in re.finditer(r"^Job \d+: (p\d_\w+): (.*)$", out.stdout + out.stderr, re.M)}
    # p1_02 and p2_01 match gpu_notebooks in workflow/config.yaml; p1_01 does not
    assert "gpu=1" in lines["p1_02_other"] and "slurm_partition=gpu-test" in lines["p1_02_other"]
    assert "gpu=1" in lines["p2_01_images"]
    assert "gpu=0" in lines["p1_01_reader"] and "slurm_partition" not in lines["p1_01_reader"]


def test_paper_profile_runs_the_heavy_grid_as_jobs_before_the_notebook(repo):
    root, _, _, env, _ = repo
    cfg = {"outroot": "_build/paper", "max_steps": 2}
    dry = _snakemake(root, env=env, profile="paper", config=cfg)
    assert _jobs(dry) == {"grid_p1_01_reader", "nb_p1_01_reader", "nb_p1_02_other", "nb_p2_01_images"}
    assert re.search(r"^grid_p1_01_reader\s+3\s*$", dry, re.M)       # one job per grid point
    _snakemake(root, env=env, profile="paper", dry=False, cores=2, config={**cfg, "only": "p1_01"})
    grid = root / "_build" / "paper" / "p1" / "jobs" / "p1_01_reader"
    assert json.loads((grid / "fold1.json").read_text()) == {"job": "fold1", "profile": "paper", "max_steps": "2"}
    result = json.loads((root / "_build" / "paper" / "p1" / "results" / "p1_01_reader" / "t.json").read_text())
    assert result["grid"] == ["fold0", "fold1", "fold2"]   # the notebook aggregated the jobs' files
