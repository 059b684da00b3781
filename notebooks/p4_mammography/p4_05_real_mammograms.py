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
# # p4 · Real mammograms (MCBD): the pipeline, the models and the split leak on another cohort and task
#
# Every other p4 image number is synthetic. This notebook runs the p4 pipeline on **real** full-field
# mammograms: MCBD, 181 patients of one hospital with a CC and an MLO view each, labelled benign or
# malignant by pathology, with the radiologist's BI-RADS category. It is **another cohort and another task**
# (no molecular subtype, no receptor status, no lesion outline), so its claims are *real analogues* of the
# paper's architecture and split claims; the subtype AUCs stay not testable. The breast region (Otsu
# segmentation) stands in for the lesion ROI; every network starts from random initialisation; a patient's
# score is the **mean of its two views'** malignancy probabilities.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 21
data_source = "mcbd"
outdir = ""              # empty: book/p4/results/p4_05_real_mammograms
threads = 1
config_overrides = {}    # any RealConfig field, e.g. {"seeds": [0, 1, 2]}
jobs_dir = ""            # the workflow's grid jobs (one per architecture x split x seed x augmentation); empty: train here

# %%
import time
from dataclasses import asdict

import numpy as np
import pandas as pd
from IPython.display import display

from omicslib.book import reference, report
from omicslib.data import mcbd
from omicslib.papers import p4_mammography as P
from omicslib.papers.p4_mammography import real

cfg = P.real_config(profile, **config_overrides)
run, dev = report.start("p4", "p4_05_real_mammograms", profile, seed, device, outdir, cpu_threads=threads)
report.show(pd.Series(asdict(cfg)).to_frame("value"))

# %% [markdown]
# ## The images and labels
#
# The images and labels, each image checked against the manifest's sha256; the loader's report names
# blank and duplicated images (kept in the table, flagged; blank views are never trained on or scored):

# %%
data = mcbd.load(max_side=cfg.load_px)
prov = data.provenance
images, patients = data["images"], data["patients"]
print(prov.kind, "|", prov.description)
print("\n".join(data.report))
report.show(patients[["pathology", "birads"]].value_counts().unstack(fill_value=0))

# %% [markdown]
# ## The pipeline on real images
#
# The pipeline on real images: breast mask, CLAHE, breast crop, resize, normalisation, then the paper's
# augmentation, for one benign and one malignant patient (both views):

# %%
t0 = time.perf_counter()
X, masks = real.prepare_real(data.meta["images"], cfg.image_size, cfg.work_px)
prep_s = time.perf_counter() - t0
ex = [i for p in (patients.index[patients.malignant == 0][0], patients.index[patients.malignant == 1][0])
      for i in np.flatnonzero(images["patient"].to_numpy() == p)]
stages = [real.preprocess(data.meta["images"][i], cfg.image_size, cfg.work_px, stages=True)[2] for i in ex]
titles = [f"{images.patient[i]}/{images.view[i]} ({patients.pathology[images.patient[i]]})" for i in ex]
_ = run.figure(real.pipeline_figure(stages, real.augmented_examples(X, ex), titles), "real_pipeline", prov,
               caption="Real MCBD mammograms after each step of the pipeline (the breast region stands in for "
                       "the lesion ROI)", alt="Grid of mammograms: rows are images, columns pipeline steps")

# %% [markdown]
# ## The models: patient-level cross-validation
#
# Every architecture of the profile, patient-level stratified CV over the seeds (and the per-image split
# for the leak audit), the strongest simple baseline on the same folds and seeds (family, input and
# hyperparameters chosen by nested CV on each fold's training patients), Grad-CAM of the first seed's models:

# %%
rate = reference.value("p4", real.OVERSAMPLING_KEY)
arm = real.run_arm(X, masks, images, patients, cfg, rate, dev, jobs_dir)
run.table(arm["seeds"], "real_seed_auc", prov, caption="Per-patient AUC (DeLong 90 % CI) of every run: "
          "architecture x split x seed; random initialisation")
report.show(arm["seeds"])

# %% [markdown]
# ## AUC per model and BI-RADS
#
# Per model, the AUC of the seed-averaged patient score, and BI-RADS (ordinal: 2 < 3 < 0 < 4a < 4b < 4c <
# 5 < 6; the one BI-RADS 0, "incomplete", placed between 3 and 4a) against pathology:

# %%
y = patients["malignant"].to_numpy(int)
aucs = real.model_aucs(y, arm["scores"], arm["seeds"])
birads = real.birads_baseline(y, patients["birads_score"].to_numpy(float))
run.table(aucs, "real_model_auc", prov, caption="Per-patient AUC (mean of the two views, averaged over seeds) "
          "with DeLong 90 % CI; random initialisation")
display(report.show(aucs))
report.show(pd.Series(birads).round(3).to_frame("BI-RADS"))

