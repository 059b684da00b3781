"""Mammogram ROI preparation for p4: CLAHE, mask-box crop with a bound, oversampling, augmentation.

Follows the paper (Sec. 2.2) and the authors' code (molsub): CLAHE on the
whole image, then the lesion mask's bounding box expanded by ``bound`` pixels
on every side, made square by extending the shorter side upwards or to the
left, clamped to the image, resized to 224 x 224. Augmentations act on
``(C, H, W)`` tensors with torchvision's v2 transforms, so flips and
rotations act on the spatial axes (the authors' code applied them to an
already-tensorised array; see NOTES.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from omicslib.book import reference

#: The paper's bound size and ROI side (Sections 2.2-2.3, from ``reference.csv``).
DEFAULT_BOUND = int(reference.value("p4", "hp_bound"))
ROI_SIZE = int(reference.value("p4", "hp_image_size"))
_FLIP_P = reference.value("p4", "aug_flip_p")
_ROTATION = reference.value("p4", "aug_rotation_deg")
_SHEAR = reference.value("p4", "aug_shear_deg")


@dataclass(frozen=True)
class Box:
    """Half-open pixel box ``[r0, r1) x [c0, c1)``."""

    r0: int
    r1: int
    c0: int
    c1: int

    @property
    def height(self) -> int:
        return self.r1 - self.r0

    @property
    def width(self) -> int:
        return self.c1 - self.c0


def mask_bbox(mask: np.ndarray) -> Box:
    """Tight bounding box of the nonzero pixels of a 2-D mask."""
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"mask must be 2-D (H, W), got shape {m.shape}")
    rows, cols = np.nonzero(m)
    if rows.size == 0:
        raise ValueError("mask is empty: no lesion pixel to crop around")
    return Box(int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1)


def roi_box(mask: np.ndarray, bound: int = DEFAULT_BOUND) -> Box:
    """Mask bounding box expanded by ``bound`` px, made square, clamped to the image.

    The shorter side is extended upwards (rows) or to the left (columns) as in
    the authors' code; where that would leave the image the box is shifted
    back inside. If the square is larger than the image along an axis the box
    is clamped to that axis (and is then not square; the resize absorbs it).
    """
    if bound < 0:
        raise ValueError(f"bound must be >= 0, got {bound}")
    h_img, w_img = np.asarray(mask).shape
    b = mask_bbox(mask)
    r0, r1, c0, c1 = b.r0 - bound, b.r1 + bound, b.c0 - bound, b.c1 + bound
    side = max(r1 - r0, c1 - c0)
    r0 -= side - (r1 - r0)  # extend up
    c0 -= side - (c1 - c0)  # extend left

    def fit(lo: int, hi: int, size: int) -> tuple[int, int]:
        if hi - lo >= size:
            return 0, size
        if lo < 0:
            lo, hi = 0, hi - lo
        if hi > size:
            lo, hi = lo - (hi - size), size
        return lo, hi

    r0, r1 = fit(r0, r1, h_img)
    c0, c1 = fit(c0, c1, w_img)
    return Box(r0, r1, c0, c1)


def clahe(image: np.ndarray, clip_limit: float = 0.003) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation (``skimage.exposure.equalize_adapthist``),
    on the image rescaled to [0, 1]; the authors' clip limit 0.003 is the default."""
    from skimage import exposure

    img = np.asarray(image, dtype=float)
    lo, hi = float(img.min()), float(img.max())
    if hi == lo:
        return np.zeros_like(img)
    return exposure.equalize_adapthist((img - lo) / (hi - lo), clip_limit=clip_limit)


def extract_roi(image: np.ndarray, mask: np.ndarray, bound: int = DEFAULT_BOUND, size: int = ROI_SIZE,
                equalise: bool = True) -> np.ndarray:
    """CLAHE on the whole image (optional), crop :func:`roi_box`, resize to ``size`` x ``size`` (float32)."""
    from skimage.transform import resize

    img = np.asarray(image, dtype=float)
    if img.shape != np.asarray(mask).shape:
        raise ValueError(f"image {img.shape} and mask {np.asarray(mask).shape} differ in shape")
    if equalise:
        img = clahe(img)
    b = roi_box(mask, bound)
    crop = img[b.r0:b.r1, b.c0:b.c1]
    return resize(crop, (size, size), order=1, anti_aliasing=crop.shape[0] > size, preserve_range=True).astype(
        np.float32)


