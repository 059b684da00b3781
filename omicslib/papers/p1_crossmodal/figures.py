"""p1 figures: Figure 5 (macro-F1 vs K), Figure 6 (confusion matrices), the K x modality explorer,
the gate trajectories and the stage-3 training curves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from omicslib import stats
from omicslib.book import plots
from omicslib.papers.p1_crossmodal.analysis import (
    CONFUSION_ORDER,
    figure5_paper,
    paper_confusion,
    per_fold_f1,
    per_subtype,
)
from omicslib.papers.p1_crossmodal.config import PAPER_VARIANTS
from omicslib.papers.p1_crossmodal.protocol import GridResult


def figure5(result: GridResult, k_grid, variants):
    """Macro-F1 vs K: ours (mean, 95 % CI over the fold models) and the paper's points (dotted)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, v in enumerate(variants):
        m, lo, hi = zip(*[stats.mean_ci(per_fold_f1(result.folds, k, v)) for k in k_grid])
        x = np.arange(len(k_grid)) + (i - 1) * 0.06
        ax.errorbar(x, m, yerr=[np.subtract(m, lo), np.subtract(hi, m)], marker="o", capsize=3, label=f"ours {v}")
        ax.plot(np.arange(len(k_grid)), figure5_paper(k_grid, v), ls=":", color=f"C{i}", alpha=0.7,
                label=f"paper {v}")
    ax.set_xticks(range(len(k_grid)), [f"{k}\n(ours {result.k_map[k]})" for k in k_grid])
    ax.set_xlabel("K (paper grid; our mapped K below)")
    ax.set_ylabel("macro-F1 on the hold-out")
    ax.legend(fontsize=7, ncol=2)
    return fig


def row_rates(cm: pd.DataFrame) -> pd.DataFrame:
    """Each row of a confusion matrix divided by its total: the share of the true class predicted as each
    subtype (an empty row is NaN, which the heat map leaves blank)."""
    return cm.div(cm.sum(axis=1).replace(0, np.nan), axis=0)


def _rate_heatmap(cm: pd.DataFrame, ax, title: str):
    import seaborn as sns

    rates = row_rates(cm)
    notes = [[f"{r:.2f}\n({n:,})" for r, n in zip(rr, nn)] for rr, nn in zip(rates.to_numpy(), cm.to_numpy())]
    sns.heatmap(rates, vmin=0, vmax=1, cmap="Blues", annot=np.array(notes), fmt="", annot_kws={"fontsize": 11},
                cbar=False, square=True, ax=ax)
    ax.set(xlabel="predicted", ylabel="true", title=f"{title}\n{int(cm.to_numpy().sum()):,} predictions")
    ax.tick_params(axis="y", rotation=0)
    return ax


def figure6(cm_ours, k_ours: int, variant: str, kind: str):
    """Our confusion matrix beside the paper's printed Figure 6 matrix, both as row rates (share of each true
    class, count below): ours pools the hold-out predictions of every seed x fold checkpoint, the paper's
    matrix those of its five, so the counts differ in scale and only the rates compare."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 4.2), sharey=True, layout="constrained")
    fig.get_layout_engine().set(wspace=0.08)
    _rate_heatmap(cm_ours.loc[CONFUSION_ORDER, CONFUSION_ORDER], axes[0], f"ours ({kind}): K={k_ours}, {variant}")
    _rate_heatmap(paper_confusion(), axes[1], "paper (Figure 6): K=1000, EXP+CNA")
    axes[1].set_ylabel("")
    fig.colorbar(axes[0].collections[0], ax=axes, shrink=0.8, label="share of the true class")
    return fig


def config_figure(result: GridResult, k_paper: int, variant: str, ax=None):
    """Confusion matrix of one (K, variant), five checkpoints pooled, titled with its macro-F1
    (mean ± SD over the fold models): the view the p1 explorer and its static grid show."""
    _, cm = per_subtype(result, k_paper, variant)
    f1 = per_fold_f1(result.folds, k_paper, variant)
    sd = f1.std(ddof=1) if f1.size > 1 else 0.0
    title = f"K={k_paper} (ours {result.k_map[k_paper]}) {variant}\nmacro-F1 {f1.mean():.3f} ± {sd:.3f}"
    return plots.confusion_heatmap(cm.loc[CONFUSION_ORDER, CONFUSION_ORDER], ax=ax, title=title)


def config_grid(result: GridResult):
    """Static companion of the explorer: :func:`config_figure` for every K (rows) x variant (columns)."""
    ks, vs = list(result.k_map), [v for v in PAPER_VARIANTS if (result.folds["variant"] == v).any()]
    fig, axes = plt.subplots(len(ks), len(vs), figsize=(3.6 * len(vs), 3.4 * len(ks)), squeeze=False)
    for i, k in enumerate(ks):
        for j, v in enumerate(vs):
            config_figure(result, k, v, ax=axes[i, j])
            axes[i, j].title.set_fontsize(9)
    fig.tight_layout()
    return fig


def explorer_view(result: GridResult):
    """The explorer's callback: ``(K, variant) -> figure``."""
    return lambda K, variant: config_figure(result, K, variant).figure


def gate_trajectory_figure(traj, k_map: dict[int, int]):
    """sigmoid(gate) per stage-2 epoch (0 = initial value), one line per fold model (and seed), one panel per
    variant x gate."""
    panels = [(v, g) for v in ("EXP+CNA", "EXP+CNA+MUT") for g in ("gate_cna", "gate_mut")
              if g in traj and (traj["variant"] == v).any() and traj.loc[traj["variant"] == v, g].notna().any()]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels), 3.2), squeeze=False, sharey=True)
    for ax, (v, g) in zip(axes[0], panels):
        sub = traj[traj["variant"] == v]
        runs = ["fold", "seed"] if "seed" in sub.columns else ["fold"]
        for i, (kp, d) in enumerate(sub.groupby("K_paper")):
            for j, (_, f) in enumerate(d.groupby(runs)):
                ax.plot(f["epoch"], f[g], color=f"C{i}", alpha=0.6, marker=".",
                        label=f"K={kp} (ours {k_map[kp]})" if j == 0 else None)
        ax.axhline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_title(f"{v}: {'sigmoid(a), CNA' if g == 'gate_cna' else 'sigmoid(b), MUT'}", fontsize=9)
        ax.set_xlabel("stage-2 epoch")
    axes[0, 0].set_ylabel("gate value")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def training_curves(result: GridResult, k_paper: int, variant: str, n_folds: int):
    """Stage-3 focal loss of one configuration, five folds."""
    hs = [result.histories[(k_paper, variant, f)]["stage3"] for f in range(n_folds)]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    plots.training_curves(hs, ax=ax, title=f"stage 3, K={result.k_map[k_paper]} {variant}")
    return fig
