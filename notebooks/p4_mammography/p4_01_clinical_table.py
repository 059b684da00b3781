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
# # p4 · Table 1 analogue on the real CMMD clinical table
#
# The paper's Table 1 compares clinical characteristics of its 390 private patients across five
# molecular subtypes with one-way ANOVA (partial η²), Kruskal–Wallis, Pearson or likelihood-ratio
# χ² (Cramér's V) and Bonferroni post-hoc tests. That cohort is private. Here the same tests run
# on the **real CMMD clinical table** (The Chinese Mammography Database, TCIA;
# {cite:t}`cai2023cmmd`): patients with a molecular subtype in **four** classes (CMMD does not
# split HER2-positive tumours by hormone receptor status). Provenance is **other-cohort**: CMMD is
# real data, but **not the paper's cohort: its numbers are not a reproduction of the paper's
# Table 1**. CMMD records age, breast side and the kind of abnormality (mass, calcification, both);
# it has no T/N grade, stage, lymph-node count, invasion or Ki-67 columns, so those rows of the
# paper's table have no counterpart here (the claims ledger marks them "not testable here").

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 0                 # no random step here; recorded for the run
data_source = "other-cohort"  # the real CMMD clinical table (no other option)
outdir = ""              # empty: book/p4/results/p4_01_clinical_table

# %%
from IPython.display import HTML, display

from omicslib.book import report
from omicslib.data import cmmd
from omicslib.papers import p4_mammography as P

run, dev = report.start("p4", "p4_01_clinical_table", profile, seed, device, outdir)

# %% [markdown]
# The CMMD clinical table, with the rows it excludes:

# %%
data = cmmd.load_clinical()
prov = data.provenance
clin = data["subtyped"]
print(prov.label())
print("\n".join(data.report))
report.show(clin.head())

# %% [markdown]
# ## Supplementary Figure 1 analogue: the cohort flow
#
# The paper's recruitment workflow (its Supplementary Figure 1) is not available; CMMD's selection,
# from the clinical table to the subtyped patients, is drawn the same way.

# %%
flow = P.cohort_flow(data["breasts"], clin)
run.table(flow, "cohort_flow", prov, caption="CMMD cohort flow (Supplementary Figure 1 analogue)")
_ = run.figure(P.cohort_flow_figure(flow), "supp_fig1_cohort_flow", prov,
           caption="Supplementary Figure 1 analogue: CMMD cohort flow (another cohort, not the paper's)",
           alt="Boxes from the CMMD clinical table down to the subtyped patients per subtype")

# %% [markdown]
# ## Table 1 (CMMD analogue)
#
# Age is compared with one-way ANOVA (as the paper does for age) and, as a check of the normality
# assumption, with Kruskal–Wallis; categorical variables use Pearson χ² when every expected count is
# at least 5 and the likelihood-ratio χ² otherwise (the paper's rule), with Cramér's V.

# %%
t1 = P.clinical_table.build(
    clin.reset_index(), "subtype",
    continuous={"Age": ("age", "anova"), "Age, rank-based": ("age", "kruskal")},
    categorical={"Breast side": "side", "Abnormality": "abnormality"},
    order=list(cmmd.SUBTYPE_ORDER))
run.table(t1.table, "table1_cmmd", prov, caption="Table 1 analogue: CMMD clinical characteristics by subtype")
display(HTML(f"<p><b>Table 1 analogue (CMMD, 4 subtypes)</b> {prov.badge_html()}</p>"
             + t1.table.to_html(index=False)))

# %% [markdown]
# The tests behind it (statistic, df, effect size, p, assumption checks):

# %%
run.table(t1.tests, "table1_tests", prov, caption="Table 1 tests: statistic, df, effect size, p, assumption checks")
report.show(t1.tests)

# %% [markdown]
# Bonferroni-adjusted pairwise comparisons for the variables with an overall p < 0.05:

# %%
run.table(t1.posthoc, "table1_posthoc", prov, caption="Bonferroni post-hoc tests (CMMD)")
report.show(t1.posthoc)

# %% [markdown]
# ## Beside the paper
#
# Only age and the subtype distribution exist in both cohorts. The paper's HER2+/HR− class is put
# beside CMMD's HER2-enriched class (the closest match) and its HER2+/HR+ class has no CMMD
# counterpart. Differences here are differences between cohorts (Beijing Chaoyang Hospital
# 2018–2023 vs CMMD), not a failure to reproduce.

# %%
run.compare(P.table1_rows(t1.tests, clin), "table1_vs_paper", prov,
            caption="Paper Table 1 (private cohort) beside CMMD (another cohort)")

# %% [markdown]
# The paper's own Table 1 is internally consistent: its effect sizes and p-values recomputed from
# its printed statistics (n = 390):

# %%
consistency = P.table1_consistency()
run.table(consistency, "table1_paper_consistency", prov,
          caption="The paper's Table 1 effect sizes and p-values recomputed from its own statistics")
report.show(consistency)

# %% [markdown]
# Age and abnormality type by subtype:

# %%
_ = run.figure(P.cmmd_characteristics_figure(clin, cmmd.SUBTYPE_ORDER), "cmmd_characteristics", prov,
           caption="CMMD: age and abnormality type by molecular subtype",
           alt="Box plots of age per subtype and stacked bars of mass/calcification/both per subtype")

# %% [markdown]
# The numbers the chapter quotes, and the Table 1 claims with their verdicts (on another cohort):

# %%
run.facts(P.table1_facts(t1.tests, clin, int(data["breasts"]["subtype"].isna().sum())))
run.claims(P.table1_claims(t1.tests, prov.kind) + P.table1_text_claims(),
           caption="p4 Table 1 claims (CMMD: another cohort) and Table 1 checked against its own statistics")
run.facts(P.wall_time(run))
