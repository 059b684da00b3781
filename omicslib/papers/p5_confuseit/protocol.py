"""p5 ConFuseIT protocols: contrastive pretraining, fine-tuning, cross-validated comparisons.

* :func:`paired_synthetic` — paired (patch bags, RNA, survival, PAM50) cohorts
  with known ground truth, built on :mod:`omicslib.data.synthetic`.
* :func:`pretrain` / :func:`finetune` — the two stages, each one
  :func:`omicslib.train.fit` call.
* :func:`cross_validate` — fold x seed loop over modality settings, with and
  without a pretrained backbone; out-of-fold risks for Kaplan–Meier plots.
* :func:`transfer_validate` — RNA survival model trained on one cohort and
  applied to an independent one (TCGA -> survset GEO cohorts).
* :func:`risk_groups` — median split of predicted risk + log-rank test (lifelines).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import Dataset

from omicslib import metrics
from omicslib.book.provenance import Provenance
from omicslib.book.provenance import synthetic as synthetic_provenance
from omicslib.data import synthetic
from omicslib.papers.p5_confuseit.model import (
    ConFuseIT,
    ConFuseITPredictor,
    check_modalities,
    finetune_step,
    pretrain_step,
)
from omicslib.runtime import seed_everything
from omicslib.splits import check_disjoint, stratified_kfold
from omicslib.train import fit, loader

PAM50_4 = ("LumA", "LumB", "Her2", "Basal")
CELL_TYPES = ("tumour", "stroma", "immune", "necrosis")


@dataclass(frozen=True)
class Config:
    """Model and training settings; the ``paper`` profile follows TANGLE where the abstract is silent
    (embedding 768, temperature 0.01, batch 64, lr 1e-4, weight decay 1e-4, 100 pretraining epochs)."""

    embed_dim: int = 64
    hidden: int = 64
    rna_hidden: tuple[int, ...] = (128,)
    dropout: float = 0.2
    temperature: float = 0.07
    pretrain_epochs: int = 30
    pretrain_lr: float = 1e-3
    finetune_epochs: int = 40
    finetune_lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 64
    patience: int = 8
    folds: int = 5
    seeds: tuple[int, ...] = (0, 1)
    val_fraction: float = 0.15
    survival_weight: float = 1.0
    class_weight: float = 1.0


PROFILES = dict(
    smoke=dict(embed_dim=16, hidden=16, rna_hidden=(32,), pretrain_epochs=2, finetune_epochs=2, folds=2,
               seeds=(0,), patience=None),
    quick={},
    paper=dict(embed_dim=768, hidden=768, rna_hidden=(1024,), temperature=0.01, pretrain_epochs=100,
               pretrain_lr=1e-4, finetune_lr=1e-4, finetune_epochs=100, patience=15, seeds=(0, 1, 2, 3, 4)),
)


# ----------------------------------------------------------------------------------- data


@dataclass(eq=False)
class Cohort(Dataset):
    """Per-patient model inputs; any modality may be None. Items are dicts of tensors (the
    batch format of :mod:`omicslib.models.confuseit`); ``label`` -1 means unlabelled."""

    time: np.ndarray
    event: np.ndarray
    label: np.ndarray
    rna: np.ndarray | None = None
    bag: np.ndarray | None = None
    mask: np.ndarray | None = None
    ids: np.ndarray | None = None
    classes: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        n = len(self.time)
        for name in ("event", "label", "rna", "bag", "mask"):
            v = getattr(self, name)
            if v is not None and len(v) != n:
                raise ValueError(f"Cohort.{name} has {len(v)} rows but time has {n}")
        if (self.bag is None) != (self.mask is None):
            raise ValueError("bag and mask come together")
        if self.ids is None:
            self.ids = np.arange(n)

    def __len__(self) -> int:
        return len(self.time)

    def __getitem__(self, i: int) -> dict:
        item = {"time": torch.tensor(self.time[i], dtype=torch.float32),
                "event": torch.tensor(self.event[i], dtype=torch.float32),
                "label": torch.tensor(self.label[i], dtype=torch.long)}
        if self.rna is not None:
            item["rna"] = torch.as_tensor(self.rna[i], dtype=torch.float32)
        if self.bag is not None:
            item["bag"] = torch.as_tensor(self.bag[i], dtype=torch.float32)
            item["mask"] = torch.as_tensor(self.mask[i], dtype=torch.bool)
        return item

    def subset(self, idx) -> "Cohort":
        idx = np.asarray(idx)
        take = lambda a: None if a is None else a[idx]  # noqa: E731
        return replace(self, time=self.time[idx], event=self.event[idx], label=self.label[idx],
                       rna=take(self.rna), bag=take(self.bag), mask=take(self.mask), ids=self.ids[idx])

    def without(self, *modalities: str) -> "Cohort":
        """The same patients with the given modalities removed (for single-modality inference)."""
        check_modalities(modalities)
        kw = {}
        if "rna" in modalities:
            kw["rna"] = None
        if "slide" in modalities:
            kw.update(bag=None, mask=None)
        return replace(self, **kw)

    @property
    def rna_dim(self) -> int | None:
        return None if self.rna is None else self.rna.shape[1]

    @property
    def patch_dim(self) -> int | None:
        return None if self.bag is None else self.bag.shape[2]


def paired_synthetic(n: int = 240, n_genes: int = 100, patch_dim: int = 64, max_patches: int = 32,
                     celltype_features: bool = False, composition_signal: float = 0.1,
                     seed: int = 0) -> tuple[Cohort, Provenance]:
    """A synthetic paired cohort where image and RNA carry complementary prognostic signal.

    Ground truth: PAM50-like class (seen by both modalities); a factor ``u``
    seen only by RNA; a factor ``v`` that sets the
    immune fraction of each patch's cell-type composition (seen by the image
    through its patch features, weakly by RNA). Log-hazard = class effect
    + 0.8 u - 0.8 v. Deep patch features are ``synthetic.patch_bags`` plus a
    weak (``composition_signal``) linear image of the composition; with
    ``celltype_features`` the (noisy) per-patch composition is appended as 4
    extra columns, standing in for a cell-type classifier's output. Bag sizes
    vary (max_patches/3 .. max_patches) and are masked.

    The premises of the abstract's claims are built in on purpose (each
    modality holds a factor the other lacks; generic patch features encode
    cell-type composition only weakly), so a gain here shows that the pipeline
    can realise the claimed effect when its premise holds, not that it holds
    in real data.
    """
    rng = np.random.default_rng(seed)
    y = synthetic.labels(n, PAM50_4, proportions=(0.45, 0.2, 0.15, 0.2), seed=seed)
    codes = pd.Categorical(y, categories=PAM50_4).codes
    u, v = rng.normal(size=n), rng.normal(size=n)
    if n_genes < 10 or patch_dim < 4:
        raise ValueError("paired_synthetic needs n_genes >= 10 and patch_dim >= 4")
    k = n_genes // 5  # genes: [0, k) class, [k, 2k) u, [2k, 2k + k/2) weak v
    rna = synthetic.expression(y, n_genes, informative=k, effect=1.0, seed=seed + 1).to_numpy()
    rna[:, k:2 * k] += 1.0 * u[:, None] * rng.normal(1, 0.3, k)
    rna[:, 2 * k:2 * k + k // 2] += 0.2 * v[:, None] * rng.normal(1, 0.3, k // 2)
    bag = synthetic.patch_bags(y, n_patches=max_patches, dim=patch_dim, informative=patch_dim // 4, effect=0.5,
                               seed=seed + 2)
    alpha = np.stack([np.full(n, 2.0), np.full(n, 1.5), 1.0 * np.exp(0.9 * v), np.full(n, 0.5)], 1)
    comp = np.stack([rng.dirichlet(a * 3, size=max_patches) for a in alpha])  # n x patches x 4
    loadings = rng.normal(0, 1, (len(CELL_TYPES), patch_dim))
    bag = bag + composition_signal * comp @ loadings
    sizes = rng.integers(max(1, max_patches // 3), max_patches + 1, n)
    if celltype_features:  # own stream, so both variants share every other draw
        noise = np.random.default_rng(seed + 4).normal(0, 0.05, comp.shape)
        bag = np.concatenate([bag, 3 * np.clip(comp + noise, 0, 1)], axis=2)
    mask = np.arange(max_patches)[None, :] < sizes[:, None]
    bag = np.where(mask[..., None], bag, 0).astype(np.float32)
    effect = np.array([-0.4, 0.3, 0.5, 0.6])[codes]
    risk = effect + 0.8 * u - 0.8 * v
    surv = synthetic.survival(risk, base_hazard=0.05, censor_rate=0.03, seed=seed + 3)
    cohort = Cohort(time=surv["time"].to_numpy(), event=surv["event"].to_numpy(), label=codes.astype(int),
                    rna=rna.astype(np.float32), bag=bag, mask=mask, ids=np.asarray(y.index), classes=PAM50_4,
                    meta={"true_risk": risk, "composition": comp, "u": u, "v": v})
    prov = synthetic_provenance("omicslib.papers.p5_confuseit.paired_synthetic",
                     f"synthetic paired patch bags ({max_patches} max patches x {patch_dim + 4 * celltype_features}"
                     f" features) + RNA ({n_genes} genes) + survival + PAM50-like class, n={n}, seed={seed}")
    return cohort, prov


def standardise(train: Cohort, *others: Cohort) -> list[Cohort]:
    """z-score RNA with the training cohort's gene means/SDs (no test information used)."""
    if train.rna is None:
        return [train, *others]
    mu, sd = train.rna.mean(0), train.rna.std(0) + 1e-6
    return [replace(c, rna=((c.rna - mu) / sd).astype(np.float32)) if c.rna is not None else c
            for c in (train, *others)]


