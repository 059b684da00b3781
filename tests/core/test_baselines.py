"""The core baseline search (omicslib.baselines): nested selection never sees test rows, the path solvers
equal scikit-learn's / LightGBM's plain fit at the same point, an edge choice widens the grid by the rule of
omicslib.tuning.search_1d, and every record is complete."""

import numpy as np
import pandas as pd
import pytest
from lightgbm import LGBMClassifier
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from omicslib import baselines as B
from omicslib.tuning import search_1d


def data(n=160, p=8, k=3, seed=0):
    X, y = make_classification(n, p, n_informative=4, n_redundant=0, n_classes=k, weights=None if k == 2 else
                               [0.5, 0.3, 0.2], random_state=seed)
    return X, y


SMOKE = dict(C_grid=(0.01, 0.1, 1.0), trees=(5, 10, 20), leaves=(4,), learning_rates=(0.1,))


class Recorder:
    """A standardiser that remembers every row it was fitted on (by the marker in the last column)."""

    seen: list = []

    def fit(self, X, y=None):
        Recorder.seen.extend(np.asarray(X)[:, -1].tolist())
        self.sc = StandardScaler().fit(X)
        return self

    def transform(self, X):
        return self.sc.transform(X)


def test_nested_selection_unchanged_when_test_rows_change_and_never_fits_on_them():
    X, y = data()
    X = np.hstack([X, np.arange(len(y))[:, None]])           # the last column names the row
    outer = [(np.arange(0, 120), np.arange(120, 160)), (np.arange(40, 160), np.arange(0, 40))]
    fams = B.families(["ridge", "lightgbm"], **SMOKE)
    for tr, te in outer:                                      # no preprocessing fit ever saw a test row
        Recorder.seen = []
        B.nested(X, y, [(tr, te)], families_=fams, preprocessing={"rec": Recorder}, inner_folds=3)
        assert Recorder.seen and not set(te.tolist()) & set(Recorder.seen), "a preprocessing fit saw test rows"
    rec1, prob1 = B.nested(X, y, outer[:1], families_=fams, preprocessing={"rec": Recorder}, inner_folds=3)
    # perturb only the test rows (features and labels): the selection and its inner scores must not move
    X2, y2 = X.copy(), y.copy()
    rng = np.random.default_rng(1)
    X2[120:, :-1] = rng.normal(0, 50, (40, X.shape[1] - 1))
    y2[120:] = rng.integers(0, 3, 40)
    rec2, _ = B.nested(X2, y2, outer[:1], families_=fams, preprocessing={"rec": Recorder}, inner_folds=3)
    cols = ["family", "hyperparameters", "inner_score", "n_grid"]
    assert rec2.loc[0, cols].to_dict() == rec1.loc[0, cols].to_dict()
    assert prob1[0].shape == (40, 3) and np.allclose(prob1[0].sum(1), 1)


def test_selection_moves_when_training_labels_change():
    # the converse of the leakage test: the same perturbation on training rows does change the inner scores
    X, y = data()
    outer = [(np.arange(0, 120), np.arange(120, 160))]
    fams = B.families(["ridge"], **SMOKE)
    rec1, _ = B.nested(X, y, outer, families_=fams, inner_folds=3)
    y2 = y.copy()
    y2[:40] = np.random.default_rng(1).integers(0, 3, 40)
    rec2, _ = B.nested(X, y2, outer, families_=fams, inner_folds=3)
    assert rec1.loc[0, "inner_score"] != rec2.loc[0, "inner_score"]


