"""How close to this machine's limit each model trains (issue 23): ``make benchmark``.

    python -m omicslib.benchmarks [--quick] [--device auto] [--steps 2] [--out book/performance/benchmark.csv]

For the main model of every paper, one training step (forward + backward + AdamW) on random inputs
shaped like the paper's data:

- FLOPs per training sample, *counted* by ``torch.utils.flop_counter.FlopCounterMode`` over one step
  (matmuls, convolutions, attention; element-wise work is not counted, so memory-bound models show a
  low ratio);
- samples/s (wall clock, ``steps`` timed steps after the counted one) and achieved FLOP/s; also samples per
  second of the process's CPU time (``samples_per_cpu_s``: on a CPU shared with other work, with one torch
  thread, the figure that other processes disturb least);
- the ratio to the machine's own ceiling measured in the same run: the best dense float32 matmul
  (square, n = 512 / 1024 / 2048) and a memory-bandwidth probe (a 128 MB tensor copy, read + write);
- peak memory (:class:`omicslib.benchmarks.PeakMemory`).

p1's EXP+CNA+MUT model is also run with the original attention path (nn.MultiheadAttention on every
token, :func:`mha_path`) side by side with the current one, and p3's cancer autoencoder, p4's DenseNet121-CBAM
and p5's ConFuseIT pretraining with torch's per-parameter AdamW loop beside :func:`omicslib.train.adam`'s fused
kernel. Scaling sweeps: p1 samples/s and peak memory
against the number of mutation tokens, K and the batch size; p4 against image size and batch size.
Every row goes to one CSV (columns :data:`COLUMNS`); :mod:`omicslib.book.performance` draws the page.
``--quick`` runs tiny shapes in seconds (the test).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from omicslib.benchmarks import PeakMemory
from omicslib.runtime import pick_device, seed_everything, set_threads
from omicslib.train import adam

DEFAULT_CSV = Path("book/performance/benchmark.csv")
COLUMNS = ("section", "paper", "model", "sweep", "value", "batch", "flops_per_sample", "samples_per_s",
           "samples_per_cpu_s", "achieved_gflops", "ceiling_gflops", "ratio_to_ceiling", "mem_bw_gbs", "peak_mb",
           "device", "threads", "machine", "torch")


# ----------------------------------------------------------------------------- the machine's ceiling

def _sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def _best_rate(fn: Callable[[], None], work: float, device, min_s: float = 0.25) -> float:
    """Best work/s of repeated ``fn`` calls within about ``min_s`` seconds (one warm-up first)."""
    fn()
    _sync(device)
    best, t_end = 0.0, time.perf_counter() + min_s
    while True:
        t0 = time.perf_counter()
        fn()
        _sync(device)
        best = max(best, work / (time.perf_counter() - t0))
        if time.perf_counter() > t_end:
            return best


def matmul_ceiling(device, sizes=(512, 1024, 2048), min_s: float = 0.25) -> float:
    """FLOP/s of the best dense float32 matmul (``2 n^3`` FLOPs) over ``sizes``."""
    best = 0.0
    for n in sizes:
        a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
        c = torch.empty(n, n, device=device)
        best = max(best, _best_rate(lambda a=a, b=b, c=c: torch.mm(a, b, out=c), 2.0 * n ** 3, device, min_s))
    return best


def memory_bandwidth(device, mb: int = 128, min_s: float = 0.25) -> float:
    """Bytes/s of copying an ``mb`` MB float32 tensor (read + write counted)."""
    src = torch.randn(mb * 2**20 // 4, device=device)
    dst = torch.empty_like(src)
    return _best_rate(lambda: dst.copy_(src), 2.0 * src.numel() * 4, device, min_s)


def machine_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu} ({os.cpu_count()} logical CPUs)"


# ----------------------------------------------------------------------------- measuring one model

def count_flops(fn: Callable[[], None]) -> int:
    """FLOPs of one call of ``fn`` (forward and backward when ``fn`` runs both), by FlopCounterMode."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


