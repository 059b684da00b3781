"""Simple baselines on the same folds as the deep models (:func:`omicslib.papers.p5_confuseit.splits.folds`),
tuned as carefully as the deep models.

* :func:`ridge_cox` — ridge-penalised linear Cox model (Breslow partial likelihood, the loss of
  :func:`omicslib.nn.losses.survival.cox_ph_loss`), fitted by Newton's method in float64 (exact Hessian);
  fast enough here to make inner-CV tuning affordable. Convergence is checked at
  the end: the largest absolute gradient entry must be below :data:`COX_GRAD_TOL`.
* :func:`cox_cv` — survival baseline: ridge Cox on all features, penalty chosen by inner CV (C-index, the
  claims' metric) on the training part of each fold only.
* :func:`strongest_cox_cv` — the strongest survival baseline: family (elastic-net Cox at each of
  ``Config.survival_l1_ratios`` along its whole penalty path; boosted Cox where ``Config.survival_boosting``)
  and hyperparameters chosen together by inner CV (C-index) on the training part
  (:func:`omicslib.baselines.select`).
* :func:`logistic_cv` — PAM50 baseline: L2 multinomial logistic regression with balanced class weights
  (PAM50 classes are imbalanced), ``C`` chosen by inner CV (macro-F1, the claims' metric) on the
  training part only.

For PAM50 a search over families (:func:`omicslib.baselines.select`: ridge, elastic net, LightGBM) was measured on
these outer folds and scored below the ridge logistic regression (macro-F1 0.747 against 0.766, 2 seeds x 5 folds,
at 27 times the cost). The ridge is kept: choosing the better of the two after seeing the outer folds can only
flatter the baseline, never the deep model it stands beside.

Both searches use :func:`omicslib.tuning.search_1d`: a log-spaced grid one decade apart, widened while the best value
sits at an edge, then refined by the half-decade points beside the best; a choice still at the edge
is recorded (``at_edge``). Convergence warnings are counted over the search and at the chosen point
(``warnings_at_choice``), never silenced.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd
import scipy.linalg
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from omicslib import baselines as core
from omicslib import metrics
from omicslib.papers.p5_confuseit.config import Config
from omicslib.papers.p5_confuseit.data import Cohort
from omicslib.papers.p5_confuseit.splits import folds
from omicslib.train import rehearsal_search
from omicslib.tuning import search_1d

#: Starting grids (one decade apart); :func:`search_1d` widens them while the optimum sits at an edge.
PENALTIES = (0.01, 0.1, 1.0, 10.0, 100.0)
CS = (1e-3, 1e-2, 1e-1, 1.0)  # C = 10 (slow to converge) is searched only when the optimum sits at 1
#: Inner CV folds of both searches (3: five would double p5_01's baseline time; see the config note).
INNER_FOLDS = 3
#: A ridge Cox fit counts as converged when its largest absolute gradient entry is below this.
COX_GRAD_TOL = 1e-5
#: Newton iterations stop when the largest absolute gradient entry is below this.
COX_NEWTON_TOL = 1e-9
COX_MAX_ITER = 100
#: Stopping tolerance of the elastic-net Cox paths (scikit-survival's default is 1e-7): on the quick TCGA folds
#: 1e-5 took 76 s where 1e-7 took 310 s over the four searches of p5_01, mean C-index within 0.015 of it.
COXNET_TOL = 1e-5
LOGISTIC_MAX_ITER = 5000


def ridge_cox(x: np.ndarray, time: np.ndarray, event: np.ndarray, penalty: float, max_iter: int = COX_MAX_ITER,
              info: dict | None = None, start: np.ndarray | None = None) -> np.ndarray:
    """Coefficients minimising ``mean-over-events Cox NLL (Breslow) + penalty/2 * ||beta||^2``.

    The loss equals :func:`omicslib.nn.losses.survival.cox_ph_loss` (tested), computed in O(n p) with patients
    sorted by decreasing time (risk sets as cumulative sums, tied times sharing the risk set of their last
    member: Breslow). Minimised by Newton's method in float64 with the exact Hessian and backtracking (the
    penalised loss is convex: about ten iterations, where L-BFGS took hundreds of evaluations at small
    penalties). With more features than patients and a positive penalty the solution lies in the row space
    of ``x``, so Newton runs on the n coordinates of that space (``x.T = Q R``, ``beta = Q gamma``). ``info``
    (a dict) receives ``grad_max``, the largest absolute gradient entry at the solution, the final ``loss``
    and the ``iterations``. ``start``: the coefficients to start from (e.g. the solution at a nearby penalty;
    the optimum does not depend on it)."""
    x, time, event = (np.asarray(a, float) for a in (x, time, event))
    if x.ndim != 2 or len(x) != len(time) or len(time) != len(event):
        raise ValueError(f"ridge_cox needs x (n, p), time (n,), event (n,); got {x.shape}, {time.shape}, "
                         f"{event.shape}")
    if penalty < 0:
        raise ValueError(f"penalty must be >= 0, got {penalty}")
    order = np.argsort(-time, kind="stable")
    ts, xs, ev = time[order], x[order], event[order] > 0
    last = (np.searchsorted(-ts, -ts, side="right") - 1)[ev]   # each event's risk set: sorted rows 0..last
    n_events = max(float(ev.sum()), 1.0)
    q = None
    if penalty > 0 and xs.shape[1] > xs.shape[0]:
        q, r = np.linalg.qr(xs.T)                               # xs = r.T q.T
        xs = r.T
    x_ev = xs[ev]

    def parts(b):
        eta = xs @ b
        with np.errstate(all="ignore"):
            w = np.exp(eta - eta.max())                         # the shift cancels in every ratio
            s0 = np.cumsum(w)[last]
            loss = -(eta[ev] - eta.max() - np.log(s0)).sum() / n_events + 0.5 * penalty * b @ b
            xbar = np.cumsum(w[:, None] * xs, 0)[last] / s0[:, None]
        if not np.isfinite(loss) or not np.all(np.isfinite(xbar)):
            return np.inf, None, None, None, None               # a backtracking trial step too far
        grad = -(x_ev - xbar).sum(0) / n_events + penalty * b
        return loss, grad, w, s0, xbar

    beta = np.zeros(xs.shape[1])
    if start is not None:
        if np.shape(start) != (x.shape[1],):
            raise ValueError(f"start must hold {x.shape[1]} coefficients, got shape {np.shape(start)}")
        beta = np.asarray(start, float) if q is None else q.T @ np.asarray(start, float)
    loss, grad, w, s0, xbar = parts(beta)
    if not np.isfinite(loss):
        beta = np.zeros_like(beta)
        loss, grad, w, s0, xbar = parts(beta)
    it = 0
    while it < max_iter and np.abs(grad).max() > COX_NEWTON_TOL:
        it += 1
        d = np.zeros(len(xs))
        np.add.at(d, last, 1 / s0)
        a = w * np.cumsum(d[::-1])[::-1]                        # row j's weight over the risk sets holding it
        hess = ((xs.T * a) @ xs - xbar.T @ xbar) / n_events + penalty * np.eye(len(beta))
        try:
            step = scipy.linalg.cho_solve(scipy.linalg.cho_factor(hess), grad)
        except np.linalg.LinAlgError:                          # not positive definite (penalty 0)
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        t = 1.0
        while True:                                             # backtracking (Armijo) on the convex loss
            new = parts(beta - t * step)
            if new[0] <= loss - 1e-4 * t * grad @ step or t < 1e-10:
                break
            t /= 2
        if new[1] is None:
            break
        beta = beta - t * step
        loss, grad, w, s0, xbar = new
    if q is not None:
        beta, grad = q @ beta, q @ grad
    if info is not None:
        info.update(grad_max=float(np.abs(grad).max()), loss=float(loss), iterations=it)
    return beta


def _z(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    sc = StandardScaler().fit(train)
    return [sc.transform(a) for a in (train, *others)]


def tune_ridge_cox(x: np.ndarray, time: np.ndarray, event: np.ndarray, penalties: Sequence[float] = PENALTIES,
                   inner_folds: int = INNER_FOLDS, seed: int = 0) -> tuple[float, np.ndarray, dict]:
    """Penalty with the best mean inner-CV C-index (:func:`search_1d`; ties: the larger penalty), then a refit
    on all rows. ``x`` is z-scored inside every inner split with the inner training rows. Returns
    ``(penalty, beta, record)``; the record adds the fits that did not converge (gradient above
    :data:`COX_GRAD_TOL`) over the search and at the chosen penalty."""
    grid, max_iter = rehearsal_search({"penalty": list(penalties)}, COX_MAX_ITER)
    skf = list(StratifiedKFold(inner_folds, shuffle=True, random_state=seed).split(x, event))
    splits = [(a, b, *_z(x[a], x[b])) for a, b in skf]
    last = [None] * len(splits)   # each split starts from its solution at the previous penalty (warm start)
    unconverged = [0]

    def score(pen):
        cs = []
        for i, (a, b, xa, xb) in enumerate(splits):
            info = {}
            beta = last[i] = ridge_cox(xa, time[a], event[a], pen, max_iter, info, start=last[i])
            unconverged[0] += info["grad_max"] > COX_GRAD_TOL
            cs.append(metrics.concordance(time[b], xb @ beta, event[b]))
        return float(np.mean(cs)) + 1e-12 * np.log10(pen)  # ties: the larger penalty

    best, record = search_1d(score, grid["penalty"])
    (xz,) = _z(x)
    info = {}
    beta = ridge_cox(xz, time, event, best, max_iter, info)
    record.update(convergence_warnings=unconverged[0], warnings_at_choice=int(info["grad_max"] > COX_GRAD_TOL),
                  grad_max_at_choice=info["grad_max"])
    return best, beta, record


def cox_cv(cohort: Cohort, cfg: Config, name: str = "ridge Cox (penalty by inner CV)", features: str = "rna",
           stratify_on: str = "label", penalties: Sequence[float] = PENALTIES) -> pd.DataFrame:
    """Ridge Cox on ``features`` (``rna``, ``bag`` — flattened one-instance bags — or ``all``) on the folds of
    :func:`~omicslib.papers.p5_confuseit.splits.folds`; the penalty is tuned on each training part. Each row
    records the chosen penalty, ``at_edge`` and the convergence counts."""
    x = _features(cohort, features)
    rows = []
    for seed, fold, tr, te in folds(cohort, cfg, stratify_on):
        pen, beta, rec = tune_ridge_cox(x[tr], cohort.time[tr], cohort.event[tr], penalties, seed=seed)
        _, xte = _z(x[tr], x[te])
        rows.append({"setting": name, "seed": seed, "fold": fold, "evaluated_on": features, "penalty": pen,
                     "c_index": metrics.concordance(cohort.time[te], xte @ beta, cohort.event[te]), **rec})
    df = pd.DataFrame(rows)
    df.attrs["convergence_warnings"] = int(df["warnings_at_choice"].sum())
    return df


def survival_families(cfg: Config) -> list:
    """The families :func:`strongest_cox_cv` chooses among (see :class:`~omicslib.papers.p5_confuseit.config.
    Config`); under the rehearsal's step cap, the Cox models at their strongest penalty only and no boosting."""
    alphas = sorted(core.CoxNet().grid, reverse=True)
    grid, _ = rehearsal_search({"alpha": alphas}, COX_MAX_ITER)
    capped = grid["alpha"] != alphas
    fams = [core.CoxNet(float(r), grid=tuple(sorted(grid["alpha"])), tol=COXNET_TOL) for r in cfg.survival_l1_ratios]
    return fams + ([core.GBCox(depths=(1, 2))] if cfg.survival_boosting and not capped else [])


