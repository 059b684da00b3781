"""p4: task labels, patient-level splits, metrics of the protocol, training on toy data, leak audit."""

import numpy as np
import pytest

from omicslib.data import cmmd
from omicslib.papers import p4_mammography as P
from omicslib.runtime import set_threads

set_threads(1)


def test_task_labels():
    st = ["Luminal A", "Luminal B", "HER2-enriched", "Triple negative"]
    assert P.TASKS["luminal"].labels(st).tolist() == [0, 0, 1, 1]
    assert P.TASKS["her2"].labels(st).tolist() == [1, 1, 0, 1]
    assert P.TASKS["tn"].labels(st).tolist() == [0, 0, 0, 1]
    assert P.TASKS["multiclass"].labels(st).tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="unknown"):
        P.TASKS["tn"].labels(["Basal"])


def test_patient_level_split_never_shares_a_patient():
    d = cmmd.synthetic_rois(n_patients=60, image_size=16, seed=0)
    t = d["images"]
    y = P.TASKS["luminal"].labels(t["subtype"])
    split = P.holdout_kfold(y, 0.2, 5, seed=21, groups=t["patient"])
    pats = t["patient"].to_numpy()
    assert not set(pats[split.train]) & set(pats[split.test])
    for tr, va in split.folds:
        assert not set(pats[tr]) & set(pats[va])
        assert not set(pats[va]) & set(pats[split.test])
    # the per-image split of the authors puts views of one patient on both sides
    per_image = P.holdout_kfold(y, 0.2, 5, seed=21)
    assert set(pats[per_image.train]) & set(pats[per_image.test])


def test_evaluate_binary_and_multiclass_hand_values():
    y = np.array([0, 0, 0, 1, 1, 1, 1, 0])
    p1 = np.array([0.1, 0.6, 0.2, 0.8, 0.7, 0.4, 0.9, 0.3])
    m = P.evaluate(y, np.c_[1 - p1, p1], 2)
    # predictions: 0 1 0 1 1 0 1 0 -> TP 3, FN 1, TN 3, FP 1
    assert m["SENS"]["estimate"] == 0.75 and m["SPEC"]["estimate"] == 0.75
    assert m["PPV"]["estimate"] == 0.75 and m["ACC"]["estimate"] == 0.75
    assert m["AUC"]["estimate"] == pytest.approx(15 / 16)
    assert m["SENS"]["lo"] < 0.75 < m["SENS"]["hi"]
    ym = np.array([0, 1, 2, 0, 1, 2])
    prob = np.eye(3)[[0, 1, 1, 0, 2, 2]] * 0.8 + 0.2 / 3
    mm = P.evaluate(ym, prob, 3)
    assert mm["ACC"]["estimate"] == pytest.approx(4 / 6)
    # one-vs-rest sensitivities 1, .5, .5 -> macro 2/3
    assert mm["SENS"]["estimate"] == pytest.approx(2 / 3)


def toy(n_patients=16, seed=0):
    d = cmmd.synthetic_rois(n_patients=n_patients, image_size=48, signal=1.0, seed=seed,
                            shares={"Luminal A": 0.5, "Triple negative": 0.5})
    cfg = P.Config(image_size=16, bound=4, epochs=4, patience=None, n_folds=2, lr=3e-3, augment=False,
                     profile="smoke")
    return d["images"], P.prepare(d.meta["images"], d.meta["masks"], cfg), cfg


def test_training_decreases_loss_and_is_deterministic():
    t, X, cfg = toy()
    y = P.TASKS["tn"].labels(t["subtype"])
    idx = np.arange(len(y))
    model, hist, _ = P.train_model(X, y, idx, None, cfg, 2, "tn", arch="simple_cnn", seed=1)
    assert hist.train_loss[-1] < hist.train_loss[0]
    p1 = P.predict_proba(model, X, idx)
    model2, _, _ = P.train_model(X, y, idx, None, cfg, 2, "tn", arch="simple_cnn", seed=1)
    np.testing.assert_allclose(p1, P.predict_proba(model2, X, idx), atol=1e-6)
    assert p1.shape == (len(y), 2) and np.allclose(p1.sum(1), 1, atol=1e-5)


def test_cross_validate_and_compare_models():
    t, X, cfg = toy(12)
    cfg = P.Config(**{**cfg.__dict__, "epochs": 1})
    res = {a: P.cross_validate(X, t["subtype"], t["patient"], "tn", cfg, arch=a) for a in ("simple_cnn", "mobilenet_v2")}
    s = res["simple_cnn"].summary()
    assert set(s["metric"]) == set(P.METRICS) and set(s["split"]) == {"val", "test"}
    assert (s["n_folds"] <= 2).all()
    cmp = P.compare_models(res, ref="simple_cnn")
    # two one-epoch models may get exactly the same cases right and wrong: McNemar is then undefined (NaN)
    p = cmp.loc[0, "mcnemar_p"]
    assert cmp.loc[0, "model_b"] == "mobilenet_v2" and (np.isnan(p) or 0 <= p <= 1)


def test_split_leak_audit_counts_shared_patients():
    d = cmmd.synthetic_rois(n_patients=30, image_size=16, seed=1)
    t = d["images"]
    y = P.TASKS["luminal"].labels(t["subtype"])
    rng = np.random.default_rng(0)
    out = P.split_leak_audit(y, t["patient"], lambda tr, te: rng.random(len(te)), seeds=(0, 1))
    per = out.groupby("split")["test_patients_also_in_train"].min()
    assert per["per patient"] == 0 and per["per image"] > 0
