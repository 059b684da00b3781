"""MCBD loader (named errors on a tiny fake copy) and the real-data protocol on tiny images (seconds)."""

import hashlib

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from sklearn.metrics import roc_auc_score

from omicslib.data import mcbd
from omicslib.data.fetch import ChecksumError, DataError, MissingDataError
from omicslib.papers.p4_mammography import real, real_config

MALIGNANT = {"1": "良", "2": "恶", "3": "良", "4": "恶"}


def _sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _breast(seed, n=64, blank=False):
    """A dark image with a bright half-ellipse (a breast) against the left edge."""
    if blank:
        return np.zeros((n, n), np.uint8)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:n, 0:n]
    inside = ((yy - n / 2) / (0.4 * n)) ** 2 + (xx / (0.5 * n)) ** 2 <= 1
    return np.clip(inside * (150 + 40 * rng.random((n, n))), 0, 255).astype(np.uint8)


def fake_mcbd(root, patients=("1", "2", "3", "4"), blank=(), labels_extra=()):
    (root / "images").mkdir(parents=True)
    lines = ["# fake MCBD manifest"]
    for p in patients:
        for v in ("CC", "MLO"):
            f = root / "images" / f"{int(p):02d}_{v}.jpg"
            Image.fromarray(_breast(int(p) * 2 + (v == "MLO"), blank=(p, v) in blank)).save(f, quality=95)
            lines.append("\t".join([f"{int(p):02d}/{v}.jpg", "64x64", "RGB", _sha(f), f"images/{f.name}", "64x64",
                                    _sha(f)]))
    (root / "MANIFEST.txt").write_text("\n".join(lines) + "\n")
    ids = list(patients) + list(labels_extra)
    birads = ["3", "4b", "4a", "5"]
    pd.DataFrame({"ID": ids, "LeftRight": "Left", "number": "2",
                  "良恶性": [MALIGNANT.get(i, "恶" if int(i) % 2 == 0 else "良") for i in ids],
                  "BI-RADS分级": [birads[k % 4] for k in range(len(ids))]}).to_excel(root / "complaints.xlsx",
                                                                                   index=False)
    return root


def test_load_a_fake_copy(tmp_path):
    d = mcbd.load(fake_mcbd(tmp_path, blank=[("3", "CC")]))
    t = d["patients"]
    assert d.provenance.kind == "other-cohort" and mcbd.NOTE in d.provenance.notes
    assert list(t.index) == ["1", "2", "3", "4"] and t["malignant"].tolist() == [0, 1, 0, 1]
    # BI-RADS 3 < 4a < 4b < 5 on the ordinal scale
    assert t["birads_score"].tolist() == [2.0, 4.0, 3.0, 6.0]
    assert d["images"]["blank"].sum() == 1 and t.loc["3", "blank_views"] == 1
    assert any("3/CC" in r for r in d.report)
    assert len(d.meta["images"]) == 8 and d.meta["images"][0].shape == (64, 64)


def test_reduced_decoding(tmp_path):
    d = mcbd.load(fake_mcbd(tmp_path), max_side=32)
    assert max(d.meta["images"][0].shape) == 32


def test_missing_image_is_named(tmp_path):
    root = fake_mcbd(tmp_path)
    (root / "images" / "02_MLO.jpg").unlink()
    with pytest.raises(MissingDataError, match="02_MLO.jpg"):
        mcbd.load(root)


def test_unreadable_image_is_named(tmp_path):
    root = fake_mcbd(tmp_path)
    f = root / "images" / "04_CC.jpg"
    f.write_bytes(b"not a jpeg")
    man = (root / "MANIFEST.txt").read_text().splitlines()
    man = [ln if "04_CC" not in ln else "\t".join(ln.split("\t")[:6] + [_sha(f)]) for ln in man]
    (root / "MANIFEST.txt").write_text("\n".join(man) + "\n")
    with pytest.raises(DataError, match="cannot read image .*04_CC.jpg"):
        mcbd.load(root)


