"""p4 protocol: train and cross-validate the subtype models on mammogram ROIs.

An 80/20 hold-out then k-fold CV on the 80 %, split by PATIENT (``holdout_kfold(..., groups=patient)``);
per fold AdamW (lr 1e-4, weight decay 5e-3), CosineAnnealingLR (T_max 20, eta_min 1e-5, stepped per
epoch as in the authors' code), cross-entropy, batch 8, early stopping on the validation loss; random
oversampling of the training part only; the paper's augmentations. Every fold model is scored on its
validation fold and on the hold-out test set; "best" is the fold with the highest validation AUC (the
paper reports its best fold), "mean/lo/hi" the mean and t-interval over folds.

One fold is one unit (:func:`fold_unit`: plain arrays and dicts): trained in the notebook, or in a workflow
grid job (:mod:`omicslib.papers.p4_mammography.jobs`) and read back with ``jobs_dir``; :func:`assemble`
turns the units into a :class:`CVResult` either way.

The ``paper`` profile stops before training on random weights unless ``allow_random_weights`` is set
(:func:`require_weights`); every result records the weights it started from (:func:`with_weights`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from omicslib import gridjobs, stats
from omicslib.papers.p4_mammography.config import Config
from omicslib.papers.p4_mammography.data import TASKS, oversampling_rate
from omicslib.papers.p4_mammography.model import TORCHVISION, BuildReport, build
from omicslib.papers.p4_mammography.roi import ROIDataset, augmentation, oversample
from omicslib.papers.p4_mammography.scoring import evaluate
from omicslib.provenance import FileRecord, Provenance
from omicslib.runtime import seed_everything
from omicslib.splits import HoldoutCV, check_disjoint, holdout_kfold
from omicslib.train import History, adam, fit, loader, predict, rehearsal_repeats, rehearsal_runs, supervised
from omicslib.weights import WeightsRecord


def require_weights(cfg: Config, archs) -> None:
    """Stop the ``paper`` profile when an architecture would start from random weights
    (:func:`omicslib.weights.require`), unless ``cfg.allow_random_weights``."""
    from omicslib.weights import require

    if not cfg.pretrained:
        return
    for arch in archs:
        if TORCHVISION.get(arch):
            require(TORCHVISION[arch], cfg.profile, cfg.allow_random_weights)


def train_model(X: np.ndarray, y: np.ndarray, train_idx, val_idx, cfg: Config, n_classes: int,
                task: str, arch: str = "densenet121_cbam", device="cpu", seed: int | None = None
                ) -> tuple[nn.Module, History, BuildReport]:
    """Train one model on ``train_idx`` (oversampled, augmented), early-stopping on ``val_idx`` (or none)."""
    require_weights(cfg, [arch])
    seed = cfg.seed if seed is None else seed
    seed_everything(seed)
    model, report = build(arch, n_classes, pretrained=cfg.pretrained, dropout=cfg.dropout,
                          image_size=cfg.image_size)
    train_idx = np.asarray(train_idx)
    if cfg.oversample:
        train_idx = train_idx[oversample(y[train_idx], oversampling_rate(task), seed)]
    ds = ROIDataset(X, y, train_idx, augmentation() if cfg.augment else None)
    tr = loader(ds, cfg.batch_size, shuffle=True, seed=seed, drop_last=len(ds) > cfg.batch_size)
    va = loader(ROIDataset(X, y, val_idx), 4 * cfg.batch_size) if val_idx is not None else None
    opt = adam(model.parameters(), decoupled=True, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.t_max, eta_min=cfg.eta_min)
    hist = fit(model, tr, va, loss_step=supervised(nn.CrossEntropyLoss()), optimizer=opt, epochs=cfg.epochs,
               scheduler=sched, patience=cfg.patience if va is not None else None, device=device)
    return model, hist, report


def predict_proba(model: nn.Module, X: np.ndarray, idx, device="cpu", batch_size: int = 32) -> np.ndarray:
    """Softmax probabilities (len(idx), n_classes)."""
    idx = np.asarray(idx)
    logits = predict(model, loader(ROIDataset(X, np.zeros(len(X), int), idx), batch_size), device)
    return torch.softmax(torch.as_tensor(logits), dim=1).numpy()


@dataclass
class Fold:
    k: int
    train: np.ndarray
    val: np.ndarray
    val_prob: np.ndarray
    test_prob: np.ndarray
    history: History
    state: dict | None = None


@dataclass
class CVResult:
    """One task x architecture: the split, every fold's predictions and how the networks were initialised."""

    task: str
    arch: str
    split: HoldoutCV
    y: np.ndarray
    folds: list[Fold] = field(default_factory=list)
    build: BuildReport | None = None

    @property
    def weights_note(self) -> str:
        return self.build.note if self.build is not None else "not trained"

    def fold_metrics(self) -> pd.DataFrame:
        """One row per fold x split (val/test) x metric: estimate, lo, hi."""
        n_classes = len(TASKS[self.task].classes)
        rows = []
        for f in self.folds:
            for split, idx, prob in (("val", f.val, f.val_prob), ("test", self.split.test, f.test_prob)):
                m = evaluate(self.y[idx], prob, n_classes)
                rows += [{"fold": f.k, "split": split, "metric": k, **v} for k, v in m.items()]
        return pd.DataFrame(rows)

    @property
    def best_fold(self) -> int:
        fm = self.fold_metrics()
        auc = fm[(fm.split == "val") & (fm.metric == "AUC")].set_index("fold")["estimate"]
        return int(auc.fillna(-np.inf).idxmax())

    def summary(self) -> pd.DataFrame:
        """Per split and metric: best fold's value with its CI (Wilson / DeLong), and mean, SD, t-CI over folds."""
        fm, best = self.fold_metrics(), self.best_fold
        rows = []
        for (split, metric), g in fm.groupby(["split", "metric"], sort=False):
            v = g["estimate"].dropna().to_numpy()
            b = g[g.fold == best].iloc[0]
            mean, lo, hi = stats.mean_ci(v) if v.size >= 2 and np.ptp(v) > 0 else \
                ((v.mean(),) * 3 if v.size else (np.nan,) * 3)
            rows.append({"task": self.task, "arch": self.arch, "split": split, "metric": metric,
                         "best": b["estimate"], "best_lo": b["lo"], "best_hi": b["hi"], "best_fold": best,
                         "mean": mean, "sd": v.std(ddof=1) if v.size > 1 else np.nan, "lo": lo, "hi": hi,
                         "n_folds": int(v.size)})
        return pd.DataFrame(rows)

    def best_test(self) -> tuple[np.ndarray, np.ndarray]:
        """(y_test, probabilities of the best fold's model on the test set)."""
        f = next(f for f in self.folds if f.k == self.best_fold)
        return self.y[self.split.test], f.test_prob


