"""p1 heavy grid as jobs (see workflow/Snakefile): one job per (K, fold) unit of ``p1_02_crossmodal_grid``.

``settings`` are the notebook's papermill parameters (``device``, ``seed``, ``data_source``,
``config_overrides``) with the notebook's defaults; a job builds the config, data and splits as the
notebook does, so :func:`omicslib.papers.p1_crossmodal.protocol.run_grid` can read its file back.
"""

from __future__ import annotations

from pathlib import Path

from omicslib import gridjobs
from omicslib.papers.p1_crossmodal.config import Config, config
from omicslib.papers.p1_crossmodal.data import load_data, prepare
from omicslib.papers.p1_crossmodal.protocol import grid_jobs, jobs_config, run_job
from omicslib.runtime import pick_device, seed_everything, set_threads

GRID_NOTEBOOK = "p1_02_crossmodal_grid"


def _config(profile: str, seed: int, config_overrides: dict | None) -> Config:
    return config(profile, seed=seed, **(config_overrides or {}))


def jobs(notebook: str, profile: str, *, device: str = "auto", seed: int = 0, data_source: str = "auto",
         config_overrides: dict | None = None) -> list[str]:
    """The (K, fold) job ids of p1_02's grid (from the config only); [] for any other notebook."""
    return grid_jobs(_config(profile, seed, config_overrides)) if notebook == GRID_NOTEBOOK else []


def run(notebook: str, job: str, profile: str, out: Path, *, device: str = "auto", seed: int = 0,
        data_source: str = "auto", config_overrides: dict | None = None) -> None:
    """Compute one (K, fold) unit with the notebook's data, config and seeds and write it to ``out``."""
    if notebook != GRID_NOTEBOOK:
        raise ValueError(f"{notebook} has no grid jobs (only {GRID_NOTEBOOK})")
    cfg = _config(profile, seed, config_overrides)
    seed_everything(seed)              # as report.start in the notebook
    dev = pick_device(device)
    if dev.type == "cpu":
        set_threads(cfg.cpu_threads)
    data = load_data(data_source, seed=seed)
    gridjobs.dump(run_job(prepare(data, cfg), cfg, job, dev), Path(out), job=job,
                  config=jobs_config(cfg, data_source, data.provenance))
