"""Grid-job result files: lossless round trip, ids, and clear errors on missing or mismatched units."""

import numpy as np
import pandas as pd
import pytest

from omicslib import gridjobs


def test_round_trip_keeps_arrays_frames_tuples_and_non_string_keys(tmp_path):
    frame = pd.DataFrame({"a": [1, 2], "b": [0.1, np.nan], "c": ["x", "y"]})
    result = {"prob": np.array([[0.25, 0.75], [1 / 3, 2 / 3]], dtype=np.float32), "frame": frame,
              "series": pd.Series([1.5, 2.5], index=["u", "v"], name="s"), "key": (300, "EXP", 4),
              "by_tuple": {(1, "a"): 2.0}, "nan": float("nan"), "n": np.int64(7), "none": None}
    path = gridjobs.dump(result, tmp_path / "K300-fold4.json", job="K300-fold4", config={"k_grid": (100, 300)})
    back = gridjobs.load(path)
    assert back["job"] == "K300-fold4" and back["config"] == {"k_grid": (100, 300)}
    r = back["result"]
    assert r["prob"].dtype == np.float32 and np.array_equal(r["prob"], result["prob"])
    pd.testing.assert_frame_equal(r["frame"], frame)
    pd.testing.assert_series_equal(r["series"], result["series"])
    assert r["key"] == (300, "EXP", 4) and r["by_tuple"] == {(1, "a"): 2.0}
    assert np.isnan(r["nan"]) and r["n"] == 7 and isinstance(r["n"], int) and r["none"] is None


def test_job_ids_round_trip_and_reject_path_characters():
    assert gridjobs.job_id(K=300, fold=4, seed=0) == "K300-fold4-seed0"
    assert gridjobs.parse_job("K300-fold4-seed0", K=int, fold=int, seed=int) == {"K": 300, "fold": 4, "seed": 0}
    with pytest.raises(ValueError, match="may only hold"):
        gridjobs.job_id(method="a/b")
    with pytest.raises(ValueError, match="should start with 'fold'"):
        gridjobs.parse_job("K300-seed4", K=int, fold=int)


def test_collect_names_missing_files_and_config_mismatch(tmp_path):
    gridjobs.dump({"x": 1}, tmp_path / "fold0.json", job="fold0", config={"epochs": 3})
    assert gridjobs.collect(tmp_path, ["fold0"], {"epochs": 3}) == {"fold0": {"x": 1}}
    with pytest.raises(FileNotFoundError, match=r"1 of 2 grid-job files missing, e.g. \['fold1'\]"):
        gridjobs.collect(tmp_path, ["fold0", "fold1"], {"epochs": 3})
    with pytest.raises(ValueError, match=r"fold0.json was computed with another config \(differs in \['epochs'\]\)"):
        gridjobs.collect(tmp_path, ["fold0"], {"epochs": 5})
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="bad.json: not readable JSON"):
        gridjobs.load(tmp_path / "bad.json")


def test_empty_and_integer_labelled_frames_round_trip(tmp_path):
    frames = [pd.DataFrame(), pd.DataFrame({0: [1.0], 1: [2.0]}, index=[5]), pd.DataFrame({"a": pd.Series([], dtype=float)})]
    gridjobs.dump(frames, tmp_path / "f.json", job="f", config={})
    for back, frame in zip(gridjobs.load(tmp_path / "f.json")["result"], frames):
        pd.testing.assert_frame_equal(back, frame, check_index_type=False)


def test_large_numeric_arrays_are_stored_exactly_as_bytes(tmp_path):
    rng = np.random.default_rng(0)
    weights = {"w": rng.normal(size=(300, 200)).astype(np.float32), "i": np.arange(1000, dtype=np.int64),
               "mask": rng.random(500) > 0.5, "small": np.array([0.1, 0.2])}
    path = gridjobs.dump(weights, tmp_path / "u.json", job="u", config={})
    back = gridjobs.load(path)["result"]
    for k, v in weights.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape and np.array_equal(back[k], v)
        assert back[k].flags.writeable
    # base64 of float32 bytes: about 4/3 x 4 bytes per value, not ~20 characters of JSON text
    assert path.stat().st_size < 1.5 * 4 * weights["w"].size + 20_000
    assert '"small": {"__ndarray__": [0.1, 0.2]' in path.read_text()


def test_digest_tells_values_shapes_dtypes_and_labels_apart():
    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    base = gridjobs.digest(x, np.array(["a", "b"], dtype=object))
    assert base == gridjobs.digest(x.copy(), np.array(["a", "b"]))            # labels compared as text
    assert base != gridjobs.digest(x.reshape(3, 2), np.array(["a", "b"]))
    assert base != gridjobs.digest(x.astype(np.float32), np.array(["a", "b"]))
    assert base != gridjobs.digest(x + 1, np.array(["a", "b"]))
    assert base != gridjobs.digest(x, np.array(["a", "c"]))
