"""p4 on real mammograms: the image pipeline (work size, breast mask, CLAHE, square crop, resize, normalise)
and the per-image labels, patients and usable views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from omicslib.papers.p4_mammography.roi import augmentation, clahe, normalise

#: The binary task's oversampling rate: the paper's Luminal task (its binary task with the closest class
#: imbalance, 501/261 images = 1.9 : 1; MCBD 117/64 = 1.8 : 1) uses 1.3 (reference.csv oversampling_luminal).
OVERSAMPLING_KEY = "oversampling_luminal"


def downscale(image: np.ndarray, long_side: int) -> np.ndarray:
    """``image`` resized (anti-aliased, bilinear) so that its long side is ``long_side`` px (never enlarged)."""
    from skimage.transform import resize

    img = np.asarray(image, float)
    f = long_side / max(img.shape)
    if f >= 1:
        return img
    shape = (max(1, round(img.shape[0] * f)), max(1, round(img.shape[1] * f)))
    return resize(img, shape, order=1, anti_aliasing=True, preserve_range=True)


def breast_mask(image: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    """Boolean breast mask: Otsu threshold of the Gaussian-smoothed image, largest connected component,
    holes filled. A constant (blank) image gives an all-False mask."""
    from scipy import ndimage
    from skimage.filters import threshold_otsu

    img = np.asarray(image, float)
    if np.ptp(img) == 0:
        return np.zeros(img.shape, bool)
    smooth = ndimage.gaussian_filter(img, sigma)
    fg = smooth > threshold_otsu(smooth)
    lab, n = ndimage.label(fg)
    if n == 0:
        return np.zeros(img.shape, bool)
    sizes = ndimage.sum(fg, lab, index=np.arange(1, n + 1))
    return ndimage.binary_fill_holes(lab == 1 + int(np.argmax(sizes)))


def square_crop(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mask's bounding box cut from ``image`` and ``mask``, padded with zeros (background) to a square
    centred on the box (no stretching). An empty mask keeps the whole image."""
    img, m = np.asarray(image, float), np.asarray(mask, bool)
    if img.shape != m.shape:
        raise ValueError(f"image {img.shape} and mask {m.shape} differ in shape")
    if m.any():
        rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
        img, m = img[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], m[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = img.shape
    s = max(h, w)
    top, left = (s - h) // 2, (s - w) // 2
    out_i, out_m = np.zeros((s, s)), np.zeros((s, s), bool)
    out_i[top:top + h, left:left + w], out_m[top:top + h, left:left + w] = img, m
    return out_i, out_m


def preprocess(image: np.ndarray, size: int, work_px: int = 256, stages: bool = False):
    """One mammogram through the real-data pipeline: reduce to ``work_px`` -> breast mask -> CLAHE (the
    paper's clip 0.003) -> breast crop padded to a square -> resize to ``size`` -> normalise.

    Returns ``(x, mask)``: the normalised (size, size) float32 input and its breast mask; with ``stages``
    also a dict of the intermediate images (for the pipeline figure).
    """
    from skimage.transform import resize

    small = downscale(image, work_px)
    mask = breast_mask(small)
    eq = clahe(small) * mask if mask.any() else clahe(small)
    crop, cmask = square_crop(eq, mask)
    x = resize(crop, (size, size), order=1, anti_aliasing=crop.shape[0] > size, preserve_range=True)
    m = resize(cmask.astype(float), (size, size), order=1, anti_aliasing=False) > 0.5
    out = normalise(np.clip(x, 0, 1)).astype(np.float32)
    if stages:
        lo, hi = float(small.min()), float(small.max())
        return out, m, {"input": (small - lo) / ((hi - lo) or 1), "breast mask": mask.astype(float),
                        "CLAHE": eq, "breast crop": crop, f"resized {size} px": x, "normalised": out}
    return out, m


def prepare_real(pixels, size: int, work_px: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``(X, masks)``: every image through :func:`preprocess`, X of shape (N, 1, size, size)."""
    xs, ms = zip(*(preprocess(p, size, work_px) for p in pixels))
    return np.stack(xs)[:, None].astype(np.float32), np.stack(ms)


def augmented_examples(X: np.ndarray, idx, seed: int = 0) -> np.ndarray:
    """The paper's augmentation applied once to ``X[idx]`` (for the pipeline figure)."""
    torch.manual_seed(seed)
    aug = augmentation()
    return np.stack([aug(torch.as_tensor(X[i])).numpy()[0] for i in idx])


def labels_of(images: pd.DataFrame, patients: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y per image, patient per image, usable per image)``: the patient's pathology (1 malignant), its ID,
    and False for blank views (never trained on or scored)."""
    y = images["patient"].map(patients["malignant"]).to_numpy(int)
    return y, images["patient"].to_numpy(), ~images["blank"].to_numpy(bool)


def patient_folds(fold_of_image: np.ndarray, patients_of_image, index) -> np.ndarray:
    """Fold of each patient of ``index`` from a patient-level image fold assignment (both views agree)."""
    s = pd.Series(fold_of_image).where(pd.Series(fold_of_image) >= 0).groupby(np.asarray(patients_of_image)).max()
    return s.reindex(index).to_numpy(int)
