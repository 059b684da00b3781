"""p2 protocol: Luminal (0) vs Basal/Her2 (1) with a gene MLP, a patch-bag image model and three
fusions, under stratified 5-fold cross-validation (repeated over seeds), or on a fixed train/test split.

Per fold: the expression pipeline (:func:`~omicslib.papers.p2_fusion.preprocess.expression_pipeline`)
is fitted on the training part only; early stopping watches an inner stratified validation split of
the training fold, never the scored fold; one :func:`omicslib.train.fit` call per model. The config
switches ``stratified``, ``prep_fit`` and ``early_stop_on`` reproduce the authors' code for the audit.

* :func:`cross_validate` — one model through the CV; :class:`CVResult` holds per-fold metrics,
  confusion matrices, training histories and out-of-fold probabilities.
* :func:`repeated` — :func:`cross_validate` over ``cfg.seeds`` seeds (new folds and initialisation each).
* :func:`holdout` — train on one cohort, score another (mixOmics' own split).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import auc, precision_recall_curve
from sklearn.model_selection import KFold, train_test_split

from omicslib import metrics
from omicslib.papers.p2_fusion.config import Config
from omicslib.papers.p2_fusion.model import build, late_fusion_loss
from omicslib.papers.p2_fusion.preprocess import expression_pipeline
from omicslib.runtime import seed_everything
from omicslib.splits import check_disjoint, stratified_kfold
from omicslib.train import adam, fit, loader, predict, supervised

#: Metrics summarised per model (mean ± SD over folds). ``pr_auc`` is average precision (ours);
#: ``pr_auc_trapz`` is the authors' estimator, sklearn ``auc(recall, precision)`` (trapezoids over the
#: precision-recall curve, which can exceed AP because it interpolates linearly between points).
METRICS = ("f1", "mcc", "pr_auc", "accuracy")
ALL_METRICS = METRICS + ("pr_auc_trapz",)


@dataclass
class CVResult:
    model: str
    folds: pd.DataFrame
    confusions: list[pd.DataFrame]
    histories: list[pd.DataFrame]
    oof_prob: np.ndarray
    config: Config
    notes: list[str] = field(default_factory=list)

    @property
    def seed(self) -> int:
        return self.config.seed

    def summary(self, which=METRICS) -> dict[str, tuple[float, float]]:
        """metric -> (mean, SD over folds)."""
        return {m: (float(self.folds[m].mean()), float(self.folds[m].std(ddof=1))) for m in which}


def pr_auc_trapz(y, prob, sample_weight=None) -> float:
    """The authors' PR-AUC: ``sklearn.metrics.auc(recall, precision)`` over ``precision_recall_curve``
    (trapezoidal, linear interpolation between operating points); ``sample_weight``: patient weights."""
    precision, recall, _ = precision_recall_curve(np.asarray(y), np.asarray(prob), sample_weight=sample_weight)
    return float(auc(recall, precision))


def fold_metrics(y: np.ndarray, prob: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """F1 (positive class), MCC, PR-AUC (average precision), accuracy and the authors' trapezoidal
    PR-AUC for one fold."""
    y, prob = np.asarray(y), np.asarray(prob)
    if len(y) != len(prob):
        raise ValueError(f"{len(y)} labels but {len(prob)} probabilities")
    pred = (prob >= threshold).astype(int)
    f1 = float(metrics.per_class(y, pred, labels=[0, 1]).loc[1, "f1"])
    both = len(np.unique(y)) == 2
    pr = metrics.pr_auc(y, prob, pos_label=1) if both else float("nan")
    return {"f1": f1, "mcc": metrics.mcc(y, pred), "pr_auc": pr,
            "accuracy": metrics.classification_report(y, pred, labels=[0, 1])["accuracy"],
            "pr_auc_trapz": pr_auc_trapz(y, prob) if both else float("nan")}


def folds(y: np.ndarray, cfg: Config) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k-fold, or (``stratified=False``) the authors' shuffled KFold; seeded by ``cfg.seed``."""
    if cfg.stratified:
        return stratified_kfold(y, cfg.n_splits, cfg.seed)
    return list(KFold(cfg.n_splits, shuffle=True, random_state=cfg.seed).split(np.zeros(len(y))))


