"""Survival statistics against R's survival package: Harrell's C (``metrics.concordance``) with tied
times, and the log-rank tests of p3 (k groups) and p5 (high vs low risk).

Reference values were produced once with R 4.2.2, survival 3.5-3 (Debian r-cran-survival) and are
pasted with the R call that gave them; R is not needed to run these tests.
"""

from __future__ import annotations

import numpy as np
import pytest

from omicslib import metrics as M
from omicslib.papers.p3_clustering import logrank
from omicslib.papers.p5_confuseit.protocol import risk_groups

# survival::aml (Embury et al. 1977; Miller 1981): maintenance chemotherapy for AML.
# 23 patients, weeks to relapse; status 1 = relapse, 0 = censored; x = 0 Maintained, 1 Nonmaintained.
# Times 13 and 45 each hold an event and a censoring; 5, 8 and 23 hold tied events.
AML_TIME = np.array([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45.0])
AML_STATUS = np.array([1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1])
AML_X = np.array([0] * 11 + [1] * 12)
# an arbitrary integer score with many ties, typed into R as `risk`
AML_RISK = np.array([3, 1, 2, 2, 5, 1, 4, 3, 2, 1, 5, 4, 5, 3, 4, 2, 3, 5, 4, 1, 2, 3, 4.0])

# survival::ovarian (Edmonson et al. 1979): 26 patients, futime (days), fustat, rx (1, 2), resid.ds (1, 2), age
OVARIAN = np.array([
    # futime fustat rx resid.ds age
    [59, 1, 1, 2, 72.3315], [115, 1, 1, 2, 74.4932], [156, 1, 1, 2, 66.4658], [421, 0, 2, 2, 53.3644],
    [431, 1, 1, 2, 50.3397], [448, 0, 1, 1, 56.4301], [464, 1, 2, 2, 56.9370], [475, 1, 2, 2, 59.8548],
    [477, 0, 1, 2, 64.1753], [563, 1, 2, 1, 55.1781], [638, 1, 1, 1, 56.7562], [744, 0, 2, 1, 50.1096],
    [769, 0, 2, 2, 59.6301], [770, 0, 2, 2, 57.0521], [803, 0, 1, 1, 39.2712], [855, 0, 1, 1, 43.1233],
    [1040, 0, 1, 2, 38.8932], [1106, 0, 1, 1, 44.6000], [1129, 0, 2, 1, 53.9068], [1206, 0, 2, 2, 44.2055],
    [1227, 0, 2, 1, 59.5890], [268, 1, 1, 2, 74.5041], [329, 1, 1, 2, 43.1370], [353, 1, 2, 1, 63.2192],
    [365, 1, 2, 2, 64.4247], [377, 0, 2, 1, 58.3096],
])

# a small case with every kind of tie: event/event (t = 5), event/censored (t = 2, 3), risk ties (0.7)
TOY_TIME = np.array([1, 2, 2, 3, 3, 3, 4, 5, 5, 6.0])
TOY_EVENT = np.array([1, 1, 0, 1, 0, 1, 0, 1, 1, 0])
TOY_RISK = np.array([0.9, 0.8, 0.3, 0.7, 0.7, 0.2, 0.5, 0.4, 0.6, 0.1])


def slow_harrell(time, risk, event) -> tuple[float, dict[str, float]]:
    """Harrell's C by enumerating pairs, as R ``survival::concordance(..., reverse = TRUE)`` counts them.

    Pair (i, j) is comparable when i has the event and i's time is shorter than j's, or equal to j's
    while j is censored (a subject censored at an event time was still at risk then). Two events at
    the same time are not comparable (R's ``tied.y``). Higher risk for i is concordant; equal risk
    counts one half (``tied.x``): C = (concordant + tied.x / 2) / (concordant + discordant + tied.x).
    """
    count = {"concordant": 0.0, "discordant": 0.0, "tied.x": 0.0}
    for i in range(len(time)):
        if not event[i]:
            continue
        for j in range(len(time)):
            if time[i] < time[j] or (time[i] == time[j] and not event[j]):
                key = "concordant" if risk[i] > risk[j] else "discordant" if risk[i] < risk[j] else "tied.x"
                count[key] += 1
    c = (count["concordant"] + count["tied.x"] / 2) / sum(count.values())
    return c, count


# ------------------------------------------------------------------------ concordance

# R: library(survival)
#    concordance(Surv(futime, fustat) ~ age, data = ovarian, reverse = TRUE)
#      -> 0.78440366972477071; concordant 171, discordant 47, tied.x 0
#    risk <- c(3, 1, 2, 2, 5, 1, 4, 3, 2, 1, 5, 4, 5, 3, 4, 2, 3, 5, 4, 1, 2, 3, 4)
#    concordance(Surv(time, status) ~ risk, data = aml, reverse = TRUE)
#      -> 0.59999999999999998; concordant 109, discordant 67, tied.x 34 (tied.y 2, tied.xy 1 not counted)
#    concordance(Surv(c(1, 2, 2, 3, 3, 3, 4, 5, 5, 6), c(1, 1, 0, 1, 0, 1, 0, 1, 1, 0))
#                ~ c(0.9, 0.8, 0.3, 0.7, 0.7, 0.2, 0.5, 0.4, 0.6, 0.1), reverse = TRUE)
#      -> 0.84482758620689657; concordant 24, discordant 4, tied.x 1 (tied.y 2)
#    concordance(Surv(c(2, 2), c(1, 0)) ~ c(0.9, 0.1), reverse = TRUE) -> 1  (concordant 1)
#    concordance(Surv(c(2, 2), c(1, 0)) ~ c(0.1, 0.9), reverse = TRUE) -> 0  (discordant 1)
R_CONCORDANCE = {
    "ovarian_age": (OVARIAN[:, 0], OVARIAN[:, 4], OVARIAN[:, 1], 0.78440366972477071, (171, 47, 0)),
    "aml_risk": (AML_TIME, AML_RISK, AML_STATUS, 0.59999999999999998, (109, 67, 34)),
    "toy_ties": (TOY_TIME, TOY_RISK, TOY_EVENT, 0.84482758620689657, (24, 4, 1)),
    "event_censor_same_time": (np.array([2.0, 2.0]), np.array([0.9, 0.1]), np.array([1, 0]), 1.0, (1, 0, 0)),
    "event_censor_same_time_rev": (np.array([2.0, 2.0]), np.array([0.1, 0.9]), np.array([1, 0]), 0.0, (0, 1, 0)),
}


