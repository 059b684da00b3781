"""p5 analysis: summaries, paired comparisons over the same seed x fold splits, comparison rows and claims.

Comparisons of two arms use the Nadeau–Bengio corrected resampled t-test over the seed x fold pairs
(:func:`omicslib.stats.corrected_resampled_t`, test/train ratio 1/(k-1) for k-fold CV); the plain paired
t-test over folds (optimistic: folds share training data) is kept beside it as the earlier analysis.
Verdicts are computed by :mod:`omicslib.book.claims` (synthetic data: pipeline checks only).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats as ss

from omicslib import stats
from omicslib.baselines import record_summary
from omicslib.book.claims import ABSENT, VALUE_CI, Claim, interval
from omicslib.book.claims import margin_of as _margin_of

PAPER = "p5"
LOCATOR = "Abstract"
METRIC_NAMES = {"c_index": "Harrell's C-index", "macro_f1": "macro-F1"}

# The abstract's claims (statement, locator): one definition, used by every notebook's ledger.
STATEMENTS = {
    "multimodal": "Survival prediction improves with multimodal integration over single-modal data "
                  "(WSI or RNA-seq alone)",
    "pretraining": "CLIP-style contrastive pretraining, followed by fine-tuning, serves the prediction of survival "
                   "status and PAM50 subtypes",
    "celltype_survival": "ABMIL with cell type-related, deep learning-derived features enhances survival prediction",
    "celltype_pam50": "ABMIL with cell type-related, deep learning-derived features enhances molecular (PAM50) "
                      "classification",
    "single_modal": "The pretrained model can be applied to single-modal datasets",
    "multitask": "The fine-tuned model predicts survival and classifies PAM50 subtypes",
}


def margin_of(key: str) -> tuple[float, str]:
    """The margin of a p5 comparative claim and its reason, from the reference file's ``key`` row."""
    return _margin_of(PAPER, key)


def summarise(per_fold: pd.DataFrame, metrics_: Sequence[str] = ("c_index", "macro_f1")) -> pd.DataFrame:
    """Mean ± SD over folds and seeds per (setting, evaluated_on)."""
    cols = [m for m in metrics_ if m in per_fold]
    g = per_fold.groupby(["setting", "evaluated_on"], sort=False)[cols]
    out = g.mean().add_suffix("_mean").join(g.std(ddof=1).add_suffix("_sd")).join(g.size().rename("n_runs"))
    return out.reset_index()


def arm_scores(per_fold: pd.DataFrame, arm: tuple[str, str], metric: str) -> pd.Series:
    """Scores of one arm ``(setting, evaluated_on)`` indexed by (seed, fold)."""
    sel = per_fold[(per_fold["setting"] == arm[0]) & (per_fold["evaluated_on"] == arm[1])]
    return sel.set_index(["seed", "fold"])[metric].sort_index()


def _pair(per_fold, a, b, metric):
    xa, xb = arm_scores(per_fold, a, metric), arm_scores(per_fold, b, metric)
    if xa.empty or xb.empty or not xa.index.equals(xb.index):
        raise ValueError(f"arms {a} and {b} are missing or were not run on the same seeds x folds")
    return xa, xb


def compare_arms(per_fold: pd.DataFrame, a: tuple[str, str], b: tuple[str, str], metric: str = "c_index") -> dict:
    """Plain paired comparison (``omicslib.stats.paired_comparison``) of two arms over the same seeds x folds.
    CV folds share training data, so its t-test is optimistic: see :func:`corrected_compare`."""
    xa, xb = _pair(per_fold, a, b, metric)
    return stats.paired_comparison(xa.to_numpy(), xb.to_numpy())


def test_train_ratio(folds: int) -> float:
    """n_test / n_train of k-fold CV."""
    return 1.0 / (folds - 1)


def corrected_compare(per_fold: pd.DataFrame, a: tuple[str, str], b: tuple[str, str], metric: str,
                      folds: int) -> dict:
    """A − B over the same seed x fold splits: mean difference, its 95 % CI and p from the Nadeau–Bengio
    corrected resampled t-test, with the plain paired t p-value beside it."""
    xa, xb = _pair(per_fold, a, b, metric)
    r = stats.corrected_resampled_t(xa.to_numpy(), xb.to_numpy(), test_train_ratio(folds))
    naive = stats.paired_comparison(xa.to_numpy(), xb.to_numpy())
    lo, hi = r.extra["ci"]
    return {"delta": r.extra["mean_diff"], "ci_low": lo, "ci_high": hi, "p": r.pvalue, "p_paired_t": naive["p_t"],
            "mean_a": float(xa.mean()), "mean_b": float(xb.mean()), "n": int(len(xa)),
            "n_seeds": int(xa.index.get_level_values("seed").nunique())}


