"""p4 heavy grids as jobs (see ``workflow/Snakefile``): one unit = one fold of one task x architecture.

* ``p4_02_subtype_models``: ``cfg.tasks`` x DenseNet121-CBAM x trained folds; each unit keeps the fold's
  weights (as arrays), because Grad-CAM needs the best fold's trained model and retraining it in the
  notebook would cost a full training per task and need not reproduce the same weights on a GPU.
* ``p4_03_model_comparison``: ``cfg.tasks`` x ``cfg.archs`` x trained folds, no weights.

A job rebuilds the notebook's config (:func:`notebook_config`), takes the synthetic cohort from the grid's
cache (:func:`cohort`; the first job builds it) and writes :func:`~.protocol.fold_unit`;
the notebook reads the units back through :func:`~.protocol.cross_validate` with ``jobs_dir``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from omicslib import gridjobs
from omicslib.papers.p4_mammography.config import P4Config, config
from omicslib.papers.p4_mammography.data import capped_cohort, synthetic
from omicslib.papers.p4_mammography.protocol import fold_job, fold_unit, plan, require_weights, unit_config

#: notebook -> (study of :func:`config`, architectures of its grid (None: ``cfg.archs``), keep the weights)
NOTEBOOKS = {"p4_02_subtype_models": ("models", ("densenet121_cbam",), True),
             "p4_03_model_comparison": ("comparison", None, False)}


def notebook_config(notebook: str, profile: str, seed=None, allow_random_weights=False, config_overrides=None
                    ) -> P4Config:
    """The config the notebook builds from the same parameters (seed None: the config's default)."""
    extra = {} if seed in (None, "") else {"seed": int(seed)}
    return config(profile, NOTEBOOKS[notebook][0], allow_random_weights=bool(allow_random_weights), **extra,
                  **dict(config_overrides or {}))


def _archs(notebook: str, cfg: P4Config) -> tuple[str, ...]:
    return NOTEBOOKS[notebook][1] or cfg.archs


def jobs(notebook: str, profile: str, seed=None, allow_random_weights=False, config_overrides=None,
         **settings) -> list[str]:
    """Job ids ``task{t}-arch{a}-fold{k}-seed{s}`` of the notebook's grid, in the notebook's order ([] for
    other notebooks); reads only the config."""
    if notebook not in NOTEBOOKS:
        return []
    cfg = notebook_config(notebook, profile, seed, allow_random_weights, config_overrides)
    n = cfg.folds_trained or cfg.n_folds
    return [fold_job(task, arch, k, cfg.seed) for task in cfg.tasks for arch in _archs(notebook, cfg)
            for k in range(n)]


def cohort(cfg: P4Config, cache_dir: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """``(image table, X)`` of ``cfg``'s synthetic cohort, built by the first job of a grid and read by the others
    from ``cache_dir/_cohort-<config digest>.json`` (a unit's config check hashes the images it used)."""
    key = hashlib.sha256(json.dumps(asdict(cfg), sort_keys=True, default=str).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"_cohort-{key}.json"
    if path.is_file():
        got = gridjobs.load(path)["result"]
        return got["table"], got["X"]
    data, X = synthetic(cfg)
    gridjobs.dump({"table": data["images"], "X": X}, path, job="cohort", config=asdict(cfg))
    return data["images"], X


def run(notebook: str, job: str, profile: str, out: Path, device="auto", seed=None, allow_random_weights=False,
        config_overrides=None, **settings) -> None:
    """Compute one unit (one fold) of the notebook's grid and write it to ``out`` with its config
    (``data_source`` and other settings are ignored, as in the notebooks: p4 has synthetic images only)."""
    from omicslib.runtime import pick_device

    cfg, _ = capped_cohort(notebook_config(notebook, profile, seed, allow_random_weights, config_overrides))
    part = gridjobs.parse_job(job, task=str, arch=str, fold=int, seed=int)
    if part["seed"] != cfg.seed or part["task"] not in cfg.tasks or part["arch"] not in _archs(notebook, cfg):
        raise ValueError(f"job {job!r} is not in the grid of {notebook} (profile {profile}, seed {cfg.seed})")
    require_weights(cfg, [part["arch"]])
    keep_state = NOTEBOOKS[notebook][2]
    table, X = cohort(cfg, Path(out).parent)
    p = plan(table["subtype"], table["patient"], part["task"], cfg, part["arch"], len(X))
    if part["fold"] not in p.folds:
        raise ValueError(f"job {job!r}: fold {part['fold']} is not trained (folds {p.folds})")
    unit = fold_unit(X, p, part["fold"], cfg, pick_device(device), keep_state)
    gridjobs.dump(unit, out, job=job, config=unit_config(X, table["subtype"], table["patient"], cfg, keep_state))
