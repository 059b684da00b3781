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
# # p2 · Image pipeline on real H&E: Otsu tiles, augmentation, ResNet-50 bags (Figures 1–2)
#
# The paper extracts 256 × 256 tissue patches by Otsu thresholding, augments them (colour jitter,
# random rotations) and turns each patient into a 35 × 2048 ResNet-50 feature matrix. Its TCGA-BRCA
# tiles (Figshare 28050083) are not on this machine, so the pipeline runs on the **real HER2ST H&E
# sections** (Andersson et al. 2021; **real subset**: HER2-positive sections, no PAM50). Each section
# plays the role of one patient here; the resulting bags are *not* used for classification (no
# labels) and are never paired with TCGA patients. Every tile is augmented once before feature
# extraction, as in the authors' code. Which ResNet-50 weights were used (file and sha256, or random
# initialisation) is recorded in the provenance of every result below and named in every caption;
# the `paper` profile stops without ImageNet weights unless `allow_random_weights=True`.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 0
data_source = "real-subset"  # HER2ST sections (the only real H&E here)
outdir = ""              # empty: book/p2/results/p2_01_image_pipeline
allow_random_weights = False  # paper profile: run on a randomly initialised ResNet-50 (then shown everywhere)

# %%
from IPython.display import display

from omicslib import histology, weights
from omicslib.book import reference, report
from omicslib.data import her2st
from omicslib.papers import p2_fusion as P
from omicslib.profiles import choose

weights.require("resnet50", profile, allow_random_weights)
run, dev = report.start("p2", "p2_01_image_pipeline", profile, seed, device, outdir, cpu_threads=1)
N_TILES, TILE = int(reference.value("p2", "tiles_per_patient")), int(reference.value("p2", "patch_px"))
names = choose(profile, smoke=["B4", "A1"], quick=["B4", "C2", "A1"], paper=her2st.sections())
downsample = choose(profile, smoke=8, quick=2, paper=1)      # app renderings (A1, A2, J2) are read at x1
max_tiles = choose(profile, smoke=3, quick=N_TILES, paper=None)  # tiles featurised per section
print(f"sections {names}; full-res sections read at 1/{downsample}; up to {max_tiles or 'all'} tiles each")

# %% [markdown]
# ## Tissue mask and 256 × 256 tiles (Figure 1 equivalent)
# Otsu's threshold on the saturation channel (tissue is saturated; white glass and the black
# canvas of the app renderings are not), closed and hole-filled; a grid tile is kept when at least
# half of it is tissue. The app renderings (A1, A2, J2) carry a small overview inset in one corner,
# which the mask treats as tissue like any other H&E pixels.

# %%
sections = P.her2st_sections(names, downsample, max_tiles, seed, TILE)
prov = sections.provenance
display(report.show(sections.summary()))
prov.label()

# %%
run.figure(P.tissue_tiles_figure(sections), "p2_fig1_tissue_tiles", prov,
           caption="Figure 1 equivalent: real HER2ST sections with the Otsu tissue mask and the 256x256 tiles kept "
                   "(>= 50% tissue).", alt="Thumbnails of H&E sections with a green tissue outline and yellow tile boxes")

# %% [markdown]
# ## Augmentation (Figure 2 equivalent): before (top) and after (bottom)

# %%
examples = P.example_tiles(sections, per_section=3, total=6)
augmented = histology.augment(examples, seed=seed)
run.figure(P.augmentation_figure(examples, augmented), "p2_fig2_augmentation", prov,
           caption="Figure 2 equivalent: real HER2ST tiles before (top) and after (bottom) colour jitter "
                   "(brightness/contrast/saturation 0.2, hue 0.1) and a random right-angle rotation.",
           alt="Six H&E tiles in a row, and the same tiles colour-jittered and rotated below")

# %% [markdown]
# ## ResNet-50 features of the augmented tiles and the patients × 35 × 2048 bag

# %%
model, record = histology.resnet50_trunk(dev)
label = P.weights_label(record, allow_random_weights)
bag_prov = P.weights_provenance(prov, record, allow_random_weights)
feats, bags = P.features_and_bags(sections, model, N_TILES, seed, augment=True, device=dev)
print(label, "| bag tensor:", bags.shape, bags.dtype)
bag_table = P.bag_table(feats, N_TILES, augmented=True)
run.table(bag_table, "p2_bag_summary", bag_prov, caption=f"Per-section patch features and the 35-tile bag ({label})")
display(report.show(bag_table))

# %%
run.compare([report.vs_paper("p2", "tiles_per_patient", bags.shape[1], note="authors' code used 50 random tiles"),
             report.vs_paper("p2", "feature_dim", bags.shape[2], note=record.note)],
            "p2_bag_shape", bag_prov, caption=f"Bag shape: paper vs ours (real HER2ST H&E; {label})")

# %%
run.figure(P.feature_pca_figure(feats, seed), "p2_patch_feature_pca", bag_prov,
           caption=f"PCA of the 2048-d patch features, coloured by section ({label}).",
           alt="Scatter of patch features in two principal components coloured by section")

# %%
run.fact("weights", "ImageNet" if record.pretrained else "random initialisation", "{}")
run.fact("n_sections", len(names), "{:d}")
run.fact("tiles_per_bag", bags.shape[1], "{:d}")

# %% [markdown]
# Wall time of this notebook (the reproducibility card quotes it).

# %%
wall = run.fact("wall_time_s", P.elapsed(run), "{:.0f}")
