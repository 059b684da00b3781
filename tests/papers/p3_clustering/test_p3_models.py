import numpy as np
import pytest
import torch

from omicslib import metrics
from omicslib.papers.p3_clustering import autoencoders as A
from omicslib.papers.p3_clustering import clustering
from omicslib.papers.p3_clustering import dmacl as D
from omicslib.papers.p3_clustering import protocol as R
from omicslib.papers.p3_clustering.config import DMACLConfig
from omicslib.papers.p3_clustering.data import concat_omics, max_abs_scale
from omicslib.runtime import set_threads

set_threads(1)


def _toy(n_per=30, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n_per)
    centers = rng.standard_normal((3, 60)) * 3
    x1 = centers[y] + rng.standard_normal((len(y), 60))
    x2 = centers[y][:, :30] + rng.standard_normal((len(y), 30))
    return [x1, x2], y


def test_max_abs_scale_and_concat():
    a = np.array([[1.0, -4.0, 0.0], [-2.0, 2.0, 0.0]])
    s = max_abs_scale(a)
    np.testing.assert_allclose(s, [[0.5, -1.0, 0.0], [-1.0, 0.5, 0.0]])
    assert concat_omics([a, a[:, :1]]).shape == (2, 4)
    with pytest.raises(ValueError):
        concat_omics([a, a[:1]])


def test_dmacl_shapes_and_views():
    m = D.DMACL(20, DMACLConfig(feature_dim=4, n_clusters=3))
    x = torch.randn(7, 20)
    z, c = m(x)
    assert z.shape == (7, 4) and c.shape == (7, 3)
    torch.testing.assert_close(z.norm(dim=1), torch.ones(7))
    torch.testing.assert_close(c.sum(1), torch.ones(7))
    a, b = D.two_views(x)
    assert not torch.equal(a, b) and a.shape == x.shape
    lab, emb = m.forward_cluster(x)
    assert lab.shape == (7,) and emb.shape == (7, 4)


def test_dmacl_recovers_separated_clusters_and_is_deterministic():
    omics, y = _toy()
    x = concat_omics(omics)
    cfg = DMACLConfig(feature_dim=3, n_clusters=3, epochs=25, batch_size=90)
    m, hist = R.train_dmacl(x, cfg, seed=0)
    z, lab = R.embed_dmacl(m, x)
    assert metrics.ari(y, clustering.final_partition(z, 3)) > 0.9
    assert hist.train_loss[-1] < hist.train_loss[0]
    m2, _ = R.train_dmacl(x, cfg, seed=0)
    np.testing.assert_allclose(R.embed_dmacl(m2, x)[0], z, atol=1e-5)


def test_dmacl_rejects_zero_temperature():
    with pytest.raises(ValueError, match="temperature"):
        R.train_dmacl(np.zeros((10, 5), np.float32), DMACLConfig(instance_temperature=0.0, epochs=1))


@pytest.mark.parametrize("method", A.METHODS)
def test_baseline_shapes_and_learning(method):
    omics, _ = _toy(n_per=16)
    x = concat_omics(omics)
    model = A.build(method, [60, 30], ["expression", "methylation"], "simulated", latent=5)
    with torch.no_grad():
        assert model(torch.as_tensor(x[:4], dtype=torch.float32)).shape == (4, 5)
    # benchmark learning rates are tiny for SVAE/efmmdVAE; raise it so that 15 epochs show learning
    lr = 1e-3 if method in ("efSVAE", "lfSVAE", "efmmdVAE", "lfmmdVAE") else None
    _, hist, emb = R.train_baseline(method, x, [60, 30], ["expression", "methylation"], context="simulated",
                                    latent=5, epochs=15, seed=0, lr=lr)
    assert emb.shape == (48, 5) and np.isfinite(emb).all()
    assert np.mean(hist.train_loss[-3:]) < hist.train_loss[0]


def test_benchmark_latent_splits():
    kinds = ["methylation", "expression", "protein"]
    assert A.late_latents("simulated", kinds, 10) == [4, 3, 3]
    assert A.late_latents("cancer", ["expression", "mirna", "methylation"], 10) == [4, 2, 4]
    assert sum(A.late_latents("cancer", ["mirna", "expression"], 7)) == 7
    with pytest.raises(ValueError):
        A.variant_of("AE")


def test_mmd_and_kl():
    z = torch.zeros(5, 2)
    assert float(A.kl_normal(z, z).sum()) == pytest.approx(0.0)
    g = torch.Generator().manual_seed(0)
    prior = torch.randn(200, 2, generator=g)
    assert float(A.mmd(prior, prior)) == pytest.approx(0.0, abs=1e-6)
    assert float(A.mmd(prior + 3, prior)) > 0.1


def test_consensus_partition_recovers_separated_blobs_up_to_relabelling():
    # three blobs 10 SD apart: every resample's k-means agrees, so the consensus cut is the truth (ARI 1)
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 20)
    x = rng.standard_normal((60, 4)) + 10 * np.eye(4)[y]
    lab = clustering.consensus_partition(x, 3, n_resamples=10, seed=0)
    assert metrics.ari(y, lab) == 1.0 and sorted(np.unique(lab)) == [0, 1, 2]


def test_fixed_partition_scores_equal_sklearn_on_those_labels():
    from sklearn.metrics import davies_bouldin_score, silhouette_score

    rng = np.random.default_rng(1)
    x = rng.standard_normal((30, 3))
    lab = np.repeat([0, 1, 2], 10)
    common = rng.standard_normal((30, 2))
    out = clustering.evaluate(x, 3, n_runs=5, common=common, labels=lab)
    assert out["n_runs"] == 1 and out["silhouette_sd"] == 0.0
    assert out["silhouette"] == pytest.approx(silhouette_score(x, lab))
    assert out["davies_bouldin_common"] == pytest.approx(davies_bouldin_score(common, lab))
