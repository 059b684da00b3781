"""Writing results: every table as CSV + JSON sidecar, every figure as PNG + SVG + sidecar.

A notebook opens one :class:`Run` and writes through it; the sidecar records
provenance, profile, seeds, git commit, package versions and wall time, which
the book's scoreboard and the notebook cache read back.

Paper-vs-ours comparisons are tables in a fixed long format (see
:data:`COMPARISON_COLUMNS`) so that the scoreboard is generated, never typed.
"""

from __future__ import annotations

import html
import json
import platform
import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from omicslib.book.provenance import KINDS, Provenance, badge_html
from omicslib.paths import REPO_ROOT, results_dir
from omicslib.profiles import check as check_profile

if TYPE_CHECKING:
    import torch

FACTS_FILE = "facts.json"
FACT_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
COMPARISON_COLUMNS = ["item", "metric", "paper", "ours", "ours_sd", "delta", "rel_delta", "provenance", "note",
                      "locator"]
_PACKAGES = ("numpy", "pandas", "scipy", "scikit-learn", "statsmodels", "torch", "torchvision", "lifelines")


def git_commit() -> str:
    """Short commit of the repository (``+dirty`` when omicslib or notebooks have uncommitted changes).

    Without git or outside a checkout (e.g. an unpacked archive) it says so instead of failing the run."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=10)
    except FileNotFoundError:
        return "unknown (git not installed)"
    except subprocess.TimeoutExpired:
        return "unknown (git timed out)"
    if out.returncode != 0:
        return f"unknown (not a git checkout: {out.stderr.strip().splitlines()[0] if out.stderr.strip() else out.returncode})"
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "omicslib", "notebooks"], cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=10).stdout.strip()
    return out.stdout.strip() + ("+dirty" if dirty else "")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in _PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            pass
    return out


def comparison(rows: list[dict], provenance: Provenance) -> pd.DataFrame:
    """Build a paper-vs-ours table from dicts with ``item``, ``metric``, ``paper``, ``ours``
    (optional ``ours_sd``, ``note``, ``locator``; :func:`vs_paper` builds them from the reference file).
    ``paper`` may be ``None`` where the paper gives no value. On synthetic data there is no delta: a
    synthetic number is a pipeline check, never a difference from the paper."""
    df = pd.DataFrame(rows)
    for c in ("item", "metric", "ours"):
        if c not in df:
            raise ValueError(f"comparison rows need a {c!r} field; got {list(df.columns)}")
    for c in ("paper", "ours_sd"):
        if c not in df:
            df[c] = np.nan
    for c in ("note", "locator"):
        df[c] = df[c].fillna("") if c in df else ""
    df["paper"] = pd.to_numeric(df["paper"], errors="coerce")
    df["delta"] = np.nan if provenance.is_synthetic else df["ours"] - df["paper"]
    df["rel_delta"] = df["delta"] / df["paper"].abs()
    df["provenance"] = provenance.kind
    return df[COMPARISON_COLUMNS]


def vs_paper(paper: str, key: str, ours, ours_sd=np.nan, note: str = "", item: str | None = None) -> dict:
    """One comparison row against the paper's reference value ``key``: item, metric and the paper's value
    come from the reference file (``omicslib/papers/pN_*/reference.csv``), never from the caller."""
    from omicslib.book import reference

    row = reference.row(paper, key)
    return {"item": item or row["item"] or key, "metric": row["metric"], "paper": reference.value(paper, key),
            "ours": ours, "ours_sd": ours_sd, "note": note, "locator": row["locator"]}


def comparison_html(df: pd.DataFrame, digits: int = 3) -> str:
    """HTML of a comparison table with a provenance badge column."""
    show = df.copy()
    show["provenance"] = show["provenance"].map(badge_html)
    fmt = lambda v: "" if pd.isna(v) else f"{v:.{digits}f}"  # noqa: E731
    for c in ("paper", "ours", "ours_sd", "delta"):
        show[c] = show[c].map(fmt)
    show["rel_delta"] = show["rel_delta"].map(lambda v: "" if pd.isna(v) else f"{v:+.1%}")
    show["paper"] = show["paper"].replace("", "–")
    return show.to_html(index=False, escape=False, classes="comparison")


def start(paper: str, notebook: str, profile: str, seed: int, device: str = "auto", outdir=None, *,
          seeds=None, cpu_threads: int | None = None) -> tuple["Run", "torch.device"]:
    """A notebook's preamble: seed everything, pick the device (capping torch's CPU threads at
    ``cpu_threads`` when it is the CPU), set the figure style and open the :class:`Run`.
    Returns ``(run, device)``; ``seeds`` (default ``[seed]``) are the seeds the run records."""
    from omicslib.book.plots import set_style
    from omicslib.runtime import pick_device, seed_everything, set_threads

    seed_everything(seed)
    dev = pick_device(device)
    if dev.type == "cpu":
        set_threads(cpu_threads)
    set_style()
    run = Run(paper=paper, notebook=notebook, profile=profile, seeds=[seed] if seeds is None else seeds,
              device=str(dev), outdir=outdir)
    return run, dev


@dataclass
class Run:
    """One notebook execution: where it writes, under which profile and seeds."""

    paper: str
    notebook: str
    profile: str
    seeds: list[int] | tuple[int, ...] = (0,)
    device: str = "cpu"
    outdir: str | Path | None = None
    started: float = field(default_factory=time.perf_counter)
    written: list[str] = field(default_factory=list)
    _facts: dict = field(default_factory=dict, repr=False)
    commit: str = field(init=False, default="")

    def __post_init__(self):
        check_profile(self.profile)
        self.outdir = Path(self.outdir) if self.outdir else results_dir(self.paper, self.notebook)
        self.outdir.mkdir(parents=True, exist_ok=True)
        self.seeds = [int(s) for s in self.seeds]
        self.commit = git_commit()  # once per run: every sidecar, fact and source line records the same commit
        (self.outdir / FACTS_FILE).unlink(missing_ok=True)  # facts of an earlier run never leak into this one

    def _sidecar(self, name: str, kind: str, provenance: Provenance, **extra) -> Path:
        side = {
            "name": name,
            "kind": kind,
            "paper": self.paper,
            "notebook": self.notebook,
            "profile": self.profile,
            "seeds": self.seeds,
            "device": str(self.device),
            "provenance": provenance.to_dict(),
            "git_commit": self.commit,
            "packages": package_versions(),
            "wall_time_s": round(time.perf_counter() - self.started, 2),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **extra,
        }
        path = self.outdir / f"{name}.json"
        path.write_text(json.dumps(side, indent=2, default=str))
        return path

    def table(self, df: pd.DataFrame, name: str, provenance: Provenance, caption: str = "",
              index: bool = False) -> "Written":
        """Write ``<name>.csv`` and its sidecar; returns the CSV path."""
        path = self.outdir / f"{name}.csv"
        df.to_csv(path, index=index)
        kind = "comparison" if list(df.columns) == COMPARISON_COLUMNS else "table"
        self._sidecar(name, kind, provenance, caption=caption, rows=len(df))
        self.written.append(path.name)
        return Written(path)

    def compare(self, rows: list[dict], name: str, provenance: Provenance, caption: str = ""):
        """Write a paper-vs-ours comparison table and return it as displayable HTML."""
        from IPython.display import HTML

        df = comparison(rows, provenance)
        self.table(df, name, provenance, caption)
        return HTML(f"<p><b>{caption}</b> {badge_html(provenance.kind)}</p>" + comparison_html(df)
                    + self.source_html(name))

    def source_html(self, name: str) -> str:
        """The provenance line under a figure or table: an anchor to the cell that made it (``#src-<name>``,
        which the scoreboard links to), its sidecar and CSV as published beside the page
        (``results/<notebook>/``, relative to the executed notebook and to its page), commit, profile, seeds."""
        cell = _cell_number()
        folder = f"results/{self.outdir.name}"
        links = [f'<a href="#src-{name}">{f"cell [{cell}]" if cell else "this cell"}</a> of '
                 f"<code>{html.escape(self.notebook)}</code>", f'<a href="{folder}/{name}.json">sidecar</a>']
        if (self.outdir / f"{name}.csv").is_file():
            links.append(f'<a href="{folder}/{name}.csv">CSV</a>')
        return (f'<p class="omicslib-source" id="src-{name}">Source: ' + " · ".join(links)
                + f" · commit {html.escape(self.commit)} · profile {self.profile} · seeds "
                + ",".join(map(str, self.seeds)) + "</p>")

    @property
    def fact_namespace(self) -> str:
        """Pages quote this run's facts as ``{{ <namespace>.<key> }}``: ``p1_02`` for ``p1_02_crossmodal_grid``."""
        return "_".join(self.notebook.split("_")[:2])

    def fact(self, key: str, value, fmt: str = "{:.3f}", provenance: Provenance | None = None) -> str:
        """Record one result that a book page quotes, as ``{{ <namespace>.<key> }}`` (see :attr:`fact_namespace`).

        ``value`` is formatted with ``fmt`` (``"{:d}"`` for counts, ``"{:.1%}"`` for percentages; text is
        kept as it is) and written to ``facts.json`` beside the tables; returns the text.
        """
        text = self._fact(key, value, fmt, provenance)
        self._write_facts()
        return text

    def facts(self, items: dict[str, tuple], provenance: Provenance | None = None) -> "FactsTable":
        """Record ``{key: (value, fmt)}`` at once (one write of ``facts.json``). A value that is not finite
        (e.g. a test undefined on a smoke subsample) is recorded as the text ``n/a``, so that every profile
        writes the same keys. Returns the recorded texts, shown as a complete two-column table."""
        out = {}
        for key, (value, fmt) in items.items():
            if isinstance(value, (float, np.floating)) and not np.isfinite(value):
                value = "n/a"
            out[key] = self._fact(key, value, fmt, provenance)
        self._write_facts()
        return FactsTable(out)

    def _fact(self, key: str, value, fmt: str, provenance: Provenance | None) -> str:
        if not FACT_KEY.match(key):
            raise ValueError(f"fact key must match {FACT_KEY.pattern}, got {key!r}")
        if isinstance(value, (np.integer, np.floating)):
            value = value.item()
        if isinstance(value, float) and not np.isfinite(value):
            raise ValueError(f"fact {key!r} is {value}: a page must not quote a missing number")
        text = value if isinstance(value, str) else fmt.format(value)
        self._facts[key] = {"text": text, "value": value if not isinstance(value, str) else None,
                            "provenance": provenance.kind if provenance else None}
        return text

    def _write_facts(self) -> None:
        (self.outdir / FACTS_FILE).write_text(json.dumps({"namespace": self.fact_namespace, "notebook": self.notebook,
                                    "profile": self.profile, "seeds": self.seeds, "git_commit": self.commit,
                                    "facts": self._facts}, indent=2, default=str))

    def claims(self, claim_list, name: str = "claims", caption: str = "Claims ledger"):
        """Write the paper's claims ledger (:func:`omicslib.book.claims.ledger`) and return it as HTML."""
        from IPython.display import HTML

        from omicslib.book import claims as C

        df = C.ledger(claim_list)
        path = self.outdir / f"{name}.csv"
        df.to_csv(path, index=False)
        kinds = [k for k in df["provenance"].unique() if k in KINDS]
        prov = Provenance(min(kinds, key=KINDS.index) if kinds else "synthetic", ("claims ledger",))
        self._sidecar(name, "claims", prov, caption=caption, rows=len(df), rules=C.RULES)
        self.written.append(path.name)
        return HTML(C.ledger_html(df) + self.source_html(name))

    def figure(self, fig, name: str, provenance: Provenance, caption: str, alt: str = "") -> "Written":
        """Stamp provenance on ``fig``, save ``<name>.png`` and ``.svg`` with a sidecar, and (in a
        notebook) show it as an HTML figure with alt text, caption and badge instead of the bare plot."""
        import matplotlib.pyplot as plt

        from omicslib.book.plots import stamp

        stamp(fig, provenance)
        png = self.outdir / f"{name}.png"
        fig.savefig(png)
        fig.savefig(self.outdir / f"{name}.svg")
        plt.close(fig)
        self._sidecar(name, "figure", provenance, caption=caption, alt=alt or caption)
        self.written.append(png.name)
        _display_html(figure_html(png, caption, alt or caption, provenance.kind) + self.source_html(name))
        return Written(png)