def test_checksum_mismatch_is_named(tmp_path):
    root = fake_mcbd(tmp_path)
    Image.fromarray(_breast(99)).save(root / "images" / "01_CC.jpg")
    with pytest.raises(ChecksumError, match="01_CC.jpg"):
        mcbd.load(root)


def test_label_row_without_images(tmp_path):
    with pytest.raises(DataError, match=r"label rows without images.*\['5'\]"):
        mcbd.load(fake_mcbd(tmp_path, labels_extra=("5",)))


def test_zero_padded_ids_match_labels():
    assert mcbd._pid("01") == "1" and mcbd._pid(" 119 ") == "119"


# ----------------------------------------------------------------------------------------- pipeline


def test_breast_mask_and_square_crop():
    img = _breast(0).astype(float)
    m = real.breast_mask(img, sigma=0.5)
    truth = img > 0
    assert abs(m.sum() - truth.sum()) / truth.sum() < 0.1
    assert not real.breast_mask(np.zeros((8, 8))).any()
    # hand example: a 2 x 4 box inside a 10 x 10 image -> a 4 x 4 square, the box centred in rows 1:3
    im, mask = np.arange(100.0).reshape(10, 10), np.zeros((10, 10), bool)
    mask[3:5, 2:6] = True
    ci, cm = real.square_crop(im, mask)
    assert ci.shape == (4, 4) and cm[1:3].all() and not cm[[0, 3]].any()
    assert ci[1, 0] == 32 and ci[0].sum() == 0


def test_preprocess_shapes_and_normalisation():
    x, m, st = real.preprocess(_breast(1), 16, 32, stages=True)
    assert x.shape == (16, 16) and m.shape == (16, 16) and m.any()
    assert list(st)[:4] == ["input", "breast mask", "CLAHE", "breast crop"]
    from omicslib.papers.p4_mammography.roi import GREY_MEAN, GREY_STD
    assert np.isclose(x.min(), (0 - GREY_MEAN) / GREY_STD, atol=0.05)


def test_patient_folds_keep_views_together_and_image_folds_do_not():
    pid = np.repeat(np.arange(40), 2)
    y = np.repeat(np.arange(40) % 2, 2)
    usable = np.ones(80, bool)
    fp = real.folds_of(y, pid, usable, "patient", 4, 0)
    assert (fp[0::2] == fp[1::2]).all()
    fi = real.folds_of(y, pid, usable, "image", 4, 0)
    assert (fi[0::2] != fi[1::2]).any()
    usable[5] = False
    assert real.folds_of(y, pid, usable, "patient", 4, 0)[5] == -1


def test_patient_score_is_the_mean_of_views():
    s = real.patient_scores([0.2, 0.6, np.nan, 0.9], ["a", "a", "b", "b"])
    assert s["a"] == pytest.approx(0.4) and s["b"] == pytest.approx(0.9)


def test_birads_auc_matches_sklearn():
    y = np.array([0, 0, 0, 1, 1, 0, 1, 1, 0, 1])
    score = np.array([2, 2, 3, 4, 6, 3, 5, 2, 4, 7.0])
    assert real.birads_baseline(y, score)["auc"] == pytest.approx(roc_auc_score(y, score))


def test_paired_bootstrap_sign_and_zero():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    good, noise = y + rng.normal(0, 0.5, 200), rng.normal(size=200)
    r = real.paired_bootstrap_auc_diff(y, good, noise, n_boot=300)
    assert r["diff"] == pytest.approx(roc_auc_score(y, good) - roc_auc_score(y, noise))
    assert r["lo"] > 0 and r["p"] < 0.05
    same = real.paired_bootstrap_auc_diff(y, good, good, n_boot=100)
    assert same["diff"] == 0 and np.isnan(same["lo"]) and np.isnan(same["hi"]) and same["p"] == 1  # no spread


def test_random_map_share_is_the_mask_area():
    m = np.zeros((32, 32), bool)
    m[:, :8] = True
    assert real.random_map_share(m, 16, n=50) == pytest.approx(0.25, abs=0.02)


