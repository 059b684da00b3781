"""p4 on real mammograms: training. The folds (per patient or per image), the networks from random
initialisation, the 1-NN memoriser, the image-statistics baseline, the run specs (one grid job each) and the
whole arm (:func:`run_arm`)."""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from omicslib.papers.p4_mammography.real.data import labels_of, patient_folds
from omicslib.papers.p4_mammography.real.gradcam import cam_breast_shares
from omicslib.papers.p4_mammography.real.scoring import KNN, RealRun, auc_ci, ensemble_scores, seed_auc
from omicslib.papers.p4_mammography.roi import AUGMENTATIONS, ROIDataset, oversample
from omicslib.train import adam, fit, loader, predict, rehearsal_limit, rehearsal_repeats, rehearsal_runs, supervised
from omicslib.tuning import search_1d


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
                       "auc": float(auc_ci(y, b["score"])[0])})
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
