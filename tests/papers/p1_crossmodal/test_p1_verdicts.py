"""p1 verdict machinery (verdicts decided wherever the data allow): paired bootstrap (its weighted metrics:
tests/core/test_bootstrap.py), several model seeds on one split, the gates' own learning rate, the declared family,
the paper's own arithmetic, the cohort counts, and the tuned baseline's grid on the real data."""

from dataclasses import replace

import numpy as np
import pytest
from p1_toy import toy_loaded
from sklearn.metrics import f1_score, precision_score

from omicslib.book import claims as C
from omicslib.papers import p1_crossmodal as P
from omicslib.papers.p1_crossmodal import analysis as A
from omicslib.papers.p1_crossmodal import baselines as B
from omicslib.papers.p1_crossmodal import protocol
from omicslib.papers.p1_crossmodal.model import CrossModalFusion

TINY = dict(k_grid=(300, 1000), k_max=6, d_model=8, n_heads=2, ffn_hidden=8, hidden=8, s1_epochs=1, s2_epochs=2,
            s3_epochs=2, batch_size=32, n_folds=3, cpu_threads=1, baseline_C_grid=(0.1,), baseline_l1_grid=(0.0,),
            baseline_inner_folds=2, n_seeds=1, n_boot=200)


def _probs(rng, n, k=4):
    p = np.round(rng.dirichlet(np.ones(k), n), 1) + 1e-9   # rounded: tied scores
    return p / p.sum(1, keepdims=True)


# ----------------------------------------------------------------------------- bootstrap

def test_paired_bootstrap_identical_arms_and_a_clear_difference():
    rng = np.random.default_rng(1)
    n = 200
    y = np.arange(n) % 4
    good = {(0, f): np.eye(4)[np.where(rng.random(n) < 0.9, y, (y + 1) % 4)] * 0.9 + 0.025 for f in range(3)}
    bad = {(0, f): _probs(rng, n) for f in range(3)}
    same = A.paired_bootstrap(A.Arm("a", good), A.Arm("b", good), y, n_boot=300)
    assert same["diff"] == 0 and np.isnan(same["ci"]).all() and same["p"] == 1.0    # no spread: no interval
    d = A.paired_bootstrap(A.Arm("good", good), A.Arm("bad", bad), y, n_boot=300)
    f1 = lambda pr: np.mean([f1_score(y, q.argmax(1), average="macro") for q in pr.values()])  # noqa: E731
    assert d["diff"] == pytest.approx(f1(good) - f1(bad))
    assert d["ci"][0] > 0 and d["p"] == pytest.approx(2 / 301)        # every replicate favours the good arm
    v = A.bootstrap_value(A.Arm("good", good), y, n_boot=300, level=0.90)
    assert v["estimate"] == pytest.approx(f1(good)) and v["ci"][0] < v["estimate"] < v["ci"][1]
    assert v["n_models"] == 3 and v["n_patients"] == n


def test_bootstrap_class_metrics_pool_the_models_like_table6():
    rng = np.random.default_rng(2)
    n = 80
    y = np.arange(n) % 4
    arm = A.Arm("a", {(0, f): _probs(rng, n) for f in range(3)})
    t = A.bootstrap_class_metrics(arm, y, n_boot=100, classes=("A", "B", "C", "D"))
    yy = np.concatenate([y] * 3)
    pp = np.concatenate([arm.probs[k].argmax(1) for k in arm.keys()])
    prec = precision_score(yy, pp, average=None, labels=range(4), zero_division=0)
    got = t[t["metric"] == "precision"].set_index("class")["estimate"]
    np.testing.assert_allclose(got[["A", "B", "C", "D"]], prec)
    assert got["macro avg"] == pytest.approx(prec.mean())
    assert (t["ci_low"] <= t["ci_high"]).all()


# ----------------------------------------------------------------------------- seeds, gates

