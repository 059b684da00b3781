"""Data layer: registry of public datasets, verified file resolution, loaders, synthetic stand-ins.

Importing this package registers every dataset of the book: every module of
this package other than the core ones (:data:`CORE_MODULES`) is a source module
and is imported.
"""

import pkgutil
from importlib import import_module

from omicslib.data.fetch import ChecksumError, DataError, MissingDataError, available, locate, record
from omicslib.data.registry import REGISTRY, DatasetSpec, FileSpec, get, register
from omicslib.data.tables import Loaded, read_table

CORE_MODULES = {"fetch", "registry", "tables", "synthetic", "cli"}
SOURCE_MODULES = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in CORE_MODULES)

for _m in SOURCE_MODULES:
    import_module(f"{__name__}.{_m}")

__all__ = [
    "ChecksumError", "DataError", "MissingDataError", "available", "locate", "record",
    "REGISTRY", "DatasetSpec", "FileSpec", "get", "register", "Loaded", "read_table",
]
