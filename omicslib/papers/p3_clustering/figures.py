"""p3 figures: Figure 2 bars, Figure 4 radars, the Table I sweep, AML Kaplan-Meier and Fig. 5A-style
heatmap, TCGA-BRCA bars, and the rank-stability plot. Each returns a matplotlib figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicslib.papers.p3_clustering.config import TABLE_I_NAMES, table1
from omicslib.papers.p3_clustering.protocol import METHODS

METRIC_LABELS = {"c_index": "C-index (Hubert-Levin, lower better)", "silhouette": "Silhouette (higher better)",
                 "davies_bouldin": "Davies-Bouldin (lower better)", "ari": "ARI vs truth", "nmi": "NMI vs truth"}


def bar_grid(summary: pd.DataFrame, metrics, facets: str, x: str = "k", methods=METHODS):
    """Rows = metrics, columns = values of ``facets``; grouped bars of ``methods`` at each ``x``."""
    import matplotlib.pyplot as plt

    cols = list(dict.fromkeys(summary[facets]))
    fig, axes = plt.subplots(len(metrics), len(cols), figsize=(5.5 * len(cols), 2.6 * len(metrics)), squeeze=False)
    methods = [m for m in methods if m in set(summary["method"])]
    xs = sorted(summary[x].unique())
    w = 0.8 / len(methods)
    for i, met in enumerate(metrics):
        for j, col in enumerate(cols):
            ax = axes[i, j]
            sub = summary[summary[facets] == col]
            for n, m in enumerate(methods):
                v = sub[sub["method"] == m].set_index(x).reindex(xs)[met]
                colour = "red" if m == "DMACL" else plt.cm.tab20(n % 20)
                ax.bar(np.arange(len(xs)) + n * w, v, w, label=m, color=colour,
                       edgecolor="k" if m == "DMACL" else "none")
            ax.set_xticks(np.arange(len(xs)) + 0.4 - w / 2, [f"{x}={v}" for v in xs])
            ax.set_title(f"{col}" if i == 0 else "")
            ax.set_ylabel(METRIC_LABELS.get(met.removesuffix("_common"), met) if j == 0 else "", fontsize=8)
    axes[0, -1].legend(fontsize=7, ncol=2, bbox_to_anchor=(1.02, 1), loc="upper left")
    fig.tight_layout()
    return fig


def radar_grid(summary: pd.DataFrame, metrics, ks, methods=METHODS):
    """Paper Figure 4 layout: one radar per (metric, k); spokes = datasets, one line per method."""
    import matplotlib.pyplot as plt

    cancers = list(dict.fromkeys(summary["dataset"]))
    ang = np.linspace(0, 2 * np.pi, len(cancers), endpoint=False)
    fig, axes = plt.subplots(len(metrics), len(ks), figsize=(3.2 * len(ks), 3.4 * len(metrics)),
                             subplot_kw={"projection": "polar"}, squeeze=False)
    methods = [m for m in methods if m in set(summary["method"])]
    for i, met in enumerate(metrics):
        for j, k in enumerate(ks):
            ax = axes[i, j]
            sub = summary[summary["k"] == k]
            for n, m in enumerate(methods):
                v = sub[sub["method"] == m].set_index("dataset").reindex(cancers)[met].to_numpy()
                ax.plot(np.r_[ang, ang[:1]], np.r_[v, v[:1]], lw=2.2 if m == "DMACL" else 0.8,
                        color="red" if m == "DMACL" else plt.cm.tab20(n % 20), label=m)
            ax.set_xticks(ang, cancers, fontsize=6)
            ax.tick_params(axis="y", labelsize=6)
            ax.set_title(f"{met} k={k}", fontsize=8)
    axes[0, -1].legend(fontsize=6, bbox_to_anchor=(1.1, 1.0), loc="upper left")
    fig.tight_layout()
    return fig


def sweep_plot(sweep: pd.DataFrame):
    """One small panel per Table I hyperparameter: C-index and 1 - silhouette per setting."""
    import matplotlib.pyplot as plt

    grid = table1()
    ok = sweep[sweep["status"] == "ok"]
    fig, axes = plt.subplots(1, len(grid), figsize=(18, 3))
    for ax, (p, (_, sel)) in zip(axes, grid.items()):
        sub = ok[ok["parameter"] == p]
        ax.plot(sub["value"].astype(str), sub["c_index"], "o-", label="C-index")
        ax.plot(sub["value"].astype(str), 1 - sub["silhouette"], "s--", label="1 - silhouette")
        ax.set_title(f"{TABLE_I_NAMES[p]} (paper: {sel})", fontsize=9)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def aml_km(subtypes: pd.Series, survival: pd.DataFrame, logrank_p: float):
    """Kaplan-Meier curves of the AML subtypes (patients with survival only), via ``book.plots.km_plot``."""
    import matplotlib.pyplot as plt

    from omicslib.book.plots import km_plot

    ids = subtypes.index.intersection(survival.index)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    km_plot(survival.loc[ids, "time"], survival.loc[ids, "event"], subtypes.loc[ids].map(lambda s: f"subtype {s}"),
            ax=ax, title=f"AML subtypes, log-rank p = {logrank_p:.3g}")
    return fig


def subtype_heatmap(x: pd.DataFrame, subtypes: pd.Series, features: list[str]):
    """Fig. 5A layout: z-scored subtype means of ``features`` (rows = subtypes)."""
    import matplotlib.pyplot as plt

    z = x[features].groupby(subtypes).mean()
    z = (z - z.mean()) / z.std(ddof=0).replace(0, 1)
    fig, ax = plt.subplots(figsize=(max(6, len(features) * 0.18), 3))
    im = ax.imshow(z.to_numpy(), aspect="auto", cmap="RdBu_r")
    ax.set_yticks(range(len(z)), [f"subtype {s}" for s in z.index])
    ax.set_xticks(range(len(features)), features, rotation=90, fontsize=5)
    fig.colorbar(im, ax=ax, label="z of subtype mean")
    return fig


def tcga_bars(res: pd.DataFrame):
    """ARI / NMI vs PAM50 and -log10 log-rank p per method (DMACL in red)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 3.5))
    order = res.sort_values("ari", ascending=False)
    for ax, col, lab in zip(axes, ("ari", "nmi", "neg_log10_p"),
                            ("ARI vs PAM50", "NMI vs PAM50", "-log10 log-rank p (OS)")):
        ax.bar(order["method"], order[col], color=["red" if m == "DMACL" else "C0" for m in order["method"]])
        ax.set_title(lab)
        ax.tick_params(axis="x", rotation=90, labelsize=7)
    axes[2].axhline(-np.log10(0.05), color="k", ls="--", lw=0.8)
    fig.tight_layout()
    return fig


def rank_stability_plot(ranks: pd.DataFrame, title: str):
    """DMACL's rank per dataset and seed (own vs common space), one panel per index."""
    import matplotlib.pyplot as plt

    metrics = list(dict.fromkeys(ranks["metric"]))
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False)
    for ax, met in zip(axes[0], metrics):
        sub = ranks[ranks["metric"] == met]
        for space, marker in (("own", "o"), ("common", "s")):
            s = sub[sub["space"] == space]
            ax.scatter(s["dataset"].astype(str), s["rank"], marker=marker, alpha=0.6, label=f"{space} space")
        ax.set_title(met, fontsize=9)
        ax.tick_params(axis="x", rotation=60, labelsize=7)
        ax.set_ylabel("DMACL rank (1 = best)")
        ax.invert_yaxis()
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
