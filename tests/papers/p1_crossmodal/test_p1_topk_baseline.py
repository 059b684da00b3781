"""p1: the strongest simple baseline at each K, on the deep model's top-K features (tiny synthetic data)."""

from dataclasses import replace

import numpy as np
import pytest
from p1_toy import toy_loaded

from omicslib.papers import p1_crossmodal as P
from omicslib.papers.p1_crossmodal import baselines as B
from omicslib.papers.p1_crossmodal.data import fit_rows
from omicslib.papers.p1_crossmodal.selection import MutationEncoder

TINY = dict(k_grid=(300, 1500), k_max=6, n_folds=3, cpu_threads=1, n_seeds=1, n_boot=200, baseline_inner_folds=2,
            baseline_C_grid=(0.01, 0.1, 1.0), baseline_l1_grid=(0.0,), baseline_trees=(5, 10, 20),
            baseline_leaves=(4,), baseline_learning_rates=(0.1,))
CHOICE = ["K_paper", "K", "n_features", "family", "feature_set", "hyperparameters", "inner_cv_f1_macro", "at_edge"]


@pytest.fixture(scope="module")
def toy():
    cfg = P.Config(**TINY)
    prep = P.prepare(toy_loaded(n=80, n_exp=10, n_cna=4), cfg)
    return cfg, prep, P.fold_rankings(prep, cfg)


def test_topk_choice_is_unchanged_when_the_holdout_labels_and_features_change(toy):
    cfg, prep, _ = toy
    a = P.run_topk_baselines(prep, cfg)
    test = prep.cv.test
    rng = np.random.default_rng(7)
    y2 = prep.y.copy()
    y2[test] = rng.permutation(y2[test])[::-1]
    exp2, cna2 = prep.exp.copy(), prep.cna.copy()
    exp2.iloc[test] = 100 * rng.normal(size=(len(test), exp2.shape[1]))
    cna2.iloc[test] = rng.integers(-2, 3, size=(len(test), cna2.shape[1]))
    b = P.run_topk_baselines(replace(prep, y=y2, exp=exp2, cna=cna2), cfg)
    assert a.tuned[CHOICE].equals(b.tuned[CHOICE])
    assert a.columns == b.columns
    # the hold-out did change: the scores on it differ, so the test could have failed
    assert not np.allclose(np.concatenate(list(a.probs.values())), np.concatenate(list(b.probs.values())))


def test_topk_refit_columns_are_each_folds_elasticnet_topk_and_mutation_vocabulary(toy):
    cfg, prep, rankings = toy
    topk = P.run_topk_baselines(prep, cfg, rankings)
    assert list(topk.tuned["K_paper"]) == list(cfg.k_grid)
    for kp in cfg.k_grid:
        k = prep.k_map[kp]
        for fold in range(cfg.n_folds):
            rows = fit_rows(prep, fold, cfg)
            vocab = MutationEncoder(cfg.mut_min_count).fit(prep.mutations, prep.samples[rows]).features_
            want = ([f"exp:{g}" for g in rankings[fold]["exp"].top(k)]
                    + [f"cna:{g}" for g in rankings[fold]["cna"].top(min(k, prep.cna.shape[1]))]
                    + [f"mut:{m}" for m in vocab])
            assert topk.columns[(kp, fold)] == want
        t = topk.tuned.set_index("K_paper").loc[kp]
        assert (t["n_exp"], t["n_cna"]) == (k, min(k, prep.cna.shape[1]))
    assert set(topk.probs) == {(kp, f) for kp in cfg.k_grid for f in range(cfg.n_folds)}


def test_topk_feature_set_candidates_are_all_topk_columns_or_the_topk_expression_genes(toy):
    cfg, prep, rankings = toy
    k = prep.k_map[cfg.k_grid[0]]
    X, names = B.topk_features(prep, rankings[0], k, fit_rows(prep, 0, cfg), cfg)
    sets = dict(zip(cfg.baseline_feature_sets, B.feature_sets(prep, cfg, n_exp=k).values()))
    exp_only = sets["exp"]().fit(X)
    assert exp_only.transform(X).shape[1] == k == sum(n.startswith("exp:") for n in names)
    np.testing.assert_allclose(exp_only.transform(X)[:, 0], (X[:, 0] - X[:, 0].mean()) / X[:, 0].std(), rtol=1e-5)
    assert sets["all"]().fit(X).transform(X).shape[1] == len(names)
