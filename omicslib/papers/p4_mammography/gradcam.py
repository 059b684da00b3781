"""Per-layer Grad-CAM maps with the ``grad-cam`` package (pytorch_grad_cam), as in p4's Figure 4.

Layers are named in dot notation (``features.denseblock2``,
``features.cbam3``) and resolved with ``nn.Module.get_submodule``; one map per
layer and image, upsampled by the package to the input size and scaled to
[0, 1] per image.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

#: The layers the authors visualise for DenseNet121-CBAM: pool0, each dense block, its CBAM and the
#: transition after it, then denseblock4 (NOTES.md; the audit page says "the same layers").
DENSENET_CBAM_LAYERS = ("features.pool0",
                        "features.denseblock1", "features.cbam1", "features.transition1",
                        "features.denseblock2", "features.cbam2", "features.transition2",
                        "features.denseblock3", "features.cbam3", "features.transition3",
                        "features.denseblock4")


def _no_inplace(model: nn.Module) -> None:
    # an in-place ReLU after a hooked layer would overwrite the stored activation
    for m in model.modules():
        if hasattr(m, "inplace") and isinstance(m, (nn.ReLU, nn.ReLU6)):
            m.inplace = False


def gradcam_maps(model: nn.Module, images: torch.Tensor, layers=DENSENET_CBAM_LAYERS, targets=None,
                 device: torch.device | str = "cpu") -> dict[str, np.ndarray]:
    """``{layer: maps}`` with maps of shape (B, H, W) at the input size, values in [0, 1].

    ``targets``: class index per image, or None for the predicted class
    (``ClassifierOutputTarget``). The model is put in eval mode and its
    in-place ReLUs are switched off (same function, no aliasing of hooked
    activations). One forward and backward pass gives every layer's map, each finished as
    the package finishes a one-layer call (equal to one call per layer, tested).
    """
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.image import scale_cam_image
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    class PerLayerGradCAM(GradCAM):
        def aggregate_multi_layers(self, cam_per_target_layer):
            # (B, layers, H, W): each layer as the package finishes a one-layer call, instead of their mean
            return np.stack([scale_cam_image(np.maximum(c[:, 0], 0)) for c in cam_per_target_layer], axis=1)

    images = torch.as_tensor(images, dtype=torch.float32)
    if images.ndim != 4:
        raise ValueError(f"images must be (B, C, H, W), got shape {tuple(images.shape)}")
    model = model.to(device).eval()
    _no_inplace(model)
    if targets is not None:
        targets = [ClassifierOutputTarget(int(t)) for t in np.atleast_1d(targets)]
        if len(targets) != len(images):
            raise ValueError(f"{len(targets)} targets for {len(images)} images")
    modules = []
    for name in layers:
        try:
            modules.append(model.get_submodule(name))
        except AttributeError:
            raise ValueError(f"model has no layer {name!r}") from None
    with PerLayerGradCAM(model=model, target_layers=modules) as cam:
        maps = cam(input_tensor=images.to(device), targets=targets)
    return {name: maps[:, i].astype(np.float32) for i, name in enumerate(layers)}


def region_shares(cam: np.ndarray, mask: np.ndarray, ring: int = 3) -> dict[str, float]:
    """Share of one Grad-CAM map's mass inside the lesion, in a peritumoral ring of ``ring`` px
    around it, and elsewhere (the three add to 1; NaN for an all-zero map).

    The paper reads its heat maps as attention "at the tumour periphery"; this puts a number on it.
    """
    from scipy import ndimage

    cam, mask = np.asarray(cam, float), np.asarray(mask, bool)
    if cam.shape != mask.shape:
        raise ValueError(f"map {cam.shape} and mask {mask.shape} differ in shape")
    if ring < 1:
        raise ValueError(f"ring must be >= 1 px, got {ring}")
    total = cam.sum()
    if total <= 0:
        return {"lesion": np.nan, "ring": np.nan, "outside": np.nan}
    around = ndimage.binary_dilation(mask, iterations=ring) & ~mask
    lesion, periphery = cam[mask].sum() / total, cam[around].sum() / total
    return {"lesion": float(lesion), "ring": float(periphery), "outside": float(1 - lesion - periphery)}


def overlay(image: np.ndarray, cam: np.ndarray, weight: float = 0.5) -> np.ndarray:
    """RGB uint8 heat-map overlay of one (H, W) map on one grey (H, W) image (rescaled to [0, 1])."""
    from pytorch_grad_cam.utils.image import show_cam_on_image

    img = np.asarray(image, dtype=np.float32)
    img = (img - img.min()) / (np.ptp(img) or 1.0)
    return show_cam_on_image(np.repeat(img[..., None], 3, axis=2), cam, use_rgb=True, image_weight=weight)


def cam_colormap():
    """The colour map :func:`overlay` paints with (the package's ``cv2.COLORMAP_JET``, BGR turned RGB), as a
    matplotlib colour map for the colour bar: 0 is the image's weakest Grad-CAM value, 1 its strongest."""
    import cv2
    from matplotlib.colors import ListedColormap

    lut = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], cv2.COLORMAP_JET)[:, 0, ::-1]
    return ListedColormap(lut / 255.0, name="gradcam_jet")


