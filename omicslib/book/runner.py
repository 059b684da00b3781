"""Execute the book's notebooks: Snakemake schedules (``workflow/Snakefile``), papermill executes.

Tracked sources are Jupytext percent-format ``notebooks/p<N>_<topic>/p<N>_*.py``;
each is executed into ``book/p<N>/<stem>.ipynb`` with its tables and figures
in ``book/p<N>/results/<stem>/``. Snakemake reruns a notebook when its source,
the ``omicslib`` files it can import, the lock file, a data file its last run
read (recorded in its sidecars), its parameters, the set of locally present
data files of its paper, the ImageNet weights (p2, p4, p5) or an installed
package version changed; everything else is up to date.

This module is the thin command line over Snakemake and the helpers the
Snakefile calls:

    python -m omicslib.book.runner --profile quick --papers p1 p3 --jobs 2      # snakemake --cores 2 ...
    python -m omicslib.book.runner --papers p3 --only fig2 --force               # rerun one notebook
    python -m omicslib.book.runner --dry-run                                     # what would run, and why
    python -m omicslib.book.runner exec SOURCE OUTPUT --param profile=quick      # one papermill run (a job)
    python -m omicslib.book.runner job p1_crossmodal p1_02_crossmodal_grid JOB --out F   # one grid job
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from omicslib.book.widgets import HEADLESS_ENV
from omicslib.paths import PAPERS, REPO_ROOT

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
SNAKEFILE = REPO_ROOT / "workflow" / "Snakefile"
LOCAL_PROFILE = REPO_ROOT / "workflow" / "profiles" / "local"
#: Snakemake's rerun triggers: ``input`` is left out on purpose because the data inputs of a notebook are
#: learnt from its own last run (sidecars); a new data file appearing is caught by the ``data`` parameter.
RERUN_TRIGGERS = ("mtime", "params", "code", "software-env")
#: Environment variable read by :func:`omicslib.train.fit`: where tqdm progress goes (a terminal or a file).
PROGRESS_ENV = "OMICSLIB_PROGRESS"
#: Seconds papermill waits for a cell's last output after its reply before failing it (nbclient's default: 4).
IOPUB_TIMEOUT = 120
#: Modules whose import makes a notebook depend on the local ImageNet weights.
WEIGHT_MODULES = ("omicslib.weights", "omicslib.histology")


@dataclass(frozen=True)
class Notebook:
    source: Path
    root: Path = REPO_ROOT
    outroot: str = "book"

    @property
    def stem(self) -> str:
        return self.source.stem

    @property
    def paper(self) -> str:
        return self.stem.split("_", 1)[0]

    @property
    def rule(self) -> str:
        """The Snakemake rule that executes this notebook."""
        return f"nb_{self.stem}"

    @property
    def executed(self) -> Path:
        return self.root / self.outroot / self.paper / f"{self.stem}.ipynb"

    @property
    def results(self) -> Path:
        return self.root / self.outroot / self.paper / "results" / self.stem


def discover(papers=PAPERS, only: list[str] | None = None, root: Path | None = None,
             outroot: str = "book") -> list[Notebook]:
    """Notebook sources of the given papers, in name order."""
    root = Path(root) if root is not None else REPO_ROOT
    nbdir = NOTEBOOK_DIR if root == REPO_ROOT else root / "notebooks"
    out = []
    for src in sorted(nbdir.glob("p[1-5]_*/p[1-5]_*.py")):
        nb = Notebook(src, root, outroot)
        if nb.paper in papers and (not only or any(o in nb.stem for o in only)):
            out.append(nb)
    return out


# ----------------------------------------------------------------------------------------------------------------
# What a notebook depends on (called by the Snakefile; cheap: no hashing of data, no torch import)
# ----------------------------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _file_imports(path: str, mtime_ns: int) -> tuple[frozenset[str], bool]:
    """(absolute module names one Python file imports, whether it imports modules by name at run time)."""
    try:
        tree = ast.parse(Path(path).read_text())
    except (SyntaxError, UnicodeDecodeError):
        return frozenset(), True  # a syntax error surfaces when the notebook runs; depend on its whole folder
    parts = Path(path).with_suffix("").parts
    package = ".".join(parts[parts.index("omicslib"):-1]) if "omicslib" in parts else ""
    names, dynamic = set(), False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative import inside omicslib
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)] if package else []
                module = ".".join([*base, module] if module else base)
            if module:
                names.add(module)
                names.update(f"{module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            dynamic |= name in ("import_module", "__import__", "iter_modules")
    return frozenset(names), dynamic


def _module_file(root: Path, name: str) -> Path | None:
    base = root.joinpath(*name.split("."))
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file():
            return cand
    return None


def module_closure(nb: Notebook) -> list[Path]:
    """The ``omicslib`` Python files a notebook imports, transitively (with every parent package's
    ``__init__``); a module that imports by name at run time (``import_module``) brings its whole folder."""
    todo, seen = [nb.source], set()
    while todo:
        f = todo.pop()
        names, dynamic = _file_imports(str(f), f.stat().st_mtime_ns)
        found = set()
        if dynamic and f != nb.source:
            found |= {p for p in f.parent.rglob("*.py") if "__pycache__" not in p.parts}
        for name in names:
            if not name.startswith("omicslib"):
                continue
            bits = name.split(".")
            for i in range(1, len(bits) + 1):  # importing a.b.c runs a/__init__, a/b/__init__, then c
                mod = _module_file(nb.root, ".".join(bits[:i]))
                if mod is not None:
                    found.add(mod)
        for mod in found - seen:
            seen.add(mod)
            todo.append(mod)
    return sorted(seen)


def paper_packages(nb: Notebook) -> set[str]:
    """Paper packages (``p1_crossmodal`` ...) a notebook uses: the ones it imports, transitively."""
    pkgdir = nb.root / "omicslib" / "papers"
    return {f.relative_to(pkgdir).parts[0] for f in module_closure(nb) if f.is_relative_to(pkgdir)
            and len(f.relative_to(pkgdir).parts) > 1}


def code_inputs(nb: Notebook) -> list[str]:
    """The ``omicslib`` files a notebook depends on: the modules it imports (transitively) and the other
    files beside them (``reference.csv``, ...). Book tooling it never imports (pages, runner, site) is not an
    input, nor are the other papers' packages."""
    mods = module_closure(nb)
    extra = []
    for d in {m.parent for m in mods}:
        for p in d.rglob("*"):
            inner = p.relative_to(d).parts[:-1]   # folders between the package and the file
            if p.is_file() and p.suffix not in (".py", ".pyc", ".pyo") and "__pycache__" not in inner and \
                    not any((d.joinpath(*inner[:i + 1]) / "__init__.py").is_file() for i in range(len(inner))):
                extra.append(p)   # data beside the code (reference.csv, ...), not another package's
    return sorted({p.relative_to(nb.root).as_posix() for p in [*mods, *extra]})


