"""p1 analysis: Tables 4-7, the statistics of the Results text, the gates, and the claims ledger.

Every paper value is read from ``omicslib/papers/p1_crossmodal/reference.csv``
(:mod:`omicslib.book.reference`); nothing here types one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from omicslib import bootstrap as boot
from omicslib import metrics, stats
from omicslib.book import reference
from omicslib.book.claims import ABSENT, Claim, value_claim
from omicslib.book.report import vs_paper
from omicslib.data.metabric import SUBTYPE_NAMES, SUBTYPES
from omicslib.papers.p1_crossmodal.baselines import TOPK_TUNED
from omicslib.papers.p1_crossmodal.config import PAPER_K_GRID, PAPER_VARIANTS, REASONS, Config
from omicslib.papers.p1_crossmodal.protocol import METRICS, GridResult

PAPER = "p1"
#: Rows/columns of the paper's Figure 6 (and of every confusion matrix we draw beside it).
CONFUSION_ORDER = ["Basal", "Her2", "LumA", "LumB"]
_SLUG = {"EXP": "exp", "EXP+CNA": "exp_cna", "EXP+CNA+MUT": "exp_cna_mut"}
#: The paper's names of the metrics (Table 4's column headers), for the claims' statements.
_METRIC_WORDS = {"f1_macro": "macro-F1", "f1_weighted": "weighted F1", "accuracy": "accuracy", "roc_auc": "ROC AUC"}
_CLASS_KEY = {"Basal": "basal", "Her2": "her2", "LumA": "luma", "LumB": "lumb", "macro avg": "macro"}
#: The paper's best configuration (Table 4, Table 6, Table 7).
BEST = (1000, "EXP+CNA")


def ref(key: str) -> float:
    """The paper's value for ``key`` (reference file)."""
    return reference.value(PAPER, key)


def t4_key(k_paper: int, variant: str, metric: str) -> str:
    return f"t4_k{k_paper}_{_SLUG[variant]}_{metric}"


def paper_table4(k_paper: int, variant: str, metric: str) -> float:
    """Table 4 of the paper (NaN for a K the paper did not run)."""
    try:
        return ref(t4_key(k_paper, variant, metric))
    except reference.ReferenceError:
        return math.nan


def audit_k(cfg: Config) -> int:
    """The paper K of the audit reruns: ``cfg.audit_k``, else the best configuration's."""
    return cfg.audit_k or best_config(cfg)[0]


def best_config(cfg: Config) -> tuple[int, str]:
    """The paper's best configuration, on the grid of ``cfg`` (its largest K if 1000 is not there)."""
    k, v = BEST
    return (k if k in cfg.k_grid else cfg.k_grid[-1]), v


def per_fold_f1(folds: pd.DataFrame, k_paper: int, variant: str, metric: str = "f1_macro") -> np.ndarray:
    """Per-fold hold-out scores of one (K, variant), ordered by (seed, fold)."""
    sub = folds[(folds["K_paper"] == k_paper) & (folds["variant"] == variant)]
    sub = sub.sort_values([c for c in ("seed", "fold") if c in sub.columns])
    return sub[metric].to_numpy()


# ------------------------------------------------------------------------------ Table 4

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
        kp, v = int(r["K_paper"]), r["variant"]
        for m in METRICS:
            item = f"K={kp} (ours K={int(r['K'])}) {v}"
            sd = r["f1_macro_sd"] if m == "f1_macro" else None
            if kp in PAPER_K_GRID:
                rows.append(vs_paper(PAPER, t4_key(kp, v, m), r[m], sd, k_note, item=item))
            else:
                rows.append({"item": item, "metric": m, "paper": None, "ours": r[m], "ours_sd": sd, "note": k_note})
    return rows


def figure5_paper(k_grid, variant: str) -> list[float]:
    """The paper's Figure 5 points (= Table 4 macro-F1) for one variant."""
    return [paper_table4(k, variant, "f1_macro") for k in k_grid]


# ------------------------------------------------------------------------------ Table 5 and the text

def _test_or_nan(fn, *groups):
    """A test's result, or None where it is undefined (fewer than 2 pairs, or all differences zero).
    Groups of different lengths raise."""
    lengths = {len(g) for g in groups}
    if len(lengths) != 1:
        raise ValueError(f"paired groups must have equal lengths, got {sorted(lengths)}")
    n = lengths.pop()
    if n < 2 or all(np.allclose(np.asarray(g) - np.asarray(groups[0]), 0) for g in groups[1:]):
        return None
    return fn(*groups)


def _pooled(folds: pd.DataFrame, k: int) -> np.ndarray:
    return np.concatenate([per_fold_f1(folds, k, v) for v in PAPER_VARIANTS])


#: Table 5 rows: reference key stem, family, comparison, (a, b) as (K index, variant or 'pooled').
TABLE5 = [
    ("mod_k300", "Modality (K=300)", "EXP+CNA+MUT vs EXP+CNA", (0, "EXP+CNA+MUT"), (0, "EXP+CNA")),
    ("mod_k1000", "Modality (K=1000)", "EXP+CNA+MUT vs EXP+CNA", (2, "EXP+CNA+MUT"), (2, "EXP+CNA")),
    ("k500v300_exp_cna", "Cross-K (EXP+CNA)", "K=500 vs K=300", (1, "EXP+CNA"), (0, "EXP+CNA")),
    ("k1000v300_exp_cna", "Cross-K (EXP+CNA)", "K=1000 vs K=300", (2, "EXP+CNA"), (0, "EXP+CNA")),
    ("k1000v300_exp_cna_mut", "Cross-K (EXP+CNA+MUT)", "K=1000 vs K=300", (2, "EXP+CNA+MUT"), (0, "EXP+CNA+MUT")),
    ("pooled_k1000v300", "Pooled (n=15)", "K=1000 vs K=300", (2, "pooled"), (0, "pooled")),
    ("pooled_k1000v500", "Pooled (n=15)", "K=1000 vs K=500", (2, "pooled"), (1, "pooled")),
]


