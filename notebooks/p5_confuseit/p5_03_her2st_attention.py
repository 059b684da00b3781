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
# et al. 2021; real subset: 6 sections from 2 HER2-positive patients, no survival, no PAM50). Each
# spot's H&E patch goes through a ResNet-50 trunk; spatially contiguous regions of ~10 spots form
# bags (ABMIL inputs) paired with the region's pseudo-bulk expression — a miniature, real version
# of ConFuseIT's slide ↔ RNA-seq pairing. The slide and RNA encoders are pretrained with the same
# symmetric InfoNCE, and alignment is measured as cross-modal retrieval on a held-out section.
# **Caveat:** no ImageNet weights are available offline, so the ResNet-50 is randomly initialised
# (stated in every output); its features capture colour/texture statistics only.

# %% tags=["parameters"]
profile = "quick"        # smoke | quick | paper
device = "auto"          # auto | cpu | cuda | mps
seed = 0
data_source = "real-subset"
outdir = ""              # empty: book/p5/results/p5_03_her2st_attention

# %%
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display
from scipy.stats import spearmanr
from sklearn.decomposition import PCA

from omicslib import histology
from omicslib.book import report
from omicslib.data import her2st
from omicslib.nn.abmil import pad_bags
from omicslib.nn.losses.clip import retrieval_accuracy
from omicslib.papers import p5_confuseit as X
from omicslib.profiles import choose, configure

cfg = configure(X.Config(), profile, None, **X.PROFILES)
cfg = configure(cfg, profile, dict(seeds=(seed,)), smoke=dict(batch_size=16), quick=dict(pretrain_epochs=40))
names = choose(profile, smoke=["C2", "C3"], quick=["B4", "C2", "C3", "C4", "C5", "C6"],
               paper=["B4", "C2", "C3", "C4", "C5", "C6"])
held_out = choose(profile, smoke=["C3"], quick=["C6", "B4"], paper=["B4", "C2", "C3", "C4", "C5", "C6"])
max_spots = choose(profile, smoke=60, quick=None, paper=None)
downsample, patch = 4, 64          # 64 px at 1/4 resolution = one spot spacing (~256 px full-res)
n_genes, pca_dim, region = choose(profile, smoke=(100, 16, 10), quick=(500, 64, 10), paper=(2000, 256, 10))
run, dev = report.start("p5", "p5_03_her2st_attention", profile, seed, device, outdir, cpu_threads=1)

# %% [markdown]
# ## Patches and spot expression

# %%
extractor, weights_note = histology.resnet50_extractor(dev)
print(weights_note)
sec, provs = {}, []
for name in names:
    img, p_img = her2st.load_section(name, downsample=downsample)
    spots, p_sp = her2st.load_spots(name)
    counts, p_ct = her2st.load_counts(name)
    spots = spots[spots["selected"] == 1].loc[lambda d: d.index.isin(counts.index)]
    if max_spots:
        spots = spots.iloc[:max_spots]
    tiles, ids = X.spot_patches(img, spots, downsample, patch)
    feats = histology.extract_features(tiles, extractor, batch_size=64, device=dev)
    sec[name] = dict(image=img, xy=spots.loc[ids, ["pixel_x", "pixel_y"]].to_numpy() / downsample,
                     feats=feats, counts=counts.loc[ids], tiles=tiles)
    provs += [p_img, p_sp, p_ct]
    print(f"{name}: {len(ids)} spot patches of {len(spots)} selected spots, {counts.shape[1]} genes")
prov = provs[0].combine(*provs[1:]).with_note(weights_note)
prov.label()

# %% [markdown]
# ## Leave-one-section-out contrastive alignment
# Per held-out section: genes = the most variable of those shared by all sections (training
# sections only), patch features reduced by PCA fitted on training sections, then CLIP pretraining
# of ABMIL + RNA encoder on training regions. Retrieval on the held-out section's regions is
# compared with chance and with the same model trained on shuffled (unpaired) regions.

