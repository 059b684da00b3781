"""p5: contrastive and Cox losses against hand formulas and reference implementations."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from lifelines import CoxPHFitter
from lifelines.utils import concordance_index

from omicslib import metrics
from omicslib.nn.losses.clip import ClipLoss, info_nce, retrieval_accuracy
from omicslib.nn.losses.survival import cox_ph_loss


def test_info_nce_matches_hand_formula():
    a = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = torch.tensor([[1.0, 0.2], [0.1, 1.0], [-1.0, 1.0]])
    tau = 0.5
    an = a / a.norm(dim=1, keepdim=True)
    bn = b / b.norm(dim=1, keepdim=True)
    s = (an @ bn.T).numpy() / tau
    rows = -np.mean([s[i, i] - math.log(np.exp(s[i]).sum()) for i in range(3)])
    cols = -np.mean([s[i, i] - math.log(np.exp(s[:, i]).sum()) for i in range(3)])
    assert info_nce(a, b, tau).item() == pytest.approx((rows + cols) / 2, rel=1e-6)
    assert rows != pytest.approx(cols)  # the two directions differ, so symmetrisation matters


def test_info_nce_symmetric_and_low_for_aligned_pairs():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(8, 4, generator=g), torch.randn(8, 4, generator=g)
    assert info_nce(a, b).item() == pytest.approx(info_nce(b, a).item(), rel=1e-6)
    assert info_nce(a, a, 0.05).item() < info_nce(a, b, 0.05).item()
    assert retrieval_accuracy(a, a) == 1.0


def test_info_nce_rejects_bad_shapes():
    with pytest.raises(ValueError):
        info_nce(torch.randn(4, 3), torch.randn(5, 3))
    with pytest.raises(ValueError):
        info_nce(torch.randn(1, 3), torch.randn(1, 3))
    with pytest.raises(ValueError):
        ClipLoss(temperature=0)


def test_clip_loss_learnable_temperature_gets_gradient():
    loss_fn = ClipLoss(0.1, learnable=True)
    assert float(loss_fn.temperature.detach()) == pytest.approx(0.1)
    loss_fn(torch.randn(6, 3), torch.randn(6, 3)).backward()
    assert loss_fn.log_scale.grad is not None and loss_fn.log_scale.grad != 0


def _toy_survival(n=40, seed=0, tied=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    t = rng.exponential(1 / np.exp(0.7 * x[:, 0] - 0.4 * x[:, 1]))
    if tied:
        t = np.ceil(t * 4) / 4  # coarse grid: many tied event times
    e = (rng.random(n) < 0.7).astype(int)
    return x, t, e


def test_cox_loss_equals_lifelines_partial_likelihood_without_ties():
    x, t, e = _toy_survival()
    assert len(np.unique(t)) == len(t)
    df = pd.DataFrame(x, columns=["a", "b"]).assign(T=t, E=e)
    cph = CoxPHFitter().fit(df, "T", "E")
    eta = torch.tensor(x @ cph.params_.to_numpy())
    nll = cox_ph_loss(eta, torch.tensor(t), torch.tensor(e), reduction="sum")
    assert -nll.item() == pytest.approx(cph.log_likelihood_, rel=1e-6)
    assert cox_ph_loss(eta, torch.tensor(t), torch.tensor(e)).item() == pytest.approx(nll.item() / e.sum())


def test_cox_loss_with_ties_is_breslow():
    from statsmodels.duration.hazard_regression import PHReg

    x, t, e = _toy_survival(60, seed=1, tied=True)
    assert len(np.unique(t)) < len(t) / 2
    beta = np.array([0.5, -0.3])
    nll = cox_ph_loss(torch.tensor(x @ beta), torch.tensor(t), torch.tensor(e), reduction="sum").item()
    assert -nll == pytest.approx(PHReg(t, x, status=e, ties="breslow").loglike(beta), rel=1e-8)
    # lifelines uses Efron's correction, which differs once times are tied
    df = pd.DataFrame(x, columns=["a", "b"]).assign(T=t, E=e)
    cph = CoxPHFitter().fit(df, "T", "E")
    eta = torch.tensor(x @ cph.params_.to_numpy())
    breslow = -cox_ph_loss(eta, torch.tensor(t), torch.tensor(e), reduction="sum").item()
    assert breslow < cph.log_likelihood_ - 1e-3


def test_cox_loss_edge_cases_and_gradient():
    risk = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
    zero = cox_ph_loss(risk, torch.tensor([1.0, 2.0, 3.0]), torch.zeros(3))
    assert zero.item() == 0.0
    zero.backward()
    assert torch.equal(risk.grad, torch.zeros(3))
    # one event among three at risk: -(r0 - log sum exp r)
    one = cox_ph_loss(risk, torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0, 0]))
    assert one.item() == pytest.approx(-(0.1 - math.log(sum(math.exp(v) for v in (0.1, -0.2, 0.3)))), rel=1e-6)
    with pytest.raises(ValueError):
        cox_ph_loss(torch.zeros(3), torch.zeros(2), torch.zeros(3))
    with pytest.raises(ValueError):
        cox_ph_loss(torch.zeros(3), torch.zeros(3), torch.zeros(3), reduction="max")


def test_concordance_matches_lifelines_and_pair_count():
    x, t, e = _toy_survival(30, seed=2)
    risk = x[:, 0] + 0.1 * np.random.default_rng(3).normal(size=30)
    ours = metrics.concordance(t, risk, e)
    assert ours == pytest.approx(concordance_index(t, -risk, e))
    conc = total = 0.0
    for i in range(30):
        for j in range(30):
            if e[i] and t[i] < t[j]:
                total += 1
                conc += 1.0 if risk[i] > risk[j] else 0.5 if risk[i] == risk[j] else 0.0
    assert ours == pytest.approx(conc / total)