def test_nested_rejects_overlapping_outer_rows():
    X, y = data()
    with pytest.raises(ValueError, match="overlap"):
        B.nested(X, y, [(np.arange(0, 100), np.arange(90, 160))], families_=B.families(["ridge"], **SMOKE))


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
def test_logistic_warm_path_equals_sklearn_cold_fit(l1_ratio):
    X, y = data()
    X = StandardScaler().fit_transform(X)
    Cs = [0.01, 0.03, 0.1, 0.3, 1.0]
    fam = B.Logistic(l1_ratio, grid=tuple(Cs), max_iter=20000, tol=1e-8)
    path, _ = fam.path_proba(X[:120], y[:120], X[120:], Cs, 0, "balanced")
    for C, p in zip(Cs, path):
        cold = LogisticRegression(C=C, l1_ratio=l1_ratio, solver="lbfgs" if l1_ratio == 0 else "saga",
                                  class_weight="balanced", max_iter=20000, tol=1e-8, random_state=0)
        cold.fit(X[:120], y[:120])
        np.testing.assert_allclose(p, cold.predict_proba(X[120:]), atol=2e-4)


def test_lightgbm_truncated_path_equals_fresh_fit_with_that_many_trees():
    X, y = data()
    fam = B.LightGBM(grid=(5, 10, 20), leaves=(4,), learning_rates=(0.1,))
    path, _ = fam.path_proba(X[:120], y[:120], X[120:], [5, 10, 20], 0, "balanced", num_leaves=4,
                             learning_rate=0.1)
    for n, p in zip([5, 10, 20], path):
        fresh = LGBMClassifier(n_estimators=n, num_leaves=4, learning_rate=0.1, class_weight="balanced",
                               colsample_bytree=fam.colsample, min_child_samples=fam.min_child_samples,
                               max_bin=fam.max_bin, n_jobs=1, random_state=0, verbose=-1, deterministic=True,
                               force_row_wise=True).fit(X[:120], y[:120])
        np.testing.assert_allclose(p, fresh.predict_proba(X[120:]), atol=1e-12)


def test_selection_refit_equals_sklearn_fit_at_the_chosen_point():
    X, y = data()
    sel = B.select(X[:120], y[:120], B.families(["ridge"], C_grid=(0.003, 0.01, 0.03, 0.1, 0.3, 1.0)), inner_folds=3)
    sc = StandardScaler().fit(X[:120])
    plain = LogisticRegression(C=sel.record["C"], class_weight="balanced", max_iter=2000, tol=1e-4)
    plain.fit(sc.transform(X[:120]), y[:120])
    np.testing.assert_allclose(sel.predict_proba(X[120:]), plain.predict_proba(sc.transform(X[120:])), atol=1e-4)


class Peak:
    """A fake family whose inner score is known in advance: perfect probabilities at ``peak``, falling off
    with the log-distance from it (the oracle of the widening rule)."""

    name, param = "peak", "C"

    def __init__(self, grid, peak):
        self.grid, self.peak = grid, peak

    def settings(self):
        return [{}]

    def estimator(self, value, seed, class_weight):
        return LogisticRegression(C=value)

    def path_proba(self, X, y, X_eval, values, seed, class_weight):
        out = []
        for v in values:
            closeness = np.exp(-abs(np.log10(v) - np.log10(self.peak)))
            p = np.empty((len(X_eval), 2))
            p[:, 0], p[:, 1] = closeness, 1 - closeness                   # scored by the mean of column 0
            out.append(p)
        return out, 0


def test_edge_choice_widens_grid_like_search_1d():
    # the optimum 16 lies past the grid (1, 2, 4): widened by two steps twice -> 8, 16 then 32, 64; 16 interior
    X, y = data(k=2)
    fam = Peak((1.0, 2.0, 4.0), 16.0)
    sel = B.select(X, y, [fam], scoring=lambda yt, p: p[:, 0].mean(), inner_folds=2)
    assert sel.record["C"] == pytest.approx(16.0)
    assert sel.record["n_widen"] == 2 and sel.record["at_edge"] == ""
    assert sel.record["grid_min"] == pytest.approx(1.0) and sel.record["grid_max"] == pytest.approx(64.0)
    best, rec = search_1d(lambda v: np.exp(-abs(np.log10(v) - np.log10(16.0))), (1.0, 2.0, 4.0), refine=False)
    assert best == pytest.approx(sel.record["C"]) and rec["grid_max"] == pytest.approx(sel.record["grid_max"])


