"""p4 analysis: metrics of a fold, DeLong / McNemar comparisons, tables beside the paper, facts and claims.

Every paper value comes from ``reference.csv`` (:func:`omicslib.book.report.vs_paper`); the tables
are DataFrames or comparison rows, the facts are what the chapter's pages quote, the claims feed the
ledger (:mod:`omicslib.book.claims`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from omicslib import metrics, stats
from omicslib.book import reference
from omicslib.book.claims import ABSENT, Claim, value_claim
from omicslib.book.report import vs_paper
from omicslib.papers.p4_mammography.data import TASKS
from omicslib.papers.p4_mammography.scoring import METRICS, auc_ci, evaluate

if TYPE_CHECKING:
    from omicslib.papers.p4_mammography.protocol import CVResult

PAPER = "p4"


# ------------------------------------------------------------------------------------------- metrics


def class_aucs(y: np.ndarray, prob: np.ndarray, classes) -> pd.DataFrame:
    """One-vs-rest AUC per class with its DeLong 95 % CI (NaN where a class is absent from ``y``)."""
    rows = []
    for i, c in enumerate(classes):
        yc, score = (np.asarray(y) == i).astype(int), np.asarray(prob)[:, i]
        _, lo, hi = auc_ci(yc, score)
        auc = metrics.roc_auc(yc, score) if np.unique(yc).size == 2 else np.nan
        rows.append({"class": c, "auc": auc, "lo": lo, "hi": hi, "n_pos": int((np.asarray(y) == i).sum())})
    return pd.DataFrame(rows)


def compare_models(results: dict[str, CVResult], ref: str = "densenet121_cbam") -> pd.DataFrame:
    """DeLong (AUC, binary tasks) and McNemar (accuracy) of ``ref`` against every other architecture,
    on the hold-out test predictions of each architecture's best fold (the paper's tests)."""
    base = results[ref]
    y, pa = base.best_test()
    rows = []
    for arch, r in results.items():
        if arch == ref:
            continue
        if not np.array_equal(r.split.test, base.split.test):
            raise ValueError(f"{arch} and {ref} were not evaluated on the same test set")
        _, pb = r.best_test()
        row = {"task": base.task, "model_a": ref, "model_b": arch, "n_test": len(y)}
        if pa.shape[1] == 2 and np.unique(y).size == 2:
            try:
                d = stats.delong(y, pa[:, 1], pb[:, 1], pos_label=1)
                row.update(auc_a=d.extra["auc_a"], auc_b=d.extra["auc_b"], delong_z=d.statistic,
                           delong_p=d.pvalue)
            except ValueError as e:  # recorded in the row, never dropped
                row.update(auc_a=np.nan, auc_b=np.nan, delong_z=np.nan, delong_p=np.nan, note=str(e))
        else:
            row.update(auc_a=evaluate(y, pa, pa.shape[1])["AUC"]["estimate"],
                       auc_b=evaluate(y, pb, pb.shape[1])["AUC"]["estimate"], delong_z=np.nan, delong_p=np.nan)
        m = stats.mcnemar(y, pa.argmax(1), pb.argmax(1))
        row.update(acc_a=m.extra["acc_a"], acc_b=m.extra["acc_b"], mcnemar_stat=m.statistic, mcnemar_p=m.pvalue,
                   mcnemar_exact=m.extra["exact"])
        rows.append(row)
    return pd.DataFrame(rows)


def fold_auc_test(a: CVResult, b: CVResult, split: str = "val") -> dict:
    """Nadeau–Bengio corrected resampled t-test of ``a`` minus ``b`` over the folds' AUCs on ``split``
    (validation folds by default: each fold a different train/validation split), with
    test/train ratio = validation size / training size."""
    fa, fb = a.fold_metrics(), b.fold_metrics()
    pick = lambda f: f[(f.split == split) & (f.metric == "AUC")].set_index("fold")["estimate"]  # noqa: E731
    va, vb = pick(fa), pick(fb)
    common = va.index.intersection(vb.index)
    va, vb = va.loc[common].to_numpy(float), vb.loc[common].to_numpy(float)
    ok = np.isfinite(va) & np.isfinite(vb)
    ratio = float(np.mean([len(f.val) / len(f.train) for f in a.folds]))
    out = {"n_folds": int(ok.sum()), "mean_diff": float(np.mean(va[ok] - vb[ok])) if ok.any() else np.nan,
           "lo": np.nan, "hi": np.nan, "p": np.nan, "test_train_ratio": ratio}
    if ok.sum() >= 2 and np.ptp(va[ok] - vb[ok]) > 0:
        r = stats.corrected_resampled_t(va[ok], vb[ok], ratio)
        out.update(lo=r.extra["ci"][0], hi=r.extra["ci"][1], p=r.pvalue)
    return out


# --------------------------------------------------------------------------- tables beside the paper


def _derived_row(item: str, metric: str, paper_value: float, ours, locator: str, ours_sd=np.nan, note: str = ""):
    return {"item": item, "metric": metric, "paper": paper_value, "ours": ours, "ours_sd": ours_sd, "note": note,
            "locator": locator}


def table_rows(summary: pd.DataFrame, task: str) -> list[dict]:
    """Tables 2-3 rows of one task beside the paper: AUC = the best fold (highest validation AUC), the
    other metrics the mean over folds; plus the mean CV AUC (over validation folds)."""
    s = summary[summary.task == task].set_index(["split", "metric"])
    title = TASKS[task].title
    extra = "; 4 classes (paper 5)" if task == "multiclass" else ""
    rows = []
    for split in ("val", "test"):
        for metric in METRICS:
            r = s.loc[(split, metric)]
            use_best = metric == "AUC"
            note = ("best fold" if use_best else f"mean of {int(r['n_folds'])} folds") + "; synthetic images" + extra
            rows.append(vs_paper(PAPER, f"{task}_{split}_{metric.lower()}", r["best"] if use_best else r["mean"],
                                 r["sd"], note, item=f"{title}, {'validation' if split == 'val' else 'test'}"))
    auc = s.loc[("val", "AUC")]
    row = vs_paper(PAPER, f"{task}_cv_auc", auc["mean"], auc["sd"], "over validation folds; synthetic images",
                   item=f"{title}, CV")
    rows.append({**row, "metric": "mean AUC"})
    return rows


def class_auc_rows(per_class: pd.DataFrame) -> list[dict]:
    """The two per-class AUCs the paper states (HER2+/HR-, TN) beside ours (CMMD's HER2-enriched is the
    closest class to HER2+/HR-)."""
    auc = per_class.set_index("class")["auc"]
    return [vs_paper(PAPER, "class_auc_her2_hr_neg", auc.get("HER2-enriched", np.nan),
                     note="synthetic images; CMMD's HER2-enriched is the closest class",
                     item="HER2+/HR- (ours: HER2-enriched)"),
            vs_paper(PAPER, "class_auc_tn", auc.get("Triple negative", np.nan), note="synthetic images",
                     item="Triple negative")]


#: CMMD subtype -> the paper's Table 1 column it stands beside.
TABLE1_COLUMNS = {"Luminal A": "lum_a", "Luminal B": "lum_b", "HER2-enriched": "her2_hr_neg", "Triple negative": "tn"}


def table1_rows(tests: pd.DataFrame, clin: pd.DataFrame) -> list[dict]:
    """The paper's Table 1 (private cohort) beside CMMD: age ANOVA, age per subtype, subtype shares."""
    t = tests.set_index("variable")
    note = "different cohort (CMMD, 4 subtypes) - not a reproduction"
    rows = [vs_paper(PAPER, "t1_age_f", t.loc["Age", "statistic"], note=note),
            vs_paper(PAPER, "t1_age_eta2", t.loc["Age", "effect_size"], note=note),
            vs_paper(PAPER, "t1_age_p", t.loc["Age", "p"], note=note)]
    n_total = reference.value(PAPER, "n_patients")
    for st, col in TABLE1_COLUMNS.items():
        g = clin.loc[clin["subtype"] == st, "age"]
        label = st if st != "HER2-enriched" else "HER2-enriched (paper: HER2+/HR-)"
        rows.append(vs_paper(PAPER, f"t1_age_mean_{col}", g.mean(), g.std(), note, item=f"Age, {label}"))
        rows.append(_derived_row(f"Share of patients, {label}", "fraction",
                                 reference.value(PAPER, f"n_{col}") / n_total, len(g) / len(clin),
                                 reference.row(PAPER, f"n_{col}")["locator"], note=note))
    return rows


