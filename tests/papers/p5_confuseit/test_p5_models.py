"""p5: ABMIL pooling, the ConFuseIT model and its training stages."""

import numpy as np
import pandas as pd
import pytest
import torch

from omicslib.data import synthetic
from omicslib.nn.abmil import ABMIL, GatedAttention, pad_bags
from omicslib.nn.losses.clip import retrieval_accuracy
from omicslib.papers import p5_confuseit as X
from omicslib.papers.p5_confuseit.model import ConFuseIT, ConFuseITPredictor, finetune_step
from omicslib.runtime import threads


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: one thread avoids oversubscription on the shared CPU (restored afterwards)."""
    with threads(1):
        yield


SMALL = X.Config(embed_dim=16, hidden=16, rna_hidden=(32,), dropout=0.0, pretrain_epochs=10,
                 finetune_epochs=15, batch_size=32, patience=None, folds=2, seeds=(0,))


@pytest.mark.numerics
def test_attention_sums_to_one_and_ignores_padding():
    # float32 bounds: a bag alone and the same bag inside a padded batch run other matrix shapes, so the CPU
    # kernel may sum in another order; embeddings and attention weights are at most ~1 in size, so 1e-6
    # (about 8 float32 epsilons) bounds that rounding (measured 3e-8 under the AVX-512, AVX2 and scalar
    # kernels) and still fails on padding that leaks into a result
    torch.manual_seed(0)
    enc = ABMIL(5, 3, hidden=8, dropout=0.0).eval()
    bags = [torch.randn(4, 5), torch.randn(7, 5), torch.randn(1, 5)]
    x, mask = pad_bags(bags)
    assert x.shape == (3, 7, 5) and mask.sum(1).tolist() == [4, 7, 1]
    z, attn = enc(x, mask)
    assert torch.allclose(attn.sum(1), torch.ones(3))
    assert torch.all(attn[~mask] == 0)
    # each bag alone, unpadded, gives the same embedding and attention
    for i, b in enumerate(bags):
        zi, ai = enc(b[None])
        assert torch.allclose(zi[0], z[i], atol=1e-6)
        assert torch.allclose(ai[0], attn[i, : len(b)], atol=1e-6)
    # garbage in padded slots changes nothing
    x2 = x.clone()
    x2[~mask] = 1e3
    assert torch.allclose(enc(x2, mask)[0], z, atol=1e-5)


def test_gated_attention_errors():
    att = GatedAttention(4, 8)
    with pytest.raises(ValueError):
        att(torch.randn(2, 3, 4), torch.tensor([[True, False, False], [False, False, False]]))
    with pytest.raises(ValueError):
        att(torch.randn(2, 3, 4), torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError):
        pad_bags([np.zeros((0, 3))])
    with pytest.raises(ValueError):
        ABMIL(4, 2)(torch.randn(3, 4))


def _batch(n=6, genes=10, patches=5, dim=4):
    g = torch.Generator().manual_seed(1)
    return {"bag": torch.randn(n, patches, dim, generator=g), "mask": torch.ones(n, patches, dtype=torch.bool),
            "rna": torch.randn(n, genes, generator=g), "time": torch.rand(n, generator=g) + 0.1,
            "event": torch.tensor([1.0, 0, 1, 1, 0, 1]), "label": torch.tensor([0, 1, 2, 0, -1, 1])}


def test_single_modality_inference_with_the_other_absent():
    torch.manual_seed(0)
    model = ConFuseITPredictor(ConFuseIT(10, 4, embed_dim=8, hidden=8), n_classes=3).eval()
    b = _batch()
    both = model(b)
    rna_only = model({k: v for k, v in b.items() if k not in ("bag", "mask")})
    slide_only = model({k: v for k, v in b.items() if k != "rna"})
    for out in (both, rna_only, slide_only):
        assert out["risk"].shape == (6,) and out["logits"].shape == (6, 3)
    assert "z_slide" not in rna_only and "z_rna" not in slide_only and "attention" in slide_only
    # fused embedding = mean of the two unit-norm single-modality embeddings
    assert torch.allclose(both["z"], (rna_only["z"] + slide_only["z"]) / 2, atol=1e-6)
    # restricting modalities ignores data that is present
    assert torch.allclose(model(b, ("rna",))["risk"], rna_only["risk"])
    with pytest.raises(ValueError):
        model({"time": b["time"]})
    with pytest.raises(ValueError):
        model.backbone.contrastive_loss({"rna": b["rna"]})
    # an RNA-only model works without any slide encoder
    rna_model = ConFuseITPredictor(ConFuseIT(10, None, embed_dim=8), n_classes=None)
    assert rna_model({"rna": b["rna"]})["risk"].shape == (6,)
    with pytest.raises(ValueError):
        rna_model.backbone.encode_slide(b["bag"])


def test_finetune_step_ignores_unlabelled_and_backpropagates():
    torch.manual_seed(0)
    model = ConFuseITPredictor(ConFuseIT(10, 4, embed_dim=8, hidden=8), n_classes=3)
    loss, logs = finetune_step(("slide", "rna"))(model, _batch())
    loss.backward()
    assert {"cox", "ce"} <= set(logs) and np.isfinite(loss.item())
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    loss_rna, _ = finetune_step(("rna",))(model, _batch())
    model.zero_grad()
    loss_rna.backward()
    assert all(p.grad is None for p in model.backbone.slide.parameters())


def test_pretraining_loss_decreases_and_aligns_pairs():
    # learnable toy: the RNA profile is a fixed linear image of the bag's mean patch
    rng = np.random.default_rng(0)
    bag = rng.normal(size=(96, 6, 8)).astype(np.float32)
    rna = (bag.mean(1) @ rng.normal(size=(8, 12))).astype(np.float32)
    cohort = X.Cohort(time=np.ones(96), event=np.ones(96), label=np.zeros(96, int), rna=rna, bag=bag,
                      mask=np.ones((96, 6), bool))
    cfg = X.Config(embed_dim=16, hidden=16, rna_hidden=(32,), dropout=0.0, pretrain_epochs=15, batch_size=16,
                   pretrain_lr=3e-3)
    model, hist = X.pretrain(cohort, cfg)
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    model.eval()
    with torch.no_grad():
        e = model.embed({"rna": torch.as_tensor(rna), "bag": torch.as_tensor(bag),
                         "mask": torch.ones(96, 6, dtype=torch.bool)})
    assert retrieval_accuracy(e["z_slide"], e["z_rna"], k=5) > 0.5  # chance: 5/96
    with pytest.raises(ValueError):
        X.pretrain(cohort.without("rna"), SMALL)


def test_finetune_learns_survival_and_is_deterministic():
    # learnable toy: log-hazard and class are functions of two genes
    rng = np.random.default_rng(1)
    rna = rng.normal(size=(160, 8)).astype(np.float32)
    surv = synthetic.survival(1.5 * rna[:, 0], seed=1)
    label = (rna[:, 1] > 0).astype(int)
    c = X.Cohort(time=surv["time"].to_numpy(), event=surv["event"].to_numpy(), label=label, rna=rna)
    tr, te = c.subset(np.arange(120)), c.subset(np.arange(120, 160))
    m1, h1 = X.finetune(tr, None, ("rna",), SMALL, n_classes=2, seed=3)
    m2, _ = X.finetune(tr, None, ("rna",), SMALL, n_classes=2, seed=3)
    assert h1.train_loss[-1] < h1.train_loss[0] - 0.3
    o1, o2 = X.infer(m1, te, ("rna",)), X.infer(m2, te, ("rna",))
    assert np.allclose(o1["risk"], o2["risk"])
    res = X.evaluate(o1, te)
    assert res["c_index"] > 0.7 and res["macro_f1"] > 0.7


def test_cohort_subset_without_and_standardise_uses_train_only():
    c, _ = X.paired_synthetic(20, n_genes=10, patch_dim=4, max_patches=4, seed=2)
    tr, te = c.subset(np.arange(10)), c.subset(np.arange(10, 20))
    tr.rna[:, 3] = 2.0  # a zero-SD gene keeps scale 1 (StandardScaler semantics)
    tr_s, te_s = X.standardise(tr, te)
    assert np.allclose(tr_s.rna.mean(0), 0, atol=1e-5)
    sd = tr.rna.std(0)
    sd[3] = 1.0
    assert np.allclose(te_s.rna, (te.rna - tr.rna.mean(0)) / sd, atol=1e-5)
    assert np.allclose(te_s.rna[:, 3], te.rna[:, 3] - 2.0, atol=1e-6)
    # bags: z-scored over the training cohort's real instances; padding stays 0
    tr_b, te_b = X.standardise(tr, te, bags=True)
    real = tr.bag[tr.mask]
    assert np.allclose(tr_b.bag[tr.mask].mean(0), 0, atol=1e-5)
    assert np.allclose(te_b.bag[te.mask], (te.bag[te.mask] - real.mean(0)) / real.std(0), atol=1e-4)
    assert np.all(te_b.bag[~te.mask] == 0)
    item = c.without("slide")[0]
    assert "bag" not in item and item["rna"].shape == (10,)
    with pytest.raises(ValueError):
        X.paired_synthetic(20, n_genes=6)
    with pytest.raises(ValueError):
        X.Cohort(time=np.ones(3), event=np.ones(2), label=np.zeros(3))


def test_cross_validate_and_risk_groups():
    coh, _ = X.paired_synthetic(80, n_genes=20, patch_dim=8, max_patches=6, seed=4)
    cfg = X.Config(embed_dim=8, hidden=8, rna_hidden=(16,), finetune_epochs=2, patience=None, folds=2, seeds=(0,))
    per_fold, oof = X.cross_validate({"default": coh}, [X.Setting("rna", ("rna",))], cfg, n_classes=4)
    assert len(per_fold) == 2 and set(oof["fold"]) == {0, 1}
    assert sorted(oof["id"]) == sorted(coh.ids)  # every patient predicted exactly once per seed
    summary = X.summarise(per_fold)
    assert summary.loc[0, "n_runs"] == 2
    with pytest.raises(ValueError):
        X.cross_validate({"default": coh}, [X.Setting("p", ("rna",), pretrained=True)], cfg)
    rng = np.random.default_rng(0)
    risk = rng.normal(size=100)
    time = rng.exponential(1 / np.exp(2 * risk))
    high, lr = X.risk_groups(time, np.ones(100), risk)
    assert high.sum() == 50 and lr["p"] < 1e-3
    per_patient, _ = X.risk_groups(time, np.ones(100), risk, threshold=np.where(risk > 0, 10.0, -10.0))
    assert per_patient.sum() == (risk <= 0).sum()  # each patient compared with its own cut-off


def test_compare_arms_pairs_the_same_folds():
    pf = pd.DataFrame({"setting": ["a"] * 3 + ["b"] * 3, "evaluated_on": "rna", "seed": 0,
                       "fold": [0, 1, 2, 2, 1, 0], "c_index": [0.7, 0.8, 0.9, 0.6, 0.7, 0.5]})
    r = X.compare_arms(pf, ("a", "rna"), ("b", "rna"))
    assert r["delta"] == pytest.approx(0.2) and r["sd_diff"] == pytest.approx(0.1) and r["n"] == 3
    with pytest.raises(ValueError):
        X.compare_arms(pf, ("a", "rna"), ("c", "rna"))
