"""p4 on real mammograms: the authors' code measured on MCBD. Molsub's effective augmentation retrained beside
the paper's, and its ROI crop and normalisation departures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicslib import bootstrap
from omicslib.papers.p4_mammography.real.data import breast_mask, downscale, labels_of
from omicslib.papers.p4_mammography.real.protocol import augmentation_specs, network_runs
from omicslib.papers.p4_mammography.real.scoring import CI_LEVEL, RealRun, patient_scores
from omicslib.papers.p4_mammography.roi import clahe


def augmentation_effect(X, images: pd.DataFrame, patients: pd.DataFrame, cfg, rate: float, runs: list[RealRun],
                        n_boot: int = 2000, device="cpu", jobs_dir=None) -> pd.DataFrame:
    """The authors' effective augmentation (molsub's, which departs from the paper's) measured: ``cfg.cam_arch`` (the
    paper's model in ``paper``) retrained on the per-patient split with molsub's effective augmentation and with none,
    the same seeds and folds as its ``runs`` with the paper's augmentation. Per variant: the mean over seeds of the
    per-patient AUC of both, and AUC(variant) - AUC(paper's) with a CI and p from :func:`omicslib.bootstrap.paired`
    (patients, within each class, and seeds resampled together; seed i of one arm paired with seed i of the other).
    The retrained networks (:func:`augmentation_specs`) run here or come from the grid jobs (``jobs_dir``)."""
    _, pid, _ = labels_of(images, patients)
    y = patients["malignant"].to_numpy(int)
    arch = cfg.cam_arch
    specs = augmentation_specs(cfg)
    retrained = network_runs(specs, X, images, patients, cfg, rate, device, jobs_dir)

    def per_seed(rs):
        return [patient_scores(r.image_prob, pid).reindex(patients.index).to_numpy(float)
                for r in sorted(rs, key=lambda r: r.seed)]

    paper = per_seed([r for r in runs if r.arch == arch and r.split == "patient"])
    if len(paper) != len(cfg.seeds):
        raise ValueError(f"expected {len(cfg.seeds)} per-patient runs of {arch} with the paper's augmentation, "
                         f"got {len(paper)}")
    ones = np.ones((1, len(y)))
    rows = []
    for variant in ("molsub (effective)", "none"):
        other = per_seed([r for r, spec in zip(retrained, specs) if spec.augment == variant])
        r = bootstrap.paired(y, other, paper, bootstrap.binary_auc, n_boot=n_boot, level=CI_LEVEL, strata=y)
        rows.append({"arch": arch, "augmentation": variant,
                     "auc": float(np.mean([bootstrap.binary_auc(ones, y, s)[0] for s in other])),
                     "auc_paper_augmentation": float(np.mean([bootstrap.binary_auc(ones, y, s)[0] for s in paper])),
                     "diff": r["diff"], "lo": r["ci"][0], "hi": r["ci"][1], "p": r["p"], "n_seeds": len(other),
                     "n_boot": n_boot})
    return pd.DataFrame(rows)


def augmentation_facts(eff: pd.DataFrame) -> dict:
    """What the p4 audit page quotes of :func:`augmentation_effect`."""
    f = {"aug_arch": (str(eff["arch"].iloc[0]), "{}"), "aug_n_seeds": (int(eff["n_seeds"].iloc[0]), "{:d}"),
         "aug_auc_paper": (float(eff["auc_paper_augmentation"].iloc[0]), "{:.3f}")}
    for variant, tag in (("molsub (effective)", "molsub"), ("none", "none")):
        r = eff.set_index("augmentation").loc[variant]
        f |= {f"aug_{tag}_auc": (r["auc"], "{:.3f}"), f"aug_{tag}_diff": (r["diff"], "{:+.3f}"),
              f"aug_{tag}_lo": (r["lo"], "{:+.3f}"), f"aug_{tag}_hi": (r["hi"], "{:+.3f}"),
              f"aug_{tag}_p": (r["p"], "{:.2g}")}
    return f


def molsub_box(mask: np.ndarray, bound: int, swap_axes: bool = True, inclusive_end_bug: bool = True):
    """The crop box of molsub's ROI step as the authors' code computes it, on ``mask``'s bounding box: the
    inclusive maximum used as an exclusive end (loses the last row and column), expanded by ``bound``,
    squared by extending up or left, then clamped with the axes swapped (``x, y = image.shape`` read as
    width, height: rows clamped against the width, columns against the height; a box past the far edge
    shifted back against the swapped limit only). Returns ``(r0, r1, c0, c1)`` as numpy slicing then
    applies them (truncating at the real edge)."""
    rows, cols = np.nonzero(np.asarray(mask))
    r0, r1 = int(rows.min()), int(rows.max()) + (0 if inclusive_end_bug else 1)
    c0, c1 = int(cols.min()), int(cols.max()) + (0 if inclusive_end_bug else 1)
    r0, r1, c0, c1 = r0 - bound, r1 + bound, c0 - bound, c1 + bound
    side = max(r1 - r0, c1 - c0)
    r0, c0 = r0 - (side - (r1 - r0)), c0 - (side - (c1 - c0))
    h, w = np.asarray(mask).shape
    lim_r, lim_c = (w, h) if swap_axes else (h, w)

    def fit(lo, hi, size):
        if lo < 0:
            lo, hi = 0, hi - lo
        if hi > size:
            lo, hi = max(0, lo - (hi - size)), size
        return lo, hi

    (r0, r1), (c0, c1) = fit(r0, r1, lim_r), fit(c0, c1, lim_c)
    return r0, min(r1, h), c0, min(c1, w)


def departure_effects(pixels, work_px: int, bound_full: int = 100, full_px: int = 4096) -> pd.DataFrame:
    """The departures of molsub's ROI code from the paper measured on real MCBD images at ``work_px`` (the breast
    region stands in for the lesion, the only region MCBD outlines): per image, the share of the breast kept by
    molsub's crop (axes swapped + inclusive end) and by the inclusive end alone, against the correct box, at the
    shipped bound 0 and at the paper's 100 px (scaled from the originals' ``full_px`` long side); the crop's aspect
    ratio; and the normalisation difference between molsub's red-channel constants (0.485 / 0.229) and the grey ones
    (0.449 / 0.226) on the CLAHE'd breast pixels."""
    from omicslib.papers.p4_mammography.roi import GREY_MEAN, GREY_STD

    bound = max(1, round(bound_full * work_px / full_px))
    rows = []
    for i, p in enumerate(pixels):
        small = downscale(p, work_px)
        m = breast_mask(small)
        if not m.any():
            continue
        total = m.sum()
        for b in (0, bound):
            r0, r1, c0, c1 = molsub_box(m, b)
            k_swap = m[r0:r1, c0:c1].sum() / total
            q0, q1, d0, d1 = molsub_box(m, b, swap_axes=False)
            k_end = m[q0:q1, d0:d1].sum() / total
            rows.append({"image": i, "bound": b, "portrait": small.shape[0] > small.shape[1],
                         "kept_molsub": k_swap, "kept_inclusive_end_only": k_end,
                         "aspect_molsub": (r1 - r0) / max(1, c1 - c0)})
        x = clahe(small)[m]
        d = np.abs((x - 0.485) / 0.229 - (x - GREY_MEAN) / GREY_STD)
        rows[-1].update(norm_diff_mean=float(d.mean()), norm_diff_max=float(d.max()))
    return pd.DataFrame(rows)


