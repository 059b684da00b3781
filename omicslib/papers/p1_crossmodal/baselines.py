"""p1 baselines on the grid's hold-out and folds (Table 7).

* ElasticNet logistic regression on the deep model's top-K EXP + CNA features (fixed C, l1_ratio);
* an early-fusion residual MLP on raw EXP + CNA + MUT (the stage-3 classifier without attention);
* **the strongest simple baseline** (:func:`omicslib.baselines.select`): the model family (ridge, lasso or
  elastic-net multinomial logistic regression along its C path, gradient-boosted trees along their tree
  path), the feature set (ALL available features: every expression and CNA gene and the mutation vocabulary
  of the training rows; or the expression genes alone), standardised, and the hyperparameters, chosen
  together by a stratified inner CV scored by macro-F1 (the claims' metric) with balanced class weights on
  the 80 % training part only, a choice at a grid's edge widening that grid; then refitted on each fold's
  training rows and scored on the same hold-out as the deep model, ConvergenceWarnings counted;
* Parker 2009 PAM50 centroids (Spearman nearest centroid, no training) on the genes present.

No row is dropped silently: a baseline that cannot run is returned in ``skipped`` with its reason.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from omicslib import baselines as core
from omicslib.data.metabric import SUBTYPES
from omicslib.papers.p1_crossmodal.config import Config, unit_seed
from omicslib.papers.p1_crossmodal.data import Prepared, fit_rows, fold_features, fold_rankings
from omicslib.papers.p1_crossmodal.protocol import scores, stage3, unit_threads
from omicslib.papers.p1_crossmodal.selection import MutationEncoder, Ranking
from omicslib.runtime import seed_everything, threads
from omicslib.train import rehearsal_search

TOPK_LR = "ElasticNet LR (EXP+CNA top-K)"
EARLY_MLP = "Early-fusion MLP (EXP+CNA+MUT raw)"
TUNED_LR = "Strongest simple baseline (family chosen by inner CV)"


def pam50_nearest_centroid(exp: pd.DataFrame, centroids: pd.DataFrame, classes=SUBTYPES):
    """Spearman nearest-centroid PAM50 call restricted to the genes present; returns (pred codes,
    softmax(10 * rho) scores, genes used)."""
    genes = [g for g in centroids.index if g in exp.columns]
    if len(genes) < 3:
        raise ValueError(f"only {len(genes)} PAM50 genes present; need >= 3")
    cen = centroids.loc[genes, list(classes)]
    from scipy.stats import spearmanr

    rho = np.array([[spearmanr(row, cen[c]).statistic for c in classes] for row in exp[genes].to_numpy()])
    rho = np.nan_to_num(rho)
    sc = np.exp(10 * rho)
    return rho.argmax(1), sc / sc.sum(1, keepdims=True), genes


@dataclass
class Baselines:
    """Per-fold hold-out scores of every baseline (``scores``), what could not run (``skipped``),
    the tuned model's chosen hyperparameters per fold and the ConvergenceWarnings counted."""

    scores: pd.DataFrame
    skipped: list[str] = field(default_factory=list)
    tuned: pd.DataFrame = field(default_factory=pd.DataFrame)
    convergence_warnings: dict[str, int] = field(default_factory=dict)
    probs: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)   # (method, fold) -> hold-out probs


def _count_convergence(caught) -> int:
    return sum(issubclass(w.category, ConvergenceWarning) for w in caught)


def all_features(prep: Prepared, rows, cfg: Config) -> np.ndarray:
    """Every expression and CNA gene and the mutation multi-hot (vocabulary from ``rows``)."""
    enc = MutationEncoder(cfg.mut_min_count).fit(prep.mutations, prep.samples[np.asarray(rows)])
    mut = enc.transform(prep.mutations, prep.samples).to_numpy(np.float32)
    return np.hstack([prep.exp.to_numpy(np.float32), prep.cna.to_numpy(np.float32), mut])


def candidate_families(cfg: Config) -> list:
    """The families the strongest baseline chooses among: a logistic regression per ``baseline_l1_grid`` value
    (0 ridge, 1 lasso, else elastic net) along ``baseline_C_grid``, and LightGBM along ``baseline_trees``."""
    fams = [core.Logistic(float(r), grid=tuple(cfg.baseline_C_grid), max_iter=cfg.baseline_max_iter,
                          tol=cfg.baseline_tol) for r in cfg.baseline_l1_grid]
    if cfg.baseline_trees:
        fams.append(core.LightGBM(grid=tuple(cfg.baseline_trees), leaves=tuple(cfg.baseline_leaves),
                                  learning_rates=tuple(cfg.baseline_learning_rates)))
    return fams


def feature_sets(prep: Prepared, cfg: Config) -> dict:
    """The preprocessing candidates: all features or the expression genes alone (the first columns of
    :func:`all_features`), each standardised on the rows it is fitted on."""
    named = {"all": ("all features, standardised", core.standardise),
             "exp": ("expression genes alone, standardised", core.columns(np.arange(prep.exp.shape[1])))}
    return dict(named[k] for k in cfg.baseline_feature_sets)


