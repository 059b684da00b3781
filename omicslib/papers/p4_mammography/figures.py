"""p4 figures: ROI preparation (Supplementary Figure 2), ROC curves (Figures 2-3), Grad-CAM per binary
task (Supplementary Figure 5), the CMMD cohort flow (Supplementary Figure 1 analogue) and characteristics,
training curves, backbone AUCs and the split-leak audit. Each returns a matplotlib figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicslib import metrics
from omicslib.papers.p4_mammography.data import TASKS


def roi_figure(images, masks, X, table: pd.DataFrame, cfg, picks=(0, 2, 4, 6)):
    """Supplementary Figure 2 analogue: the image with its mask (yellow) and bounded square box (red),
    and the CLAHE-equalised ROI the network sees."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from omicslib.papers.p4_mammography.roi import roi_box

    fig, axes = plt.subplots(2, len(picks), figsize=(2.5 * len(picks), 5))
    for j, i in enumerate(picks):
        b = roi_box(masks[i], cfg.bound)
        axes[0, j].imshow(images[i], cmap="gray")
        axes[0, j].contour(masks[i], levels=[0.5], colors="yellow", linewidths=0.6)
        axes[0, j].add_patch(Rectangle((b.c0, b.r0), b.width, b.height, fill=False, color="red"))
        axes[0, j].set_title(f"{table['subtype'][i]} ({table['view'][i]})", fontsize=8)
        axes[1, j].imshow(X[i, 0], cmap="gray")
        axes[1, j].set_title(f"ROI {cfg.image_size} px", fontsize=8)
    for ax in axes.ravel():
        ax.axis("off")
    return fig


def roc_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str = "", ax=None):
    """ROC curves ``{label: (y_true, score)}`` on one axis, AUC in the legend."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    ax = ax or plt.subplots(figsize=(4, 4))[1]
    for label, (yt, s) in curves.items():
        if np.unique(yt).size < 2:
            continue
        fpr, tpr, _ = roc_curve(yt, s)
        ax.plot(fpr, tpr, label=f"{label} (AUC {metrics.roc_auc(yt, s):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=0.8)
    ax.set_xlabel("1 - specificity")
    ax.set_ylabel("sensitivity")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return ax


def binary_roc_figure(results: dict):
    """Figure 2 analogue: test-set ROC of the best fold for each binary task."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    for ax, task in zip(axes, ("luminal", "tn", "her2")):
        yt, pt = results[task].best_test()
        roc_figure({f"fold {results[task].best_fold}": (yt, pt[:, 1])}, TASKS[task].title, ax=ax)
    return fig


def class_roc_figure(result):
    """Figure 3 analogue: one-vs-rest ROC per class of the multiclass task (best fold, test set)."""
    import matplotlib.pyplot as plt

    yt, pt = result.best_test()
    classes = TASKS["multiclass"].classes
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    roc_figure({c: ((yt == i).astype(int), pt[:, i]) for i, c in enumerate(classes)}, "one-vs-rest ROC", ax=ax)
    return fig


def training_curves_figure(results: dict):
    """Training and validation loss per task (mean ± SD over folds)."""
    import matplotlib.pyplot as plt

    from omicslib.book import plots

    fig, axes = plt.subplots(1, len(results), figsize=(3.5 * len(results), 3.2), squeeze=False)
    for ax, (task, r) in zip(axes[0], results.items()):
        plots.training_curves([f.history.to_frame() for f in r.folds], ax=ax, title=task)
    return fig


def backbone_auc_figure(summary: pd.DataFrame):
    """Test AUC per backbone: fold mean ± SD and the best fold."""
    import matplotlib.pyplot as plt

    s = summary[(summary.split == "test") & (summary.metric == "AUC")]
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * s["arch"].nunique()), 3.2))
    for i, (task, g) in enumerate(s.groupby("task")):
        ax.errorbar(range(len(g)), g["mean"], yerr=g["sd"].fillna(0), fmt="o", capsize=3,
                    label=f"{task}: fold mean ± SD")
        ax.scatter(range(len(g)), g["best"], marker="x", color="k", label="best fold" if i == 0 else None)
        ax.set_xticks(range(len(g)), g["arch"], rotation=20, fontsize=8)
    ax.axhline(0.5, color="grey", ls="--", lw=0.8)
    ax.set_ylabel("test AUC")
    ax.legend(fontsize=7)
    return fig


