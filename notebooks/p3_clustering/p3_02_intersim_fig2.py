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
# # p3 · Figure 2: DMACL, ten autoencoders and three simple baselines on the InterSIM simulations
#
# DMACL and the ten DL-mo autoencoder baselines (plus three simple baselines: k-means, PCA + k-means and
# consensus clustering, which cuts its own partition from k-means on resamples) embed the
# InterSIM multi-omics (methylation 367, mRNA 131, protein 160; 100 subjects) into k dimensions
# for k = 5/10/15 clusters, equal and heterogeneous cluster sizes. k-means (k = true k, repeated)
# on each embedding is scored by the Hubert–Levin **clustering** C-index (lower is better; not
# survival concordance), silhouette and Davies–Bouldin **in each method's own space, as the paper
# did**, and the same labels are scored again **in one common space** (the first 10 principal
# components of the z-scored concatenated omics), which is the fair comparison the claims use.
# ARI/NMI against the simulation's truth are added (not in the paper). Data: the benchmark's own
# simulation files (full). In `quick` every deep method gets the same number of optimiser steps
# (`fig2_budget.steps`) and there are several seeds; DMACL is also run with the authors' default
# cluster-head K instead of the true k.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "cpu"           # auto | cpu | cuda | mps
seed = 0
data_source = "auto"     # only the real InterSIM files exist for this figure
outdir = ""
jobs_dir = ""            # empty: compute the grid here; else read its units from the workflow's grid jobs
config_overrides = {}    # any Config field

# %%
from IPython.display import display

from omicslib.book import report
from omicslib.papers import p3_clustering as P

cfg = P.config(profile, **config_overrides)
seeds = cfg.seeds("fig2", seed)
run, dev = report.start("p3", "p3_02_intersim_fig2", profile, seed, device, outdir, seeds=seeds)
report.show(P.config_table(cfg, ["n_jobs", "fig2_n_seeds", "fig2_budget", "fig2_default_k"]))

# %% [markdown]
# ## The simulations
#
# The simulations.

# %%
datasets, prov = P.intersim_datasets(P.intersim_cells(cfg.fig2_cells))
print(prov.label(), "|", len(datasets), "simulations |", "seeds", seeds)

# %% [markdown]
# ## The grid: every method, simulation and seed
#
# Every method × simulation × seed, scored in its own space and in the common space.

# %%
scores, outs = P.run_grid(datasets, P.METHODS, seeds, cfg.fig2_budget, n_jobs=cfg.n_jobs, device=str(dev), common=True,
                          jobs_dir=jobs_dir)
summary = P.summarise(scores, metrics=("c_index", "silhouette", "davies_bouldin", "ari", "nmi", "c_index_common",
                                       "silhouette_common", "davies_bouldin_common"))
summary["condition"] = summary["dataset"].str.split(" ").str[0]
run.table(scores, "fig2_scores_all_runs", prov, caption="Per-seed scores (means over k-means runs), own and common space")
run.table(summary, "fig2_summary", prov, caption="Figure 2 data: mean over seeds per simulation and method")
display(report.show(summary.pivot_table(index="method", columns="dataset", values="c_index")))

# %% [markdown]
# ## Figure 2 regenerated
#
# Figure 2 regenerated (own space, as the paper).

# %%
run.figure(P.bar_grid(summary, ["c_index", "silhouette", "davies_bouldin"], facets="condition"),
           "fig2_internal_metrics", prov,
           caption="Figure 2 regenerated: C-index, silhouette, Davies-Bouldin of k-means on each method's "
                   "k-dim embedding (InterSIM, k = true k; own space, mean over seeds).",
           alt=f"Grouped bars of three clustering indices for {summary['method'].nunique()} methods at k=5,10,15, "
               "equal and heterogeneous")

# %% [markdown]
# ## Figure 2 in the common space
#
# The same labels scored in the common space.

# %%
run.figure(P.bar_grid(summary, ["c_index_common", "silhouette_common", "davies_bouldin_common"], facets="condition"),
           "fig2_common_space", prov, caption="Figure 2 in the common space: the same k-means labels scored in the "
           "first 10 PCs of the z-scored concatenated omics.", alt="Grouped bars of three indices in the common space",
           fold=True)