def _grid_k(k_grid, i: int) -> int:
    """The paper's low / middle / K=1000 positions on our grid (the last K when the grid is short)."""
    return k_grid[i] if i < 2 or len(k_grid) > 2 else k_grid[-1]


def _scores(folds, k_grid, spec) -> np.ndarray:
    i, v = spec
    k = PAPER_K_GRID[i] if PAPER_K_GRID[i] in k_grid else _grid_k(k_grid, i)
    return _pooled(folds, k) if v == "pooled" else per_fold_f1(folds, k, v)


def table5(folds: pd.DataFrame, k_grid=PAPER_K_GRID) -> pd.DataFrame:
    """Paired tests on per-fold macro-F1 (the rows of the paper's Table 5), with the paper's values."""
    rows = []
    for key, fam, comp, sa, sb in TABLE5:
        a, b = _scores(folds, k_grid, sa), _scores(folds, k_grid, sb)
        t, w = _test_or_nan(stats.paired_t, a, b), _test_or_nan(stats.wilcoxon, a, b)
        rows.append({"key": key, "family": fam, "comparison": comp, "n": len(a),
                     "delta": float(np.mean(a - b)) if len(a) else np.nan,
                     "sd_diff": float(np.std(a - b, ddof=1)) if len(a) > 1 else np.nan,
                     "p_t": t.pvalue if t else np.nan, "p_wilcoxon": w.pvalue if w else np.nan,
                     "paper_delta": ref(f"t5_{key}_delta"), "paper_p_t": ref(f"t5_{key}_p_t"),
                     "paper_p_wilcoxon": ref(f"t5_{key}_p_wilcoxon")})
    return pd.DataFrame(rows)


def table5_rows(t5: pd.DataFrame, k_note: str) -> list[dict]:
    """Paper-vs-ours rows (run.compare format) for Table 5."""
    rows = []
    for _, r in t5.iterrows():
        item = f"{r['family']}: {r['comparison']}"
        rows += [vs_paper(PAPER, f"t5_{r['key']}_delta", r["delta"], r["sd_diff"], k_note, item=item),
                 vs_paper(PAPER, f"t5_{r['key']}_p_t", r["p_t"], note=f"n={r['n']}", item=item),
                 vs_paper(PAPER, f"t5_{r['key']}_p_wilcoxon", r["p_wilcoxon"], note=f"n={r['n']}", item=item)]
    return rows


def _row(key: str, ours, note: str) -> dict:
    return {**vs_paper(PAPER, key, ours, note=note), "key": key}


def text_statistics(folds: pd.DataFrame, k_grid=PAPER_K_GRID, note: str = "") -> list[dict]:
    """The statistics quoted in the paper's Results text (Friedman, pooled deltas, Holm), as
    run.compare rows (each with its reference ``key``). A statistic that needs a K the grid did not run
    (e.g. K = 1500 in the quick profile) is NaN."""
    rows = []
    nan_t = type("NaNTest", (), {"statistic": np.nan, "pvalue": np.nan})()
    for v in ("EXP+CNA", "EXP+CNA+MUT"):
        groups = [per_fold_f1(folds, k, v) for k in k_grid]
        r = _test_or_nan(stats.friedman, *groups) if len(groups) >= 3 else None
        r = r or nan_t
        rows += [_row(f"fried_{_SLUG[v]}_chi2", r.statistic, note), _row(f"fried_{_SLUG[v]}_p", r.pvalue, note)]
    pooled = {k: _pooled(folds, k) for k in k_grid}
    r = (_test_or_nan(stats.friedman, *pooled.values()) if len(pooled) >= 3 else None) or nan_t
    rows += [_row("fried_pooled_chi2", r.statistic, note), _row("fried_pooled_p", r.pvalue, note)]
    k300, k500, k1000, k1500 = PAPER_K_GRID[:4]

    def pair(a, b):
        if a not in pooled or b not in pooled:
            return np.nan, np.nan
        t = _test_or_nan(stats.paired_t, pooled[a], pooled[b])
        return float(np.mean(pooled[a] - pooled[b])), (t.pvalue if t else np.nan)

    for (a, b), key in {(k1000, k500): "pooled_k1000v500", (k1500, k1000): "pooled_k1500v1000"}.items():
        d, p = pair(a, b)
        rows += [_row(f"{key}_delta", d, note), _row(f"{key}_p", p, note)]
    ps = np.array([pair(k1000, k)[1] for k in (k300, k500, k1500)])
    adj = stats.holm(ps) if np.all(np.isfinite(ps)) else np.full(3, np.nan)
    for key, a in zip(("holm_k1000v300", "holm_k1000v500", "holm_k1000v1500"), adj):
        rows.append(_row(key, a, note))
    return rows


# ------------------------------------------------------------------------------ Table 6, Figure 6

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


def config_cells(result: GridResult, variants=None) -> pd.DataFrame:
    """Long table ``K_paper, variant, true, predicted, count``: the pooled hold-out confusion matrix of every
    K x modality configuration, for the kernel-free explorer (:func:`omicslib.book.interactive.heatmap_explorer`)."""
    present = sorted({(k[0], k[1]) for k in result.probs})
    order = list(variants) if variants is not None else sorted({v for _, v in present})
    parts = []
    for k_paper in sorted({k for k, _ in present}):
        for v in [v for v in order if (k_paper, v) in present]:
            cm = per_subtype(result, k_paper, v)[1].loc[CONFUSION_ORDER, CONFUSION_ORDER]
            parts.append(cm.rename_axis(index="true", columns="predicted").stack().rename("count").reset_index()
                         .assign(K_paper=k_paper, variant=v))
    return pd.concat(parts, ignore_index=True)[["K_paper", "variant", "true", "predicted", "count"]]


