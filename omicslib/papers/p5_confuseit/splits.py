"""The one split of every p5 comparison: stratified k-fold over the seeds of a config.

Kept apart from :mod:`.protocol` (deep models) and :mod:`.baselines` (simple models) so that both import
it and neither imports the other at module level: the package's imports go one way
(``baselines -> splits``, ``protocol -> splits``, ``protocol -> baselines`` only inside :func:`pair_study`).
"""

from __future__ import annotations

from omicslib.papers.p5_confuseit.config import Config
from omicslib.papers.p5_confuseit.data import Cohort
from omicslib.splits import stratified_kfold


def folds(cohort: Cohort, cfg: Config, stratify_on: str = "label"):
    """``(seed, fold, train_idx, test_idx)`` for every seed of ``cfg``: the one split of every comparison."""
    if stratify_on not in ("label", "event"):
        raise ValueError(f"stratify_on must be 'label' or 'event', got {stratify_on!r}")
    strat = cohort.label if stratify_on == "label" else cohort.event
    for seed in cfg.seeds:
        for fold, (tr, te) in enumerate(stratified_kfold(strat, cfg.folds, seed)):
            yield seed, fold, tr, te
