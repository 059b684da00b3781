"""p2_fusion: histology patch features + gene expression fusion (Honarmandi Shandiz 2025).

Notebooks use only these exports: ``from omicslib.papers import p2_fusion as P``.

- :mod:`.config` — the profiles (``config(profile, **overrides)``)
- :mod:`.data` — cohorts (TCGA binary task, site A2, mixOmics, paper-size draws, synthetic pairs)
- :mod:`.images` — H&E tiles, augmentation, ResNet-50 bags with the weights recorded
- :mod:`.preprocess` — the expression pipeline; :mod:`.model` — the models (forward only)
- :mod:`.protocol` — CV training; :mod:`.baselines` — tuned simple models on the same folds
- :mod:`.analysis` — tables and claims; :mod:`.figures`; :mod:`.audit`
"""

from omicslib.papers.p2_fusion.analysis import (
    ablation_rows,
    claim_facts,
    claims,
    class_recalls,
    compare_models,
    compare_rows,
    corrected_ci,
    elapsed,
    facts_fusion,
    holdout_ci,
    logged_run_range,
    scope_of,
    seed_table,
    strongest,
    text_claims,
)
from omicslib.papers.p2_fusion.audit import (
    VARIANTS,
    branch_gradients,
    effect,
    effects,
    facts_audit,
    keras_l2_equivalent,
    real_runs,
)
from omicslib.papers.p2_fusion.audit import synthetic_runs as audit_synthetic_runs
from omicslib.papers.p2_fusion.baselines import (
    BASELINES,
    cross_validate_baseline,
    gene_and_baselines,
    holdout_baseline,
    holdout_runs,
    tune,
)
from omicslib.papers.p2_fusion.config import Config, config
from omicslib.papers.p2_fusion.data import (
    CLASS_NAMES,
    LABELS,
    Cohort,
    head_per_class,
    mixomics_binary,
    overlap_with,
    paper_size_cohort,
    site_cohort,
    site_counts,
    synthetic_paired,
    tcga_binary,
)
from omicslib.papers.p2_fusion.figures import (
    augmentation_figure,
    distribution_figure,
    feature_pca_figure,
    fold_figure,
    outliers_figure,
    tissue_tiles_figure,
)
from omicslib.papers.p2_fusion.images import (
    Sections,
    bag_table,
    example_tiles,
    features_and_bags,
    her2st_sections,
    weights_label,
    weights_provenance,
)
from omicslib.papers.p2_fusion.model import MODELS, build, late_fusion_loss
from omicslib.papers.p2_fusion.preprocess import authors_gene_filter, expression_pipeline, fold_walkthrough
from omicslib.papers.p2_fusion.protocol import (
    ALL_METRICS,
    METRICS,
    CVResult,
    cross_validate,
    fold_balance,
    fold_metrics,
    folds,
    holdout,
    pr_auc_trapz,
    repeated,
    seed_folds,
    seeds_of,
)

__all__ = [
    "ALL_METRICS", "BASELINES", "CLASS_NAMES", "LABELS", "METRICS", "MODELS", "VARIANTS", "CVResult", "Cohort", "Config",
    "Sections", "ablation_rows", "audit_synthetic_runs", "augmentation_figure", "authors_gene_filter", "bag_table",
    "branch_gradients", "build", "claims", "compare_models", "compare_rows", "config", "cross_validate",
    "cross_validate_baseline", "distribution_figure", "elapsed", "example_tiles", "effect", "effects", "expression_pipeline",
    "facts_audit", "facts_fusion", "gene_and_baselines", "head_per_class", "holdout_runs",
    "feature_pca_figure", "features_and_bags", "fold_balance", "fold_figure", "fold_metrics", "fold_walkthrough",
    "folds", "her2st_sections", "holdout", "holdout_baseline", "keras_l2_equivalent", "late_fusion_loss",
    "mixomics_binary", "outliers_figure", "overlap_with", "paper_size_cohort", "pr_auc_trapz", "real_runs",
    "repeated", "seed_folds", "seed_table", "seeds_of", "site_cohort", "site_counts", "strongest",
    "synthetic_paired", "tcga_binary", "tissue_tiles_figure", "weights_label", "weights_provenance",
    "claim_facts", "class_recalls", "corrected_ci", "holdout_ci", "logged_run_range", "scope_of",
    "text_claims", "tune",
]
