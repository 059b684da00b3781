"""p5 protocols: contrastive pretraining, fine-tuning, cross-validated comparisons, transfer.

* :func:`pretrain` / :func:`finetune` — the two stages, each one :func:`omicslib.train.fit` call.
* :func:`cross_validate` — fold x seed loop over modality settings (:class:`Setting`), with and without
  a pretrained backbone (pretrained once on a disjoint cohort, or inside each training fold); out-of-fold
  risks for Kaplan–Meier plots.
* :func:`transfer_validate` — RNA survival model trained on one cohort, applied to an independent one.
* :func:`risk_groups` — split of predicted risk + lifelines' log-rank test.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from omicslib import metrics
from omicslib.papers.p5_confuseit.config import Config
from omicslib.papers.p5_confuseit.data import Cohort, standardise
from omicslib.papers.p5_confuseit.model import ConFuseIT, ConFuseITPredictor, finetune_step, pretrain_step
from omicslib.papers.p5_confuseit.splits import folds
from omicslib.runtime import seed_everything
from omicslib.splits import check_disjoint
from omicslib.train import adam, fit, loader


def build_backbone(cohort: Cohort, cfg: Config) -> ConFuseIT:
    return ConFuseIT(cohort.rna_dim, cohort.patch_dim, cfg.embed_dim, cfg.hidden, cfg.rna_hidden, cfg.dropout,
                     cfg.temperature)


def pretrain(cohort: Cohort, cfg: Config, device="cpu", seed: int = 0, val: Cohort | None = None):
    """Label-free CLIP pretraining of both encoders on paired data; returns (backbone, History)."""
    if cohort.rna is None or cohort.bag is None:
        raise ValueError("contrastive pretraining needs paired slide bags and RNA")
    seed_everything(seed)
    model = build_backbone(cohort, cfg)
    opt = adam(model.parameters(), decoupled=True, lr=cfg.pretrain_lr, weight_decay=cfg.weight_decay)
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
    opt = adam(model.parameters(), decoupled=True, lr=cfg.finetune_lr, weight_decay=cfg.weight_decay)
    step = finetune_step(modalities, cfg.survival_weight, cfg.class_weight if n_classes else 0.0)
    # Cox needs events in every batch: batches are large and never a leftover of 1-2 patients.
    bs = min(cfg.batch_size, len(train))
    hist = fit(model, loader(train, bs, shuffle=True, seed=seed, drop_last=len(train) % bs < 8),
               None if val is None else loader(val, len(val)), loss_step=step, optimizer=opt,
               epochs=cfg.finetune_epochs, patience=cfg.patience if val is not None else None, device=device)
    return model, hist


@torch.no_grad()
def infer(model: ConFuseITPredictor | ConFuseIT, cohort: Cohort, modalities: Sequence[str] = ("slide", "rna"),
          device="cpu", batch_size: int = 256) -> dict[str, np.ndarray]:
    """Risk, class probabilities, embeddings and attention for a cohort (eval mode); a bare backbone
    gives embeddings only."""
    model.to(device).eval()
    outs: dict[str, list] = {}
    for batch in loader(cohort, batch_size):
        batch = {k: v.to(device) for k, v in batch.items()}
        o = model(batch, modalities) if isinstance(model, ConFuseITPredictor) else model.embed(batch, modalities)
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


def inner_split(cohort: Cohort, train_idx: np.ndarray, frac: float, seed: int):
    """Early-stopping split of a training fold (stratified on the label when every patient has one)."""
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
                   device="cpu", stratify_on: str = "label", pretrain_in_fold: bool = False,
                   standardise_bags: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified k-fold x seeds for every setting (same folds for all settings of a seed).

    Pretrained settings start from ``backbones[cohort]`` (pretrained on a disjoint cohort; a dict
    ``{seed: backbone}`` gives each seed its own) or, with
    ``pretrain_in_fold``, from a backbone pretrained without labels on the fold's training part only
    (once per seed, fold and cohort). Returns per-fold metrics (setting, seed, fold, evaluated_on,
    epochs, c_index, macro_f1) and out-of-fold predictions (risk, and for each fold
    the training-set median risk used to form risk groups)."""
    first = next(iter(cohorts.values()))
    for name, c in cohorts.items():
        if len(c) != len(first) or not np.array_equal(c.ids, first.ids):
            raise ValueError(f"cohort {name!r} does not hold the same patients in the same order as the first")
    rows, oof = [], []
    for seed, fold, tr, te in folds(first, cfg, stratify_on):
        inner_tr, inner_val = inner_split(first, tr, cfg.val_fraction, seed)
        check_disjoint(inner_tr, inner_val, te)
        fold_backbones = {}
        for s in settings:
            c = cohorts[s.cohort]
            c_tr, c_val, c_te = standardise(c.subset(inner_tr), c.subset(inner_val), c.subset(te),
                                            bags=standardise_bags)
            bb = None
            if s.pretrained and pretrain_in_fold:
                if s.cohort not in fold_backbones:
                    fold_backbones[s.cohort] = pretrain(c_tr, cfg, device, seed)[0]
                bb = fold_backbones[s.cohort]
            elif s.pretrained:
                if not backbones or s.cohort not in backbones:
                    raise ValueError(f"setting {s.name!r} needs a pretrained backbone for cohort {s.cohort!r}")
                bb = backbones[s.cohort]
                if isinstance(bb, dict):  # one backbone per seed
                    if seed not in bb:
                        raise ValueError(f"no pretrained backbone for cohort {s.cohort!r} and seed {seed}")
                    bb = bb[seed]
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


