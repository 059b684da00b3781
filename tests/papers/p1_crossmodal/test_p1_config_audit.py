"""p1: config validation, the encoder's permutation equivariance, reconstruction vs the mean, gate
trajectories and the fusion blocker, zero-coefficient fill, baselines that never drop silently, the
paper's inconsistencies recomputed from its reference file, and the claims."""

import math
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
from p1_toy import toy_loaded as _toy_loaded

from omicslib.book import reference
from omicslib.papers import p1_crossmodal as P
from omicslib.papers.p1_crossmodal import analysis, protocol
from omicslib.papers.p1_crossmodal import baselines as B
from omicslib.papers.p1_crossmodal.model import ModalityEncoder
from omicslib.papers.p1_crossmodal.selection import elasticnet_ranking

TINY = dict(k_grid=(300, 1500), k_max=6, d_model=8, n_heads=2, ffn_hidden=8, hidden=8, s1_epochs=1, s2_epochs=2,
            s3_epochs=2, batch_size=32, n_folds=3, cpu_threads=1, baseline_C_grid=(0.1,), baseline_l1_grid=(0.5,),
            baseline_inner_folds=2, n_seeds=1, n_boot=200)


# ----------------------------------------------------------------------------- config

def test_profiles_and_overrides():
    assert P.config("paper") == P.Config()
    q = P.config("quick", seed=3)
    assert (q.d_model, q.k_max, q.s2_epochs, q.seed, q.n_seeds, q.k_grid) == (16, 160, 3, 3, 3, (300, 500, 1000))
    assert q.audit_k in q.k_grid and P.config("paper").audit_k is None and P.config("smoke").n_seeds == 1
    assert P.config("smoke").max_samples == 120
    with pytest.raises(ValueError, match="unknown config keys"):
        P.config("quick", d_modell=8)
    with pytest.raises(ValueError, match="profile"):
        P.config("fast")


@pytest.mark.parametrize("field, value", [("test_size", 1.2), ("n_folds", 1), ("ranking_scope", "all"),
                                          ("variants", ("EXP", "RNA")), ("d_model", 10), ("k_grid", (500, 300)),
                                          ("dropout", 1.0), ("mask_start", 0.5), ("equivalence_margin", 0.0),
                                          ("gate_lr", 0.0), ("n_seeds", 0), ("audit_k", 700)])
def test_invalid_config_names_the_field(field, value):
    with pytest.raises(ValueError, match=f"Config.{field}"):
        P.Config(**{field: value})


def test_config_is_frozen():
    from dataclasses import FrozenInstanceError

    with pytest.raises(FrozenInstanceError):
        P.Config().seed = 2


# ------------------------------------------- encoder: the paper's shared scalar embedding cannot tell genes apart

@pytest.mark.numerics
def test_paper_encoder_is_permutation_equivariant_and_cannot_tell_masked_genes_apart():
    # float64: permuting the tokens permutes the terms of the attention sums, whose float32 rounding then
    # depends on the CPU kernel's summation order (measured up to 9e-5 relative); in float64 it stays below
    # 1e-12, so 1e-10 is portable and still fails on a real loss of equivariance (differences of order 1)
    torch.manual_seed(0)
    enc = ModalityEncoder(16, 4, 32, 0.1, 0.05, 1.0, 4).eval().double()
    x = torch.randn(3, 9, dtype=torch.float64)
    perm = torch.randperm(9)
    torch.testing.assert_close(enc(x)[:, perm], enc(x[:, perm]), rtol=1e-10, atol=1e-10)
    mask = torch.zeros(3, 9, dtype=torch.bool)
    mask[:, [1, 4, 7]] = True
    rec = enc.recon(enc(x, mask)).squeeze(-1)
    for i in range(3):  # every masked position of a sample gets the same reconstruction
        torch.testing.assert_close(rec[i, 4], rec[i, 1])
        torch.testing.assert_close(rec[i, 7], rec[i, 1])


def test_identity_embedding_breaks_equivariance():
    torch.manual_seed(0)
    enc = ModalityEncoder(16, 4, 32, 0.1, 0.05, 1.0, 4, n_features=9).eval()
    x = torch.randn(3, 9)
    perm = torch.arange(9).roll(1)
    assert not torch.allclose(enc(x)[:, perm], enc(x[:, perm]))
    mask = torch.zeros(3, 9, dtype=torch.bool)
    mask[:, [1, 4]] = True
    rec = enc.recon(enc(x, mask)).squeeze(-1)
    assert not torch.allclose(rec[:, 1], rec[:, 4])
    with pytest.raises(ValueError, match="feature identities"):
        enc(torch.randn(3, 8))


