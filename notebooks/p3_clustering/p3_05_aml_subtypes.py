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
# clusters join survival), check which k the indices prefer, test survival differences between the
# 6 subtypes (log-rank; not in the paper), show the top differential miRNAs per subtype (the Fig. 5A
# layout, on miRNA instead of genes), and state what Figures 5B/6 need. The gseapy pipeline
# (`P.characterise`) is unit-tested and runs as soon as an expression matrix with gene symbols is provided.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "cpu"
seed = 0
data_source = "auto"
outdir = ""
config_overrides = {}    # any Config field

# %%
import pandas as pd
from IPython.display import Markdown, display

from omicslib.book import report
from omicslib.data import available, genesets, rappoport
from omicslib.papers import p3_clustering as P

cfg = P.config(profile, **config_overrides)
run, dev = report.start("p3", "p3_05_aml_subtypes", profile, seed, device, outdir)

# %% [markdown]
# ## The data
#
# AML miRNA with sample ids, and survival.

# %%
aml = P.aml_data()
print(aml.provenance.label(), "|", aml.mirna.shape, "|", "; ".join(aml.report))
print(f"{len(aml.common)} of {len(aml.mirna)} miRNA samples have survival; {len(aml.mirna) - len(aml.common)} "
      "are left out of the survival test only")

# %% [markdown]
# ## Subtypes and the log-rank test
#
# DMACL embedding, k-means with k = 6 (the paper's K), subtype sizes and the log-rank test.

# %%
out = P.embed("DMACL", aml.dataset, seed, P.Budget(dmacl_epochs=cfg.aml_epochs, kmeans_runs=1), str(dev))
sub = pd.Series(P.final_partition(out["embedding"], 6, seed), index=aml.mirna.index, name="subtype")
sizes = sub.value_counts().sort_index().rename_axis("subtype").reset_index(name="samples")
run.table(sizes, "aml_subtype_sizes", aml.provenance, caption="AML subtypes (k-means k=6 on the DMACL miRNA embedding)")
lr = P.logrank(sub.loc[aml.common], aml.survival.loc[aml.common, "time"], aml.survival.loc[aml.common, "event"])
run.table(pd.DataFrame([lr | {"n": len(aml.common)}]), "aml_logrank", aml.provenance,
          caption="Log-rank test of overall survival across the 6 subtypes (beyond the paper)")
display(report.show(sizes), report.show(pd.DataFrame([lr])))

# %% [markdown]
# ## Which k the indices prefer
#
# Which k (2..7) the indices prefer on this embedding (the paper chose K = 6 by them).

# %%
kscan = P.k_scan(out["embedding"], range(2, 8), n_runs=3, seed=seed)
run.table(kscan, "aml_k_scan", aml.provenance, caption="Indices of k-means on the DMACL AML embedding per k")
display(report.show(kscan))

# %% [markdown]
# The same scan on the simple baseline (k-means on the first principal components of the same input).

# %%
kscan_pca = P.k_scan(P.embed("kmeans_pca", aml.dataset, seed)["embedding"], range(2, 8), n_runs=3, seed=seed)
run.table(kscan_pca, "aml_k_scan_pca", aml.provenance, caption="Indices of PCA + k-means on the AML miRNA per k")
display(report.show(kscan_pca))

# %% [markdown]
# ## Survival by subtype
#
# Kaplan–Meier curves of the subtypes.

# %%
run.figure(P.aml_km(sub, aml.survival, lr["logrank_p"]), "aml_km", aml.provenance,
           caption="Kaplan-Meier curves of the 6 DMACL subtypes (miRNA only)",
           alt="Kaplan-Meier curves for six AML subtypes")

# %% [markdown]
# ## Differential miRNAs (Figure 5A)
#
# One-vs-rest differential miRNAs per subtype and the Fig. 5A layout.

# %%
de = P.de_one_vs_rest(aml.mirna, sub.to_numpy())
top = P.top_up(de, n=10)
run.table(de, "aml_mirna_de", aml.provenance, caption="One-vs-rest Welch t-test per subtype on log2 miRNA (BH FDR)")
features = P.top_features(top)
if features:
    run.figure(P.subtype_heatmap(aml.mirna, sub, features), "aml_fig5a_mirna", aml.provenance,
               caption="Fig. 5A layout on miRNA: top up-regulated miRNAs per subtype (the paper uses transcriptome genes)",
               alt="Heatmap of subtype-mean miRNA levels")

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
run.table(status, "fig5_6_status", aml.provenance, caption="Inputs Figures 5B/6 need that are absent here")
display(Markdown(f"Gene sets present locally: {', '.join(have)}. "
                 + ("**Figures 5B and 6 are not reproduced: the inputs listed below are missing.**" if need else "")))
display(report.show(status))

# %% [markdown]
# ## Claims ledger
#
# Claims and the facts the pages quote.

# %%
claims = P.aml_claims(aml.provenance.kind, best_k=P.best_k(kscan), n_seeds=len(run.seeds), baseline_k=P.best_k(kscan_pca))
ledger = run.claims(claims)
P.record(run, P.aml_facts(sizes, lr, len(aml.common), kscan) | P.verdict_facts(claims))
ledger
