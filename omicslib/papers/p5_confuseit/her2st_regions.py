"""HER2ST pipeline demonstration (``p5_03``): spot patches, region pairs, leave-one-section-out alignment.

Real H&E and spatial transcriptomics (Andersson et al. 2021): each spot's H&E patch goes through a
ResNet-50 trunk; spatially contiguous regions of about ``region_size`` spots form bags paired with the
region's pseudo-bulk expression — a miniature, real version of ConFuseIT's slide <-> RNA pairing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr
from sklearn.decomposition import PCA

from omicslib import histology, weights
from omicslib.nn.abmil import pad_bags
from omicslib.nn.losses.clip import retrieval_accuracy
from omicslib.papers.p5_confuseit.config import Config, Her2stSetup
from omicslib.papers.p5_confuseit.data import Cohort, standardise
from omicslib.papers.p5_confuseit.protocol import pretrain
from omicslib.provenance import FileRecord, Provenance

#: sections from the same patient as the training sections C2-C5 (HER2ST patient C); B4 is patient B.
PATIENT = {"A1": "A", "A2": "A", "B4": "B", "C2": "C", "C3": "C", "C4": "C", "C5": "C", "C6": "C"}


def spot_patches(image: np.ndarray, spots: pd.DataFrame, downsample: int, size: int) -> tuple[np.ndarray, pd.Index]:
    """``size`` x ``size`` RGB patches centred on each spot (``pixel_x``/``pixel_y`` are full-resolution
    coordinates; ``image`` was read at ``1/downsample``). Spots too close to the border are skipped;
    returns (patches, ids of the spots kept)."""
    cx = np.round(spots["pixel_x"].to_numpy() / downsample).astype(int)
    cy = np.round(spots["pixel_y"].to_numpy() / downsample).astype(int)
    h = size // 2
    ok = (cy - h >= 0) & (cx - h >= 0) & (cy + h <= image.shape[0]) & (cx + h <= image.shape[1])
    out = np.stack([image[y - h:y - h + size, x - h:x - h + size] for x, y in zip(cx[ok], cy[ok])]) if ok.any() \
        else np.zeros((0, size, size, 3), np.uint8)
    return out, spots.index[ok]


def log_cpm(counts: np.ndarray) -> np.ndarray:
    """log1p counts-per-million per row (spot or pseudo-bulk region)."""
    counts = np.asarray(counts, float)
    return np.log1p(counts / np.maximum(counts.sum(1, keepdims=True), 1) * 1e6)


def region_pairs(xy: np.ndarray, features: np.ndarray, counts: np.ndarray, region_size: int = 20,
                 repeats: int = 3, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """Paired (bag, pseudo-bulk expression) examples from one section: spots are grouped into
    spatially contiguous regions of about ``region_size`` spots by k-means on their coordinates
    (``repeats`` different partitions); a region's bag holds its spots' patch features and its RNA is
    the log-CPM of its summed counts."""
    from sklearn.cluster import KMeans

    k = max(2, len(xy) // region_size)
    bags, rna = [], []
    for r in range(repeats):
        lab = KMeans(k, n_init=1, random_state=seed + r).fit_predict(xy)
        for g in np.unique(lab):
            idx = lab == g
            bags.append(features[idx])
            rna.append(counts[idx].sum(0))
    return bags, log_cpm(np.asarray(rna))


def feature_extractor(profile: str, setup: Her2stSetup, device="cpu") -> tuple[torch.nn.Module, weights.WeightsRecord]:
    """The ResNet-50 patch encoder and the record of the weights it started from (file + sha256). The
    ``paper`` profile stops without ImageNet weights unless ``setup.allow_random_weights``."""
    weights.require("resnet50", profile, setup.allow_random_weights)
    return histology.resnet50_trunk(device)


def weights_caption(record: weights.WeightsRecord) -> str:
    """How a figure caption names the patch encoder's weights (derived, never typed)."""
    return ("ResNet-50 with ImageNet weights" if record.pretrained else "ResNet-50 randomly initialised") + \
        f" ({record.note})"


