"""Gated attention-based multiple-instance learning pooling (Ilse, Tomczak & Welling 2018).

A bag is a set of instance (patch) feature vectors; bags of different sizes are
padded to one length and a boolean mask marks the real instances.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn


def pad_bags(bags: Sequence[np.ndarray | torch.Tensor], max_len: int | None = None
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack bags of shape ``(n_i, d)`` into ``(B, N, d)`` zeros-padded features and a ``(B, N)``
    mask (True = real instance). With ``max_len``, longer bags keep their first ``max_len`` rows."""
    bags = [torch.as_tensor(np.asarray(b), dtype=torch.float32) for b in bags]
    if not bags:
        raise ValueError("no bags given")
    dims = {b.shape[1] for b in bags if b.ndim == 2}
    if len(dims) != 1 or any(b.ndim != 2 or len(b) == 0 for b in bags):
        raise ValueError("every bag must be a non-empty (n_instances, dim) array with one common dim")
    n = max(len(b) for b in bags) if max_len is None else max_len
    x = torch.zeros(len(bags), n, dims.pop())
    mask = torch.zeros(len(bags), n, dtype=torch.bool)
    for i, b in enumerate(bags):
        k = min(len(b), n)
        x[i, :k], mask[i, :k] = b[:k], True
    return x, mask


class GatedAttention(nn.Module):
    """``a_k = softmax_k( w^T (tanh(V h_k) * sigmoid(U h_k)) )`` over the unmasked instances of a bag."""

    def __init__(self, dim: int, hidden: int = 128, dropout: float = 0.0):
        super().__init__()
        self.V = nn.Sequential(nn.Linear(dim, hidden), nn.Tanh(), nn.Dropout(dropout))
        self.U = nn.Sequential(nn.Linear(dim, hidden), nn.Sigmoid(), nn.Dropout(dropout))
        self.w = nn.Linear(hidden, 1)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``h``: ``(B, N, dim)``; returns the pooled ``(B, dim)`` and attention ``(B, N)`` (0 on padding)."""
        scores = self.w(self.V(h) * self.U(h)).squeeze(-1)
        if mask is not None:
            if mask.shape != scores.shape:
                raise ValueError(f"mask must be (B, N) = {tuple(scores.shape)}, got {tuple(mask.shape)}")
            if not bool(mask.any(1).all()):
                raise ValueError("every bag needs at least one unmasked instance")
            scores = scores.masked_fill(~mask, float("-inf"))
        attn = torch.softmax(scores, dim=1)
        return torch.bmm(attn.unsqueeze(1), h).squeeze(1), attn


class ABMIL(nn.Module):
    """Slide encoder: per-instance MLP ``in_dim -> hidden``, gated attention pooling, linear map to
    ``out_dim``. ``forward(x, mask)`` returns ``(embedding (B, out_dim), attention (B, N))``."""

    def __init__(self, in_dim: int, out_dim: int, hidden: int = 128, attn_hidden: int | None = None,
                 dropout: float = 0.1):
        super().__init__()
        self.instance = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Dropout(dropout))
        self.attention = GatedAttention(hidden, attn_hidden or hidden, dropout)
        self.out = nn.Linear(hidden, out_dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        if x.ndim != 3:
            raise ValueError(f"bags must be (batch, instances, features), got shape {tuple(x.shape)}")
        pooled, attn = self.attention(self.instance(x), mask)
        return self.out(pooled), attn
