"""p1 protocol: hold-out + 5-fold CV, the three training stages, one (K, fold) unit, the K x modality grid.

Protocol (paper, "Evaluation protocol"): a stratified 20 % hold-out is fixed once; stratified 5-fold
CV inside the 80 % gives five (train, validation) pairs; each fold's model (early stopping and
checkpoint choice on its validation fold) is scored on the same hold-out; Table 4 reports the mean
over the five models (and the SD of macro-F1).

The three stages per fold and K (Methods, "Training Procedure"):

1. encoders (token embedding + self-attention block per modality) trained on masked-feature
   reconstruction + auxiliary classification, the weights moving linearly from reconstruction to
   classification;
2. encoders frozen; the cross-modal blocks and gates trained on the stage-1 embeddings with
   ``lambda_rec`` * ||E' - E||^2 (query tokens masked at a ratio scheduled 5 % -> 12 %),
   classification warmed up over 8 epochs and per-sample modality dropout;
3. the residual MLP on the flattened E', standardised with the fold's training rows, with input
   dropout, MixUp, AdamW, ReduceLROnPlateau, early stopping and inverse-frequency focal loss.

Stage 1 is shared by the three modality variants of the same (K, fold): one module holds every
encoder the variants need, so the EXP encoder's updates (global-norm gradient clipping, early
stopping on the summed validation loss, the random stream) depend on the CNA and MUT encoders
trained beside it. :func:`omicslib.papers.p1_crossmodal.audit.exp_only_independence` measures that.

In the workflow's grid profiles each (K, fold) unit is a separate job (``jobs.py`` -> :func:`run_job`,
one file per unit); :func:`run_grid` given ``jobs_dir`` assembles the same :class:`GridResult` from them.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from omicslib import gridjobs, metrics
from omicslib.nn.losses.focal import focal_loss, inverse_frequency_weights
from omicslib.papers.p1_crossmodal.config import PAPER_VARIANTS, Config, unit_seed
from omicslib.papers.p1_crossmodal.data import Prepared, fit_rows, fold_features, fold_rankings, rank_modalities
from omicslib.papers.p1_crossmodal.model import VARIANTS, CrossModalFusion, ModalityEncoder, ResidualMLP
from omicslib.papers.p1_crossmodal.selection import Ranking, TrainStandardiser
from omicslib.provenance import Provenance
from omicslib.runtime import seed_everything, threads
from omicslib.train import adam, fit, loader, predict, rehearsal_repeats, rehearsal_runs

METRICS = ("accuracy", "precision_weighted", "recall_weighted", "f1_weighted",
           "precision_macro", "recall_macro", "f1_macro", "roc_auc")


def _linear_weights(t: float, cfg: Config) -> tuple[float, float]:
    """Stage-1 (reconstruction, classification) weights at progress t in [0, 1]."""
    return 1 - (1 - cfg.s1_rec_end) * t, cfg.s1_cls_start + (1 - cfg.s1_cls_start) * t


def _random_mask(shape, ratio: float, device, generator=None) -> torch.Tensor:
    return torch.rand(shape, generator=generator).to(device) < ratio


class Encoders(nn.Module):
    """The stage-1 encoders of one (K, fold), one per modality (``identity``: with the per-feature
    identity embedding of the audit ablation)."""

    def __init__(self, cfg: Config, modalities, n_classes, n_features: dict[str, int] | None = None):
        super().__init__()
        kw = dict(d_model=cfg.d_model, n_heads=cfg.n_heads, ffn_hidden=cfg.ffn_hidden, dropout=cfg.dropout,
                  drop_path=cfg.drop_path, layerscale_init=cfg.layerscale_init, n_classes=n_classes)
        n_features = n_features or {}
        self.enc = nn.ModuleDict({m: ModalityEncoder(**kw, n_features=n_features.get(m)) for m in modalities})


def stage1(X: dict[str, np.ndarray], y, tr, va, cfg: Config, modalities, device, seed: int,
           identity: bool = False):
    """Masked-feature reconstruction + auxiliary classification for every modality encoder."""
    n_classes = int(max(y)) + 1
    model = Encoders(cfg, modalities, n_classes, {m: X[m].shape[1] for m in modalities} if identity else None)
    state = {"t": 0.0}

    def step(m: Encoders, batch):
        *xs, target = batch
        w_rec, w_cls = _linear_weights(state["t"], cfg) if m.training else _linear_weights(1.0, cfg)
        g = None if m.training else torch.Generator().manual_seed(seed)
        rec, cls = 0.0, 0.0
        for name, x in zip(modalities, xs):
            mask = _random_mask(x.shape, cfg.s1_mask_ratio, x.device, g)
            h = m.enc[name](x, mask)
            if mask.any():
                rec = rec + F.mse_loss(m.enc[name].recon(h).squeeze(-1)[mask], x[mask])
            cls = cls + F.cross_entropy(m.enc[name].aux(h.mean(1)), target)
        loss = w_rec * rec + w_cls * cls
        return loss, {"rec": float(torch.as_tensor(rec).detach()), "cls": float(cls.detach())}

    arrays = [X[m] for m in modalities]
    tl = loader([*(a[tr] for a in arrays), y[tr]], cfg.batch_size, shuffle=True, seed=seed)
    vl = loader([*(a[va] for a in arrays), y[va]], cfg.batch_size)
    opt = adam(model.parameters(), decoupled=True, lr=cfg.s1_lr, weight_decay=cfg.weight_decay)
    epochs = cfg.s1_epochs
    hist = fit(model, tl, vl, loss_step=step, optimizer=opt, epochs=epochs, patience=cfg.patience, device=device,
               grad_clip=cfg.grad_clip, on_epoch_start=lambda e: state.update(t=e / max(epochs - 1, 1)))
    return model, hist


@torch.no_grad()
def masked_reconstruction(model: Encoders, X: np.ndarray, modality: str, tr, va, ratio: float, device,
                          seed: int) -> dict[str, float]:
    """Stage-1 masked reconstruction on the validation rows ``va`` against the trivial predictor.

    The same masked positions (``ratio``, a generator seeded with ``seed``) are scored for the
    encoder's reconstruction and for the training-mean predictor (each feature's mean over the
    ``tr`` rows). Returns the two mean squared errors, their ratio and the SD, over the masked
    positions of a sample, of the encoder's reconstructions (0 when every masked position of a
    sample receives the same output: the permutation-equivariant encoder cannot tell genes apart).
    """
    enc = model.enc[modality].to(device).eval()
    x = torch.as_tensor(X[va]).to(device)
    mask = _random_mask(x.shape, ratio, device, torch.Generator().manual_seed(seed))
    rec = enc.recon(enc(x, mask)).squeeze(-1)
    mean = torch.as_tensor(X[tr].mean(0)).to(device).expand_as(x)
    mse_model = float(F.mse_loss(rec[mask], x[mask]))
    mse_mean = float(F.mse_loss(mean[mask], x[mask]))
    spread = [float(rec[i][mask[i]].std()) for i in range(len(x)) if int(mask[i].sum()) > 1]
    return {"rec_mse": mse_model, "mean_mse": mse_mean, "rec_over_mean": mse_model / mse_mean,
            "within_sample_sd": float(np.mean(spread)) if spread else float("nan")}


@torch.no_grad()
def embed(model: Encoders, X: dict[str, np.ndarray], modalities, device, batch_size: int = 256) -> dict[str, torch.Tensor]:
    """Stage-1 token embeddings of every sample (eval mode, nothing masked), on CPU."""
    model.to(device).eval()
    out = {}
    for m in modalities:
        x = torch.as_tensor(X[m])
        out[m] = torch.cat([model.enc[m](x[i:i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)])
    return out


def stage2(emb: dict[str, torch.Tensor], y, tr, va, cfg: Config, variant: str, device, seed: int):
    """Cross-modal enrichment on frozen stage-1 embeddings. Returns the fusion, its history and the
    gate trajectory: sigmoid(gate) at the start and after each epoch (read in the validation pass)."""
    ctx_names = VARIANTS[variant]
    fusion = CrossModalFusion(cfg.d_model, cfg.n_heads, cfg.ffn_hidden, cfg.dropout, cfg.drop_path,
                              cfg.layerscale_init, int(max(y)) + 1, variant, cfg.gate_init)
    state = {"epoch": 0}
    trajectory = {0: fusion.gates()}
    epochs = cfg.s2_epochs

    def step(m: CrossModalFusion, batch):
        E, *ctx, target = batch
        contexts = dict(zip(ctx_names, ctx))
        if m.training:
            t = state["epoch"] / max(epochs - 1, 1)
            ratio = cfg.mask_start + (cfg.mask_end - cfg.mask_start) * t
            qmask = _random_mask(E.shape[:2], ratio, E.device)
            keep = {c: (torch.rand(E.shape[0], device=E.device) >= cfg.modality_dropout).float() for c in ctx_names}
            w_cls = min(1.0, (state["epoch"] + 1) / cfg.cls_warmup)
        else:
            trajectory.setdefault(state["epoch"] + 1, m.gates())
            qmask = _random_mask(E.shape[:2], cfg.mask_end, E.device, torch.Generator().manual_seed(seed))
            keep, w_cls = None, 1.0
        E2 = m(E, contexts, qmask, keep)
        rec = F.mse_loss(E2, E)
        cls = F.cross_entropy(m.aux(E2.mean(1)), target)
        return cfg.lambda_rec * rec + w_cls * cls, {"rec": float(rec.detach()), "cls": float(cls.detach())}

    tensors = [emb["exp"]] + [emb[c] for c in ctx_names]
    yt = torch.as_tensor(y)
    tl = loader([*(t[tr] for t in tensors), yt[tr]], cfg.batch_size, shuffle=True, seed=seed)
    vl = loader([*(t[va] for t in tensors), yt[va]], cfg.batch_size)
    opt = adam(stage2_param_groups(fusion, cfg), decoupled=True, lr=cfg.s2_lr, weight_decay=cfg.weight_decay)
    hist = fit(fusion, tl, vl, loss_step=step, optimizer=opt, epochs=epochs, patience=cfg.patience,
               device=device, grad_clip=cfg.grad_clip, on_epoch_start=lambda e: state.update(epoch=e))
    traj = pd.DataFrame([{"epoch": e, **{f"gate_{c}": g for c, g in gs.items()}} for e, gs in sorted(trajectory.items())])
    traj["kept"] = traj["epoch"] == hist.best_epoch + 1
    return fusion, hist, traj


def stage2_param_groups(fusion: CrossModalFusion, cfg: Config) -> list[dict]:
    """AdamW parameter groups of stage 2: the gate logits at ``cfg.gate_lr`` (see
    ``config.REASONS['gate_lr']``), everything else at ``cfg.s2_lr``."""
    gates = list(fusion.gate_logits.parameters())
    ids = {id(p) for p in gates}
    rest = [p for p in fusion.parameters() if id(p) not in ids]
    return [{"params": rest, "lr": cfg.s2_lr}, {"params": gates, "lr": cfg.gate_lr}]


@torch.no_grad()
def enrichment_share(fusion: CrossModalFusion, emb: dict[str, torch.Tensor], rows, device) -> dict[str, float]:
    """How much the trained fusion changes the expression tokens on ``rows`` (eval mode, nothing masked):
    ``enrich_ratio`` = ||E' - E|| / ||E|` (Frobenius, over the rows), and the mean |LayerScale| of the
    cross-attention blocks' two branches (initialised at ``layerscale_init``), which bounds the enrichment
    A whatever the gate."""
    fusion.to(device).eval()
    E = emb["exp"][rows].to(device)
    ctx = {c: emb[c][rows].to(device) for c in fusion.contexts}
    E2 = fusion(E, ctx)
    ls = [float(b.ls1.gamma.abs().mean() + b.ls2.gamma.abs().mean()) / 2 for b in fusion.cross.values()]
    return {"enrich_ratio": float((E2 - E).norm() / E.norm()), "layerscale_mean": float(np.mean(ls))}


@torch.no_grad()
def enrich(fusion: CrossModalFusion | None, emb: dict[str, torch.Tensor], device, batch_size: int = 256) -> np.ndarray:
    """Flattened E' (N, G*d) for every sample; E itself for the EXP-only variant."""
    E = emb["exp"]
    if fusion is None:
        return E.flatten(1).numpy()
    fusion.to(device).eval()
    outs = []
    for i in range(0, len(E), batch_size):
        ctx = {c: emb[c][i:i + batch_size].to(device) for c in fusion.contexts}
        outs.append(fusion(E[i:i + batch_size].to(device), ctx).flatten(1).cpu())
    return torch.cat(outs).numpy()


