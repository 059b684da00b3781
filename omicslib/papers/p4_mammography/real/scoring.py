"""p4 on real mammograms: what one run's out-of-fold scores give (per-patient scores, AUCs with their DeLong
CIs) and how runs compare (DeLong, paired patient bootstrap, the split-leak inflation, BI-RADS)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from omicslib import bootstrap, stats
from omicslib.book.claims import VALUE_CI


@dataclass
class RealRun:
    """Out-of-fold malignancy probabilities of one architecture, one split scheme and one seed (made by
    :mod:`.protocol`, kept here with what reads it so that protocol imports scoring, never the reverse)."""

    arch: str
    split: str          # "patient" | "image"
    seed: int
    image_prob: np.ndarray          # per image (NaN for blank views, never scored)
    fold_of_image: np.ndarray
    seconds: float
    random_init: bool = True
    states: list = field(default_factory=list)   # kept fold weights (for Grad-CAM), else empty


CI_LEVEL = VALUE_CI  # the ledger's value level, so the audit page can quote the rules' level

KNN = "1-NN pixels"

#: The simple model beside the networks: family, input and hyperparameters chosen by nested CV
#: (:func:`.protocol.nested_baseline`).
BASELINE = "strongest simple baseline (nested CV)"

#: Scores that do not come from a trained network (no initialisation to record).
NOT_NETWORKS = (KNN, BASELINE)


def patient_scores(image_prob, patients) -> pd.Series:
    """Per-patient score = mean of its views' probabilities (views without a score left out)."""
    s = pd.Series(np.asarray(image_prob, float)).groupby(np.asarray(patients), sort=False).mean()
    return s


def auc_ci(y, score, level: float = CI_LEVEL) -> tuple[float, float, float]:
    r = stats.delong(np.asarray(y), np.asarray(score, float), alpha=1 - level, pos_label=1)
    return r.extra["auc"], *r.extra["ci"]


def birads_baseline(y, birads_score) -> dict:
    """The radiologist's BI-RADS as an ordinal score against pathology: AUC with its DeLong CI (90 %)."""
    auc, lo, hi = auc_ci(y, birads_score)
    return {"auc": auc, "lo": lo, "hi": hi, "n": int(len(y))}


def seed_auc(y_pat: pd.Series, runs: list[RealRun], patients) -> pd.DataFrame:
    """Per-patient AUC of each run (arch x split x seed), with its DeLong CI (90 %)."""
    rows = []
    for r in runs:
        s = patient_scores(r.image_prob, patients).reindex(y_pat.index)
        auc, lo, hi = auc_ci(y_pat.to_numpy(), s.to_numpy())
        rows.append({"arch": r.arch, "split": r.split, "seed": r.seed, "auc": auc, "lo": lo, "hi": hi,
                     "seconds": r.seconds,
                     "init": "not a network" if r.arch in NOT_NETWORKS else "random" if r.random_init else "pretrained"})
    return pd.DataFrame(rows)


def ensemble_scores(runs: list[RealRun], patients, index) -> dict[tuple[str, str], np.ndarray]:
    """``{(arch, split): per-patient score averaged over seeds}`` aligned to ``index``."""
    out: dict[tuple[str, str], list] = {}
    for r in runs:
        out.setdefault((r.arch, r.split), []).append(patient_scores(r.image_prob, patients).reindex(index).to_numpy())
    return {k: np.mean(v, axis=0) for k, v in out.items()}


def model_aucs(y, scores: dict, seeds: pd.DataFrame) -> pd.DataFrame:
    """Per (arch, split): the seed-averaged score's AUC with DeLong 90 % CI, and the per-seed AUCs' mean/min/max."""
    rows = []
    for (arch, split), s in scores.items():
        auc, lo, hi = auc_ci(y, s)
        g = seeds[(seeds.arch == arch) & (seeds.split == split)]["auc"]
        rows.append({"arch": arch, "split": split, "auc": auc, "lo": lo, "hi": hi, "n_seeds": int(g.size),
                     "seed_mean": g.mean(), "seed_min": g.min(), "seed_max": g.max(),
                     "init": "not a network" if arch in NOT_NETWORKS else "random"})
    return pd.DataFrame(rows)


def compare_to(y, score_a, score_b, level: float = CI_LEVEL) -> dict:
    """DeLong test of AUC(a) - AUC(b) on the same patients, with its CI at ``level``."""
    r = stats.delong(np.asarray(y), np.asarray(score_a, float), np.asarray(score_b, float), alpha=1 - level,
                     pos_label=1)
    return {"auc_a": r.extra["auc_a"], "auc_b": r.extra["auc_b"], "diff": r.extra["diff"], "lo": r.extra["ci"][0],
            "hi": r.extra["ci"][1], "z": r.statistic, "p": r.pvalue}


def paired_bootstrap_auc_diff(y, score_a, score_b, n_boot: int = 2000, seed: int = 0,
                              level: float = CI_LEVEL) -> dict:
    """AUC(a) - AUC(b) with a percentile CI from resampling the patients (paired, within each class so
    both stay present: :func:`omicslib.bootstrap.paired`) and its two-sided bootstrap p."""
    y = np.asarray(y).astype(int)
    r = bootstrap.paired(y, [np.asarray(score_a, float)], [np.asarray(score_b, float)], bootstrap.binary_auc,
                         n_boot=n_boot, level=level, seed=seed, strata=y)
    return {"diff": r["diff"], "lo": r["ci"][0], "hi": r["ci"][1], "p": r["p"], "n_boot": n_boot}


def leak_inflation(y, scores: dict, archs, n_boot: int = 2000) -> pd.DataFrame:
    """Per architecture: AUC with the per-image split minus AUC with the per-patient split (seed-averaged
    patient scores, same seeds), paired patient bootstrap CI (90 %)."""
    rows = []
    for arch in archs:
        if (arch, "image") in scores and (arch, "patient") in scores:
            rows.append({"arch": arch, **paired_bootstrap_auc_diff(y, scores[(arch, "image")],
                                                                   scores[(arch, "patient")], n_boot)})
    return pd.DataFrame(rows)


def comparisons(y, scores: dict, birads, level: float = CI_LEVEL) -> pd.DataFrame:
    """DeLong of every model (patient split, seed-averaged) and of the strongest simple baseline against
    BI-RADS, on the same patients."""
    rows = []
    for (arch, split), s in scores.items():
        if split != "patient":
            continue
        rows.append({"model": arch, "vs": "BI-RADS", **compare_to(y, s, birads, level)})
    return pd.DataFrame(rows)
