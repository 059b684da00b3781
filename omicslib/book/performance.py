"""The book's performance page, generated from the benchmark's CSV.

``make benchmark`` (:mod:`omicslib.benchmarks.suite`) writes ``book/performance/benchmark.csv``;
:func:`write_page` turns it into ``book/performance.md``: per model and per trained step, counted FLOPs per
training sample, samples/s, the ratio to the machine's measured matmul ceiling and to the step's own shape floor,
peak memory; p1's kernel before/after when the CSV has it; the optimiser before/after; a figure of the scaling
sweeps (``book/performance/scaling.png``); and the paper profile's projected cost from the rehearsal's CSV, before
and after the measured p1 speed-up. Without a CSV the page says how to produce one. Called by
:func:`omicslib.book.pages.main`.
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
machine, `--p1-before REV` adds p1's steps with its model code at git revision REV, timed beside the current
ones). It writes `book/performance/benchmark.csv` and this page; `make book` redraws the page from the CSV.
On a GPU machine, `make benchmark DEVICE=cuda` measures the same models there."""

RATIOS = ("Two ratios per step. **Of ceiling**: the step's counted FLOPs per second over the best large dense "
          "float32 matmul of this machine, i.e. how far the step is from running all its arithmetic as one large "
          "matmul; a model of small heads and thin matrices cannot reach it whatever the code, because BLAS runs "
          "its shapes far below that rate. **Of floor**: the step's *shape floor* (its own matmuls, convolutions "
          "and attention kernels, each timed alone with the step's shapes and strides, plus its random draws, "
          "timed alone too) over the step's time; 100 % would mean that nothing but those kernels costs time, so "
          "the rest (element-wise work, copies, Python) is the overhead that rewriting the code can remove.")


def _fmt(x: float, digits: int = 1) -> str:
    return "" if pd.isna(x) else f"{x:,.{digits}f}"


def _pct(x: float) -> str:
    return "" if pd.isna(x) else f"{x:.1%}"


