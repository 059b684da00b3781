"""The one bootstrap of the book: the test patients, and the models that all score them, resampled together.

Every model of a grid (fold models, seeds) scores the same hold-out patients, so the sampling error of those
patients is the main noise of a headline number, and the spread between models the second. A replicate draws
the patients with replacement, as multinomial counts (within each stratum when ``strata`` is given, so that
both classes of a binary task stay present), and the models with replacement; a metric is computed from the
per-patient counts as weights, so one pass gives every replicate. Integer weights give the same value as the
resampled patients themselves for every metric here (confusion-matrix metrics, Mann-Whitney AUC, average
precision, the trapezoidal area under sklearn's precision-recall curve).

Used by p1 (Tables 4-6, paired model comparisons), p2 (hold-out intervals) and p4 (paired AUC differences
on real mammograms).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

#: ``metric(W, y, model_output) -> (B,)``: a metric of one model under each row of patient weights ``W`` (B, n).
WeightedMetric = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def patient_weights(n: int, n_boot: int, seed: int, strata=None) -> np.ndarray:
    """``(n_boot, n)`` multinomial counts, each row a bootstrap resample of the ``n`` patients (within each
    stratum of ``strata``, which keeps every stratum's size)."""
    if n < 2 or n_boot < 1:
        raise ValueError(f"need at least 2 patients and 1 replicate, got n={n}, n_boot={n_boot}")
    rng = np.random.default_rng(seed)
    if strata is None:
        return rng.multinomial(n, np.full(n, 1 / n), size=n_boot).astype(float)
    strata = np.asarray(strata)
    if strata.shape != (n,):
        raise ValueError(f"strata must hold one label per patient ({n}), got shape {strata.shape}")
    W = np.zeros((n_boot, n))
    for s in np.unique(strata):
        ix = np.flatnonzero(strata == s)
        W[:, ix] = rng.multinomial(ix.size, np.full(ix.size, 1 / ix.size), size=n_boot)
    return W


def model_draws(n_models: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_boot, n_models)`` model indices drawn with replacement (one row per replicate)."""
    return rng.integers(0, n_models, size=(n_boot, n_models))


def per_model(models: Sequence[np.ndarray], W: np.ndarray, y, metric: WeightedMetric) -> tuple[np.ndarray, np.ndarray]:
    """``(M, B)`` metric of each model under every replicate of ``W`` and ``(M,)`` at the sample itself."""
    W1 = np.vstack([np.ones((1, W.shape[1])), W])
    v = np.asarray([metric(W1, np.asarray(y), m) for m in models])
    return v[:, 1:], v[:, 0]


def mean_over_draws(S: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Replicate ``b``'s mean of ``S[m, b]`` over the models ``draws[b]`` drawn for it."""
    return S[draws, np.arange(S.shape[1])[:, None]].mean(1)


def percentile_ci(replicates: np.ndarray, level: float) -> tuple[float, float]:
    """Percentile interval at ``level``; ``(nan, nan)`` when every replicate is equal (no estimable spread)."""
    r = np.asarray(replicates, float)
    lo, hi = np.quantile(r, [(1 - level) / 2, (1 + level) / 2])
    return (float("nan"), float("nan")) if hi == lo else (float(lo), float(hi))


def two_sided_p(diffs: np.ndarray) -> float:
    """Bootstrap p of a difference against 0: twice the smaller share of replicates on either side of 0
    (each share with the +1 correction of a Monte-Carlo p), at most 1."""
    d = np.asarray(diffs, float)
    n = d.size
    return float(min(1.0, 2 * min((np.sum(d <= 0) + 1) / (n + 1), (np.sum(d >= 0) + 1) / (n + 1))))


def value(y, models: Sequence[np.ndarray], metric: WeightedMetric, *, n_boot: int = 2000, level: float = 0.90,
          seed: int = 0, strata=None) -> dict:
    """The mean over ``models`` of ``metric`` on the shared test patients ``y``, with a percentile CI from
    resampling the patients and the models together. Returns ``estimate``, ``ci``, ``replicates``."""
    W = patient_weights(len(y), n_boot, seed, strata)
    S, S0 = per_model(models, W, y, metric)
    reps = mean_over_draws(S, model_draws(len(models), n_boot, np.random.default_rng(seed + 1)))
    return {"estimate": float(S0.mean()), "ci": percentile_ci(reps, level), "replicates": reps}


def paired(y, a: Sequence[np.ndarray], b: Sequence[np.ndarray], metric: WeightedMetric, *, n_boot: int = 2000,
           level: float = 0.90, seed: int = 0, strata=None) -> dict:
    """The difference A - B of :func:`value` on the same resampled patients; the models of A and B are drawn
    jointly (``a[i]`` with ``b[i]``: the same seed or fold) when the arms have as many models, independently
    otherwise. Returns ``diff``, ``ci``, ``p`` (:func:`two_sided_p`), ``replicates``."""
    W = patient_weights(len(y), n_boot, seed, strata)
    rng = np.random.default_rng(seed + 1)
    da = model_draws(len(a), n_boot, rng)
    db = da if len(b) == len(a) else model_draws(len(b), n_boot, rng)
    (Sa, Sa0), (Sb, Sb0) = per_model(a, W, y, metric), per_model(b, W, y, metric)
    d = mean_over_draws(Sa, da) - mean_over_draws(Sb, db)
    return {"diff": float(Sa0.mean() - Sb0.mean()), "ci": percentile_ci(d, level), "p": two_sided_p(d),
            "replicates": d}


# ----------------------------------------------------------------------------- weighted metrics

def _div(a, b):
    return np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b > 0)


