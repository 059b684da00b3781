"""ConFuseIT-style image–transcriptome model (Yu et al.; design after TANGLE, Jaume et al. 2024).

An ABMIL slide encoder over patch features and an MLP RNA-seq encoder map
into one embedding space; CLIP-style symmetric InfoNCE aligns the paired
embeddings without labels. Fine-tuning heads (Cox risk, PAM50 logits) read the
mean of the L2-normalised embeddings of whichever modalities are present, so a
model can be trained and applied with the slide, the RNA profile, or both.

Batches are dicts with any of ``bag`` (B, N, d), ``mask`` (B, N), ``rna``
(B, genes), ``time``, ``event``, ``label`` (class index, -1 = unlabelled).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from omicslib.nn.abmil import ABMIL
from omicslib.nn.losses.clip import ClipLoss
from omicslib.nn.losses.survival import cox_ph_loss

MODALITIES = ("slide", "rna")


class RNAEncoder(nn.Module):
    """MLP ``genes -> hidden... -> out_dim`` with LayerNorm, GELU and dropout."""

    def __init__(self, in_dim: int, out_dim: int, hidden: Sequence[int] = (256,), dropout: float = 0.2):
        super().__init__()
        layers, d = [], in_dim
        for h in hidden:
            layers += [nn.Linear(d, h), nn.LayerNorm(h), nn.GELU(), nn.Dropout(dropout)]
            d = h
        layers.append(nn.Linear(d, out_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def check_modalities(modalities: Sequence[str]) -> tuple[str, ...]:
    mods = tuple(modalities)
    if not mods or set(mods) - set(MODALITIES):
        raise ValueError(f"modalities must be a non-empty subset of {MODALITIES}, got {mods}")
    return mods


class ConFuseIT(nn.Module):
    """Two encoders into a shared ``embed_dim`` space plus the contrastive loss.

    ``patch_dim`` or ``rna_dim`` may be None for a single-modality model (no
    pretraining possible then).
    """

    def __init__(self, rna_dim: int | None, patch_dim: int | None, embed_dim: int = 128, hidden: int = 128,
                 rna_hidden: Sequence[int] = (256,), dropout: float = 0.1, temperature: float = 0.07,
                 learn_temperature: bool = False):
        super().__init__()
        if rna_dim is None and patch_dim is None:
            raise ValueError("ConFuseIT needs at least one of rna_dim and patch_dim")
        self.embed_dim = embed_dim
        self.slide = ABMIL(patch_dim, embed_dim, hidden, dropout=dropout) if patch_dim else None
        self.rna = RNAEncoder(rna_dim, embed_dim, rna_hidden, dropout) if rna_dim else None
        self.clip = ClipLoss(temperature, learnable=learn_temperature)

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(m for m in MODALITIES if getattr(self, m) is not None)

    def encode_slide(self, bag: torch.Tensor, mask: torch.Tensor | None = None):
        """Slide embedding ``(B, embed_dim)`` and ABMIL attention ``(B, N)``."""
        if self.slide is None:
            raise ValueError("this model has no slide encoder (patch_dim=None)")
        return self.slide(bag, mask)

    def encode_rna(self, rna: torch.Tensor) -> torch.Tensor:
        if self.rna is None:
            raise ValueError("this model has no RNA encoder (rna_dim=None)")
        return self.rna(rna)

    def embed(self, batch: dict, modalities: Sequence[str] = MODALITIES) -> dict:
        """Embeddings of the requested modalities present in ``batch``; ``z`` is the mean of their
        L2-normalised embeddings. Raises if none of them is in the batch."""
        out, zs = {}, []
        for m in check_modalities(modalities):
            if m == "slide" and batch.get("bag") is not None:
                out["z_slide"], out["attention"] = self.encode_slide(batch["bag"], batch.get("mask"))
                zs.append(out["z_slide"])
            elif m == "rna" and batch.get("rna") is not None:
                out["z_rna"] = self.encode_rna(batch["rna"])
                zs.append(out["z_rna"])
        if not zs:
            raise ValueError(f"the batch holds none of the modalities {tuple(modalities)} "
                             f"(keys: {sorted(k for k, v in batch.items() if v is not None)})")
        out["z"] = torch.stack([F.normalize(z, dim=-1) for z in zs]).mean(0)
        return out

    def contrastive_loss(self, batch: dict) -> torch.Tensor:
        """Symmetric InfoNCE between the slide and RNA embeddings of a paired batch."""
        e = self.embed(batch)
        if "z_slide" not in e or "z_rna" not in e:
            raise ValueError("contrastive pretraining needs paired 'bag' and 'rna' in every batch")
        return self.clip(e["z_slide"], e["z_rna"])


class ConFuseITPredictor(nn.Module):
    """A :class:`ConFuseIT` backbone with a Cox risk head and/or a classification (PAM50) head.

    ``forward(batch, modalities)`` returns the backbone's embeddings plus ``risk``
    (B,) and ``logits`` (B, n_classes); modalities absent from the batch are skipped.
    """

    def __init__(self, backbone: ConFuseIT, n_classes: int | None = None, survival: bool = True,
                 dropout: float = 0.1):
        super().__init__()
        if not survival and not n_classes:
            raise ValueError("need a survival head, a classification head or both")
        self.backbone = backbone
        self.drop = nn.Dropout(dropout)
        self.risk_head = nn.Linear(backbone.embed_dim, 1) if survival else None
        self.class_head = nn.Linear(backbone.embed_dim, n_classes) if n_classes else None

    def forward(self, batch: dict, modalities: Sequence[str] = MODALITIES) -> dict:
        out = self.backbone.embed(batch, modalities)
        h = self.drop(out["z"])
        if self.risk_head is not None:
            out["risk"] = self.risk_head(h).squeeze(-1)
        if self.class_head is not None:
            out["logits"] = self.class_head(h)
        return out


def pretrain_step(model: ConFuseIT, batch: dict):
    """``fit`` loss step for label-free contrastive pretraining."""
    loss = model.contrastive_loss(batch)
    return loss, {"temperature": float(model.clip.temperature.detach())}


def finetune_step(modalities: Sequence[str] = MODALITIES, survival_weight: float = 1.0,
                  class_weight: float = 1.0, class_weights: torch.Tensor | None = None):
    """``fit`` loss step: Cox partial likelihood on ``risk`` + cross-entropy on ``logits``
    (samples with ``label == -1`` are ignored), computed on the given modalities only."""
    modalities = check_modalities(modalities)

    def step(model: ConFuseITPredictor, batch: dict):
        out = model(batch, modalities)
        loss, logs = 0.0, {}
        if "risk" in out and survival_weight:
            cox = cox_ph_loss(out["risk"], batch["time"], batch["event"])
            loss = loss + survival_weight * cox
            logs["cox"] = float(cox.detach())
        if "logits" in out and class_weight:
            w = None if class_weights is None else class_weights.to(out["logits"].device)
            labels = batch["label"].long()
            ce = (F.cross_entropy(out["logits"], labels, weight=w, ignore_index=-1)
                  if bool((labels >= 0).any()) else out["logits"].sum() * 0.0)
            loss = loss + class_weight * ce
            logs["ce"] = float(ce.detach())
        return loss, logs

    return step
