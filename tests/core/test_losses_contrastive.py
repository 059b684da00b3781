import math

import pytest
import torch
import torch.nn.functional as F

from omicslib.nn.losses.contrastive import cluster_loss, decoupled_contrastive, entropy_term, instance_loss


def _dcl_by_hand(z1, z2, tau):
    z1, z2 = F.normalize(z1, dim=1).numpy(), F.normalize(z2, dim=1).numpy()
    n, total = len(z1), 0.0
    for i in range(n):
        neg = sum(math.exp(z1[i] @ z1[j] / tau) + math.exp(z1[i] @ z2[j] / tau) for j in range(n) if j != i)
        total += -z1[i] @ z2[i] / tau + math.log(neg)
    return total / n


def test_decoupled_loss_matches_formula():
    g = torch.Generator().manual_seed(0)
    z1, z2 = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)
    for tau in (0.5, 1.0):
        assert float(decoupled_contrastive(z1, z2, tau)) == pytest.approx(_dcl_by_hand(z1, z2, tau), rel=1e-5)
    assert float(instance_loss(z1, z2, 0.5)) == pytest.approx(
        _dcl_by_hand(z1, z2, 0.5) + _dcl_by_hand(z2, z1, 0.5), rel=1e-5)


def test_positive_not_in_denominator():
    # two antipodal samples, views identical: each anchor has positive similarity 1 and two
    # negatives (its other-sample in both views) at similarity -1.
    z = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    tau = 0.5
    dcl = float(decoupled_contrastive(z, z, tau))
    assert dcl == pytest.approx(-2 / tau + math.log(2), rel=1e-6)  # log(2 e^{-1/tau}) - 1/tau
    infonce = -1 / tau + math.log(math.exp(1 / tau) + 2 * math.exp(-1 / tau))  # positive in the denominator
    assert abs(dcl - infonce) > 1.0
    # the loss is unbounded below as the positive grows (InfoNCE is >= 0)
    assert dcl < 0


def test_entropy_term():
    uniform = torch.full((6, 3), 1 / 3)
    assert float(entropy_term(uniform)) == pytest.approx(0.0, abs=1e-6)
    onehot = torch.zeros(6, 3)
    onehot[:, 0] = 1
    assert float(entropy_term(onehot)) == pytest.approx(math.log(3), abs=1e-5)
    c = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    p = c.sum(0) / c.sum()
    expected = math.log(2) + float((p * p.log()).sum())
    assert expected > 1e-3
    assert float(entropy_term(c)) == pytest.approx(expected, rel=1e-5)


def test_cluster_loss_parts():
    g = torch.Generator().manual_seed(1)
    c1 = torch.softmax(torch.randn(8, 3, generator=g), 1)
    c2 = torch.softmax(torch.randn(8, 3, generator=g), 1)
    total, parts = cluster_loss(c1, c2, temperature=1.0)
    v = F.normalize(torch.cat([c1.T, c2.T]), dim=1).numpy()
    ce = 0.0
    for i in range(6):
        pos = (i + 3) % 6
        den = sum(math.exp(v[i] @ v[j]) for j in range(6) if j != i)
        ce += -(v[i] @ v[pos]) + math.log(den)
    ce /= 6
    ent = float(entropy_term(c1) + entropy_term(c2))
    assert parts["cluster_ce"] == pytest.approx(ce, rel=1e-5)
    assert parts["entropy"] == pytest.approx(ent, rel=1e-5)
    assert float(total) == pytest.approx(ce + ent, rel=1e-5)


def test_bad_shapes_raise():
    with pytest.raises(ValueError):
        decoupled_contrastive(torch.randn(4, 2), torch.randn(3, 2))
    with pytest.raises(ValueError):
        cluster_loss(torch.ones(4, 1), torch.ones(4, 1))
