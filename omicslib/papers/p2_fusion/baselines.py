"""The strongest simple models beside p2's gene branch, on the same folds, tuned as carefully as the deep model.

* ``logreg`` — L2-regularised logistic regression with balanced class weights on all available genes; the
  penalty C is chosen by an inner stratified CV on the training part of each outer fold only, scored by
  average precision (the PR-AUC of the comparison claim); the expression pipeline sits inside the searched
  pipeline, so inner folds refit it too. The C grid is widened (up to :data:`omicslib.tuning.MAX_WIDEN` times, by its own
  spacing) until the chosen C is interior; a choice still at the edge is recorded (``at_edge``).
* ``forest`` — a balanced random forest whose ``min_samples_leaf`` and ``max_features`` are tuned the same way.
* ``strongest`` — the strongest simple baseline (:func:`omicslib.baselines.select`): family (ridge or
  elastic-net logistic regression along the C path, LightGBM along its tree path), preprocessing (the paper's
  expression pipeline or plain imputation + standardisation) and hyperparameters chosen together by the same
  inner CV (average precision, balanced class weights), a grid widened while its optimum sits at an edge.

Convergence warnings are counted per fold (``convergence_warnings`` over the whole search and
``warnings_at_choice`` for the refit at the chosen point), never silenced.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from omicslib import baselines as core
from omicslib import metrics
from omicslib.papers.p2_fusion.config import Config
from omicslib.papers.p2_fusion.preprocess import expression_pipeline
from omicslib.papers.p2_fusion.protocol import CVResult, fold_metrics, folds
from omicslib.train import rehearsal_limit, rehearsal_search
from omicslib.tuning import MAX_WIDEN, edge_of

BASELINES = ("logreg", "forest", "strongest")
#: The inner search's score: average precision, the PR-AUC of the claim the baseline is compared on.
SCORING = "average_precision"


def _estimator(name: str, cfg: Config, seed: int):
    if name == "logreg":
        _, max_iter = rehearsal_search({"C": [1.0]}, cfg.lr_max_iter)
        return LogisticRegression(C=1.0, class_weight="balanced", max_iter=max_iter)
    if name == "forest":
        return RandomForestClassifier(n_estimators=rehearsal_limit(200), class_weight="balanced",
                                      random_state=seed, n_jobs=1)
    raise ValueError(f"unknown baseline {name!r}; choose from {BASELINES}")


def c_grid(cfg: Config) -> np.ndarray:
    """The logistic regression's starting C grid: ``cfg.lr_grid`` values log-spaced over ``cfg.lr_log10_c``."""
    return np.logspace(*cfg.lr_log10_c, cfg.lr_grid)


def searcher(name: str, cfg: Config, seed: int, grid: dict | None = None) -> GridSearchCV:
    """The inner-CV search for baseline ``name`` (``logreg`` or ``forest``), seeded; ``refit=False``
    (:func:`tune` refits the chosen point and counts its convergence warnings)."""
    prep = expression_pipeline(cfg.impute, cfg.iqr_k, log=cfg.log_transform)
    inner = StratifiedKFold(cfg.inner_folds, shuffle=True, random_state=seed)
    if grid is None:
        grid = {"clf__C": c_grid(cfg)} if name == "logreg" else \
            {"clf__min_samples_leaf": [1, 5], "clf__max_features": ["sqrt", 0.2]}
    grid, _ = rehearsal_search(grid)
    return GridSearchCV(Pipeline(list(prep.steps) + [("clf", _estimator(name, cfg, seed))]), grid, scoring=SCORING,
                        cv=inner, refit=False, n_jobs=1, error_score="raise")


def _widened(grid: np.ndarray, side: str, k: int = 3) -> np.ndarray:
    step = np.diff(np.log10(grid)).mean()
    lo, hi = np.log10(grid[0]), np.log10(grid[-1])
    extra = lo - step * np.arange(1, k + 1) if side == "low" else hi + step * np.arange(1, k + 1)
    return np.sort(np.concatenate([grid, 10.0 ** extra]))


