"""p1 grid as jobs: ids from the config only, and units computed by jobs read back to the in-process numbers."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omicslib.book import runner
from omicslib.papers import p1_crossmodal as P

ROOT = Path(__file__).resolve().parents[3]
NB = "p1_02_crossmodal_grid"
# smoke profile, two K and two folds of the synthetic data: four units
SETTINGS = dict(device="cpu", seed=0, data_source="synthetic", config_overrides={"k_grid": (300, 1500), "n_folds": 2})


@pytest.fixture(scope="module")
def jobs():
    return runner.jobs_module(ROOT, "p1_crossmodal")   # as the workflow loads it: from its file


def test_job_ids_come_from_the_config_only(jobs):
    paper = jobs.jobs(NB, "paper", device="cuda", data_source="full")   # no data read: the full data need not exist
    cfg = P.config("paper")
    assert len(paper) == 20 == len(cfg.k_grid) * cfg.n_folds
    assert len(set(paper)) == 20 and paper[0] == "K300-fold0-seed0" and paper[-1] == "K1500-fold4-seed0"
    assert jobs.jobs(NB, "paper", seed=3)[0] == "K300-fold0-seed3"
    assert jobs.jobs(NB, "smoke", **SETTINGS) == ["K300-fold0-seed0", "K300-fold1-seed0", "K1500-fold0-seed0",
                                                  "K1500-fold1-seed0"]
    assert jobs.jobs("p1_01_data_selection", "paper") == [] == jobs.jobs("p3_01_anything", "quick", seed=1)


def test_grid_via_jobs_equals_grid_in_process(jobs, tmp_path):
    data = P.load_data("synthetic", seed=0)
    cfg = P.config("smoke", seed=0, **SETTINGS["config_overrides"])
    prep = P.prepare(data, cfg)
    here = P.run_grid(prep, cfg, "cpu")
    for job in jobs.jobs(NB, "smoke", **SETTINGS):
        jobs.run(NB, job, "smoke", tmp_path / f"{job}.json", **SETTINGS)
    read = P.run_grid(prep, cfg, "cpu", jobs_dir=tmp_path, data_source="synthetic", provenance=data.provenance)

    assert len(here.folds) == 4 * len(cfg.variants)
    pd.testing.assert_frame_equal(read.folds.drop(columns="seconds"), here.folds.drop(columns="seconds"))
    pd.testing.assert_frame_equal(read.diagnostics, here.diagnostics)
    pd.testing.assert_frame_equal(read.gate_trajectory, here.gate_trajectory)
    assert read.probs.keys() == here.probs.keys() and read.histories.keys() == here.histories.keys()
    for key, prob in here.probs.items():
        assert read.probs[key].dtype == prob.dtype and np.array_equal(read.probs[key], prob)
        for stage, hist in here.histories[key].items():
            if hist is None:
                assert read.histories[key][stage] is None
            else:
                pd.testing.assert_frame_equal(read.histories[key][stage], hist, check_index_type=False)
    for r_read, r_here in zip(read.rankings, here.rankings, strict=True):
        for m in ("exp", "cna"):
            pd.testing.assert_frame_equal(r_read[m].table, r_here[m].table, check_index_type=False)
            assert r_read[m].top(5) == r_here[m].top(5) and r_read[m].n_nonzero == r_here[m].n_nonzero
    assert read.config == here.config and read.seconds > 0
    # everything downstream reads the same numbers
    pd.testing.assert_frame_equal(P.table4(read.folds).drop(columns="seconds", errors="ignore"),
                                  P.table4(here.folds).drop(columns="seconds", errors="ignore"))

    # units of another config, data source or data, or a missing unit, are errors, never silently mixed
    with pytest.raises(ValueError, match=r"another config \(differs in \['focal_gamma'\]\)"):
        P.run_grid(prep, replace(cfg, focal_gamma=1.0), "cpu", jobs_dir=tmp_path, data_source="synthetic",
                   provenance=data.provenance)
    with pytest.raises(ValueError, match=r"differs in \['data_source'\]"):
        P.run_grid(prep, cfg, "cpu", jobs_dir=tmp_path, data_source="auto", provenance=data.provenance)
    with pytest.raises(ValueError, match=r"differs in \['provenance'\]"):
        P.run_grid(prep, cfg, "cpu", jobs_dir=tmp_path, data_source="synthetic",
                   provenance=replace(data.provenance, kind="real-subset"))
    with pytest.raises(ValueError, match="needs data_source and the data's provenance"):
        P.run_grid(prep, cfg, "cpu", jobs_dir=tmp_path)
    with pytest.raises(ValueError, match="ablations in the notebook"):
        P.run_grid(prep, cfg, "cpu", jobs_dir=tmp_path, identity=True, data_source="synthetic",
                   provenance=data.provenance)
    with pytest.raises(FileNotFoundError, match=r"missing, e.g. \['K300-fold2-seed0', 'K1500-fold2-seed0'\]"):
        P.run_grid(prep, replace(cfg, n_folds=3), "cpu", jobs_dir=tmp_path, data_source="synthetic",
                   provenance=data.provenance)
    with pytest.raises(ValueError, match="not a unit of this grid"):
        jobs.run(NB, "K600-fold0-seed0", "smoke", tmp_path / "x.json", **SETTINGS)
