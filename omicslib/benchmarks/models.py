"""p2-p5 throughput: training samples/s and peak memory of each chapter's main model.

    python -m omicslib.benchmarks.models [--device auto] [--steps 3] [--threads N]

One forward + backward + optimiser step per call on random inputs shaped like the
paper's data at paper scale:

- p2 cross-attention fusion: 200 genes + a 35 x 2048 ResNet-50 patch bag (batch 16);
- p3 DMACL: 5,000 concatenated omics features, two noisy views per step (batch 128, paper Table I);
- p4 DenseNet121-CBAM: one-channel 224 x 224 ROIs (batch 8, the authors' code);
- p5 ConFuseIT pretraining: 512-patch ABMIL bags of 1,024-d features + 2,000 genes,
  symmetric InfoNCE (batch 64, embedding 768 as TANGLE).

Peak memory as in :class:`omicslib.benchmarks.PeakMemory`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

import torch
import torch.nn.functional as F

from omicslib.benchmarks import PeakMemory, samples_per_second
from omicslib.papers.p2_fusion import model as fusion
from omicslib.papers.p3_clustering import dmacl
from omicslib.papers.p4_mammography import model as densenet_cbam
from omicslib.papers.p5_confuseit import model as confuseit
from omicslib.runtime import pick_device, seed_everything
from omicslib.train import adam


def _p2(device, batch):
    model = fusion.build("cross_attention", 200).to(device)
    genes, bag = torch.randn(batch, 200, device=device), torch.randn(batch, 35, 2048, device=device)
    y = torch.randint(0, 2, (batch,), device=device).float()
    return model, lambda: F.binary_cross_entropy_with_logits(model(genes, bag), y)


def _p3(device, batch):
    model = dmacl.DMACL(5000).to(device)
    x = torch.randn(batch, 5000, device=device)
    return model, lambda: model.loss_step(model, x)[0]


def _p4(device, batch):
    model, _ = densenet_cbam.build("densenet121_cbam", 5, pretrained=False)
    model = model.to(device)
    x, y = torch.randn(batch, 1, 224, 224, device=device), torch.randint(0, 5, (batch,), device=device)
    return model, lambda: F.cross_entropy(model(x), y)


def _p5(device, batch):
    model = confuseit.ConFuseIT(2000, 1024, embed_dim=768, hidden=256).to(device)
    data = {"bag": torch.randn(batch, 512, 1024, device=device), "mask": torch.ones(batch, 512, dtype=torch.bool,
                                                                                      device=device),
            "rna": torch.randn(batch, 2000, device=device)}
    return model, lambda: model.contrastive_loss(data)


CASES: dict[str, tuple[str, int, Callable]] = {
    "p2": ("cross-attention fusion", 16, _p2),
    "p3": ("DMACL", 128, _p3),
    "p4": ("DenseNet121-CBAM", 8, _p4),
    "p5": ("ConFuseIT pretraining", 64, _p5),
}


def bench(case: str, device: torch.device, steps: int) -> dict:
    name, batch, make = CASES[case]
    seed_everything(0)
    with PeakMemory(device) as mem:
        model, loss = make(device, batch)
        opt = adam(model.parameters(), decoupled=True, lr=1e-4)

        def step():
            opt.zero_grad()
            loss().backward()
            opt.step()

        sps = samples_per_second(step, batch, steps, device)
    n_params = sum(p.numel() for p in model.parameters())
    return {"case": case, "model": name, "batch": batch, "params_m": n_params / 1e6, "samples_per_s": sps,
            "peak_mb": mem.mb}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = pick_device(a.device)
    print(f"p2-p5 model benchmark · device {dev} · torch threads {torch.get_num_threads()}")
    print(f"{'paper':<5} {'model':<24} {'batch':>5} {'params M':>9} {'samples/s':>10} {'peak MB':>9}")
    for c in a.cases:
        r = bench(c, dev, a.steps)
        print(f"{c:<5} {r['model']:<24} {r['batch']:>5} {r['params_m']:>9.2f} {r['samples_per_s']:>10.1f} "
              f"{r['peak_mb']:>9.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