def transfer_validate(source: Cohort, target: Cohort, cfg: Config, device="cpu") -> pd.DataFrame:
    """RNA-only Cox model trained on ``source`` and applied unchanged to ``target``; one row per seed with
    the target C-index. Each cohort is z-scored with its own ``StandardScaler`` (platforms differ, so a
    gene's scale is only comparable within a cohort). Risks are in ``attrs['risk']`` (seed -> array)."""
    if source.rna is None or target.rna is None or source.rna_dim != target.rna_dim:
        raise ValueError("source and target need RNA over the same genes (align columns first)")
    z = lambda c: replace(c, rna=_own_z(c.rna))  # noqa: E731
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


def _own_z(x: np.ndarray) -> np.ndarray:
    return StandardScaler().fit_transform(x).astype(np.float32)


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


def pretrain_per_seed(cohorts: dict[str, Cohort], cfg: Config, device="cpu"):
    """Label-free pretraining on each (unlabelled) cohort once per seed of ``cfg`` (RNA z-scored within the
    pretraining cohort). Returns ({cohort: {seed: backbone}}, curves with columns epoch, train_loss,
    features, seed)."""
    backbones, curves = {}, []
    for key, c in cohorts.items():
        (c_std,) = standardise(c)
        backbones[key] = {}
        for seed in cfg.seeds:
            backbones[key][seed], hist = pretrain(c_std, cfg, device, seed)
            curves.append(hist.to_frame().assign(features=key, seed=seed))
    return backbones, pd.concat(curves, ignore_index=True)


def attention_check(cohort: Cohort, backbone: ConFuseIT, cfg: Config, n_classes: int, device="cpu", seed: int = 0,
                    cell_type: int = 2):
    """A slide-only model fine-tuned on the whole (synthetic) cohort from ``backbone``: its ABMIL attention
    per patch and that patch's simulated fraction of ``cell_type`` (default immune). Returns
    (attention, mask, fraction)."""
    (c_std,) = standardise(cohort)
    model, _ = finetune(c_std, None, ("slide",), cfg, backbone, n_classes, device, seed)
    att = infer(model, c_std, ("slide",), device)["attention"]
    return att, c_std.mask, cohort.meta["composition"][..., cell_type]


def _symbol(column: str) -> str:
    """SurvSet gene columns are ``SYMBOL_ENTREZ``: 'FOXA1_3169' -> 'FOXA1'."""
    return column.rsplit("_", 1)[0]