# ------------------------------------------------------------------------------ training


def build_backbone(cohort: Cohort, cfg: Config) -> ConFuseIT:
    return ConFuseIT(cohort.rna_dim, cohort.patch_dim, cfg.embed_dim, cfg.hidden, cfg.rna_hidden, cfg.dropout,
                     cfg.temperature)


def pretrain(cohort: Cohort, cfg: Config, device="cpu", seed: int = 0, val: Cohort | None = None):
    """Label-free CLIP pretraining of both encoders on paired data; returns (backbone, History)."""
    if cohort.rna is None or cohort.bag is None:
        raise ValueError("contrastive pretraining needs paired slide bags and RNA")
    seed_everything(seed)
    model = build_backbone(cohort, cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.pretrain_lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, cfg.pretrain_epochs), eta_min=cfg.pretrain_lr * 1e-3)
    hist = fit(model, loader(cohort, cfg.batch_size, shuffle=True, seed=seed, drop_last=len(cohort) > cfg.batch_size),
               None if val is None else loader(val, cfg.batch_size), loss_step=pretrain_step, optimizer=opt,
               epochs=cfg.pretrain_epochs, scheduler=sched, device=device)
    return model, hist


def finetune(train: Cohort, val: Cohort | None, modalities: Sequence[str], cfg: Config,
             backbone: ConFuseIT | None = None, n_classes: int | None = None, device="cpu", seed: int = 0):
    """Fine-tune survival (+ classification) heads and the encoders on ``modalities``.

    ``backbone`` (a pretrained :class:`ConFuseIT`) is deep-copied; None trains from
    scratch. Early stopping on the validation loss when ``val`` is given."""
    seed_everything(seed)
    backbone = copy.deepcopy(backbone) if backbone is not None else build_backbone(train, cfg)
    model = ConFuseITPredictor(backbone, n_classes=n_classes, survival=True, dropout=cfg.dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.finetune_lr, weight_decay=cfg.weight_decay)
    step = finetune_step(modalities, cfg.survival_weight, cfg.class_weight if n_classes else 0.0)
    # Cox needs events in every batch: batches are large and never a leftover of 1-2 patients.
    bs = min(cfg.batch_size, len(train))
    hist = fit(model, loader(train, bs, shuffle=True, seed=seed, drop_last=len(train) % bs < 8),
               None if val is None else loader(val, len(val)), loss_step=step, optimizer=opt,
               epochs=cfg.finetune_epochs, patience=cfg.patience if val is not None else None, device=device)
    return model, hist


