"""p2 figures (each returns a matplotlib Figure; notebooks save it through ``run.figure``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from omicslib.book import plots
from omicslib.papers.p2_fusion.data import CLASS_NAMES


def fold_figure(results: dict):
    """Per-fold confusion matrices (one row per model, one column per fold) and fold-averaged training curves.

    The class names are written once per row (true, on the left) and under each matrix (predicted, wrapped
    at the slash), so the two labels of a narrow 2 x 2 matrix never run together.
    """
    n = len(results)
    k = len(next(iter(results.values())).confusions)
    ticks = [c.replace("/", "/\n") for c in CLASS_NAMES]
    fig, axes = plt.subplots(n, k + 1, figsize=(1.55 * k + 2.8, 2.3 * n + 0.4), squeeze=False, layout="constrained",
                             gridspec_kw={"width_ratios": [1] * k + [1.5]})
    for r, (m, res) in enumerate(results.items()):
        for f, cm in enumerate(res.confusions):
            ax = plots.confusion_heatmap(cm, ax=axes[r, f], title=f"fold {f + 1}")
            ax.set_xticks(ax.get_xticks(), ticks, rotation=0)
            ax.set_yticks(ax.get_yticks(), ticks if f == 0 else [], rotation=0)
            ax.set_xlabel("predicted" if r == n - 1 else "")
            ax.set_ylabel(f"{m}\ntrue" if f == 0 else "")
        plots.training_curves(res.histories, ax=axes[r, k], title="loss, mean ± SD")
        axes[r, k].legend(fontsize=11)
    return fig


def tissue_tiles_figure(sections):
    """Thumbnails with the Otsu tissue outline and the kept tiles (Figure 1 equivalent)."""
    fig, axes = plt.subplots(1, len(sections.names), figsize=(3.2 * len(sections.names), 3.4))
    t, size = sections.thumb, sections.tile_size
    for ax, s in zip(np.atleast_1d(axes), sections.names):
        thumb, m = sections.thumbnails[s]
        ax.imshow(thumb)
        ax.contour(m, levels=[0.5], colors="lime", linewidths=0.8)
        for r, c in sections.coords[s]:
            ax.add_patch(Rectangle((c / t, r / t), size / t, size / t, fill=False, lw=0.4, ec="yellow"))
        ax.set_title(f"{s}: {len(sections.coords[s])} tiles")
        ax.axis("off")
    fig.suptitle("HER2ST H&E: Otsu tissue outline (green) and kept 256x256 tiles (yellow)")
    return fig


def augmentation_figure(examples: np.ndarray, augmented: np.ndarray):
    """Tiles before (top) and after (bottom) augmentation (Figure 2 equivalent)."""
    fig, axes = plt.subplots(2, len(examples), figsize=(2 * len(examples), 4.2), squeeze=False)
    for j in range(len(examples)):
        axes[0, j].imshow(examples[j])
        axes[1, j].imshow(augmented[j])
        for a in axes[:, j]:
            a.axis("off")
    axes[0, 0].set_title("before", loc="left")
    axes[1, 0].set_title("after: jitter 0.2/0.2/0.2/0.1 + rotation", loc="left")
    return fig


def feature_pca_figure(feats: dict, seed: int = 0):
    """PCA of patch features coloured by section."""
    from sklearn.decomposition import PCA

    allf = np.concatenate(list(feats.values()))
    who = np.concatenate([[s] * len(f) for s, f in feats.items()])
    pc = PCA(2, random_state=seed).fit_transform(allf) if len(allf) > 2 else np.zeros((len(allf), 2))
    fig, ax = plt.subplots(figsize=(5, 4))
    for s in feats:
        ax.scatter(*pc[who == s].T, s=12, label=s)
    ax.set_xlabel("PC1")
    ax.set_ylabel("PC2")
    ax.legend(title="section", fontsize=8)
    ax.set_title("Patch features (PCA)")
    return fig


def distribution_figure(raw: np.ndarray, z: np.ndarray):
    """Expression values before and after shift + log + z-score (Figure 3 equivalent)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    axes[0].hist(raw.ravel(), bins=80, color="C0")
    axes[0].set_title("raw (log2 expression, held-out fold)")
    axes[1].hist(z.ravel(), bins=80, color="C1")
    axes[1].set_title("after shift + log + z-score (train-fold fit)")
    for a in axes:
        a.set_xlabel("value")
    axes[0].set_ylabel("count")
    return fig


def outliers_figure(z: np.ndarray, flags: np.ndarray, after: np.ndarray, patient_ids, n: int = 10):
    """The ``n`` patients with the most IQR outliers, before (outliers red) and after imputation (Figure 4)."""
    top = np.argsort(-flags.sum(1))[:n]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for k, i in enumerate(top):
        xs = np.full(z.shape[1], k) + np.random.default_rng(k).uniform(-0.25, 0.25, z.shape[1])
        axes[0].scatter(xs[~flags[i]], z[i, ~flags[i]], s=3, color="grey")
        axes[0].scatter(xs[flags[i]], z[i, flags[i]], s=8, color="red")
        axes[1].scatter(xs, after[i], s=3, color="C0")
    for a, t in zip(axes, ("before (red: IQR outliers)", "after removal + mean imputation")):
        a.set_title(t)
        a.set_xticks(range(len(top)), [str(patient_ids[i])[-4:] for i in top], rotation=60, fontsize=7)
    axes[0].set_ylabel("z-score")
    return fig