def fold_job(task: str, arch: str, k: int, seed: int) -> str:
    """The grid-job id of fold ``k`` of ``task`` x ``arch`` (:mod:`omicslib.papers.p4_mammography.jobs`)."""
    return gridjobs.job_id(task=task, arch=arch, fold=k, seed=seed)


@dataclass
class CVPlan:
    """What one task x architecture CV fixes before any training: labels, patient groups, the split and
    the folds to train."""

    task: str
    arch: str
    y: np.ndarray
    groups: np.ndarray | None
    split: HoldoutCV
    folds: list[int]

    def jobs(self, seed: int) -> list[str]:
        return [fold_job(self.task, self.arch, k, seed) for k in self.folds]


def plan(subtypes, patients, task: str, cfg: Config, arch: str = "densenet121_cbam", n_images: int | None = None,
         folds: int | None = None) -> CVPlan:
    """The :class:`CVPlan` of ``task`` x ``arch``: patient-level hold-out + k-fold split of the images;
    ``folds`` (default ``cfg.folds_trained``, None = all k) of the k folds are trained."""
    t = TASKS[task]
    y = t.labels(subtypes)
    n_images = len(y) if n_images is None else n_images
    if len(y) != n_images or len(np.asarray(patients)) != n_images:
        raise ValueError(f"{n_images} images, {len(y)} subtypes and {len(np.asarray(patients))} patient ids differ")
    groups = np.asarray(patients) if cfg.group_split else None
    split = holdout_kfold(y, cfg.test_size, cfg.n_folds, seed=cfg.seed, groups=groups)
    folds = cfg.folds_trained if folds is None else folds
    return CVPlan(task, arch, y, groups, split, list(range(len(split.folds[:folds]))))


