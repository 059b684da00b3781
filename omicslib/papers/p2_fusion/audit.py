"""p2 audit: the authors' code and the paper's choices switched on one at a time, with measured effects.

* :data:`VARIANTS` — protocol variants of the gene-only model on real data (config overrides).
* :func:`real_runs` / :func:`effects` — every variant on the whole real cohort and on cohorts of the
  paper's size, and the effect table (variant minus the leak-free protocol).
* :func:`synthetic_runs` — the disconnected image branch and 50 vs 35 tiles on synthetic data.
* :func:`branch_gradients` — gradient norm reaching each branch (catches a disconnected branch).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import torch
from torch import nn

from omicslib.papers.p2_fusion.data import Cohort, paper_size_cohort, synthetic_paired
from omicslib.papers.p2_fusion.model import build
from omicslib.papers.p2_fusion.protocol import METRICS, cross_validate

BASE = "ours (paper protocol, leak-free)"
VARIANTS = {
    BASE: {},
    "preprocessing fitted on all patients": {"prep_fit": "all"},
    "early stopping on the scored fold": {"early_stop_on": "test"},
    "unstratified KFold(shuffle)": {"stratified": False},
    "no IQR outlier removal (authors' code)": {"iqr_k": None},
    "authors' code (all of the above)": {"prep_fit": "all", "early_stop_on": "test", "stratified": False,
                                         "iqr_k": None},
    "no second log (data already log2)": {"log_transform": False},
    "weight decay 2e-4 (Keras L2 1e-4 gradient)": {"weight_decay": 2e-4},
}


def keras_l2_equivalent(l2: float) -> float:
    """The Adam ``weight_decay`` whose gradient equals that of Keras ``l2(l2)`` (penalty l2·Σw², gradient
    2·l2·w): ``2 * l2``. Adam's coupled weight decay adds ``weight_decay · w`` to the gradient."""
    return 2.0 * l2


def real_runs(cohort: Cohort, cfg, draws: int, device="cpu", variants=None) -> pd.DataFrame:
    """Every variant of the gene-only model on the whole cohort and on ``draws`` random cohorts of the
    paper's size (:func:`~omicslib.papers.p2_fusion.data.paper_size_cohort`): one row per (cohort, variant)."""
    variants = VARIANTS if variants is None else variants
    G, Y = cohort.expr.to_numpy(), cohort.y.to_numpy()
    cohorts = [("all patients", None)] + [(f"93-patient draw {d + 1}", paper_size_cohort(Y, d)) for d in range(draws)]
    rows = []
    for cname, idx in cohorts:
        g, yy = (G, Y) if idx is None else (G[idx], Y[idx])
        for vname, over in variants.items():
            s = cross_validate("gene", yy, genes=g, cfg=replace(cfg, **over), device=device).summary()
            rows.append({"cohort": "all" if idx is None else "93 (63/30)", "draw": cname, "variant": vname,
                         **{m: s[m][0] for m in METRICS}, **{f"{m}_fold_sd": s[m][1] for m in METRICS}})
    return pd.DataFrame(rows)


def effects(raw: pd.DataFrame) -> pd.DataFrame:
    """Mean metrics per (cohort, variant) and the effect ``variant - leak-free protocol`` (mean, SD over draws)."""
    m = list(METRICS)
    base = raw[raw.variant == BASE].set_index("draw")[m]
    eff = raw.set_index("draw")
    deltas = (eff[m] - base.reindex(eff.index)).assign(cohort=eff["cohort"].values, variant=eff["variant"].values)
    agg = deltas.groupby(["cohort", "variant"], sort=False)[m].agg(["mean", "std"])
    agg.columns = [f"delta_{a}_{b}" for a, b in agg.columns]
    return raw.groupby(["cohort", "variant"], sort=False)[m].mean().join(agg).reset_index().round(4)


def effect(effects_df: pd.DataFrame, cohort: str, variant: str, metric: str) -> float:
    """One cell of :func:`effects`: the mean delta of ``metric`` for a (cohort, variant)."""
    row = effects_df[(effects_df.cohort == cohort) & (effects_df.variant == variant)]
    if len(row) != 1:
        raise KeyError(f"no effect row for cohort {cohort!r}, variant {variant!r}")
    return float(row[f"delta_{metric}_mean"].iloc[0])


