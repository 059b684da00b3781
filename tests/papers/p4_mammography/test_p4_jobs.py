"""p4 heavy grids as jobs: a fold computed by a grid job and read back equals the fold trained in process;
the grid sizes; the rehearsal's capped synthetic cohort."""

import numpy as np
import pandas as pd
import pytest
import torch

from omicslib.papers import p4_mammography as P
from omicslib.papers.p4_mammography import jobs as J
from omicslib.runtime import set_threads

set_threads(1)
NB2, NB3 = "p4_02_subtype_models", "p4_03_model_comparison"


@pytest.fixture(autouse=True)
def no_cap(monkeypatch):
    monkeypatch.delenv("OMICSLIB_MAX_STEPS", raising=False)


def via_jobs(notebook, tmp_path, **settings):
    ids = J.jobs(notebook, "smoke", **settings)
    for job in ids:
        J.run(notebook, job, "smoke", tmp_path / f"{job}.json", device="cpu", **settings)
    assert sorted(p.stem for p in tmp_path.glob("*.json") if not p.stem.startswith("_")) == sorted(ids)
    assert len(list(tmp_path.glob("_cohort-*.json"))) == 1   # built by the first job, read by the others
    return ids


def assert_same(a: P.CVResult, b: P.CVResult):
    pd.testing.assert_frame_equal(a.fold_metrics(), b.fold_metrics())
    assert a.build == b.build and [f.k for f in a.folds] == [f.k for f in b.folds]
    for fa, fb in zip(a.folds, b.folds):
        np.testing.assert_array_equal(fa.val_prob, fb.val_prob)
        np.testing.assert_array_equal(fa.test_prob, fb.test_prob)
        np.testing.assert_array_equal(fa.val, fb.val)
        assert fa.history.train_loss == fb.history.train_loss and fa.history.steps == fb.history.steps


def test_comparison_jobs_equal_in_process(tmp_path):
    ids = via_jobs(NB3, tmp_path)
    cfg = J.notebook_config(NB3, "smoke")
    assert ids == [f"taskluminal-arch{a}-fold0-seed21" for a in cfg.archs]
    data, X = P.synthetic(cfg)
    table = data["images"]
    here = P.run_comparison(X, table, cfg)
    read = P.run_comparison(X, table, cfg, jobs_dir=tmp_path)
    assert list(read) == list(here) == list(cfg.tasks)
    for task in here:
        assert list(read[task]) == list(here[task]) == list(cfg.archs)
        for arch in here[task]:
            assert_same(here[task][arch], read[task][arch])
    # units from another config or other images are refused, not mixed in
    with pytest.raises(ValueError, match="epochs"):
        P.run_comparison(X, table, P.Config(**{**cfg.__dict__, "epochs": 2}), jobs_dir=tmp_path)
    with pytest.raises(ValueError, match="data_sha256"):
        P.run_comparison(X + 1, table, cfg, jobs_dir=tmp_path)
    with pytest.raises(ValueError, match="keep_state"):   # these units hold no weights for Grad-CAM
        P.cross_validate(X, table["subtype"], table["patient"], "luminal", cfg, "simple_cnn", keep_state=True,
                         jobs_dir=tmp_path)


def test_model_jobs_keep_the_weights_for_gradcam(tmp_path):
    one = {"config_overrides": {"tasks": ["tn"]}}   # one task: one DenseNet121-CBAM fold with its weights
    ids = via_jobs(NB2, tmp_path, **one)
    assert ids == ["tasktn-archdensenet121_cbam-fold0-seed21"]
    cfg = J.notebook_config(NB2, "smoke", **one)
    data, X = P.synthetic(cfg)
    table = data["images"]
    here = P.run_tasks(X, table, cfg, keep_state=True)["tn"]
    read = P.run_tasks(X, table, cfg, keep_state=True, jobs_dir=tmp_path)["tn"]
    assert_same(here, read)
    state_a, state_b = here.folds[0].state, read.folds[0].state
    assert list(state_a) == list(state_b)
    assert all(torch.equal(state_a[n], state_b[n]) and state_a[n].dtype == state_b[n].dtype for n in state_a)
    x = torch.as_tensor(X[here.split.test])
    with torch.no_grad():
        assert torch.equal(P.best_model(here, cfg)(x), P.best_model(read, cfg)(x))


def test_grid_sizes_and_other_notebooks():
    paper2, paper3 = J.jobs(NB2, "paper"), J.jobs(NB3, "paper", device="cuda", data_source="synthetic")
    assert len(paper2) == 4 * 1 * 5 == 20      # tasks x DenseNet121-CBAM x folds
    assert len(paper3) == 4 * 9 * 5 == 180     # tasks x backbones x folds
    assert len(set(paper3)) == 180 and "taskmulticlass-archvit_b_16-fold4-seed21" in paper3
    assert J.jobs(NB3, "paper", seed=3)[0] == "taskluminal-archdensenet121_cbam-fold0-seed3"
    assert len(J.jobs(NB2, "smoke")) == 4 and len(J.jobs(NB3, "quick")) == 1 * 6 * 1  # quick trains one fold (synthetic)
    for other in ("p4_01_clinical_table", "p4_04_split_leak_audit", "p1_02_crossmodal_grid"):
        assert J.jobs(other, "paper") == []
    with pytest.raises(ValueError, match="not in the grid"):
        J.run(NB3, "taskluminal-archresnet101-fold0-seed21", "smoke", "unused.json")


def test_capped_cohort_is_small(monkeypatch):
    cfg = P.config("paper", "models", allow_random_weights=True)
    assert P.capped_cohort(cfg) == (cfg, "")                    # no cap: the profile's cohort
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "0")
    assert P.capped_cohort(cfg) == (cfg, "")
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "2")
    capped, note = P.capped_cohort(cfg)
    # the rarest CMMD subtype (86/749) expected once in each of 5 validation folds and the test set
    assert capped.n_patients == 53 < cfg.n_patients == 390 and "53 of 390 patients" in note
    assert P.Config(**{**capped.__dict__, "n_patients": 390}) == cfg   # nothing else changes
    data, X = P.synthetic(capped)
    assert X.shape == (106, 1, 224, 224)
    # every class of every task in the test set and each validation fold (seed 21)
    for task in P.TASKS:
        p = P.plan(data["images"]["subtype"], data["images"]["patient"], task, capped)
        k = len(P.TASKS[task].classes)
        assert all(np.unique(p.y[idx]).size == k for idx in [p.split.test, *(va for _, va in p.split.folds)])
    # a large cap needs no fewer images than its steps fill; never more than the profile's cohort
    assert P.capped_cohort(P.Config(**{**cfg.__dict__, "n_patients": 30}))[0].n_patients == 30
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "100")
    assert P.capped_cohort(cfg)[0].n_patients == 390
