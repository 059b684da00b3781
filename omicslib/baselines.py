"""The strongest simple baseline: model family, preprocessing and hyperparameters chosen together by an inner
cross-validation on the training rows only, each family fitted along its own path so that a grid costs about
one fit.

Families (classification):

* ``ridge`` / ``lasso`` / ``enet`` — multinomial (or binary) logistic regression, penalty
  :math:`\\tfrac{1-\\rho}{2}\\lVert w\\rVert_2^2 + \\rho\\lVert w\\rVert_1` with :math:`\\rho` = 0, 1 or
  ``l1_ratio``, fitted along its C path (strongest penalty first) with warm starts: each point starts from the
  previous optimum, so the path costs a few cold fits. Ridge uses L-BFGS, the others SAGA (scikit-learn).
* ``lightgbm`` — gradient-boosted trees; the number of trees is the path (one fit with the most trees is scored
  at every smaller number by truncating the ensemble), the leaves and learning rate a small grid.

Families (survival; ``y`` a structured array with fields ``event`` and ``time``, :func:`survival_target`):

* ``coxnet`` — elastic-net penalised Cox model (scikit-survival's glmnet-style coordinate descent), fitted once
  along its whole penalty path ``alpha`` and scored at every point of it;
* ``gbcox`` — gradient-boosted Cox model (regression trees on the Cox partial likelihood), the number of trees
  as its path (staged predictions of one fit).

Preprocessing is a candidate too: a mapping ``name -> factory`` of scikit-learn transformers (the paper's own
pipeline beside plain standardisation, or a column subset), refitted on every inner-training part.

Honest search: the path value (C, number of trees) is searched on a log-spaced grid; a choice at the grid's edge
widens it by two grid steps on that side, at most :data:`omicslib.tuning.MAX_WIDEN` times — the rule of
:func:`omicslib.tuning.search_1d`, here for every family — and a choice still at the edge is recorded. Among
equal scores the smaller value (stronger penalty, fewer trees) wins. Classes are weighted ``balanced``
(:math:`w_c = n / (k\\, n_c)`) unless ``class_weight=None``.

The record of a selection (:attr:`Selection.record`) states the family, preprocessing and hyperparameters
chosen, the inner-CV score, the searched range and edge, and the convergence warnings of the search and of the
refit at the choice.

Clustering: PCA + k-means (:func:`pca_kmeans`) and consensus clustering (:func:`consensus_clustering`: PCA +
k-means over resamples, k by the lowest PAC).

References: Friedman, Hastie & Tibshirani (2010), *Regularization paths for generalized linear models via
coordinate descent*, J. Stat. Softw. 33(1); Ke et al. (2017), *LightGBM: a highly efficient gradient boosting
decision tree*, NeurIPS; Monti et al. (2003), *Consensus clustering*, Machine Learning 52:91-118;
Şenbabaoğlu, Michailidis & Li (2014), *Critical limitations of consensus clustering in class discovery*,
Sci. Rep. 4:6207; Varma & Simon (2006), *Bias in error estimation when using cross-validation for model
selection*, BMC Bioinformatics 7:91 (why the selection is nested).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, balanced_accuracy_score, f1_score, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from omicslib.tuning import MAX_WIDEN, edge_of

FAMILIES = ("ridge", "lasso", "enet", "lightgbm", "coxnet", "gbcox")


# --------------------------------------------------------------------------- scoring
def _positive(prob):
    prob = np.asarray(prob)
    return prob[:, 1] if prob.ndim == 2 else prob


SCORERS: dict[str, Callable] = {
    "f1_macro": lambda y, p: f1_score(y, np.asarray(p).argmax(1), average="macro"),
    "balanced_accuracy": lambda y, p: balanced_accuracy_score(y, np.asarray(p).argmax(1)),
    "f1": lambda y, p: f1_score(y, (_positive(p) >= 0.5).astype(int), zero_division=0),
    "average_precision": lambda y, p: average_precision_score(y, _positive(p)),
    "roc_auc": lambda y, p: roc_auc_score(y, _positive(p)) if np.asarray(p).shape[1] == 2
    else roc_auc_score(y, p, multi_class="ovr", average="macro"),
    "neg_log_loss": lambda y, p: -log_loss(y, p, labels=np.arange(np.asarray(p).shape[1])),
    # Harrell's C of a risk score (higher risk, earlier event) on a survival target
    "c_index": lambda y, risk: _concordance(y, risk),
}


def _concordance(y, risk) -> float:
    from sksurv.metrics import concordance_index_censored

    return float(concordance_index_censored(y["event"].astype(bool), y["time"], np.asarray(risk, float))[0])


def survival_target(time, event) -> np.ndarray:
    """The structured survival target (fields ``event`` (bool) and ``time``) the survival families take."""
    from sksurv.util import Surv

    return Surv.from_arrays(np.asarray(event).astype(bool), np.asarray(time, float))


def scorer(scoring) -> Callable:
    """``scoring`` as a function ``(y, class probabilities) -> higher is better``: a name of :data:`SCORERS`
    or a callable."""
    if callable(scoring):
        return scoring
    if scoring not in SCORERS:
        raise ValueError(f"unknown scoring {scoring!r}; choose from {sorted(SCORERS)} or pass a callable")
    return SCORERS[scoring]


# --------------------------------------------------------------------------- preprocessing
def standardise():
    """Plain standardisation (mean 0, SD 1 on the rows it is fitted on)."""
    return StandardScaler()


def columns(idx, then: Callable | None = standardise):
    """A factory keeping the columns ``idx`` (then ``then()``, default standardisation): a feature subset as
    a preprocessing candidate, e.g. the expression genes alone."""
    idx = np.asarray(idx)

    def make():
        from sklearn.pipeline import make_pipeline

        pick = FunctionTransformer(lambda X: np.asarray(X)[:, idx])
        return make_pipeline(pick, then()) if then is not None else pick
    return make


# --------------------------------------------------------------------------- families
def _caught(fn):
    """Run ``fn()``; return its value and the number of ConvergenceWarnings it raised (never silenced:
    counted and reported)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        out = fn()
    return out, sum(issubclass(w.category, ConvergenceWarning) for w in caught)