def mixup_focal_step(alpha: torch.Tensor, gamma: float, mixup_alpha: float):
    """Stage-3 loss step: focal loss, with MixUp of inputs (and of the two targets' losses) in training."""
    beta = torch.distributions.Beta(mixup_alpha, mixup_alpha) if mixup_alpha > 0 else None

    def step(model: nn.Module, batch):
        z, target = batch
        if model.training and beta is not None:
            lam = float(beta.sample())
            perm = torch.randperm(z.shape[0], device=z.device)
            logits = model(lam * z + (1 - lam) * z[perm])
            return lam * focal_loss(logits, target, alpha, gamma) + (1 - lam) * focal_loss(logits, target[perm], alpha, gamma)
        return focal_loss(model(z), target, alpha, gamma)

    return step


def stage3(Z: np.ndarray, y, tr, va, test, cfg: Config, device, seed: int, n_classes: int):
    """Residual MLP on standardised flattened embeddings; returns hold-out probabilities, history and
    the standardiser (fitted on the fold's training rows)."""
    std = TrainStandardiser().fit(Z, tr)
    Zs = std.transform(Z)
    model = ResidualMLP(Z.shape[1], n_classes, cfg.hidden, cfg.hidden // 2, input_dropout=cfg.input_dropout)
    alpha = inverse_frequency_weights(y[tr], n_classes)
    yt = torch.as_tensor(y)
    tl = loader([torch.as_tensor(Zs[tr]), yt[tr]], cfg.batch_size, shuffle=True, seed=seed, drop_last=len(tr) > cfg.batch_size)
    vl = loader([torch.as_tensor(Zs[va]), yt[va]], 256)
    opt = adam(model.parameters(), decoupled=True, lr=cfg.s3_lr, weight_decay=cfg.s3_weight_decay)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=cfg.plateau_factor, patience=cfg.plateau_patience)
    hist = fit(model, tl, vl, loss_step=mixup_focal_step(alpha, cfg.focal_gamma, cfg.mixup_alpha), optimizer=opt,
               epochs=cfg.s3_epochs, scheduler=sched, patience=cfg.s3_patience, device=device, grad_clip=cfg.grad_clip)
    logits = predict(model, loader([torch.as_tensor(Zs[test]), yt[test]], 256), device)
    return torch.softmax(torch.as_tensor(logits), 1).numpy(), hist, std


