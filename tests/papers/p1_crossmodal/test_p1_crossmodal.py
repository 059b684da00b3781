"""p1: cross-modal blocks, focal loss, leakage-free selection, determinism of the grid."""

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
from p1_toy import toy_loaded as _toy_loaded

from omicslib.nn.losses.focal import focal_loss, inverse_frequency_weights
from omicslib.papers import p1_crossmodal as P
from omicslib.papers.p1_crossmodal.model import (
    VARIANTS,
    CrossAttentionBlock,
    CrossModalClassifier,
    CrossModalFusion,
    DropPath,
    GLUFeedForward,
    LayerScale,
    ModalityEncoder,
    ResidualMLP,
    TokenEmbedding,
    TransformerBlock,
)
from omicslib.papers.p1_crossmodal.selection import MutationEncoder, TrainStandardiser, elasticnet_ranking

KW = dict(d_model=16, n_heads=4, ffn_hidden=32, dropout=0.1, drop_path=0.05, layerscale_init=1e-4)


# ----------------------------------------------------------------------------- blocks

def test_shapes_through_every_block():
    torch.manual_seed(0)
    N, G, Gc, Gm, d = 5, 7, 3, 11, 16
    tok = TokenEmbedding(d)(torch.randn(N, G))
    assert tok.shape == (N, G, d)
    assert GLUFeedForward(d, 32)(tok).shape == (N, G, d)
    assert LayerScale(d, 1e-4)(tok).shape == (N, G, d)
    assert DropPath(0.5).train()(tok).shape == (N, G, d)
    assert TransformerBlock(**KW)(tok).shape == (N, G, d)
    ctx = torch.randn(N, Gc, d)
    assert CrossAttentionBlock(**KW)(tok, ctx).shape == (N, G, d)   # query length kept
    enc = ModalityEncoder(n_classes=4, **KW)
    mask = torch.zeros(N, G, dtype=torch.bool)
    mask[:, 0] = True
    h = enc(torch.randn(N, G), mask)
    assert h.shape == (N, G, d) and enc.recon(h).shape == (N, G, 1) and enc.aux(h.mean(1)).shape == (N, 4)
    fus = CrossModalFusion(n_classes=4, variant="EXP+CNA+MUT", **KW)
    out = fus(tok, {"cna": ctx, "mut": torch.randn(N, Gm, d)}, query_mask=mask)
    assert out.shape == (N, G, d)
    assert ResidualMLP(G * d, 4, 8, 4)(out).shape == (N, 4)
    for v in VARIANTS:
        m = CrossModalClassifier(G, Gc, Gm, v, d_model=d, n_heads=4, ffn_hidden=32)
        logits = m(torch.randn(N, G), torch.randn(N, Gc), torch.randn(N, Gm))
        assert logits.shape == (N, 4)
        logits.sum().backward()
        assert m.encoders["exp"].embed.proj.weight.grad.abs().sum() > 0


def test_token_embedding_rejects_wrong_rank():
    with pytest.raises(ValueError):
        TokenEmbedding(8)(torch.randn(2, 3, 1))


def test_fusion_requires_its_contexts():
    fus = CrossModalFusion(n_classes=4, variant="EXP+CNA", **KW)
    with pytest.raises(ValueError, match="cna"):
        fus(torch.randn(2, 3, 16), {})


def test_gates_in_unit_interval_and_scale_the_enrichment():
    torch.manual_seed(0)
    fus = CrossModalFusion(n_classes=4, variant="EXP+CNA+MUT", **KW).eval()
    E, C, M = torch.randn(3, 5, 16), torch.randn(3, 4, 16), torch.randn(3, 6, 16)
    for logit in (-30.0, -2.0, 0.0, 3.0):
        with torch.no_grad():
            for p in fus.gate_logits.values():
                p.fill_(logit)
        g = fus.gates()
        assert set(g) == {"cna", "mut"} and all(0 < v < 1 for v in g.values())
    # E' = E + sigmoid(a) A_cna + sigmoid(b) A_mut, checked against the blocks' own outputs
    with torch.no_grad():
        fus.gate_logits["cna"].fill_(0.3)
        fus.gate_logits["mut"].fill_(-1.1)
        for blk in fus.cross.values():  # make the enrichment large enough to matter
            blk.ls1.gamma.fill_(1.0)
            blk.ls2.gamma.fill_(1.0)
        Ac, Am = fus.cross["cna"](E, C), fus.cross["mut"](E, M)
        want = E + torch.sigmoid(torch.tensor(0.3)) * Ac + torch.sigmoid(torch.tensor(-1.1)) * Am
        torch.testing.assert_close(fus(E, {"cna": C, "mut": M}), want)
        # per-sample modality dropout removes that modality's enrichment for that sample only
        keep = {"cna": torch.tensor([0.0, 1.0, 1.0]), "mut": torch.tensor([0.0, 1.0, 1.0])}
        out = fus(E, {"cna": C, "mut": M}, keep=keep)
        torch.testing.assert_close(out[0], E[0])
        torch.testing.assert_close(out[1:], want[1:])