def table6_rows(pc: pd.DataFrame, note: str) -> list[dict]:
    rows = []
    for cls in list(SUBTYPES) + ["macro avg"]:
        for m in ("precision", "recall", "f1", "support"):
            rows.append(vs_paper(PAPER, f"t6_{_CLASS_KEY[cls]}_{m}", float(pc.loc[cls, m]), note=note,
                                 item=SUBTYPE_NAMES.get(cls, "Macro-average")))
    return rows


def paper_confusion() -> pd.DataFrame:
    """The paper's Figure 6 matrix (rows true, columns predicted) in :data:`CONFUSION_ORDER`."""
    order = CONFUSION_ORDER
    m = [[int(ref(f"f6_{_CLASS_KEY[t]}_as_{_CLASS_KEY[p]}")) for p in order] for t in order]
    return pd.DataFrame(m, index=pd.Index(order, name="true"), columns=pd.Index(order, name="predicted"))


# ------------------------------------------------------------------------------ gates

def gates_table(folds: pd.DataFrame) -> pd.DataFrame:
    """Learned gates sigmoid(a) (CNA) and sigmoid(b) (MUT): mean and SD over folds per (K, variant)."""
    sub = folds[folds["variant"] != "EXP"]
    g = sub.groupby(["K_paper", "K", "variant"], sort=False)[["gate_cna", "gate_mut"]]
    out = g.agg(["mean", "std"]).reset_index()
    out.columns = ["_".join(c).strip("_") if isinstance(c, tuple) else c for c in out.columns]
    return out


def gate_movement(folds: pd.DataFrame, cfg: Config, k_paper: int | None = None,
                  variant: str | None = None) -> float:
    """Largest |sigmoid(gate) - sigmoid(gate_init)| over the fold models (of one K / variant if given)."""
    sub = folds[folds["variant"] != "EXP"]
    if k_paper is not None:
        sub = sub[sub["K_paper"] == k_paper]
    if variant is not None:
        sub = sub[sub["variant"] == variant]
    start = 1 / (1 + math.exp(-cfg.gate_init))
    g = sub[["gate_cna", "gate_mut"]].to_numpy(float)
    return float(np.nanmax(np.abs(g - start))) if np.isfinite(g).any() else math.nan


def fusion_blocker(folds: pd.DataFrame, cfg: Config, k_paper: int | None = None, variant: str | None = None) -> str:
    """``"fusion untrained: ..."`` when the gates moved less than ``cfg.gate_min_move`` from their start."""
    move = gate_movement(folds, cfg, k_paper, variant)
    if math.isnan(move) or move >= cfg.gate_min_move:
        return ""
    share = ""
    sub = folds[folds["variant"] != "EXP"]
    if k_paper is not None:
        sub = sub[sub["K_paper"] == k_paper]
    if "enrich_ratio" in sub and sub["enrich_ratio"].notna().any():
        share = f"; the enrichment changes the expression tokens by at most {sub['enrich_ratio'].max():.2%}"
    return (f"fusion untrained: the gates moved at most {move:.3f} from their start value "
            f"(< {cfg.gate_min_move:g}, the stated threshold){share}")


# ------------------------------------------------------------------------------ Table 7

#: Table 7 literature rows: method, modalities, dataset, reference keys (macro-F1, weighted F1, accuracy).
LITERATURE = [
    ("DeepMO", "EXP+CNA+Meth", "TCGA (5 cls)", (None, None, "t7_deepmo_accuracy")),
    ("Islam et al.", "EXP+CNA", "METABRIC (5 cls)", (None, None, "t7_islam_accuracy")),
    ("moBRCA-net", "EXP+Meth+miRNA", "TCGA (5 cls)", (None, "t7_mobrca_f1_weighted", "t7_mobrca_accuracy")),
    ("MOGAT", "Multi-omics (8)", "TCGA, METABRIC (5 cls)", ("t7_mogat_f1_macro", None, None)),
    ("MoGCN", "EXP+CNV+RPPA+Clin", "TCGA (4 cls)", ("t7_mogcn_f1_macro", "t7_mogcn_f1_weighted", "t7_mogcn_accuracy")),
    ("Proposed (paper)", "EXP+CNA", "METABRIC (4 cls)",
     ("t7_proposed_f1_macro", "t7_proposed_f1_weighted", "t7_proposed_accuracy")),
]


def table7_literature() -> pd.DataFrame:
    """Table 7's literature rows as printed in the paper (not re-run)."""
    rows = [(m, mod, ds, *[None if k is None else round(ref(k), 6) for k in keys]) for m, mod, ds, keys in LITERATURE]
    return pd.DataFrame(rows, columns=["method", "modalities", "dataset", "macro_f1", "weighted_f1", "accuracy"])