def best_arm(summary: pd.DataFrame, arms: Sequence[tuple[str, str]], metric: str = "c_index") -> tuple[str, str]:
    """The arm with the highest mean ``metric`` among ``arms``."""
    idx = summary.set_index(["setting", "evaluated_on"])
    return max(arms, key=lambda a: idx.loc[a, f"{metric}_mean"])


def comparison_claim(id: str, claim: str, per_fold: pd.DataFrame, a, b, metric: str, folds: int, provenance: str,
                     family: str, what: str = "", kind: str = "better", margin_key: str = "", scope: str = "",
                     note: str = "") -> Claim:
    """A ``better`` / ``no_difference`` claim from two arms over the same seed x fold splits; ``margin_key``
    names the reference row whose tolerance is the claim's margin (with its reason)."""
    r = corrected_compare(per_fold, a, b, metric, folds)
    name = METRIC_NAMES.get(metric, metric)
    test = (f"{name}: {a[0]} [{a[1]}] − {b[0]} [{b[1]}], Nadeau–Bengio corrected resampled t over "
            f"{r['n']} seed x fold splits, folds redrawn per seed (plain paired t p = {r['p_paired_t']:.2g})")
    margin, why = margin_of(margin_key) if margin_key else (math.nan, "")
    return Claim(PAPER, id, STATEMENTS[claim] + (f" — {what}" if what else ""), LOCATOR, kind, test, provenance,
                 n_seeds=r["n_seeds"], n_runs=r["n"], unit="seed × fold", family=family, ours=r["delta"],
                 ci_low=r["ci_low"], ci_high=r["ci_high"], ci_level=0.95, p=r["p"], margin=margin,
                 margin_reason=why, scope=scope, note=note or f"means {r['mean_a']:.3f} vs {r['mean_b']:.3f}")


# ------------------------------------------------------------------------------------ p5_02


MM, MMP = ("multimodal", "slide+rna"), ("multimodal + pretraining", "slide+rna")
IMG, IMGP = ("image only", "slide"), ("image only + pretraining", "slide")
RNA, RNAP = ("RNA only", "rna"), ("RNA only + pretraining", "rna")
IMGC = ("image only + cell types + pretraining", "slide")
MMP_ON_RNA = ("multimodal + pretraining", "rna")
SYNTHETIC_ARMS = {"mm": MM, "mmp": MMP, "img": IMG, "imgp": IMGP, "rna": RNA, "rnap": RNAP, "imgc": IMGC,
                  "mmp_on_rna": MMP_ON_RNA}
#: Reference rows whose tolerance is the margin of the single-modality equivalence claims and of the
#: multimodal-gain claims (the value and its reason live in ``reference.csv``).
EQUIVALENCE_KEY, GAIN_KEY = "single_modal_equivalence", "multimodal_gain"


def synthetic_claims(per_fold: pd.DataFrame, summary: pd.DataFrame, folds: int) -> list[Claim]:
    """The abstract's claims on the synthetic paired cohorts: pipeline checks (no verdict)."""
    fam, prov = "synthetic", "synthetic"
    best = best_arm(summary, (IMGP, RNAP))
    c = lambda *a, **k: comparison_claim(*a, provenance=prov, family=fam, **k)  # noqa: E731
    return [
        c("syn_multimodal_vs_best_single", "multimodal", per_fold, MMP, best, "c_index", folds,
          what=f"synthetic: multimodal vs best single modality ({best[0]}), both pretrained"),
        c("syn_multimodal_vs_image", "multimodal", per_fold, MM, IMG, "c_index", folds,
          what="synthetic: vs image only, no pretraining"),
        c("syn_multimodal_vs_rna", "multimodal", per_fold, MM, RNA, "c_index", folds,
          what="synthetic: vs RNA only, no pretraining"),
        c("syn_pretraining_multimodal", "pretraining", per_fold, MMP, MM, "c_index", folds,
          what="synthetic: multimodal, pretrained vs from scratch"),
        c("syn_pretraining_rna", "pretraining", per_fold, RNAP, RNA, "c_index", folds,
          what="synthetic: RNA only, pretrained vs from scratch"),
        c("syn_pretraining_image", "pretraining", per_fold, IMGP, IMG, "c_index", folds,
          what="synthetic: image only, pretrained vs from scratch"),
        c("syn_celltype_survival", "celltype_survival", per_fold, IMGC, IMGP, "c_index", folds,
          what="synthetic: image, pretrained, + cell-type features vs deep features only"),
        c("syn_celltype_pam50", "celltype_pam50", per_fold, IMGC, IMGP, "macro_f1", folds,
          what="synthetic: image, pretrained, + cell-type features vs deep features only"),
        c("syn_single_modal", "single_modal", per_fold, MMP_ON_RNA, RNA, "c_index", folds, kind="no_difference",
          margin_key=EQUIVALENCE_KEY, what="synthetic: pretrained multimodal model applied to RNA alone vs RNA-only "
                                            "model"),
    ]


