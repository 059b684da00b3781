"""p2 protocol: Luminal (0) vs Basal/Her2 (1) with a gene MLP, a patch-bag image model and three
fusions, under stratified 5-fold cross-validation.

Per fold: the expression pipeline (:mod:`omicslib.preprocess`) is fitted on the training part only;
early stopping watches an inner stratified validation split of the training fold, never the
scored fold; one :func:`omicslib.train.fit` call per model. The switches ``stratified``,
``prep_fit`` and ``early_stop_on`` reproduce the authors' code for the audit.

* :func:`tcga_binary` — real TCGA-BRCA expression with PAM50, binarised (Normal dropped).
* :func:`synthetic_paired` — synthetic (genes, 35 x 2048 bag, label) cohorts; labelled synthetic.
* :func:`cross_validate` — one model through the CV; :class:`CVResult` holds per-fold metrics,
  confusion matrices, training histories and out-of-fold probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import KFold, train_test_split

from omicslib import metrics
from omicslib.book.provenance import Provenance
from omicslib.book.provenance import synthetic as synthetic_provenance
from omicslib.data import synthetic
from omicslib.papers.p2_fusion.model import build, late_fusion_loss
from omicslib.papers.p2_fusion.preprocess import expression_pipeline
from omicslib.profiles import configure
from omicslib.runtime import seed_everything
from omicslib.splits import check_disjoint, stratified_kfold
from omicslib.train import fit, loader, predict, supervised

LABELS = {"LumA": 0, "LumB": 0, "Basal": 1, "Her2": 1}
CLASS_NAMES = ("Luminal", "Basal/Her2")
METRICS = ("f1", "mcc", "pr_auc", "accuracy")

#: The paper's numbers (§3): F1 and PR-AUC per model; ablations as relative drops.
PAPER = {
    "gene": {"f1": 0.8197, "pr_auc": 0.9435},
    "image": {"f1": 0.1780, "pr_auc": 0.3656},
    "cross_attention": {"f1": 0.9379, "pr_auc": 0.9948},
    "concat": {"f1": 0.8960, "pr_auc": 0.9684},
    "late": {},
}
PAPER_ABLATIONS = {"no_image_accuracy": -0.12, "no_cross_attention_pr_auc": -0.05}


@dataclass(frozen=True)
class Config:
    """Training settings. ``paper``: Adam 1e-5, batch 8, up to 50 epochs, patience 5, 5 folds (the
    authors' code); L2 1e-4 on dense kernels is approximated by Adam weight decay."""

    n_splits: int = 5
    epochs: int = 50
    patience: int = 5
    batch_size: int = 8
    lr: float = 1e-5
    weight_decay: float = 1e-4
    hidden: int = 512
    dim: int = 256
    dropout: float = 0.5
    heads: int = 8
    val_size: float = 0.2
    impute: str = "mean"
    iqr_k: float | None = 1.5
    threshold: float = 0.5
    seed: int = 0
    # audit switches; the defaults are the paper's protocol done correctly
    stratified: bool = True          # False: KFold(shuffle=True) as the authors' code
    prep_fit: str = "fold"           # "all": preprocessing fitted on every patient before CV (leak)
    early_stop_on: str = "inner"     # "test": early stopping on the scored fold (authors' code)

    def model_kw(self, name: str) -> dict:
        kw = {"hidden": self.hidden, "dim": self.dim, "dropout": self.dropout}
        if name == "cross_attention":
            kw["heads"] = self.heads
        return kw


def config(profile: str, **overrides) -> Config:
    """Config for a profile. ``quick``: lr 1e-3 (1e-5 needs hundreds of epochs on CPU), batch 16,
    <= 30 epochs, patience 6, narrower layers (256/128); ``smoke``: 2 folds x 2 epochs."""
    return configure(
        Config(), profile, overrides,
        smoke={"n_splits": 2, "epochs": 2, "patience": None, "batch_size": 16, "lr": 1e-3, "hidden": 64,
               "dim": 32, "heads": 4},
        quick={"epochs": 30, "patience": 6, "batch_size": 16, "lr": 1e-3, "hidden": 256, "dim": 128},
        paper={},
    )


# ---------------------------------------------------------------- data
def tcga_binary(source: str = "auto") -> tuple[pd.DataFrame, pd.Series, Provenance, list[str]]:
    """Real TCGA-BRCA mRNA with PAM50 as the paper's binary task: LumA/LumB -> 0, Basal/Her2 -> 1.
    Normal-like patients are dropped and reported."""
    from omicslib.data import tcga

    d = tcga.load_expression(source)
    x, pam = d["rna"], d.labels
    keep = pam.isin(LABELS)
    report = list(d.report)
    dropped = pam[~keep].value_counts()
    for k, v in dropped.items():
        report.append(f"dropped {v} {k} patients (not in the binary Luminal vs Basal/Her2 task)")
    y = pam[keep].map(LABELS).astype(int).rename("label")
    prov = d.provenance.with_note(f"binary task: {int((y == 0).sum())} Luminal, {int((y == 1).sum())} Basal/Her2")
    return x.loc[y.index], y, prov, report


def synthetic_paired(n: int = 93, n_genes: int = 200, n_tiles: int = 35, feat_dim: int = 2048,
                     positive: float = 30 / 93, gene_effect: float = 0.5, image_effect: float = 0.12,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, Provenance]:
    """Synthetic paired cohort shaped like the paper's (93 patients, 63/30; genes + 35 x 2048 bags).
    Returns ``(genes (n, G), bags (n, T, D), y, provenance)``; both modalities carry weak signal."""
    y = synthetic.labels(n, classes=CLASS_NAMES, proportions=(1 - positive, positive), seed=seed)
    genes = synthetic.expression(y, n_genes, informative=20, effect=gene_effect, seed=seed + 1)
    bags = synthetic.patch_bags(y, n_tiles, feat_dim, informative=64, effect=image_effect, seed=seed + 2)
    yb = (y == CLASS_NAMES[1]).astype(int).to_numpy()
    prov = synthetic_provenance(
        "omicslib.data.synthetic",
        f"synthetic paired cohort: {n} patients ({int((yb == 0).sum())}/{int((yb == 1).sum())}), "
        f"{n_genes} genes, bags {n_tiles} x {feat_dim}")
    return genes.to_numpy(np.float32), bags, yb, prov


# ---------------------------------------------------------------- CV
@dataclass
class CVResult:
    model: str
    folds: pd.DataFrame
    confusions: list[pd.DataFrame]
    histories: list[pd.DataFrame]
    oof_prob: np.ndarray
    config: Config
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, tuple[float, float]]:
        """metric -> (mean, SD over folds)."""
        return {m: (float(self.folds[m].mean()), float(self.folds[m].std(ddof=1))) for m in METRICS}