def branch_gradients(model: nn.Module, genes: torch.Tensor, bag: torch.Tensor, y: torch.Tensor,
                     loss_step=None) -> dict[str, float]:
    """Gradient norm reaching the gene and the image branch after one backward pass of the loss.

    A fusion whose image (or gene) norm is 0 ignores that modality: this is the check that
    catches the authors' disconnected image branch.
    """
    model.train()
    model.zero_grad(set_to_none=True)
    if loss_step is None:
        loss = nn.functional.binary_cross_entropy_with_logits(model(genes, bag), y.float())
    else:
        out = loss_step(model, (genes, bag, y))
        loss = out[0] if isinstance(out, tuple) else out
    loss.backward()
    norms = {"gene": 0.0, "image": 0.0}
    for name, p in model.named_parameters():
        branch = "gene" if name.startswith(("gene.", "gene_model.")) else \
            "image" if name.startswith(("image.", "image_model.")) else None
        if branch and p.grad is not None:
            norms[branch] += float(p.grad.pow(2).sum())
    return {k: v ** 0.5 for k, v in norms.items()}


def synthetic_runs(cfg, n: int, seed: int = 0, device="cpu") -> pd.DataFrame:
    """SYNTHETIC: concatenation with the image connected vs the authors' disconnected branch, gene only,
    and the image model with 35 (paper) vs 50 (authors' code) tiles; gradient norms into the image branch."""
    genes, bags, yb, _ = synthetic_paired(n=n, seed=seed)
    _, bags50, _, _ = synthetic_paired(n=n, n_tiles=50, seed=seed)
    runs = {
        "concat (image connected)": ("concat", bags),
        "concat, authors' disconnected image branch": ("concat_disconnected", bags),
        "gene only": ("gene", None),
        "image only, 35 tiles (paper)": ("image", bags),
        "image only, 50 tiles (authors' code)": ("image", bags50),
    }
    rows = []
    for name, (model, b) in runs.items():
        s = cross_validate(model, yb, genes, b, cfg, device=device).summary()
        rows.append({"run": name, **{m: s[m][0] for m in METRICS}, **{f"{m}_fold_sd": s[m][1] for m in METRICS}})
    grads = {}
    for model in ("concat", "concat_disconnected"):
        torch.manual_seed(seed)
        net = build(model, n_genes=genes.shape[1], feat_dim=bags.shape[2], **cfg.model_kw(model))
        grads[model] = branch_gradients(net, torch.as_tensor(genes[:16]), torch.as_tensor(bags[:16]),
                                        torch.as_tensor(yb[:16]))
    out = pd.DataFrame(rows).round(4)
    out["image_branch_grad_norm"] = [grads["concat"]["image"], grads["concat_disconnected"]["image"],
                                     np.nan, np.nan, np.nan]
    return out


def facts_audit(effects_real: pd.DataFrame, balance: pd.DataFrame, effects_syn: pd.DataFrame, cfg,
                zero_genes: int, ref: pd.DataFrame) -> dict[str, tuple[object, str]]:
    """Every number the audit page quotes from ``p2_04``: key -> (value, format)."""
    signed = "{:+.3f}"
    out = {"draws": (cfg.audit_draws, "{:d}"), "zero_genes": (zero_genes, "{:d}"),
           "wd_ours": (cfg.weight_decay, "{:g}"), "wd_keras_equivalent": (keras_l2_equivalent(cfg.weight_decay), "{:g}")}
    short = {"preprocessing fitted on all patients": "leak", "early stopping on the scored fold": "early_stop",
             "unstratified KFold(shuffle)": "unstratified", "no IQR outlier removal (authors' code)": "no_iqr",
             "authors' code (all of the above)": "authors", "no second log (data already log2)": "single_log",
             "weight decay 2e-4 (Keras L2 1e-4 gradient)": "wd_keras"}
    for variant, tag in short.items():
        for cohort, ctag in (("all", "all"), ("93 (63/30)", "93")):
            if ((effects_real.cohort == cohort) & (effects_real.variant == variant)).any():
                for m in ("f1", "pr_auc"):
                    out[f"{tag}_{ctag}_d{m}"] = (effect(effects_real, cohort, variant, m), signed)
    for scheme, tag in (("StratifiedKFold", "strat"), ("KFold(shuffle)", "kfold")):
        out[f"{tag}_pos_min"] = (float(balance.loc[scheme, "min"]), "{:.2f}")
        out[f"{tag}_pos_max"] = (float(balance.loc[scheme, "max"]), "{:.2f}")
    r = effects_syn.set_index("run")
    out["grad_connected"] = (float(r.loc["concat (image connected)", "image_branch_grad_norm"]), "{:.3g}")
    out["grad_disconnected"] = (float(r.loc["concat, authors' disconnected image branch", "image_branch_grad_norm"]),
                                "{:.3g}")
    for m in ("f1", "mcc", "pr_auc"):
        vals = [float(ref.loc[f"code_fold{k}_{m}", "value"]) for k in range(1, 5)]
        out[f"code_mean_{m}"] = (float(np.mean(vals)), "{:.3f}")
    return out
