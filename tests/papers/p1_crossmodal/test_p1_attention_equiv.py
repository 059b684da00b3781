"""p1 attention: the fused / grouped / chunked paths compute the same function (and gradients) as the
original nn.MultiheadAttention path, in train and eval mode.

The oracle is the original code path: every block calling ``nn.MultiheadAttention.forward`` on the full
(N, G, d) tokens (obtained by switching the new helpers off, see :func:`mha_path`), with the same weights.
Dropout on the attention weights draws different random numbers in the two paths, so it is compared
(a) with the attention dropout at 0 and everything else random (DropPath, feed-forward dropout) under the
same seed, (b) with an injected element-wise mask against an explicit oracle, and (c) in distribution.

Precision: both paths run in float64 and must agree to 1e-10. The grouped path sums the attention of a
distinct token times its count where the oracle sums every token, so in float32 the two differ by rounding
that depends on the CPU kernel's summation order (AVX-512, AVX2 and the scalar ``default`` kernels give
different last bits, up to ~3e-5 on gradients of magnitude 2); in float64 the same reorderings leave
differences of ~1e-15, so a tolerance of 1e-10 is portable and still catches any real mismatch, which is of
the order of the values themselves.
"""

import contextlib
import copy

import pytest
import torch
import torch.nn.functional as F

from omicslib.benchmarks.suite import mha_path  # the original nn.MultiheadAttention path, patched in
from omicslib.papers.p1_crossmodal import model as M

KW = dict(d_model=16, n_heads=2, ffn_hidden=32, dropout=0.1, drop_path=0.05, layerscale_init=0.5)

pytestmark = pytest.mark.numerics

#: float64 tolerance of the path comparisons (see the module docstring)
TOL = dict(rtol=1e-10, atol=1e-10)


def _f64(*inputs):
    """Floating-point tensors as float64 (boolean masks unchanged)."""
    return tuple(t.double() if torch.is_tensor(t) and t.is_floating_point() else t for t in inputs)


def _no_attention_dropout(model):
    for mod in model.modules():
        if isinstance(mod, torch.nn.MultiheadAttention):
            mod.dropout = 0.0
    return model