@dataclass(frozen=True)
class Logistic:
    """Penalised logistic regression along its C path (warm starts). ``l1_ratio`` 0 is ridge (L-BFGS),
    1 lasso and in between the elastic net (SAGA)."""

    l1_ratio: float = 0.0
    grid: tuple[float, ...] = tuple(np.logspace(-4, 1, 11))
    max_iter: int = 2000
    tol: float = 1e-4
    param = "C"

    @property
    def name(self) -> str:
        return {0.0: "ridge", 1.0: "lasso"}.get(float(self.l1_ratio), "enet")

    def settings(self) -> list[dict]:
        return [{"l1_ratio": float(self.l1_ratio)}] if self.name == "enet" else [{}]

    def estimator(self, value, seed, class_weight, **_):
        return LogisticRegression(C=float(value), l1_ratio=float(self.l1_ratio),
                                  solver="lbfgs" if self.l1_ratio == 0 else "saga", class_weight=class_weight,
                                  max_iter=self.max_iter, tol=self.tol, random_state=seed)

    def path_proba(self, X, y, X_eval, values, seed, class_weight, **kw):
        """Hold-out probabilities at every ``values`` (ascending C), each fit warm-started from the last."""
        model = self.estimator(values[0], seed, class_weight, **kw).set_params(warm_start=True)
        out, n_warn = [], 0
        for v in values:
            model.set_params(C=float(v))
            _, w = _caught(lambda: model.fit(X, y))
            n_warn += w
            out.append(model.predict_proba(X_eval))
        return out, n_warn


@dataclass(frozen=True)
class LightGBM:
    """Gradient-boosted trees (LightGBM, one thread); the path is the number of trees, ``leaves`` x
    ``learning_rates`` the small grid beside it. Columns are subsampled (``colsample``) per tree."""

    grid: tuple[int, ...] = (25, 50, 100, 200, 400)
    leaves: tuple[int, ...] = (4, 15)
    learning_rates: tuple[float, ...] = (0.05,)
    colsample: float = 0.5
    min_child_samples: int = 20
    max_bin: int = 63
    name = "lightgbm"
    param = "n_estimators"

    def settings(self) -> list[dict]:
        return [{"num_leaves": int(n), "learning_rate": float(r)} for n in self.leaves for r in self.learning_rates]

    def estimator(self, value, seed, class_weight, num_leaves=15, learning_rate=0.05):
        from lightgbm import LGBMClassifier

        return LGBMClassifier(n_estimators=int(value), num_leaves=num_leaves, learning_rate=learning_rate,
                              class_weight=class_weight, colsample_bytree=self.colsample,
                              min_child_samples=self.min_child_samples, max_bin=self.max_bin, n_jobs=1,
                              random_state=seed, verbose=-1, deterministic=True, force_row_wise=True)

    def path_proba(self, X, y, X_eval, values, seed, class_weight, **kw):
        """One fit with the most trees, scored at every ``values`` by truncating the ensemble (boosting adds
        trees in order, so the first n trees are the n-tree model)."""
        model = self.estimator(max(values), seed, class_weight, **kw).fit(X, y)
        n_fit = model.booster_.current_iteration()
        return [model.predict_proba(X_eval, num_iteration=min(int(v), n_fit)) for v in values], 0


