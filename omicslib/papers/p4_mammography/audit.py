"""p4 split-leak audit: the same learner under a per-image split (the authors' code) and a per-patient split.

The authors split per IMAGE, so the CC and MLO views of one patient can fall on both sides; a learner
can then score a test image by recognising the patient. :func:`split_leak_audit` measures the test
AUC under both schemes over several seeds; :func:`leak_gap` pairs them per seed.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from omicslib import metrics, stats
from omicslib.papers.p4_mammography.config import Config
from omicslib.splits import holdout_kfold
from omicslib.train import rehearsal_repeats, rehearsal_runs


def split_leak_audit(y, groups, fit_predict: Callable, seeds=(0, 1, 2), test_size: float = 0.2) -> pd.DataFrame:
    """Test AUC under a per-image split (CC and MLO of a patient may straddle it) vs a per-patient split.

    ``fit_predict(train_idx, test_idx) -> positive-class scores for test_idx``.
    Returns one row per seed and scheme with the AUC, the number of test
    images and how many test patients also have an image in training.
    """
    y, groups = np.asarray(y), np.asarray(groups)
    if len(y) != len(groups):
        raise ValueError(f"{len(y)} labels but {len(groups)} patient ids")
    rows = []
    for seed in seeds:
        for scheme, g in (("per image", None), ("per patient", groups)):
            split = holdout_kfold(y, test_size, 2, seed=seed, groups=g)
            shared = np.intersect1d(groups[split.train], groups[split.test]).size
            score = fit_predict(split.train, split.test)
            yt = y[split.test]
            auc = metrics.roc_auc(yt, score) if np.unique(yt).size == 2 else np.nan
            rows.append({"seed": seed, "split": scheme, "auc": auc, "n_test": len(split.test),
                         "test_patients_also_in_train": int(shared)})
    return pd.DataFrame(rows)


def knn_learner(X: np.ndarray, y: np.ndarray) -> Callable:
    """1-nearest neighbour on the ROI pixels (pure memorisation) as a ``fit_predict`` callable."""
    from sklearn.neighbors import KNeighborsClassifier

    flat = np.asarray(X).reshape(len(X), -1)

    def fit_predict(train, test):
        clf = KNeighborsClassifier(n_neighbors=1).fit(flat[train], y[train])
        return clf.predict_proba(flat[test])[:, 1]

    return fit_predict


def network_learner(X: np.ndarray, y: np.ndarray, cfg: Config, arch: str, task: str, device="cpu") -> Callable:
    """A network of :mod:`.model` trained by :func:`.protocol.train_model` as a ``fit_predict`` callable."""
    from omicslib.papers.p4_mammography.protocol import predict_proba, train_model

    def fit_predict(train, test):
        model, _, _ = train_model(X, y, train, None, cfg, 2, task, arch=arch, device=device)
        return predict_proba(model, X, test, device)[:, 1]

    return fit_predict


def run_audit(X: np.ndarray, y: np.ndarray, patients, cfg: Config, device="cpu") -> pd.DataFrame:
    """:func:`split_leak_audit` for every learner of ``cfg.audit_learners`` over ``cfg.audit_seeds``."""
    seeds = tuple(cfg.audit_seeds)
    n, repeats = rehearsal_runs(len(seeds))    # the rehearsal runs the first seed; the others repeat its rows
    frames = []
    for name in cfg.audit_learners:
        learner = knn_learner(X, y) if name == "1-NN pixels" else \
            network_learner(X, y, cfg, name, cfg.audit_task, device)
        with rehearsal_repeats(repeats):
            ran = split_leak_audit(y, patients, learner, seeds=seeds[:n]).assign(learner=name)
        frames += [ran] + [ran[ran["seed"] == seeds[0]].assign(seed=s) for s in seeds[n:]]
    return pd.concat(frames, ignore_index=True)


def learner_builds(cfg: Config) -> list:
    """How each network learner of ``cfg.audit_learners`` is initialised (:class:`.model.BuildReport`),
    for the provenance of the audit's results."""
    from omicslib.papers.p4_mammography.model import build

    return [build(name, 2, pretrained=cfg.pretrained, image_size=cfg.image_size)[1]
            for name in cfg.audit_learners if name != "1-NN pixels"]


def leak_gap(audit: pd.DataFrame) -> pd.DataFrame:
    """Per learner: per-image minus per-patient test AUC paired over seeds, its t-interval and the
    paired t-test (seeds are independent resplits of the whole data set)."""
    rows = []
    for name, g in audit.groupby("learner", sort=False):
        w = g.pivot(index="seed", columns="split", values="auc").dropna()
        gap = w["per image"] - w["per patient"]
        varied = len(gap) > 1 and np.ptp(gap) > 0
        mean, lo, hi = stats.mean_ci(gap) if varied else (gap.mean(), np.nan, np.nan)
        p = stats.paired_t(w["per image"], w["per patient"]).pvalue if varied else np.nan
        rows.append({"learner": name, "auc_per_image": w["per image"].mean(),
                     "auc_per_patient": w["per patient"].mean(), "gap": mean, "gap_lo": lo, "gap_hi": hi,
                     "paired_t_p": p, "n_seeds": len(gap)})
    return pd.DataFrame(rows)


def leak_rows(audit: pd.DataFrame) -> list[dict]:
    """Comparison rows of the gap (no paper value: the paper evaluates per-image splits only)."""
    rows = []
    for name, g in audit.groupby("learner", sort=False):
        w = g.pivot(index="seed", columns="split", values="auc").dropna()
        gap = w["per image"] - w["per patient"]
        varied = len(gap) > 1 and np.ptp(gap) > 0
        rows.append({"item": f"{name}, AUC per-image minus per-patient split", "metric": "AUC gap", "paper": None,
                     "ours": gap.mean() if not varied else stats.mean_ci(gap)[0],
                     "ours_sd": gap.std(ddof=1) if len(gap) > 1 else np.nan,
                     "locator": "Section 2.3.3 (split of ROI patches)",
                     "note": "the paper reports per-image splits only; synthetic images"})
    return rows


def leak_facts(audit: pd.DataFrame, gaps: pd.DataFrame) -> dict[str, tuple]:
    """What the audit page quotes from the split-leak audit (p4_04)."""
    per_image = audit[audit.split == "per image"]["test_patients_also_in_train"]
    f = {"shared_min": (int(per_image.min()), "{:d}"), "shared_max": (int(per_image.max()), "{:d}"),
         "n_test": (int(audit["n_test"].iloc[0]), "{:d}"), "n_seeds": (int(audit["seed"].nunique()), "{:d}")}
    for r in gaps.itertuples():
        key = "knn" if r.learner == "1-NN pixels" else r.learner
        f.update({f"{key}_auc_image": (r.auc_per_image, "{:.2f}"), f"{key}_auc_patient": (r.auc_per_patient, "{:.2f}"),
                  f"{key}_gap": (r.gap, "{:.2f}"), f"{key}_p": (r.paired_t_p, "{:.3f}"),
                  f"{key}_gap_lo": (r.gap_lo, "{:.2f}"), f"{key}_gap_hi": (r.gap_hi, "{:.2f}")})
    return f