def table7_summary(proposed: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Mean hold-out metrics per method (proposed model first) and the SD of macro-F1 over folds."""
    allm = pd.concat([proposed, base])
    summary = allm.groupby("method", sort=False)[["f1_macro", "f1_weighted", "accuracy", "roc_auc"]].mean()
    summary["f1_macro_sd"] = allm.groupby("method", sort=False)["f1_macro"].std(ddof=1)
    summary["n_models"] = allm.groupby("method", sort=False).size()
    return summary


def table7_rows(summary: pd.DataFrame, note: str) -> list[dict]:
    rows = []
    for method, r in summary.iterrows():
        for m in ("f1_macro", "f1_weighted", "accuracy"):
            sd = r["f1_macro_sd"] if m == "f1_macro" else None
            if method.startswith("Cross-modal"):
                rows.append(vs_paper(PAPER, f"t7_proposed_{m}", r[m], sd, note, item=method))
            else:
                rows.append({"item": method, "metric": m, "paper": None, "ours": r[m], "ours_sd": sd, "note": note})
    return rows


def strongest_baseline(base: pd.DataFrame) -> str:
    """The baseline with the highest mean hold-out macro-F1 among those with one model per fold."""
    per = base.groupby("method", sort=False)
    n = per.size()
    f1 = per["f1_macro"].mean()[n > 1]
    if f1.empty:
        raise ValueError("no per-fold baseline to compare with")
    return str(f1.idxmax())


def topk_baseline_table(result: GridResult, topk, cfg: Config) -> pd.DataFrame:
    """One row per K: the strongest simple baseline on the deep model's top-K features (the choice of its
    search, :func:`~omicslib.papers.p1_crossmodal.baselines.run_topk_baselines`) with its hold-out macro-F1 and
    the deep model's at that K for each modality variant run, each the mean over its fold models with the
    claims' two-way bootstrap CI (same patients' replicates for every arm)."""
    y = result.y_test
    n_classes = next(iter(topk.probs.values())).shape[1]
    boot = dict(n_boot=cfg.n_boot, level=0.90, seed=cfg.seed, n_classes=n_classes)
    keep = ["K_paper", "K", "n_features", "n_exp", "n_cna", "n_mut", "family", "feature_set", "hyperparameters",
            "inner_cv_f1_macro", "at_edge", "widened", "searched_min", "searched_max",
            "search_convergence_warnings", "refit_convergence_warnings", "seconds"]
    rows = []
    for t in topk.tuned[keep].to_dict("records"):
        kp = t["K_paper"]
        r = bootstrap_value(topk_arm(topk, kp), y, "f1_macro", **boot)
        row = {**t, "baseline_f1_macro": r["estimate"], "baseline_ci_low": r["ci"][0], "baseline_ci_high": r["ci"][1]}
        for v in PAPER_VARIANTS:
            if _has(result, (kp, v)):
                d = bootstrap_value(arm_of(result, kp, v), y, "f1_macro", **boot)
                row.update({f"deep_{_SLUG[v]}_f1_macro": d["estimate"], f"deep_{_SLUG[v]}_ci_low": d["ci"][0],
                            f"deep_{_SLUG[v]}_ci_high": d["ci"][1]})
        rows.append(row)
    return pd.DataFrame(rows)


def topk_view(table: pd.DataFrame, variant: str = BEST[1]) -> pd.DataFrame:
    """:func:`topk_baseline_table` as a page shows it, one row per K: the choice, and the hold-out macro-F1
    [CI] of the baseline beside the deep ``variant``'s (the CSV keeps every column)."""
    s = _SLUG[variant]

    def ci(r, p):
        return f"{r[f'{p}_f1_macro']:.3f} [{r[f'{p}_ci_low']:.3f}, {r[f'{p}_ci_high']:.3f}]"
    return pd.DataFrame({
        "K (paper)": table["K_paper"].to_numpy(),
        "chosen": (table["family"] + ", " + table["hyperparameters"]).to_numpy(),
        "features": table["feature_set"].str.removesuffix(", standardised").to_numpy(),
        "inner-CV macro-F1": table["inner_cv_f1_macro"].to_numpy(),
        "baseline [CI]": [ci(r, "baseline") for r in table.to_dict("records")],
        f"deep, {variant} [CI]": [ci(r, f"deep_{s}") if f"deep_{s}_f1_macro" in r else "not run"
                                  for r in table.to_dict("records")]})


def topk_facts(table: pd.DataFrame, variant: str = BEST[1]) -> dict:
    """Facts of :func:`topk_baseline_table` per paper K (``topk_<K>_*``): the choice, the baseline's and the
    deep ``variant``'s macro-F1 with CI; and the number of K at which the baseline's estimate is the higher."""
    ci = lambda lo, hi: (f"[{lo:.3f}, {hi:.3f}]", "{}")  # noqa: E731
    s = _SLUG[variant]
    out = {"topk_n_k": (len(table), "{:d}"), "topk_seconds": (float(table["seconds"].sum()), "{:.0f}"),
           "topk_n_baseline_higher": (int((table["baseline_f1_macro"] > table.get(f"deep_{s}_f1_macro", math.nan)).sum()),
                                      "{:d}")}
    for r in table.to_dict("records"):
        kp = r["K_paper"]
        out.update({f"topk_{kp}_family": (r["family"], "{}"), f"topk_{kp}_feature_set": (r["feature_set"], "{}"),
                    f"topk_{kp}_hyperparameters": (r["hyperparameters"], "{}"),
                    f"topk_{kp}_n_features": (int(r["n_features"]), "{:d}"),
                    f"topk_{kp}_inner_f1": (float(r["inner_cv_f1_macro"]), "{:.3f}"),
                    f"topk_{kp}_at_edge": ("yes" if r["at_edge"] else "no", "{}"),
                    f"topk_{kp}_f1": (float(r["baseline_f1_macro"]), "{:.3f}"),
                    f"topk_{kp}_ci": ci(r["baseline_ci_low"], r["baseline_ci_high"]),
                    f"topk_{kp}_deep_f1": (float(r.get(f"deep_{s}_f1_macro", math.nan)), "{:.3f}"),
                    f"topk_{kp}_deep_ci": ci(r.get(f"deep_{s}_ci_low", math.nan), r.get(f"deep_{s}_ci_high", math.nan))})
    return out


# ------------------------------------------------------------------------------ claims

