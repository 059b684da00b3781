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
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from omicslib.nn.losses.contrastive import cluster_loss, instance_loss
from omicslib.runtime import pick_device, seed_everything
from omicslib.train import fit, loader, predict


def max_abs_scale(x: np.ndarray) -> np.ndarray:
    """Divide every column by its max |value| (sklearn ``normalize(axis=0, norm='max')``); all-zero columns stay 0."""
    x = np.asarray(x, dtype=np.float32)
    m = np.abs(x).max(axis=0)
    return x / np.where(m > 0, m, 1.0)


def concat_omics(omics) -> np.ndarray:
    """Max-abs scale each omic (samples x features) separately, then concatenate along features."""
    mats = [max_abs_scale(np.asarray(o)) for o in omics]
    n = {m.shape[0] for m in mats}
    if len(n) != 1:
        raise ValueError(f"omics must have the same samples (rows); got row counts {sorted(n)}")
    return np.concatenate(mats, axis=1)


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


@dataclass
class DMACLConfig:
    """Defaults = paper Table I "optimal" values where the paper gives one; code values noted."""

    feature_dim: int = 10        # instance-head / embedding dim (sims: k; cancer: 10; single-cell: 2)
    n_clusters: int = 5          # cluster-head K (code: 5 for every cancer)
    rep_dim: int = 20
    n_tokens: int = 80           # paper: h = 80
    token_dim: int = 8
    attn_heads: int = 2
    n_blocks: int = 1
    instance_temperature: float = 0.5   # Table I "UCL temperature"
    cluster_temperature: float = 1.0    # Table I "DMACL temperature"
    noise_std: float = 1.0
    lr: float = 3e-3             # Table I (code: 1e-4)
    batch_size: int = 128        # Table I (code: 256 cancer / 100 sims / 64 single-cell)
    epochs: int = 500            # Table I (code: 200 cancer / 1000 sims / 1200 single-cell)
    optimizer: str = "adam"      # adam | sgd | rmsprop
    weight_decay: float = 0.0
    shuffle: bool = False        # the authors' training loaders do not shuffle


class DMACL(nn.Module):
    def __init__(self, input_dim: int, cfg: DMACLConfig = DMACLConfig()):
        super().__init__()
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


def _optimizer(model: nn.Module, cfg: DMACLConfig) -> torch.optim.Optimizer:
    name = cfg.optimizer.lower()
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=cfg.lr, eps=1e-3, weight_decay=cfg.weight_decay)
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9, weight_decay=cfg.weight_decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    raise ValueError(f"optimizer must be adam, sgd or rmsprop, got {cfg.optimizer!r}")


def train_dmacl(x: np.ndarray, cfg: DMACLConfig = DMACLConfig(), *, seed: int = 0, device="cpu"):
    """Train DMACL on an already scaled and concatenated matrix; returns (model, History)."""
    if cfg.instance_temperature <= 0 or cfg.cluster_temperature <= 0:
        raise ValueError("temperatures must be > 0 (Table I's 0 is not a valid softmax temperature)")
    seed_everything(seed)
    device = pick_device(device) if isinstance(device, str) else device
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    model = DMACL(x.shape[1], cfg)
    # drop_last only when a batch would otherwise hold a single sample (the losses need >= 2)
    drop_last = x.shape[0] % cfg.batch_size == 1
    tl = loader((x,), cfg.batch_size, shuffle=cfg.shuffle, seed=seed, drop_last=drop_last)
    hist = fit(model, tl, loss_step=model.loss_step, optimizer=_optimizer(model, cfg), epochs=cfg.epochs,
               device=device, amp=False)
    return model, hist


def embed_dmacl(model: DMACL, x: np.ndarray, device="cpu") -> tuple[np.ndarray, np.ndarray]:
    """(embedding, argmax labels), inferred in sample order (the authors shuffled here; we do not)."""
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    dl = loader((x,), 256, shuffle=False)
    z = predict(model, dl, device, forward=lambda m, b: m(b[0])[0])
    c = predict(model, dl, device, forward=lambda m, b: m(b[0])[1])
    return z, c.argmax(1)


def config_dict(cfg: DMACLConfig) -> dict:
    return asdict(cfg)