@torch.no_grad()
def infer(model: ConFuseITPredictor, cohort: Cohort, modalities: Sequence[str] = ("slide", "rna"),
          device="cpu", batch_size: int = 256) -> dict[str, np.ndarray]:
    """Risk, class probabilities, embeddings and attention for a cohort (eval mode)."""
    model.to(device).eval()
    outs: dict[str, list] = {}
    for batch in loader(cohort, batch_size):
        batch = {k: v.to(device) for k, v in batch.items()}
        o = model(batch, modalities)
        if "logits" in o:
            o["prob"] = torch.softmax(o.pop("logits"), -1)
        for k, v in o.items():
            outs.setdefault(k, []).append(v.float().cpu())
    return {k: torch.cat(v).numpy() for k, v in outs.items()}


def evaluate(out: dict, cohort: Cohort) -> dict[str, float]:
    """C-index (``omicslib.metrics.concordance``) and, with class output, macro-F1 on labelled samples."""
    res = {"c_index": metrics.concordance(cohort.time, out["risk"], cohort.event)}
    if "prob" in out:
        lab = cohort.label >= 0
        res["macro_f1"] = metrics.classification_report(
            cohort.label[lab], out["prob"][lab].argmax(1), labels=np.arange(out["prob"].shape[1]))["f1_macro"]
    return res


