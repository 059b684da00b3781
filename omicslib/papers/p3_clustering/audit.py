"""p3 audit measurements: what a methods review of p3 asked us to measure beside the paper's
protocol - the space the indices are computed in (``analysis.method_ranks`` / ``rank_stability``), the
oracle cluster-head K, the optimiser-step budgets, and which methods coincide on a single omic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicslib.papers.p3_clustering import autoencoders, clustering

#: what k-means is run on: ours (the L2-normalised instance-head output, the grid's DMACL rows) and the two
#: alternatives found in the authors' code (``protocol.dmacl_views``)
EMBEDDINGS = {"instance": "instance head, L2-normalised (ours)", "instance_raw": "instance head, not normalised",
              "encoder": "encoder output (Subtype-DCC forward_cluster)"}
INDICES = ("c_index", "silhouette", "davies_bouldin", "ari", "nmi", "c_index_common", "silhouette_common",
           "davies_bouldin_common")


def space_effect(stab: pd.DataFrame) -> pd.DataFrame:
    """DMACL's rank on the seed means in its own space beside the common space, per dataset, k and index."""
    wide = stab.pivot_table(index=["dataset", "k", "metric"], columns="space", values="rank_of_seed_mean")
    return wide.rename(columns={"own": "rank_own_space", "common": "rank_common_space"}).reset_index()


def budget_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Optimiser steps and training seconds per method (mean over datasets and seeds)."""
    per_run = scores.drop_duplicates(["dataset", "method", "seed"])
    return per_run.groupby("method", sort=False)[["optimizer_steps", "train_seconds"]].mean().reset_index()


def distinct_table(methods, n_omics: int) -> pd.DataFrame:
    """Which methods coincide with another on ``n_omics`` omics (same network and training)."""
    return pd.DataFrame([{"method": m, "same network as": autoencoders.same_network_as(m, n_omics)
                          if m in autoencoders.METHODS else m} for m in methods]).assign(
        distinct=lambda d: d["method"] == d["same network as"])


def default_k_table(grid_scores: pd.DataFrame, default_scores: pd.DataFrame) -> pd.DataFrame:
    """DMACL with the oracle head K (= true k) vs the authors' default K, per simulation (seed means)."""
    cols = [c for c in ("c_index", "c_index_common", "silhouette", "ari", "nmi") if c in default_scores]
    oracle = grid_scores[grid_scores["method"] == "DMACL"].groupby("dataset")[cols].mean()
    dflt = default_scores.assign(dataset=default_scores["dataset"].str.replace(r" \(K=\d+\)$", "", regex=True))
    dflt = dflt.groupby("dataset")[cols].mean()
    both = oracle.join(dflt, lsuffix="_true_K", rsuffix="_default_K", how="inner")
    return both.reset_index()


def embedding_scores(scores: pd.DataFrame, outs: dict, datasets, kmeans_runs: int,
                     views=("encoder", "instance_raw")) -> pd.DataFrame:
    """DMACL's indices when k-means runs on each alternative vector (``views``) instead of ours, scored the
    same way (the same k, k-means runs and seed; own space and the common space), beside the grid's own DMACL
    rows (``embedding = "instance"``). One row per embedding, dataset, seed and k. Units whose output holds no
    views (grid-job files written before they were recorded) are left out."""
    cols = ["dataset", "seed", "k"] + [c for c in INDICES if c in scores]
    out = [scores.loc[scores["method"] == "DMACL", cols].assign(embedding="instance")]
    for ds in datasets:
        for (name, method, seed), o in outs.items():
            if name != ds.name or method != "DMACL" or not o.get("views"):
                continue
            for view in views:
                for k in ds.eval_ks:
                    try:
                        r = clustering.evaluate(o["views"][view], k, kmeans_runs, ds.truth, seed, common=ds.common)
                    except ValueError:  # a degenerate vector (every k-means run one cluster): no row, as in the grid
                        continue
                    out.append(pd.DataFrame([{"dataset": ds.name, "seed": seed, "k": k, "embedding": view,
                                              **{c: r[c] for c in cols[3:] if c in r}}]))
    return pd.concat(out, ignore_index=True)


EFFECT_INDICES = ("c_index_common", "ari", "c_index", "silhouette")


def embedding_effect(emb: pd.DataFrame, metrics=EFFECT_INDICES) -> pd.DataFrame:
    """Per embedding and index: the mean over datasets (seeds and k averaged within a dataset first), and the
    difference from ours (``instance``) with its spread over datasets (the unit of replication)."""
    metrics = [m for m in metrics if m in emb and emb[m].notna().any()]
    per_ds = emb.groupby(["embedding", "dataset"])[metrics].mean()
    mine = per_ds.loc["instance"]
    rows = []
    for e in per_ds.index.get_level_values("embedding").unique():
        d = per_ds.loc[e] - mine.reindex(per_ds.loc[e].index)
        for m in metrics:
            rows.append({"embedding": EMBEDDINGS[e], "key": e, "index": m, "mean": float(per_ds.loc[e, m].mean()),
                         "minus_ours": float(d[m].mean()), "minus_ours_sd": float(d[m].std(ddof=1))
                         if d[m].notna().sum() > 1 else np.nan, "datasets": int(d[m].notna().sum())})
    return pd.DataFrame(rows)


#: the paper's DMACL C-index values (own space) each figure's audit compares the embeddings' own-space C-index with
PAPER_CINDEX = {"fig2": tuple(f"fig2_dmacl_cindex_{c}_k{k}" for c in ("het", "equ") for k in (5, 10, 15)),
                "fig4": ("cancer_dmacl_cindex",)}


def embedding_facts(effect: pd.DataFrame, figure: str) -> dict:
    """Facts for the audit row: ``emb_<index>_<embedding>`` means, the mean of the paper's DMACL C-index values
    of ``figure`` (:data:`PAPER_CINDEX`) and which embedding's own-space C-index lies closer to it."""
    from omicslib.book import reference

    f = {f"emb_{m}_{e}": ("not run", "{}") for m in EFFECT_INDICES for e in EMBEDDINGS}
    f |= {f"emb_{r.index}_{r.key}": (r.mean, "{:.2g}" if r.index == "c_index" else "{:.3f}")
          for r in effect.itertuples()}  # own-space C-indices are near 0: two significant digits
    target = float(np.mean([reference.value("p3", k) for k in PAPER_CINDEX[figure]]))
    own = effect[effect["index"] == "c_index"].set_index("key")["mean"]
    f["emb_paper_c_mean"] = (target, "{:.3f}")
    f["emb_closer_to_paper"] = (EMBEDDINGS[(own - target).abs().idxmin()] if len(own) else "not run", "{}")
    return f
