"""Evaluation metrics shared by the five papers.

Classification and clustering metrics are thin wrappers over scikit-learn,
survival concordance over lifelines, proportion intervals over statsmodels.
Own code only for the Hubert & Levin (1976) clustering C-index, which no
library provides. Every function validates its input and raises ``ValueError``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from lifelines.utils import concordance_index
from numpy.typing import ArrayLike
from scipy.spatial.distance import pdist
from sklearn import metrics as skm
from sklearn.utils.multiclass import unique_labels
from statsmodels.stats.proportion import proportion_confint

from omicslib.stats import delong

__all__ = [
    "classification_report",
    "per_class",
    "confusion",
    "roc_auc",
    "pr_auc",
    "mcc",
    "binary_diagnostics",
    "hubert_levin_c_index",
    "silhouette",
    "davies_bouldin",
    "ari",
    "nmi",
    "clustering_report",
    "concordance",
]


# --------------------------------------------------------------------------- helpers


def _vector(y: ArrayLike, name: str) -> np.ndarray:
    a = np.asarray(y)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} is empty")
    return a


def _pair(y_true: ArrayLike, y_other: ArrayLike, other: str = "y_pred") -> tuple[np.ndarray, np.ndarray]:
    t, o = _vector(y_true, "y_true"), _vector(y_other, other)
    if t.size != o.size:
        raise ValueError(f"y_true and {other} must have the same length, got {t.size} and {o.size}")
    return t, o


def _labels(y_true: np.ndarray, y_pred: np.ndarray | None, labels: ArrayLike | None) -> np.ndarray:
    """Class labels in order: given, else the sorted union of observed labels."""
    if labels is None:
        lab = unique_labels(y_true) if y_pred is None else unique_labels(y_true, y_pred)
    else:
        lab = np.asarray(labels)
        if lab.ndim != 1 or len(set(lab.tolist())) != lab.size:
            raise ValueError("labels must be a one-dimensional list without duplicates")
        arrays = [y_true] if y_pred is None else [y_true, y_pred]
        unknown = set(np.concatenate(arrays).tolist()) - set(lab.tolist())
        if unknown:
            raise ValueError(f"values not in labels: {sorted(map(str, unknown))}")
    if lab.size < 2:
        raise ValueError(f"need at least 2 classes, got {lab.size}: {list(lab)}")
    return np.asarray(lab)


def _scores(y_score: ArrayLike, n: int) -> np.ndarray:
    s = np.asarray(y_score, dtype=float)
    if s.ndim not in (1, 2):
        raise ValueError(f"scores must be of shape (n,) or (n, n_classes), got {s.shape}")
    if s.shape[0] != n:
        raise ValueError(f"scores have {s.shape[0]} rows but y_true has {n} values")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores contain NaN or infinite values")
    return s


def _positive_score(s: np.ndarray) -> np.ndarray:
    """Binary score of the positive class from (n,) or (n, 2) input."""
    if s.ndim == 1:
        return s
    if s.shape[1] != 2:
        raise ValueError(f"binary task needs scores of shape (n,) or (n, 2), got {s.shape}")
    return s[:, 1]


def _binary_auc(y_true: np.ndarray, score: np.ndarray, pos: Any) -> float:
    if np.unique(y_true).size != 2:
        raise ValueError("AUC needs both classes present in y_true")
    return float(skm.roc_auc_score(y_true == pos, score))


# ------------------------------------------------------------------- classification


def roc_auc(y_true: ArrayLike, y_score: ArrayLike, labels: ArrayLike | None = None) -> float:
    """ROC AUC (``sklearn.metrics.roc_auc_score``).

    Binary: ``y_score`` of shape (n,) or (n, 2); the positive class is
    ``labels[1]`` (default: the larger label). Multi-class: ``y_score`` of shape
    (n, K) with columns in ``labels`` order (rows summing to 1), one-vs-rest
    macro average.
    """
    t = _vector(y_true, "y_true")
    s = _scores(y_score, t.size)
    lab = _labels(t, None, labels)
    if lab.size == 2:
        return _binary_auc(t, _positive_score(s), lab[1])
    if s.ndim != 2 or s.shape[1] != lab.size:
        raise ValueError(f"multi-class AUC needs scores of shape (n, {lab.size}), got {s.shape}")
    missing = set(lab.tolist()) - set(np.unique(t).tolist())
    if missing:
        raise ValueError(f"one-vs-rest AUC undefined: classes absent from y_true: {sorted(map(str, missing))}")
    return float(skm.roc_auc_score(t, s, multi_class="ovr", average="macro", labels=lab))


def pr_auc(y_true: ArrayLike, y_score: ArrayLike, pos_label: Any = None) -> float:
    """Area under the precision-recall curve as average precision (binary).

    ``y_score`` of shape (n,) or (n, 2); ``pos_label`` defaults to the larger label.
    """
    t = _vector(y_true, "y_true")
    s = _positive_score(_scores(y_score, t.size))
    classes = np.unique(t)
    if classes.size != 2:
        raise ValueError(f"pr_auc needs exactly 2 classes in y_true, got {classes.size}")
    pos = classes[-1] if pos_label is None else pos_label
    if pos not in classes:
        raise ValueError(f"pos_label {pos!r} not among the classes {classes.tolist()}")
    return float(skm.average_precision_score(t == pos, s))


def mcc(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Matthews correlation coefficient (``sklearn.metrics.matthews_corrcoef``; K classes: Gorodkin's R_K).

    With the K x K confusion matrix C, s = sum of C, c = its trace, t_k and p_k the true and predicted
    counts of class k,

    .. math::

        \mathrm{MCC} = \frac{c\,s - \sum_k t_k p_k}{\sqrt{(s^2 - \sum_k p_k^2)(s^2 - \sum_k t_k^2)}}.

    When every prediction (or every true label) is one class, numerator and denominator are both 0:
    a correlation with a constant is undefined, and the result is NaN (as the formula in R), not
    sklearn's 0.

    References
    ----------
    Matthews BW (1975). Biochim Biophys Acta 405:442-451. Gorodkin J (2004). Comparing two K-category
    assignments by a K-category correlation coefficient. Comput Biol Chem 28:367-374.
    """
    t, p = _pair(y_true, y_pred)
    _labels(t, p, None)
    return _mcc(t, p)


