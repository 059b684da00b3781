"""p2 expression preprocessing: formulas, fit-on-train-only, and the authors' leak variant."""

import numpy as np
import pytest

from omicslib.papers.p2_fusion import preprocess as pp


def test_shiftlog_formula():
    X = np.array([[-2.0, 1.0], [0.0, 3.0]])
    t = pp.ShiftLog().fit(X)
    assert t.shift_ == 3.0  # |min| + 1
    np.testing.assert_allclose(t.transform(X), np.log1p(X + 3.0))
    pos = np.array([[0.5, 2.0], [1.0, 4.0]])
    np.testing.assert_allclose(pp.ShiftLog().fit(pos).transform(pos), np.log1p(pos))
    # a test value below the training minimum is clipped, never NaN
    assert np.isfinite(t.transform(np.array([[-10.0, 0.0]]))).all()
    with pytest.raises(ValueError, match="genes"):
        t.transform(np.zeros((1, 3)))


def test_iqr_removes_then_imputes_with_train_statistics():
    X = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
    iqr = pp.IQROutliers(k=1.5).fit(X)
    q1, q3 = 2.0, 4.0
    assert iqr.upper_[0] == q3 + 1.5 * (q3 - q1) and iqr.lower_[0] == q1 - 1.5 * (q3 - q1)
    out = iqr.transform(X)
    assert np.isnan(out[4, 0]) and not np.isnan(out[:4]).any()
    assert pp.IQROutliers(action="clip").fit(X).transform(X)[4, 0] == 7.0
    with pytest.raises(ValueError, match="action"):
        pp.IQROutliers(action="drop").fit(X)


def test_pipeline_fitted_on_train_only():
    rng = np.random.default_rng(0)
    train, test = rng.normal(5, 1, (40, 6)), rng.normal(5, 1, (10, 6))
    pipe = pp.expression_pipeline("mean").fit(train)
    z = pipe.named_steps["shiftlog"].transform(train)
    np.testing.assert_allclose(pipe.named_steps["zscore"].mean_, z.mean(0))
    # test rows are transformed with the training statistics: changing them changes nothing fitted
    before = pipe.transform(train)
    pipe2 = pp.expression_pipeline("mean").fit(train)
    _ = pipe2.transform(test * 100)
    np.testing.assert_allclose(pipe2.transform(train), before)
    # the authors' variant differs as soon as the test rows shift the statistics
    leak = pp.fit_transform_all(np.vstack([train, test + 3]))[:40]
    assert not np.allclose(leak, before)
    tr = pp.expression_pipeline("median").fit_transform(train)
    assert np.isfinite(tr).all() and tr.shape == train.shape


def test_authors_gene_filter():
    import pandas as pd

    X = pd.DataFrame({"a": [0.0, 1.0], "b": [2.0, 3.0], "c": [1.0, 0.0]})
    kept, dropped = pp.authors_gene_filter(X)
    assert list(kept.columns) == ["b"] and dropped == ["a", "c"]
    with pytest.raises(ValueError, match="impute"):
        pp.expression_pipeline("mode")