def with_weights(prov: Provenance, record: weights.WeightsRecord) -> Provenance:
    """``prov`` with the patch encoder's weights recorded: the note always (file and sha256, or random
    initialisation), the checkpoint file among the provenance's files when there is one."""
    note = (f"patch encoder weights: {record.arch}, "
            + (f"file {record.file}, sha256 {record.sha256}" if record.pretrained else "random initialisation (no file)"))
    prov = prov.with_note(note)
    if record.pretrained:
        prov = replace(prov, files=prov.files + (FileRecord(record.file, record.sha256),))
    return prov


def load_sections(setup: Her2stSetup, extractor, device="cpu") -> tuple[dict, list]:
    """Per section: downsampled H&E, spot coordinates (at the image's scale), patch features, counts, tiles.
    Returns (sections, provenances)."""
    from omicslib.data import her2st

    sec, provs = {}, []
    for name in setup.sections:
        img, p_img = her2st.load_section(name, downsample=setup.downsample)
        spots, p_sp = her2st.load_spots(name)
        counts, p_ct = her2st.load_counts(name)
        spots = spots[(spots["selected"] == 1) & spots.index.isin(counts.index)]
        if setup.max_spots:
            spots = spots.iloc[:setup.max_spots]
        tiles, ids = spot_patches(img, spots, setup.downsample, setup.patch)
        feats = histology.extract_features(tiles, extractor, batch_size=64, device=device)
        sec[name] = dict(image=img, xy=spots.loc[ids, ["pixel_x", "pixel_y"]].to_numpy() / setup.downsample,
                         feats=feats, counts=counts.loc[ids], tiles=tiles, n_selected=len(spots))
        provs += [p_img, p_sp, p_ct]
    return sec, provs


def region_cohort(sec: dict, names: Sequence[str], genes: Sequence[str], pca: PCA, setup: Her2stSetup,
                  repeats: int, seed: int) -> Cohort:
    """Region pairs of the given sections as a :class:`Cohort` (no outcome: time/event 1, label 0)."""
    bags, rna = [], []
    for n in names:
        b, r = region_pairs(sec[n]["xy"], pca.transform(sec[n]["feats"]), sec[n]["counts"][list(genes)].to_numpy(),
                            setup.region_size, repeats, seed)
        bags += b
        rna.append(r)
    x, mask = pad_bags(bags)
    return Cohort(time=np.ones(len(bags)), event=np.ones(len(bags)), label=np.zeros(len(bags), int),
                  rna=np.vstack(rna).astype(np.float32), bag=x.numpy(), mask=mask.numpy())


