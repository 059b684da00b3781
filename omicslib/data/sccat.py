"""scCAT-seq cell lines (Liu et al. 2019): 206 cells (HCT116 90, HeLa 42, K562 74), scRNA + scATAC (p3 Figure 3).

Locally only the labels exist. The count matrix the benchmark used (DL-mo ``omics.txt``:
top-5,000-SD features per omic, features x 412 columns = 206 RNA then 206 ATAC) is registered
with its original URL for connected users.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicslib.data.fetch import DataError, locate
from omicslib.data.registry import DLMO, DatasetSpec, FileSpec, register
from omicslib.data.tables import Loaded
from omicslib.provenance import FileRecord, Provenance

N_CELLS = 206
CELL_LINES = {0: "HCT116", 1: "HeLa", 2: "K562"}
_SC = f"{DLMO}/python-scripts/data/single-cell"

SCCAT = register(DatasetSpec(
    id="sccat_seq",
    title="scCAT-seq cell lines (206 cells; scRNA-seq + scATAC-seq) as used by momix / DL-mo",
    papers=("p3",),
    homepage="https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GSE118957",
    license="GEO public data; DL-mo repository states no licence",
    citation="Liu et al. (2019) Nat Commun 10:470; Cantini et al. (2021) Nat Commun 12:124 (momix)",
    notes="Only labels are in the local mirror; the count matrices are absent (too large to mirror).",
    files=(
        FileSpec("labels", "sccat/c.txt", f"{_SC}/c.txt",
                 "89ea26bd350bd26fbb2c26849c7ee7f2bc357f7d991688b99360d14015313856", "cell-line code per cell (0/1/2)"),
        FileSpec("celltype", "sccat/celltype.txt", f"{_SC}/celltype.txt",
                 "8f9aa30dc82693a513cc799502a64d15c1956c602f90bb241cfdf76dd42fdf8e", "cell-line name per cell"),
        FileSpec("cellnames", "sccat/celltype2.txt", f"{_SC}/celltype2.txt",
                 "e8acc048656187ffc7298e91391146946127298b26d0c1ec04f33d31b8a3760d", "cell barcode + code"),
        FileSpec("omics", None, f"{_SC}/omics.txt", None,
                 "top-5,000-SD scRNA and scATAC features x 412 columns (206 RNA, then 206 ATAC)"),
    ),
))


def read_labels(path) -> np.ndarray:
    """One integer code 0/1/2 per line, 206 lines."""
    try:
        y = np.loadtxt(path, dtype=float, ndmin=1)
    except ValueError as e:
        raise DataError(f"{path}: expected one integer cell-line code per line: {e}") from e
    if y.size != N_CELLS or not np.isin(y, list(CELL_LINES)).all():
        raise DataError(f"{path}: expected {N_CELLS} codes in {sorted(CELL_LINES)}, found {y.size} values "
                        f"{sorted(set(np.unique(y).tolist()))[:5]}")
    return y.astype(int)


def load_labels() -> Loaded:
    """Cell-line labels of the 206 cells (always available here)."""
    path = locate(SCCAT.id, "labels")
    y = pd.Series(read_labels(path), name="cell_line").map(CELL_LINES)
    prov = Provenance("real-subset", (SCCAT.id,), "scCAT-seq labels only (no count matrices)", (FileRecord.of(path),))
    return Loaded({}, prov, labels=y)


def read_omics(path) -> dict[str, pd.DataFrame]:
    """DL-mo ``omics.txt`` -> {'rna': 206 x F1, 'atac': 206 x F2} (NaN feature columns of an omic dropped)."""
    try:
        df = pd.read_csv(path, sep=r"\s+", engine="python", header=None)
    except Exception as e:
        raise DataError(f"cannot read {path} as a whitespace-separated matrix: {e}") from e
    arr = df.apply(pd.to_numeric, errors="coerce").to_numpy().T
    if arr.shape[0] != 2 * N_CELLS:
        raise DataError(f"{path}: expected {2 * N_CELLS} columns (206 RNA then 206 ATAC cells), found {arr.shape[0]}")
    out = {}
    for name, block in (("rna", arr[:N_CELLS]), ("atac", arr[N_CELLS:])):
        keep = ~np.isnan(block).any(axis=0)
        out[name] = pd.DataFrame(block[:, keep])
    return out


def load() -> Loaded:
    """Both omics and labels; raises :class:`MissingDataError` (naming the URL) when the counts are absent."""
    lab = load_labels()
    path = locate(SCCAT.id, "omics")
    tables = read_omics(path)
    prov = Provenance("full", (SCCAT.id,), "scCAT-seq 206 cells, scRNA + scATAC (top-5,000 SD features per omic)",
                      lab.provenance.files + (FileRecord.of(path),))
    return Loaded(tables, prov, labels=lab.labels)
