"""CMMD (The Chinese Mammography Database, TCIA): clinical table with molecular subtypes, DICOM
mammograms for connected users, and a synthetic ROI stand-in with the same schema (p4).

CMMD is the closest PUBLIC cohort to p4's private one (390 patients, five
subtypes): 749 patients (subset D2) carry a molecular subtype in four classes
(Luminal A, Luminal B, HER2-enriched, triple negative). Each patient has a
CC and an MLO view of the affected breast. CMMD ships NO lesion masks, so the
paper's ROI crop needs masks drawn by the user (the paper's radiologists used
ITK-SNAP). The data mirror here holds the clinical table and the TCIA series
manifest, not the images.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from omicslib.data.fetch import DataError, locate
from omicslib.data.registry import DatasetSpec, FileSpec, register
from omicslib.data.tables import Loaded, read_table
from omicslib.provenance import FileRecord, Provenance, synthetic

#: CMMD's subtype spellings -> the names used in the book, in display order.
SUBTYPES = {"Luminal A": "Luminal A", "Luminal B": "Luminal B", "HER2-enriched": "HER2-enriched",
            "triple negative": "Triple negative"}
SUBTYPE_ORDER = tuple(SUBTYPES.values())
#: Class shares among CMMD's 749 subtyped patients (152/376/135/86).
CMMD_SHARES = {"Luminal A": 152 / 749, "Luminal B": 376 / 749, "HER2-enriched": 135 / 749,
               "Triple negative": 86 / 749}
VIEWS = ("CC", "MLO")

CMMD = register(DatasetSpec(
    id="cmmd",
    title="CMMD: The Chinese Mammography Database (clinical table with molecular subtypes; DICOM mammograms)",
    papers=("p4",),
    homepage="https://www.cancerimagingarchive.net/collection/cmmd/",
    license="CC BY 4.0 (TCIA)",
    bibkey="cai2023cmmd",
    citation="Cui C. et al. (2021) The Chinese Mammography Database (CMMD). The Cancer Imaging Archive, "
             "doi:10.7937/tcia.eqde-4b16; Cai H. et al. (2023) Sci Data 10:123",
    notes="The closest public cohort to p4's private data, not the paper's cohort: 4 subtypes (the paper "
          "has 5), no lymph-node, stage, invasion or Ki-67 columns, and no lesion masks. Images (~22 GB "
          "of DICOM) are downloaded with the NBIA Data Retriever from the .tcia manifest, which also "
          "writes metadata.csv; they are not on the build machine.",
    files=(
        FileSpec("clinical", "cmmd/CMMD_clinicaldata_revision.xlsx",
                 "https://www.cancerimagingarchive.net/wp-content/uploads/CMMD_clinicaldata_revision.xlsx",
                 "44fa2d44b2cf5a1710182f246ba241d138a6b3393bbaee7e7f9310c412daca49",
                 "clinical table, one row per breast: ID1, LeftRight, Age, number, abnormality, "
                 "classification, subtype (1,872 rows, 1,775 patients)", "full"),
        FileSpec("series_metadata", "cmmd/metadata.csv", None,
                 "c4b017e9a6abf2f02f9d8495d1ce942b53eccf84858b81ccaf71c6ec20a81123",
                 "NBIA Data Retriever series manifest (1,775 series: Subject ID, Series UID, Number of "
                 "Images, File Location); written next to the downloaded images", "full"),
        FileSpec("tcia_manifest", None,
                 "https://www.cancerimagingarchive.net/wp-content/uploads/The-Chinese-Mammography-Database.tcia",
                 None, "NBIA manifest to download the DICOM images (open it with the NBIA Data Retriever)",
                 "full"),
    ),
))

def _read_xlsx_first_sheet(path: Path) -> pd.DataFrame:
    """First worksheet of an .xlsx as strings (pandas + openpyxl), failing with the file name."""
    try:
        return pd.read_excel(path, dtype=str)
    except ImportError:
        raise
    except Exception as e:
        raise DataError(f"cannot read {path} as an .xlsx workbook: {e}") from e


CLINICAL_COLUMNS = ["ID1", "LeftRight", "Age", "number", "abnormality", "classification", "subtype"]


def load_clinical() -> Loaded:
    """CMMD clinical table (real data of another cohort: provenance ``other-cohort``).

    Tables: ``breasts`` (all 1,872 rows, one per breast) and ``subtyped`` (the
    749 patients with a molecular subtype, indexed by patient, columns
    ``side, age, n_images, abnormality, classification, subtype``). Labels:
    the subtype. Rows without a subtype are listed in ``report``.
    """
    path = locate(CMMD.id, "clinical")
    raw = _read_xlsx_first_sheet(path)
    missing = [c for c in CLINICAL_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{path}: expected columns {CLINICAL_COLUMNS}, missing {missing}; found {list(raw.columns)}")
    df = raw[CLINICAL_COLUMNS].rename(columns={"ID1": "patient", "LeftRight": "side", "Age": "age",
                                               "number": "n_images"})
    df["age"] = pd.to_numeric(df["age"], errors="coerce")
    df["n_images"] = pd.to_numeric(df["n_images"], errors="coerce")
    bad_age = df["age"].isna() | (df["age"] <= 0) | (df["age"] > 120)
    if bad_age.any():
        raise DataError(f"{path}: implausible or missing Age in rows {df.index[bad_age][:5].tolist()}")
    unknown = set(df["subtype"].dropna()) - set(SUBTYPES)
    if unknown:
        raise DataError(f"{path}: unknown subtype values {sorted(unknown)}; expected {sorted(SUBTYPES)}")
    df["subtype"] = df["subtype"].map(SUBTYPES)
    report = []
    no_sub = df["subtype"].isna()
    counts = df.loc[no_sub, "classification"].value_counts().to_dict()
    report.append(f"excluded {int(no_sub.sum())} breast rows without a molecular subtype "
                  f"(by classification: {counts})")
    sub = df[~no_sub]
    if sub["patient"].duplicated().any():
        raise DataError(f"{path}: patients with more than one subtyped breast: "
                        f"{sub.loc[sub['patient'].duplicated(), 'patient'].tolist()[:5]}")
    sub = sub.set_index("patient")
    sub["subtype"] = pd.Categorical(sub["subtype"], categories=SUBTYPE_ORDER)
    prov = Provenance("other-cohort", (CMMD.id,),
                      f"CMMD clinical table: {len(sub)} patients with a molecular subtype",
                      (FileRecord.of(path),),
                      ("CMMD is the closest public cohort, NOT the private cohort of the p4 paper: "
                       "its numbers are not a reproduction of the paper's Table 1",))
    return Loaded({"breasts": df, "subtyped": sub}, prov, labels=sub["subtype"], report=report)


def _view_of(ds) -> str:
    view = str(getattr(ds, "ViewPosition", "") or "").upper()
    if not view:
        seq = getattr(ds, "ViewCodeSequence", None)
        meaning = str(seq[0].CodeMeaning).lower() if seq else ""
        view = "CC" if "cranio-caudal" in meaning else "MLO" if "medio-lateral oblique" in meaning else ""
    return view if view in VIEWS else "unknown"


def load_images(root: str | Path, subjects=None, max_images: int | None = None) -> Loaded:
    """CMMD mammograms from a TCIA download folder (connected users), joined to the clinical subtypes.

    ``root`` is the folder the NBIA Data Retriever wrote (it holds ``CMMD/``);
    the series manifest ``metadata.csv`` is taken from there when present,
    else from the registry. Only subtyped breasts are kept: an image is matched
    to its clinical row by patient and DICOM ``ImageLaterality``. Table
    ``images``: patient, side, view, subtype, path; ``meta['images']`` the
    pixel arrays (float32). No lesion masks exist in CMMD: pass your own to
    :func:`omicslib.papers.p4_mammography.roi.extract_roi`.
    """
    import pydicom

    root = Path(root)
    manifest = root / "metadata.csv"
    manifest = manifest if manifest.is_file() else locate(CMMD.id, "series_metadata")
    meta = read_table(manifest, required=["Subject ID", "File Location", "Number of Images"])
    clin = load_clinical()
    sub = clin["subtyped"]
    if subjects is not None:
        meta = meta[meta["Subject ID"].isin(list(subjects))]
    meta = meta[meta["Subject ID"].isin(sub.index)]
    rows, pixels, report = [], [], list(clin.report)
    for _, s in meta.iterrows():
        folder = root / Path(*re.split(r"[\\/]+", str(s["File Location"]).lstrip(".\\/")))
        files = sorted(folder.glob("*.dcm"))
        if not files:
            raise DataError(f"no DICOM files in {folder} (series of {s['Subject ID']} listed in {manifest}); "
                            "download the images with the NBIA Data Retriever into this folder")
        for f in files:
            ds = pydicom.dcmread(f)
            side = str(getattr(ds, "ImageLaterality", "") or "")
            patient = s["Subject ID"]
            if side != sub.loc[patient, "side"]:
                report.append(f"skipped {f.name} of {patient}: laterality {side or '?'} is not the subtyped breast")
                continue
            rows.append({"patient": patient, "side": side, "view": _view_of(ds),
                         "subtype": sub.loc[patient, "subtype"], "path": str(f)})
            pixels.append(ds.pixel_array.astype(np.float32))
            if max_images and len(rows) >= max_images:
                break
        if max_images and len(rows) >= max_images:
            break
    table = pd.DataFrame(rows, columns=["patient", "side", "view", "subtype", "path"])
    prov = clin.provenance.combine(Provenance(  # another cohort: other-cohort whatever the subset
        "other-cohort", (CMMD.id,),
        f"CMMD DICOM mammograms: {len(table)} images of {table['patient'].nunique()} patients",
        (FileRecord.of(manifest),)))
    return Loaded({"images": table}, prov, labels=table["subtype"], meta={"images": pixels}, report=report)


def synthetic_rois(n_patients: int = 60, image_size: int = 192, signal: float = 1.0, patient_effect: float = 1.0,
                   shares: dict | None = None, seed: int = 0) -> Loaded:
    """Synthetic mammogram-like images with a lesion mask, in CMMD's schema (NOT real data).

    Every patient has one subtype (drawn with CMMD's class shares) and two
    views, CC and MLO, of the same lesion. The views share a patient-specific
    parenchymal texture and lesion shape (``patient_effect`` scales how much),
    so a split by image lets a model recognise patients across the split.
    Every lesion has a patient-specific size, brightness, lobulation,
    margin softness, peritumoral halo and number of calcification specks; the
    subtype shifts their distributions by ``signal`` (Luminal B more
    lobulated; HER2-enriched more calcifications; triple negative softer
    margin and stronger peritumoral halo; Luminal A none), so classes overlap. Returns a :class:`Loaded` with table ``images``
    (patient, view, subtype) and ``meta['images']`` / ``meta['masks']``
    arrays of shape (2 n_patients, image_size, image_size).
    """
    from scipy import ndimage

    if n_patients < 2:
        raise ValueError(f"n_patients must be >= 2, got {n_patients}")
    rng = np.random.default_rng(seed)
    shares = shares or CMMD_SHARES
    names = list(shares)
    p = np.asarray([shares[k] for k in names], float)
    subtypes = rng.choice(names, size=n_patients, p=p / p.sum())
    n = image_size
    yy, xx = np.mgrid[0:n, 0:n].astype(float)
    images, masks, rows = [], [], []
    for i, st in enumerate(subtypes):
        pid = f"S-{i:04d}"
        # patient-level appearance, shared by both views; the subtype only shifts its distribution
        texture = ndimage.gaussian_filter(rng.normal(size=(n, n)), n / 40)
        radius = rng.uniform(0.07, 0.13) * n
        lobes, phase = rng.integers(3, 7), rng.uniform(0, 2 * np.pi)
        brightness = rng.uniform(0.4, 0.9)
        wobble = rng.uniform(0, 0.2) + 0.15 * signal * (st == "Luminal B")
        soft = rng.uniform(0.05, 0.3) + 0.25 * signal * (st == "Triple negative")
        halo = rng.uniform(0, 0.15) + 0.15 * signal * (st == "Triple negative")
        n_calc = rng.poisson(2 + 8 * signal * (st == "HER2-enriched"))
        calc = (rng.uniform(0, 2 * np.pi, n_calc), rng.uniform(0.3, 1.4, n_calc) * radius)
        for view in VIEWS:
            tex = texture if view == "CC" else np.rot90(texture).copy()
            own = ndimage.gaussian_filter(rng.normal(size=(n, n)), n / 40)
            cy, cx = rng.uniform(0.3, 0.7, size=2) * n
            dy, dx = yy - cy, xx - cx
            r, theta = np.hypot(dy, dx), np.arctan2(dy, dx)
            edge = radius * (1 + wobble * np.sin(lobes * theta + phase))
            inside = r <= edge
            lesion = brightness / (1 + np.exp((r - edge) / (soft * radius)))
            lesion += halo * np.exp(-((r - 1.5 * edge) / (0.3 * radius)) ** 2)
            spots = np.zeros((n, n))
            ys = np.clip((cy + calc[1] * np.sin(calc[0])).astype(int), 0, n - 1)
            xs = np.clip((cx + calc[1] * np.cos(calc[0])).astype(int), 0, n - 1)
            spots[ys, xs] = 1.0
            lesion += 5 * ndimage.gaussian_filter(spots, 0.8)
            breast = 0.35 + 0.25 * np.exp(-((xx / n) ** 2) * 2)  # brighter towards the chest wall
            img = (breast + 0.12 * patient_effect * tex + 0.08 * own + lesion
                   + rng.normal(0, 0.03, size=(n, n)))
            images.append(img.astype(np.float32))
            masks.append(inside)
            rows.append({"patient": pid, "view": view, "subtype": st})
    table = pd.DataFrame(rows)
    table["subtype"] = pd.Categorical(table["subtype"], categories=SUBTYPE_ORDER)
    prov = synthetic("omicslib.data.cmmd.synthetic_rois",
                     f"synthetic mammogram-like ROIs in CMMD's schema: {n_patients} patients x CC/MLO, "
                     f"{image_size} px, signal {signal}, patient effect {patient_effect}, seed {seed}")
    return Loaded({"images": table}, prov, labels=table["subtype"],
                  meta={"images": np.stack(images), "masks": np.stack(masks)})
