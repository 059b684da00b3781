import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMICSLIB_OFFLINE", "1")  # tests never download


@pytest.fixture
def datadir(tmp_path, monkeypatch):
    """An empty data directory placed first in the resolution order."""
    monkeypatch.setenv("OMICSLIB_DATA", str(tmp_path))
    monkeypatch.setenv("OMICSLIB_CACHE", str(tmp_path / "cache"))
    return tmp_path