def _inner_split(cohort: Cohort, train_idx: np.ndarray, frac: float, seed: int):
    strat = cohort.label[train_idx] if (cohort.label >= 0).all() else cohort.event[train_idx]
    return train_test_split(train_idx, test_size=frac, stratify=strat, random_state=seed)


@dataclass(frozen=True)
class Setting:
    """One comparison arm: train on ``train_on`` modalities, evaluate on ``eval_on`` (default the same),
    from a pretrained backbone or from scratch; ``cohort`` names which prepared cohort to use."""

    name: str
    train_on: tuple[str, ...]
    pretrained: bool = False
    eval_on: tuple[tuple[str, ...], ...] = ()
    cohort: str = "default"


def cross_validate(cohorts: dict[str, Cohort], settings: Sequence[Setting], cfg: Config,
                   backbones: dict[str, ConFuseIT] | None = None, n_classes: int | None = None,
                   device="cpu", stratify_on: str = "label") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified k-fold x seeds for every setting (same folds for all settings of a seed).

    Returns per-fold metrics (columns setting, seed, fold, evaluated_on, c_index,
    macro_f1) and out-of-fold predictions (risk, and for each fold the training-set
    median risk used to form risk groups)."""
    first = next(iter(cohorts.values()))
    strat = first.label if stratify_on == "label" else first.event
    rows, oof = [], []
    for seed in cfg.seeds:
        for fold, (tr, te) in enumerate(stratified_kfold(strat, cfg.folds, seed)):
            inner_tr, inner_val = _inner_split(first, tr, cfg.val_fraction, seed)
            check_disjoint(inner_tr, inner_val, te)
            for s in settings:
                c = cohorts[s.cohort]
                c_tr, c_val, c_te = standardise(c.subset(inner_tr), c.subset(inner_val), c.subset(te))
                bb = None
                if s.pretrained:
                    if not backbones or s.cohort not in backbones:
                        raise ValueError(f"setting {s.name!r} needs a pretrained backbone for cohort {s.cohort!r}")
                    bb = backbones[s.cohort]
                model, hist = finetune(c_tr, c_val, s.train_on, cfg, bb, n_classes, device, seed)
                for mods in s.eval_on or (s.train_on,):
                    out = infer(model, c_te, mods, device)
                    thr = float(np.median(infer(model, c_tr, mods, device)["risk"]))
                    rows.append({"setting": s.name, "seed": seed, "fold": fold, "evaluated_on": "+".join(mods),
                                 "epochs": len(hist.train_loss), **evaluate(out, c_te)})
                    oof.append(pd.DataFrame({"setting": s.name, "evaluated_on": "+".join(mods), "seed": seed,
                                             "fold": fold, "id": c_te.ids, "time": c_te.time,
                                             "event": c_te.event, "risk": out["risk"], "train_median": thr}))
    return pd.DataFrame(rows), pd.concat(oof, ignore_index=True)


def compare_arms(per_fold: pd.DataFrame, a: tuple[str, str], b: tuple[str, str], metric: str = "c_index") -> dict:
    """Paired comparison (``omicslib.stats.paired_comparison``) of two arms ``(setting, evaluated_on)``
    over the same seeds x folds. CV folds share training data, so the paired t-test is optimistic."""
    from omicslib import stats

    get = lambda arm: per_fold[(per_fold["setting"] == arm[0]) & (per_fold["evaluated_on"] == arm[1])  # noqa: E731
                               ].set_index(["seed", "fold"])[metric].sort_index()
    xa, xb = get(a), get(b)
    if xa.empty or xb.empty or not xa.index.equals(xb.index):
        raise ValueError(f"arms {a} and {b} are missing or were not run on the same seeds x folds")
    return stats.paired_comparison(xa.to_numpy(), xb.to_numpy())


def summarise(per_fold: pd.DataFrame, metrics_: Sequence[str] = ("c_index", "macro_f1")) -> pd.DataFrame:
    """Mean ± SD over folds and seeds per (setting, evaluated_on)."""
    cols = [m for m in metrics_ if m in per_fold]
    g = per_fold.groupby(["setting", "evaluated_on"], sort=False)[cols]
    out = g.mean().add_suffix("_mean").join(g.std(ddof=1).add_suffix("_sd")).join(g.size().rename("n_runs"))
    return out.reset_index()


# ------------------------------------------------------------------------ survival tools


def risk_groups(time, event, risk, threshold=None) -> tuple[np.ndarray, dict]:
    """High/low risk groups split at ``threshold`` (default the median risk; an array gives each
    patient its own cut-off, e.g. its training fold's median) and lifelines' log-rank test between
    them. Returns (boolean 'high' array, {'statistic', 'p', 'n_high', 'n_low'})."""
    from lifelines.statistics import logrank_test

    time, event, risk = (np.asarray(a, float) for a in (time, event, risk))
    high = risk > (np.median(risk) if threshold is None else np.asarray(threshold, float))
    if high.all() or not high.any():
        raise ValueError("risk threshold puts every patient in one group")
    lr = logrank_test(time[high], time[~high], event[high], event[~high])
    return high, {"statistic": float(lr.test_statistic), "p": float(lr.p_value),
                  "n_high": int(high.sum()), "n_low": int((~high).sum())}


def km_plot(time, event, high, ax=None, title: str = "", unit: str = "days"):
    """Kaplan–Meier curves of the low and high predicted-risk groups (lifelines)."""
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter

    ax = ax or plt.subplots(figsize=(5, 3.6))[1]
    time, event, high = np.asarray(time, float), np.asarray(event), np.asarray(high, bool)
    for grp, name, colour in ((~high, "low predicted risk", "C0"), (high, "high predicted risk", "C3")):
        KaplanMeierFitter().fit(time[grp], event[grp], label=f"{name} (n={grp.sum()})").plot_survival_function(
            ax=ax, color=colour, ci_show=True)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("survival probability")
    ax.set_title(title)
    return ax


def transfer_validate(source: Cohort, target: Cohort, cfg: Config, device="cpu") -> pd.DataFrame:
    """RNA-only Cox model trained on ``source`` (each gene z-scored within its own cohort, since
    platforms differ) and applied unchanged to ``target``; one row per seed with the target C-index.
    Out-of-target risks are in the frame's ``attrs['risk']`` (seed -> array)."""
    if source.rna is None or target.rna is None or source.rna_dim != target.rna_dim:
        raise ValueError("source and target need RNA over the same genes (align columns first)")
    z = lambda c: replace(c, rna=((c.rna - c.rna.mean(0)) / (c.rna.std(0) + 1e-6)).astype(np.float32))  # noqa: E731
    src, tgt = z(source.without("slide")), z(target.without("slide"))
    rows, risks = [], {}
    for seed in cfg.seeds:
        tr, val = train_test_split(np.arange(len(src)), test_size=cfg.val_fraction, stratify=src.event,
                                   random_state=seed)
        model, hist = finetune(src.subset(tr), src.subset(val), ("rna",), cfg, None, None, device, seed)
        out = infer(model, tgt, ("rna",), device)
        risks[seed] = out["risk"]
        rows.append({"seed": seed, "epochs": len(hist.train_loss),
                     "c_index": metrics.concordance(tgt.time, out["risk"], tgt.event)})
    df = pd.DataFrame(rows)
    df.attrs["risk"] = risks
    return df


def rna_cohort(expression: pd.DataFrame, survival: pd.DataFrame, labels: pd.Series | None = None,
               classes: Sequence[str] = ()) -> Cohort:
    """An RNA-only :class:`Cohort` from patients x genes and a ``time``/``event`` frame (inner join on
    the index); ``labels`` (class names) become indices into ``classes``, -1 where missing."""
    ids = expression.index.intersection(survival.index)
    if not len(ids):
        raise ValueError("expression and survival share no patient ids")
    lab = np.full(len(ids), -1)
    if labels is not None:
        codes = pd.Categorical(labels.reindex(ids), categories=list(classes)).codes
        lab = np.asarray(codes, int)
    s = survival.loc[ids]
    return Cohort(time=s["time"].to_numpy(float), event=s["event"].to_numpy(int), label=lab,
                  rna=expression.loc[ids].to_numpy(np.float32), ids=np.asarray(ids), classes=tuple(classes))


def linear_cox_cv(cohort: Cohort, cfg: Config, penalizer: float = 1.0, stratify_on: str = "label") -> pd.DataFrame:
    """Reference: ridge-penalised linear Cox model (lifelines) on the same folds as :func:`cross_validate`."""
    from lifelines import CoxPHFitter

    strat = cohort.label if stratify_on == "label" else cohort.event
    rows = []
    for seed in cfg.seeds:
        for fold, (tr, te) in enumerate(stratified_kfold(strat, cfg.folds, seed)):
            c_tr, c_te = standardise(cohort.subset(tr), cohort.subset(te))
            cols = [f"g{j}" for j in range(c_tr.rna.shape[1])]
            df = pd.DataFrame(c_tr.rna, columns=cols).assign(T=c_tr.time, E=c_tr.event)
            cph = CoxPHFitter(penalizer=penalizer).fit(df, "T", "E")
            risk = c_te.rna @ cph.params_.to_numpy()
            rows.append({"setting": "linear Cox (ridge)", "seed": seed, "fold": fold, "evaluated_on": "rna",
                         "c_index": metrics.concordance(c_te.time, risk, c_te.event)})
    return pd.DataFrame(rows)


# ------------------------------------------------------------- HER2ST pipeline demonstration


def spot_patches(image: np.ndarray, spots: pd.DataFrame, downsample: int, size: int) -> tuple[np.ndarray, pd.Index]:
    """``size`` x ``size`` RGB patches centred on each spot (``pixel_x``/``pixel_y`` are full-resolution
    coordinates; ``image`` was read at ``1/downsample``). Spots too close to the border are skipped;
    returns (patches, ids of the spots kept)."""
    cx = np.round(spots["pixel_x"].to_numpy() / downsample).astype(int)
    cy = np.round(spots["pixel_y"].to_numpy() / downsample).astype(int)
    h = size // 2
    ok = (cy - h >= 0) & (cx - h >= 0) & (cy + h <= image.shape[0]) & (cx + h <= image.shape[1])
    out = np.stack([image[y - h:y - h + size, x - h:x - h + size] for x, y in zip(cx[ok], cy[ok])]) if ok.any() \
        else np.zeros((0, size, size, 3), np.uint8)
    return out, spots.index[ok]


def log_cpm(counts: np.ndarray) -> np.ndarray:
    """log1p counts-per-million per row (spot or pseudo-bulk region)."""
    counts = np.asarray(counts, float)
    return np.log1p(counts / np.maximum(counts.sum(1, keepdims=True), 1) * 1e6)


def region_pairs(xy: np.ndarray, features: np.ndarray, counts: np.ndarray, region_size: int = 20,
                 repeats: int = 3, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """Paired (bag, pseudo-bulk expression) examples from one section: spots are grouped into
    spatially contiguous regions of about ``region_size`` spots by k-means on their coordinates
    (``repeats`` different partitions); a region's bag holds its spots' patch features and its RNA is
    the log-CPM of its summed counts."""
    from sklearn.cluster import KMeans

    k = max(2, len(xy) // region_size)
    bags, rna = [], []
    for r in range(repeats):
        lab = KMeans(k, n_init=1, random_state=seed + r).fit_predict(xy)
        for g in np.unique(lab):
            idx = lab == g
            bags.append(features[idx])
            rna.append(counts[idx].sum(0))
    return bags, log_cpm(np.asarray(rna))
