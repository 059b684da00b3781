"""p5 ConFuseIT (abstract only): CLIP-style image–transcriptome pretraining, survival and PAM50, ABMIL.

Modules: :mod:`.config` (profiles), ``reference.csv`` (the abstract's and TANGLE's values), :mod:`.data`
(cohorts, the synthetic world, real TCGA cohorts), :mod:`.model` (encoders, heads, loss steps),
:mod:`.splits` (the folds every comparison shares),
:mod:`.protocol` (pretraining, fine-tuning, CV, transfer), :mod:`.baselines` (tuned ridge Cox, logistic
regression), :mod:`.her2st_regions` (HER2ST spot patches and region pairs), :mod:`.analysis` (tables and
claims), :mod:`.figures`. Notebooks use only the names exported here.
"""

from omicslib.papers.p5_confuseit.analysis import (
    EQUIVALENCE_KEY,
    GAIN_KEY,
    PAIR_ARMS,
    SYNTHETIC_ARMS,
    absent_claims,
    baseline_facts,
    best_arm,
    compare_arms,
    corrected_compare,
    her2st_rows,
    margin_of,
    multitask_claims,
    pair_claims,
    retrieval_claims,
    rna_branch_rows,
    selection_facts,
    spearman,
    summarise,
    synthetic_claims,
    synthetic_rows,
    verdicts,
)
from omicslib.papers.p5_confuseit.baselines import (
    cox_cv,
    logistic_cv,
    ridge_cox,
    strongest_cox_cv,
    survival_families,
    tune_logistic,
    tune_ridge_cox,
)
from omicslib.papers.p5_confuseit.config import (
    Config,
    Her2stSetup,
    SyntheticSetup,
    config,
    her2st_setup,
    synthetic_setup,
)
from omicslib.papers.p5_confuseit.data import (
    CELL_TYPES,
    PAM50_4,
    Cohort,
    SyntheticWorld,
    centre_correlation,
    paired_omics_cohorts,
    paired_synthetic,
    rna_cohort,
    standardise,
    synthetic_cohorts,
)
from omicslib.papers.p5_confuseit.figures import (
    cindex_bars,
    her2st_attention_maps,
    km_figure,
    km_panels,
    pretraining_curves,
    synthetic_attention,
)
from omicslib.papers.p5_confuseit.her2st_regions import (
    PATIENT,
    feature_extractor,
    leave_section_out,
    leave_section_out_seeds,
    load_sections,
    log_cpm,
    region_pairs,
    section_attention,
    spot_patches,
    weights_caption,
    with_weights,
)
from omicslib.papers.p5_confuseit.model import ConFuseIT, ConFuseITPredictor, finetune_step, pretrain_step
from omicslib.papers.p5_confuseit.protocol import (
    Setting,
    attention_check,
    cross_validate,
    evaluate,
    finetune,
    infer,
    pair_settings,
    pair_study,
    pretrain,
    pretrain_per_seed,
    risk_groups,
    transfer_study,
    transfer_validate,
)
from omicslib.papers.p5_confuseit.splits import folds

__all__ = [
    "CELL_TYPES", "Cohort", "ConFuseIT", "ConFuseITPredictor", "Config", "EQUIVALENCE_KEY", "GAIN_KEY", "Her2stSetup",
    "PAIR_ARMS", "PAM50_4", "PATIENT", "SYNTHETIC_ARMS", "Setting", "SyntheticSetup", "SyntheticWorld",
    "absent_claims", "attention_check", "best_arm", "centre_correlation", "cindex_bars", "compare_arms", "config",
    "corrected_compare", "cox_cv", "strongest_cox_cv",
    "survival_families", "cross_validate", "evaluate", "feature_extractor", "finetune", "finetune_step",
    "folds", "her2st_attention_maps", "her2st_rows", "her2st_setup", "infer", "km_figure", "km_panels",
    "leave_section_out", "load_sections", "log_cpm", "logistic_cv", "multitask_claims",
    "pair_claims", "pair_settings", "pair_study", "paired_omics_cohorts", "paired_synthetic", "pretrain",
    "pretrain_per_seed", "pretrain_step", "pretraining_curves", "region_pairs", "retrieval_claims", "ridge_cox",
    "risk_groups", "rna_branch_rows", "rna_cohort", "section_attention", "spearman", "spot_patches",
    "standardise", "summarise", "synthetic_attention", "synthetic_claims", "synthetic_cohorts", "synthetic_rows",
    "synthetic_setup", "transfer_study", "transfer_validate", "tune_ridge_cox", "verdicts", "weights_caption",
    "with_weights", "baseline_facts", "selection_facts", "tune_logistic", "margin_of", "leave_section_out_seeds",
]
