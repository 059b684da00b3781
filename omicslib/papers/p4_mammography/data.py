"""p4 data preparation: the four tasks (labels), the synthetic ROIs of a config, network-ready arrays.

Tasks (label 1 = the class the paper's SENS/PPV refer to; chosen so that the paper's PPV/NPV agree
with its class prevalences, e.g. a HER2 PPV of 0.83 is only possible with HER2-negative as the
positive class, see :func:`omicslib.papers.p4_mammography.analysis.implied_ppv`):

* ``luminal``: Luminal (A, B) = 0 vs non-Luminal = 1 (the authors' code maps Luminal A/B to 0),
* ``her2``: HER2-positive = 0 vs HER2-negative = 1,
* ``tn``: non-TN = 0 vs triple negative = 1,
* ``multiclass``: CMMD's 4 subtypes (the paper has 5: it splits HER2+ into HR+ and HR-).

In CMMD "HER2-enriched" is the only HER2-positive class (HER2+ Luminal B is not separated), so
``her2`` is an approximation there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from omicslib.book import reference
from omicslib.data import cmmd
from omicslib.data.cmmd import CMMD_SHARES, SUBTYPE_ORDER, VIEWS
from omicslib.data.tables import Loaded
from omicslib.papers.p4_mammography.config import Config
from omicslib.papers.p4_mammography.roi import extract_roi, normalise
from omicslib.train import max_steps_setting


@dataclass(frozen=True)
class Task:
    name: str
    title: str
    classes: tuple[str, ...]
    mapping: tuple[tuple[str, int], ...]

    def labels(self, subtypes) -> np.ndarray:
        s = pd.Series(np.asarray(subtypes, dtype=object))
        m = dict(self.mapping)
        unknown = set(s) - set(m)
        if unknown:
            raise ValueError(f"task {self.name!r}: unknown subtypes {sorted(map(str, unknown))}")
        return s.map(m).to_numpy(dtype=int)


def _one_vs_others(one: set, a: int, b: int) -> tuple[tuple[str, int], ...]:
    return tuple((s, a if s in one else b) for s in SUBTYPE_ORDER)


TASKS = {
    "luminal": Task("luminal", "Luminal vs non-Luminal", ("Luminal", "non-Luminal"),
                    _one_vs_others({"Luminal A", "Luminal B"}, 0, 1)),
    "her2": Task("her2", "HER2-positive vs HER2-negative", ("HER2+", "HER2-"),
                 _one_vs_others({"HER2-enriched"}, 0, 1)),
    "tn": Task("tn", "TN vs non-TN", ("non-TN", "TN"), _one_vs_others({"Triple negative"}, 1, 0)),
    "multiclass": Task("multiclass", "4 subtypes (paper: 5)", SUBTYPE_ORDER,
                       tuple((s, i) for i, s in enumerate(SUBTYPE_ORDER))),
}


def oversampling_rate(task: str) -> float:
    """The paper's random-oversampling rate for ``task`` (Section 2.2, from ``reference.csv``)."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose from {tuple(TASKS)}")
    return reference.value("p4", f"oversampling_{task}")


def prepare(images, masks, cfg: Config) -> np.ndarray:
    """ROIs ready for the network: CLAHE, bounded square crop, resize, normalise -> (N, 1, S, S)."""
    if len(images) != len(masks):
        raise ValueError(f"{len(images)} images but {len(masks)} masks")
    rois = np.stack([extract_roi(im, m, cfg.bound, cfg.image_size) for im, m in zip(images, masks)])
    return normalise(rois)[:, None]


def roi_masks(masks, cfg: Config) -> np.ndarray:
    """The lesion masks cropped and resized exactly as their images (boolean, (N, S, S))."""
    return np.stack([extract_roi(m.astype(np.float32), m, cfg.bound, cfg.image_size, equalise=False) > 0.5
                     for m in masks])


def synthetic(cfg: Config) -> tuple[Loaded, np.ndarray]:
    """The synthetic two-view ROIs of ``cfg`` (:func:`omicslib.data.cmmd.synthetic_rois`) and their
    network-ready array ``X`` (N, 1, S, S)."""
    data = cmmd.synthetic_rois(n_patients=cfg.n_patients, image_size=cfg.full_size, signal=cfg.signal,
                               patient_effect=cfg.patient_effect, seed=cfg.seed)
    return data, prepare(data.meta["images"], data.meta["masks"], cfg)


def capped_patients(cfg: Config, max_steps: int) -> int:
    """Patients a rehearsal under a cap of ``max_steps`` optimiser steps needs: enough images that every
    training fold fills ``max_steps`` batches, and enough patients that the rarest CMMD subtype expects one
    patient in each validation fold and in the test set (never more than ``cfg.n_patients``)."""
    per_fold = len(VIEWS) * (1 - cfg.test_size) * (1 - 1 / cfg.n_folds)   # training images per patient and fold
    steps = math.ceil(max_steps * cfg.batch_size / per_fold)
    classes = math.ceil((cfg.n_folds + 1) / min(CMMD_SHARES.values()))
    return min(cfg.n_patients, max(steps, classes))


def capped_cohort(cfg: Config) -> tuple[Config, str]:
    """``(cfg, note)``: when the step cap is in force (:func:`omicslib.train.max_steps_setting`, the paper-profile
    rehearsal) ``cfg`` with its synthetic cohort bounded by :func:`capped_patients` (training, inference and
    Grad-CAM then scale with it) and a note saying so; otherwise ``cfg`` unchanged and ``""``."""
    cap = max_steps_setting()
    n = capped_patients(cfg, cap) if cap else cfg.n_patients
    if n == cfg.n_patients:
        return cfg, ""
    return replace(cfg, n_patients=n), (
        f"Step cap of {cap} optimiser steps in force (rehearsal): the synthetic cohort is bounded to {n} of "
        f"{cfg.n_patients} patients ({len(VIEWS) * n} images), what {cap} training steps per fold and the "
        "evaluation need; these results are a pipeline check, not the profile's.")