def _mcc(t: np.ndarray, p: np.ndarray) -> float:
    if np.unique(t).size < 2 or np.unique(p).size < 2:
        return float("nan")  # 0/0: one of the two variables is constant
    return float(skm.matthews_corrcoef(t, p))


def classification_report(y_true: ArrayLike, y_pred: ArrayLike, y_prob: ArrayLike | None = None,
                          labels: ArrayLike | None = None) -> dict[str, float]:
    """Summary metrics of a classifier.

    Keys: ``accuracy``, ``precision_macro``, ``recall_macro``, ``f1_macro``,
    ``precision_weighted``, ``recall_weighted``, ``f1_weighted``, ``mcc`` (:func:`mcc`: NaN
    when a single class is predicted), and
    ``roc_auc`` when ``y_prob`` is given (see :func:`roc_auc`; columns follow
    ``labels``, default the sorted observed labels as in ``predict_proba``).
    Precision of a never-predicted class counts as 0.
    """
    t, p = _pair(y_true, y_pred)
    lab = _labels(t, p, labels)
    out: dict[str, float] = {"accuracy": float(skm.accuracy_score(t, p))}
    for avg in ("macro", "weighted"):
        pr, rc, f1, _ = skm.precision_recall_fscore_support(t, p, labels=lab, average=avg, zero_division=0)
        out.update({f"precision_{avg}": float(pr), f"recall_{avg}": float(rc), f"f1_{avg}": float(f1)})
    out["mcc"] = _mcc(t, p)
    if y_prob is not None:
        out["roc_auc"] = roc_auc(t, y_prob, labels=lab)
    return out


