"""From an embedding to clusters and internal/external scores, as p3 and its benchmark evaluate them.

The benchmark (DL-mo) and DMACL's test scripts run sklearn ``KMeans(k)`` many times on
the embedding and average Silhouette, Davies-Bouldin and the Hubert-Levin C-index computed
in the SAME embedding space with the k-means labels (``p3-protocol-notes.md`` §1.7-1.8).
The C-index here is the clustering index (lower is better), not survival concordance.

Own-space scores depend on each method's geometry and dimension (an L2-normalised 5-d embedding, a
10-d PCA, a 658-d concatenation), so :func:`evaluate` also scores the SAME k-means labels in one
common space when given (``data.common_space``; columns ``*_common``). The paper scored in the
methods' own spaces.

Three simple baselines stand beside the paper's eleven methods: k-means on the scaled concatenation, k-means on
its first principal components, and consensus clustering (Monti et al. 2003) in the same principal components:
k-means on resamples of 80 % of the samples, the final partition cut from the consensus matrix. A careful
analyst would try all three before calling a deep model better than "simple".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

from omicslib import baselines, metrics
from omicslib.papers.p3_clustering.data import scaled_concat
from omicslib.train import rehearsal_limit

INTERNAL = ("c_index", "silhouette", "davies_bouldin")

SIMPLE_BASELINES = ("kmeans_concat", "kmeans_pca", "consensus")
#: How the methods are named on the pages (the paper's methods keep their own names).
SIMPLE_NAMES = {"kmeans_concat": "k-means", "kmeans_pca": "PCA + k-means", "consensus": "consensus clustering"}
#: Share of the samples in each consensus resample (ConsensusClusterPlus's default ``pItem``).
CONSENSUS_FRAC = 0.8


def kmeans_runs(x: np.ndarray, k: int, n_runs: int, seed: int = 0, n_init: int = 10) -> list[np.ndarray]:
    """Labels of ``n_runs`` independent k-means fits (seeds ``seed .. seed+n_runs-1``); one under the
    paper-profile rehearsal's step cap (:func:`omicslib.train.rehearsal_limit`)."""
    n_runs = rehearsal_limit(n_runs)
    x = np.asarray(x, dtype=float)
    if not 2 <= k < x.shape[0]:
        raise ValueError(f"k must be in [2, n_samples) = [2, {x.shape[0]}), got {k}")
    return [KMeans(k, n_init=n_init, random_state=seed + r).fit_predict(x) for r in range(n_runs)]


def evaluate(x: np.ndarray, k: int, n_runs: int = 10, truth=None, seed: int = 0,
             common: np.ndarray | None = None, labels: np.ndarray | None = None) -> dict[str, float]:
    """Mean and SD over k-means runs (k-means on ``x``) of C-index, silhouette, Davies-Bouldin (in ``x``),
    ARI/NMI vs ``truth`` if given, and, if ``common`` is given, the internal indices of the same labels in
    the common space (``c_index_common`` ...). Runs whose k-means collapses to one cluster are skipped
    (``n_runs`` counts the kept ones). ``labels``: score that one partition instead of k-means runs (a
    method that partitions by itself, e.g. :func:`consensus_partition`; SD 0, ``n_runs`` 1)."""
    if common is not None and len(common) != len(x):
        raise ValueError(f"common space has {len(common)} rows for {len(x)} embedded samples")
    rows = []
    for lab in (kmeans_runs(x, k, n_runs, seed) if labels is None else [np.asarray(labels)]):
        if np.unique(lab).size < 2:
            continue
        row = metrics.clustering_report(x, lab, truth)
        if common is not None:
            row |= {f"{m}_common": v for m, v in metrics.clustering_report(common, lab).items() if m in INTERNAL}
        rows.append(row)
    if not rows:
        raise ValueError("every k-means run collapsed to a single cluster (degenerate embedding)")
    df = pd.DataFrame(rows)
    out = {f"{c}": float(df[c].mean()) for c in df.columns if c != "n_clusters"}
    out.update({f"{c}_sd": float(df[c].std(ddof=1)) if len(df) > 1 else 0.0
                for c in df.columns if c != "n_clusters"})
    out["n_runs"] = len(df)
    return out


def consensus_partition(x: np.ndarray, k: int, n_resamples: int, seed: int = 0) -> np.ndarray:
    """Consensus clustering at ``k`` (Monti et al. 2003): k-means (3 starts) on ``n_resamples`` resamples of
    :data:`CONSENSUS_FRAC` of the rows of ``x``, then the average-linkage cut of the consensus matrix
    (:func:`omicslib.baselines.consensus_matrix`, :func:`omicslib.baselines.consensus_cut`)."""
    def cluster(z, kk, s):
        return KMeans(kk, n_init=3, random_state=s).fit_predict(z)

    M = baselines.consensus_matrix(np.asarray(x, float), k, rehearsal_limit(n_resamples), CONSENSUS_FRAC, seed,
                                   cluster)
    return baselines.consensus_cut(M, k)


def own_partition(method: str, x: np.ndarray, k: int, n_resamples: int, seed: int = 0) -> np.ndarray | None:
    """The partition into ``k`` clusters that ``method`` makes by itself on its embedding ``x``: consensus
    clustering's cut (:func:`consensus_partition`); None for every other method, whose clusters are k-means on
    its embedding."""
    return consensus_partition(x, k, n_resamples, seed) if method == "consensus" else None


def final_partition(x: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """One k-means partition with many restarts, for downstream use (survival, DE)."""
    return KMeans(k, n_init=50, random_state=seed).fit_predict(np.asarray(x, dtype=float))


def simple_embedding(name: str, omics, dim: int, seed: int = 0) -> np.ndarray:
    """``kmeans_concat``: the scaled concatenation itself; ``kmeans_pca`` and ``consensus``: its first ``dim``
    principal components."""
    x = scaled_concat(omics)
    if name == "kmeans_concat":
        return x
    if name in ("kmeans_pca", "consensus"):
        return PCA(n_components=min(dim, *x.shape), random_state=seed).fit_transform(x)
    raise ValueError(f"unknown simple baseline {name!r}; expected one of {SIMPLE_BASELINES}")
