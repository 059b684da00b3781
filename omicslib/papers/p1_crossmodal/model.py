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

How attention is computed (the function is nn.MultiheadAttention's, with its weights and state_dict keys):
binary mutations and integer CNA levels give each sample only a few distinct tokens, so their blocks attend
over the distinct rows with their multiplicities (:class:`GroupedTokens`, :func:`grouped_attention`; attention
dropout as Binomial counts of kept weights, the same distribution as element-wise dropout); other tokens go
through ``F.scaled_dot_product_attention``, or on a CPU in training with dropout through a blockwise kernel
that stores only the dropout mask (:class:`_ChunkedDropoutAttention`). ``tests/papers/p1_crossmodal/
test_p1_attention_equiv.py`` checks outputs and gradients against nn.MultiheadAttention.
"""

from __future__ import annotations

from typing import NamedTuple

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


class GroupedTokens(NamedTuple):
    """Tokens of which each sample has only a few distinct ones (binary mutations, integer CNA levels):
    ``table`` (1 or N, U, d) the distinct token vectors, ``types`` (N, G) each token's row of the table,
    ``counts`` (N, U) how many tokens of each sample have that row (0 = a padding row). ``expand()``
    gives the (N, G, d) tokens themselves."""

    table: torch.Tensor
    types: torch.Tensor
    counts: torch.Tensor

    def expand(self) -> torch.Tensor:
        n, g = self.types.shape
        t = self.table.expand(n, -1, -1)
        return t.gather(1, self.types.unsqueeze(-1).expand(n, g, t.shape[-1]))


#: The grouped path is used when a sample has at most this many distinct tokens, and at most
#: a quarter of its token count (below that, attention over the tokens themselves costs little).
MAX_GROUPS = 32


def _use_groups(n_groups: int, n_tokens: int) -> bool:
    return n_groups <= MAX_GROUPS and 4 * n_groups <= n_tokens


def group_scalar_tokens(x: torch.Tensor, embed: nn.Module, mask: torch.Tensor | None = None,
                        mask_token: torch.Tensor | None = None) -> GroupedTokens | None:
    """Group the tokens of (N, G) scalars ``x`` embedded by ``embed`` (one Linear(1 -> d) for every
    scalar): a scalar value is one token vector, so the table holds the embeddings of the batch's
    distinct values (plus ``mask_token`` where ``mask`` is True). None when there are too many values."""
    if x.ndim != 2 or x.shape[1] < 4:
        return None
    vals = torch.unique(x[0])
    if not _use_groups(vals.numel() + (mask is not None), x.shape[1]):
        return None
    vals = torch.unique(x)
    u = vals.numel()
    if not _use_groups(u + (mask is not None), x.shape[1]) or bool(torch.isnan(vals).any()):
        return None
    types = torch.searchsorted(vals, x.contiguous())
    table = embed(vals.unsqueeze(0))                                    # (1, U, d)
    if mask is not None:
        types = torch.where(mask, u, types)
        table = torch.cat([table, mask_token.to(table.dtype).view(1, 1, -1)], dim=1)
    counts = torch.zeros(x.shape[0], table.shape[1], dtype=table.dtype, device=x.device)
    counts.scatter_add_(1, types, torch.ones_like(types, dtype=table.dtype))
    return GroupedTokens(table, types, counts)


@torch.no_grad()
def group_rows(x: torch.Tensor) -> GroupedTokens | None:
    """Group the equal rows of each sample of (N, G, d) tokens that carry no gradient (the stage-1
    embeddings of binary mutations that stage 2 attends to). Rows are matched by a float64 projection
    and the grouping is accepted only if it reproduces ``x`` exactly; None when it does not pay."""
    n, g, d = x.shape
    if g < 4 or x.requires_grad:
        return None
    r = torch.randn(d, generator=torch.Generator().manual_seed(0), dtype=torch.float64).to(x.device)
    h, order = (x.double() @ r).sort(1)
    new = torch.ones_like(h, dtype=torch.long)
    new[:, 1:] = (h[:, 1:] != h[:, :-1]).long()
    gid = new.cumsum(1) - 1
    u = int(gid[:, -1].max()) + 1
    if not _use_groups(u, g):
        return None
    types = torch.empty_like(gid).scatter_(1, order, gid)
    first = torch.zeros(n, u, dtype=torch.long, device=x.device).scatter_(1, gid, order)
    table = x.gather(1, first.unsqueeze(-1).expand(n, u, d))
    counts = torch.zeros(n, u, dtype=x.dtype, device=x.device).scatter_add_(1, types, torch.ones_like(h, dtype=x.dtype))
    grouped = GroupedTokens(table, types, counts)
    return grouped if torch.equal(grouped.expand(), x) else None


def _heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    b, length, d = x.shape
    return x.view(b, length, n_heads, d // n_heads).transpose(1, 2)


def _merge(x: torch.Tensor) -> torch.Tensor:
    b, h, length, dh = x.shape
    return x.transpose(1, 2).reshape(b, length, h * dh)


#: attention weights per block of :class:`_ChunkedDropoutAttention`: 2^18 float32 weights (1 MB) stay in a core's
#: cache between the score matmul, the softmax and the weighted sum; 16 MB blocks spilled to memory in between
#: and ran slower on two cores.
ATTENTION_BLOCK = 2 ** 18


def _blocks(b: int, lq: int, lk: int):
    """Blocks of (batch x head) rows and query rows holding about :data:`ATTENTION_BLOCK` weights each: whole
    query ranges of several batch rows when a row's Lq x Lk weights fit, else query chunks of one batch row, so
    that every block of q, the output and the mask is a contiguous slice."""
    rows = max(1, ATTENTION_BLOCK // max(1, lk))              # query rows per block
    if rows >= lq:
        nb = max(1, rows // max(1, lq))
        return [(slice(i, i + nb), slice(0, lq)) for i in range(0, b, nb)]
    return [(slice(i, i + 1), slice(j, j + rows)) for i in range(b) for j in range(0, lq, rows)]


class _ChunkedDropoutAttention(torch.autograd.Function):
    """softmax(q k^T / sqrt(dh)) with dropout on the weights, times v, over blocks of about
    :data:`ATTENTION_BLOCK` weights: the (N, H, Lq, Lk) weights never exist at once, only the dropped/kept mask
    is stored (one byte per weight) and the backward pass recomputes each block's weights from q, k and the
    block's log-sum-exp. q, k and v are made contiguous once, as (N x H, L, dh), so that every block is a slice
    that the batched matmuls read in place. A weight is dropped where a uniform draw is below ``p`` (kept with
    probability 1 - p, as ``bernoulli_(1 - p)``, at a fraction of its cost) and zeroed by ``masked_fill``.
    ``keep`` (bool, the mask) overrides the draw (tests)."""

    @staticmethod
    def forward(ctx, q, k, v, p: float, keep: torch.Tensor | None = None):
        n, h, lq, dh = q.shape
        lk, b = k.shape[2], n * h
        scale = dh ** -0.5
        q3, k3, v3 = (t.reshape(b, t.shape[2], t.shape[3]).contiguous() for t in (q, k, v))
        out, lse = q3.new_empty(b, lq, v.shape[3]), q3.new_empty(b, lq, 1)
        drop = torch.empty(b, lq, lk, dtype=torch.bool, device=q.device) if keep is None \
            else keep.reshape(b, lq, lk).logical_not()
        for rb, rq in _blocks(b, lq, lk):
            s = torch.bmm(q3[rb, rq], k3[rb].transpose(1, 2)).mul_(scale)
            m = torch.logsumexp(s, -1, keepdim=True)
            lse[rb, rq] = m
            w = s.sub_(m).exp_()
            if keep is None:
                torch.lt(torch.rand_like(w), p, out=drop[rb, rq])
            torch.bmm(w.masked_fill_(drop[rb, rq], 0.0), v3[rb], out=out[rb, rq])
        out.mul_(1 / (1 - p))
        ctx.save_for_backward(q3, k3, v3, lse, drop)
        ctx.p = p
        return out.view(n, h, lq, v.shape[3])

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dout):
        q3, k3, v3, lse, drop = ctx.saved_tensors
        b, lq, dh = q3.shape
        lk = k3.shape[1]
        scale, c = dh ** -0.5, 1 / (1 - ctx.p)
        d3 = dout.reshape(b, lq, dout.shape[3]).contiguous()
        dq, dk, dv = torch.empty_like(q3), torch.zeros_like(k3), torch.zeros_like(v3)
        # dk and dv accumulate bmm products with += rather than an in-place baddbmm_, which torch's FLOP counter
        # (the benchmark's and the rehearsal's GPU projection) does not count; the extra add is over (L, dh) only
        for rb, rq in _blocks(b, lq, lk):
            qb, kb, db, mb = q3[rb, rq], k3[rb], d3[rb, rq], drop[rb, rq]
            w = torch.bmm(qb, kb.transpose(1, 2)).mul_(scale).sub_(lse[rb, rq]).exp_()   # softmax weights
            dw = torch.bmm(db, v3[rb].transpose(1, 2)).masked_fill_(mb, 0.0)
            dv[rb] += torch.bmm(w.masked_fill(mb, 0.0).transpose(1, 2), db)
            ds = dw.sub_((dw * w).sum(-1, keepdim=True)).mul_(w).mul_(c * scale)
            torch.bmm(ds, kb, out=dq[rb, rq])
            dk[rb] += torch.bmm(ds.transpose(1, 2), qb)
        n, h = dout.shape[:2]
        return dq.view(n, h, lq, dh), dk.view(n, h, lk, dh), dv.mul_(c).view(n, h, lk, v3.shape[2]), None, None


def _sdpa(q, k, v, p: float) -> torch.Tensor:
    """F.scaled_dot_product_attention; with dropout on a CPU (whose fused kernels have none and whose
    fallback materialises every weight twice) :class:`_ChunkedDropoutAttention`."""
    if p > 0 and q.device.type == "cpu":
        return _ChunkedDropoutAttention.apply(q, k, v, p)
    return F.scaled_dot_product_attention(q, k, v, dropout_p=p)


def attention(attn: nn.MultiheadAttention, query: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
    """``attn(query, context, context, need_weights=False)[0]`` (self-attention when ``context`` is None)
    with ``attn``'s own weights through ``F.scaled_dot_product_attention`` (fused kernels where the backend
    has them; dropout ``attn.dropout`` on the attention weights in training, as nn.MultiheadAttention; on a
    CPU, dropout through :class:`_ChunkedDropoutAttention`)."""
    w, b, h = attn.in_proj_weight, attn.in_proj_bias, attn.num_heads
    if context is None:
        q, k, v = F.linear(query, w, b).chunk(3, dim=-1)
    else:
        wq, wkv = w.split([attn.embed_dim, 2 * attn.embed_dim])
        bq, bkv = b.split([attn.embed_dim, 2 * attn.embed_dim])
        q = F.linear(query, wq, bq)
        k, v = F.linear(context, wkv, bkv).chunk(2, dim=-1)
    p = attn.dropout if attn.training else 0.0
    out = _sdpa(_heads(q, h), _heads(k, h), _heads(v, h), p)
    return attn.out_proj(_merge(out))


def grouped_attention(attn: nn.MultiheadAttention, query: torch.Tensor, context: GroupedTokens,
                      query_types: torch.Tensor | None = None, keep_counts: torch.Tensor | None = None) -> torch.Tensor:
    """:func:`attention` of ``query`` to the tokens of ``context``, computed on its distinct rows only.

    A key of multiplicity n enters the softmax as n equal terms: logit + log n. ``query`` is (1 or N, Lq, d):
    the query tokens themselves, or with ``query_types`` (N, G) the distinct query rows of a grouped
    self-attention. Attention dropout (training, ``attn.dropout`` > 0) keeps each of the n weights of a
    (query token, key row) pair independently with probability 1 - p, so the number kept is drawn
    Binomial(n, 1 - p) per query token, head and key row (``keep_counts`` (N, H, G or Lq, U) overrides the
    draw: the tests pass the counts of an element-wise mask). Returns (N, Lq, d) per query row without
    dropout, else (N, G, d) per query token."""
    w, b, h = attn.in_proj_weight, attn.in_proj_bias, attn.num_heads
    wq, wk, wv = w.chunk(3)
    bq, bk, bv = b.chunk(3)
    q, k, v = _heads(F.linear(query, wq, bq), h), _heads(F.linear(context.table, wk, bk), h), \
        _heads(F.linear(context.table, wv, bv), h)
    counts = context.counts[:, None, None, :]                            # (N, 1, 1, U)
    s = (q @ k.transpose(-2, -1)) * q.shape[-1] ** -0.5                  # (B, H, Lq, U)
    s = s - torch.logsumexp(s + counts.log(), dim=-1, keepdim=True)       # log weight of one key token
    p = attn.dropout if attn.training else 0.0
    if p == 0 and keep_counts is None:
        out = (s.exp() * counts) @ v                                     # (N, H, Lq, dh)
    else:
        weights = s.exp()
        if query_types is not None:                                      # one row per query token
            n, g = query_types.shape
            weights = weights.expand(n, h, -1, -1).gather(2, query_types[:, None, :, None].expand(n, h, g, s.shape[-1]))
        if keep_counts is None:
            full = counts.expand_as(weights).contiguous()
            keep_counts = torch.binomial(full, torch.full_like(full, 1 - p))
        out = (weights * keep_counts / (1 - p)) @ v
    return attn.out_proj(_merge(out))


class _Block(nn.Module):
    def __init__(self, d_model, n_heads, ffn_hidden, dropout, drop_path, layerscale_init):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model {d_model} not divisible by n_heads {n_heads}")
        self.norm1 = nn.LayerNorm(d_model)
        #: holds the attention weights (state_dict keys of nn.MultiheadAttention); run by :func:`attention`
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.ls1, self.ls2 = LayerScale(d_model, layerscale_init), LayerScale(d_model, layerscale_init)
        self.norm2 = nn.LayerNorm(d_model)
        self.ffn = GLUFeedForward(d_model, ffn_hidden, dropout)
        self.drop_path = DropPath(drop_path)

    def _ffn(self, x):
        return x + self.drop_path(self.ls2(self.ffn(self.norm2(x))))


class TransformerBlock(_Block):
    """Pre-norm self-attention block: x + DP(LS(MHA(LN x))), then x + DP(LS(FFN(LN x))).

    Given :class:`GroupedTokens` (a sample's tokens take a few distinct values) the same function is
    computed on the distinct rows: attention costs N x U x U (x G with dropout) instead of N x G x G."""

    def forward(self, x: torch.Tensor | GroupedTokens) -> torch.Tensor:
        if isinstance(x, GroupedTokens):
            return self._grouped(x)
        h = self.norm1(x)
        x = x + self.drop_path(self.ls1(attention(self.attn, h)))
        return self._ffn(x)

    def _grouped(self, g: GroupedTokens) -> torch.Tensor:
        h = GroupedTokens(self.norm1(g.table), g.types, g.counts)
        a = grouped_attention(self.attn, h.table, h, query_types=g.types)
        if self.attn.training and self.attn.dropout > 0:
            return self._ffn(g.expand() + self.drop_path(self.ls1(a)))   # one output per token already
        x = GroupedTokens(g.table + self.drop_path(self.ls1(a)), g.types, g.counts)  # (N, U, d)
        if self.training:   # element-wise dropout in the feed-forward: every token its own
            return self._ffn(x.expand())
        return GroupedTokens(self._ffn(x.table), g.types, g.counts).expand()


class CrossAttentionBlock(_Block):
    """Same block with cross-attention (query = expression tokens, key/value = context tokens).

    Returns the enrichment ``A`` = block output minus its query input, so the
    caller adds it to ``E`` through a gate. Context tokens without gradient whose samples hold few
    distinct rows (stage-1 mutation embeddings) are attended to through :func:`grouped_attention`.
    """

    def __init__(self, d_model, n_heads, ffn_hidden, dropout, drop_path, layerscale_init):
        super().__init__(d_model, n_heads, ffn_hidden, dropout, drop_path, layerscale_init)
        self.norm_ctx = nn.LayerNorm(d_model)

    def forward(self, query: torch.Tensor, context: torch.Tensor | GroupedTokens) -> torch.Tensor:
        if not isinstance(context, GroupedTokens):
            context = group_rows(context) or context
        if isinstance(context, GroupedTokens):
            c = GroupedTokens(self.norm_ctx(context.table), context.types, context.counts)
            a = grouped_attention(self.attn, self.norm1(query), c)
        else:
            a = attention(self.attn, self.norm1(query), self.norm_ctx(context))
        x = query + self.drop_path(self.ls1(a))
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
        if self.identity is None:
            grouped = group_scalar_tokens(x, self.embed, mask, self.mask_token)
            if grouped is not None:     # binary / few-level features: attention over distinct tokens
                return self.block(grouped)
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