#: The paper's comparisons, declared as one family (Holm over all of them): ``(id, statement, kind, a, b,
#: reference key of the paper's delta or None, locator key)``; an arm is ``(K, variant)`` or ``(K, "pooled")``.
def declared_comparisons() -> list[tuple]:
    out = []
    pairs = (("EXP+CNA+MUT", "EXP+CNA"), ("EXP+CNA", "EXP"), ("EXP+CNA+MUT", "EXP"))
    printed = {(300, pairs[0]): "t5_mod_k300_delta", (1000, pairs[0]): "t5_mod_k1000_delta"}
    for k in PAPER_K_GRID:
        for a, b in pairs:
            key = printed.get((k, (a, b)))
            out.append((f"modality_k{k}_{_SLUG[a]}_vs_{_SLUG[b]}",
                        f"At K={k}, {a} and {b} do not differ (modality differences not significant at any K)",
                        "no_difference", (k, a), (k, b), key, key or "smallest_modality_p"))
    out += [
        ("k500v300_exp_cna", "Within EXP+CNA, K=500 beats K=300", "better", (500, "EXP+CNA"), (300, "EXP+CNA"),
         "t5_k500v300_exp_cna_delta", "t5_k500v300_exp_cna_p_t"),
        ("k1000v300_exp_cna", "Within EXP+CNA, K=1000 beats K=300", "better", (1000, "EXP+CNA"), (300, "EXP+CNA"),
         "t5_k1000v300_exp_cna_delta", "t5_k1000v300_exp_cna_p_t"),
        ("k1000v300_exp_cna_mut", "Within EXP+CNA+MUT, K=1000 and K=300 do not differ (flat across K)",
         "no_difference", (1000, "EXP+CNA+MUT"), (300, "EXP+CNA+MUT"), "t5_k1000v300_exp_cna_mut_delta",
         "t5_k1000v300_exp_cna_mut_p_t"),
        ("pooled_k1000v300", "Pooled over the modality variants, K=1000 beats K=300", "better", (1000, "pooled"),
         (300, "pooled"), "t5_pooled_k1000v300_delta", "t5_pooled_k1000v300_p_t"),
        ("pooled_k1000v500", "Pooled over the modality variants, K=1000 and K=500 do not differ", "no_difference",
         (1000, "pooled"), (500, "pooled"), "t5_pooled_k1000v500_delta", "t5_pooled_k1000v500_p_t"),
        ("pooled_k1500v1000", "Pooled over the modality variants, K=1500 and K=1000 do not differ", "no_difference",
         (1500, "pooled"), (1000, "pooled"), "pooled_k1500v1000_delta", "pooled_k1500v1000_p"),
    ]
    return out


FAMILY = "paper comparisons (Table 5 and Results text)"
BOOT_TEST = ("two-way percentile bootstrap over the {n} hold-out patients and the fold models (seed × fold) of "
             "each arm, {B} replicates")
PAIRED_TEST = ("paired bootstrap of the macro-F1 difference over the {n} hold-out patients (same resampled patients "
               "for both arms; models resampled with them), {B} replicates, two-sided bootstrap p")


def _arms(result: GridResult, spec) -> list[Arm]:
    k, v = spec
    return pooled_arm(result, k) if v == "pooled" else [arm_of(result, k, v)]


def _has(result: GridResult, spec) -> bool:
    k, v = spec
    variants = PAPER_VARIANTS if v == "pooled" else (v,)
    return all(((result.folds["K_paper"] == k) & (result.folds["variant"] == x)).any() for x in variants)


def comparison(a: np.ndarray, b: np.ndarray) -> dict:
    """The paper's own test (plain paired t over per-fold scores) of a − b; NaN where undefined."""
    pt = _test_or_nan(stats.paired_t, a, b)
    d = float(np.mean(np.asarray(a) - np.asarray(b))) if len(a) else math.nan
    return {"diff": d, "p_paper_test": pt.pvalue if pt else math.nan, "n": len(a)}


def _paper_test_note(folds: pd.DataFrame, spec_a, spec_b) -> str:
    """The paper's paired t over fold means (averaged over seeds), for the note."""
    fm = fold_means(folds)

    def vals(spec):
        k, v = spec
        if v == "pooled":
            return fm[fm["K_paper"] == k].groupby("fold")["f1_macro"].mean().to_numpy()
        return fm[(fm["K_paper"] == k) & (fm["variant"] == v)].sort_values("fold")["f1_macro"].to_numpy()

    c = comparison(vals(spec_a), vals(spec_b))
    return f"the paper's test (paired t over the {c['n']} fold means): p = {c['p_paper_test']:.3g}"


def fold_means(folds: pd.DataFrame) -> pd.DataFrame:
    """Per (K, variant, fold) the mean over model seeds of every metric: the five per-fold values the
    paper's own tests (Table 5, Friedman) take."""
    num = [c for c in (*METRICS, "gate_cna", "gate_mut") if c in folds.columns]
    return folds.groupby(["K_paper", "K", "variant", "fold"], sort=False, as_index=False)[num].mean()