def test_edge_still_recorded_when_widening_is_exhausted():
    X, y = data(k=2)
    sel = B.select(X, y, [Peak((1.0, 2.0, 4.0), 1e6)], scoring=lambda yt, p: p[:, 0].mean(), inner_folds=2,
                   max_widen=1)
    assert sel.record["at_edge"] == "high" and sel.record["n_widen"] == 1 and sel.record["C"] == pytest.approx(16.0)


def test_widened_integer_values_for_trees():
    assert B.widened([25, 50, 100], "high", np.log10(2), integer=True) == [200, 400]
    assert B.widened([25, 50, 100], "low", np.log10(2), integer=True) == [13, 6]       # 12.5 and 6.25, half up


@pytest.mark.parametrize("names", [["ridge"], ["lasso"], ["enet"], ["lightgbm"]])
def test_records_complete_for_every_family(names):
    X, y = data()
    sel = B.select(X, y, B.families(names, **SMOKE), {"standardise": B.standardise,
                                                     "first four": B.columns(np.arange(4))}, inner_folds=2)
    rec = sel.record
    missing = [k for k in B.RECORD_KEYS if k not in rec]
    assert not missing
    assert rec["family"] == names[0] and rec["preprocessing"] in ("standardise", "first four")
    assert all(v == v for v in rec.values() if isinstance(v, float))          # no NaN
    chosen = sel.candidates[sel.candidates["chosen"]]
    assert len(chosen) == 1 and chosen["inner_score"].iloc[0] == pytest.approx(rec["inner_score"])
    assert rec["inner_score"] == pytest.approx(sel.candidates["inner_score"].max())
    assert rec["n_candidates"] == len(sel.candidates)


def test_columns_candidate_keeps_only_its_columns():
    X, _ = data()
    Z = B.columns([1, 3], then=None)().fit(X).transform(X)
    np.testing.assert_array_equal(Z, X[:, [1, 3]])


def test_scorer_f1_macro_hand_computed_and_unknown_name():
    y = np.array([0, 0, 1, 1])
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.4, 0.6]])
    # predictions 0,1,1,1: F1(class 0) = 2/3, F1(class 1) = 0.8 -> macro 0.7333
    assert B.scorer("f1_macro")(y, p) == pytest.approx((2 / 3 + 0.8) / 2)
    with pytest.raises(ValueError, match="unknown scoring"):
        B.scorer("accuracy_typo")


@pytest.mark.parametrize("names", [["enet"], ["lightgbm"]])
def test_refit_from_record_reproduces_the_selection_model(names):
    X, y = data()
    fams = B.families(names, **SMOKE)
    preps = {"standardise": B.standardise, "first four": B.columns(np.arange(4))}
    sel = B.select(X[:120], y[:120], fams, preps, inner_folds=2)
    model, _ = B.refit(sel.record, X[:120], y[:120], fams, preps)
    np.testing.assert_allclose(model.predict_proba(X[120:]), sel.predict_proba(X[120:]), atol=1e-10)


# ----------------------------------------------------------------------------- survival families

