"""p2 image pipeline: Otsu tissue tiling, augmentation, ResNet-50 features, bags; HER2ST loader."""

import numpy as np
import pytest
import torch

from omicslib import histology as h
from omicslib.data import available, her2st


def _slide(canvas=(245, 240, 248)):
    """512 x 768 'slide': a purple-pink tissue block in rows 0-255, cols 0-383, glass elsewhere."""
    rng = np.random.default_rng(0)
    img = np.empty((512, 768, 3), np.uint8)
    img[:] = canvas
    tissue = np.array([150, 80, 160]) + rng.integers(-30, 30, size=(256, 384, 3))
    img[:256, :384] = np.clip(tissue, 0, 255)
    img += rng.integers(0, 4, size=img.shape, dtype=np.uint8)  # faint noise on the glass
    return img


@pytest.mark.parametrize("canvas", [(245, 240, 248), (0, 0, 0)], ids=["white-glass", "black-canvas"])
def test_tiling_keeps_tissue_rejects_background(canvas):
    img = _slide(canvas)
    mask = h.tissue_mask(img)
    assert mask[:256, :384].mean() > 0.95 and mask[260:, :].mean() < 0.01 and mask[:, 390:].mean() < 0.01
    coarse = h.tissue_mask(img, max_side=200)  # computed at 1/4 resolution, expanded back
    assert coarse.shape == mask.shape and (coarse == mask).mean() > 0.97
    xy = h.tile_coords(img, size=128, min_tissue=0.5)
    assert sorted(map(tuple, xy)) == [(r, c) for r in (0, 128) for c in (0, 128, 256)]
    tiles = h.tile(img, size=128)
    assert tiles.shape == (6, 128, 128, 3) and tiles.dtype == np.uint8
    np.testing.assert_array_equal(tiles[0], img[:128, :128])


def test_tile_subsample_is_seeded_and_empty_when_no_tissue():
    img = _slide()
    a, b = h.tile(img, 64, max_tiles=5, seed=1), h.tile(img, 64, max_tiles=5, seed=1)
    assert a.shape == (5, 64, 64, 3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, h.tile(img, 64, max_tiles=5, seed=2))
    blank = np.full((300, 300, 3), 240, np.uint8)
    assert h.tile(blank, 128).shape == (0, 128, 128, 3)
    with pytest.raises(ValueError, match="RGB"):
        h.tile(img[..., 0], 64)
    with pytest.raises(ValueError, match="uint8"):
        h.tissue_mask(img.astype(float))


def test_augment_changes_colour_keeps_shape_and_is_seeded():
    tiles = h.tile(_slide(), 128)[:3]
    a = h.augment(tiles, seed=0)
    assert a.shape == tiles.shape and a.dtype == np.uint8
    assert not np.array_equal(a, tiles)
    np.testing.assert_array_equal(a, h.augment(tiles, seed=0))
    assert not np.array_equal(a, h.augment(tiles, seed=1))
    # rotation only (no jitter): every output is a right-angle rotation of its input
    rot = h.augment(tiles, seed=3, transform=h.augmentation(0, 0, 0, 0))
    for t, r in zip(tiles, rot):
        assert any(np.array_equal(np.rot90(t, k), r) for k in range(4))


def test_resnet50_features_and_bag(monkeypatch, tmp_path):
    monkeypatch.setenv("OMICSLIB_WEIGHTS", str(tmp_path))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    model, note = h.resnet50_extractor("cpu")
    assert "random initialisation" in note
    tiles = h.tile(_slide(), 64)[:3]
    f = h.extract_features(tiles, model, batch_size=2)
    assert f.shape == (3, 2048) and np.isfinite(f).all() and (f >= 0).all()  # after ReLU + avg-pool
    np.testing.assert_allclose(f[1], h.extract_features(tiles[1:2], model)[0], rtol=1e-3, atol=1e-4)
    b = h.bag(f, n_tiles=35, seed=0)
    assert b.shape == (35, 2048)  # fewer patches than 35: sampled with replacement
    many = np.arange(100 * 4, dtype=float).reshape(100, 4)
    b2 = h.bag(many, 35, seed=0)
    assert len({tuple(r) for r in b2}) == 35  # without replacement when enough patches
    with pytest.raises(ValueError):
        h.bag(np.zeros((0, 2048)))


@pytest.mark.skipif(not available("her2st", "img_B4"), reason="HER2ST mirror not present")
def test_her2st_section_loads_downsampled():
    img, prov = her2st.load_section("B4", downsample=8)
    assert img.dtype == np.uint8 and img.shape == (9923 // 8, 9272 // 8, 3)
    assert prov.kind == "real-subset" and prov.files[0].sha256.startswith("3cb16561")
    assert "B4" in her2st.sections() and "A1" in her2st.sections("app rendering")
    with pytest.raises(Exception, match="unknown HER2ST section"):
        her2st.load_section("Z9")
    spots, _ = her2st.load_spots("C2")
    assert {"pixel_x", "pixel_y"} <= set(spots.columns)
