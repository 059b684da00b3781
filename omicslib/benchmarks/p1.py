"""p1 throughput per configuration: training samples/s and peak memory of the steps one (K, fold) unit trains.

    python -m omicslib.benchmarks.p1 [--profile quick|paper] [--device auto] [--steps 3]

For each K x variant, the steps :mod:`omicslib.papers.p1_crossmodal.protocol` trains for that variant (stage 1 of
each modality encoder it needs, stage 2's fusion unless the variant is EXP alone, stage 3's classifier; see
:func:`omicslib.benchmarks.suite.p1_step_build`) on random inputs shaped like METABRIC (EXP K tokens, CNA
min(K, n_cna) tokens, MUT tokens). samples/s is the batch over the summed time of one step of each (on
:func:`omicslib.benchmarks.suite.clock`); peak memory
is the largest of the steps' (:class:`omicslib.benchmarks.PeakMemory`).
"""

from __future__ import annotations

import argparse
import sys

import torch

from omicslib.benchmarks import suite
from omicslib.papers.p1_crossmodal.config import PAPER_K_GRID, config, scaled_k_grid
from omicslib.papers.p1_crossmodal.model import VARIANTS
from omicslib.runtime import pick_device, set_threads


def variant_steps(variant: str) -> list[str]:
    """The steps of :data:`omicslib.benchmarks.suite.P1_STEPS` that training ``variant`` runs."""
    steps = [f"stage 1 · {m.upper()}" for m in ("exp", *VARIANTS[variant])]
    return steps + ([f"stage 2 · {variant}"] if VARIANTS[variant] else []) + ["stage 3 · MLP"]


def bench(k: int, n_cna: int, n_mut: int, variant: str, cfg, device, batch: int, steps: int) -> dict:
    seconds, peak = 0.0, 0.0
    for s in variant_steps(variant):
        r = suite.measure(suite.p1_step_build(device, batch, s, cfg, k=k, n_cna=n_cna, n_mut=n_mut), batch, device,
                          steps, grad_clip=cfg.grad_clip, floor=False)
        seconds, peak = seconds + r["step_ms"] / 1e3, max(peak, r["peak_mb"])
    return {"K": k, "K_cna": n_cna, "n_mut": n_mut, "variant": variant, "batch": batch,
            "samples_per_s": batch / seconds, "peak_mb": peak}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="quick", choices=["smoke", "quick", "paper"])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--n-exp", type=int, default=489, help="expression genes available (489 here, ~20k full)")
    ap.add_argument("--n-cna", type=int, default=31)
    ap.add_argument("--n-mut", type=int, default=885)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args(argv)
    if a.threads:
        set_threads(a.threads)
    cfg = config(a.profile)
    dev = pick_device(a.device)
    kmap = scaled_k_grid(a.n_exp, PAPER_K_GRID, cfg.k_max)
    print(f"p1 benchmark · profile {a.profile} · device {dev} · d_model {cfg.d_model} · batch {cfg.batch_size} · "
          f"torch threads {torch.get_num_threads()}")
    print(f"{'K_paper':>7} {'K':>5} {'K_cna':>5} {'n_mut':>5} {'variant':<12} {'samples/s':>10} {'peak MB':>9}")
    for kp, k in kmap.items():
        for v in VARIANTS:
            r = bench(k, min(k, a.n_cna), a.n_mut, v, cfg, dev, cfg.batch_size, a.steps)
            print(f"{kp:>7} {r['K']:>5} {r['K_cna']:>5} {r['n_mut']:>5} {v:<12} {r['samples_per_s']:>10.1f} "
                  f"{r['peak_mb']:>9.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