class _CoxPath:
    """scikit-survival's elastic-net Cox model fitted along ``alphas`` (descending). Where the solver's weights
    overflow before the last penalty (the data it is refitted on can differ from the inner folds that chose it),
    the path is refitted without its smallest penalties, a ConvergenceWarning says so (counted by the search's
    record) and the model predicts at the smallest penalty it reached (``alpha_``)."""

    def __init__(self, alphas, l1_ratio, tol, max_iter):
        self.alphas, self.l1_ratio, self.tol, self.max_iter = list(alphas), l1_ratio, tol, max_iter

    def fit(self, X, y):
        from sksurv.linear_model import CoxnetSurvivalAnalysis

        alphas = list(self.alphas)
        while True:
            self.model_ = CoxnetSurvivalAnalysis(alphas=alphas, l1_ratio=self.l1_ratio, tol=self.tol,
                                                 max_iter=self.max_iter)
            try:
                self.model_.fit(X, y)
                break
            except ArithmeticError:
                if len(alphas) == 1:
                    raise
                alphas = alphas[:-1]
        if alphas != self.alphas:
            warnings.warn(f"elastic-net Cox: the solver overflowed below penalty {alphas[-1]:.3g}; predicting there "
                          f"instead of at {self.alphas[-1]:.3g}", ConvergenceWarning, stacklevel=2)
        self.alpha_ = alphas[-1]
        return self

    def predict(self, X, alpha=None):
        return self.model_.predict(X, alpha=self.alpha_ if alpha is None else alpha)


@dataclass(frozen=True)
class CoxNet:
    """Elastic-net Cox model along its penalty path ``alpha`` (one coordinate-descent path per fit, scikit-survival);
    ``l1_ratio`` near 0 approaches ridge."""

    l1_ratio: float = 0.5
    grid: tuple[float, ...] = tuple(np.logspace(-3, 0, 7))
    tol: float = 1e-7
    max_iter: int = 100000
    name = "coxnet"
    param = "alpha"

    def settings(self) -> list[dict]:
        return [{"l1_ratio": float(self.l1_ratio)}]

    def path_to(self, values) -> list[float]:
        """The penalties a fit walks to reach ``values`` warm: the grid's above the smallest of them, and
        ``values``, largest first (a small penalty fitted cold stalls or overflows the solver's weights)."""
        return sorted({float(v) for v in values} | {float(a) for a in self.grid if a > min(values)}, reverse=True)

    def estimator(self, value, seed, class_weight, l1_ratio=None, alphas=None):
        """The model at penalty ``value``: fitted along :meth:`path_to` it, so that its default prediction, at the
        path's last penalty, is the one at ``value`` (:class:`_CoxPath`)."""
        if alphas is None:
            alphas = self.path_to([value])
        return _CoxPath(alphas, self.l1_ratio if l1_ratio is None else l1_ratio, self.tol, self.max_iter)

    def path_proba(self, X, y, X_eval, values, seed, class_weight, **kw):
        """Risk scores at every ``values``: one fit along :meth:`path_to` them (largest penalty first,
        warm-started), so that a search widened below its grid is reached warm. A penalty too small for the
        solver (its weights overflow) gets no score (``None``, counted as a warning): the path is refitted
        without it."""
        alphas = self.path_to(values)
        model = self.estimator(None, seed, class_weight, alphas=alphas, **kw)
        try:
            _, n_warn = _caught(lambda: model.fit(X, y))
        except ArithmeticError:                          # even the largest penalty overflows
            return [None] * len(values), len(values)
        reached = model.alpha_ == alphas[-1]
        out = [model.predict(X_eval, alpha=float(v)) if float(v) >= model.alpha_ else None for v in values]
        # the overflow warning is replaced by one count per penalty left unscored
        return out, n_warn - (not reached) + sum(p is None for p in out)


