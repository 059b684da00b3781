"""Tests of omicslib.metrics against hand-computed values and independent references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm
from test_stats_survival import slow_harrell  # the R-checked pair-enumeration oracle

from omicslib import metrics as M
from omicslib.stats import delong

# Tiny 3-class example.           index: 0  1  2  3  4  5
Y3_TRUE = np.array([0, 0, 0, 1, 1, 2])
Y3_PRED = np.array([0, 1, 0, 1, 2, 2])
# confusion (rows true, cols pred): [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
# precision: 2/2, 1/2, 1/2   recall: 2/3, 1/2, 1/1
# F1: 2*1*(2/3)/(5/3) = 0.8, 0.5, 2*0.5*1/1.5 = 2/3
F1_3 = np.array([0.8, 0.5, 2 / 3])

# Binary example: tp = 3, fn = 1, tn = 3, fp = 1
YB_TRUE = np.array([1, 1, 1, 0, 0, 0, 0, 1])
YB_PRED = np.array([1, 1, 0, 0, 0, 1, 0, 1])


class TestClassification:
    def test_confusion_hand(self):
        cm = M.confusion(Y3_TRUE, Y3_PRED)
        np.testing.assert_array_equal(cm.to_numpy(), [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
        assert cm.index.name == "true" and cm.columns.name == "predicted"
        cm = M.confusion(["a", "b", "b"], ["b", "b", "a"], labels=["b", "a"])
        assert cm.loc["a", "b"] == 1 and cm.loc["b", "b"] == 1 and cm.loc["b", "a"] == 1
        assert list(cm.columns) == ["b", "a"]

    def test_report_hand(self):
        r = M.classification_report(Y3_TRUE, Y3_PRED)
        assert r["accuracy"] == pytest.approx(4 / 6)
        assert r["precision_macro"] == pytest.approx((1 + 0.5 + 0.5) / 3)
        assert r["recall_macro"] == pytest.approx((2 / 3 + 0.5 + 1) / 3)
        assert r["f1_macro"] == pytest.approx(F1_3.mean())
        assert r["f1_weighted"] == pytest.approx((3 * 0.8 + 2 * 0.5 + 1 * 2 / 3) / 6)
        assert r["recall_weighted"] == pytest.approx(r["accuracy"])
        assert r["mcc"] == pytest.approx(skm.matthews_corrcoef(Y3_TRUE, Y3_PRED))
        assert "roc_auc" not in r

    def test_per_class_hand(self):
        df = M.per_class(Y3_TRUE, Y3_PRED)
        np.testing.assert_allclose(df.loc[[0, 1, 2], "precision"], [1, 0.5, 0.5])
        np.testing.assert_allclose(df.loc[[0, 1, 2], "recall"], [2 / 3, 0.5, 1])
        np.testing.assert_allclose(df.loc[[0, 1, 2], "f1"], F1_3)
        assert list(df["support"]) == [3, 2, 1, 6]
        assert df.loc["macro avg", "f1"] == pytest.approx(F1_3.mean())

    def test_per_class_auc(self):
        rng = np.random.default_rng(0)
        y = np.repeat([0, 1, 2], 20)
        prob = rng.dirichlet([1, 1, 1], y.size)
        prob[np.arange(y.size), y] += 0.5
        prob /= prob.sum(axis=1, keepdims=True)
        df = M.per_class(y, prob.argmax(1), y_prob=prob)
        for k in range(3):
            assert df.loc[k, "auc"] == pytest.approx(skm.roc_auc_score(y == k, prob[:, k]))
        # macro mean of one-vs-rest AUCs equals sklearn's OvR macro AUC
        assert df.loc["macro avg", "auc"] == pytest.approx(skm.roc_auc_score(y, prob, multi_class="ovr"))
        assert M.classification_report(y, prob.argmax(1), prob)["roc_auc"] == pytest.approx(df.loc["macro avg", "auc"])

    def test_mcc_binary_hand(self):
        # (tp tn - fp fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn)) = (9 - 1) / sqrt(4^4) = 0.5
        assert M.mcc(YB_TRUE, YB_PRED) == pytest.approx(0.5)

    # R 4.2.2, the formula of metrics.mcc written out (no R package needed):
    #   mcc <- function(t, p, lev) { C <- table(factor(t, lev), factor(p, lev)); s <- sum(C)
    #     tk <- rowSums(C); pk <- colSums(C)
    #     (sum(diag(C)) * s - sum(tk * pk)) / sqrt((s^2 - sum(pk^2)) * (s^2 - sum(tk^2))) }
    @pytest.mark.parametrize("t,p,want", [
        ([0, 0, 1, 1, 1, 0, 1, 0], [0, 1, 1, 1, 0, 0, 1, 0], 0.5),                     # mcc(..., 0:1)
        ([0, 1, 2, 0, 1, 2, 0, 1, 2, 2], [0, 2, 2, 0, 1, 1, 0, 1, 2, 0], 0.56060606060606055),  # mcc(..., 0:2)
        ([0, 0, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1], math.nan),                           # one predicted class: NaN
        ([0, 1, 2, 0, 1, 2], [2, 2, 2, 2, 2, 2], math.nan),                           # mcc(..., 0:2): NaN
        ([1, 1, 1, 1], [0, 1, 1, 0], math.nan),                                       # one true class: NaN
    ])
    def test_mcc_matches_r_formula_and_is_undefined_for_a_constant(self, t, p, want):
        got = M.mcc(t, p)
        assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want, rel=1e-12)
        rep = M.classification_report(t, p)["mcc"]
        assert (math.isnan(rep) and math.isnan(want)) or rep == pytest.approx(want, rel=1e-12)

    def test_roc_auc_binary_hand(self):
        # positives 0.35, 0.8 vs negatives 0.1, 0.4: 3 of 4 pairs ordered -> 0.75
        y, s = [0, 0, 1, 1], np.array([0.1, 0.4, 0.35, 0.8])
        assert M.roc_auc(y, s) == 0.75
        assert M.roc_auc(y, np.column_stack([1 - s, s])) == 0.75
        assert M.roc_auc(y, s, labels=[1, 0]) == 0.25  # positive class is labels[1]
        r = M.classification_report(y, (s > 0.5).astype(int), np.column_stack([1 - s, s]))
        assert r["roc_auc"] == 0.75

    def test_pr_auc_hand(self):
        # ranked: 0.8 (+), 0.4 (-), 0.35 (+), 0.1 (-): AP = 0.5 * 1 + 0.5 * 2/3
        y, s = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
        assert M.pr_auc(y, s) == pytest.approx(0.5 + 1 / 3)
        assert M.pr_auc(["n", "n", "p", "p"], s) == pytest.approx(0.5 + 1 / 3)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="same length"):
            M.classification_report([0, 1, 1], [0, 1])
        with pytest.raises(ValueError, match="at least 2 classes"):
            M.classification_report([1, 1, 1], [1, 1, 1])
        with pytest.raises(ValueError, match="not in labels"):
            M.confusion([0, 1, 2], [0, 1, 1], labels=[0, 1])
        with pytest.raises(ValueError, match="duplicates"):
            M.confusion([0, 1], [0, 1], labels=[0, 1, 1])
        with pytest.raises(ValueError, match="one-dimensional"):
            M.mcc([[0, 1]], [[0, 1]])
        with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
            M.roc_auc(Y3_TRUE, np.ones(6))
        with pytest.raises(ValueError, match="absent from y_true"):
            M.roc_auc([0, 0, 1, 1], np.full((4, 3), 1 / 3), labels=[0, 1, 2])
        with pytest.raises(ValueError, match="rows but y_true has"):
            M.roc_auc([0, 1, 1], [0.2, 0.3])
        with pytest.raises(ValueError, match=r"\(n,\) or \(n, 2\)"):
            M.pr_auc([0, 1, 1], np.ones((3, 3)))
        with pytest.raises(ValueError, match="exactly 2 classes"):
            M.pr_auc([1, 1, 1], [0.2, 0.3, 0.4])
        with pytest.raises(ValueError, match="needs 3 columns"):
            M.per_class(Y3_TRUE, Y3_PRED, y_prob=np.ones((6, 2)))


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval written out from its formula."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


class TestBinaryDiagnostics:
    def test_counts_and_wilson_intervals(self):
        df = M.binary_diagnostics(YB_TRUE, YB_PRED)
        assert list(df.index) == ["SENS", "SPEC", "PPV", "NPV", "ACC"]
        assert df.loc["SENS", "estimate"] == 0.75 and df.loc["ACC", "estimate"] == 0.75
        assert (df.loc["ACC", "k"], df.loc["ACC", "n"]) == (6, 8)
        assert (df.loc["SENS", "lo"], df.loc["SENS", "hi"]) == pytest.approx(wilson(3, 4))
        assert (df.loc["ACC", "lo"], df.loc["ACC", "hi"]) == pytest.approx(wilson(6, 8))

    def test_auc_with_delong_ci(self):
        rng = np.random.default_rng(1)
        y = rng.integers(0, 2, 80)
        score = y + rng.normal(size=80)
        df = M.binary_diagnostics(y, (score > 0.5).astype(int), score)
        ref = delong(y, score)
        assert df.loc["AUC", "estimate"] == pytest.approx(skm.roc_auc_score(y, score))
        assert (df.loc["AUC", "lo"], df.loc["AUC", "hi"]) == pytest.approx(ref.extra["ci"])
        wide = M.binary_diagnostics(y, (score > 0.5).astype(int), score, alpha=0.01)
        assert wide.loc["AUC", "lo"] < df.loc["AUC", "lo"] and wide.loc["SENS", "hi"] > df.loc["SENS", "hi"]

    def test_pos_label_and_empty_denominator(self):
        y = ["benign", "malignant", "malignant", "benign"]
        p = ["benign", "benign", "benign", "benign"]
        df = M.binary_diagnostics(y, p, pos_label="malignant")
        assert df.loc["SENS", "estimate"] == 0.0 and df.loc["SPEC", "estimate"] == 1.0
        assert np.isnan(df.loc["PPV", "estimate"]) and df.loc["PPV", "n"] == 0

    def test_bad_input(self):
        with pytest.raises(ValueError, match="at most 2 classes"):
            M.binary_diagnostics(Y3_TRUE, Y3_PRED)
        with pytest.raises(ValueError, match="pass pos_label"):
            M.binary_diagnostics([1, 1], [1, 1])
        with pytest.raises(ValueError, match="alpha"):
            M.binary_diagnostics(YB_TRUE, YB_PRED, alpha=5)
        with pytest.raises(ValueError, match="rows but y_true has"):
            M.binary_diagnostics(YB_TRUE, YB_PRED, y_score=[0.1, 0.2])


# ---------------------------------------------------------------------- clustering


def slow_c_index(X: np.ndarray, labels: np.ndarray) -> float:
    """C-index by enumerating every pair and sorting all distances."""
    n = len(labels)
    d, within = [], []
    for i in range(n):
        for j in range(i + 1, n):
            dist = float(np.linalg.norm(X[i] - X[j]))
            d.append(dist)
            if labels[i] == labels[j]:
                within.append(dist)
    d = sorted(d)
    nw = len(within)
    s_min, s_max = sum(d[:nw]), sum(d[-nw:])
    return (sum(within) - s_min) / (s_max - s_min)


class TestClustering:
    X5 = np.array([[0.0], [1.0], [10.0], [2.0], [12.0]])

    def test_c_index_hand(self):
        # points 0, 1, 10 | 2, 12. Within pairs: |0-1| = 1, |0-10| = 10, |1-10| = 9, |2-12| = 10
        # -> S_w = 30, n_w = 4. All 10 distances sorted: 1 1 2 2 8 9 10 10 11 12
        # S_min = 1+1+2+2 = 6, S_max = 12+11+10+10 = 43 -> C = (30-6)/(43-6) = 24/37
        assert M.hubert_levin_c_index(self.X5, [0, 0, 0, 1, 1]) == pytest.approx(24 / 37)
        # the natural split 0, 1, 2 | 10, 12 has S_w = 1+2+1+2 = 6 = S_min -> C = 0
        assert M.hubert_levin_c_index(self.X5, ["a", "a", "b", "a", "b"]) == pytest.approx(0.0)

    def test_c_index_matches_bruteforce(self):
        rng = np.random.default_rng(2)
        X = np.vstack([rng.normal(c, 1.0, (15, 3)) for c in (0, 2, 4)])
        labels = rng.permutation(np.repeat([0, 1, 2], 15))
        labels[:20] = np.repeat([0, 1, 2], 15)[:20]
        c = M.hubert_levin_c_index(X, labels)
        assert c == pytest.approx(slow_c_index(X, labels), rel=1e-12)
        assert 0.0 <= c <= 1.0
        # relabelling clusters changes nothing
        assert M.hubert_levin_c_index(X, (labels + 1) % 3 + 10) == pytest.approx(c, rel=1e-12)

    def test_c_index_bad_input(self):
        with pytest.raises(ValueError, match="at least 2 clusters"):
            M.hubert_levin_c_index(self.X5, [0] * 5)
        with pytest.raises(ValueError, match="singleton"):
            M.hubert_levin_c_index(self.X5, [0, 1, 2, 3, 4])
        with pytest.raises(ValueError, match="all pairwise distances are equal"):
            M.hubert_levin_c_index(np.eye(3), [0, 0, 1])
        with pytest.raises(ValueError, match="2-D"):
            M.hubert_levin_c_index(np.arange(5.0), [0, 0, 0, 1, 1])
        with pytest.raises(ValueError, match="labels has 4 values but X has 5 rows"):
            M.hubert_levin_c_index(self.X5, [0, 0, 1, 1])

    def test_sklearn_wrappers(self):
        rng = np.random.default_rng(3)
        X = np.vstack([rng.normal(c, 0.5, (10, 2)) for c in (0, 3)])
        lab = np.repeat([0, 1], 10)
        assert M.silhouette(X, lab) == pytest.approx(skm.silhouette_score(X, lab))
        assert M.davies_bouldin(X, lab) == pytest.approx(skm.davies_bouldin_score(X, lab))
        # silhouette of point 0 in the 5-point example, by hand: a = mean(1, 10) = 5.5,
        # b = mean(2, 12) = 7 -> s = (7 - 5.5) / 7
        s = skm.silhouette_samples(self.X5, [0, 0, 0, 1, 1])
        assert s[0] == pytest.approx(1.5 / 7)
        with pytest.raises(ValueError, match="n_samples - 1"):
            M.silhouette(self.X5, [0, 1, 2, 3, 4])

    def test_ari_nmi(self):
        truth = [0, 0, 1, 1, 2, 2]
        assert M.ari(truth, [5, 5, 3, 3, 9, 9]) == pytest.approx(1.0)
        assert M.nmi(truth, [5, 5, 3, 3, 9, 9]) == pytest.approx(1.0)
        pred = [0, 0, 1, 2, 2, 2]
        assert M.ari(truth, pred) == pytest.approx(skm.adjusted_rand_score(truth, pred))
        assert M.nmi(truth, pred) == pytest.approx(skm.normalized_mutual_info_score(truth, pred))
        assert M.ari(truth, pred) < 1
        with pytest.raises(ValueError, match="same length"):
            M.ari([0, 1, 1], [0, 1])

    def test_clustering_report(self):
        lab = [0, 0, 0, 1, 1]
        r = M.clustering_report(self.X5, lab, truth=[0, 0, 1, 0, 1])
        assert r["n_clusters"] == 2
        assert r["c_index"] == pytest.approx(24 / 37)
        assert r["silhouette"] == pytest.approx(skm.silhouette_score(self.X5, lab))
        assert r["davies_bouldin"] == pytest.approx(skm.davies_bouldin_score(self.X5, lab))
        assert r["ari"] == pytest.approx(skm.adjusted_rand_score([0, 0, 1, 0, 1], lab))
        assert set(M.clustering_report(self.X5, lab)) == {"n_clusters", "c_index", "silhouette", "davies_bouldin"}


# ------------------------------------------------------------------------ survival


class TestConcordance:
    TIME = [1, 2, 3, 4, 5]
    EVENT = [1, 1, 0, 1, 0]

    def test_hand_example(self):
        # comparable pairs (earlier time is an event): from t=1: 4, from t=2: 3, from t=4: 1 -> 8
        # risk 0.9 > all four later ones (4 concordant); 0.5 < 0.7 (discordant) but > 0.2, 0.1 (2);
        # 0.2 > 0.1 (1) -> C = 7/8
        assert M.concordance(self.TIME, [0.9, 0.5, 0.7, 0.2, 0.1], self.EVENT) == pytest.approx(7 / 8)
        # a risk tie (0.1 vs 0.1) counts one half -> 6.5/8
        assert M.concordance(self.TIME, [0.9, 0.5, 0.7, 0.1, 0.1], self.EVENT) == pytest.approx(6.5 / 8)
        # higher risk = shorter survival: perfectly ordered risk gives 1, reversed gives 0
        assert M.concordance(self.TIME, [5, 4, 3, 2, 1], self.EVENT) == 1.0
        assert M.concordance(self.TIME, [1, 2, 3, 4, 5], self.EVENT) == 0.0
        # event=None means all observed: all 10 pairs comparable
        assert M.concordance(self.TIME, [0.9, 0.5, 0.7, 0.2, 0.1]) == pytest.approx(9 / 10)

    def test_matches_bruteforce_with_censoring(self):
        rng = np.random.default_rng(4)
        n = 60
        risk = rng.normal(size=n)
        time = rng.exponential(np.exp(-risk))
        event = rng.random(n) < 0.7
        coarse = np.round(risk, 1)  # with risk ties
        assert M.concordance(time, coarse, event) == pytest.approx(slow_harrell(time, coarse, event)[0])
        tied = np.round(time, 1)  # events and censorings sharing a time
        assert len(np.unique(tied)) < n
        assert M.concordance(tied, coarse, event) == pytest.approx(slow_harrell(tied, coarse, event)[0])
        assert M.concordance(time, risk, event.astype(int)) > 0.6

    def test_bad_input(self):
        with pytest.raises(ValueError, match="same length"):
            M.concordance([1, 2, 3], [0.1, 0.2])
        with pytest.raises(ValueError, match="no observed events"):
            M.concordance([1, 2, 3], [0.1, 0.2, 0.3], [0, 0, 0])
        with pytest.raises(ValueError, match="non-negative"):
            M.concordance([-1, 2, 3], [0.1, 0.2, 0.3])
        with pytest.raises(ValueError, match="0/1"):
            M.concordance([1, 2, 3], [0.1, 0.2, 0.3], [0, 1, 2])
        with pytest.raises(ValueError, match="no admissible pairs"):
            M.concordance([1, 2, 3], [0.1, 0.2, 0.3], [0, 0, 1])
