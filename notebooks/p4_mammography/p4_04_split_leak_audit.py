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
# # p4 · Audit: splitting by image leaks patients across the split (synthetic images)
#
# The paper "randomly divided the mammogram ROI patches" 4:1 and ran 5-fold CV on them; the
# authors' code splits per IMAGE (`train_test_split` then `KFold` on images, random state 42), so
# the CC and the MLO view of one patient can land on both sides of the split. Two views of one
# lesion share the patient's tumour shape and breast texture; a model can then score a test image
# by recognising the patient rather than the subtype. This page measures the effect on **synthetic**
# images built to have exactly that structure (patient-specific appearance shared by both views,
# subtype cues that overlap between classes): the same learner is evaluated with a per-image and a
# per-patient hold-out over several seeds. The size of the gap depends on how much the views of a
# patient resemble each other and how well the learner memorises, so the numbers here are **not an
# estimate of the leak in the paper** — they show the mechanism and that `omicslib` splits by patient.
#
# Learners: a 1-nearest-neighbour classifier on the ROI pixels (pure memorisation, instant) and the
# simple CNN of the backbone comparison (`quick`); `paper` adds DenseNet121-CBAM.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 21
data_source = "synthetic"
outdir = ""              # empty: book/p4/results/p4_04_split_leak_audit
threads = 1

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from sklearn.neighbors import KNeighborsClassifier

from omicslib import stats
from omicslib.book import report
from omicslib.data import cmmd
from omicslib.papers import p4_mammography as P
from omicslib.profiles import choose, configure

run, dev = report.start("p4", "p4_04_split_leak_audit", profile, seed, device, outdir, cpu_threads=threads)
n_patients = choose(profile, smoke=40, quick=120, paper=390)
full_size = choose(profile, smoke=64, quick=96, paper=448)
seeds = choose(profile, smoke=[0, 1], quick=list(range(5)), paper=list(range(10)))
learners = choose(profile, smoke=["1-NN pixels"], quick=["1-NN pixels", "simple_cnn"],
                  paper=["1-NN pixels", "simple_cnn", "densenet121_cbam"])
cfg = configure(P.P4Config(seed=seed), profile,
                smoke={"image_size": 32, "epochs": 1}, quick={"image_size": 32, "epochs": 8, "lr": 1e-3},
                paper={"epochs": 100})
cfg = configure(cfg, profile, {"bound": max(2, round(100 * full_size / 2000))})
task = "luminal"

# %%
data = cmmd.synthetic_rois(n_patients=n_patients, image_size=full_size, signal=0.6, patient_effect=1.0, seed=seed)
prov = data.provenance
table = data["images"]
X = P.prepare(data.meta["images"], data.meta["masks"], cfg)
y = P.TASKS[task].labels(table["subtype"])
print(prov.label(), X.shape, "positives", int(y.sum()))


# %%
def knn(train, test):
    clf = KNeighborsClassifier(n_neighbors=1).fit(X[train].reshape(len(train), -1), y[train])
    return clf.predict_proba(X[test].reshape(len(test), -1))[:, 1]


def network(arch):
    def fit_predict(train, test):
        model, _, _ = P.train_model(X, y, train, None, cfg, 2, task, arch=arch, device=dev)
        return P.predict_proba(model, X, test, dev)[:, 1]
    return fit_predict


audit = pd.concat([P.split_leak_audit(y, table["patient"], knn if name == "1-NN pixels" else network(name),
                                      seeds=seeds).assign(learner=name) for name in learners], ignore_index=True)
run.table(audit, "split_leak_audit", prov, caption="Test AUC with a per-image vs a per-patient hold-out (synthetic)")
audit.groupby(["learner", "split"])[["auc", "test_patients_also_in_train"]].mean().round(3)

# %% [markdown]
# Paired over seeds (same seed, the two splitting schemes), the gap and a paired t-test:

# %%
rows, compare_rows = [], []
for name, g in audit.groupby("learner", sort=False):
    w = g.pivot(index="seed", columns="split", values="auc").dropna()
    gap = w["per image"] - w["per patient"]
    mean, lo, hi = stats.mean_ci(gap) if len(gap) > 1 and np.ptp(gap) > 0 else (gap.mean(), np.nan, np.nan)
    p = stats.paired_t(w["per image"], w["per patient"]).pvalue if len(gap) > 1 and np.ptp(gap) > 0 else np.nan
    rows.append({"learner": name, "auc_per_image": w["per image"].mean(), "auc_per_patient": w["per patient"].mean(),
                 "gap": mean, "gap_lo": lo, "gap_hi": hi, "paired_t_p": p, "n_seeds": len(gap)})
    compare_rows.append({"item": f"{name}, AUC per-image minus per-patient split", "metric": "AUC gap",
                         "paper": None, "ours": mean, "ours_sd": gap.std(ddof=1) if len(gap) > 1 else np.nan,
                         "note": "the paper reports per-image splits only; synthetic images"})
gaps = pd.DataFrame(rows)
run.table(gaps, "split_leak_gap", prov, caption="Per-image minus per-patient test AUC, paired over seeds (synthetic)")
display(gaps.round(3))
run.compare(compare_rows, "split_leak_vs_paper", prov, caption="Split leak (no paper value: the paper does not "
            "evaluate a per-patient split); synthetic")

# %%
fig, axes = plt.subplots(1, len(learners), figsize=(4 * len(learners), 3.5), squeeze=False)
for ax, (name, g) in zip(axes[0], audit.groupby("learner", sort=False)):
    w = g.pivot(index="seed", columns="split", values="auc")[["per patient", "per image"]]
    for _, r in w.iterrows():
        ax.plot([0, 1], r.values, color="grey", alpha=0.6, marker="o")
    ax.set_xticks([0, 1], ["per patient", "per image"])
    ax.axhline(0.5, color="k", ls="--", lw=0.7)
    ax.set_title(name, fontsize=10)
    ax.set_ylabel("test AUC")
run.figure(fig, "split_leak", prov, caption="Test AUC of the same learner under a per-patient and a per-image "
           "split, one line per seed (synthetic images)", alt="Paired dot plots of AUC per split scheme")
