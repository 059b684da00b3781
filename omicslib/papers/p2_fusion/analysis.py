"""p2 results as tables and claims: paper-vs-ours rows (values from ``reference.csv``), ablations,
seed-level summaries, paired tests over seed x fold, and the claims ledger of the chapter.

Intervals (90 %, the level of the value rule's two one-sided tests):

* repeated stratified CV (splits redrawn per seed): mean over seed × fold with the Nadeau–Bengio
  corrected variance (:func:`corrected_ci`); the fold-to-fold spread holds the test-set sampling error,
  the correction the overlap of training sets. A sample without spread gives no interval (NaN).
* one shared hold-out (mixOmics' own split, every seed scored on the same 70 patients):
  :func:`holdout_ci`, a two-level bootstrap that resamples test patients and seeds together, so the
  interval holds the test-set sampling error and the seed-to-seed spread.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from omicslib import bootstrap as boot
from omicslib import stats
from omicslib.book import reference
from omicslib.book.claims import ABSENT, VALUE_CI, Claim, code_claim, text_claim, value_claim
from omicslib.book.report import vs_paper
from omicslib.papers.p2_fusion.protocol import ALL_METRICS, METRICS, CVResult

PAPER = "p2"


def paper_key(model: str, metric: str) -> str | None:
    """The reference key of the paper's value for ``model`` / ``metric`` (None where it gives none)."""
    key = f"{model}_{'pr_auc' if metric == 'pr_auc_trapz' else metric}"
    return key if key in reference.load(PAPER).index else None


def compare_rows(results: dict[str, CVResult], note: str = "", trapz: bool = True) -> list[dict]:
    """Paper-vs-ours rows (F1, MCC, PR-AUC as average precision, accuracy; with ``trapz`` also the
    authors' trapezoidal PR-AUC, which is how the paper's PR-AUC was computed), mean ± SD over folds."""
    rows = []
    which = ALL_METRICS if trapz else METRICS
    for name, r in results.items():
        s = r.summary(which)
        for m in which:
            key = paper_key(name, m)
            extra = "; authors' estimator auc(recall, precision)" if m == "pr_auc_trapz" else ""
            if key:
                row = vs_paper(PAPER, key, s[m][0], s[m][1], note + extra, item=name)
                row["metric"] = m
            else:
                row = {"item": name, "metric": m, "paper": None, "ours": s[m][0], "ours_sd": s[m][1],
                       "note": note + extra}
            rows.append(row)
    return rows


def relative_change(results: dict[str, CVResult], to: str, frm: str, metric: str) -> float:
    """``mean(to) / mean(frm) - 1`` of a metric over folds (a relative change, negative = drop)."""
    return results[to].summary()[metric][0] / results[frm].summary()[metric][0] - 1


def ablation_rows(results: dict[str, CVResult], note: str = "") -> list[dict]:
    """The paper's two ablations as relative changes: cross-attention -> gene only (accuracy) and
    cross-attention -> concatenation (PR-AUC)."""
    rows = []
    if {"gene", "cross_attention"} <= set(results):
        rows.append(vs_paper(PAPER, "ablation_no_image_accuracy",
                             relative_change(results, "gene", "cross_attention", "accuracy"), note=note))
    if {"concat", "cross_attention"} <= set(results):
        rows.append(vs_paper(PAPER, "ablation_no_cross_attention_pr_auc",
                             relative_change(results, "concat", "cross_attention", "pr_auc"), note=note))
    return rows


def seed_table(runs: dict[str, list[CVResult]], which=ALL_METRICS) -> pd.DataFrame:
    """Per model: seeds, runs (seed x fold) and mean ± SD over all runs and over the seed means."""
    rows = []
    for name, rs in runs.items():
        f = pd.concat([r.folds for r in rs])
        for m in which:
            per_seed = [r.folds[m].mean() for r in rs]
            rows.append({"model": name, "metric": m, "seeds": len(rs), "runs": len(f), "mean": f[m].mean(),
                         "sd_runs": f[m].std(ddof=1),
                         "sd_seed_means": float(np.std(per_seed, ddof=1)) if len(rs) > 1 else np.nan})
    return pd.DataFrame(rows)


