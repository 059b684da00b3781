"""What the paper-profile rehearsal (``make rehearsal``) measured, and what the uncapped paper profile would cost.

The rehearsal runs every notebook's ``paper`` configuration on CPU with each ``fit()`` capped at a few
optimiser steps. Per job, Snakemake's benchmark file gives wall and CPU seconds and peak memory, and
``$OMICSLIB_FIT_LOG`` one line per ``fit()`` (:func:`omicslib.train.fit`): steps taken, steps planned
(all epochs), seconds. The projection scales each fit's seconds by planned / taken steps and keeps the
rest of the job (data, evaluation, baselines) as measured. Where the rehearsal ran one of several like runs
(seeds, folds: :func:`omicslib.train.rehearsal_runs`), the fit line's ``repeats`` counts it that many times; the
non-training work of the runs left out is not counted. It is an upper bound for the training part
(early stopping ends most fits sooner) and a CPU figure at one thread: a GPU divides the training part
by its speed-up over one CPU core.

The GPU projection: the rehearsal sets ``$OMICSLIB_COUNT_FLOPS=1``, so each fit line carries the counted FLOPs of
its first training step (forward and backward; matmuls, convolutions, attention). A fit's GPU seconds are those
FLOPs times its planned steps over :data:`GPU_PEAK_FLOPS` x :data:`GPU_UTILISATION`, and at least
:data:`GPU_STEP_FLOOR_S` per planned step (stated assumptions, see :data:`GPU_ASSUMPTION`); the job's
non-training part stays as measured on the CPU.

    python -m omicslib.book.rehearsal _build/rehearsal/logs [--csv out.csv]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

#: The GPU of the projection, its dense bf16 tensor-core peak (NVIDIA's H100 SXM datasheet; the paper profile
#: trains under bf16 autocast on CUDA) and the share of that peak assumed sustained.
GPU = "NVIDIA H100 SXM"
GPU_PEAK_FLOPS = 989e12
GPU_UTILISATION = 0.25
#: The least time a training step takes on any GPU, however few its FLOPs: a step of these models launches
#: hundreds of kernels (forward, backward, optimiser) at about 10 microseconds each, and a Python DataLoader
#: hands over each batch.
GPU_STEP_FLOOR_S = 0.005
GPU_ASSUMPTION = ("25 % of the H100's dense bf16 peak (989 TFLOP/s) sustained, what large matmul-bound training "
                  "reaches in practice, and at least 5 ms per optimiser step (hundreds of kernel launches of about "
                  "10 µs and a Python DataLoader per step), whichever is longer for each fit. The models here are "
                  "small (p1's d_model 128, p3's and p5's MLPs, batches of 8-128), so the floor decides most fits: "
                  "the GPU hours are a lower bound, the CPU hours an upper bound.")


def fits(path: Path) -> pd.DataFrame:
    """The fit lines of one job (empty frame when it trained nothing)."""
    path = Path(path)
    if not path.is_file():
        return pd.DataFrame(columns=["steps", "steps_planned", "seconds"])
    rows = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{i}: not a JSON fit line ({e})") from e
    return pd.DataFrame(rows, columns=None if rows else ["steps", "steps_planned", "seconds"])


def repeats(f: pd.DataFrame) -> pd.Series:
    """How many fits each logged fit stands for (``repeats``: seeds or folds the rehearsal ran once; else 1)."""
    return f["repeats"].fillna(1.0) if "repeats" in f else pd.Series(1.0, index=f.index)


def projected_training_seconds(f: pd.DataFrame) -> float:
    """Seconds the fits would take run to all their planned steps (fits that took no step count as measured),
    each counted as often as it :func:`repeats`."""
    if f.empty:
        return 0.0
    scale = (f["steps_planned"] / f["steps"].where(f["steps"] > 0)).fillna(1.0).clip(lower=1.0)
    return float((f["seconds"] * scale * repeats(f)).sum())


def summary(logdir: Path) -> pd.DataFrame:
    """One row per job with a benchmark file under ``logdir``: measured and projected seconds."""
    logdir = Path(logdir)
    rows = []
    for bench in sorted(logdir.rglob("*.benchmark.tsv")):
        b = pd.read_csv(bench, sep="\t").iloc[-1]
        job = bench.name.removesuffix(".benchmark.tsv")
        f = fits(bench.with_name(f"{job}.fits.jsonl"))
        train = float(f["seconds"].sum()) if len(f) else 0.0
        proj = projected_training_seconds(f)
        gpu_s, uncounted = projected_gpu_seconds(f)
        rows.append({"job": str(bench.relative_to(logdir)).removesuffix(".benchmark.tsv"),
                     "wall_s": float(b["s"]), "cpu_s": float(b["cpu_time"]), "max_rss_mb": float(b["max_rss"]),
                     "fits": int(repeats(f).sum()), "fits_run": len(f), "steps": int(f["steps"].sum()) if len(f) else 0,
                     "steps_planned": int((f["steps_planned"] * repeats(f)).sum()) if len(f) else 0,
                     "fit_s": train, "projected_fit_s": proj,
                     "projected_cpu_h": (float(b["cpu_time"]) - train + proj) / 3600,
                     "gflop_planned": planned_flops(f) / 1e9,
                     "projected_gpu_train_h": gpu_s / 3600, "non_training_cpu_h": (float(b["cpu_time"]) - train) / 3600,
                     "fits_without_flops": uncounted})
    return pd.DataFrame(rows)


def projected_gpu_seconds(f: pd.DataFrame) -> tuple[float, int]:
    """GPU seconds of the fits run to all their planned steps: per fit the longer of its FLOPs at
    :data:`GPU_UTILISATION` of :data:`GPU_PEAK_FLOPS` and :data:`GPU_STEP_FLOOR_S` per step; and the number of
    fits that trained but carry no FLOP count (their floor is counted)."""
    if f.empty:
        return 0.0, 0
    flops = f["flops_per_step"] if "flops_per_step" in f else pd.Series(float("nan"), index=f.index)
    trained = f["steps"] > 0
    bound = flops.fillna(0.0) * f["steps_planned"] / (GPU_PEAK_FLOPS * GPU_UTILISATION)
    floor = f["steps_planned"] * GPU_STEP_FLOOR_S
    return float((bound.where(bound > floor, floor) * repeats(f)).sum()), int((trained & flops.isna()).sum())


def planned_flops(f: pd.DataFrame) -> float:
    """Counted FLOPs per step times planned steps, summed over the fits that carry a count."""
    if f.empty or "flops_per_step" not in f:
        return 0.0
    return float((f["flops_per_step"].fillna(0.0) * f["steps_planned"] * repeats(f)).sum())


def per_paper(df: pd.DataFrame) -> pd.DataFrame:
    """The jobs of :func:`summary` summed per paper (the job name's ``pN`` prefix)."""
    cols = ["wall_s", "cpu_s", "fits", "steps_planned", "projected_cpu_h", "projected_gpu_train_h",
            "non_training_cpu_h"]
    return df.assign(paper=df["job"].str.extract(r"^(p\d)", expand=False)).groupby("paper")[cols].sum().reset_index()


def with_training_speedup(paper: pd.DataFrame, speedup: dict[str, float]) -> pd.DataFrame:
    """:func:`per_paper`'s projection before and after a change that makes a paper's training steps ``speedup[p]``
    times faster on the CPU (1 for a paper not named): ``projected_cpu_h_after`` divides the training part
    (projected minus non-training CPU hours) by the speed-up and keeps the rest. The GPU figure is FLOP-based
    (:func:`projected_gpu_seconds`), so a change that keeps each step's FLOPs leaves it as it is."""
    factor = paper["paper"].map(lambda p: float(speedup.get(p, 1.0)))
    train = paper["projected_cpu_h"] - paper["non_training_cpu_h"]
    return paper.assign(speedup=factor, projected_cpu_h_after=paper["non_training_cpu_h"] + train / factor,
                        projected_gpu_train_h_after=paper["projected_gpu_train_h"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("logdir", type=Path)
    ap.add_argument("--csv", type=Path, help="also write the table here")
    a = ap.parse_args(argv)
    df = summary(a.logdir)
    if df.empty:
        ap.error(f"no *.benchmark.tsv under {a.logdir}: run `make rehearsal` first")
    if a.csv:
        df.to_csv(a.csv, index=False)
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(df.round({"wall_s": 0, "cpu_s": 0, "max_rss_mb": 0, "fit_s": 1, "projected_fit_s": 0,
                        "projected_cpu_h": 2}).to_string(index=False))
    print(f"\n{len(df)} jobs: {df['wall_s'].sum() / 60:.1f} min wall (sum), {df['cpu_s'].sum() / 60:.1f} min CPU; "
          f"projected uncapped: {df['projected_cpu_h'].sum():.1f} CPU-hours at one thread (training part an upper "
          "bound: full planned epochs)")
    print(f"GPU projection ({GPU}, {GPU_ASSUMPTION})\n" + per_paper(df).round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