def measure(build: Callable[[], tuple[torch.nn.Module, Callable[[], torch.Tensor]]], batch: int, device,
            steps: int, fused: bool = True) -> dict:
    """Build (inside the memory measurement), count one training step's FLOPs, then time ``steps`` steps.
    ``fused=False``: torch's default AdamW (a Python loop over the parameters) instead of
    :func:`omicslib.train.adam`'s fused kernel (the before/after of issue 23)."""
    seed_everything(0)
    gc.collect()
    with PeakMemory(device) as mem:
        model, loss = build()
        opt = (adam(model.parameters(), decoupled=True, lr=1e-4) if fused
               else torch.optim.AdamW(model.parameters(), lr=1e-4, foreach=False))

        def step():
            opt.zero_grad(set_to_none=True)
            loss().backward()
            opt.step()

        flops = count_flops(step)
        _sync(device)
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            step()
        _sync(device)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    sps = steps * batch / seconds
    return {"batch": batch, "flops_per_sample": flops / batch, "samples_per_s": sps,
            "samples_per_cpu_s": steps * batch / max(cpu, 1e-9),
            "achieved_gflops": flops / batch * sps / 1e9, "peak_mb": mem.mb}


# ----------------------------------------------------------------------------- the models

@contextlib.contextmanager
def mha_path():
    """p1's original attention: nn.MultiheadAttention over every token (no grouping, no blockwise kernel)."""
    from omicslib.papers.p1_crossmodal import model as p1m

    saved = p1m.attention, p1m.group_scalar_tokens, p1m.group_rows

    def mha(attn, q, c=None):
        c = q if c is None else c
        return attn(q, c, c, need_weights=False)[0]

    p1m.attention, p1m.group_scalar_tokens, p1m.group_rows = mha, (lambda *a, **k: None), (lambda x: None)
    try:
        yield
    finally:
        p1m.attention, p1m.group_scalar_tokens, p1m.group_rows = saved


def p1_build(device, batch, k=160, n_cna=31, n_mut=885, variant="EXP+CNA+MUT", width="quick"):
    """p1's whole cross-modal model at the quick profile's width (d_model 16, 2 heads) or the paper's."""
    from omicslib.papers.p1_crossmodal.config import config
    from omicslib.papers.p1_crossmodal.model import CrossModalClassifier

    cfg = config(width)

    def build():
        model = CrossModalClassifier(k, n_cna, n_mut, variant, 4, cfg.d_model, cfg.n_heads, cfg.ffn_hidden,
                                     cfg.dropout, cfg.drop_path, cfg.layerscale_init, cfg.hidden).to(device)
        x = (torch.randn(batch, k, device=device), torch.randint(-2, 3, (batch, n_cna), device=device).float(),
             (torch.rand(batch, n_mut, device=device) < 0.02).float())
        y = torch.randint(0, 4, (batch,), device=device)
        return model, lambda: F.cross_entropy(model(*x), y)

    return build


def p2_build(device, batch, genes=200, patches=35, feat=2048):
    from omicslib.papers.p2_fusion import model as fusion

    def build():
        model = fusion.build("cross_attention", genes).to(device)
        g, bag = torch.randn(batch, genes, device=device), torch.randn(batch, patches, feat, device=device)
        y = torch.randint(0, 2, (batch,), device=device).float()
        return model, lambda: F.binary_cross_entropy_with_logits(model(g, bag), y)

    return build


def p3_build(device, batch, features=5000):
    from omicslib.papers.p3_clustering import dmacl

    def build():
        model = dmacl.DMACL(features).to(device)
        x = torch.randn(batch, features, device=device)
        return model, lambda: model.loss_step(model, x)[0]

    return build


def p3_autoencoder_build(device, batch, features=558, method="efAE"):
    """p3's heaviest baseline on the cancers: an early-fusion autoencoder at the benchmark's widths (miRNA)."""
    from omicslib.papers.p3_clustering import autoencoders

    def build():
        model = autoencoders.build(method, [features], ["mirna"], "cancer", 10).to(device)
        x = torch.randn(batch, features, device=device)
        return model, lambda: model.loss(x, x)

    return build


def p4_build(device, batch, image=224):
    from omicslib.papers.p4_mammography import model as densenet_cbam

    def build():
        model = densenet_cbam.build("densenet121_cbam", 5, pretrained=False)[0].to(device)
        x, y = torch.randn(batch, 1, image, image, device=device), torch.randint(0, 5, (batch,), device=device)
        return model, lambda: F.cross_entropy(model(x), y)

    return build


