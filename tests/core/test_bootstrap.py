"""The one bootstrap (omicslib.bootstrap): weighted metrics against scikit-learn on the resampled rows
themselves and against pROC where a class is missing, stratified resampling, the interval and p-value rules,
and the paired difference.

Precision of the equivalence tests (marked ``numerics``): the vectorised weighted metrics and scikit-learn on
the explicit resampled rows both compute in float64 with numpy (no torch kernel), summing in different
orders; they agree to 1e-12 relative (values in [0, 1], sums of at most a few hundred terms, so rounding
stays near 1e-14), a tolerance that still fails on any real difference of the estimators (a tie counted
otherwise changes an AUC by at least 1 / (n_pos n_neg) > 1e-4 here).
"""

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.metrics import auc as sk_auc

from omicslib import bootstrap as boot

#: float64 tolerance of the equivalence tests (module docstring)
REL = 1e-12


@pytest.mark.numerics
def test_weighted_metrics_equal_sklearn_on_the_resampled_rows():
    rng = np.random.default_rng(0)
    n = 60
    y = np.arange(n) % 4
    p = np.round(rng.dirichlet(np.ones(4), n), 1) + 1e-9     # rounded: tied scores
    p /= p.sum(1, keepdims=True)
    W = boot.patient_weights(n, 5, seed=1)
    assert W.shape == (5, n) and (W.sum(1) == n).all()
    cm = boot.weighted_confusions(W, y, p.argmax(1), 4)
    m = boot.cm_metrics(cm)
    auc = boot.weighted_auc(W, y, p)
    for b in range(5):
        idx = np.repeat(np.arange(n), W[b].astype(int))          # the resample as explicit rows
        yt, pr = y[idx], p[idx].argmax(1)
        assert m["f1_macro"][b] == pytest.approx(f1_score(yt, pr, average="macro", labels=range(4), zero_division=0),
                                                 rel=REL)
        assert m["f1_weighted"][b] == pytest.approx(f1_score(yt, pr, average="weighted", labels=range(4),
                                                             zero_division=0), rel=REL)
        assert m["accuracy"][b] == pytest.approx(accuracy_score(yt, pr), rel=REL)
        np.testing.assert_allclose(m["precision"][b], precision_score(yt, pr, average=None, labels=range(4),
                                                                      zero_division=0), rtol=REL)
        np.testing.assert_allclose(m["recall"][b], recall_score(yt, pr, average=None, labels=range(4), zero_division=0),
                                   rtol=REL)
        assert auc[b] == pytest.approx(roc_auc_score(yt, p[idx], multi_class="ovr", average="macro"), rel=REL)


def test_stratified_weights_keep_each_stratum_size_and_unstratified_match_p1s_draw():
    y = np.r_[np.zeros(30), np.ones(10)]
    W = boot.patient_weights(40, 200, seed=3, strata=y)
    assert (W[:, y == 0].sum(1) == 30).all() and (W[:, y == 1].sum(1) == 10).all()
    plain = np.random.default_rng(3).multinomial(40, np.full(40, 1 / 40), size=4)
    np.testing.assert_array_equal(boot.patient_weights(40, 4, seed=3), plain)
    with pytest.raises(ValueError, match="one label per patient"):
        boot.patient_weights(40, 2, 0, strata=y[:5])
    with pytest.raises(ValueError, match="at least 2 patients"):
        boot.patient_weights(1, 2, 0)


@pytest.mark.numerics
@pytest.mark.parametrize("seed", range(6))
def test_precision_recall_metrics_and_binary_auc_equal_sklearn_on_the_resampled_rows(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(50) < 0.4).astype(int)
    s = np.round(y * 0.3 + rng.random(50), 1)                    # rounded: tied scores
    s[np.argmax(s)] = 5.0                                         # a top score that some replicates leave out
    W = boot.patient_weights(50, 20, seed=5, strata=y)
    ap, trapz, auc = boot.average_precision(W, y, s), boot.pr_auc_trapz(W, y, s), boot.binary_auc(W, y, s)
    for b in range(20):
        idx = np.repeat(np.arange(50), W[b].astype(int))
        precision, recall, _ = precision_recall_curve(y[idx], s[idx])
        assert ap[b] == pytest.approx(average_precision_score(y[idx], s[idx]), rel=REL)
        assert trapz[b] == pytest.approx(sk_auc(recall, precision), rel=REL)
        assert auc[b] == pytest.approx(roc_auc_score(y[idx], s[idx]), rel=REL)
    assert np.isnan(boot.average_precision(np.ones((1, 50)), np.zeros(50), s)).all()      # no positives
    assert np.isnan(boot.binary_auc(np.ones((1, 50)), np.zeros(50), s)).all()             # no AUC either


