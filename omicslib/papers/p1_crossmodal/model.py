"""Cross-modal self-attention fusion of p1 (Zhumagozhayev et al. 2026).

Each omics modality is a sequence of scalar features; a shared ``Linear(1 -> d)``
embeds every scalar as a token (no positional encoding: a feature's identity
is its fixed position). One pre-norm Transformer block per modality (GLU
feed-forward, DropPath, LayerScale) encodes it; cross-attention blocks of the
same structure let the expression tokens (query) attend to CNA or mutation
tokens (key/value); the enriched expression is

    E' = E + sigmoid(a) * A_cna + sigmoid(b) * A_mut

and a residual MLP classifies the flattened ``E'``.

Without positional encoding (the paper's choice) the encoder is permutation-equivariant: permuting
a sample's features permutes its output tokens, and every masked position of a sample receives the
same output, so masked reconstruction cannot tell which gene a token is. Only the classifier sees
order, through the flatten. ``ModalityEncoder(n_features=G)`` adds a learned per-feature identity
embedding (an audit ablation, not the paper's model).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

#: Ablation variants: which auxiliary modalities enrich the expression tokens.
VARIANTS: dict[str, tuple[str, ...]] = {"EXP": (), "EXP+CNA": ("cna",), "EXP+CNA+MUT": ("cna", "mut")}


class TokenEmbedding(nn.Module):
    """(N, G) scalars -> (N, G, d) tokens with one shared Linear(1 -> d)."""

    def __init__(self, d_model: int):
        super().__init__()
        self.proj = nn.Linear(1, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2:
            raise ValueError(f"expected (N, G) input, got {tuple(x.shape)}")
        return self.proj(x.unsqueeze(-1))


class DropPath(nn.Module):
    """Stochastic depth: drop a whole residual branch per sample with probability ``p`` (training only)."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError("DropPath p must be in [0, 1)")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p)