def p5_build(device, batch, patches=512, patch_dim=1024, genes=2000, embed=768):
    from omicslib.papers.p5_confuseit import model as confuseit

    def build():
        model = confuseit.ConFuseIT(genes, patch_dim, embed_dim=embed, hidden=256).to(device)
        data = {"bag": torch.randn(batch, patches, patch_dim, device=device),
                "mask": torch.ones(batch, patches, dtype=torch.bool, device=device),
                "rna": torch.randn(batch, genes, device=device)}
        return model, lambda: model.contrastive_loss(data)

    return build


@dataclass
class Plan:
    """Shapes of one run: the paper's (full) or tiny ones (``--quick``)."""

    p1: dict = field(default_factory=lambda: dict(batch=128, k=160, n_cna=31, n_mut=885))
    p2: dict = field(default_factory=lambda: dict(batch=16))
    p3: dict = field(default_factory=lambda: dict(batch=128))
    p3_ae: dict = field(default_factory=lambda: dict(batch=64, features=558))
    p4: dict = field(default_factory=lambda: dict(batch=8, image=224))
    p5: dict = field(default_factory=lambda: dict(batch=64))
    p1_n_mut: tuple = (221, 442, 885, 1770)
    p1_k: tuple = (40, 160, 320)
    p1_batch: tuple = (32, 128, 256)
    p4_image: tuple = (64, 128, 224)
    p4_batch: tuple = (2, 8)
    before_after: bool = True
    ceiling_sizes: tuple = (512, 1024, 2048)
    probe_mb: int = 128


QUICK = Plan(p1=dict(batch=8, k=12, n_cna=6, n_mut=40), p2=dict(batch=2, genes=20, patches=4),
             p3=dict(batch=8, features=50), p3_ae=dict(batch=4, features=30), p4=dict(batch=2, image=32),
             p5=dict(batch=4, patches=8, patch_dim=16, genes=30, embed=16),
             p1_n_mut=(20, 40), p1_k=(6, 12), p1_batch=(4, 8), p4_image=(32, 48), p4_batch=(2, 3),
             before_after=True, ceiling_sizes=(128,), probe_mb=8)

MODELS = {"p2": ("cross-attention fusion", p2_build), "p3": ("DMACL", p3_build),
          "p4": ("DenseNet121-CBAM", p4_build), "p5": ("ConFuseIT pretraining", p5_build)}


PARTS = ("models", "before_after", "scaling")