def scores(y_true, prob, n_classes: int = 4) -> dict[str, float]:
    """Table-4 metrics of one model on the hold-out (omicslib.metrics)."""
    pred = prob.argmax(1)
    r = metrics.classification_report(y_true, pred, prob, labels=np.arange(n_classes))
    return {k: r[k] for k in METRICS}


def unit_threads(cfg: Config) -> int | None:
    """torch CPU threads of one unit: ``cpu_threads``, or 1 in parallel workers, else unchanged."""
    return cfg.cpu_threads or (1 if cfg.n_jobs > 1 else None)


# ------------------------------------------------------------------------------ one (K, fold) unit

@dataclass
class UnitResult:
    """One (K, fold): a record per variant and the unit's diagnostics."""

    records: list[dict]
    diagnostics: dict
    gate_trajectory: pd.DataFrame


def run_unit(prep: Prepared, k_paper: int, fold: int, cfg: Config, device="cpu",
             rankings: dict[str, Ranking] | None = None, *, identity: bool = False,
             variants: tuple[str, ...] | None = None) -> UnitResult:
    """Train stage 1 once (every modality ``cfg.variants`` need), then stages 2-3 for ``variants``
    (default ``cfg.variants``), for one K and one fold.

    Records: metrics on the hold-out, gates, hold-out probabilities, feature counts, stage
    histories and seconds (stage 1 counted with the first variant). Diagnostics: zero-coefficient
    features among the top-K, ConvergenceWarnings of the rankings, stage-1 reconstruction of the
    expression encoder against the training-mean predictor. ``identity`` adds the learned
    per-feature identity embedding to every encoder (audit ablation).
    """
    with threads(unit_threads(cfg)):
        k = prep.k_map[k_paper]
        tr, va = prep.cv.folds[fold]
        test = prep.cv.test
        seed = unit_seed(cfg, k_paper, fold)
        seed_everything(seed)
        t0 = time.perf_counter()
        rows = fit_rows(prep, fold, cfg)
        if rankings is None:
            rankings = rank_modalities(prep, rows, cfg)
        feats = fold_features(prep, rankings, k, rows, cfg)
        needed = ["exp"] + sorted({c for v in cfg.variants for c in VARIANTS[v]})
        enc, h1 = stage1(feats.X, prep.y, tr, va, cfg, needed, device, seed, identity=identity)
        rec = masked_reconstruction(enc, feats.X["exp"], "exp", tr, va, cfg.s1_mask_ratio, device, seed)
        emb = embed(enc, feats.X, needed, device)
        s1_seconds = time.perf_counter() - t0
        out, trajs = [], []
        todo = variants or cfg.variants
        for variant in todo:
            seed_everything(seed + 7 * (1 + PAPER_VARIANTS.index(variant)))
            tv = time.perf_counter()
            if variant == "EXP":
                fusion, h2 = None, None
            else:
                fusion, h2, traj = stage2(emb, prep.y, tr, va, cfg, variant, device, seed)
                trajs.append(traj.assign(K_paper=k_paper, variant=variant, fold=fold))
            Z = enrich(fusion, emb, device)
            prob, h3, _ = stage3(Z, prep.y, tr, va, test, cfg, device, seed, len(prep.classes))
            gates = fusion.gates() if fusion else {}
            share = enrichment_share(fusion, emb, va, device) if fusion else {}
            out.append({
                "K_paper": k_paper, "K": k, "K_cna": len(feats.cna_genes), "n_mut": len(feats.mut_features),
                "variant": variant, "fold": fold, **scores(prep.y[test], prob, len(prep.classes)),
                "gate_cna": gates.get("cna", np.nan), "gate_mut": gates.get("mut", np.nan),
                "enrich_ratio": share.get("enrich_ratio", np.nan), "layerscale_mean": share.get("layerscale_mean", np.nan),
                "prob": prob, "histories": {"stage1": h1.to_frame(), "stage2": None if h2 is None else h2.to_frame(),
                                            "stage3": h3.to_frame()},
                "seconds": time.perf_counter() - tv + (s1_seconds if variant == todo[0] else 0.0),
            })
        diag = {"K_paper": k_paper, "K": k, "fold": fold, "exp_zero_filled": feats.zero_filled["exp"],
                "cna_zero_filled": feats.zero_filled["cna"], "exp_nonzero": rankings["exp"].n_nonzero,
                "cna_nonzero": rankings["cna"].n_nonzero,
                "enet_convergence_warnings": rankings["exp"].n_convergence_warnings
                + rankings["cna"].n_convergence_warnings,
                **{f"exp_{key}": v for key, v in rec.items()}}
        return UnitResult(out, diag, pd.concat(trajs, ignore_index=True) if trajs else pd.DataFrame())