class LayerScale(nn.Module):
    """Learnable per-channel scale of a residual branch, initialised small (Touvron et al. 2021)."""

    def __init__(self, d_model: int, init: float = 1e-4):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((d_model,), float(init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


class GLUFeedForward(nn.Module):
    """Position-wise feed-forward with a GELU-gated linear unit: W2(drop(a * gelu(b)))."""

    def __init__(self, d_model: int, hidden: int, dropout: float = 0.1):
        super().__init__()
        self.w1 = nn.Linear(d_model, 2 * hidden)
        self.w2 = nn.Linear(hidden, d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.w1(x).chunk(2, dim=-1)
        return self.drop(self.w2(self.drop(a * F.gelu(b))))


class _Block(nn.Module):
    def __init__(self, d_model, n_heads, ffn_hidden, dropout, drop_path, layerscale_init):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model {d_model} not divisible by n_heads {n_heads}")
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.ls1, self.ls2 = LayerScale(d_model, layerscale_init), LayerScale(d_model, layerscale_init)
        self.norm2 = nn.LayerNorm(d_model)
        self.ffn = GLUFeedForward(d_model, ffn_hidden, dropout)
        self.drop_path = DropPath(drop_path)

    def _ffn(self, x):
        return x + self.drop_path(self.ls2(self.ffn(self.norm2(x))))


class TransformerBlock(_Block):
    """Pre-norm self-attention block: x + DP(LS(MHA(LN x))), then x + DP(LS(FFN(LN x)))."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.drop_path(self.ls1(self.attn(h, h, h, need_weights=False)[0]))
        return self._ffn(x)


class CrossAttentionBlock(_Block):
    """Same block with cross-attention (query = expression tokens, key/value = context tokens).

    Returns the enrichment ``A`` = block output minus its query input, so the
    caller adds it to ``E`` through a gate.
    """

    def __init__(self, d_model, n_heads, ffn_hidden, dropout, drop_path, layerscale_init):
        super().__init__(d_model, n_heads, ffn_hidden, dropout, drop_path, layerscale_init)
        self.norm_ctx = nn.LayerNorm(d_model)

    def forward(self, query: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        c = self.norm_ctx(context)
        x = query + self.drop_path(self.ls1(self.attn(self.norm1(query), c, c, need_weights=False)[0]))
        return self._ffn(x) - query


class ModalityEncoder(nn.Module):
    """Token embedding + one self-attention block for one modality, with the Stage-1 heads:
    a masked-value reconstruction head (d -> 1) and an auxiliary classifier on mean-pooled tokens."""

    def __init__(self, d_model: int, n_heads: int, ffn_hidden: int, dropout: float, drop_path: float,
                 layerscale_init: float, n_classes: int, n_features: int | None = None):
        super().__init__()
        self.embed = TokenEmbedding(d_model)
        self.mask_token = nn.Parameter(torch.zeros(d_model))
        self.block = TransformerBlock(d_model, n_heads, ffn_hidden, dropout, drop_path, layerscale_init)
        self.recon = nn.Linear(d_model, 1)
        self.aux = nn.Linear(d_model, n_classes)
        #: learned per-feature identity embedding (ablation; None = the paper's encoder)
        self.identity = None if n_features is None else nn.Parameter(0.02 * torch.randn(n_features, d_model))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """(N, G) -> (N, G, d); positions where ``mask`` is True get the learnable mask token
        (plus the feature's identity embedding when the encoder has one)."""
        tok = self.embed(x)
        if mask is not None:
            tok = torch.where(mask.unsqueeze(-1), self.mask_token.to(tok.dtype), tok)
        if self.identity is not None:
            if x.shape[1] != self.identity.shape[0]:
                raise ValueError(f"encoder has {self.identity.shape[0]} feature identities, input has {x.shape[1]}")
            tok = tok + self.identity.to(tok.dtype)
        return self.block(tok)


class CrossModalFusion(nn.Module):
    """Gated cross-modal enrichment of expression tokens (Stage 2)."""

    def __init__(self, d_model: int, n_heads: int, ffn_hidden: int, dropout: float, drop_path: float,
                 layerscale_init: float, n_classes: int, variant: str = "EXP+CNA+MUT", gate_init: float = 0.0):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {list(VARIANTS)}, got {variant!r}")
        self.variant, self.contexts = variant, VARIANTS[variant]
        kw = dict(d_model=d_model, n_heads=n_heads, ffn_hidden=ffn_hidden, dropout=dropout,
                  drop_path=drop_path, layerscale_init=layerscale_init)
        self.cross = nn.ModuleDict({m: CrossAttentionBlock(**kw) for m in self.contexts})
        #: gate logits a (CNA) and b (MUT); the gates are sigmoid(logit)
        self.gate_logits = nn.ParameterDict({m: nn.Parameter(torch.tensor(float(gate_init))) for m in self.contexts})
        self.query_mask = nn.Parameter(torch.zeros(d_model))
        self.aux = nn.Linear(d_model, n_classes)

    def gates(self) -> dict[str, float]:
        return {m: float(torch.sigmoid(p.detach())) for m, p in self.gate_logits.items()}

    def forward(self, E: torch.Tensor, contexts: dict[str, torch.Tensor] | None = None,
                query_mask: torch.Tensor | None = None, keep: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """``E`` (N, G, d); ``contexts`` {'cna': (N, Gc, d), 'mut': (N, Gm, d)}; ``query_mask`` (N, G)
        bool replaces query tokens by a mask vector; ``keep`` {'cna': (N,)} 0/1 per-sample
        modality dropout of that enrichment. Returns E' (N, G, d)."""
        contexts = contexts or {}
        missing = [m for m in self.contexts if m not in contexts]
        if missing:
            raise ValueError(f"variant {self.variant} needs contexts {missing}")
        q = E if query_mask is None else torch.where(query_mask.unsqueeze(-1), self.query_mask.to(E.dtype), E)
        out = q
        for m in self.contexts:
            A = self.cross[m](q, contexts[m])
            if keep is not None and m in keep:
                A = A * keep[m].view(-1, 1, 1).to(A.dtype)
            out = out + torch.sigmoid(self.gate_logits[m]) * A
        return out


class ResidualMLP(nn.Module):
    """p1's classifier on the flattened enriched tensor:
    in -> H (BN, ReLU, Dropout 0.2) = r; H -> H/2 (BN, ReLU, Dropout 0.1) -> H (BN); + r; ReLU; -> C."""

    def __init__(self, in_dim: int, n_classes: int = 4, hidden: int = 128, bottleneck: int = 64,
                 dropout1: float = 0.2, dropout2: float = 0.1, input_dropout: float = 0.0):
        super().__init__()
        self.input_dropout = nn.Dropout(input_dropout)
        self.block1 = nn.Sequential(nn.Linear(in_dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout1))
        self.down = nn.Sequential(nn.Linear(hidden, bottleneck), nn.BatchNorm1d(bottleneck), nn.ReLU(),
                                  nn.Dropout(dropout2))
        self.up = nn.Sequential(nn.Linear(bottleneck, hidden), nn.BatchNorm1d(hidden))
        self.out = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.block1(self.input_dropout(x.flatten(1)))
        return self.out(F.relu(self.up(self.down(r)) + r))


class CrossModalClassifier(nn.Module):
    """The whole model end to end (used for shape checks and the throughput benchmark; the
    experiment trains its parts stage by stage)."""

    def __init__(self, n_exp: int, n_cna: int, n_mut: int, variant: str = "EXP+CNA+MUT", n_classes: int = 4,
                 d_model: int = 128, n_heads: int = 4, ffn_hidden: int = 512, dropout: float = 0.1,
                 drop_path: float = 0.05, layerscale_init: float = 1e-4, hidden: int = 128):
        super().__init__()
        kw = dict(d_model=d_model, n_heads=n_heads, ffn_hidden=ffn_hidden, dropout=dropout,
                  drop_path=drop_path, layerscale_init=layerscale_init, n_classes=n_classes)
        self.encoders = nn.ModuleDict({"exp": ModalityEncoder(**kw)})
        for m in VARIANTS[variant]:
            self.encoders[m] = ModalityEncoder(**kw)
        self.fusion = CrossModalFusion(variant=variant, **kw)
        self.head = ResidualMLP(n_exp * d_model, n_classes, hidden, hidden // 2)

    def forward(self, exp: torch.Tensor, cna: torch.Tensor | None = None, mut: torch.Tensor | None = None):
        E = self.encoders["exp"](exp)
        ctx = {m: self.encoders[m](x) for m, x in (("cna", cna), ("mut", mut)) if m in self.encoders}
        return self.head(self.fusion(E, ctx))
