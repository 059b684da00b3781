"""p4 protocol: molecular subtype from mammogram ROIs with DenseNet121-CBAM.

Tasks (label 1 = the class the paper's SENS/PPV refer to; chosen so that the
paper's PPV/NPV agree with its class prevalences, e.g. HER2 task PPV 0.83 is
only possible with HER2-negative as the positive class):

* ``luminal``: Luminal (A, B) = 0 vs non-Luminal = 1 (the authors' code maps Luminal A/B to 0),
* ``her2``: HER2-positive = 0 vs HER2-negative = 1,
* ``tn``: non-TN = 0 vs triple negative = 1,
* ``multiclass``: CMMD's 4 subtypes (the paper has 5: it splits HER2+ into HR+ and HR-).

In CMMD "HER2-enriched" is the only HER2-positive class (HER2+ Luminal B is not
separated), so ``her2`` is an approximation there.

Protocol: an 80/20 hold-out then 5-fold CV on the 80 %, split by PATIENT
(``holdout_kfold(..., groups=patient)``); per fold AdamW (lr 1e-4, weight
decay 5e-3), CosineAnnealingLR (T_max 20, eta_min 1e-5, stepped per epoch as
in the authors' code), cross-entropy, batch 8, early stopping on the
validation loss; random oversampling of the training part only; the paper's
augmentations. Every fold model is scored on its validation fold and on the
hold-out test set; "best" is the fold with the highest validation AUC (the
paper reports its best fold), "mean/lo/hi" the mean and t-interval over folds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from omicslib import metrics, stats
from omicslib.data.cmmd import SUBTYPE_ORDER
from omicslib.papers.p4_mammography.model import build
from omicslib.papers.p4_mammography.roi import (
    PAPER_OVERSAMPLING,
    ROIDataset,
    augmentation,
    extract_roi,
    normalise,
    oversample,
)
from omicslib.runtime import seed_everything
from omicslib.splits import HoldoutCV, check_disjoint, holdout_kfold
from omicslib.train import History, fit, loader, predict, supervised

METRICS = ("AUC", "ACC", "SENS", "SPEC", "PPV", "NPV")


@dataclass(frozen=True)
class Task:
    name: str
    title: str
    classes: tuple[str, ...]
    mapping: dict

    def labels(self, subtypes) -> np.ndarray:
        s = pd.Series(np.asarray(subtypes, dtype=object))
        unknown = set(s) - set(self.mapping)
        if unknown:
            raise ValueError(f"task {self.name!r}: unknown subtypes {sorted(map(str, unknown))}")
        return s.map(self.mapping).to_numpy(dtype=int)


_OTHERS = lambda one, a, b: {s: (a if s in one else b) for s in SUBTYPE_ORDER}  # noqa: E731
TASKS = {
    "luminal": Task("luminal", "Luminal vs non-Luminal", ("Luminal", "non-Luminal"),
                    _OTHERS({"Luminal A", "Luminal B"}, 0, 1)),
    "her2": Task("her2", "HER2-positive vs HER2-negative", ("HER2+", "HER2-"), _OTHERS({"HER2-enriched"}, 0, 1)),
    "tn": Task("tn", "TN vs non-TN", ("non-TN", "TN"), _OTHERS({"Triple negative"}, 1, 0)),
    "multiclass": Task("multiclass", "4 subtypes (paper: 5)", SUBTYPE_ORDER,
                       {s: i for i, s in enumerate(SUBTYPE_ORDER)}),
}

#: Paper values (Tables 2-3; AUC = best fold; cv_auc = mean ± SD over the 5 folds, from the text).
PAPER = {
    "luminal": {"val": {"AUC": 0.7666, "ACC": 0.626, "SENS": 0.508, "SPEC": 0.697, "PPV": 0.486, "NPV": 0.727},
                "test": {"AUC": 0.7592, "ACC": 0.669, "SENS": 0.604, "SPEC": 0.700, "PPV": 0.486, "NPV": 0.798},
                "cv_auc": (0.6979, 0.0416)},
    "tn": {"val": {"AUC": 0.7164, "ACC": 0.754, "SENS": 0.364, "SPEC": 0.819, "PPV": 0.249, "NPV": 0.887},
           "test": {"AUC": 0.6679, "ACC": 0.769, "SENS": 0.300, "SPEC": 0.831, "PPV": 0.198, "NPV": 0.899},
           "cv_auc": (0.6209, 0.0588)},
    "her2": {"val": {"AUC": 0.7402, "ACC": 0.708, "SENS": 0.800, "SPEC": 0.390, "PPV": 0.834, "NPV": 0.362},
             "test": {"AUC": 0.6584, "ACC": 0.697, "SENS": 0.797, "SPEC": 0.303, "PPV": 0.818, "NPV": 0.281},
             "cv_auc": (0.6344, 0.0383)},
    "multiclass": {"val": {"AUC": 0.6542, "ACC": 0.287, "SENS": 0.429, "SPEC": 0.607, "PPV": 0.548, "NPV": 0.489},
                   "test": {"AUC": 0.6494, "ACC": 0.325, "SENS": 0.455, "SPEC": 0.584, "PPV": 0.599, "NPV": 0.439},
                   "cv_auc": (0.6219, 0.0236)},
}
#: Per-class test AUCs the paper states for its 5-class task (text and Figure 3).
PAPER_CLASS_AUC = {"HER2+/HR-": 0.78, "Triple negative": 0.72}


@dataclass(frozen=True)
class P4Config:
    """Hyper-parameters of the paper (defaults) and of the data preparation."""

    image_size: int = 224
    bound: int = 100
    epochs: int = 300
    batch_size: int = 8
    lr: float = 1e-4
    weight_decay: float = 5e-3
    dropout: float = 0.3
    t_max: int = 20
    eta_min: float = 1e-5
    patience: int | None = 100
    n_folds: int = 5
    test_size: float = 0.2
    oversample: bool = True
    augment: bool = True
    pretrained: bool = True
    group_split: bool = True
    seed: int = 21


def prepare(images, masks, cfg: P4Config) -> np.ndarray:
    """ROIs ready for the network: CLAHE, bounded square crop, resize, normalise -> (N, 1, S, S)."""
    rois = np.stack([extract_roi(im, m, cfg.bound, cfg.image_size) for im, m in zip(images, masks)])
    return normalise(rois)[:, None]


def train_model(X: np.ndarray, y: np.ndarray, train_idx, val_idx, cfg: P4Config, n_classes: int,
                task: str, arch: str = "densenet121_cbam", device="cpu", seed: int | None = None
                ) -> tuple[nn.Module, History, str]:
    """Train one model on ``train_idx`` (oversampled, augmented), early-stopping on ``val_idx`` (or none)."""
    seed = cfg.seed if seed is None else seed
    seed_everything(seed)
    model, note = build(arch, n_classes, pretrained=cfg.pretrained, dropout=cfg.dropout)
    train_idx = np.asarray(train_idx)
    if cfg.oversample:
        train_idx = train_idx[oversample(y[train_idx], PAPER_OVERSAMPLING[task], seed)]
    ds = ROIDataset(X, y, train_idx, augmentation() if cfg.augment else None)
    tr = loader(ds, cfg.batch_size, shuffle=True, seed=seed, drop_last=len(ds) > cfg.batch_size)
    va = loader(ROIDataset(X, y, val_idx), 4 * cfg.batch_size) if val_idx is not None else None
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.t_max, eta_min=cfg.eta_min)
    hist = fit(model, tr, va, loss_step=supervised(nn.CrossEntropyLoss()), optimizer=opt, epochs=cfg.epochs,
               scheduler=sched, patience=cfg.patience if va is not None else None, device=device)
    return model, hist, note


def predict_proba(model: nn.Module, X: np.ndarray, idx, device="cpu", batch_size: int = 32) -> np.ndarray:
    """Softmax probabilities (len(idx), n_classes)."""
    idx = np.asarray(idx)
    logits = predict(model, loader(ROIDataset(X, np.zeros(len(X), int), idx), batch_size), device)
    return torch.softmax(torch.as_tensor(logits), dim=1).numpy()


@dataclass
class Fold:
    k: int
    train: np.ndarray
    val: np.ndarray
    val_prob: np.ndarray
    test_prob: np.ndarray
    history: History
    state: dict | None = None


@dataclass
class CVResult:
    """One task x architecture: the split, every fold's predictions and the weights note."""

    task: str
    arch: str
    split: HoldoutCV
    y: np.ndarray
    folds: list[Fold] = field(default_factory=list)
    weights_note: str = ""

    def fold_metrics(self) -> pd.DataFrame:
        """One row per fold x split (val/test) x metric: estimate, lo, hi."""
        n_classes = len(TASKS[self.task].classes)
        rows = []
        for f in self.folds:
            for split, idx, prob in (("val", f.val, f.val_prob), ("test", self.split.test, f.test_prob)):
                m = evaluate(self.y[idx], prob, n_classes)
                rows += [{"fold": f.k, "split": split, "metric": k, **v} for k, v in m.items()]
        return pd.DataFrame(rows)

    @property
    def best_fold(self) -> int:
        fm = self.fold_metrics()
        auc = fm[(fm.split == "val") & (fm.metric == "AUC")].set_index("fold")["estimate"]
        return int(auc.fillna(-np.inf).idxmax())

    def summary(self) -> pd.DataFrame:
        """Per split and metric: best fold's value with its CI (Wilson / DeLong), and mean, SD, t-CI over folds."""
        fm, best = self.fold_metrics(), self.best_fold
        rows = []
        for (split, metric), g in fm.groupby(["split", "metric"], sort=False):
            v = g["estimate"].dropna().to_numpy()
            b = g[g.fold == best].iloc[0]
            mean, lo, hi = stats.mean_ci(v) if v.size >= 2 and np.ptp(v) > 0 else \
                ((v.mean(),) * 3 if v.size else (np.nan,) * 3)
            rows.append({"task": self.task, "arch": self.arch, "split": split, "metric": metric,
                         "best": b["estimate"], "best_lo": b["lo"], "best_hi": b["hi"], "best_fold": best,
                         "mean": mean, "sd": v.std(ddof=1) if v.size > 1 else np.nan, "lo": lo, "hi": hi,
                         "n_folds": int(v.size)})
        return pd.DataFrame(rows)

    def best_test(self) -> tuple[np.ndarray, np.ndarray]:
        """(y_test, probabilities of the best fold's model on the test set)."""
        f = next(f for f in self.folds if f.k == self.best_fold)
        return self.y[self.split.test], f.test_prob


