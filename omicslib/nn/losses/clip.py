"""CLIP-style symmetric InfoNCE for paired embeddings (Radford et al. 2021; TANGLE, Jaume et al. 2024)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def info_nce(a: torch.Tensor, b: torch.Tensor, temperature: float | torch.Tensor = 0.07,
             normalize: bool = True) -> torch.Tensor:
    """Symmetric InfoNCE between row-paired embeddings ``a`` and ``b`` (both ``n x d``).

    ``logits = cos(a_i, b_j) / temperature``; the loss is the mean of the
    cross-entropy over rows (a -> b) and over columns (b -> a) with the diagonal
    as the positive pair, so ``info_nce(a, b) == info_nce(b, a)``.
    """
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"a and b must be paired n x d matrices, got {tuple(a.shape)} and {tuple(b.shape)}")
    if a.shape[0] < 2:
        raise ValueError("InfoNCE needs at least 2 pairs per batch (one positive, >=1 negative)")
    if normalize:
        a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    logits = a @ b.T / temperature
    target = torch.arange(a.shape[0], device=a.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


class ClipLoss(nn.Module):
    """:func:`info_nce` with a fixed or learnable temperature (learnt as a log inverse temperature,
    clamped at 100 like CLIP)."""

    def __init__(self, temperature: float = 0.07, learnable: bool = False):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        scale = torch.tensor(math.log(1 / temperature))
        self.log_scale = nn.Parameter(scale) if learnable else None
        if not learnable:
            self.register_buffer("_log_scale", scale)

    @property
    def temperature(self) -> torch.Tensor:
        s = self.log_scale if self.log_scale is not None else self._log_scale
        return 1 / s.clamp(max=math.log(100)).exp()

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return info_nce(a, b, self.temperature)


@torch.no_grad()
def retrieval_accuracy(a: torch.Tensor, b: torch.Tensor, k: int = 1) -> float:
    """Fraction of rows of ``a`` whose paired row of ``b`` is among its ``k`` nearest (cosine)."""
    sim = F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T
    topk = sim.topk(min(k, sim.shape[1]), dim=1).indices
    return float((topk == torch.arange(len(a), device=a.device)[:, None]).any(1).float().mean())