def _table(df: pd.DataFrame) -> str:
    lines = ["| paper | model | step | batch | MFLOP / sample | samples/s | per CPU second | of ceiling | step ms "
             "| floor ms (random) | of floor | peak MB |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in df.itertuples():
        lines.append(f"| {r.paper} | {r.model} | {r.step} | {int(r.batch)} | {_fmt(r.flops_per_sample / 1e6, 2)} | "
                     f"{_fmt(r.samples_per_s)} | {_fmt(r.samples_per_cpu_s)} | {_pct(r.ratio_to_ceiling)} | "
                     f"{_fmt(r.step_ms)} | {_fmt(r.floor_ms)} ({_fmt(r.floor_random_ms)}) | {_pct(r.ratio_to_floor)} | "
                     f"{_fmt(r.peak_mb, 0)} |")
    return "\n".join(lines)


def p1_pairs(df: pd.DataFrame) -> pd.DataFrame:
    """p1's steps timed before and after a change of its model code (``--p1-before``): one row per model and
    step with both step times (ms, on the benchmark's clock) and their ratio; empty without such rows."""
    p1 = df[df["paper"] == "p1"]
    before, after = p1[p1["section"] == "before"], p1[p1["section"] == "model"]
    pairs = before.merge(after, on=["model", "step"], suffixes=("_before", "_after"))
    return pd.DataFrame({"model": pairs["model"], "step": pairs["step"], "before_ms": pairs["step_ms_before"],
                         "after_ms": pairs["step_ms_after"],
                         "speedup": pairs["step_ms_before"] / pairs["step_ms_after"]})


def p1_speedups(df: pd.DataFrame) -> dict[str, float]:
    """Per p1 width (model name), training before over after: each step's time weighted by its planned steps in
    one (K, fold) unit of that width's profile (:func:`omicslib.benchmarks.suite.p1_protocol_weights`)."""
    from omicslib.benchmarks import suite

    out = {}
    for model, g in p1_pairs(df).groupby("model", sort=False):
        width = model.removeprefix("cross-modal, ").removesuffix(" widths")
        out[model] = suite.protocol_speedup(dict(zip(g["step"], g["before_ms"])), dict(zip(g["step"], g["after_ms"])),
                                            suite.p1_protocol_weights(width))
    return out


def write_figure(scaling: pd.DataFrame, out: Path = FIGURE) -> bool:
    """Samples/s (top) and peak MB (bottom) against each swept quantity; False when nothing was swept."""
    groups = list(scaling.groupby(["paper", "step", "sweep"], sort=False))
    if not groups:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(groups), figsize=(3.1 * len(groups), 5.4), squeeze=False)
    for j, ((paper, step, sweep), g) in enumerate(groups):
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
                ax.set_title(f"{paper} {step}" if step != "forward + backward" else f"{paper} {g['model'].iloc[0]}",
                             fontsize=9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return True


#: what each sweep varies, in words (the figure's alt text)
SWEPT = {"n_mut": "the number of mutation tokens", "K": "K", "image": "the image side", "batch": "the batch size"}


def figure_block(scaling: pd.DataFrame) -> list[str]:
    """The scaling figure as a MyST figure with alt text and a caption naming what each panel sweeps."""
    panels = [f"{p} {s if s != 'forward + backward' else 'training step'} against {SWEPT.get(w, w)}"
              for (p, s, w), _ in scaling.groupby(["paper", "step", "sweep"], sort=False)]
    return ["```{figure} " + FIGURE.relative_to(BOOK).as_posix(), ":name: performance-scaling", ":width: 100%",
            ":alt: Line charts of training samples per second (top row) and peak memory in MB (bottom row), one "
            f"column per sweep: {'; '.join(panels)}; both axes of each sweep on a log scale for the swept quantity\n",
            "Training throughput (top) and peak memory (bottom) of one trained step against the number of tokens "
            "(p1), the batch size and the image side (p4), each with the other shapes at the benchmark's values; "
            "the rows of the table below.", "```\n"]


def rehearsal_text(reh: pd.DataFrame | None, speedup: dict[str, float] | None = None,
                   speedup_note: str = "") -> list[str]:
    """The paper profile's projected cost per paper and per notebook, from ``make rehearsal``'s CSV, with the
    CPU and GPU hours before and after ``speedup`` (per paper: training steps that many times faster)."""
    from omicslib.book import rehearsal

    head = ["## What the `paper` profile would cost\n"]
    if reh is None or reh.empty:
        return head + ["`make rehearsal` has not been run in this checkout: it runs every notebook's paper "
                       "configuration on the CPU with each fit capped at 2 optimiser steps and writes "
                       f"`{REHEARSAL_CSV.relative_to(BOOK.parent).as_posix()}`.\n"]
    paper = rehearsal.with_training_speedup(rehearsal.per_paper(reh), speedup or {})
    changed = bool(speedup)
    lines = ["| paper | rehearsal wall (min, sum of jobs) | planned optimiser steps | projected CPU hours (1 thread) "
             + ("| training speed-up | CPU hours after " if changed else "")
             + f"| projected GPU hours ({rehearsal.GPU}, training) | + non-training CPU hours |",
             "|---|---:|---:|---:|" + ("---:|---:|" if changed else "") + "---:|---:|"]
    for r in paper.itertuples():
        after = f"{r.speedup:.2f}x | {r.projected_cpu_h_after:,.2f} | " if changed else ""
        lines.append(f"| {r.paper} | {r.wall_s / 60:.1f} | {int(r.steps_planned):,} | {r.projected_cpu_h:,.2f} | "
                     f"{after}{r.projected_gpu_train_h:,.3f} | {r.non_training_cpu_h:,.2f} |")
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
    total_before, total_after = paper["projected_cpu_h"].sum(), paper["projected_cpu_h_after"].sum()
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
        *([f"{speedup_note} In all, {total_before:,.1f} -> {total_after:,.1f} projected CPU hours.\n"]
          if changed else []),
        "\n".join(lines), "", "\n".join(jobs), ""]


