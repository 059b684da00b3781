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
* Parker 2009 PAM50 centroids (Spearman nearest centroid, no training) on the genes present;
* per K of the grid (:func:`run_topk_baselines`), the strongest simple baseline on the deep model's own inputs at
  that K (top-K EXP, top-K CNA and the mutation multi-hot, as :func:`~omicslib.papers.p1_crossmodal.data.fold_features`
  gives them): chosen as above on the 80 % training part, with the top-K ranked on those rows, then refitted on
  each fold's training rows with that fold's top-K, the columns the fold's deep model used.

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
from omicslib.papers.p1_crossmodal.data import Prepared, fit_rows, fold_features, fold_rankings, rank_modalities
from omicslib.papers.p1_crossmodal.protocol import scores, stage3, unit_threads
from omicslib.papers.p1_crossmodal.selection import MutationEncoder, Ranking
from omicslib.runtime import seed_everything, threads
from omicslib.train import rehearsal_search

TOPK_LR = "ElasticNet LR (EXP+CNA top-K)"
EARLY_MLP = "Early-fusion MLP (EXP+CNA+MUT raw)"
TUNED_LR = "Strongest simple baseline (family chosen by inner CV)"
TOPK_TUNED = "Strongest simple baseline on the deep model's top-K features"


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


def feature_sets(prep: Prepared, cfg: Config, n_exp: int | None = None) -> dict:
    """The preprocessing candidates: all features or the expression genes alone (the first columns of
    :func:`all_features`), each standardised on the rows it is fitted on. ``n_exp`` given: the candidates on
    a :func:`topk_features` matrix (all its columns, or its first ``n_exp``, the top-K expression genes)."""
    if n_exp is None:
        named = {"all": ("all features, standardised", core.standardise),
                 "exp": ("expression genes alone, standardised", core.columns(np.arange(prep.exp.shape[1])))}
    else:
        named = {"all": ("top-K EXP + top-K CNA + MUT, standardised", core.standardise),
                 "exp": ("top-K expression genes alone, standardised", core.columns(np.arange(n_exp)))}
    return dict(named[k] for k in cfg.baseline_feature_sets)


def strongest_search(X: np.ndarray, y, tr, prep: Prepared, cfg: Config, seed: int,
                     sets: dict | None = None) -> tuple[core.Selection, list]:
    """:func:`omicslib.baselines.select` on the rows ``tr`` only (macro-F1, balanced class weights) over
    ``sets`` (default :func:`feature_sets`); returns the selection and the families searched. Under the
    rehearsal's step cap: one ridge at the first C only."""
    fams = candidate_families(cfg)
    cut, max_iter = rehearsal_search({"C": list(cfg.baseline_C_grid)}, cfg.baseline_max_iter)
    if cut["C"] != list(cfg.baseline_C_grid):
        fams = [core.Logistic(0.0, grid=tuple(cut["C"][:1]), max_iter=max_iter, tol=cfg.baseline_tol)]
    sel = core.select(np.asarray(X)[tr], np.asarray(y)[tr], fams, sets or feature_sets(prep, cfg),
                      scoring="f1_macro", inner_folds=cfg.baseline_inner_folds, seed=seed)
    return sel, fams