def synthetic_rows(per_fold: pd.DataFrame, summary: pd.DataFrame, folds: int, n_seeds: int) -> list[dict]:
    """Comparison rows (``paper`` empty) of the synthetic arms and differences; synthetic: no verdict, no delta."""
    rows = []
    for cl in synthetic_claims(per_fold, summary, folds):
        metric = "macro-F1" if "macro-F1" in cl.test else "C-index"
        rows.append({"item": cl.statement.split(" — ")[-1], "metric": f"difference in {metric}", "paper": None,
                     "ours": cl.ours, "ours_sd": None,
                     "note": f"pipeline check; 95 % CI [{cl.ci_low:.3f}, {cl.ci_high:.3f}], corrected resampled t "
                             f"p = {cl.p:.2g}; {cl.note}"})
    idx = summary.set_index(["setting", "evaluated_on"])
    for metric, label in (("c_index", "C-index"), ("macro_f1", "macro-F1")):
        for arm in (MMP, RNAP, IMGP, IMGC):
            rows.append({"item": f"{'survival' if metric == 'c_index' else 'PAM50'} from {arm[1]} ({arm[0]})",
                         "metric": label, "paper": None, "ours": idx.loc[arm, f"{metric}_mean"],
                         "ours_sd": idx.loc[arm, f"{metric}_sd"],
                         "note": f"synthetic; {folds}-fold x {n_seeds} seed(s)"})
    return rows


# ------------------------------------------------------------------------------------ p5_01


def rna_branch_rows(summary: pd.DataFrame, transfer: pd.DataFrame, folds: int, n_seeds: int,
                    deep: str = "RNA encoder (no pretraining)") -> list[dict]:
    """p5_01's comparison rows (the abstract gives no values, so ``paper`` is empty)."""
    s = summary.set_index("setting")
    rows = [
        {"item": "RNA-only survival, TCGA-BRCA OS (no pretraining)", "metric": "C-index", "paper": None,
         "ours": s.loc[deep, "c_index_mean"], "ours_sd": s.loc[deep, "c_index_sd"],
         "note": f"{folds}-fold x {n_seeds} seed(s); 200-gene real subset; abstract gives no value"},
        {"item": "PAM50 classification from RNA, TCGA-BRCA (5 classes)", "metric": "macro-F1", "paper": None,
         "ours": s.loc[deep, "macro_f1_mean"], "ours_sd": s.loc[deep, "macro_f1_sd"],
         "note": "multi-task head trained jointly with the Cox head"},
    ]
    for name, g in transfer.groupby("cohort", sort=False):
        rows.append({"item": f"Independent validation {name.upper()} ({g['endpoint'].iloc[0]}), TCGA-trained RNA model",
                     "metric": "C-index", "paper": None, "ours": g["c_index"].mean(),
                     "ours_sd": g["c_index"].std(ddof=1) if len(g) > 1 else None,
                     "note": f"{g['genes'].iloc[0]} shared genes; not in the paper"})
    return rows


