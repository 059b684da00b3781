"""p4 on real mammograms (MCBD, another cohort and another task: benign vs malignant).

The paper's pipeline needs a radiologist's lesion outline for its ROI crop; MCBD has none, so the breast
region stands in for the lesion ROI: :func:`breast_mask` segments the breast (Otsu threshold on the
smoothed image, largest connected component, holes filled), :func:`preprocess` applies the paper's CLAHE
(clip 0.003), crops the breast's bounding box, pads it to a square with background, resizes it and
normalises it as the other notebooks do (:func:`.roi.normalise`); the paper's augmentation
(:func:`.roi.augmentation`) acts during training. To keep the CPU budget, every image is first reduced
to ``work_px`` on its long side (default 256) before segmentation and CLAHE (stated on the page).

:func:`cross_validate_real` trains each architecture from random initialisation on a patient-level (or,
for the split-leak audit, an image-level) stratified k-fold CV, repeated over seeds; a patient's score
is the mean of its views' malignancy probabilities (blank views left out). :func:`birads_baseline` and
:func:`image_stat_baseline` are the simple baselines; :func:`compare_to` gives DeLong tests on the
seed-averaged patient scores and :func:`leak_inflation` the per-image minus per-patient AUC with a
paired patient bootstrap. :func:`cam_breast_shares` measures how much Grad-CAM mass lies in the breast.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from omicslib import bootstrap, stats
from omicslib.papers.p4_mammography.roi import AUGMENTATIONS, ROIDataset, augmentation, clahe, normalise, oversample
from omicslib.train import adam, fit, loader, predict, rehearsal_limit, rehearsal_repeats, rehearsal_runs, supervised
from omicslib.tuning import search_1d

#: The binary task's oversampling rate: the paper's Luminal task (its binary task with the closest class
#: imbalance, 501/261 images = 1.9 : 1; MCBD 117/64 = 1.8 : 1) uses 1.3 (reference.csv oversampling_luminal).
OVERSAMPLING_KEY = "oversampling_luminal"
CI_LEVEL = 0.90


# ------------------------------------------------------------------------------------------ pipeline


def downscale(image: np.ndarray, long_side: int) -> np.ndarray:
    """``image`` resized (anti-aliased, bilinear) so that its long side is ``long_side`` px (never enlarged)."""
    from skimage.transform import resize

    img = np.asarray(image, float)
    f = long_side / max(img.shape)
    if f >= 1:
        return img
    shape = (max(1, round(img.shape[0] * f)), max(1, round(img.shape[1] * f)))
    return resize(img, shape, order=1, anti_aliasing=True, preserve_range=True)


def breast_mask(image: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    """Boolean breast mask: Otsu threshold of the Gaussian-smoothed image, largest connected component,
    holes filled. A constant (blank) image gives an all-False mask."""
    from scipy import ndimage
    from skimage.filters import threshold_otsu

    img = np.asarray(image, float)
    if np.ptp(img) == 0:
        return np.zeros(img.shape, bool)
    smooth = ndimage.gaussian_filter(img, sigma)
    fg = smooth > threshold_otsu(smooth)
    lab, n = ndimage.label(fg)
    if n == 0:
        return np.zeros(img.shape, bool)
    sizes = ndimage.sum(fg, lab, index=np.arange(1, n + 1))
    return ndimage.binary_fill_holes(lab == 1 + int(np.argmax(sizes)))


def square_crop(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mask's bounding box cut from ``image`` and ``mask``, padded with zeros (background) to a square
    centred on the box (no stretching). An empty mask keeps the whole image."""
    img, m = np.asarray(image, float), np.asarray(mask, bool)
    if img.shape != m.shape:
        raise ValueError(f"image {img.shape} and mask {m.shape} differ in shape")
    if m.any():
        rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
        img, m = img[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], m[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = img.shape
    s = max(h, w)
    top, left = (s - h) // 2, (s - w) // 2
    out_i, out_m = np.zeros((s, s)), np.zeros((s, s), bool)
    out_i[top:top + h, left:left + w], out_m[top:top + h, left:left + w] = img, m
    return out_i, out_m


def preprocess(image: np.ndarray, size: int, work_px: int = 256, stages: bool = False):
    """One mammogram through the real-data pipeline: reduce to ``work_px`` -> breast mask -> CLAHE (the
    paper's clip 0.003) -> breast crop padded to a square -> resize to ``size`` -> normalise.

    Returns ``(x, mask)``: the normalised (size, size) float32 input and its breast mask; with ``stages``
    also a dict of the intermediate images (for the pipeline figure).
    """
    from skimage.transform import resize

    small = downscale(image, work_px)
    mask = breast_mask(small)
    eq = clahe(small) * mask if mask.any() else clahe(small)
    crop, cmask = square_crop(eq, mask)
    x = resize(crop, (size, size), order=1, anti_aliasing=crop.shape[0] > size, preserve_range=True)
    m = resize(cmask.astype(float), (size, size), order=1, anti_aliasing=False) > 0.5
    out = normalise(np.clip(x, 0, 1)).astype(np.float32)
    if stages:
        lo, hi = float(small.min()), float(small.max())
        return out, m, {"input": (small - lo) / ((hi - lo) or 1), "breast mask": mask.astype(float),
                        "CLAHE": eq, "breast crop": crop, f"resized {size} px": x, "normalised": out}
    return out, m


def prepare_real(pixels, size: int, work_px: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``(X, masks)``: every image through :func:`preprocess`, X of shape (N, 1, size, size)."""
    xs, ms = zip(*(preprocess(p, size, work_px) for p in pixels))
    return np.stack(xs)[:, None].astype(np.float32), np.stack(ms)


def augmented_examples(X: np.ndarray, idx, seed: int = 0) -> np.ndarray:
    """The paper's augmentation applied once to ``X[idx]`` (for the pipeline figure)."""
    torch.manual_seed(seed)
    aug = augmentation()
    return np.stack([aug(torch.as_tensor(X[i])).numpy()[0] for i in idx])


# ------------------------------------------------------------------------------------------- training


@dataclass
class RealRun:
    """Out-of-fold malignancy probabilities of one architecture, one split scheme and one seed."""

    arch: str
    split: str          # "patient" | "image"
    seed: int
    image_prob: np.ndarray          # per image (NaN for blank views, never scored)
    fold_of_image: np.ndarray
    seconds: float
    random_init: bool = True
    states: list = field(default_factory=list)   # kept fold weights (for Grad-CAM), else empty


def folds_of(y_img: np.ndarray, patients: np.ndarray, usable: np.ndarray, split: str, n_folds: int,
             seed: int) -> np.ndarray:
    """Fold number of every image (-1 for unusable ones): stratified k-fold over PATIENTS (both views in one
    fold) for ``split="patient"``; over IMAGES, ignoring the patient, for ``split="image"`` (the authors'
    per-image split)."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if split not in ("patient", "image"):
        raise ValueError(f"split must be 'patient' or 'image', got {split!r}")
    idx = np.flatnonzero(usable)
    fold = np.full(len(y_img), -1)
    if split == "patient":
        cv = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        parts = cv.split(idx, y_img[idx], patients[idx])
    else:
        cv = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        parts = cv.split(idx, y_img[idx])
    for k, (_, te) in enumerate(parts):
        fold[idx[te]] = k
    return fold


def train_binary(X, y, train_idx, cfg, arch: str, seed: int, rate: float, augment: str = "paper",
                 device="cpu") -> nn.Module:
    """One network from random initialisation on ``train_idx`` (oversampled at ``rate``, the ``augment``
    augmentation of :data:`.roi.AUGMENTATIONS` unless ``cfg.augment`` is off, AdamW + cosine schedule as in
    :func:`.protocol.train_model`), no early stopping."""
    from omicslib.papers.p4_mammography.model import build
    from omicslib.runtime import seed_everything

    if augment not in AUGMENTATIONS:
        raise ValueError(f"augment must be one of {sorted(AUGMENTATIONS)}, got {augment!r}")
    seed_everything(seed)
    model, _ = build(arch, 2, pretrained=False, dropout=cfg.dropout, image_size=cfg.image_size)
    tr = np.asarray(train_idx)
    tr = tr[oversample(y[tr], rate, seed)]
    ds = ROIDataset(X, y, tr, AUGMENTATIONS[augment]() if cfg.augment else None)
    opt = adam(model.parameters(), decoupled=True, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.t_max, eta_min=cfg.eta_min)
    fit(model, loader(ds, cfg.batch_size, shuffle=True, seed=seed, drop_last=len(ds) > cfg.batch_size), None,
        loss_step=supervised(nn.CrossEntropyLoss()), optimizer=opt, epochs=cfg.epochs, scheduler=sched,
        patience=None, device=device)
    return model


def cross_validate_real(X, y_img, patients, usable, cfg, arch: str, split: str, seed: int, n_folds: int,
                        rate: float, keep_state: bool = False, augment: str = "paper", device="cpu") -> RealRun:
    """Out-of-fold probabilities of ``arch`` under ``split`` for one ``seed`` (folds drawn with that seed),
    trained with the ``augment`` augmentation on ``device`` (the weights kept on the CPU)."""
    t0 = time.perf_counter()
    y_img, patients, usable = np.asarray(y_img), np.asarray(patients), np.asarray(usable, bool)
    fold = folds_of(y_img, patients, usable, split, n_folds, seed)
    prob = np.full(len(y_img), np.nan)
    states = []
    n_train, repeats = rehearsal_runs(n_folds)
    for k in range(n_folds):
        tr, te = np.flatnonzero((fold != k) & usable), np.flatnonzero(fold == k)
        if k >= n_train:   # the rehearsal trains one fold; the others repeat its scores (only their count matters)
            scored = prob[np.isfinite(prob)]
            prob[te] = scored[np.arange(len(te)) % len(scored)]
        else:
            with rehearsal_repeats(repeats):
                model = train_binary(X, y_img, tr, cfg, arch, seed * 100 + k, rate, augment, device)
            logits = predict(model, loader(ROIDataset(X, np.zeros(len(X), int), te), 64), device)
            prob[te] = torch.softmax(torch.as_tensor(logits), 1).numpy()[:, 1]
        if keep_state:
            states.append({n: v.detach().cpu().clone() for n, v in model.state_dict().items()})
    return RealRun(arch, split, seed, prob, fold, time.perf_counter() - t0, True, states)


KNN = "1-NN pixels"
#: Scores that do not come from a trained network (no initialisation to record).
NOT_NETWORKS = (KNN, "image statistics (logistic)")


def knn_real(X, y_img, patients, usable, split: str, seed: int, n_folds: int) -> RealRun:
    """The pure memoriser of the synthetic audit (:func:`.audit.knn_learner`: 1-nearest neighbour on the
    pixels) on the same folds: its out-of-fold prediction (0/1) per image. It recognises a patient's other
    view when the split lets that view into training."""
    from sklearn.neighbors import KNeighborsClassifier

    t0 = time.perf_counter()
    y_img, usable = np.asarray(y_img), np.asarray(usable, bool)
    fold = folds_of(y_img, np.asarray(patients), usable, split, n_folds, seed)
    flat = np.asarray(X).reshape(len(X), -1)
    prob = np.full(len(y_img), np.nan)
    for k in range(n_folds):
        tr, te = np.flatnonzero((fold != k) & usable), np.flatnonzero(fold == k)
        prob[te] = KNeighborsClassifier(1).fit(flat[tr], y_img[tr]).predict(flat[te])
    return RealRun(KNN, split, seed, prob, fold, time.perf_counter() - t0, random_init=False)


def patient_scores(image_prob, patients) -> pd.Series:
    """Per-patient score = mean of its views' probabilities (views without a score left out)."""
    s = pd.Series(np.asarray(image_prob, float)).groupby(np.asarray(patients), sort=False).mean()
    return s


# ------------------------------------------------------------------------------------------ baselines


def _auc_ci(y, score, level: float = CI_LEVEL) -> tuple[float, float, float]:
    r = stats.delong(np.asarray(y), np.asarray(score, float), alpha=1 - level, pos_label=1)
    return r.extra["auc"], *r.extra["ci"]


def birads_baseline(y, birads_score) -> dict:
    """The radiologist's BI-RADS as an ordinal score against pathology: AUC with its DeLong CI (90 %)."""
    auc, lo, hi = _auc_ci(y, birads_score)
    return {"auc": auc, "lo": lo, "hi": hi, "n": int(len(y))}


def image_statistics(X: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Simple intensity statistics of each image inside its breast mask: mean, SD, skewness, kurtosis,
    the 10/50/90th percentiles and the breast's area fraction (8 columns; NaN for an empty mask)."""
    from scipy import stats as ss

    rows = []
    for x, m in zip(np.asarray(X)[:, 0], np.asarray(masks, bool)):
        v = x[m]
        if v.size < 3:
            rows.append([np.nan] * 8)
            continue
        rows.append([v.mean(), v.std(), ss.skew(v), ss.kurtosis(v), *np.percentile(v, [10, 50, 90]), m.mean()])
    return np.asarray(rows, float)


#: The starting regularisation grid of the image-statistics baseline (one value per decade), widened while the
#: chosen C sits at an edge (:func:`omicslib.tuning.search_1d`); a choice still at the edge is counted
#: (``at_edge``, quoted on the page).
C_GRID = tuple(np.logspace(-4, 4, 9))


def image_stat_baseline(features: pd.DataFrame, y, fold_of_patient: np.ndarray, seed: int,
                        grid=C_GRID, inner: int = 3) -> dict:
    """L2 logistic regression on per-patient image statistics, C tuned by an inner stratified CV on the
    training folds only (mean ROC AUC, class-balanced weights; :func:`omicslib.tuning.search_1d`, ties: the
    smaller C), on the given outer folds.

    Returns ``{"score": out-of-fold probabilities per patient, "C": chosen C per fold, "at_edge": number of
    folds whose C is at the edge of its widened search, "convergence_warnings": over the searches and refits}``.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    F, y = np.asarray(features, float), np.asarray(y)
    score, chosen, n_edge, n_warn = np.full(len(y), np.nan), [], 0, 0

    def fitted(c, rows):
        nonlocal n_warn
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always", ConvergenceWarning)
            m = make_pipeline(StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=5000))
            m.fit(F[rows], y[rows])
        n_warn += sum(issubclass(x.category, ConvergenceWarning) for x in w)
        return m

    for k in np.unique(fold_of_patient):
        tr, te = np.flatnonzero(fold_of_patient != k), np.flatnonzero(fold_of_patient == k)
        splits = [(tr[a], tr[b]) for a, b in StratifiedKFold(inner, shuffle=True, random_state=seed).split(tr, y[tr])]

        def inner_auc(c, splits=splits):
            return float(np.mean([roc_auc_score(y[b], fitted(c, a).predict_proba(F[b])[:, 1]) for a, b in splits]))

        c, record = search_1d(inner_auc, grid)
        chosen.append(c)
        n_edge += bool(record["at_edge"])
        score[te] = fitted(c, tr).predict_proba(F[te])[:, 1]
    return {"score": score, "C": chosen, "at_edge": n_edge, "convergence_warnings": n_warn}


# ----------------------------------------------------------------------------------------- comparisons


def seed_auc(y_pat: pd.Series, runs: list[RealRun], patients) -> pd.DataFrame:
    """Per-patient AUC of each run (arch x split x seed), with its DeLong CI (90 %)."""
    rows = []
    for r in runs:
        s = patient_scores(r.image_prob, patients).reindex(y_pat.index)
        auc, lo, hi = _auc_ci(y_pat.to_numpy(), s.to_numpy())
        rows.append({"arch": r.arch, "split": r.split, "seed": r.seed, "auc": auc, "lo": lo, "hi": hi,
                     "seconds": r.seconds,
                     "init": "not a network" if r.arch in NOT_NETWORKS else "random" if r.random_init else "pretrained"})
    return pd.DataFrame(rows)


def ensemble_scores(runs: list[RealRun], patients, index) -> dict[tuple[str, str], np.ndarray]:
    """``{(arch, split): per-patient score averaged over seeds}`` aligned to ``index``."""
    out: dict[tuple[str, str], list] = {}
    for r in runs:
        out.setdefault((r.arch, r.split), []).append(patient_scores(r.image_prob, patients).reindex(index).to_numpy())
    return {k: np.mean(v, axis=0) for k, v in out.items()}


def model_aucs(y, scores: dict, seeds: pd.DataFrame) -> pd.DataFrame:
    """Per (arch, split): the seed-averaged score's AUC with DeLong 90 % CI, and the per-seed AUCs' mean/min/max."""
    rows = []
    for (arch, split), s in scores.items():
        auc, lo, hi = _auc_ci(y, s)
        g = seeds[(seeds.arch == arch) & (seeds.split == split)]["auc"]
        rows.append({"arch": arch, "split": split, "auc": auc, "lo": lo, "hi": hi, "n_seeds": int(g.size),
                     "seed_mean": g.mean(), "seed_min": g.min(), "seed_max": g.max(),
                     "init": "not a network" if arch in NOT_NETWORKS else "random"})
    return pd.DataFrame(rows)


def compare_to(y, score_a, score_b, level: float = CI_LEVEL) -> dict:
    """DeLong test of AUC(a) - AUC(b) on the same patients, with its CI at ``level``."""
    r = stats.delong(np.asarray(y), np.asarray(score_a, float), np.asarray(score_b, float), alpha=1 - level,
                     pos_label=1)
    return {"auc_a": r.extra["auc_a"], "auc_b": r.extra["auc_b"], "diff": r.extra["diff"], "lo": r.extra["ci"][0],
            "hi": r.extra["ci"][1], "z": r.statistic, "p": r.pvalue}


def paired_bootstrap_auc_diff(y, score_a, score_b, n_boot: int = 2000, seed: int = 0,
                              level: float = CI_LEVEL) -> dict:
    """AUC(a) - AUC(b) with a percentile CI from resampling the patients (paired, within each class so
    both stay present: :func:`omicslib.bootstrap.paired`) and its two-sided bootstrap p."""
    y = np.asarray(y).astype(int)
    r = bootstrap.paired(y, [np.asarray(score_a, float)], [np.asarray(score_b, float)], bootstrap.binary_auc,
                         n_boot=n_boot, level=level, seed=seed, strata=y)
    return {"diff": r["diff"], "lo": r["ci"][0], "hi": r["ci"][1], "p": r["p"], "n_boot": n_boot}


def leak_inflation(y, scores: dict, archs, n_boot: int = 2000) -> pd.DataFrame:
    """Per architecture: AUC with the per-image split minus AUC with the per-patient split (seed-averaged
    patient scores, same seeds), paired patient bootstrap CI (90 %)."""
    rows = []
    for arch in archs:
        if (arch, "image") in scores and (arch, "patient") in scores:
            rows.append({"arch": arch, **paired_bootstrap_auc_diff(y, scores[(arch, "image")],
                                                                   scores[(arch, "patient")], n_boot)})
    return pd.DataFrame(rows)


def augmentation_effect(X, images: pd.DataFrame, patients: pd.DataFrame, cfg, rate: float, runs: list[RealRun],
                        n_boot: int = 2000, device="cpu", jobs_dir=None) -> pd.DataFrame:
    """The authors' effective augmentation (molsub's, which departs from the paper's) measured: ``cfg.cam_arch`` (the
    paper's model in ``paper``) retrained on the per-patient split with molsub's effective augmentation and with none,
    the same seeds and folds as its ``runs`` with the paper's augmentation. Per variant: the mean over seeds of the
    per-patient AUC of both, and AUC(variant) - AUC(paper's) with a CI and p from :func:`omicslib.bootstrap.paired`
    (patients, within each class, and seeds resampled together; seed i of one arm paired with seed i of the other).
    The retrained networks (:func:`augmentation_specs`) run here or come from the grid jobs (``jobs_dir``)."""
    _, pid, _ = labels_of(images, patients)
    y = patients["malignant"].to_numpy(int)
    arch = cfg.cam_arch
    specs = augmentation_specs(cfg)
    retrained = network_runs(specs, X, images, patients, cfg, rate, device, jobs_dir)

    def per_seed(rs):
        return [patient_scores(r.image_prob, pid).reindex(patients.index).to_numpy(float)
                for r in sorted(rs, key=lambda r: r.seed)]

    paper = per_seed([r for r in runs if r.arch == arch and r.split == "patient"])
    if len(paper) != len(cfg.seeds):
        raise ValueError(f"expected {len(cfg.seeds)} per-patient runs of {arch} with the paper's augmentation, "
                         f"got {len(paper)}")
    ones = np.ones((1, len(y)))
    rows = []
    for variant in ("molsub (effective)", "none"):
        other = per_seed([r for r, spec in zip(retrained, specs) if spec.augment == variant])
        r = bootstrap.paired(y, other, paper, bootstrap.binary_auc, n_boot=n_boot, level=CI_LEVEL, strata=y)
        rows.append({"arch": arch, "augmentation": variant,
                     "auc": float(np.mean([bootstrap.binary_auc(ones, y, s)[0] for s in other])),
                     "auc_paper_augmentation": float(np.mean([bootstrap.binary_auc(ones, y, s)[0] for s in paper])),
                     "diff": r["diff"], "lo": r["ci"][0], "hi": r["ci"][1], "p": r["p"], "n_seeds": len(other),
                     "n_boot": n_boot})
    return pd.DataFrame(rows)


def augmentation_facts(eff: pd.DataFrame) -> dict:
    """What the p4 audit page quotes of :func:`augmentation_effect`."""
    f = {"aug_arch": (str(eff["arch"].iloc[0]), "{}"), "aug_n_seeds": (int(eff["n_seeds"].iloc[0]), "{:d}"),
         "aug_auc_paper": (float(eff["auc_paper_augmentation"].iloc[0]), "{:.3f}")}
    for variant, tag in (("molsub (effective)", "molsub"), ("none", "none")):
        r = eff.set_index("augmentation").loc[variant]
        f |= {f"aug_{tag}_auc": (r["auc"], "{:.3f}"), f"aug_{tag}_diff": (r["diff"], "{:+.3f}"),
              f"aug_{tag}_lo": (r["lo"], "{:+.3f}"), f"aug_{tag}_hi": (r["hi"], "{:+.3f}"),
              f"aug_{tag}_p": (r["p"], "{:.2g}")}
    return f


# -------------------------------------------------------------------------------------------- Grad-CAM


def random_map_share(mask: np.ndarray, grid: int, n: int = 20, seed: int = 0) -> float:
    """Expected share inside ``mask`` of a random map: uniform noise on a ``grid`` x ``grid`` lattice
    (the layer's resolution), bilinearly upsampled to the mask's size; mean over ``n`` draws."""
    from skimage.transform import resize

    rng = np.random.default_rng(seed)
    m = np.asarray(mask, bool)
    out = []
    for _ in range(n):
        r = resize(rng.uniform(size=(grid, grid)), m.shape, order=1)
        out.append(r[m].sum() / r.sum())
    return float(np.mean(out))


def cam_breast_shares(model: nn.Module, X: np.ndarray, masks: np.ndarray, idx, layers, targets) -> pd.DataFrame:
    """Per layer and image: the share of Grad-CAM mass inside the breast mask, beside the random-map
    control at the layer's resolution. NaN for an all-zero map."""
    from omicslib.papers.p4_mammography.gradcam import gradcam_maps

    idx = np.asarray(idx)
    x = torch.as_tensor(X[idx])
    sizes = {}

    def remember(name):
        def hook(module, inputs, output):  # returns None: the output is left unchanged
            sizes[name] = int(output.shape[-1])
        return hook

    hooks = [model.get_submodule(name).register_forward_hook(remember(name)) for name in layers]
    with torch.no_grad():
        model.eval()(x[:1])
    for h in hooks:
        h.remove()
    maps = gradcam_maps(model, x, layers=layers, targets=targets)
    rows = []
    for name in layers:
        for j, i in enumerate(idx):
            cam, m = maps[name][j].astype(float), masks[i]
            share = float(cam[m].sum() / cam.sum()) if cam.sum() > 0 else np.nan
            rows.append({"layer": name, "image": int(i), "grid": int(sizes[name]), "cam_share": share,
                         "random_share": random_map_share(m, sizes[name], seed=int(i)), "breast_area": float(m.mean())})
    return pd.DataFrame(rows)


def cam_summary(shares: pd.DataFrame, level: float = CI_LEVEL) -> pd.DataFrame:
    """Per layer: mean CAM share in the breast, mean random-map share, and the mean paired difference
    with its t-interval over images (``level``)."""
    from omicslib.book.claims import interval

    rows = []
    for layer, g in shares.groupby("layer", sort=False):
        d = (g["cam_share"] - g["random_share"]).to_numpy(float)
        m, lo, hi, n = interval(d, level)
        rows.append({"layer": layer, "grid": int(g["grid"].iloc[0]), "cam_share": g["cam_share"].mean(),
                     "random_share": g["random_share"].mean(), "diff": m, "lo": lo, "hi": hi, "n_images": n})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------ the arm


def labels_of(images: pd.DataFrame, patients: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y per image, patient per image, usable per image)``: the patient's pathology (1 malignant), its ID,
    and False for blank views (never trained on or scored)."""
    y = images["patient"].map(patients["malignant"]).to_numpy(int)
    return y, images["patient"].to_numpy(), ~images["blank"].to_numpy(bool)


def patient_folds(fold_of_image: np.ndarray, patients_of_image, index) -> np.ndarray:
    """Fold of each patient of ``index`` from a patient-level image fold assignment (both views agree)."""
    s = pd.Series(fold_of_image).where(pd.Series(fold_of_image) >= 0).groupby(np.asarray(patients_of_image)).max()
    return s.reindex(index).to_numpy(int)


#: File-name tags of the augmentations (job ids may hold letters, digits and _ only between their parts).
AUG_TAGS = {"paper": "paper", "molsub (effective)": "molsub", "none": "none"}


@dataclass(frozen=True)
class RunSpec:
    """One network run of the arm: an architecture under a split scheme and a seed, trained with an augmentation
    (all folds of that seed); ``keep_state`` keeps the fold weights (Grad-CAM)."""

    arch: str
    split: str
    seed: int
    augment: str = "paper"
    keep_state: bool = False

    @property
    def job(self) -> str:
        """Its grid-job id, e.g. ``archdensenet121_cbam-splitpatient-seed0-augpaper``."""
        from omicslib import gridjobs

        return gridjobs.job_id(arch=self.arch, split=self.split, seed=self.seed, aug=AUG_TAGS[self.augment])


def arm_specs(cfg) -> list[RunSpec]:
    """:func:`run_arm`'s networks in order: every architecture x split x seed with the paper's augmentation (the
    per-image split for ``cfg.leak_archs`` only), the weights of ``cfg.cam_arch``'s first per-patient seed kept."""
    return [RunSpec(arch, split, seed, keep_state=arch == cfg.cam_arch and split == "patient" and seed == cfg.seeds[0])
            for arch in cfg.archs for split in (("patient", "image") if arch in cfg.leak_archs else ("patient",))
            for seed in cfg.seeds]


def augmentation_specs(cfg) -> list[RunSpec]:
    """:func:`augmentation_effect`'s networks: ``cfg.cam_arch`` per patient, each seed, the other augmentations."""
    return [RunSpec(cfg.cam_arch, "patient", seed, augment) for augment in AUG_TAGS if augment != "paper"
            for seed in cfg.seeds]


def unit_config(X, images: pd.DataFrame, patients: pd.DataFrame, cfg, rate: float) -> dict:
    """What a run depends on: the config, the oversampling rate and a sha256 of the prepared images and labels (a
    jobs folder computed on other images or settings is refused)."""
    from omicslib import gridjobs

    y_img, pid, usable = labels_of(images, patients)
    return {**asdict(cfg), "rate": float(rate), "data_sha256": gridjobs.digest(X, y_img, pid.astype(str), usable)}


def run_spec(X, images: pd.DataFrame, patients: pd.DataFrame, cfg, rate: float, spec: RunSpec, device="cpu") -> dict:
    """One :class:`RunSpec` trained here, as plain data (a grid job writes it; :func:`network_runs` reads it)."""
    y_img, pid, usable = labels_of(images, patients)
    r = cross_validate_real(X, y_img, pid, usable, cfg, spec.arch, spec.split, spec.seed, cfg.n_folds, rate,
                            keep_state=spec.keep_state, augment=spec.augment, device=device)
    return {"image_prob": r.image_prob, "fold_of_image": r.fold_of_image, "seconds": r.seconds,
            "states": [{n: v.numpy() for n, v in st.items()} for st in r.states]}


def network_runs(specs: list[RunSpec], X, images: pd.DataFrame, patients: pd.DataFrame, cfg, rate: float,
                 device="cpu", jobs_dir=None) -> list[RealRun]:
    """The :class:`RealRun` of each spec: trained here, or with ``jobs_dir`` read back from the grid jobs'
    files (:mod:`omicslib.papers.p4_mammography.jobs`; computed with another config or on other images: an
    error that names the file)."""
    from omicslib import gridjobs

    if jobs_dir:
        done = gridjobs.collect(jobs_dir, [s.job for s in specs], unit_config(X, images, patients, cfg, rate))
        units = [done[s.job] for s in specs]
    else:   # the rehearsal trains the first seed only, standing for all; the other seeds repeat its runs
        n, repeats = rehearsal_runs(len(cfg.seeds))
        with rehearsal_repeats(repeats):
            ran = {s: run_spec(X, images, patients, cfg, rate, s, device) for s in specs if s.seed in cfg.seeds[:n]}
        first = {(s.arch, s.split, s.augment): u for s, u in ran.items() if s.seed == cfg.seeds[0]}
        units = [ran[s] if s in ran else first[s.arch, s.split, s.augment] for s in specs]
    return [RealRun(s.arch, s.split, s.seed, np.asarray(u["image_prob"], float), np.asarray(u["fold_of_image"]),
                    float(u["seconds"]), True, [{n: torch.as_tensor(np.array(a)) for n, a in st.items()}
                                                for st in u["states"]])
            for s, u in zip(specs, units)]


def run_arm(X, masks, images: pd.DataFrame, patients: pd.DataFrame, cfg, rate: float, device="cpu",
            jobs_dir=None) -> dict:
    """Every architecture x split x seed of ``cfg`` (per-image split only for ``cfg.leak_archs``), the
    image-statistics baseline on the same patient folds and seeds, and Grad-CAM of ``cfg.cam_arch``'s first
    seed's fold models on their own test images. Returns the runs, per-seed AUCs, seed-averaged scores,
    the baseline's scores and tuning record, and the Grad-CAM shares. The networks (:func:`arm_specs`) are
    trained here or, with ``jobs_dir``, read back from the grid jobs (:func:`network_runs`)."""
    from omicslib.papers.p4_mammography.config import REAL_CAM_LAYERS

    y_img, pid, usable = labels_of(images, patients)
    y = patients["malignant"].to_numpy(int)
    runs = network_runs(arm_specs(cfg), X, images, patients, cfg, rate, device, jobs_dir)
    for split in ("patient", "image"):
        for seed in cfg.seeds:
            runs.append(knn_real(X, y_img, pid, usable, split, seed, cfg.n_folds))
    seeds = seed_auc(patients["malignant"], runs, pid)
    scores = ensemble_scores(runs, pid, patients.index)
    # the simple baseline: per-patient image statistics (mean over usable views), the same folds and seeds
    stat = image_statistics(X, masks)
    stat[~usable] = np.nan
    feats = pd.DataFrame(stat).groupby(pid).mean().reindex(patients.index)
    base_scores, tuning = [], []
    for seed in cfg.seeds:
        fold = patient_folds(folds_of(y_img, pid, usable, "patient", cfg.n_folds, seed), pid, patients.index)
        b = image_stat_baseline(feats.fillna(feats.mean()), y, fold, seed)
        base_scores.append(b["score"])
        tuning.append({"seed": seed, "C": ", ".join(f"{c:g}" for c in b["C"]), "at_edge": b["at_edge"],
                       "convergence_warnings": b["convergence_warnings"],
                       "auc": float(_auc_ci(y, b["score"])[0])})
    scores[("image statistics (logistic)", "patient")] = np.mean(base_scores, axis=0)
    # Grad-CAM of the first seed's fold models on their own test folds (true class as the target)
    first = next(r for r in runs if r.states)
    from omicslib.papers.p4_mammography.model import build

    cams = []
    per_fold = max(1, rehearsal_limit(cfg.cam_images, keep=cfg.n_folds) // cfg.n_folds)  # one per fold when capped
    for k, state in enumerate(first.states):
        model, _ = build(first.arch, 2, pretrained=False, dropout=cfg.dropout, image_size=cfg.image_size)
        model.load_state_dict(state)
        idx = np.flatnonzero((first.fold_of_image == k) & usable)[:per_fold]
        sh = cam_breast_shares(model, X, masks, idx, REAL_CAM_LAYERS[first.arch], y_img[idx])
        cams.append(sh.assign(fold=k))
    return {"runs": runs, "seeds": seeds, "scores": scores, "tuning": pd.DataFrame(tuning),
            "cam": pd.concat(cams, ignore_index=True), "cam_arch": first.arch}


def comparisons(y, scores: dict, birads, level: float = CI_LEVEL) -> pd.DataFrame:
    """DeLong of every model (patient split, seed-averaged) and of the image-statistics baseline against
    BI-RADS, on the same patients."""
    rows = []
    for (arch, split), s in scores.items():
        if split != "patient":
            continue
        rows.append({"model": arch, "vs": "BI-RADS", **compare_to(y, s, birads, level)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- facts and claims

SCOPE = "on MCBD: 181 patients of another cohort, benign vs malignant (another task), random initialisation"
BACKBONE_COMPARATORS = ("densenet121", "simple_cnn_molsub", "mob_cbam", "resnet101", "vit_b_16")


def real_claims(y, scores: dict, seeds: pd.DataFrame, leak: pd.DataFrame, cfg, birads_auc: dict) -> list:
    """Real analogues (provenance ``other-cohort``, scope stated), our own questions since MCBD's task (benign vs
    malignant) is not the paper's: DenseNet121-CBAM beats each comparator (DeLong on the seed-averaged patient
    scores; not run where the profile did not train one of the two), and the per-image split gives the same AUC
    as the per-patient split (equivalence within the stated margin, paired patient bootstrap)."""
    from omicslib.book import reference
    from omicslib.book.claims import Claim, margin_of

    out = []
    m, why = margin_of("p4", "real_backbone_margin")
    ref = "densenet121_cbam"
    n_seeds = len(cfg.seeds)
    birads = f"BI-RADS (ordinal) AUC {birads_auc['auc']:.3f} [{birads_auc['lo']:.3f}, {birads_auc['hi']:.3f}]"
    for arch in BACKBONE_COMPARATORS:
        common = dict(statement=f"Real analogue: DenseNet121-CBAM beats {arch} (benign vs malignant on MCBD)",
                      locator=reference.row("p4", "real_backbone_margin")["locator"], kind="better",
                      provenance="other-cohort", family="backbones, real analogue (p4_05)", margin=m,
                      margin_reason=why, scope=SCOPE, section="ours", metric="AUC difference",
                      unit="patient (seed-averaged out-of-fold score)",
                      baseline="BI-RADS (radiologist)", baseline_value=birads_auc["auc"],
                      baseline_ci_low=birads_auc["lo"], baseline_ci_high=birads_auc["hi"], ci_level=CI_LEVEL)
        if (ref, "patient") in scores and (arch, "patient") in scores:
            c = compare_to(y, scores[(ref, "patient")], scores[(arch, "patient")])
            out.append(Claim("p4", f"real_cbam_beats_{arch}", test="DeLong test of AUC(A) - AUC(B) on the 181 "
                             f"patients' seed-averaged out-of-fold scores ({n_seeds} seeds x {cfg.n_folds} folds)",
                             n_seeds=n_seeds, n_runs=n_seeds * cfg.n_folds, ours=c["diff"], ci_low=c["lo"],
                             ci_high=c["hi"], p=c["p"], note=birads, **common))
        else:
            missing = [a for a in (ref, arch) if (a, "patient") not in scores]
            out.append(Claim("p4", f"real_cbam_beats_{arch}", test="not run in this profile",
                             not_run=f"{', '.join(missing)} not trained in the {cfg.profile} profile (CPU budget: one "
                                     "DenseNet121 fold costs more than this arm's quick budget); runs in the paper "
                                     "profile", note=birads, **common))
    lm, lwhy = margin_of("p4", "split_leak_auc_diff")
    for arch in (*cfg.archs, KNN):
        row = leak[leak.arch == arch]
        common = dict(statement=f"Real analogue: a per-image split gives the same AUC as a per-patient split ({arch})",
                      locator=reference.row("p4", "split_leak_auc_diff")["locator"], kind="no_difference",
                      provenance="other-cohort", family="split, real analogue (p4_05)", margin=lm, margin_reason=lwhy,
                      scope=SCOPE, section="ours", metric="AUC difference",
                      unit="patient (paired bootstrap of seed-averaged scores)", ci_level=CI_LEVEL)
        if len(row):
            r = row.iloc[0]
            out.append(Claim("p4", "real_split_leak_knn" if arch == KNN else f"real_split_leak_{arch}",
                             test=f"AUC(per-image split) - AUC(per-patient split), "
                             f"same model and seeds, paired bootstrap over patients ({int(r['n_boot'])} resamples)",
                             n_seeds=n_seeds, n_runs=2 * n_seeds * cfg.n_folds, ours=r["diff"], ci_low=r["lo"],
                             ci_high=r["hi"], p=r["p"], **common))
        else:
            out.append(Claim("p4", "real_split_leak_knn" if arch == KNN else f"real_split_leak_{arch}",
                             test="not run in this profile",
                             not_run=f"per-image split of {arch} not trained in the {cfg.profile} profile", **common))
    return out


def real_facts(arm: dict, aucs: pd.DataFrame, birads: dict, vs_birads: pd.DataFrame, leak: pd.DataFrame,
               cam: pd.DataFrame, cfg, n_patients: int, n_images: int, n_blank: int, prep_s: float) -> dict:
    """What the real-image section of the chapter quotes."""
    f = {"real_n_patients": (n_patients, "{:d}"), "real_n_images": (n_images, "{:d}"),
         "real_n_blank": (n_blank, "{:d}"), "real_image_size": (cfg.image_size, "{:d}"),
         "real_work_px": (cfg.work_px, "{:d}"), "real_epochs": (cfg.epochs, "{:d}"),
         "real_n_folds": (cfg.n_folds, "{:d}"), "real_n_seeds": (len(cfg.seeds), "{:d}"),
         "real_batch": (cfg.batch_size, "{:d}"), "real_lr": (cfg.lr, "{:g}"),
         "real_archs": (", ".join(cfg.archs), "{}"), "real_prep_s": (prep_s, "{:.0f}"),
         "real_train_s": (float(arm["seeds"]["seconds"].sum()), "{:.0f}"),
         "birads_auc": (birads["auc"], "{:.3f}"), "birads_lo": (birads["lo"], "{:.3f}"),
         "birads_hi": (birads["hi"], "{:.3f}")}
    for r in aucs.itertuples():
        name = {KNN: "knn", "image statistics (logistic)": "logit"}.get(r.arch, r.arch)
        key = f"real_auc_{name}_{r.split}"
        f[key] = (r.auc, "{:.3f}")
        f[key + "_lo"], f[key + "_hi"] = (r.lo, "{:.3f}"), (r.hi, "{:.3f}")
    best = aucs[aucs.split == "patient"].sort_values("auc").iloc[-1]
    knn = aucs[(aucs.arch == KNN)].set_index("split")["auc"]
    f["real_auc_knn_patient"] = (knn.get("patient", np.nan), "{:.3f}")
    f["real_auc_knn_image"] = (knn.get("image", np.nan), "{:.3f}")
    f["real_best_model"], f["real_best_auc"] = (best.arch, "{}"), (best.auc, "{:.3f}")
    nets = vs_birads[~vs_birads.model.isin(NOT_NETWORKS)]
    f["n_nets_below_birads"] = (int(((nets["diff"] < 0) & (nets["p"] < 0.05)).sum()), "{:d}")
    f["n_nets"] = (int(len(nets)), "{:d}")
    n_below, n_above = int(((nets["diff"] < 0) & (nets["p"] < 0.05)).sum()), int(((nets["diff"] > 0) & (nets["p"] < 0.05)).sum())
    f["birads_headline"] = ("The radiologist's BI-RADS beats every network trained here" if n_below == len(nets) and len(nets)
                            else f"{n_above} network(s) beat BI-RADS and {n_below} lose to it (DeLong p < 0.05)", "{}")
    f["max_net_minus_birads"] = (nets["diff"].max() if len(nets) else np.nan, "{:.3f}")
    f["max_net_minus_birads_p"] = (nets.loc[nets["diff"].idxmax(), "p"] if len(nets) else np.nan, "{:.2g}")
    t = arm["tuning"]
    chosen = sorted({float(c) for cs in t["C"] for c in cs.split(", ")})
    f["logit_c_values"] = (", ".join(f"{c:g}" for c in chosen), "{}")
    f["logit_at_edge"] = (int(t["at_edge"].sum()), "{:d}")
    f["logit_n_fits"] = (int(sum(len(c.split(", ")) for c in t["C"])), "{:d}")
    f["logit_auc"] = (float(aucs.set_index("arch").loc["image statistics (logistic)", "auc"]), "{:.3f}")
    f["logit_conv_warnings"] = (int(t["convergence_warnings"].sum()), "{:d}")
    for r in leak.itertuples():
        if r.arch == KNN:
            f["leak_knn"], f["leak_knn_lo"], f["leak_knn_hi"] = (r.diff, "{:+.3f}"), (r.lo, "{:+.3f}"), (r.hi, "{:+.3f}")
            continue
        f[f"leak_{r.arch}"], f[f"leak_{r.arch}_lo"], f[f"leak_{r.arch}_hi"] = ((r.diff, "{:+.3f}"), (r.lo, "{:+.3f}"),
                                                                              (r.hi, "{:+.3f}"))
    f["cam_layers"] = (", ".join(cam["layer"]), "{}")
    f["n_cam_layers"] = (int(len(cam)), "{:d}")
    f["cam_share_min"], f["cam_share_max"] = (cam["cam_share"].min(), "{:.2f}"), (cam["cam_share"].max(), "{:.2f}")
    f["cam_random_min"], f["cam_random_max"] = (cam["random_share"].min(), "{:.2f}"), (cam["random_share"].max(), "{:.2f}")
    f["cam_diff_lo_min"] = (cam["lo"].min(), "{:+.2f}")
    f["n_cam_layers_above_random"] = (int((cam["lo"] > 0).sum()), "{:d}")
    f["cam_arch"] = (arm["cam_arch"], "{}")
    f["cam_n_images"] = (int(cam["n_images"].max()) if len(cam) else 0, "{:d}")
    return f


def data_quality_facts(images: pd.DataFrame, patients: pd.DataFrame) -> dict:
    """What the loader flagged: blank images and images shared by two patients (with their pathologies)."""
    dup = images[(images["duplicate_of"] != "") & ~images["blank"]]
    pairs = [f"{d.patient}/{d.view} = {d.duplicate_of} ({patients.pathology[d.patient]} vs "
             f"{patients.pathology[d.duplicate_of.split('/')[0]]})" for d in dup.itertuples()]
    blank = images[images["blank"]]
    return {"real_n_duplicates": (len(pairs), "{:d}"), "real_duplicates": ("; ".join(pairs) or "none", "{}"),
            "real_blank_list": (", ".join(blank["patient"] + "/" + blank["view"]) or "none", "{}")}


def cpu_time() -> dict:
    """CPU seconds this process has used so far (all threads): the budget measure on a loaded machine,
    where wall time depends on the other jobs."""
    return {"cpu_time_s": (time.process_time(), "{:.0f}")}


def verdict_facts(claims: list) -> dict:
    """``{<claim id>_verdict: verdict}`` from the ledger of ``claims`` (so that pages quote verdicts, never
    restate them)."""
    from omicslib.book.claims import ledger

    return {f"{r.id}_verdict": (r.verdict, "{}") for r in ledger(claims).itertuples()}


# -------------------------------------------------------------------------------------------- figures


def pipeline_figure(stages: list[dict], augmented: np.ndarray, titles: list[str]):
    """One row per example image: each pipeline stage, then one draw of the paper's augmentation."""
    import matplotlib.pyplot as plt

    names = list(stages[0]) + ["augmented"]
    fig, axes = plt.subplots(len(stages), len(names), figsize=(1.6 * len(names), 1.8 * len(stages)), squeeze=False)
    for i, st in enumerate(stages):
        for j, name in enumerate(names):
            ax = axes[i, j]
            ax.imshow(augmented[i] if name == "augmented" else st[name], cmap="gray")
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_title(name, fontsize=8)
        axes[i, 0].set_ylabel(titles[i], fontsize=8)
    fig.tight_layout()
    return fig


def auc_figure(aucs: pd.DataFrame, birads: dict):
    """Per-patient AUC with its 90 % CI of every model and split, BI-RADS as a band."""
    aucs = aucs.reset_index(drop=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 0.45 * len(aucs) + 1.2))
    labels = [f"{r.arch} ({r.split} split)" for r in aucs.itertuples()]
    yy = np.arange(len(aucs))
    ax.axvspan(birads["lo"], birads["hi"], color="#1b7837", alpha=0.15, label="BI-RADS 90 % CI")
    ax.axvline(birads["auc"], color="#1b7837", label="BI-RADS")
    ax.errorbar(aucs["auc"], yy, xerr=[aucs["auc"] - aucs["lo"], aucs["hi"] - aucs["auc"]], fmt="o", color="k")
    ax.axvline(0.5, color="grey", ls=":")
    ax.set_yticks(yy, labels, fontsize=8)
    ax.set_xlabel("per-patient AUC, benign vs malignant (90 % CI)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------- the authors' ROI code, measured on MCBD


def molsub_box(mask: np.ndarray, bound: int, swap_axes: bool = True, inclusive_end_bug: bool = True):
    """The crop box of molsub's ROI step as the authors' code computes it, on ``mask``'s bounding box: the
    inclusive maximum used as an exclusive end (loses the last row and column), expanded by ``bound``,
    squared by extending up or left, then clamped with the axes swapped (``x, y = image.shape`` read as
    width, height: rows clamped against the width, columns against the height; a box past the far edge
    shifted back against the swapped limit only). Returns ``(r0, r1, c0, c1)`` as numpy slicing then
    applies them (truncating at the real edge)."""
    rows, cols = np.nonzero(np.asarray(mask))
    r0, r1 = int(rows.min()), int(rows.max()) + (0 if inclusive_end_bug else 1)
    c0, c1 = int(cols.min()), int(cols.max()) + (0 if inclusive_end_bug else 1)
    r0, r1, c0, c1 = r0 - bound, r1 + bound, c0 - bound, c1 + bound
    side = max(r1 - r0, c1 - c0)
    r0, c0 = r0 - (side - (r1 - r0)), c0 - (side - (c1 - c0))
    h, w = np.asarray(mask).shape
    lim_r, lim_c = (w, h) if swap_axes else (h, w)

    def fit(lo, hi, size):
        if lo < 0:
            lo, hi = 0, hi - lo
        if hi > size:
            lo, hi = max(0, lo - (hi - size)), size
        return lo, hi

    (r0, r1), (c0, c1) = fit(r0, r1, lim_r), fit(c0, c1, lim_c)
    return r0, min(r1, h), c0, min(c1, w)


def departure_effects(pixels, work_px: int, bound_full: int = 100, full_px: int = 4096) -> pd.DataFrame:
    """The departures of molsub's ROI code from the paper measured on real MCBD images at ``work_px`` (the breast
    region stands in for the lesion, the only region MCBD outlines): per image, the share of the breast kept by
    molsub's crop (axes swapped + inclusive end) and by the inclusive end alone, against the correct box, at the
    shipped bound 0 and at the paper's 100 px (scaled from the originals' ``full_px`` long side); the crop's aspect
    ratio; and the normalisation difference between molsub's red-channel constants (0.485 / 0.229) and the grey ones
    (0.449 / 0.226) on the CLAHE'd breast pixels."""
    from omicslib.papers.p4_mammography.roi import GREY_MEAN, GREY_STD

    bound = max(1, round(bound_full * work_px / full_px))
    rows = []
    for i, p in enumerate(pixels):
        small = downscale(p, work_px)
        m = breast_mask(small)
        if not m.any():
            continue
        total = m.sum()
        for b in (0, bound):
            r0, r1, c0, c1 = molsub_box(m, b)
            k_swap = m[r0:r1, c0:c1].sum() / total
            q0, q1, d0, d1 = molsub_box(m, b, swap_axes=False)
            k_end = m[q0:q1, d0:d1].sum() / total
            rows.append({"image": i, "bound": b, "portrait": small.shape[0] > small.shape[1],
                         "kept_molsub": k_swap, "kept_inclusive_end_only": k_end,
                         "aspect_molsub": (r1 - r0) / max(1, c1 - c0)})
        x = clahe(small)[m]
        d = np.abs((x - 0.485) / 0.229 - (x - GREY_MEAN) / GREY_STD)
        rows[-1].update(norm_diff_mean=float(d.mean()), norm_diff_max=float(d.max()))
    return pd.DataFrame(rows)


def departure_facts(dep: pd.DataFrame) -> dict:
    """Summary of :func:`departure_effects` for the audit page."""
    f = {}
    for b, g in dep.groupby("bound"):
        tag = "b0" if b == 0 else "bpaper"
        f[f"dep_{tag}_bound"] = (int(b), "{:d}")
        f[f"dep_{tag}_kept_mean"] = (g["kept_molsub"].mean(), "{:.1%}")
        f[f"dep_{tag}_kept_min"] = (g["kept_molsub"].min(), "{:.1%}")
        f[f"dep_{tag}_under90"] = (int((g["kept_molsub"] < 0.9).sum()), "{:d}")
        f[f"dep_{tag}_end_kept_mean"] = (g["kept_inclusive_end_only"].mean(), "{:.2%}")
        f[f"dep_{tag}_nonsquare"] = (int((~np.isclose(g["aspect_molsub"], 1, atol=0.02)).sum()), "{:d}")
    f["dep_n_images"] = (int(dep["image"].nunique()), "{:d}")
    f["dep_n_portrait"] = (int(dep.drop_duplicates("image")["portrait"].sum()), "{:d}")
    f["dep_norm_diff_mean"] = (dep["norm_diff_mean"].mean(), "{:.3f}")
    f["dep_norm_diff_max"] = (dep["norm_diff_max"].max(), "{:.3f}")
    return f
