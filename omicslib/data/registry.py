"""Registry of datasets: original public source, checksums, licence, citation.

Each source module (``metabric``, ``tcga``, ...) registers its datasets at
import time with :func:`register`. A :class:`FileSpec` names one file by its
ORIGINAL public URL and, where a copy exists in the local data mirror, the
mirror-relative path; the sha256 applies to whichever copy is found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The DL-mo benchmark repository (p3's baselines and processed inputs) at a pinned commit.
DLMO = "https://raw.githubusercontent.com/zhenglinyi/DL-mo/bf94b7e3448b6684921bfc45b36c8346dee36161"


@dataclass(frozen=True)
class FileSpec:
    """One file of a dataset.

    ``local`` is the path inside a data directory (``$OMICSLIB_DATA`` or
    ``../shared/data``); ``url`` the original download address (``None`` for
    files that exist only as a derived local copy); ``sha256`` the expected
    checksum (``None`` where it could not be measured offline, in which case the
    downloaded file's hash is reported, not checked).
    """

    key: str
    local: str | None = None
    url: str | None = None
    sha256: str | None = None
    description: str = ""
    #: "full" if this file is the complete original, "real-subset" if a real
    #: but partial copy (fewer genes/samples), used for provenance.
    scale: str = "full"


@dataclass(frozen=True)
class DatasetSpec:
    id: str
    title: str
    papers: tuple[str, ...]
    homepage: str
    license: str
    citation: str
    files: tuple[FileSpec, ...]
    notes: str = ""
    bibkey: str = ""
    extra: dict = field(default_factory=dict)

    def file(self, key: str) -> FileSpec:
        for f in self.files:
            if f.key == key:
                return f
        raise KeyError(f"dataset {self.id!r} has no file {key!r}; it has {[f.key for f in self.files]}")


REGISTRY: dict[str, DatasetSpec] = {}


def register(spec: DatasetSpec) -> DatasetSpec:
    if spec.id in REGISTRY and REGISTRY[spec.id] != spec:
        raise ValueError(f"dataset id {spec.id!r} registered twice with different specs")
    keys = [f.key for f in spec.files]
    if len(keys) != len(set(keys)):
        raise ValueError(f"dataset {spec.id!r} has duplicate file keys: {keys}")
    REGISTRY[spec.id] = spec
    return spec


def get(dataset_id: str) -> DatasetSpec:
    try:
        return REGISTRY[dataset_id]
    except KeyError:
        raise KeyError(f"unknown dataset {dataset_id!r}; registered: {sorted(REGISTRY)}") from None