def strongest_search(X: np.ndarray, y, tr, prep: Prepared, cfg: Config, seed: int) -> tuple[core.Selection, list]:
    """:func:`omicslib.baselines.select` on the rows ``tr`` only (macro-F1, balanced class weights); returns the
    selection and the families searched. Under the rehearsal's step cap: one ridge at the first C only."""
    fams = candidate_families(cfg)
    cut, max_iter = rehearsal_search({"C": list(cfg.baseline_C_grid)}, cfg.baseline_max_iter)
    if cut["C"] != list(cfg.baseline_C_grid):
        fams = [core.Logistic(0.0, grid=tuple(cut["C"][:1]), max_iter=max_iter, tol=cfg.baseline_tol)]
    sel = core.select(np.asarray(X)[tr], np.asarray(y)[tr], fams, feature_sets(prep, cfg), scoring="f1_macro",
                      inner_folds=cfg.baseline_inner_folds, seed=seed)
    return sel, fams


def run_baselines(prep: Prepared, k_paper: int, cfg: Config, device="cpu", centroids: pd.DataFrame | None = None,
                  rankings: list[dict[str, Ranking]] | None = None, *, tuned: bool = True) -> Baselines:
    """Every baseline on the same hold-out and folds as the grid (see the module docstring). The tuned
    model's search runs once on the 80 % training part (inner CV, training rows only); ``tuned``
    holds the chosen family, feature set and hyperparameters, its inner-CV macro-F1, the searched range of
    its path parameter and whether the choice is inside it, and the ConvergenceWarnings of the search and of
    the refits at the chosen point (``C``/``l1_ratio`` are empty when boosting is chosen)."""
    k = prep.k_map[k_paper]
    test = prep.cv.test
    rankings = rankings or fold_rankings(prep, cfg)
    rows, skipped, chosen = [], [], []
    warn = {TOPK_LR: 0, TUNED_LR: 0}
    with threads(unit_threads(cfg)):
        if tuned:
            X80 = all_features(prep, prep.cv.train, cfg)
            sel, fams = strongest_search(X80, prep.y, prep.cv.train, prep, cfg, cfg.seed)
            rec = sel.record
            linear = rec["path_param"] == "C"
            chosen.append({"n_features": X80.shape[1], "family": rec["family"],
                           "feature_set": rec["preprocessing"], "hyperparameters": rec["hyperparameters"],
                           "C": rec.get("C", np.nan), "l1_ratio": rec.get("l1_ratio", {"ridge": 0.0, "lasso": 1.0}.get(
                               rec["family"], np.nan)),
                           "inner_cv_f1_macro": rec["inner_score"], "inner_folds": cfg.baseline_inner_folds,
                           "C_grid": str(tuple(cfg.baseline_C_grid)), "l1_grid": str(tuple(cfg.baseline_l1_grid)),
                           "trees_grid": str(tuple(cfg.baseline_trees)),
                           "path_param": rec["path_param"], "searched_min": rec["grid_min"],
                           "searched_max": rec["grid_max"], "widened": rec["n_widen"], "at_edge": rec["at_edge"],
                           "path_interior": not rec["at_edge"], "C_interior": linear and not rec["at_edge"],
                           "n_candidates": rec["n_candidates"], "search_convergence_warnings": rec["convergence_warnings"],
                           "class_weight": "balanced", "scoring": "f1_macro"})
            fsets = feature_sets(prep, cfg)
        for fold, (tr, va) in enumerate(prep.cv.folds):
            seed = unit_seed(cfg, k_paper, fold)
            seed_everything(seed)
            feats = fold_features(prep, rankings[fold], k, fit_rows(prep, fold, cfg), cfg)
            Xec = np.hstack([feats.X["exp"], feats.X["cna"]])
            sc = StandardScaler().fit(Xec[tr])
            lr = LogisticRegression(solver="saga", l1_ratio=cfg.enet_l1_ratio, C=cfg.enet_C,
                                    max_iter=2000, tol=1e-3, random_state=seed)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                lr.fit(sc.transform(Xec[tr]), prep.y[tr])
            warn[TOPK_LR] += _count_convergence(caught)
            rows.append({"method": TOPK_LR, "fold": fold, "prob": lr.predict_proba(sc.transform(Xec[test])),
                         **scores(prep.y[test], lr.predict_proba(sc.transform(Xec[test])), len(prep.classes))})
            Xall = np.hstack([Xec, feats.X["mut"]])
            prob, _, _ = stage3(Xall, prep.y, tr, va, test, cfg, device, seed, len(prep.classes))
            rows.append({"method": EARLY_MLP, "fold": fold, "prob": prob,
                         **scores(prep.y[test], prob, len(prep.classes))})
            if tuned:
                X = all_features(prep, tr, cfg)
                model, n_warn = core.refit(rec, X[tr], prep.y[tr], fams, fsets, seed=seed)
                warn[TUNED_LR] += n_warn
                prob = model.predict_proba(X[test])
                rows.append({"method": TUNED_LR, "fold": fold, "prob": prob,
                             **scores(prep.y[test], prob, len(prep.classes))})
        if chosen:
            chosen[0]["refit_convergence_warnings"] = warn[TUNED_LR]
    if centroids is None:
        skipped.append("PAM50 nearest centroid: no centroids given (synthetic data)")
    else:
        try:
            pred, prob, genes = pam50_nearest_centroid(prep.exp.iloc[test], centroids, prep.classes)
            rows.append({"method": f"PAM50 nearest centroid ({len(genes)}/50 genes)", "fold": 0, "prob": prob,
                         **scores(prep.y[test], prob, len(prep.classes))})
        except ValueError as err:
            skipped.append(f"PAM50 nearest centroid: {err}")
            warnings.warn(f"PAM50 baseline not run: {err}", stacklevel=2)
    df = pd.DataFrame(rows)
    probs = {(r["method"], r["fold"]): r["prob"] for r in rows}
    return Baselines(df.drop(columns="prob"), skipped, pd.DataFrame(chosen), warn, probs)
