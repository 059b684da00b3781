"""p1 throughput: training samples/s and peak memory of the cross-modal model per configuration.

    python -m omicslib.benchmarks.p1 [--profile quick|paper] [--device auto] [--steps 3]

Times full forward + backward + AdamW steps of :class:`CrossModalClassifier`
(all three stages' blocks at once) on random inputs shaped like METABRIC
(EXP K tokens, CNA min(K, n_cna) tokens, MUT tokens), for each K x variant.
Peak memory is CUDA's max allocated on a GPU, else the peak growth of the
process's resident memory over its level before the model was built (sampled
every 2 ms by a psutil thread).
"""

from __future__ import annotations

import argparse
import sys

import torch

from omicslib.benchmarks import PeakMemory, samples_per_second
from omicslib.papers.p1_crossmodal.config import PAPER_K_GRID, config, scaled_k_grid
from omicslib.papers.p1_crossmodal.model import VARIANTS, CrossModalClassifier
from omicslib.runtime import pick_device, seed_everything, set_threads
from omicslib.train import adam


def bench(k: int, n_cna: int, n_mut: int, variant: str, cfg, device, batch: int, steps: int) -> dict:
    seed_everything(0)
    with PeakMemory(device) as mem:
        out = _run(k, n_cna, n_mut, variant, cfg, device, batch, steps)
    out["peak_mb"] = mem.mb
    return out


def _run(k, n_cna, n_mut, variant, cfg, device, batch, steps) -> dict:
    model = CrossModalClassifier(k, n_cna, n_mut, variant, 4, cfg.d_model, cfg.n_heads, cfg.ffn_hidden,
                                 cfg.dropout, cfg.drop_path, cfg.layerscale_init, cfg.hidden).to(device)
    opt = adam(model.parameters(), decoupled=True, lr=1e-4)
    x = (torch.randn(batch, k, device=device), torch.randint(-2, 3, (batch, n_cna), device=device).float(),
         (torch.rand(batch, n_mut, device=device) < 0.02).float())
    y = torch.randint(0, 4, (batch,), device=device)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(*x), y).backward()
        opt.step()

    return {"K": k, "K_cna": n_cna, "n_mut": n_mut, "variant": variant, "batch": batch,
            "samples_per_s": samples_per_second(step, batch, steps, device)}


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