def claims(result: GridResult, prep, cfg: Config, provenance: str, base=None, topk=None) -> list[Claim]:
    """The p1 claims ledger of the grid notebook from a grid (several model seeds on one split, see
    :func:`~omicslib.papers.p1_crossmodal.protocol.run_seeds`) and the baselines.

    Value claims (Table 4 macro-F1 of every configuration, the four headline metrics, Table 6): the mean
    over the fold models (Table 6: their pooled predictions) with a two-way bootstrap 90 % CI over the
    hold-out patients and the models, beside it the strongest simple baseline on the same top-K features at that
    K (``topk``, :func:`~omicslib.papers.p1_crossmodal.baselines.run_topk_baselines`; where it lacks the K, the
    strongest baseline of ``base``, :func:`strongest_baseline`).
    Comparative claims (every comparison of Table 5 and the Results text, one declared family): paired
    bootstrap over the hold-out patients. A configuration the profile
    did not run enters untested (p = 1 in Holm)."""
    from omicslib.papers.p1_crossmodal.data import subset_scope

    folds = result.folds
    y = result.y_test
    n, B = len(y), cfg.n_boot
    seeds = sorted(folds["seed"].unique()) if "seed" in folds.columns else [cfg.seed]
    n_seeds = len(seeds)
    unit = f"seed × fold model ({n_seeds} seeds × {cfg.n_folds} folds), CI over {n} hold-out patients"
    boot = dict(n_boot=B, level=0.90, seed=cfg.seed, n_classes=len(prep.classes))
    vtest = BOOT_TEST.format(n=n, B=B)
    kmap = lambda k: f"K={k} is our K={prep.k_map[k]} ({prep.k_note})" if k in prep.k_map else f"K={k}"  # noqa: E731
    not_run = "not run in this profile (the configuration costs more than the quick budget; the paper profile runs it)"
    kw = dict(provenance=provenance, n_seeds=n_seeds, unit=unit, ci_level=0.90)
    strongest = strongest_baseline(base.scores) if base is not None else ""
    base_arm = baseline_arm(base, strongest) if strongest else None
    out = []

    def arm_at(k):
        """The baseline beside a claim at paper K: the one on the same top-K features where run."""
        if topk is not None and any(kp == k for kp, _ in topk.probs):
            return topk_arm(topk, k)
        return base_arm

    cache = {}

    def baseline_of(metric, k):
        arm = arm_at(k)
        if arm is None:
            return None
        if (arm.name, metric) not in cache:
            r = bootstrap_value(arm, y, metric, **boot)
            cache[arm.name, metric] = (arm.name, r["estimate"], r["ci"])
        return cache[arm.name, metric]

    # Table 4 macro-F1 of every configuration (Figure 5), and the best configuration's four metrics
    kb, vb = best_config(cfg)
    for k in PAPER_K_GRID:
        for v in PAPER_VARIANTS:
            metrics_ = ("f1_macro", "f1_weighted", "accuracy", "roc_auc") if (k, v) == BEST else ("f1_macro", "roc_auc")
            for m in metrics_:
                cid = f"headline_{m}" if (k, v) == BEST else f"t4_k{k}_{_SLUG[v]}_{m}"
                stmt = (f"Best configuration (K=1000, EXP+CNA): hold-out {_METRIC_WORDS[m]}" if (k, v) == BEST
                        else f"Table 4: K={k} {v} hold-out {_METRIC_WORDS[m]}")
                if not _has(result, (k, v)):
                    out.append(value_claim(PAPER, cid, stmt, t4_key(k, v, m), test=vtest, not_run=not_run, **kw))
                    continue
                r = bootstrap_value(arm_of(result, k, v), y, m, **boot)
                out.append(value_claim(PAPER, cid, stmt, t4_key(k, v, m), test=vtest, estimate=r["estimate"],
                                       ci=r["ci"], n_runs=r["n_models"], baseline=baseline_of(m, k),
                                       scope=f"{kmap(k)}; {subset_scope(prep)}",
                                       **kw))
    # Table 6 (pooled predictions of the best configuration's models)
    if _has(result, (kb, vb)):
        t6 = bootstrap_class_metrics(arm_of(result, kb, vb), y, **{k: boot[k] for k in ("n_boot", "level", "seed")})
        b6_arm = arm_at(kb)
        b6 = (bootstrap_class_metrics(b6_arm, y, **{k: boot[k] for k in ("n_boot", "level", "seed")})
              if b6_arm is not None else None)
        for r in t6.itertuples():
            key = f"t6_{_CLASS_KEY[r[1]]}_{r.metric}"
            bl = None
            if b6 is not None:
                br = b6[(b6["class"] == r[1]) & (b6["metric"] == r.metric)].iloc[0]
                bl = (b6_arm.name, br["estimate"], (br["ci_low"], br["ci_high"]))
            name = SUBTYPE_NAMES.get(r[1], "macro average")
            out.append(value_claim(PAPER, key, f"Table 6 (K=1000 EXP+CNA, models pooled): {name} {r.metric}", key,
                                   test=vtest.replace("each arm", "the configuration; predictions of the models "
                                                      "pooled into one confusion matrix as the paper's Table 6"),
                                   estimate=r.estimate, ci=(r.ci_low, r.ci_high),
                                   n_runs=len(arm_of(result, kb, vb).probs), baseline=bl,
                                   scope=f"{kmap(kb)}; {subset_scope(prep)}", **kw))

    # the declared family of comparisons
    ptest = PAIRED_TEST.format(n=n, B=B)
    margin, margin_reason = cfg.equivalence_margin, REASONS["equivalence_margin"]
    for cid, stmt, kind, sa, sb, key, loc in declared_comparisons():
        row = reference.row(PAPER, loc)
        paper_delta = ref(key) if key else math.nan
        common = dict(n_seeds=n_seeds, unit=unit, family=FAMILY, paper_value=paper_delta, ci_level=0.90,
                      metric="macro-F1 difference", quote=str(row["quote"]),
                      margin=margin if kind == "no_difference" else math.nan,
                      margin_reason=margin_reason if kind == "no_difference" else "")
        if not (_has(result, sa) and _has(result, sb)):
            out.append(Claim(PAPER, cid, stmt, row["locator"], kind, ptest, provenance, not_run=not_run, **common))
            continue
        r = paired_bootstrap(_arms(result, sa), _arms(result, sb), y, "f1_macro", **boot)
        fused = [s for s in (sa, sb) if s[1] != "EXP"]
        blocker = ""
        if cid.startswith("modality_"):
            blocker = next((b for b in (fusion_blocker(folds, cfg, k, v) for k, v in fused) if b), "")
        note = (f"{kmap(sa[0])}; {kmap(sb[0])}; " if sa[0] != sb[0] else f"{kmap(sa[0])}; ") + \
            _paper_test_note(folds, sa, sb) + ("; the paper prints no row for this pair: it states every modality "
                                               f"p ≥ {ref('smallest_modality_p'):g}" if not key else "")
        out.append(Claim(PAPER, cid, stmt, row["locator"], kind, ptest, provenance, n_runs=r["n_models"],
                         ours=r["diff"], ci_low=r["ci"][0], ci_high=r["ci"][1], p=r["p"], blocker=blocker,
                         scope=subset_scope(prep), note=note, **common))

    # our own comparison with the strongest simple baseline (a family of one)
    if base is not None and _has(result, (kb, vb)):
        r = paired_bootstrap(arm_of(result, kb, vb), baseline_arm(base, strongest), y, "f1_macro", **boot)
        out.append(Claim(PAPER, "beats_simpler_methods", f"The cross-modal model (K=1000, EXP+CNA) beats simpler "
                         f"methods (strongest here: {strongest}, same hold-out, refitted on each fold's training rows)",
                         reference.row(PAPER, "t7_proposed_f1_macro")["locator"], "better",
                         ptest + "; models resampled independently per arm", provenance, n_seeds=n_seeds,
                         n_runs=r["n_models"], unit=unit, family="simpler methods", ours=r["diff"], ci_low=r["ci"][0],
                         ci_high=r["ci"][1], p=r["p"], ci_level=0.90, blocker=fusion_blocker(folds, cfg, kb, vb),
                         margin=margin, margin_reason=margin_reason, section="ours", metric="macro-F1 difference",
                         note="our question: the paper compares only with published numbers on other data (Table 7)"))
    out.append(Claim(PAPER, "table7_surpasses_literature", "The model surpasses several previously reported multi-omics "
                     "approaches (Table 7)", reference.row(PAPER, "t7_proposed_f1_macro")["locator"], "better",
                     "not run: Table 7's other rows are published numbers on other datasets and class sets (TCGA, "
                     "five classes); no comparison on the same patients is possible here",
                     "synthetic" if provenance == "synthetic" else ABSENT,
                     family="literature (Table 7)", note="the literature rows are shown in table7_literature.csv"))
    return out


