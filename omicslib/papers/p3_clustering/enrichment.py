"""Subtype characterisation (p3 Figures 5-6): one-vs-rest differential expression per cluster,
over-representation (GO-style) and pre-ranked GSEA with gseapy on LOCAL gene-set files only.

The paper does not state its DE method or thresholds; we use Welch's t-test on log-scale
expression (each cluster vs all other samples) with Benjamini-Hochberg FDR, log2 fold change
= difference of means on the log2 scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests


def de_one_vs_rest(expr: pd.DataFrame, labels, min_group: int = 3) -> pd.DataFrame:
    """Long table (cluster, gene, log2fc, t, p, padj) for log-scale ``expr`` (samples x genes)."""
    labels = pd.Series(np.asarray(labels), index=expr.index)
    if expr.isna().any().any():
        raise ValueError("expression contains missing values; impute or drop them first")
    rows = []
    for c in sorted(labels.unique()):
        inside = labels.eq(c).to_numpy()
        if inside.sum() < min_group or (~inside).sum() < min_group:
            raise ValueError(f"cluster {c!r} has {inside.sum()} samples; need >= {min_group} on each side")
        a, b = expr.to_numpy()[inside], expr.to_numpy()[~inside]
        t, p = stats.ttest_ind(a, b, equal_var=False)
        p = np.nan_to_num(p, nan=1.0)
        rows.append(pd.DataFrame({"cluster": c, "gene": expr.columns, "log2fc": a.mean(0) - b.mean(0),
                                  "t": np.nan_to_num(t), "p": p, "padj": multipletests(p, method="fdr_bh")[1]}))
    return pd.concat(rows, ignore_index=True)


def top_up(de: pd.DataFrame, n: int = 10, padj: float = 0.05) -> dict:
    """Per cluster, the ``n`` significantly up-regulated genes with the largest fold change."""
    sig = de[(de["padj"] < padj) & (de["log2fc"] > 0)]
    return {c: g.nlargest(n, "log2fc")["gene"].tolist() for c, g in sig.groupby("cluster")}


def overrepresentation(genes: list[str], gene_sets: dict[str, list[str]], background: list[str]) -> pd.DataFrame:
    """Hypergeometric over-representation (gseapy ``enrich``, offline) of ``genes`` in ``gene_sets``."""
    import gseapy

    if not genes:
        return pd.DataFrame(columns=["Term", "Overlap", "P-value", "Adjusted P-value", "Genes"])
    res = gseapy.enrich(gene_list=list(genes), gene_sets=gene_sets, background=list(background), outdir=None,
                        no_plot=True, verbose=False)
    return res.results.sort_values("Adjusted P-value")


def prerank_gsea(ranking: pd.Series, gene_sets: dict[str, list[str]], permutations: int = 1000, seed: int = 0,
                 min_size: int = 15, max_size: int = 500) -> pd.DataFrame:
    """Pre-ranked GSEA (gseapy ``prerank``, offline) of a gene -> statistic ranking; NES and FDR per set."""
    import gseapy

    rnk = ranking.dropna().sort_values(ascending=False)
    res = gseapy.prerank(rnk=rnk, gene_sets=gene_sets, permutation_num=permutations, seed=seed, threads=1,
                         min_size=min_size, max_size=max_size, outdir=None, no_plot=True, verbose=False)
    out = res.res2d.copy()
    for c in ("NES", "NOM p-val", "FDR q-val", "ES"):
        out[c] = pd.to_numeric(out[c], errors="coerce")
    return out.sort_values("FDR q-val")


def characterise(expr: pd.DataFrame, labels, gene_sets: dict[str, list[str]], *, n_top: int = 10,
                 permutations: int = 100, seed: int = 0) -> dict[str, pd.DataFrame]:
    """DE, top-up genes, over-representation of the up genes and pre-ranked GSEA (by t) for every cluster."""
    de = de_one_vs_rest(expr, labels)
    ups = top_up(de, n=200)
    ora, gsea = [], []
    for c, g in de.groupby("cluster"):
        o = overrepresentation(ups.get(c, []), gene_sets, list(expr.columns))
        ora.append(o.assign(cluster=c))
        r = prerank_gsea(g.set_index("gene")["t"], gene_sets, permutations, seed)
        gsea.append(r.assign(cluster=c))
    return {"de": de, "top": pd.DataFrame([(c, i + 1, g) for c, gs in top_up(de, n_top).items()
                                           for i, g in enumerate(gs)], columns=["cluster", "rank", "gene"]),
            "ora": pd.concat(ora, ignore_index=True) if ora else pd.DataFrame(),
            "gsea": pd.concat(gsea, ignore_index=True) if gsea else pd.DataFrame()}
