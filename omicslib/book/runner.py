"""Execute the book's notebooks with papermill: in parallel, cached, failing loudly.

Tracked sources are Jupytext percent-format ``notebooks/p<N>_<topic>/p<N>_*.py``;
each is executed into ``book/p<N>/<stem>.ipynb`` with its tables and figures
in ``book/p<N>/results/<stem>/``. A notebook is skipped when its source, its
parameters, the omicslib code and every input data file its results recorded
are unchanged since its last successful run.

    python -m omicslib.book.runner --profile quick --papers p1 p3 --jobs 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from omicslib.book.provenance import sha256_of
from omicslib.paths import PAPERS, REPO_ROOT
from omicslib.profiles import check as check_profile

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
CACHE_NAME = ".cache.json"


@dataclass(frozen=True)
class Notebook:
    source: Path

    @property
    def stem(self) -> str:
        return self.source.stem

    @property
    def paper(self) -> str:
        return self.stem.split("_", 1)[0]

    @property
    def executed(self) -> Path:
        return REPO_ROOT / "book" / self.paper / f"{self.stem}.ipynb"

    @property
    def results(self) -> Path:
        return REPO_ROOT / "book" / self.paper / "results" / self.stem


def discover(papers=PAPERS, only: list[str] | None = None) -> list[Notebook]:
    """Notebook sources of the given papers, in name order."""
    out = []
    for src in sorted(NOTEBOOK_DIR.glob("p[1-5]_*/p[1-5]_*.py")):
        nb = Notebook(src)
        if nb.paper in papers and (not only or any(o in nb.stem for o in only)):
            out.append(nb)
    return out


def code_hash() -> str:
    h = hashlib.sha256()
    for p in sorted((REPO_ROOT / "omicslib").rglob("*.py")):
        h.update(p.relative_to(REPO_ROOT).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def cache_key(nb: Notebook, params: dict, code: str) -> str:
    payload = json.dumps({"src": nb.source.read_text(), "params": params, "code": code}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def recorded_inputs(results: Path) -> dict[str, str]:
    """Input files (path -> sha256) named by the provenance of every sidecar in a results folder."""
    files = {}
    for side in results.glob("*.json"):
        for f in json.loads(side.read_text()).get("provenance", {}).get("files", []):
            files[f["path"]] = f["sha256"]
    return files


def is_fresh(nb: Notebook, key: str) -> bool:
    cache = nb.results / CACHE_NAME
    if not (cache.is_file() and nb.executed.is_file()):
        return False
    entry = json.loads(cache.read_text())
    if entry.get("key") != key:
        return False
    for path, digest in entry.get("inputs", {}).items():
        if not Path(path).is_file() or sha256_of(path) != digest:
            return False
    return True


class NotebookFailed(RuntimeError):
    pass


def execute(source: Path, output: Path, parameters: dict, cwd: Path | None = None, timeout: int | None = None) -> float:
    """Execute one Jupytext notebook with papermill; returns wall seconds.

    Raises :class:`NotebookFailed` naming the notebook and the failing cell.
    """
    import jupytext
    import papermill as pm

    nb = jupytext.read(source)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src_ipynb = Path(tmp) / f"{source.stem}.ipynb"
        jupytext.write(nb, src_ipynb)
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(
                str(src_ipynb), str(output), parameters=parameters, kernel_name="python3", language="python",
                cwd=str(cwd or source.parent), progress_bar=False, execution_timeout=timeout,
            )
        except pm.PapermillExecutionError as e:
            raise NotebookFailed(
                f"{source.relative_to(REPO_ROOT) if source.is_relative_to(REPO_ROOT) else source} failed in cell "
                f"{e.cell_index} (execution count {e.exec_count}): {e.ename}: {e.evalue}\n"
                f"  the executed copy with the full traceback is {output}"
            ) from None
    return time.perf_counter() - t0


def _run_one(nb: Notebook, params: dict, key: str, threads: int) -> tuple[str, float]:
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    secs = execute(nb.source, nb.executed, params)
    nb.results.mkdir(parents=True, exist_ok=True)
    (nb.results / CACHE_NAME).write_text(
        json.dumps({"key": key, "params": params, "seconds": round(secs, 1), "inputs": recorded_inputs(nb.results)}, indent=1)
    )
    return nb.stem, secs


def run(papers=PAPERS, profile: str = "quick", device: str = "auto", jobs: int = 1, force: bool = False,
        only: list[str] | None = None, extra: dict | None = None) -> dict[str, float | str]:
    """Execute the selected notebooks; returns stem -> seconds (or ``"cached"``). Raises on any failure."""
    check_profile(profile)
    params = {"profile": profile, "device": device, **(extra or {})}
    code = code_hash()
    todo, status = [], {}
    for nb in discover(papers, only):
        key = cache_key(nb, params, code)
        if not force and is_fresh(nb, key):
            status[nb.stem] = "cached"
        else:
            todo.append((nb, key))
    threads = max(1, (os.cpu_count() or 1) // max(1, min(jobs, len(todo) or 1)))
    failures = []
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futs = {pool.submit(_run_one, nb, params, key, threads): nb for nb, key in todo}
        for fut in as_completed(futs):
            nb = futs[fut]
            try:
                stem, secs = fut.result()
                status[stem] = round(secs, 1)
                print(f"  ran   {stem:40s} {secs:7.1f} s", flush=True)
            except Exception as e:  # collect all failures, then fail once
                failures.append(str(e))
                status[nb.stem] = "FAILED"
                print(f"  FAIL  {nb.stem}", flush=True)
    for stem, s in status.items():
        if s == "cached":
            print(f"  cache {stem}")
    if failures:
        raise NotebookFailed("notebook execution failed:\n" + "\n".join(failures))
    return status


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--papers", nargs="+", default=list(PAPERS))
    ap.add_argument("--only", nargs="*", help="substrings of notebook names to run")
    ap.add_argument("--force", action="store_true", help="ignore the cache")
    a = ap.parse_args(argv)
    bad = set(a.papers) - set(PAPERS)
    if bad:
        ap.error(f"unknown paper ids {sorted(bad)}; choose from {PAPERS}")
    t0 = time.perf_counter()
    try:
        status = run(a.papers, a.profile, a.device, a.jobs, a.force, a.only)
    except NotebookFailed as e:
        print(e, file=sys.stderr)
        return 1
    print(f"{len(status)} notebooks ({sum(1 for s in status.values() if s == 'cached')} cached) "
          f"in {time.perf_counter() - t0:.0f} s, profile={a.profile}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