# %% [markdown]
# ## Agreement with the truth (not in the paper)
#
# Agreement with the simulation's truth (not in the paper).

# %%
run.figure(P.bar_grid(summary, ["ari", "nmi"], facets="condition"), "fig2_ari_nmi", prov,
           caption="Agreement of the k-means clusters with the InterSIM ground truth (ARI, NMI; not reported in the "
                   "paper).", alt="Grouped bars of ARI and NMI per method", fold=True)

# %% [markdown]
# ## Paper vs ours
# The paper quotes DMACL's C-index in the text; the baselines' values appear only as bars in its
# Figure 2, so for them we place the DL-mo benchmark's own C-index at k = 5 (k-means labels,
# Leng et al. 2022) beside ours and say so in the note.

# %%
run.compare(P.fig2_comparison(summary, scores), "fig2_paper_vs_ours", prov,
            caption="InterSIM C-index: paper / benchmark vs ours")

# %% [markdown]
# ## Ranks and their stability over seeds
#
# DMACL's rank among all the methods run (the paper's eleven and the simple baselines) per simulation (own space,
# seed means), and the rank of every
# method per seed in both spaces with DMACL's rank stability over seeds.

# %%
run.table(P.dmacl_rank(summary), "fig2_dmacl_rank", prov,
          caption=f"DMACL's rank among {summary['method'].nunique()} methods per simulation")
ranks = P.method_ranks(scores)
stab = P.rank_stability(ranks)
run.table(ranks, "fig2_ranks", prov, caption="Rank of every method per simulation, seed, index and space")
run.table(stab, "fig2_rank_stability", prov, caption="DMACL's rank over seeds per simulation, index and space")
display(report.show(P.rank_summary(stab)))

# %%
run.figure(P.rank_stability_plot(ranks[ranks["method"] == "DMACL"], "DMACL's rank per simulation and seed"),
           "fig2_rank_stability", prov, caption="DMACL's rank (1 = best) per simulation and seed, own vs common space.",
           alt="Scatter of DMACL ranks per simulation")

# %% [markdown]
# ## Training budgets
#
# Budgets: optimiser steps and seconds per method (every deep method gets the same step budget in `quick`).

# %%
budget = P.budget_table(scores)
run.table(budget, "fig2_budget", prov, caption="Optimiser steps and training seconds per method (mean over runs)")
display(report.show(budget, digits=1))

# %% [markdown]
# ## Which embedding is clustered
#
# Which vector k-means clusters (the authors' code and ours differ): ours is the L2-normalised instance-head output; Subtype-DCC's
# `forward_cluster`, whose training loop the authors' drivers copy, returns the encoder output. The
# alternatives of the same trained DMACL runs, scored the same way (differences from ours over the simulations).

# %%
emb = P.embedding_scores(scores, outs, datasets, cfg.fig2_budget.kmeans_runs, views=("encoder", "instance_raw"))
embedding_effect = P.embedding_effect(emb)
run.table(embedding_effect, "fig2_embedding_choice", prov, caption="DMACL: k-means on the instance head (ours), "
          "the unnormalised instance head or the encoder output; mean over datasets and difference from ours")
display(report.show(embedding_effect))

# %% [markdown]
# ## The oracle K
#
# The oracle K: DMACL's cluster head is given the true k in the grid; here it gets the authors'
# default (`typenumbers` = 5) instead, scored the same way (first seed only).

# %%
default_k = P.default_k_runs(P.intersim_cells(cfg.fig2_cells), seeds[:1], cfg.fig2_budget, n_jobs=cfg.n_jobs,
                             device=str(dev), jobs_dir=jobs_dir)
defk = P.default_k_table(scores[scores["seed"] == seeds[0]], default_k)
run.table(defk, "fig2_default_k", prov, caption="DMACL with the true k vs the authors' default K=5 in the cluster "
          "head (first seed)")
display(report.show(defk))

# %% [markdown]
# ## Claims ledger
#
# Claims (common space for the comparative ones) and the facts the pages quote.

# %%
claims = P.fig2_claims(scores, prov.kind, n_seeds=len(seeds))
ledger = run.claims(claims)
P.record(run, P.fig2_facts(summary, scores, stab, defk, budget) | P.verdict_facts(claims, P.FIG2_IDS)
         | P.embedding_facts(embedding_effect, "fig2"))
ledger