def backbone_rows(summary: pd.DataFrame) -> list[dict]:
    """Test AUC (best fold) per task x backbone; the paper's values are only in Supplementary Figures 3-4."""
    rows = []
    for task, g in summary[(summary.split == "test") & (summary.metric == "AUC")].groupby("task", sort=False):
        for r in g.itertuples():
            rows.append({"item": f"{TASKS[task].title}, {r.arch}", "metric": "test AUC (best fold)", "paper": None,
                         "ours": r.best, "ours_sd": r.sd, "locator": "Supplementary Figures 3-4 (not available here)",
                         "note": "paper values only in its supplementary figures; synthetic images"})
    return rows


# ----------------------------------------------------------------------------- the paper's own numbers


def implied_ppv(sens: float, spec: float, prevalence: float) -> float:
    """PPV implied by sensitivity, specificity and the positive class's prevalence (Bayes)."""
    tp, fp = sens * prevalence, (1 - spec) * (1 - prevalence)
    return tp / (tp + fp)


def positive_class_check() -> pd.DataFrame:
    """Which class the paper's SENS/PPV refer to: the test-set PPV implied by its own SENS, SPEC and
    class shares (Section 2.2) under both conventions, beside the printed PPV."""
    ref = lambda k: reference.value(PAPER, k)  # noqa: E731
    n = ref("n_images")
    shares = {"luminal": ("non-Luminal", ref("img_non_luminal") / n, "Luminal", ref("img_luminal") / n),
              "her2": ("HER2-negative", ref("img_her2_neg") / n, "HER2-positive", ref("img_her2_pos") / n),
              "tn": ("TN", ref("img_tn") / n, "non-TN", ref("img_non_tn") / n)}
    rows = []
    for task, (ours, p_ours, other, p_other) in shares.items():
        sens, spec, ppv = ref(f"{task}_test_sens"), ref(f"{task}_test_spec"), ref(f"{task}_test_ppv")
        rows.append({"task": task, "printed_ppv": ppv, "positive_ours": ours, "share_ours": p_ours,
                     "implied_ppv_ours": implied_ppv(sens, spec, p_ours), "positive_other": other,
                     "share_other": p_other, "implied_ppv_other": implied_ppv(sens, spec, p_other)})
    return pd.DataFrame(rows)