def leave_section_out(sec: dict, setup: Her2stSetup, cfg: Config, device="cpu", seed: int = 0):
    """Per held-out section: the most variable genes shared by all sections (training sections only), patch
    features reduced by PCA fitted on training sections, CLIP pretraining on training regions, then
    cross-modal retrieval on the held-out section's regions, beside chance and the same model trained on
    shuffled (unpaired) regions. Returns (results, {held_out: (model, pca)}); ``results.attrs['hits']``
    holds the per-region top-5 slide -> RNA hits per (held_out, pairing)."""
    common = sorted(set.intersection(*(set(s["counts"].columns) for s in sec.values())))
    results, models, hits = [], {}, {}
    for test in setup.held_out:
        train = [n for n in setup.sections if n != test]
        spot_expr = np.vstack([log_cpm(sec[n]["counts"][common].to_numpy()) for n in train])
        genes = [common[i] for i in np.argsort(spot_expr.var(0))[::-1][:setup.n_genes]]
        pca = PCA(setup.pca_dim, random_state=seed).fit(np.vstack([sec[n]["feats"] for n in train]))
        tr, te = standardise(region_cohort(sec, train, genes, pca, setup, setup.train_repeats, seed),
                             region_cohort(sec, [test], genes, pca, setup, 1, seed))
        for control in (False, True):
            data = tr
            if control:  # break the pairing: RNA of a random other region
                data = replace(tr, rna=tr.rna[np.random.default_rng(seed).permutation(len(tr))])
            model, hist = pretrain(data, cfg, device, seed)
            model.eval()
            with torch.no_grad():
                e = model.embed({"bag": torch.as_tensor(te.bag, device=device),
                                 "mask": torch.as_tensor(te.mask, device=device),
                                 "rna": torch.as_tensor(te.rna, device=device)})
            row = {"held_out": test, "pairing": "shuffled (control)" if control else "true", "train_regions": len(tr),
                   "test_regions": len(te), "final_train_loss": hist.train_loss[-1]}
            for k in (1, 5):
                row[f"top{k}_slide_to_rna"] = retrieval_accuracy(e["z_slide"], e["z_rna"], k)
                row[f"top{k}_rna_to_slide"] = retrieval_accuracy(e["z_rna"], e["z_slide"], k)
                row[f"top{k}_chance"] = min(k, len(te)) / len(te)
            results.append(row)
            hits[(test, row["pairing"])] = top_k_hits(e["z_slide"], e["z_rna"], 5)
            if not control:
                models[test] = (model, pca)
    out = pd.DataFrame(results)
    out.attrs["hits"] = hits
    return out, models


def leave_section_out_seeds(sec: dict, setup: Her2stSetup, cfg: Config, device="cpu"):
    """:func:`leave_section_out` once per seed of ``cfg`` (new region sampling, PCA and initialisation each).
    Returns (results with a ``seed`` column, models of the first seed); ``results.attrs['hits']`` maps
    ``(held_out, pairing, seed)`` to the per-region top-5 hits."""
    parts, hits, models = [], {}, None
    for seed in cfg.seeds:
        res, m = leave_section_out(sec, setup, cfg, device, seed)
        hits.update({(*k, seed): v for k, v in res.attrs["hits"].items()})
        res.attrs = {}  # arrays in attrs break pandas' concat (it compares attrs)
        parts.append(res.assign(seed=seed))
        models = m if models is None else models
    out = pd.concat(parts, ignore_index=True)
    out.attrs["hits"] = hits
    return out, models


def top_k_hits(a: torch.Tensor, b: torch.Tensor, k: int) -> np.ndarray:
    """Per row of ``a``: is its paired row of ``b`` among its ``k`` nearest (cosine)? (the per-region
    outcomes behind :func:`omicslib.nn.losses.clip.retrieval_accuracy`)."""
    sim = torch.nn.functional.normalize(a, dim=-1) @ torch.nn.functional.normalize(b, dim=-1).T
    top = sim.topk(min(k, sim.shape[1]), dim=1).indices
    return (top == torch.arange(len(a), device=a.device)[:, None]).any(1).cpu().numpy()


def section_attention(sec: dict, models: dict, device="cpu") -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """ABMIL attention over all spot patches of each held-out section read as one bag (x number of
    patches, so 1 = uniform), and its Spearman correlation with each spot's log total UMI count (a
    crude real cellularity proxy). Returns (table, {section: attention})."""
    rows, att_by = [], {}
    for test, (model, pca) in models.items():
        s = sec[test]
        bag = torch.as_tensor(pca.transform(s["feats"])[None], dtype=torch.float32, device=device)
        with torch.no_grad():
            _, att = model.encode_slide(bag)
        att = att[0].cpu().numpy() * len(s["feats"])
        umi = np.log1p(s["counts"].to_numpy().sum(1))
        r = spearmanr(att, umi)
        rows.append({"section": test, "spots": len(att), "spearman_rho_attention_vs_log_umi": r.statistic,
                     "p": r.pvalue, "max_over_uniform": att.max()})
        att_by[test] = att
    return pd.DataFrame(rows), att_by
