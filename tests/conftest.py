import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMICSLIB_OFFLINE", "1")  # tests never download
# one thread per pytest-xdist worker (and per notebook kernel it starts): no oversubscription on small CI machines
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")


@pytest.fixture
def datadir(tmp_path, monkeypatch):
    """An empty data directory placed first in the resolution order."""
    monkeypatch.setenv("OMICSLIB_DATA", str(tmp_path))
    monkeypatch.setenv("OMICSLIB_CACHE", str(tmp_path / "cache"))
    return tmp_path
