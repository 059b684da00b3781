"""Statistical tests used by the five papers, as thin wrappers over scipy/statsmodels.

Every test returns a frozen :class:`TestResult` unless its docstring says
otherwise. Own code only where no library provides the method: DeLong's test
(fast midrank algorithm of Sun & Xu 2014), McNemar's corrected chi-square (R's convention
for equal discordant counts), Cramér's V, eta² effect sizes.

A test whose statistic is 0/0 (no discordant pair for McNemar, no spread of the AUC or of the AUC
difference for DeLong) carries no information: it returns ``statistic = pvalue = nan`` ("undefined"),
never p = 1. Callers treat a NaN p as an undefined test, not as evidence of no difference.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as ss
from statsmodels.stats.contingency_tables import mcnemar as _sm_mcnemar
from statsmodels.stats.multitest import multipletests

__all__ = [
    "TestResult",
    "paired_t",
    "wilcoxon",
    "friedman",
    "holm",
    "paired_comparison",
    "corrected_resampled_t",
    "mean_ci",
    "delong",
    "mcnemar",
    "anova_oneway",
    "kruskal",
    "chi2_independence",
    "pairwise_posthoc",
    "cramers_v",
    "eta_sq_from_f",
    "eta_sq_from_h",
]


@dataclass(frozen=True)
class TestResult:
    """Result of a statistical test: statistic, two-sided p-value, test name, extras."""

    __test__ = False  # not a pytest test class despite the name

    statistic: float
    pvalue: float
    name: str
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def _vec(x: ArrayLike, name: str, min_n: int = 1) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    if a.size < min_n:
        raise ValueError(f"{name} needs at least {min_n} value{'s' if min_n > 1 else ''}, got {a.size}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return a


def _paired(a: ArrayLike, b: ArrayLike, min_n: int = 2) -> tuple[np.ndarray, np.ndarray]:
    x, y = _vec(a, "a", min_n), _vec(b, "b", min_n)
    if x.size != y.size:
        raise ValueError(f"a and b must have the same length, got {x.size} and {y.size}")
    if np.all(x == y):
        raise ValueError("a and b are identical: every paired difference is zero")
    return x, y


def _groups(groups: Sequence[ArrayLike], min_groups: int = 2) -> list[np.ndarray]:
    if len(groups) < min_groups:
        raise ValueError(f"need at least {min_groups} groups, got {len(groups)}")
    return [_vec(g, f"group {i}") for i, g in enumerate(groups)]


# ------------------------------------------------------------------- paired tests


def paired_t(a: ArrayLike, b: ArrayLike) -> TestResult:
    """Two-sided paired t-test of a vs b (``scipy.stats.ttest_rel``)."""
    x, y = _paired(a, b)
    r = ss.ttest_rel(x, y)
    return TestResult(float(r.statistic), float(r.pvalue), "paired t-test",
                      {"df": int(x.size - 1), "mean_diff": float(np.mean(x - y)), "n": int(x.size)})


def wilcoxon(a: ArrayLike, b: ArrayLike) -> TestResult:
    """Two-sided Wilcoxon signed-rank test of a vs b (``scipy.stats.wilcoxon``).

    scipy uses the exact null distribution for small samples without ties or
    zero differences. With n = 5 pairs (5-fold CV) the smallest attainable
    two-sided p is 2/2**5 = 0.0625, so p < 0.05 is impossible.
    """
    x, y = _paired(a, b)
    r = ss.wilcoxon(x, y, alternative="two-sided")
    return TestResult(float(r.statistic), float(r.pvalue), "Wilcoxon signed-rank test",
                      {"n": int(x.size), "n_nonzero": int(np.count_nonzero(x - y))})


def friedman(*groups: ArrayLike) -> TestResult:
    """Friedman test over k >= 3 related samples (``scipy.stats.friedmanchisquare``).

    ``extra["kendall_w"]`` is Kendall's W = chi2 / (n (k - 1)).
    """
    gs = _groups(groups, min_groups=3)
    n = gs[0].size
    if any(g.size != n for g in gs):
        raise ValueError(f"all groups must have the same length, got {[g.size for g in gs]}")
    if n < 2:
        raise ValueError("friedman needs at least 2 blocks (observations per group)")
    r = ss.friedmanchisquare(*gs)
    k = len(gs)
    return TestResult(float(r.statistic), float(r.pvalue), "Friedman test",
                      {"df": k - 1, "n": n, "k": k, "kendall_w": float(r.statistic) / (n * (k - 1))})


def holm(pvalues: ArrayLike) -> np.ndarray:
    """Holm-adjusted p-values (``statsmodels`` ``multipletests(method='holm')``)."""
    p = _vec(pvalues, "pvalues")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    return multipletests(p, method="holm")[1]


def paired_comparison(a: ArrayLike, b: ArrayLike) -> dict[str, float]:
    """Paired summary of a vs b (e.g. per-fold scores of two models).

    Returns a dict with ``n``, ``mean_a``, ``mean_b``, ``delta`` (mean of a - b),
    ``sd_diff`` (SD of the differences, ddof=1), ``t``, ``p_t`` (paired t-test),
    ``w``, ``p_wilcoxon`` (signed-rank test).
    """
    t = paired_t(a, b)
    w = wilcoxon(a, b)
    x, y = np.asarray(a, float), np.asarray(b, float)
    d = x - y
    return {"n": int(d.size), "mean_a": float(x.mean()), "mean_b": float(y.mean()),
            "delta": float(d.mean()), "sd_diff": float(d.std(ddof=1)),
            "t": t.statistic, "p_t": t.pvalue, "w": w.statistic, "p_wilcoxon": w.pvalue}


def corrected_resampled_t(a: ArrayLike, b: ArrayLike, test_train_ratio: float,
                          confidence: float = 0.95) -> TestResult:
    r"""Nadeau–Bengio corrected resampled t-test of paired scores from repeated CV or resampling.

    With :math:`d_j = a_j - b_j` over :math:`J` train/test splits (e.g. r repeats × k folds),

    .. math::

        t = \frac{\bar d}{\sqrt{\left(\frac{1}{J} + \frac{n_2}{n_1}\right) \hat\sigma^2_d}},
        \qquad \text{df} = J - 1,

    where :math:`n_2 / n_1` is the test/train size ratio (``test_train_ratio``; 1/(k-1) for k-fold CV).
    The :math:`n_2/n_1` term inflates the variance for the overlap of training sets, which the plain
    paired t-test ignores. ``extra`` holds the mean difference, its corrected SE, df and the
    ``confidence`` interval of the mean difference.

    References
    ----------
    Nadeau C, Bengio Y (2003). Inference for the generalization error. Machine Learning 52:239-281.
    Bouckaert RR, Frank E (2004). Evaluating the replicability of significance tests for comparing
    learning algorithms. PAKDD, LNCS 3056:3-12.
    """
    x, y = _paired(a, b)
    if not test_train_ratio > 0:
        raise ValueError(f"test_train_ratio must be positive, got {test_train_ratio}")
    d = x - y
    j = d.size
    se = math.sqrt((1.0 / j + test_train_ratio) * float(np.var(d, ddof=1)))
    mean = float(d.mean())
    df = j - 1
    if se == 0:
        t, p = math.copysign(math.inf, mean), 0.0
    else:
        t = mean / se
        p = float(2 * ss.t.sf(abs(t), df))
    half = float(ss.t.ppf(0.5 + confidence / 2, df)) * se
    return TestResult(float(t), p, "Nadeau-Bengio corrected resampled t-test",
                      {"df": df, "n": j, "mean_diff": mean, "se": se, "ci": (mean - half, mean + half),
                       "test_train_ratio": float(test_train_ratio)})


def mean_ci(x: ArrayLike, confidence: float = 0.95) -> tuple[float, float, float]:
    r"""Mean and t-based confidence interval: returns ``(mean, lo, hi)``.

    .. math::

        \bar x \pm t_{(1+c)/2,\,n-1}\, s / \sqrt{n}

    A sample without spread (:math:`s = 0`, e.g. identical fold scores) has no estimable
    sampling error: the interval is undefined and ``lo = hi = nan``, never a zero-width point.
    """
    v = _vec(x, "x", min_n=2)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    m = float(v.mean())
    sem = float(ss.sem(v))
    if sem == 0:
        return m, math.nan, math.nan
    lo, hi = ss.t.interval(confidence, v.size - 1, loc=m, scale=sem)
    return m, float(lo), float(hi)


# ------------------------------------------------------------------------- DeLong


def _binary_truth(y_true: ArrayLike, pos_label: Any = None) -> np.ndarray:
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(f"y_true must be one-dimensional, got shape {y.shape}")
    classes = np.unique(y)
    if classes.size != 2:
        raise ValueError(f"y_true must contain exactly 2 classes, got {classes.size}: {classes.tolist()}")
    pos = classes[-1] if pos_label is None else pos_label
    if pos not in classes:
        raise ValueError(f"pos_label {pos!r} not among the classes {classes.tolist()}")
    return y == pos


def _fast_delong(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUCs and their DeLong covariance for scores of shape (k, m) and (k, n).

    Sun & Xu (2014): the structural components follow from three midrankings
    (positives alone, negatives alone, all pooled) in O(N log N).
    """
    m, n = pos.shape[1], neg.shape[1]
    tx = ss.rankdata(pos, axis=1)
    ty = ss.rankdata(neg, axis=1)
    tz = ss.rankdata(np.concatenate([pos, neg], axis=1), axis=1)
    aucs = (tz[:, :m].sum(axis=1) - m * (m + 1) / 2) / (m * n)
    v10 = (tz[:, :m] - tx) / n  # per positive: fraction of negatives scored below it
    v01 = 1.0 - (tz[:, m:] - ty) / m  # per negative: fraction of positives scored above it
    s10 = np.atleast_2d(np.cov(v10))
    s01 = np.atleast_2d(np.cov(v01))
    return aucs, s10 / m + s01 / n


