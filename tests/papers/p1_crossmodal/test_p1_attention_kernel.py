"""p1's blockwise dropout-attention kernel against the previous kernel's mathematics, and its dropout in
distribution.

Oracle 1: :func:`_previous_kernel`, the kernel as it was before it was rewritten (query chunks of 2^22 weights over
(N, H) batches, the mask drawn by ``bernoulli_(1 - p)`` and applied as a float cast), kept here as plain autograd
code: given the same kept/dropped mask, output and gradients must agree in float64 to rounding (the only
differences are the grouping of the sums over query blocks, ~1e-16 relative).

Oracle 2: the binomial distribution. Each weight is kept with probability 1 - p independently, so the count of
kept weights out of n is Binomial(n, 1 - p): the observed rate must lie within 5 standard deviations
(sqrt(p (1 - p) / n)) of 1 - p; and the kept weights are rescaled by 1 / (1 - p), so with v = identity every
output entry is either 0 or its softmax weight / (1 - p).
"""

import math

import pytest
import torch

from omicslib.papers.p1_crossmodal import model as M

P = 0.3


def _previous_kernel(q, k, v, p, keep, block=2 ** 22):
    """The previous forward: query chunks of ``block`` weights over all (N, H), softmax by log-sum-exp, the mask
    multiplied in as floats, the output rescaled by 1 / (1 - p). Autograd gives its gradients."""
    n, h, lq, dh = q.shape
    step = max(1, block // max(1, n * h * k.shape[2]))
    outs = []
    for i in range(0, lq, step):
        s = (q[:, :, i:i + step] @ k.transpose(-2, -1)) * dh ** -0.5
        w = (s - torch.logsumexp(s, -1, keepdim=True)).exp()
        outs.append((w * keep[:, :, i:i + step].to(w.dtype)) @ v)
    return torch.cat(outs, 2) / (1 - p)


def _inputs(n=3, h=2, lq=20, lk=33, dh=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(n, h, lq, dh, generator=g, dtype=torch.float64)
    k, v = (torch.randn(n, h, lk, dh, generator=g, dtype=torch.float64) for _ in range(2))
    keep = torch.rand(n, h, lq, lk, generator=g) >= P
    return [t.requires_grad_() for t in (q, k, v)], keep


@pytest.mark.parametrize("block", [2 ** 18, 2 * 20 * 33, 7 * 33, 5])
def test_kernel_equals_previous_kernel_with_the_same_mask_float64(monkeypatch, block):
    """Blocks of several batch rows, of one row, of 7 query rows and of one query row: same output and gradients."""
    monkeypatch.setattr(M, "ATTENTION_BLOCK", block)
    (q, k, v), keep = _inputs()
    # the transposed views that _heads() hands the kernel (not contiguous)
    qt, kt, vt = (t.transpose(1, 2).contiguous().transpose(1, 2) for t in (q, k, v))
    assert not qt.is_contiguous()
    out = M._ChunkedDropoutAttention.apply(qt, kt, vt, P, keep)
    want = _previous_kernel(q, k, v, P, keep)
    torch.testing.assert_close(out, want, rtol=1e-13, atol=1e-15)
    g = torch.randn_like(out)
    for a, b in zip(torch.autograd.grad(out, (q, k, v), g), torch.autograd.grad(want, (q, k, v), g)):
        torch.testing.assert_close(a, b, rtol=1e-13, atol=1e-14)


def test_blocks_cover_every_weight_once_in_contiguous_slices(monkeypatch):
    for block, (b, lq, lk) in [(2 ** 18, (6, 20, 33)), (100, (6, 20, 33)), (40, (2, 9, 7)), (1, (2, 3, 4))]:
        monkeypatch.setattr(M, "ATTENTION_BLOCK", block)
        seen = torch.zeros(b, lq, dtype=torch.long)
        x = torch.zeros(b, lq, lk)
        for rb, rq in M._blocks(b, lq, lk):
            seen[rb, rq] += 1
            assert x[rb, rq].is_contiguous()
            assert x[rb, rq].numel() <= max(block, lk)    # a block never exceeds the target unless one row does
        assert (seen == 1).all()


def test_dropout_keep_rate_is_binomial_and_kept_weights_are_rescaled():
    torch.manual_seed(0)
    n, h, lq, lk = 4, 2, 64, 64
    q, k = torch.randn(n, h, lq, 8), torch.randn(n, h, lk, 8)
    v = torch.eye(lk).expand(n, h, lk, lk)          # out = the dropped-and-rescaled weights themselves
    out = M._ChunkedDropoutAttention.apply(q, k, v, P, None)
    w = torch.softmax(q @ k.transpose(-2, -1) / 8 ** 0.5, -1)
    kept = out != 0
    rate, total = kept.double().mean().item(), kept.numel()
    assert abs(rate - (1 - P)) < 5 * math.sqrt(P * (1 - P) / total)
    torch.testing.assert_close(out[kept], w[kept] / (1 - P))
    # the mask saved for the backward pass is the one the forward used: the gradient wrt v is zero exactly where
    # a weight was dropped
    vv = v.clone().requires_grad_()
    torch.manual_seed(1)
    o2 = M._ChunkedDropoutAttention.apply(q, k, vv, P, None)
    (gv,) = torch.autograd.grad(o2.sum(), vv)
    # with v = I, d sum(out) / d v[j, :] = sum over queries of kept weight (j) / (1 - p)
    torch.testing.assert_close(gv[..., 0], ((o2 != 0) * w / (1 - P)).sum(2))


def test_new_draws_each_call():
    torch.manual_seed(0)
    (q, k, v), _ = _inputs()
    a = M._ChunkedDropoutAttention.apply(q.detach(), k.detach(), v.detach(), P, None)
    b = M._ChunkedDropoutAttention.apply(q.detach(), k.detach(), v.detach(), P, None)
    assert not torch.equal(a, b)


def test_attention_compiles_without_graph_breaks():
    """The whole attention in training (projections, heads, the blockwise kernel) is one graph for
    torch.compile (``fullgraph=True`` raises at a graph break; the eager backend compiles nothing)."""
    torch.manual_seed(0)
    attn = torch.nn.MultiheadAttention(16, 2, dropout=0.1, batch_first=True).train()
    x = torch.randn(3, 10, 16)
    fn = torch.compile(lambda t: M.attention(attn, t), backend="eager", fullgraph=True)
    out = fn(x)
    assert out.shape == x.shape and torch.isfinite(out).all()