def test_seeds_share_the_split_and_the_first_seed_is_the_single_grid():
    data = toy_loaded(n=60, n_exp=10, n_cna=4)
    cfg = P.Config(**{**TINY, "n_seeds": 2})
    prep = P.prepare(data, cfg)
    both, first = P.run_seeds(prep, cfg)
    alone = P.run_grid(prep, replace(cfg, n_seeds=1))
    assert P.model_seeds(cfg) == [0, 1] and sorted(both.folds["seed"].unique()) == [0, 1]
    assert len(both.folds) == 2 * len(alone.folds) and len(next(iter(both.probs))) == 4
    np.testing.assert_allclose(both.folds[both.folds["seed"] == 0]["f1_macro"], alone.folds["f1_macro"])
    p0, p1 = (np.concatenate([v for k, v in both.probs.items() if k[3] == s]) for s in (0, 1))
    assert not np.allclose(p0, p1)                                     # another model seed, other models
    assert len(A.arm_of(both, 1000, "EXP+CNA").probs) == 2 * cfg.n_folds
    other = replace(alone, y_test=alone.y_test[::-1].copy())
    with pytest.raises(ValueError, match="one hold-out"):
        P.combine_seeds([alone, other], [0, 1])


def test_gate_logits_get_their_own_rate_and_a_slow_gate_blocks_the_modality_claims():
    cfg = P.Config(**TINY)
    fusion = CrossModalFusion(8, 2, 8, 0.1, 0.0, 1e-4, 4, "EXP+CNA+MUT")
    groups = protocol.stage2_param_groups(fusion, cfg)
    assert [g["lr"] for g in groups] == [cfg.s2_lr, cfg.gate_lr]
    assert {id(p) for p in groups[1]["params"]} == {id(p) for p in fusion.gate_logits.parameters()}
    assert sum(p.numel() for g in groups for p in g["params"]) == sum(p.numel() for p in fusion.parameters())
    data = toy_loaded(n=80, n_exp=10, n_cna=4)
    moves = {}
    for lr in (1e-6, 0.5):
        c = replace(cfg, gate_lr=lr)
        res = P.run_grid(P.prepare(data, c), c)
        moves[lr] = P.gate_movement(res.folds, c)
        assert res.folds.loc[res.folds["variant"] != "EXP", "enrich_ratio"].between(0, 10).all()
    assert moves[1e-6] < 1e-3 < cfg.gate_min_move < moves[0.5]
    assert P.fusion_blocker(res.folds, cfg) == ""


def test_declared_family_and_blocked_modality_claims():
    data = toy_loaded(n=80, n_exp=10, n_cna=4)
    cfg = replace(P.Config(**TINY), gate_lr=1e-6, s2_lr=1e-6)
    prep = P.prepare(data, cfg)
    res, _ = P.run_seeds(prep, cfg)
    base = P.run_baselines(prep, 1000, cfg, centroids=None, rankings=res.rankings)
    topk = P.run_topk_baselines(prep, cfg, res.rankings)
    df = C.ledger(P.claims(res, prep, cfg, "real-subset", base, topk))
    assert df["id"].is_unique
    fam = df[df["family"] == A.FAMILY]
    assert len(fam) == len(A.declared_comparisons()) == 18        # 12 modality pairs + 6 cross-K rows
    mod = fam[fam["id"].str.startswith("modality_") & (fam["n_runs"] > 0)]
    assert len(mod) == 6 and (mod["verdict"] == "inconclusive").all() and mod["reason"].str.startswith(
        "fusion untrained").all()
    untested = fam[fam["n_runs"] == 0]                                 # K = 500 and 1500 not in this grid
    # K = 500 and 1500 are not in this grid: 6 modality pairs and 3 cross-K rows (500 vs 300, 1000 vs 500, 1500 vs 1000)
    assert len(untested) == 9 and untested["p_holm"].isna().all()
    tested = fam[fam["p"].notna() & ~fam["reason"].str.startswith("fusion untrained")]
    # Holm over the 18 declared members: the smallest raw p is multiplied by 18 (the others enter with p = 1)
    i = tested["p"].idxmin()
    assert tested.loc[i, "p_holm"] == pytest.approx(min(1.0, 18 * tested.loc[i, "p"]))
    assert fam["test"].str.contains("paired bootstrap").all()
    val = df[df["kind"] == "value"]
    assert (val["ci_level"] == 0.90).all()
    # each K's value claims carry the strongest simple baseline on that K's top-K features, with its CI
    run = val[val["n_runs"] > 0]
    k_of = run["id"].str.extract(r"^t4_k(\d+)_")[0].fillna(str(P.best_config(cfg)[0])).astype(int)
    assert (run["baseline"] == [f"{B.TOPK_TUNED} (K={k})" for k in k_of]).all()
    assert (run["baseline_ci_low"] <= run["baseline_value"]).all() and (run["baseline_value"] <= run["baseline_ci_high"]).all()
    without = C.ledger(P.claims(res, prep, cfg, "real-subset", base))
    strongest = P.strongest_baseline(base.scores)
    assert without.loc[(without["kind"] == "value") & (without["n_runs"] > 0), "baseline"].eq(strongest).all()
    assert {"t6_her2_precision", "headline_roc_auc", "t4_k300_exp_f1_macro"} <= set(df["id"])
    assert df.loc[df["id"] == "t4_k1500_exp_f1_macro", "verdict"].item() == "not run"
    syn = C.ledger(P.claims(res, prep, cfg, "synthetic", base))
    assert (syn["verdict"] == "pipeline check").all()