def delong(y_true: ArrayLike, score_a: ArrayLike, score_b: ArrayLike | None = None,
           alpha: float = 0.05, pos_label: Any = None) -> TestResult:
    """DeLong et al. (1988) inference for one AUC or two correlated AUCs.

    Higher scores mean the positive class (``pos_label``, default the larger label).

    One score: ``extra`` holds ``auc``, ``var``, ``se`` and ``ci`` (Wald interval
    at level 1 - alpha, clipped to [0, 1]); ``statistic``/``pvalue`` test AUC = 0.5.

    Two scores on the same cases: ``statistic`` is z = (AUC_a - AUC_b) / SE of the
    difference, with a two-sided p; ``extra`` holds both AUCs, variances, their
    covariance, ``diff`` and its ``ci``.

    Degenerate cases: a zero effect with zero variance (a constant score: AUC 0.5,
    variance 0; two scores that rank every case alike) makes z = 0/0, and the test
    is undefined: ``statistic`` and ``pvalue`` are NaN (R's arithmetic on pROC's
    components gives the same NaN; pROC's ``roc.test`` alone replaces that 0/0 by
    Z = 0, p = 1, which reads as evidence of equality that the data do not hold). The
    AUCs, variances and CIs are still returned. A nonzero effect with zero variance
    (e.g. a perfectly separating single score) gives z = +-inf, p = 0.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    truth = _binary_truth(y_true, pos_label)
    scores = [_vec(score_a, "score_a")]
    if score_b is not None:
        scores.append(_vec(score_b, "score_b"))
    for name, s in zip(("score_a", "score_b"), scores):
        if s.size != truth.size:
            raise ValueError(f"{name} has {s.size} values but y_true has {truth.size}")
    if min(truth.sum(), (~truth).sum()) < 2:
        raise ValueError("DeLong needs at least 2 positive and 2 negative cases")
    x = np.vstack(scores)
    aucs, cov = _fast_delong(x[:, truth], x[:, ~truth])
    zq = ss.norm.ppf(1 - alpha / 2)

    if score_b is None:
        auc, var = float(aucs[0]), float(cov[0, 0])
        se = math.sqrt(max(var, 0.0))
        z, p = _z_and_p(auc - 0.5, se)
        ci = (float(max(0.0, auc - zq * se)), float(min(1.0, auc + zq * se)))
        return TestResult(z, p, "DeLong AUC", {"auc": auc, "var": var, "se": se, "ci": ci,
                                               "n_pos": int(truth.sum()), "n_neg": int((~truth).sum())})

    diff = float(aucs[0] - aucs[1])
    var_d = float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    se = math.sqrt(max(var_d, 0.0))
    z, p = _z_and_p(diff, se)
    return TestResult(z, p, "DeLong test for two correlated AUCs", {
        "auc_a": float(aucs[0]), "auc_b": float(aucs[1]),
        "var_a": float(cov[0, 0]), "var_b": float(cov[1, 1]), "cov": float(cov[0, 1]),
        "diff": diff, "se_diff": se, "ci": (float(diff - zq * se), float(diff + zq * se)),
        "n_pos": int(truth.sum()), "n_neg": int((~truth).sum())})


def _z_and_p(effect: float, se: float) -> tuple[float, float]:
    # identical scores can leave a round-off variance (~1e-18) instead of exactly 0
    if se <= 1e-12:
        if abs(effect) <= 1e-12:
            return math.nan, math.nan  # 0/0: the test is undefined
        return math.copysign(math.inf, effect), 0.0
    z = effect / se
    return float(z), float(2 * ss.norm.sf(abs(z)))


# ------------------------------------------------------------------------- McNemar


def mcnemar(y_true: ArrayLike, pred_a: ArrayLike, pred_b: ArrayLike,
            exact: bool | None = None) -> TestResult:
    r"""McNemar test comparing the accuracy of two classifiers on the same cases.

    Table [[both correct, only a correct (b)], [only b correct (c), both wrong]]. Exact test:
    two-sided binomial test of b out of b + c at 1/2 (``statsmodels``); ``statistic`` = min(b, c).
    Otherwise the continuity-corrected chi-square with 1 df, as R's
    ``mcnemar.test(x, correct = TRUE)``:

    .. math::

        \chi^2 = \frac{(|b - c| - 1)^2}{b + c} \ (b \ne c), \qquad \chi^2 = 0,\ p = 1 \ (b = c > 0).

    (R applies the correction only when the table is asymmetric; with b = c the uncorrected
    statistic is 0.) By default (``exact=None``) the exact test is used when b + c < 25.

    Without discordant pairs (b = c = 0) the two classifiers are right and wrong on the same cases and
    the data hold no information on which is more accurate: the statistic is 0/0 and the test is
    undefined, ``statistic = pvalue = nan`` (R: ``mcnemar.test`` gives NaN, ``binom.test(0, 0)`` an error).

    References
    ----------
    McNemar Q (1947). Note on the sampling error of the difference between correlated proportions
    or percentages. Psychometrika 12:153-157. Edwards AL (1948). Psychometrika 13:185-187.
    """
    y, a, b = (np.asarray(v) for v in (y_true, pred_a, pred_b))
    for name, v in (("y_true", y), ("pred_a", a), ("pred_b", b)):
        if v.ndim != 1 or v.size == 0:
            raise ValueError(f"{name} must be a non-empty one-dimensional array, got shape {v.shape}")
    if not (y.size == a.size == b.size):
        raise ValueError(f"y_true, pred_a, pred_b must have the same length, got {y.size}, {a.size}, {b.size}")
    ca, cb = a == y, b == y
    table = np.array([[np.sum(ca & cb), np.sum(ca & ~cb)],
                      [np.sum(~ca & cb), np.sum(~ca & ~cb)]])
    nb, nc = int(table[0, 1]), int(table[1, 0])
    if exact is None:
        exact = nb + nc < 25
    extra = {"table": table, "b": nb, "c": nc, "exact": bool(exact),
             "acc_a": float(ca.mean()), "acc_b": float(cb.mean())}
    if nb == nc == 0:  # no discordant pair: 0/0, undefined
        return TestResult(math.nan, math.nan, "McNemar test", extra)
    if nb == nc:  # as many discordant pairs each way: no evidence of a difference
        return TestResult(float(nb) if exact else 0.0, 1.0, "McNemar test", extra)
    if exact:
        r = _sm_mcnemar(table, exact=True)
        return TestResult(float(r.statistic), float(r.pvalue), "McNemar test", extra)
    chi2 = (abs(nb - nc) - 1) ** 2 / (nb + nc)
    return TestResult(float(chi2), float(ss.chi2.sf(chi2, 1)), "McNemar test", extra)


# --------------------------------------------------------------- group comparisons


def eta_sq_from_f(f: float, df_between: int, df_within: int) -> float:
    """Partial eta² from a one-way ANOVA F: F df1 / (F df1 + df2)."""
    if f < 0 or df_between < 1 or df_within < 1:
        raise ValueError("need F >= 0 and both degrees of freedom >= 1")
    return f * df_between / (f * df_between + df_within)


def eta_sq_from_h(h: float, n: int, k: int) -> float:
    """Eta² for Kruskal-Wallis: (H - k + 1) / (n - k) (Tomczak & Tomczak 2014)."""
    if k < 2 or n <= k:
        raise ValueError(f"need k >= 2 groups and n > k observations, got n={n}, k={k}")
    return (h - k + 1) / (n - k)


def cramers_v(chi2: float, n: int, shape: tuple[int, int]) -> float:
    """Cramér's V = sqrt(chi2 / (n (min(r, c) - 1))) for an r x c table."""
    r, c = shape
    if n < 1 or min(r, c) < 2 or chi2 < 0:
        raise ValueError(f"need chi2 >= 0, n >= 1 and a table of at least 2x2, got shape {shape}")
    return math.sqrt(chi2 / (n * (min(r, c) - 1)))


