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
# The paper selects DenseNet121-CBAM after comparing it with a simple CNN, MobileNetV2, MOB-CBAM
# (MobileNetV3 with CBAM), ResNet101, ViT-B/16 and DenseNet121 variants, and reports that DeLong's
# test (AUC) or McNemar's test (accuracy) gave p < 0.05 in all pairwise comparisons (details only
# in its Supplementary Figures 3–4, which this book does not have, so there are no paper numbers to
# put beside ours). Here DenseNet121-CBAM is compared with the backbones of the profile (`cfg.archs`):
# in `quick` DenseNet121 without CBAM, MobileNetV2, MOB-CBAM, our simple CNN and the authors'
# two-layer simple CNN; ResNet101 and ViT-B/16 are built (and tested) but run only in `paper`,
# because on the CPU each costs several times DenseNet121-CBAM's time per image (measured below). All take a
# single-channel input under the same patient-level protocol.
#
# Two tests per pair: the paper's (DeLong and McNemar on the hold-out predictions of each backbone's
# best fold) and ours for the claims ledger (Nadeau–Bengio corrected resampled t over the
# validation folds' AUCs, which respects the overlap of the training sets).
#
# **Synthetic images** (see `p4_02_subtype_models`): the comparison demonstrates the procedure; its
# outcome says nothing about the paper's claim.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 21
data_source = "synthetic"
outdir = ""              # empty: book/p4/results/p4_03_model_comparison
threads = 1
allow_random_weights = False  # paper profile: run without ImageNet weights (then shown on every result)
config_overrides = {}    # any Config field, e.g. {"archs": ["densenet121_cbam", "resnet101"]}
jobs_dir = ""            # the workflow's grid jobs (one per task x backbone x fold); empty: train every fold here

# %%
from dataclasses import asdict

import pandas as pd

from omicslib.book import report
from omicslib.papers import p4_mammography as P

cfg = P.config(profile, "comparison", seed=seed, allow_random_weights=allow_random_weights, **config_overrides)
run, dev = report.start("p4", "p4_03_model_comparison", profile, seed, device, outdir, cpu_threads=threads)
cfg, cohort_note = P.capped_cohort(cfg)  # bounded only under the rehearsal's step cap (the note says so)
P.require_weights(cfg, cfg.archs)
report.show(pd.Series(asdict(cfg)).to_frame("value"))

# %% [markdown]
# The synthetic ROIs (the same generator and seed as `p4_02`):

# %%
data, X = P.synthetic(cfg)
table = data["images"]
print(data.provenance.label(), X.shape)
if cohort_note:
    print(cohort_note)

# %% [markdown]
# Every backbone on the same patient-level splits (in the workflow's `paper` profile each fold is a
# separate job, `jobs_dir`, read back here):

# %%
results = P.run_comparison(X, table, cfg, device=dev, jobs_dir=jobs_dir)
prov = P.with_weights(data.provenance, results, cfg)
weights = P.weights_caption(results)
print(weights)
summary = pd.concat([r.summary() for by_arch in results.values() for r in by_arch.values()], ignore_index=True)
run.table(summary, "backbone_summary", prov,
          caption="Every backbone x task: best fold and fold mean of each metric." + weights)
report.show(summary[summary.metric.isin(["AUC", "ACC"])].pivot_table(index=["task", "arch"], columns=["split", "metric"],
                                                           values="best"))

# %% [markdown]
# ## DeLong (AUC) and McNemar (accuracy) tests, DenseNet121-CBAM vs each backbone (the paper's tests)

# %%
tests = pd.concat([P.compare_models(by_arch) for by_arch in results.values()], ignore_index=True)
run.table(tests, "delong_mcnemar", prov, caption="DenseNet121-CBAM vs other backbones on the hold-out test set "
          "(best fold of each): DeLong and McNemar tests." + weights)
report.show(tests)

# %% [markdown]
# Test AUCs beside the paper (which prints none outside its supplementary figures):

# %%
run.compare(P.backbone_rows(summary), "backbones_vs_paper", prov,
            caption="Backbone test AUCs (no paper values available; synthetic)." + weights)

# %%
_ = run.figure(P.backbone_auc_figure(summary), "backbone_auc", prov, caption="Test AUC per backbone (synthetic "
           "images)." + weights, alt="Points with error bars of test AUC per backbone")

# %% [markdown]
# What each backbone costs per training image at this ROI size (one batch, forward, backward and
# AdamW step, on this machine): why ResNet101 and ViT-B/16 are left to the `paper` profile.

# %%
times = P.step_times(P.ARCH_NAMES, cfg, steps=1, device=dev)
run.table(times, "step_times", prov, caption="Training seconds per image of every backbone at the profile's ROI "
          "size (random inputs, this machine)")
report.show(times)

# %% [markdown]
# The numbers the chapter quotes, and the claims "DenseNet121-CBAM beats backbone X" (synthetic:
# pipeline checks, no verdict; one seed, because every extra seed repeats the whole comparison):

# %%
claims = P.backbone_claims(results, tests, prov.kind, seed)
run.facts(P.backbone_facts(tests, claims, times) | P.analysis.architecture_facts())
run.claims(claims, caption="p4 backbone claims (synthetic images)")
run.facts(P.wall_time(run))