@dataclass
class GridResult:
    """Per-fold records of the grid (:attr:`folds`: one row per K x variant x fold) plus hold-out
    truths and probabilities for confusion matrices, per-unit diagnostics and gate trajectories."""

    folds: pd.DataFrame
    probs: dict[tuple[int, str, int], np.ndarray]
    y_test: np.ndarray
    k_map: dict[int, int]
    histories: dict[tuple[int, str, int], dict]
    config: dict
    seconds: float
    rankings: list[dict[str, Ranking]] = field(default_factory=list)   # per fold, as used
    diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)    # one row per (K, fold)
    gate_trajectory: pd.DataFrame = field(default_factory=pd.DataFrame)


def grid_units(cfg: Config) -> list[tuple[int, int]]:
    """The grid's (K, fold) units, in the order of :attr:`GridResult.folds`."""
    return [(k, f) for k in cfg.k_grid for f in range(cfg.n_folds)]


def grid_jobs(cfg: Config) -> list[str]:
    """One grid-job id per (K, fold) unit, e.g. ``K300-fold4-seed0`` (no data read)."""
    return [gridjobs.job_id(K=k, fold=f, seed=cfg.seed) for k, f in grid_units(cfg)]


def jobs_config(cfg: Config, data_source: str, provenance: Provenance) -> dict:
    """What a grid-job file must have been computed with: every config field, the requested data
    source, the kind and the checksums of the data actually loaded."""
    return {**asdict(cfg), "data_source": data_source, "provenance": provenance.kind,
            "data_sha256": sorted(f.sha256 for f in provenance.files)}


