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
# The paper extracts 256 × 256 tissue patches by Otsu thresholding, augments them (colour jitter
# 0.2/0.2/0.2/0.1, random rotations) and turns each patient into a 35 × 2048 ResNet-50 feature
# matrix. Its TCGA-BRCA tiles (Figshare 28050083) are not on this machine, so the pipeline runs on
# the **real HER2ST H&E sections** (Andersson et al. 2021; **real subset**: 9 sections from 4
# patients, all HER2-positive, no PAM50). Each section plays the role of one patient here; the
# resulting bags are *not* used for classification (no labels) and are never paired with TCGA
# patients. ResNet-50 ImageNet weights cannot be downloaded here: unless `$OMICSLIB_WEIGHTS`
# holds `resnet50-*.pth`, the network is **randomly initialised** (stated below), so the features
# show the pipeline's shapes and mechanics, not ImageNet semantics.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 0
data_source = "real-subset"  # HER2ST sections (the only real H&E here)
outdir = ""              # empty: book/p2/results/p2_01_image_pipeline

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from matplotlib.patches import Rectangle

from omicslib import histology
from omicslib.book import report
from omicslib.data import her2st
from omicslib.profiles import choose

run, dev = report.start("p2", "p2_01_image_pipeline", profile, seed, device, outdir, cpu_threads=1)
N_TILES, TILE = 35, 256
sections = choose(profile, smoke=["B4", "A1"], quick=["B4", "C2", "A1"], paper=her2st.sections())
downsample = choose(profile, smoke=8, quick=2, paper=1)      # app renderings (A1, A2, J2) are read at x1
max_tiles = choose(profile, smoke=3, quick=N_TILES, paper=None)  # tiles featurised per section
print(f"sections {sections}; full-res sections read at 1/{downsample}; up to {max_tiles or 'all'} tiles each")

# %% [markdown]
# ## Tissue mask and 256 × 256 tiles (Figure 1 equivalent)
# Otsu's threshold on the saturation channel (tissue is saturated; white glass and the black
# canvas of the app renderings are not), closed and hole-filled; a grid tile is kept when at least
# half of it is tissue. The app renderings (A1, A2, J2) carry a small overview inset in one corner,
# which the mask treats as tissue like any other H&E pixels.

# %%
images, provs, tiles, coords = {}, [], {}, {}
for s in sections:
    ds = 1 if s in her2st.sections("app rendering") else downsample
    img, p = her2st.load_section(s, downsample=ds)
    mask = histology.tissue_mask(img)
    coords[s] = histology.tile_coords(img, TILE, 0.5, mask)
    tiles[s] = histology.tile(img, TILE, 0.5, max_tiles=max_tiles, seed=seed, mask=mask)
    images[s] = (img[::8, ::8], mask[::8, ::8])  # thumbnails only are kept
    provs.append(p)
    del img
prov = provs[0].combine(*provs[1:])
summary = pd.DataFrame([{"section": s, "thumbnail_px": f"{images[s][0].shape[1] * 8}x{images[s][0].shape[0] * 8}",
                         "tissue_fraction": round(float(images[s][1].mean()), 3),
                         "tissue_tiles": len(coords[s]), "tiles_used": len(tiles[s])} for s in sections])
display(summary)
prov.label()

# %%
fig, axes = plt.subplots(1, len(sections), figsize=(3.2 * len(sections), 3.4))
for ax, s in zip(np.atleast_1d(axes), sections):
    thumb, m = images[s]
    ax.imshow(thumb)
    ax.contour(m, levels=[0.5], colors="lime", linewidths=0.8)
    for r, c in coords[s]:
        ax.add_patch(Rectangle((c / 8, r / 8), TILE / 8, TILE / 8, fill=False, lw=0.4, ec="yellow"))
    ax.set_title(f"{s}: {len(coords[s])} tiles")
    ax.axis("off")
fig.suptitle("HER2ST H&E: Otsu tissue outline (green) and kept 256x256 tiles (yellow)")
run.figure(fig, "p2_fig1_tissue_tiles", prov, caption="Figure 1 equivalent: real HER2ST sections with the Otsu "
           "tissue mask and the 256x256 tiles kept (>= 50% tissue).",
           alt="Thumbnails of H&E sections with a green tissue outline and yellow tile boxes")

# %% [markdown]
# ## Augmentation (Figure 2 equivalent): before (top) and after (bottom)

# %%
examples = np.concatenate([tiles[s][:3] for s in sections])[:6]
augmented = histology.augment(examples, seed=seed)
fig, axes = plt.subplots(2, len(examples), figsize=(2 * len(examples), 4.2))
for j in range(len(examples)):
    axes[0, j].imshow(examples[j])
    axes[1, j].imshow(augmented[j])
    for a in axes[:, j]:
        a.axis("off")
axes[0, 0].set_title("before", loc="left")
axes[1, 0].set_title("after: jitter 0.2/0.2/0.2/0.1 + rotation", loc="left")
run.figure(fig, "p2_fig2_augmentation", prov, caption="Figure 2 equivalent: real HER2ST tiles before (top) and "
           "after (bottom) colour jitter (brightness/contrast/saturation 0.2, hue 0.1) and a random right-angle "
           "rotation.", alt="Six H&E tiles in a row, and the same tiles colour-jittered and rotated below")

# %% [markdown]
# ## ResNet-50 features and the patients × 35 × 2048 bag

# %%
model, weights_note = histology.resnet50_extractor(dev)
print(weights_note)
feats = {s: histology.extract_features(tiles[s], model, batch_size=16, device=dev) for s in sections if len(tiles[s])}
bags = np.stack([histology.bag(f, N_TILES, seed=seed) for f in feats.values()])
bag_prov = prov.with_note(f"ResNet-50: {weights_note}")
print("bag tensor:", bags.shape, bags.dtype)
bag_table = pd.DataFrame([{"section": s, "tiles_featurised": len(f), "bag_tiles": N_TILES,
                           "sampled_with_replacement": len(f) < N_TILES, "feature_dim": f.shape[1],
                           "mean_activation": float(f.mean()), "fraction_zero": float((f == 0).mean())}
                          for s, f in feats.items()])
run.table(bag_table, "p2_bag_summary", bag_prov, caption="Per-section patch features and the 35-tile bag")
display(bag_table)

# %%
run.compare([{"item": "patch bag per patient", "metric": "tiles", "paper": 35, "ours": bags.shape[1],
              "note": "authors' code used 50 random tiles"},
             {"item": "patch bag per patient", "metric": "feature dim", "paper": 2048, "ours": bags.shape[2],
              "note": weights_note}],
            "p2_bag_shape", bag_prov, caption="Bag shape: paper vs ours (real HER2ST H&E; ResNet-50 " +
            ("ImageNet" if "ImageNet" in weights_note else "random init") + ")")

# %%
from sklearn.decomposition import PCA

allf = np.concatenate(list(feats.values()))
who = np.concatenate([[s] * len(f) for s, f in feats.items()])
pc = PCA(2, random_state=seed).fit_transform(allf) if len(allf) > 2 else np.zeros((len(allf), 2))
fig, ax = plt.subplots(figsize=(5, 4))
for s in feats:
    ax.scatter(*pc[who == s].T, s=12, label=s)
ax.set_xlabel("PC1")
ax.set_ylabel("PC2")
ax.legend(title="section", fontsize=8)
ax.set_title("Patch features (PCA)")
run.figure(fig, "p2_patch_feature_pca", bag_prov, caption="PCA of the 2048-d patch features, coloured by section "
           f"({weights_note}).", alt="Scatter of patch features in two principal components coloured by section")