def strongest_cox_cv(cohort: Cohort, cfg: Config, name: str = "strongest survival baseline (family by inner CV)",
                     features: str = "rna", stratify_on: str = "label") -> pd.DataFrame:
    """The strongest simple survival model on ``features`` over the same folds as :func:`cox_cv`: family and
    hyperparameters chosen by inner CV (Harrell's C, ``INNER_FOLDS`` folds stratified on the event) on each
    training part only, standardised there, refitted on it and scored on the test part. Each row holds the
    selection record (family, hyperparameters, inner C-index, the searched range and its edge, warnings)."""
    x = _features(cohort, features)
    y = core.survival_target(cohort.time, cohort.event)
    fams = survival_families(cfg)
    rows = []
    for seed, fold, tr, te in folds(cohort, cfg, stratify_on):
        sel = core.select(x[tr], y[tr], fams, scoring="c_index", inner_folds=INNER_FOLDS, seed=seed,
                          class_weight=None)
        rec = sel.record
        rows.append({"setting": name, "seed": seed, "fold": fold, "evaluated_on": features,
                     "c_index": metrics.concordance(cohort.time[te], sel.predict_proba(x[te]), cohort.event[te]),
                     **{k: rec[k] for k in core.RECORD_KEYS}})
    df = pd.DataFrame(rows)
    df.attrs["convergence_warnings"] = int(df["warnings_at_choice"].sum())
    return df


