"""p1 analysis: Tables 4-7, the statistics of the Results text, the gates, and the claims ledger.

Every paper value is read from ``omicslib/papers/p1_crossmodal/reference.csv``
(:mod:`omicslib.book.reference`); nothing here types one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from omicslib import metrics, stats
from omicslib.book import reference
from omicslib.book.claims import Claim, value_claim
from omicslib.book.report import vs_paper
from omicslib.data.metabric import SUBTYPE_NAMES, SUBTYPES
from omicslib.papers.p1_crossmodal.config import PAPER_K_GRID, PAPER_VARIANTS, P1Config
from omicslib.papers.p1_crossmodal.protocol import METRICS, GridResult

PAPER = "p1"
#: Rows/columns of the paper's Figure 6 (and of every confusion matrix we draw beside it).
CONFUSION_ORDER = ["Basal", "Her2", "LumA", "LumB"]
_SLUG = {"EXP": "exp", "EXP+CNA": "exp_cna", "EXP+CNA+MUT": "exp_cna_mut"}
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


def best_config(cfg: P1Config) -> tuple[int, str]:
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
    k = _grid_k(k_grid, i)
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
    run.compare rows (each with its reference ``key``)."""
    rows = []
    for v in ("EXP+CNA", "EXP+CNA+MUT"):
        r = _test_or_nan(stats.friedman, *[per_fold_f1(folds, k, v) for k in k_grid])
        rows += [_row(f"fried_{_SLUG[v]}_chi2", r.statistic if r else np.nan, note),
                 _row(f"fried_{_SLUG[v]}_p", r.pvalue if r else np.nan, note)]
    pooled = {k: _pooled(folds, k) for k in k_grid}
    r = _test_or_nan(stats.friedman, *pooled.values())
    rows += [_row("fried_pooled_chi2", r.statistic if r else np.nan, note),
             _row("fried_pooled_p", r.pvalue if r else np.nan, note)]
    k300, k500, k1000, k1500 = k_grid[:4]
    for (a, b), key in {(k1000, k500): "pooled_k1000v500", (k1500, k1000): "pooled_k1500v1000"}.items():
        t = _test_or_nan(stats.paired_t, pooled[a], pooled[b])
        rows += [_row(f"{key}_delta", float(np.mean(pooled[a] - pooled[b])), note),
                 _row(f"{key}_p", t.pvalue if t else np.nan, note)]
    raw = [_test_or_nan(stats.paired_t, pooled[k1000], pooled[k]) for k in (k300, k500, k1500)]
    ps = np.array([r.pvalue if r else np.nan for r in raw])
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


def per_fold_class_metric(result: GridResult, k_paper: int, variant: str, cls: str, metric: str = "precision",
                          classes=SUBTYPES) -> np.ndarray:
    """One class's metric per fold model (for the per-subtype value claims)."""
    keys = sorted(k for k in result.probs if k[0] == k_paper and k[1] == variant)
    names = np.asarray(classes)
    out = []
    for k in keys:
        pc = metrics.per_class(names[result.y_test], names[result.probs[k].argmax(1)], labels=list(classes))
        out.append(float(pc.loc[cls, metric]))
    return np.asarray(out)


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


