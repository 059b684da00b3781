"""p1_crossmodal: cross-modal self-attention fusion on METABRIC (Zhumagozhayev et al. 2026).

Modules: ``config`` (profiles), ``data`` (loading, preparation, top-K features), ``selection``
(ElasticNet ranking, mutation encoding), ``model`` (blocks), ``protocol`` (three stages, grid),
``baselines``, ``analysis`` (Tables 4-7, statistics, claims), ``figures``, ``audit``; the paper's
values are in ``reference.csv``. Notebooks use only the names exported here.
"""

from omicslib.data.metabric import SUBTYPE_NAMES, SUBTYPES
from omicslib.papers.p1_crossmodal.analysis import (
    BEST,
    CONFUSION_ORDER,
    audit_k,
    best_config,
    claim_facts,
    claims,
    config_cells,
    fold_means,
    fusion_blocker,
    gate_movement,
    gates_table,
    paper_confusion,
    per_fold_f1,
    per_subtype,
    strongest_baseline,
    table4,
    table4_facts,
    table4_rows,
    table5,
    table5_facts,
    table5_rows,
    table6_rows,
    table7_literature,
    table7_rows,
    table7_summary,
    text_statistics,
    topk_baseline_table,
    topk_facts,
    topk_view,
)
from omicslib.papers.p1_crossmodal.audit import (
    exp_only_independence,
    holm_check,
    identity_ablation,
    paper_notes,
    ranking_scope_effect,
    reconstruction_summary,
    table6_vs_figure6,
    text_claims,
    zero_fill_summary,
)
from omicslib.papers.p1_crossmodal.baselines import (
    Baselines,
    TopKBaselines,
    pam50_nearest_centroid,
    run_baselines,
    run_topk_baselines,
)
from omicslib.papers.p1_crossmodal.config import (
    PAPER_K_GRID,
    PAPER_VARIANTS,
    REASONS,
    Config,
    config,
    config_table,
    replace_seed,
    scaled_k_grid,
)
from omicslib.papers.p1_crossmodal.data import (
    FoldFeatures,
    Prepared,
    data_claims,
    fold_features,
    fold_rankings,
    load_data,
    modality_sizes,
    prepare,
    rank_modalities,
    table1_rows,
    top20,
)
from omicslib.papers.p1_crossmodal.figures import (
    config_figure,
    config_grid,
    explorer_view,
    figure5,
    figure6,
    gate_trajectory_figure,
    training_curves,
)
from omicslib.papers.p1_crossmodal.protocol import (
    METRICS,
    GridResult,
    combine_seeds,
    model_seeds,
    run_grid,
    run_seeds,
    run_unit,
    stage3,
)

__all__ = [
    "BEST", "REASONS", "audit_k", "combine_seeds", "data_claims", "fold_means", "model_seeds", "run_seeds",
    "text_claims", "Baselines", "CONFUSION_ORDER", "config_cells", "FoldFeatures", "GridResult", "METRICS", "Config",
    "PAPER_K_GRID", "PAPER_VARIANTS", "Prepared", "SUBTYPES", "SUBTYPE_NAMES", "best_config", "claim_facts",
    "claims", "config", "config_figure", "config_grid", "config_table", "exp_only_independence",
    "explorer_view", "figure5", "figure6", "fold_features", "fold_rankings", "fusion_blocker",
    "gate_movement", "gate_trajectory_figure", "gates_table", "holm_check", "identity_ablation", "load_data",
    "modality_sizes", "pam50_nearest_centroid", "paper_confusion", "paper_notes", "per_fold_f1",
    "per_subtype", "prepare", "rank_modalities", "ranking_scope_effect", "reconstruction_summary",
    "replace_seed", "run_baselines", "run_grid", "run_unit", "scaled_k_grid", "stage3",
    "strongest_baseline", "table1_rows", "table4", "table4_facts", "table4_rows", "table5", "table5_facts",
    "table5_rows", "table6_rows", "table6_vs_figure6", "table7_literature", "table7_rows", "table7_summary",
    "text_statistics", "top20", "training_curves", "zero_fill_summary", "TopKBaselines", "run_topk_baselines",
    "topk_baseline_table", "topk_facts", "topk_view",
]
