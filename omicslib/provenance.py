"""The one provenance record carried by every dataset, table and figure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

#: Ordered weakest first: combining records keeps the weakest kind. ``other-cohort`` is real data of a
#: different cohort standing in for the paper's (e.g. CMMD for p4's hospital cohort).
KINDS = ("synthetic", "other-cohort", "real-subset", "full")

BADGE_COLOURS = {"full": "#1b7837", "real-subset": "#b35806", "other-cohort": "#5e3c99", "synthetic": "#b2182b"}
BADGE_TEXT = {
    "full": "full data",
    "real-subset": "real subset",
    "other-cohort": "real data, other cohort",
    "synthetic": "SYNTHETIC: not a reproduction",
}


@lru_cache(maxsize=4096)
def _sha256(resolved: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(resolved, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_of(path: str | Path) -> str:
    """sha256 of a file, memoised on (path, size, mtime) within the process."""
    p = Path(path)
    st = p.stat()
    return _sha256(str(p.resolve()), st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class FileRecord:
    path: str
    sha256: str

    @classmethod
    def of(cls, path: str | Path) -> "FileRecord":
        return cls(str(path), sha256_of(path))


@dataclass(frozen=True)
class Provenance:
    """What a number or a dataset was made from.

    ``kind`` is ``full`` (the original public data at the paper's scale),
    ``real-subset`` (real data, but fewer samples/features than the paper), ``other-cohort``
    (real data of a different cohort standing in for the paper's) or ``synthetic`` (generated;
    never a reproduction).
    """

    kind: str
    sources: tuple[str, ...]
    description: str = ""
    files: tuple[FileRecord, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"provenance kind must be one of {KINDS}, got {self.kind!r}")

    @property
    def is_synthetic(self) -> bool:
        return self.kind == "synthetic"

    def with_note(self, *notes: str) -> "Provenance":
        return replace(self, notes=self.notes + tuple(notes))

    def combine(self, *others: "Provenance") -> "Provenance":
        """Provenance of something made from several inputs: the weakest kind wins."""
        allp = (self, *others)
        kind = min((p.kind for p in allp), key=KINDS.index)
        uniq = lambda xs: tuple(dict.fromkeys(xs))  # noqa: E731 - ordered de-duplication
        return Provenance(
            kind=kind,
            sources=uniq(s for p in allp for s in p.sources),
            description="; ".join(uniq(p.description for p in allp if p.description)),
            files=uniq(f for p in allp for f in p.files),
            notes=uniq(n for p in allp for n in p.notes),
        )

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "sources": list(self.sources),
            "description": self.description,
            "files": [{"path": f.path, "sha256": f.sha256} for f in self.files],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Provenance":
        return cls(
            kind=d["kind"],
            sources=tuple(d.get("sources", ())),
            description=d.get("description", ""),
            files=tuple(FileRecord(f["path"], f["sha256"]) for f in d.get("files", ())),
            notes=tuple(d.get("notes", ())),
        )

    def badge_html(self) -> str:
        return badge_html(self.kind)

    def label(self) -> str:
        return f"[{BADGE_TEXT[self.kind]}] " + ", ".join(self.sources)


def badge_html(kind: str) -> str:
    """A coloured inline badge for a provenance kind (HTML, renders in notebooks and the book)."""
    return (
        f'<span class="prov-badge prov-{kind}" style="background:{BADGE_COLOURS[kind]};color:white;'
        f'padding:1px 6px;border-radius:4px;font-size:85%;white-space:nowrap">{BADGE_TEXT[kind]}</span>'
    )


def synthetic(source: str, description: str, **kw) -> Provenance:
    """Shorthand for a synthetic provenance record."""
    return Provenance("synthetic", (source,), description, **kw)
