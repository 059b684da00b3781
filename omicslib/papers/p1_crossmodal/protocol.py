"""p1 protocol: hold-out + 5-fold CV, three-stage cross-modal training, K x modality grid, baselines.

Protocol (paper, "Evaluation protocol"): a stratified 20 % hold-out is fixed
once; stratified 5-fold CV inside the 80 % gives five (train, validation)
pairs; each fold's model (early stopping and checkpoint choice on its
validation fold) is scored on the same hold-out; Table 4 reports the mean over
the five models (and the SD of macro-F1).

Everything fitted from data (ElasticNet ranking, mutation vocabulary, stage-3
standardisation, class weights) sees only the fold's training rows
(``ranking_scope='fold'``, the default) or the 80 % training part
(``'train80'``, the paper's wording); never hold-out rows.

The three stages per fold and K (Methods, "Training Procedure"):

1. encoders (token embedding + self-attention block per modality) trained on
   masked-feature reconstruction + auxiliary classification, the weights
   moving linearly from reconstruction to classification;
2. encoders frozen; the cross-modal blocks and gates trained on the stage-1
   embeddings with ``lambda_rec`` * ||E' - E||^2 (query tokens masked at a
   ratio scheduled 5 % -> 12 %), classification warmed up over 8 epochs and
   per-sample modality dropout;
3. the residual MLP on the flattened E', standardised with the fold's training
   rows, with input dropout, MixUp, AdamW, ReduceLROnPlateau, early stopping
   and inverse-frequency focal loss.

Stage 1 is shared by the three modality variants of the same (K, fold): the
encoders do not depend on which auxiliary modalities are fused later, and
sharing makes the modality comparison paired down to the initial weights.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from omicslib import metrics, stats
from omicslib.book import plots
from omicslib.data.metabric import SUBTYPE_NAMES, SUBTYPES  # noqa: F401 (re-exported for notebooks)
from omicslib.data.tables import Loaded
from omicslib.nn.losses.focal import focal_loss, inverse_frequency_weights
from omicslib.papers.p1_crossmodal.model import VARIANTS, CrossModalFusion, ModalityEncoder, ResidualMLP
from omicslib.papers.p1_crossmodal.selection import MutationEncoder, Ranking, TrainStandardiser, elasticnet_ranking
from omicslib.profiles import configure
from omicslib.runtime import seed_everything
from omicslib.splits import HoldoutCV, check_disjoint, holdout_kfold
from omicslib.train import fit, loader, predict

PAPER_K_GRID = (300, 500, 1000, 1500)
PAPER_VARIANTS = tuple(VARIANTS)


@dataclass(frozen=True)
class P1Config:
    """Every numerical choice of the p1 pipeline.

    The paper's Supplementary Table S1 (the numerical hyperparameters) is not
    available: values marked ``# ours`` are our choices; the others are stated
    in the paper's text.
    """

    # protocol
    k_grid: tuple[int, ...] = PAPER_K_GRID          # paper; scaled by scaled_k_grid when genes are fewer
    k_max: int | None = None                        # ours: cap the largest K (smoke runs)
    variants: tuple[str, ...] = PAPER_VARIANTS
    test_size: float = 0.2
    n_folds: int = 5
    seed: int = 0
    max_samples: int | None = None                  # ours: stratified subsample (smoke runs only)
    ranking_scope: str = "fold"                     # ours: 'fold' (fold-train rows) or 'train80'
    # feature selection
    enet_l1_ratio: float = 0.5                      # ours
    enet_C: float = 0.1                             # ours
    mut_min_count: int = 1                          # paper encodes every training combination
    # architecture (paper)
    d_model: int = 128
    n_heads: int = 4
    ffn_hidden: int = 512
    dropout: float = 0.1
    drop_path: float = 0.05
    layerscale_init: float = 1e-4
    gate_init: float = 0.0                          # ours: sigmoid(0) = 0.5
    hidden: int = 128
    # stage 1 (ours unless noted)
    s1_epochs: int = 30
    s1_lr: float = 1e-3
    s1_mask_ratio: float = 0.15
    s1_cls_start: float = 0.1                       # classification weight at the first epoch (-> 1)
    s1_rec_end: float = 0.1                         # reconstruction weight at the last epoch (from 1)
    # stage 2
    s2_epochs: int = 30                             # ours
    s2_lr: float = 5e-4                             # ours
    lambda_rec: float = 0.10                        # paper
    cls_warmup: int = 8                             # paper
    modality_dropout: float = 0.2                   # ours (paper: "positive probability")
    mask_start: float = 0.05                        # paper
    mask_end: float = 0.12                          # paper
    # stage 3 (ours unless noted)
    s3_epochs: int = 200
    s3_lr: float = 1e-3
    s3_weight_decay: float = 1e-2
    input_dropout: float = 0.2
    mixup_alpha: float = 0.2
    focal_gamma: float = 2.0
    plateau_factor: float = 0.5
    plateau_patience: int = 5
    # shared (ours)
    batch_size: int = 64
    weight_decay: float = 1e-4
    patience: int = 10                              # stages 1-2
    s3_patience: int = 20
    grad_clip: float = 1.0
    n_jobs: int = 1                                 # (K, fold) units run in parallel processes
    cpu_threads: int | None = None                  # torch CPU threads per process (None: torch default)


def profile_config(profile: str, overrides: dict | None = None) -> P1Config:
    """The config of a run profile: ``paper`` = the paper's stated values + our S1 choices;
    ``quick`` = small model and few epochs for 2 CPU cores; ``smoke`` = seconds."""
    return configure(
        P1Config(), profile, overrides,
        smoke=dict(max_samples=120, k_max=16, mut_min_count=2, d_model=8, n_heads=2, ffn_hidden=16, hidden=16,
                   s1_epochs=1, s2_epochs=1, s3_epochs=2, patience=2, s3_patience=2, batch_size=64,
                   cpu_threads=1),
        quick=dict(k_max=160, d_model=16, n_heads=2, ffn_hidden=32, hidden=64, mut_min_count=25,
                   s1_epochs=2, s2_epochs=3, s3_epochs=30, patience=3, s3_patience=6, batch_size=128,
                   s1_lr=3e-3, s2_lr=2e-3, cpu_threads=1),
        paper={},
    )


def replace_seed(cfg: P1Config, seed: int) -> P1Config:
    """The same config with another seed (splits, initialisation, shuffling all follow it)."""
    return replace(cfg, seed=seed)


def scaled_k_grid(n_available: int, paper_grid=PAPER_K_GRID, k_max: int | None = None) -> dict[int, int]:
    """Map each paper K to ours: unchanged when the data have at least max(paper_grid) genes,
    otherwise K * n / max(paper_grid) (so the largest K uses every gene). ``k_max`` caps n."""
    n = min(n_available, k_max) if k_max else n_available
    top = max(paper_grid)
    if n >= top:
        return {k: k for k in paper_grid}
    out = {k: max(2, int(round(k * n / top))) for k in paper_grid}
    if len(set(out.values())) < len(out):
        raise ValueError(f"only {n} features: the K grid {paper_grid} collapses to {out}")
    return out


# ------------------------------------------------------------------------------ data preparation

def load_data(data_source: str = "auto", n_synthetic: int = 240, seed: int = 0) -> Loaded:
    """p1's tables (exp, cna, mutations as sample/gene/variant_classification) and labels:
    METABRIC (``auto``/``full``/``real-subset``, see :func:`omicslib.data.metabric.load`) or
    ``synthetic`` (omicslib.data.synthetic, provenance synthetic)."""
    if data_source != "synthetic":
        from omicslib.data import metabric

        return metabric.load(data_source)
    from omicslib.data import synthetic

    syn = synthetic.multiomics(n=n_synthetic, classes=SUBTYPES, n_genes=120, seed=seed)
    m = syn["mutations"].rename(columns={"Tumor_Sample_Barcode": "sample", "Hugo_Symbol": "gene",
                                         "Variant_Classification": "variant_classification"})
    return Loaded({"exp": syn["expression"], "cna": syn["cna"], "mutations": m}, syn.provenance,
                  labels=syn.labels.rename("subtype"), report=["synthetic data: not a reproduction"])


@dataclass
class Prepared:
    """Encoded data and the fixed splits of one run."""

    exp: pd.DataFrame
    cna: pd.DataFrame
    mutations: pd.DataFrame
    y: np.ndarray                                   # class codes 0..3 in SUBTYPES order
    samples: pd.Index
    cv: HoldoutCV
    k_map: dict[int, int]                           # paper K -> our K
    classes: tuple[str, ...] = SUBTYPES
    report: list[str] = field(default_factory=list)


def prepare(data: Loaded, cfg: P1Config) -> Prepared:
    """Encode labels, optionally subsample (smoke), draw the hold-out and the 5 folds once."""
    y_all = data.labels
    bad = set(y_all.unique()) - set(SUBTYPES)
    if bad:
        raise ValueError(f"labels outside {SUBTYPES}: {sorted(bad)}")
    samples = y_all.index
    report = []
    if cfg.max_samples and cfg.max_samples < len(samples):
        from sklearn.model_selection import train_test_split

        samples, _ = train_test_split(samples, train_size=cfg.max_samples, stratify=y_all.to_numpy(),
                                      random_state=cfg.seed)
        samples = pd.Index(sorted(samples))
        report.append(f"smoke subsample: {len(samples)} of {len(y_all)} samples")
    y = y_all.loc[samples].map({c: i for i, c in enumerate(SUBTYPES)}).to_numpy()
    cv = holdout_kfold(y, cfg.test_size, cfg.n_folds, cfg.seed)
    for tr, va in cv.folds:
        check_disjoint(tr, va, cv.test)
    exp, cna = data["exp"].loc[samples], data["cna"].loc[samples]
    muts = data["mutations"][data["mutations"]["sample"].isin(samples)]
    return Prepared(exp, cna, muts, y, samples, cv, scaled_k_grid(exp.shape[1], cfg.k_grid, cfg.k_max),
                    report=report)


@dataclass
class FoldFeatures:
    """Top-K features of one (K, fold), selected on ``fit_rows`` only."""

    exp_genes: list[str]
    cna_genes: list[str]
    mut_features: list[str]
    X: dict[str, np.ndarray]                        # 'exp', 'cna', 'mut': all samples, selected columns


def rank_modalities(prep: Prepared, rows, cfg: P1Config) -> dict[str, Ranking]:
    """ElasticNet rankings of EXP and CNA fitted on ``rows`` (positions) only."""
    kw = dict(l1_ratio=cfg.enet_l1_ratio, C=cfg.enet_C, seed=cfg.seed)
    return {"exp": elasticnet_ranking(prep.exp, prep.y, rows, **kw),
            "cna": elasticnet_ranking(prep.cna, prep.y, rows, **kw)}


def fold_rankings(prep: Prepared, cfg: P1Config) -> list[dict[str, Ranking]]:
    """The rankings each fold uses: fitted on that fold's training rows (``ranking_scope='fold'``)
    or once on the 80 % training part (``'train80'``)."""
    if cfg.ranking_scope not in {"fold", "train80"}:
        raise ValueError(f"ranking_scope must be 'fold' or 'train80', got {cfg.ranking_scope!r}")
    if cfg.ranking_scope == "train80":
        return [rank_modalities(prep, prep.cv.train, cfg)] * len(prep.cv.folds)
    return [rank_modalities(prep, tr, cfg) for tr, _ in prep.cv.folds]


def fold_features(prep: Prepared, rankings: dict[str, Ranking], k: int, fit_rows, cfg: P1Config) -> FoldFeatures:
    """Top-K EXP and CNA columns (CNA capped at its gene count) + the mutation multi-hot whose
    vocabulary comes from ``fit_rows``."""
    eg, cg = rankings["exp"].top(k), rankings["cna"].top(k)
    enc = MutationEncoder(cfg.mut_min_count).fit(prep.mutations, prep.samples[np.asarray(fit_rows)])
    if not enc.features_:
        raise ValueError(f"no Gene+Variant_Classification combination occurs in >= {cfg.mut_min_count} training "
                         "samples; lower mut_min_count")
    mut = enc.transform(prep.mutations, prep.samples)
    X = {"exp": prep.exp[eg].to_numpy(np.float32), "cna": prep.cna[cg].to_numpy(np.float32),
         "mut": mut.to_numpy(np.float32)}
    return FoldFeatures(eg, cg, enc.features_, X)


# ------------------------------------------------------------------------------ the three stages

def _linear_weights(t: float, cfg: P1Config) -> tuple[float, float]:
    """Stage-1 (reconstruction, classification) weights at progress t in [0, 1]."""
    return 1 - (1 - cfg.s1_rec_end) * t, cfg.s1_cls_start + (1 - cfg.s1_cls_start) * t


def _random_mask(shape, ratio: float, device, generator=None) -> torch.Tensor:
    return torch.rand(shape, generator=generator).to(device) < ratio


class _Encoders(nn.Module):
    def __init__(self, cfg: P1Config, modalities, n_classes):
        super().__init__()
        kw = dict(d_model=cfg.d_model, n_heads=cfg.n_heads, ffn_hidden=cfg.ffn_hidden, dropout=cfg.dropout,
                  drop_path=cfg.drop_path, layerscale_init=cfg.layerscale_init, n_classes=n_classes)
        self.enc = nn.ModuleDict({m: ModalityEncoder(**kw) for m in modalities})


def stage1(X: dict[str, np.ndarray], y, tr, va, cfg: P1Config, modalities, device, seed: int):
    """Masked-feature reconstruction + auxiliary classification for every modality encoder."""
    n_classes = int(max(y)) + 1
    model = _Encoders(cfg, modalities, n_classes)
    state = {"t": 0.0}

    def step(m: _Encoders, batch):
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
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.s1_lr, weight_decay=cfg.weight_decay)
    epochs = cfg.s1_epochs
    hist = fit(model, tl, vl, loss_step=step, optimizer=opt, epochs=epochs, patience=cfg.patience, device=device,
               grad_clip=cfg.grad_clip, on_epoch_start=lambda e: state.update(t=e / max(epochs - 1, 1)))
    return model, hist


@torch.no_grad()
def embed(model: _Encoders, X: dict[str, np.ndarray], modalities, device, batch_size: int = 256) -> dict[str, torch.Tensor]:
    """Stage-1 token embeddings of every sample (eval mode, nothing masked), on CPU."""
    model.to(device).eval()
    out = {}
    for m in modalities:
        x = torch.as_tensor(X[m])
        out[m] = torch.cat([model.enc[m](x[i:i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)])
    return out


def stage2(emb: dict[str, torch.Tensor], y, tr, va, cfg: P1Config, variant: str, device, seed: int):
    """Cross-modal enrichment on frozen stage-1 embeddings."""
    ctx_names = VARIANTS[variant]
    fusion = CrossModalFusion(cfg.d_model, cfg.n_heads, cfg.ffn_hidden, cfg.dropout, cfg.drop_path,
                              cfg.layerscale_init, int(max(y)) + 1, variant, cfg.gate_init)
    state = {"epoch": 0}
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
    opt = torch.optim.AdamW(fusion.parameters(), lr=cfg.s2_lr, weight_decay=cfg.weight_decay)
    hist = fit(fusion, tl, vl, loss_step=step, optimizer=opt, epochs=epochs, patience=cfg.patience,
               device=device, grad_clip=cfg.grad_clip, on_epoch_start=lambda e: state.update(epoch=e))
    return fusion, hist


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


def stage3(Z: np.ndarray, y, tr, va, test, cfg: P1Config, device, seed: int, n_classes: int):
    """Residual MLP on standardised flattened embeddings; returns hold-out probabilities and history."""
    std = TrainStandardiser().fit(Z, tr)
    Zs = std.transform(Z)
    model = ResidualMLP(Z.shape[1], n_classes, cfg.hidden, cfg.hidden // 2, input_dropout=cfg.input_dropout)
    alpha = inverse_frequency_weights(y[tr], n_classes)
    yt = torch.as_tensor(y)
    tl = loader([torch.as_tensor(Zs[tr]), yt[tr]], cfg.batch_size, shuffle=True, seed=seed, drop_last=len(tr) > cfg.batch_size)
    vl = loader([torch.as_tensor(Zs[va]), yt[va]], 256)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.s3_lr, weight_decay=cfg.s3_weight_decay)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=cfg.plateau_factor, patience=cfg.plateau_patience)
    hist = fit(model, tl, vl, loss_step=mixup_focal_step(alpha, cfg.focal_gamma, cfg.mixup_alpha), optimizer=opt,
               epochs=cfg.s3_epochs, scheduler=sched, patience=cfg.s3_patience, device=device, grad_clip=cfg.grad_clip)
    logits = predict(model, loader([torch.as_tensor(Zs[test]), yt[test]], 256), device)
    return torch.softmax(torch.as_tensor(logits), 1).numpy(), hist, std


def scores(y_true, prob, n_classes: int = 4) -> dict[str, float]:
    """Table-4 metrics of one model on the hold-out (omicslib.metrics)."""
    pred = prob.argmax(1)
    r = metrics.classification_report(y_true, pred, prob, labels=np.arange(n_classes))
    return {k: r[k] for k in ("accuracy", "precision_weighted", "recall_weighted", "f1_weighted",
                              "precision_macro", "recall_macro", "f1_macro", "roc_auc")}


# ------------------------------------------------------------------------------ one (K, fold) unit

def run_unit(prep: Prepared, k_paper: int, fold: int, cfg: P1Config, device="cpu",
             rankings: dict[str, Ranking] | None = None) -> list[dict]:
    """Train stage 1 once, then stages 2-3 for every variant, for one K and one fold.

    Returns one record per variant: metrics on the hold-out, gates, hold-out
    probabilities, feature counts, stage histories and seconds (stage 1 is
    counted with the first variant).
    """
    if cfg.n_jobs > 1 or cfg.cpu_threads:
        torch.set_num_threads(cfg.cpu_threads or 1)
    k = prep.k_map[k_paper]
    tr, va = prep.cv.folds[fold]
    test = prep.cv.test
    seed = cfg.seed * 100_000 + k_paper * 10 + fold
    seed_everything(seed)
    t0 = time.perf_counter()
    fit_rows = tr if cfg.ranking_scope == "fold" else prep.cv.train
    if rankings is None:
        rankings = rank_modalities(prep, fit_rows, cfg)
    feats = fold_features(prep, rankings, k, fit_rows, cfg)
    needed = ["exp"] + sorted({c for v in cfg.variants for c in VARIANTS[v]})
    enc, h1 = stage1(feats.X, prep.y, tr, va, cfg, needed, device, seed)
    emb = embed(enc, feats.X, needed, device)
    s1_seconds = time.perf_counter() - t0
    out = []
    for variant in cfg.variants:
        seed_everything(seed + 7 * (1 + PAPER_VARIANTS.index(variant)))
        tv = time.perf_counter()
        fusion, h2 = (None, None) if variant == "EXP" else stage2(emb, prep.y, tr, va, cfg, variant, device, seed)
        Z = enrich(fusion, emb, device)
        prob, h3, _ = stage3(Z, prep.y, tr, va, test, cfg, device, seed, len(prep.classes))
        gates = fusion.gates() if fusion else {}
        out.append({
            "K_paper": k_paper, "K": k, "K_cna": len(feats.cna_genes), "n_mut": len(feats.mut_features),
            "variant": variant, "fold": fold, **scores(prep.y[test], prob, len(prep.classes)),
            "gate_cna": gates.get("cna", np.nan), "gate_mut": gates.get("mut", np.nan),
            "prob": prob, "histories": {"stage1": h1.to_frame(), "stage2": None if h2 is None else h2.to_frame(),
                                        "stage3": h3.to_frame()},
            "seconds": time.perf_counter() - tv + (s1_seconds if variant == cfg.variants[0] else 0.0),
        })
    return out


@dataclass
class GridResult:
    """Per-fold records of the grid (:attr:`folds`: one row per K x variant x fold) plus hold-out
    truths and probabilities for confusion matrices."""

    folds: pd.DataFrame
    probs: dict[tuple[int, str, int], np.ndarray]
    y_test: np.ndarray
    k_map: dict[int, int]
    histories: dict[tuple[int, str, int], dict]
    config: dict
    seconds: float
    rankings: list[dict[str, Ranking]] = field(default_factory=list)   # per fold, as used


def run_grid(prep: Prepared, cfg: P1Config, device="cpu") -> GridResult:
    """All K x variant x fold models; units (K, fold) run in ``cfg.n_jobs`` processes."""
    t0 = time.perf_counter()
    units = [(k, f) for k in cfg.k_grid for f in range(cfg.n_folds)]
    ranks = fold_rankings(prep, cfg)
    if cfg.n_jobs > 1:
        from joblib import Parallel, delayed

        res = Parallel(n_jobs=cfg.n_jobs)(delayed(run_unit)(prep, k, f, cfg, str(device), ranks[f]) for k, f in units)
    else:
        res = [run_unit(prep, k, f, cfg, device, ranks[f]) for k, f in units]
    recs = [r for unit in res for r in unit]
    probs = {(r["K_paper"], r["variant"], r["fold"]): r.pop("prob") for r in recs}
    hists = {(r["K_paper"], r["variant"], r["fold"]): r.pop("histories") for r in recs}
    return GridResult(pd.DataFrame(recs), probs, prep.y[prep.cv.test], prep.k_map, hists, asdict(cfg),
                      time.perf_counter() - t0, ranks)


# ------------------------------------------------------------------------------ tables

METRICS = ("accuracy", "precision_weighted", "recall_weighted", "f1_weighted",
           "precision_macro", "recall_macro", "f1_macro", "roc_auc")

#: Table 4 of the paper: (K, variant) -> Acc, Pre, Rec, F1w, macro Pre, Rec, F1, ROC AUC.
PAPER_TABLE4 = {
    (300, "EXP"): (0.8472, 0.8582, 0.8472, 0.8501, 0.8336, 0.8534, 0.8402, 0.9663),
    (300, "EXP+CNA"): (0.8400, 0.8501, 0.8400, 0.8428, 0.8233, 0.8439, 0.8306, 0.9642),
    (300, "EXP+CNA+MUT"): (0.8623, 0.8705, 0.8623, 0.8645, 0.8488, 0.8669, 0.8551, 0.9684),
    (500, "EXP"): (0.8518, 0.8596, 0.8518, 0.8538, 0.8360, 0.8595, 0.8451, 0.9633),
    (500, "EXP+CNA"): (0.8518, 0.8599, 0.8518, 0.8537, 0.8370, 0.8622, 0.8469, 0.9664),
    (500, "EXP+CNA+MUT"): (0.8557, 0.8637, 0.8557, 0.8578, 0.8461, 0.8628, 0.8519, 0.9674),
    (1000, "EXP"): (0.8682, 0.8727, 0.8682, 0.8694, 0.8535, 0.8654, 0.8580, 0.9680),
    (1000, "EXP+CNA"): (0.8656, 0.8727, 0.8656, 0.8677, 0.8548, 0.8671, 0.8589, 0.9691),
    (1000, "EXP+CNA+MUT"): (0.8577, 0.8619, 0.8577, 0.8590, 0.8477, 0.8551, 0.8502, 0.9669),
    (1500, "EXP"): (0.8511, 0.8550, 0.8511, 0.8524, 0.8443, 0.8485, 0.8453, 0.9649),
    (1500, "EXP+CNA"): (0.8584, 0.8631, 0.8584, 0.8598, 0.8516, 0.8610, 0.8549, 0.9682),
    (1500, "EXP+CNA+MUT"): (0.8544, 0.8586, 0.8544, 0.8558, 0.8495, 0.8533, 0.8503, 0.9665),
}
PAPER_TABLE1 = {"LumA": 662, "LumB": 449, "Her2": 214, "Basal": 198}
PAPER_TABLE2 = ("KRT17 KRT14 SLC39A6 COL17A1 SFRP1 KRT6B FGFR4 ELP2 TYMSOS CLDN11 KRT5 PBK LDLRAD4 ESR1 "
                "NKX2-1 CALML3 FADS2 TUBB1 AXIN2 ERBB2").split()
PAPER_TABLE2_COEF = (0.04600026, 0.039189994, 0.038983226, 0.03479651, 0.03312954, 0.03296845, 0.03000498,
                     0.02835113, 0.025144786, 0.023658585, 0.022679463, 0.02123858, 0.020831855, 0.020572215,
                     0.01995619, 0.019574217, 0.019254878, 0.019099653, 0.019011276, 0.018967364)
PAPER_TABLE3 = ("PPP1R1B TCAP PNMT GRB7 STARD3 PGAP3 ERBB2 MIEN1 MIR4728 CTNNA2 NEUROD2 SH3RF3 SHANK2-AS1 MED1 "
                "CDK12 DEFB108B FBXL20 ZNF92 MUC16 STRN3").split()
PAPER_TABLE3_COEF = (0.012399, 0.012062, 0.012062, 0.011504, 0.011289, 0.011123, 0.011042, 0.011042, 0.011042,
                     0.010845, 0.00982, 0.009491, 0.009424, 0.009093, 0.008316, 0.008201, 0.007518, 0.007361,
                     0.007319, 0.007299)
#: Table 6 (K=1000 EXP+CNA, five checkpoints pooled): precision, recall, F1, support.
PAPER_TABLE6 = {"Basal": (0.9536, 0.9150, 0.9338, 200), "Her2": (0.6978, 0.8326, 0.7587, 215),
                "LumA": (0.9262, 0.8742, 0.8994, 660), "LumB": (0.8417, 0.8467, 0.8438, 450),
                "macro avg": (0.8548, 0.8671, 0.8589, 1525)}
#: Figure 6 confusion matrix (rows true, columns predicted; order Basal, Her2, LumA, LumB).
#: Rows/columns of the paper's Figure 6 (and of every confusion matrix we draw beside it).
CONFUSION_ORDER = ["Basal", "Her2", "LumA", "LumB"]
PAPER_CONFUSION = np.array([[183, 17, 0, 0], [4, 179, 10, 22], [4, 29, 577, 50], [1, 32, 36, 381]])
#: Table 5: (family, comparison) -> (delta, p_t, p_wilcoxon).
PAPER_TABLE5 = [
    ("Modality (K=300)", "EXP+CNA+MUT vs EXP+CNA", 0.0246, 0.096, 0.125),
    ("Modality (K=1000)", "EXP+CNA+MUT vs EXP+CNA", -0.0087, 0.091, 0.313),
    ("Cross-K (EXP+CNA)", "K=500 vs K=300", 0.0163, 0.012, 0.063),
    ("Cross-K (EXP+CNA)", "K=1000 vs K=300", 0.0284, 0.036, 0.063),
    ("Cross-K (EXP+CNA+MUT)", "K=1000 vs K=300", -0.0050, 0.473, 0.813),
    ("Pooled (n=15)", "K=1000 vs K=300", 0.0137, 0.030, 0.031),
    ("Pooled (n=15)", "K=1000 vs K=500", 0.0077, 0.204, 0.244),
]
#: Table 7 literature rows: method, modalities, dataset, macro-F1, weighted F1, accuracy (None = N/A).
PAPER_TABLE7 = [
    ("DeepMO", "EXP+CNA+Meth", "TCGA (5 cls)", None, None, 0.782),
    ("Islam et al.", "EXP+CNA", "METABRIC (5 cls)", None, None, 0.792),
    ("moBRCA-net", "EXP+Meth+miRNA", "TCGA (5 cls)", None, 0.887, 0.891),
    ("MOGAT", "Multi-omics (8)", "TCGA, METABRIC (5 cls)", 0.804, None, None),
    ("MoGCN", "EXP+CNV+RPPA+Clin", "TCGA (4 cls)", 0.90, 0.90, 0.89),
    ("Proposed (paper)", "EXP+CNA", "METABRIC (4 cls)", 0.8589, 0.8677, 0.8656),
]


def table4(folds: pd.DataFrame) -> pd.DataFrame:
    """Mean of each metric over the fold models per (K, variant), with the SD of macro-F1."""
    g = folds.groupby(["K_paper", "K", "variant"], sort=False)
    out = g[list(METRICS)].mean()
    out["f1_macro_sd"] = g["f1_macro"].std(ddof=1)
    out["n_models"] = g.size()
    return out.reset_index()


def table4_rows(t4: pd.DataFrame, k_note: str) -> list[dict]:
    """Paper-vs-ours rows (run.compare format) for Table 4."""
    rows = []
    for _, r in t4.iterrows():
        paper = PAPER_TABLE4.get((int(r["K_paper"]), r["variant"]))
        for i, m in enumerate(METRICS):
            rows.append({"item": f"K={int(r['K_paper'])} (ours K={int(r['K'])}) {r['variant']}", "metric": m,
                         "paper": None if paper is None else paper[i], "ours": r[m],
                         "ours_sd": r["f1_macro_sd"] if m == "f1_macro" else None, "note": k_note})
    return rows


def per_fold_f1(folds: pd.DataFrame, k_paper: int, variant: str) -> np.ndarray:
    sub = folds[(folds["K_paper"] == k_paper) & (folds["variant"] == variant)].sort_values("fold")
    return sub["f1_macro"].to_numpy()


def _safe(fn, *a):
    try:
        return fn(*a)
    except ValueError:  # identical samples (all differences zero) or too few values
        return None


def table5(folds: pd.DataFrame, k_grid=PAPER_K_GRID) -> pd.DataFrame:
    """Paired tests on per-fold macro-F1 (the rows of the paper's Table 5), with the paper's values."""
    lo, mid, hi = k_grid[0], k_grid[1], k_grid[2] if len(k_grid) > 2 else k_grid[-1]

    def pooled(k):
        return np.concatenate([per_fold_f1(folds, k, v) for v in PAPER_VARIANTS])

    pairs = {
        ("Modality (K=300)", "EXP+CNA+MUT vs EXP+CNA"): (per_fold_f1(folds, lo, "EXP+CNA+MUT"), per_fold_f1(folds, lo, "EXP+CNA")),
        ("Modality (K=1000)", "EXP+CNA+MUT vs EXP+CNA"): (per_fold_f1(folds, hi, "EXP+CNA+MUT"), per_fold_f1(folds, hi, "EXP+CNA")),
        ("Cross-K (EXP+CNA)", "K=500 vs K=300"): (per_fold_f1(folds, mid, "EXP+CNA"), per_fold_f1(folds, lo, "EXP+CNA")),
        ("Cross-K (EXP+CNA)", "K=1000 vs K=300"): (per_fold_f1(folds, hi, "EXP+CNA"), per_fold_f1(folds, lo, "EXP+CNA")),
        ("Cross-K (EXP+CNA+MUT)", "K=1000 vs K=300"): (per_fold_f1(folds, hi, "EXP+CNA+MUT"), per_fold_f1(folds, lo, "EXP+CNA+MUT")),
        ("Pooled (n=15)", "K=1000 vs K=300"): (pooled(hi), pooled(lo)),
        ("Pooled (n=15)", "K=1000 vs K=500"): (pooled(hi), pooled(mid)),
    }
    rows = []
    for fam, comp, d, pt, pw in PAPER_TABLE5:
        a, b = pairs[(fam, comp)]
        t, w = _safe(stats.paired_t, a, b), _safe(stats.wilcoxon, a, b)
        rows.append({"family": fam, "comparison": comp, "n": len(a), "delta": float(np.mean(a - b)) if len(a) else np.nan,
                     "sd_diff": float(np.std(a - b, ddof=1)) if len(a) > 1 else np.nan,
                     "p_t": t.pvalue if t else np.nan, "p_wilcoxon": w.pvalue if w else np.nan,
                     "paper_delta": d, "paper_p_t": pt, "paper_p_wilcoxon": pw})
    return pd.DataFrame(rows)


def ranking_scope_effect(result: GridResult, prep: Prepared, cfg: P1Config, k_paper: int, variant: str,
                         device="cpu"):
    """Audit: ElasticNet ranking fitted on each fold's training rows (ours, the grid ``result``) vs once
    on the whole 80 % training part (the paper's wording, which lets each validation fold take part in
    its own feature selection; the mutation vocabulary follows the same scope). The train80 arm reruns
    the grid at one K with the grid's variants, seeds and folds (a unit's seed depends only on the
    seed, K and fold, and stage 1 is trained for the same modalities), so the paired per-fold
    difference isolates the ranking scope.

    Returns ``(per_fold, summary)``: per-fold hold-out macro-F1 of both arms and the share of top-K
    expression genes the two rankings have in common; a :func:`omicslib.stats.paired_comparison`
    of train80 vs fold.
    """
    if cfg.ranking_scope != "fold":
        raise ValueError(f"the grid must use ranking_scope='fold' for this audit, got {cfg.ranking_scope!r}")
    other = run_grid(prep, replace(cfg, k_grid=(k_paper,), ranking_scope="train80"), device)
    ours, theirs = per_fold_f1(result.folds, k_paper, variant), per_fold_f1(other.folds, k_paper, variant)
    k = prep.k_map[k_paper]
    top80 = set(other.rankings[0]["exp"].top(k))
    per_fold = pd.DataFrame({
        "fold": range(len(ours)),
        "f1_macro_fold_scope": ours,
        "f1_macro_train80_scope": theirs,
        "exp_top_k_shared": [len(top80 & set(r["exp"].top(k))) / k for r in result.rankings],
    })
    return per_fold, stats.paired_comparison(theirs, ours)


def text_statistics(folds: pd.DataFrame, k_grid=PAPER_K_GRID) -> list[dict]:
    """The statistics quoted in the paper's Results text (Friedman, pooled deltas, Holm), as
    run.compare rows: item, metric, paper, ours."""
    rows = []
    for v, chi, p in (("EXP+CNA", 7.08, 0.069), ("EXP+CNA+MUT", 0.12, 0.99)):
        r = _safe(stats.friedman, *[per_fold_f1(folds, k, v) for k in k_grid])
        rows += [{"item": f"Friedman across K ({v})", "metric": "chi2", "paper": chi, "ours": r.statistic if r else np.nan},
                 {"item": f"Friedman across K ({v})", "metric": "p", "paper": p, "ours": r.pvalue if r else np.nan}]
    pooled = {k: np.concatenate([per_fold_f1(folds, k, v) for v in PAPER_VARIANTS]) for k in k_grid}
    r = _safe(stats.friedman, *pooled.values())
    rows += [{"item": "Friedman across K (pooled n=15)", "metric": "chi2", "paper": 6.84, "ours": r.statistic if r else np.nan},
             {"item": "Friedman across K (pooled n=15)", "metric": "p", "paper": 0.077, "ours": r.pvalue if r else np.nan}]
    k300, k500, k1000, k1500 = k_grid[:4]
    for (a, b), (d, p) in {(k1000, k500): (0.008, 0.20), (k1500, k1000): (-0.006, 0.25)}.items():
        t = _safe(stats.paired_t, pooled[a], pooled[b])
        name = f"Pooled K={a} vs K={b}"
        rows += [{"item": name, "metric": "delta", "paper": d, "ours": float(np.mean(pooled[a] - pooled[b]))},
                 {"item": name, "metric": "p (t-test)", "paper": p, "ours": t.pvalue if t else np.nan}]
    raw = [_safe(stats.paired_t, pooled[k1000], pooled[k]) for k in (k300, k500, k1500)]
    ps = np.array([r.pvalue if r else np.nan for r in raw])
    adj = np.full(3, np.nan)
    if np.all(np.isfinite(ps)):
        adj = stats.holm(ps)
    for k, paper_adj, a in zip((k300, k500, k1500), (0.089, 0.41, 0.25), adj):
        rows.append({"item": f"Pooled K=1000 vs K={k} (paper grid)", "metric": "p Holm", "paper": paper_adj, "ours": a})
    return rows


def per_subtype(result: GridResult, k_paper: int, variant: str, classes=SUBTYPES):
    """Table 6 and Figure 6: per-class metrics and the confusion matrix summed over the fold models'
    hold-out predictions (n_folds x n_test predictions)."""
    keys = sorted(k for k in result.probs if k[0] == k_paper and k[1] == variant)
    if not keys:
        raise KeyError(f"no results for K={k_paper} {variant}")
    y = np.concatenate([result.y_test] * len(keys))
    pred = np.concatenate([result.probs[k].argmax(1) for k in keys])
    names = np.asarray(classes)
    pc = metrics.per_class(names[y], names[pred], labels=list(classes))
    cm = metrics.confusion(names[y], names[pred], labels=list(classes))
    return pc, cm


def config_figure(result: GridResult, k_paper: int, variant: str, ax=None):
    """Confusion matrix of one (K, variant), five checkpoints pooled, titled with its macro-F1
    (mean ± SD over the fold models): the view the p1 explorer and its static grid show."""
    _, cm = per_subtype(result, k_paper, variant)
    f1 = per_fold_f1(result.folds, k_paper, variant)
    sd = f1.std(ddof=1) if f1.size > 1 else 0.0
    title = f"K={k_paper} (ours {result.k_map[k_paper]}) {variant}\nmacro-F1 {f1.mean():.3f} ± {sd:.3f}"
    return plots.confusion_heatmap(cm.loc[CONFUSION_ORDER, CONFUSION_ORDER], ax=ax, title=title)


def config_grid(result: GridResult):
    """Static companion of the explorer: :func:`config_figure` for every K (rows) x variant (columns)."""
    ks, vs = list(result.k_map), [v for v in PAPER_VARIANTS if (result.folds["variant"] == v).any()]
    fig, axes = plt.subplots(len(ks), len(vs), figsize=(3.6 * len(vs), 3.4 * len(ks)), squeeze=False)
    for i, k in enumerate(ks):
        for j, v in enumerate(vs):
            config_figure(result, k, v, ax=axes[i, j])
            axes[i, j].title.set_fontsize(9)
    fig.tight_layout()
    return fig


def gates_table(folds: pd.DataFrame) -> pd.DataFrame:
    """Learned gates sigmoid(a) (CNA) and sigmoid(b) (MUT): mean and SD over folds per (K, variant)."""
    sub = folds[folds["variant"] != "EXP"]
    g = sub.groupby(["K_paper", "K", "variant"], sort=False)[["gate_cna", "gate_mut"]]
    return g.agg(["mean", "std"]).reset_index()


# ------------------------------------------------------------------------------ baselines (Table 7)

def pam50_nearest_centroid(exp: pd.DataFrame, centroids: pd.DataFrame, classes=SUBTYPES):
    """Spearman nearest-centroid PAM50 call restricted to the genes present; returns (pred codes,
    softmax(10 * rho) scores, genes used)."""
    genes = [g for g in centroids.index if g in exp.columns]
    if len(genes) < 3:
        raise ValueError(f"only {len(genes)} PAM50 genes present; need >= 3")
    cen = centroids.loc[genes, list(classes)]
    from scipy.stats import spearmanr

    rho = np.array([[spearmanr(row, cen[c]).statistic for c in classes] for row in exp[genes].to_numpy()])
    rho = np.nan_to_num(rho)
    sc = np.exp(10 * rho)
    return rho.argmax(1), sc / sc.sum(1, keepdims=True), genes


def baselines(prep: Prepared, k_paper: int, cfg: P1Config, device="cpu", centroids: pd.DataFrame | None = None,
              rankings: list[dict[str, Ranking]] | None = None) -> pd.DataFrame:
    """Baselines on the same hold-out and folds as the grid: ElasticNet LR on the same top-K
    (EXP + CNA), an early-fusion residual MLP on raw EXP + CNA + MUT (the same classifier head as
    stage 3, without attention), and PAM50 nearest centroid (no training) where genes exist."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    k = prep.k_map[k_paper]
    test = prep.cv.test
    rankings = rankings or fold_rankings(prep, cfg)
    rows = []
    for fold, (tr, va) in enumerate(prep.cv.folds):
        seed = cfg.seed * 100_000 + k_paper * 10 + fold
        seed_everything(seed)
        fit_rows = tr if cfg.ranking_scope == "fold" else prep.cv.train
        feats = fold_features(prep, rankings[fold], k, fit_rows, cfg)
        Xec = np.hstack([feats.X["exp"], feats.X["cna"]])
        sc = StandardScaler().fit(Xec[tr])
        lr = LogisticRegression(solver="saga", l1_ratio=cfg.enet_l1_ratio, C=cfg.enet_C,
                                max_iter=2000, tol=1e-3, random_state=seed).fit(sc.transform(Xec[tr]), prep.y[tr])
        rows.append({"method": "ElasticNet LR (EXP+CNA top-K)", "fold": fold,
                     **scores(prep.y[test], lr.predict_proba(sc.transform(Xec[test])), len(prep.classes))})
        Xall = np.hstack([Xec, feats.X["mut"]])
        prob, _, _ = stage3(Xall, prep.y, tr, va, test, cfg, device, seed, len(prep.classes))
        rows.append({"method": "Early-fusion MLP (EXP+CNA+MUT raw)", "fold": fold,
                     **scores(prep.y[test], prob, len(prep.classes))})
    if centroids is not None:
        try:
            pred, prob, genes = pam50_nearest_centroid(prep.exp.iloc[test], centroids, prep.classes)
            rows.append({"method": f"PAM50 nearest centroid ({len(genes)}/50 genes)", "fold": 0,
                         **scores(prep.y[test], prob, len(prep.classes))})
        except ValueError:
            pass
    return pd.DataFrame(rows)
