"""Feature selection and encoding fitted on training rows only.

* :func:`elasticnet_ranking`: multinomial ElasticNet logistic regression
  (scikit-learn, saga) on standardised training rows; features ranked by the
  largest absolute coefficient over classes. **Tie rule** (stated, as the paper
  gives none): equal |coefficient| -- in practice the zero-coefficient features
  that fill a top-K larger than the non-zero count -- keep the column order of
  the input table (a stable sort), so the ranking is deterministic;
  :meth:`Ranking.n_zero_in_top` counts how many zero-coefficient features a
  top-K takes. ConvergenceWarnings of the fit are counted, not silenced.
* :class:`MutationEncoder`: multi-hot ``Gene_VariantClassification`` features
  whose vocabulary comes from the training samples only.
* :class:`TrainStandardiser`: mean/SD of a feature matrix from given rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler


@dataclass(frozen=True)
class Ranking:
    """Features ordered by importance: ``table`` has columns rank, feature, coefficient (signed
    coefficient of the class where |coef| is largest), importance (that |coef|), class."""

    table: pd.DataFrame
    n_nonzero: int
    n_convergence_warnings: int = 0

    def n_zero_in_top(self, k: int) -> int:
        """How many zero-coefficient features the top-``k`` takes (filled in column order)."""
        return int(max(0, min(k, len(self.table)) - self.n_nonzero))

    def top(self, k: int) -> list[str]:
        """The first ``k`` features (all of them when ``k`` exceeds the number available)."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        return self.table["feature"].head(k).tolist()


def elasticnet_ranking(X: pd.DataFrame, y, rows, *, l1_ratio: float = 0.5, C: float = 0.1,
                       max_iter: int = 2000, seed: int = 0) -> Ranking:
    """Rank the columns of ``X`` with a multinomial ElasticNet fitted on ``rows`` (positions) only.

    Features are standardised with the same rows before fitting; ties (zero
    coefficients) keep the column order, so the ranking is deterministic.
    ConvergenceWarnings are recorded in ``Ranking.n_convergence_warnings``.
    """
    rows = np.asarray(rows)
    if rows.size == 0:
        raise ValueError("rows is empty: the ranking needs training rows")
    y = np.asarray(y)
    Xtr = StandardScaler().fit_transform(X.to_numpy(dtype=float)[rows])
    clf = LogisticRegression(solver="saga", l1_ratio=l1_ratio, C=C,
                             max_iter=max_iter, random_state=seed, tol=1e-3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(Xtr, y[rows])
    n_warn = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    coef = clf.coef_ if clf.coef_.shape[0] > 1 else np.vstack([-clf.coef_, clf.coef_])
    arg = np.abs(coef).argmax(0)
    signed = coef[arg, np.arange(coef.shape[1])]
    classes = clf.classes_ if clf.coef_.shape[0] > 1 else clf.classes_[[0, 1]]
    df = pd.DataFrame({"feature": X.columns, "coefficient": signed, "importance": np.abs(signed),
                       "class": np.asarray(classes)[arg]})
    df = df.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return Ranking(df, int((df["importance"] > 0).sum()), n_warn)


class MutationEncoder:
    """Multi-hot ``<gene>_<Variant_Classification>`` indicators; vocabulary from training samples.

    ``min_count`` keeps combinations seen in at least that many training samples
    (1 = every combination observed, the paper's encoding).
    """

    def __init__(self, min_count: int = 1):
        if min_count < 1:
            raise ValueError("min_count must be >= 1")
        self.min_count = min_count
        self.features_: list[str] | None = None

    @staticmethod
    def _keys(muts: pd.DataFrame) -> pd.DataFrame:
        need = {"sample", "gene", "variant_classification"}
        if not need <= set(muts.columns):
            raise ValueError(f"mutation table needs columns {sorted(need)}, has {list(muts.columns)}")
        return pd.DataFrame({"sample": muts["sample"].to_numpy(),
                             "key": (muts["gene"].astype(str) + "_" + muts["variant_classification"].astype(str)).to_numpy()}
                            ).drop_duplicates()

    def fit(self, muts: pd.DataFrame, train_samples) -> "MutationEncoder":
        k = self._keys(muts)
        k = k[k["sample"].isin(set(train_samples))]
        counts = k["key"].value_counts()
        self.features_ = sorted(counts[counts >= self.min_count].index)
        return self

    def transform(self, muts: pd.DataFrame, samples) -> pd.DataFrame:
        if self.features_ is None:
            raise RuntimeError("MutationEncoder is not fitted")
        k = self._keys(muts)
        k = k[k["key"].isin(self.features_)]
        out = pd.crosstab(k["sample"], k["key"]).clip(upper=1)
        return out.reindex(index=pd.Index(samples), columns=self.features_, fill_value=0).fillna(0).astype(np.float32)

    @property
    def categories_(self) -> list[str]:
        return sorted({f.split("_", 1)[1] for f in self.features_ or []})


class TrainStandardiser:
    """Per-feature mean and SD computed on given rows only (SD 0 replaced by 1)."""

    def fit(self, X: np.ndarray, rows) -> "TrainStandardiser":
        rows = np.asarray(rows)
        if rows.size == 0:
            raise ValueError("rows is empty")
        self.mean_ = X[rows].mean(0)
        sd = X[rows].std(0)
        self.std_ = np.where(sd > 0, sd, 1.0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean_) / self.std_).astype(np.float32)
