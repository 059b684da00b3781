"""Tests of omicslib.stats against scipy/statsmodels, hand-computed values and published numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as ss
from sklearn.metrics import roc_auc_score
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.weightstats import DescrStatsW

from omicslib import stats as S

# --------------------------------------------------------------------------- data

# pROC's aSAH data set (Turck et al. 2010; 113 patients with aneurysmal
# subarachnoid haemorrhage), in patient order: outcome (1 = Poor, 0 = Good),
# WFNS score, S100B and NDKA. Reference values below come from pROC's own test
# suite (tests/testthat: var.roc, roc.test, ci.auc) and its documented AUCs.
ASAH_POOR = (
    "00001101001011001011101000000000100110110000000001100010001010011101101111000110100000010000000000001111110001000"
)
ASAH_WFNS = (
    "11113254125255125225211112121134214541425511241125521251222151125214524414121421232421451154221113125225552445111"
)
ASAH_S100B = """
0.13 0.14 0.1 0.04 0.13 0.1 0.47 0.16 0.18 0.1 0.12 0.1 0.44 0.71 0.04 0.08 0.49 0.04 0.07 0.33 0.09 0.09 0.07
0.11 0.07 0.17 0.07 0.11 0.13 0.19 0.05 0.16 0.41 0.14 0.34 0.35 0.48 0.09 0.96 0.25 0.5 0.46 0.16 0.07 0.43 0.45
0.11 0.08 0.09 0.86 0.52 0.08 0.06 0.13 2.07 0.1 0.14 0.15 0.07 0.06 0.77 0.05 0.09 0.3 0.03 0.09 0.04 0.23 0.7
0.09 0.27 0.71 0.08 0.26 0.08 0.16 0.09 0.13 0.1 0.08 0.11 0.33 0.11 0.28 0.07 0.1 0.32 0.22 0.07 0.05 0.24 0.38
0.1 0.15 0.08 0.14 0.1 0.07 0.04 0.19 0.56 0.14 0.58 0.32 0.82 0.74 0.15 0.47 0.17 0.44 0.15 0.5 0.48
"""
ASAH_NDKA = """
3.01 8.54 8.09 10.42 17.4 12.75 6 13.2 15.54 6.01 15.96 17.86 5.18 8.9 13.41 20.75 11.6 16.11 32.37 54.82 32.41
49.94 40.34 9.47 6.29 12.53 6.54 6.3 80.3 12.8 9.8 9.81 9.85 18.21 5.03 14.04 21.93 8.02 7.42 8.38 6.59 9.63 13.12
7.96 14.34 41.43 7.63 7.06 12.59 13.56 3.87 9.44 7.66 12.98 419.19 27.19 22.27 9.95 21.22 11.73 10.4 58.83 6.39
11.09 12.22 13.67 17.21 22.63 12.9 9.7 21.57 8.23 72.57 15.54 10.51 10.6 14.57 5.19 9.63 4.61 21.48 17.3 12.71 9.44
11.07 19.46 10.83 5.37 11.97 7.75 9.83 10.55 28.49 8.53 12.57 12.9 46.83 11.68 12.67 9.01 9.57 34.06 11.72 14.26
47.61 11.67 24.58 10.33 13.87 15.89 22.43 6.79 13.45
"""


@pytest.fixture(scope="module")
def asah() -> dict[str, np.ndarray]:
    d = {
        "outcome": np.array([int(c) for c in ASAH_POOR]),
        "wfns": np.array([int(c) for c in ASAH_WFNS], dtype=float),
        "s100b": np.array(ASAH_S100B.split(), dtype=float),
        "ndka": np.array(ASAH_NDKA.split(), dtype=float),
    }
    assert {len(v) for v in d.values()} == {113} and d["outcome"].sum() == 41
    return d


def slow_delong(y: np.ndarray, a: np.ndarray, b: np.ndarray | None = None):
    """DeLong (1988) structural components by explicit pairwise comparison, O(m n)."""
    pos, neg = y == 1, y == 0

    def components(s):
        diff = s[pos][:, None] - s[neg][None, :]
        psi = (diff > 0) + 0.5 * (diff == 0)
        return psi.mean(axis=1), psi.mean(axis=0)  # V10 per positive, V01 per negative

    m, n = pos.sum(), neg.sum()
    v10a, v01a = components(a)
    var_a = v10a.var(ddof=1) / m + v01a.var(ddof=1) / n
    if b is None:
        return v10a.mean(), var_a
    v10b, v01b = components(b)
    var_b = v10b.var(ddof=1) / m + v01b.var(ddof=1) / n
    cov = np.cov(v10a, v10b)[0, 1] / m + np.cov(v01a, v01b)[0, 1] / n
    return (v10a.mean() - v10b.mean()) / math.sqrt(var_a + var_b - 2 * cov)


# ------------------------------------------------------------------------ DeLong


class TestDeLong:
    @pytest.mark.parametrize("marker,auc,var", [
        ("wfns", 0.823678861788618, 0.00146991470882363),
        ("ndka", 0.611957994579946, 0.0031908105493913),
        ("s100b", 0.731368563685637, 0.00266868245717244),
    ])
    def test_single_auc_matches_proc(self, asah, marker, auc, var):
        r = S.delong(asah["outcome"], asah[marker])
        assert r.extra["auc"] == pytest.approx(auc, rel=1e-10)
        assert r.extra["var"] == pytest.approx(var, rel=1e-10)

    def test_ci_matches_proc(self, asah):
        # pROC ci.auc(r.ndka), DeLong method, 95 %
        r = S.delong(asah["outcome"], asah["ndka"])
        assert r.extra["ci"] == pytest.approx((0.501244999271703, 0.722670989888189), rel=1e-10)

    @pytest.mark.parametrize("a,b,z,p,lo,hi", [
        ("wfns", "s100b", 2.20898359144091, 0.0271757822291882, 0.0104061769564846, 0.174214419249478),
        ("wfns", "ndka", 2.79777591868904, 0.00514557970691098, 0.0634011709339876, 0.3600405634833566),
        ("ndka", "s100b", -1.39077002573558, 0.164295175223054, -0.2876917446341914, 0.0488706064228094),
    ])
    def test_paired_test_matches_proc(self, asah, a, b, z, p, lo, hi):
        r = S.delong(asah["outcome"], asah[a], asah[b])
        assert r.statistic == pytest.approx(z, rel=1e-10)
        assert r.pvalue == pytest.approx(p, rel=1e-10)
        assert r.extra["ci"] == pytest.approx((lo, hi), rel=1e-10)

    def test_identical_rankings_are_undefined(self, asah):
        # Difference 0 with variance 0: z = 0/0. R 4.2.2, pROC 1.18.0:
        #   r <- roc(aSAH$outcome, aSAH$wfns); calc <- pROC:::delong.paired.calculations(r, r)
        #   calc$d / calc$sig                    # NaN (roc.test alone replaces it by Z = 0, p = 1)
        r = S.delong(asah["outcome"], asah["wfns"], asah["wfns"].copy())
        assert math.isnan(r.statistic) and math.isnan(r.pvalue)
        assert r.extra["diff"] == 0.0 and r.extra["ci"] == (0.0, 0.0)      # roc.test's CI: 0 0
        # a monotone transform leaves every ranking, hence the AUCs, unchanged
        r = S.delong(asah["outcome"], asah["ndka"], np.log(asah["ndka"]))
        assert math.isnan(r.statistic) and math.isnan(r.pvalue)

    def test_constant_score_is_undefined(self):
        # R 4.2.2, pROC 1.18.0:
        #   y <- c(0, 1, 0, 1, 1, 0, 0, 1, 0, 1); r0 <- roc(y, rep(0.3, 10), direction = "<")
        #   auc(r0); var(r0, method = "delong")          # 0.5, 0
        #   (auc(r0) - 0.5) / sqrt(var(r0))              # NaN
        #   ci.auc(r0, method = "delong")                # 0.5-0.5
        #   r1 <- roc(y, rep(0.8, 10), direction = "<"); calc <- pROC:::delong.paired.calculations(r0, r1)
        #   c(calc$d, calc$sig, calc$d / calc$sig)       # 0 0 NaN
        y = np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 1])
        r = S.delong(y, np.full(10, 0.3))
        assert math.isnan(r.statistic) and math.isnan(r.pvalue)
        assert (r.extra["auc"], r.extra["var"], r.extra["ci"]) == (0.5, 0.0, (0.5, 0.5))
        two = S.delong(y, np.full(10, 0.3), np.full(10, 0.8))
        assert math.isnan(two.statistic) and math.isnan(two.pvalue) and two.extra["diff"] == 0.0
        # a perfect score against a constant one: variance 0 but a nonzero effect, z = +inf, p = 0
        perfect = S.delong(y, y + 0.5, np.full(10, 0.3))
        assert perfect.statistic == math.inf and perfect.pvalue == 0.0

    def test_fast_matches_slow_structural_components_with_ties(self):
        rng = np.random.default_rng(7)
        y = rng.integers(0, 2, 157)
        # rounding creates many tied scores, the case the midrank algorithm must get right
        a = np.round(y * 0.8 + rng.normal(size=y.size), 1)
        b = np.round(0.5 * a + y * 0.3 + rng.normal(size=y.size), 1)
        auc, var = slow_delong(y, a)
        r = S.delong(y, a)
        assert r.extra["auc"] == pytest.approx(auc, rel=1e-12)
        assert r.extra["auc"] == pytest.approx(roc_auc_score(y, a), rel=1e-12)
        assert r.extra["var"] == pytest.approx(var, rel=1e-10)
        assert r.pvalue == pytest.approx(2 * ss.norm.sf(abs(auc - 0.5) / math.sqrt(var)), rel=1e-9)
        two = S.delong(y, a, b)
        assert two.statistic == pytest.approx(slow_delong(y, a, b), rel=1e-10)
        assert two.extra["auc_b"] == pytest.approx(roc_auc_score(y, b), rel=1e-12)
        assert S.delong(y, b, a).statistic == pytest.approx(-two.statistic, rel=1e-12)

    def test_string_labels_and_pos_label(self):
        y = np.array(["neg", "pos", "neg", "pos", "pos", "neg"])
        s = np.array([0.1, 0.9, 0.4, 0.35, 0.8, 0.2])
        expected = roc_auc_score(y == "pos", s)  # 8/9
        assert S.delong(y, s).extra["auc"] == pytest.approx(expected)
        assert S.delong(y, s, pos_label="neg").extra["auc"] == pytest.approx(1 - expected)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="exactly 2 classes"):
            S.delong([1, 1, 1, 1], [0.1, 0.2, 0.3, 0.4])
        with pytest.raises(ValueError, match="score_a has 3 values"):
            S.delong([0, 1, 0, 1], [0.1, 0.2, 0.3])
        with pytest.raises(ValueError, match="at least 2 positive and 2 negative"):
            S.delong([0, 0, 0, 1], [0.1, 0.2, 0.3, 0.4])
        with pytest.raises(ValueError, match="NaN"):
            S.delong([0, 1, 0, 1], [0.1, np.nan, 0.3, 0.4])
        with pytest.raises(ValueError, match="pos_label"):
            S.delong([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], pos_label=2)


# ------------------------------------------------------------------------ McNemar


def predictions_for_table(n11: int, b: int, c: int, n22: int):
    """y_true, pred_a, pred_b with the correct/incorrect table [[n11, b], [c, n22]]."""
    y = np.zeros(n11 + b + c + n22, dtype=int)
    a_ok = np.r_[np.ones(n11 + b), np.zeros(c + n22)].astype(bool)
    b_ok = np.r_[np.ones(n11), np.zeros(b), np.ones(c), np.zeros(n22)].astype(bool)
    return y, np.where(a_ok, 0, 1), np.where(b_ok, 0, 1)


class TestMcNemar:
    def test_exact_textbook_value(self):
        # b = 10, c = 2: two-sided exact binomial p = 2 P(X <= 2 | 12, 1/2)
        #              = 2 (1 + 12 + 66) / 4096 = 158 / 4096
        r = S.mcnemar(*predictions_for_table(20, 10, 2, 8))
        assert r.extra["exact"] is True
        assert (r.extra["b"], r.extra["c"]) == (10, 2)
        np.testing.assert_array_equal(r.extra["table"], [[20, 10], [2, 8]])
        assert r.pvalue == pytest.approx(158 / 4096, rel=1e-12)
        assert r.extra["acc_a"] == pytest.approx(30 / 40) and r.extra["acc_b"] == pytest.approx(22 / 40)

    def test_chi2_with_continuity_correction(self):
        # (|b - c| - 1)^2 / (b + c) = 49 / 12, chi-square with 1 df
        r = S.mcnemar(*predictions_for_table(20, 10, 2, 8), exact=False)
        assert r.statistic == pytest.approx(49 / 12)
        assert r.pvalue == pytest.approx(ss.chi2.sf(49 / 12, 1))

    # R 4.2.2: mcnemar.test(matrix(c(n11, b, c, n22), 2, byrow = TRUE), correct = TRUE)
    # (b = only a correct, c = only b correct); R corrects only an asymmetric table, so b = c gives 0, p = 1
    @pytest.mark.parametrize("n11,b,c,n22,stat,p", [
        (20, 10, 10, 8, 0.0, 1.0),                                    # b = c
        (5, 3, 3, 7, 0.0, 1.0),                                       # b = c, b + c small
        (40, 1, 1, 2, 0.0, 1.0),                                      # b = c = 1
        (12, 13, 12, 3, 0.0, 1.0),                                    # |b - c| = 1: corrected to 0
        (10, 1, 2, 7, 0.0, 1.0),                                      # |b - c| = 1, b + c small
        (20, 10, 2, 8, 4.083333333333333, 0.043308142810791941),
        (40, 18, 7, 5, 4.0, 0.045500263896358473),
        (100, 30, 12, 50, 6.8809523809523814, 0.0087119129623795828),  # typical case
        (3, 0, 4, 1, 2.25, 0.13361440253771517),
    ])
    def test_chi2_matches_r_mcnemar_test(self, n11, b, c, n22, stat, p):
        r = S.mcnemar(*predictions_for_table(n11, b, c, n22), exact=False)
        assert (r.extra["b"], r.extra["c"]) == (b, c)
        assert r.statistic == pytest.approx(stat, rel=1e-12, abs=1e-15)
        assert r.pvalue == pytest.approx(p, rel=1e-12)

    # R 4.2.2: binom.test(b, b + c, 0.5)$p.value
    @pytest.mark.parametrize("b,c,p", [
        (10, 2, 0.038574218750000014), (3, 3, 1.0), (1, 2, 1.0), (17, 7, 0.063914656639099204),
    ])
    def test_exact_matches_r_binom_test(self, b, c, p):
        r = S.mcnemar(*predictions_for_table(5, b, c, 5), exact=True)
        assert r.pvalue == pytest.approx(p, rel=1e-12)
        assert r.statistic == min(b, c)

    def test_default_switches_to_chi2_at_25_discordant(self):
        table = [[40, 18], [7, 5]]
        r = S.mcnemar(*predictions_for_table(40, 18, 7, 5))
        ref = sm_mcnemar(np.array(table), exact=False, correction=True)
        assert r.extra["exact"] is False
        assert r.statistic == pytest.approx(ref.statistic) and r.pvalue == pytest.approx(ref.pvalue)
        r24 = S.mcnemar(*predictions_for_table(40, 17, 7, 5))
        assert r24.extra["exact"] is True
        assert r24.pvalue == pytest.approx(sm_mcnemar(np.array([[40, 17], [7, 5]]), exact=True).pvalue)

    def test_no_discordant_pairs_is_undefined(self):
        # R 4.2.2: mcnemar.test(matrix(c(5, 0, 0, 3), 2, byrow = TRUE), correct = TRUE)
        #   McNemar's chi-squared = NaN, p-value = NaN;  binom.test(0, 0, 0.5): error "'n' must be a positive
        #   integer >= 'x'"
        for exact in (True, False, None):
            r = S.mcnemar(*predictions_for_table(5, 0, 0, 3), exact=exact)
            assert math.isnan(r.pvalue) and math.isnan(r.statistic)
            assert (r.extra["b"], r.extra["c"]) == (0, 0) and r.extra["acc_a"] == r.extra["acc_b"] == 5 / 8

    def test_bad_input(self):
        with pytest.raises(ValueError, match="same length"):
            S.mcnemar([0, 1, 1], [0, 1, 1], [0, 1])
        with pytest.raises(ValueError, match="one-dimensional"):
            S.mcnemar([[0, 1]], [[0, 1]], [[0, 1]])


# ------------------------------------------------------------------ paired tests


A5 = np.array([3.0, 4.0, 6.0, 5.0, 7.0])
B5 = np.array([2.0, 3.0, 4.0, 4.0, 6.0])  # differences 1, 1, 2, 1, 1


class TestPaired:
    def test_paired_t_hand_value(self):
        # d = (1, 1, 2, 1, 1): mean 1.2, sd = sqrt(0.2), se = sqrt(0.2 / 5) = 0.2 -> t = 6, df 4
        r = S.paired_t(A5, B5)
        assert r.statistic == pytest.approx(6.0)
        assert r.pvalue == pytest.approx(2 * ss.t.sf(6.0, 4))
        assert r.extra["df"] == 4 and r.extra["mean_diff"] == pytest.approx(1.2)

    def test_paired_t_matches_scipy(self):
        rng = np.random.default_rng(1)
        a, b = rng.normal(size=12), rng.normal(size=12)
        ref = ss.ttest_rel(a, b)
        r = S.paired_t(a, b)
        assert (r.statistic, r.pvalue) == pytest.approx((ref.statistic, ref.pvalue))

    @pytest.mark.parametrize("diffs,w,p", [
        # exact null of W+ for n = 5: 32 equally likely sign patterns. P(W <= w) counts
        # subsets of ranks {1..5} with sum <= w; two-sided p doubles it.
        ([1, 2, 3, 4, 5], 0, 2 * 1 / 32),        # minimum attainable p = 0.0625
        ([-1, 2, 3, 4, 5], 1, 2 * 2 / 32),       # {}, {1}
        ([1, 2, -3, 4, 5], 3, 2 * 5 / 32),       # {}, {1}, {2}, {3}, {1,2}
        ([-1, -5, 2, 3, 4], 6, 2 * 13 / 32),     # 1+1+1+2+2+3+3 subsets with sum 0..6
    ])
    def test_wilcoxon_exact_n5(self, diffs, w, p):
        # the last three are the p-values of paper p1's Table 5 (0.125, 0.313, 0.813)
        r = S.wilcoxon(np.array(diffs, float) + 10, np.full(5, 10.0))
        assert r.statistic == w
        assert r.pvalue == pytest.approx(p, rel=1e-12)

    def test_paired_comparison(self):
        d = S.paired_comparison(A5, B5)
        assert d["n"] == 5
        assert d["delta"] == pytest.approx(1.2)
        assert d["sd_diff"] == pytest.approx(math.sqrt(0.2))
        assert d["mean_a"] == pytest.approx(5.0) and d["mean_b"] == pytest.approx(3.8)
        assert d["p_t"] == pytest.approx(ss.ttest_rel(A5, B5).pvalue)
        assert d["p_wilcoxon"] == pytest.approx(ss.wilcoxon(A5, B5).pvalue)
        assert d["p_wilcoxon"] == pytest.approx(0.0625)
        assert S.paired_comparison(B5, A5)["delta"] == pytest.approx(-1.2)

    def test_paired_bad_input(self):
        with pytest.raises(ValueError, match="same length"):
            S.paired_t([1, 2, 3], [1, 2])
        with pytest.raises(ValueError, match="identical"):
            S.wilcoxon([1, 2, 3], [1, 2, 3])
        with pytest.raises(ValueError, match="at least 2"):
            S.paired_t([1], [2])
        with pytest.raises(ValueError, match="one-dimensional"):
            S.paired_comparison([[1, 2], [3, 4]], [[1, 2], [3, 5]])

    def test_friedman_hand_value(self):
        # 4 blocks, group 3 > group 2 > group 1 in every block: rank sums 4, 8, 12
        # chi2 = 12 / (n k (k+1)) * sum R^2 - 3 n (k+1) = 12/48 * 224 - 48 = 8; W = 8 / (4 * 2) = 1
        g1, g2, g3 = [1, 2, 3, 4], [2, 3, 5, 6], [9, 8, 7, 10]
        r = S.friedman(g1, g2, g3)
        assert r.statistic == pytest.approx(8.0)
        assert r.pvalue == pytest.approx(ss.chi2.sf(8.0, 2))
        assert r.extra["kendall_w"] == pytest.approx(1.0)
        rng = np.random.default_rng(2)
        gs = [rng.normal(size=6) for _ in range(4)]
        assert S.friedman(*gs).pvalue == pytest.approx(ss.friedmanchisquare(*gs).pvalue)

    def test_friedman_bad_input(self):
        with pytest.raises(ValueError, match="at least 3 groups"):
            S.friedman([1, 2, 3], [2, 3, 4])
        with pytest.raises(ValueError, match="same length"):
            S.friedman([1, 2, 3], [2, 3, 4], [1, 2])

    def test_holm_hand_value(self):
        # sorted 0.01, 0.03, 0.04 -> 3*0.01, max(0.03, 2*0.03), max(0.06, 1*0.04)
        np.testing.assert_allclose(S.holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
        np.testing.assert_allclose(S.holm([0.5, 0.9]), [1.0, 1.0])
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            S.holm([0.2, 1.3])

    def test_mean_ci(self):
        x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
        m, lo, hi = S.mean_ci(x)
        ref = DescrStatsW(x).tconfint_mean(alpha=0.05)
        assert m == 3.0 and (lo, hi) == pytest.approx(ref)
        # half-width t_{0.975,4} * sqrt(2.5 / 5) = 2.7764451 * 0.7071068
        assert hi - m == pytest.approx(2.7764451 * math.sqrt(0.5), rel=1e-7)
        assert S.mean_ci(x, 0.9)[2] < hi
        with pytest.raises(ValueError, match="at least 2"):
            S.mean_ci([1.0])
        with pytest.raises(ValueError, match="confidence"):
            S.mean_ci(x, 95)

    def test_mean_ci_without_spread_is_undefined(self):
        # no spread, no estimable sampling error: the CI is undefined (NaN), never the point [m, m]
        m, lo, hi = S.mean_ci([2.0, 2.0, 2.0])
        assert m == 2.0 and math.isnan(lo) and math.isnan(hi)
        m, lo, hi = S.mean_ci(np.zeros(5), confidence=0.9)
        assert m == 0.0 and math.isnan(lo) and math.isnan(hi)
        # the smallest spread already gives a proper interval around the mean
        m, lo, hi = S.mean_ci([0.5, 0.5, 0.5 + 1e-9])
        assert lo < m < hi


# ------------------------------------------------------------- group comparisons


class TestGroups:
    def test_anova_hand_value(self):
        # grand mean 3.5; SS_b = 3 (1.5^2) * 2 = 13.5; SS_w = 2 + 2 = 4
        # F = 13.5 / (4 / 4) = 13.5; eta^2 = 13.5 / 17.5
        r = S.anova_oneway([1, 2, 3], [4, 5, 6])
        assert r.statistic == pytest.approx(13.5)
        assert r.extra["eta_sq"] == pytest.approx(13.5 / 17.5)
        assert (r.extra["df_between"], r.extra["df_within"]) == (1, 4)

    def test_anova_matches_scipy_and_f_identity(self):
        rng = np.random.default_rng(3)
        gs = [rng.normal(mu, 1, n) for mu, n in ((0, 12), (0.5, 9), (1, 15))]
        r = S.anova_oneway(*gs)
        ref = ss.f_oneway(*gs)
        assert (r.statistic, r.pvalue) == pytest.approx((ref.statistic, ref.pvalue))
        assert r.extra["eta_sq"] == pytest.approx(S.eta_sq_from_f(r.statistic, 2, 33))

    def test_kruskal(self):
        rng = np.random.default_rng(4)
        gs = [rng.normal(mu, 1, n) for mu, n in ((0, 10), (1, 8), (0.3, 11))]
        r = S.kruskal(*gs)
        ref = ss.kruskal(*gs)
        assert (r.statistic, r.pvalue) == pytest.approx((ref.statistic, ref.pvalue))
        assert r.extra["eta_sq"] == pytest.approx((ref.statistic - 3 + 1) / (29 - 3))

    def test_effect_sizes_reproduce_paper_p4_table1(self):
        # p4 Table 1 (390 patients, 5 subtypes): age F = 4.639 -> partial eta^2 0.046;
        # lymph nodes H = 12.147 -> 0.021; vascular invasion chi2 11.968 (2 x 5) -> V 0.175;
        # Ki-67 chi2 369.032 (3 x 5) -> V 0.688
        assert round(S.eta_sq_from_f(4.639, 4, 385), 3) == 0.046
        assert round(S.eta_sq_from_h(12.147, 390, 5), 3) == 0.021
        assert round(S.cramers_v(11.968, 390, (2, 5)), 3) == 0.175
        assert round(S.cramers_v(369.032, 390, (3, 5)), 3) == 0.688

    def test_group_bad_input(self):
        with pytest.raises(ValueError, match="at least 2 groups"):
            S.anova_oneway([1, 2, 3])
        with pytest.raises(ValueError, match="group 1 needs at least 1 value, got 0"):
            S.kruskal([1, 2, 3], [])
        with pytest.raises(ValueError, match="identical"):
            S.kruskal([1, 1], [1, 1])
        with pytest.raises(ValueError, match="n > k"):
            S.eta_sq_from_h(3.0, 5, 5)
        with pytest.raises(ValueError, match="2x2"):
            S.cramers_v(3.0, 10, (1, 4))


# Contingency tables of paper p4's Table 1: rows = category, columns = Luminal A,
# Luminal B, HER2+/HR+, HER2+/HR-, TN; with the paper's statistic, df, Cramér's V, p.
P4_TABLE1 = {
    "vascular invasion": ([[80, 96, 33, 21, 40], [22, 59, 21, 6, 12]], "11.968", 4, "0.175", "0.018"),
    "nerve invasion": ([[80, 120, 48, 20, 48], [22, 35, 6, 7, 4]], "9.083", 4, "0.153", "0.059"),
    "clinical stage": ([[39, 36, 12, 10, 18], [46, 81, 27, 12, 28], [17, 38, 15, 5, 6]], "12.980", 8, "0.129", "0.113"),
    "Ki-67": ([[100, 0, 7, 1, 5], [2, 104, 21, 11, 10], [0, 51, 26, 15, 37]], "369.032", 8, "0.688", "<0.001"),
    # expected counts < 5: the paper switched to the likelihood-ratio test
    "T grade": ([[53, 63, 19, 11, 24], [45, 82, 32, 15, 26], [3, 10, 3, 1, 2], [1, 0, 0, 0, 0]],
                "9.390", 12, "0.09", "0.669"),
    "N grade": ([[63, 75, 27, 17, 35], [24, 45, 12, 5, 11], [11, 19, 10, 2, 4], [4, 16, 5, 3, 2]],
                "14.545", 12, "0.11", "0.267"),
}


def as_printed(x: float, printed: str) -> str:
    """x rounded to as many decimals as the paper printed."""
    return f"{x:.{len(printed.split('.')[1])}f}"


class TestChi2:
    @pytest.mark.parametrize("name", list(P4_TABLE1))
    def test_auto_reproduces_paper_p4_table1(self, name):
        table, chi2, dof, v, p = P4_TABLE1[name]
        r = S.chi2_independence(table, lambda_="auto")
        assert as_printed(r.statistic, chi2) == chi2
        assert r.extra["dof"] == dof
        assert as_printed(r.extra["cramers_v"], v) == v
        if p.startswith("<"):
            assert r.pvalue < float(p[1:])
        else:
            assert as_printed(r.pvalue, p) == p
        assert r.extra["low_expected"] == (name in ("T grade", "N grade"))

    def test_pearson_hand_value(self):
        # expected = outer(row sums, column sums) / n; chi2 = sum (O - E)^2 / E, n = 65
        t = np.array([[10, 20], [30, 5]])
        e = np.outer(t.sum(1), t.sum(0)) / t.sum()
        chi2 = ((t - e) ** 2 / e).sum()
        r = S.chi2_independence(t)
        assert r.name == "Pearson chi-square"
        assert r.statistic == pytest.approx(chi2)
        assert r.pvalue == pytest.approx(ss.chi2.sf(chi2, 1))
        assert r.extra["cramers_v"] == pytest.approx(math.sqrt(chi2 / 65))
        assert r.extra["low_expected"] is False

    def test_likelihood_ratio_hand_value(self):
        t = np.array([[12, 3, 9], [4, 10, 2]])
        e = np.outer(t.sum(1), t.sum(0)) / t.sum()
        g = 2 * (t * np.log(t / e)).sum()
        r = S.chi2_independence(t, lambda_="log-likelihood")
        assert r.statistic == pytest.approx(g)
        assert r.pvalue == pytest.approx(ss.chi2.sf(g, 2))
        assert r.extra["cramers_v"] == pytest.approx(math.sqrt(g / 40))
        assert r.extra["method"] == "log-likelihood"

    def test_bad_input(self):
        with pytest.raises(ValueError, match="at least 2 rows and 2 columns"):
            S.chi2_independence([1, 2, 3])
        with pytest.raises(ValueError, match="non-negative"):
            S.chi2_independence([[1, -2], [3, 4]])
        with pytest.raises(ValueError, match="all-zero"):
            S.chi2_independence([[1, 0], [3, 0]])
        with pytest.raises(ValueError, match="lambda_"):
            S.chi2_independence([[1, 2], [3, 4]], lambda_="cressie-read")


MW_A = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
MW_B = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.07, 3.14, 1.28]
MW_C = [2.9, 3.4, 2.2, 4.1, 3.3, 2.7, 3.8, 2.95, 3.05, 3.6, 4.4, 2.45]
MW_D = [2.9, 3.4, 2.2, 4.1, 3.3, 1.83, 3.8, 2.95, 3.05, 3.6, 4.4, 2.45]   # shares the value 1.83 with MW_A
# R 4.2.2: set.seed(1); E <- round(rnorm(55), 6); F <- round(rnorm(9, 0.8), 6)
MW_E = [-0.626454, 0.183643, -0.835629, 1.595281, 0.329508, -0.820468, 0.487429, 0.738325, 0.575781, -0.305388,
        1.511781, 0.389843, -0.621241, -2.214700, 1.124931, -0.044934, -0.016190, 0.943836, 0.821221, 0.593901,
        0.918977, 0.782136, 0.074565, -1.989352, 0.619826, -0.056129, -0.155796, -1.470752, -0.478150, 0.417942,
        1.358680, -0.102788, 0.387672, -0.053805, -1.377060, -0.414995, -0.394290, -0.059313, 1.100025, 0.763176,
        -0.164524, -0.253362, 0.696963, 0.556663, -0.688756, -0.707495, 0.364582, 0.768533, -0.112346, 0.881108,
        0.398106, -0.612026, 0.341120, -1.129363, 1.433024]
MW_F = [2.780400, 0.432779, -0.244135, 1.369720, 0.664945, 3.201618, 0.760760, 1.489739, 0.828002]


class TestPosthoc:
    # R 4.2.2, each pair: wilcox.test(x, y) (exact: fewer than 50 values each and no ties)
    #   A, B: W = 58, p = 0.13591114767585355;  A, C: W = 8, p = 0.00045589085836763855
    #   B, C: W = 6,  p = 0.00020413023508998742   (all "Wilcoxon rank sum exact test")
    def test_mannwhitney_small_untied_family_is_exact_as_r(self):
        df = S.pairwise_posthoc({"A": MW_A, "B": MW_B, "C": MW_C}, method="holm")
        assert list(zip(df.group_a, df.group_b)) == [("A", "B"), ("A", "C"), ("B", "C")]
        assert (df.test_method == "exact").all()
        np.testing.assert_array_equal(df.statistic, [58, 8, 6])
        p = [0.13591114767585355, 0.00045589085836763855, 0.00020413023508998742]
        np.testing.assert_allclose(df.pvalue, p, rtol=1e-10)
        # Holm, R 4.2.2: p.adjust(p, "holm") -> 0.13591114767585355 0.00091178171673527710 0.00061239070526996221
        np.testing.assert_allclose(df.p_adj, [0.13591114767585355, 0.00091178171673527710, 0.00061239070526996221],
                                   rtol=1e-10)
        assert list(df.reject) == [False, True, True]
        # scipy's default would have used the normal approximation here (every sample has more than 8 values)
        assert ss.mannwhitneyu(MW_A, MW_B).pvalue != pytest.approx(0.13591114767585355, rel=1e-3)

    # One tied pair (A, D) puts the whole family on the normal approximation. R 4.2.2:
    #   wilcox.test(x, y, exact = FALSE, correct = TRUE)
    #   A, B: W = 58, p = 0.13332021558962748;  A, D: W = 10.5, p = 0.002236615634092296
    #   B, D: W = 7,  p = 0.00095108270725441531
    #   (wilcox.test(A, D) itself also falls back to it: "Wilcoxon rank sum test with continuity correction")
    # 50 values or more: normal approximation for every pair, tied or not. R 4.2.2:
    #   wilcox.test(E, F): "with continuity correction", W = 100, p = 0.0045270653393969171
    #   wilcox.test(E, A, exact = FALSE): W = 24, p = 1.6577057937603605e-05
    #   wilcox.test(F, A, exact = FALSE): W = 24, p = 0.15770438746307755
    @pytest.mark.parametrize("groups,stats,p", [
        ({"A": MW_A, "B": MW_B, "D": MW_D}, [58, 10.5, 7],
         [0.13332021558962748, 0.002236615634092296, 0.00095108270725441531]),
        ({"E": MW_E, "F": MW_F, "A": MW_A}, [100, 24, 24],
         [0.0045270653393969171, 1.6577057937603605e-05, 0.15770438746307755]),
    ])
    def test_mannwhitney_family_with_ties_or_large_samples_is_asymptotic_as_r(self, groups, stats, p):
        df = S.pairwise_posthoc(groups, method="holm")
        assert (df.test_method == "normal approximation").all()
        np.testing.assert_array_equal(df.statistic, stats)
        np.testing.assert_allclose(df.pvalue, p, rtol=1e-10)

    def test_mannwhitney_bonferroni(self):
        rng = np.random.default_rng(5)
        g = {"A": rng.normal(0, 1, 15), "B": rng.normal(1, 1, 12), "C": rng.normal(0.2, 1, 10)}
        df = S.pairwise_posthoc(g)
        for row in df.itertuples():
            ref = ss.mannwhitneyu(g[row.group_a], g[row.group_b], alternative="two-sided", method="exact")
            assert row.statistic == pytest.approx(ref.statistic)
            assert row.p_adj == pytest.approx(min(1.0, 3 * ref.pvalue))
            assert row.reject == (row.p_adj < 0.05)

    def test_t_test_welch(self):
        g = {"x": [1.0, 2.0, 3.0, 4.0], "y": [2.0, 4.0, 6.0, 8.0, 10.0]}
        df = S.pairwise_posthoc(g, test="t", equal_var=False)
        ref = ss.ttest_ind(g["x"], g["y"], equal_var=False)
        assert df.loc[0, "statistic"] == pytest.approx(ref.statistic)
        assert df.loc[0, "p_adj"] == pytest.approx(ref.pvalue)  # one pair: no adjustment

    def test_chi2_pairs(self):
        g = {"LumA": ["no"] * 80 + ["yes"] * 22, "LumB": ["no"] * 96 + ["yes"] * 59, "TN": ["no"] * 40 + ["yes"] * 12}
        df = S.pairwise_posthoc(g, test="chi2")
        ref = ss.chi2_contingency([[80, 22], [96, 59]], correction=False)
        assert df.loc[0, "statistic"] == pytest.approx(ref.statistic)
        assert df.loc[0, "p_adj"] == pytest.approx(min(1.0, 3 * ref.pvalue))
        same = S.pairwise_posthoc({"a": ["x", "x"], "b": ["x", "x", "x"]}, test="chi2")
        assert same.loc[0, "pvalue"] == 1.0 and same.loc[0, "statistic"] == 0.0
        assert isinstance(df, pd.DataFrame) and len(df) == 3

    def test_bad_input(self):
        with pytest.raises(ValueError, match="test must be"):
            S.pairwise_posthoc({"a": [1, 2], "b": [3, 4]}, test="anova")
        with pytest.raises(ValueError, match="at least 2 groups"):
            S.pairwise_posthoc({"a": [1, 2]})
        with pytest.raises(ValueError, match="group 'b'"):
            S.pairwise_posthoc({"a": [1.0, 2.0], "b": [np.nan, 1.0]})


def test_testresult_is_frozen():
    r = S.paired_t(A5, B5)
    with pytest.raises(AttributeError):
        r.pvalue = 0.5  # type: ignore[misc]


class TestCorrectedResampledT:
    """Nadeau & Bengio (2003): variance inflated by (1/J + n_test/n_train)."""

    # Independent oracle: the corrected statistic is the ordinary one-sample t of the differences
    # (scipy.stats.ttest_1samp, SE = s/sqrt(J)) rescaled by the ratio of the two variance factors,
    #     t_NB = t_1samp * sqrt((1/J) / (1/J + n_test/n_train)),
    # with the same J - 1 df; the CI half-width grows by the inverse factor (scipy.stats.t.interval).
    @pytest.mark.parametrize("ratio", [0.25, 1 / 9, 0.5])
    def test_equals_rescaled_one_sample_t(self, ratio):
        a = np.array([0.82, 0.85, 0.80, 0.84, 0.86, 0.83])
        b = np.array([0.80, 0.82, 0.81, 0.80, 0.83, 0.80])
        d, j = a - b, 6
        plain = ss.ttest_1samp(d, 0.0)
        shrink = math.sqrt((1 / j) / (1 / j + ratio))
        r = S.corrected_resampled_t(a, b, test_train_ratio=ratio)
        assert r.statistic == pytest.approx(plain.statistic * shrink, rel=1e-12)
        assert r.pvalue == pytest.approx(2 * ss.t.sf(abs(plain.statistic * shrink), j - 1), rel=1e-10)
        assert r.extra["df"] == j - 1
        ci = ss.t.interval(0.95, j - 1, loc=d.mean(), scale=ss.sem(d) / shrink)
        assert r.extra["ci"] == pytest.approx(ci, rel=1e-12)

    def test_ten_fold_cv_factor(self):
        # 10 x 10-fold CV (J = 100, n_test/n_train = 1/9): the variance factor 1/100 + 1/9 is
        # 12.1 times the naive 1/100, so |t| shrinks by sqrt(12.1) (Bouckaert & Frank 2004)
        rng = np.random.default_rng(3)
        a, b = rng.normal(0.80, 0.03, 100), rng.normal(0.79, 0.03, 100)
        plain = ss.ttest_rel(a, b).statistic
        assert S.corrected_resampled_t(a, b, 1 / 9).statistic == pytest.approx(plain / math.sqrt(1 + 100 / 9))

    def test_reduces_to_paired_t_without_overlap_and_is_more_conservative_with_it(self):
        rng = np.random.default_rng(0)
        a, b = rng.normal(0.8, 0.02, 10), rng.normal(0.79, 0.02, 10)
        plain = ss.ttest_rel(a, b)
        assert S.corrected_resampled_t(a, b, 1e-12).pvalue == pytest.approx(plain.pvalue, rel=1e-6)
        assert S.corrected_resampled_t(a, b, 0.25).pvalue > plain.pvalue

    def test_bad_input(self):
        with pytest.raises(ValueError, match="test_train_ratio"):
            S.corrected_resampled_t([1, 2, 3], [1, 2, 4], 0)
        with pytest.raises(ValueError, match="same length"):
            S.corrected_resampled_t([1, 2, 3], [1, 2], 0.25)