@dataclass(frozen=True)
class GBCox:
    """Gradient-boosted Cox model (scikit-survival, ``loss='coxph'``); the path is the number of trees (staged
    predictions of one fit), ``depths`` x ``learning_rates`` the grid beside it."""

    grid: tuple[int, ...] = (25, 50, 100, 200)
    depths: tuple[int, ...] = (2,)
    learning_rates: tuple[float, ...] = (0.1,)
    subsample: float = 0.8
    name = "gbcox"
    param = "n_estimators"

    def settings(self) -> list[dict]:
        return [{"max_depth": int(d), "learning_rate": float(r)} for d in self.depths for r in self.learning_rates]

    def estimator(self, value, seed, class_weight, max_depth=2, learning_rate=0.1):
        from sksurv.ensemble import GradientBoostingSurvivalAnalysis

        return GradientBoostingSurvivalAnalysis(n_estimators=int(value), max_depth=max_depth,
                                                learning_rate=learning_rate, subsample=self.subsample,
                                                random_state=seed)

    def path_proba(self, X, y, X_eval, values, seed, class_weight, **kw):
        model = self.estimator(max(values), seed, class_weight, **kw).fit(X, y)
        staged = list(model.staged_predict(X_eval))
        return [staged[min(int(v), len(staged)) - 1] for v in values], 0


def families(names: Sequence[str] = ("ridge", "enet", "lightgbm"), *, C_grid=None, enet_l1_ratio: float = 0.5,
             trees=None, leaves=None, learning_rates=None, max_iter: int = 2000, tol: float = 1e-4) -> list:
    """The family objects of ``names`` (see :data:`FAMILIES`) with optional grids (``C_grid`` is the penalty
    grid of the linear families: C for the logistic ones, alpha for ``coxnet``)."""
    out = []
    for n in names:
        if n in ("ridge", "lasso", "enet"):
            kw = {"grid": tuple(float(c) for c in C_grid)} if C_grid is not None else {}
            out.append(Logistic({"ridge": 0.0, "lasso": 1.0, "enet": enet_l1_ratio}[n], max_iter=max_iter, tol=tol,
                                **kw))
        elif n == "coxnet":
            out.append(CoxNet(enet_l1_ratio, **({"grid": tuple(float(a) for a in C_grid)} if C_grid is not None
                                                else {})))
        elif n == "gbcox":
            out.append(GBCox(**({"grid": tuple(trees)} if trees is not None else {})))
        elif n == "lightgbm":
            kw = {k: tuple(v) for k, v in (("grid", trees), ("leaves", leaves), ("learning_rates", learning_rates))
                  if v is not None}
            out.append(LightGBM(**kw))
        else:
            raise ValueError(f"unknown family {n!r}; choose from {FAMILIES}")
    return out


# --------------------------------------------------------------------------- search
def widened(searched: Sequence[float], edge: str, step: float, integer: bool = False) -> list[float]:
    """The values that widen a log-spaced search past its ``edge`` (``"low"``/``"high"``): two grid steps
    (``step`` in log10) beyond the searched range, as :func:`omicslib.tuning.search_1d` does. Integer
    parameters (numbers of trees) are rounded half up and kept >= 1; values already searched are dropped."""
    lo, hi = np.log10(min(searched)), np.log10(max(searched))
    new = [10 ** (lo - step * k) for k in (1, 2)] if edge == "low" else [10 ** (hi + step * k) for k in (1, 2)]
    if integer:
        new = [max(1, int(np.floor(v + 0.5))) for v in new]
    return [v for v in dict.fromkeys(new) if v not in set(searched)]


def _target(y):
    y = np.asarray(y)
    return y if y.dtype.names else y.astype(int)


@dataclass
class Selection:
    """A chosen baseline: ``model`` (preprocessing + estimator refitted on all the training rows), its
    ``record`` and the inner-CV score of every candidate value searched (``candidates``)."""

    model: object
    record: dict
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)

    def predict_proba(self, X):
        return self.model.predict_proba(X)


class _Fitted:
    """Preprocessing and estimator fitted on the same rows; ``predict_proba`` on raw features."""

    def __init__(self, prep, est):
        self.prep, self.est = prep, est

    @property
    def classes_(self):
        return self.est.classes_

    def predict_proba(self, X):
        """Class probabilities; for a survival family, its risk score."""
        Z = self.prep.transform(X)
        return self.est.predict_proba(Z) if hasattr(self.est, "predict_proba") else self.est.predict(Z)


