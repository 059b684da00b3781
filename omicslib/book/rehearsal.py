"""What the paper-profile rehearsal (``make rehearsal``) measured, and what the uncapped paper profile would cost.

The rehearsal runs every notebook's ``paper`` configuration on CPU with each ``fit()`` capped at a few
optimiser steps. Per job, Snakemake's benchmark file gives wall and CPU seconds and peak memory, and
``$OMICSLIB_FIT_LOG`` one line per ``fit()`` (:func:`omicslib.train.fit`): steps taken, steps planned
(all epochs), seconds. The projection scales each fit's seconds by planned / taken steps and keeps the
rest of the job (data, evaluation, baselines) as measured. It is an upper bound for the training part
(early stopping ends most fits sooner) and a CPU figure at one thread: a GPU divides the training part
by its speed-up over one CPU core.

    python -m omicslib.book.rehearsal _build/rehearsal/logs [--csv out.csv]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd


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


def projected_training_seconds(f: pd.DataFrame) -> float:
    """Seconds the fits would take run to all their planned steps (fits that took no step count as measured)."""
    if f.empty:
        return 0.0
    scale = (f["steps_planned"] / f["steps"].where(f["steps"] > 0)).fillna(1.0).clip(lower=1.0)
    return float((f["seconds"] * scale).sum())


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
        rows.append({"job": str(bench.relative_to(logdir)).removesuffix(".benchmark.tsv"),
                     "wall_s": float(b["s"]), "cpu_s": float(b["cpu_time"]), "max_rss_mb": float(b["max_rss"]),
                     "fits": len(f), "steps": int(f["steps"].sum()) if len(f) else 0,
                     "steps_planned": int(f["steps_planned"].sum()) if len(f) else 0,
                     "fit_s": train, "projected_fit_s": proj,
                     "projected_cpu_h": (float(b["cpu_time"]) - train + proj) / 3600})
    return pd.DataFrame(rows)


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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