def paired_scores(a: list[CVResult], b: list[CVResult], metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Scores of two models on the same (seed, fold) pairs; raises when their folds differ."""
    if len(a) != len(b):
        raise ValueError(f"{len(a)} seeds against {len(b)}: not paired")
    xs, ys = [], []
    for ra, rb in zip(a, b):
        if ra.seed != rb.seed or not ra.folds[["fold", "n_test", "positives"]].equals(
                rb.folds[["fold", "n_test", "positives"]]):
            raise ValueError(f"{ra.model} and {rb.model}: seed {ra.seed} vs {rb.seed} do not share folds")
        xs.append(ra.folds[metric].to_numpy())
        ys.append(rb.folds[metric].to_numpy())
    return np.concatenate(xs), np.concatenate(ys)


def test_train_ratio(cfg) -> float:
    """n_test / n_train of k-fold CV: 1 / (k - 1)."""
    return 1.0 / (cfg.n_splits - 1)


def compare_models(a: list[CVResult], b: list[CVResult], metric: str) -> dict:
    """Nadeau-Bengio corrected resampled t over seed x fold pairs (a − b) and, with ≥ 3 seeds, a paired t
    over seed means."""
    x, y = paired_scores(a, b, metric)
    out = {"a": a[0].model, "b": b[0].model, "metric": metric, "seeds": len(a), "runs": len(x),
           "mean_a": float(x.mean()), "mean_b": float(y.mean()), "diff": 0.0, "ci_low": 0.0, "ci_high": 0.0,
           "p_nb": 1.0, "p_seed_t": np.nan}
    if np.all(x == y):  # identical scores on every pair: no difference (the tests refuse zero variance)
        return out
    r = stats.corrected_resampled_t(x, y, test_train_ratio(a[0].config))
    out.update(diff=r.extra["mean_diff"], ci_low=r.extra["ci"][0], ci_high=r.extra["ci"][1], p_nb=r.pvalue)
    sa = np.array([ra.folds[metric].mean() for ra in a])
    sb = np.array([rb.folds[metric].mean() for rb in b])
    if len(a) >= 3 and not np.all(sa == sb):
        out["p_seed_t"] = stats.paired_t(sa, sb).pvalue
    return out


def corrected_ci(values, cfg, bounds: tuple[float, float] = (0.0, 1.0),
                 level: float = VALUE_CI) -> tuple[float, tuple[float, float]]:
    """Mean of per-(seed, fold) scores and its ``level`` CI with the Nadeau–Bengio variance correction,
    clipped to the metric's range ``bounds`` (F1 and PR-AUC lie in [0, 1]). Fewer than two finite scores,
    or scores without spread, give an undefined interval ``(nan, nan)``, never a point."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size < 2 or np.ptp(v) == 0:
        return (float(v.mean()) if v.size else math.nan), (math.nan, math.nan)
    r = stats.corrected_resampled_t(v, np.zeros_like(v), test_train_ratio(cfg), confidence=level)
    lo, hi = r.extra["ci"]
    return float(v.mean()), (max(lo, bounds[0]), min(hi, bounds[1]))


def _f1(threshold: float) -> boot.WeightedMetric:
    """F1 of the positive class (as ``fold_metrics``) under patient weights."""
    def metric(W, y, p):
        pred = np.asarray(p) >= threshold
        tp, fp, fn = W @ (pred & (y == 1)), W @ (pred & (y == 0)), W @ (~pred & (y == 1))
        den = 2 * tp + fp + fn
        return np.divide(2 * tp, den, out=np.zeros_like(den), where=den > 0)

    return metric


#: Metrics of :func:`holdout_ci`: F1 of the positive class, average precision and the authors' trapezoidal
#: PR-AUC, each under patient weights (:mod:`omicslib.bootstrap`).
HOLDOUT_METRICS = {
    "f1": _f1,
    "pr_auc": lambda t: boot.average_precision,
    "pr_auc_trapz": lambda t: boot.pr_auc_trapz,
}


def holdout_ci(y, probs: list[np.ndarray], metric: str, threshold: float = 0.5, level: float = VALUE_CI,
               n_boot: int = 1000, seed: int = 0) -> tuple[float, tuple[float, float]]:
    """Mean over seeds of ``metric`` on one shared test set, and its percentile ``level`` CI from
    :func:`omicslib.bootstrap.value`: each replicate resamples the test patients (stratified by class, so
    both classes stay present) and the seeds, and averages the metric over the drawn seeds on the drawn
    patients. The interval holds the test-set sampling error and the seed-to-seed spread. Replicates
    without spread (e.g. a perfectly separated test set) give an undefined interval ``(nan, nan)``."""
    if metric not in HOLDOUT_METRICS:
        raise ValueError(f"metric must be one of {sorted(HOLDOUT_METRICS)}, got {metric!r}")
    y = np.asarray(y).astype(int)
    models = [np.asarray(p, float) for p in probs]
    if any(m.shape != y.shape for m in models):
        raise ValueError(f"{models[0].shape[0]} probabilities per seed but {len(y)} test labels")
    r = boot.value(y, models, HOLDOUT_METRICS[metric](threshold), n_boot=n_boot, level=level, seed=seed, strata=y)
    return r["estimate"], r["ci"]


def class_recalls(r: CVResult) -> pd.DataFrame:
    """Per fold of ``r``: recall of Luminal (class 0) and of Basal/Her2 (class 1) from its confusion
    matrices (rows true, columns predicted)."""
    rows = []
    for k, cm in enumerate(r.confusions):
        m = cm.to_numpy(float)
        rows.append({"fold": k + 1, "recall_luminal": m[0, 0] / m[0].sum(), "recall_basal_her2": m[1, 1] / m[1].sum()})
    return pd.DataFrame(rows)


def logged_run_range(prefix: str, n_folds: int = 5) -> tuple[float, float]:
    """The range a ``n_folds``-fold mean can take given the folds the authors' notebook logged
    (``code_fold<k>_<prefix>`` in the reference file), the missing folds anywhere in [0, 1]."""
    ref = reference.load(PAPER)
    keys = [k for k in ref.index if k.startswith("code_fold") and k.endswith(f"_{prefix}")]
    if not keys or len(keys) >= n_folds + 1:
        raise ValueError(f"{reference.path_of(PAPER)}: expected 1..{n_folds} logged folds for {prefix!r}, got {keys}")
    total = sum(reference.value(PAPER, k) for k in keys)
    missing = n_folds - len(keys)
    return total / n_folds, (total + missing) / n_folds


def strongest(runs: dict[str, list[CVResult]], names, metric: str = "pr_auc") -> str:
    """The name among ``names`` with the best mean ``metric`` over all runs."""
    return max(names, key=lambda n: np.mean([r.folds[metric].mean() for r in runs[n]]))


def scope_of(cohort, where: str) -> str:
    """The scope text of a verdict on ``cohort``: patients and genes against the paper's."""
    return (f"{where}: {len(cohort.y):,} patients, {cohort.expr.shape[1]:,} of the paper's "
            f"{int(reference.value(PAPER, 'n_genes')):,} genes")


def _scores(runs: list[CVResult], metric: str) -> np.ndarray:
    return np.concatenate([r.folds[metric].to_numpy() for r in runs])


def _value(id, statement, key, runs, metric, cfg, provenance, test, note="", scope="", baseline=None):
    vals = _scores(runs, metric)
    est, ci = corrected_ci(vals, cfg, (-1.0, 1.0) if metric == "mcc" else (0.0, 1.0))
    base = None
    if baseline is not None:
        b_est, b_ci = corrected_ci(_scores(baseline[1], metric), cfg)
        base = (baseline[0], b_est, b_ci)
    return value_claim(PAPER, id, statement, key, provenance=provenance, test=test, estimate=est, ci=ci,
                       n_seeds=len(runs), n_runs=int(np.isfinite(vals).sum()), unit="seed × fold", scope=scope,
                       baseline=base, note=note)


CV_TEST = "mean over seed × fold (stratified 5-fold CV, folds redrawn per seed), Nadeau–Bengio corrected 90 % CI"
CV_COMPARE = "Nadeau–Bengio corrected resampled t over seed × fold pairs (same folds; splits redrawn per seed)"


def _compare_claim(id, statement, locator, a, b, metric, provenance, family, scope="", note="", test=CV_COMPARE,
                   section=""):
    c = compare_models(a, b, metric)
    seed_t = f"seed-level paired t p = {c['p_seed_t']:.3g}" if not math.isnan(c["p_seed_t"]) else ""
    return Claim(PAPER, id, statement, locator, "better", test, provenance, n_seeds=c["seeds"], n_runs=c["runs"],
                 unit="seed × fold", family=family, ours=c["diff"], ci_low=c["ci_low"], ci_high=c["ci_high"],
                 ci_level=0.95, p=c["p_nb"], scope=scope, section=section, metric=f"{metric} difference",
                 note="; ".join(x for x in (note, f"means {c['mean_a']:.3f} vs {c['mean_b']:.3f}", seed_t) if x))


def _recall_claim(id, runs: list[CVResult], cfg, provenance, scope):
    rec = pd.concat([class_recalls(r) for r in runs], ignore_index=True)
    d = rec["recall_luminal"].to_numpy() - rec["recall_basal_her2"].to_numpy()
    if d.size >= 2 and np.ptp(d) > 0:
        r = stats.corrected_resampled_t(d, np.zeros_like(d), test_train_ratio(cfg))
        eff, (lo, hi), p = r.extra["mean_diff"], r.extra["ci"], r.pvalue
    else:
        eff, lo, hi, p = float(d.mean()) if d.size else math.nan, math.nan, math.nan, math.nan
    return Claim(PAPER, id, "The confusion matrix shows high recall for BRCA.Luminal while BRCA.Basal/Her2 cases are "
                 "misclassified more often (recall Luminal − recall Basal/Her2 > 0), gene model", "§3.4 Confusion "
                 "Matrix Analysis", "better", "per-fold recall of each class from the confusion matrix; "
                 + CV_COMPARE, provenance, n_seeds=len(runs), n_runs=int(d.size), unit="seed × fold",
                 family="confusion matrix", ours=eff, ci_low=lo, ci_high=hi, ci_level=0.95, p=p, scope=scope,
                 note=f"recall Luminal {rec['recall_luminal'].mean():.3f}, Basal/Her2 "
                      f"{rec['recall_basal_her2'].mean():.3f}")


def _holdout_value(id, statement, key, mixomics, held, metric, model, provenance, scope, threshold, baseline=None):
    y = held["y_test"]
    seeds = sorted(mixomics.loc[mixomics["model"] == model, "seed"])
    est, ci = holdout_ci(y, [held["prob"][(model, s)] for s in seeds], metric, threshold)
    base = None
    if baseline is not None:
        b_est, b_ci = holdout_ci(y, [held["prob"][(baseline, s)] for s in seeds], metric, threshold)
        base = (f"{baseline} (tuned)", b_est, b_ci)
    return value_claim(PAPER, id, statement, key, provenance=provenance,
                       test="trained on mixOmics' training split, scored on its shared test split; mean over "
                            "training seeds, 90 % CI from a two-level bootstrap over test patients (stratified) "
                            "and seeds (holds the test-set sampling error)", estimate=est, ci=ci,
                       n_seeds=len(seeds), n_runs=len(seeds), unit="training seed on one shared hold-out",
                       scope=scope, baseline=base)


def text_claims() -> list[Claim]:
    """The paper's internal inconsistencies, recomputed from its own printed numbers (and the authors'
    logged notebook output, as the reference file records it)."""
    cross, concat = reference.value(PAPER, "cross_attention_pr_auc"), reference.value(PAPER, "concat_pr_auc")
    out = [text_claim(PAPER, "text_ablation_pr_auc", "§3.3's 5 % PR-AUC reduction without cross-attention agrees "
                      "with §3.2's own PR-AUCs", "ablation_no_cross_attention_pr_auc", concat / cross - 1,
                      "relative change from §3.2's printed PR-AUCs: concatenation / cross-attention − 1 "
                      "(the absolute difference is almost the same)", tolerance=0.005,
                      tolerance_reason="the printed 5 % is rounded to a whole percent: ±0.5 percentage points")]
    for model in ("concat",):
        for metric, prefix in (("f1", "f1"), ("pr_auc", "pr_auc")):
            lo, hi = logged_run_range(prefix)
            key = f"{model}_{metric}"
            paper = reference.value(PAPER, key)
            out.append(code_claim(
                PAPER, f"text_{key}_vs_logged_run", f"The concatenation model's printed {metric.upper().replace('_', '-')} "
                f"is attainable by the authors' own logged 5-fold run of that model", key, min(max(paper, lo), hi),
                f"the authors' notebook logs 4 of 5 folds of the concatenation model; whatever fold 5 scored "
                f"(0 to 1), the 5-fold mean lies in [{lo:.4f}, {hi:.4f}]; recomputed = the value in that range "
                f"closest to the printed one", tolerance=0.00005,
                tolerance_reason="the paper prints 4 decimals: half a unit of the last digit"))
    out.append(code_claim(PAPER, "text_tiles_vs_code", "The 35 × 2048 patch-feature matrix per patient matches the "
                          "authors' code", "tiles_per_patient", reference.value(PAPER, "code_tiles_per_patient"),
                          "tiles sampled per patient in the authors' notebook (reference row code_tiles_per_patient)"))
    return out


def claims(real: dict[str, list[CVResult]], a2: dict[str, list[CVResult]], mixomics: tuple[pd.DataFrame, dict],
           synthetic: dict[str, list[CVResult]], provenance: dict[str, str], cfg,
           scopes: dict[str, str] | None = None) -> list[Claim]:
    """The chapter's claims ledger (p2_03). ``real`` / ``a2``: gene MLP and baselines over seeds on the
    735-patient subset and on site A2; ``mixomics``: what :func:`~omicslib.papers.p2_fusion.baselines.
    holdout_runs` returns (rows per model and seed, test probabilities and labels); ``synthetic``: the
    five models on the synthetic paired cohort;
    ``provenance``: kind per setting (``real``, ``_a2``, ``mixomics``); ``scopes``: the same keys, the
    scope text of each real setting (:func:`scope_of`)."""
    scopes = scopes or {}
    pr_note = "PR-AUC as the authors computed it: auc(recall, precision) (trapezoids)"
    out = []
    for tag, runs, where in (("", real, "the 735-patient TCGA-BRCA subset"),
                             ("_a2", a2, "site A2 (the paper's own site)")):
        prov, scope = provenance[tag or "real"], scopes.get(tag or "real", "")
        base = strongest(runs, [n for n in runs if n != "gene"])
        # the paper's values are for its own 93 patients of site A2: on the wider cohort they are another cohort's
        vprov = prov if tag else "other-cohort"
        out.append(_value(f"gene_f1{tag}", f"The gene-expression model reaches F1 {reference.text(PAPER, 'gene_f1')} "
                          f"({where})", "gene_f1", runs["gene"], "f1", cfg, vprov, CV_TEST, scope=scope,
                          baseline=(f"{base} (tuned)", runs[base])))
        out.append(_value(f"gene_pr_auc{tag}", f"The gene-expression model reaches PR-AUC "
                          f"{reference.text(PAPER, 'gene_pr_auc')} ({where})", "gene_pr_auc", runs["gene"],
                          "pr_auc_trapz", cfg, vprov, CV_TEST, pr_note, scope=scope,
                          baseline=(f"{base} (tuned)", runs[base])))
        # ours: does the deep gene branch beat the strongest simple baseline (same folds)?
        out.append(_compare_claim(f"gene_vs_baseline{tag}", f"(our check) the deep gene branch beats the strongest "
                                  f"tuned simple baseline ({base}) on the same folds, PR-AUC"
                                  f" ({'site A2' if tag else '735 patients'})", "§3.1 (a deep gene branch is used)",
                                  runs["gene"], runs[base], "pr_auc", prov, "baseline", scope,
                                  test=CV_COMPARE + " (PR-AUC as average precision)", section="ours"))
        out.append(_recall_claim(f"confusion_recall{tag}", runs["gene"], cfg, prov, scope))
    mixomics, held = mixomics
    mix_base = next(iter(n for n in mixomics["model"].unique() if n != "gene"), None)
    for metric, key, label in (("f1", "gene_f1", "F1"), ("pr_auc_trapz", "gene_pr_auc", "PR-AUC")):
        out.append(_holdout_value(f"{key}_mixomics", f"The gene-expression model reaches {label} "
                                  f"{reference.text(PAPER, key)} (external check: mixOmics breast.TCGA, its own "
                                  "train/test split)", key, mixomics, held, metric, "gene", "other-cohort",
                                  scopes.get("mixomics", ""), cfg.threshold, mix_base))
    # the paper's headline numbers and comparisons that need paired images: synthetic pipeline checks
    syn = "synthetic"
    for m in ("image", "concat", "cross_attention"):
        for metric, key in (("f1", f"{m}_f1"), ("pr_auc_trapz", f"{m}_pr_auc")):
            out.append(_value(key, f"The {m.replace('_', '-')} model reaches {metric.split('_')[0].upper()}"
                              f"{'-AUC' if metric != 'f1' else ''} {reference.text(PAPER, key)}", key, synthetic[m],
                              metric, cfg, syn, CV_TEST + " (synthetic paired cohort)"))
    for a, b, stmt, loc in (("cross_attention", "concat", "Cross-attention fusion beats concatenation", "§3.2"),
                            ("cross_attention", "gene", "Cross-attention fusion beats the gene model alone", "§3.2"),
                            ("cross_attention", "image", "Cross-attention fusion beats the image model alone",
                             "§3.2"),
                            ("concat", "gene", "Concatenation fusion beats the gene model alone (multimodal "
                             "integration outperforms unimodal approaches)", "Abstract; §3.2"),
                            ("concat", "late", "Concatenation (feature-level) beats late (decision-level) fusion",
                             "§3.2"),
                            ("cross_attention", "late", "Cross-attention (feature-level) beats late "
                             "(decision-level) fusion", "§3.2")):
        out.append(_compare_claim(f"{a}_beats_{b}", stmt, loc, synthetic[a], synthetic[b], "pr_auc", syn, "fusion"))
    for key, to, frm, metric in (("ablation_no_image_accuracy", "gene", "cross_attention", "accuracy"),
                                 ("ablation_no_cross_attention_pr_auc", "concat", "cross_attention", "pr_auc")):
        rel = [relative_change({"a": a, "b": b}, "a", "b", metric) for a, b in zip(synthetic[to], synthetic[frm])]
        out.append(value_claim(PAPER, key, reference.row(PAPER, key)["quote"], key, provenance=syn,
                               test="relative change of the fold mean, per seed", values=rel, n_seeds=len(rel),
                               unit="seed"))
    out.append(Claim(PAPER, "fusion_on_paired_real_data", "Fusion of real H&E tiles and expression of the same "
                     "patients beats either modality", "§3.2, Fig. 8-9", "better", "needs the Figshare cohort",
                     ABSENT, family="fusion", note="no paired slides + expression with subtype labels on this machine"))
    out.append(Claim(PAPER, "preprocessing_stabilises", "Preprocessing, particularly outlier removal and "
                     "normalisation, stabilises model performance", "§4 Discussion", "better",
                     "the paper gives no measure of stability and no comparison; p2_04 measures the effect of "
                     "IQR outlier removal on the mean scores (audit table), not on their spread", ABSENT,
                     family="discussion", note="no stability measure stated: not testable as written"))
    return out + text_claims()


def claim_facts(claim_list: list[Claim]) -> dict[str, tuple[object, str]]:
    """Facts the pages quote from the ledger (:func:`omicslib.book.claims.ledger`): per claim
    ``<id>_verdict``, ``<id>_ours``, ``<id>_lo``, ``<id>_hi`` (its CI; ``n/a`` where undefined), and the
    number of claims with each verdict (``n_claims``, ``n_<verdict>`` with spaces as underscores)."""
    from omicslib.book.claims import VERDICTS, ledger

    led = ledger(list(claim_list))
    out: dict[str, tuple[object, str]] = {"n_claims": (len(led), "{:d}")}
    for v in VERDICTS:
        out[f"n_{v.replace(' ', '_')}"] = (int((led["verdict"] == v).sum()), "{:d}")
    out["n_decided"] = (int(led["verdict"].isin(("reproduced", "not reproduced")).sum()), "{:d}")
    for r in led.itertuples():
        fmt = "{:+.3f}" if r.kind in ("better", "no_difference") else "{:.3f}"
        out[f"{r.id}_verdict"] = (r.verdict, "{}")
        out[f"{r.id}_ours"] = (float(r.ours), fmt)
        out[f"{r.id}_lo"] = (float(r.ci_low), fmt)
        out[f"{r.id}_hi"] = (float(r.ci_high), fmt)
    return out


def facts_fusion(cohort, real, a2_cohort, a2, a2_site_counts: dict, mix_train, mix_test, mix_overlap: tuple[int, int],
                 mixomics: pd.DataFrame, syn_y, synthetic, cfg) -> dict[str, tuple[object, str]]:
    """Every number the chapter pages quote from ``p2_03``: key -> (value, format)."""
    d = "{:d}"
    f3 = "{:.3f}"
    out = {"n_real": (len(cohort.y), d), "n_real_luminal": (cohort.counts[0], d),
           "n_real_basal_her2": (cohort.counts[1], d), "n_genes_real": (cohort.expr.shape[1], d),
           "seeds": (len(real["gene"]), d), "synthetic_seeds": (len(synthetic["gene"]), d),
           "syn_n": (len(syn_y), d), "syn_luminal": (int((np.asarray(syn_y) == 0).sum()), d),
           "syn_basal_her2": (int((np.asarray(syn_y) == 1).sum()), d),
           "a2_patients_all": (int(sum(a2_site_counts.values())), d),
           "a2_normal": (int(a2_site_counts.get("Normal", 0)), d),
           "a2_n": (len(a2_cohort.y), d), "a2_luminal": (a2_cohort.counts[0], d),
           "a2_basal_her2": (a2_cohort.counts[1], d),
           "mix_train_n": (len(mix_train.y), d), "mix_test_n": (len(mix_test.y), d),
           "mix_overlap_train": (mix_overlap[0], d), "mix_overlap_test": (mix_overlap[1], d)}
    for tag, runs in (("real", real), ("a2", a2)):
        for name, rs in runs.items():
            for m in ("f1", "pr_auc", "pr_auc_trapz", "mcc"):
                vals = np.concatenate([r.folds[m].to_numpy() for r in rs])
                est, (lo, hi) = corrected_ci(vals, cfg, (-1.0, 1.0) if m == "mcc" else (0.0, 1.0))
                out[f"{tag}_{name}_{m}"] = (est, f3)
                if m in ("f1", "pr_auc_trapz"):
                    out[f"{tag}_{name}_{m}_lo"] = (lo, f3) if np.isfinite(lo) else ("undefined", "{}")
                    out[f"{tag}_{name}_{m}_hi"] = (hi, f3) if np.isfinite(hi) else ("undefined", "{}")
        base = strongest(runs, [n for n in runs if n != "gene"])
        c = compare_models(runs["gene"], runs[base], "pr_auc")
        # the page describes the tuned logistic regression's search whichever baseline is strongest
        bf = pd.concat([r.folds for r in runs["logreg" if "logreg" in runs else base]])
        if "C" in bf:
            out[f"{tag}_baseline_c_median"] = (float(bf["C"].median()), "{:.3g}")
            out[f"{tag}_baseline_c_min"] = (float(bf["C"].min()), "{:.3g}")
            out[f"{tag}_baseline_c_max"] = (float(bf["C"].max()), "{:.3g}")
            out[f"{tag}_baseline_grid"] = (f"{bf['c_min'].min():.3g}–{bf['c_max'].max():.3g}", "{}")
        out[f"{tag}_baseline_at_edge"] = (int((bf["at_edge"] != "").sum()), d)
        out[f"{tag}_baseline_warnings_at_choice"] = (int(bf["warnings_at_choice"].sum()), d)
        out[f"{tag}_baseline_fits"] = (len(bf), d)
        out[f"{tag}_best_baseline"] = (base, "{}")
        out[f"{tag}_gene_minus_baseline_pr_auc"] = (c["diff"], "{:+.3f}")
        out[f"{tag}_gene_vs_baseline_p"] = (c["p_nb"], "{:.2g}")
    out["inner_folds"] = (cfg.inner_folds, d)
    out["baseline_scoring"] = ("average precision", "{}")
    for name in mixomics["model"].unique():
        mm = mixomics[mixomics["model"] == name]
        out[f"mix_{name}_f1"] = (float(mm["f1"].mean()), f3)
        out[f"mix_{name}_pr_auc_trapz"] = (float(mm["pr_auc_trapz"].mean()), f3)
    for m, rs in synthetic.items():
        out[f"syn_{m}_f1"] = (float(np.mean([r.folds["f1"].mean() for r in rs])), f3)
        out[f"syn_{m}_pr_auc"] = (float(np.mean([r.folds["pr_auc"].mean() for r in rs])), f3)
    return out


def elapsed(run) -> float:
    """Seconds since the notebook's :class:`~omicslib.book.report.Run` started (for the reproducibility card)."""
    import time

    return time.perf_counter() - run.started