def test_droppath_and_layerscale_behaviour():
    x = torch.ones(1000, 2, 3)
    torch.manual_seed(0)
    y = DropPath(0.25).train()(x)
    dropped = (y[:, 0, 0] == 0).float().mean().item()
    assert 0.2 < dropped < 0.3 and torch.allclose(y[y != 0], torch.full_like(y[y != 0], 1 / 0.75))
    assert torch.equal(DropPath(0.25).eval()(x), x)
    assert torch.allclose(LayerScale(3, 1e-4)(x), x * 1e-4)


# ----------------------------------------------------------------------------- focal loss

def test_focal_loss_matches_hand_computation():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 3.0]])
    target = torch.tensor([0, 1])
    alpha = torch.tensor([0.5, 2.0, 1.0])
    gamma = 2.0
    # p(true) by hand
    p0 = math.exp(2) / (math.exp(2) + 2)
    p1 = math.e / (1 + math.e + math.exp(3))
    want = -(0.5 * (1 - p0) ** 2 * math.log(p0) + 2.0 * (1 - p1) ** 2 * math.log(p1)) / 2
    assert focal_loss(logits, target, alpha, gamma).item() == pytest.approx(want, rel=1e-6)
    # gamma 0, no weights = cross-entropy
    ce = torch.nn.functional.cross_entropy(logits, target)
    assert focal_loss(logits, target, None, 0.0).item() == pytest.approx(ce.item(), rel=1e-6)


def test_inverse_frequency_weights():
    w = inverse_frequency_weights([0, 0, 0, 1], 3)
    assert w.tolist() == pytest.approx([4 / 9, 4 / 3, 0.0])


def test_stage3_learns_toy_data():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 40)
    Z = rng.normal(size=(160, 10)).astype(np.float32)
    Z[np.arange(160), y] += 3.0
    idx = rng.permutation(160)
    tr, va, te = idx[:100], idx[100:130], idx[130:]
    cfg = P.Config(hidden=16, s3_epochs=40, s3_patience=40, batch_size=32, input_dropout=0.0, mixup_alpha=0.2)
    torch.manual_seed(0)
    prob, hist, _ = P.stage3(Z, y, tr, va, te, cfg, "cpu", 0, 4)
    assert hist.train_loss[-1] < hist.train_loss[0]
    assert (prob.argmax(1) == y[te]).mean() > 0.8


# ----------------------------------------------------------------------------- leakage


def test_planted_holdout_leak_is_not_selected():
    data = _toy_loaded(n=120, n_exp=20, informative=False)
    cfg = P.Config(k_grid=(300, 1500), k_max=5)
    prep = P.prepare(data, cfg)
    rng = np.random.default_rng(1)
    leak = rng.normal(size=len(prep.y))
    leak[prep.cv.test] = prep.y[prep.cv.test] * 10.0  # equals the label on hold-out rows only
    prep.exp["LEAK"] = leak
    # sensitivity check: a ranking fitted on every row (the leak) does pick it up
    assert "LEAK" in P.rank_modalities(prep, np.arange(len(prep.y)), cfg)["exp"].top(5)
    for scope in ("fold", "train80"):
        ranks = P.fold_rankings(prep, P.Config(ranking_scope=scope))
        for r in ranks:
            assert "LEAK" not in r["exp"].top(5)
    # the same feature is picked at once when it is informative on the training rows
    prep.exp["LEAK"] = prep.y * 10.0
    assert P.fold_rankings(prep, cfg)[0]["exp"].top(1) == ["LEAK"]


def test_ranking_mutation_vocabulary_and_standardiser_ignore_unseen_rows():
    data = _toy_loaded(n=100)
    prep = P.prepare(data, P.Config(k_grid=(300, 1500), k_max=6))
    tr, va = prep.cv.folds[0]
    before = P.rank_modalities(prep, tr, P.Config()).get("exp").table
    other = np.setdiff1d(np.arange(len(prep.y)), tr)  # validation + hold-out rows
    prep.exp.iloc[other] = np.random.default_rng(5).normal(size=(len(other), prep.exp.shape[1])) * 100
    after = P.rank_modalities(prep, tr, P.Config()).get("exp").table
    pd.testing.assert_frame_equal(before, after)
    X = prep.exp.to_numpy()
    s1 = TrainStandardiser().fit(X, tr)
    X2 = X.copy()
    X2[other] += 1000
    s2 = TrainStandardiser().fit(X2, tr)
    np.testing.assert_allclose(s1.mean_, s2.mean_)
    np.testing.assert_allclose(s1.std_, s2.std_)
    muts = pd.concat([prep.mutations, pd.DataFrame({"sample": [prep.samples[prep.cv.test[0]]], "gene": ["BRCA9"],
                                                    "variant_classification": ["Nonsense_Mutation"]})])
    enc = MutationEncoder().fit(muts, prep.samples[tr])
    assert "BRCA9_Nonsense_Mutation" not in enc.features_
    assert enc.transform(muts, prep.samples).shape == (len(prep.samples), len(enc.features_))