def anova_oneway(*groups: ArrayLike) -> TestResult:
    """One-way ANOVA (``scipy.stats.f_oneway``).

    ``extra["eta_sq"]`` is partial eta² = SS_between / (SS_between + SS_within)
    (equal to eta² in a one-way design).
    """
    gs = _groups(groups)
    n, k = sum(g.size for g in gs), len(gs)
    if n <= k:
        raise ValueError(f"need more observations ({n}) than groups ({k})")
    r = ss.f_oneway(*gs)
    grand = np.concatenate(gs).mean()
    ss_b = sum(g.size * (g.mean() - grand) ** 2 for g in gs)
    ss_w = sum(((g - g.mean()) ** 2).sum() for g in gs)
    eta = ss_b / (ss_b + ss_w) if ss_b + ss_w > 0 else float("nan")
    return TestResult(float(r.statistic), float(r.pvalue), "one-way ANOVA",
                      {"df_between": k - 1, "df_within": n - k, "ss_between": float(ss_b),
                       "ss_within": float(ss_w), "eta_sq": float(eta)})


def kruskal(*groups: ArrayLike) -> TestResult:
    """Kruskal-Wallis H test (``scipy.stats.kruskal``); ``extra["eta_sq"]`` = (H - k + 1)/(n - k)."""
    gs = _groups(groups)
    n, k = sum(g.size for g in gs), len(gs)
    if n <= k:
        raise ValueError(f"need more observations ({n}) than groups ({k})")
    if np.ptp(np.concatenate(gs)) == 0:
        raise ValueError("all values are identical: Kruskal-Wallis H is undefined")
    r = ss.kruskal(*gs)
    return TestResult(float(r.statistic), float(r.pvalue), "Kruskal-Wallis H test",
                      {"df": k - 1, "n": n, "eta_sq": eta_sq_from_h(float(r.statistic), n, k)})