def table1_consistency() -> pd.DataFrame:
    """The paper's Table 1 effect sizes and p-values recomputed from its own statistics (n = 390):
    Cramér's V = sqrt(chi²/(n (min(r, c) - 1))), partial eta² = df1 F / (df1 F + df2), eta²_H =
    (H - k + 1)/(n - k), p from the chi² / F distribution."""
    from scipy import stats as ss

    ref = lambda k: reference.value(PAPER, k)  # noqa: E731
    n, k = int(ref("n_patients")), 5
    rows = []
    for var, levels, df in (("tgrade", 4, 12), ("ngrade", 4, 12), ("stage", 3, 8), ("nerve", 2, 4),
                            ("vascular", 2, 4), ("ki67", 3, 8)):
        chi2 = ref(f"t1_{var}_chi2")
        rows.append({"variable": var, "statistic": chi2, "printed_effect": ref(f"t1_{var}_v"),
                     "recomputed_effect": math.sqrt(chi2 / (n * (min(levels, k) - 1))),
                     "printed_p": ref(f"t1_{var}_p"), "recomputed_p": float(ss.chi2.sf(chi2, df))})
    f = ref("t1_age_f")
    rows.append({"variable": "age", "statistic": f, "printed_effect": ref("t1_age_eta2"),
                 "recomputed_effect": (k - 1) * f / ((k - 1) * f + n - k), "printed_p": ref("t1_age_p"),
                 "recomputed_p": float(ss.f.sf(f, k - 1, n - k))})
    h = ref("t1_nodes_h")
    rows.append({"variable": "nodes", "statistic": h, "printed_effect": ref("t1_nodes_eta2"),
                 "recomputed_effect": (h - k + 1) / (n - k), "printed_p": ref("t1_nodes_p"),
                 "recomputed_p": float(ss.chi2.sf(h, k - 1))})
    out = pd.DataFrame(rows)
    out["effect_diff"] = out["recomputed_effect"] - out["printed_effect"]
    return out