def _check_inputs(y, genes, bags, model: str):
    n = len(y)
    if model != "image" and genes is None:
        raise ValueError(f"model {model!r} needs gene expression")
    if model != "gene" and bags is None:
        raise ValueError(f"model {model!r} needs patch bags")
    if genes is not None and len(genes) != n:
        raise ValueError(f"genes has {len(genes)} rows, labels {n}")
    if bags is not None and (np.ndim(bags) != 3 or len(bags) != n):
        raise ValueError(f"bags must be (n={n}, tiles, features), got shape {np.shape(bags)}")
    if not set(np.unique(y)) <= {0, 1}:
        raise ValueError(f"labels must be 0/1, got {sorted(set(np.unique(y)))}")


def _pipeline(cfg: Config):
    return expression_pipeline(cfg.impute, cfg.iqr_k, log=cfg.log_transform)


def _arrays(G: np.ndarray, B: np.ndarray, y: np.ndarray, idx: np.ndarray) -> tuple:
    return G[idx], B[idx], y[idx].astype(np.float32)


def train_and_predict(model: str, G: np.ndarray, B: np.ndarray, y: np.ndarray, fit_idx: np.ndarray,
                      val_idx: np.ndarray, test_idx: np.ndarray, cfg: Config, seed: int,
                      device: torch.device | str = "cpu", preprocess: bool = True):
    """Fit one model on ``fit_idx`` (early stopping on ``val_idx``; the expression pipeline fitted on
    ``fit_idx`` when ``preprocess``) and return ``(probabilities on test_idx, history)``."""
    Gk = _pipeline(cfg).fit(G[fit_idx]).transform(G).astype(np.float32) if preprocess else G
    seed_everything(seed)
    net = build(model, n_genes=Gk.shape[1], feat_dim=B.shape[2], **cfg.model_kw(model))
    step = late_fusion_loss if model == "late" else supervised(torch.nn.BCEWithLogitsLoss())
    # BatchNorm needs >1 sample per training batch: drop a trailing singleton batch
    train_dl = loader(_arrays(Gk, B, y, fit_idx), cfg.batch_size, shuffle=True, seed=seed,
                      drop_last=len(fit_idx) % cfg.batch_size == 1)
    val_dl = loader(_arrays(Gk, B, y, val_idx), cfg.batch_size, shuffle=False, seed=seed)
    hist = fit(net, train_dl, val_dl, loss_step=step,
               optimizer=adam(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay),
               epochs=cfg.epochs, patience=cfg.patience, device=device)
    test_dl = loader(_arrays(Gk, B, y, test_idx), cfg.batch_size, shuffle=False, seed=seed)
    prob = 1 / (1 + np.exp(-predict(net, test_dl, device)))
    return prob, hist


def _as_arrays(y, genes, bags, model):
    y = np.asarray(y).astype(int)
    _check_inputs(y, genes, bags, model)
    n = len(y)
    G = np.zeros((n, 1), np.float32) if genes is None else np.asarray(genes, np.float32)
    B = np.zeros((n, 1, 1), np.float32) if bags is None else np.asarray(bags, np.float32)
    return y, G, B