def surv_data(n=150, p=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    t_event = rng.exponential(np.exp(-(1.5 * X[:, 0] - X[:, 1])))      # hazard exp(1.5 x0 - x1)
    t_cens = rng.exponential(1.5, n)
    return X, np.minimum(t_event, t_cens), t_event <= t_cens


def test_c_index_scorer_equals_lifelines():
    from lifelines.utils import concordance_index

    X, t, e = surv_data()
    risk = X[:, 0] + 0.3 * X[:, 2]
    # lifelines scores predicted survival times (higher = later), so it takes minus the risk
    assert B.scorer("c_index")(B.survival_target(t, e), risk) == pytest.approx(concordance_index(t, -risk, e), abs=1e-9)


def test_coxnet_path_equals_a_single_penalty_fit():
    from sksurv.linear_model import CoxnetSurvivalAnalysis

    X, t, e = surv_data()
    y = B.survival_target(t, e)
    alphas = [0.01, 0.03, 0.1]
    path, _ = B.CoxNet(0.5, tol=1e-9).path_proba(X[:100], y[:100], X[100:], alphas, 0, None, l1_ratio=0.5)
    for a, risk in zip(alphas, path):
        one = CoxnetSurvivalAnalysis(alphas=[a], l1_ratio=0.5, tol=1e-9, max_iter=100000).fit(X[:100], y[:100])
        np.testing.assert_allclose(risk, one.predict(X[100:]), atol=1e-4)


def test_gbcox_staged_path_equals_fresh_fit_with_that_many_trees():
    from sksurv.ensemble import GradientBoostingSurvivalAnalysis

    X, t, e = surv_data()
    y = B.survival_target(t, e)
    fam = B.GBCox(grid=(5, 10))
    path, _ = fam.path_proba(X[:100], y[:100], X[100:], [5, 10], 0, None, max_depth=2, learning_rate=0.1)
    for n, risk in zip([5, 10], path):
        fresh = GradientBoostingSurvivalAnalysis(n_estimators=n, max_depth=2, learning_rate=0.1, subsample=0.8,
                                                 random_state=0).fit(X[:100], y[:100])
        np.testing.assert_allclose(risk, fresh.predict(X[100:]), atol=1e-12)


def test_survival_selection_nested_ignores_test_rows_and_records_complete():
    X, t, e = surv_data()
    y = B.survival_target(t, e)
    fams = B.families(["coxnet", "gbcox"], C_grid=(0.01, 0.03, 0.1), trees=(5, 10, 20))
    outer = [(np.arange(0, 110), np.arange(110, 150))]
    rec1, risk1 = B.nested(X, y, outer, families_=fams, scoring="c_index", inner_folds=3)
    X2, t2 = X.copy(), t.copy()
    X2[110:] = np.random.default_rng(3).normal(0, 20, (40, X.shape[1]))
    t2[110:] = t2[110:][::-1]
    rec2, _ = B.nested(X2, B.survival_target(t2, e), outer, families_=fams, scoring="c_index", inner_folds=3)
    assert rec1.loc[0, ["family", "hyperparameters", "inner_score"]].to_dict() == \
        rec2.loc[0, ["family", "hyperparameters", "inner_score"]].to_dict()
    assert not [k for k in B.RECORD_KEYS if k not in rec1.columns]
    assert rec1.loc[0, "family"] in ("coxnet", "gbcox") and risk1[0].shape == (40,)
    # on the test rows the chosen model ranks patients nearly as well as the true linear predictor (the oracle)
    oracle = B.scorer("c_index")(y[110:], 1.5 * X[110:, 0] - X[110:, 1])
    assert B.scorer("c_index")(y[110:], risk1[0]) > oracle - 0.05


# ----------------------------------------------------------------------------- clustering

def test_consensus_matrix_hand_computed_with_a_fixed_clusterer():
    # a clusterer that splits by the sign of the first column: rows 0-1 negative, 2-3 positive; every
    # resample keeps its pairs together or apart the same way, so M is exactly block-diagonal where sampled
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    M = B.consensus_matrix(X, 2, n_resamples=20, frac=0.75, cluster=lambda Z, k, s: (Z[:, 0] > 0).astype(int))
    expected = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]], float)
    np.testing.assert_array_equal(M, expected)
    assert B.pac(M) == 0.0


def test_pac_hand_computed():
    M = np.array([[1, 0.5, 0.95], [0.5, 1, 0.05], [0.95, 0.05, 1]])
    assert B.pac(M) == pytest.approx(1 / 3)          # one of three pairs (0.5) lies in (0.1, 0.9)


