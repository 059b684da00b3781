"""Shared figure style and the provenance stamp every figure carries."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from omicslib.provenance import BADGE_COLOURS, BADGE_TEXT, Provenance


def set_style() -> None:
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "savefig.bbox": "tight"})


def stamp(fig: plt.Figure, provenance: Provenance) -> None:
    """Write the provenance kind on the figure; synthetic figures also get a diagonal watermark."""
    # scaled with the figure's width so the badge renders at >= 10 px when the figure fills an 800 px column
    size = max(10.0, 10.0 * fig.get_figwidth() * 150 / 800 * 72 / 150)
    fig.text(0.995, -0.01, BADGE_TEXT[provenance.kind], ha="right", va="top", fontsize=size,
             color="white", bbox=dict(facecolor=BADGE_COLOURS[provenance.kind], edgecolor="none", pad=2))
    if provenance.is_synthetic:
        fig.text(0.5, 0.5, "SYNTHETIC", ha="center", va="center", rotation=30, fontsize=48,
                 color=BADGE_COLOURS["synthetic"], alpha=0.12, zorder=0)


def confusion_heatmap(cm: pd.DataFrame, ax=None, title: str = "", normalise: bool = False):
    """Heat-map of a confusion matrix (rows true, columns predicted)."""
    import seaborn as sns

    ax = ax or plt.subplots(figsize=(4.5, 4))[1]
    data = cm.div(cm.sum(1), axis=0) if normalise else cm
    sns.heatmap(data, annot=cm.values, fmt="d", cmap="Blues", cbar=False, ax=ax, square=True)
    ax.set_xlabel("Predicted")
    ax.set_ylabel("True")
    ax.set_title(title)
    return ax


def training_curves(histories: list[pd.DataFrame], ax=None, title: str = ""):
    """Mean ± SD of train/validation loss over folds (each a ``History.to_frame()``)."""
    ax = ax or plt.subplots(figsize=(5, 3.5))[1]
    for col, colour in (("train_loss", "C0"), ("val_loss", "C1")):
        if not all(col in h for h in histories):
            continue
        n = max(len(h) for h in histories)
        arr = np.full((len(histories), n), np.nan)
        for i, h in enumerate(histories):
            arr[i, : len(h)] = h[col].to_numpy()
        m, s = np.nanmean(arr, 0), np.nanstd(arr, 0)
        x = np.arange(1, n + 1)
        ax.plot(x, m, color=colour, label=col.replace("_", " "))
        ax.fill_between(x, m - s, m + s, color=colour, alpha=0.2)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    return ax


def km_plot(time, event, groups, ax=None, title: str = "", unit: str = "days", order=None, colours=None):
    """Kaplan–Meier curves (lifelines, with 95 % bands) of each group in ``groups`` (one label per patient).

    Labels are shown as ``"<label> (n=…)"``, in ``order`` (default: sorted labels).
    """
    from lifelines import KaplanMeierFitter

    time, event, groups = np.asarray(time, float), np.asarray(event), np.asarray(groups)
    if not (time.shape == event.shape == groups.shape):
        raise ValueError(f"time, event and groups need one value per patient, got {time.shape}, {event.shape}, "
                         f"{groups.shape}")
    ax = ax or plt.subplots(figsize=(5, 3.6))[1]
    labels = list(order) if order is not None else sorted(set(groups.tolist()))
    for i, lab in enumerate(labels):
        sel = groups == lab
        if not sel.any():
            raise ValueError(f"group {lab!r} has no patients")
        KaplanMeierFitter().fit(time[sel], event[sel], label=f"{lab} (n={int(sel.sum())})").plot_survival_function(
            ax=ax, ci_show=True, color=(colours or {}).get(lab, f"C{i}"))
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("survival probability")
    ax.set_title(title)
    return ax

