"""p3 protocol (training): DMACL and the ten baselines trained on a clustering problem, the methods x
datasets x seeds grid with k-means evaluation, and the Table I one-at-a-time sweep.

Every (dataset, method, seed) run is independent and executed in a joblib process pool
(``n_jobs``); each worker caps torch at one thread (``omicslib.runtime.threads``) so that ``n_jobs``
equals the cores used. In the workflow's grid profiles each run is a separate job instead (``jobs.py``,
:func:`run_unit`, one ``omicslib.gridjobs`` file per :func:`unit_id`) and the grid reads the files back.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import asdict, replace

import numpy as np
import pandas as pd
import torch

from omicslib import gridjobs
from omicslib.papers.p3_clustering import autoencoders, clustering
from omicslib.papers.p3_clustering.config import AUTHORS_DEFAULT_K, Budget, DMACLConfig, table1
from omicslib.papers.p3_clustering.data import OmicsDataset
from omicslib.papers.p3_clustering.dmacl import DMACL
from omicslib.runtime import pick_device, seed_everything, threads
from omicslib.train import adam, fit, loader, predict

METHODS = ("DMACL",) + autoencoders.METHODS + clustering.SIMPLE_BASELINES


# ----------------------------------------------------------------------------- training

def batches_per_epoch(n: int, batch_size: int) -> int:
    """Optimiser steps per epoch for ``n`` samples (the last batch is dropped when it would hold one sample)."""
    full, rest = divmod(n, batch_size)
    return full + (1 if rest > 1 else 0)


def epochs_for_steps(steps: int, n: int, batch_size: int) -> int:
    """The fewest epochs that give at least ``steps`` optimiser steps."""
    return max(1, math.ceil(steps / batches_per_epoch(n, batch_size)))


def _optimizer(model: torch.nn.Module, cfg: DMACLConfig) -> torch.optim.Optimizer:
    name = cfg.optimizer.lower()
    if name == "adam":
        return adam(model.parameters(), lr=cfg.lr, eps=1e-3, weight_decay=cfg.weight_decay)
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9, weight_decay=cfg.weight_decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    raise ValueError(f"optimizer must be adam, sgd or rmsprop, got {cfg.optimizer!r}")


def train_dmacl(x: np.ndarray, cfg: DMACLConfig | None = None, *, seed: int = 0, device="cpu"):
    """Train DMACL on an already scaled and concatenated matrix; returns (model, History)."""
    cfg = DMACLConfig() if cfg is None else cfg
    if cfg.instance_temperature <= 0 or cfg.cluster_temperature <= 0:
        raise ValueError("temperatures must be > 0 (Table I's 0 is not a valid softmax temperature)")
    seed_everything(seed)
    device = pick_device(device) if isinstance(device, str) else device
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    model = DMACL(x.shape[1], cfg)
    # drop_last only when a batch would otherwise hold a single sample (the losses need >= 2)
    drop_last = x.shape[0] % cfg.batch_size == 1
    tl = loader((x,), cfg.batch_size, shuffle=cfg.shuffle, seed=seed, drop_last=drop_last)
    hist = fit(model, tl, loss_step=model.loss_step, optimizer=_optimizer(model, cfg), epochs=cfg.epochs,
               device=device, amp=False)
    return model, hist


def embed_dmacl(model: DMACL, x: np.ndarray, device="cpu") -> tuple[np.ndarray, np.ndarray]:
    """(embedding, argmax labels), inferred in sample order (the authors shuffled here; we do not)."""
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    dl = loader((x,), 256, shuffle=False)
    z = predict(model, dl, device, forward=lambda m, b: m(b[0])[0])
    c = predict(model, dl, device, forward=lambda m, b: m(b[0])[1])
    return z, c.argmax(1)


def dmacl_views(model: DMACL, x: np.ndarray, device="cpu") -> dict[str, np.ndarray]:
    """The other vectors DMACL could hand to k-means (the authors' code clusters another one than ours), in sample
    order: ``encoder`` = the encoder output (``rep_dim``-d; what Subtype-DCC's ``forward_cluster`` returns as ``h``)
    and ``instance_raw`` = the instance head's output before the L2 normalisation (ours clusters the normalised
    one)."""
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    dl = loader((x,), 256, shuffle=False)
    return {"encoder": predict(model, dl, device, forward=lambda m, b: m.encoder(b[0])),
            "instance_raw": predict(model, dl, device, forward=lambda m, b: m.instance_head(m.encoder(b[0])))}


def train_baseline(method: str, x: np.ndarray, dims: list[int], kinds: list[str], *, context: str, latent: int,
                   epochs: int | None = None, seed: int = 0, device="cpu", beta: float = 0.0,
                   lr: float | None = None, batch_size: int | None = None, steps: int | None = None):
    """Train one baseline on scaled, concatenated omics ``x``; returns (model, History, embedding).
    ``steps`` (if given) sets the epochs so that at least that many optimiser steps are taken."""
    seed_everything(seed)
    device = pick_device(device) if isinstance(device, str) else device
    spec = autoencoders.train_spec(method)
    spec = replace(spec, epochs=spec.epochs if epochs is None else epochs, lr=lr or spec.lr,
                   batch_size=batch_size or spec.batch_size)
    x = np.asarray(x, dtype=np.float32)
    if x.shape[1] != sum(dims):
        raise ValueError(f"x has {x.shape[1]} features but the omic dims sum to {sum(dims)}")
    if steps is not None:
        spec = replace(spec, epochs=epochs_for_steps(steps, x.shape[0], spec.batch_size))
    model = autoencoders.build(method, dims, kinds, context, latent, beta)
    x_in = x
    if autoencoders.variant_of(method)[1] == "DAE":  # one fixed corrupted copy, as the benchmark does
        x_in = x + 0.1 * np.random.default_rng(seed).standard_normal(x.shape).astype(np.float32)
    tl = loader((x_in, x), spec.batch_size, shuffle=True, seed=seed, drop_last=x.shape[0] % spec.batch_size == 1)
    opt = adam(model.parameters(), lr=spec.lr)
    hist = fit(model, tl, loss_step=lambda m, b: m.loss(b[0], b[1]), optimizer=opt, epochs=spec.epochs,
               device=device, amp=False)
    emb = predict(model, loader((x,), 512), device, forward=lambda m, b: m(b[0]))
    return model, hist, emb


def embed(method: str, ds: OmicsDataset, seed: int = 0, budget: Budget | None = None, device="cpu",
          dmacl: dict | None = None) -> dict:
    """Train/fit ``method`` on ``ds``; returns {'embedding', 'labels' (DMACL argmax, else None), 'history',
    'seconds', 'steps' (optimiser steps taken; 0 for the simple baselines), 'views' (DMACL: the other vectors
    it could cluster, :func:`dmacl_views`; else None)}. ``dmacl``: DMACLConfig overrides."""
    budget = Budget() if budget is None else budget
    t0 = time.perf_counter()
    labels, hist, steps, views = None, None, 0, None
    n = len(ds.omics[0])
    if method == "DMACL":
        cfg = replace(DMACLConfig(feature_dim=ds.embed_dim, n_clusters=ds.n_clusters), **(dmacl or {}))
        if budget.dmacl_epochs is not None:
            cfg = replace(cfg, epochs=budget.dmacl_epochs)
        if budget.steps is not None:
            cfg = replace(cfg, epochs=epochs_for_steps(budget.steps, n, cfg.batch_size))
        x = ds.x
        model, hist = train_dmacl(x, cfg, seed=seed, device=device)
        emb, labels = embed_dmacl(model, x, device)
        views = dmacl_views(model, x, device)
        steps = cfg.epochs * batches_per_epoch(n, cfg.batch_size)
    elif method in autoencoders.METHODS:
        _, hist, emb = train_baseline(method, ds.x, ds.dims, ds.kinds, context=ds.context, latent=ds.embed_dim,
                                      epochs=budget.baseline_epochs, seed=seed, device=device,
                                      batch_size=budget.baseline_batch_size, steps=budget.steps)
        bs = budget.baseline_batch_size or autoencoders.train_spec(method).batch_size
        steps = len(hist.train_loss) * batches_per_epoch(n, bs)
    elif method in clustering.SIMPLE_BASELINES:
        emb = clustering.simple_embedding(method, ds.omics, ds.embed_dim, seed)
    else:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    if not np.all(np.isfinite(emb)):
        raise FloatingPointError(f"{method} on {ds.name}: non-finite embedding")
    return {"embedding": emb, "labels": labels, "history": hist.to_frame() if hist else None,
            "seconds": time.perf_counter() - t0, "steps": steps, "views": views}


def run_unit(method: str, ds: OmicsDataset, seed: int, budget: Budget, device: str, common: bool
             ) -> tuple[list[dict], dict]:
    """One (method, dataset, seed) unit of :func:`run_grid`: its score rows (one per k of ``ds.eval_ks``) and
    :func:`embed`'s output."""
    with threads(1):
        out = embed(method, ds, seed, budget, device)
        space = ds.common if common else None
        rows = []
        for k in ds.eval_ks:
            try:
                labels = clustering.own_partition(method, out["embedding"], k, budget.consensus_resamples, seed)
                scores = clustering.evaluate(out["embedding"], k, budget.kmeans_runs, ds.truth, seed, common=space,
                                             labels=labels)
            except ValueError as e:  # degenerate embedding: recorded as a row with its error, never dropped
                scores = {"error": str(e)}
            rows.append({"dataset": ds.name, "method": method, "seed": seed, "k": k,
                         "train_seconds": out["seconds"], **scores})
            if common:
                rows[-1]["optimizer_steps"] = out["steps"]
    return rows, out


def dataset_key(name: str) -> str:
    """A dataset name made file-safe for job ids: ``"equal k=10 (K=5)"`` -> ``"equal_k_10_K_5"``."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def unit_id(method: str, dataset: str, seed: int) -> str:
    """The grid-job id of one unit: ``unit_id("efAE", "equal k=5", 0)`` -> ``"methodefAE-dataequal_k_5-seed0"``."""
    return gridjobs.job_id(method=method, data=dataset_key(dataset), seed=seed)


def unit_config(ds: OmicsDataset, budget: Budget, common: bool) -> dict:
    """What a unit depends on besides its method and seed: the dataset (settings and a hash of its values), the
    budget and whether the common space is scored. A grid-job file records it; reading it back checks it."""
    truth = [] if ds.truth is None else [np.asarray(ds.truth).astype(str)]
    sha = gridjobs.digest(*[np.asarray(o, dtype=np.float64) for o in ds.omics], *truth)
    return {"dataset": ds.name, "context": ds.context, "kinds": list(ds.kinds), "dims": ds.dims,
            "embed_dim": ds.embed_dim, "n_clusters": ds.n_clusters, "eval_ks": list(ds.eval_ks),
            "sha256": sha, "budget": asdict(budget), "common": common}


def _read_units(jobs_dir, datasets, methods, seeds, budget: Budget, common: bool) -> dict:
    """{unit id: (rows, output)} of every unit of the grid, from its grid-job file."""
    got = {}
    for d in datasets:
        got |= gridjobs.collect(jobs_dir, [unit_id(m, d.name, s) for m in methods for s in seeds],
                                unit_config(d, budget, common))
    return got


def run_grid(datasets: list[OmicsDataset], methods=METHODS, seeds=(0,), budget: Budget | None = None,
             n_jobs: int = 1, device: str = "cpu", common: bool = False, jobs_dir=None) -> tuple[pd.DataFrame, dict]:
    """Every (dataset, method, seed) in a process pool. Returns (scores long table, outputs keyed by
    (dataset, method, seed)). ``common``: also score the labels in the common space and record steps.
    ``jobs_dir``: read every unit from the grid-job files there (``jobs.py``) instead of computing it."""
    from joblib import Parallel, delayed

    budget = Budget() if budget is None else budget
    keys = [dataset_key(d.name) for d in datasets]
    if len(set(keys)) != len(keys):
        raise ValueError(f"dataset names must stay distinct when made file-safe; got {keys}")
    units = [(m, d, s) for d in datasets for m in methods for s in seeds]
    if jobs_dir:
        got = _read_units(jobs_dir, datasets, methods, seeds, budget, common)
        res = [got[unit_id(m, d.name, s)] for m, d, s in units]
    else:
        res = Parallel(n_jobs=n_jobs, backend="loky")(delayed(run_unit)(m, d, s, budget, device, common)
                                                      for m, d, s in units)
    rows = [r for rs, _ in res for r in rs]
    outs = {(d.name, m, s): o for (m, d, s), (_, o) in zip(units, res)}
    return pd.DataFrame(rows), outs


def summarise(scores: pd.DataFrame, metrics=("c_index", "silhouette", "davies_bouldin", "ari", "nmi")) -> pd.DataFrame:
    """Mean (and SD over seeds) per dataset, method and k."""
    have = [m for m in metrics if m in scores]
    g = scores.groupby(["dataset", "method", "k"], sort=False)[have]
    out = g.mean()
    if scores["seed"].nunique() > 1:
        out = out.join(g.std(ddof=1).add_suffix("_seed_sd"))
    return out.reset_index()


# ----------------------------------------------------------------------------- Table I sweep

def sweep_configs(selected: dict | None = None, epochs_scale: float = 1.0) -> list[tuple[str, object, dict]]:
    """One-at-a-time variations around the selected values of Table I (read from ``reference.csv``):
    (parameter, value, DMACLConfig overrides). ``epochs_scale`` shrinks every epoch count (for quick
    runs); temperature 0 is kept and reported as not runnable."""
    grid = table1()
    base = {p: v for p, (_, v) in grid.items()} | (selected or {})
    out = []
    for p, (values, _) in grid.items():
        for v in values:
            cfg = dict(base, **{p: v})
            cfg["epochs"] = max(1, int(round(cfg["epochs"] * epochs_scale)))
            out.append((p, v, cfg))
    return out


def _sweep_task(ds: OmicsDataset, param, value, cfg: dict, seed: int, kmeans_runs: int, device: str) -> dict:
    row = {"parameter": param, "value": value, "epochs_run": cfg["epochs"], "seed": seed}
    if cfg["instance_temperature"] <= 0 or cfg["cluster_temperature"] <= 0:
        return row | {"status": "not run: temperature 0 divides by zero"}
    with threads(1):
        try:
            out = embed("DMACL", ds, seed, Budget(kmeans_runs=kmeans_runs), device, dmacl=cfg)
            k = ds.eval_ks[0]
            scores = clustering.evaluate(out["embedding"], k, kmeans_runs, ds.truth, seed)
            row |= {"status": "ok", "k": k, **scores, "final_loss": float(out["history"]["train_loss"].iloc[-1])}
        except (FloatingPointError, ValueError) as e:  # recorded in the row's status, never dropped
            row |= {"status": f"failed: {e}"}
    return row


def sensitivity_sweep(ds: OmicsDataset, *, seeds=(0,), epochs_scale: float = 1.0, kmeans_runs: int = 10,
                      n_jobs: int = 1, device: str = "cpu", params=None) -> pd.DataFrame:
    """Rerun Table I's one-at-a-time hyperparameter search for DMACL on ``ds`` (first of ``eval_ks``);
    ``params`` restricts it to some hyperparameters."""
    from joblib import Parallel, delayed

    cfgs = [c for c in sweep_configs(epochs_scale=epochs_scale) if params is None or c[0] in params]
    rows = Parallel(n_jobs=n_jobs, backend="loky")(
        delayed(_sweep_task)(ds, p, v, c, s, kmeans_runs, device) for p, v, c in cfgs for s in seeds)
    return pd.DataFrame(rows)


# ------------------- the authors' default K: their code fixes the cluster head at 5 whatever the true k

def default_k_runs(cells, seeds, budget: Budget, n_jobs: int = 1, device: str = "cpu",
                   k_default: int = AUTHORS_DEFAULT_K, jobs_dir=None) -> pd.DataFrame:
    """DMACL on the InterSIM ``cells`` with the cluster head's K fixed at the authors' default
    (``typenumbers`` = 5) instead of the true k; scored like the grid (k-means at the true k, own and
    common space). Cells whose true k is already ``k_default`` are skipped (identical to the grid).
    ``jobs_dir``: as in :func:`run_grid`."""
    from omicslib.papers.p3_clustering.data import intersim_dataset

    datasets = [intersim_dataset(c, k, n_clusters=k_default)[0] for c, k in cells if k != k_default]
    if not datasets:
        return pd.DataFrame(columns=["dataset", "method", "seed", "k"])
    scores, _ = run_grid(datasets, ("DMACL",), seeds, budget, n_jobs=n_jobs, device=device, common=True,
                         jobs_dir=jobs_dir)
    return scores.assign(head_k=k_default)


# ----------------------------------------------------------------------------- AML / TCGA: clusters per method

def partitions_by_method(outs: dict, dataset: str, methods, seed: int, k: int, budget: Budget
                         ) -> dict[str, np.ndarray]:
    """Each method's partition into ``k`` clusters (``run_grid`` outputs): one k-means partition (50 restarts) of
    its embedding, or, for consensus clustering, its own consensus partition."""
    def part(m, emb):
        own = clustering.own_partition(m, emb, k, budget.consensus_resamples, seed)
        return own if own is not None else clustering.final_partition(emb, k, seed)
    return {m: part(m, outs[(dataset, m, seed)]["embedding"]) for m in methods}
