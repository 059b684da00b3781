"""HER2ST (Andersson et al. 2021): real H&E sections of HER2-positive breast tumours with spatial
transcriptomics spots.

Used for the image pipelines of p2 (Otsu tiling, augmentation, ResNet-50 bags) and p5. All
patients are HER2-positive and there are no PAM50 calls, so these sections demonstrate and test
the image path only; they are never paired with TCGA patients.

Images are decoded into memory only (JPEG DCT down-scaling keeps a downsampled read cheap);
nothing derived from them is written into the repository.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicslib.data.fetch import DataError, locate
from omicslib.data.registry import DatasetSpec, FileSpec, register
from omicslib.data.tables import read_table, require_numeric
from omicslib.provenance import FileRecord, Provenance

_COMMIT = "85df7411b987a7dec3feff9718b869a7a82091ec"
_RAW = f"https://raw.githubusercontent.com/almaan/her2st/{_COMMIT}/"

#: section -> (path in the almaan/her2st repository, path in the data mirror, sha256, kind)
_IMAGES = {
    "B4": ("data/ST-imgs/B/B4/BT10737_D2_HE.jpg", "ST-imgs/B/B4/BT10737_D2_HE.jpg",
           "3cb165614ce2a13426381e450220dccac980cc9bda6a90fb041c28ca0e2c753d", "full-res"),
    "C2": ("data/ST-imgs/C/C2/5714_HE_BT_C2.jpg", "ST-imgs/C/C2/5714_HE_BT_C2.jpg",
           "26e2f73ae840cdd46c5bba405aae181f13a56a376b9848dff23f7a9c5de7f19e", "full-res"),
    "C3": ("data/ST-imgs/C/C3/5714_HE_BT_D1.jpg", "ST-imgs/C/C3/5714_HE_BT_D1.jpg",
           "0005a92674014d473040a28f0afca89ce5fa5c44019b479b638ceb3272ceb568", "full-res"),
    "C4": ("data/ST-imgs/C/C4/5714_HE_BT_D2.jpg", "ST-imgs/C/C4/5714_HE_BT_D2.jpg",
           "f40607eb1d5f0d125decd71c48b0c5d29cf6776ad92297fd185631208c82d6f2", "full-res"),
    "C5": ("data/ST-imgs/C/C5/5714_HE_BT_E1.jpg", "ST-imgs/C/C5/5714_HE_BT_E1.jpg",
           "34028ea41e376396b50c42b0a11a7e689c85be4a8022e668d0a09cc128c04c65", "full-res"),
    "C6": ("data/ST-imgs/C/C6/5714_HE_BT_E2.jpg", "ST-imgs/C/C6/5714_HE_BT_E2.jpg",
           "dddd87232589648861a9b6776dc1749be8306213f6589aeef0e805fb2b1ee263", "full-res"),
    "A1": ("app/www/imgs/A1_HE_image_dark.png", "app-imgs/A1_HE_image_dark.png",
           "e3836547df4772907bb537e53f41794fe4e603e9a6c99c1f6e91ef4342b95a6d", "app rendering"),
    "A2": ("app/www/imgs/A2_HE_image_dark.png", "app-imgs/A2_HE_image_dark.png",
           "f37416252956df8f2ff088b4213f37e23d0522c05ef0943eeaede2be50675a73", "app rendering"),
    "J2": ("app/www/imgs/J2_HE_image_dark.png", "app-imgs/J2_HE_image_dark.png",
           "4e2235f4ce7265cc1ed2d226272bc8f4cb6088f7f364ac950a43ce3ba83f29dd", "app rendering"),
}
#: spot tables and count matrices present in the mirror (section -> (spotfile sha256, counts sha256))
_SPOTS = {
    "A1": ("e5f79223be2ea2aebb082c4759059ab7079b0132052d0944209048ac57788c5d",
           "d91035e5d8a9c4ce7865e4c61446deec1a7318602d41b3220e9fcb3ce7e41fe3"),
    "A2": ("b21f48c8492ff1d71c0d0d396dbde64735ff8fa5419bcc6f5cffe60f68d7cb09",
           "1c84f44bfc0bce6d5647b78e4598e2456f769e29f72ca52911d5bc4be81e410c"),
    "B4": ("192b46f3ca414c85753a01a4fb5760a697ca6c0a1aadb949c4687cc6efa9faa0",
           "e38231c2a38c9bc7e6d550eec0e527c1869ee0e525fc913e708d1323c34f5ebb"),
    "C2": ("235b5f4306b3b57c628ffc82c98c7109602474fbcc79a917b9c50517f99b6b1c",
           "c1c59ea6cffae36b9ecb561b8e2a97e3aa5f4085f748e991a0e330ed9d09773d"),
    "C3": ("7fd76c13370b7804ac3bb377b846d22485cf9223f9dd8dfc25be06e5aaf65755",
           "e00c55a3eb9caac5d9c71b8906aae8be8b38f93e23938f4a0ebee17683ef6a2a"),
    "C4": ("47e79f3b9dbfa3a8c18af9e948ba7ba4bf0a75ea1b4c292bc714ced7d0917d4c",
           "33201f76d41d7131dc600a0f87d9a70383af3503e81698b4d11e6f2e8d73e9da"),
    "C5": ("2114cc3b4da759772112897f1e247d5443c9f8c808e6a9a952eb4fda379a194c",
           "c0f310315ca6110d74dbdf7011e5b42432ba0b8eb5f001824764911988f39338"),
    "C6": ("efdbbc6759c6af43baa966505c31705f09c087c1dccf1ea3e0d1db7b55717117",
           "60478b0d2411501866685f41312c65c6591e499d64d5b719be8ee9bab25c9bc8"),
}

HER2ST = register(DatasetSpec(
    id="her2st",
    title="HER2ST: H&E sections and spatial transcriptomics of HER2-positive breast cancer",
    papers=("p2", "p5"),
    homepage="https://github.com/almaan/her2st",
    license="none stated in the repository; cite Andersson et al. (2021) Nat Commun 12:6012",
    citation="Andersson A. et al. (2021) Spatial deconvolution of HER2-positive breast cancer delineates "
             "tumor-associated cell type interactions. Nat Commun 12:6012",
    bibkey="andersson2021her2st",
    notes="Six of 36 full-resolution H&E sections (B4, C2-C6, ~9.3k x 9.9k px) and three downsampled "
          "app renderings on a black background (A1, A2, J2) could be obtained. All patients are "
          "HER2-positive; no PAM50, so no subtype task can be formed on these images. Repository commit "
          f"{_COMMIT}.",
    files=tuple(
        [FileSpec(f"img_{s}", f"her2st/{local}", _RAW + repo, sha, f"H&E section {s} ({kind})", "real-subset")
         for s, (repo, local, sha, kind) in _IMAGES.items()]
        + [FileSpec(f"spots_{s}", f"her2st/ST-spotfiles/{s}_selection.tsv",
                    _RAW + f"data/ST-spotfiles/{s}_selection.tsv", sp, f"spot pixel coordinates, {s}", "full")
           for s, (sp, _) in _SPOTS.items()]
        + [FileSpec(f"counts_{s}", f"her2st/ST-cnts/{s}.tsv.gz", _RAW + f"data/ST-cnts/{s}.tsv.gz", ct,
                    f"spot x gene UMI counts, {s}", "full")
           for s, (_, ct) in _SPOTS.items()]
    ),
))


def sections(kind: str | None = None) -> list[str]:
    """Names of the H&E sections that can be loaded (``kind``: ``'full-res'``, ``'app rendering'`` or all)."""
    return [s for s, v in _IMAGES.items() if kind is None or v[3] == kind]


def load_section(name: str, downsample: int = 1) -> tuple[np.ndarray, Provenance]:
    """One H&E section as an RGB uint8 array (H, W, 3), reduced by the integer factor ``downsample``.

    Full-resolution JPEGs (~92 Mpx) are decoded with JPEG DCT scaling, so ``downsample=8`` reads in
    well under a second and never materialises the full image. The array lives in memory only.
    """
    from PIL import Image

    if name not in _IMAGES:
        raise DataError(f"unknown HER2ST section {name!r}; available: {sections()}")
    if int(downsample) != downsample or downsample < 1:
        raise ValueError(f"downsample must be a positive integer, got {downsample!r}")
    path = locate(HER2ST.id, f"img_{name}")
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # trusted, checksum-verified files just above PIL's bomb limit
    try:
        with Image.open(path) as im:
            full = im.size
            target = (max(1, full[0] // downsample), max(1, full[1] // downsample))
            im.draft("RGB", target)
            img = im.convert("RGB")
            if img.size != target:
                img = img.resize(target, Image.Resampling.BILINEAR)
            arr = np.asarray(img, dtype=np.uint8).copy()
    except OSError as e:
        raise DataError(f"cannot decode {path} as an image (HER2ST section {name}): {e}") from e
    finally:
        Image.MAX_IMAGE_PIXELS = old
    kind = _IMAGES[name][3]
    prov = Provenance("real-subset", (HER2ST.id,),
                      f"HER2ST H&E section {name} ({kind}, {full[0]}x{full[1]} px, downsampled x{downsample})",
                      (FileRecord.of(path),),
                      ("HER2-positive patients only; no PAM50 labels",))
    return arr, prov


def load_spots(name: str) -> tuple[pd.DataFrame, Provenance]:
    """Spot table of a section: array ``x``/``y``, ``pixel_x``/``pixel_y`` into the full-res image,
    ``selected``; indexed by the count-matrix spot id ``'{x}x{y}'``."""
    if name not in _SPOTS:
        raise DataError(f"no spot table for HER2ST section {name!r}; available: {sorted(_SPOTS)}")
    path = locate(HER2ST.id, f"spots_{name}")
    df = read_table(path, required=["x", "y", "pixel_x", "pixel_y", "selected"])
    df.index = df["x"].astype(int).astype(str) + "x" + df["y"].astype(int).astype(str)
    return df, Provenance("real-subset", (HER2ST.id,), f"HER2ST spot coordinates, section {name}",
                          (FileRecord.of(path),))


def load_counts(name: str) -> tuple[pd.DataFrame, Provenance]:
    """Raw UMI counts (spots x genes) of a section."""
    if name not in _SPOTS:
        raise DataError(f"no count matrix for HER2ST section {name!r}; available: {sorted(_SPOTS)}")
    path = locate(HER2ST.id, f"counts_{name}")
    df = require_numeric(read_table(path, index_col=0), path, "UMI counts")
    return df, Provenance("real-subset", (HER2ST.id,), f"HER2ST spot x gene counts, section {name}",
                          (FileRecord.of(path),))
