"""DMACL (p3; "DEDUCE" in the arXiv v3): symmetric multi-head-attention encoder + decoupled
instance head + cluster head, trained with L = L_D + L_C.

What is fixed by the authors' drivers (``p3-protocol-notes.md`` §1): per-feature max-abs
scaling of each omic, concatenation, two views ``x + N(0, 1)`` drawn fresh every step,
one encoder with shared weights for both views, rep_dim 20, heads
Linear(20,20)-ReLU-Linear(20, d) (+ L2 norm) and Linear(20,20)-ReLU-Linear(20, K)-Softmax,
temperatures 0.5 / 1.0, Adam(eps=1e-3). What is NOT published (the encoder module is missing
from the repository) and is our choice: a linear "position" embedding of the concatenated
vector into ``n_tokens`` = 80 chunks (the paper's h = 80 "heads"), ``n_blocks``
Transformer encoder blocks of attention among the chunks, flatten, linear to rep_dim.
The embedding used for clustering is the instance-head output (dimension ``feature_dim``);
the hard labels are the argmax of the cluster head (``forward_cluster``), while the reported
metrics use k-means on the embedding.

This module holds the model only (``forward`` and one loss step); training is in ``protocol.py``,
the input preparation in ``data.py``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from omicslib.nn.losses.contrastive import cluster_loss, instance_loss
from omicslib.papers.p3_clustering.config import DMACLConfig


def two_views(x: torch.Tensor, noise_std: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two augmented views ``x + e1``, ``x + e2`` with i.i.d. Gaussian noise (std 1.0 in the authors' code)."""
    return x + noise_std * torch.randn_like(x), x + noise_std * torch.randn_like(x)


class SymmetricAttentionEncoder(nn.Module):
    """Linear embedding into ``n_tokens`` chunks, attention among chunks, MLP to ``rep_dim``."""

    def __init__(self, input_dim: int, rep_dim: int = 20, n_tokens: int = 80, token_dim: int = 8,
                 attn_heads: int = 2, n_blocks: int = 1, ff_mult: int = 2, dropout: float = 0.0):
        super().__init__()
        self.n_tokens, self.token_dim = n_tokens, token_dim
        self.embed = nn.Linear(input_dim, n_tokens * token_dim)  # Eq. 1: "position encoding" as a dense layer
        layer = nn.TransformerEncoderLayer(token_dim, attn_heads, dim_feedforward=ff_mult * token_dim,
                                           dropout=dropout, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, n_blocks, enable_nested_tensor=False)
        self.out = nn.Sequential(nn.Flatten(), nn.Linear(n_tokens * token_dim, rep_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.embed(x).view(x.shape[0], self.n_tokens, self.token_dim)
        return self.out(self.blocks(t))


class DMACL(nn.Module):
    """Encoder + instance head (L2-normalised ``feature_dim`` projection) + cluster head (softmax over K)."""

    def __init__(self, input_dim: int, cfg: DMACLConfig | None = None):
        super().__init__()
        cfg = DMACLConfig() if cfg is None else cfg
        self.cfg = cfg
        self.encoder = SymmetricAttentionEncoder(input_dim, cfg.rep_dim, cfg.n_tokens, cfg.token_dim,
                                                 cfg.attn_heads, cfg.n_blocks)
        r = cfg.rep_dim
        self.instance_head = nn.Sequential(nn.Linear(r, r), nn.ReLU(), nn.Linear(r, cfg.feature_dim))
        self.cluster_head = nn.Sequential(nn.Linear(r, r), nn.ReLU(), nn.Linear(r, cfg.n_clusters), nn.Softmax(dim=1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(L2-normalised instance projection z, soft cluster assignment c)."""
        h = self.encoder(x)
        return F.normalize(self.instance_head(h), dim=1), self.cluster_head(h)

    @torch.no_grad()
    def forward_cluster(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(argmax cluster label, embedding) as the authors' inference does."""
        z, c = self(x)
        return c.argmax(1), z

    def loss_step(self, model: "DMACL", batch) -> tuple[torch.Tensor, dict]:
        x = batch[0] if isinstance(batch, (list, tuple)) else batch
        x1, x2 = two_views(x, self.cfg.noise_std)
        z1, c1 = model(x1)
        z2, c2 = model(x2)
        li = instance_loss(z1, z2, self.cfg.instance_temperature)
        lc, parts = cluster_loss(c1, c2, self.cfg.cluster_temperature)
        return li + lc, {"instance": float(li.detach()), "cluster": float(lc.detach()), **parts}