def uses_weights(nb: Notebook) -> bool:
    """True if the notebook imports the ImageNet weights (directly, via histology or its paper package)."""
    return any(f.relative_to(nb.root).with_suffix("").as_posix().replace("/", ".") in WEIGHT_MODULES
               for f in module_closure(nb))


def recorded_inputs(results: Path) -> dict[str, str]:
    """Input files (path -> sha256) named by the provenance of every sidecar in a results folder."""
    files = {}
    for side in Path(results).glob("*.json"):
        try:
            prov = json.loads(side.read_text()).get("provenance", {})
        except (json.JSONDecodeError, AttributeError):
            continue  # not a sidecar (e.g. a figure's data) – nothing recorded
        for f in prov.get("files", []) if isinstance(prov, dict) else []:
            files[f["path"]] = f["sha256"]
    return files


def data_inputs(nb: Notebook) -> list[str]:
    """Data files the notebook's last run read (from its sidecars) that still exist: a newer one reruns it."""
    return sorted(p for p in recorded_inputs(nb.results) if Path(p).is_file())


def data_present(paper: str) -> list[str]:
    """Registered files of the paper's datasets that are present locally (mirror or download cache).

    Only existence is checked (no hashing): a file that appears (the full METABRIC study, the Xena matrix)
    changes what ``data_source="auto"`` picks, so it is a parameter of every notebook of the paper.
    """
    from omicslib.data import REGISTRY
    from omicslib.paths import cache_dir, data_dirs

    dirs, cache = data_dirs(), cache_dir()
    found = []
    for ds in REGISTRY.values():
        if paper not in ds.papers:
            continue
        for f in ds.files:
            cands = [d / f.local for d in dirs] if f.local else []
            if f.url:
                cands.append(cache / ds.id / Path(f.url.split("?")[0]).name)
            hit = next((c for c in cands if c.is_file()), None)
            if hit is not None:
                found.append(f"{ds.id}/{f.key}={hit}")
    return sorted(found)