def transfer_study(names: Sequence[str], expression: pd.DataFrame, survival: pd.DataFrame, tcfg: Config,
                   wcfg: Config, device="cpu"):
    """Independent validation on SurvSet cohorts: per cohort, the TCGA-trained RNA model applied unchanged on
    the shared genes (:func:`transfer_validate`, all seeds of ``tcfg``; NKI-70 shares no genes and is
    skipped) and a within-cohort cross-validated RNA model (``wcfg``). Returns (transfer per seed,
    within-cohort summary, {cohort: (target Cohort, risk of the first seed)}, combined provenance)."""
    from omicslib.data import survset_cohorts as sc
    from omicslib.papers.p5_confuseit.data import rna_cohort

    transfer_rows, within_rows, km, provs = [], [], {}, []
    for name in names:
        d = sc.load_cohort(name)
        provs.append(d.provenance)
        if name != "nki70":
            ref, expr = sc.align_genes(expression, d["expression"], _symbol)
            tgt = rna_cohort(expr, d["survival"])
            res = transfer_validate(rna_cohort(ref, survival), tgt, tcfg, device)
            km[name] = (tgt, res.attrs["risk"][tcfg.seeds[0]])
            transfer_rows += [{"cohort": name, "endpoint": d.meta["endpoint"], "genes": ref.shape[1], "n": len(tgt),
                               "events": int(tgt.event.sum()), **r} for r in res.to_dict("records")]
        within = rna_cohort(d["expression"].dropna(axis=1), d["survival"])
        pf, _ = cross_validate({"default": within}, [Setting("within-cohort RNA encoder", ("rna",))], wcfg,
                               device=device, stratify_on="event")
        within_rows.append({"cohort": name, "endpoint": d.meta["endpoint"], "genes": within.rna_dim,
                            "c_index_mean": pf["c_index"].mean(), "c_index_sd": pf["c_index"].std(ddof=1),
                            "n_runs": len(pf)})
    return pd.DataFrame(transfer_rows), pd.DataFrame(within_rows), km, provs[0].combine(*provs[1:])


def pair_settings() -> list[Setting]:
    """Arms of the real two-modality analogue (cohorts from :func:`~omicslib.papers.p5_confuseit.data.
    paired_omics_cohorts`): each modality alone, early fusion, two encoders from scratch and after
    in-fold CLIP pretraining (the latter also applied to each modality alone)."""
    both = ("slide", "rna")
    return [Setting("mRNA only", ("rna",), cohort="pair"), Setting("miRNA only", ("rna",), cohort="second"),
            Setting("early fusion (concatenated)", ("rna",), cohort="early"),
            Setting("two encoders, from scratch", both, cohort="pair"),
            Setting("two encoders + CLIP pretraining", both, True, eval_on=(both, ("rna",), ("slide",)),
                    cohort="pair")]


def pair_study(cohorts: dict[str, Cohort], cfg: Config, n_classes: int, device="cpu",
               names: tuple[str, str] = ("mRNA", "miRNA")) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deep arms (:func:`pair_settings`, pretraining inside each training fold, both modalities z-scored on
    the training part) and the simple baselines — ridge Cox, the strongest survival family
    (:func:`~omicslib.papers.p5_confuseit.baselines.strongest_cox_cv`) and logistic regression, tuned by inner
    CV on each modality and on both — over the same seed x fold splits. Returns (deep per fold, baselines per
    fold); ``baselines.attrs['convergence_warnings']`` counts the warnings at the chosen points."""
    from omicslib.papers.p5_confuseit import baselines as B

    ordered = {"pair": cohorts["pair"], **{k: v for k, v in cohorts.items() if k != "pair"}}
    deep, _ = cross_validate(ordered, pair_settings(), cfg, n_classes=n_classes, device=device,
                             pretrain_in_fold=True, standardise_bags=True)
    a, b = names
    parts, warn = [], 0
    for feats, label in (("rna", a), ("bag", b), ("all", f"{a} + {b}")):
        parts.append(B.cox_cv(cohorts["pair"], cfg, f"ridge Cox, {label}", feats))
        strongest = B.strongest_cox_cv(cohorts["pair"], cfg, f"strongest survival baseline, {label}", feats)
        lr = B.logistic_cv(cohorts["pair"], cfg, f"logistic regression, {label}", feats)
        warn += lr.attrs["convergence_warnings"] + strongest.attrs["convergence_warnings"]
        parts += [strongest, lr]
    base = pd.concat(parts, ignore_index=True)
    base.attrs["convergence_warnings"] = warn
    return deep, base