def fold_metrics(y: np.ndarray, prob: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """F1 (positive class), MCC, PR-AUC (average precision) and accuracy for one fold."""
    pred = (prob >= threshold).astype(int)
    f1 = float(metrics.per_class(y, pred, labels=[0, 1]).loc[1, "f1"])
    pr = metrics.pr_auc(y, prob, pos_label=1) if len(np.unique(y)) == 2 else float("nan")
    return {"f1": f1, "mcc": metrics.mcc(y, pred), "pr_auc": pr,
            "accuracy": metrics.classification_report(y, pred, labels=[0, 1])["accuracy"]}


def folds(y: np.ndarray, cfg: Config) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k-fold, or (``stratified=False``) the authors' shuffled KFold."""
    if cfg.stratified:
        return stratified_kfold(y, cfg.n_splits, cfg.seed)
    return list(KFold(cfg.n_splits, shuffle=True, random_state=cfg.seed).split(np.zeros(len(y))))


def _check_inputs(y, genes, bags, model: str):
    n = len(y)
    needs_g = model != "image"
    needs_b = model != "gene"
    if needs_g and genes is None:
        raise ValueError(f"model {model!r} needs gene expression")
    if needs_b and bags is None:
        raise ValueError(f"model {model!r} needs patch bags")
    if genes is not None and len(genes) != n:
        raise ValueError(f"genes has {len(genes)} rows, labels {n}")
    if bags is not None and (np.ndim(bags) != 3 or len(bags) != n):
        raise ValueError(f"bags must be (n={n}, tiles, features), got shape {np.shape(bags)}")
    if not set(np.unique(y)) <= {0, 1}:
        raise ValueError(f"labels must be 0/1, got {sorted(set(np.unique(y)))}")


def cross_validate(model: str, y, genes=None, bags=None, cfg: Config = Config(),
                   device: torch.device | str = "cpu") -> CVResult:
    """Run one model through the CV and return per-fold metrics, confusions, histories, OOF probs.

    ``genes`` (n, G) raw expression (preprocessed inside each fold), ``bags`` (n, T, D) patch
    features; a unimodal model may omit the other input.
    """
    if cfg.prep_fit not in {"fold", "all"} or cfg.early_stop_on not in {"inner", "test"}:
        raise ValueError("prep_fit must be 'fold' or 'all', early_stop_on 'inner' or 'test'")
    y = np.asarray(y).astype(int)
    _check_inputs(y, genes, bags, model)
    n = len(y)
    G = np.zeros((n, 1), np.float32) if genes is None else np.asarray(genes, np.float32)
    B = np.zeros((n, 1, 1), np.float32) if bags is None else np.asarray(bags, np.float32)
    prep = lambda: expression_pipeline(cfg.impute, cfg.iqr_k)  # noqa: E731
    notes = []
    if genes is not None and cfg.prep_fit == "all":
        G = prep().fit(G).transform(G).astype(np.float32)
        notes.append("preprocessing fitted on all patients before CV (authors' leak)")
    rows, cms, hists = [], [], []
    oof = np.full(n, np.nan)
    for k, (tr, te) in enumerate(folds(y, cfg)):
        if cfg.early_stop_on == "inner":
            fit_idx, val_idx = train_test_split(tr, test_size=cfg.val_size, stratify=y[tr],
                                                random_state=cfg.seed + k)
            check_disjoint(fit_idx, val_idx, te)
        else:
            fit_idx, val_idx = tr, te
        Gk = G
        if genes is not None and cfg.prep_fit == "fold":
            Gk = prep().fit(G[fit_idx]).transform(G).astype(np.float32)
        seed_everything(cfg.seed + k)
        net = build(model, n_genes=Gk.shape[1], feat_dim=B.shape[2], **cfg.model_kw(model))
        data = lambda idx, shuffle: loader((Gk[idx], B[idx], y[idx].astype(np.float32)),  # noqa: E731
                                           cfg.batch_size, shuffle=shuffle, seed=cfg.seed + k)
        step = late_fusion_loss if model == "late" else supervised(torch.nn.BCEWithLogitsLoss())
        # BatchNorm needs >1 sample per training batch: drop a trailing singleton batch
        train_dl = loader((Gk[fit_idx], B[fit_idx], y[fit_idx].astype(np.float32)), cfg.batch_size,
                          shuffle=True, seed=cfg.seed + k, drop_last=len(fit_idx) % cfg.batch_size == 1)
        hist = fit(net, train_dl, data(val_idx, False), loss_step=step,
                   optimizer=torch.optim.Adam(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay),
                   epochs=cfg.epochs, patience=cfg.patience, device=device)
        prob = 1 / (1 + np.exp(-predict(net, data(te, False), device)))
        oof[te] = prob
        row = {"fold": k + 1, "n_test": len(te), "positives": int(y[te].sum()), **fold_metrics(y[te], prob, cfg.threshold),
               "best_epoch": hist.best_epoch + 1, "epochs_run": len(hist.train_loss)}
        rows.append(row)
        cms.append(metrics.confusion(y[te], (prob >= cfg.threshold).astype(int), labels=[0, 1]))
        hists.append(hist.to_frame())
    return CVResult(model, pd.DataFrame(rows), cms, hists, oof, cfg, notes)


def compare_rows(results: dict[str, CVResult], note: str = "") -> list[dict]:
    """Paper-vs-ours rows (F1, PR-AUC, MCC, accuracy; mean ± SD over folds) for :meth:`Run.compare`."""
    rows = []
    for name, r in results.items():
        s = r.summary()
        for m in METRICS:
            rows.append({"item": name, "metric": m, "paper": PAPER.get(name, {}).get(m),
                         "ours": s[m][0], "ours_sd": s[m][1], "note": note})
    return rows


def ablation_rows(results: dict[str, CVResult], note: str = "") -> list[dict]:
    """The paper's two ablations as relative changes: cross-attention -> gene only (accuracy) and
    cross-attention -> concatenation (PR-AUC)."""
    rel = lambda a, b, m: results[a].summary()[m][0] / results[b].summary()[m][0] - 1  # noqa: E731
    rows = []
    if {"gene", "cross_attention"} <= set(results):
        rows.append({"item": "remove image branch (cross-attention -> gene)", "metric": "relative accuracy change",
                     "paper": PAPER_ABLATIONS["no_image_accuracy"], "ours": rel("gene", "cross_attention", "accuracy"),
                     "note": note})
    if {"concat", "cross_attention"} <= set(results):
        rows.append({"item": "concatenation instead of cross-attention", "metric": "relative PR-AUC change",
                     "paper": PAPER_ABLATIONS["no_cross_attention_pr_auc"],
                     "ours": rel("concat", "cross_attention", "pr_auc"), "note": note})
    return rows


def fold_balance(y, cfg: Config) -> pd.DataFrame:
    """Positive fraction of every test fold under ``cfg``'s fold scheme (audit: stratification)."""
    y = np.asarray(y)
    return pd.DataFrame([{"fold": k + 1, "n": len(te), "positive_fraction": float(y[te].mean())}
                         for k, (_, te) in enumerate(folds(y, cfg))])
