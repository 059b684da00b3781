"""The papers' own values: one reference file per paper, the only place they are written.

``omicslib/papers/pN_<topic>/reference.csv`` has one row per value the book compares against:

========  ====================================================================
key       stable identifier, ``[a-z0-9_]+`` (pages write ``{{ p1_ref.key }}``)
item      what is measured, as the scoreboard shows it (e.g. ``K=1000 EXP+CNA``)
metric    the metric (e.g. ``macro-F1``)
value     the number exactly as the paper prints it (text, so ``0.8589`` keeps its digits)
sd        the paper's spread for it where given (SD or the half-width it prints), else empty
locator   where it is: table / figure / section, e.g. ``Table 4, row K=1000 EXP+CNA``
quote     for prose values, the sentence it comes from; else empty
note      an inconsistency or caveat (e.g. a value that its own table contradicts)
========  ====================================================================

Optional columns: ``tolerance`` (the band within which our estimate counts as the paper's value, or
the margin of a comparative claim, on the metric's scale) and ``tolerance_reason`` (why that
width; required with a tolerance). Without them :func:`omicslib.book.claims.tolerance_of` falls
back on the paper's spread, then on a stated default per metric.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from omicslib.paths import PAPERS, REPO_ROOT

COLUMNS = ["key", "item", "metric", "value", "sd", "locator", "quote", "note"]
KEY = re.compile(r"^[a-z0-9_]+$")
PAPER_PACKAGES = REPO_ROOT / "omicslib" / "papers"


class ReferenceError(ValueError):
    """A reference file that does not follow the schema, or a key it does not hold."""


def path_of(paper: str) -> Path:
    """The reference file of ``paper`` (``p1`` ... ``p5``)."""
    if paper not in PAPERS:
        raise ReferenceError(f"unknown paper id {paper!r}; expected one of {PAPERS}")
    hits = sorted(PAPER_PACKAGES.glob(f"{paper}_*/reference.csv"))
    if len(hits) != 1:
        raise ReferenceError(f"expected one omicslib/papers/{paper}_*/reference.csv, found {len(hits)}")
    return hits[0]


def read(path: str | Path) -> pd.DataFrame:
    """Read and validate one reference file; every problem names the file and the row."""
    path = Path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ReferenceError(f"{path}: missing columns {missing}; expected {COLUMNS}")
    bad = df.loc[~df["key"].str.match(KEY), "key"].tolist()
    if bad:
        raise ReferenceError(f"{path}: keys must match [a-z0-9_]+, got {bad}")
    dup = df.loc[df["key"].duplicated(), "key"].tolist()
    if dup:
        raise ReferenceError(f"{path}: duplicated keys {dup}")
    for col in ("tolerance", "tolerance_reason"):
        if col not in df.columns:
            df[col] = ""
    for col in ("value", "sd", "tolerance"):
        num = pd.to_numeric(df[col].str.rstrip("%"), errors="coerce")
        wrong = df.loc[num.isna() & (df[col] != ""), "key"].tolist()
        if wrong:
            raise ReferenceError(f"{path}: {col} must be a number (a trailing % is allowed) for {wrong}")
    no_why = df.loc[(df["tolerance"] != "") & (df["tolerance_reason"].str.strip() == ""), "key"].tolist()
    if no_why:
        raise ReferenceError(f"{path}: a tolerance needs its tolerance_reason; missing for {no_why}")
    no_loc = df.loc[df["locator"].str.strip() == "", "key"].tolist()
    if no_loc:
        raise ReferenceError(f"{path}: every value needs a locator; missing for {no_loc}")
    no_val = df.loc[df["value"] == "", "key"].tolist()
    if no_val:
        raise ReferenceError(f"{path}: empty value for {no_val}")
    return df[COLUMNS + [c for c in df.columns if c not in COLUMNS]]


@lru_cache(maxsize=None)
def _load(paper: str) -> pd.DataFrame:
    return read(path_of(paper)).set_index("key")


def load(paper: str) -> pd.DataFrame:
    """The validated reference table of ``paper``, indexed by key (a copy)."""
    return _load(paper).copy()


def _number(text: str) -> float:
    return float(text.rstrip("%")) / (100.0 if text.endswith("%") else 1.0)


def value(paper: str, key: str) -> float:
    """The paper's value for ``key`` as a float (``"93.5%"`` -> 0.935)."""
    return _number(row(paper, key)["value"])


def sd(paper: str, key: str) -> float:
    """The paper's spread for ``key`` (NaN where it gives none)."""
    text = row(paper, key)["sd"]
    return _number(text) if text else np.nan


def tolerance(paper: str, key: str) -> tuple[float, str]:
    """The tolerance stated for ``key`` in the reference file and its reason (``(nan, "")`` where none)."""
    r = row(paper, key)
    return (_number(r["tolerance"]), r["tolerance_reason"]) if r["tolerance"] else (np.nan, "")


def text(paper: str, key: str) -> str:
    """The value exactly as the paper prints it."""
    return row(paper, key)["value"]


def row(paper: str, key: str) -> pd.Series:
    ref = _load(paper)
    if key not in ref.index:
        raise ReferenceError(f"{path_of(paper)} has no key {key!r}")
    return ref.loc[key]


def substitutions() -> dict[str, dict[str, str]]:
    """``{"p1_ref": {key: value text}, ...}`` for the book's pages (every paper with a reference file)."""
    out = {}
    for paper in PAPERS:
        try:
            ref = _load(paper)
        except ReferenceError:
            continue
        out[f"{paper}_ref"] = dict(zip(ref.index, ref["value"]))
    return out
