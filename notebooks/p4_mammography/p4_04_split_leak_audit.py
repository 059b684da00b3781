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
# Learners (`cfg.audit_learners`): a 1-nearest-neighbour classifier on the ROI pixels (pure
# memorisation, instant) and the simple CNN of the backbone comparison; `paper` adds DenseNet121-CBAM.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 21
data_source = "synthetic"
outdir = ""              # empty: book/p4/results/p4_04_split_leak_audit
threads = 1
allow_random_weights = False  # paper profile: run DenseNet121-CBAM without ImageNet weights
config_overrides = {}    # any Config field, e.g. {"audit_seeds": [0, 1, 2]}

# %%
from dataclasses import asdict

import pandas as pd
from IPython.display import display

from omicslib.book import report
from omicslib.papers import p4_mammography as P

cfg = P.config(profile, "audit", seed=seed, allow_random_weights=allow_random_weights, **config_overrides)
run, dev = report.start("p4", "p4_04_split_leak_audit", profile, seed, device, outdir, cpu_threads=threads)
cfg, cohort_note = P.capped_cohort(cfg)  # bounded only under the rehearsal's step cap (the note says so)
P.require_weights(cfg, cfg.audit_learners)
report.show(pd.Series(asdict(cfg)).to_frame("value"))

# %% [markdown]
# The synthetic two-view ROIs and the labels of the audited task:

# %%
data, X = P.synthetic(cfg)
table = data["images"]
y = P.TASKS[cfg.audit_task].labels(table["subtype"])
print(data.provenance.label(), X.shape, "positives", int(y.sum()))
if cohort_note:
    print(cohort_note)

# %% [markdown]
# Each learner under both splitting schemes, over the seeds of the profile:

# %%
audit = P.run_audit(X, y, table["patient"], cfg, device=dev)
prov = P.with_weights(data.provenance, P.learner_builds(cfg), cfg)
run.table(audit, "split_leak_audit", prov, caption="Test AUC with a per-image vs a per-patient hold-out (synthetic)")
report.show(audit.groupby(["learner", "split"])[["auc", "test_patients_also_in_train"]].mean())

# %% [markdown]
# Paired over seeds (same seed, the two splitting schemes), the gap and a paired t-test:

# %%
gaps = P.leak_gap(audit)
run.table(gaps, "split_leak_gap", prov, caption="Per-image minus per-patient test AUC, paired over seeds (synthetic)")
display(report.show(gaps))
run.compare(P.leak_rows(audit), "split_leak_vs_paper", prov, caption="Split leak (no paper value: the paper does "
            "not evaluate a per-patient split); synthetic")

# %%
_ = run.figure(P.split_leak_figure(audit), "split_leak", prov, caption="Test AUC of the same learner under a "
               "per-patient and a per-image split, one line per seed (synthetic images)",
               alt="Paired dot plots of AUC per split scheme")

# %% [markdown]
# The numbers the audit page quotes:

# %%
run.facts(P.leak_facts(audit, gaps) | P.config_facts(cfg))
run.facts(P.wall_time(run))
