"""Resolve a registered file to a verified local path.

Order: ``$OMICSLIB_DATA``, ``../shared/data``, the pooch cache, then download
from the original URL. Every file found is checked against its sha256.
"""

from __future__ import annotations

import os
from pathlib import Path

from omicslib.data.registry import FileSpec, get
from omicslib.paths import cache_dir, data_dirs
from omicslib.provenance import FileRecord, sha256_of


class DataError(RuntimeError):
    """A data file is missing, corrupt or malformed; the message says which and what was expected."""


class MissingDataError(DataError):
    """A registered file is in no data directory, not cached and could not be downloaded."""


class ChecksumError(DataError):
    """A file was found but its sha256 differs from the registry's."""


def _verify(path: Path, spec: FileSpec, dataset_id: str) -> Path:
    if spec.sha256:
        got = sha256_of(path)
        if got != spec.sha256:
            raise ChecksumError(
                f"checksum mismatch for {path} (dataset {dataset_id!r}, file {spec.key!r}): "
                f"expected sha256 {spec.sha256}, got {got}. "
                f"Replace it with the original from {spec.url or 'the source named in the registry'}."
            )
    return path


def where_to_get(dataset_id: str, spec: FileSpec) -> str:
    ds = get(dataset_id)
    hint = f"download {spec.url}" if spec.url else f"see {ds.homepage}"
    local = f" and place it at <data dir>/{spec.local}" if spec.local else ""
    return f"{hint}{local} (data dirs searched: ${'{'}OMICSLIB_DATA{'}'}, ../shared/data)"


def locate(dataset_id: str, key: str, *, download: bool | None = None) -> Path:
    """Return the verified local path of one registered file.

    ``download=None`` downloads unless ``OMICSLIB_OFFLINE=1``. Raises
    :class:`DataError` naming the file, the expected checksum and where to get it.
    """
    spec = get(dataset_id).file(key)
    if spec.local:
        for d in data_dirs():
            p = d / spec.local
            if p.is_file():
                return _verify(p, spec, dataset_id)
    if spec.url:
        fname = Path(spec.url.split("?")[0]).name
        cached = cache_dir() / dataset_id / fname
        if cached.is_file():
            return _verify(cached, spec, dataset_id)
        if download is None:
            download = os.environ.get("OMICSLIB_OFFLINE", "0") != "1"
        if download:
            import pooch

            try:
                got = pooch.retrieve(
                    spec.url,
                    known_hash=f"sha256:{spec.sha256}" if spec.sha256 else None,
                    fname=fname,
                    path=cache_dir() / dataset_id,
                    progressbar=False,
                )
                return Path(got)
            except ValueError as e:  # pooch's checksum failure
                raise ChecksumError(f"checksum mismatch downloading {spec.url}: {e}") from e
            except Exception as e:  # network errors: fall through to the missing-file error
                reason = f"; download failed: {type(e).__name__}: {e}"
        else:
            reason = "; downloads disabled"
    else:
        reason = ""
    raise MissingDataError(
        f"missing file {spec.local or spec.url} (dataset {dataset_id!r}, file {key!r}, "
        f"expected sha256 {spec.sha256 or 'unknown'}): {where_to_get(dataset_id, spec)}{reason}"
    )


def record(dataset_id: str, key: str, **kw) -> FileRecord:
    """Locate a file and return its provenance record (path + sha256)."""
    return FileRecord.of(locate(dataset_id, key, **kw))


def available(dataset_id: str, key: str) -> bool:
    """True if the file is found locally (mirror or cache); a corrupt copy still raises."""
    try:
        locate(dataset_id, key, download=False)
        return True
    except MissingDataError:
        return False
