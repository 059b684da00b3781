"""p4: the config (profiles, validation), the reference file, weights records and the guard, the
comparators, Grad-CAM layers and regions, the analysis helpers and the claims."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from omicslib.book import claims as C
from omicslib.book import reference
from omicslib.data import cmmd
from omicslib.papers import p4_mammography as P
from omicslib.papers.p4_mammography import gradcam
from omicslib.papers.p4_mammography.model import MolsubSimpleCNN, load_partial
from omicslib.provenance import synthetic
from omicslib.runtime import set_threads
from omicslib.weights import MissingWeightsError

set_threads(1)


# ------------------------------------------------------------------------------------------- config


def test_paper_defaults_come_from_the_reference_file():
    cfg = P.Config()
    assert (cfg.lr, cfg.weight_decay, cfg.dropout, cfg.batch_size) == (0.0001, 0.005, 0.3, 8)
    assert (cfg.epochs, cfg.image_size, cfg.bound, cfg.n_folds, cfg.test_size) == (300, 224, 100, 5, 0.2)
    assert P.oversampling_rate("tn") == 1.7 and P.oversampling_rate("luminal") == 1.3
    with pytest.raises(ValueError, match="unknown task"):
        P.oversampling_rate("basal")


def test_profiles_are_one_place():
    q = P.config("quick", "models", seed=21)
    assert (q.n_patients, q.full_size, q.image_size, q.epochs, q.n_folds, q.lr, q.patience) == \
        (40, 96, 48, 3, 3, 1e-3, None)
    assert q.bound == P.scaled_bound(96) == 5  # round(100 * 96 / 2000)
    c = P.config("quick", "comparison")
    assert c.tasks == ("luminal",) and "mob_cbam" in c.archs and "resnet101" not in c.archs
    a = P.config("quick", "audit")
    assert (a.n_patients, a.image_size, a.epochs, a.audit_seeds) == (120, 32, 8, (0, 1, 2))
    p = P.config("paper", "comparison")
    assert p.archs == P.ARCH_NAMES and p.lr == 1e-4 and p.bound == P.scaled_bound(448) == 22
    assert P.config("quick", "models", bound=7, audit_seeds=[1, 2]).bound == 7  # lists become tuples
    assert P.config("smoke", "models").folds_trained == 1


@pytest.mark.parametrize("field,value", [("lr", 0.0), ("dropout", 1.0), ("n_folds", 1), ("test_size", 1.2),
                                         ("archs", ("resnet50",)), ("tasks", ()), ("patience", 0),
                                         ("folds_trained", 9), ("audit_task", "multiclass")])
def test_config_validation_names_the_field(field, value):
    with pytest.raises(ValueError, match=f"Config.{field}"):
        P.config("quick", "models", **{field: value})


def test_config_unknown_field_and_study():
    with pytest.raises(ValueError, match="unknown Config fields"):
        P.config("quick", "models", epoch=3)
    with pytest.raises(ValueError, match="study"):
        P.config("quick", "training")
    with pytest.raises(ValueError, match="profile"):
        P.config("fast", "models")


def test_reference_file_is_valid_and_complete():
    ref = reference.load("p4")
    for task in P.TASKS:
        for split in ("val", "test"):
            for m in P.METRICS:
                assert f"{task}_{split}_{m.lower()}" in ref.index
    assert reference.value("p4", "luminal_test_auc") == 0.7592 and reference.text("p4", "luminal_test_auc") == "0.7592"
    assert reference.sd("p4", "luminal_cv_auc") == 0.0416
    # the patients and images of the paper add up (Sections 2.2 and 3.1)
    n = sum(reference.value("p4", f"n_{k}") for k in ("lum_a", "lum_b", "her2_hr_pos", "her2_hr_neg", "tn"))
    assert n == reference.value("p4", "n_patients") == 390
    assert reference.value("p4", "img_luminal") + reference.value("p4", "img_non_luminal") == 762


# ------------------------------------------------------------------------------------------ weights


def _no_weights(monkeypatch, tmp_path):
    monkeypatch.setenv("OMICSLIB_WEIGHTS", str(tmp_path))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))


def test_paper_profile_stops_without_weights(monkeypatch, tmp_path):
    _no_weights(monkeypatch, tmp_path)
    cfg = P.config("paper", "models")
    with pytest.raises(MissingWeightsError, match="OMICSLIB_WEIGHTS"):
        P.require_weights(cfg, ["densenet121_cbam"])
    with pytest.raises(MissingWeightsError, match="densenet121-a639ec97.pth"):
        P.train_model(np.zeros((4, 1, 32, 32), np.float32), np.array([0, 1, 0, 1]), [0, 1], None, cfg, 2, "tn")
    P.require_weights(cfg, ["simple_cnn", "simple_cnn_molsub"])  # no ImageNet weights exist for these
    P.require_weights(P.config("paper", "models", allow_random_weights=True), ["densenet121_cbam"])
    P.require_weights(P.config("quick", "models"), ["densenet121_cbam"])  # quick runs on random weights


def test_weights_recorded_in_provenance_and_caption(monkeypatch, tmp_path):
    _no_weights(monkeypatch, tmp_path)
    cfg = P.config("paper", "models", allow_random_weights=True)
    _, report = P.build("densenet121_cbam", 2)
    prov = P.with_weights(synthetic("x", "y"), [report, P.build("simple_cnn", 2)[1]], cfg)
    notes = " ".join(prov.notes)
    assert '"pretrained": false' in notes and "allow_random_weights=True" in notes and "simple_cnn" in notes
    assert "Random initialisation" in P.weights_caption([report])
    # with a checkpoint on disk: file and sha256 go into the provenance files
    from torchvision.models import densenet121

    torch.save(densenet121(weights=None).state_dict(), tmp_path / "densenet121-a639ec97.pth")
    _, loaded = P.build("densenet121_cbam", 2)
    assert loaded.source == "imagenet" and loaded.weights.sha256 and set(loaded.missing_keys) == {
        "classifier.weight", "classifier.bias"}
    prov = P.with_weights(synthetic("x", "y"), [loaded], cfg)
    assert prov.files[-1].sha256 == loaded.weights.sha256
    assert "ImageNet weights" in P.weights_caption([loaded])


def test_partial_load_reports_keys():
    from torchvision.models import mobilenet_v2

    sd = mobilenet_v2(weights=None).state_dict()
    sd["extra.weight"] = torch.zeros(1)
    del sd["features.0.0.weight"]
    model, report = P.build("mobilenet_v2", 3, state_dict=sd)
    assert report.source == "caller"
    assert "features.0.0.weight" in report.missing_keys and report.unexpected_keys == ("extra.weight",)
    assert "3 missing keys" in report.note and "1 unexpected keys" in report.note  # + the new head
    missing, unexpected = load_partial(torch.nn.Linear(2, 2), {"weight": torch.zeros(2, 2), "x": torch.zeros(1)})
    assert missing == ("bias",) and unexpected == ("x",)


# -------------------------------------------------------------------------------------- comparators


def test_molsub_simple_cnn_is_two_conv_layers():
    m = MolsubSimpleCNN(4, image_size=32)
    convs = [x for x in m.modules() if isinstance(x, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(1, 16), (16, 32)]
    assert m.classifier[0].in_features == 32 * 8 * 8 and m.classifier[-1].out_features == 4
    assert m(torch.randn(2, 1, 32, 32)).shape == (2, 4)
    with pytest.raises(ValueError):
        MolsubSimpleCNN(2, image_size=30)


def test_mob_cbam_and_vit_single_channel():
    m, _ = P.build("mob_cbam", 2, pretrained=False)
    cbams = [x for x in m.modules() if isinstance(x, P.CBAM)]
    assert len(cbams) == 2 and m.features[0][0].in_channels == 1
    assert m(torch.randn(2, 1, 48, 48)).shape == (2, 2)
    with pytest.raises(ValueError, match="divisible by 16"):
        P.build("vit_b_16", 2, pretrained=False, image_size=40)


def test_channel_attention_pools_avg_and_max_as_the_authors_code():
    ca = P.CBAM(8).channel
    assert ca.pools == ("avg", "max")  # molsub; the paper's text names average pooling only
    avg, _ = P.build("densenet121_cbam_avg", 2, pretrained=False)
    assert {m.channel.pools for m in avg.modules() if isinstance(m, P.CBAM)} == {("avg",)}


# ------------------------------------------------------------------------------------------ grad-cam


def test_gradcam_layers_include_transitions():
    layers = gradcam.DENSENET_CBAM_LAYERS
    for k in (1, 2, 3):
        assert layers.index(f"features.transition{k}") == layers.index(f"features.cbam{k}") + 1
    model = P.DenseNetCBAM(2).eval()
    maps = gradcam.gradcam_maps(model, torch.randn(1, 1, 64, 64), layers=("features.transition1",))
    assert maps["features.transition1"].shape == (1, 64, 64)
    assert gradcam.cam_layer(224) == "features.cbam3" and gradcam.cam_layer(48) == "features.cbam1"


@pytest.mark.numerics
def test_one_pass_gradcam_equals_one_package_call_per_layer():
    """Precision: float32 (gradcam_maps computes in float32, as the package). Both computations run the same
    forward and backward kernels on the same input and differ only in how each layer's map is finished, so
    the maps (scaled to [0, 1]) agree to a few float32 rounding steps: atol = 8 machine epsilons (~1e-6) of
    the largest value, 1. Measured: identical under the AVX-512, AVX2 and scalar (``default``) kernels."""
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    torch.manual_seed(0)
    model = P.DenseNetCBAM(2).eval()
    x = torch.randn(3, 1, 64, 64)
    maps = gradcam.gradcam_maps(model, x, targets=[0, 1, 1])
    assert list(maps) == list(gradcam.DENSENET_CBAM_LAYERS)
    for name in ("features.pool0", "features.cbam1", "features.denseblock3", "features.denseblock4"):
        with GradCAM(model=model, target_layers=[model.get_submodule(name)]) as cam:
            ref = cam(input_tensor=x, targets=[ClassifierOutputTarget(t) for t in (0, 1, 1)])
        np.testing.assert_allclose(maps[name], ref, rtol=0, atol=8 * np.finfo(np.float32).eps)


def test_region_shares_hand_values():
    mask = np.zeros((10, 10), bool)
    mask[4:6, 4:6] = True
    cam = np.zeros((10, 10))
    cam[4, 4] = 3.0  # lesion
    cam[3, 4] = 1.0  # ring (1 px around)
    cam[0, 0] = 4.0  # outside
    s = gradcam.region_shares(cam, mask, ring=1)
    assert s == pytest.approx({"lesion": 0.375, "ring": 0.125, "outside": 0.5})
    assert math.isnan(gradcam.region_shares(np.zeros((10, 10)), mask)["lesion"])
    with pytest.raises(ValueError):
        gradcam.region_shares(cam, mask[:5])


def test_roi_masks_follow_the_images():
    d = cmmd.synthetic_rois(n_patients=3, image_size=64, seed=0)
    cfg = P.config("smoke", "models")
    m = P.roi_masks(d.meta["masks"], cfg)
    assert m.shape == (6, cfg.image_size, cfg.image_size) and m.dtype == bool and m.any(axis=(1, 2)).all()


# ------------------------------------------------------------------------------------------ analysis


def test_implied_ppv_and_positive_class():
    assert P.implied_ppv(0.8, 0.9, 0.5) == pytest.approx(0.4 / 0.45)
    pc = P.positive_class_check().set_index("task")
    # the printed HER2 PPV (0.818) fits HER2-negative as the positive class, not HER2-positive
    assert abs(pc.loc["her2", "implied_ppv_ours"] - 0.818) < 0.01
    assert pc.loc["her2", "implied_ppv_other"] < 0.3


def test_table1_of_the_paper_is_consistent():
    t = P.table1_consistency().set_index("variable")
    assert t.loc["age", "recomputed_effect"] == pytest.approx(4 * 4.639 / (4 * 4.639 + 385))
    assert (t["effect_diff"].abs() < 0.002).all()
    assert ((t["recomputed_p"] - t["printed_p"]).abs() < 0.002).all()


def _fake(task, arch, val_aucs, n=20):
    """A CVResult whose fold k has validation AUC val_aucs[k] (perfect or reversed scores mixed)."""
    from omicslib.splits import HoldoutCV

    y = np.tile([0, 1], n // 2)
    folds, test = [], np.arange(n)
    for k, a in enumerate(val_aucs):
        rng = np.random.default_rng(k)
        score = np.where(rng.random(n) < a, y, 1 - y) * 0.8 + 0.1
        prob = np.c_[1 - score, score]
        folds.append(P.Fold(k, np.arange(2 * n), test, prob, prob, None))
    return P.CVResult(task, arch, HoldoutCV(np.arange(2 * n), test, ()), y, folds)


def test_fold_auc_test_is_nadeau_bengio():
    from omicslib import stats

    a, b = _fake("tn", "densenet121_cbam", [0.9, 0.8, 0.95]), _fake("tn", "simple_cnn", [0.6, 0.7, 0.5])
    r = P.fold_auc_test(a, b)
    va = a.fold_metrics().query("split == 'val' and metric == 'AUC'")["estimate"].to_numpy()
    vb = b.fold_metrics().query("split == 'val' and metric == 'AUC'")["estimate"].to_numpy()
    want = stats.corrected_resampled_t(va, vb, 0.5)
    assert r["test_train_ratio"] == 0.5 and r["p"] == pytest.approx(want.pvalue)
    assert r["mean_diff"] == pytest.approx((va - vb).mean())


def test_claims_on_synthetic_data_are_pipeline_checks():
    a, b = _fake("tn", "densenet121_cbam", [0.9, 0.8, 0.95]), _fake("tn", "simple_cnn", [0.6, 0.7, 0.5])
    res = {"tn": {"densenet121_cbam": a, "simple_cnn": b}}
    tests = P.compare_models(res["tn"])
    cl = P.backbone_claims(res, tests, "synthetic", 21)
    led = C.ledger(cl)
    assert led["verdict"].tolist() == ["pipeline check"] and led["n_seeds"].tolist() == [1]
    assert "DeLong p" in led.loc[0, "note"]
    tests_t1 = pd.DataFrame({"variable": ["Age"], "statistic": [1.75], "effect_size": [0.007], "p": [0.155]})
    t1 = C.ledger(P.table1_claims(tests_t1, "other-cohort"))
    assert t1.set_index("id").loc["t1_age_differs", "verdict"] == "inconclusive"
    assert (t1.set_index("id").drop("t1_age_differs")["verdict"] == "not testable here").all()
    tests_t1["p"] = [0.001]
    assert C.ledger(P.table1_claims(tests_t1, "other-cohort")).loc[0, "verdict"] == "reproduced"


def test_leak_gap_pairs_seeds():
    audit = pd.DataFrame({"seed": [0, 0, 1, 1, 2, 2], "split": ["per image", "per patient"] * 3,
                          "auc": [0.9, 0.6, 0.8, 0.7, 0.95, 0.65], "n_test": 10,
                          "test_patients_also_in_train": [3, 0] * 3, "learner": "1-NN pixels"})
    g = P.leak_gap(audit).iloc[0]
    assert g["gap"] == pytest.approx(np.mean([0.3, 0.1, 0.3])) and g["n_seeds"] == 3
    assert g["gap_lo"] < g["gap"] < g["gap_hi"]
    f = P.leak_facts(audit, P.leak_gap(audit))
    assert f["shared_max"] == (3, "{:d}") and "knn_gap_lo" in f


def test_cohort_flow_counts():
    breasts = pd.DataFrame({"patient": ["a", "a", "b", "c"], "subtype": ["Luminal A", None, None, "Luminal B"]})
    sub = pd.DataFrame({"subtype": pd.Categorical(["Luminal A", "Luminal B"], categories=cmmd.SUBTYPE_ORDER)},
                       index=["a", "c"])
    flow = P.cohort_flow(breasts, sub).set_index("step")["n"]
    assert flow["breast rows in the CMMD clinical table"] == 4 and flow["patients"] == 3
    assert flow["breast rows without a molecular subtype (excluded)"] == 2
    assert flow["patients with a molecular subtype (D2)"] == 2 and flow["  Luminal A"] == 1


@pytest.mark.parametrize("arch,tv,head", [("mob_cbam", "mobilenet_v3_small", "classifier.3."),
                                          ("resnet101", "resnet101", "fc."), ("vit_b_16", "vit_b_16", "heads.")])
def test_torchvision_checkpoints_load_but_the_head(arch, tv, head):
    import torchvision.models as tvm

    state = getattr(tvm, tv)(weights=None).state_dict()
    model, report = P.build(arch, 3, state_dict=state, image_size=48 if arch != "vit_b_16" else 32)
    assert report.unexpected_keys == () and report.missing_keys and all(k.startswith(head) for k in report.missing_keys)
    x = torch.randn(1, 1, 48, 48) if arch != "vit_b_16" else torch.randn(1, 1, 32, 32)
    assert model.eval()(x).shape == (1, 3)


def test_table1_text_claims_recompute_by_hand():
    # T grade: chi² 9.390, n 390, 5 subtypes x 4 grades -> V = sqrt(9.390 / (390 * 3)) = 0.0896 (printed 0.09)
    from omicslib.papers import p4_mammography as P

    by = {c.id: c for c in P.table1_text_claims()}
    assert by["txt_t1_tgrade_effect"].ours == pytest.approx((9.390 / (390 * 3)) ** 0.5)
    # age: partial eta² = 4 F / (4 F + 385) with F = 4.639
    assert by["txt_t1_age_effect"].ours == pytest.approx(4 * 4.639 / (4 * 4.639 + 385))
    assert by["txt_abstract_luminal_auc"].ours == pytest.approx(0.7592)
    assert all(c.provenance == "paper text" for c in by.values())


def test_table23_rows_are_not_testable_and_skip_the_claimed_ones():
    from omicslib.book.claims import ABSENT
    from omicslib.papers import p4_mammography as P

    rows = P.table23_claims()
    ids = {c.id for c in rows}
    assert "luminal_test_auc" not in ids and "luminal_val_auc" in ids and "tn_cv_auc" in ids
    assert len(rows) == 4 * (2 * 6 - 1 + 1) and all(c.provenance == ABSENT for c in rows)