def oversample(y, rate: float, seed: int = 0) -> np.ndarray:
    """Indices into ``y`` after simple random oversampling (the authors' scheme).

    The result holds every index once plus ``int((rate - 1) * N)`` extra
    indices drawn with replacement from the minority class (binary) or from
    the classes whose count is below the mean class count (multiclass). Apply
    it to the TRAINING part only, after splitting.
    """
    y = np.asarray(y)
    if rate < 1:
        raise ValueError(f"oversampling rate must be >= 1, got {rate}")
    n = y.size
    extra = int((rate - 1) * n)
    base = np.arange(n)
    if extra == 0:
        return base
    classes, counts = np.unique(y, return_counts=True)
    if classes.size < 2:
        raise ValueError("oversampling needs at least 2 classes")
    pool_classes = classes[[np.argmin(counts)]] if classes.size == 2 else classes[counts < counts.mean()]
    pool = np.flatnonzero(np.isin(y, pool_classes))
    rng = np.random.default_rng(seed)
    return np.concatenate([base, rng.choice(pool, size=extra, replace=True)])


def augmentation(hflip: float = _FLIP_P, vflip: float = _FLIP_P, rotation: float = _ROTATION,
                 shear: float = _SHEAR, p_affine: float = 0.5):
    """The paper's augmentation for ``(C, H, W)`` tensors: flips (p 0.5 each), rotation +-20 deg and
    horizontal shear +-10 deg (the paper's values), each affine step applied with probability
    ``p_affine`` as in the authors' code."""
    from torchvision.transforms import v2

    return v2.Compose([
        v2.RandomHorizontalFlip(hflip),
        v2.RandomVerticalFlip(vflip),
        v2.RandomApply([v2.RandomRotation(rotation)], p=p_affine),
        v2.RandomApply([v2.RandomAffine(degrees=0, shear=(-shear, shear))], p=p_affine),
    ])


def molsub_augmentation(p: float = 0.5):
    """What molsub's albumentations pipeline does to the ``(1, H, W)`` arrays it is given (found by running the
    authors' code beside ours): read as a one-row image with W channels, its HorizontalFlip reverses the rows (a
    vertical flip, p ``p``), its VerticalFlip flips the one-row axis (nothing) and its shear of +-0.1 deg is a no-op.
    Its rotation only resamples each one-row strip (a stretch of the rows by at most 1/cos 20 deg = 6 %), left out
    here."""
    from torchvision.transforms import v2

    return v2.RandomVerticalFlip(p)


#: Training augmentations compared on real images: the paper's, molsub's effective one, none.
AUGMENTATIONS = {"paper": augmentation, "molsub (effective)": molsub_augmentation, "none": lambda: None}


class ROIDataset(Dataset):
    """``(image, label)`` pairs from ``(N, C, H, W)`` images; ``transform`` (e.g. :func:`augmentation`)
    is applied per item, ``index`` (e.g. from :func:`oversample`) selects and repeats items."""

    def __init__(self, images, labels, index=None, transform=None):
        self.images = torch.as_tensor(np.asarray(images), dtype=torch.float32)
        if self.images.ndim != 4:
            raise ValueError(f"images must be (N, C, H, W), got shape {tuple(self.images.shape)}")
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        if len(self.labels) != len(self.images):
            raise ValueError(f"{len(self.images)} images but {len(self.labels)} labels")
        self.index = np.arange(len(self.images)) if index is None else np.asarray(index)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i):
        j = int(self.index[i])
        x = self.images[j]
        if self.transform is not None:
            x = self.transform(x)
        return x, self.labels[j]


#: ImageNet normalisation collapsed to one grey channel (means of the RGB constants).
GREY_MEAN, GREY_STD = 0.449, 0.226


def normalise(images: np.ndarray) -> np.ndarray:
    """ImageNet-style normalisation of [0, 1] grey ROIs (the authors normalise once, at dataset build)."""
    return ((np.asarray(images, dtype=np.float32) - GREY_MEAN) / GREY_STD).astype(np.float32)