def departure_facts(dep: pd.DataFrame) -> dict:
    """Summary of :func:`departure_effects` for the audit page."""
    f = {}
    for b, g in dep.groupby("bound"):
        tag = "b0" if b == 0 else "bpaper"
        f[f"dep_{tag}_bound"] = (int(b), "{:d}")
        f[f"dep_{tag}_kept_mean"] = (g["kept_molsub"].mean(), "{:.1%}")
        f[f"dep_{tag}_kept_min"] = (g["kept_molsub"].min(), "{:.1%}")
        f[f"dep_{tag}_under90"] = (int((g["kept_molsub"] < 0.9).sum()), "{:d}")
        f[f"dep_{tag}_end_kept_mean"] = (g["kept_inclusive_end_only"].mean(), "{:.2%}")
        f[f"dep_{tag}_nonsquare"] = (int((~np.isclose(g["aspect_molsub"], 1, atol=0.02)).sum()), "{:d}")
    f["dep_n_images"] = (int(dep["image"].nunique()), "{:d}")
    f["dep_n_portrait"] = (int(dep.drop_duplicates("image")["portrait"].sum()), "{:d}")
    f["dep_norm_diff_mean"] = (dep["norm_diff_mean"].mean(), "{:.3f}")
    f["dep_norm_diff_max"] = (dep["norm_diff_max"].max(), "{:.3f}")
    return f