class Written(type(Path())):
    """The path of a file a :class:`Run` wrote. It displays nothing as a notebook cell's last value, so a
    cell ending in ``run.table(...)`` or ``run.figure(...)`` leaks no machine path into the book."""

    def _ipython_display_(self) -> None:
        pass


class FactsTable(dict):
    """The texts :meth:`Run.facts` recorded, ``{key: text}``; a notebook shows them as one complete
    two-column table (never a transposed row, never truncated by pandas' row limit)."""

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(str(v))}</td></tr>"
                       for k, v in self.items())
        return f'<table class="facts"><thead><tr><th>fact</th><th>value</th></tr></thead><tbody>{rows}</tbody></table>'


def figure_html(png: Path, caption: str, alt: str, kind: str) -> str:
    """A self-contained ``<figure>`` (inline PNG) with alt text, caption and provenance badge."""
    import base64
    import html

    data = base64.b64encode(Path(png).read_bytes()).decode()
    return (f'<figure style="margin:0 0 1em 0"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
            f'style="max-width:100%"/><figcaption>{html.escape(caption)} {badge_html(kind)}</figcaption></figure>')


def _cell_number() -> int | None:
    """The execution count of the running notebook cell (None outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    ip = get_ipython()
    return getattr(ip, "execution_count", None) if ip is not None else None


def _display_html(markup: str) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        return
    if get_ipython() is not None:
        display(HTML(markup))


def read_results(root: str | Path | None = None, kind: str | None = None) -> list[dict]:
    """All sidecars under ``book/*/results`` (optionally of one kind), each with ``csv``/``png`` path added."""
    root = Path(root) if root else REPO_ROOT / "book"
    out = []
    for side in sorted(root.glob("*/results/*/*.json")):
        d = json.loads(side.read_text())
        if kind and d.get("kind") != kind:
            continue
        d["sidecar"] = str(side)
        stem = side.with_suffix("")
        d["file"] = str(stem.with_suffix(".csv" if d["kind"] != "figure" else ".png"))
        out.append(d)
    return out