def _patient_table(n=60, side=4, seed=1):
    """Per-patient features shaped as :func:`real.patient_features` returns them (the image statistics, then a
    ``side`` x ``side`` pixel block), with the malignancy signal in the first statistic only."""
    rng = np.random.default_rng(seed)
    y = np.r_[np.zeros(n - n // 3), np.ones(n // 3)].astype(int)
    F = rng.normal(size=(n, len(real.STAT_NAMES) + side * side))
    F[:, 0] += 1.5 * y
    cols = [*real.STAT_NAMES, *(f"px_{i}" for i in range(side * side))]
    return pd.DataFrame(F, columns=cols, index=[f"p{i}" for i in range(n)]), y, np.arange(n) % 3


def test_nested_baseline_passes_select_the_training_rows_only(monkeypatch):
    """Spy on the selection: every call of ``select`` gets exactly the outer fold's training patients, never a
    test patient of that fold."""
    from omicslib import baselines

    F, y, fold = _patient_table()
    seen, select = [], baselines.select
    monkeypatch.setattr(baselines, "select", lambda X, yy, **kw: seen.append((np.asarray(X), np.asarray(yy)))
                        or select(X, yy, **kw))
    real.nested_baseline(F, y, fold, seed=0)
    A = F.to_numpy(float)
    assert len(seen) == 3
    for k, (X, yy) in enumerate(seen):
        assert np.array_equal(X, A[fold != k]) and np.array_equal(yy, y[fold != k])
        assert not (X[:, None, :] == A[fold == k][None, :, :]).all(-1).any()


def test_nested_baseline_choice_unchanged_when_the_test_fold_is_replaced():
    """Replace the test fold's features by noise and flip its labels: that fold's selection (family, input,
    hyperparameters, inner AUC) does not move, since the selection never saw those rows."""
    F, y, fold = _patient_table()
    keys = ["family", "preprocessing", "hyperparameters", "inner_score", "at_edge", "n_widen"]
    ref = real.nested_baseline(F, y, fold, seed=0)["records"].set_index("fold")[keys]
    G, z = F.copy(), y.copy()
    te = fold == 1
    G.loc[te] = np.random.default_rng(9).normal(0, 5, (te.sum(), F.shape[1]))
    z[te] = 1 - z[te]
    moved = real.nested_baseline(G, z, fold, seed=0)["records"].set_index("fold")[keys]
    pd.testing.assert_series_equal(moved.loc[1], ref.loc[1])


def test_nested_baseline_records_hold_every_record_key():
    """One selection record per outer fold with every key :data:`omicslib.baselines.RECORD_KEYS` names (plus
    seed and fold), a searched family and input, and a score for every patient."""
    from omicslib.baselines import RECORD_KEYS

    F, y, fold = _patient_table()
    b = real.nested_baseline(F, y, fold, seed=3)
    rec = b["records"]
    assert list(rec["fold"]) == [0, 1, 2] and (rec["seed"] == 3).all()
    assert set(RECORD_KEYS) <= set(rec.columns) and rec[list(RECORD_KEYS)].notna().all().all()
    assert set(rec["family"]) <= set(real.BASELINE_FAMILIES) and set(rec["preprocessing"]) <= set(real.BASELINE_INPUTS)
    assert (rec["scoring"] == "roc_auc").all() and (rec["inner_folds"] == 3).all()
    assert (rec["class_weight"] == "balanced").all()
    assert np.isfinite(b["score"]).all() and roc_auc_score(y, b["score"]) > 0.7


def test_patient_features_average_usable_views_and_impute_nothing():
    """A patient's features are the mean over its usable views (one blank view: the other view's values, by
    hand); a patient with no usable view stops the baseline with its name instead of an imputed row."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 1, 8, 8)).astype(np.float32)
    masks = np.ones((6, 8, 8), bool)
    pid = np.array(["a", "a", "b", "b", "c", "c"])
    usable = np.array([True, True, False, True, False, False])
    with pytest.raises(ValueError, match=r"\['c'\].*imputes nothing"):
        real.patient_features(X, masks, pid, usable, ["a", "b", "c"])
    F = real.patient_features(X, masks, pid, usable, ["a", "b"])
    stat = real.image_statistics(X, masks)
    assert F.shape == (2, len(real.STAT_NAMES) + 64)            # an 8 px image pools to at most 8 x 8
    assert np.allclose(F.loc["b", list(real.STAT_NAMES)], stat[3])
    assert np.allclose(F.loc["a", list(real.STAT_NAMES)], stat[:2].mean(0))
    assert np.allclose(F.loc["b"].to_numpy()[len(real.STAT_NAMES):], X[3, 0].ravel())


def test_tiny_real_protocol_runs(tmp_path):
    d = mcbd.load(fake_mcbd(tmp_path, patients=tuple(str(i) for i in range(1, 13))))
    cfg = real_config("smoke", image_size=16, work_px=32, cam_images=4, n_boot=50)
    X, masks = real.prepare_real(d.meta["images"], cfg.image_size, cfg.work_px)
    arm = real.run_arm(X, masks, d["images"], d["patients"], cfg, 1.3)
    nets = arm["seeds"][arm["seeds"]["arch"] != real.KNN]
    assert set(nets["split"]) == {"patient", "image"} and (nets["init"] == "random").all()
    assert len(nets) == 2 * len(cfg.seeds) and (arm["seeds"]["arch"] == real.KNN).sum() == 2 * len(cfg.seeds)
    assert set(arm["cam"]["layer"]) == {"features.1", "features.4"}
    assert arm["cam"]["cam_share"].dropna().between(0, 1 + 1e-9).all()
    y = d["patients"]["malignant"].to_numpy()
    leak = real.leak_inflation(y, arm["scores"], (*cfg.leak_archs, real.KNN), 50)
    claims = real.real_claims(y, arm["scores"], arm["seeds"], leak, cfg, {"auc": 0.9, "lo": 0.8, "hi": 1.0})
    by = {c.id: c for c in claims}
    assert "real_split_leak_knn" in by and by["real_cbam_beats_densenet121"].not_run   # densenet121 untrained in smoke
    assert by["real_split_leak_knn"].baseline == real.BASELINE and (real.BASELINE, "patient") in arm["scores"]
    assert by["real_cbam_beats_densenet121"].baseline == "BI-RADS (radiologist)"
    assert len(arm["tuning"]) == cfg.n_folds * len(cfg.seeds)
    aucs = real.model_aucs(y, arm["scores"], arm["seeds"])
    birads = real.birads_baseline(y, d["patients"]["birads_score"].to_numpy(float))
    vs = real.comparisons(y, arm["scores"], d["patients"]["birads_score"].to_numpy(float))
    cam = real.cam_summary(arm["cam"])
    facts = real.real_facts(arm, aucs, birads, vs, leak, cam, cfg, 12, 24, 0, 1.0)
    import re
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in facts) and "real_auc_knn_image" in facts
    assert facts["baseline_auc"][0] == facts["real_auc_baseline_patient"][0] and facts["baseline_n_patients"][0] == 12
    assert by["real_split_leak_simple_cnn_molsub"].provenance == "other-cohort"
    aug = real.augmentation_effect(X, d["images"], d["patients"], cfg, 1.3, arm["runs"], 50)
    assert list(aug["augmentation"]) == ["molsub (effective)", "none"] and (aug["n_seeds"] == len(cfg.seeds)).all()
    assert np.allclose(aug["diff"], aug["auc"] - aug["auc_paper_augmentation"])
    assert set(real.augmentation_facts(aug)) >= {"aug_molsub_diff", "aug_none_p", "aug_auc_paper"}
    with pytest.raises(ValueError, match="augment must be one of"):
        real.train_binary(X, np.zeros(len(X), int), [0, 1], cfg, "simple_cnn_molsub", 0, 1.3, augment="molsub")


def test_molsub_effective_augmentation_only_reverses_rows():
    from omicslib.papers.p4_mammography.roi import molsub_augmentation

    x = torch.arange(12.0).reshape(1, 3, 4)               # non-square: rows and columns tell apart
    seen = {tuple(molsub_augmentation()(x).flatten().tolist()) for _ in range(40)}
    assert seen == {tuple(x.flatten().tolist()), tuple(x.flip(1).flatten().tolist())}


def test_real_config_rejects_bad_values():
    with pytest.raises(ValueError, match="leak_archs"):
        real_config("quick", leak_archs=("densenet121",))
    with pytest.raises(ValueError, match="unknown RealConfig fields"):
        real_config("quick", nope=1)


def test_molsub_box_by_hand():
    # portrait 10 x 6 image, lesion rows 7-8, columns 1-2 (inclusive)
    m = np.zeros((10, 6), bool)
    m[7:9, 1:3] = True
    # inclusive end as exclusive: rows 7:8, cols 1:2; swapped clamp pushes rows against the width (6): 5:6
    assert real.molsub_box(m, 0) == (5, 6, 1, 2)
    r0, r1, c0, c1 = real.molsub_box(m, 0)
    assert m[r0:r1, c0:c1].sum() == 0  # nothing of the lesion kept
    # without the swap only the off-by-one remains: 1 of 4 lesion pixels kept
    q = real.molsub_box(m, 0, swap_axes=False)
    assert q == (7, 8, 1, 2) and m[q[0]:q[1], q[2]:q[3]].sum() == 1
    # with neither departure the box is the lesion's
    assert real.molsub_box(m, 0, swap_axes=False, inclusive_end_bug=False) == (7, 9, 1, 3)


@pytest.mark.skipif(not __import__("omicslib.data", fromlist=["available"]).available("mcbd", "manifest"),
                    reason="MCBD mirror not on this machine")
def test_real_mcbd_counts():
    d = mcbd.load(max_side=64)
    t = d["patients"]
    assert len(t) == 181 and len(d["images"]) == 362
    assert (t["pathology"] == "benign").sum() == 117 and t["malignant"].sum() == 64
    assert d["images"]["blank"].sum() == 6
    assert d.provenance.kind == "other-cohort"


@pytest.mark.needs_data("mcbd")
def test_real_nested_baseline_choices_end_inside_their_widened_search():
    """On the real mammograms at the quick profile's sizes, every outer fold of every seed ends its selection
    inside the widened search of the chosen family (no choice at a grid edge), without convergence warnings: a
    choice at the edge would mean the grid, not the data, decided the strongest simple baseline (the page
    quotes both counts)."""
    from omicslib.papers.p4_mammography.config import real_config

    cfg = real_config("quick")
    d = mcbd.load(max_side=cfg.load_px)
    images, patients = d["images"], d["patients"]
    X, masks = real.prepare_real(d.meta["images"], cfg.image_size, cfg.work_px)
    y_img, pid, usable = real.labels_of(images, patients)
    feats = real.patient_features(X, masks, pid, usable, patients.index)
    for seed in cfg.seeds:
        fold = real.patient_folds(real.folds_of(y_img, pid, usable, "patient", cfg.n_folds, seed), pid,
                                  patients.index)
        rec = real.nested_baseline(feats, patients["malignant"].to_numpy(int), fold, seed)["records"]
        assert not rec["at_edge"].astype(bool).any(), rec[["fold", "family", "hyperparameters", "at_edge"]]
        assert (rec["convergence_warnings"] + rec["warnings_at_choice"] == 0).all()


def test_knn_memoriser_profits_from_the_per_image_split_only():
    # 40 patients whose two views are the same random image: a per-image split puts most twins in training
    rng = np.random.default_rng(0)
    base = rng.normal(size=(40, 1, 8, 8)).astype(np.float32)
    X, pid = np.repeat(base, 2, axis=0), np.repeat(np.arange(40), 2)
    y = np.repeat(rng.permutation(np.r_[np.zeros(20), np.ones(20)]).astype(int), 2)
    usable = np.ones(80, bool)
    img = real.knn_real(X, y, pid, usable, "image", 0, 4)
    pat = real.knn_real(X, y, pid, usable, "patient", 0, 4)
    twin_in_train = img.fold_of_image[0::2] != img.fold_of_image[1::2]
    # every view whose twin sat in training is predicted exactly
    assert (img.image_prob[0::2][twin_in_train] == y[0::2][twin_in_train]).all()
    assert roc_auc_score(y, img.image_prob) > 0.8 and roc_auc_score(y, pat.image_prob) < 0.75


def test_real_arm_jobs_equal_in_process(tmp_path):
    from omicslib.papers.p4_mammography import jobs as J

    root = tmp_path / "mcbd"
    fake_mcbd(root, patients=tuple(str(i) for i in range(1, 13)))
    over = {"image_size": 16, "work_px": 32, "cam_images": 4, "n_boot": 50}
    cfg = real_config("smoke", **over)
    ids = J.jobs(J.REAL, "smoke", config_overrides=over)
    specs = real.arm_specs(cfg) + real.augmentation_specs(cfg)
    assert ids == [s.job for s in specs] and len(ids) == 2 * 2 + 2 * 2     # arm: 2 splits x 2 seeds; aug: 2 x 2
    assert ids[0] == "archsimple_cnn_molsub-splitpatient-seed0-augpaper" and specs[0].keep_state
    jobs_dir = tmp_path / "jobs"
    for job in ids:
        J.run_real(job, "smoke", jobs_dir / f"{job}.json", config_overrides=over, root=root)
    assert len(list(jobs_dir.glob("_mcbd-*.json"))) == 1        # prepared by the first job, read by the others
    d = mcbd.load(root, max_side=cfg.load_px)
    X, masks = real.prepare_real(d.meta["images"], cfg.image_size, cfg.work_px)
    here = real.run_arm(X, masks, d["images"], d["patients"], cfg, 1.3)
    read = real.run_arm(X, masks, d["images"], d["patients"], cfg, 1.3, jobs_dir=jobs_dir)
    pd.testing.assert_frame_equal(here["seeds"].drop(columns="seconds"), read["seeds"].drop(columns="seconds"))
    pd.testing.assert_frame_equal(here["cam"], read["cam"])
    aug_here = real.augmentation_effect(X, d["images"], d["patients"], cfg, 1.3, here["runs"], 50)
    aug_read = real.augmentation_effect(X, d["images"], d["patients"], cfg, 1.3, read["runs"], 50, jobs_dir=jobs_dir)
    pd.testing.assert_frame_equal(aug_here, aug_read)
    with pytest.raises(ValueError, match="data_sha256"):             # units from other images are refused
        real.run_arm(X + 1, masks, d["images"], d["patients"], cfg, 1.3, jobs_dir=jobs_dir)
    with pytest.raises(ValueError, match="not in the grid"):
        J.run_real("archvit_b_16-splitpatient-seed0-augpaper", "smoke", jobs_dir / "x.json", root=root)



def test_rehearsal_trains_one_fold_of_one_seed_standing_for_all(tmp_path, monkeypatch):
    import json

    root = tmp_path / "mcbd"
    fake_mcbd(root, patients=tuple(str(i) for i in range(1, 13)))
    cfg = real_config("smoke", image_size=16, work_px=32, cam_images=4, n_boot=50)
    d = mcbd.load(root, max_side=cfg.load_px)
    X, masks = real.prepare_real(d.meta["images"], cfg.image_size, cfg.work_px)
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "1")
    monkeypatch.setenv("OMICSLIB_FIT_LOG", str(tmp_path / "fits.jsonl"))
    arm = real.run_arm(X, masks, d["images"], d["patients"], cfg, 1.3)
    lines = [json.loads(s) for s in (tmp_path / "fits.jsonl").read_text().splitlines()]
    # 2 splits x 1 seed x 1 fold trained, each standing for 2 seeds x 2 folds; every run still scores everyone
    assert len(lines) == 2 and all(x["repeats"] == len(cfg.seeds) * cfg.n_folds for x in lines)
    nets = arm["seeds"][arm["seeds"]["arch"] != real.KNN]
    assert len(nets) == 2 * len(cfg.seeds)
    usable = ~d["images"]["blank"].to_numpy(bool)
    assert all(np.isfinite(r.image_prob[usable]).all() for r in arm["runs"])
