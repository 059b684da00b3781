"""p5 figures: each function draws one figure and returns it (the notebook saves it with ``run.figure``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from omicslib.book.plots import km_plot

RISK_ORDER = ("low predicted risk", "high predicted risk")
RISK_COLOURS = {"low predicted risk": "C0", "high predicted risk": "C3"}
#: Months per time unit of the cohorts' survival times (a month is 365.25 / 12 days): every real
#: Kaplan–Meier figure is drawn in months, so that cohorts recorded in days and in months read alike.
MONTHS_PER = {"days": 12 / 365.25, "months": 1.0, "years": 12.0}


def to_months(time, unit: str) -> np.ndarray:
    """Survival times recorded in ``unit`` (days, months or years) in months."""
    if unit not in MONTHS_PER:
        raise ValueError(f"unit must be one of {sorted(MONTHS_PER)}, got {unit!r}")
    return np.asarray(time, float) * MONTHS_PER[unit]


def risk_km(time, event, high, title: str = "", unit: str = "days", ax=None):
    """Kaplan–Meier curves of the low and high predicted-risk groups (``omicslib.book.plots.km_plot``), in
    months when ``unit`` is days, months or years (other units, e.g. a simulation's, are drawn as given),
    survival from 0 to 1, and the numbers at risk at each time tick under the plot."""
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts

    time, event = np.asarray(time, float), np.asarray(event)
    if unit in MONTHS_PER:
        time, unit = to_months(time, unit), "months"
    groups = np.where(np.asarray(high, bool), RISK_ORDER[1], RISK_ORDER[0])
    ax = km_plot(time, event, groups, ax=ax, title=title, unit=unit, order=RISK_ORDER, colours=RISK_COLOURS)
    ax.set_ylim(0, 1)
    ax.set_xlim(0, None)
    ax.legend(fontsize=10, loc="upper right")
    fitters = [KaplanMeierFitter().fit(time[groups == g], event[groups == g]) for g in RISK_ORDER]
    add_at_risk_counts(*fitters, ax=ax, fig=ax.figure, rows_to_show=["At risk"], labels=["low risk", "high risk"],
                       fontsize=10)
    return ax


def km_figure(time, event, high, title: str, unit: str = "days", figsize=(6, 4.6)):
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    risk_km(time, event, high, title, unit, ax)
    return fig


def km_panels(panels: list[tuple[np.ndarray, np.ndarray, np.ndarray, str, str]]):
    """One Kaplan–Meier panel per ``(time, event, high, title, unit)``, at most two a row, all in months."""
    cols = min(2, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 4.4 * rows), squeeze=False, layout="constrained")
    for ax, (t, e, h, title, unit) in zip(axes.ravel(), panels):
        risk_km(t, e, h, title, unit, ax)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    return fig


def pretraining_curves(curves: pd.DataFrame, chance: float, title: str = "Contrastive pretraining (synthetic)"):
    """InfoNCE training loss per epoch, one line per ``features`` value, with the chance level log(batch)."""
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for key, g in curves.groupby("features"):
        ax.plot(g["epoch"], g["train_loss"], label=f"patch features: {key}")
    ax.axhline(chance, ls="--", c="grey", lw=1, label="chance (log batch)")
    ax.set(xlabel="epoch", ylabel="InfoNCE loss", title=title)
    ax.legend()
    return fig


def cindex_bars(summary: pd.DataFrame, truth: float, title: str = "SYNTHETIC survival prediction"):
    """Harrell's C-index (survival concordance, higher is better; not p3's Hubert–Levin clustering index) per
    setting evaluated on its own modalities (pretrained arms orange), with that of the true log-hazard and 0.5."""
    fig, ax = plt.subplots(figsize=(7, 4))
    main = summary[summary["evaluated_on"].str.count(r"\+") == summary["setting"].str.startswith("multimodal")]
    ax.barh(main["setting"] + " [" + main["evaluated_on"] + "]", main["c_index_mean"], xerr=main["c_index_sd"],
            color=["C1" if "pretraining" in s else "C0" for s in main["setting"]])
    ax.axvline(truth, ls="--", c="k", lw=1, label=f"true log-hazard ({truth:.2f})")
    ax.axvline(0.5, ls=":", c="grey", lw=1)
    ax.set(xlabel="Harrell's C-index, higher is better (mean ± SD over folds and seeds)", xlim=(0.45, 1), title=title)
    ax.invert_yaxis()
    ax.legend(loc="lower right")
    return fig


def synthetic_attention(att: np.ndarray, mask: np.ndarray, immune: np.ndarray, order: np.ndarray, rho: float):
    """Attention heat-map of a few patients and attention x bag size against the simulated immune fraction."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    im = axes[0].imshow(np.where(mask[order], att[order], np.nan), aspect="auto", cmap="magma")
    axes[0].set(xlabel="patch", ylabel="patient", title=f"ABMIL attention ({len(order)} patients)")
    axes[0].grid(False)
    plt.colorbar(im, ax=axes[0])
    axes[1].scatter(immune[mask], (att * mask.sum(1, keepdims=True))[mask], s=3, alpha=0.3)
    axes[1].set(xlabel="simulated immune fraction of the patch", ylabel="attention x bag size",
                title=f"Spearman rho = {rho:.2f}")
    return fig


def her2st_attention_maps(sec: dict, attention: dict[str, np.ndarray], patch: int):
    """Per held-out section: the H&E with each spot coloured by attention, and its 8 most-attended patches."""
    fig, axes = plt.subplots(1, 2 * len(attention), figsize=(8 * len(attention), 4.2), squeeze=False,
                             layout="constrained")
    for j, (test, att) in enumerate(attention.items()):
        s = sec[test]
        ax_img, ax_top = axes[0, 2 * j], axes[0, 2 * j + 1]
        ax_img.imshow(s["image"])
        sc_ = ax_img.scatter(s["xy"][:, 0], s["xy"][:, 1], c=att, cmap="magma", s=14, alpha=0.85)
        (x0, y0), (x1, y1) = s["xy"].min(0) - patch, s["xy"].max(0) + patch
        ax_img.set(xlim=(x0, x1), ylim=(y1, y0), title=f"{test}: ABMIL attention (held out)")
        ax_img.axis("off")
        plt.colorbar(sc_, ax=ax_img, fraction=0.046, label="attention x bag size")
        top = np.argsort(att)[::-1][:8]
        ax_top.imshow(np.vstack([np.hstack(list(s["tiles"][top[:4]])), np.hstack(list(s["tiles"][top[4:8]]))])
                      if len(top) >= 8 else s["tiles"][top[0]])
        ax_top.set_title(f"{test}: 8 most-attended patches")
        ax_top.axis("off")
    return fig
