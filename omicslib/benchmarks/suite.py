"""How close to this machine's limits each model trains: ``make benchmark``.

    python -m omicslib.benchmarks [--quick] [--device auto] [--steps 2] [--out book/performance/benchmark.csv]
                                  [--p1-before REV]

For every paper, the training steps its protocol runs, on random inputs shaped like the paper's data: p1's
stages as :mod:`omicslib.papers.p1_crossmodal.protocol` runs them (stage 1 per modality encoder, stage 2 on frozen
stage-1 embeddings, stage 3's MLP), at the quick profile's widths and at the paper's; p2-p5 one forward +
backward + AdamW step of their main model (their training is such a step). For each step:

- FLOPs per training sample, *counted* by ``torch.utils.flop_counter.FlopCounterMode`` over one step
  (matmuls, convolutions, attention; element-wise work is not counted);
- samples/s (wall clock, ``steps`` timed steps after the counted one) and samples per second of the process's
  CPU time (``samples_per_cpu_s``); the step's time ``step_ms`` and achieved FLOP/s on :func:`clock` (with one
  torch thread on a CPU, the thread's CPU time, which other processes on a shared machine do not lengthen);
- two ratios. ``ratio_to_ceiling``: achieved FLOP/s over the best dense float32 matmul of the machine
  (square, n = 512 / 1024 / 2048, measured in the same run), what the step would reach if all its FLOPs ran as
  one large matmul. ``ratio_to_floor``: the *shape floor* over the step's time, where the floor is the time of
  the step's own matmuls and convolutions (and attention kernels), each timed alone with its recorded shapes and
  strides, plus its random draws (dropout masks, noise) timed alone (:class:`ShapeFloor`): 1 means nothing but
  those kernels costs time; the rest of the step (element-wise work, copies, Python) is what can be removed;
- peak memory (:class:`omicslib.benchmarks.PeakMemory`).

``--p1-before REV`` also times p1's steps with ``model.py`` as it was at git revision REV, loaded beside the
current one, each step right before the current one (rows ``before`` / ``after``): a kernel change measured
paired in one process. p3's cancer autoencoder, p4's DenseNet121-CBAM and p5's ConFuseIT pretraining run with
torch's per-parameter AdamW loop beside :func:`omicslib.train.adam`'s fused kernel. Scaling sweeps: p1's stage-1
steps against the number of mutation tokens, K and the batch size; p4 against image size and batch size.
Every row goes to one CSV (columns :data:`COLUMNS`); :mod:`omicslib.book.performance` draws the page.
``--quick`` runs tiny shapes in seconds (the test).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Callable

import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten, tree_map
from torch.utils.flop_counter import FlopCounterMode

from omicslib.benchmarks import PeakMemory
from omicslib.paths import REPO_ROOT
from omicslib.runtime import pick_device, seed_everything, set_threads
from omicslib.train import adam

DEFAULT_CSV = Path("book/performance/benchmark.csv")
COLUMNS = ("section", "paper", "model", "step", "sweep", "value", "batch", "flops_per_sample", "samples_per_s",
           "samples_per_cpu_s", "achieved_gflops", "ceiling_gflops", "ratio_to_ceiling", "step_ms", "floor_ms",
           "floor_random_ms", "ratio_to_floor", "mem_bw_gbs", "peak_mb", "device", "threads", "machine", "torch")
#: the step column of a paper whose training is one forward + backward + optimiser step of its model
PLAIN_STEP = "forward + backward"


# ----------------------------------------------------------------------------- the machine's ceiling

def _sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def clock(device) -> Callable[[], float]:
    """The clock of the step times, the floor and the ceiling: on a CPU with one torch thread, the calling
    thread's CPU time (every kernel runs on it, and other processes on a shared machine do not lengthen it);
    else wall time."""
    if torch.device(device).type == "cpu" and torch.get_num_threads() == 1:
        return time.thread_time
    return time.perf_counter


def _best_rate(fn: Callable[[], None], work: float, device, min_s: float = 0.25) -> float:
    """Best work/s of repeated ``fn`` calls within about ``min_s`` seconds (one warm-up first)."""
    fn()
    _sync(device)
    now = clock(device)
    best, t_end = 0.0, time.perf_counter() + min_s
    while True:
        t0 = now()
        fn()
        _sync(device)
        best = max(best, work / max(now() - t0, 1e-9))
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


# ----------------------------------------------------------------------------- measuring one step

def count_flops(fn: Callable[[], None]) -> int:
    """FLOPs of one call of ``fn`` (forward and backward when ``fn`` runs both), by FlopCounterMode."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