def _hash_cache_file(root: Path) -> Path:
    return root / ".snakemake" / "omicslib-hashes.json"


def weights_state(root: Path | None = None) -> str:
    """Content hash of the local ImageNet weights (``$OMICSLIB_WEIGHTS`` and torch's hub checkpoints).

    Each file is hashed once per (path, size, mtime), memoised in ``.snakemake/omicslib-hashes.json``.
    ``"none"`` when there are none.
    """
    from omicslib.provenance import sha256_of

    dirs = []
    if os.environ.get("OMICSLIB_WEIGHTS"):
        dirs.append(Path(os.environ["OMICSLIB_WEIGHTS"]).expanduser())
    torch_home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "torch")
    dirs.append(Path(torch_home) / "hub" / "checkpoints")
    files = sorted({p.resolve() for d in dirs if d.is_dir() for p in d.rglob("*") if p.is_file()})
    if not files:
        return "none"
    cache_path = _hash_cache_file(Path(root) if root else REPO_ROOT)
    try:
        cache = json.loads(cache_path.read_text())
    except (OSError, json.JSONDecodeError):
        cache = {}
    h = hashlib.sha256()
    for p in files:
        st = p.stat()
        key = f"{p}|{st.st_size}|{st.st_mtime_ns}"
        if key not in cache:
            cache[key] = sha256_of(p)
        h.update(f"{p.name}:{cache[key]}\n".encode())
    try:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        cache_path.write_text(json.dumps(cache))
    except OSError:
        pass  # a read-only checkout only loses the memo, not the hash
    return h.hexdigest()


def software(root: Path | None = None) -> dict[str, str]:
    """Python and the installed version of every package pinned in ``requirements.txt``."""
    from importlib.metadata import PackageNotFoundError, version

    req = (Path(root) if root else REPO_ROOT) / "requirements.txt"
    out = {"python": sys.version.split()[0]}
    if req.is_file():
        for line in req.read_text().splitlines():
            name = re.split(r"[<>=!~\[ ;#]", line.strip())[0]
            if not name:
                continue
            try:
                out[name] = version(name)
            except PackageNotFoundError:
                out[name] = "not installed"
    return out


@lru_cache(maxsize=None)
def _declared(path: str, mtime_ns: int) -> frozenset[str]:
    lines = Path(path).read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("# %%") and "parameters" in line), None)
    if start is None:
        return frozenset()
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("# %%")), len(lines))
    try:
        tree = ast.parse("\n".join(lines[start + 1:end]))
    except SyntaxError:
        return frozenset()
    return frozenset(t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                     for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                     if isinstance(t, ast.Name))


def declared_parameters(nb: Notebook) -> frozenset[str]:
    """Names assigned in the notebook's cell tagged ``parameters``."""
    return _declared(str(nb.source), nb.source.stat().st_mtime_ns)