def split_leak_figure(audit: pd.DataFrame):
    """Test AUC of each learner under a per-patient and a per-image split, one line per seed."""
    import matplotlib.pyplot as plt

    learners = list(dict.fromkeys(audit["learner"]))
    fig, axes = plt.subplots(1, len(learners), figsize=(4 * len(learners), 3.5), squeeze=False)
    for ax, (name, g) in zip(axes[0], audit.groupby("learner", sort=False)):
        w = g.pivot(index="seed", columns="split", values="auc")[["per patient", "per image"]]
        for _, r in w.iterrows():
            ax.plot([0, 1], r.values, color="grey", alpha=0.6, marker="o")
        ax.set_xticks([0, 1], ["per patient", "per image"])
        ax.axhline(0.5, color="k", ls="--", lw=0.7)
        ax.set_title(name, fontsize=10)
        ax.set_ylabel("test AUC")
    return fig


def cmmd_characteristics_figure(clin: pd.DataFrame, order):
    """CMMD: age by subtype (box plots) and abnormality type by subtype (stacked shares)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    clin.boxplot(column="age", by="subtype", ax=axes[0], grid=False)
    axes[0].set_title("Age by subtype")
    axes[0].set_xlabel("")
    axes[0].set_ylabel("age (years)")
    fig.suptitle("")
    share = pd.crosstab(clin["subtype"], clin["abnormality"], normalize="index").loc[list(order)]
    share.plot.bar(stacked=True, ax=axes[1], rot=20)
    axes[1].set_title("Abnormality by subtype")
    axes[1].set_ylabel("fraction of patients")
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.tick_params(axis="x", labelsize=8)
    return fig


def cohort_flow(breasts: pd.DataFrame, subtyped: pd.DataFrame) -> pd.DataFrame:
    """The CMMD selection as a table (Supplementary Figure 1 analogue): each step with its count."""
    rows = [("breast rows in the CMMD clinical table", len(breasts)),
            ("patients", breasts["patient"].nunique()),
            ("breast rows without a molecular subtype (excluded)", int(breasts["subtype"].isna().sum())),
            ("patients with a molecular subtype (D2)", len(subtyped))]
    rows += [(f"  {st}", int(n)) for st, n in subtyped["subtype"].value_counts(sort=False).items()]
    return pd.DataFrame(rows, columns=["step", "n"])


def cohort_flow_figure(flow: pd.DataFrame):
    """Supplementary Figure 1 analogue: the CMMD cohort flow as boxes and arrows."""
    import matplotlib.pyplot as plt

    main = flow[~flow["step"].str.startswith("  ")].reset_index(drop=True)
    leaves = flow[flow["step"].str.startswith("  ")]
    fig, ax = plt.subplots(figsize=(7, 1.3 * len(main) + 1.2))
    ax.axis("off")
    ys = np.linspace(0.92, 0.3, len(main))
    for y, r in zip(ys, main.itertuples()):
        ax.text(0.5, y, f"{r.step}\nn = {r.n}", ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round", facecolor="#eef3f8", edgecolor="#4a6f96"))
    for y0, y1 in zip(ys[:-1], ys[1:]):
        ax.annotate("", xy=(0.5, y1 + 0.05), xytext=(0.5, y0 - 0.05), arrowprops=dict(arrowstyle="->"))
    xs = np.linspace(0.15, 0.85, max(len(leaves), 1))
    for x, r in zip(xs, leaves.itertuples()):
        ax.text(x, 0.08, f"{r.step.strip()}\nn = {r.n}", ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", facecolor="white", edgecolor="grey"))
        ax.annotate("", xy=(x, 0.13), xytext=(0.5, ys[-1] - 0.05), arrowprops=dict(arrowstyle="->", color="grey"))
    return fig


def binary_gradcam_figure(rows: list[dict]):
    """Supplementary Figure 5 analogue: per binary task, the ROI and its Grad-CAM (last layer) for a
    correctly classified image of each class, ``rows`` from :func:`omicslib.papers.p4_mammography.gradcam`
    (dicts with ``task``, ``label``, ``image``, ``cam``), with one colour bar for the maps."""
    import matplotlib.pyplot as plt

    from omicslib.papers.p4_mammography.gradcam import cam_colorbar, overlay

    tasks = list(dict.fromkeys(r["task"] for r in rows))
    per = max(sum(r["task"] == t for r in rows) for t in tasks)
    fig, axes = plt.subplots(len(tasks), 2 * per, figsize=(1.75 * 2 * per + 2.8, 2.1 * len(tasks) + 0.3),
                             squeeze=False, layout="constrained")
    for i, t in enumerate(tasks):
        for j, r in enumerate([r for r in rows if r["task"] == t]):
            axes[i, 2 * j].imshow(r["image"], cmap="gray")
            axes[i, 2 * j].set_title(r["label"].replace(" (", "\n("), fontsize=11)
            axes[i, 2 * j + 1].imshow(overlay(r["image"], r["cam"]))
            axes[i, 2 * j + 1].set_title("Grad-CAM", fontsize=11)
        axes[i, 0].set_ylabel(TASKS[t].title.replace(" vs ", "\nvs "), fontsize=11)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    cam_colorbar(fig, axes[:, 1::2])
    return fig