# %%
common = sorted(set.intersection(*(set(s["counts"].columns) for s in sec.values())))
results, models = [], {}
for test in held_out:
    train = [n for n in names if n != test]
    spot_expr = np.vstack([X.log_cpm(sec[n]["counts"][common].to_numpy()) for n in train])
    genes = [common[i] for i in np.argsort(spot_expr.var(0))[::-1][:n_genes]]
    pca = PCA(pca_dim, random_state=seed).fit(np.vstack([sec[n]["feats"] for n in train]))

    def pairs(ns, repeats):
        bags, rna = [], []
        for n in ns:
            b, r = X.region_pairs(sec[n]["xy"], pca.transform(sec[n]["feats"]),
                                  sec[n]["counts"][genes].to_numpy(), region, repeats, seed)
            bags += b
            rna.append(r)
        x, mask = pad_bags(bags)
        return X.Cohort(time=np.ones(len(bags)), event=np.ones(len(bags)), label=np.zeros(len(bags), int),
                        rna=np.vstack(rna).astype(np.float32), bag=x.numpy(), mask=mask.numpy())

    tr, te = X.standardise(pairs(train, 3), pairs([test], 1))
    for control in (False, True):
        data = tr
        if control:  # break the pairing: RNA of a random other region
            data = replace(tr, rna=tr.rna[np.random.default_rng(seed).permutation(len(tr))])
        model, hist = X.pretrain(data, cfg, dev, seed)
        model.eval()
        with torch.no_grad():
            e = model.embed({"bag": torch.as_tensor(te.bag, device=dev), "mask": torch.as_tensor(te.mask, device=dev),
                             "rna": torch.as_tensor(te.rna, device=dev)})
        row = {"held_out": test, "pairing": "shuffled (control)" if control else "true", "train_regions": len(tr),
               "test_regions": len(te), "final_train_loss": hist.train_loss[-1]}
        for k in (1, 5):
            row[f"top{k}_slide_to_rna"] = retrieval_accuracy(e["z_slide"], e["z_rna"], k)
            row[f"top{k}_rna_to_slide"] = retrieval_accuracy(e["z_rna"], e["z_slide"], k)
            row[f"top{k}_chance"] = min(k, len(te)) / len(te)
        results.append(row)
        if not control:
            models[test] = (model, pca)
results = pd.DataFrame(results)
run.table(results, "her2st_retrieval", prov,
          "Real HER2ST: cross-modal retrieval of held-out regions (image bag <-> pseudo-bulk RNA)")
display(results.round(3))

# %% [markdown]
# ## ABMIL attention over a whole held-out section
# The slide encoder reads all spot patches of the held-out section as one bag; each spot is drawn
# at its position on the H&E, coloured by its attention weight (× number of patches, so 1 = uniform).
# Without pathologist labels for these sections, attention is compared with each spot's total UMI
# count (more cells, more transcripts), a real but crude cellularity proxy.

# %%
fig, axes = plt.subplots(1, 2 * len(models), figsize=(8 * len(models), 4.2), squeeze=False, layout="constrained")
att_rows = []
for j, (test, (model, pca)) in enumerate(models.items()):
    s = sec[test]
    bag = torch.as_tensor(pca.transform(s["feats"])[None], dtype=torch.float32, device=dev)
    with torch.no_grad():
        _, att = model.encode_slide(bag)
    att = att[0].cpu().numpy() * len(s["feats"])
    umi = np.log1p(s["counts"].to_numpy().sum(1))  # total UMIs per spot: a real cellularity proxy
    r = spearmanr(att, umi)
    att_rows.append({"section": test, "spots": len(att), "spearman_rho_attention_vs_log_umi": r.statistic,
                     "p": r.pvalue, "max_over_uniform": att.max()})
    ax_img, ax_top = axes[0, 2 * j], axes[0, 2 * j + 1]
    ax_img.imshow(s["image"])
    sc_ = ax_img.scatter(s["xy"][:, 0], s["xy"][:, 1], c=att, cmap="magma", s=14, alpha=0.85)
    (x0, y0), (x1, y1) = s["xy"].min(0) - patch, s["xy"].max(0) + patch
    ax_img.set(xlim=(x0, x1), ylim=(y1, y0), title=f"{test}: ABMIL attention (held out)")
    ax_img.axis("off")
    plt.colorbar(sc_, ax=ax_img, fraction=0.046, label="attention x bag size")
    top = np.argsort(att)[::-1][:8]
    ax_top.imshow(np.vstack([np.hstack(list(s["tiles"][top[:4]])), np.hstack(list(s["tiles"][top[4:8]]))])
                  if len(top) >= 8 else s["tiles"][top[0]])
    ax_top.set_title(f"{test}: 8 most-attended patches")
    ax_top.axis("off")
run.figure(fig, "her2st_attention_maps", prov,
           "Real HER2ST H&E: ABMIL attention per spot patch on held-out sections, with the most-attended patches "
           "(ResNet-50 randomly initialised; encoder pretrained contrastively on other sections)",
           alt="H&E sections overlaid with coloured dots for attention, next to a grid of the most-attended patches")
att_table = pd.DataFrame(att_rows)
run.table(att_table, "her2st_attention_vs_umi", prov,
          "Real HER2ST: Spearman correlation of per-spot ABMIL attention with the spot's total UMI count")
att_table.round(3)

# %%
control = results[results.pairing != "true"].set_index("held_out")["top5_slide_to_rna"]
rows = [{"item": f"slide->RNA top-5 retrieval, held-out section {r.held_out} ({r.test_regions} regions)",
         "metric": "top-5 accuracy", "paper": None, "ours": r.top5_slide_to_rna,
         "note": f"chance {r.top5_chance:.3f}; shuffled-pair control {control[r.held_out]:.3f}; "
                 "pipeline demonstration, not in the paper"}
        for r in results[results.pairing == "true"].itertuples()]
run.compare(rows, "p5_her2st_alignment", prov, caption="Real HER2ST pipeline demonstration (not a paper number)")
