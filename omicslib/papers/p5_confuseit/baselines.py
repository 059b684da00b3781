"""Simple baselines on the same folds as the deep models (:func:`omicslib.papers.p5_confuseit.protocol.folds`).

* :func:`ridge_cox` — ridge-penalised linear Cox model (Breslow partial likelihood, the loss of
  :func:`omicslib.nn.losses.survival.cox_ph_loss`), fitted by L-BFGS in float64; about a hundred
  times faster than lifelines here, which makes inner-CV tuning affordable.
* :func:`cox_cv` — survival baseline: ridge Cox on all features, penalty chosen by inner CV (C-index)
  on the training part of each fold only.
* :func:`logistic_cv` — PAM50 baseline: L2 multinomial logistic regression, ``C`` chosen by inner CV
  (macro-F1) on the training part only. Convergence warnings are counted, never silenced.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from omicslib import metrics
from omicslib.papers.p5_confuseit.config import Config
from omicslib.papers.p5_confuseit.data import Cohort
from omicslib.papers.p5_confuseit.protocol import folds
from omicslib.train import rehearsal_search

PENALTIES = (0.1, 1.0, 10.0, 100.0)
CS = (1e-3, 1e-2, 1e-1, 1.0)


def ridge_cox(x: np.ndarray, time: np.ndarray, event: np.ndarray, penalty: float, max_iter: int = 100) -> np.ndarray:
    """Coefficients minimising ``mean-over-events Cox NLL (Breslow) + penalty/2 * ||beta||^2``.

    The loss equals :func:`omicslib.nn.losses.survival.cox_ph_loss` (tested) but is computed in O(n) per
    evaluation: patients sorted by decreasing time, risk sets as a cumulative log-sum-exp, tied times
    sharing the risk set of their last member (Breslow)."""
    x, time, event = (np.asarray(a, float) for a in (x, time, event))
    if x.ndim != 2 or len(x) != len(time) or len(time) != len(event):
        raise ValueError(f"ridge_cox needs x (n, p), time (n,), event (n,); got {x.shape}, {time.shape}, "
                         f"{event.shape}")
    if penalty < 0:
        raise ValueError(f"penalty must be >= 0, got {penalty}")
    order = np.argsort(-time, kind="stable")
    ts = time[order]
    last = np.searchsorted(-ts, -ts, side="right") - 1  # last sorted position with the same time
    xt = torch.as_tensor(x[order], dtype=torch.float64)
    ev = torch.as_tensor(event[order], dtype=torch.float64)
    last_t = torch.as_tensor(last)
    n_events = max(float(ev.sum()), 1.0)
    beta = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([beta], lr=1, max_iter=max_iter, tolerance_grad=1e-7, tolerance_change=1e-10,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        risk = xt @ beta
        log_den = torch.logcumsumexp(risk, 0)[last_t]
        loss = -((risk - log_den) * ev).sum() / n_events + 0.5 * penalty * (beta ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return beta.detach().numpy()


def _z(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    sc = StandardScaler().fit(train)
    return [sc.transform(a) for a in (train, *others)]


def tune_ridge_cox(x: np.ndarray, time: np.ndarray, event: np.ndarray, penalties: Sequence[float] = PENALTIES,
                   inner_folds: int = 3, seed: int = 0) -> tuple[float, np.ndarray]:
    """Penalty with the best mean inner-CV C-index (ties: the larger penalty), then a refit on all rows.
    ``x`` is z-scored inside every inner split with the inner training rows. Returns (penalty, beta)."""
    grid, max_iter = rehearsal_search({"penalty": penalties}, 100)
    penalties = grid["penalty"]
    skf = StratifiedKFold(inner_folds, shuffle=True, random_state=seed)
    score = {}
    for pen in penalties:
        cs = []
        for a, b in skf.split(x, event):
            xa, xb = _z(x[a], x[b])
            cs.append(metrics.concordance(time[b], xb @ ridge_cox(xa, time[a], event[a], pen, max_iter), event[b]))
        score[pen] = float(np.mean(cs))
    best = max(sorted(penalties, reverse=True), key=lambda p: score[p])
    (xz,) = _z(x)
    return best, ridge_cox(xz, time, event, best, max_iter)


def cox_cv(cohort: Cohort, cfg: Config, name: str = "ridge Cox (penalty by inner CV)", features: str = "rna",
           stratify_on: str = "label", penalties: Sequence[float] = PENALTIES) -> pd.DataFrame:
    """Ridge Cox on ``features`` (``rna``, ``bag`` — flattened one-instance bags — or ``all``) on the folds of
    :func:`~omicslib.papers.p5_confuseit.protocol.folds`; the penalty is tuned on each training part."""
    x = _features(cohort, features)
    rows = []
    for seed, fold, tr, te in folds(cohort, cfg, stratify_on):
        pen, beta = tune_ridge_cox(x[tr], cohort.time[tr], cohort.event[tr], penalties, seed=seed)
        _, xte = _z(x[tr], x[te])
        rows.append({"setting": name, "seed": seed, "fold": fold, "evaluated_on": features, "penalty": pen,
                     "c_index": metrics.concordance(cohort.time[te], xte @ beta, cohort.event[te])})
    return pd.DataFrame(rows)


def logistic_cv(cohort: Cohort, cfg: Config, name: str = "logistic regression (C by inner CV)",
                features: str = "rna", cs: Sequence[float] = CS) -> pd.DataFrame:
    """L2 multinomial logistic regression for the class label on the same folds; ``C`` tuned by 3-fold
    inner CV (macro-F1) on the training part. ``attrs['convergence_warnings']`` counts sklearn's warnings."""
    x = _features(cohort, features)
    labels = np.arange(len(cohort.classes)) if cohort.classes else np.unique(cohort.label)
    rows, n_warn = [], 0
    for seed, fold, tr, te in folds(cohort, cfg, "label"):
        params, max_iter = rehearsal_search({"logisticregression__C": list(cs)}, 2000)
        grid = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter)), params,
                            scoring="f1_macro",
                            cv=StratifiedKFold(3, shuffle=True, random_state=seed))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            grid.fit(x[tr], cohort.label[tr])
        n_warn += sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        pred = grid.predict(x[te])
        rows.append({"setting": name, "seed": seed, "fold": fold, "evaluated_on": features,
                     "C": grid.best_params_["logisticregression__C"],
                     "macro_f1": metrics.classification_report(cohort.label[te], pred, labels=labels)["f1_macro"]})
    df = pd.DataFrame(rows)
    df.attrs["convergence_warnings"] = n_warn
    return df


def _features(cohort: Cohort, which: str) -> np.ndarray:
    bag = None
    if cohort.bag is not None:
        if cohort.bag.shape[1] != 1:
            raise ValueError("baselines read one-instance bags only (a vector modality in the slide slot)")
        bag = cohort.bag[:, 0, :]
    parts = {"rna": [cohort.rna], "bag": [bag], "all": [cohort.rna, bag]}.get(which)
    if parts is None:
        raise ValueError(f"features must be 'rna', 'bag' or 'all', got {which!r}")
    parts = [p for p in parts if p is not None]
    if not parts or (which != "all" and parts[0] is None):
        raise ValueError(f"cohort has no {which!r} features")
    return np.hstack(parts).astype(float)

