"""p3 heavy grids as workflow jobs (``workflow/Snakefile``): one job = one method x dataset x seed unit of
``protocol.run_grid`` (:func:`protocol.run_unit`), id ``protocol.unit_id`` (``methodefAE-dataequal_k_5-seed0``).
The notebooks read the files back with ``run_grid(..., jobs_dir=...)``.

Grids: p3_02 (every method x InterSIM cell x seed, plus DMACL with the authors' default K on the cells whose
k differs, first seed), p3_03 (every method on scCAT-seq, when its count matrices exist), p3_04 (the distinct
methods x cancer x seed) and p3_06 (the TCGA-BRCA methods, one seed). p3_01's sweep and p3_05 run in the
notebook. Listing the ids loads no data (p3_03/p3_04 only look which files exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from omicslib import gridjobs
from omicslib.papers.p3_clustering import data, protocol
from omicslib.papers.p3_clustering.autoencoders import distinct_methods
from omicslib.papers.p3_clustering.config import AUTHORS_DEFAULT_K, Budget, config
from omicslib.runtime import pick_device


@dataclass(frozen=True)
class Grid:
    """One ``run_grid`` call of a notebook: its datasets (name -> loader, called only by :func:`run`)."""

    methods: tuple[str, ...]
    datasets: dict[str, Callable[[], data.OmicsDataset]]
    seeds: tuple[int, ...]
    budget: Budget
    common: bool

    def ids(self) -> list[str]:
        """Unit ids in ``run_grid``'s order."""
        return [protocol.unit_id(m, d, s) for d in self.datasets for m in self.methods for s in self.seeds]


def _intersim(cond: str, k: int, head_k: int | None = None) -> tuple[str, Callable]:
    return data.intersim_name(cond, k, head_k), lambda: data.intersim_dataset(cond, k, n_clusters=head_k)[0]


def _n_omics(cancer: str) -> int:
    """How many omics ``data.cancer_datasets`` will use for ``cancer`` (from the files present)."""
    from omicslib.data import available, rappoport

    return (rappoport.mirna_source(cancer) is not None) + sum(
        available(rappoport.RAPPOPORT.id, f"{cancer}_{o}") for o in ("log_exp_omics", "methy_omics"))


def _cancer(cancer: str, ks) -> data.OmicsDataset:
    return data.cancer_datasets([cancer], ks)[0][0]


def grids(notebook: str, profile: str, seed: int = 0, config_overrides: dict | None = None) -> list[Grid]:
    """The ``run_grid`` calls of ``notebook`` as its parameters (profile, seed, config_overrides) set them."""
    from omicslib.data.fetch import MissingDataError

    cfg = config(profile, **(config_overrides or {}))
    seed = int(seed)
    if notebook == "p3_02_intersim_fig2":
        cells = data.intersim_cells(cfg.fig2_cells)
        seeds = tuple(cfg.seeds("fig2", seed))
        main = Grid(protocol.METHODS, dict(_intersim(c, k) for c, k in cells), seeds, cfg.fig2_budget, True)
        default_k = Grid(("DMACL",), dict(_intersim(c, k, AUTHORS_DEFAULT_K) for c, k in cells if k != AUTHORS_DEFAULT_K),
                         seeds[:1], cfg.fig2_budget, True)
        return [main, default_k]
    if notebook == "p3_03_sccat_fig3":
        from omicslib.data import available, sccat

        if not available(sccat.SCCAT.id, "omics"):
            return []   # the notebook says so and runs nothing
        return [Grid(protocol.METHODS, {"scCAT-seq": lambda: data.sccat_dataset()[0]}, (seed,), cfg.fig3_budget, True)]
    if notebook == "p3_04_rappoport_fig4":
        try:
            cancers = data.fig4_cancers(cfg.fig4_n_cancers)
        except MissingDataError:
            return []   # the notebook fails with the loader's message
        methods = tuple(distinct_methods(cfg.fig4_methods or protocol.METHODS, _n_omics(cancers[0])))
        return [Grid(methods, {c: partial(_cancer, c, cfg.fig4_ks) for c in cancers}, tuple(cfg.seeds("fig4", seed)),
                     cfg.fig4_budget, True)]
    if notebook == "p3_06_tcga_brca_beyond":
        return [Grid(tuple(cfg.tcga_methods or protocol.METHODS), {"TCGA-BRCA": lambda: data.tcga_data(cfg.tcga_n_max).dataset},
                     (seed,), cfg.tcga_budget, False)]
    return []


def jobs(notebook: str, profile: str, **settings) -> list[str]:
    """Job ids of ``notebook``'s grids ([] for a notebook without one). ``settings``: the notebook's parameters
    (seed, config_overrides are used; device, data_source do not change the ids)."""
    out = [j for g in grids(notebook, profile, settings.get("seed", 0), settings.get("config_overrides")) for j in g.ids()]
    if len(set(out)) != len(out):
        raise ValueError(f"{notebook}: duplicate grid-job ids")
    return out


def run(notebook: str, job: str, profile: str, out: Path, **settings) -> None:
    """Compute the unit ``job`` of ``notebook``'s grid and write it to ``out`` (``gridjobs.dump``)."""
    part = gridjobs.parse_job(job, method=str, data=str, seed=int)
    for g in grids(notebook, profile, settings.get("seed", 0), settings.get("config_overrides")):
        names = [d for d in g.datasets if protocol.dataset_key(d) == part["data"]]
        if names and part["method"] in g.methods and part["seed"] in g.seeds:
            break
    else:
        raise ValueError(f"{job!r} is not a grid job of {notebook} in profile {profile!r}")
    ds = g.datasets[names[0]]()
    if ds.name != names[0]:
        raise RuntimeError(f"{notebook}: the grid lists dataset {names[0]!r} but its loader gives {ds.name!r}")
    device = str(pick_device(settings.get("device", "auto")))
    result = protocol.run_unit(part["method"], ds, part["seed"], g.budget, device, g.common)
    gridjobs.dump(result, out, job=job, config=protocol.unit_config(ds, g.budget, g.common))
