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
# # p4 · Backbone comparison with DeLong and McNemar tests (synthetic images)
#
# The paper selects DenseNet121-CBAM after comparing it with a simple CNN, MobileNet variants,
# ResNet101, ViT-B/16 and DenseNet121 variants, and reports that DeLong's test (AUC) or McNemar's
# test (accuracy) gave p < 0.05 in all pairwise comparisons (details only in its supplementary
# figures, which this book does not have, so there are no paper numbers to put beside ours). Here
# DenseNet121-CBAM is compared with three of those backbones — a simple CNN, DenseNet121 without
# CBAM and MobileNetV2, all with a single-channel input — under the same patient-level protocol, on
# the hold-out test predictions of each backbone's best fold.
#
# **Synthetic images** (see `p4_02_subtype_models`): the comparison demonstrates the procedure; its
# outcome says nothing about the paper's claim. `smoke`/`quick` compare on the Luminal task only,
# with small ROIs, 1–3 epochs, 3 folds and lr 1e-3 (paper 1e-4); `paper` runs all four tasks with the
# paper's settings.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 21
data_source = "synthetic"
outdir = ""              # empty: book/p4/results/p4_03_model_comparison
threads = 1

# %%
import matplotlib.pyplot as plt
import pandas as pd

from omicslib.book import report
from omicslib.data import cmmd
from omicslib.papers import p4_mammography as P
from omicslib.papers.p4_mammography.model import ARCHS
from omicslib.profiles import choose, configure

run, dev = report.start("p4", "p4_03_model_comparison", profile, seed, device, outdir, cpu_threads=threads)
n_patients = choose(profile, smoke=20, quick=40, paper=390)
full_size = choose(profile, smoke=64, quick=96, paper=448)
tasks = choose(profile, smoke=["luminal"], quick=["luminal"], paper=list(P.TASKS))
cfg = configure(P.P4Config(seed=seed), profile,
                smoke={"image_size": 32, "epochs": 1, "n_folds": 2, "patience": None},
                quick={"image_size": 48, "epochs": 3, "n_folds": 3, "patience": None, "lr": 1e-3},
                paper={})
cfg = configure(cfg, profile, {"bound": max(2, round(100 * full_size / 2000))})
folds_trained = choose(profile, smoke=1, quick=None, paper=None)

# %%
data = cmmd.synthetic_rois(n_patients=n_patients, image_size=full_size, signal=0.6, seed=seed)
prov = data.provenance
table = data["images"]
X = P.prepare(data.meta["images"], data.meta["masks"], cfg)
print(prov.label(), X.shape)

# %%
results = {task: {arch: P.cross_validate(X, table["subtype"], table["patient"], task, cfg, arch=arch, device=dev,
                                         folds=folds_trained) for arch in ARCHS} for task in tasks}
for task, by_arch in results.items():
    for arch, r in by_arch.items():
        print(f"{task:10s} {arch:17s} {r.weights_note}")
summary = pd.concat([r.summary() for by_arch in results.values() for r in by_arch.values()], ignore_index=True)
run.table(summary, "backbone_summary", prov, caption="Every backbone x task: best fold and fold mean of each metric")
summary[summary.metric.isin(["AUC", "ACC"])].pivot_table(index=["task", "arch"], columns=["split", "metric"],
                                                           values="best").round(3)

# %% [markdown]
# ## DeLong (AUC) and McNemar (accuracy) tests, DenseNet121-CBAM vs each backbone

# %%
tests = pd.concat([P.compare_models(by_arch) for by_arch in results.values()], ignore_index=True)
run.table(tests, "delong_mcnemar", prov, caption="DenseNet121-CBAM vs other backbones on the hold-out test set "
          "(best fold of each): DeLong and McNemar tests")
tests.round(4)

# %%
rows = []
for task, by_arch in results.items():
    s = summary[(summary.task == task) & (summary.split == "test") & (summary.metric == "AUC")].set_index("arch")
    for arch in ARCHS:
        rows.append({"item": f"{P.TASKS[task].title}, {arch}", "metric": "test AUC (best fold)", "paper": None,
                     "ours": s.loc[arch, "best"], "ours_sd": s.loc[arch, "sd"],
                     "note": "paper values only in its supplementary figures; synthetic images"})
run.compare(rows, "backbones_vs_paper", prov, caption="Backbone test AUCs (no paper values available; synthetic)")

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
s = summary[(summary.split == "test") & (summary.metric == "AUC")]
for i, (task, g) in enumerate(s.groupby("task")):
    ax.errorbar(range(len(g)), g["mean"], yerr=g["sd"].fillna(0), fmt="o", capsize=3, label=f"{task}: fold mean ± SD")
    ax.scatter(range(len(g)), g["best"], marker="x", color="k", label="best fold" if i == 0 else None)
    ax.set_xticks(range(len(g)), g["arch"], rotation=15, fontsize=8)
ax.axhline(0.5, color="grey", ls="--", lw=0.8)
ax.set_ylabel("test AUC")
ax.legend(fontsize=7)
run.figure(fig, "backbone_auc", prov, caption="Test AUC per backbone (synthetic images)",
           alt="Points with error bars of test AUC for four backbones")
