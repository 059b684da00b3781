"""p3 · AMUCL / DMACL contrastive multi-omics clustering vs the ten DL-mo autoencoders.

Modules: ``config`` (profiles, DMACLConfig, Budget), ``reference.csv`` (the paper's values), ``data``
(input preparation, common space, the figures' datasets), ``dmacl`` and ``autoencoders`` (models),
``protocol`` (training, grids, Table I sweep), ``clustering`` (k-means evaluation), ``enrichment``
(DE, ORA, GSEA), ``analysis`` (tables, ranks, claims, facts), ``audit`` (review measurements),
``figures``, ``jobs`` (the grids' units as workflow jobs; loaded by the workflow, not imported here).
Notebooks use only the names below.
"""

from omicslib.papers.p3_clustering.analysis import (
    FIG2_IDS,
    aml_claims,
    aml_facts,
    best_k,
    config_table,
    dmacl_rank,
    fig2_claims,
    fig2_comparison,
    fig2_facts,
    fig3_claims,
    fig3_comparison,
    fig4_claims,
    fig4_comparison,
    fig4_facts,
    k_scan,
    logrank,
    method_means,
    method_ranks,
    rank_stability,
    rank_summary,
    record,
    table1_best,
    table1_claims,
    table1_comparison,
    table1_facts,
    table1_grid,
    tcga_facts,
    tcga_results,
    top_features,
    verdict_facts,
)
from omicslib.papers.p3_clustering.audit import (
    budget_table,
    default_k_table,
    distinct_table,
    embedding_effect,
    embedding_facts,
    embedding_scores,
    space_effect,
)
from omicslib.papers.p3_clustering.autoencoders import distinct_methods, same_network_as
from omicslib.papers.p3_clustering.clustering import SIMPLE_NAMES, evaluate, final_partition
from omicslib.papers.p3_clustering.config import (
    AUTHORS_DEFAULT_K,
    TABLE_I_NAMES,
    Budget,
    Config,
    DMACLConfig,
    config,
    table1,
)
from omicslib.papers.p3_clustering.data import (
    OmicsDataset,
    aml_data,
    cancer_datasets,
    common_space,
    concat_omics,
    fig4_cancers,
    intersim_cells,
    intersim_dataset,
    intersim_datasets,
    sccat_dataset,
    tcga_data,
)
from omicslib.papers.p3_clustering.enrichment import characterise, de_one_vs_rest, top_up
from omicslib.papers.p3_clustering.figures import (
    aml_km,
    bar_grid,
    radar_grid,
    rank_stability_plot,
    subtype_heatmap,
    sweep_plot,
    tcga_bars,
)
from omicslib.papers.p3_clustering.protocol import (
    METHODS,
    default_k_runs,
    embed,
    partitions_by_method,
    run_grid,
    sensitivity_sweep,
    summarise,
    sweep_configs,
    train_baseline,
    train_dmacl,
)

__all__ = [
    "AUTHORS_DEFAULT_K", "FIG2_IDS", "METHODS", "SIMPLE_NAMES", "TABLE_I_NAMES",
    "Budget", "DMACLConfig", "OmicsDataset", "Config",
    "aml_claims", "aml_data", "aml_facts", "best_k", "config_table", "verdict_facts", "fig2_facts",
    "fig4_facts", "k_scan", "embedding_effect", "embedding_facts", "embedding_scores",
    "tcga_facts", "top_features", "aml_km", "bar_grid", "budget_table", "cancer_datasets", "characterise",
    "common_space", "concat_omics", "config", "final_partition", "partitions_by_method", "de_one_vs_rest",
    "default_k_runs", "default_k_table", "distinct_methods", "distinct_table", "dmacl_rank", "embed", "evaluate",
    "fig2_claims", "fig2_comparison", "fig3_claims", "fig3_comparison", "fig4_cancers", "fig4_claims",
    "fig4_comparison", "intersim_cells", "intersim_dataset", "intersim_datasets", "logrank", "method_means",
    "method_ranks", "radar_grid", "rank_stability", "rank_stability_plot", "rank_summary", "record",
    "run_grid", "same_network_as", "sccat_dataset", "sensitivity_sweep", "space_effect", "subtype_heatmap",
    "summarise", "sweep_configs", "sweep_plot", "table1", "table1_best", "table1_claims", "table1_comparison",
    "table1_facts", "table1_grid", "tcga_bars", "tcga_data", "tcga_results", "top_up", "train_baseline",
    "train_dmacl",
]