def fold_unit(X: np.ndarray, p: CVPlan, k: int, cfg: Config, device="cpu", keep_state: bool = False) -> dict:
    """Train and score fold ``k`` of ``p``: one grid unit as plain data (probabilities, history, build
    report and, with ``keep_state``, the weights as arrays), the same whether a job or the notebook runs it."""
    tr, va = p.split.folds[k]
    if p.groups is not None:
        check_disjoint(tr, va, p.split.test, groups=p.groups)
    model, hist, report = train_model(X, p.y, tr, va, cfg, len(TASKS[p.task].classes), p.task, p.arch, device,
                                      cfg.seed + k)
    state = {n: v.detach().cpu().numpy().copy() for n, v in model.state_dict().items()} if keep_state else None
    return {"k": k, "val_prob": predict_proba(model, X, va, device),
            "test_prob": predict_proba(model, X, p.split.test, device),
            "history": asdict(hist), "build": report.to_dict(), "state": state}


def unit_config(X: np.ndarray, subtypes, patients, cfg: Config, keep_state: bool) -> dict:
    """What every grid unit depends on: the config, whether weights are kept, and a sha256 of the images,
    subtypes and patient ids (a jobs folder computed on other images is refused by :func:`gridjobs.collect`)."""
    return {**asdict(cfg), "keep_state": keep_state,
            "data_sha256": gridjobs.digest(X, np.asarray(subtypes, dtype=object), np.asarray(patients, dtype=object))}


def _build_report(d: dict) -> BuildReport:
    """Inverse of :meth:`BuildReport.to_dict` (its notes are derived, not stored back)."""
    w = d["weights"]
    weights = WeightsRecord(w["arch"], w["pretrained"], w["file"], w["sha256"]) if w is not None else None
    return BuildReport(d["arch"], weights, d["source"], tuple(d["missing_keys"]), tuple(d["unexpected_keys"]))


def assemble(p: CVPlan, units: list[dict]) -> CVResult:
    """The :class:`CVResult` of ``p`` from its fold units (:func:`fold_unit`, in the notebook or read back from jobs)."""
    res = CVResult(p.task, p.arch, p.split, p.y)
    for u in units:
        k = int(u["k"])
        tr, va = p.split.folds[k]
        state = {n: torch.from_numpy(np.array(a)) for n, a in u["state"].items()} if u["state"] is not None else None
        res.folds.append(Fold(k, tr, va, u["val_prob"], u["test_prob"], History(**u["history"]), state))
        res.build = _build_report(u["build"])
    return res


def cross_validate(X: np.ndarray, subtypes, patients, task: str, cfg: Config, arch: str = "densenet121_cbam",
                   device="cpu", keep_state: bool = False, folds: int | None = None, jobs_dir=None) -> CVResult:
    """Hold-out + k-fold CV of one architecture on one task (see the module docstring).

    ``folds`` limits how many of the k folds are trained (the split is still k-fold; default
    ``cfg.folds_trained``); ``keep_state`` keeps each fold's weights (for Grad-CAM). With ``jobs_dir``
    the folds are read back from the grid jobs' files (:mod:`omicslib.papers.p4_mammography.jobs`)
    instead of trained here; the result is the same.
    """
    require_weights(cfg, [arch])
    p = plan(subtypes, patients, task, cfg, arch, len(X), folds)
    if jobs_dir:
        done = gridjobs.collect(jobs_dir, p.jobs(cfg.seed), unit_config(X, subtypes, patients, cfg, keep_state))
        units = list(done.values())
    else:
        n, repeats = rehearsal_runs(len(p.folds))   # the rehearsal trains one fold, standing for all
        with rehearsal_repeats(repeats):
            units = [fold_unit(X, p, k, cfg, device, keep_state) for k in p.folds[:n]]
    return assemble(p, units)


def best_model(res: CVResult, cfg: Config, device="cpu") -> nn.Module:
    """The best fold's model rebuilt from its kept weights (``cross_validate(..., keep_state=True)``)."""
    f = next(f for f in res.folds if f.k == res.best_fold)
    if f.state is None:
        raise ValueError("weights were not kept: run cross_validate(..., keep_state=True)")
    model, _ = build(res.arch, len(TASKS[res.task].classes), pretrained=False, image_size=cfg.image_size)
    model.load_state_dict(f.state)
    return model.to(device).eval()