# The macro one-vs-rest AUC of a resample in which a class has no patient: that class's AUC is undefined
# and the mean runs over the classes present. R 4.2.2, pROC 1.18.0, on the resampled rows themselves:
#   y <- c(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2); P <- cbind(P0, P1, 1 - P0 - P1)     # the columns below
#   ovr <- function(w) { yy <- rep(y, times = w); PP <- P[rep(seq_along(y), times = w), ]
#     sapply(0:2, function(k) tryCatch(as.numeric(auc(roc(response = as.integer(yy == k), predictor = PP[, k + 1],
#       levels = c(0, 1), direction = "<", quiet = TRUE))), error = function(e) NA_real_)) }  # "No case observation"
#   mean(ovr(w), na.rm = TRUE)
P0 = np.array([0.7, 0.5, 0.6, 0.2, 0.3, 0.1, 0.4, 0.2, 0.1, 0.3, 0.2, 0.5])
P1 = np.array([0.2, 0.3, 0.1, 0.5, 0.6, 0.8, 0.4, 0.3, 0.2, 0.1, 0.3, 0.2])


@pytest.mark.parametrize("w,per_class,want", [
    ([2, 0, 1, 1, 1, 2, 0, 1, 1, 1, 2, 0], (0.890625, 0.9375, 0.96875), 0.93229166666666663),
    ([2, 1, 1, 2, 1, 2, 1, 2, 0, 0, 0, 0], (0.83333333333333326, 0.80555555555555558, None), 0.81944444444444442),
    ([1, 1, 2, 1, 0, 0, 0, 0, 2, 2, 1, 2], (0.84285714285714286, None, 0.82857142857142851), 0.83571428571428563),
])
def test_macro_auc_averages_the_classes_present_as_proc(w, per_class, want):
    y = np.repeat([0, 1, 2], 4)
    P = np.c_[P0, P1, 1 - P0 - P1]
    W = np.asarray([w], float)
    assert boot.weighted_auc(W, y, P)[0] == pytest.approx(want, rel=1e-12)
    for k, a in enumerate(per_class):   # the one-class AUCs, through a two-column score of that class alone
        got = boot.binary_auc(W, (y == k).astype(int), P[:, k])[0]
        assert np.isnan(got) if a is None else got == pytest.approx(a, rel=1e-12)
    # the bias this removes: the absent class counted as 0 would give two thirds of the mean of the others
    present = [a for a in per_class if a is not None]
    if len(present) < 3:
        assert want == pytest.approx(np.mean(present)) and want > sum(present) / 3 + 0.25


def test_interval_and_p_rules():
    assert all(np.isnan(boot.percentile_ci(np.full(100, 0.7), 0.9)))        # no spread: no interval
    lo, hi = boot.percentile_ci(np.arange(1001) / 1000, 0.90)
    assert (lo, hi) == (pytest.approx(0.05), pytest.approx(0.95))
    assert boot.two_sided_p(np.full(99, 1.0)) == pytest.approx(2 / 100)     # all above 0: the +1 floor
    assert boot.two_sided_p(np.r_[-np.ones(50), np.ones(50)]) == 1.0


def test_paired_difference_of_a_better_and_a_worse_scorer():
    rng = np.random.default_rng(4)
    y = (np.arange(300) % 3 == 0).astype(int)
    good = [y + rng.normal(0, 0.6, 300) for _ in range(3)]
    noise = [rng.normal(0, 1, 300) for _ in range(3)]
    r = boot.paired(y, good, noise, boot.binary_auc, n_boot=400, strata=y)
    assert r["diff"] > 0.3 and r["ci"][0] > 0.2 and r["p"] < 0.01
    same = boot.paired(y, good, good, boot.binary_auc, n_boot=200, strata=y)
    assert same["diff"] == 0 and np.isnan(same["ci"][0]) and same["p"] == 1.0
    v = boot.value(y, good, boot.binary_auc, n_boot=300, strata=y)
    assert v["ci"][0] < v["estimate"] < v["ci"][1]
