"""The strongest simple models beside p2's gene branch, on the same folds.

* ``logreg`` — L2-regularised logistic regression on all available genes; the penalty C is chosen
  by an inner stratified CV (log-loss) on the training part of each outer fold only; the expression
  pipeline sits inside the searched pipeline, so inner folds refit it too.
* ``forest`` — a random forest whose ``min_samples_leaf`` and ``max_features`` are tuned the same way.

Convergence warnings are counted per fold (``convergence_warnings``), never silenced.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from omicslib import metrics
from omicslib.papers.p2_fusion.config import Config
from omicslib.papers.p2_fusion.preprocess import expression_pipeline
from omicslib.papers.p2_fusion.protocol import CVResult, fold_metrics, folds
from omicslib.train import rehearsal_limit, rehearsal_search

BASELINES = ("logreg", "forest")


def searcher(name: str, cfg: Config, seed: int) -> GridSearchCV:
    """The inner-CV search for baseline ``name`` (``logreg`` or ``forest``), seeded."""
    prep = expression_pipeline(cfg.impute, cfg.iqr_k, log=cfg.log_transform)
    inner = StratifiedKFold(cfg.inner_folds, shuffle=True, random_state=seed)
    if name == "logreg":
        grid, max_iter = rehearsal_search({"clf__C": np.logspace(*cfg.lr_log10_c, cfg.lr_grid)}, 2000)
        est = LogisticRegression(C=1.0, max_iter=max_iter)
    elif name == "forest":
        est = RandomForestClassifier(n_estimators=rehearsal_limit(200), random_state=seed, n_jobs=1)
        grid, _ = rehearsal_search({"clf__min_samples_leaf": [1, 5], "clf__max_features": ["sqrt", 0.2]})
    else:
        raise ValueError(f"unknown baseline {name!r}; choose from {BASELINES}")
    return GridSearchCV(Pipeline(list(prep.steps) + [("clf", est)]), grid, scoring="neg_log_loss", cv=inner,
                        refit=True, n_jobs=1, error_score="raise")


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
        search = searcher(name, cfg, cfg.seed + k)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            search.fit(G[tr], y[tr])
        prob = search.predict_proba(G[te])[:, 1]
        oof[te] = prob
        rows.append({"fold": k + 1, "n_test": len(te), "positives": int(y[te].sum()),
                     **fold_metrics(y[te], prob, cfg.threshold), "chosen": chosen_text(search),
                     "convergence_warnings": sum(issubclass(w.category, ConvergenceWarning) for w in caught)})
        cms.append(metrics.confusion(y[te], (prob >= cfg.threshold).astype(int), labels=[0, 1]))
    return CVResult(name, pd.DataFrame(rows), cms, [], oof, cfg)


def holdout_baseline(name: str, train_y, train_genes, test_y, test_genes, cfg: Config | None = None) -> dict:
    """Baseline ``name`` tuned by inner CV on one cohort and scored on another."""
    cfg = Config() if cfg is None else cfg
    search = searcher(name, cfg, cfg.seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        search.fit(np.asarray(train_genes, float), np.asarray(train_y).astype(int))
    prob = search.predict_proba(np.asarray(test_genes, float))[:, 1]
    return {"seed": cfg.seed, "n_train": len(train_y), "n_test": len(test_y),
            **fold_metrics(np.asarray(test_y).astype(int), prob, cfg.threshold),
            "chosen": chosen_text(search),
            "convergence_warnings": sum(issubclass(w.category, ConvergenceWarning) for w in caught)}


def gene_and_baselines(cohort, cfg: Config, device="cpu") -> dict[str, list[CVResult]]:
    """The gene MLP and every baseline of ``cfg.baselines`` over the seeds of ``cfg`` (same folds per seed)."""
    from dataclasses import replace

    from omicslib.papers.p2_fusion.protocol import repeated, seeds_of

    y, G = cohort.y.to_numpy(), cohort.expr.to_numpy()
    out = {"gene": repeated("gene", y, G, cfg=cfg, device=device)}
    for name in cfg.baselines:
        out[name] = [cross_validate_baseline(name, y, G, replace(cfg, seed=s)) for s in seeds_of(cfg)]
    return out


def holdout_runs(train, test, cfg: Config, device="cpu") -> pd.DataFrame:
    """The gene MLP and the baselines trained on cohort ``train`` and scored on ``test``, once per seed."""
    from dataclasses import replace

    from omicslib.papers.p2_fusion.protocol import holdout, seeds_of

    rows = []
    for s in seeds_of(cfg):
        c = replace(cfg, seed=s)
        rows.append({"model": "gene", **holdout("gene", train.y, train.expr, test.y, test.expr, c, device)})
        for name in cfg.baselines:
            rows.append({"model": name, **holdout_baseline(name, train.y, train.expr, test.y, test.expr, c)})
    return pd.DataFrame(rows)
