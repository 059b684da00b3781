"""The runtime: the one place that seeds random generators, picks the device and sets CPU threads."""

from __future__ import annotations

import os
import random
from contextlib import contextmanager

import numpy as np
import torch


def pick_device(device: str = "auto") -> torch.device:
    """``auto`` picks CUDA, then Apple MPS, then CPU; anything else is passed to ``torch.device``."""
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device='cuda' was requested but CUDA is not available; use device='auto' or 'cpu'")
    return dev


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) and ask cuDNN for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def set_threads(n: int | None) -> None:
    """Cap torch's intra-op CPU threads at ``n`` (``None`` or 0 leaves the current setting)."""
    if n:
        torch.set_num_threads(int(n))


@contextmanager
def threads(n: int | None):
    """Run a block with torch's CPU threads capped at ``n``, restoring the previous setting after."""
    before = torch.get_num_threads()
    set_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