def test_consensus_clustering_recovers_three_separated_blobs():
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score

    # equidistant centres: any 2-cluster split merges a different pair from resample to resample (ambiguous)
    centres = 6 * np.eye(3, 5)
    X, truth = make_blobs(90, 5, centers=centres, cluster_std=0.5, random_state=0)
    res = B.consensus_clustering(X, ks=(2, 3, 4), n_resamples=15)
    assert res.k == 3 and adjusted_rand_score(truth, res.labels) == pytest.approx(1.0)
    assert adjusted_rand_score(truth, B.pca_kmeans(X, 3, n_components=2)) == pytest.approx(1.0)


def test_coxnet_penalty_too_small_for_the_solver_is_scored_out_not_raised():
    # event order fully determined by x0 on a large scale: scikit-survival's Coxnet overflows (ArithmeticError)
    # below alpha = 1 here; those penalties get no score and count as warnings, the search goes on
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5)) * 100
    y = B.survival_target(np.exp(-X[:, 0]), np.ones(40, bool))
    fam = B.CoxNet(0.5, grid=(1e-2, 1.0, 10.0))
    risks, n_failed = fam.path_proba(X, y, X, [1e-2, 1.0, 10.0], 0, None, l1_ratio=0.5)
    assert risks[0] is None and risks[1] is not None and n_failed >= 1
    # the search over the same data does not raise, and its refit at the choice succeeded
    sel = B.select(X, y, [fam], scoring="c_index", inner_folds=2, max_widen=0)
    assert np.isfinite(sel.record["inner_score"]) and sel.predict_proba(X).shape == (40,)
    # a refit asked for a penalty the solver cannot reach on these rows stops at the smallest it reached, says so
    # with a ConvergenceWarning, and predicts there (the path fit at alpha = 1 is the oracle)
    with pytest.warns(ConvergenceWarning, match="overflowed below penalty 1"):
        est = fam.estimator(1e-2, 0, None).fit(X, y)
    assert est.alpha_ == 1.0
    np.testing.assert_allclose(est.predict(X), risks[1], rtol=1e-6, atol=1e-9)


def test_record_summary_hand_counted():
    rec = pd.DataFrame([
        {"family": "ridge", "preprocessing": "a", "hyperparameters": "C=0.1", "path_param": "C", "at_edge": "",
         "n_widen": 0, "convergence_warnings": 1, "warnings_at_choice": 0, "inner_score": 0.7},
        {"family": "lightgbm", "preprocessing": "b", "hyperparameters": "num_leaves=4, learning_rate=0.05, "
         "n_estimators=50", "path_param": "n_estimators", "at_edge": "high", "n_widen": 2,
         "convergence_warnings": 0, "warnings_at_choice": 0, "inner_score": 0.6},
        {"family": "ridge", "preprocessing": "a", "hyperparameters": "C=1", "path_param": "C", "at_edge": "",
         "n_widen": 1, "convergence_warnings": 0, "warnings_at_choice": 2, "inner_score": 0.8}])
    s = B.record_summary(rec)
    assert s["choices"] == "ridge on a (2 of 3); lightgbm (num_leaves=4, learning_rate=0.05) on b (1 of 3)"
    assert (s["n_fits"], s["at_edge"], s["n_widened"], s["warnings"]) == (3, 1, 2, 3)
    assert (s["inner_min"], s["inner_max"]) == (0.6, 0.8)
    # one preprocessing: not named
    assert B.record_summary(rec.assign(preprocessing="a"))["choices"].startswith("ridge (2 of 3); lightgbm (")


def test_coxnet_refit_at_a_small_penalty_equals_its_path_prediction():
    # a small penalty fitted cold can overflow; the refit walks the grid's larger penalties down to it, so its
    # default prediction equals the path's at that penalty (the path fit is the oracle)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((120, 6))
    y = B.survival_target(rng.exponential(np.exp(-X[:, 0])), rng.random(120) < 0.7)
    fam = B.CoxNet(0.5, grid=(1e-3, 1e-2, 1e-1))
    path, _ = fam.path_proba(X, y, X, list(fam.grid), 0, None)
    est = fam.estimator(1e-3, 0, None).fit(X, y)
    np.testing.assert_allclose(est.predict(X), path[0], rtol=1e-6, atol=1e-9)
