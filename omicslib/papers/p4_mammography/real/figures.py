"""p4 on real mammograms: the pipeline and AUC figures."""

from __future__ import annotations

import numpy as np
import pandas as pd


def pipeline_figure(stages: list[dict], augmented: np.ndarray, titles: list[str]):
    """One row per example image: each pipeline stage, then one draw of the paper's augmentation."""
    import matplotlib.pyplot as plt

    names = list(stages[0]) + ["augmented"]
    fig, axes = plt.subplots(len(stages), len(names), figsize=(1.6 * len(names), 1.8 * len(stages)), squeeze=False)
    for i, st in enumerate(stages):
        for j, name in enumerate(names):
            ax = axes[i, j]
            ax.imshow(augmented[i] if name == "augmented" else st[name], cmap="gray")
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_title(name, fontsize=8)
        axes[i, 0].set_ylabel(titles[i], fontsize=8)
    fig.tight_layout()
    return fig


def auc_figure(aucs: pd.DataFrame, birads: dict):
    """Per-patient AUC with its 90 % CI of every model and split, BI-RADS as a band."""
    aucs = aucs.reset_index(drop=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 0.45 * len(aucs) + 1.2))
    labels = [f"{r.arch} ({r.split} split)" for r in aucs.itertuples()]
    yy = np.arange(len(aucs))
    ax.axvspan(birads["lo"], birads["hi"], color="#1b7837", alpha=0.15, label="BI-RADS 90 % CI")
    ax.axvline(birads["auc"], color="#1b7837", label="BI-RADS")
    ax.errorbar(aucs["auc"], yy, xerr=[aucs["auc"] - aucs["lo"], aucs["hi"] - aucs["auc"]], fmt="o", color="k")
    ax.axvline(0.5, color="grey", ls=":")
    ax.set_yticks(yy, labels, fontsize=8)
    ax.set_xlabel("per-patient AUC, benign vs malignant (90 % CI)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig
