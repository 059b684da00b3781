"""The p2 paper's own dataset (Figshare 10.6084/m9.figshare.28050083): TCGA-BRCA tissue-source
site A2 — Macenko-normalised tiles per slide, an RNA-seq table, clinical and target spreadsheets.

Not on the build machine. Connected users run :func:`download` once (Figshare API; each file's md5
is checked) or place the files by hand under ``<data dir>/p2_figshare/``; then :func:`load_cohort`
gives the paper's 93-patient binary cohort and :func:`patient_tiles` the tiles of one patient.
Reading the ``.xlsx`` sheets needs ``openpyxl``.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from omicslib.data.fetch import DataError, locate
from omicslib.data.registry import DatasetSpec, FileSpec, register
from omicslib.data.tables import Loaded, read_table, require_numeric
from omicslib.paths import data_dirs
from omicslib.provenance import FileRecord, Provenance

ARTICLE_ID = 28050083
DOI = "10.6084/m9.figshare.28050083"
API = f"https://api.figshare.com/v2/articles/{ARTICLE_ID}/files"
FILES = {
    "tiles": ("TCGA-BRCA-A2-DEEPMED-TILES.zip", "tiles per slide (Macenko-normalised), one folder per slide"),
    "rna": ("TCGA-BRCA-RNA-Seq.csv", "RNA-seq table; tab-separated despite the .csv name"),
    "target": ("TCGA-BRCA-A2-target_variable.xlsx", "'Sample ID' and 'TCGA Subtype' (BRCA.LumA/LumB/Basal/Her2/Normal)"),
    "clinical": ("TCGA-BRCA-A2-CLINI.xlsx", "clinical table of the site-A2 patients"),
}
SUBTYPE_TO_BINARY = {"BRCA.LumA": 0, "BRCA.LumB": 0, "BRCA.Basal": 1, "BRCA.Her2": 1}
_BARCODE = re.compile(r"TCGA-[A-Z0-9]{2}-[A-Z0-9]{4}")
_TILE_EXT = (".png", ".jpg", ".jpeg", ".tif", ".tiff")

SPEC = register(DatasetSpec(
    id="p2_figshare",
    title="p2 dataset: TCGA-BRCA site A2 tiles, RNA-seq and subtype targets (Figshare 28050083)",
    papers=("p2",),
    homepage=f"https://doi.org/{DOI}",
    license="as stated on the Figshare record; TCGA data under the NIH GDS open-access policy",
    citation="Honarmandi Shandiz A. (2025) Dataset, Figshare, doi:10.6084/m9.figshare.28050083",
    bibkey="honarmandi_histology",
    notes="Not available offline; sha256 unknown (Figshare publishes md5, checked by download()). The "
          "authors' notebook also reads a slide spreadsheet whose name is not recorded here.",
    files=tuple(FileSpec(k, f"p2_figshare/{name}", None, None, desc, "full") for k, (name, desc) in FILES.items()),
))


def download(dest: str | Path | None = None) -> list[Path]:
    """Fetch the article's files through the Figshare API into ``dest`` (default: the first data
    directory, ``$OMICSLIB_DATA`` or ``../shared/data``, + ``/p2_figshare``), checking each md5."""
    import pooch
    import requests

    dest = Path(dest) if dest else (data_dirs() or [Path.cwd() / "data"])[0] / "p2_figshare"
    dest.mkdir(parents=True, exist_ok=True)
    listing = requests.get(API, timeout=60)
    listing.raise_for_status()
    got = []
    for f in listing.json():
        md5 = f.get("computed_md5") or f.get("supplied_md5")
        got.append(Path(pooch.retrieve(f["download_url"], known_hash=f"md5:{md5}" if md5 else None,
                                       fname=f["name"], path=dest, progressbar=True)))
    return got


def binary_targets(target: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """Binary labels from the target sheet: LumA/LumB -> 0, Basal/Her2 -> 1, indexed by 12-character
    barcode; BRCA.Normal and unknown subtypes are dropped and reported."""
    for c in ("Sample ID", "TCGA Subtype"):
        if c not in target.columns:
            raise DataError(f"target sheet: expected columns 'Sample ID' and 'TCGA Subtype', found {list(target.columns)}")
    t = target.dropna(subset=["Sample ID", "TCGA Subtype"]).copy()
    t.index = t["Sample ID"].astype(str).str[:12]
    report = [f"dropped {v} {k} patients" for k, v in t.loc[~t["TCGA Subtype"].isin(SUBTYPE_TO_BINARY),
                                                           "TCGA Subtype"].value_counts().items()]
    t = t[t["TCGA Subtype"].isin(SUBTYPE_TO_BINARY)]
    y = t["TCGA Subtype"].map(SUBTYPE_TO_BINARY).astype(int).rename("label")
    return y[~y.index.duplicated()], report


def read_expression(path: str | Path) -> pd.DataFrame:
    """The RNA-seq table as patients x genes (12-character barcodes), whichever way it is stored."""
    df = read_table(path, sep="\t", index_col=0)
    if not df.columns.astype(str).str.match(_BARCODE).any() and not df.index.astype(str).str.match(_BARCODE).any():
        raise DataError(f"{path}: no TCGA barcodes (TCGA-XX-XXXX) in its header or first column")
    if df.columns.astype(str).str.match(_BARCODE).any():
        df = df.T
    df.index = df.index.astype(str).str[:12]
    df = df[~df.index.duplicated()]
    return require_numeric(df, path, "expression")


def tile_index(zip_path: str | Path) -> dict[str, list[str]]:
    """Tile member names per patient barcode inside the tile archive (nothing is extracted)."""
    out: dict[str, list[str]] = {}
    with zipfile.ZipFile(zip_path) as z:
        for name in z.namelist():
            m = _BARCODE.search(name)
            if m and name.lower().endswith(_TILE_EXT):
                out.setdefault(m.group(0), []).append(name)
    for v in out.values():
        v.sort()
    return out


def patient_tiles(patient: str, n_tiles: int | None = 35, seed: int = 0, zip_path: str | Path | None = None
                  ) -> np.ndarray:
    """``n_tiles`` random tiles of one patient (seeded; all with ``None``) as uint8 (n, H, W, 3)."""
    from PIL import Image

    zip_path = zip_path or locate(SPEC.id, "tiles")
    names = tile_index(zip_path).get(patient[:12])
    if not names:
        raise DataError(f"{zip_path}: no tiles for patient {patient!r}")
    if n_tiles is not None and len(names) > n_tiles:
        names = [names[i] for i in sorted(np.random.default_rng(seed).choice(len(names), n_tiles, replace=False))]
    with zipfile.ZipFile(zip_path) as z:
        return np.stack([np.asarray(Image.open(io.BytesIO(z.read(n))).convert("RGB")) for n in names])


def load_cohort(require_tiles: bool = True) -> Loaded:
    """The paper's cohort: expression (patients x genes) and binary labels for patients present in
    the target sheet and the RNA table (and, with ``require_tiles``, the tile archive). Every dropped
    patient is reported; ``meta['tiles']`` maps patient -> tile member names."""
    tpath, rpath = locate(SPEC.id, "target"), locate(SPEC.id, "rna")
    try:
        target = pd.read_excel(tpath)
    except ImportError as e:
        raise DataError(f"reading {tpath} needs openpyxl (pip install openpyxl)") from e
    y, report = binary_targets(target)
    expr = read_expression(rpath)
    files = [FileRecord.of(tpath), FileRecord.of(rpath)]
    lost = y.index.difference(expr.index)
    if len(lost):
        report.append(f"dropped {len(lost)} patients without expression: {list(lost)}")
    keep = y.index.intersection(expr.index)
    tiles = {}
    if require_tiles:
        zpath = locate(SPEC.id, "tiles")
        files.append(FileRecord.of(zpath))
        tiles = tile_index(zpath)
        no_tiles = [p for p in keep if p not in tiles]
        if no_tiles:
            report.append(f"dropped {len(no_tiles)} patients without tiles: {no_tiles}")
        keep = keep[[p in tiles for p in keep]]
    prov = Provenance("full", (SPEC.id,), f"p2 Figshare cohort: {len(keep)} patients "
                      f"({int((y.loc[keep] == 0).sum())} Luminal, {int((y.loc[keep] == 1).sum())} Basal/Her2)",
                      tuple(files))
    return Loaded({"rna": expr.loc[keep]}, prov, labels=y.loc[keep],
                  meta={"tiles": {p: tiles[p] for p in keep if p in tiles}}, report=report)
