"""p2 models and CV protocol: shapes, gradient flow into both branches, metrics, no leakage."""

import numpy as np
import pytest
import torch

from omicslib.papers import p2_fusion as E
from omicslib.papers.p2_fusion import audit as A
from omicslib.papers.p2_fusion import model as F
from omicslib.papers.p2_fusion import protocol

KW = {"hidden": 16, "dim": 8, "dropout": 0.0}


def _batch(b=4, g=10, n=5, d=12, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(b, g, generator=gen), torch.rand(b, n, d, generator=gen), torch.tensor([0, 1, 0, 1][:b])


def assert_both_branches_learn(model, genes, bag, y, loss_step=None):
    norms = A.branch_gradients(model, genes, bag, y, loss_step)
    assert norms["gene"] > 0, f"no gradient reaches the gene branch: {norms}"
    assert norms["image"] > 0, f"no gradient reaches the image branch: {norms}"


@pytest.mark.parametrize("name", ["gene", "image", "concat", "late", "cross_attention", "concat_disconnected"])
def test_forward_shapes(name):
    g, b, _ = _batch()
    kw = dict(KW, heads=2) if name == "cross_attention" else KW
    out = F.build(name, n_genes=10, feat_dim=12, **kw)(g, b)
    assert out.shape == (4,) and torch.isfinite(out).all()


@pytest.mark.parametrize("name", ["concat", "late", "cross_attention"])
def test_gradient_reaches_both_branches(name):
    torch.manual_seed(0)
    g, b, y = _batch()
    kw = dict(KW, heads=2) if name == "cross_attention" else KW
    model = F.build(name, n_genes=10, feat_dim=12, **kw)
    assert_both_branches_learn(model, g, b, y, F.late_fusion_loss if name == "late" else None)


def test_gradient_check_catches_the_authors_disconnected_image_branch():
    torch.manual_seed(0)
    g, b, y = _batch()
    model = F.build("concat_disconnected", n_genes=10, feat_dim=12, **KW)
    assert A.branch_gradients(model, g, b, y)["image"] == 0.0
    with pytest.raises(AssertionError, match="image branch"):
        assert_both_branches_learn(model, g, b, y)
    # and its output does not depend on the image at all
    model.eval()
    torch.testing.assert_close(model(g, b), model(g, torch.rand_like(b)))


def test_late_fusion_averages_probabilities_and_attention_is_normalised():
    torch.manual_seed(0)
    g, b, _ = _batch()
    late = F.build("late", 10, 12, **KW).eval()
    lg, li = late.branch_logits(g, b)
    torch.testing.assert_close(torch.sigmoid(late(g, b)), (torch.sigmoid(lg) + torch.sigmoid(li)) / 2,
                               rtol=1e-4, atol=1e-5)
    xa = F.build("cross_attention", 10, 12, heads=2, **KW).eval()
    xa(g, b)
    assert xa.last_attention.shape == (4, 5)
    torch.testing.assert_close(xa.last_attention.sum(1), torch.ones(4))
    with pytest.raises(ValueError, match="divisible"):
        F.CrossAttentionFusion(10, 12, dim=10, heads=3)
    with pytest.raises(ValueError, match="unknown model"):
        F.build("sum", 10)


def test_fold_metrics_hand_computed():
    y = np.array([0, 0, 1, 1])
    prob = np.array([0.1, 0.6, 0.4, 0.9])  # predictions 0,1,0,1: TP 1, FP 1, FN 1, TN 1
    m = E.fold_metrics(y, prob)
    assert m["f1"] == pytest.approx(0.5) and m["accuracy"] == pytest.approx(0.5)
    assert m["mcc"] == pytest.approx(0.0)
    assert m["pr_auc"] == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)  # average precision
    # the authors' estimator, auc(recall, precision): curve points (R, P) = (0, 1), (0.5, 1), (0.5, 2/3), (1, 0.5)
    assert m["pr_auc_trapz"] == pytest.approx(0.5 * 1 + 0.5 * (2 / 3 + 0.5) / 2)
    with pytest.raises(ValueError, match="3 labels but 2"):
        E.fold_metrics(y[:3], prob[:2])