def per_class(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None,
              y_prob: ArrayLike | None = None) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, plus a ``macro avg`` row.

    With ``y_prob`` (columns in ``labels`` order; (n,) allowed for binary) an
    ``auc`` column holds each class's one-vs-rest AUC.
    """
    t, p = _pair(y_true, y_pred)
    lab = _labels(t, p, labels)
    pr, rc, f1, sup = skm.precision_recall_fscore_support(t, p, labels=lab, zero_division=0)
    df = pd.DataFrame({"precision": pr, "recall": rc, "f1": f1, "support": sup},
                      index=pd.Index(lab, name="class"))
    if y_prob is not None:
        s = _scores(y_prob, t.size)
        if s.ndim == 1:
            if lab.size != 2:
                raise ValueError("1-D y_prob is only valid for a binary task")
            s = np.column_stack([1 - s, s])
        if s.shape[1] != lab.size:
            raise ValueError(f"y_prob needs {lab.size} columns (one per label), got {s.shape[1]}")
        df["auc"] = [_binary_auc(t == c, s[:, i], True) for i, c in enumerate(lab)]
    macro = df.mean(numeric_only=True)
    macro["support"] = df["support"].sum()
    df.loc["macro avg"] = macro
    df["support"] = df["support"].astype(int)
    return df


def confusion(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None) -> pd.DataFrame:
    """Confusion matrix as a DataFrame: rows are true classes, columns predicted."""
    t, p = _pair(y_true, y_pred)
    lab = _labels(t, p, labels)
    cm = skm.confusion_matrix(t, p, labels=lab)
    return pd.DataFrame(cm, index=pd.Index(lab, name="true"), columns=pd.Index(lab, name="predicted"))


def binary_diagnostics(y_true: ArrayLike, y_pred: ArrayLike, y_score: ArrayLike | None = None,
                       alpha: float = 0.05, pos_label: Any = None) -> pd.DataFrame:
    """Sensitivity, specificity, PPV, NPV, accuracy with Wilson intervals; AUC with DeLong CI.

    Rows ``SENS, SPEC, PPV, NPV, ACC`` (and ``AUC`` when ``y_score`` is given);
    columns ``estimate, lo, hi, k, n`` (k successes of n; NaN where a
    denominator is empty). Proportion CIs: Wilson score interval
    (``statsmodels`` ``proportion_confint(method='wilson')``) at level 1 - alpha.
    ``pos_label`` defaults to the larger label.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    t, p = _pair(y_true, y_pred)
    classes = np.unique(np.concatenate([t, p]))
    if classes.size > 2:
        raise ValueError(f"binary_diagnostics needs at most 2 classes, got {classes.size}: {classes.tolist()}")
    if pos_label is None:
        if classes.size < 2:
            raise ValueError("only one class observed: pass pos_label")
        pos_label = classes[-1]
    elif pos_label not in classes:
        raise ValueError(f"pos_label {pos_label!r} not among the observed classes {classes.tolist()}")
    tp_, pp_ = t == pos_label, p == pos_label
    tp, fn = int(np.sum(tp_ & pp_)), int(np.sum(tp_ & ~pp_))
    tn, fp = int(np.sum(~tp_ & ~pp_)), int(np.sum(~tp_ & pp_))
    counts = {"SENS": (tp, tp + fn), "SPEC": (tn, tn + fp), "PPV": (tp, tp + fp),
              "NPV": (tn, tn + fn), "ACC": (tp + tn, t.size)}
    rows = {}
    for name, (k, n) in counts.items():
        if n == 0:
            rows[name] = [np.nan, np.nan, np.nan, k, n]
        else:
            lo, hi = proportion_confint(k, n, alpha=alpha, method="wilson")
            rows[name] = [k / n, float(lo), float(hi), k, n]
    if y_score is not None:
        s = _positive_score(_scores(y_score, t.size))
        r = delong(t, s, alpha=alpha, pos_label=pos_label)
        rows["AUC"] = [r.extra["auc"], r.extra["ci"][0], r.extra["ci"][1], np.nan, np.nan]
    df = pd.DataFrame.from_dict(rows, orient="index", columns=["estimate", "lo", "hi", "k", "n"])
    df[["k", "n"]] = df[["k", "n"]].astype("Int64")
    return df


# ----------------------------------------------------------------------- clustering


