"""Shared figure style and the provenance stamp every figure carries."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from omicslib.book.provenance import BADGE_COLOURS, BADGE_TEXT, Provenance


def set_style() -> None:
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "savefig.bbox": "tight"})


def stamp(fig: plt.Figure, provenance: Provenance) -> None:
    """Write the provenance kind on the figure; synthetic figures also get a diagonal watermark."""
    fig.text(0.995, -0.01, BADGE_TEXT[provenance.kind], ha="right", va="top", fontsize=8,
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


def verdict_forest(ledger: pd.DataFrame, title: str = ""):
    """Forest plot of a claims ledger (:func:`omicslib.book.claims.ledger`), or ``None`` when it has no
    real-data interval claim.

    Left, the ``value`` claims on the scale of the deviation from the paper's value: the grey band is
    ± the claim's tolerance, the bar our CI, the dot our estimate coloured by verdict, the open diamond
    the strongest simple baseline. Right, the comparative claims: the effect oriented so that the paper's
    claim is > 0, its CI, and the equivalence margin where one is stated. Synthetic rows (pipeline checks)
    are left out.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from omicslib.book.claims import COMPARATIVE, VERDICT_COLOURS

    real = ledger[ledger["provenance"].isin(("full", "real-subset", "other-cohort"))]
    val = real[(real["kind"] == "value") & real["ours"].notna() & real["paper_value"].notna()]
    comp = real[real["kind"].isin(COMPARATIVE) & real["ours"].notna()]
    panels = [(p, d) for p, d in (("value", val), ("comparative", comp)) if len(d)]
    if not panels:
        return None
    height = max(2.5, 0.28 * max(len(d) for _, d in panels) + 1.2)
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), height), squeeze=False)
    for ax, (panel, d) in zip(axes[0], panels):
        y = np.arange(len(d))[::-1]
        if panel == "value":
            centre = d["paper_value"].to_numpy(float)
            tol = d["tolerance"].to_numpy(float)
            ax.barh(y, 2 * np.nan_to_num(tol), left=-np.nan_to_num(tol), height=0.7, color="0.88", zorder=0)
            est, lo, hi = (d[c].to_numpy(float) - centre for c in ("ours", "ci_low", "ci_high"))
            base = d["baseline_value"].to_numpy(float) - centre
            ax.set_xlabel("ours − paper (band: ± tolerance)")
        else:
            sign = d["expected_sign"].to_numpy(float)
            est = sign * d["ours"].to_numpy(float)
            lo, hi = np.sort(np.stack([sign * d["ci_low"].to_numpy(float), sign * d["ci_high"].to_numpy(float)]), 0)
            margin = d["margin"].to_numpy(float)
            for yi, m in zip(y, margin):
                if np.isfinite(m):
                    ax.plot([-m, m], [yi, yi], color="0.75", lw=6, solid_capstyle="butt", zorder=0)
            base = np.full(len(d), np.nan)
            ax.set_xlabel("effect in the paper's direction (grey: ± margin)")
        colours = [VERDICT_COLOURS[v] for v in d["verdict"]]
        ax.hlines(y, lo, hi, colors=colours, lw=1.6)
        ax.scatter(est, y, c=colours, s=28, zorder=3)
        ax.scatter(base, y, marker="D", facecolors="none", edgecolors="black", s=26, zorder=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, d["id"], fontsize=7)
        ax.set_title(f"{panel} claims ({len(d)})", fontsize=10)
        ax.grid(axis="y", visible=False)
    handles = [Patch(color=c, label=v) for v, c in VERDICT_COLOURS.items() if v in set(real["verdict"])]
    handles.append(Line2D([], [], marker="D", ls="", mfc="none", mec="black", label="strongest baseline"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return fig