def strongest_candidates(cfg: Config) -> tuple[list, dict]:
    """The families and preprocessing candidates of the ``strongest`` baseline (grids from ``cfg``)."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    _, max_iter = rehearsal_search({"C": [1.0]}, cfg.lr_max_iter)
    fams = [core.Logistic(float(r), grid=tuple(c_grid(cfg)), max_iter=max_iter, tol=1e-4)
            for r in cfg.strongest_l1_ratios]
    if cfg.strongest_trees:
        fams.append(core.LightGBM(grid=tuple(cfg.strongest_trees), leaves=tuple(cfg.strongest_leaves),
                                  learning_rates=(0.1,)))
    preps = {"paper's pipeline": lambda: expression_pipeline(cfg.impute, cfg.iqr_k, log=cfg.log_transform),
             "plain standardisation": lambda: make_pipeline(SimpleImputer(strategy="mean", keep_empty_features=True),
                                                            StandardScaler())}
    return fams, preps


def tune_strongest(X, y, cfg: Config, seed: int):
    """The ``strongest`` baseline on ``(X, y)`` (training rows only): :func:`omicslib.baselines.select`.
    Returns ``(fitted model, record)`` with the keys of :func:`tune`'s record plus the family, the
    preprocessing and the searched range of the path parameter."""
    fams, preps = strongest_candidates(cfg)
    sel = core.select(X, y, fams, preps, scoring=SCORING, inner_folds=cfg.inner_folds, seed=seed)
    r = sel.record
    return sel.model, {"chosen": f"{r['family']}, {r['preprocessing']}, {r['hyperparameters']}",
                       "inner_score": r["inner_score"], "at_edge": r["at_edge"],
                       "convergence_warnings": r["convergence_warnings"], "warnings_at_choice": r["warnings_at_choice"],
                       "family": r["family"], "preprocessing": r["preprocessing"],
                       "searched": f"{r['path_param']} {r['grid_min']:.3g} to {r['grid_max']:.3g} ({r['n_grid']} values)",
                       "widened": r["n_widen"]}


def tune(name: str, X, y, cfg: Config, seed: int) -> tuple[Pipeline, dict]:
    """Inner-CV search on ``(X, y)`` (training rows only), the C grid widened while its optimum sits at an
    edge, then a refit of the chosen point. Returns ``(fitted pipeline, record)``; the record holds the
    chosen parameters, the searched C range, ``at_edge`` (``""`` when interior), the inner-CV score at the
    choice, and the convergence warnings of the whole search and of the refit at the chosen point.
    ``strongest`` goes to :func:`tune_strongest`."""
    if name == "strongest":
        return tune_strongest(np.asarray(X, float), np.asarray(y).astype(int), cfg, seed)
    n_warn, grid = 0, None
    for attempt in range(MAX_WIDEN + 1):
        search = searcher(name, cfg, seed, grid)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            search.fit(X, y)
        n_warn += sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        if name != "logreg":
            edge = ""
            break
        cs = np.asarray(search.param_grid["clf__C"], float)
        edge = edge_of(cs, search.best_params_["clf__C"])
        if not edge or cs.size < 3 or attempt == MAX_WIDEN:
            break
        grid = {"clf__C": _widened(cs, edge)}
    best = clone(search.estimator).set_params(**search.best_params_)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        best.fit(X, y)
    record = {"chosen": chosen_text(search), "inner_score": float(search.best_score_), "at_edge": edge,
              "convergence_warnings": n_warn,
              "warnings_at_choice": sum(issubclass(w.category, ConvergenceWarning) for w in caught)}
    if name == "logreg":
        record.update(C=float(search.best_params_["clf__C"]), c_min=float(cs.min()), c_max=float(cs.max()),
                      n_c=int(cs.size))
    return best, record


def chosen_text(search: GridSearchCV) -> str:
    """The hyper-parameters the inner CV chose, e.g. ``C=0.316`` (floats to 3 significant digits)."""
    return ", ".join(f"{k.removeprefix('clf__')}={float(v):.3g}" if isinstance(v, (float, np.floating))
                     else f"{k.removeprefix('clf__')}={v}" for k, v in search.best_params_.items())


def cross_validate_baseline(name: str, y, genes, cfg: Config | None = None) -> CVResult:
    """Baseline ``name`` through the same outer folds as :func:`~omicslib.papers.p2_fusion.protocol.cross_validate`
    with the same ``cfg`` (same seed, same stratification). Each fold row records the chosen
    hyper-parameters and the number of convergence warnings."""
    cfg = Config() if cfg is None else cfg
    y = np.asarray(y).astype(int)
    G = np.asarray(genes, float)
    if len(G) != len(y):
        raise ValueError(f"genes has {len(G)} rows, labels {len(y)}")
    rows, cms = [], []
    oof = np.full(len(y), np.nan)
    for k, (tr, te) in enumerate(folds(y, cfg)):
        model, record = tune(name, G[tr], y[tr], cfg, cfg.seed + k)
        prob = model.predict_proba(G[te])[:, 1]
        oof[te] = prob
        rows.append({"fold": k + 1, "n_test": len(te), "positives": int(y[te].sum()),
                     **fold_metrics(y[te], prob, cfg.threshold), **record})
        cms.append(metrics.confusion(y[te], (prob >= cfg.threshold).astype(int), labels=[0, 1]))
    return CVResult(name, pd.DataFrame(rows), cms, [], oof, cfg)


def holdout_baseline(name: str, train_y, train_genes, test_y, test_genes, cfg: Config | None = None) -> dict:
    """Baseline ``name`` tuned by inner CV on one cohort and scored on another."""
    cfg = Config() if cfg is None else cfg
    model, record = tune(name, np.asarray(train_genes, float), np.asarray(train_y).astype(int), cfg, cfg.seed)
    prob = model.predict_proba(np.asarray(test_genes, float))[:, 1]
    return {"seed": cfg.seed, "n_train": len(train_y), "n_test": len(test_y),
            **fold_metrics(np.asarray(test_y).astype(int), prob, cfg.threshold), **record, "prob": prob}


def gene_and_baselines(cohort, cfg: Config, device="cpu") -> dict[str, list[CVResult]]:
    """The gene MLP and every baseline of ``cfg.baselines`` over the seeds of ``cfg`` (same folds per seed)."""
    from dataclasses import replace

    from omicslib.papers.p2_fusion.protocol import repeated, seeds_of

    y, G = cohort.y.to_numpy(), cohort.expr.to_numpy()
    out = {"gene": repeated("gene", y, G, cfg=cfg, device=device)}
    for name in cfg.baselines:
        out[name] = [cross_validate_baseline(name, y, G, replace(cfg, seed=s)) for s in seeds_of(cfg)]
    return out


def holdout_runs(train, test, cfg: Config, device="cpu") -> tuple[pd.DataFrame, dict]:
    """The gene MLP and the baselines trained on cohort ``train`` and scored on ``test``, once per seed.
    Returns (one row per model and seed, ``{"prob": {(model, seed): test probabilities}, "y_test": labels}``
    for the bootstrap over test patients, :func:`~omicslib.papers.p2_fusion.analysis.holdout_ci`)."""
    from dataclasses import replace

    from omicslib.papers.p2_fusion.protocol import holdout, seeds_of

    rows, probs = [], {}
    for s in seeds_of(cfg):
        c = replace(cfg, seed=s)
        runs = {"gene": holdout("gene", train.y, train.expr, test.y, test.expr, c, device)}
        for name in cfg.baselines:
            runs[name] = holdout_baseline(name, train.y, train.expr, test.y, test.expr, c)
        for name, r in runs.items():
            probs[(name, s)] = r.pop("prob")
            rows.append({"model": name, **r})
    return pd.DataFrame(rows), {"prob": probs, "y_test": np.asarray(test.y).astype(int)}