def _fmt(v):
    return f"{v:.3g}" if isinstance(v, (float, np.floating)) else str(v)


def _path_scores(fam, setting, data, values, seed, class_weight, score, scores: dict) -> int:
    """Mean inner-CV score of ``fam`` at every ``values`` (one path per inner fold), written into ``scores``;
    returns the ConvergenceWarnings raised."""
    values, acc, n_warn = sorted(values), np.zeros(len(values)), 0
    for Xa, ya, Xb, yb in data:
        probs, w = fam.path_proba(Xa, ya, Xb, values, seed, class_weight, **setting)
        n_warn += w
        acc += [score(yb, p) if p is not None else -np.inf for p in probs]      # None: the solver failed there
    scores.update(zip(values, acc / len(data)))
    return n_warn


def select(X, y, families_: Sequence | None = None, preprocessing: Mapping[str, Callable] | None = None, *,
           scoring="f1_macro", inner_folds: int = 5, seed: int = 0, class_weight="balanced",
           max_widen: int = MAX_WIDEN, stratify=None) -> Selection:
    """Choose family, preprocessing and hyperparameters by a stratified ``inner_folds``-fold CV on ``(X, y)``
    (the training rows only: the caller passes nothing else), scored by ``scoring``, then refit the choice on
    all of ``(X, y)``. Every family is searched along its path; a path optimum at the grid's edge widens the
    grid (:func:`widened`) up to ``max_widen`` times. Among equal candidates the first listed wins. A survival
    ``y`` (:func:`survival_target`) is stratified on its events unless ``stratify`` is given. Returns a
    :class:`Selection`."""
    X, y = np.asarray(X, float), _target(y)
    strata = np.asarray(stratify) if stratify is not None else (y["event"] if y.dtype.names else y)
    fams = list(families_) if families_ is not None else families()
    preps = dict(preprocessing) if preprocessing else {"standardise": standardise}
    score = scorer(scoring)
    inner = list(StratifiedKFold(inner_folds, shuffle=True, random_state=seed).split(X, strata))
    cache: dict[str, list] = {}

    def fold_data(pname):
        if pname not in cache:
            cache[pname] = []
            for a, b in inner:
                p = preps[pname]().fit(X[a], y[a])
                cache[pname].append((p.transform(X[a]), y[a], p.transform(X[b]), y[b]))
        return cache[pname]

    rows, n_warn_search = [], 0
    best = None
    for pname in preps:
        for fam in fams:
            integer = fam.param == "n_estimators"
            grid = sorted(fam.grid)
            step = float(np.mean(np.diff(np.log10(grid)))) if len(grid) > 1 else 0.0
            for setting in fam.settings():
                scores: dict[float, float] = {}
                data = fold_data(pname)

                n_warn_search += _path_scores(fam, setting, data, grid, seed, class_weight, score, scores)
                n_widen = 0
                while True:
                    v_best = max(sorted(scores), key=lambda v: scores[v])
                    edge = edge_of(list(scores), v_best)           # a grid of < 3 values has no interior
                    if not edge or n_widen >= max_widen or step == 0:
                        break
                    new = widened(list(scores), edge, step, integer)
                    if not new:
                        break
                    n_warn_search += _path_scores(fam, setting, data, new, seed, class_weight, score, scores)
                    n_widen += 1
                for v, s in scores.items():
                    rows.append({"preprocessing": pname, "family": fam.name, **setting, fam.param: v,
                                 "inner_score": s, "chosen": False})
                cand = {"preprocessing": pname, "family": fam, "setting": setting, "value": v_best,
                        "inner_score": scores[v_best], "at_edge": edge, "n_widen": n_widen,
                        "grid_min": min(scores), "grid_max": max(scores), "n_grid": len(scores)}
                if best is None or cand["inner_score"] > best["inner_score"]:
                    best = cand
    fam = best["family"]
    prep = preps[best["preprocessing"]]().fit(X, y)
    est = fam.estimator(best["value"], seed, class_weight, **best["setting"])
    _, n_warn_refit = _caught(lambda: est.fit(prep.transform(X), y))
    params = {**best["setting"], fam.param: int(best["value"]) if fam.param == "n_estimators" else best["value"]}
    record = {"family": fam.name, "preprocessing": best["preprocessing"],
              "hyperparameters": ", ".join(f"{k}={_fmt(v)}" for k, v in params.items()), **params,
              "inner_score": float(best["inner_score"]),
              "scoring": scoring if isinstance(scoring, str) else getattr(scoring, "__name__", "custom"),
              "path_param": fam.param, "at_edge": best["at_edge"], "n_widen": best["n_widen"],
              "grid_min": best["grid_min"], "grid_max": best["grid_max"], "n_grid": best["n_grid"],
              "n_candidates": len(rows), "inner_folds": inner_folds, "n_train": len(y),
              "class_weight": str(class_weight), "convergence_warnings": n_warn_search,
              "warnings_at_choice": n_warn_refit}
    cands = pd.DataFrame(rows)
    key = (cands["preprocessing"] == best["preprocessing"]) & (cands["family"] == fam.name) & \
        (cands[fam.param] == best["value"])
    for k, v in best["setting"].items():
        key &= cands[k] == v
    cands.loc[key, "chosen"] = True
    return Selection(_Fitted(prep, est), record, cands)