_aten = torch.ops.aten
#: the kernels of the floor: matmuls, convolutions and fused attention, forward and backward
KERNEL_OPS = frozenset(getattr(_aten, n) for n in (
    "mm", "addmm", "addmm_", "bmm", "baddbmm", "baddbmm_", "addbmm", "convolution", "convolution_backward",
    "_convolution",
    "_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_flash_attention_for_cpu_backward",
    "_scaled_dot_product_flash_attention", "_scaled_dot_product_flash_attention_backward",
    "_scaled_dot_product_efficient_attention", "_scaled_dot_product_efficient_attention_backward",
    "_scaled_dot_product_cudnn_attention", "_scaled_dot_product_cudnn_attention_backward") if hasattr(_aten, n))
#: the random draws of the floor (dropout masks, noise, Binomial counts, MixUp permutations)
RANDOM_OPS = frozenset(getattr(_aten, n) for n in (
    "bernoulli", "bernoulli_", "uniform_", "normal_", "rand", "rand_like", "randn", "randn_like", "randint",
    "randint_like", "random_", "randperm", "binomial", "native_dropout", "_standard_gamma", "_sample_dirichlet",
    "exponential_", "multinomial", "poisson") if hasattr(_aten, n))


def _meta(x):
    return ("T", tuple(x.shape), tuple(x.stride()), x.dtype, x.device.type) if isinstance(x, torch.Tensor) else repr(x)


def _copy(x):
    """A tensor argument kept for the replay: same shape, strides, dtype and values (a Binomial draw's time
    depends on its counts)."""
    if not isinstance(x, torch.Tensor):
        return x
    y = torch.empty_strided(x.shape, x.stride(), dtype=x.dtype, device=x.device)
    return y.copy_(x.detach())


class ShapeFloor(TorchDispatchMode):
    """Records, during one training step, every call of a :data:`KERNEL_OPS` or :data:`RANDOM_OPS` operator with
    its arguments (shapes, strides, dtypes, values); :meth:`seconds` then times each distinct call alone (best of
    a few repeats) and sums them, each as often as the step made it: the time of the step's own kernels and
    random draws, without anything else the step does."""

    def __init__(self):
        super().__init__()
        self.calls: dict[tuple, list] = {}      # signature -> [kind, func, args, kwargs, count]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        packet = func.overloadpacket
        kind = "kernel" if packet in KERNEL_OPS else "random" if packet in RANDOM_OPS else None
        if kind is not None:
            leaves, spec = tree_flatten((args, kwargs))
            sig = (str(func), str(spec), tuple(_meta(x) for x in leaves))
            if sig in self.calls:
                self.calls[sig][4] += 1
            else:
                a, kw = tree_map(_copy, (args, kwargs))
                self.calls[sig] = [kind, func, a, kw, 1]
        return func(*args, **kwargs)

    def seconds(self, device, repeats: int = 5, budget_s: float = 0.05) -> dict[str, float]:
        """``{'kernel': s, 'random': s}``: per step, each distinct call's best time over up to ``repeats`` timed
        calls (about ``budget_s`` seconds each at most, one warm-up first) times its count."""
        out, now = {"kernel": 0.0, "random": 0.0}, clock(device)
        with torch.no_grad():
            for kind, func, args, kwargs, count in self.calls.values():
                func(*args, **kwargs)
                _sync(device)
                best, t_end = float("inf"), time.perf_counter() + budget_s
                for _ in range(repeats):
                    t0 = now()
                    func(*args, **kwargs)
                    _sync(device)
                    best = min(best, now() - t0)
                    if time.perf_counter() > t_end:
                        break
                out[kind] += best * count
        return out