# ----------------------------------------------------------------------------- the paper's arithmetic, counts

def test_text_claims_find_the_papers_inconsistencies():
    df = C.ledger(P.text_claims())
    assert (df["provenance"] == C.PAPER_TEXT).all() and (df["section"] == "arithmetic").all()
    bad = set(df.loc[df["verdict"] == "inconsistent", "id"])
    assert bad == {"txt_t6_basal_precision_vs_f6", "txt_t6_her2_precision_vs_f6", "txt_t6_lumb_precision_vs_f6",
                   "txt_holm_k1000v1500", "txt_fig5_only_significant", "txt_multiomics_consistent",
                   "txt_discussion_pooled_p"}
    ours = df.set_index("id")["ours"]
    assert ours["txt_fig5_only_significant"] == 2 and ours["txt_multiomics_consistent"] == 6      # by hand
    assert ours["txt_holm_k1000v1500"] == pytest.approx(0.408) and ours["txt_holdout_size"] == 305
    assert ours["txt_t6_her2_precision_vs_f6"] == pytest.approx(179 / (17 + 179 + 29 + 32))   # Figure 6 HER2 column


def test_data_claims_on_synthetic_data_are_pipeline_checks():
    data = toy_loaded(n=80, n_exp=10, n_cna=4)
    cfg = P.Config(**TINY)
    prep = P.prepare(data, cfg)
    _, enc = P.modality_sizes(prep)
    df = C.ledger(P.data_claims(data, prep, enc, P.rank_modalities(prep, prep.cv.train, cfg)))
    assert (df["verdict"] == "pipeline check").all() and (df["kind"] == "exact").all()
    assert df.set_index("id").loc["table1_total", "ours"] == 80


def test_quick_baseline_grid_has_an_interior_optimum_without_convergence_warnings():
    from test_p1_data import HAVE_SUBSET

    if not HAVE_SUBSET:
        pytest.skip("METABRIC real subset not in the data mirror")
    cfg = P.config("quick")
    data = P.load_data("auto")
    prep = P.prepare(data, cfg)
    X = B.all_features(prep, prep.cv.train, cfg)
    sel, _ = B.strongest_search(X, prep.y, prep.cv.train, prep, cfg, cfg.seed)
    assert sel.record["at_edge"] == "", f"the quick search chose the edge of its grid: {sel.record}"
    assert sel.record["warnings_at_choice"] == 0


def test_rehearsal_subsamples_p1_patients(monkeypatch):
    """Under the step cap p1 keeps REHEARSAL_SAMPLES patients (stratified) and says so; without it, all of them."""
    from omicslib.papers import p1_crossmodal as P
    from omicslib.papers.p1_crossmodal import data as D

    loaded = toy_loaded(n=400)
    cfg = P.config("quick")
    assert len(P.prepare(loaded, cfg).samples) == 400
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "2")
    prep = P.prepare(loaded, cfg)
    assert len(prep.samples) == D.REHEARSAL_SAMPLES and any("rehearsal" in r for r in prep.report)