def _x_labels(X: ArrayLike, labels: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(X, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("X contains NaN or infinite values")
    lab = _vector(labels, "labels")
    if lab.size != x.shape[0]:
        raise ValueError(f"labels has {lab.size} values but X has {x.shape[0]} rows")
    k = np.unique(lab).size
    if k < 2:
        raise ValueError(f"need at least 2 clusters, got {k}")
    return x, lab


def hubert_levin_c_index(X: ArrayLike, labels: ArrayLike, metric: str = "euclidean") -> float:
    """Hubert & Levin (1976) clustering C-index (lower is better, in [0, 1]).

    C = (S_w - S_min) / (S_max - S_min): S_w is the sum of the n_w within-cluster
    pairwise distances, S_min / S_max the sums of the n_w smallest / largest of
    all n(n-1)/2 pairwise distances. Same definition as R
    ``clusterCrit::intCriteria(X, labels, "C_index")``. Not survival concordance.
    Memory is O(n²) (all pairwise distances).
    """
    x, lab = _x_labels(X, labels)
    s_w, n_w = 0.0, 0
    for c in np.unique(lab):
        members = x[lab == c]
        if members.shape[0] > 1:
            s_w += float(pdist(members, metric=metric).sum())
            n_w += members.shape[0] * (members.shape[0] - 1) // 2
    if n_w == 0:
        raise ValueError("C-index undefined: every cluster is a singleton")
    d = pdist(x, metric=metric)
    s_min = float(np.partition(d, n_w - 1)[:n_w].sum())
    s_max = float(np.partition(d, d.size - n_w)[d.size - n_w:].sum())
    if s_max == s_min:
        raise ValueError("C-index undefined: all pairwise distances are equal")
    # in [0, 1] exactly; the clip only removes floating-point summation error at a perfect partition
    return min(1.0, max(0.0, (s_w - s_min) / (s_max - s_min)))


def silhouette(X: ArrayLike, labels: ArrayLike, metric: str = "euclidean") -> float:
    """Mean silhouette coefficient (``sklearn.metrics.silhouette_score``), in [-1, 1]."""
    x, lab = _x_labels(X, labels)
    k = np.unique(lab).size
    if k > x.shape[0] - 1:
        raise ValueError(f"silhouette needs 2 <= n_clusters <= n_samples - 1, got {k} clusters for {x.shape[0]} samples")
    return float(skm.silhouette_score(x, lab, metric=metric))


def davies_bouldin(X: ArrayLike, labels: ArrayLike) -> float:
    """Davies-Bouldin index (``sklearn.metrics.davies_bouldin_score``); lower is better."""
    x, lab = _x_labels(X, labels)
    return float(skm.davies_bouldin_score(x, lab))


def ari(truth: ArrayLike, labels: ArrayLike) -> float:
    """Adjusted Rand index (``sklearn.metrics.adjusted_rand_score``)."""
    t, p = _pair(truth, labels, "labels")
    return float(skm.adjusted_rand_score(t, p))


def nmi(truth: ArrayLike, labels: ArrayLike) -> float:
    """Normalised mutual information (``sklearn.metrics.normalized_mutual_info_score``, arithmetic mean)."""
    t, p = _pair(truth, labels, "labels")
    return float(skm.normalized_mutual_info_score(t, p))


def clustering_report(X: ArrayLike, labels: ArrayLike, truth: ArrayLike | None = None) -> dict[str, float]:
    """``n_clusters``, ``c_index``, ``silhouette``, ``davies_bouldin``; ``ari``/``nmi`` vs ``truth`` if given."""
    x, lab = _x_labels(X, labels)
    out: dict[str, float] = {
        "n_clusters": int(np.unique(lab).size),
        "c_index": hubert_levin_c_index(x, lab),
        "silhouette": silhouette(x, lab),
        "davies_bouldin": davies_bouldin(x, lab),
    }
    if truth is not None:
        out["ari"] = ari(truth, lab)
        out["nmi"] = nmi(truth, lab)
    return out


# ------------------------------------------------------------------------- survival


def concordance(time: ArrayLike, risk: ArrayLike, event: ArrayLike | None = None) -> float:
    """Harrell's C for a risk score where higher risk means shorter survival.

    lifelines' ``concordance_index`` expects scores that grow with survival
    time, so it is called with ``-risk``. ``event``: 1/True = event observed,
    0/False = censored; None means every event was observed. Ties in risk count
    one half.
    """
    t = _vector(time, "time").astype(float)
    r = _vector(risk, "risk").astype(float)
    if r.size != t.size:
        raise ValueError(f"time and risk must have the same length, got {t.size} and {r.size}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(r))):
        raise ValueError("time and risk must be finite")
    if np.any(t < 0):
        raise ValueError("time must be non-negative")
    if event is None:
        e = np.ones(t.size, dtype=bool)
    else:
        e_raw = _vector(event, "event")
        if e_raw.size != t.size:
            raise ValueError(f"event has {e_raw.size} values but time has {t.size}")
        if not set(np.unique(e_raw).tolist()) <= {0, 1}:
            raise ValueError("event must contain only 0/1 (or False/True)")
        e = e_raw.astype(bool)
    if not e.any():
        raise ValueError("no observed events: concordance undefined")
    try:
        return float(concordance_index(t, -r, e))
    except ZeroDivisionError as exc:
        raise ValueError("no admissible pairs: concordance undefined") from exc