def test_masked_reconstruction_scores_the_training_mean_by_hand():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6)).astype(np.float32)
    tr, va = np.arange(30), np.arange(30, 40)
    enc = protocol.Encoders(P.Config(d_model=8, n_heads=2, ffn_hidden=8), ["exp"], 4)
    out = protocol.masked_reconstruction(enc, X, "exp", tr, va, 0.5, "cpu", seed=3)
    mask = (torch.rand((10, 6), generator=torch.Generator().manual_seed(3)) < 0.5).numpy()
    want = float(((X[tr].mean(0)[None, :].repeat(10, 0) - X[va])[mask] ** 2).mean())
    assert out["mean_mse"] == pytest.approx(want, rel=1e-5)
    assert out["within_sample_sd"] == pytest.approx(0.0, abs=1e-5)   # the paper's encoder
    assert out["rec_over_mean"] == pytest.approx(out["rec_mse"] / out["mean_mse"])


# ---------------------- ranking: ties and zero-coefficient fill by a stated rule; warnings counted, not silenced

def test_ranking_ties_keep_column_order_and_zero_fill_is_counted():
    rng = np.random.default_rng(0)
    y = np.arange(80) % 4
    X = pd.DataFrame(rng.normal(size=(80, 8)), columns=[f"z{i}" for i in range(8)])
    X["sig"] = 3 * y + rng.normal(size=80)
    r = elasticnet_ranking(X, y, np.arange(80), C=0.02)
    assert r.n_nonzero == 1 and r.top(3) == ["sig", "z0", "z1"]
    assert r.top(1) == ["sig"]
    zero = r.table[r.table["importance"] == 0]["feature"].tolist()
    assert zero == [c for c in X.columns if c in zero]            # column order among ties
    assert r.n_zero_in_top(len(X.columns)) == len(zero)
    assert r.n_zero_in_top(1) == 0


def test_elasticnet_convergence_warnings_are_counted_not_silenced():
    rng = np.random.default_rng(0)
    y = np.arange(60) % 4
    X = pd.DataFrame(rng.normal(size=(60, 5)), columns=list("abcde"))
    r = elasticnet_ranking(X, y, np.arange(60), max_iter=1)
    assert r.n_convergence_warnings >= 1


# ----------------------------------------------------------------------------- protocol: gates, independence

def test_gate_trajectory_and_fusion_blocker():
    data = _toy_loaded(n=60, n_exp=10, n_cna=4)
    cfg = P.Config(**TINY)
    res = P.run_grid(P.prepare(data, cfg), cfg)
    traj = res.gate_trajectory
    for _, g in traj.groupby(["K_paper", "variant", "fold"]):
        assert g["epoch"].tolist() == list(range(cfg.s2_epochs + 1))
        assert g["gate_cna"].iloc[0] == pytest.approx(0.5) and g["kept"].sum() == 1
    move = P.gate_movement(res.folds, cfg)
    assert move > 0
    assert P.fusion_blocker(res.folds, replace(cfg, gate_min_move=2 * move)).startswith("fusion untrained")
    assert P.fusion_blocker(res.folds, replace(cfg, gate_min_move=move / 2)) == ""
    diag = res.diagnostics
    assert len(diag) == len(cfg.k_grid) * cfg.n_folds and (diag["exp_mean_mse"] > 0).all()


def test_exp_only_variant_is_independent_of_cna_when_trained_alone():
    data = _toy_loaded(n=60, n_exp=10, n_cna=4)
    cfg = replace(P.Config(**TINY), variants=("EXP",))
    prep = P.prepare(data, cfg)
    a = P.run_grid(prep, cfg).folds["f1_macro"].to_numpy()
    prep.cna.iloc[:, :] = np.random.default_rng(9).integers(-2, 3, size=prep.cna.shape)
    b = P.run_grid(prep, cfg).folds["f1_macro"].to_numpy()
    np.testing.assert_allclose(a, b)


# ------------------------------------------- baselines: the strongest simple baseline, no row dropped silently

def test_baselines_never_drop_a_row_silently_and_tune_on_training_rows():
    data = _toy_loaded(n=80, n_exp=10, n_cna=4)
    cfg = P.Config(**TINY)
    prep = P.prepare(data, cfg)
    centroids = pd.DataFrame(np.eye(4), index=["X1", "X2", "X3", "X4"], columns=list(P.SUBTYPES))
    with pytest.warns(UserWarning, match="PAM50"):
        b = P.run_baselines(prep, 1500, cfg, centroids=centroids)
    assert b.skipped and "PAM50" in b.skipped[0]
    assert set(b.scores["method"]) == {B.TOPK_LR, B.EARLY_MLP, B.TUNED_LR}
    assert len(b.tuned) == 1 and (b.tuned["n_features"] > prep.exp.shape[1]).all()
    assert set(b.probs) == {(m, f) for m in (B.TOPK_LR, B.EARLY_MLP, B.TUNED_LR) for f in range(cfg.n_folds)}
    assert not b.tuned["C_interior"].item()                       # a one-value grid has no interior
    # the inner CV sees only the fold's training rows: changing the other rows leaves the choice unchanged
    tr = prep.cv.folds[0][0]
    X = B.all_features(prep, tr, cfg)
    small = replace(cfg, baseline_C_grid=(0.01, 0.1, 1.0), baseline_trees=())
    s1, _ = B.strongest_search(X, prep.y, tr, prep, small, 0)
    X2 = X.copy()
    other = np.setdiff1d(np.arange(len(X)), tr)
    X2[other] = 100 * np.random.default_rng(1).normal(size=(len(other), X.shape[1]))
    s2, _ = B.strongest_search(X2, prep.y, tr, prep, small, 0)
    assert s1.record["hyperparameters"] == s2.record["hyperparameters"]
    assert s1.record["inner_score"] == pytest.approx(s2.record["inner_score"])
    assert P.strongest_baseline(b.scores) in {B.TOPK_LR, B.EARLY_MLP, B.TUNED_LR}


