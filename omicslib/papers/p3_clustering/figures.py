"""p3 figures: Figure 2 bars, Figure 4 radars, the Table I sweep, AML Kaplan-Meier and Fig. 5A-style
heatmap, TCGA-BRCA bars, and the rank-stability plot. Each returns a matplotlib figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicslib.papers.p3_clustering.config import TABLE_I_NAMES, table1
from omicslib.papers.p3_clustering.protocol import METHODS

METRIC_LABELS = {"c_index": "Hubert–Levin C-index (lower better)", "silhouette": "Silhouette (higher better)",
                 "davies_bouldin": "Davies-Bouldin (lower better)", "ari": "ARI vs truth", "nmi": "NMI vs truth"}
#: Two-line column titles of the Figure 4 radars. The Hubert–Levin C-index (lower is better) is not
#: Harrell's concordance index of survival analysis (higher is better), p5's C-index.
RADAR_TITLES = {"c_index": "Hubert–Levin C-index\n(lower is better)", "silhouette": "silhouette\n(higher is better)",
                "davies_bouldin": "Davies–Bouldin\n(lower is better)"}


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
    """Paper Figure 4: one radar per (k, index), rows k and columns index; spokes = datasets, one line per method.

    Each index keeps one radial range over every k, so that the rows compare; its three labelled rings sit
    between the first two spokes, clear of the dataset names, on a white ground over the lines; the outer
    ring is the range's top.
    """
    import matplotlib.pyplot as plt

    cancers = list(dict.fromkeys(summary["dataset"]))
    ang = np.linspace(0, 2 * np.pi, len(cancers), endpoint=False)
    methods = [m for m in methods if m in set(summary["method"])]
    fig, axes = plt.subplots(len(ks), len(metrics), figsize=(2.8 * len(metrics), 2.6 * len(ks) + 0.9),
                             subplot_kw={"projection": "polar"}, squeeze=False, layout="constrained")
    fig.get_layout_engine().set(hspace=0.06, wspace=0.08)
    shown = summary[summary["k"].isin(ks) & summary["method"].isin(methods)]
    for j, met in enumerate(metrics):
        lo, hi = min(0.0, shown[met].min()), shown[met].max()
        hi = hi + 0.05 * (hi - lo) if hi > lo else lo + 1.0
        rings = np.linspace(lo, hi, 4)[1:3]   # the outer ring stays unlabelled, away from the dataset names
        for i, k in enumerate(ks):
            ax = axes[i, j]
            sub = shown[shown["k"] == k]
            for n, m in enumerate(methods):
                v = sub[sub["method"] == m].set_index("dataset").reindex(cancers)[met].to_numpy()
                ax.plot(np.r_[ang, ang[:1]], np.r_[v, v[:1]], lw=2.2 if m == "DMACL" else 0.9,
                        color="red" if m == "DMACL" else plt.cm.tab20(n % 20), label=m, zorder=3 if m == "DMACL" else 2)
            # first spoke at the top, clockwise: no two dataset names side by side at the top or bottom
            ax.set_theta_offset(np.pi / 2)
            ax.set_theta_direction(-1)
            ax.set_ylim(lo, hi)
            # ring values as texts above the lines (the style draws the axis and its labels below them)
            ax.set_yticks(rings, [])
            between = ang[1] / 2 if len(ang) > 1 else np.pi / 8
            for r in rings:
                ax.text(between, r, f"{r:.2g}", fontsize=10, color="0.25", ha="center", va="center", zorder=5,
                        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 0.6})
            ax.set_xticks(ang, cancers, fontsize=10)
            ax.tick_params(axis="x", pad=3)
            if i == 0:
                ax.set_title(RADAR_TITLES.get(met, met), fontsize=12, pad=12)
            if j == 0:
                ax.text(-0.42, 0.5, f"k = {k}", transform=ax.transAxes, rotation=90, ha="center", va="center",
                        fontsize=12)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=5, fontsize=10, frameon=False)
    return fig


def sweep_plot(sweep: pd.DataFrame):
    """One small panel per Table I hyperparameter: the Hubert–Levin C-index and 1 - silhouette per setting
    (both lower is better), three panels a row."""
    import matplotlib.pyplot as plt

    grid = table1()
    ok = sweep[sweep["status"] == "ok"]
    rows = -(-len(grid) // 3)
    fig, axes = plt.subplots(rows, 3, figsize=(9, 2.6 * rows + 0.5), squeeze=False, layout="constrained")
    for ax, (p, (_, sel)) in zip(axes.ravel(), grid.items()):
        sub = ok[ok["parameter"] == p]
        ax.plot(sub["value"].astype(str), sub["c_index"], "o-", label="Hubert–Levin C-index")
        ax.plot(sub["value"].astype(str), 1 - sub["silhouette"], "s--", label="1 - silhouette")
        ax.set_title(f"{TABLE_I_NAMES[p]} (paper: {sel})", fontsize=11)
        ax.tick_params(labelsize=10)
    for ax in axes.ravel()[len(grid):]:
        ax.set_visible(False)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=11, frameon=False)
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
    fig, axes = plt.subplots(1, len(metrics), figsize=(3 * len(metrics), 3.4), squeeze=False, layout="constrained")
    for ax, met in zip(axes[0], metrics):
        sub = ranks[ranks["metric"] == met]
        for space, marker in (("own", "o"), ("common", "s")):
            s = sub[sub["space"] == space]
            ax.scatter(s["dataset"].astype(str), s["rank"], marker=marker, alpha=0.6, label=f"{space} space")
        ax.set_title(METRIC_LABELS.get(met.removesuffix("_common"), met).replace(" (", "\n("), fontsize=11)
        ax.tick_params(axis="x", rotation=60, labelsize=10)
        ax.tick_params(axis="y", labelsize=10)
        ax.invert_yaxis()
    axes[0, 0].set_ylabel("DMACL rank (1 = best)", fontsize=11)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=11, frameon=False)
    fig.suptitle(title, fontsize=12)
    return fig