def run_job(prep: Prepared, cfg: Config, job: str, device="cpu") -> dict:
    """One grid job: its fold's rankings (as :func:`fold_rankings` fits them) and its (K, fold) unit,
    as :func:`run_grid` reads them back from the job's file."""
    part = gridjobs.parse_job(job, K=int, fold=int, seed=int)
    if (part["K"], part["fold"]) not in grid_units(cfg) or part["seed"] != cfg.seed:
        raise ValueError(f"job {job!r} is not a unit of this grid (K in {cfg.k_grid}, fold < {cfg.n_folds}, "
                         f"seed {cfg.seed})")
    t0 = time.perf_counter()
    ranks = rank_modalities(prep, fit_rows(prep, part["fold"], cfg), cfg)
    unit = run_unit(prep, part["K"], part["fold"], cfg, device, ranks)
    return {"unit": asdict(unit), "rankings": {m: asdict(r) for m, r in ranks.items()},
            "seconds": time.perf_counter() - t0}


def _read_jobs(jobs_dir, cfg: Config, data_source: str | None, provenance: Provenance | None):
    """Units, per-fold rankings and summed job seconds of the grid from its job files."""
    if data_source is None or provenance is None:
        raise ValueError("reading grid jobs needs data_source and the data's provenance (they identify the units)")
    files = gridjobs.collect(jobs_dir, grid_jobs(cfg), jobs_config(cfg, data_source, provenance))
    got = [files[j] for j in grid_jobs(cfg)]
    res = [UnitResult(**g["unit"]) for g in got]
    first = {f: g["rankings"] for (k, f), g in zip(grid_units(cfg), got) if k == cfg.k_grid[0]}
    ranks = [{m: Ranking(**r) for m, r in first[f].items()} for f in range(cfg.n_folds)]
    return res, ranks, sum(g["seconds"] for g in got)


