"""MCBD (Mammography-Complaints Breast Database): 181 patients, CC + MLO full-field mammograms, pathology
benign/malignant and the radiologist's BI-RADS category (p4's real-image arm: another cohort, another task).

The original source is the upstream GitHub repository at a pinned commit (folder ``MCBD/``, MIT licence).
The data mirror holds greyscale copies resized to a long side of 1,024 px; ``MANIFEST.txt`` lists per
image the original path, size and sha256 and the local copy's size and sha256. :func:`load` checks every
local image against the manifest's sha256 and fails naming the file for a missing image, an unreadable
file, a checksum mismatch or a label row without images. There is NO molecular subtype, NO receptor
status and NO lesion outline: the p4 paper's subtype task cannot be run on these images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from omicslib.data.fetch import ChecksumError, DataError, MissingDataError, locate
from omicslib.data.registry import DatasetSpec, FileSpec, register
from omicslib.provenance import FileRecord, Provenance, sha256_of

COMMIT = "7c5ecb69c11d5cb9bdddc890e46d2932bde5063f"
UPSTREAM = f"https://raw.githubusercontent.com/zhangzihan-is-good/AI-breast-cancer/{COMMIT}/MCBD"
VIEWS = ("CC", "MLO")
#: complaints.xlsx column -> our name (the manifest's translation of the Chinese headers).
COLUMNS = {"ID": "patient", "LeftRight": "side", "number": "n_images_listed", "良恶性": "pathology",
           "BI-RADS分级": "birads"}
PATHOLOGY = {"良": "benign", "恶": "malignant"}
#: BI-RADS category -> ordinal suspicion score. 0 ("incomplete, needs more imaging") has no place on the
#: suspicion scale; it is put between 3 (probably benign) and 4a (low suspicion), stated wherever used.
BIRADS_ORDER = {"1": 0.0, "2": 1.0, "3": 2.0, "0": 2.5, "4a": 3.0, "4b": 4.0, "4c": 5.0, "5": 6.0, "6": 7.0}
NOTE = "another task: benign vs malignant"

MCBD = register(DatasetSpec(
    id="mcbd",
    title="MCBD: Mammography-Complaints Breast Database (181 patients, CC + MLO, pathology, BI-RADS)",
    papers=("p4",),
    homepage=f"https://github.com/zhangzihan-is-good/AI-breast-cancer/tree/{COMMIT}/MCBD",
    license="MIT (upstream repository)",
    bibkey="",
    citation="zhangzihan-is-good/AI-breast-cancer, folder MCBD, commit " + COMMIT + " (The First Affiliated "
             "Hospital of Harbin Medical University, per the upstream README)",
    notes="Real mammograms of another cohort for another task (benign vs malignant): no molecular subtype, no "
          "receptor status, no lesion outline. Local copies are greyscale, long side 1,024 px (Lanczos, JPEG "
          "quality 90); the manifest gives each original's URL and sha256 and each local copy's sha256.",
    files=(
        FileSpec("labels", "mcbd/complaints.xlsx", f"{UPSTREAM}/complaints.xlsx",
                 "0b9307dadfae4f189cc982f98ce423d57887fb791de83afcdd63403f853c3a0e",
                 "one row per patient: ID, LeftRight, number, pathology (良/恶), BI-RADS, complaint text", "full"),
        FileSpec("manifest", "mcbd/MANIFEST.txt", None,
                 "efeb469f3ad929291a356f13c8a251a972ed3c51d419c7cb4aecdc7ceaf21d30",
                 "per image: original path, size, mode, sha256; local file, size, sha256 (362 images)", "full"),
    ),
))

MANIFEST_COLUMNS = ["original", "original_size", "original_mode", "original_sha256", "local", "local_size",
                    "local_sha256"]


def read_manifest(path: str | Path) -> pd.DataFrame:
    """The manifest's image rows (comment lines start with ``#``), one per image, with patient and view."""
    path = Path(path)
    try:
        m = pd.read_csv(path, sep="\t", comment="#", header=None, names=MANIFEST_COLUMNS, dtype=str)
    except Exception as e:
        raise DataError(f"cannot read {path} as the MCBD manifest (tab-separated, 7 columns): {e}") from e
    if m.isna().any().any():
        bad = m.index[m.isna().any(axis=1)][:5].tolist()
        raise DataError(f"{path}: manifest rows {bad} lack some of the columns {MANIFEST_COLUMNS}")
    parts = m["original"].str.extract(r"^(?P<patient>[^/]+)/(?P<view>CC|MLO)\.jpg$")
    if parts.isna().any().any():
        raise DataError(f"{path}: original paths not of the form <ID>/<CC|MLO>.jpg: "
                        f"{m.loc[parts.isna().any(axis=1), 'original'].tolist()[:5]}")
    parts["patient"] = parts["patient"].map(_pid)
    return pd.concat([m, parts], axis=1)


