"""Per-layer Grad-CAM maps with the ``grad-cam`` package (pytorch_grad_cam), as in p4's Figure 4.

Layers are named in dot notation (``features.denseblock2``,
``features.cbam3``) and resolved with ``nn.Module.get_submodule``; one map per
layer and image, upsampled by the package to the input size and scaled to
[0, 1] per image.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

#: The layers the authors visualise for DenseNet121-CBAM (pool0, each dense block, its CBAM, denseblock4).
DENSENET_CBAM_LAYERS = ("features.pool0", "features.denseblock1", "features.cbam1", "features.denseblock2",
                        "features.cbam2", "features.denseblock3", "features.cbam3", "features.denseblock4")


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
    activations).
    """
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    images = torch.as_tensor(images, dtype=torch.float32)
    if images.ndim != 4:
        raise ValueError(f"images must be (B, C, H, W), got shape {tuple(images.shape)}")
    model = model.to(device).eval()
    _no_inplace(model)
    if targets is not None:
        targets = [ClassifierOutputTarget(int(t)) for t in np.atleast_1d(targets)]
        if len(targets) != len(images):
            raise ValueError(f"{len(targets)} targets for {len(images)} images")
    out = {}
    for name in layers:
        try:
            layer = model.get_submodule(name)
        except AttributeError:
            raise ValueError(f"model has no layer {name!r}") from None
        with GradCAM(model=model, target_layers=[layer]) as cam:
            out[name] = cam(input_tensor=images.to(device), targets=targets).astype(np.float32)
    return out


def overlay(image: np.ndarray, cam: np.ndarray, weight: float = 0.5) -> np.ndarray:
    """RGB uint8 heat-map overlay of one (H, W) map on one grey (H, W) image (rescaled to [0, 1])."""
    from pytorch_grad_cam.utils.image import show_cam_on_image

    img = np.asarray(image, dtype=np.float32)
    img = (img - img.min()) / (np.ptp(img) or 1.0)
    return show_cam_on_image(np.repeat(img[..., None], 3, axis=2), cam, use_rgb=True, image_weight=weight)


def layer_grid(images: np.ndarray, maps: dict[str, np.ndarray], titles=None, size: float = 1.6):
    """Figure: one row per image, the input then one overlay per layer (the paper's Figure 4 layout)."""
    import matplotlib.pyplot as plt

    n, names = len(images), list(maps)
    fig, axes = plt.subplots(n, len(names) + 1, figsize=(size * (len(names) + 1), size * n), squeeze=False)
    for i in range(n):
        axes[i, 0].imshow(images[i], cmap="gray")
        axes[i, 0].set_ylabel(titles[i] if titles is not None else "", fontsize=8)
        for j, name in enumerate(names):
            axes[i, j + 1].imshow(overlay(images[i], maps[name][i]))
            if i == 0:
                axes[i, j + 1].set_title(name.split(".")[-1], fontsize=8)
        if i == 0:
            axes[i, 0].set_title("input", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
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
