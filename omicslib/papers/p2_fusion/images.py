"""p2 image branch on real H&E (HER2ST sections standing in for patients): Otsu tiles, the paper's
augmentation applied to every tile before feature extraction (as the authors did), ResNet-50 features
and fixed-size bags, with the weights used recorded (file + sha256) in every result's provenance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from omicslib import histology
from omicslib.provenance import Provenance
from omicslib.weights import WeightsRecord


@dataclass
class Sections:
    """Tiles of real H&E sections: thumbnails (image, mask) at 1/8, tile coordinates and the tiles."""

    names: list[str]
    thumbnails: dict[str, tuple[np.ndarray, np.ndarray]]
    coords: dict[str, np.ndarray]
    tiles: dict[str, np.ndarray]
    provenance: Provenance
    tile_size: int = 256
    thumb: int = 8
    notes: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{"section": s,
                              "thumbnail_px": f"{self.thumbnails[s][0].shape[1] * self.thumb}x"
                                              f"{self.thumbnails[s][0].shape[0] * self.thumb}",
                              "tissue_fraction": round(float(self.thumbnails[s][1].mean()), 3),
                              "tissue_tiles": len(self.coords[s]), "tiles_used": len(self.tiles[s])}
                             for s in self.names])


def her2st_sections(names, downsample: int, max_tiles: int | None, seed: int = 0, tile_size: int = 256,
                    min_tissue: float = 0.5) -> Sections:
    """Load HER2ST sections (app renderings at x1, full-resolution ones at 1/``downsample``), mask
    tissue by Otsu, keep grid tiles with >= ``min_tissue`` tissue and up to ``max_tiles`` per section."""
    from omicslib.data import her2st

    thumbs, coords, tiles, provs = {}, {}, {}, []
    for s in names:
        ds = 1 if s in her2st.sections("app rendering") else downsample
        img, p = her2st.load_section(s, downsample=ds)
        mask = histology.tissue_mask(img)
        coords[s] = histology.tile_coords(img, tile_size, min_tissue, mask)
        tiles[s] = histology.tile(img, tile_size, min_tissue, max_tiles=max_tiles, seed=seed, mask=mask)
        thumbs[s] = (img[::8, ::8], mask[::8, ::8])  # thumbnails only are kept
        provs.append(p)
        del img
    return Sections(list(names), thumbs, coords, tiles, provs[0].combine(*provs[1:]), tile_size)


def weights_provenance(prov: Provenance, record: WeightsRecord, allow_random: bool) -> Provenance:
    """``prov`` with the weights record (arch, file, sha256) and, for random weights, whether that was
    explicitly allowed."""
    notes = [f"weights: {json.dumps(record.to_dict(), sort_keys=True)}"]
    if not record.pretrained:
        notes.append("random initialisation " + ("explicitly allowed (allow_random_weights=True)" if allow_random
                                                 else "(no local ImageNet weights; quick/smoke profile)"))
    return prov.with_note(*notes)


def weights_label(record: WeightsRecord, allow_random: bool = False) -> str:
    """How a caption names the network's weights: ImageNet only when ImageNet weights were loaded."""
    if record.pretrained:
        return f"ResNet-50, ImageNet weights ({record.note.split(' from ')[-1]})"
    return "ResNet-50, RANDOM initialisation" + (" (allow_random_weights=True)" if allow_random else "")


def features_and_bags(sections: Sections, model, n_tiles: int = 35, seed: int = 0, augment: bool = True,
                      device="cpu", batch_size: int = 16) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Patch features per section and the (sections, n_tiles, 2048) bag tensor. With ``augment`` the
    paper's jitter + rotation is applied to every tile once, before extraction (the authors' order)."""
    feats = {}
    for i, s in enumerate(sections.names):
        t = sections.tiles[s]
        if not len(t):
            continue
        if augment:
            t = histology.augment(t, seed=seed + i)
        feats[s] = histology.extract_features(t, model, batch_size=batch_size, device=device)
    if not feats:
        raise ValueError("no section yielded a tissue tile: nothing to featurise")
    bags = np.stack([histology.bag(f, n_tiles, seed=seed) for f in feats.values()])
    return feats, bags


def bag_table(feats: dict[str, np.ndarray], n_tiles: int, augmented: bool) -> pd.DataFrame:
    return pd.DataFrame([{"section": s, "tiles_featurised": len(f), "bag_tiles": n_tiles,
                          "sampled_with_replacement": len(f) < n_tiles, "feature_dim": f.shape[1],
                          "augmented_before_extraction": augmented,
                          "mean_activation": float(f.mean()), "fraction_zero": float((f == 0).mean())}
                         for s, f in feats.items()])


def example_tiles(sections: Sections, per_section: int = 3, total: int = 6) -> np.ndarray:
    """The first ``per_section`` tiles of each section, at most ``total`` (for the augmentation figure)."""
    return np.concatenate([sections.tiles[s][:per_section] for s in sections.names])[:total]
