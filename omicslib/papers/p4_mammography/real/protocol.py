"""p4 on real mammograms: training. The folds (per patient or per image), the networks from random
initialisation, the 1-NN memoriser, the strongest simple baseline (nested CV), the run specs (one grid job each)
and the whole arm (:func:`run_arm`)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from omicslib.papers.p4_mammography.real.data import labels_of, patient_folds
from omicslib.papers.p4_mammography.real.gradcam import cam_breast_shares
from omicslib.papers.p4_mammography.real.scoring import BASELINE, KNN, RealRun, ensemble_scores, seed_auc
from omicslib.papers.p4_mammography.roi import AUGMENTATIONS, ROIDataset, oversample
from omicslib.train import adam, fit, loader, predict, rehearsal_limit, rehearsal_repeats, rehearsal_runs, supervised


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


#: Names of :func:`image_statistics`' columns (the per-patient feature table keeps them).
STAT_NAMES = ("mean", "sd", "skewness", "kurtosis", "p10", "p50", "p90", "area")

#: Side of the per-patient pixel block: the prepared image average-pooled to 16 x 16 (256 values).
PIXEL_SIDE = 16


def patient_features(X: np.ndarray, masks: np.ndarray, patients_of_image, usable, index) -> pd.DataFrame:
    """The simple baseline's inputs per patient of ``index``: the :func:`image_statistics` (``STAT_NAMES``)
    and a pixel block (``px_<row>_<col>``), each the mean over the patient's usable views.

    The pixel block is the prepared, normalised image (breast crop padded to a square) average-pooled to
    ``PIXEL_SIDE`` x ``PIXEL_SIDE``: one pass over images already in memory, so it costs nothing beside the
    networks, and it keeps the coarse layout of density in the breast that eight global statistics discard.
    256 values is about twice the patients of a training fold: the penalties and the trees' column sampling
    control that many, and a finer block would add columns, not patients. Averaging the CC and MLO views
    (different projections, so their pixels align only roughly) mirrors the networks' patient score, the mean
    over the same views.

    Nothing is imputed: a patient without a usable view or with an empty breast mask is an error that names
    it (the networks give such a patient no score either)."""
    import torch

    usable = np.asarray(usable, bool)
    stat = image_statistics(X, masks)
    side = min(PIXEL_SIDE, *np.asarray(X).shape[-2:])
    pix = torch.nn.functional.adaptive_avg_pool2d(torch.as_tensor(np.asarray(X, np.float32)[:, :1]), side)
    F = np.c_[stat, pix.numpy().reshape(len(X), -1)]
    F[~usable] = np.nan
    cols = [*STAT_NAMES, *(f"px_{r}_{c}" for r in range(side) for c in range(side))]
    feats = pd.DataFrame(F, columns=cols).groupby(np.asarray(patients_of_image)).mean().reindex(index)
    missing = feats.index[feats.isna().any(axis=1)].tolist()
    if missing:
        raise ValueError(f"no usable view with a breast mask for patient(s) {missing}: the baseline imputes "
                         "nothing; drop them from the cohort or give them a usable view")
    return feats


#: What the strongest simple baseline searches: the inputs (column subsets of :func:`patient_features`,
#: standardised on the rows they are fitted on) and the families of :func:`omicslib.baselines.families`.
BASELINE_INPUTS = ("image statistics", "pixels", "both")
BASELINE_FAMILIES = ("ridge", "enet", "lightgbm")


def baseline_candidates(features: pd.DataFrame) -> tuple[list, dict]:
    """``(families, preprocessing)`` for :func:`omicslib.baselines.select` on ``features``
    (:func:`patient_features`): ridge, elastic net and LightGBM with their default grids, on the image
    statistics, the pixel block or both. The elastic net (SAGA) stops at tol 1e-3: at the default 1e-4 it ran
    out of iterations on the 256 pixel columns of MCBD (convergence warnings, about five times the cost),
    while on the statistics its inner AUCs moved by less than 0.01."""
    from omicslib import baselines as B

    stat_idx = np.flatnonzero(np.isin(features.columns, STAT_NAMES))
    pixel_idx = np.flatnonzero(~np.isin(features.columns, STAT_NAMES))
    fams = [f for name in BASELINE_FAMILIES for f in B.families((name,), **({"tol": 1e-3} if name == "enet" else {}))]
    preps = {"image statistics": B.columns(stat_idx), "pixels": B.columns(pixel_idx), "both": B.standardise}
    return fams, {k: preps[k] for k in BASELINE_INPUTS}


def nested_baseline(features: pd.DataFrame, y, fold_of_patient: np.ndarray, seed: int, inner: int = 3) -> dict:
    """The strongest simple baseline on the given outer patient folds: for each fold, family (ridge, elastic
    net, LightGBM), input (image statistics, pixels, both) and hyperparameters chosen together by an inner
    stratified ``inner``-fold CV on that fold's training patients only (ROC AUC, class-balanced weights, each
    path widened while its choice sits at the grid's edge; :func:`omicslib.baselines.nested`), refitted on
    the training patients and scored on the test patients.

    Returns ``{"score": out-of-fold malignancy probability per patient, "records": one selection record per
    fold (:data:`omicslib.baselines.RECORD_KEYS`, with ``seed`` and ``fold``)}``."""
    from omicslib import baselines as B

    fold_of_patient, y = np.asarray(fold_of_patient), np.asarray(y, int)
    outer = [(np.flatnonzero(fold_of_patient != k), np.flatnonzero(fold_of_patient == k))
             for k in np.unique(fold_of_patient)]
    fams, preps = baseline_candidates(features)
    records, probs = B.nested(features.to_numpy(float), y, outer, families_=fams, preprocessing=preps,
                              scoring="roc_auc", inner_folds=inner, seed=seed, class_weight="balanced")
    score = np.full(len(y), np.nan)
    for (_, te), p in zip(outer, probs):
        score[te] = np.asarray(p)[:, 1]
    return {"score": score, "records": records.assign(seed=seed)}


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
    strongest simple baseline (:func:`nested_baseline`) on the same patient folds and seeds, and Grad-CAM of
    ``cfg.cam_arch``'s first seed's fold models on their own test images. Returns the runs, per-seed AUCs,
    seed-averaged scores (the baseline's under :data:`.scoring.BASELINE`), the baseline's selection record per
    seed and fold (``tuning``), its wall time and feature table shape, and the Grad-CAM shares. The networks
    (:func:`arm_specs`) are trained here or, with ``jobs_dir``, read back from the grid jobs
    (:func:`network_runs`)."""
    from omicslib.papers.p4_mammography.config import REAL_CAM_LAYERS

    y_img, pid, usable = labels_of(images, patients)
    y = patients["malignant"].to_numpy(int)
    runs = network_runs(arm_specs(cfg), X, images, patients, cfg, rate, device, jobs_dir)
    for split in ("patient", "image"):
        for seed in cfg.seeds:
            runs.append(knn_real(X, y_img, pid, usable, split, seed, cfg.n_folds))
    seeds = seed_auc(patients["malignant"], runs, pid)
    scores = ensemble_scores(runs, pid, patients.index)
    # the strongest simple baseline, chosen by nested CV on the same patient folds and seeds as the networks
    t0 = time.perf_counter()
    feats = patient_features(X, masks, pid, usable, patients.index)
    base = [nested_baseline(feats, y, patient_folds(folds_of(y_img, pid, usable, "patient", cfg.n_folds, seed), pid,
                                                    patients.index), seed) for seed in cfg.seeds]
    scores[(BASELINE, "patient")] = np.mean([b["score"] for b in base], axis=0)
    tuning = pd.concat([b["records"] for b in base], ignore_index=True)
    tuning = tuning[["seed", "fold", *[c for c in tuning.columns if c not in ("seed", "fold")]]]
    baseline_s = time.perf_counter() - t0
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
    return {"runs": runs, "seeds": seeds, "scores": scores, "tuning": tuning, "baseline_s": baseline_s,
            "baseline_features": feats.shape,
            "cam": pd.concat(cams, ignore_index=True), "cam_arch": first.arch}