def _choice(rec: dict, cfg: Config) -> dict:
    """The columns of a selection record that the choice tables show."""
    return {"family": rec["family"], "feature_set": rec["preprocessing"], "hyperparameters": rec["hyperparameters"],
            "C": rec.get("C", np.nan),
            "l1_ratio": rec.get("l1_ratio", {"ridge": 0.0, "lasso": 1.0}.get(rec["family"], np.nan)),
            "inner_cv_f1_macro": rec["inner_score"], "inner_folds": cfg.baseline_inner_folds,
            "path_param": rec["path_param"], "searched_min": rec["grid_min"], "searched_max": rec["grid_max"],
            "widened": rec["n_widen"], "at_edge": rec["at_edge"], "path_interior": not rec["at_edge"],
            "n_candidates": rec["n_candidates"], "search_convergence_warnings": rec["convergence_warnings"]}


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
            c = _choice(rec, cfg)
            chosen.append({"n_features": X80.shape[1], **{k: c[k] for k in ("family", "feature_set", "hyperparameters",
                                                                           "C", "l1_ratio", "inner_cv_f1_macro",
                                                                           "inner_folds")},
                           "C_grid": str(tuple(cfg.baseline_C_grid)), "l1_grid": str(tuple(cfg.baseline_l1_grid)),
                           "trees_grid": str(tuple(cfg.baseline_trees)),
                           **{k: c[k] for k in ("path_param", "searched_min", "searched_max", "widened", "at_edge",
                                                "path_interior")},
                           "C_interior": linear and not rec["at_edge"], "n_candidates": c["n_candidates"],
                           "search_convergence_warnings": c["search_convergence_warnings"],
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


@dataclass
class TopKBaselines:
    """The strongest simple baseline on the deep model's top-K features, per K: the choice of each K's search
    with its wall time (``tuned``, one row per K), hold-out probabilities ``probs[(K_paper, fold)]`` and the
    columns of every refit ``columns[(K_paper, fold)]``."""

    tuned: pd.DataFrame
    probs: dict[tuple[int, int], np.ndarray]
    columns: dict[tuple[int, int], list[str]]


def topk_features(prep: Prepared, rankings: dict[str, Ranking], k: int, rows, cfg: Config) -> tuple[np.ndarray, list[str]]:
    """The deep model's inputs at ``k`` as one matrix, from :func:`fold_features` (the rankings and mutation
    vocabulary fitted on ``rows``): its top-K EXP, top-K CNA and mutation columns in that order, and their
    names (``exp:``, ``cna:``, ``mut:`` prefixed)."""
    f = fold_features(prep, rankings, k, rows, cfg)
    names = [f"exp:{g}" for g in f.exp_genes] + [f"cna:{g}" for g in f.cna_genes] + [f"mut:{m}" for m in f.mut_features]
    return np.hstack([f.X["exp"], f.X["cna"], f.X["mut"]]), names


def run_topk_baselines(prep: Prepared, cfg: Config, rankings: list[dict[str, Ranking]] | None = None,
                       k_grid=None) -> TopKBaselines:
    """For each paper K of ``k_grid`` (default ``cfg.k_grid``): one :func:`strongest_search` on the 80 % training
    part over the top-K features ranked on those rows (the families of :func:`candidate_families`; candidate
    feature sets all top-K columns or the top-K expression genes, :func:`feature_sets`), then the choice refitted
    on each fold's training rows with the fold's own top-K (``rankings``, as the grid used them) and scored on
    the hold-out. The hold-out rows enter neither the ranking nor the search."""
    import time

    rankings = rankings or fold_rankings(prep, cfg)
    ranked80 = rankings[0] if cfg.ranking_scope == "train80" else rank_modalities(prep, prep.cv.train, cfg)
    test = prep.cv.test
    tuned, probs, cols = [], {}, {}
    with threads(unit_threads(cfg)):
        for kp in (k_grid or cfg.k_grid):
            tk = time.perf_counter()
            k = prep.k_map[kp]
            X80, names80 = topk_features(prep, ranked80, k, prep.cv.train, cfg)
            n_exp = sum(n.startswith("exp:") for n in names80)
            sets = feature_sets(prep, cfg, n_exp=n_exp)
            sel, fams = strongest_search(X80, prep.y, prep.cv.train, prep, cfg, cfg.seed, sets=sets)
            rec, n_warn = sel.record, 0
            for fold, (tr, _) in enumerate(prep.cv.folds):
                X, names = topk_features(prep, rankings[fold], k, fit_rows(prep, fold, cfg), cfg)
                if sum(n.startswith("exp:") for n in names) != n_exp:
                    raise ValueError(f"K={kp} fold {fold}: {n_exp} expression columns searched, another count refitted")
                model, w = core.refit(rec, X[tr], prep.y[tr], fams, sets, seed=unit_seed(cfg, kp, fold))
                n_warn += w
                probs[(kp, fold)], cols[(kp, fold)] = model.predict_proba(X[test]), names
            tuned.append({"K_paper": kp, "K": k, "n_features": X80.shape[1], "n_exp": n_exp,
                          "n_cna": sum(n.startswith("cna:") for n in names80),
                          "n_mut": sum(n.startswith("mut:") for n in names80), **_choice(rec, cfg),
                          "refit_convergence_warnings": n_warn, "seconds": time.perf_counter() - tk})
    return TopKBaselines(pd.DataFrame(tuned), probs, cols)