def cross_validate(model: str, y, genes=None, bags=None, cfg: Config | None = None,
                   device: torch.device | str = "cpu") -> CVResult:
    """Run one model through the CV and return per-fold metrics, confusions, histories, OOF probs.

    ``genes`` (n, G) raw expression (preprocessed inside each fold), ``bags`` (n, T, D) patch
    features; a unimodal model may omit the other input.
    """
    cfg = Config() if cfg is None else cfg
    y, G, B = _as_arrays(y, genes, bags, model)
    notes = []
    prep_in_fold = genes is not None and cfg.prep_fit == "fold"
    if genes is not None and cfg.prep_fit == "all":
        G = _pipeline(cfg).fit(G).transform(G).astype(np.float32)
        notes.append("preprocessing fitted on all patients before CV (authors' leak)")
    rows, cms, hists = [], [], []
    oof = np.full(len(y), np.nan)
    for k, (tr, te) in enumerate(folds(y, cfg)):
        if cfg.early_stop_on == "inner":
            fit_idx, val_idx = train_test_split(tr, test_size=cfg.val_size, stratify=y[tr],
                                                random_state=cfg.seed + k)
            check_disjoint(fit_idx, val_idx, te)
        else:
            fit_idx, val_idx = tr, te
        prob, hist = train_and_predict(model, G, B, y, fit_idx, val_idx, te, cfg, cfg.seed + k, device,
                                       preprocess=prep_in_fold)
        oof[te] = prob
        rows.append({"fold": k + 1, "n_test": len(te), "positives": int(y[te].sum()),
                     **fold_metrics(y[te], prob, cfg.threshold),
                     "best_epoch": hist.best_epoch + 1, "epochs_run": len(hist.train_loss)})
        cms.append(metrics.confusion(y[te], (prob >= cfg.threshold).astype(int), labels=[0, 1]))
        hists.append(hist.to_frame())
    return CVResult(model, pd.DataFrame(rows), cms, hists, oof, cfg, notes)


def seeds_of(cfg: Config, n: int | None = None) -> list[int]:
    """The seeds a repeated run uses: ``cfg.seed, cfg.seed + 1, ...`` (``n`` defaults to ``cfg.seeds``)."""
    return [cfg.seed + i for i in range(cfg.seeds if n is None else n)]


def repeated(model: str, y, genes=None, bags=None, cfg: Config | None = None, device="cpu",
             n_seeds: int | None = None) -> list[CVResult]:
    """:func:`cross_validate` once per seed (:func:`seeds_of`): new folds and initialisation each time."""
    cfg = Config() if cfg is None else cfg
    return [cross_validate(model, y, genes, bags, replace(cfg, seed=s), device) for s in seeds_of(cfg, n_seeds)]


def seed_folds(results: list[CVResult], **labels) -> pd.DataFrame:
    """Per-fold rows of repeated runs, with a ``seed`` column (and any constant ``labels`` columns)."""
    return pd.concat([r.folds.assign(seed=r.seed, **labels) for r in results], ignore_index=True)


def holdout(model: str, train_y, train_genes, test_y, test_genes, cfg: Config | None = None,
            device="cpu") -> dict[str, float]:
    """Train on one cohort (early stopping on an inner stratified split of it), score another; the
    expression pipeline is fitted on the training rows only. Gene-only models. ``prob``: the test
    probabilities (for a bootstrap over test patients)."""
    cfg = Config() if cfg is None else cfg
    ytr, Gtr, _ = _as_arrays(train_y, train_genes, None, model)
    yte, Gte, _ = _as_arrays(test_y, test_genes, None, model)
    if Gtr.shape[1] != Gte.shape[1]:
        raise ValueError(f"train has {Gtr.shape[1]} genes, test {Gte.shape[1]}")
    y = np.concatenate([ytr, yte])
    G = np.concatenate([Gtr, Gte])
    B = np.zeros((len(y), 1, 1), np.float32)
    tr = np.arange(len(ytr))
    te = np.arange(len(ytr), len(y))
    fit_idx, val_idx = train_test_split(tr, test_size=cfg.val_size, stratify=ytr, random_state=cfg.seed)
    prob, hist = train_and_predict(model, G, B, y, fit_idx, val_idx, te, cfg, cfg.seed, device)
    return {"seed": cfg.seed, "n_train": len(fit_idx), "n_val": len(val_idx), "n_test": len(te),
            **fold_metrics(yte, prob, cfg.threshold), "best_epoch": hist.best_epoch + 1,
            "epochs_run": len(hist.train_loss), "prob": prob}


def fold_balance(y, cfg: Config) -> pd.DataFrame:
    """Positive fraction of every test fold under ``cfg``'s fold scheme (audit: stratification)."""
    y = np.asarray(y)
    return pd.DataFrame([{"fold": k + 1, "n": len(te), "positive_fraction": float(y[te].mean())}
                         for k, (_, te) in enumerate(folds(y, cfg))])