def measure(build: Callable[[], tuple[torch.nn.Module, Callable[[], torch.Tensor]]], batch: int, device,
            steps: int, fused: bool = True, grad_clip: float | None = None, floor: bool = True) -> dict:
    """Build (inside the memory measurement), count one training step's FLOPs, record its kernels and random
    draws (:class:`ShapeFloor`), then time ``steps`` steps, and time the recorded calls alone. A step is what
    :func:`omicslib.train.fit` does: zero the gradients, backward, clip the gradient norm (``grad_clip``), optimiser
    step. ``fused=False``: torch's default AdamW (a Python loop over the parameters) instead of
    :func:`omicslib.train.adam`'s fused kernel."""
    seed_everything(0)
    gc.collect()
    with PeakMemory(device) as mem:
        model, loss = build()
        opt = (adam(model.parameters(), decoupled=True, lr=1e-4) if fused
               else torch.optim.AdamW(model.parameters(), lr=1e-4, foreach=False))

        def step():
            opt.zero_grad(set_to_none=True)
            loss().backward()
            if grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            opt.step()

        flops = count_flops(step)
        recorder = ShapeFloor()
        if floor:
            with recorder:
                step()
        _sync(device)
        now = clock(device)
        t0, c0, k0 = time.perf_counter(), time.process_time(), now()
        for _ in range(steps):
            step()
        _sync(device)
        seconds, cpu, step_s = time.perf_counter() - t0, time.process_time() - c0, (now() - k0) / steps
    fl = recorder.seconds(device) if floor else {"kernel": float("nan"), "random": float("nan")}
    del recorder
    floor_s = fl["kernel"] + fl["random"]
    return {"batch": batch, "flops_per_sample": flops / batch, "samples_per_s": steps * batch / seconds,
            "samples_per_cpu_s": steps * batch / max(cpu, 1e-9), "achieved_gflops": flops / step_s / 1e9,
            "peak_mb": mem.mb, "step_ms": 1e3 * step_s,
            "floor_ms": 1e3 * floor_s, "floor_random_ms": 1e3 * fl["random"], "ratio_to_floor": floor_s / step_s}


def paired_step_seconds(builds: dict[str, Callable], device, steps: int, rounds: int,
                        grad_clip: float | None = None) -> dict[str, float]:
    """Seconds per training step (on :func:`clock`) of each of ``builds`` (name -> build, as :func:`measure` takes),
    built once and timed in ``rounds`` rounds of ``steps`` steps, in alternating order; the fastest round of each.
    Two versions of one step compared this way share the machine's state and its drifting load."""
    made = {}
    for name, build in builds.items():
        seed_everything(0)
        model, loss = build()
        opt = adam(model.parameters(), decoupled=True, lr=1e-4)

        def step(model=model, loss=loss, opt=opt):
            opt.zero_grad(set_to_none=True)
            loss().backward()
            if grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            opt.step()

        step()
        made[name] = step
    now, best = clock(device), {name: float("inf") for name in made}
    for r in range(rounds):
        for name in (list(made) if r % 2 == 0 else list(made)[::-1]):
            _sync(device)
            t0 = now()
            for _ in range(steps):
                made[name]()
            _sync(device)
            best[name] = min(best[name], (now() - t0) / steps)
    return best


# ----------------------------------------------------------------------------- p1: the protocol's steps

@contextlib.contextmanager
def mha_path():
    """p1's original attention: nn.MultiheadAttention over every token (no grouping, no blockwise kernel); the
    oracle of ``tests/papers/p1_crossmodal/test_p1_attention_equiv.py``."""
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


