"""``make cluster-test``: the slurm profile on a real one-node SLURM cluster, started and stopped here.

After ``workflow/cluster/install.sh`` (Debian's slurm-wlm, slurmdbd, munge, mariadb-server) and the ``[cluster]``
extra: start munged, MariaDB, slurmdbd, slurmctld and slurmd (``daemons.py``), check ``sinfo`` and
``srun hostname``, then run Snakemake with ``--workflow-profile workflow/profiles/slurm`` (its account and
partitions from SLURM_ACCOUNT / SLURM_PARTITION / SLURM_GPU_PARTITION, here the test cluster's) at
``threads=1 device=cpu gpu=0`` into ``_build/cluster/`` (the book is not touched) and assert:

1. smoke   - p3's smoke profile: one sbatch per notebook, every job COMPLETED in sacct, the executed notebooks
             and the provenance sidecars of their results exist;
2. again   - the same command submits nothing;
3. touch   - a changed p3_01 source resubmits that notebook only (its bytes and mtime are restored afterwards);
4. grid    - p3_06's grid as jobs (grid_profiles=smoke): one sbatch per unit and one for the notebook, the unit
             files readable; a second invocation submits nothing;
5. fail    - a notebook that fails (device=no-such-device) is submitted twice (retries: 1) and then reported with
             its kernel log and SLURM log paths, both present and naming the error;
6. gpu     - gpu=1 on this cluster without GPUs fails before any sbatch with a message naming the settings.

Exit 0 with "SKIP: <reason>" when the cluster cannot be started here (the machine, not the profile); any failed
assertion once ``srun hostname`` worked exits 1. The daemons are stopped on every exit path (also SIGTERM/SIGINT).
A summary lands in ``_build/cluster/summary.json``, the daemons' logs in ``_build/cluster/daemons/``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import daemons  # noqa: E402
import slurmconf  # noqa: E402

ROOT = HERE.parents[1]
OUT = ROOT / "_build" / "cluster"
PY = sys.executable
#: the p3 notebooks of the smoke run; p3_01 is the one touched and the one made to fail
NOTEBOOKS = ["p3_01_table1_sensitivity", "p3_02_intersim_fig2", "p3_03_sccat_fig3", "p3_04_rappoport_fig4",
             "p3_05_aml_subtypes", "p3_06_tcga_brca_beyond"]
TOUCHED = "p3_01_table1_sensitivity"
GRID = "p3_06_tcga_brca_beyond"
GPU_NOTEBOOK = "p3_02_intersim_fig2"     # in gpu_notebooks (workflow/config.yaml)
BASE = {"profile": "smoke", "device": "cpu", "gpu": 0, "threads": 1, "papers": "p3",
        "outroot": "_build/cluster/book", "logdir": "_build/cluster/logs"}


class Failure(AssertionError):
    pass


def check(cond, msg: str):
    if not cond:
        raise Failure(msg)


@dataclass
class Run:
    name: str
    rc: int
    seconds: float
    log: str
    subs: list = field(default_factory=list)

    def rules(self) -> list[str]:
        return sorted(s.rule for s in self.subs)

    def tail(self, n=60) -> str:
        return "\n".join(self.log.splitlines()[-n:])


def snakemake(name: str, timeout: int = 600, **config) -> Run:
    """One Snakemake invocation through the slurm profile; its whole log in _build/cluster/<name>.log."""
    cfg = {**BASE, **config}
    cmd = [PY, "-m", "snakemake", "--snakefile", "workflow/Snakefile", "--workflow-profile", "workflow/profiles/slurm",
           # the profile's 40 s before the first status query suits a busy cluster, not a test
           "--slurm-init-seconds-before-status-checks", "5",
           "--config", *[f"{k}={v}" for k, v in cfg.items()]]
    env = {**daemons.env(), "SLURM_ACCOUNT": slurmconf.ACCOUNT, "SLURM_PARTITION": slurmconf.PARTITION,
           "SLURM_GPU_PARTITION": slurmconf.GPU_PARTITION, "OMICSLIB_PROGRESS": "",
           "OMICSLIB_OFFLINE": os.environ.get("OMICSLIB_OFFLINE", "1")}
    print(f"\n--- {name}: snakemake --workflow-profile workflow/profiles/slurm --config "
          + " ".join(f"{k}={v}" for k, v in cfg.items()), flush=True)
    t0 = time.time()
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        rc, log = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:   # the run is killed; its jobs are cancelled when the cluster stops
        rc, log = -9, ((e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")) + \
            ((e.stderr or b"").decode() if isinstance(e.stderr, bytes) else (e.stderr or "")) + \
            f"\n[cluster-test] killed after {timeout} s"
    run = Run(name, rc, time.time() - t0, log, slurmconf.submissions(log))
    (OUT / f"{name}.log").write_text(log)
    print(f"    exit {rc} after {run.seconds:.0f} s; sbatch: {len(run.subs)} "
          f"({', '.join(f'{s.rule}={s.slurm_id}' for s in run.subs)})", flush=True)
    return run


def sacct(ids) -> dict[str, str]:
    ids = [str(i) for i in ids]
    if not ids:
        return {}
    for _ in range(20):   # accounting records arrive a moment after the job ends
        r = subprocess.run(["sacct", "-n", "-X", "-P", "-o", "JobID,State", "-j", ",".join(ids)], env=daemons.env(),
                           capture_output=True, text=True, timeout=30)
        states = slurmconf.parse_sacct(r.stdout)
        if all(states.get(i) not in (None, "", "PENDING", "RUNNING", "COMPLETING") for i in ids):
            return states
        time.sleep(1)
    return states


def expect_ok(run: Run, rules: list[str]):
    check(run.rc == 0, f"{run.name}: snakemake exited {run.rc}\n{run.tail()}")
    check(run.rules() == sorted(rules), f"{run.name}: sbatch for {run.rules()}, expected {sorted(rules)}\n{run.tail()}")
    states = sacct(s.slurm_id for s in run.subs)
    bad = {s.slurm_id: states.get(s.slurm_id) for s in run.subs if states.get(s.slurm_id) != "COMPLETED"}
    check(not bad, f"{run.name}: SLURM jobs not COMPLETED in sacct: {bad}")


def sidecars(results: Path) -> int:
    """Every table and figure of a results folder has its JSON sidecar with provenance; returns how many."""
    check(results.is_dir(), f"no results folder {results}")
    n = 0
    for f in sorted(results.iterdir()):
        if f.suffix in (".csv", ".png"):
            side = f.with_suffix(".json")
            check(side.is_file(), f"{f.relative_to(ROOT)} has no sidecar {side.name}")
            meta = json.loads(side.read_text())
            check("provenance" in meta and meta.get("profile") == "smoke",
                  f"{side.relative_to(ROOT)}: no provenance or profile != smoke")
            n += 1
    return n


def scenarios(summary: dict):
    book = OUT / "book" / "p3"
    runs = summary["runs"]

    # 1. p3's smoke profile through sbatch
    r = snakemake("smoke")
    expect_ok(r, [f"nb_{nb}" for nb in NOTEBOOKS])
    n_side = 0
    for nb in NOTEBOOKS:
        check((book / f"{nb}.ipynb").is_file(), f"smoke: no executed notebook {nb}.ipynb")
        n_side += sidecars(book / "results" / nb)
    check(n_side > 0, "smoke: no table or figure with a sidecar in any results folder")
    runs.append({"name": r.name, "seconds": round(r.seconds), "sbatch": len(r.subs), "sidecars": n_side})

    # 2. up to date: nothing submitted
    r = snakemake("again")
    expect_ok(r, [])
    check("Nothing to be done" in r.log, f"again: no 'Nothing to be done'\n{r.tail()}")
    runs.append({"name": r.name, "seconds": round(r.seconds), "sbatch": 0})

    # 3. one source changed: that notebook only. A newer mtime alone reruns nothing: Snakemake 9 compares the
    # checksum it recorded for the input; a trailing newline changes the file, not the notebook (restored after)
    src = ROOT / "notebooks" / "p3_clustering" / f"{TOUCHED}.py"
    st, text = src.stat(), src.read_bytes()
    try:
        src.write_bytes(text + b"\n")
        r = snakemake("touch")
    finally:
        src.write_bytes(text)
        os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
    expect_ok(r, [f"nb_{TOUCHED}"])
    runs.append({"name": r.name, "seconds": round(r.seconds), "sbatch": len(r.subs)})

    # 4. grid jobs: one sbatch per unit, then the notebook reading them
    r = snakemake("grid", only=GRID, grid_profiles="smoke")
    units = [s for s in r.subs if s.rule == f"grid_{GRID}"]
    check(units, f"grid: no grid_{GRID} job submitted\n{r.tail()}")
    expect_ok(r, [f"grid_{GRID}"] * len(units) + [f"nb_{GRID}"])
    files = sorted((book / "jobs" / GRID).glob("*.json"))
    check(len(files) == len(units), f"grid: {len(units)} grid jobs but {len(files)} unit files")
    sys.path.insert(0, str(ROOT))
    from omicslib import gridjobs

    for f in files:
        check(gridjobs.load(f)["job"] == f.stem, f"grid: {f.name} holds another job id")
    sidecars(book / "results" / GRID)
    runs.append({"name": r.name, "seconds": round(r.seconds), "sbatch": len(r.subs), "units": len(units)})
    r = snakemake("grid-again", only=GRID, grid_profiles="smoke")
    expect_ok(r, [])
    runs.append({"name": r.name, "seconds": round(r.seconds), "sbatch": 0})

    # 5. a failing job: retried once (a second sbatch), then reported with its log paths
    fail = {"only": TOUCHED, "device": "no-such-device", "outroot": "_build/cluster/fail", "logdir": "_build/cluster/fail/logs"}
    r = snakemake("fail", **fail)
    check(r.rc != 0, f"fail: snakemake exited 0 although the notebook fails\n{r.tail()}")
    check(r.rules() == [f"nb_{TOUCHED}"] * 2, f"fail: sbatch for {r.rules()}, expected nb_{TOUCHED} twice (retries: 1)"
          f"\n{r.tail()}")
    states = sacct(s.slurm_id for s in r.subs)
    check(all(states.get(s.slurm_id) == "FAILED" for s in r.subs), f"fail: sacct states {states}, expected FAILED")
    kernel_log = f"_build/cluster/fail/logs/{TOUCHED}.log"
    last = r.log.rsplit("Error in rule", 1)[-1]   # the report of the last attempt
    check(f"log: {kernel_log}" in last and r.subs[-1].log in last,
          f"fail: the last error report does not name {kernel_log} and {r.subs[-1].log}\n{r.tail()}")
    check((ROOT / kernel_log).is_file(), f"fail: {kernel_log} is named but missing")
    for s in r.subs:
        check(Path(s.log).is_file(), f"fail: the SLURM log {s.log} of a failed job was not kept")
        text = Path(s.log).read_text()
        check("no-such-device" in text, f"fail: {s.log} does not show the notebook's error")
        check("Trying to restart job" not in text, f"fail: the job was retried inside SLURM job {s.slurm_id} as well")
    runs.append({"name": r.name, "seconds": round(r.seconds), "sbatch": len(r.subs), "states": states})

    # 6. gpu=1 on a cluster without GPUs: at once, no sbatch, the settings named
    r = snakemake("gpu", timeout=180, only=GPU_NOTEBOOK, gpu=1, outroot="_build/cluster/gpu", logdir="_build/cluster/gpu/logs")
    check(r.rc != 0, f"gpu: snakemake exited 0 with gpu=1 on a node without GPUs\n{r.tail()}")
    check(not r.subs, f"gpu: {len(r.subs)} jobs were submitted before failing")
    check(r.seconds < 150, f"gpu: took {r.seconds:.0f} s to fail")
    for word in ("gpu=1", "--config gpu=0", "SLURM_GPU_PARTITION", f"'{slurmconf.GPU_PARTITION}'"):
        check(word in r.log, f"gpu: the failure does not name {word!r}\n{r.tail()}")
    runs.append({"name": r.name, "seconds": round(r.seconds), "sbatch": 0})


def _on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    t0 = time.time()
    if os.geteuid() != 0:
        print("SKIP: make cluster-test needs root (the test cluster's daemons and jobs run as root)")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for sub in ("book", "fail", "gpu", "logs"):
        shutil.rmtree(OUT / sub, ignore_errors=True)
    signal.signal(signal.SIGTERM, _on_signal)
    summary = {"runs": [], "result": "started"}
    cluster = daemons.Cluster()
    rc = 1
    try:
        try:
            info = cluster.start()
            srun = subprocess.run(["srun", "-N1", "-n1", "-t", "1", "hostname"], env=daemons.env(), capture_output=True,
                                  text=True, timeout=60)
            if srun.returncode or not srun.stdout.strip():
                raise daemons.EnvironmentProblem(f"srun hostname failed: {srun.stderr.strip()}")
        except (daemons.EnvironmentProblem, OSError, subprocess.SubprocessError) as e:
            print(f"SKIP: the SLURM test cluster could not be started on this machine: {e}")
            for f in sorted(cluster.state.glob("*.log")) + sorted(cluster.state.glob("*.out")):
                print(f"--- {f.name} (last lines)\n" + "\n".join(f.read_text(errors="replace").splitlines()[-8:]))
            summary["result"] = f"skipped: {e}"
            return 0
        sinfo = subprocess.run(["sinfo"], env=daemons.env(), capture_output=True, text=True, timeout=30).stdout
        print(f"{info['version']}: node {info['host']} with {info['cpus']} CPUs, {info['real_memory_mb']} MB; "
              f"srun hostname -> {srun.stdout.strip()}\n{sinfo}", flush=True)
        summary["cluster"] = info
        # from here on a failure is the profile's or the workflow's
        try:
            scenarios(summary)
        except Failure as e:
            print(f"\nFAIL: {e}", file=sys.stderr)
            summary["result"] = f"failed: {str(e).splitlines()[0]}"
            return 1
        summary["result"] = "passed"
        rc = 0
        return 0
    finally:
        dest = OUT / "daemons"
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True, exist_ok=True)
        for f in list(cluster.state.glob("*.log")) + list(cluster.state.glob("etc/*.conf")):
            if f.name != "slurmdbd.conf":   # it holds the database password
                shutil.copy(f, dest / f.name)
        ended = daemons.stop(cluster.state, cluster.procs)
        left = [n for n, p in cluster.procs.items() if p.poll() is None]
        if not left:   # MariaDB's files alone are ~150 MB
            shutil.rmtree(cluster.state, ignore_errors=True)
        summary["stopped"] = ended
        summary["sbatch_total"] = sum(r.get("sbatch", 0) for r in summary["runs"])
        summary["seconds"] = round(time.time() - t0)
        (OUT / "summary.json").write_text(json.dumps(summary, indent=1))
        print(f"\ncluster stopped ({', '.join(ended) or 'nothing was running'}){'; STILL RUNNING: ' + str(left) if left else ''}")
        if summary["runs"]:
            print(f"{summary['sbatch_total']} jobs went through sbatch; {summary['seconds']} s in all; "
                  f"result: {summary['result']} (summary: {(OUT / 'summary.json').relative_to(ROOT)})")
        if left and rc == 0:
            sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