def gate_movement(folds: pd.DataFrame, cfg: P1Config, k_paper: int | None = None,
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


def fusion_blocker(folds: pd.DataFrame, cfg: P1Config, k_paper: int | None = None, variant: str | None = None) -> str:
    """``"fusion untrained: ..."`` when the gates moved less than ``cfg.gate_min_move`` from their start."""
    move = gate_movement(folds, cfg, k_paper, variant)
    if math.isnan(move) or move >= cfg.gate_min_move:
        return ""
    return (f"fusion untrained: the gates moved at most {move:.3f} from their start value "
            f"(< {cfg.gate_min_move:g}), so the cross-modal enrichment is inert")


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


# ------------------------------------------------------------------------------ claims

def _paired_by_fold(a: pd.DataFrame, b: pd.DataFrame, metric: str = "f1_macro") -> tuple[np.ndarray, np.ndarray]:
    """Scores of two arms paired on (seed, fold); missing pairs raise."""
    on = [c for c in ("seed", "fold") if c in a.columns and c in b.columns]
    m = a[on + [metric]].merge(b[on + [metric]], on=on, suffixes=("_a", "_b"), validate="one_to_one")
    if len(m) != len(a) or len(m) != len(b):
        raise ValueError(f"arms do not pair on {on}: {len(a)} vs {len(b)} rows, {len(m)} pairs")
    return m[f"{metric}_a"].to_numpy(), m[f"{metric}_b"].to_numpy()


def _arm(folds: pd.DataFrame, k_paper: int, variant: str) -> pd.DataFrame:
    return folds[(folds["K_paper"] == k_paper) & (folds["variant"] == variant)]


def _pooled_arm(folds: pd.DataFrame, k_paper: int) -> pd.DataFrame:
    """The mean over the three modality variants per (seed, fold): one value per fold model set,
    so the three variants of the same fold are not counted as independent pairs."""
    on = [c for c in ("seed", "fold") if c in folds.columns]
    return folds[folds["K_paper"] == k_paper].groupby(on, as_index=False)["f1_macro"].mean()


def comparison(a: np.ndarray, b: np.ndarray, ratio: float) -> dict:
    """Our test (Nadeau-Bengio corrected resampled t over (seed, fold) pairs) and the paper's
    (plain paired t) of a - b."""
    pt = _test_or_nan(stats.paired_t, a, b)
    if pt is None:  # identical arms or a single pair: no test
        d = float(np.mean(np.asarray(a) - np.asarray(b))) if len(a) else math.nan
        return {"diff": d, "ci": (math.nan, math.nan), "p": math.nan, "p_paper_test": math.nan, "n": len(a)}
    nb = stats.corrected_resampled_t(a, b, ratio)
    lo, hi = nb.extra["ci"]
    return {"diff": float(np.mean(a - b)), "ci": (float(lo), float(hi)), "p": float(nb.pvalue),
            "p_paper_test": pt.pvalue if pt else math.nan, "n": len(a)}


def claims(result: GridResult, prep, cfg: P1Config, provenance: str, base=None,
           n_seeds: int = 1, seeds_note: str = "") -> list[Claim]:
    """The p1 claims ledger from a grid (``result.folds`` may hold several seeds in a ``seed``
    column) and the baselines (:class:`~omicslib.papers.p1_crossmodal.baselines.Baselines`)."""
    folds = result.folds
    kb, vb = best_config(cfg)
    k_lo, k_mid = cfg.k_grid[0], cfg.k_grid[1 if len(cfg.k_grid) > 1 else 0]
    n_train = len(prep.cv.folds[0][0])
    ratio = len(prep.cv.test) / n_train
    test = (f"Nadeau-Bengio corrected resampled t over (seed, fold) pairs, test/train ratio "
            f"{len(prep.cv.test)}/{n_train}")
    seeds_note = seeds_note or f"{n_seeds} seed(s)"
    kmap = f"K={{}} is our K={{}} ({prep.k_note})"
    out = []
    best = _arm(folds, kb, vb)
    kw = dict(provenance=provenance, n_seeds=n_seeds)
    k_txt = kmap.format(kb, prep.k_map[kb])
    for m, key, stmt in (
        ("f1_macro", t4_key(1000, "EXP+CNA", "f1_macro"), "Best configuration (K=1000, EXP+CNA): hold-out macro-F1"),
        ("f1_weighted", t4_key(1000, "EXP+CNA", "f1_weighted"), "Best configuration: hold-out weighted F1"),
        ("accuracy", t4_key(1000, "EXP+CNA", "accuracy"), "Best configuration: hold-out accuracy"),
        ("roc_auc", t4_key(1000, "EXP+CNA", "roc_auc"), "Best configuration: hold-out ROC AUC"),
    ):
        out.append(value_claim(PAPER, f"headline_{m}", stmt, key, test="mean and t-based 95 % CI over the fold "
                               "models (and seeds)", values=best[m].to_numpy(), note=f"{k_txt}; {seeds_note}", **kw))
    her2 = per_fold_class_metric(result, kb, vb, "Her2", "precision")
    out.append(value_claim(PAPER, "her2_precision", "HER2-enriched is the hardest class: precision "
                           "(K=1000 EXP+CNA)", "t6_her2_precision", test="mean and t-based 95 % CI of the class "
                           "precision over the fold models", values=her2, note=f"{k_txt}; {seeds_note}", **kw))

    def better(id_, stmt, key, a, b, locator_key, sign=1, blocker="", note=""):
        c = comparison(a, b, ratio)
        out.append(Claim(PAPER, id_, stmt, reference.row(PAPER, locator_key)["locator"], "better", test, provenance,
                         n_seeds=n_seeds, n_runs=c["n"], family="comparative",
                         paper_value=ref(key) if key else math.nan, ours=c["diff"], ci_low=c["ci"][0],
                         ci_high=c["ci"][1], p=c["p"], expected_sign=sign, blocker=blocker,
                         note=f"the paper's test (paired t over the same pairs): p = {c['p_paper_test']:.3g}; "
                              f"{note}{seeds_note}"))

    def no_diff(id_, stmt, key, a, b, blocker, note="", has_value=True):
        c = comparison(a, b, ratio)
        out.append(Claim(PAPER, id_, stmt, reference.row(PAPER, key)["locator"], "no_difference", test, provenance,
                         n_seeds=n_seeds, n_runs=c["n"], family="comparative",
                         paper_value=ref(key) if has_value else math.nan,
                         ours=c["diff"], ci_low=c["ci"][0], ci_high=c["ci"][1], p=c["p"],
                         margin=cfg.equivalence_margin, blocker=blocker,
                         note=f"equivalence margin ±{cfg.equivalence_margin:g} macro-F1; the paper's test (paired "
                              f"t): p = {c['p_paper_test']:.3g}; {note}{seeds_note}"))

    a, b = _paired_by_fold(_arm(folds, k_mid, "EXP+CNA"), _arm(folds, k_lo, "EXP+CNA"))
    better("k_matters_exp_cna_500v300", "Within EXP+CNA, K=500 beats K=300 (feature-set size matters)",
           "t5_k500v300_exp_cna_delta", a, b, "t5_k500v300_exp_cna_p_t",
           note=f"{kmap.format(k_mid, prep.k_map[k_mid])}, K=300 is ours {prep.k_map[k_lo]}; ")
    a, b = _paired_by_fold(_arm(folds, kb, "EXP+CNA"), _arm(folds, k_lo, "EXP+CNA"))
    better("k_matters_exp_cna_1000v300", "Within EXP+CNA, K=1000 beats K=300 (feature-set size matters)",
           "t5_k1000v300_exp_cna_delta", a, b, "t5_k1000v300_exp_cna_p_t",
           note=f"{k_txt}, K=300 is ours {prep.k_map[k_lo]}; ")
    a, b = _paired_by_fold(_pooled_arm(folds, kb), _pooled_arm(folds, k_lo))
    better("k_matters_pooled_1000v300", "Pooled over the modality variants, K=1000 beats K=300",
           "t5_pooled_k1000v300_delta", a, b, "t5_pooled_k1000v300_p_t",
           note="our pairs are the per-fold means over the three variants (the paper's pooled n=15 test stacks "
                "the three variants of the same folds as independent pairs: pseudo-replication; its p is in "
                "table5.csv); ")
    for kp, key in ((k_lo, "t5_mod_k300_delta"), (kb, "t5_mod_k1000_delta")):
        a, b = _paired_by_fold(_arm(folds, kp, "EXP+CNA+MUT"), _arm(folds, kp, "EXP+CNA"))
        blocker = fusion_blocker(folds, cfg, kp)
        no_diff(f"modality_no_difference_k{kp}", f"At K={kp}, EXP+CNA+MUT and EXP+CNA do not differ "
                "(modality differences are not significant)", key, a, b, blocker,
                note=f"{kmap.format(kp, prep.k_map[kp])}; ")
    a, b = _paired_by_fold(_arm(folds, kb, "EXP+CNA"), _arm(folds, kb, "EXP"))
    no_diff(f"modality_no_difference_exp_cna_vs_exp_k{kb}", f"At K={kb}, EXP+CNA and EXP alone do not differ",
            "smallest_modality_p", a, b, fusion_blocker(folds, cfg, kb, "EXP+CNA"),
            note=f"{k_txt}; the paper states every modality p >= {ref('smallest_modality_p'):g} without printing this row; ",
            has_value=False)
    if base is not None:
        strongest = strongest_baseline(base.scores)
        bs = base.scores[base.scores["method"] == strongest]
        if "seed" in best.columns and "seed" not in bs.columns:
            best_b = best[best["seed"] == best["seed"].min()]
        else:
            best_b = best
        a, b = _paired_by_fold(best_b, bs)
        blocker = fusion_blocker(folds, cfg, kb, vb)
        better("beats_simpler_methods", f"The cross-modal model (K=1000, EXP+CNA) beats simpler methods "
               f"(strongest here: {strongest})", "", a, b, "t7_proposed_f1_macro",
               note=("the paper compares only with published numbers on other data (Table 7); "
                     + ("the fusion is inert in this build (" + blocker + "); " if blocker else "")))
    return out


# ------------------------------------------------------------------------------ facts

def table4_facts(t4: pd.DataFrame, cfg: P1Config) -> dict:
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
    out = {"n_claims": (len(df), "{:d}"), "claims_max_seeds": (int(df["n_seeds"].max()), "{:d}")}
    for v in C.VERDICTS:
        out[f"n_{v.replace(' ', '_')}"] = (int((df["verdict"] == v).sum()), "{:d}")
    for r in df.itertuples():
        out[f"verdict_{r.id}"] = (r.verdict, "{}")
    return out