def multitask_claims(per_fold: pd.DataFrame, provenance: str, setting: str, baselines: pd.DataFrame | None = None,
                     scope: str = "") -> list[Claim]:
    """The multi-task claim has no number in the abstract. "Predicts survival" is still testable: Harrell's
    C-index against chance (0.5), a ``better`` claim (effect C − 0.5 with its t-based 90 % CI over seed x fold,
    one-sample t p; the seed x fold values share patients, so the p is optimistic, as stated in the test).
    Macro-F1 has no chance level that the abstract states: its value is shown and it is not testable.
    ``baselines``: per-fold rows of the tuned baselines on the same folds; the best one per metric is shown
    beside ours."""
    out = []
    for metric in ("c_index", "macro_f1"):
        v = per_fold.loc[per_fold["setting"] == setting, metric].to_numpy(float)
        m, lo, hi, n = interval(v, VALUE_CI)
        base = ("", math.nan, math.nan, math.nan)
        if baselines is not None and metric in baselines:
            b = baselines.dropna(subset=[metric]).groupby("setting")[metric]
            if len(b):
                name = b.mean().idxmax()
                bm, blo, bhi, _ = interval(b.get_group(name).to_numpy(float), VALUE_CI)
                base = (f"{name}, tuned", bm, blo, bhi)
        common = dict(n_seeds=int(per_fold["seed"].nunique()), n_runs=n, unit="seed × fold", ci_level=VALUE_CI,
                      scope=scope, baseline=base[0], baseline_value=base[1], baseline_ci_low=base[2],
                      baseline_ci_high=base[3], metric=METRIC_NAMES[metric])
        if metric == "c_index":
            fin = v[np.isfinite(v)]
            p = float(ss.ttest_1samp(fin, 0.5).pvalue) if fin.size >= 2 and np.ptp(fin) > 0 else math.nan
            out.append(Claim(PAPER, f"multitask_{metric}", STATEMENTS["multitask"] + " — real TCGA-BRCA RNA branch, "
                             f"{METRIC_NAMES[metric]} above chance (0.5)", LOCATOR, "better",
                             "Harrell's C-index − 0.5: mean and t-based 90 % CI over seed x fold (stratified 5-fold "
                             "CV, folds redrawn per seed), one-sample t-test (optimistic: the runs share patients)",
                             provenance, family="multitask", ours=m - 0.5, ci_low=lo - 0.5, ci_high=hi - 0.5, p=p,
                             note=f"C-index {m:.3f} [{lo:.3f}, {hi:.3f}]; the abstract reports no value", **common))
            continue
        out.append(Claim(PAPER, f"multitask_{metric}", STATEMENTS["multitask"] + f" — real TCGA-BRCA RNA branch, "
                         f"{METRIC_NAMES[metric]}", LOCATOR, "value", "mean and t-based 90 % CI over seed x fold "
                         "(stratified 5-fold CV, folds redrawn per seed)", provenance, ours=m, ci_low=lo,
                         ci_high=hi, note="the abstract reports no value to compare with", **common))
    return out


def baseline_facts(per_fold: pd.DataFrame, prefix: str) -> dict[str, tuple[object, str]]:
    """What the pages quote about a tuned baseline's search (rows of :func:`~omicslib.papers.p5_confuseit.
    baselines.cox_cv` or :func:`~.logistic_cv`): the chosen value (median, min, max over folds), the searched
    range, how many choices sit at the grid's edge and the convergence warnings at the chosen point."""
    col = "penalty" if "penalty" in per_fold and per_fold["penalty"].notna().any() else "C"
    return {f"{prefix}_{col.lower()}_median": (float(per_fold[col].median()), "{:.3g}"),
            f"{prefix}_{col.lower()}_min": (float(per_fold[col].min()), "{:.3g}"),
            f"{prefix}_{col.lower()}_max": (float(per_fold[col].max()), "{:.3g}"),
            f"{prefix}_grid": (f"{per_fold['grid_min'].min():.3g}–{per_fold['grid_max'].max():.3g}", "{}"),
            f"{prefix}_at_edge": (int((per_fold["at_edge"] != "").sum()), "{:d}"),
            f"{prefix}_fits": (len(per_fold), "{:d}"),
            f"{prefix}_warnings_at_choice": (int(per_fold["warnings_at_choice"].sum()), "{:d}")}