def test_empty_mutation_vocabulary_is_a_clear_error():
    prep = P.prepare(_toy_loaded(n=60), P.Config(k_grid=(300, 1500), k_max=6))
    cfg = P.Config(mut_min_count=10_000)
    tr = prep.cv.folds[0][0]
    with pytest.raises(ValueError, match="mut_min_count"):
        P.fold_features(prep, P.rank_modalities(prep, tr, cfg), 3, tr, cfg)


def test_elasticnet_ranking_finds_the_signal_and_needs_rows():
    rng = np.random.default_rng(0)
    y = np.arange(80) % 4
    X = pd.DataFrame(rng.normal(size=(80, 10)), columns=list("abcdefghij"))
    X["e"] += 3 * y
    r = elasticnet_ranking(X, y, np.arange(80))
    assert r.top(1) == ["e"] and r.table["rank"].tolist() == list(range(1, 11))
    with pytest.raises(ValueError):
        elasticnet_ranking(X, y, [])


def test_scaled_k_grid():
    assert P.scaled_k_grid(20000) == {300: 300, 500: 500, 1000: 1000, 1500: 1500}
    assert P.scaled_k_grid(489) == {300: 98, 500: 163, 1000: 326, 1500: 489}
    assert P.scaled_k_grid(489, k_max=160) == {300: 32, 500: 53, 1000: 107, 1500: 160}
    with pytest.raises(ValueError):
        P.scaled_k_grid(3)


# ----------------------------------------------------------------------------- determinism

def test_same_seed_same_table4():
    data = _toy_loaded(n=60, n_exp=10, n_cna=4)
    cfg = P.Config(k_grid=(300, 1500), k_max=6, d_model=8, n_heads=2, ffn_hidden=8, hidden=8, s1_epochs=1,
                     s2_epochs=1, s3_epochs=2, batch_size=32, n_folds=3, cpu_threads=1)
    tabs = []
    for _ in range(2):
        res = P.run_grid(P.prepare(data, cfg), cfg)
        tabs.append(P.table4(res.folds))
    assert len(tabs[0]) == 2 * len(P.PAPER_VARIANTS)
    pd.testing.assert_frame_equal(tabs[0], tabs[1])
    other = P.run_grid(P.prepare(data, P.replace_seed(cfg, 1)), P.replace_seed(cfg, 1))
    assert not P.table4(other.folds)[list(P.METRICS)].equals(tabs[0][list(P.METRICS)])
    # the explorer's static grid: one confusion matrix per K x variant, titled with the fold-mean macro-F1
    fig = P.config_grid(res)
    assert len(fig.axes) == 2 * len(P.PAPER_VARIANTS)
    f1 = P.per_fold_f1(res.folds, 1500, "EXP+CNA")
    title = fig.axes[1 * len(P.PAPER_VARIANTS) + 1].get_title()
    assert "K=1500" in title and "EXP+CNA" in title and f"{f1.mean():.3f}" in title
    cm_total = sum(int(t.get_text()) for t in fig.axes[0].texts)
    assert cm_total == cfg.n_folds * len(res.y_test)


def test_ranking_scope_effect_pairs_the_same_folds():
    data = _toy_loaded(n=60, n_exp=10, n_cna=4)
    cfg = P.Config(k_grid=(300, 1500), k_max=6, d_model=8, n_heads=2, ffn_hidden=8, hidden=8, s1_epochs=1,
                     s2_epochs=1, s3_epochs=2, batch_size=32, n_folds=3, cpu_threads=1)
    prep = P.prepare(data, cfg)
    full = P.run_grid(prep, cfg)
    # the premise of reusing the grid as the fold-wise arm: one K alone gives the grid's numbers
    alone = P.run_grid(prep, replace(cfg, k_grid=(1500,)))
    np.testing.assert_allclose(P.per_fold_f1(alone.folds, 1500, "EXP+CNA"), P.per_fold_f1(full.folds, 1500, "EXP+CNA"))
    per_fold, summary = P.ranking_scope_effect(full, prep, cfg, 1500, "EXP+CNA")
    assert list(per_fold["fold"]) == [0, 1, 2] and summary["n"] == 3
    np.testing.assert_allclose(per_fold["f1_macro_fold_scope"], P.per_fold_f1(full.folds, 1500, "EXP+CNA"))
    assert summary["delta"] == pytest.approx((per_fold["f1_macro_train80_scope"] - per_fold["f1_macro_fold_scope"]).mean())
    assert ((per_fold["exp_top_k_shared"] > 0) & (per_fold["exp_top_k_shared"] <= 1)).all()
    with pytest.raises(ValueError, match="ranking_scope='fold'"):
        P.ranking_scope_effect(full, prep, replace(cfg, ranking_scope="train80"), 1500, "EXP+CNA")
