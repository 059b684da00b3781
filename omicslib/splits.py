"""Cross-validation protocols shared by the papers.

All functions return integer positions into the arrays they were given, and
are deterministic for a given ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, train_test_split


@dataclass(frozen=True)
class HoldoutCV:
    """A fixed hold-out test set plus k (train, validation) folds inside the remaining part."""

    train: np.ndarray
    test: np.ndarray
    folds: tuple[tuple[np.ndarray, np.ndarray], ...]


def stratified_kfold(y, n_splits: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Plain stratified k-fold (p2, p4 without patient groups)."""
    y = np.asarray(y)
    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [(tr, te) for tr, te in skf.split(np.zeros(len(y)), y)]


def grouped_kfold(y, groups, n_splits: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k-fold that keeps every group (patient) in one fold."""
    y, groups = np.asarray(y), np.asarray(groups)
    sgkf = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [(tr, te) for tr, te in sgkf.split(np.zeros(len(y)), y, groups)]


def holdout_kfold(y, test_size: float = 0.2, n_splits: int = 5, seed: int = 0, groups=None) -> HoldoutCV:
    """Stratified hold-out chosen once, then stratified k-fold inside the training part (p1, p4).

    With ``groups`` (patient ids) both the hold-out and the folds keep each
    patient on one side.
    """
    y = np.asarray(y)
    idx = np.arange(len(y))
    if groups is None:
        train, test = train_test_split(idx, test_size=test_size, stratify=y, random_state=seed)
        inner = stratified_kfold(y[train], n_splits, seed)
    else:
        groups = np.asarray(groups)
        n_outer = max(2, round(1 / test_size))
        tr_pos, te_pos = grouped_kfold(y, groups, n_outer, seed)[0]
        train, test = idx[tr_pos], idx[te_pos]
        inner = grouped_kfold(y[train], groups[train], n_splits, seed)
    train, test = np.sort(train), np.sort(test)
    folds = tuple((train[a], train[b]) for a, b in inner)
    return HoldoutCV(train=train, test=test, folds=folds)


def check_disjoint(*parts, groups=None) -> None:
    """Raise if any two index sets (or, with ``groups``, their groups) overlap."""
    for i in range(len(parts)):
        for j in range(i + 1, len(parts)):
            a, b = np.asarray(parts[i]), np.asarray(parts[j])
            if groups is not None:
                a, b = np.asarray(groups)[a], np.asarray(groups)[b]
            common = np.intersect1d(a, b)
            if len(common):
                what = "groups" if groups is not None else "indices"
                raise AssertionError(f"parts {i} and {j} share {len(common)} {what}, e.g. {common[:5].tolist()}")