# ---------------------------------------------------------------------------------------------- facts


def wall_time(run) -> dict[str, tuple]:
    """The notebook's wall time so far, in seconds (for the reproducibility card)."""
    import time

    return {"wall_time_s": (time.perf_counter() - run.started, "{:.0f}")}


def table1_facts(tests: pd.DataFrame, clin: pd.DataFrame, n_excluded: int) -> dict[str, tuple]:
    """What the chapter quotes from the CMMD Table 1 (p4_01)."""
    t = tests.set_index("variable")
    ab = pd.crosstab(clin["subtype"], clin["abnormality"], normalize="index")
    counts = clin["subtype"].value_counts()
    age = clin.groupby("subtype", observed=True)["age"].mean()
    f = {"n_patients": (len(clin), "{:d}"), "n_excluded_rows": (n_excluded, "{:d}"),
         "age_f": (t.loc["Age", "statistic"], "{:.2f}"), "age_eta2": (t.loc["Age", "effect_size"], "{:.3f}"),
         "age_p": (t.loc["Age", "p"], "{:.3f}"), "age_kruskal_p": (t.loc["Age, rank-based", "p"], "{:.3f}"),
         "side_chi2": (t.loc["Breast side", "statistic"], "{:.2f}"), "side_p": (t.loc["Breast side", "p"], "{:.3f}"),
         "abn_chi2": (t.loc["Abnormality", "statistic"], "{:.1f}"), "abn_df": (int(t.loc["Abnormality", "df"]), "{:d}"),
         "abn_v": (t.loc["Abnormality", "effect_size"], "{:.3f}"),
         "abn_p": ("< 0.001" if t.loc["Abnormality", "p"] < 0.001 else f"{t.loc['Abnormality', 'p']:.3f}", "{}"),
         "her2_calc_share": (ab.loc["HER2-enriched", "calcification"], "{:.0%}"),
         "her2_both_share": (ab.loc["HER2-enriched", "both"], "{:.0%}"),
         "tn_mass_share": (ab.loc["Triple negative", "mass"], "{:.0%}"),
         "age_min": (age.min(), "{:.1f}"), "age_max": (age.max(), "{:.1f}")}
    for st, key in (("Luminal A", "lum_a"), ("Luminal B", "lum_b"), ("HER2-enriched", "her2"),
                    ("Triple negative", "tn")):
        f[f"n_{key}"] = (int(counts.get(st, 0)), "{:d}")
    paper_age = [reference.value(PAPER, f"t1_age_mean_{c}")
                 for c in ("lum_a", "lum_b", "her2_hr_pos", "her2_hr_neg", "tn")]
    f["paper_age_min"], f["paper_age_max"] = (min(paper_age), "{:.1f}"), (max(paper_age), "{:.1f}")
    cons = table1_consistency()
    f["t1_max_effect_diff"] = (cons["effect_diff"].abs().max(), "{:.3f}")
    f["t1_max_p_diff"] = ((cons["recomputed_p"] - cons["printed_p"]).abs().max(), "{:.3f}")
    return f