def _as_fold(unit: UnitResult, fold: int) -> UnitResult:
    """``unit``'s results relabelled as fold ``fold``: the rehearsal's stand-in for a fold it did not train."""
    traj = unit.gate_trajectory.assign(fold=fold) if len(unit.gate_trajectory) else unit.gate_trajectory
    return UnitResult([{**r, "fold": fold} for r in unit.records], {**unit.diagnostics, "fold": fold}, traj)


def run_grid(prep: Prepared, cfg: Config, device="cpu", *, identity: bool = False,
             variants: tuple[str, ...] | None = None, jobs_dir=None, data_source: str | None = None,
             provenance: Provenance | None = None, rankings: list[dict[str, Ranking]] | None = None) -> GridResult:
    """All K x variant x fold models; units (K, fold) run in ``cfg.n_jobs`` processes.

    With ``jobs_dir`` the units are read from the files of the grid jobs (``jobs.py``, :func:`run_job`)
    instead; files computed with another config, ``data_source`` or data (``provenance``) are an
    error, and :attr:`GridResult.seconds` is then the jobs' summed time. ``rankings`` (per fold) reuses
    rankings already fitted on the same split (another model seed's grid)."""
    t0 = time.perf_counter()
    if jobs_dir:
        if identity or variants:
            raise ValueError("grid jobs hold the default grid; run identity/variants ablations in the notebook")
        res, ranks, seconds = _read_jobs(jobs_dir, cfg, data_source, provenance)
    else:
        ranks = rankings if rankings is not None else fold_rankings(prep, cfg)
        kw = dict(identity=identity, variants=variants)
        n_folds, repeats = rehearsal_runs(cfg.n_folds)    # the rehearsal trains fold 0 of each K, standing for all
        units = [(k, f) for k, f in grid_units(cfg) if f < n_folds]
        if cfg.n_jobs > 1 and repeats == 1:   # (worker processes would not log the rehearsal's repeats)
            from joblib import Parallel, delayed

            res = Parallel(n_jobs=cfg.n_jobs)(delayed(run_unit)(prep, k, f, cfg, str(device), ranks[f], **kw)
                                              for k, f in units)
        else:
            with rehearsal_repeats(repeats):
                res = [run_unit(prep, k, f, cfg, device, ranks[f], **kw) for k, f in units]
        if repeats > 1:
            first = {k: u for (k, _), u in zip(units, res)}
            res = [first[k] if f == 0 else _as_fold(first[k], f) for k, f in grid_units(cfg)]
        seconds = None
    recs = [r for unit in res for r in unit.records]
    probs = {(r["K_paper"], r["variant"], r["fold"]): r.pop("prob") for r in recs}
    hists = {(r["K_paper"], r["variant"], r["fold"]): r.pop("histories") for r in recs}
    trajs = [u.gate_trajectory for u in res if len(u.gate_trajectory)]
    return GridResult(pd.DataFrame(recs), probs, prep.y[prep.cv.test], prep.k_map, hists, asdict(cfg),
                      time.perf_counter() - t0 if seconds is None else seconds, ranks,
                      pd.DataFrame([u.diagnostics for u in res]),
                      pd.concat(trajs, ignore_index=True) if trajs else pd.DataFrame())