#: p1's trained steps: stage 1 per modality encoder, stage 2 per fusion variant, stage 3's classifier
P1_STEPS = ("stage 1 · EXP", "stage 1 · CNA", "stage 1 · MUT", "stage 2 · EXP+CNA", "stage 2 · EXP+CNA+MUT",
            "stage 3 · MLP")
P1_MODEL = "cross-modal, {width} widths"


def module_at(rev: str, path: str = "omicslib/papers/p1_crossmodal/model.py") -> ModuleType:
    """``path`` as it was at git revision ``rev``, imported as a module of its own (the current one untouched)."""
    src = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=REPO_ROOT, check=True, capture_output=True,
                         text=True).stdout
    tmp = Path(tempfile.mkdtemp()) / "p1_model_before.py"
    tmp.write_text(src)
    spec = importlib.util.spec_from_file_location(f"p1_model_at_{rev.replace('~', '_').replace('^', '_')}", tmp)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def p1_step_build(device, batch, step: str, width="quick", k: int = 160, n_cna: int = 31, n_mut: int = 885,
                  model: ModuleType | None = None):
    """One of p1's trained steps (:data:`P1_STEPS`) as :mod:`~omicslib.papers.p1_crossmodal.protocol` runs it, at
    the widths of the ``width`` profile: stage 1 the modality's encoder on masked-feature reconstruction plus
    its auxiliary classifier (a random 15 % mask per step); stage 2 the fusion on stage-1 embeddings of frozen
    encoders (query tokens masked, per-sample modality dropout, reconstruction plus auxiliary classification);
    stage 3 the residual MLP on flattened enriched tokens (MixUp, focal loss). ``model``: the module holding
    the classes (default the package's; :func:`module_at` gives an earlier one). ``width``: a profile name or a
    :class:`~omicslib.papers.p1_crossmodal.config.P1Config`."""
    from omicslib.papers.p1_crossmodal import model as current
    from omicslib.papers.p1_crossmodal.config import config
    from omicslib.papers.p1_crossmodal.protocol import _linear_weights, mixup_focal_step

    M, cfg = model or current, config(width) if isinstance(width, str) else width
    if step not in P1_STEPS:
        raise ValueError(f"step must be one of {P1_STEPS}, got {step!r}")
    kw = dict(d_model=cfg.d_model, n_heads=cfg.n_heads, ffn_hidden=cfg.ffn_hidden, dropout=cfg.dropout,
              drop_path=cfg.drop_path, layerscale_init=cfg.layerscale_init)

    def data():
        return {"exp": torch.randn(batch, k, device=device),
                "cna": torch.randint(-2, 3, (batch, n_cna), device=device).float(),
                "mut": (torch.rand(batch, n_mut, device=device) < 0.02).float()}

    def build():
        x, y = data(), torch.randint(0, 4, (batch,), device=device)
        stage, what = step.split(" · ")
        if stage == "stage 1":
            name = what.lower()
            enc = M.ModalityEncoder(n_classes=4, **kw).to(device)
            w_rec, w_cls = _linear_weights(0.5, cfg)

            def loss():
                mask = (torch.rand(x[name].shape) < cfg.s1_mask_ratio).to(device)
                h = enc(x[name], mask)
                rec = F.mse_loss(enc.recon(h).squeeze(-1)[mask], x[name][mask])
                return w_rec * rec + w_cls * F.cross_entropy(enc.aux(h.mean(1)), y)

            return enc, loss
        if stage == "stage 2":
            ctx_names = M.VARIANTS[what]
            with torch.no_grad():
                emb = {m: M.ModalityEncoder(n_classes=4, **kw).to(device).eval()(x[m]) for m in ("exp", *ctx_names)}
            fusion = M.CrossModalFusion(n_classes=4, variant=what, gate_init=cfg.gate_init, **kw).to(device)
            ratio = (cfg.mask_start + cfg.mask_end) / 2

            def loss():
                E = emb["exp"]
                qmask = (torch.rand(E.shape[:2]) < ratio).to(device)
                keep = {c: (torch.rand(batch, device=device) >= cfg.modality_dropout).float() for c in ctx_names}
                E2 = fusion(E, {c: emb[c] for c in ctx_names}, qmask, keep)
                return cfg.lambda_rec * F.mse_loss(E2, E) + F.cross_entropy(fusion.aux(E2.mean(1)), y)

            return fusion, loss
        mlp = M.ResidualMLP(k * cfg.d_model, 4, cfg.hidden, cfg.hidden // 2, input_dropout=cfg.input_dropout)
        mlp = mlp.to(device)
        z, one_step = torch.randn(batch, k * cfg.d_model, device=device), mixup_focal_step(
            torch.full((4,), 0.25, device=device), cfg.focal_gamma, cfg.mixup_alpha)
        return mlp, lambda: one_step(mlp, (z, y))

    return build


def p1_protocol_weights(width: str = "paper") -> dict[str, float]:
    """Planned optimiser steps of one (K, fold) unit per p1 step, in epochs (every stage sees the same training
    rows in batches of the same size): stage 1 trains the three encoders together in each step, stage 2 once per
    fusion variant, stage 3 once per variant (:func:`~omicslib.papers.p1_crossmodal.protocol.run_unit`)."""
    from omicslib.papers.p1_crossmodal.config import config

    cfg = config(width)
    fusions = [v for v in cfg.variants if v != "EXP"]
    w = {s: float(cfg.s1_epochs) for s in P1_STEPS[:3]}
    w.update({f"stage 2 · {v}": float(cfg.s2_epochs) for v in fusions})
    w["stage 3 · MLP"] = float(cfg.s3_epochs * len(cfg.variants))
    return w


def protocol_speedup(before: dict[str, float], after: dict[str, float], weights: dict[str, float]) -> float:
    """Training time before over after: step times (``before``, ``after``, by step) weighted by the planned steps
    of each (``weights``); steps missing from either side are left out."""
    steps = [s for s in weights if s in before and s in after]
    if not steps:
        raise ValueError("no step timed both before and after")
    return sum(weights[s] * before[s] for s in steps) / sum(weights[s] * after[s] for s in steps)


# ----------------------------------------------------------------------------- p2-p5

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
    """Shapes of one run: the paper's (full) or tiny ones (``--quick``). ``p1``'s batch None is each width's
    profile batch."""

    p1: dict = field(default_factory=lambda: dict(batch=None, k=160, n_cna=31, n_mut=885))
    p1_widths: tuple = ("quick", "paper")
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
    pair_rounds: int = 3
    ceiling_sizes: tuple = (512, 1024, 2048)
    probe_mb: int = 128


QUICK = Plan(p1=dict(batch=8, k=12, n_cna=6, n_mut=40), p1_widths=("smoke",), p2=dict(batch=2, genes=20, patches=4),
             p3=dict(batch=8, features=50), p3_ae=dict(batch=4, features=30), p4=dict(batch=2, image=32),
             p5=dict(batch=4, patches=8, patch_dim=16, genes=30, embed=16),
             p1_n_mut=(20, 40), p1_k=(6, 12), p1_batch=(4, 8), p4_image=(32, 48), p4_batch=(2, 3),
             before_after=True, pair_rounds=2, ceiling_sizes=(128,), probe_mb=8)

MODELS = {"p2": ("cross-attention fusion", p2_build), "p3": ("DMACL", p3_build),
          "p4": ("DenseNet121-CBAM", p4_build), "p5": ("ConFuseIT pretraining", p5_build)}


PARTS = ("models", "before_after", "scaling")


def _print(*args):
    print(*args, flush=True)


def run(plan: Plan, device, steps: int, out: Path | None, echo=_print, parts=PARTS,
        p1_before: ModuleType | None = None) -> list[dict]:
    """Every measurement of the plan, one CSV row each (written to ``out`` as it goes). ``p1_before``: a module
    with p1's model classes as they were (:func:`module_at`), timed right before the current ones."""
    from omicslib.papers.p1_crossmodal.config import config

    device = torch.device(device)
    base = {"device": str(device), "threads": torch.get_num_threads(), "machine": machine_name(device),
            "torch": torch.__version__}
    ceiling = matmul_ceiling(device, plan.ceiling_sizes)
    bandwidth = memory_bandwidth(device, plan.probe_mb)
    echo(f"machine: {base['machine']} · device {device} · torch {torch.__version__} · threads {base['threads']}")
    echo(f"ceiling: dense float32 matmul {ceiling / 1e9:.1f} GFLOP/s (n = {', '.join(map(str, plan.ceiling_sizes))}); "
         f"memory bandwidth {bandwidth / 1e9:.1f} GB/s (copy of {plan.probe_mb} MB)")
    rows: list[dict] = [dict(base, section="ceiling", paper="", model="dense float32 matmul", step="", sweep="",
                             value="", achieved_gflops=ceiling / 1e9, ceiling_gflops=ceiling / 1e9,
                             ratio_to_ceiling=1.0, mem_bw_gbs=bandwidth / 1e9)]
    echo(f"{'section':<8} {'paper':<5} {'model':<28} {'step':<22} {'sweep':<6} {'value':>5} {'batch':>5} "
         f"{'MFLOP/sample':>12} {'samples/s':>10} {'per CPU s':>9} {'of ceiling':>10} {'step ms':>9} "
         f"{'floor ms':>9} {'of floor':>8} {'peak MB':>8}")

    def keep(r):
        rows.append(r)
        echo(f"{r['section']:<8} {r['paper']:<5} {r['model']:<28} {r['step']:<22} {r['sweep']:<6} {r['value']!s:>5} "
             f"{r['batch']:>5} {r['flops_per_sample'] / 1e6:>12.2f} {r['samples_per_s']:>10.1f} "
             f"{r['samples_per_cpu_s']:>9.1f} {r['ratio_to_ceiling']:>10.2%} {r['step_ms']:>9.1f} {r['floor_ms']:>9.1f} "
             f"{r['ratio_to_floor']:>8.1%} {r['peak_mb']:>8.1f}")
        if out is not None:
            _write(rows, out)
        return r

    def add(section, paper, model, build, batch, step=PLAIN_STEP, sweep="", value="", fused=True, grad_clip=None,
            record=True):
        r = measure(build, batch, device, steps, fused, grad_clip)
        r = dict(base, section=section, paper=paper, model=model, step=step, sweep=sweep, value=value,
                 ceiling_gflops=ceiling / 1e9, ratio_to_ceiling=r["achieved_gflops"] * 1e9 / ceiling,
                 mem_bw_gbs=bandwidth / 1e9, **r)
        return keep(r) if record else r

    shape = dict(plan.p1)
    b1 = shape.pop("batch")

    def p1_step(section, width, s, model=None, record=True):
        b, cfg = b1 or config(width).batch_size, config(width)
        return add(section, "p1", P1_MODEL.format(width=width), p1_step_build(device, b, s, width, model=model, **shape),
                   b, s, grad_clip=cfg.grad_clip, record=record)

    if "models" in parts:
        for width in plan.p1_widths:
            for s in P1_STEPS:
                if p1_before is None:
                    p1_step("model", width, s)
                    continue
                # FLOPs, floor and memory of each side from its own measurement; the step times from both sides
                # built at once and timed in alternating rounds, so that drifting load on a shared machine cancels
                b, cfg = b1 or config(width).batch_size, config(width)
                pair = [p1_step(sec, width, s, p1_before if sec == "before" else None, False)
                        for sec in ("before", "model")]
                t = paired_step_seconds({sec: p1_step_build(device, b, s, width, model=mod, **shape)
                                         for sec, mod in (("before", p1_before), ("model", None))},
                                        device, max(steps, 5), plan.pair_rounds, cfg.grad_clip)
                for r in pair:
                    st = t[r["section"]]
                    r.update(step_ms=1e3 * st, achieved_gflops=r["flops_per_sample"] * b / st / 1e9,
                             ratio_to_floor=r["floor_ms"] / (1e3 * st))
                    r["ratio_to_ceiling"] = r["achieved_gflops"] / r["ceiling_gflops"]
                    keep(r)
                echo(f"p1 {width} {s}: {pair[0]['step_ms']:.1f} -> {pair[1]['step_ms']:.1f} ms per step "
                     f"({pair[0]['step_ms'] / pair[1]['step_ms']:.2f}x, fastest of {plan.pair_rounds} alternating "
                     f"rounds of {max(steps, 5)} steps each)")
        for paper, (name, builder) in MODELS.items():
            b, kw = _batch_and_shape(getattr(plan, paper))
            add("model", paper, name, builder(device, b, **kw), b)
    if "before_after" in parts and plan.before_after:
        # the optimiser: torch's per-parameter AdamW loop (before) vs omicslib.train.adam's fused kernel (after)
        for paper, model, builder, shape_ in (("p3", "efAE (cancer widths)", p3_autoencoder_build, plan.p3_ae),
                                              ("p4", "DenseNet121-CBAM", p4_build, plan.p4),
                                              ("p5", "ConFuseIT pretraining", p5_build, plan.p5)):
            b, kw = _batch_and_shape(shape_)
            build = builder(device, b, **kw)
            before = add("before", paper, f"{model}, AdamW loop", build, b, fused=False)
            after = add("after", paper, f"{model}, fused AdamW", build, b)
            echo(f"{paper} {model} batch {b}: {before['samples_per_cpu_s']:.1f} -> {after['samples_per_cpu_s']:.1f} "
                 f"samples per CPU second ({after['samples_per_cpu_s'] / before['samples_per_cpu_s']:.2f}x)")
    if "scaling" not in parts:
        return rows
    width, b = plan.p1_widths[0], b1 or config(plan.p1_widths[0]).batch_size
    model, clip = P1_MODEL.format(width=width), config(width).grad_clip
    for n in plan.p1_n_mut:
        add("scaling", "p1", model, p1_step_build(device, b, "stage 1 · MUT", width, **dict(shape, n_mut=n)), b,
            "stage 1 · MUT", "n_mut", n, grad_clip=clip)
    for k in plan.p1_k:
        add("scaling", "p1", model, p1_step_build(device, b, "stage 1 · EXP", width, **dict(shape, k=k)), b,
            "stage 1 · EXP", "K", k, grad_clip=clip)
    for bb in plan.p1_batch:
        add("scaling", "p1", model, p1_step_build(device, bb, "stage 1 · EXP", width, **shape), bb,
            "stage 1 · EXP", "batch", bb, grad_clip=clip)
    b4, p4 = _batch_and_shape(plan.p4)
    for s in plan.p4_image:
        add("scaling", "p4", "DenseNet121-CBAM", p4_build(device, b4, image=s), b4, sweep="image", value=s)
    for bb in plan.p4_batch:
        add("scaling", "p4", "DenseNet121-CBAM", p4_build(device, bb, **p4), bb, sweep="batch", value=bb)
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
                    help="what to run (default all): the per-model table, the optimiser before/after, the scaling sweeps")
    ap.add_argument("--p1-before", metavar="REV", default=None,
                    help="also time p1's steps with its model.py at git revision REV (paired before/after rows)")
    ap.add_argument("--out", type=Path, default=DEFAULT_CSV, help=f"CSV to write (default {DEFAULT_CSV})")
    a = ap.parse_args(argv)
    set_threads(a.threads)
    t0 = time.perf_counter()
    before = module_at(a.p1_before) if a.p1_before else None
    rows = run(QUICK if a.quick else Plan(), pick_device(a.device), a.steps, a.out, parts=a.parts, p1_before=before)
    _write(rows, a.out)
    print(f"{len(rows)} rows -> {a.out} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