def model_facts(summary: pd.DataFrame, cfg, n_test: int) -> dict[str, tuple]:
    """What the chapter quotes from the subtype models (p4_02): best-fold test AUCs, the Luminal CI,
    the range of fold means, the profile's sizes."""
    s = summary.set_index(["task", "split", "metric"])
    f = {}
    for task in TASKS:
        r = s.loc[(task, "test", "AUC")]
        f[f"best_test_auc_{task}"] = (r["best"], "{:.2f}")
        f[f"mean_test_auc_{task}"] = (r["mean"], "{:.2f}")
    lum = s.loc[("luminal", "test", "AUC")]
    f["luminal_best_lo"], f["luminal_best_hi"] = (lum["best_lo"], "{:.2f}"), (lum["best_hi"], "{:.2f}")
    means = summary[(summary.split == "test") & (summary.metric == "AUC")].set_index("task")["mean"]
    f["min_mean_test_auc"], f["max_mean_test_auc"] = (means.min(), "{:.2f}"), (means.max(), "{:.2f}")
    f["min_mean_task"], f["max_mean_task"] = (str(means.idxmin()), "{}"), (str(means.idxmax()), "{}")
    f.update(config_facts(cfg))
    f["n_test_images"] = (int(n_test), "{:d}")
    pc = positive_class_check().set_index("task")
    f["her2_implied_ppv_pos_her2pos"] = (pc.loc["her2", "implied_ppv_other"], "{:.2f}")
    f["her2_implied_ppv_pos_her2neg"] = (pc.loc["her2", "implied_ppv_ours"], "{:.2f}")
    f["her2_pos_image_share"] = (pc.loc["her2", "share_other"], "{:.0%}")
    return f


def config_facts(cfg) -> dict[str, tuple]:
    """The profile's sizes that pages quote (so that a page never types them)."""
    return {"n_patients": (cfg.n_patients, "{:d}"), "image_size": (cfg.image_size, "{:d}"),
            "full_size": (cfg.full_size, "{:d}"), "epochs": (cfg.epochs, "{:d}"), "n_folds": (cfg.n_folds, "{:d}"),
            "lr": (cfg.lr, "{:g}"), "bound": (cfg.bound, "{:d}"), "seed": (cfg.seed, "{:d}")}


def backbone_facts(tests: pd.DataFrame, claims: list | None = None, times: pd.DataFrame | None = None
                   ) -> dict[str, tuple]:
    """What the chapter quotes from the backbone comparison (p4_03), with the relative training cost
    per image of ResNet101 and ViT-B/16 when ``times`` (:func:`.protocol.step_times`) is given."""
    d, mc = tests["delong_p"].dropna(), tests["mcnemar_p"].dropna()
    undefined = ("undefined (no discordant pairs)", "{}")  # McNemar without discordant pairs has no p
    f = {"delong_p_min": (d.min() if len(d) else np.nan, "{:.2f}"),
         "delong_p_max": (d.max() if len(d) else np.nan, "{:.2f}"),
         "mcnemar_p_min": (mc.min(), "{:.2f}") if len(mc) else undefined,
         "n_test": (int(tests["n_test"].iloc[0]), "{:d}"), "n_backbones": (int(tests["model_b"].nunique() + 1), "{:d}"),
         "n_significant": (int(((tests["delong_p"] < 0.05) | (tests["mcnemar_p"] < 0.05)).sum()), "{:d}")}
    p = [c.p for c in claims or [] if not math.isnan(c.p)]
    f["nb_p_min"] = (min(p) if p else np.nan, "{:.2f}")
    if times is not None:
        rel = times.set_index("arch")["relative_to_densenet121_cbam"]
        for arch in ("resnet101", "vit_b_16", "mob_cbam", "simple_cnn_molsub"):
            f[f"cost_{arch}"] = (rel.get(arch, np.nan), "{:.1f}")
    return f