# ------------------------------------------------------------------------------ facts

def table4_facts(t4: pd.DataFrame, cfg: Config) -> dict:
    """Facts of Table 4: ranges over the configurations and the best configurations."""
    kb, vb = best_config(cfg)
    top = t4.loc[t4["f1_macro"].idxmax()]
    pb = t4[(t4["K_paper"] == kb) & (t4["variant"] == vb)].iloc[0]
    return {"t4_f1_min": (t4["f1_macro"].min(), "{:.3f}"), "t4_f1_max": (t4["f1_macro"].max(), "{:.3f}"),
            "t4_auc_min": (t4["roc_auc"].min(), "{:.3f}"), "t4_auc_max": (t4["roc_auc"].max(), "{:.3f}"),
            "t4_wf1_min": (t4["f1_weighted"].min(), "{:.3f}"), "t4_wf1_max": (t4["f1_weighted"].max(), "{:.3f}"),
            "t4_top_variant": (str(top["variant"]), "{}"), "t4_top_k_paper": (int(top["K_paper"]), "{:d}"),
            "t4_top_k": (int(top["K"]), "{:d}"), "t4_top_f1": (top["f1_macro"], "{:.3f}"),
            "t4_top_f1_sd": (top["f1_macro_sd"], "{:.3f}"),
            "best_f1": (pb["f1_macro"], "{:.3f}"), "best_f1_sd": (pb["f1_macro_sd"], "{:.3f}"),
            "best_k": (int(pb["K"]), "{:d}"), "best_wf1": (pb["f1_weighted"], "{:.3f}"),
            "best_acc": (pb["accuracy"], "{:.3f}"), "best_auc": (pb["roc_auc"], "{:.3f}")}


def table5_facts(t5: pd.DataFrame, text_rows: list[dict]) -> dict:
    out = {}
    for _, r in t5.iterrows():
        out[f"t5_{r['key']}_delta"] = (r["delta"], "{:+.3f}")
        out[f"t5_{r['key']}_p_t"] = (r["p_t"], "{:.2g}")
        out[f"t5_{r['key']}_p_w"] = (r["p_wilcoxon"], "{:.2g}")
    for r in text_rows:
        fmt = "{:.2f}" if r["metric"] == "chi2" else "{:+.3f}" if r["metric"] == "delta" else "{:.2g}"
        out[f"text_{r['key']}"] = (r["ours"], fmt)
    return out


def claim_facts(claim_list: list[Claim]) -> dict:
    """Facts of the ledger: the number of claims, the count per verdict, each claim's verdict and
    the largest number of seeds."""
    from omicslib.book import claims as C

    df = C.ledger(claim_list)
    comp = df[df["kind"].isin(C.COMPARATIVE) & (df["n_runs"] > 0)]
    out = {"n_claims": (len(df), "{:d}"), "claims_max_seeds": (int(df["n_seeds"].max()), "{:d}"),
           "claims_min_seeds_comparative": (int(comp["n_seeds"].min()) if len(comp) else 0, "{:d}"),
           "n_decided": (int(df["verdict"].isin(C.DECIDED).sum()), "{:d}"),
           "n_family": (int((df["family"] == FAMILY).sum()), "{:d}")}
    for v in C.VERDICTS:
        out[f"n_{v.replace(' ', '_')}"] = (int((df["verdict"] == v).sum()), "{:d}")
    for r in df.itertuples():
        out[f"verdict_{r.id}"] = (r.verdict, "{}")
        out[f"reason_{r.id}"] = (r.reason, "{}")
    return out


# ------------------------------------------------------------------------------ bootstrap over test patients
#
# Every model of the grid (and every baseline) scores the same hold-out patients, so the hold-out's
# sampling error is the main noise of each headline number. The intervals and tests below resample
# the hold-out patients (multinomial weights) and, in the same replicate, the models of each arm
# (two-way bootstrap: test-set sampling error and training variance together).

#: Metrics the bootstrap computes from a (weighted) confusion matrix (:func:`omicslib.bootstrap.cm_metrics`).
CM_METRICS = ("f1_macro", "f1_weighted", "accuracy", "precision_macro", "recall_macro")


@dataclass
class Arm:
    """One arm of a comparison: its models' hold-out probabilities keyed by model id (e.g. (seed, fold))."""

    name: str
    probs: dict

    def keys(self):
        return sorted(self.probs)


def arm_of(result: GridResult, k_paper: int, variant: str) -> Arm:
    """The fold models of one (K, variant) of a grid (every seed), keyed ``(seed, fold)``."""
    pr = {(k[3] if len(k) > 3 else 0, k[2]): p for k, p in result.probs.items() if k[0] == k_paper and k[1] == variant}
    if not pr:
        raise KeyError(f"no models for K={k_paper} {variant}")
    return Arm(f"K={k_paper} {variant}", pr)


def pooled_arm(result: GridResult, k_paper: int, variants=PAPER_VARIANTS) -> list[Arm]:
    """The arms of every modality variant at one K (a pooled comparison averages over them)."""
    return [arm_of(result, k_paper, v) for v in variants]


