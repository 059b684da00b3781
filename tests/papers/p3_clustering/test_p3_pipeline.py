import numpy as np
import pandas as pd
import pytest

from omicslib.data import genesets, intersim, rappoport, sccat
from omicslib.data.fetch import DataError
from omicslib.papers import p3_clustering as P
from omicslib.papers.p3_clustering import clustering
from omicslib.papers.p3_clustering.enrichment import de_one_vs_rest, overrepresentation, top_up


def _blobs(seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], 20)
    return rng.standard_normal((3, 4))[y] * 5 + rng.standard_normal((60, 4)), y


def test_evaluate_uses_kmeans_and_scores_truth():
    x, y = _blobs()
    r = clustering.evaluate(x, 3, n_runs=3, truth=y)
    assert r["ari"] == pytest.approx(1.0) and r["nmi"] == pytest.approx(1.0)
    assert 0 <= r["c_index"] < 0.05 and r["silhouette"] > 0.5 and r["n_runs"] == 3
    with pytest.raises(ValueError):
        clustering.kmeans_runs(x, 1, 2)


def test_simple_baselines():
    x, y = _blobs()
    assert clustering.simple_embedding("kmeans_pca", [x, x], 3).shape == (60, 3)
    assert clustering.simple_embedding("kmeans_concat", [x, x], 3).shape == (60, 8)
    with pytest.raises(ValueError):
        clustering.simple_embedding("nope", [x], 3)


def test_run_grid_small_parallel():
    x, y = _blobs()
    ds = P.OmicsDataset("blobs", [x, x[:, :2]], ["expression", "protein"], "simulated", 3, 3, (3,), truth=y)
    scores, outs = P.run_grid([ds], methods=("DMACL", "efAE", "kmeans_pca"), budget=P.Budget(2, 2, 2), n_jobs=1)
    assert set(scores["method"]) == {"DMACL", "efAE", "kmeans_pca"}
    assert outs[("blobs", "efAE", 0)]["embedding"].shape == (60, 3)
    assert scores.loc[scores.method == "kmeans_pca", "ari"].iloc[0] > 0.9
    summ = P.summarise(scores)
    assert {"c_index", "silhouette", "davies_bouldin", "ari"} <= set(summ.columns)


def test_sweep_configs_cover_table_i():
    cfgs = P.sweep_configs(epochs_scale=0.01)
    assert len(cfgs) == sum(len(g) for g, _ in P.table1().values()) == 18
    assert all(c["epochs"] >= 1 for _, _, c in cfgs)
    assert {v for p, v, _ in cfgs if p == "optimizer"} == {"sgd", "adam", "rmsprop"}


def test_logrank_separates():
    rng = np.random.default_rng(0)
    lab = np.repeat([0, 1], 50)
    t = np.where(lab == 0, rng.exponential(100, 100), rng.exponential(1000, 100))
    assert P.logrank(lab, t, np.ones(100))["logrank_p"] < 1e-3


def test_de_one_vs_rest():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.standard_normal((30, 5)), columns=list("ABCDE"))
    lab = np.repeat([0, 1, 2], 10)
    x.loc[lab == 1, "C"] += 4
    de = de_one_vs_rest(x, lab)
    assert top_up(de)[1][0] == "C"
    assert de.query("cluster == 1 and gene == 'C'")["log2fc"].iloc[0] == pytest.approx(
        x.loc[lab == 1, "C"].mean() - x.loc[lab != 1, "C"].mean())
    res = overrepresentation(["A", "B"], {"S1": ["A", "B", "X"], "S2": ["C", "D", "E"]}, list("ABCDEXYZ"))
    assert res.iloc[0]["Term"] == "S1"


@pytest.mark.needs_data("intersim_dlmo", "rappoport_benchmark", "sccat_seq", "msigdb_v6_2:hallmark")
def test_loaders_real_files():
    d = intersim.load("heterogeneous", 5)
    assert d["methylation"].shape == (100, 367) and d.labels.nunique() == 5
    assert d.provenance.kind == "full"
    a = rappoport.load_cancer("aml")
    assert a["mirna"].shape[0] == 169 and a.provenance.kind == "real-subset"
    assert sccat.load_labels().labels.value_counts()["HCT116"] == 90
    assert "HALLMARK_HYPOXIA" in genesets.load("hallmark")


def test_loaders_malformed(tmp_path):
    bad = tmp_path / "clusters.txt"
    bad.write_text('"subjects"\t"cluster.id"\n"1"\t"subject1"\tx\n')
    with pytest.raises(DataError, match="cluster.id"):
        intersim.read_clusters(bad)
    gmt = tmp_path / "bad.gmt"
    gmt.write_text("ONLY_NAME\n")
    with pytest.raises(DataError, match="line 1"):
        genesets.read_gmt(gmt)
    lab = tmp_path / "c.txt"
    lab.write_text("0\n1\n")
    with pytest.raises(DataError, match="206"):
        sccat.read_labels(lab)
    surv = tmp_path / "survival"
    surv.write_text('"PatientID"\t"Survival"\t"Death"\n"A"\t"5"\t"2"\n')
    with pytest.raises(DataError, match="Death"):
        rappoport.read_survival(surv)
    mat = tmp_path / "m.txt"
    mat.write_text("1 2 3\n4 x 6\n")
    with pytest.raises(DataError):
        rappoport.read_bare_matrix(mat)
    mir = tmp_path / "mirna"
    mir.write_text('"S1" "S2"\n"hsa.1" 1 abc\n')
    with pytest.raises(DataError, match="numeric"):
        rappoport.read_mirna(mir, log=False)


def test_evaluate_matches_reference_implementations():
    from scipy.spatial.distance import pdist
    from sklearn.metrics import davies_bouldin_score, silhouette_score

    x, _ = _blobs(1)
    r = clustering.evaluate(x, 3, n_runs=1)
    lab = clustering.kmeans_runs(x, 3, 1)[0]
    assert r["silhouette"] == pytest.approx(silhouette_score(x, lab))
    assert r["davies_bouldin"] == pytest.approx(davies_bouldin_score(x, lab))
    # Hubert-Levin by brute force over all pairs
    d = pdist(x)
    same = pdist(lab[:, None], lambda a, b: float(a[0] == b[0])).astype(bool)
    s_w, n_w = d[same].sum(), same.sum()
    srt = np.sort(d)
    assert r["c_index"] == pytest.approx((s_w - srt[:n_w].sum()) / (srt[-n_w:].sum() - srt[:n_w].sum()))
