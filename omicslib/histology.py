"""H&E patch pipeline: Otsu tissue mask, tissue tiles, colour/rotation augmentation, ResNet-50
patch features and fixed-size patch bags (p2 image branch; reused by p5).

Images are RGB uint8 arrays (H, W, 3); tiles are stacks (n, size, size, 3).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from omicslib.train import rehearsal_limit

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
FEATURE_DIM = 2048


def _check_rgb(image: np.ndarray, what: str = "image") -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"{what} must be an RGB array of shape (H, W, 3), got shape {image.shape}")
    if image.dtype != np.uint8:
        raise ValueError(f"{what} must be uint8 (0-255), got {image.dtype}")
    return image


def tissue_mask(image: np.ndarray, channel: str = "saturation", sigma: float = 2.0, close: int = 3,
                max_side: int | None = 2048) -> np.ndarray:
    """Boolean tissue mask by Otsu's threshold, then ``close`` iterations of binary closing and hole
    filling so that pale stroma inside the tissue outline counts as tissue.

    The mask is computed on the image subsampled so that its longer side is at most ``max_side``
    pixels (``None``: full resolution), then expanded back to the image's shape.

    ``channel='saturation'`` (default): tissue is more saturated than the background; works on
    white glass and on renderings with a black canvas (HER2ST A1/A2/J2) alike (near-black pixels
    count as unsaturated). ``'grey'``: tissue is darker than the glass (white-background slides
    only).
    """
    from scipy import ndimage as ndi
    from skimage.color import rgb2gray, rgb2hsv
    from skimage.filters import gaussian, threshold_otsu

    full = _check_rgb(image)
    f = max(1, int(np.ceil(max(full.shape[:2]) / max_side))) if max_side else 1
    image = full[::f, ::f]
    if channel == "saturation":
        signal = rgb2hsv(image)[..., 1]
        signal[image.max(axis=-1) < 30] = 0.0  # hue/saturation are noise on near-black pixels
    elif channel == "grey":
        signal = 1.0 - rgb2gray(image)
    else:
        raise ValueError(f"channel must be 'saturation' or 'grey', got {channel!r}")
    if sigma:
        signal = gaussian(signal, sigma=sigma)
    if np.ptp(signal) < 1e-3:  # flat image: no tissue to separate
        return np.zeros(full.shape[:2], bool)
    mask = signal > threshold_otsu(signal)
    if close:
        mask = ndi.binary_fill_holes(ndi.binary_closing(mask, iterations=close))
    if f > 1:
        mask = np.repeat(np.repeat(mask, f, axis=0), f, axis=1)[: full.shape[0], : full.shape[1]]
    return mask


def tile_coords(image: np.ndarray, size: int = 256, min_tissue: float = 0.5, mask: np.ndarray | None = None
                ) -> np.ndarray:
    """Top-left (row, col) of the non-overlapping ``size`` x ``size`` grid tiles whose tissue fraction
    is at least ``min_tissue``."""
    image = _check_rgb(image)
    if not 0 <= min_tissue <= 1:
        raise ValueError(f"min_tissue must be in [0, 1], got {min_tissue}")
    mask = tissue_mask(image) if mask is None else np.asarray(mask, bool)
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask shape {mask.shape} does not match image {image.shape[:2]}")
    nr, nc = image.shape[0] // size, image.shape[1] // size
    if nr == 0 or nc == 0:
        return np.zeros((0, 2), int)
    frac = mask[: nr * size, : nc * size].reshape(nr, size, nc, size).mean(axis=(1, 3))
    rows, cols = np.nonzero(frac >= min_tissue)
    return np.stack([rows * size, cols * size], axis=1)


#: Tiles per section under the rehearsal's step cap (the feature extractor still sees real tiles).
REHEARSAL_TILES = 8


def tile(image: np.ndarray, size: int = 256, min_tissue: float = 0.5, max_tiles: int | None = None,
         seed: int = 0, mask: np.ndarray | None = None) -> np.ndarray:
    """Tissue tiles (n, size, size, 3) uint8 from the Otsu mask; with ``max_tiles``, a seeded random
    subset (kept in grid order); at most :data:`REHEARSAL_TILES` under the paper-profile rehearsal's step
    cap. Returns an empty (0, size, size, 3) array when no tile qualifies."""
    image = _check_rgb(image)
    max_tiles = rehearsal_limit(max_tiles, REHEARSAL_TILES)
    xy = tile_coords(image, size, min_tissue, mask)
    if max_tiles is not None and len(xy) > max_tiles:
        keep = np.sort(np.random.default_rng(seed).choice(len(xy), max_tiles, replace=False))
        xy = xy[keep]
    out = np.empty((len(xy), size, size, 3), np.uint8)
    for i, (r, c) in enumerate(xy):
        out[i] = image[r:r + size, c:c + size]
    return out


def augmentation(brightness: float = 0.2, contrast: float = 0.2, saturation: float = 0.2, hue: float = 0.1,
                 rotations: tuple[int, ...] = (0, 90, 180, 270), degrees: float | None = None):
    """The paper's augmentation as a torchvision transform on uint8 (C, H, W) tensors: colour jitter
    (0.2/0.2/0.2/0.1) then a random rotation. By default a random right-angle rotation (no fill
    corners on square patches); ``degrees=d`` instead rotates by an angle drawn uniformly from
    [-d, d] (the paper's "random rotations"; corners outside the patch are filled black)."""
    from torchvision.transforms import v2

    if degrees is not None:
        rot = v2.RandomRotation((-float(degrees), float(degrees)))
    else:
        rot = v2.RandomChoice([v2.RandomRotation((a, a)) for a in rotations])
    return v2.Compose([v2.ColorJitter(brightness, contrast, saturation, hue), rot])


def augment(tiles: np.ndarray, seed: int = 0, transform=None) -> np.ndarray:
    """Apply :func:`augmentation` (or ``transform``) to each tile; reproducible for a given ``seed``."""
    tiles = np.asarray(tiles)
    if tiles.ndim != 4 or tiles.shape[-1] != 3 or tiles.dtype != np.uint8:
        raise ValueError(f"tiles must be uint8 (n, H, W, 3), got {tiles.dtype} {tiles.shape}")
    transform = transform or augmentation()
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        t = torch.from_numpy(tiles).permute(0, 3, 1, 2)
        out = torch.stack([transform(x) for x in t]) if len(t) else t
    finally:
        torch.random.set_rng_state(state)
    return out.permute(0, 2, 3, 1).contiguous().numpy()


def resnet50_trunk(device: torch.device | str = "cpu"):
    """ResNet-50 trunk with global average pooling (2048-d output) in eval mode, and the
    :class:`omicslib.weights.WeightsRecord` of the weights it holds (ImageNet file + sha256, or random
    initialisation; no downloads). A checkpoint that does not fit the network raises, naming the keys."""
    from torchvision.models import resnet50

    from omicslib.weights import load_state_dict

    model = resnet50(weights=None)
    state, record = load_state_dict("resnet50")
    if state is not None:
        result = model.load_state_dict(state, strict=False)
        if result.missing_keys or result.unexpected_keys:
            raise RuntimeError(f"{record.file} does not fit torchvision's resnet50: missing {result.missing_keys[:5]}, "
                               f"unexpected {result.unexpected_keys[:5]}")
    model.fc = nn.Identity()
    return model.to(device).eval(), record


def resnet50_extractor(device: torch.device | str = "cpu") -> tuple[nn.Module, str]:
    """:func:`resnet50_trunk` with the weights' note (text) instead of the record."""
    model, record = resnet50_trunk(device)
    return model, record.note


@torch.no_grad()
def extract_features(tiles: np.ndarray, model: nn.Module, batch_size: int = 32,
                     device: torch.device | str = "cpu", imagenet_normalise: bool = True,
                     input_size: int | None = None) -> np.ndarray:
    """Patch features (n, d) from uint8 tiles (n, H, W, 3): scale to [0, 1], ImageNet mean/std
    normalisation (the authors' code skipped it), optional resize to ``input_size``."""
    tiles = np.asarray(tiles)
    if tiles.ndim != 4 or tiles.shape[-1] != 3:
        raise ValueError(f"tiles must be (n, H, W, 3), got {tiles.shape}")
    device = torch.device(device)
    model = model.to(device).eval()
    mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1)
    outs = []
    for i in range(0, len(tiles), batch_size):
        x = torch.from_numpy(np.ascontiguousarray(tiles[i:i + batch_size])).to(device)
        x = x.permute(0, 3, 1, 2).float() / 255.0
        if input_size:
            x = nn.functional.interpolate(x, size=(input_size, input_size), mode="bilinear", align_corners=False)
        if imagenet_normalise:
            x = (x - mean) / std
        outs.append(model(x).flatten(1).float().cpu())
    if not outs:
        return np.zeros((0, FEATURE_DIM), np.float32)
    return torch.cat(outs).numpy()


def bag(features: np.ndarray, n_tiles: int = 35, seed: int = 0) -> np.ndarray:
    """A fixed-size bag (n_tiles, d) from one patient's patch features: a seeded sample without
    replacement, or with replacement when the patient has fewer than ``n_tiles`` patches."""
    features = np.asarray(features)
    if features.ndim != 2 or len(features) == 0:
        raise ValueError(f"features must be a non-empty (n, d) array, got shape {features.shape}")
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(features), n_tiles, replace=len(features) < n_tiles)
    return features[idx]