def run(plan: Plan, device, steps: int, out: Path | None, echo=print, parts=PARTS) -> list[dict]:
    device = torch.device(device)
    base = {"device": str(device), "threads": torch.get_num_threads(), "machine": machine_name(device),
            "torch": torch.__version__}
    ceiling = matmul_ceiling(device, plan.ceiling_sizes)
    bandwidth = memory_bandwidth(device, plan.probe_mb)
    echo(f"machine: {base['machine']} · device {device} · torch {torch.__version__} · threads {base['threads']}")
    echo(f"ceiling: dense float32 matmul {ceiling / 1e9:.1f} GFLOP/s (n = {', '.join(map(str, plan.ceiling_sizes))}); "
         f"memory bandwidth {bandwidth / 1e9:.1f} GB/s (copy of {plan.probe_mb} MB)")
    rows: list[dict] = [dict(base, section="ceiling", paper="", model="dense float32 matmul", sweep="", value="",
                             achieved_gflops=ceiling / 1e9, ceiling_gflops=ceiling / 1e9, ratio_to_ceiling=1.0,
                             mem_bw_gbs=bandwidth / 1e9)]
    echo(f"{'section':<9} {'paper':<5} {'model':<26} {'sweep':<6} {'value':>6} {'batch':>5} {'MFLOP/sample':>13} "
         f"{'samples/s':>10} {'per CPU s':>9} {'GFLOP/s':>8} {'of ceiling':>10} {'peak MB':>8}")

    def add(section, paper, model, build, batch, sweep="", value="", fused=True):
        r = measure(build, batch, device, steps, fused)
        r = dict(base, section=section, paper=paper, model=model, sweep=sweep, value=value,
                 ceiling_gflops=ceiling / 1e9, ratio_to_ceiling=r["achieved_gflops"] * 1e9 / ceiling,
                 mem_bw_gbs=bandwidth / 1e9, **r)
        rows.append(r)
        echo(f"{section:<9} {paper:<5} {model:<26} {sweep:<6} {value!s:>6} {batch:>5} "
             f"{r['flops_per_sample'] / 1e6:>13.2f} {r['samples_per_s']:>10.1f} {r['samples_per_cpu_s']:>9.1f} "
             f"{r['achieved_gflops']:>8.2f} "
             f"{r['ratio_to_ceiling']:>10.2%} {r['peak_mb']:>8.1f}")
        if out is not None:
            _write(rows, out)
        return r

    b1, p1 = _batch_and_shape(plan.p1)
    from omicslib.papers.p1_crossmodal.model import VARIANTS

    if "before_after" in parts and plan.before_after:
        after = add("after", "p1", "EXP+CNA+MUT", p1_build(device, b1, **p1), b1)
        with mha_path():
            before = add("before", "p1", "EXP+CNA+MUT (MHA path)", p1_build(device, b1, **p1), b1)
        echo(f"p1 EXP+CNA+MUT batch {b1}: {before['samples_per_s']:.1f} -> {after['samples_per_s']:.1f} samples/s "
             f"({after['samples_per_s'] / before['samples_per_s']:.1f}x; per CPU second {before['samples_per_cpu_s']:.1f} "
             f"-> {after['samples_per_cpu_s']:.1f}, {after['samples_per_cpu_s'] / before['samples_per_cpu_s']:.1f}x), "
             f"peak {before['peak_mb']:.0f} -> {after['peak_mb']:.0f} MB")
        # the optimiser: torch's per-parameter AdamW loop (before) vs omicslib.train.adam's fused kernel (after)
        for paper, model, builder, shape in (("p3", "efAE (cancer widths)", p3_autoencoder_build, plan.p3_ae),
                                             ("p4", "DenseNet121-CBAM", p4_build, plan.p4),
                                             ("p5", "ConFuseIT pretraining", p5_build, plan.p5)):
            b, kw = _batch_and_shape(shape)
            build = builder(device, b, **kw)
            before = add("before", paper, f"{model}, AdamW loop", build, b, fused=False)
            after = add("after", paper, f"{model}, fused AdamW", build, b)
            echo(f"{paper} {model} batch {b}: {before['samples_per_cpu_s']:.1f} -> {after['samples_per_cpu_s']:.1f} "
                 f"samples per CPU second ({after['samples_per_cpu_s'] / before['samples_per_cpu_s']:.2f}x)")
    if "models" in parts:
        for v in VARIANTS:
            add("model", "p1", v, p1_build(device, b1, variant=v, **p1), b1)
        for paper, (name, builder) in MODELS.items():
            b, kw = _batch_and_shape(getattr(plan, paper))
            add("model", paper, name, builder(device, b, **kw), b)
    if "scaling" not in parts:
        return rows
    for n in plan.p1_n_mut:
        add("scaling", "p1", "EXP+CNA+MUT", p1_build(device, b1, **dict(p1, n_mut=n)), b1, "n_mut", n)
    for k in plan.p1_k:
        add("scaling", "p1", "EXP+CNA+MUT", p1_build(device, b1, **dict(p1, k=k, n_cna=min(k, p1["n_cna"]))), b1,
            "K", k)
    for b in plan.p1_batch:
        add("scaling", "p1", "EXP+CNA+MUT", p1_build(device, b, **p1), b, "batch", b)
    b4, p4 = _batch_and_shape(plan.p4)
    for s in plan.p4_image:
        add("scaling", "p4", "DenseNet121-CBAM", p4_build(device, b4, image=s), b4, "image", s)
    for b in plan.p4_batch:
        add("scaling", "p4", "DenseNet121-CBAM", p4_build(device, b, **p4), b, "batch", b)
    return rows


def _batch_and_shape(shape: dict) -> tuple[int, dict]:
    """A :class:`Plan` entry split into its batch size and the builder's other keyword arguments."""
    rest = dict(shape)
    return rest.pop("batch"), rest


def _write(rows: list[dict], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--steps", type=int, default=2, help="timed training steps per measurement (after the counted one)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--quick", action="store_true", help="tiny shapes: seconds, for the test")
    ap.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS,
                    help="what to run (default all): the per-model table, p1 before/after, the scaling sweeps")
    ap.add_argument("--out", type=Path, default=DEFAULT_CSV, help=f"CSV to write (default {DEFAULT_CSV})")
    a = ap.parse_args(argv)
    set_threads(a.threads)
    t0 = time.perf_counter()
    rows = run(QUICK if a.quick else Plan(), pick_device(a.device), a.steps, a.out, parts=a.parts)
    _write(rows, a.out)
    print(f"{len(rows)} rows -> {a.out} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
