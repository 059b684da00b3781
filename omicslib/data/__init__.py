"""Data layer: registry of public datasets, verified file resolution, loaders, synthetic stand-ins.

Importing this package registers every dataset of the book (source modules are
listed in :data:`SOURCE_MODULES`).
"""

from importlib import import_module

from .fetch import ChecksumError, DataError, MissingDataError, available, locate, record
from .registry import REGISTRY, DatasetSpec, FileSpec, get, register
from .tables import Loaded, read_table

#: Modules that register datasets; each paper chapter adds its own.
SOURCE_MODULES = ()

for _m in SOURCE_MODULES:
    import_module(f"{__name__}.{_m}")

__all__ = [
    "ChecksumError", "DataError", "MissingDataError", "available", "locate", "record",
    "REGISTRY", "DatasetSpec", "FileSpec", "get", "register", "Loaded", "read_table",
]
