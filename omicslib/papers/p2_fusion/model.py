"""p2 models: gene MLP, image model over a patch-feature bag, and three fusions (concatenation,
late fusion of unimodal probabilities, multi-head cross-attention between the gene embedding and
the patch tokens).

Every model takes ``(genes (B, G), bag (B, N, D))`` and returns one logit per patient (B,), for
``BCEWithLogitsLoss`` (= sigmoid + binary cross-entropy, numerically stable). Unimodal models
ignore the other input. Models hold ``forward`` and (late fusion) one loss step; training lives in
:mod:`omicslib.papers.p2_fusion.protocol`.
"""

from __future__ import annotations

import torch
from torch import nn

MODELS = ("gene", "image", "concat", "late", "cross_attention")


def _mlp(d_in: int, hidden: int, d_out: int, dropout: float) -> nn.Sequential:
    # the authors' dense block: Dense -> Dropout -> BatchNorm -> Dense -> Dropout
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Dropout(dropout), nn.BatchNorm1d(hidden),
                         nn.Linear(hidden, d_out), nn.ReLU(), nn.Dropout(dropout))


class GeneEncoder(nn.Module):
    """Fully connected gene branch: (B, G) -> (B, dim)."""

    def __init__(self, n_genes: int, hidden: int = 512, dim: int = 256, dropout: float = 0.5):
        super().__init__()
        self.net = _mlp(n_genes, hidden, dim, dropout)

    def forward(self, genes: torch.Tensor) -> torch.Tensor:
        return self.net(genes)


class PatchEncoder(nn.Module):
    """Image branch over a bag of frozen ResNet-50 patch features: each patch -> a ``dim`` token
    (shared linear projection); the bag embedding is the token mean (patch order carries no
    meaning, so no convolution along the patch axis)."""

    def __init__(self, feat_dim: int = 2048, dim: int = 256, dropout: float = 0.5):
        super().__init__()
        self.proj = nn.Sequential(nn.LayerNorm(feat_dim), nn.Linear(feat_dim, dim), nn.ReLU(), nn.Dropout(dropout))

    def tokens(self, bag: torch.Tensor) -> torch.Tensor:
        if bag.ndim != 3:
            raise ValueError(f"bag must be (batch, patches, features), got shape {tuple(bag.shape)}")
        return self.proj(bag)

    def forward(self, bag: torch.Tensor) -> torch.Tensor:
        return self.tokens(bag).mean(dim=1)


class GeneModel(nn.Module):
    def __init__(self, n_genes: int, hidden: int = 512, dim: int = 256, dropout: float = 0.5, **_):
        super().__init__()
        self.gene = GeneEncoder(n_genes, hidden, dim, dropout)
        self.head = nn.Linear(dim, 1)

    def forward(self, genes, bag=None):
        return self.head(self.gene(genes)).squeeze(-1)


class ImageModel(nn.Module):
    def __init__(self, feat_dim: int = 2048, dim: int = 256, dropout: float = 0.5, **_):
        super().__init__()
        self.image = PatchEncoder(feat_dim, dim, dropout)
        self.head = nn.Linear(dim, 1)

    def forward(self, genes, bag):
        return self.head(self.image(bag)).squeeze(-1)


class ConcatFusion(nn.Module):
    """Concatenate the gene embedding and the mean patch token, then a dense head.

    ``disconnect_image=True`` reproduces the authors' bug: the image branch is computed but the
    head reads the gene embedding only, so no gradient (and no information) reaches the image.
    """

    def __init__(self, n_genes: int, feat_dim: int = 2048, hidden: int = 512, dim: int = 256,
                 dropout: float = 0.5, disconnect_image: bool = False):
        super().__init__()
        self.gene = GeneEncoder(n_genes, hidden, dim, dropout)
        self.image = PatchEncoder(feat_dim, dim, dropout)
        self.disconnect_image = disconnect_image
        self.head = nn.Sequential(nn.Linear(dim if disconnect_image else 2 * dim, dim), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(dim, 1))

    def forward(self, genes, bag):
        g, i = self.gene(genes), self.image(bag)
        fused = torch.cat([g, i], dim=-1)
        return self.head(g if self.disconnect_image else fused).squeeze(-1)


class LateFusion(nn.Module):
    """Two unimodal models; the prediction is the mean of their probabilities (returned as a logit).
    Train with :func:`late_fusion_loss` so each branch is fitted as its own unimodal model."""

    def __init__(self, n_genes: int, feat_dim: int = 2048, hidden: int = 512, dim: int = 256,
                 dropout: float = 0.5):
        super().__init__()
        self.gene_model = GeneModel(n_genes, hidden, dim, dropout)
        self.image_model = ImageModel(feat_dim, dim, dropout)

    def branch_logits(self, genes, bag) -> tuple[torch.Tensor, torch.Tensor]:
        return self.gene_model(genes), self.image_model(genes, bag)

    def forward(self, genes, bag):
        g, i = self.branch_logits(genes, bag)
        p = 0.5 * (torch.sigmoid(g) + torch.sigmoid(i))
        return torch.logit(p.clamp(1e-6, 1 - 1e-6))


def late_fusion_loss(model: LateFusion, batch):
    """Sum of the two unimodal BCE losses (the branches share no parameters, so this trains two
    separate models in one loop), logging the fused loss."""
    genes, bag, y = batch
    g, i = model.branch_logits(genes, bag)
    bce = nn.functional.binary_cross_entropy_with_logits
    y = y.float()
    with torch.no_grad():
        fused = float(bce(model(genes, bag), y))
    return bce(g, y) + bce(i, y), {"fused_bce": fused}


class CrossAttentionFusion(nn.Module):
    """Multi-head cross-attention: the gene embedding is the query, the patch tokens are keys and
    values. The attended image summary is concatenated with the gene embedding for the head.
    ``last_attention`` holds the (B, N) patch weights of the latest forward pass."""

    def __init__(self, n_genes: int, feat_dim: int = 2048, hidden: int = 512, dim: int = 256,
                 dropout: float = 0.5, heads: int = 8):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim ({dim}) must be divisible by heads ({heads})")
        self.gene = GeneEncoder(n_genes, hidden, dim, dropout)
        self.image = PatchEncoder(feat_dim, dim, dropout)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=0.0, batch_first=True)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Sequential(nn.Linear(2 * dim, dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(dim, 1))
        self.last_attention: torch.Tensor | None = None

    def forward(self, genes, bag):
        g = self.gene(genes)
        tokens = self.image.tokens(bag)
        att, w = self.attn(g.unsqueeze(1), tokens, tokens, need_weights=True)
        self.last_attention = w.squeeze(1).detach()
        fused = torch.cat([g, self.norm(att.squeeze(1))], dim=-1)
        return self.head(fused).squeeze(-1)


def build(name: str, n_genes: int, feat_dim: int = 2048, **kw) -> nn.Module:
    """Model by name: one of :data:`MODELS`, or ``'concat_disconnected'`` (the authors' bug)."""
    if name == "gene":
        return GeneModel(n_genes, **kw)
    if name == "image":
        return ImageModel(feat_dim, **{k: v for k, v in kw.items() if k != "hidden"})
    if name == "concat":
        return ConcatFusion(n_genes, feat_dim, **kw)
    if name == "concat_disconnected":
        return ConcatFusion(n_genes, feat_dim, disconnect_image=True, **kw)
    if name == "late":
        return LateFusion(n_genes, feat_dim, **kw)
    if name == "cross_attention":
        return CrossAttentionFusion(n_genes, feat_dim, **kw)
    raise ValueError(f"unknown model {name!r}; choose from {MODELS + ('concat_disconnected',)}")
