import numpy as np
import pytest

from omicslib.splits import check_disjoint, grouped_kfold, holdout_kfold, stratified_kfold


def test_holdout_kfold_is_disjoint_stratified_and_deterministic():
    y = np.r_[np.zeros(80), np.ones(40), np.full(30, 2)].astype(int)
    cv = holdout_kfold(y, test_size=0.2, n_splits=5, seed=7)
    assert len(cv.test) == 30 and len(cv.train) == 120
    check_disjoint(cv.train, cv.test)
    for tr, va in cv.folds:
        check_disjoint(tr, va, cv.test)
        assert set(tr) | set(va) == set(cv.train)
    assert np.bincount(y[cv.test]).tolist() == [16, 8, 6]
    vals = np.concatenate([va for _, va in cv.folds])
    assert sorted(vals) == sorted(cv.train)  # every training row validates exactly once
    again = holdout_kfold(y, 0.2, 5, seed=7)
    assert np.array_equal(again.test, cv.test)
    assert not np.array_equal(holdout_kfold(y, 0.2, 5, seed=8).test, cv.test)


def test_grouped_splits_never_share_a_patient():
    rng = np.random.default_rng(0)
    patients = np.repeat(np.arange(60), 2)  # CC + MLO view per patient
    y = np.repeat(rng.integers(0, 2, 60), 2)
    cv = holdout_kfold(y, 0.2, 5, seed=0, groups=patients)
    check_disjoint(cv.train, cv.test, groups=patients)
    for tr, va in cv.folds:
        check_disjoint(tr, va, cv.test, groups=patients)
    for tr, te in grouped_kfold(y, patients, 5, seed=1):
        check_disjoint(tr, te, groups=patients)


def test_check_disjoint_detects_overlap():
    with pytest.raises(AssertionError, match="share 1 indices"):
        check_disjoint([1, 2], [2, 3])
    with pytest.raises(AssertionError, match="groups"):
        check_disjoint([0], [1], groups=np.array(["p1", "p1"]))


def test_stratified_kfold_covers_every_sample_once():
    y = np.arange(50) % 2
    tests = np.concatenate([te for _, te in stratified_kfold(y, 5, 0)])
    assert sorted(tests) == list(range(50))