# ---------------------------------------------------------- the paper's values: read from the one reference file

def test_reference_file_holds_every_value_the_code_reads():
    ref = reference.load("p1")
    for k in P.PAPER_K_GRID:
        for v in P.PAPER_VARIANTS:
            for m in P.METRICS:
                assert analysis.t4_key(k, v, m) in ref.index
    assert reference.value("p1", "t4_k1000_exp_cna_f1_macro") == pytest.approx(0.8589)
    assert reference.value("p1", "t7_deepmo_accuracy") == pytest.approx(0.782)
    assert P.paper_confusion().to_numpy().sum() == reference.value("p1", "t6_macro_support")


def test_paper_holm_is_not_step_down_holm_of_its_raw_p():
    h = P.holm_check()
    np.testing.assert_allclose(h["holm_recomputed"], [0.09, 0.408, 0.408], atol=1e-9)
    assert h["paper_holm"].tolist() == [0.089, 0.41, 0.25]
    assert "step-down" in reference.row("p1", "holm_k1000v1500")["note"]


def test_table6_precisions_disagree_with_figure6_for_three_classes():
    t = P.table6_vs_figure6()
    prec = t[t["metric"] == "precision"].set_index("class")
    np.testing.assert_allclose(prec.loc[["Basal", "Her2", "LumB"], "figure6_recomputed"].round(4),
                               [0.9531, 0.6965, 0.8411])
    assert sorted(prec.index[~prec["agrees_at_4_decimals"]]) == ["Basal", "Her2", "LumB"]
    assert t[t["metric"] != "precision"]["agrees_at_4_decimals"].all()


# ----------------------------------------------------------------------------- claims

def test_paired_arms_must_pair_and_tests_reject_length_mismatch():
    with pytest.raises(ValueError, match="equal lengths"):
        analysis._test_or_nan(lambda *g: None, [1, 2, 3], [1, 2])
    assert analysis._test_or_nan(lambda *g: 1, [1.0, 2.0], [1.0, 2.0]) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(analysis.comparison(np.ones(3), np.ones(3))["p_paper_test"])


def test_benchmark_runs_one_configuration():
    from omicslib.benchmarks import p1 as bench

    r = bench.bench(4, 2, 3, "EXP+CNA+MUT", P.config("smoke"), torch.device("cpu"), 8, 1)
    assert r["K"] == 4 and r["samples_per_s"] > 0


def test_no_paper_value_is_typed_in_the_package_or_notebooks():
    from pathlib import Path

    root = Path(P.__file__).parent
    texts = [p.read_text() for p in root.glob("*.py")]
    texts += [p.read_text() for p in (root.parents[2] / "notebooks" / "p1_crossmodal").glob("*.py")]
    ref = reference.load("p1")
    distinctive = [v for v in ref["value"] if "." in v and len(v.lstrip("+-")) >= 5]   # e.g. 0.8589, 0.04600026
    assert len(distinctive) > 100
    for v in distinctive:
        assert not any(v in t for t in texts), f"paper value {v} typed in p1 code"


def test_rehearsal_trains_fold_0_of_the_first_seed_standing_for_every_fold_and_seed(tmp_path, monkeypatch):
    import json

    data = _toy_loaded(n=60, n_exp=10, n_cna=4)
    cfg = replace(P.Config(**TINY), n_seeds=2)
    prep = P.prepare(data, cfg)
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "1")
    monkeypatch.setenv("OMICSLIB_FIT_LOG", str(tmp_path / "fits.jsonl"))
    res, first = P.run_seeds(prep, cfg)
    lines = [json.loads(s) for s in (tmp_path / "fits.jsonl").read_text().splitlines()]
    assert lines and all(x["repeats"] == cfg.n_folds * 2 for x in lines)
    # every K x variant x fold x seed row is there (the left-out ones repeat fold 0 of the first seed)
    assert len(res.folds) == len(cfg.k_grid) * len(cfg.variants) * cfg.n_folds * 2
    assert sorted(first.diagnostics["fold"].unique()) == list(range(cfg.n_folds))
    f0 = first.folds[first.folds["fold"] == 0].drop(columns="fold").reset_index(drop=True)
    f1 = first.folds[first.folds["fold"] == 1].drop(columns="fold").reset_index(drop=True)
    pd.testing.assert_frame_equal(f0, f1)