def cam_colorbar(fig, axes, weight: float = 0.5):
    """One colour bar for every Grad-CAM overlay in ``axes`` (each map is scaled to [0, 1] per image)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), cam_colormap()), ax=axes, shrink=0.6, aspect=30,
                       ticks=[0, 0.5, 1])
    bar.set_label(f"Grad-CAM, scaled to [0, 1] per image\n(overlay: {1 - weight:.0%} map, {weight:.0%} ROI)", fontsize=11)
    bar.ax.tick_params(labelsize=11)
    return bar


def layer_grid(images: np.ndarray, maps: dict[str, np.ndarray], titles=None, size: float = 1.5):
    """Figure: one column per image, the input on top and then one overlay per layer (the paper's Figure 4
    turned a quarter, so that eleven layers fit the page's width), with one colour bar."""
    import matplotlib.pyplot as plt

    n, names = len(images), list(maps)
    fig, axes = plt.subplots(len(names) + 1, n, figsize=(size * n + 2.6, size * (len(names) + 1) + 0.3),
                             squeeze=False, layout="constrained")
    for i in range(n):
        axes[0, i].imshow(images[i], cmap="gray")
        axes[0, i].set_title(titles[i].replace(" (", "\n(") if titles is not None else f"image {i + 1}", fontsize=11)
        for j, name in enumerate(names):
            axes[j + 1, i].imshow(overlay(images[i], maps[name][i]))
    for j, label in enumerate(["input"] + [name.split(".")[-1] for name in names]):
        axes[j, 0].set_ylabel(label, fontsize=11, rotation=0, ha="right", va="center")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    cam_colorbar(fig, axes[1:, :])
    return fig


def viewer(images: np.ndarray, maps: dict[str, np.ndarray], titles=None):
    """An ipywidgets browser over images and Grad-CAM layers (needs a live kernel)."""
    import matplotlib.pyplot as plt

    from omicslib.book.widgets import explorer

    labels = list(titles) if titles is not None else [f"image {i}" for i in range(len(images))]

    def render(image, layer):
        fig, ax = plt.subplots(1, 2, figsize=(6, 3))
        ax[0].imshow(images[image], cmap="gray")
        ax[0].set_title(labels[image], fontsize=9)
        ax[1].imshow(overlay(images[image], maps[layer][image]))
        ax[1].set_title(layer, fontsize=9)
        for a in ax:
            a.axis("off")
        return fig

    return explorer(render, image=[(t, i) for i, t in enumerate(labels)], layer=list(maps))


#: Down-sampling factor of the output of each CBAM of DenseNet121-CBAM (cbam1 after pool0: 4x).
_CBAM_STRIDE = {"features.cbam1": 4, "features.cbam2": 8, "features.cbam3": 16}


def overlay_frames(images: np.ndarray, maps: dict[str, np.ndarray], titles=None) -> pd.DataFrame:
    """Long table ``image, layer, rgb``: the Grad-CAM overlay of every image at every layer, for the
    kernel-free explorer (:func:`omicslib.book.interactive.image_explorer`). Image labels are numbered so
    that two images of the same subtype and view stay distinct."""
    names = titles if titles is not None else [f"image {i + 1}" for i in range(len(images))]
    if len(names) != len(images):
        raise ValueError(f"{len(names)} titles for {len(images)} images")
    labels = [f"{i + 1}: {t}" for i, t in enumerate(names)]
    return pd.DataFrame([{"image": labels[i], "layer": layer.split(".")[-1], "rgb": overlay(images[i], maps[layer][i])}
                         for i in range(len(images)) for layer in maps])


def cam_layer(image_size: int, min_side: int = 8) -> str:
    """The deepest CBAM whose map keeps at least ``min_side`` px per side at ``image_size`` (on 224 px
    ROIs ``features.cbam3``, 14 x 14; on the quick profile's 48 px ``features.cbam1``, 12 x 12): deeper
    maps of a small ROI are a single pixel and carry no location."""
    ok = [name for name, s in _CBAM_STRIDE.items() if image_size // s >= min_side]
    return ok[-1] if ok else "features.cbam1"


def binary_task_maps(models: dict, X: np.ndarray, masks: np.ndarray, results: dict, layer: str, ring: int = 3,
                     device="cpu") -> tuple[list[dict], pd.DataFrame]:
    """Grad-CAM of each binary task's best model on its test images, for the true class.

    ``models``: ``{task: model}``; ``masks``: ROI-space lesion masks (N, S, S). Returns the figure rows
    (one correctly classified image per class and task, or the first of the class when none is) and
    one row per test image with the share of the map in the lesion, the peritumoral ring and elsewhere.
    """
    from omicslib.papers.p4_mammography.data import TASKS

    panels, shares = [], []
    for task, model in models.items():
        res = results[task]
        idx = res.split.test
        yt, pt = res.best_test()
        maps = gradcam_maps(model, torch.as_tensor(X[idx]), layers=(layer,), targets=yt, device=device)[layer]
        for j, i in enumerate(idx):
            shares.append({"task": task, "class": TASKS[task].classes[yt[j]], "image": int(i),
                           "correct": bool(pt[j].argmax() == yt[j]), **region_shares(maps[j], masks[i], ring)})
        for c, name in enumerate(TASKS[task].classes):
            cand = [j for j in range(len(idx)) if yt[j] == c]
            good = [j for j in cand if pt[j].argmax() == c]
            if cand:
                j = (good or cand)[0]
                panels.append({"task": task, "label": f"{name}{'' if good else ' (misclassified)'}",
                               "image": X[idx[j], 0], "cam": maps[j]})
    return panels, pd.DataFrame(shares)


def correct_test_images(result, n: int = 4) -> list[int]:
    """Up to ``n`` test images (indices into the data) whose class the best fold predicts correctly, or
    the first ``n`` test images when it predicts none correctly (the paper shows correct ones)."""
    idx = result.split.test
    yt, pt = result.best_test()
    return [int(idx[j]) for j in np.flatnonzero(pt.argmax(1) == yt)][:n] or [int(i) for i in idx[:n]]
