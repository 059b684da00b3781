"""The one training loop shared by every paper (device and seeds: :mod:`omicslib.runtime`).

Two environment variables, set by the build (``omicslib.book.runner``), change how :func:`fit` runs without
touching any config:

- ``OMICSLIB_MAX_STEPS=N`` caps every ``fit`` at N optimiser steps (and each validation pass at N batches): the
  paper-profile rehearsal runs the real widths, folds and epochs *counted* but only N batches per stage, so a
  config that would crash after hours on a GPU fails in minutes on a CPU. Off when unset or 0. The
  :class:`History` says so (``capped``, ``steps``, ``epochs_planned``).
- ``OMICSLIB_COUNT_FLOPS=1`` (the rehearsal) counts the FLOPs of each ``fit``'s first training step (forward and
  backward, ``torch.utils.flop_counter``: matmuls, convolutions and attention, not element-wise operations) into
  :attr:`History.flops_per_step` and the fit log, from which :mod:`omicslib.book.rehearsal` projects GPU hours.
- ``OMICSLIB_PROGRESS=<file>`` draws a tqdm bar per ``fit`` on that file (``/dev/tty`` in a terminal build), never
  into the notebook, so the rendered book has no progress bars.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

Batch = Any
MAX_STEPS_ENV = "OMICSLIB_MAX_STEPS"
PROGRESS_ENV = "OMICSLIB_PROGRESS"
FIT_LOG_ENV = "OMICSLIB_FIT_LOG"
COUNT_FLOPS_ENV = "OMICSLIB_COUNT_FLOPS"
LossStep = Callable[[nn.Module, Batch], "torch.Tensor | tuple[torch.Tensor, dict]"]


def loader(dataset: Dataset | Iterable, batch_size: int, *, shuffle: bool = False, seed: int = 0,
           drop_last: bool = False, num_workers: int = 0, pin_memory: bool = False) -> DataLoader:
    """A DataLoader whose shuffling order depends only on ``seed``; tensors/arrays become a TensorDataset.

    ``num_workers`` / ``pin_memory`` (GPU readiness for image data; off by default): worker processes
    decode batches in parallel and pinned host memory lets the copy to a GPU overlap compute. The order of
    the batches does not depend on them."""
    if isinstance(dataset, (tuple, list)):
        dataset = TensorDataset(*[torch.as_tensor(np.asarray(a)) if not torch.is_tensor(a) else a for a in dataset])
    g = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=g, drop_last=drop_last,
                      num_workers=num_workers, pin_memory=pin_memory and torch.cuda.is_available(),
                      persistent_workers=num_workers > 0)


def adam(params, lr: float = 1e-3, *, decoupled: bool = False, **kw) -> torch.optim.Optimizer:
    """``torch.optim.Adam`` (``decoupled``: AdamW) with the fused kernel wherever every parameter is a floating
    tensor on a CPU or CUDA device: one kernel updates all parameters instead of a Python loop over them
    (measured on a CPU: 37 -> 5 ms a step for p3's 5-M-parameter autoencoder, a 30 % shorter training step).
    The update is the same up to float rounding. ``kw`` as torch's (weight_decay, eps, betas, ...)."""
    params = [{**g, "params": list(g["params"])} if isinstance(g, dict) else g for g in params]
    tensors = [p for g in params for p in (g["params"] if isinstance(g, dict) else [g])]
    fused = all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in tensors)
    return (torch.optim.AdamW if decoupled else torch.optim.Adam)(params, lr=lr, fused=fused or None, **kw)


def to_device(batch: Batch, device: torch.device, channels_last: bool = False) -> Batch:
    """Move a batch to ``device``; with ``channels_last`` its 4-D float tensors (images) in NHWC memory order."""
    if torch.is_tensor(batch):
        batch = batch.to(device, non_blocking=True)
        if channels_last and batch.ndim == 4 and batch.is_floating_point():
            batch = batch.contiguous(memory_format=torch.channels_last)
        return batch
    if isinstance(batch, dict):
        return {k: to_device(v, device, channels_last) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(b, device, channels_last) for b in batch)
    return batch