@pytest.mark.parametrize("case", list(R_CONCORDANCE))
def test_slow_harrell_matches_r_pair_counts(case):
    time, risk, event, c, counts = R_CONCORDANCE[case]
    got, count = slow_harrell(time, risk, event)
    assert (count["concordant"], count["discordant"], count["tied.x"]) == counts
    assert got == pytest.approx(c, rel=1e-14)


@pytest.mark.parametrize("case", list(R_CONCORDANCE))
def test_concordance_matches_r(case):
    time, risk, event, c, _ = R_CONCORDANCE[case]
    assert M.concordance(time, risk, event) == pytest.approx(c, rel=1e-12)


def test_concordance_matches_bruteforce_with_tied_times():
    # integer times: many event/event and event/censored ties; rounded risk: risk ties
    rng = np.random.default_rng(11)
    n = 80
    risk = rng.normal(size=n)
    time = np.ceil(rng.exponential(3 * np.exp(-risk)))
    event = (rng.random(n) < 0.6).astype(int)
    coarse = np.round(risk, 1)
    assert len(np.unique(time)) < n / 3  # the ties are really there
    assert M.concordance(time, coarse, event) == pytest.approx(slow_harrell(time, coarse, event)[0], rel=1e-12)


# ------------------------------------------------------------------------ log-rank

# R: survdiff(Surv(time, status) ~ x, data = aml)
#      -> Chisq = 3.3963886989776011 on 1 df, p = pchisq(.., 1, lower.tail = FALSE) = 0.065339322040505132
#      (observed 7 / 11, expected 10.689335992301 / 7.310664007699)
AML_CHISQ, AML_P = 3.3963886989776011, 0.065339322040505132
# R: survdiff(Surv(futime, fustat) ~ rx, data = ovarian) -> Chisq = 1.0627398612914141, p = 0.30259111698909524
OV_RX_CHISQ, OV_RX_P = 1.0627398612914141, 0.30259111698909524
# R: survdiff(Surv(futime, fustat) ~ interaction(rx, resid.ds), data = ovarian)
#      -> 4 groups, Chisq = 9.1051063733599662 on 3 df, p = 0.027925592991567126
OV_4G_CHISQ, OV_4G_P = 9.1051063733599662, 0.027925592991567126


class TestLogrankP3:
    """p3's ``logrank`` (lifelines ``multivariate_logrank_test``) over cluster labels."""

    def test_two_groups_aml(self):
        r = logrank(AML_X, AML_TIME, AML_STATUS)
        assert r["logrank_chi2"] == pytest.approx(AML_CHISQ, rel=1e-10)
        assert r["logrank_p"] == pytest.approx(AML_P, rel=1e-10)
        assert r["neg_log10_p"] == pytest.approx(-np.log10(AML_P), rel=1e-10)

    def test_two_groups_ovarian(self):
        r = logrank(OVARIAN[:, 2], OVARIAN[:, 0], OVARIAN[:, 1])
        assert (r["logrank_chi2"], r["logrank_p"]) == pytest.approx((OV_RX_CHISQ, OV_RX_P), rel=1e-10)

    def test_four_groups_ovarian(self):
        labels = [f"{int(rx)}.{int(rd)}" for rx, rd in OVARIAN[:, 2:4]]
        r = logrank(labels, OVARIAN[:, 0], OVARIAN[:, 1])
        assert r["logrank_chi2"] == pytest.approx(OV_4G_CHISQ, rel=1e-10)
        assert r["logrank_p"] == pytest.approx(OV_4G_P, rel=1e-10)


class TestLogrankP5:
    """p5's ``risk_groups``: log-rank (lifelines ``logrank_test``) of high vs low risk."""

    def test_aml(self):
        # a risk equal to the group code splits at 0.5 into Nonmaintained (high) vs Maintained (low)
        high, r = risk_groups(AML_TIME, AML_STATUS, AML_X.astype(float), threshold=0.5)
        np.testing.assert_array_equal(high, AML_X == 1)
        assert (r["n_high"], r["n_low"]) == (12, 11)
        assert r["statistic"] == pytest.approx(AML_CHISQ, rel=1e-10)
        assert r["p"] == pytest.approx(AML_P, rel=1e-10)

    def test_ovarian_median_split(self):
        # rx in {1, 2}: the median (1.5 with 13 per arm) is the split
        high, r = risk_groups(OVARIAN[:, 0], OVARIAN[:, 1], OVARIAN[:, 2])
        np.testing.assert_array_equal(high, OVARIAN[:, 2] == 2)
        assert (r["statistic"], r["p"]) == pytest.approx((OV_RX_CHISQ, OV_RX_P), rel=1e-10)