# ---------------------------------------------------------------------------------------------- claims


def table1_claims(tests: pd.DataFrame, kind: str) -> list:
    """Table 1 associations: age is testable on CMMD (another cohort); the pathology variables are absent."""
    t = tests.set_index("variable")
    fam = "table1 (p4_01)"
    out = [Claim(PAPER, "t1_age_differs", "Age differs across molecular subtypes (one-way ANOVA)",
                 reference.row(PAPER, "t1_age_f")["locator"], "better",
                 "one-way ANOVA on the CMMD clinical table; effect = partial eta²", kind, n_seeds=0, n_runs=1,
                 family=fam, paper_value=reference.value(PAPER, "t1_age_eta2"), ours=float(t.loc["Age", "effect_size"]),
                 p=float(t.loc["Age", "p"]),
                 note="CMMD is another cohort (4 subtypes, younger patients): a test of the association, not of "
                      "the paper's numbers; no seed involved")]
    for key, var, statement in (("t1_nodes_h", "lymph-node count", "Number of lymph node metastases differs "
                                 "across subtypes (Kruskal-Wallis)"),
                                ("t1_vascular_chi2", "vascular invasion", "Vascular invasion differs across subtypes"),
                                ("t1_ki67_chi2", "Ki-67", "Ki-67 expression differs across subtypes")):
        out.append(Claim(PAPER, f"t1_{var.replace(' ', '_').replace('-', '').lower()}_differs", statement,
                         reference.row(PAPER, key)["locator"], "better", "not run: CMMD has no such column", ABSENT,
                         family=fam, note=f"CMMD records no {var}"))
    out.append(Claim(PAPER, "t1_tnm_not_associated", "T grade, N grade, clinical stage and nerve invasion are not "
                     "associated with the subtype", "Table 1; Section 3.1", "no_difference",
                     "not run: CMMD has no TNM, stage or invasion columns", ABSENT, family=fam,
                     note="CMMD records none of these variables"))
    return out


def model_claims(results: dict[str, CVResult], per_class: pd.DataFrame, kind: str, seed: int) -> list:
    """The headline AUCs (Tables 2-3, Section 3.3, Figure 3) and the Grad-CAM claim (Figure 4)."""
    out = []
    for task, key in (("luminal", "luminal_test_auc"), ("her2", "her2_test_auc"), ("tn", "tn_test_auc"),
                      ("multiclass", "multiclass_test_auc")):
        r = results[task]
        fm = r.fold_metrics()
        vals = fm[(fm.split == "test") & (fm.metric == "AUC")]["estimate"].to_numpy(float)
        out.append(value_claim(PAPER, f"{task}_test_auc", f"{TASKS[task].title}: test AUC "
                               f"{reference.text(PAPER, key)} (best fold)", key, provenance=kind,
                               test="test AUC of each fold model on the hold-out set: mean and t-interval",
                               values=vals, n_seeds=1, note=f"seed {seed}; {len(vals)} fold models on one shared "
                               "hold-out (not independent samples)"))
    mc = results["multiclass"]
    for cls, key in (("HER2-enriched", "class_auc_her2_hr_neg"), ("Triple negative", "class_auc_tn")):
        row = per_class.set_index("class").loc[cls]
        out.append(value_claim(PAPER, key, f"Five-class task: one-vs-rest test AUC {reference.text(PAPER, key)} "
                               f"for {reference.row(PAPER, key)['item'].split(', ')[1].replace(' one-vs-rest', '')}",
                               key, provenance=kind, test="one-vs-rest AUC of the best fold with DeLong 95 % CI",
                               estimate=row["auc"], ci=(row["lo"], row["hi"]), n_seeds=1,
                               note=f"seed {seed}; best fold {mc.best_fold}; CMMD's HER2-enriched stands for "
                                    "HER2+/HR-" if cls == "HER2-enriched" else f"seed {seed}; best fold {mc.best_fold}"))
    out.append(Claim(PAPER, "gradcam_peritumoral", "Grad-CAM attention lies predominantly at the tumour periphery "
                     "for TN and HER2+/HR- tumours", "Section 3.4; Figure 4; Supplementary Figure 5", "value",
                     "not run on real images: needs the paper's mammograms; the synthetic shares are a pipeline "
                     "check (gradcam_regions table)", ABSENT, note="the paper's images are private"))
    return out