def _run(model, inputs, seed, oracle: bool):
    torch.manual_seed(seed)
    model.zero_grad()
    with mha_path() if oracle else contextlib.nullcontext():
        out = model(*inputs)
        (out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum().backward()
    return out.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def _assert_same(model, inputs, seed=0):
    """The new path and the oracle on a float64 copy of ``model`` and ``inputs`` (module docstring)."""
    model, inputs = copy.deepcopy(model).double(), _f64(*inputs)
    new = _run(model, inputs, seed, oracle=False)
    old = _run(model, inputs, seed, oracle=True)
    assert new[0].dtype == torch.float64
    torch.testing.assert_close(new[0], old[0], **TOL)
    assert new[1].keys() == old[1].keys() and new[1]
    for name in old[1]:
        torch.testing.assert_close(new[1][name], old[1][name], **TOL, msg=name)


def _binary(n, g, rate=0.15, seed=1):
    return (torch.rand(n, g, generator=torch.Generator().manual_seed(seed)) < rate).float()


@pytest.mark.parametrize("mode", ["eval", "train"])
@pytest.mark.parametrize("kind", ["binary", "levels", "continuous"])
def test_encoder_matches_multihead_attention(mode, kind):
    torch.manual_seed(0)
    enc = _no_attention_dropout(M.ModalityEncoder(n_classes=4, **KW))
    getattr(enc, mode)()
    n, g = 6, 40
    x = {"binary": _binary(n, g), "levels": torch.randint(-2, 3, (n, g)).float(), "continuous": torch.randn(n, g)}[kind]
    if kind != "continuous":   # the grouped path is the one tested, in float64 too
        assert M.group_scalar_tokens(x.double(), copy.deepcopy(enc.embed).double()) is not None
    mask = torch.rand(n, g) < 0.1
    mask[0, 0] = True
    for m in (None, mask):
        _assert_same(enc, (x, m))


def test_recon_head_and_identity_ablation_unchanged():
    torch.manual_seed(0)
    enc = M.ModalityEncoder(n_classes=4, n_features=30, **KW).eval()
    _assert_same(enc, (_binary(4, 30),))                           # identity embedding: not grouped


@pytest.mark.parametrize("mode", ["eval", "train"])
@pytest.mark.parametrize("grouped", [True, False])
def test_cross_attention_matches_multihead_attention(mode, grouped):
    torch.manual_seed(0)
    blk = _no_attention_dropout(M.CrossAttentionBlock(**KW))
    getattr(blk, mode)()
    q = torch.randn(5, 7, 16, requires_grad=True)
    if grouped:   # stage-1 embeddings of binary tokens: few distinct rows per sample, no gradient
        enc = M.ModalityEncoder(n_classes=4, **KW).eval()
        with torch.no_grad():
            ctx = enc(_binary(5, 48))
        assert M.group_rows(ctx.double()) is not None
    else:
        ctx = torch.randn(5, 48, 16)
        assert M.group_rows(ctx) is None
    _assert_same(blk, (q, ctx))


def test_group_rows_is_exact_or_declines():
    x = torch.randn(3, 40, 4)[:, :2].repeat_interleave(20, dim=1)   # two rows per sample
    g = M.group_rows(x)
    assert g is not None and g.counts.shape == (3, 2) and torch.equal(g.expand(), x)
    assert (g.counts.sum(1) == 40).all()
    assert M.group_rows(x.requires_grad_()) is None                 # never on tokens with a gradient


@pytest.mark.parametrize("mode", ["eval", "train"])
@pytest.mark.parametrize("variant", list(M.VARIANTS))
def test_whole_classifier_matches_and_loads_old_state_dict(mode, variant):
    torch.manual_seed(0)
    net = M.CrossModalClassifier(9, 6, 60, variant, d_model=16, n_heads=2, ffn_hidden=32, hidden=16)
    ref = net.state_dict()
    assert any(k.endswith("attn.in_proj_weight") for k in ref) and any(k.endswith("attn.out_proj.weight") for k in ref)
    net.load_state_dict(copy.deepcopy(ref))                         # same keys as nn.MultiheadAttention's
    getattr(_no_attention_dropout(net), mode)()
    x = (torch.randn(8, 9), torch.randint(-2, 3, (8, 6)).float(), _binary(8, 60, 0.05))
    _assert_same(net, x)


# --------------------------------------------------------------------------- dropout on the attention weights

def _explicit(q, k, v, keep, p):
    w = torch.softmax(q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5, -1)
    return (w * keep / (1 - p)) @ v


@pytest.mark.parametrize("block", [10**9, 7 * 2 * 33])   # one block, and blocks of 7 query rows
def test_chunked_dropout_attention_equals_explicit_with_the_same_mask(monkeypatch, block):
    monkeypatch.setattr(M, "ATTENTION_BLOCK", block)
    torch.manual_seed(0)
    q, k, v = (torch.randn(3, 2, 20, 8, dtype=torch.float64, requires_grad=True) for _ in range(3))
    keep = torch.rand(3, 2, 20, 33) > 0.3
    k2, v2 = (torch.randn(3, 2, 33, 8, dtype=torch.float64, requires_grad=True) for _ in range(2))
    out = M._ChunkedDropoutAttention.apply(q, k2, v2, 0.3, keep)
    want = _explicit(q, k2, v2, keep, 0.3)
    torch.testing.assert_close(out, want)
    g = torch.randn_like(out)
    for a, b in zip(torch.autograd.grad(out, (q, k2, v2), g), torch.autograd.grad(want, (q, k2, v2), g)):
        torch.testing.assert_close(a, b)
    assert torch.autograd.gradcheck(lambda *t: M._ChunkedDropoutAttention.apply(*t, 0.3, keep[..., :20]), (q, k, v))


@pytest.mark.parametrize("self_attention", [True, False])
def test_grouped_dropout_equals_elementwise_mask(self_attention):
    """Binomial counts of kept weights per (query, key row) = the counts of an element-wise mask: given the
    counts of the same mask, the grouped path returns the explicit attention's output and gradients."""
    torch.manual_seed(0)
    n, g, d, h, p = 4, 30, 16, 2, 0.2
    attn = torch.nn.MultiheadAttention(d, h, dropout=p, batch_first=True).double().train()
    x = _binary(n, g, 0.3)
    embed = torch.nn.Linear(1, d).double()
    table = embed(torch.tensor([[0.0], [1.0]], dtype=torch.float64)).unsqueeze(0)    # (1, 2, d)
    types = x.long()
    counts = torch.stack([(types == u).sum(1) for u in (0, 1)], 1).double()
    grouped = M.GroupedTokens(table, types, counts)
    tokens = grouped.expand()
    query = table if self_attention else torch.randn(n, 5, d, dtype=torch.float64)
    q_tok = tokens if self_attention else query
    keep = torch.rand(n, h, q_tok.shape[1], g) >= p
    keep_counts = torch.stack([(keep & (types == u)[:, None, None, :]).sum(-1) for u in (0, 1)], -1).double()
    out = M.grouped_attention(attn, query, grouped, query_types=types if self_attention else None,
                              keep_counts=keep_counts)
    wq, wk, wv = attn.in_proj_weight.chunk(3)
    bq, bk, bv = attn.in_proj_bias.chunk(3)
    hd = [M._heads(F.linear(t, w, b), h) for t, w, b in ((q_tok, wq, bq), (tokens, wk, bk), (tokens, wv, bv))]
    want = attn.out_proj(M._merge(_explicit(*hd, keep[:, :, :, :], p)))
    torch.testing.assert_close(out, want)
    params = [attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight, embed.weight, embed.bias]
    got = torch.autograd.grad(out.sum(), params, retain_graph=True)
    for a, b in zip(got, torch.autograd.grad(want.sum(), params)):
        torch.testing.assert_close(a, b)


def test_attention_dropout_has_the_same_distribution():
    """Mean and SD over draws of the train-mode block output: grouped Binomial draws vs nn.MultiheadAttention's
    element-wise dropout (and the chunked CPU path on continuous tokens)."""
    torch.manual_seed(0)
    kw = dict(KW, dropout=0.3, drop_path=0.0)
    enc = M.ModalityEncoder(n_classes=4, **kw).train()
    for mod in enc.modules():
        if isinstance(mod, torch.nn.Dropout):
            mod.p = 0.0                                        # only the attention weights' dropout is random
    reps = 3000
    for x in (_binary(1, 12, 0.3).expand(reps, 12), torch.randn(1, 12).expand(reps, 12)):
        with torch.no_grad():
            new = enc(x)
            with mha_path():
                old = enc(x)
        se = old.std(0) / reps ** 0.5
        assert ((new.mean(0) - old.mean(0)).abs() <= 5 * se + 1e-6).all()
        torch.testing.assert_close(new.std(0), old.std(0), rtol=0.15, atol=1e-5)
        assert old.std(0).max() > 1e-3                          # the dropout does something
