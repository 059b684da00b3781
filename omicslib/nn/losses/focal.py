"""Multi-class focal loss with per-class weights (Lin et al. 2017), as written in p1:

    L = -(1/N) * sum_i alpha_{y_i} (1 - p_{y_i})^gamma log p_{y_i}

with p the softmax probability of the true class. Note the mean over N, not
over the weights (unlike ``F.cross_entropy(weight=...)``).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def inverse_frequency_weights(y, n_classes: int) -> torch.Tensor:
    """alpha_c = N / (C * n_c) from training labels; classes absent from ``y`` get weight 0."""
    counts = np.bincount(np.asarray(y, dtype=int), minlength=n_classes).astype(float)
    w = np.where(counts > 0, counts.sum() / (n_classes * np.maximum(counts, 1)), 0.0)
    return torch.tensor(w, dtype=torch.float32)


def focal_loss(logits: torch.Tensor, target: torch.Tensor, alpha: torch.Tensor | None = None,
               gamma: float = 2.0, reduction: str = "mean") -> torch.Tensor:
    """Focal loss of ``logits`` (N, C) against integer ``target`` (N,)."""
    if logits.ndim != 2:
        raise ValueError(f"logits must be (N, C), got {tuple(logits.shape)}")
    if gamma < 0:
        raise ValueError("gamma must be >= 0")
    logp = F.log_softmax(logits.float(), dim=1).gather(1, target.long()[:, None]).squeeze(1)
    loss = -((1 - logp.exp()) ** gamma) * logp
    if alpha is not None:
        loss = alpha.to(loss.device)[target.long()] * loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be mean, sum or none, got {reduction!r}")
