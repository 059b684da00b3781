"""p4 · DenseNet121-CBAM on mammogram ROIs: the paper package (notebooks use only these exports).

Modules: :mod:`.config` (profiles), ``reference.csv`` (the paper's values), :mod:`.data` (tasks, synthetic
ROIs, the rehearsal's capped cohort), :mod:`.roi` (CLAHE, crop, oversampling, augmentation), :mod:`.model`
(CBAM, DenseNet121-CBAM, comparators), :mod:`.gradcam`, :mod:`.clinical_table` (Table 1), :mod:`.protocol`
(training and CV, fold units), :mod:`.jobs` (the heavy grids as workflow jobs), :mod:`.analysis` (metrics,
DeLong/McNemar, tables, facts, claims), :mod:`.figures`, :mod:`.audit` (split-leak audit),
:mod:`.scoring` (metrics of one prediction set), :mod:`.real` (the real-mammogram arm on MCBD).
"""

from omicslib.papers.p4_mammography import clinical_table, gradcam, real
from omicslib.papers.p4_mammography.analysis import (
    METRICS,
    backbone_claims,
    backbone_facts,
    backbone_rows,
    class_auc_rows,
    class_aucs,
    compare_models,
    config_facts,
    evaluate,
    fold_auc_test,
    implied_ppv,
    model_claims,
    model_facts,
    positive_class_check,
    table1_claims,
    table1_consistency,
    table1_facts,
    table1_rows,
    table1_text_claims,
    table23_claims,
    table_rows,
    wall_time,
)
from omicslib.papers.p4_mammography.audit import (
    knn_learner,
    leak_facts,
    leak_gap,
    leak_rows,
    learner_builds,
    network_learner,
    run_audit,
    split_leak_audit,
)
from omicslib.papers.p4_mammography.config import ARCH_NAMES, Config, RealConfig, config, real_config, scaled_bound
from omicslib.papers.p4_mammography.data import (
    TASKS,
    Task,
    capped_cohort,
    oversampling_rate,
    prepare,
    roi_masks,
    synthetic,
)
from omicslib.papers.p4_mammography.figures import (
    backbone_auc_figure,
    binary_gradcam_figure,
    binary_roc_figure,
    class_roc_figure,
    cmmd_characteristics_figure,
    cohort_flow,
    cohort_flow_figure,
    roc_figure,
    roi_figure,
    split_leak_figure,
    training_curves_figure,
)
from omicslib.papers.p4_mammography.model import ARCHS, CBAM, BuildReport, DenseNetCBAM, build
from omicslib.papers.p4_mammography.protocol import (
    CVPlan,
    CVResult,
    Fold,
    assemble,
    best_model,
    cross_validate,
    fold_unit,
    plan,
    predict_proba,
    require_weights,
    run_comparison,
    run_tasks,
    step_times,
    train_model,
    weights_caption,
    with_weights,
)
from omicslib.splits import holdout_kfold

__all__ = [
    "ARCHS", "ARCH_NAMES", "BuildReport", "CBAM", "CVPlan", "CVResult", "DenseNetCBAM", "Fold", "METRICS",
    "Config", "RealConfig", "TASKS", "Task", "assemble", "backbone_auc_figure", "backbone_claims", "backbone_facts",
    "backbone_rows", "best_model", "binary_gradcam_figure", "binary_roc_figure", "build", "capped_cohort",
    "class_auc_rows", "class_aucs", "class_roc_figure", "clinical_table", "cmmd_characteristics_figure",
    "cohort_flow", "cohort_flow_figure", "compare_models", "config", "config_facts", "cross_validate", "evaluate",
    "fold_auc_test", "fold_unit", "gradcam", "holdout_kfold", "implied_ppv", "knn_learner", "leak_facts",
    "leak_gap", "leak_rows", "learner_builds", "model_claims", "model_facts", "network_learner",
    "oversampling_rate", "plan", "positive_class_check", "predict_proba", "prepare", "real", "real_config",
    "require_weights", "roc_figure", "roi_figure", "roi_masks", "run_audit", "run_comparison", "run_tasks",
    "scaled_bound", "split_leak_audit", "split_leak_figure", "step_times", "synthetic", "table1_claims",
    "table1_text_claims", "table23_claims",
    "table1_consistency", "table1_facts", "table1_rows", "table_rows", "train_model", "training_curves_figure",
    "wall_time", "weights_caption", "with_weights",
]
