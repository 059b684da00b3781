"""p4 on real mammograms: how much Grad-CAM mass lies in the breast, beside a random map at the layer's
resolution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from omicslib.papers.p4_mammography.real.scoring import CI_LEVEL


def random_map_share(mask: np.ndarray, grid: int, n: int = 20, seed: int = 0) -> float:
    """Expected share inside ``mask`` of a random map: uniform noise on a ``grid`` x ``grid`` lattice
    (the layer's resolution), bilinearly upsampled to the mask's size; mean over ``n`` draws."""
    from skimage.transform import resize

    rng = np.random.default_rng(seed)
    m = np.asarray(mask, bool)
    out = []
    for _ in range(n):
        r = resize(rng.uniform(size=(grid, grid)), m.shape, order=1)
        out.append(r[m].sum() / r.sum())
    return float(np.mean(out))


def cam_breast_shares(model: nn.Module, X: np.ndarray, masks: np.ndarray, idx, layers, targets) -> pd.DataFrame:
    """Per layer and image: the share of Grad-CAM mass inside the breast mask, beside the random-map
    control at the layer's resolution. NaN for an all-zero map."""
    from omicslib.papers.p4_mammography.gradcam import gradcam_maps

    idx = np.asarray(idx)
    x = torch.as_tensor(X[idx])
    sizes = {}

    def remember(name):
        def hook(module, inputs, output):  # returns None: the output is left unchanged
            sizes[name] = int(output.shape[-1])
        return hook

    hooks = [model.get_submodule(name).register_forward_hook(remember(name)) for name in layers]
    with torch.no_grad():
        model.eval()(x[:1])
    for h in hooks:
        h.remove()
    maps = gradcam_maps(model, x, layers=layers, targets=targets)
    rows = []
    for name in layers:
        for j, i in enumerate(idx):
            cam, m = maps[name][j].astype(float), masks[i]
            share = float(cam[m].sum() / cam.sum()) if cam.sum() > 0 else np.nan
            rows.append({"layer": name, "image": int(i), "grid": int(sizes[name]), "cam_share": share,
                         "random_share": random_map_share(m, sizes[name], seed=int(i)), "breast_area": float(m.mean())})
    return pd.DataFrame(rows)


def cam_summary(shares: pd.DataFrame, level: float = CI_LEVEL) -> pd.DataFrame:
    """Per layer: mean CAM share in the breast, mean random-map share, and the mean paired difference
    with its t-interval over images (``level``)."""
    from omicslib.book.claims import interval

    rows = []
    for layer, g in shares.groupby("layer", sort=False):
        d = (g["cam_share"] - g["random_share"]).to_numpy(float)
        m, lo, hi, n = interval(d, level)
        rows.append({"layer": layer, "grid": int(g["grid"].iloc[0]), "cam_share": g["cam_share"].mean(),
                     "random_share": g["random_share"].mean(), "diff": m, "lo": lo, "hi": hi, "n_images": n})
    return pd.DataFrame(rows)