def page_text(df: pd.DataFrame | None, figure: bool = False, reh: pd.DataFrame | None = None) -> str:
    head = GENERATED + "# Performance: each model against this machine's limits\n\n"
    if df is None or df.empty:
        return "\n".join([head + "No benchmark has been run in this checkout yet.\n\n" + HOW_TO + "\n",
                          *rehearsal_text(reh)])
    ceil = df[df["section"] == "ceiling"]
    c = ceil.iloc[0] if len(ceil) else df.iloc[0]
    cpu_clock = c["device"] == "cpu" and int(c["threads"]) == 1
    parts = [head,
             f"Measured by `make benchmark` on **{c['machine']}** (device `{c['device']}`, torch threads: "
             f"{int(c['threads'])}, torch {c['torch']}). The machine's own ceiling, measured in the same run: dense float32 "
             f"matmul **{c['ceiling_gflops']:.1f} GFLOP/s**, memory bandwidth **{c['mem_bw_gbs']:.1f} GB/s** "
             "(tensor copy, read + write). Each row is one step that training runs: p1's three stages as its "
             "protocol runs them (stage 1 per modality encoder, stage 2 on frozen stage-1 embeddings, stage 3's "
             "classifier), the other papers' forward, backward and optimiser step. FLOPs are counted by "
             "`torch.utils.flop_counter.FlopCounterMode` over one step (matmuls, convolutions and attention, not "
             "element-wise work). "
             + ("Step times, the floor and the ceiling are the benchmark thread's CPU time (one torch thread: every "
                "kernel runs on it, and other work on a shared machine does not lengthen it); samples/s is wall "
                "time, which such work does lengthen." if cpu_clock else
                "Step times, the floor and the ceiling are wall time.") + "\n",
             RATIOS + "\n"]
    models = df[df["section"] == "model"]
    if len(models):
        parts += ["## Every paper's trained steps\n", _table(models), ""]
    pairs = p1_pairs(df)
    if len(pairs):
        sp = p1_speedups(df)
        lines = ["| model | step | before ms | after ms | speed-up |", "|---|---|---:|---:|---:|"]
        lines += [f"| {r.model} | {r.step} | {_fmt(r.before_ms)} | {_fmt(r.after_ms)} | {r.speedup:.2f}x |"
                  for r in pairs.itertuples()]
        parts += ["## p1: the attention kernel before and after\n",
                  "Before: p1's model code at the earlier revision, built beside the current code in the same process "
                  "and timed with it in alternating rounds on each step (the fastest round of each). The current "
                  "blockwise dropout attention makes q, k and v contiguous once, works "
                  "in blocks of 2^18 weights that are contiguous slices, draws the dropout mask as one uniform draw "
                  "compared with p (the same Bernoulli(1 - p) keep distribution) and applies it with `masked_fill`; "
                  "it equals the earlier kernel in float64 given the same mask "
                  "(`tests/papers/p1_crossmodal/test_p1_attention_kernel.py`). Weighted by each step's planned "
                  "optimiser steps in one (K, fold) unit (stage 1 once, stage 2 per fusion variant, stage 3 per "
                  "variant): " + ", ".join(f"{m} {v:.2f}x" for m, v in sp.items()) + ". In training the kernel "
                  "runs only where attention with dropout goes over tokens that are not grouped, i.e. stage 1's "
                  "expression encoder (CNA levels, mutations and stage 2's frozen contexts go through the grouped "
                  "attention); the other steps' ratios show how far two timings of the same code differ here.\n",
                  "\n".join(lines), ""]
    opt = df[df["section"].isin(["before", "after"]) & (df["paper"] != "p1")]
    if len(opt):
        ratios = []
        for paper, g in opt.groupby("paper", sort=False):
            if set(g["section"]) == {"before", "after"}:
                b, a = g[g["section"] == "before"].iloc[0], g[g["section"] == "after"].iloc[0]
                ratios.append(f"{paper} {b['step_ms'] / a['step_ms']:.2f}x")
        parts += ["## The optimiser: one fused kernel instead of a loop over parameters\n",
                  "Before: torch's default AdamW on a CPU (a Python loop over the parameter tensors). After: "
                  "`omicslib.train.adam`, the fused kernel every paper's training now uses (the same update up "
                  "to float rounding, `tests/core/test_train_perf_options.py`). Step time, before / after: "
                  f"{', '.join(ratios)}.\n",
                  _table(opt.assign(model=opt["section"] + ": " + opt["model"])), ""]
    scaling = df[df["section"] == "scaling"]
    if len(scaling):
        parts += ["## Scaling\n", "Samples/s and peak memory of one trained step against the number of tokens "
                  "(p1's stage-1 encoders: mutation features, K expression features), the batch size and the image "
                  "size (p4).\n"]
        if figure:
            parts += figure_block(scaling)
        value = pd.to_numeric(scaling["value"]).map(lambda v: f"{v:g}")
        parts += [_table(scaling.assign(model=scaling["model"] + " · " + scaling["sweep"] + " = " + value)), ""]
    speedup, note = {}, ""
    paper_width = [m for m in p1_speedups(df) if "paper widths" in m] if len(pairs) else []
    if paper_width:
        speedup = {"p1": p1_speedups(df)[paper_width[0]]}
        note = (f"After: p1's training part divided by the measured {speedup['p1']:.2f}x of its steps at the paper's "
                "widths (above; the rehearsal timed each fit's first steps, so the projection inherits that "
                "approximation). The other papers' training code is unchanged between the two, so their figures "
                "stay as they are; the GPU hours stay as they are too, because a GPU runs "
                "`F.scaled_dot_product_attention`, not the CPU kernel, and the projection counts FLOPs, which the "
                "rewrite leaves unchanged.")
    parts += rehearsal_text(reh, speedup, note)
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