_CHI2_NAMES = {"pearson": "Pearson chi-square", "log-likelihood": "likelihood-ratio chi-square (G)"}


def chi2_independence(table: ArrayLike, lambda_: str | None = None) -> TestResult:
    """Chi-square test of independence on an r x c contingency table.

    ``lambda_``: None or "pearson" (Pearson), "log-likelihood" (likelihood-ratio
    G-test), or "auto": Pearson when every expected count is >= 5, otherwise the
    likelihood-ratio test (the rule of paper p4's Table 1). No continuity
    correction. ``extra`` holds ``dof``, ``expected``, ``n``, ``cramers_v``,
    ``low_expected`` (True when any expected count < 5) and ``method``.
    """
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or min(t.shape) < 2:
        raise ValueError(f"table must be 2-D with at least 2 rows and 2 columns, got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("table must contain finite non-negative counts")
    if np.any(t.sum(axis=0) == 0) or np.any(t.sum(axis=1) == 0):
        raise ValueError("table has an all-zero row or column; drop it first")
    method = "pearson" if lambda_ is None else lambda_
    if method not in ("pearson", "log-likelihood", "auto"):
        raise ValueError(f"lambda_ must be None, 'pearson', 'log-likelihood' or 'auto', got {lambda_!r}")
    expected = ss.contingency.expected_freq(t)
    low = bool(np.any(expected < 5))
    if method == "auto":
        method = "log-likelihood" if low else "pearson"
    r = ss.chi2_contingency(t, correction=False, lambda_=method)
    n = float(t.sum())
    return TestResult(float(r.statistic), float(r.pvalue), _CHI2_NAMES[method],
                      {"dof": int(r.dof), "expected": r.expected_freq, "n": n,
                       "cramers_v": cramers_v(float(r.statistic), n, t.shape),
                       "low_expected": low, "method": method})


def pairwise_posthoc(groups: Mapping[str, ArrayLike], test: str = "mannwhitney",
                     method: str = "bonferroni", lambda_: str | None = None,
                     equal_var: bool = True) -> pd.DataFrame:
    """Pairwise two-group tests with multiplicity adjustment.

    ``test``: "mannwhitney" (``scipy.stats.mannwhitneyu``, two-sided; ``statistic`` is U of
    ``group_a``, R's W), "t" (``scipy.stats.ttest_ind``, ``equal_var`` passed on) or "chi2" (each
    group is an array of category labels; the pair's 2 x categories table goes to
    :func:`chi2_independence` with ``lambda_``; a pair sharing a single category gives chi2 = 0,
    p = 1). ``method`` is passed to statsmodels ``multipletests`` (default Bonferroni; "holm" for
    Holm): the pairs of one call are one family. Returns one row per pair: ``group_a``,
    ``group_b``, ``n_a``, ``n_b``, ``statistic``, ``pvalue``, ``p_adj``, ``reject`` (at 0.05) and
    ``test_method``.

    Mann-Whitney p-values come from one method for the whole family, so that the adjusted
    p-values of one family are comparable: the exact null distribution of U when every group has
    fewer than 50 values and no pair holds a tied value (R's ``wilcox.test`` default for each such
    pair), otherwise, for every pair, the normal approximation with tie and continuity correction
    (R's ``wilcox.test(x, y, exact = FALSE, correct = TRUE)``). ``test_method`` says which
    ("exact" or "normal approximation"). scipy's own default instead switches per pair (exact
    only when a sample has at most 8 values), which can mix both methods in one family.
    """
    if test not in ("mannwhitney", "t", "chi2"):
        raise ValueError(f"test must be 'mannwhitney', 't' or 'chi2', got {test!r}")
    if len(groups) < 2:
        raise ValueError(f"need at least 2 groups, got {len(groups)}")
    data: dict[str, np.ndarray] = {}
    for name, g in groups.items():
        if test == "chi2":
            v = np.asarray(g)
            if v.ndim != 1 or v.size == 0:
                raise ValueError(f"group {name!r} must be a non-empty one-dimensional array")
        else:
            v = _vec(g, f"group {name!r}", min_n=2 if test == "t" else 1)
        data[name] = v

    pairs = list(itertools.combinations(data, 2))
    # one Mann-Whitney method for the family (docstring)
    exact = test == "mannwhitney" and all(v.size < MW_EXACT_BELOW for v in data.values()) and not any(
        _has_ties(np.concatenate([data[ga], data[gb]])) for ga, gb in pairs)
    rows = []
    for ga, gb in pairs:
        a, b = data[ga], data[gb]
        if test == "mannwhitney":
            r = ss.mannwhitneyu(a, b, alternative="two-sided", method="exact" if exact else "asymptotic",
                                use_continuity=True)
            stat, p = float(r.statistic), float(r.pvalue)
            how = "exact" if exact else "normal approximation"
        elif test == "t":
            r = ss.ttest_ind(a, b, equal_var=equal_var)
            stat, p = float(r.statistic), float(r.pvalue)
            how = "Student t" if equal_var else "Welch t"
        else:
            cats = np.unique(np.concatenate([a, b]))
            if cats.size < 2:
                stat, p, how = 0.0, 1.0, "single category"
            else:
                tab = np.array([[np.sum(a == c) for c in cats], [np.sum(b == c) for c in cats]])
                res = chi2_independence(tab, lambda_=lambda_)
                stat, p, how = res.statistic, res.pvalue, res.name
        rows.append({"group_a": ga, "group_b": gb, "n_a": a.size, "n_b": b.size,
                     "statistic": stat, "pvalue": p, "test_method": how})
    df = pd.DataFrame(rows)
    reject, p_adj = multipletests(df["pvalue"].to_numpy(), alpha=0.05, method=method)[:2]
    df["p_adj"] = p_adj
    df["reject"] = reject
    return df[["group_a", "group_b", "n_a", "n_b", "statistic", "pvalue", "p_adj", "reject", "test_method"]]


#: Mann-Whitney post-hoc tests are exact only when every group has fewer values than this (R's ``wilcox.test``)
MW_EXACT_BELOW = 50


def _has_ties(v: np.ndarray) -> bool:
    return np.unique(v).size < v.size