# %%
_ = run.figure(real.auc_figure(aucs, birads), "real_auc", prov, caption="Per-patient AUC on MCBD (benign vs "
               "malignant) of each model from random initialisation, beside the radiologist's BI-RADS",
               alt="Dot plot of AUCs with intervals and a BI-RADS band")

# %% [markdown]
# ## Each model against BI-RADS
#
# Each model against BI-RADS (DeLong, same 181 patients), and what the strongest simple baseline chose in each
# outer fold of each seed. On the fold's training patients only, an inner stratified CV scored by AUC
# (class-balanced) picks the family (ridge, elastic-net logistic regression, LightGBM), the input (eight intensity
# statistics of the breast, the image average-pooled to a small pixel block, or both; each the mean over the
# patient's usable views, nothing imputed) and the hyperparameters, each path widened while its choice sits at
# the grid's edge; a choice still at the edge and convergence warnings are counted:

# %%
vs_birads = real.comparisons(y, arm["scores"], patients["birads_score"].to_numpy(float))
run.table(vs_birads, "real_vs_birads", prov, caption="AUC(model) - AUC(BI-RADS), DeLong 90 % CI")
run.table(arm["tuning"], "real_baseline_tuning", prov,
          caption="Strongest simple baseline: family, input and hyperparameters chosen by inner CV per outer fold "
                  "and seed, with the inner-CV AUC, edge, widenings and convergence warnings")
display(report.show(vs_birads))
report.show(arm["tuning"][["seed", "fold", "family", "preprocessing", "hyperparameters", "inner_score", "at_edge",
                           "n_widen", "convergence_warnings", "warnings_at_choice"]])

# %% [markdown]
# ## The split leak on real data
#
# The split leak on real data: the same models and seeds with the authors' per-image split against the
# per-patient split (paired bootstrap over patients); the 1-nearest-neighbour memoriser of the synthetic
# audit shows what recognising a patient's other view is worth:

# %%
leak = real.leak_inflation(y, arm["scores"], (*cfg.leak_archs, real.KNN), cfg.n_boot)
run.table(leak, "real_split_leak", prov, caption="AUC per-image split minus per-patient split (90 % CI)")
report.show(leak)

# %% [markdown]
# ## Grad-CAM sanity per layer
#
# Grad-CAM sanity per layer: the share of the map's mass inside the breast mask, against a random map at
# the layer's resolution (paired over the test images):

# %%
cam = real.cam_summary(arm["cam"])
run.table(arm["cam"], "real_cam_shares", prov, caption="Grad-CAM mass inside the breast per image and layer")
run.table(cam, "real_cam_summary", prov, caption="Grad-CAM share inside the breast vs a random-map control")
report.show(cam)

# %% [markdown]
# ## The authors' ROI code on real images
#
# The authors' ROI code measured on real images (its crop can lose the lesion): molsub's crop box (axes swapped in the
# clamp, inclusive end used as exclusive) against the correct box, with the breast standing in for the
# lesion, at the shipped bound 0 and the paper's bound; and molsub's red-channel normalisation constants
# against the grey ones (first 120 images, at the working size):

# %%
dep = real.departure_effects(data.meta["images"][:120], cfg.work_px)
run.table(dep, "real_molsub_departures", prov, caption="molsub's ROI box and normalisation vs ours on MCBD images")
run.facts(real.departure_facts(dep))
report.show(dep.groupby("bound")[["kept_molsub", "kept_inclusive_end_only", "aspect_molsub"]].describe().T)

# %% [markdown]
# ## The authors' augmentation
#
# molsub's augmentation acts on the wrong axes: on its `(1, H, W)` arrays only a vertical flip
# remains. The Grad-CAM model, retrained on the same per-patient folds and seeds with that augmentation and
# with none, against the paper's augmentation (paired over patients and seeds):

# %%
aug = real.augmentation_effect(X, images, patients, cfg, rate, arm["runs"], cfg.n_boot, dev, jobs_dir)
run.table(aug, "real_augmentation_effect", prov,
          caption="AUC with molsub's effective augmentation or none, minus AUC with the paper's (90 % CI)")
run.facts(real.augmentation_facts(aug))
report.show(aug)

# %% [markdown]
# ## Claims ledger and quoted numbers
#
# The numbers the chapter quotes, and the real-analogue claims:

# %%
run.facts(real.real_facts(arm, aucs, birads, vs_birads, leak, cam, cfg, len(patients), len(images),
                          int(images["blank"].sum()), prep_s))
run.facts(real.data_quality_facts(images, patients))
claims = real.real_claims(y, arm["scores"], arm["seeds"], leak, cfg, birads)
run.facts(real.verdict_facts(claims))
run.claims(claims, caption="p4 real analogues on MCBD (another cohort, another task)")
run.facts(P.wall_time(run) | real.cpu_time())
