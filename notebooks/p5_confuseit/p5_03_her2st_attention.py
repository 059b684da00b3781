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
# # p5 · Image branch on real H&E: HER2ST patches, contrastive alignment, ABMIL attention maps
#
# A pipeline demonstration on **real** H&E and **real** spatial transcriptomics (HER2ST, Andersson
# et al. 2021; real subset: sections B4 (patient B) and C2–C6 (patient C), HER2-positive, no survival, no
# PAM50). Each spot's H&E patch goes through a ResNet-50 trunk; spatially contiguous regions of ~10 spots
# form bags (ABMIL inputs) paired with the region's pseudo-bulk expression — a miniature, real version
# of ConFuseIT's slide ↔ RNA-seq pairing. The slide and RNA encoders are pretrained with the same
# symmetric InfoNCE, and alignment is measured as cross-modal retrieval on a held-out section. Which
# weights the ResNet-50 started from (ImageNet file and checksum, or random initialisation) is read from
# the weights record and stated in every output; the `paper` profile stops without ImageNet weights
# unless `allow_random_weights` is set.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 0
data_source = "real-subset"
outdir = ""              # empty: book/p5/results/p5_03_her2st_attention
allow_random_weights = False  # paper profile: run on random ResNet-50 weights (then shown on every output)
config_overrides = {}    # Config fields
setup_overrides = {}     # Her2stSetup fields

# %%
import time
from dataclasses import asdict

import pandas as pd
from IPython.display import display

from omicslib.book import report
from omicslib.papers import p5_confuseit as P

cfg = P.config(profile, "her2st", seed, **config_overrides)
setup = P.her2st_setup(profile, allow_random_weights=allow_random_weights, **setup_overrides)
run, dev = report.start("p5", "p5_03_her2st_attention", profile, seed, device, outdir, seeds=list(cfg.seeds),
                        cpu_threads=1)
report.show(pd.concat([pd.Series(asdict(cfg)), pd.Series(asdict(setup))]).astype(str).to_frame("value"))

# %% [markdown]
# ## Patches and spot expression
# The patch encoder and the record of its weights (file and sha256, or random initialisation).

# %%
extractor, weights_record = P.feature_extractor(profile, setup, dev)
sec, provs = P.load_sections(setup, extractor, dev)
prov = P.with_weights(provs[0].combine(*provs[1:]), weights_record)
display(report.show(pd.DataFrame([{"section": n, "patient": P.PATIENT[n], "spot patches": len(s["feats"]),
                       "selected spots": s["n_selected"], "genes": s["counts"].shape[1]} for n, s in sec.items()])))
run.fact("weights", "ImageNet weights" if weights_record.pretrained else "random initialisation")
run.fact("weights_note", weights_record.note)
print(weights_record.note)
prov.label()

# %% [markdown]
# ## Leave-one-section-out contrastive alignment
# Per held-out section: genes = the most variable of those shared by all sections (training
# sections only), patch features reduced by PCA fitted on training sections, then CLIP pretraining
# of ABMIL + RNA encoder on training regions. Retrieval on the held-out section's regions is
# compared with chance and with the same model trained on shuffled (unpaired) regions.

# %%
results, models = P.leave_section_out_seeds(sec, setup, cfg, dev)
run.table(results, "her2st_retrieval", prov,
          "Real HER2ST: cross-modal retrieval of held-out regions (image bag <-> pseudo-bulk RNA)")
for name in P.Her2stSetup().held_out:  # the quick profile's sections; every key in every profile
    r = results[(results["held_out"] == name) & (results["pairing"] == "true")]
    c = results[(results["held_out"] == name) & (results["pairing"] != "true")]
    for key, value, fmt in ((f"{name.lower()}_top5", r["top5_slide_to_rna"].mean(), "{:.2f}"),
                            (f"{name.lower()}_chance", r["top5_chance"].mean(), "{:.2f}"),
                            (f"{name.lower()}_control", c["top5_slide_to_rna"].mean(), "{:.2f}"),
                            (f"{name.lower()}_regions", int(r["test_regions"].iloc[0]) if len(r) else 0, "{:d}")):
        run.fact(key, value if len(r) else "not run", fmt)
run.fact("her2st_seeds", len(cfg.seeds), "{:d}")
display(report.show(results))

# %% [markdown]
# ## ABMIL attention over a whole held-out section
# The slide encoder reads all spot patches of the held-out section as one bag; each spot is drawn
# at its position on the H&E, coloured by its attention weight (× number of patches, so 1 = uniform).
# Attention is compared with each spot's total UMI count (more cells, more transcripts), a real but
# crude cellularity proxy.

# %%
att_table, attention = P.section_attention(sec, models, dev)
fig = P.her2st_attention_maps(sec, attention, setup.patch)
run.figure(fig, "her2st_attention_maps", prov,
           "Real HER2ST H&E: ABMIL attention per spot patch on held-out sections, with the most-attended patches "
           f"({P.weights_caption(weights_record)}; encoder pretrained contrastively on other sections)",
           alt="H&E sections overlaid with coloured dots for attention, next to a grid of the most-attended patches")
run.table(att_table, "her2st_attention_vs_umi", prov,
          "Real HER2ST: Spearman correlation of per-spot ABMIL attention with the spot's total UMI count")
for name in P.Her2stSetup().held_out:
    a = att_table[att_table["section"] == name]
    run.fact(f"{name.lower()}_rho", a["spearman_rho_attention_vs_log_umi"].iloc[0] if len(a) else "not run", "{:.2f}")
    run.fact(f"{name.lower()}_rho_p", a["p"].iloc[0] if len(a) else "not run", "{:.1g}")
    run.fact(f"{name.lower()}_spots", int(a["spots"].iloc[0]) if len(a) else "not run", "{:d}")
report.show(att_table)

# %% [markdown]
# ## Claims ledger
# Does contrastive pretraining align H&E and RNA of held-out tissue (a premise of the abstract's
# pretraining)? Per held-out section, top-5 slide → RNA hits with true vs shuffled pairing on the same
# regions (exact McNemar test). A held-out section whose patient also gave training sections is not a
# held-out-patient test: its claim is inconclusive with that reason.

# %%
claims = P.retrieval_claims(results, results.attrs["hits"], P.PATIENT, setup.sections)
ledger = run.claims(claims)
for name in P.Her2stSetup().held_out:
    cl = [c for c in claims if c.id == f"her2st_alignment_{name.lower()}"]
    run.fact(f"{name.lower()}_mcnemar_p", cl[0].p if cl else "not run", "{:.2f}")
    run.fact(f"{name.lower()}_verdict", P.verdicts(claims)[cl[0].id] if cl else "not run")
display(ledger)

# %%
run.compare(P.her2st_rows(results), "p5_her2st_alignment", prov,
            caption="Real HER2ST pipeline demonstration (not a paper number)")
run.fact("wall_s", time.perf_counter() - run.started, "{:.0f}")