def topk_arm(topk, k_paper: int) -> Arm:
    """The fold models of the strongest simple baseline on the deep model's top-K features at paper K
    (:func:`~omicslib.papers.p1_crossmodal.baselines.run_topk_baselines`), keyed ``(0, fold)``."""
    pr = {(0, f): p for (k, f), p in topk.probs.items() if k == k_paper}
    if not pr:
        raise KeyError(f"no top-K baseline at K={k_paper}")
    return Arm(f"{TOPK_TUNED} (K={k_paper})", pr)


def baseline_arm(base, method: str) -> Arm:
    """A baseline's fold models, keyed ``(0, fold)``."""
    pr = {(0, f): p for (m, f), p in base.probs.items() if m == method}
    if not pr:
        raise KeyError(f"no hold-out probabilities for baseline {method!r}")
    return Arm(method, pr)


def _metric(metric: str, n_classes: int) -> boot.WeightedMetric:
    if metric == "roc_auc":
        return boot.weighted_auc
    return lambda W, y, p: boot.cm_metrics(boot.weighted_confusions(W, y, p.argmax(1), n_classes))[metric]


def _per_model(arm: Arm, W: np.ndarray, y: np.ndarray, metric: str, n_classes: int) -> np.ndarray:
    """``(M, B)`` metric of each model of ``arm`` under every replicate, and ``(M,)`` at the sample."""
    return boot.per_model([arm.probs[k] for k in arm.keys()], W, y, _metric(metric, n_classes))


def _arms_stat(arms: list[Arm], W, y, metric, n_classes, draws) -> tuple[np.ndarray, float]:
    """Mean over the arms of (mean over resampled models of the metric): replicates and point value."""
    reps, point = [], []
    for arm, d in zip(arms, draws):
        S, S0 = _per_model(arm, W, y, metric, n_classes)
        reps.append(boot.mean_over_draws(S, d))
        point.append(S0.mean())
    return np.mean(reps, 0), float(np.mean(point))


def bootstrap_value(arms: Arm | list[Arm], y, metric: str = "f1_macro", *, n_boot: int = 2000, level: float = 0.90,
                    seed: int = 0, n_classes: int = 4) -> dict:
    """Mean over the models of an arm (over arms, for a pooled arm) of a hold-out metric, with a
    two-way percentile bootstrap CI at ``level``: each replicate resamples the test patients and the
    models. Returns ``estimate``, ``ci``, ``n_models``, ``n_patients``, the replicates."""
    arms = [arms] if isinstance(arms, Arm) else list(arms)
    W = boot.patient_weights(len(y), n_boot, seed)
    rng = np.random.default_rng(seed + 1)
    draws = [boot.model_draws(len(a.probs), n_boot, rng) for a in arms]
    reps, point = _arms_stat(arms, W, y, metric, n_classes, draws)
    return {"estimate": point, "ci": boot.percentile_ci(reps, level),
            "n_models": sum(len(x.probs) for x in arms), "n_patients": len(y), "replicates": reps}


def paired_bootstrap(a: Arm | list[Arm], b: Arm | list[Arm], y, metric: str = "f1_macro", *, n_boot: int = 2000,
                     level: float = 0.90, seed: int = 0, n_classes: int = 4) -> dict:
    """The difference A − B of :func:`bootstrap_value` on the same resampled test patients (paired over
    patients); models are resampled jointly where the arms share their model ids (same seed and fold),
    independently otherwise. Two-sided p = 2 · min(share of replicates ≤ 0, share ≥ 0), with the
    +1 correction. Returns ``diff``, ``ci``, ``p``, ``n_models``, ``n_patients``."""
    a = [a] if isinstance(a, Arm) else list(a)
    b = [b] if isinstance(b, Arm) else list(b)
    W = boot.patient_weights(len(y), n_boot, seed)
    rng = np.random.default_rng(seed + 1)
    shared = {}
    draws = []
    for arm in a + b:
        ks = tuple(arm.keys())
        if ks not in shared:
            shared[ks] = boot.model_draws(len(ks), n_boot, rng)
        draws.append(shared[ks])
    ra, pa = _arms_stat(a, W, y, metric, n_classes, draws[:len(a)])
    rb, pb = _arms_stat(b, W, y, metric, n_classes, draws[len(a):])
    d = ra - rb
    return {"diff": pa - pb, "ci": boot.percentile_ci(d, level), "p": boot.two_sided_p(d),
            "n_models": sum(len(x.probs) for x in a + b), "n_patients": len(y)}


def bootstrap_class_metrics(arm: Arm, y, *, n_boot: int = 2000, level: float = 0.90, seed: int = 0,
                            classes=SUBTYPES) -> pd.DataFrame:
    """Table 6 as the paper computes it (every model's hold-out predictions pooled into one confusion
    matrix) with two-way bootstrap CIs: per class and macro precision, recall and F1."""
    n_classes = len(classes)
    W = boot.patient_weights(len(y), n_boot, seed)
    W1 = np.vstack([np.ones((1, W.shape[1])), W])
    cms = np.stack([boot.weighted_confusions(W1, y, arm.probs[k].argmax(1), n_classes) for k in arm.keys()])  # M,B+1,C,C
    d = boot.model_draws(len(cms), n_boot, np.random.default_rng(seed + 1))
    pooled0 = cms[:, 0].sum(0)
    pooled = cms[d, np.arange(1, n_boot + 1)[:, None]].sum(1)                                          # B,C,C
    m0, m = boot.cm_metrics(pooled0), boot.cm_metrics(pooled)
    rows = []
    for i, cls in enumerate(list(classes) + ["macro avg"]):
        for met in ("precision", "recall", "f1"):
            if cls == "macro avg":
                v0, reps = float(m0[met].mean()), m[met].mean(-1)
            else:
                v0, reps = float(m0[met][i]), m[met][:, i]
            lo, hi = boot.percentile_ci(reps, level)
            rows.append({"class": cls, "metric": met, "estimate": v0, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)