def _pid(x) -> str:
    """A patient ID without leading zeros (the manifest's folders are zero-padded: ``01``; the labels are not)."""
    s = str(x).strip()
    return str(int(s)) if s.isdigit() else s


def read_labels(path: str | Path) -> pd.DataFrame:
    """complaints.xlsx as one row per patient: side, pathology (benign/malignant), BI-RADS and its ordinal score."""
    path = Path(path)
    try:
        raw = pd.read_excel(path, dtype=str)
    except Exception as e:
        raise DataError(f"cannot read {path} as an .xlsx workbook: {e}") from e
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{path}: expected columns {list(COLUMNS)}, missing {missing}; found {list(raw.columns)}")
    df = raw[list(COLUMNS)].rename(columns=COLUMNS)
    df["patient"] = df["patient"].map(_pid)
    if df["patient"].duplicated().any():
        raise DataError(f"{path}: duplicated patient IDs {df.loc[df['patient'].duplicated(), 'patient'].tolist()[:5]}")
    unknown = sorted(set(df["pathology"].dropna()) - set(PATHOLOGY))
    if unknown or df["pathology"].isna().any():
        raise DataError(f"{path}: pathology (良恶性) must be one of {sorted(PATHOLOGY)}; found {unknown or 'blanks'}")
    df["pathology"] = df["pathology"].map(PATHOLOGY)
    df["birads"] = df["birads"].str.strip().str.lower()
    bad = sorted(set(df["birads"].dropna()) - set(BIRADS_ORDER))
    if bad or df["birads"].isna().any():
        raise DataError(f"{path}: BI-RADS values {bad or 'blank'} not in {sorted(BIRADS_ORDER)}")
    df["birads_score"] = df["birads"].map(BIRADS_ORDER)
    df["malignant"] = (df["pathology"] == "malignant").astype(int)
    return df.set_index("patient")


def read_image(path: str | Path, max_side: int | None = None) -> np.ndarray:
    """One greyscale image as a float32 array in [0, 255], failing with the file name when unreadable.

    ``max_side``: decode at a reduced size (JPEG draft mode, then a box filter) so that the long side is at
    most ``max_side`` px (a cheap first reduction; the pipeline resizes further)."""
    from PIL import Image

    path = Path(path)
    try:
        with Image.open(path) as im:
            if max_side is not None and max(im.size) > max_side:
                f = max_side / max(im.size)
                size = (max(1, round(im.size[0] * f)), max(1, round(im.size[1] * f)))
                im.draft("L", size)
                im = im.convert("L").resize(size, Image.BOX)
            return np.asarray(im.convert("L"), dtype=np.float32)
    except Exception as e:
        raise DataError(f"cannot read image {path}: {type(e).__name__}: {e}") from e


