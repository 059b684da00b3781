"""p4: ROI crop box arithmetic, CLAHE crop, oversampling and augmentation."""

import numpy as np
import pytest
import torch

from omicslib.papers.p4_mammography.roi import (
    Box,
    ROIDataset,
    augmentation,
    extract_roi,
    mask_bbox,
    oversample,
    roi_box,
)


def mask(shape, rows, cols):
    m = np.zeros(shape, bool)
    m[rows[0]:rows[1], cols[0]:cols[1]] = True
    return m


def test_bbox_and_square_box_in_the_middle():
    m = mask((200, 200), (40, 50), (30, 60))  # 10 x 30 lesion
    assert mask_bbox(m) == Box(40, 50, 30, 60)
    # + 10 px: rows 30-60 (30), cols 20-70 (50); square 50 by extending 20 rows upwards
    assert roi_box(m, bound=10) == Box(10, 60, 20, 70)
    # tall 40 x 10 box: the width is extended 30 px to the left
    assert roi_box(mask((200, 200), (40, 80), (100, 110)), bound=0) == Box(40, 80, 70, 110)


def test_box_shifted_back_inside_at_the_top_edge():
    m = mask((200, 200), (5, 15), (50, 90))  # 10 x 40
    # + 5 px: rows 0-20 (20), cols 45-95 (50); extending up would start at -30: shifted down to 0-50
    assert roi_box(m, bound=5) == Box(0, 50, 45, 95)


def test_box_clamped_to_image_and_default_bound():
    m = mask((40, 60), (10, 20), (10, 20))
    b = roi_box(m)  # default bound 100 is larger than the image
    assert b == Box(0, 40, 0, 60)
    with pytest.raises(ValueError, match="empty"):
        roi_box(np.zeros((10, 10)))
    with pytest.raises(ValueError):
        roi_box(m, bound=-1)


def test_extract_roi_crops_the_box():
    img = np.tile(np.arange(100, dtype=float)[:, None], (1, 100))  # value = row index
    m = mask((100, 100), (40, 50), (40, 50))
    roi = extract_roi(img, m, bound=5, size=20, equalise=False)  # box rows 35-55: already 20 x 20
    assert roi.shape == (20, 20) and roi.dtype == np.float32
    np.testing.assert_allclose(roi[:, 0], np.arange(35, 55))
    eq = extract_roi(img + np.random.default_rng(0).normal(size=img.shape), m, bound=5, size=32)
    assert eq.shape == (32, 32) and 0 <= eq.min() and eq.max() <= 1
    with pytest.raises(ValueError):
        extract_roi(img, m[:50], bound=5)


def test_oversample_binary_and_multiclass():
    y = np.array([0] * 8 + [1] * 2)
    idx = oversample(y, 1.5, seed=0)
    assert len(idx) == 10 + 5
    np.testing.assert_array_equal(idx[:10], np.arange(10))
    assert set(y[idx[10:]]) == {1}
    np.testing.assert_array_equal(idx, oversample(y, 1.5, seed=0))
    np.testing.assert_array_equal(oversample(y, 1.0), np.arange(10))
    ym = np.array([0] * 6 + [1] * 3 + [2] * 1)  # mean count 3.33: classes 1 and 2 are below it
    extra = ym[oversample(ym, 1.7, seed=1)[10:]]
    assert len(extra) == 7 and set(extra) <= {1, 2}
    with pytest.raises(ValueError):
        oversample(y, 0.9)


def test_augmentation_acts_on_spatial_axes():
    x = torch.arange(2 * 20 * 30, dtype=torch.float32).reshape(2, 20, 30)
    hflip = augmentation(hflip=1.0, vflip=0.0, p_affine=0.0)
    torch.testing.assert_close(hflip(x), torch.flip(x, dims=[-1]))
    vflip = augmentation(hflip=0.0, vflip=1.0, p_affine=0.0)
    torch.testing.assert_close(vflip(x), torch.flip(x, dims=[-2]))
    torch.manual_seed(0)
    full = augmentation(p_affine=1.0)
    out = full(x[:1])
    assert out.shape == (1, 20, 30)
    assert not torch.equal(out, x[:1])


def test_roi_dataset_index_and_errors():
    imgs = np.zeros((3, 1, 4, 4), np.float32) + np.arange(3)[:, None, None, None]
    ds = ROIDataset(imgs, [0, 1, 1], index=[2, 2, 0])
    assert len(ds) == 3
    x, y = ds[1]
    assert float(x.mean()) == 2 and int(y) == 1
    with pytest.raises(ValueError):
        ROIDataset(imgs[:, 0], [0, 1, 1])
    with pytest.raises(ValueError):
        ROIDataset(imgs, [0, 1])