def _tiny(n=40, seed=0):
    return E.synthetic_paired(n=n, n_genes=12, n_tiles=4, feat_dim=16, gene_effect=2.0, image_effect=1.0, seed=seed)


def test_cv_preprocessing_never_sees_the_scored_fold(monkeypatch):
    genes, bags, y, _ = _tiny()
    genes = genes + np.arange(len(y))[:, None] * 1e-3  # row fingerprint
    fitted = []
    real = protocol.expression_pipeline

    def spy(*a, **k):
        pipe = real(*a, **k)
        fit = pipe.fit
        pipe.fit = lambda X, y=None: (fitted.append(X[:, 0].copy()), fit(X))[1]
        return pipe

    monkeypatch.setattr(protocol, "expression_pipeline", spy)
    cfg = E.Config(n_splits=2, epochs=1, patience=None, batch_size=8, lr=1e-3, **KW)
    E.cross_validate("gene", y, genes=genes, cfg=cfg)
    assert len(fitted) == 2
    for rows_used, (tr, te) in zip(fitted, E.folds(y, cfg)):
        assert set(np.round(rows_used, 6)).isdisjoint(np.round(genes[te, 0], 6))
        assert len(rows_used) < len(tr)  # the inner early-stopping split is held out too
    fitted.clear()
    E.cross_validate("gene", y, genes=genes, cfg=E.Config(**{**cfg.__dict__, "prep_fit": "all"}))
    assert len(fitted) == 1 and len(fitted[0]) == len(y)  # the authors' leak: one fit on everyone


def test_cv_learns_is_deterministic_and_stratified():
    genes, bags, y, _ = _tiny()
    cfg = E.Config(n_splits=2, epochs=8, patience=None, batch_size=8, lr=1e-2, **KW)
    r1 = E.cross_validate("concat", y, genes, bags, cfg)
    r2 = E.cross_validate("concat", y, genes, bags, cfg)
    np.testing.assert_allclose(r1.oof_prob, r2.oof_prob)
    assert r1.folds["accuracy"].mean() > 0.8  # strong synthetic signal is learnt
    h = r1.histories[0]
    assert h["train_loss"].iloc[-1] < h["train_loss"].iloc[0]
    assert [c.to_numpy().sum() for c in r1.confusions] == r1.folds["n_test"].tolist()
    bal = E.fold_balance(y, E.Config(n_splits=4))
    positives = (bal["positive_fraction"] * bal["n"]).round()
    assert positives.max() - positives.min() <= 1  # stratified: positives spread evenly


def test_cv_rejects_bad_input():
    genes, bags, y, _ = _tiny()
    with pytest.raises(ValueError, match="patch bags"):
        E.cross_validate("concat", y, genes=genes)
    with pytest.raises(ValueError, match="0/1"):
        E.cross_validate("gene", y + 1, genes=genes)
    with pytest.raises(ValueError, match="bags must be"):
        E.cross_validate("image", y, bags=bags[:, 0])
    with pytest.raises(ValueError, match="unknown config"):
        E.config("smoke", learning_rate=1)


def test_ablation_rows_are_relative_changes():
    genes, bags, y, _ = _tiny(24)
    cfg = E.Config(n_splits=2, epochs=1, patience=None, batch_size=8, lr=1e-3, **KW)
    res = {m: E.cross_validate(m, y, genes, bags, cfg) for m in ("gene", "concat")}
    res["cross_attention"] = res["concat"]
    rows = E.ablation_rows(res)
    acc = {m: r.summary()["accuracy"][0] for m, r in res.items()}
    assert rows[0]["ours"] == pytest.approx(acc["gene"] / acc["cross_attention"] - 1)
    assert rows[1]["ours"] == pytest.approx(0.0) and rows[1]["paper"] == -0.05