def _auc_ci(y: np.ndarray, score: np.ndarray) -> tuple[float, float, float]:
    if np.unique(y).size < 2:
        return np.nan, np.nan, np.nan
    try:
        r = stats.delong(y, score, pos_label=1)
        return r.extra["auc"], *r.extra["ci"]
    except ValueError:  # fewer than 2 cases of a class: AUC without CI
        return metrics.roc_auc(y, score), np.nan, np.nan


def evaluate(y: np.ndarray, prob: np.ndarray, n_classes: int) -> dict[str, dict]:
    """``{metric: {estimate, lo, hi}}`` for AUC, ACC, SENS, SPEC, PPV, NPV.

    Binary (label 1 positive): :func:`omicslib.metrics.binary_diagnostics`
    (Wilson CIs) and a DeLong AUC CI. Multiclass: one-vs-rest macro AUC,
    overall accuracy, and SENS/SPEC/PPV/NPV averaged over the one-vs-rest
    problems (no CI for the macro averages). Undefined values are NaN.
    """
    y, prob = np.asarray(y), np.asarray(prob)
    pred = prob.argmax(1)
    nan = {"estimate": np.nan, "lo": np.nan, "hi": np.nan}
    if n_classes == 2:
        d = metrics.binary_diagnostics(y, pred, pos_label=1) if np.isin(1, np.r_[y, pred]) else None
        out = {k: ({"estimate": d.loc[k, "estimate"], "lo": d.loc[k, "lo"], "hi": d.loc[k, "hi"]}
                   if d is not None else dict(nan)) for k in METRICS[1:]}
        auc, lo, hi = _auc_ci(y, prob[:, 1])
        return {"AUC": {"estimate": auc, "lo": lo, "hi": hi}, **out}
    present = np.unique(y)
    out = {"AUC": dict(nan), "ACC": {"estimate": float((pred == y).mean()), "lo": np.nan, "hi": np.nan}}
    if present.size == n_classes:
        out["AUC"]["estimate"] = metrics.roc_auc(y, prob, labels=np.arange(n_classes))
    per = {k: [] for k in METRICS[2:]}
    for c in range(n_classes):
        yc, pc = (y == c).astype(int), (pred == c).astype(int)
        if not np.isin(1, np.r_[yc, pc]):
            continue
        d = metrics.binary_diagnostics(yc, pc, pos_label=1)
        for k in per:
            per[k].append(d.loc[k, "estimate"])
    for k, v in per.items():
        v = np.asarray(v, float)
        out[k] = {"estimate": float(np.nanmean(v)) if np.isfinite(v).any() else np.nan, "lo": np.nan, "hi": np.nan}
    return {k: out[k] for k in METRICS}


