"""p4 heavy grids as jobs (see ``workflow/Snakefile``): one unit = one fold of one task x architecture.

* ``p4_02_subtype_models``: ``cfg.tasks`` x DenseNet121-CBAM x trained folds; each unit keeps the fold's
  weights (as arrays), because Grad-CAM needs the best fold's trained model and retraining it in the
  notebook would cost a full training per task and need not reproduce the same weights on a GPU.
* ``p4_03_model_comparison``: ``cfg.tasks`` x ``cfg.archs`` x trained folds, no weights.
* ``p4_05_real_mammograms``: the real arm's networks on MCBD, one unit per architecture x split x seed x
  augmentation (all folds of that seed; :func:`.real.arm_specs`, :func:`.real.augmentation_specs`); the
  prepared images are built by the first job and cached (:func:`real_inputs`).

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
from omicslib.papers.p4_mammography.config import Config, config
from omicslib.papers.p4_mammography.data import capped_cohort, synthetic
from omicslib.papers.p4_mammography.protocol import fold_job, fold_unit, plan, require_weights, unit_config

#: notebook -> (study of :func:`config`, architectures of its grid (None: ``cfg.archs``), keep the weights)
NOTEBOOKS = {"p4_02_subtype_models": ("models", ("densenet121_cbam",), True),
             "p4_03_model_comparison": ("comparison", None, False)}


#: The real-mammogram notebook: its units are :class:`.real.RunSpec`, not synthetic folds.
REAL = "p4_05_real_mammograms"


def real_inputs(cfg, cache_dir: Path, root=None):
    """``(X, images, patients)`` of MCBD (the registered copy, or ``root``) prepared at ``cfg``'s sizes: the first
    job of a grid prepares the images (segmentation, CLAHE, crop, resize) and caches them in
    ``cache_dir/_mcbd-<digest>.json``, keyed by the sizes and the manifest's sha256 (which pins every image)."""
    from omicslib.data import mcbd
    from omicslib.data.fetch import locate
    from omicslib.papers.p4_mammography import real
    from omicslib.provenance import sha256_of

    data = mcbd.load(root, max_side=cfg.load_px)
    manifest = locate(mcbd.MCBD.id, "manifest") if root is None else Path(root) / "MANIFEST.txt"
    sizes = {"load_px": cfg.load_px, "work_px": cfg.work_px, "image_size": cfg.image_size,
             "manifest_sha256": sha256_of(manifest)}
    key = hashlib.sha256(json.dumps(sizes, sort_keys=True).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"_mcbd-{key}.json"
    if path.is_file():
        X = gridjobs.load(path)["result"]["X"]
    else:
        X, _ = real.prepare_real(data.meta["images"], cfg.image_size, cfg.work_px)
        gridjobs.dump({"X": X}, path, job="mcbd", config=sizes)
    return X, data["images"], data["patients"]


def _real_specs(cfg) -> list:
    from omicslib.papers.p4_mammography import real

    return real.arm_specs(cfg) + real.augmentation_specs(cfg)


def notebook_config(notebook: str, profile: str, seed=None, allow_random_weights=False, config_overrides=None
                    ) -> Config:
    """The config the notebook builds from the same parameters (seed None: the config's default)."""
    extra = {} if seed in (None, "") else {"seed": int(seed)}
    return config(profile, NOTEBOOKS[notebook][0], allow_random_weights=bool(allow_random_weights), **extra,
                  **dict(config_overrides or {}))


def _archs(notebook: str, cfg: Config) -> tuple[str, ...]:
    return NOTEBOOKS[notebook][1] or cfg.archs


def jobs(notebook: str, profile: str, seed=None, allow_random_weights=False, config_overrides=None,
         **settings) -> list[str]:
    """Job ids ``task{t}-arch{a}-fold{k}-seed{s}`` of the notebook's grid (``arch{a}-split{s}-seed{n}-aug{g}`` for
    the real arm), in the notebook's order ([] for other notebooks); reads only the config."""
    if notebook == REAL:
        from omicslib.papers.p4_mammography.config import real_config

        return [spec.job for spec in _real_specs(real_config(profile, **dict(config_overrides or {})))]
    if notebook not in NOTEBOOKS:
        return []
    cfg = notebook_config(notebook, profile, seed, allow_random_weights, config_overrides)
    n = cfg.folds_trained or cfg.n_folds
    return [fold_job(task, arch, k, cfg.seed) for task in cfg.tasks for arch in _archs(notebook, cfg)
            for k in range(n)]


def cohort(cfg: Config, cache_dir: Path) -> tuple[pd.DataFrame, np.ndarray]:
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

    if notebook == REAL:
        run_real(job, profile, Path(out), pick_device(device), config_overrides)
        return
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


def run_real(job: str, profile: str, out: Path, device="cpu", config_overrides=None, root=None) -> None:
    """One unit of the real arm (:class:`.real.RunSpec` ``job``) on MCBD (the registered copy, or ``root``),
    written to ``out`` with its config; the prepared images are cached beside it (:func:`real_inputs`)."""
    from omicslib.book import reference
    from omicslib.papers.p4_mammography import real
    from omicslib.papers.p4_mammography.config import real_config

    cfg = real_config(profile, **dict(config_overrides or {}))
    spec = {s.job: s for s in _real_specs(cfg)}.get(job)
    if spec is None:
        raise ValueError(f"job {job!r} is not in the grid of {REAL} (profile {profile})")
    rate = reference.value("p4", real.OVERSAMPLING_KEY)
    X, images, patients = real_inputs(cfg, Path(out).parent, root)
    unit = real.run_spec(X, images, patients, cfg, rate, spec, device)
    gridjobs.dump(unit, out, job=job, config=real.unit_config(X, images, patients, cfg, rate))