#: The keys every selection record holds (tested).
RECORD_KEYS = ("family", "preprocessing", "hyperparameters", "inner_score", "scoring", "path_param", "at_edge",
               "n_widen", "grid_min", "grid_max", "n_grid", "n_candidates", "inner_folds", "n_train",
               "class_weight", "convergence_warnings", "warnings_at_choice")


def nested(X, y, outer: Sequence[tuple], **kw) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Nested selection: for each outer ``(train, test)`` pair of row indices, :func:`select` on the training
    rows only, then class probabilities on the test rows. Returns (one record per outer fold, with
    ``fold``; the test probabilities (or risk scores) per fold)."""
    X, y = np.asarray(X, float), _target(y)
    records, probs = [], []
    for k, (tr, te) in enumerate(outer):
        tr, te = np.asarray(tr), np.asarray(te)
        if np.intersect1d(tr, te).size:
            raise ValueError(f"outer fold {k}: training and test rows overlap")
        sel = select(X[tr], y[tr], **kw)
        records.append({"fold": k, **sel.record})
        probs.append(sel.predict_proba(X[te]))
    return pd.DataFrame(records), probs


def record_summary(records: pd.DataFrame) -> dict:
    """What a page says of the selections of a nested search (``records``: one :func:`select` record per outer
    fold): the choices, most frequent first, as ``"family (settings) on preprocessing (n of N)"`` (the
    preprocessing named only where the records hold more than one), how many choices sit at a grid's edge,
    how many searches widened their grid, the convergence warnings of the searches and refits, and the range
    of the inner-CV scores."""
    several = records["preprocessing"].nunique() > 1

    def label(r):
        fixed = [p for p in str(r["hyperparameters"]).split(", ") if not p.startswith(f"{r['path_param']}=")]
        return r["family"] + (f" ({', '.join(fixed)})" if fixed else "") + \
            (f" on {r['preprocessing']}" if several else "")
    counts = records.apply(label, axis=1).value_counts()
    return {"choices": "; ".join(f"{k} ({v} of {len(records)})" for k, v in counts.items()),
            "n_fits": int(len(records)), "at_edge": int(records["at_edge"].astype(bool).sum()),
            "n_widened": int((records["n_widen"] > 0).sum()),
            "warnings": int(records["convergence_warnings"].sum() + records["warnings_at_choice"].sum()),
            "inner_min": float(records["inner_score"].min()), "inner_max": float(records["inner_score"].max())}


def refit(record: dict, X, y, families_: Sequence, preprocessing: Mapping[str, Callable] | None = None, *,
          seed: int = 0, class_weight="balanced"):
    """The choice of ``record`` refitted on ``(X, y)`` without a new search (the same family, preprocessing
    and hyperparameters). Returns (model with ``predict_proba``, ConvergenceWarnings of the fit)."""
    preps = dict(preprocessing) if preprocessing else {"standardise": standardise}
    fam, setting = next((f, st) for f in families_ for st in f.settings()
                        if f.name == record["family"] and all(record.get(k) == v for k, v in st.items()))
    prep = preps[record["preprocessing"]]().fit(X, y)
    est = fam.estimator(record[fam.param], seed, class_weight, **setting)
    _, n_warn = _caught(lambda: est.fit(prep.transform(np.asarray(X, float)), _target(y)))
    return _Fitted(prep, est), n_warn




# --------------------------------------------------------------------------- clustering
def pca_kmeans(X, k: int, n_components: int | None = 10, seed: int = 0, n_init: int = 10) -> np.ndarray:
    """Labels of k-means (``n_init`` starts) on the first ``n_components`` principal components of the
    standardised ``X`` (all components when None or more than the data allow)."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    Z = StandardScaler().fit_transform(np.asarray(X, float))
    nc = min(n_components or Z.shape[1], *Z.shape)
    Z = PCA(nc, random_state=seed).fit_transform(Z)
    return KMeans(k, n_init=n_init, random_state=seed).fit_predict(Z)