def selection_facts(per_fold: pd.DataFrame, prefix: str) -> dict[str, tuple[object, str]]:
    """What the pages quote about a baseline whose family was chosen by inner CV (rows of
    :func:`~omicslib.papers.p5_confuseit.baselines.strongest_cox_cv`): the choices per fold, edge, widening and
    warning counts, and the inner-CV score range (:func:`omicslib.baselines.record_summary`)."""
    s = record_summary(per_fold)
    return {f"{prefix}_choices": (s["choices"], "{}"), f"{prefix}_fits": (s["n_fits"], "{:d}"),
            f"{prefix}_at_edge": (s["at_edge"], "{:d}"), f"{prefix}_widened": (s["n_widened"], "{:d}"),
            f"{prefix}_warnings": (s["warnings"], "{:d}"), f"{prefix}_inner_min": (s["inner_min"], "{:.3f}"),
            f"{prefix}_inner_max": (s["inner_max"], "{:.3f}")}


# Real two-modality analogue (mRNA + miRNA standing in for RNA + slide).
PAIR_ARMS = {
    "first": ("mRNA only", "rna"), "second": ("miRNA only", "rna"), "early": ("early fusion (concatenated)", "rna"),
    "scratch": ("two encoders, from scratch", "slide+rna"), "pre": ("two encoders + CLIP pretraining", "slide+rna"),
    "pre_first": ("two encoders + CLIP pretraining", "rna"),
}


def pair_claims(per_fold: pd.DataFrame, folds: int, baselines: pd.DataFrame | None = None,
                provenance: str = "real-subset", scope: str = "") -> list[Claim]:
    """The abstract's claims on the real two-modality analogue (one Holm family). The multimodal model is
    compared with the STRONGEST single-modality arm (deep or linear) and with early fusion."""
    fam, ana = "real analogue (mRNA + miRNA)", "real analogue, mRNA + miRNA for RNA + slide"
    pf = per_fold if baselines is None else pd.concat([per_fold, baselines], ignore_index=True)
    summ = summarise(pf)
    singles = [PAIR_ARMS["first"], PAIR_ARMS["second"]]
    if baselines is not None:
        singles += [tuple(a) for a in baselines[["setting", "evaluated_on"]].drop_duplicates().to_numpy()
                    if a[1] in ("rna", "bag")]
    singles = [a for a in singles if not summ.set_index(["setting", "evaluated_on"]).loc[a].isna()["c_index_mean"]]
    best = best_arm(summ, singles)
    fused = [PAIR_ARMS["early"]] + [tuple(a) for a in summ[["setting", "evaluated_on"]].to_numpy()
                                    if a[1] == "all" and not pd.isna(summ.set_index(["setting", "evaluated_on"])
                                                                      .loc[tuple(a), "c_index_mean"])]
    best_fused = best_arm(summ, fused)
    c = lambda *a, **k: comparison_claim(*a, provenance=provenance, family=fam, scope=scope, **k)  # noqa: E731
    return [
        c("pair_multimodal_vs_best_single", "multimodal", pf, PAIR_ARMS["pre"], best, "c_index", folds,
          margin_key=GAIN_KEY,
          what=f"{ana}: pretrained two-encoder model vs the strongest single-modality arm ({best[0]})"),
        c("pair_multimodal_vs_early", "multimodal", pf, PAIR_ARMS["pre"], best_fused, "c_index", folds,
          margin_key=GAIN_KEY,
          what=f"{ana}: pretrained two-encoder model vs the stronger early fusion ({best_fused[0]})"),
        c("pair_pretraining", "pretraining", pf, PAIR_ARMS["pre"], PAIR_ARMS["scratch"], "c_index", folds,
          what=f"{ana}: two encoders, CLIP-pretrained vs from scratch"),
        c("pair_pretraining_pam50", "pretraining", pf, PAIR_ARMS["pre"], PAIR_ARMS["scratch"], "macro_f1", folds,
          what=f"{ana}: two encoders, CLIP-pretrained vs from scratch, PAM50"),
        c("pair_single_modal", "single_modal", pf, PAIR_ARMS["pre_first"], PAIR_ARMS["first"], "c_index", folds,
          kind="no_difference", margin_key=EQUIVALENCE_KEY,
          what=f"{ana}: pretrained two-encoder model applied to mRNA alone vs the mRNA-only model"),
    ]


def absent_claims() -> list[Claim]:
    """Claims that need data this book does not have (cell-type-aware patch features on real slides)."""
    return [Claim(PAPER, f"celltype_{k}", STATEMENTS[f"celltype_{k}"] + " — real slides", LOCATOR, "better",
                  "needs TCGA slides with a cell-type classifier: not available here", ABSENT)
            for k in ("survival", "pam50")]