def _p(p: float) -> str:
    """A p-value for a note, or why there is none (a test without information is undefined)."""
    return "undefined" if np.isnan(p) else f"{p:.3g}"


def backbone_claims(results: dict[str, dict[str, CVResult]], tests: pd.DataFrame, kind: str, seed: int,
                    ref: str = "densenet121_cbam") -> list:
    """"DenseNet121-CBAM beats backbone X" per task and compared backbone: our test is the Nadeau–Bengio
    corrected resampled t over the validation folds' AUCs; the paper's tests (DeLong and McNemar on the
    best folds' test predictions, ``tests``) are in the note. One Holm family per task."""
    out = []
    for task, by_arch in results.items():
        t = tests[tests.task == task].set_index("model_b")
        for arch, r in by_arch.items():
            if arch in (ref, "densenet121_cbam_avg"):  # the avg-pooling variant is our check, not a paper claim
                continue
            nb = fold_auc_test(by_arch[ref], r)
            dl = t.loc[arch, "delong_p"] if arch in t.index else np.nan
            mn = t.loc[arch, "mcnemar_p"] if arch in t.index else np.nan
            out.append(Claim(PAPER, f"cbam_beats_{arch}_{task}", f"DenseNet121-CBAM beats {arch} ({TASKS[task].title})",
                             "Section 3.2; Supplementary Figures 3-4", "better",
                             "Nadeau-Bengio corrected resampled t over validation-fold AUCs (A - B)", kind, n_seeds=1,
                             n_runs=nb["n_folds"], family=f"backbones {task} (p4_03)", ours=nb["mean_diff"],
                             ci_low=nb["lo"], ci_high=nb["hi"], p=nb["p"],
                             note=f"seed {seed}, one seed only (each extra seed repeats the whole comparison); "
                                  f"the paper's tests on the best folds' test predictions: DeLong p = {_p(dl)}, "
                                  f"McNemar p = {_p(mn)}"))
    return out


#: Reference key of the printed effect size per Table 1 variable (Cramér's V, or partial eta²).
_T1_EFFECT = {"tgrade": "t1_tgrade_v", "ngrade": "t1_ngrade_v", "stage": "t1_stage_v", "nerve": "t1_nerve_v",
              "vascular": "t1_vascular_v", "ki67": "t1_ki67_v", "age": "t1_age_eta2", "nodes": "t1_nodes_eta2"}