@dataclass
class Consensus:
    """Consensus clustering result: ``k`` chosen, its ``labels``, the PAC score per k (``pac``) and the
    consensus matrices (``matrices``, k -> n x n)."""

    k: int
    labels: np.ndarray
    pac: dict
    matrices: dict


def consensus_matrix(X, k: int, n_resamples: int = 50, frac: float = 0.8, seed: int = 0,
                     cluster: Callable | None = None) -> np.ndarray:
    r"""Monti et al. (2003) consensus matrix of ``cluster(X_subset, k, seed) -> labels`` (default
    :func:`pca_kmeans`) over ``n_resamples`` subsamples of a fraction ``frac`` of the rows:

    .. math:: M_{ij} = \frac{\sum_h 1[i, j \text{ in resample } h \text{ and clustered together}]}
                            {\sum_h 1[i, j \text{ in resample } h]}

    (0 where a pair was never sampled together).

    References: Monti, Tamayo, Mesirov & Golub (2003), *Consensus clustering*, Machine Learning 52:91-118."""
    X = np.asarray(X, float)
    n = len(X)
    cluster = cluster or (lambda Z, kk, s: pca_kmeans(Z, kk, seed=s, n_init=3))
    rng = np.random.default_rng(seed)
    together, sampled = np.zeros((n, n)), np.zeros((n, n))
    for h in range(n_resamples):
        idx = np.sort(rng.choice(n, int(round(frac * n)), replace=False))
        lab = np.asarray(cluster(X[idx], k, seed + h))
        same = (lab[:, None] == lab[None, :]).astype(float)
        sampled[np.ix_(idx, idx)] += 1
        together[np.ix_(idx, idx)] += same
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sampled > 0, together / np.maximum(sampled, 1), 0.0)


def pac(M: np.ndarray, lo: float = 0.1, hi: float = 0.9) -> float:
    """Proportion of ambiguous clustering: the share of pairs (i < j) whose consensus lies in (``lo``, ``hi``)
    (Şenbabaoğlu, Michailidis & Li (2014), Sci. Rep. 4:6207); lower is a more stable k."""
    v = M[np.triu_indices_from(M, 1)]
    return float(np.mean((v > lo) & (v < hi)))


def consensus_clustering(X, ks: Sequence[int] = (2, 3, 4, 5, 6), n_resamples: int = 50, frac: float = 0.8,
                         seed: int = 0, cluster: Callable | None = None) -> Consensus:
    """Consensus clustering over ``ks``: the k with the lowest PAC (ties: the smaller k), its labels from
    average-linkage hierarchical clustering of ``1 - M`` cut into k clusters (:func:`consensus_cut`)."""
    mats = {int(k): consensus_matrix(X, int(k), n_resamples, frac, seed, cluster) for k in ks}
    scores = {k: pac(M) for k, M in mats.items()}
    k = min(sorted(scores), key=lambda kk: scores[kk])
    return Consensus(k, consensus_cut(mats[k], k), scores, mats)


def consensus_cut(M: np.ndarray, k: int) -> np.ndarray:
    """Labels 0..k-1 of average-linkage hierarchical clustering of the consensus distance ``1 - M`` cut into
    (at most) ``k`` clusters, Monti et al.'s final partition."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    D = 1.0 - np.asarray(M, float)
    np.fill_diagonal(D, 0.0)
    return fcluster(linkage(squareform(D, checks=False), "average"), k, "maxclust") - 1


__all__ = ["Consensus", "CoxNet", "FAMILIES", "GBCox", "LightGBM", "Logistic", "RECORD_KEYS", "SCORERS", "Selection",
           "columns", "consensus_clustering", "consensus_cut", "consensus_matrix", "families", "nested", "pac",
           "pca_kmeans", "record_summary", "refit", "scorer", "select", "standardise", "survival_target", "widened"]