def model_seeds(cfg: Config) -> list[int]:
    """The model seeds of a run: ``cfg.seed`` and the next ``n_seeds - 1`` integers. Every seed uses the
    same split (drawn with ``cfg.seed`` by :func:`~omicslib.papers.p1_crossmodal.data.prepare`): only
    initialisation, shuffling, masks and dropout follow the model seed, so all models score the same
    hold-out patients and comparisons pair on them."""
    return [cfg.seed + i for i in range(cfg.n_seeds)]


def run_seeds(prep: Prepared, cfg: Config, device="cpu", *, jobs_dir=None, data_source: str | None = None,
              provenance: Provenance | None = None) -> tuple[GridResult, GridResult]:
    """The grid for every model seed (:func:`model_seeds`) on the split of ``prep``; the first seed may be
    read from grid jobs (``jobs_dir``), the others run here with the first seed's rankings. Returns
    ``(combined, first)``: all seeds (:func:`combine_seeds`) and the first seed's grid alone (audits,
    training curves)."""
    seeds = model_seeds(cfg)
    n, repeats = rehearsal_runs(len(seeds))     # the rehearsal runs the first seed, standing for all
    with rehearsal_repeats(repeats):
        first = run_grid(prep, cfg, device, jobs_dir=jobs_dir, data_source=data_source, provenance=provenance)
    runs = [first] + [run_grid(prep, replace(cfg, seed=s), device, rankings=first.rankings) for s in seeds[1:n]]
    return combine_seeds(runs + [first] * (len(seeds) - n), seeds), first


def combine_seeds(runs: list[GridResult], seeds: list[int]) -> GridResult:
    """One :class:`GridResult` of several model seeds on the same split: a ``seed`` column in the
    tables, probabilities and histories keyed ``(K, variant, fold, seed)``, the first seed's rankings
    and config, the seconds summed. Different hold-outs are an error."""
    if len(runs) != len(seeds) or not runs:
        raise ValueError(f"{len(runs)} runs for {len(seeds)} seeds")
    for r in runs[1:]:
        if not np.array_equal(r.y_test, runs[0].y_test) or r.k_map != runs[0].k_map:
            raise ValueError("the seeds' grids do not share one hold-out and K map")

    def cat(attr):
        parts = [getattr(r, attr).assign(seed=s) for r, s in zip(runs, seeds) if len(getattr(r, attr))]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    probs = {(*k, s): v for r, s in zip(runs, seeds) for k, v in r.probs.items()}
    hists = {(*k, s): v for r, s in zip(runs, seeds) for k, v in r.histories.items()}
    return GridResult(cat("folds"), probs, runs[0].y_test, runs[0].k_map, hists, runs[0].config,
                      float(sum(r.seconds for r in runs)), runs[0].rankings, cat("diagnostics"), cat("gate_trajectory"))
