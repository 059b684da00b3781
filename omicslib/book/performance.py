"""The book's performance page (issue 23), generated from the benchmark's CSV.

``make benchmark`` (:mod:`omicslib.benchmarks.suite`) writes ``book/performance/benchmark.csv``;
:func:`write_page` turns it into ``book/performance.md`` with the per-model table (counted FLOPs per
training sample, samples/s, achieved FLOP/s and its ratio to the machine's measured matmul ceiling, peak
memory), p1's before/after rows and a figure of the scaling sweeps (``book/performance/scaling.png``).
Without a CSV the page says how to produce one. Called by :func:`omicslib.book.pages.main`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from omicslib.book.report import GENERATED
from omicslib.paths import REPO_ROOT

BOOK = REPO_ROOT / "book"
CSV = BOOK / "performance" / "benchmark.csv"
REHEARSAL_CSV = BOOK / "performance" / "rehearsal.csv"
PAGE = BOOK / "performance.md"
FIGURE = BOOK / "performance" / "scaling.png"

HOW_TO = """Run `make benchmark` (minutes on two CPU cores; `python -m omicslib.benchmarks --parts models
before_after` leaves out the scaling sweeps, `--quick` runs tiny shapes in seconds, `--threads 1` on a shared
machine). It writes `book/performance/benchmark.csv` and this page; `make book` redraws the page from the CSV.
On a GPU machine, `make benchmark DEVICE=cuda` measures the same models there."""


def _fmt(x: float, digits: int = 1) -> str:
    return "" if pd.isna(x) else f"{x:,.{digits}f}"


def _table(df: pd.DataFrame) -> str:
    lines = ["| paper | model | batch | MFLOP / sample | samples/s | per CPU second | achieved GFLOP/s | of ceiling "
             "| peak MB |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in df.itertuples():
        cpu = getattr(r, "samples_per_cpu_s", float("nan"))
        lines.append(f"| {r.paper} | {r.model} | {int(r.batch)} | {_fmt(r.flops_per_sample / 1e6, 2)} | "
                     f"{_fmt(r.samples_per_s)} | {_fmt(cpu)} | {_fmt(r.achieved_gflops, 2)} | {r.ratio_to_ceiling:.2%} | "
                     f"{_fmt(r.peak_mb, 0)} |")
    return "\n".join(lines)


def write_figure(scaling: pd.DataFrame, out: Path = FIGURE) -> bool:
    """Samples/s (top) and peak MB (bottom) against each swept quantity; False when nothing was swept."""
    groups = list(scaling.groupby(["paper", "sweep"], sort=False))
    if not groups:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(groups), figsize=(3.1 * len(groups), 5.4), squeeze=False)
    for j, ((paper, sweep), g) in enumerate(groups):
        g = g.assign(value=pd.to_numeric(g["value"])).sort_values("value")
        for i, (col, label) in enumerate((("samples_per_s", "samples/s"), ("peak_mb", "peak MB"))):
            ax = axes[i, j]
            ax.plot(g["value"], g[col], "o-")
            ax.set_xscale("log", base=2)
            ax.set_xlabel({"n_mut": "mutation tokens", "K": "K (expression tokens)", "image": "image side (px)",
                           "batch": "batch size"}.get(sweep, sweep))
            if j == 0:
                ax.set_ylabel(label)
            if i == 0:
                ax.set_title(f"{paper} {g['model'].iloc[0]}", fontsize=9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return True


def rehearsal_text(reh: pd.DataFrame | None) -> list[str]:
    """The paper profile's projected cost per paper and per notebook, from ``make rehearsal``'s CSV."""
    from omicslib.book import rehearsal

    head = ["## What the `paper` profile would cost\n"]
    if reh is None or reh.empty:
        return head + ["`make rehearsal` has not been run in this checkout: it runs every notebook's paper "
                       "configuration on the CPU with each fit capped at 2 optimiser steps and writes "
                       f"`{REHEARSAL_CSV.relative_to(BOOK.parent).as_posix()}`.\n"]
    paper = rehearsal.per_paper(reh)
    lines = ["| paper | rehearsal wall (min, sum of jobs) | planned optimiser steps | projected CPU hours (1 thread) "
             f"| projected GPU hours ({rehearsal.GPU}, training) | + non-training CPU hours |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in paper.itertuples():
        lines.append(f"| {r.paper} | {r.wall_s / 60:.1f} | {int(r.steps_planned):,} | {r.projected_cpu_h:,.2f} | "
                     f"{r.projected_gpu_train_h:,.3f} | {r.non_training_cpu_h:,.2f} |")
    jobs = ["| notebook | wall s | fits (run) | planned GFLOP | projected CPU h | projected GPU h (training) |",
            "|---|---:|---:|---:|---:|---:|"]
    for r in reh.itertuples():
        run = int(getattr(r, "fits_run", r.fits))
        jobs.append(f"| {r.job} | {r.wall_s:,.0f} | {int(r.fits)} ({run}) | {r.gflop_planned:,.0f} | "
                    f"{r.projected_cpu_h:,.2f} | {r.projected_gpu_train_h:,.3f} |")
    missing = int(reh["fits_without_flops"].sum())
    from omicslib.book.runner import discover

    absent = [nb.stem for nb in discover() if nb.stem not in set(reh["job"])]
    if absent:
        jobs.append(f"\nNot in this rehearsal (stopped before they finished, or not run): {', '.join(absent)}; "
                    "their cost is not in the totals above.")
    return head + [
        f"Measured by `make rehearsal` ({len(reh)} notebooks, {reh['wall_s'].sum() / 60:.1f} min of job wall time "
        "on this machine): every notebook's paper configuration, each fit capped at 2 optimiser steps; where a "
        "notebook repeats a run over seeds or folds, one run stands for the others and counts as that many fits "
        "(run: the fits actually trained). CPU hours "
        "scale each fit to its planned steps (all epochs: an upper bound, early stopping ends most fits sooner) "
        "and keep the rest as measured, at one thread. GPU hours take each fit's counted FLOPs per step "
        "(first step, forward and backward) times its planned steps, assuming "
        f"{rehearsal.GPU_ASSUMPTION}"
        + (f" {missing} fits trained without a FLOP count (not in the GPU figure)." if missing else "") + "\n",
        "\n".join(lines), "", "\n".join(jobs), ""]


def page_text(df: pd.DataFrame | None, figure: bool = False, reh: pd.DataFrame | None = None) -> str:
    head = GENERATED + "# Performance: each model against this machine's limit\n\n"
    if df is None or df.empty:
        return "\n".join([head + "No benchmark has been run in this checkout yet.\n\n" + HOW_TO + "\n",
                          *rehearsal_text(reh)])
    ceil = df[df["section"] == "ceiling"]
    c = ceil.iloc[0] if len(ceil) else df.iloc[0]
    parts = [head,
             f"Measured by `make benchmark` on **{c['machine']}** (device `{c['device']}`, {int(c['threads'])} torch "
             f"threads, torch {c['torch']}). The machine's own ceiling, measured in the same run: dense float32 "
             f"matmul **{c['ceiling_gflops']:.1f} GFLOP/s**, memory bandwidth **{c['mem_bw_gbs']:.1f} GB/s** "
             "(tensor copy, read + write). FLOPs are counted by `torch.utils.flop_counter.FlopCounterMode` over "
             "one training step (forward and backward; matmuls, convolutions and attention, not element-wise "
             "work, so a memory-bound model shows a small ratio). Other work on a shared machine lowers the wall-clock "
             "figures (samples/s, achieved FLOP/s, the ratio); samples per CPU second, with one torch thread, "
             "are the least disturbed.\n"]
    models = df[df["section"] == "model"]
    if len(models):
        parts += ["## Every paper's model\n", _table(models), ""]
    ba = df[df["section"].isin(["before", "after"])]
    p1 = ba[ba["paper"] == "p1"]
    if len(p1) == 2:
        b, a = p1[p1["section"] == "before"].iloc[0], p1[p1["section"] == "after"].iloc[0]
        parts += ["## p1: attention before and after (issue 23)\n",
                  "Before: nn.MultiheadAttention over every token (the mutation self-attention materialises "
                  "batch x heads x tokens x tokens weights). After: attention over each sample's distinct tokens "
                  "(binary mutations, CNA levels), with the same function, gradients and dropout distribution "
                  "(`tests/papers/p1_crossmodal/test_p1_attention_equiv.py`).\n",
                  _table(p1.assign(model=p1["section"] + ": " + p1["model"])),
                  f"\n{a['samples_per_s'] / b['samples_per_s']:.1f}x the samples/s, "
                  f"{_fmt(b['peak_mb'], 0)} -> {_fmt(a['peak_mb'], 0)} MB peak.\n"]
    opt = ba[ba["paper"] != "p1"]
    if len(opt):
        ratios = []
        for paper, g in opt.groupby("paper", sort=False):
            if set(g["section"]) == {"before", "after"}:
                b, a = g[g["section"] == "before"].iloc[0], g[g["section"] == "after"].iloc[0]
                ratios.append(f"{paper} {a['samples_per_cpu_s'] / b['samples_per_cpu_s']:.2f}x")
        parts += ["## The optimiser: one fused kernel instead of a loop over parameters (issue 23)\n",
                  "Before: torch's default AdamW on a CPU (a Python loop over the parameter tensors). After: "
                  "`omicslib.train.adam`, the fused kernel every paper's training now uses (the same update up "
                  "to float rounding, `tests/core/test_train_perf_options.py`). Samples per CPU second, after / "
                  f"before: {', '.join(ratios)}.\n",
                  _table(opt.assign(model=opt["section"] + ": " + opt["model"])), ""]
    scaling = df[df["section"] == "scaling"]
    if len(scaling):
        parts += ["## Scaling\n", "Samples/s and peak memory against the number of tokens (p1: mutation "
                  "features, K expression features), the batch size and the image size (p4).\n"]
        if figure:
            parts += [f"![scaling]({FIGURE.relative_to(BOOK).as_posix()})\n"]
        parts += [_table(scaling.assign(model=scaling["model"] + " · " + scaling["sweep"] + " = " +
                                         scaling["value"].astype(str))), ""]
    parts += rehearsal_text(reh)
    parts += ["## Reproduce\n", HOW_TO, ""]
    return "\n".join(parts)


def write_page(csv: Path = CSV, page: Path = PAGE, rehearsal_csv: Path = REHEARSAL_CSV) -> Path:
    """Write ``book/performance.md`` (and its figure) from the benchmark CSV, or the how-to page without one, and
    the rehearsal's projected cost when its CSV exists."""
    df = pd.read_csv(csv) if Path(csv).exists() else None
    reh = pd.read_csv(rehearsal_csv) if Path(rehearsal_csv).exists() else None
    figure = df is not None and write_figure(df[df["section"] == "scaling"], FIGURE if page == PAGE else
                                             page.parent / "performance" / FIGURE.name)
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(page_text(df, figure, reh))
    return page


if __name__ == "__main__":
    print(f"wrote {write_page()}")
