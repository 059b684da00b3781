"""Pretrained weights from a local file: this book never downloads weights at run time.

Set ``OMICSLIB_WEIGHTS`` to a folder holding torchvision's checkpoint files
(e.g. ``resnet50-11ad3fa6.pth``, ``densenet121-a639ec97.pth``; any file whose
name starts with the architecture name is accepted). Without it, models start
from random initialisation and the notebooks say so.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

ENV = "OMICSLIB_WEIGHTS"


def find(arch: str) -> Path | None:
    """The local checkpoint for ``arch`` (``resnet50``, ``densenet121``, ...) or None."""
    dirs = [Path(os.environ[ENV]).expanduser()] if os.environ.get(ENV) else []
    dirs.append(Path(torch.hub.get_dir()) / "checkpoints")
    for d in dirs:
        hits = sorted(d.glob(f"{arch}-*.pth")) + sorted(d.glob(f"{arch}.pth")) if d.is_dir() else []
        if hits:
            return hits[0]
    return None


def load_state_dict(arch: str) -> tuple[dict | None, str]:
    """``(state_dict or None, human-readable note)`` for an ImageNet checkpoint of ``arch``."""
    path = find(arch)
    if path is None:
        return None, (f"no local ImageNet weights for {arch} (set ${ENV} to a folder with {arch}-*.pth): "
                      "random initialisation")
    return torch.load(path, map_location="cpu", weights_only=True), f"ImageNet weights from {path.name}"
