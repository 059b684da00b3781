"""Reading tabular files with checks that name the file and what was expected."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from omicslib.data.fetch import DataError
from omicslib.provenance import Provenance


@dataclass
class Loaded:
    """A loaded dataset: named sample x feature tables, optional labels, and where it came from.

    ``report`` lists every row/column that loading dropped or changed, so nothing
    is removed silently.
    """

    tables: dict[str, pd.DataFrame]
    provenance: Provenance
    labels: pd.Series | None = None
    meta: dict = field(default_factory=dict)
    report: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r}; this dataset has {list(self.tables)}") from None


def read_table(
    path: str | Path,
    *,
    required: Iterable[str] = (),
    sep: str | None = None,
    comment: str | None = None,
    index_col: int | str | None = None,
    **kw,
) -> pd.DataFrame:
    """Read a CSV/TSV, failing with the file name when it is unreadable or lacks ``required`` columns
    (checked before ``index_col`` is applied, so the index column may be required too)."""
    path = Path(path)
    if sep is None:
        sep = "\t" if path.suffix in {".txt", ".tsv"} or path.name.endswith((".txt.gz", ".tsv.gz")) else ","
    try:
        df = pd.read_csv(path, sep=sep, comment=comment, low_memory=False, **kw)
    except Exception as e:
        raise DataError(f"cannot read {path} as a {'TSV' if sep == chr(9) else 'CSV'} table: {e}") from e
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(
            f"{path}: expected columns {list(required)}, missing {missing}; found {list(df.columns)[:20]}"
        )
    if index_col is not None:
        df = df.set_index(df.columns[index_col] if isinstance(index_col, int) else index_col)
        if isinstance(index_col, int) and str(df.index.name).startswith("Unnamed"):
            df.index.name = None
    return df


def require_numeric(df: pd.DataFrame, path: str | Path, what: str) -> pd.DataFrame:
    """Coerce to float; non-numeric cells raise, naming the file and the first bad cell."""
    out = df.apply(pd.to_numeric, errors="coerce")
    bad = out.isna() & df.notna()
    if bad.to_numpy().any():
        r, c = np.argwhere(bad.to_numpy())[0]
        raise DataError(
            f"{path}: {what} must be numeric; cell ({df.index[r]!r}, {df.columns[c]!r}) is {df.iat[r, c]!r}"
        )
    return out.astype(float)


def report_missing(df: pd.DataFrame, name: str) -> list[str]:
    """Describe missing values in a table (for :attr:`Loaded.report`)."""
    n = int(df.isna().to_numpy().sum())
    if not n:
        return []
    cols = df.columns[df.isna().any()].tolist()
    return [f"{name}: {n} missing values in {len(cols)} columns (e.g. {cols[:5]})"]