def weighted_confusions(W: np.ndarray, y, pred, n_classes: int) -> np.ndarray:
    """``(B, C, C)`` confusion matrices (rows true, columns predicted) under each row of patient weights ``W``."""
    y, pred = np.asarray(y, int), np.asarray(pred, int)
    onehot = np.zeros((len(y), n_classes * n_classes))
    onehot[np.arange(len(y)), y * n_classes + pred] = 1.0
    return (W @ onehot).reshape(len(W), n_classes, n_classes)


def cm_metrics(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Macro / weighted F1, accuracy, macro precision and recall, and per-class precision / recall / F1 from
    confusion matrices ``(..., C, C)`` (a class never predicted has precision 0, as
    :func:`omicslib.metrics.classification_report`)."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    true, pred = cm.sum(-1), cm.sum(-2)
    n = true.sum(-1)
    prec, rec, f1 = _div(tp, pred), _div(tp, true), _div(2 * tp, true + pred)
    return {"f1_macro": f1.mean(-1), "f1_weighted": (true * f1).sum(-1) / n, "accuracy": tp.sum(-1) / n,
            "precision_macro": prec.mean(-1), "recall_macro": rec.mean(-1),
            "precision": prec, "recall": rec, "f1": f1}


def weighted_auc(W: np.ndarray, y, prob: np.ndarray) -> np.ndarray:
    """One-vs-rest macro ROC AUC under each row of patient weights ``W`` (B, n): the weighted Mann-Whitney
    statistic per class (ties count one half), averaged over the classes (the columns of ``prob``) whose AUC
    is defined in that row.

    A class's one-vs-rest AUC is defined only when the row gives weight to both its patients and the others
    (pROC's ``roc`` refuses a response without cases or controls). A resample without any patient of a small
    class (possible when the patients are drawn without strata) therefore averages over the other classes,
    as the same AUC computed on the resampled patients would; counting the missing class as 0 would pull
    the replicate, and the interval, down. NaN for a row in which no class's AUC is defined (a binary task's
    resample with one class only)."""
    y = np.asarray(y, int)
    total, defined = np.zeros(len(W)), np.zeros(len(W))
    for c in range(prob.shape[1]):
        s = prob[:, c]
        order = np.argsort(s, kind="mergesort")
        s_sorted, pos = s[order], (y[order] == c)
        w = W[:, order]
        wneg, wpos = w * ~pos, w * pos
        _, start, counts = np.unique(s_sorted, return_index=True, return_counts=True)
        cum = np.concatenate([np.zeros((len(W), 1)), np.cumsum(wneg, 1)], 1)
        below = cum[:, start]                                 # negative weight strictly below each score
        tied = cum[:, start + counts] - below                 # and tied with it
        grp = np.repeat(np.arange(len(start)), counts)
        num = (wpos * (below[:, grp] + 0.5 * tied[:, grp])).sum(1)
        pairs = wpos.sum(1) * wneg.sum(1)
        total += _div(num, pairs)
        defined += pairs > 0
    return np.where(defined > 0, total / np.maximum(defined, 1), np.nan)


def binary_auc(W: np.ndarray, y, score) -> np.ndarray:
    """ROC AUC of a binary ``score`` (higher = class 1) under each row of ``W``; NaN for a row without
    weight on one of the classes."""
    s = np.asarray(score, float)
    return weighted_auc(W, np.asarray(y, int), np.c_[-s, s])


def _pr_points(W: np.ndarray, y, score) -> tuple[np.ndarray, np.ndarray]:
    """Recall and precision ``(B, T)`` at each distinct threshold of ``score``, highest first, under each row of
    ``W``. A threshold above which a row holds no weight gets precision 1, the curve's start point, so that the
    patients a replicate did not draw leave only repeated points (what dropping them would give)."""
    y, s = np.asarray(y, int), np.asarray(score, float)
    order = np.argsort(-s, kind="mergesort")
    ends = np.r_[np.flatnonzero(np.diff(s[order])), len(s) - 1]       # last index of each tied group
    pos = (y[order] == 1)
    tp = np.cumsum(W[:, order] * pos, 1)[:, ends]
    ps = np.cumsum(W[:, order], 1)[:, ends]
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = tp / tp[:, -1:]
    return recall, np.where(ps > 0, _div(tp, ps), 1.0)


def average_precision(W: np.ndarray, y, score) -> np.ndarray:
    """Average precision of a binary ``score`` (sklearn's step sum, ``sum (R_k - R_k-1) P_k``) under each row
    of ``W``; NaN for a row without positive weight."""
    r, p = _pr_points(W, y, score)
    return (np.diff(r, prepend=0.0, axis=1) * p).sum(1)


def pr_auc_trapz(W: np.ndarray, y, score) -> np.ndarray:
    """Trapezoidal area under the precision-recall curve (``sklearn.metrics.auc(recall, precision)`` over
    ``precision_recall_curve``, which starts at recall 0, precision 1) under each row of ``W``; NaN for a row
    without positive weight."""
    r, p = _pr_points(W, y, score)
    p_prev = np.c_[np.ones(len(W)), p[:, :-1]]
    return (np.diff(r, prepend=0.0, axis=1) * (p + p_prev) / 2).sum(1)
