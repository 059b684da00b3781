"""Result files of heavy-grid jobs (``omicslib/papers/pN_x/jobs.py``, scheduled by ``workflow/Snakefile``).

A grid job computes one unit of a notebook's grid (e.g. p1's K x fold) and writes one JSON file; the
notebook, given ``jobs_dir``, reads every unit back instead of computing it. The files are plain JSON
(NumPy arrays, pandas frames and series tagged by type; large numeric arrays as base64 of their bytes,
exact and compact), so they can be inspected and survive package upgrades. Each file also records the
config it was computed with: a notebook refuses units computed with a different config.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

_ID = re.compile(r"^[A-Za-z0-9_.=+-]+$")
#: Numeric arrays up to this size are stored as JSON lists (readable); larger ones as base64 of their bytes.
INLINE_ARRAY = 64


def job_id(**parts) -> str:
    """A job id from named parts, in the given order: ``job_id(K=300, fold=4)`` -> ``"K300-fold4"``."""
    out = "-".join(f"{k}{v}" for k, v in parts.items())
    if not _ID.match(out):
        raise ValueError(f"job id {out!r} may only hold letters, digits and _ . = + - (it names a file)")
    return out


def parse_job(job: str, **types) -> dict:
    """Inverse of :func:`job_id` for the named parts and their types: ``parse_job("K300-fold4", K=int, fold=int)``."""
    pieces = job.split("-")
    if len(pieces) != len(types):
        raise ValueError(f"job id {job!r}: expected {len(types)} parts {list(types)} separated by '-'")
    out = {}
    for piece, (name, typ) in zip(pieces, types.items()):
        if not piece.startswith(name):
            raise ValueError(f"job id {job!r}: part {piece!r} should start with {name!r}")
        out[name] = typ(piece[len(name):])
    return out


def _encode(obj):
    if isinstance(obj, pd.DataFrame):   # column by column: exact floats, any cell type, dtypes kept
        return {"__frame__": {"columns": _encode(list(obj.columns)), "index": _encode(obj.index.tolist()),
                              "dtypes": [str(t) for t in obj.dtypes],
                              "data": [_encode(obj[c].tolist()) for c in obj.columns]}}
    if isinstance(obj, pd.Series):
        return {"__series__": {"name": _encode(obj.name), "index": _encode(obj.index.tolist()),
                               "dtype": str(obj.dtype), "data": _encode(obj.tolist())}}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "biufc" and obj.size > INLINE_ARRAY:   # exact and compact: the raw bytes
            data = np.ascontiguousarray(obj)
            return {"__ndarray_b64__": base64.b64encode(data.tobytes()).decode("ascii"), "dtype": data.dtype.str,
                    "shape": list(obj.shape)}
        return {"__ndarray__": _encode(obj.tolist()), "dtype": str(obj.dtype), "shape": list(obj.shape)}
    if isinstance(obj, np.generic):
        return _encode(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return {"__float__": repr(obj)}
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            return {"__items__": [[_encode(k), _encode(v)] for k, v in obj.items()]}
        return {k: _encode(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v) for v in obj]
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise TypeError(f"cannot store {type(obj).__name__} in a grid-job file (use dicts, lists, arrays, frames)")


def _decode(obj):
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__frame__" in obj:
        f = obj["__frame__"]
        cols = _decode(f["columns"])
        if not cols:
            return pd.DataFrame(index=_decode(f["index"]))
        return pd.DataFrame({i: pd.Series(_decode(d), dtype=_dtype(t)) for i, (d, t) in
                             enumerate(zip(f["data"], f["dtypes"]))}).set_axis(cols, axis=1).set_axis(
            _decode(f["index"]), axis=0)
    if "__series__" in obj:
        s = obj["__series__"]
        return pd.Series(_decode(s["data"]), index=_decode(s["index"]), dtype=_dtype(s["dtype"]),
                         name=_decode(s["name"]))
    if "__ndarray_b64__" in obj:
        raw = base64.b64decode(obj["__ndarray_b64__"])
        return np.frombuffer(raw, dtype=np.dtype(obj["dtype"])).reshape(obj["shape"]).copy()
    if "__ndarray__" in obj:
        return np.asarray(_decode(obj["__ndarray__"]), dtype=obj["dtype"]).reshape(obj["shape"])
    if "__float__" in obj:
        return float(obj["__float__"])
    if "__tuple__" in obj:
        return tuple(_decode(v) for v in obj["__tuple__"])
    if "__items__" in obj:
        return {_decode(k): _decode(v) for k, v in obj["__items__"]}
    return {k: _decode(v) for k, v in obj.items()}


def _dtype(name: str):
    return object if name == "object" else name


def digest(*arrays) -> str:
    """sha256 of the arrays' dtypes, shapes and values (labels compared as text): the data a unit was computed on,
    for the config a job file records."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind in "OSU":
            a = a.astype(str)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def dump(result, path: Path, *, job: str, config: dict) -> Path:
    """Write one job's ``result`` with its id and the ``config`` it was computed with."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps({"job": job, "config": _encode(config), "result": _encode(result)}))
    tmp.replace(path)   # a killed job leaves no half-written result behind
    return path


def load(path: Path) -> dict:
    """``{"job", "config", "result"}`` of one job file."""
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"grid-job file {path}: not readable JSON ({e})") from e
    if not {"job", "config", "result"} <= set(raw):
        raise ValueError(f"grid-job file {path}: expected keys job, config, result; found {sorted(raw)}")
    return {k: _decode(v) for k, v in raw.items()}


def collect(jobs_dir, jobs: list[str], config: dict) -> dict[str, object]:
    """The results of ``jobs`` (ids, in order) from ``jobs_dir``; a missing file or one computed with a
    different config is an error that names it."""
    jobs_dir = Path(jobs_dir)
    missing = [j for j in jobs if not (jobs_dir / f"{j}.json").is_file()]
    if missing:
        raise FileNotFoundError(f"{jobs_dir}: {len(missing)} of {len(jobs)} grid-job files missing, e.g. "
                                f"{missing[:3]} (run the workflow's grid jobs first)")
    want = _decode(_encode(config))
    out = {}
    for j in jobs:
        rec = load(jobs_dir / f"{j}.json")
        if rec["config"] != want:
            diff = sorted(k for k in set(want) | set(rec["config"]) if rec["config"].get(k) != want.get(k))
            raise ValueError(f"{jobs_dir / (j + '.json')} was computed with another config (differs in {diff}); "
                             "rerun its grid jobs")
        out[j] = rec["result"]
    return out