def load(root: str | Path | None = None, patients=None, verify: bool = True,
         max_side: int | None = None) -> "Loaded":  # noqa: F821
    """MCBD: labels of every patient and both views, checked against the manifest (provenance ``other-cohort``).

    ``root``: a folder holding ``complaints.xlsx``, ``MANIFEST.txt`` and ``images/`` (default: the registered
    files in the data mirror, checksums verified). ``patients`` restricts to those IDs. Table ``patients``
    (side, pathology, malignant, birads, birads_score, n_views, blank_views) and table ``images`` (patient,
    view, path, blank, duplicate_of); ``meta['images']`` the pixel arrays (list of float32 (H, W)).
    ``max_side`` decodes the images reduced to that long side (:func:`read_image`).
    ``report`` names blank (all-zero) images and files shared by several patients: both are kept in the
    tables and flagged, never dropped silently.
    """
    from omicslib.data.tables import Loaded

    if root is None:
        labels_path, manifest_path = locate(MCBD.id, "labels"), locate(MCBD.id, "manifest")
        root = manifest_path.parent
    else:
        root = Path(root)
        labels_path, manifest_path = root / "complaints.xlsx", root / "MANIFEST.txt"
        for p in (labels_path, manifest_path):
            if not p.is_file():
                raise MissingDataError(f"missing file {p} (MCBD); see {MCBD.homepage}")
    labels = read_labels(labels_path)
    man = read_manifest(manifest_path)
    if patients is not None:
        keep = [_pid(p) for p in patients]
        labels, man = labels.loc[labels.index.intersection(keep)], man[man["patient"].isin(keep)]
    no_images = sorted(set(labels.index) - set(man["patient"]), key=lambda s: (len(s), s))
    if no_images:
        raise DataError(f"{labels_path}: label rows without images in {manifest_path}: patients {no_images[:10]}")
    no_label = sorted(set(man["patient"]) - set(labels.index))
    if no_label:
        raise DataError(f"{manifest_path}: images of patients without a label row in {labels_path}: {no_label[:10]}")
    rows, pixels, report = [], [], []
    first_of: dict[str, str] = {}
    for r in man.itertuples():
        path = root / r.local
        if not path.is_file():
            raise MissingDataError(f"missing image {path} (patient {r.patient}, view {r.view}); the original is "
                                   f"{UPSTREAM}/{r.original} (sha256 {r.original_sha256})")
        if verify:
            got = sha256_of(path)
            if got != r.local_sha256:
                raise ChecksumError(f"checksum mismatch for {path}: manifest {manifest_path} expects sha256 "
                                    f"{r.local_sha256}, got {got}")
        img = read_image(path, max_side)
        blank = bool(img.max() == img.min())
        dup = first_of.setdefault(r.original_sha256, f"{r.patient}/{r.view}")
        rows.append({"patient": r.patient, "view": r.view, "path": str(path), "blank": blank,
                     "duplicate_of": "" if dup == f"{r.patient}/{r.view}" else dup})
        pixels.append(img)
    images = pd.DataFrame(rows)
    blank = images[images["blank"]]
    if len(blank):
        report.append(f"{len(blank)} blank (constant) images kept but flagged: "
                      + ", ".join(blank["patient"] + "/" + blank["view"]))
    dups = images[(images["duplicate_of"] != "") & ~images["blank"]]
    for d in dups.itertuples():
        report.append(f"{d.patient}/{d.view} is byte-identical (original sha256) to {d.duplicate_of}")
    per = images.groupby("patient").agg(n_views=("view", "size"), blank_views=("blank", "sum"))
    table = labels.join(per)
    prov = Provenance("other-cohort", (MCBD.id,),
                      f"MCBD mammograms: {len(images)} images (CC + MLO) of {len(table)} patients, pathology "
                      f"{int((table['pathology'] == 'benign').sum())} benign / {int(table['malignant'].sum())} "
                      "malignant",
                      (FileRecord.of(labels_path), FileRecord.of(manifest_path)),
                      (NOTE, "not the p4 paper's cohort or task: no molecular subtype, receptor status or lesion "
                             "outline; local images are greyscale copies (long side 1,024 px), each checked "
                             "against the manifest's sha256"))
    return Loaded({"patients": table, "images": images}, prov, labels=table["malignant"],
                  meta={"images": pixels}, report=report)
