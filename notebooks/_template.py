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
# # pN · Title of what this notebook regenerates
#
# One paragraph: which table/figure of the paper, what data (with provenance), what is different.
# Copy this file to `notebooks/pN_<topic>/pN_MM_<name>.py`; it is executed by
# `python -m omicslib.book.runner` into `book/pN/pN_MM_<name>.ipynb`.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 0
data_source = "auto"     # auto | full | real-subset | synthetic
outdir = ""              # empty: book/pN/results/<notebook>

# %%
from omicslib.book import report
from omicslib.data import synthetic
from omicslib.profiles import choose

run, dev = report.start("p1", "_template", profile, seed, device, outdir)
n = choose(profile, smoke=40, quick=200, paper=1000)

# %%
data = synthetic.multiomics(n=n, seed=seed)
data.provenance.label()

# %%
run.compare([{"item": "demo", "metric": "accuracy", "paper": 0.85, "ours": 0.5}], "demo_comparison",
            data.provenance, caption="Demo: paper vs ours")

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(4, 3))
ax.hist(data["expression"].iloc[:, 0], bins=20)
run.figure(fig, "demo_hist", data.provenance, caption="Demo histogram", alt="Histogram of one synthetic gene")