def cross_validate(X: np.ndarray, subtypes, patients, task: str, cfg: P4Config, arch: str = "densenet121_cbam",
                   device="cpu", keep_state: bool = False, folds: int | None = None) -> CVResult:
    """Hold-out + k-fold CV of one architecture on one task (see the module docstring).

    ``folds`` limits how many of the k folds are trained (the split is still
    k-fold); ``keep_state`` keeps each fold's weights (for Grad-CAM).
    """
    t = TASKS[task]
    y = t.labels(subtypes)
    groups = np.asarray(patients) if cfg.group_split else None
    split = holdout_kfold(y, cfg.test_size, cfg.n_folds, seed=cfg.seed, groups=groups)
    res = CVResult(task, arch, split, y)
    for k, (tr, va) in enumerate(split.folds[:folds]):
        if groups is not None:
            check_disjoint(tr, va, split.test, groups=groups)
        model, hist, note = train_model(X, y, tr, va, cfg, len(t.classes), task, arch, device, cfg.seed + k)
        res.weights_note = note
        res.folds.append(Fold(k, tr, va, predict_proba(model, X, va, device),
                              predict_proba(model, X, split.test, device), hist,
                              {n: p.detach().cpu().clone() for n, p in model.state_dict().items()}
                              if keep_state else None))
    return res


