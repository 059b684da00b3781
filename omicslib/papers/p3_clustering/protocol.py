"""p3 protocol: methods x datasets x seeds embeddings, k-means evaluation, Table I sensitivity sweep.

Every (dataset, method, seed) run is independent and executed in a joblib process pool
(``n_jobs``); each worker uses one torch thread so that ``n_jobs`` equals the cores used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from omicslib.papers.p3_clustering import autoencoders, clustering
from omicslib.papers.p3_clustering.dmacl import DMACLConfig, concat_omics, embed_dmacl, train_dmacl

METHODS = ("DMACL",) + autoencoders.METHODS + clustering.SIMPLE_BASELINES

#: Table I of the paper: searched values and the selected ("optimal") one.
TABLE_I = {
    "instance_temperature": ((0.0, 0.5, 1.0), 0.5),
    "cluster_temperature": ((0.0, 0.5, 1.0), 1.0),
    "batch_size": ((64, 128, 256), 128),
    "epochs": ((100, 500, 1000), 500),
    "optimizer": (("sgd", "adam", "rmsprop"), "adam"),
    "lr": ((3e-2, 3e-3, 3e-4), 3e-3),
}
TABLE_I_NAMES = {"instance_temperature": "UCL temperature", "cluster_temperature": "DMACL temperature",
                 "batch_size": "batch size", "epochs": "epochs", "optimizer": "optimizer",
                 "lr": "learning rate"}


@dataclass
class OmicsDataset:
    """One clustering problem: raw omics (samples x features, same rows), their kinds, the benchmark context."""

    name: str
    omics: list
    kinds: list[str]
    context: str                 # simulated | cancer | single-cell
    embed_dim: int               # embedding dimension (sims: k, cancer: 10, single-cell: 2)
    n_clusters: int              # DMACL cluster-head K
    eval_ks: tuple[int, ...]     # k-means k values to score
    truth: np.ndarray | None = None
    sample_ids: list | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        rows = {np.asarray(o).shape[0] for o in self.omics}
        if len(rows) != 1:
            raise ValueError(f"{self.name}: omics have different sample counts {sorted(rows)}")
        if len(self.kinds) != len(self.omics):
            raise ValueError(f"{self.name}: {len(self.omics)} omics but {len(self.kinds)} kinds")

    @property
    def x(self) -> np.ndarray:
        """Per-omic max-abs-scaled concatenation (the deep models' input)."""
        return concat_omics(self.omics)

    @property
    def dims(self) -> list[int]:
        return [np.asarray(o).shape[1] for o in self.omics]


@dataclass
class Budget:
    """Compute budget: ``None`` epochs = the method's own default (Table I for DMACL, benchmark for baselines)."""

    dmacl_epochs: int | None = None
    baseline_epochs: int | None = None
    kmeans_runs: int = 100
    dmacl: dict = field(default_factory=dict)   # DMACLConfig overrides
    baseline_batch_size: int | None = None      # None = benchmark (8/16); larger = fewer steps on CPU


def embed(method: str, ds: OmicsDataset, seed: int = 0, budget: Budget = Budget(), device="cpu") -> dict:
    """Train/fit ``method`` on ``ds``; returns {'embedding', 'labels' (DMACL argmax, else None),
    'history', 'seconds'}."""
    t0 = time.perf_counter()
    labels, hist = None, None
    if method == "DMACL":
        cfg = replace(DMACLConfig(feature_dim=ds.embed_dim, n_clusters=ds.n_clusters), **budget.dmacl)
        if budget.dmacl_epochs is not None:
            cfg = replace(cfg, epochs=budget.dmacl_epochs)
        x = ds.x
        model, hist = train_dmacl(x, cfg, seed=seed, device=device)
        emb, labels = embed_dmacl(model, x, device)
    elif method in autoencoders.METHODS:
        _, hist, emb = autoencoders.train_baseline(method, ds.x, ds.dims, ds.kinds, context=ds.context,
                                                   latent=ds.embed_dim, epochs=budget.baseline_epochs,
                                                   seed=seed, device=device,
                                                   batch_size=budget.baseline_batch_size)
    elif method in clustering.SIMPLE_BASELINES:
        emb = clustering.simple_embedding(method, ds.omics, ds.embed_dim, seed)
    else:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    if not np.all(np.isfinite(emb)):
        raise FloatingPointError(f"{method} on {ds.name}: non-finite embedding")
    return {"embedding": emb, "labels": labels, "history": hist.to_frame() if hist else None,
            "seconds": time.perf_counter() - t0}


def _task(method: str, ds: OmicsDataset, seed: int, budget: Budget, device: str) -> tuple[list[dict], dict]:
    import torch

    torch.set_num_threads(1)
    out = embed(method, ds, seed, budget, device)
    rows = []
    for k in ds.eval_ks:
        try:
            scores = clustering.evaluate(out["embedding"], k, budget.kmeans_runs, ds.truth, seed)
        except ValueError as e:  # degenerate embedding: record, do not crash the grid
            scores = {"error": str(e)}
        rows.append({"dataset": ds.name, "method": method, "seed": seed, "k": k,
                     "train_seconds": out["seconds"], **scores})
    return rows, out


def run_grid(datasets: list[OmicsDataset], methods=METHODS, seeds=(0,), budget: Budget = Budget(),
             n_jobs: int = 1, device: str = "cpu") -> tuple[pd.DataFrame, dict]:
    """Every (dataset, method, seed) in a process pool. Returns (scores long table, outputs keyed by
    (dataset, method, seed))."""
    from joblib import Parallel, delayed

    jobs = [(m, d, s) for d in datasets for m in methods for s in seeds]
    res = Parallel(n_jobs=n_jobs, backend="loky")(delayed(_task)(m, d, s, budget, device) for m, d, s in jobs)
    rows = [r for rs, _ in res for r in rs]
    outs = {(d.name, m, s): o for (m, d, s), (_, o) in zip(jobs, res)}
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
    """One-at-a-time variations around the selected values: (parameter, value, DMACLConfig overrides).
    ``epochs_scale`` shrinks every epoch count (for quick runs); temperature 0 is kept and reported
    as not runnable."""
    base = {p: v for p, (_, v) in TABLE_I.items()} | (selected or {})
    out = []
    for p, (grid, _) in TABLE_I.items():
        for v in grid:
            cfg = dict(base, **{p: v})
            cfg["epochs"] = max(1, int(round(cfg["epochs"] * epochs_scale)))
            out.append((p, v, cfg))
    return out


def _sweep_task(ds: OmicsDataset, param, value, cfg: dict, seed: int, kmeans_runs: int, device: str) -> dict:
    import torch

    torch.set_num_threads(1)
    row = {"parameter": param, "value": value, "epochs_run": cfg["epochs"], "seed": seed}
    if cfg["instance_temperature"] <= 0 or cfg["cluster_temperature"] <= 0:
        return row | {"status": "not run: temperature 0 divides by zero"}
    try:
        out = embed("DMACL", ds, seed, Budget(dmacl=cfg, kmeans_runs=kmeans_runs), device)
        k = ds.eval_ks[0]
        scores = clustering.evaluate(out["embedding"], k, kmeans_runs, ds.truth, seed)
        row |= {"status": "ok", "k": k, **scores, "final_loss": float(out["history"]["train_loss"].iloc[-1])}
    except (FloatingPointError, ValueError) as e:
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


# ----------------------------------------------------------------------------- survival separation

def logrank(labels, time_, event) -> dict:
    """Multivariate log-rank test of survival across clusters (lifelines)."""
    from lifelines.statistics import multivariate_logrank_test

    labels, time_, event = map(np.asarray, (labels, time_, event))
    if np.unique(labels).size < 2:
        raise ValueError("log-rank test needs at least 2 clusters")
    r = multivariate_logrank_test(time_, labels, event)
    return {"logrank_chi2": float(r.test_statistic), "logrank_p": float(r.p_value),
            "neg_log10_p": float(-np.log10(max(r.p_value, 1e-300)))}


# ----------------------------------------------------------------------------- figures

METRIC_LABELS = {"c_index": "C-index (Hubert-Levin, lower better)", "silhouette": "Silhouette (higher better)",
                 "davies_bouldin": "Davies-Bouldin (lower better)", "ari": "ARI vs truth", "nmi": "NMI vs truth"}


def bar_grid(summary: pd.DataFrame, metrics, facets: str, x: str = "k", methods=METHODS):
    """Rows = metrics, columns = values of ``facets``; grouped bars of ``methods`` at each ``x``."""
    import matplotlib.pyplot as plt

    cols = list(dict.fromkeys(summary[facets]))
    fig, axes = plt.subplots(len(metrics), len(cols), figsize=(5.5 * len(cols), 2.6 * len(metrics)), squeeze=False)
    methods = [m for m in methods if m in set(summary["method"])]
    xs = sorted(summary[x].unique())
    w = 0.8 / len(methods)
    for i, met in enumerate(metrics):
        for j, col in enumerate(cols):
            ax = axes[i, j]
            sub = summary[summary[facets] == col]
            for n, m in enumerate(methods):
                v = sub[sub["method"] == m].set_index(x).reindex(xs)[met]
                colour = "red" if m == "DMACL" else plt.cm.tab20(n % 20)
                ax.bar(np.arange(len(xs)) + n * w, v, w, label=m, color=colour,
                       edgecolor="k" if m == "DMACL" else "none")
            ax.set_xticks(np.arange(len(xs)) + 0.4 - w / 2, [f"{x}={v}" for v in xs])
            ax.set_title(f"{col}" if i == 0 else "")
            ax.set_ylabel(METRIC_LABELS.get(met, met) if j == 0 else "", fontsize=8)
    axes[0, -1].legend(fontsize=7, ncol=2, bbox_to_anchor=(1.02, 1), loc="upper left")
    fig.tight_layout()
    return fig


def radar_grid(summary: pd.DataFrame, metrics, ks, methods=METHODS):
    """Paper Figure 4 layout: one radar per (metric, k); spokes = datasets, one line per method."""
    import matplotlib.pyplot as plt

    cancers = list(dict.fromkeys(summary["dataset"]))
    ang = np.linspace(0, 2 * np.pi, len(cancers), endpoint=False)
    fig, axes = plt.subplots(len(metrics), len(ks), figsize=(3.2 * len(ks), 3.4 * len(metrics)),
                             subplot_kw={"projection": "polar"}, squeeze=False)
    methods = [m for m in methods if m in set(summary["method"])]
    for i, met in enumerate(metrics):
        for j, k in enumerate(ks):
            ax = axes[i, j]
            sub = summary[summary["k"] == k]
            for n, m in enumerate(methods):
                v = sub[sub["method"] == m].set_index("dataset").reindex(cancers)[met].to_numpy()
                ax.plot(np.r_[ang, ang[:1]], np.r_[v, v[:1]], lw=2.2 if m == "DMACL" else 0.8,
                        color="red" if m == "DMACL" else plt.cm.tab20(n % 20), label=m)
            ax.set_xticks(ang, cancers, fontsize=6)
            ax.tick_params(axis="y", labelsize=6)
            ax.set_title(f"{met} k={k}", fontsize=8)
    axes[0, -1].legend(fontsize=6, bbox_to_anchor=(1.1, 1.0), loc="upper left")
    fig.tight_layout()
    return fig
