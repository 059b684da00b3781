"""p3 config, reference file, and what a methods review of p3 found (common space, equal budgets, the authors'
default K) as properties of the code."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from omicslib import metrics
from omicslib.book import claims as C
from omicslib.book import reference
from omicslib.papers import p3_clustering as P
from omicslib.papers.p3_clustering import analysis, clustering, protocol
from omicslib.papers.p3_clustering.data import common_space, concat_omics
from omicslib.runtime import set_threads

set_threads(1)


def _blobs(seed=0, n_per=20, dims=(6, 4)):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n_per)
    omics = [rng.standard_normal((3, d))[y] * 4 + rng.standard_normal((len(y), d)) for d in dims]
    return omics, y


# ----------------------------------------------------------------------------- config

def test_config_profiles_frozen_and_validated():
    quick = P.config("quick")
    assert quick.fig2_n_seeds >= 3 and quick.fig4_n_seeds >= 3  # review item 5
    assert quick.fig2_budget.steps and quick.fig4_budget.steps   # review item 3: one step budget for all
    assert P.config("smoke").n_jobs == 1
    assert P.config("quick", n_jobs=1).n_jobs == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.n_jobs = 3
    with pytest.raises(ValueError, match="unknown config keys"):
        P.config("quick", n_job=1)
    with pytest.raises(ValueError, match="fig2_n_seeds"):
        P.config("quick", fig2_n_seeds=0)
    with pytest.raises(ValueError, match="Budget.steps"):
        P.Budget(steps=0)
    with pytest.raises(ValueError, match="optimizer"):
        P.DMACLConfig(optimizer="adagrad")
    with pytest.raises(ValueError, match="n_clusters"):
        P.DMACLConfig(n_clusters=1)
    assert quick.seeds("fig2", 7) == [7, 8, 9]


def test_dmacl_defaults_are_the_papers_table_i():
    grid = P.table1()
    cfg = P.DMACLConfig()
    for field, (values, optimal) in grid.items():
        assert getattr(cfg, field) == optimal, field
        assert optimal in values
    assert cfg.n_tokens == reference.value("p3", "n_heads")


def test_reference_file_and_table1_grid():
    ref = reference.load("p3")
    assert (ref["locator"] != "").all()
    t = P.table1_grid()
    assert list(t["hyperparameter"]) == list(P.TABLE_I_NAMES.values())
    assert t.set_index("hyperparameter").loc["learning rate", "paper optimal"] == pytest.approx(3e-3)
    # the paper's inconsistencies are recorded as notes
    assert "10 other models" in ref.loc["n_methods_abstract", "note"]
    assert "range(2, 7)" in ref.loc["fig4_k_max", "note"]


# ----------------------------------------------------------------------------- review item 1: common space

def test_common_space_scores_depend_only_on_the_labels():
    omics, y = _blobs()
    space = common_space(omics)
    assert space.shape == (60, 10)
    np.testing.assert_allclose(space, common_space(omics))  # deterministic
    x = concat_omics(omics)
    # two "methods": the same partition, embeddings of different geometry and dimension
    a = x[:, :3] * 100
    b = np.c_[x, np.zeros((60, 5))]
    ra = clustering.evaluate(a, 3, n_runs=2, truth=y, common=space)
    rb = clustering.evaluate(b, 3, n_runs=2, truth=y, common=space)
    assert ra["ari"] == rb["ari"] == pytest.approx(1.0)
    assert ra["c_index_common"] == pytest.approx(rb["c_index_common"])
    assert ra["silhouette_common"] == pytest.approx(metrics.silhouette(space, y))
    assert ra["davies_bouldin"] != pytest.approx(rb["davies_bouldin"])  # own spaces differ
    with pytest.raises(ValueError, match="common space has"):
        clustering.evaluate(a, 3, n_runs=1, common=space[:10])


def test_method_ranks_in_both_spaces():
    scores = pd.DataFrame({"dataset": "d", "seed": 0, "k": 3, "method": ["A", "B", "C"],
                           "c_index": [0.1, 0.2, 0.3], "c_index_common": [0.3, 0.2, 0.1],
                           "silhouette": [0.9, 0.5, 0.1], "silhouette_common": [0.1, 0.5, 0.9]})
    r = analysis.method_ranks(scores, metrics=("c_index", "silhouette")).set_index(["method", "metric", "space"])["rank"]
    assert r[("A", "c_index", "own")] == 1 and r[("A", "c_index", "common")] == 3
    assert r[("A", "silhouette", "own")] == 1 and r[("C", "silhouette", "common")] == 1


# ----------------------------------------------------------------------------- item 2: the authors' default K

@pytest.mark.needs_data("intersim_dlmo")
def test_default_k_dataset_and_runs_skip_k5():
    ds, prov = P.intersim_dataset("equal", 10, n_clusters=P.AUTHORS_DEFAULT_K)
    assert ds.n_clusters == 5 and ds.embed_dim == 10 and ds.eval_ks == (10,) and ds.name == "equal k=10 (K=5)"
    assert prov.kind == "full"
    assert P.default_k_runs([("equal", 5)], [0], P.Budget(steps=1, kmeans_runs=1)).empty


# ----------------------------------------------------------------------------- item 3: equal budgets

def test_equal_optimizer_steps_for_every_deep_method():
    assert protocol.batches_per_epoch(100, 128) == 1 and protocol.batches_per_epoch(169, 64) == 3
    assert protocol.batches_per_epoch(129, 128) == 1  # a last batch of one sample is dropped
    assert protocol.epochs_for_steps(40, 169, 64) == 14
    omics, _ = _blobs(n_per=30)
    ds = P.OmicsDataset("b", omics, ["expression", "methylation"], "simulated", 3, 3, (3,))
    steps = {}
    for m in ("DMACL", "efAE", "lfVAE", "efmmdVAE"):
        out = P.embed(m, ds, 0, P.Budget(steps=12, kmeans_runs=1))
        steps[m] = out["steps"]
    assert all(12 <= s < 12 + 90 // 8 + 1 for s in steps.values()), steps
    assert P.embed("kmeans_pca", ds, 0, P.Budget(steps=12))["steps"] == 0


# ----------------------------------------------------------------------------- item 4: distinct methods

def test_single_omic_late_fusion_is_the_early_fusion_network():
    assert P.same_network_as("lfAE", 1) == "efAE" and P.same_network_as("lfAE", 3) == "lfAE"
    assert P.same_network_as("lfmmdVAE", 1) == "lfmmdVAE"
    # eleven paper methods and three simple baselines; on one omic four late-fusion twins coincide: 14 - 4
    assert len(P.distinct_methods(P.METHODS, 1)) == 10 and len(P.distinct_methods(P.METHODS, 3)) == 14
    omics, _ = _blobs(n_per=12, dims=(8,))
    x = concat_omics(omics)
    kw = dict(context="cancer", latent=3, epochs=2, seed=0)
    _, _, e1 = protocol.train_baseline("lfAE", x, [8], ["mirna"], **kw)
    _, _, e2 = protocol.train_baseline("efAE", x, [8], ["mirna"], **kw)
    np.testing.assert_array_equal(e1, e2)


# ----------------------------------------------------------------------------- item 5: seeds and rank stability

def test_rank_stability_counts_seed_to_seed_moves():
    rows = []
    for seed, (a, b) in enumerate([(0.1, 0.2), (0.3, 0.2), (0.1, 0.2)]):
        rows += [{"dataset": "d", "seed": seed, "k": 3, "method": "DMACL", "c_index": a},
                 {"dataset": "d", "seed": seed, "k": 3, "method": "X", "c_index": b}]
    ranks = analysis.method_ranks(pd.DataFrame(rows), metrics=("c_index",))
    st = analysis.rank_stability(ranks).iloc[0]
    assert (st["n_seeds"], st["rank_min"], st["rank_max"], st["seeds_first"]) == (3, 1, 2, 2)
    assert st["rank_of_seed_mean"] == 1  # seed means 0.1667 vs 0.2
    assert analysis.rank_summary(analysis.rank_stability(ranks)).loc[0, "max_rank_range"] == 1


# ----------------------------------------------------------------------------- claims

def _fig2_scores(gap):
    rows = []
    for i, d in enumerate(("equal k=5", "equal k=10", "heterogeneous k=5")):
        for seed in range(3):
            for m, c in (("DMACL", 0.01 - 0.002 * i), ("efVAE", 0.01 + gap), ("efAE", 0.02 + gap)):
                rows.append({"dataset": d, "seed": seed, "k": int(d.split("=")[1]), "method": m, "c_index": c + 0.001 * seed,
                             "c_index_common": c + 0.001 * seed + 0.0005 * (d == "equal k=5"),
                             "silhouette": 0.5, "silhouette_common": 0.5 + (gap + 0.01 * i) * (m == "efVAE"),
                             "davies_bouldin": 0.5, "davies_bouldin_common": 0.5})
    return pd.DataFrame(rows)


def test_fig2_claims_verdicts_are_computed():
    led = C.ledger(analysis.fig2_claims(_fig2_scores(0.05), "full", n_seeds=3)).set_index("id")
    assert led.loc["fig2_dmacl_best_cindex", "verdict"] == "reproduced"
    assert led.loc["fig2_efvae_silhouette", "verdict"] == "reproduced"
    assert led.loc["fig2_cindex_equ_k5", "paper_value"] == pytest.approx(0.005)
    assert (led.loc[led["kind"] != "text", "n_seeds"] == 3).all()
    syn = C.ledger(analysis.fig2_claims(_fig2_scores(0.05), "synthetic", n_seeds=3))
    on_data = syn["provenance"] != C.PAPER_TEXT  # the paper's own arithmetic does not depend on our data
    assert (syn.loc[on_data, "verdict"] == "pipeline check").all() and on_data.sum() == len(syn) - 2  # two text claims


def test_single_cell_claims_not_testable():
    led = C.ledger(analysis.fig3_claims())
    on_data = led["provenance"] != C.PAPER_TEXT
    assert (led.loc[on_data, "verdict"] == "not testable here").all() and on_data.sum() == 4


def test_length_mismatches_and_missing_values_raise():
    omics, y = _blobs()
    with pytest.raises(ValueError, match="truth has 59 labels"):
        P.OmicsDataset("b", omics, ["a", "b"], "simulated", 3, 3, (3,), truth=y[:-1])
    bad = [omics[0].copy(), omics[1]]
    bad[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        common_space(bad)
    with pytest.raises(ValueError, match="lengths differ"):
        P.logrank(y, np.ones(59), np.ones(60))