def table1_text_claims() -> list:
    """The paper's Table 1 checked against itself: each effect size and p-value recomputed from the printed
    test statistic and n = 390 (:func:`table1_consistency`), one ``text`` claim each."""
    from omicslib.book.claims import text_claim

    out = []
    for r in table1_consistency().itertuples():
        ek, pk = _T1_EFFECT[r.variable], f"t1_{r.variable}_p"
        how = ("Cramér's V = sqrt(chi² / (n (min(r, c) - 1)))" if ek.endswith("_v") else
               "partial eta² = df1 F / (df1 F + df2)" if r.variable == "age" else "eta²_H = (H - k + 1) / (n - k)")
        out.append(text_claim(PAPER, f"txt_t1_{r.variable}_effect", f"Table 1, {r.variable}: the printed effect size "
                              f"follows from the printed statistic {r.statistic:g} and n = 390", ek,
                              r.recomputed_effect, how + " with n = 390, k = 5 subtypes", tolerance=0.005,
                              tolerance_reason="the effect is printed to 2-3 decimals: half a unit of the second"))
        out.append(text_claim(PAPER, f"txt_t1_{r.variable}_p", f"Table 1, {r.variable}: the printed p follows from the "
                              f"printed statistic {r.statistic:g}", pk, r.recomputed_p,
                              "upper tail of the chi² (or F) distribution with the printed degrees of freedom",
                              tolerance=0.001, tolerance_reason="p is printed to 3 decimals and 0.001 stands for "
                                                                "< 0.001"))
    v = lambda k: reference.value(PAPER, k)  # noqa: E731
    out.append(text_claim(PAPER, "txt_luminal_spec_npv_over_70", "Section 3.3: SPEC and NPV of the Luminal task exceed "
                          "70 % (Table 2)", "text_luminal_spec_npv_over_70",
                          int(v("luminal_test_spec") > 0.70) + int(v("luminal_test_npv") > 0.70),
                          "count of Table 2's printed SPEC and NPV (test set) strictly above 0.70; SPEC is printed "
                          "as 0.700, which does not exceed it"))
    out.append(text_claim(PAPER, "txt_luminal_acc_sens_over_60", "Section 3.3: ACC and SENS of the Luminal task exceed "
                          "60 % (Table 2)", "text_luminal_acc_sens_over_60",
                          int(v("luminal_test_acc") > 0.60) + int(v("luminal_test_sens") > 0.60),
                          "count of Table 2's printed ACC and SENS (test set) strictly above 0.60"))
    out.append(text_claim(PAPER, "txt_tn_her2_auc_over_65", "Section 3.3: the TN and HER2 test AUCs exceed 0.65 "
                          "(Table 3)", "text_tn_her2_auc_over_65",
                          int(v("tn_test_auc") > 0.65) + int(v("her2_test_auc") > 0.65),
                          "count of Table 3's printed TN and HER2 test AUCs strictly above 0.65"))
    for task in ("luminal", "her2", "tn", "multiclass"):
        out.append(text_claim(PAPER, f"txt_abstract_{task}_auc", f"The abstract's {task} test AUC is Table 2-3's "
                              "value rounded", f"abstract_{task}_auc", reference.value(PAPER, f"{task}_test_auc"),
                              "Table 2-3 test AUC (4 decimals) against the abstract (3 decimals)", tolerance=0.0005,
                              tolerance_reason="rounding to 3 decimals"))
    return out


def table23_claims(claimed=("test_auc",)) -> list:
    """Every other row of Tables 2-3 (validation and test AUC, ACC, SENS, SPEC, PPV, NPV and the CV means)
    as a claim that is not testable here: the subtype task needs the paper's private images (or CMMD's
    DICOMs with lesion outlines, not on the build machine); MCBD has no molecular subtype."""
    out = []
    for task in TASKS:
        for split in ("val", "test", "cv"):
            for metric in (METRICS if split != "cv" else ("AUC",)):
                key = f"{task}_{split}_{metric.lower()}"
                if f"{split}_{metric.lower()}" in claimed:
                    continue
                row = reference.row(PAPER, key)
                out.append(Claim(PAPER, key, f"{row['item']}: {row['metric']} {reference.text(PAPER, key)}",
                                 row["locator"], "value", "not run: needs subtype-labelled mammograms", ABSENT,
                                 paper_value=reference.value(PAPER, key), paper_sd=reference.sd(PAPER, key),
                                 note="the synthetic run of p4_02 is a pipeline check; MCBD (real) has no subtypes"))
    return out


def architecture_facts(n_classes: int = 5) -> dict[str, tuple]:
    """Parameter count and state-dict size of our DenseNet121-CBAM for the paper's five classes (the
    numbers measured by building molsub's own ``MolSub`` beside ours: 7,125,035 and 736; a test pins them)."""
    from omicslib.papers.p4_mammography.model import build

    model, _ = build("densenet121_cbam", n_classes, pretrained=False, image_size=224)
    return {"arch_n_params": (sum(p.numel() for p in model.parameters()), "{:,d}"),
            "arch_n_keys": (len(model.state_dict()), "{:d}")}
