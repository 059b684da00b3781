"""p4 scoring: the metrics of one set of predictions (AUC with its DeLong CI, diagnostics with Wilson CIs).

The bottom of the package's import graph for scoring: :mod:`.protocol` and :mod:`.analysis` both import
from here, so neither imports the other at run time.
"""

from __future__ import annotations

import numpy as np

from omicslib import metrics, stats

METRICS = ("AUC", "ACC", "SENS", "SPEC", "PPV", "NPV")


def auc_ci(y: np.ndarray, score: np.ndarray) -> tuple[float, float, float]:
    if np.unique(y).size < 2:
        return np.nan, np.nan, np.nan
    try:
        r = stats.delong(y, score, pos_label=1)
        return r.extra["auc"], *r.extra["ci"]
    except ValueError:  # fewer than 2 cases of a class: AUC without CI
        return metrics.roc_auc(y, score), np.nan, np.nan


def evaluate(y: np.ndarray, prob: np.ndarray, n_classes: int) -> dict[str, dict]:
    """``{metric: {estimate, lo, hi}}`` for AUC, ACC, SENS, SPEC, PPV, NPV.

    Binary (label 1 positive): :func:`omicslib.metrics.binary_diagnostics`
    (Wilson CIs) and a DeLong AUC CI. Multiclass: one-vs-rest macro AUC,
    overall accuracy, and SENS/SPEC/PPV/NPV averaged over the one-vs-rest
    problems (no CI for the macro averages). Undefined values are NaN.
    """
    y, prob = np.asarray(y), np.asarray(prob)
    if len(y) != len(prob):
        raise ValueError(f"{len(y)} labels but {len(prob)} probability rows")
    pred = prob.argmax(1)
    nan = {"estimate": np.nan, "lo": np.nan, "hi": np.nan}
    if n_classes == 2:
        d = metrics.binary_diagnostics(y, pred, pos_label=1) if np.isin(1, np.r_[y, pred]) else None
        out = {k: ({"estimate": d.loc[k, "estimate"], "lo": d.loc[k, "lo"], "hi": d.loc[k, "hi"]}
                   if d is not None else dict(nan)) for k in METRICS[1:]}
        auc, lo, hi = auc_ci(y, prob[:, 1])
        return {"AUC": {"estimate": auc, "lo": lo, "hi": hi}, **out}
    present = np.unique(y)
    out = {"AUC": dict(nan), "ACC": {"estimate": float((pred == y).mean()), "lo": np.nan, "hi": np.nan}}
    if present.size == n_classes:
        out["AUC"]["estimate"] = metrics.roc_auc(y, prob, labels=np.arange(n_classes))
    per = {k: [] for k in METRICS[2:]}
    for c in range(n_classes):
        yc, pc = (y == c).astype(int), (pred == c).astype(int)
        if not np.isin(1, np.r_[yc, pc]):
            continue
        d = metrics.binary_diagnostics(yc, pc, pos_label=1)
        for k in per:
            per[k].append(d.loc[k, "estimate"])
    for k, v in per.items():
        v = np.asarray(v, float)
        out[k] = {"estimate": float(np.nanmean(v)) if np.isfinite(v).any() else np.nan, "lo": np.nan, "hi": np.nan}
    return {k: out[k] for k in METRICS}