def supervised(criterion: Callable) -> LossStep:
    """Loss step for ``(inputs..., target)`` batches: ``criterion(model(*inputs), target)``."""

    def step(model: nn.Module, batch: Batch):
        *inputs, target = batch
        return criterion(model(*inputs), target)

    return step


@dataclass
class History:
    """Per-epoch losses and learning rates, plus where training stopped and which epoch was kept."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    logs: list[dict] = field(default_factory=list)
    best_epoch: int = -1
    best_val_loss: float = math.inf
    stopped_early: bool = False
    seconds: float = 0.0
    #: optimiser steps taken, epochs asked for, and whether the step cap (``max_steps``) stopped training
    steps: int = 0
    epochs_planned: int = 0
    capped: bool = False
    #: optimiser steps of all planned epochs (epochs x batches per epoch; 0 when the loader has no length)
    steps_planned: int = 0
    #: counted FLOPs of the first training step (forward + backward; ``$OMICSLIB_COUNT_FLOPS=1`` only)
    flops_per_step: float | None = None

    def to_frame(self):
        import pandas as pd

        df = pd.DataFrame({"epoch": range(1, len(self.train_loss) + 1), "train_loss": self.train_loss, "lr": self.lr})
        if self.val_loss:
            df["val_loss"] = self.val_loss
        if self.logs:
            df = df.join(pd.DataFrame(self.logs))
        return df


def _split_loss(out) -> tuple[torch.Tensor, dict]:
    if isinstance(out, tuple):
        return out[0], out[1]
    return out, {}


PRECISIONS = {"bf16": torch.bfloat16, "fp16": torch.float16}


def _autocast(device: torch.device, amp: bool | str):
    """``amp`` True: bf16 (fp16 where bf16 is unsupported) autocast on CUDA only, float32 elsewhere (the default);
    ``"bf16"`` / ``"fp16"``: autocast to that type on any device (CPU included); False: float32."""
    if isinstance(amp, str):
        if amp not in PRECISIONS:
            raise ValueError(f"amp must be True, False or one of {list(PRECISIONS)}, got {amp!r}")
        return torch.autocast(device.type, dtype=PRECISIONS[amp])
    if amp and device.type == "cuda":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.autocast("cuda", dtype=dtype)
    return torch.autocast("cpu", enabled=False)


def _needs_scaler(device: torch.device, amp: bool | str) -> bool:
    if device.type != "cuda":
        return False
    return amp == "fp16" or (amp is True and not torch.cuda.is_bf16_supported())


def max_steps_setting(max_steps: int | None = None) -> int | None:
    """The step cap in force: ``max_steps`` if given, else ``$OMICSLIB_MAX_STEPS``; None (or 0) = no cap."""
    if max_steps is None:
        raw = os.environ.get(MAX_STEPS_ENV, "").strip()
        try:
            max_steps = int(raw) if raw else 0
        except ValueError:
            raise ValueError(f"${MAX_STEPS_ENV} must be a whole number of optimiser steps, got {raw!r}") from None
    if max_steps < 0:
        raise ValueError(f"max_steps must be >= 0 (0 = no cap), got {max_steps}")
    return max_steps or None


def rehearsal_limit(n: int | None, keep: int = 1) -> int | None:
    """A count in force (k-means restarts, trees of a forest, tiles per section; None = all): ``n``, or at
    most ``keep`` under the rehearsal's step cap (:func:`max_steps_setting`), which checks that a
    configuration runs, not what it scores."""
    if max_steps_setting() is None:
        return n
    return keep if n is None else min(n, keep)


_REPEATS = [1]


def rehearsal_runs(n: int) -> tuple[int, int]:
    """``(runs, repeats)`` of ``n`` like runs (seeds, folds): all ``n`` once without the step cap; under the
    rehearsal's cap one run that stands for all ``n`` (fit them inside :func:`rehearsal_repeats` with ``repeats``,
    so the projection still counts ``n``)."""
    if n < 1:
        raise ValueError(f"need at least one run, got {n}")
    return (n, 1) if max_steps_setting() is None else (1, n)


@contextlib.contextmanager
def rehearsal_repeats(k: int):
    """Every :func:`fit` inside stands for ``k`` identical fits the rehearsal left out (seeds or folds it runs once,
    see :func:`rehearsal_runs`): the fit log records ``repeats`` and :mod:`omicslib.book.rehearsal` counts each
    such fit ``k`` times. Nested uses multiply."""
    if k < 1:
        raise ValueError(f"repeats must be >= 1, got {k}")
    _REPEATS.append(_REPEATS[-1] * int(k))
    try:
        yield
    finally:
        _REPEATS.pop()


#: Iterations of a tuned baseline's solver under the rehearsal's step cap (see :func:`rehearsal_search`).
REHEARSAL_MAX_ITER = 20


def rehearsal_search(grid: dict, max_iter: int | None = None) -> tuple[dict, int | None]:
    """A tuned baseline's ``(grid, solver max_iter)`` in force: unchanged without the step cap; under the
    paper-profile rehearsal's cap (:func:`max_steps_setting`) only the first value of every parameter and at most
    :data:`REHEARSAL_MAX_ITER` iterations, so the search, its inner CV and the refit still run on the real
    widths but cannot dominate a run that trains no model to convergence."""
    if max_steps_setting() is None:
        return grid, max_iter
    cut = {k: list(v)[:1] for k, v in grid.items()}
    return cut, None if max_iter is None else min(max_iter, REHEARSAL_MAX_ITER)


def _progress_bar(iterable, progress, desc: str):
    """``(iterable, file to close)``: tqdm in the notebook (``progress=True``), on a file (a path, or
    ``$OMICSLIB_PROGRESS`` when ``progress`` is None), or nothing."""
    if progress is None:
        progress = os.environ.get(PROGRESS_ENV, "") or False
    if progress is False or progress in ("0", "false"):
        return iterable, None
    if progress is True:
        from tqdm.auto import tqdm

        return tqdm(iterable, desc=desc, leave=False), None
    from tqdm import tqdm

    try:
        fh = open(progress, "w")
    except OSError:  # no terminal (e.g. a batch job): no bar
        return iterable, None
    return tqdm(iterable, desc=desc, leave=False, file=fh, mininterval=1.0, dynamic_ncols=True), fh


@torch.no_grad()
def evaluate_loss(model: nn.Module, data: DataLoader, loss_step: LossStep, device: torch.device,
                  amp: bool | str = True, max_batches: int | None = None, channels_last: bool = False) -> float:
    """Mean per-sample loss over a loader (its first ``max_batches`` batches if given), in eval mode."""
    model.eval()
    total, n = 0.0, 0
    for i, batch in enumerate(data):
        if max_batches is not None and i >= max_batches:
            break
        batch = to_device(batch, device, channels_last)
        with _autocast(device, amp):
            loss, _ = _split_loss(loss_step(model, batch))
        bs = _batch_size(batch)
        total += float(loss) * bs
        n += bs
    return total / max(n, 1)


def _batch_size(batch: Batch) -> int:
    if torch.is_tensor(batch):
        return batch.shape[0]
    if isinstance(batch, dict):
        return _batch_size(next(iter(batch.values())))
    return _batch_size(batch[0])


def fit(
    model: nn.Module,
    train: DataLoader,
    val: DataLoader | None = None,
    *,
    loss_step: LossStep,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    scheduler=None,
    patience: int | None = None,
    min_delta: float = 0.0,
    device: torch.device | str = "cpu",
    amp: bool | str = True,
    grad_clip: float | None = None,
    on_epoch_start: Callable[[int], None] | None = None,
    val_loss_step: LossStep | None = None,
    progress: bool | str | None = None,
    desc: str = "train",
    max_steps: int | None = None,
    channels_last: bool = False,
    compile: bool | dict = False,
) -> History:
    """Train ``model`` for up to ``epochs`` epochs and return its :class:`History`.

    With ``val``, early stopping watches the validation loss (``patience``
    epochs without an improvement larger than ``min_delta``) and the weights of
    the best epoch are restored at the end. ``ReduceLROnPlateau`` schedulers are
    stepped with the validation loss, others once per epoch. AMP (bf16 where
    supported) is used on CUDA only. ``on_epoch_start(epoch)`` lets a caller
    move scheduled quantities (mask ratios, loss weights); epochs count from 0.

    ``max_steps`` (default ``$OMICSLIB_MAX_STEPS``; None/0 = off) stops training after that many optimiser
    steps, whatever the epoch, and limits each validation pass to that many batches (the rehearsal's cap).
    ``progress``: None follows ``$OMICSLIB_PROGRESS`` (a file such as ``/dev/tty``; unset = no bar), True
    draws tqdm in the notebook, False nothing, a path draws on that file.

    GPU readiness (all off by default, so results on a CPU are unchanged): ``amp="bf16"`` or ``"fp16"``
    autocasts to that type on any device (fp16 on CUDA with a GradScaler); ``channels_last`` stores the model
    and 4-D image batches in NHWC order (faster convolutions on tensor cores); ``compile`` runs the model
    through ``torch.compile`` (True, or a dict of its keyword arguments, e.g. ``{"backend": "aot_eager"}``);
    the weights, the state kept for early stopping and the model returned stay the uncompiled module's.
    """
    device = torch.device(device) if isinstance(device, str) else device
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    run_model = model
    if compile:
        run_model = torch.compile(model, **(compile if isinstance(compile, dict) else {}))
    val_loss_step = val_loss_step or loss_step
    cap = max_steps_setting(max_steps)
    hist = History(epochs_planned=epochs, steps_planned=epochs * len(train) if hasattr(train, "__len__") else 0)
    t0 = time.perf_counter()
    scaler = torch.amp.GradScaler("cuda") if _needs_scaler(device, amp) else None
    epoch_iter, progress_file = _progress_bar(range(epochs), progress, desc)
    try:
        _epochs(model, train, val, hist, epoch_iter, cap, loss_step=loss_step, val_loss_step=val_loss_step,
                optimizer=optimizer, scheduler=scheduler, patience=patience, min_delta=min_delta, device=device,
                amp=amp, grad_clip=grad_clip, on_epoch_start=on_epoch_start, scaler=scaler, run_model=run_model,
                channels_last=channels_last)
    finally:
        if progress_file is not None:
            epoch_iter.close()
            progress_file.close()
    hist.seconds = time.perf_counter() - t0
    _log_fit(hist, desc, device)
    return hist


def _log_fit(hist: History, desc: str, device: torch.device) -> None:
    """Append one line per fit to ``$OMICSLIB_FIT_LOG`` when set (the workflow sets it per job): steps taken
    and planned and seconds, from which :mod:`omicslib.book.rehearsal` projects the uncapped cost."""
    path = os.environ.get(FIT_LOG_ENV, "")
    if not path:
        return
    line = {"desc": desc, "device": device.type, "steps": hist.steps, "steps_planned": hist.steps_planned,
            "epochs_run": len(hist.train_loss), "epochs_planned": hist.epochs_planned, "capped": hist.capped,
            "seconds": round(hist.seconds, 4)}
    if hist.flops_per_step is not None:
        line["flops_per_step"] = hist.flops_per_step
    if _REPEATS[-1] > 1:
        line["repeats"] = _REPEATS[-1]
    try:
        with open(path, "a") as f:
            f.write(json.dumps(line) + "\n")
    except OSError as e:   # a measurement aid: say so, never fail the training it measures
        warnings.warn(f"${FIT_LOG_ENV}={path}: fit not logged ({e})", RuntimeWarning, stacklevel=3)


def _flop_counter():
    """A FLOP counter for one step when ``$OMICSLIB_COUNT_FLOPS=1``, else a context that does nothing."""
    if os.environ.get(COUNT_FLOPS_ENV, "") != "1":
        return contextlib.nullcontext()
    from torch.utils.flop_counter import FlopCounterMode

    return FlopCounterMode(display=False)


def _epochs(model, train, val, hist: History, epoch_iter, cap, *, loss_step, val_loss_step, optimizer, scheduler,
            patience, min_delta, device, amp, grad_clip, on_epoch_start, scaler, run_model=None,
            channels_last=False) -> None:
    run_model = model if run_model is None else run_model
    best_state = None
    bad_epochs = 0
    for epoch in epoch_iter:
        if on_epoch_start:
            on_epoch_start(epoch)
        model.train()
        total, n, logs = 0.0, 0, {}
        for batch in train:
            if cap is not None and hist.steps >= cap:
                hist.capped = True
                break
            batch = to_device(batch, device, channels_last)
            optimizer.zero_grad(set_to_none=True)
            counter = _flop_counter() if hist.steps == 0 else contextlib.nullcontext()
            with counter:
                with _autocast(device, amp):
                    loss, extra = _split_loss(loss_step(run_model, batch))
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"non-finite training loss {loss.item()} at epoch {epoch + 1}")
                if scaler:
                    scaler.scale(loss).backward()
                    scaler.unscale_(optimizer)
                else:
                    loss.backward()
            if hist.steps == 0 and not isinstance(counter, contextlib.nullcontext):
                hist.flops_per_step = float(counter.get_total_flops())
            if grad_clip:
                nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            if scaler:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            hist.steps += 1
            bs = _batch_size(batch)
            total += float(loss.detach()) * bs
            n += bs
            for k, v in extra.items():
                logs[k] = logs.get(k, 0.0) + float(v) * bs
        hist.train_loss.append(total / max(n, 1))
        hist.lr.append(optimizer.param_groups[0]["lr"])
        if logs:
            hist.logs.append({k: v / max(n, 1) for k, v in logs.items()})
        monitor = None
        if val is not None:
            monitor = evaluate_loss(run_model, val, val_loss_step, device, amp, max_batches=cap,
                                    channels_last=channels_last)
            hist.val_loss.append(monitor)
            if monitor < hist.best_val_loss - min_delta:
                hist.best_val_loss, hist.best_epoch, bad_epochs = monitor, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                bad_epochs += 1
        if scheduler is not None:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(monitor if monitor is not None else hist.train_loss[-1])
            else:
                scheduler.step()
        if patience is not None and val is not None and bad_epochs >= patience:
            hist.stopped_early = True
            break
        if cap is not None and hist.steps >= cap:
            hist.capped = hist.capped or epoch + 1 < hist.epochs_planned  # epochs left that the cap skips
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        hist.best_epoch = len(hist.train_loss) - 1


def _default_forward(model: nn.Module, batch: Batch) -> torch.Tensor:
    if isinstance(batch, (list, tuple)):
        return model(*batch[:-1]) if len(batch) > 1 else model(batch[0])
    return model(batch)


@torch.no_grad()
def predict(model: nn.Module, data: DataLoader, device: torch.device | str = "cpu",
            forward: Callable[[nn.Module, Batch], torch.Tensor] | None = None) -> np.ndarray:
    """Concatenate model outputs over a loader (eval mode). By default the last batch item is the
    target and is not passed to the model. Under the rehearsal's step cap (:func:`max_steps_setting`) only
    that many batches of a map-style loader are read and run; the rows of the later batches repeat the
    computed ones, so the output keeps its shape (the rehearsal checks that a configuration runs, not what it
    scores)."""
    device = torch.device(device) if isinstance(device, str) else device
    model.to(device).eval()
    forward = forward or _default_forward
    cap = max_steps_setting()
    sizes = None if cap is None or getattr(data, "batch_sampler", None) is None else \
        [len(ix) for ix in data.batch_sampler]
    outs = []
    for b in data:
        if sizes is not None and len(outs) == cap:
            break
        outs.append(forward(model, to_device(b, device)).float().cpu())
    if sizes is not None and len(sizes) > len(outs):
        done = torch.cat(outs)
        outs.append(done[torch.arange(sum(sizes[len(outs):])) % len(done)])
    return torch.cat(outs).numpy()