def run_tasks(X, table: pd.DataFrame, cfg: Config, arch: str = "densenet121_cbam", device="cpu",
              keep_state: bool = False, jobs_dir=None) -> dict[str, CVResult]:
    """``{task: CVResult}`` of one architecture over ``cfg.tasks`` (``jobs_dir``: read from grid jobs)."""
    require_weights(cfg, [arch])
    return {task: cross_validate(X, table["subtype"], table["patient"], task, cfg, arch=arch, device=device,
                                 keep_state=keep_state, jobs_dir=jobs_dir) for task in cfg.tasks}


def run_comparison(X, table: pd.DataFrame, cfg: Config, device="cpu", jobs_dir=None) -> dict[str, dict[str, CVResult]]:
    """``{task: {arch: CVResult}}`` for ``cfg.tasks`` x ``cfg.archs`` on the same splits (``jobs_dir``: read
    from grid jobs)."""
    require_weights(cfg, cfg.archs)
    return {task: {arch: cross_validate(X, table["subtype"], table["patient"], task, cfg, arch=arch, device=device,
                                        jobs_dir=jobs_dir) for arch in cfg.archs} for task in cfg.tasks}


def builds(results) -> list[BuildReport]:
    """The distinct build reports of nested results (``CVResult`` or dicts of them)."""
    out: dict[str, BuildReport] = {}

    def walk(r):
        if isinstance(r, CVResult):
            if r.build is not None:
                out.setdefault(r.arch, r.build)
        elif isinstance(r, (dict, list, tuple)):
            for v in (r.values() if isinstance(r, dict) else r):
                walk(v)
        elif isinstance(r, BuildReport):
            out.setdefault(r.arch, r)

    walk(results)
    return list(out.values())


def with_weights(prov: Provenance, results, cfg: Config) -> Provenance:
    """``prov`` plus the weights every network started from: the checkpoint file and sha256 (as a
    provenance file) and one note per architecture with :meth:`BuildReport.to_dict`; when the paper
    profile runs on random weights because the user allowed it, a note says so."""
    reports = builds(results)
    files = tuple(FileRecord(r.weights.file, r.weights.sha256) for r in reports
                  if r.weights is not None and r.weights.pretrained)
    notes = tuple(f"weights {r.arch}: " + json.dumps(r.to_dict(), sort_keys=True) for r in reports)
    if cfg.allow_random_weights and any(r.random_init for r in reports):
        notes += ("allow_random_weights=True: networks started from random initialisation by explicit permission",)
    return Provenance(prov.kind, prov.sources, prov.description, prov.files + files, prov.notes + notes)


def weights_caption(results) -> str:
    """A caption suffix saying how the networks were initialised (random init shown on every result)."""
    reports = [r for r in builds(results) if r.weights is not None]
    if not reports:
        return " Networks without pretrained weights (random initialisation)."
    rand = sorted(r.arch for r in reports if r.random_init)
    if rand:
        return f" Random initialisation, no ImageNet weights: {', '.join(rand)}."
    return " ImageNet weights: " + "; ".join(sorted({r.weights.note for r in reports})) + "."


def step_times(archs, cfg: Config, n_classes: int = 2, steps: int = 2, device="cpu") -> pd.DataFrame:
    """Seconds per training image of each architecture at ``cfg.image_size`` (a batch of
    ``cfg.batch_size`` random ROIs, forward + backward + AdamW step, mean of ``steps`` after one warm-up):
    what decides which comparators fit a profile."""
    import time

    rows = []
    x = torch.randn(cfg.batch_size, 1, cfg.image_size, cfg.image_size, device=device)
    y = torch.randint(0, n_classes, (cfg.batch_size,), device=device)
    for arch in archs:
        model, _ = build(arch, n_classes, pretrained=False, image_size=cfg.image_size)
        model = model.to(device).train()
        opt = adam(model.parameters(), decoupled=True, lr=cfg.lr)
        times = []
        for _ in range(steps + 1):
            t = time.perf_counter()
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            times.append(time.perf_counter() - t)
        rows.append({"arch": arch, "image_size": cfg.image_size, "batch_size": cfg.batch_size,
                     "s_per_image": float(np.mean(times[1:])) / cfg.batch_size,
                     "parameters": sum(p.numel() for p in model.parameters())})
    out = pd.DataFrame(rows)
    ref = out.set_index("arch")["s_per_image"].get("densenet121_cbam", np.nan)
    out["relative_to_densenet121_cbam"] = out["s_per_image"] / ref
    return out