def relative(path: Path | str, root: Path | str) -> str:
    """``path`` relative to the repository ``root`` (POSIX), as papermill passes it: an executed notebook's
    parameters cell is published, and must not show the build machine's folders. A path outside ``root``
    stays absolute (it has no other name)."""
    path, root = Path(path), Path(root)
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def parameters(nb: Notebook, settings: dict) -> dict:
    """Papermill parameters of one notebook: profile, device, outdir (relative to the repository: the kernel
    runs there, :func:`execute`, and :class:`omicslib.book.report.Run` resolves it there); seed, data_source and the ``extra``
    settings (e.g. ``allow_random_weights``) only when set and declared by the notebook's parameters cell
    (otherwise the notebook's own default, e.g. p4's seed 21, stays)."""
    params = {"profile": settings.get("profile", "quick"), "device": settings.get("device", "auto"),
              "outdir": relative(nb.results, nb.root)}
    declared = declared_parameters(nb)
    optional = {k: settings.get(k) for k in ("seed", "data_source")} | dict(settings.get("extra") or {})
    for k, v in optional.items():
        if v not in (None, "") and k in declared:
            params[k] = v
    return params


# ----------------------------------------------------------------------------------------------------------------
# One papermill execution (a Snakemake job)
# ----------------------------------------------------------------------------------------------------------------

class NotebookFailed(RuntimeError):
    pass


def _kernel_manager(ipc_dir: str, kernel_log):
    """A kernel manager on IPC transport (sockets in a private folder: no TCP ports to race for, no
    'running over TCP without encryption' warning) whose stderr (IPKernelApp's own log, e.g. the
    harmless 'KeyboardInterrupt caught in kernel' at shutdown) goes to ``kernel_log`` instead of the
    build log."""
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        def __init__(self, **kw):
            kw.setdefault("transport", "ipc")
            kw.setdefault("ip", os.path.join(ipc_dir, "k"))
            super().__init__(**kw)

        async def start_kernel(self, **kw):  # type: ignore[override]
            kw.setdefault("stderr", kernel_log)
            kw.setdefault("env", {**os.environ, HEADLESS_ENV: "1"})   # explorers build no widgets (see widgets.py)
            return await super().start_kernel(**kw)

    return QuietKernelManager


def _shown(source: Path) -> Path:
    return source.relative_to(REPO_ROOT) if source.is_relative_to(REPO_ROOT) else source


def execute(source: Path, output: Path, parameters: dict, cwd: Path | None = None, timeout: int | None = None,
            kernel_log: Path | None = None) -> float:
    """Execute one Jupytext notebook with papermill; returns wall seconds.

    The kernel runs in ``cwd`` (default: the notebook's folder; ``runner exec`` passes the repository root, so
    the relative paths among the parameters resolve there), on IPC transport; its stderr goes to
    ``kernel_log`` (default: discarded).
    Raises :class:`NotebookFailed` naming the notebook and the failing cell.
    """
    import jupytext
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    source, output = Path(source), Path(output)
    nb = jupytext.read(source)
    output.parent.mkdir(parents=True, exist_ok=True)
    # a short private folder for the kernel's IPC sockets (Unix socket paths are limited to ~100 bytes)
    with tempfile.TemporaryDirectory() as tmp, \
            tempfile.TemporaryDirectory(dir="/tmp" if os.path.isdir("/tmp") else None, prefix="omk") as ipc, \
            open(kernel_log or os.devnull, "a") as klog:
        src_ipynb = Path(tmp) / f"{source.stem}.ipynb"
        jupytext.write(nb, src_ipynb)
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(
                str(src_ipynb), str(output), parameters=parameters, kernel_name="python3", language="python",
                cwd=str(cwd or source.parent), progress_bar=False, execution_timeout=timeout,
                kernel_manager_class=_kernel_manager(ipc, klog),
                # papermill fails a cell whose last output arrives > iopub_timeout after its reply (default 4 s):
                # on a loaded machine (a rehearsal beside a build) a starved kernel missed that and p3_04 failed
                iopub_timeout=IOPUB_TIMEOUT,
            )
        except pm.PapermillExecutionError as e:
            raise NotebookFailed(
                f"{_shown(source)} failed in cell {e.cell_index} (execution count {e.exec_count}): "
                f"{e.ename}: {e.evalue}\n  the executed copy with the full traceback is {output}"
            ) from None
        except (CellTimeoutError, DeadKernelError) as e:
            raise NotebookFailed(
                f"{_shown(source)} failed: {type(e).__name__}: {str(e).splitlines()[0]}\n"
                f"  the executed copy up to that cell is {output}"
            ) from None
        secs = time.perf_counter() - t0
    _clean_metadata(output, source, Path(cwd or source.parent))
    return secs


