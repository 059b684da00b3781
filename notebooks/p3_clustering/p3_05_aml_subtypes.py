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
# # p3 · Figures 5–6: AML subtypes (DMACL, k = 6) — what can and cannot be done here
#
# The paper clusters AML into 6 subtypes with k-means on the DMACL embedding, then runs
# differential expression (each subtype vs the rest) on the **transcriptome**, GO enrichment of the
# up-regulated genes (clusterProfiler) and GSEA on Hallmark/Reactome/KEGG sets. On this machine the
# AML expression matrix is absent (only miRNA and survival exist) and GO (c5) is absent; Hallmark
# and Reactome gene sets are present. So: we cluster AML on miRNA (real-subset, sample ids kept so
# clusters join survival), test survival differences between the 6 subtypes (log-rank; not in the
# paper), show the top differential miRNAs per subtype (the Fig. 5A layout, on miRNA instead of
# genes), and state what Figures 5B/6 need. The gseapy pipeline (`omicslib.enrichment.characterise`)
# is unit-tested and runs as soon as an expression matrix with gene symbols is provided.

# %% tags=["parameters"]
profile = "quick"
device = "cpu"
seed = 0
data_source = "auto"
outdir = ""

# %%
import pandas as pd
from IPython.display import Markdown, display

from omicslib.book import report
from omicslib.data import available, genesets, rappoport
from omicslib.papers import p3_clustering as P
from omicslib.papers.p3_clustering import clustering
from omicslib.papers.p3_clustering.enrichment import de_one_vs_rest, top_up
from omicslib.profiles import choose

run, dev = report.start("p3", "p3_05_aml_subtypes", profile, seed, device, outdir)
epochs = choose(profile, smoke=2, quick=100, paper=500)

# %%
d = rappoport.load_cancer("aml", with_ids=True)
surv = d.meta["survival"]
x = d["mirna"]
common = x.index.intersection(surv.index)
print(d.provenance.label(), "|", x.shape, "|", "; ".join(d.report))
print(f"{len(common)} of {len(x)} miRNA samples have survival; {len(x) - len(common)} dropped for the survival test")

# %%
ds = P.OmicsDataset("aml", [x.to_numpy()], ["mirna"], "cancer", embed_dim=10, n_clusters=5, eval_ks=(6,))
out = P.embed("DMACL", ds, seed, P.Budget(dmacl_epochs=epochs, kmeans_runs=1), str(dev))
sub = pd.Series(clustering.consensus_labels(out["embedding"], 6, seed), index=x.index, name="subtype")
sizes = sub.value_counts().sort_index().rename_axis("subtype").reset_index(name="samples")
run.table(sizes, "aml_subtype_sizes", d.provenance, caption="AML subtypes (k-means k=6 on the DMACL miRNA embedding)")
lr = P.logrank(sub.loc[common], surv.loc[common, "time"], surv.loc[common, "event"])
run.table(pd.DataFrame([lr | {"n": len(common)}]), "aml_logrank", d.provenance,
          caption="Log-rank test of overall survival across the 6 subtypes (beyond the paper)")
display(sizes, pd.DataFrame([lr]))

# %%
import matplotlib.pyplot as plt
from lifelines import KaplanMeierFitter

fig, ax = plt.subplots(figsize=(5, 3.5))
for s in sorted(sub.unique()):
    idx = sub.loc[common][sub.loc[common] == s].index
    KaplanMeierFitter().fit(surv.loc[idx, "time"], surv.loc[idx, "event"], label=f"subtype {s} (n={len(idx)})"
                            ).plot_survival_function(ax=ax, ci_show=False)
ax.set_xlabel("days")
ax.set_title(f"AML subtypes, log-rank p = {lr['logrank_p']:.3g}")
run.figure(fig, "aml_km", d.provenance, caption="Kaplan-Meier curves of the 6 DMACL subtypes (miRNA only)",
           alt="Kaplan-Meier curves for six AML subtypes")

# %%
de = de_one_vs_rest(x, sub.to_numpy())
top = top_up(de, n=10)
run.table(de, "aml_mirna_de", d.provenance, caption="One-vs-rest Welch t-test per subtype on log2 miRNA (BH FDR)")
genes = list(dict.fromkeys(g for s in sorted(top) for g in top[s]))
if genes:
    z = x[genes].groupby(sub).mean()
    z = (z - z.mean()) / z.std(ddof=0).replace(0, 1)
    fig, ax = plt.subplots(figsize=(max(6, len(genes) * 0.18), 3))
    im = ax.imshow(z.to_numpy(), aspect="auto", cmap="RdBu_r")
    ax.set_yticks(range(len(z)), [f"subtype {s}" for s in z.index])
    ax.set_xticks(range(len(genes)), genes, rotation=90, fontsize=5)
    fig.colorbar(im, ax=ax, label="z of subtype mean")
    run.figure(fig, "aml_fig5a_mirna", d.provenance, caption="Fig. 5A layout on miRNA: top up-regulated miRNAs per "
               "subtype (the paper uses transcriptome genes)", alt="Heatmap of subtype-mean miRNA levels")

# %% [markdown]
# ## Figures 5B and 6 (GO enrichment, GSEA)

# %%
need = []
if not available(rappoport.RAPPOPORT.id, "aml_log_exp_omics"):
    need.append(("AML gene expression with gene symbols", rappoport.RAPPOPORT.file("aml_log_exp_omics").url +
                 " (processed, no ids) or the benchmark's raw `aml/exp` from " + rappoport.RAPPOPORT.homepage))
if not available(genesets.GENESETS.id, "go"):
    need.append(("GO gene sets (MSigDB c5)", genesets.GENESETS.file("go").url))
have = [k for k in ("hallmark", "reactome") if available(genesets.GENESETS.id, k)]
status = pd.DataFrame(need, columns=["missing input", "where to get it"])
run.table(status, "fig5_6_status", d.provenance, caption="Inputs Figures 5B/6 need that are absent here")
display(Markdown(f"Gene sets present locally: {', '.join(have)}. "
                 + ("**Figures 5B and 6 are not reproduced: the inputs listed below are missing.**" if need else "")))
display(status)