def best_model(res: CVResult, device="cpu") -> nn.Module:
    """The best fold's model rebuilt from its kept weights (``cross_validate(..., keep_state=True)``)."""
    f = next(f for f in res.folds if f.k == res.best_fold)
    if f.state is None:
        raise ValueError("weights were not kept: run cross_validate(..., keep_state=True)")
    model, _ = build(res.arch, len(TASKS[res.task].classes), pretrained=False)
    model.load_state_dict(f.state)
    return model.to(device).eval()


def compare_models(results: dict[str, CVResult], ref: str = "densenet121_cbam") -> pd.DataFrame:
    """DeLong (AUC, binary tasks) and McNemar (accuracy) of ``ref`` against every other architecture,
    on the hold-out test predictions of each architecture's best fold."""
    base = results[ref]
    y, pa = base.best_test()
    rows = []
    for arch, r in results.items():
        if arch == ref:
            continue
        if not np.array_equal(r.split.test, base.split.test):
            raise ValueError(f"{arch} and {ref} were not evaluated on the same test set")
        _, pb = r.best_test()
        row = {"task": base.task, "model_a": ref, "model_b": arch, "n_test": len(y)}
        if pa.shape[1] == 2 and np.unique(y).size == 2:
            try:
                d = stats.delong(y, pa[:, 1], pb[:, 1], pos_label=1)
                row.update(auc_a=d.extra["auc_a"], auc_b=d.extra["auc_b"], delong_z=d.statistic,
                           delong_p=d.pvalue)
            except ValueError as e:
                row.update(auc_a=np.nan, auc_b=np.nan, delong_z=np.nan, delong_p=np.nan, note=str(e))
        else:
            row.update(auc_a=evaluate(y, pa, pa.shape[1])["AUC"]["estimate"],
                       auc_b=evaluate(y, pb, pb.shape[1])["AUC"]["estimate"], delong_z=np.nan, delong_p=np.nan)
        m = stats.mcnemar(y, pa.argmax(1), pb.argmax(1))
        row.update(acc_a=m.extra["acc_a"], acc_b=m.extra["acc_b"], mcnemar_stat=m.statistic, mcnemar_p=m.pvalue,
                   mcnemar_exact=m.extra["exact"])
        rows.append(row)
    return pd.DataFrame(rows)


def split_leak_audit(y, groups, fit_predict, seeds=(0, 1, 2), test_size: float = 0.2) -> pd.DataFrame:
    """Test AUC under a per-image split (CC and MLO of a patient may straddle it) vs a per-patient split.

    ``fit_predict(train_idx, test_idx) -> positive-class scores for test_idx``.
    Returns one row per seed and scheme with the AUC, the number of test
    images and how many test patients also have an image in training.
    """
    y, groups = np.asarray(y), np.asarray(groups)
    rows = []
    for seed in seeds:
        for scheme, g in (("per image", None), ("per patient", groups)):
            split = holdout_kfold(y, test_size, 2, seed=seed, groups=g)
            shared = np.intersect1d(groups[split.train], groups[split.test]).size
            score = fit_predict(split.train, split.test)
            yt = y[split.test]
            auc = metrics.roc_auc(yt, score) if np.unique(yt).size == 2 else np.nan
            rows.append({"seed": seed, "split": scheme, "auc": auc, "n_test": len(split.test),
                         "test_patients_also_in_train": int(shared)})
    return pd.DataFrame(rows)


def roc_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str = "", ax=None):
    """ROC curves ``{label: (y_true, score)}`` on one axis, AUC in the legend."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    ax = ax or plt.subplots(figsize=(4, 4))[1]
    for label, (yt, s) in curves.items():
        if np.unique(yt).size < 2:
            continue
        fpr, tpr, _ = roc_curve(yt, s)
        ax.plot(fpr, tpr, label=f"{label} (AUC {metrics.roc_auc(yt, s):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=0.8)
    ax.set_xlabel("1 - specificity")
    ax.set_ylabel("sensitivity")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return ax