def _clean_metadata(output: Path, source: Path, root: Path) -> None:
    """Papermill records the input and output paths in the executed notebook (the input is a temporary
    copy); the book offers that notebook for download, so they are written relative to ``root``."""
    import nbformat

    nb = nbformat.read(output, as_version=4)
    meta = nb.metadata.get("papermill")
    if not meta:
        return
    meta["input_path"] = relative(source.resolve(), root.resolve())
    meta["output_path"] = relative(output.resolve(), root.resolve())
    nbformat.write(nb, output)


def _parse_param(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"--param expects name=value, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def exec_main(argv) -> int:
    """``runner exec``: one notebook, as a Snakemake job runs it. A failed notebook's executed copy (with the
    traceback) is kept at ``--failed-copy`` because Snakemake removes the outputs of a failed job."""
    ap = argparse.ArgumentParser(prog="python -m omicslib.book.runner exec")
    ap.add_argument("source", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--param", action="append", default=[], type=_parse_param, help="name=value (JSON or text)")
    ap.add_argument("--kernel-log", type=Path)
    ap.add_argument("--failed-copy", type=Path)
    ap.add_argument("--timeout", type=int)
    ap.add_argument("--cwd", type=Path, default=Path("."),
                    help="the kernel's working folder, where relative parameters (outdir, jobs_dir) resolve: the "
                         "repository root (Snakemake runs a job there); default the current folder")
    a = ap.parse_args(argv)
    params = dict(a.param)
    cwd = a.cwd.resolve()
    if params.get("outdir"):
        (cwd / params["outdir"]).mkdir(parents=True, exist_ok=True)
    try:
        secs = execute(a.source, a.output, params, cwd=cwd, timeout=a.timeout, kernel_log=a.kernel_log)
    except NotebookFailed as e:
        if a.failed_copy and a.output.is_file():
            a.failed_copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(a.output, a.failed_copy)
            print(str(e).replace(str(a.output), str(a.failed_copy)), file=sys.stderr)
        else:
            print(e, file=sys.stderr)
        return 1
    print(f"{a.source.stem}: {secs:.1f} s")
    return 0


# ----------------------------------------------------------------------------------------------------------------
# Heavy grids as jobs: a paper package's optional ``jobs.py`` (see workflow/Snakefile)
# ----------------------------------------------------------------------------------------------------------------

def jobs_module(root: Path, package: str):
    """The ``jobs.py`` of a paper package, loaded from its file (None if the package has none). It defines
    ``jobs(notebook, profile, **settings) -> list[str]`` and ``run(notebook, job, profile, out, **settings)``;
    it must use absolute imports."""
    import importlib.util

    path = Path(root) / "omicslib" / "papers" / package / "jobs.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"omicslib_jobs_{package}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod   # dataclasses (string annotations) look their module up there
    spec.loader.exec_module(mod)
    for name in ("jobs", "run"):
        if not callable(getattr(mod, name, None)):
            raise TypeError(f"{path} must define a function {name}() (see workflow/Snakefile)")
    return mod


def job_main(argv) -> int:
    """``runner job PACKAGE NOTEBOOK JOB --out FILE --param k=v``: one grid job (a Snakemake job)."""
    ap = argparse.ArgumentParser(prog="python -m omicslib.book.runner job")
    ap.add_argument("package")
    ap.add_argument("notebook")
    ap.add_argument("job")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--param", action="append", default=[], type=_parse_param, help="name=value (JSON or text)")
    a = ap.parse_args(argv)
    settings = dict(a.param)
    mod = jobs_module(Path.cwd(), a.package)
    if mod is None:
        ap.error(f"omicslib/papers/{a.package}/jobs.py not found under {Path.cwd()}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    mod.run(a.notebook, a.job, settings.pop("profile", "quick"), a.out, **settings)
    if not a.out.is_file():
        print(f"{a.package}.jobs.run({a.notebook!r}, {a.job!r}) wrote no {a.out}", file=sys.stderr)
        return 1
    print(f"{a.notebook}/{a.job}: {time.perf_counter() - t0:.1f} s")
    return 0


# ----------------------------------------------------------------------------------------------------------------
# The command line over Snakemake
# ----------------------------------------------------------------------------------------------------------------

def _tty_progress() -> str | None:
    """``/dev/tty`` when this run has a terminal to draw training progress on, else None."""
    if not sys.stderr.isatty():
        return None
    try:
        with open("/dev/tty", "w"):
            return "/dev/tty"
    except OSError:
        return None


def snakemake_command(*, profile: str = "quick", device: str = "auto", jobs: int = 1, papers=PAPERS,
                      only: list[str] | None = None, force: bool = False, seed: int | None = None,
                      data_source: str | None = None, dry_run: bool = False, target: str = "notebooks",
                      root: Path | None = None, extra_config: dict | None = None,
                      extra_args: list[str] | None = None) -> list[str]:
    """The Snakemake command line the runner (and ``make notebooks``) executes."""
    root = Path(root) if root is not None else REPO_ROOT
    cfg = {"profile": profile, "device": device, "papers": ",".join(papers), "only": ",".join(only or []),
           "seed": "" if seed is None else seed, "data_source": data_source or "", **(extra_config or {})}
    cmd = [sys.executable, "-m", "snakemake", target, "--snakefile", str(SNAKEFILE), "--directory", str(root),
           "--workflow-profile", str(LOCAL_PROFILE), "--cores", str(jobs), *(extra_args or [])]
    if dry_run:
        cmd.append("--dry-run")
    if force:
        cmd += ["--forcerun", *[nb.rule for nb in discover(papers, only, root)]]
    # --config takes every following word: it comes last
    return cmd + ["--config", *[f"{k}={v}" for k, v in cfg.items()]]


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["exec"]:
        return exec_main(argv[1:])
    if argv[:1] == ["job"]:
        return job_main(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="quick", choices=("smoke", "quick", "paper"))
    ap.add_argument("--device", default="auto")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="Snakemake --cores")
    ap.add_argument("--papers", nargs="+", default=list(PAPERS))
    ap.add_argument("--only", nargs="*", help="substrings of notebook names to run")
    ap.add_argument("--force", action="store_true", help="rerun the selected notebooks even if up to date")
    ap.add_argument("--seed", type=int, help="override every selected notebook's seed")
    ap.add_argument("--data-source", help="override every selected notebook's data_source")
    ap.add_argument("--dry-run", "-n", action="store_true", help="list what would run and why")
    ap.add_argument("--pages", action="store_true", help="also regenerate the generated pages afterwards")
    ap.add_argument("snakemake_args", nargs="*", help="after --: passed to Snakemake as is")
    a = ap.parse_args(argv)
    bad = set(a.papers) - set(PAPERS)
    if bad:
        ap.error(f"unknown paper ids {sorted(bad)}; choose from {PAPERS}")
    if not discover(a.papers, a.only):
        ap.error(f"no notebook matches --papers {' '.join(a.papers)} --only {' '.join(a.only or [])}")
    cmd = snakemake_command(profile=a.profile, device=a.device, jobs=a.jobs, papers=a.papers, only=a.only,
                            force=a.force, seed=a.seed, data_source=a.data_source, dry_run=a.dry_run,
                            target="all" if a.pages else "notebooks", extra_args=a.snakemake_args)
    env = dict(os.environ)
    if PROGRESS_ENV not in env and (tty := _tty_progress()):
        env[PROGRESS_ENV] = tty
    print("$", shlex.join(cmd[2:]), flush=True)
    t0 = time.perf_counter()
    rc = subprocess.call(cmd, cwd=REPO_ROOT, env=env)
    print(f"snakemake exited {rc} after {time.perf_counter() - t0:.0f} s (profile={a.profile})")
    return rc


if __name__ == "__main__":
    sys.exit(main())