def _logistic(c: float, max_iter: int):
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=max_iter))


def tune_logistic(x: np.ndarray, y: np.ndarray, labels, cs: Sequence[float] = CS, inner_folds: int = INNER_FOLDS,
                  seed: int = 0):
    """``C`` with the best mean inner-CV macro-F1 (:func:`search_1d`; ties: the smaller C), then a refit on
    all rows. Returns ``(fitted pipeline, record)``; the record holds the chosen C, ``at_edge`` and the
    convergence warnings over the search and at the chosen C."""
    grid, max_iter = rehearsal_search({"C": list(cs)}, LOGISTIC_MAX_ITER)
    skf = list(StratifiedKFold(inner_folds, shuffle=True, random_state=seed).split(x, y))
    n_warn = [0]

    def score(c):
        f = []
        for a, b in skf:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                m = _logistic(c, max_iter).fit(x[a], y[a])
            n_warn[0] += sum(issubclass(w.category, ConvergenceWarning) for w in caught)
            f.append(metrics.classification_report(y[b], m.predict(x[b]), labels=labels)["f1_macro"])
        return float(np.mean(f)) - 1e-12 * np.log10(c)  # ties: the smaller C (stronger penalty)

    best, record = search_1d(score, grid["C"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model = _logistic(best, max_iter).fit(x, y)
    record.update(C=best, convergence_warnings=n_warn[0],
                  warnings_at_choice=sum(issubclass(w.category, ConvergenceWarning) for w in caught))
    return model, record


def logistic_cv(cohort: Cohort, cfg: Config, name: str = "logistic regression (C by inner CV)",
                features: str = "rna", cs: Sequence[float] = CS) -> pd.DataFrame:
    """L2 multinomial logistic regression with balanced class weights for the class label on the same folds;
    ``C`` tuned by inner CV (macro-F1) on the training part (:func:`tune_logistic`).
    ``attrs['convergence_warnings']`` counts sklearn's warnings at the chosen C over all folds."""
    x = _features(cohort, features)
    labels = np.arange(len(cohort.classes)) if cohort.classes else np.unique(cohort.label)
    rows = []
    for seed, fold, tr, te in folds(cohort, cfg, "label"):
        model, rec = tune_logistic(x[tr], cohort.label[tr], labels, cs, seed=seed)
        pred = model.predict(x[te])
        rows.append({"setting": name, "seed": seed, "fold": fold, "evaluated_on": features, **rec,
                     "macro_f1": metrics.classification_report(cohort.label[te], pred, labels=labels)["f1_macro"]})
    df = pd.DataFrame(rows)
    df.attrs["convergence_warnings"] = int(df["warnings_at_choice"].sum())
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