# ------------------------------------------------------------------------------------ p5_03


def _region_hits(hits: dict, test: str, pairing: str) -> np.ndarray:
    """Per held-out region, the share of seeds whose top-5 slide -> RNA retrieval hit (keys ``(test, pairing)``
    for one seed or ``(test, pairing, seed)``); rows = regions."""
    runs = [np.asarray(v, float) for k, v in sorted(hits.items(), key=lambda kv: str(kv[0]))
            if k[0] == test and k[1] == pairing]
    if not runs:
        raise ValueError(f"no retrieval hits for held-out section {test!r}, pairing {pairing!r}")
    return np.vstack(runs).mean(0)


def retrieval_claims(results: pd.DataFrame, hits: dict, patient: dict[str, str], train_sections: Sequence[str]
                     ) -> list[Claim]:
    """Cross-modal alignment on a held-out HER2ST section (a premise of the abstract's pretraining):
    top-5 slide -> RNA hits with true vs shuffled pairing on the same regions. The held-out regions are the
    unit (one shared hold-out): each region's hit rate over seeds, true minus shuffled, and an exact sign
    test over the regions whose rates differ (with one seed: the exact McNemar test). A section whose
    patient also gave training sections is not a held-out-patient test: inconclusive with that reason."""
    out = []
    for test in results["held_out"].unique():
        t, s = _region_hits(hits, test, "true"), _region_hits(hits, test, "shuffled (control)")
        n_seeds = sum(1 for k in hits if k[0] == test and k[1] == "true")
        d = t - s
        b, c = int((d > 0).sum()), int((d < 0).sum())
        p = float(ss.binomtest(b, b + c, 0.5).pvalue) if b + c else 1.0
        shared = sorted(n for n in train_sections if n != test and patient.get(n) == patient.get(test))
        blocker = (f"held-out section {test} shares its patient with training sections {', '.join(shared)}: "
                   "within-patient, not a held-out-patient test") if shared else ""
        out.append(Claim(PAPER, f"her2st_alignment_{test.lower()}", STATEMENTS["pretraining"] +
                         f" — premise: contrastive pretraining aligns H&E and RNA of held-out tissue (HER2ST {test})",
                         LOCATOR, "better", "top-5 slide -> RNA retrieval on the same "
                         f"{len(t)} held-out regions, true minus shuffled pairing, each region's hit rate over "
                         f"{n_seeds} seed(s); exact sign test over regions (one seed: exact McNemar)", "real-subset",
                         n_seeds=n_seeds, n_runs=len(t), unit="held-out region (hits averaged over seeds)",
                         family="HER2ST alignment", ours=float(d.mean()), p=p, blocker=blocker,
                         scope=f"HER2ST section {test}, {len(t)} regions of one held-out section",
                         note=f"true {t.mean():.3f} vs shuffled {s.mean():.3f}; chance {min(5, len(t)) / len(t):.3f}"))
    return out


def her2st_rows(results: pd.DataFrame) -> list[dict]:
    """Comparison rows of the HER2ST retrieval: per held-out section, the mean over seeds."""
    g = results.groupby(["held_out", "pairing"], sort=False)[["top5_slide_to_rna", "top5_chance", "test_regions"]].mean()
    rows = []
    for test in results["held_out"].unique():
        t, c = g.loc[(test, "true")], g.loc[(test, "shuffled (control)")]
        n = results.loc[(results.held_out == test) & (results.pairing == "true")]
        rows.append({"item": f"slide->RNA top-5 retrieval, held-out section {test} ({int(t.test_regions)} regions)",
                     "metric": "top-5 accuracy", "paper": None, "ours": t.top5_slide_to_rna,
                     "note": f"mean over {len(n)} seed(s); chance {t.top5_chance:.3f}; shuffled-pair control "
                             f"{c.top5_slide_to_rna:.3f}; pipeline demonstration, not in the paper"})
    return rows


def spearman(a, b) -> float:
    return float(pd.Series(np.asarray(a)).corr(pd.Series(np.asarray(b)), method="spearman"))


def verdicts(claims: Sequence[Claim]) -> dict[str, str]:
    """Claim id -> computed verdict (:func:`omicslib.book.claims.ledger`, Holm within each family)."""
    from omicslib.book.claims import ledger

    led = ledger(list(claims))
    return dict(zip(led["id"], led["verdict"]))
