"""Pretrained weights from a local file: this book never downloads weights at run time.

Set ``OMICSLIB_WEIGHTS`` to a folder holding torchvision's checkpoint files
(e.g. ``resnet50-11ad3fa6.pth``, ``densenet121-a639ec97.pth``; any file whose
name starts with the architecture name is accepted). Without it, models start
from random initialisation and every result records that (:class:`WeightsRecord`).
The ``paper`` profile refuses to run on random weights unless the user allows it
explicitly (:func:`require`).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from omicslib.provenance import sha256_of

ENV = "OMICSLIB_WEIGHTS"
#: torchvision checkpoint files for the architectures the book uses; torchvision names each file after the
#: first 8 hex digits of its sha256, which the error message quotes.
KNOWN = {"resnet50": "resnet50-11ad3fa6.pth", "densenet121": "densenet121-a639ec97.pth",
         "mobilenet_v2": "mobilenet_v2-7ebf99e0.pth", "resnet101": "resnet101-63fe2227.pth",
         "vit_b_16": "vit_b_16-c867db91.pth", "mobilenet_v3_small": "mobilenet_v3_small-047dcff4.pth"}


class MissingWeightsError(RuntimeError):
    """The paper profile asked for ImageNet weights that are not on this machine."""


@dataclass(frozen=True)
class WeightsRecord:
    """Which weights a model started from: recorded in the provenance of every image result."""

    arch: str
    pretrained: bool
    file: str = ""
    sha256: str = ""

    @property
    def note(self) -> str:
        if self.pretrained:
            return f"ImageNet weights from {Path(self.file).name} (sha256 {self.sha256[:12]}…)"
        return f"no local ImageNet weights for {self.arch}: random initialisation"

    def to_dict(self) -> dict:
        return {**asdict(self), "note": self.note}


def find(arch: str) -> Path | None:
    """The local checkpoint for ``arch`` (``resnet50``, ``densenet121``, ...) or None."""
    dirs = [Path(os.environ[ENV]).expanduser()] if os.environ.get(ENV) else []
    dirs.append(Path(torch.hub.get_dir()) / "checkpoints")
    for d in dirs:
        hits = sorted(d.glob(f"{arch}-*.pth")) + sorted(d.glob(f"{arch}.pth")) if d.is_dir() else []
        if hits:
            return hits[0]
    return None


def load_state_dict(arch: str) -> tuple[dict | None, WeightsRecord]:
    """``(state_dict or None, record)`` for an ImageNet checkpoint of ``arch``."""
    path = find(arch)
    if path is None:
        return None, WeightsRecord(arch, False)
    return torch.load(path, map_location="cpu", weights_only=True), WeightsRecord(arch, True, str(path),
                                                                                    sha256_of(path))


def require(arch: str, profile: str, allow_random: bool = False) -> None:
    """In the ``paper`` profile, stop unless ImageNet weights for ``arch`` are present or random
    initialisation is explicitly allowed (``allow_random=True``, then shown on every affected result)."""
    if profile != "paper" or allow_random or find(arch) is not None:
        return
    name = KNOWN.get(arch, f"{arch}-<sha256 prefix>.pth")
    raise MissingWeightsError(
        f"the paper profile needs ImageNet weights for {arch}: put torchvision's {name} (its sha256 starts with the "
        f"8 hex digits in the name) in "
        f"the folder named by ${ENV} (now {os.environ.get(ENV, 'unset')!r}), or pass allow_random_weights=True to run "
        "on random initialisation (every affected table and figure then says so)")
