"""p4 on real mammograms (MCBD, another cohort and another task: benign vs malignant).

The paper's pipeline needs a radiologist's lesion outline for its ROI crop; MCBD has none, so the breast
region stands in for the lesion ROI: :func:`breast_mask` segments the breast (Otsu threshold on the
smoothed image, largest connected component, holes filled), :func:`preprocess` applies the paper's CLAHE
(clip 0.003), crops the breast's bounding box, pads it to a square with background, resizes it and
normalises it as the other notebooks do (:func:`.roi.normalise`); the paper's augmentation
(:func:`.roi.augmentation`) acts during training. To keep the CPU budget, every image is first reduced
to ``work_px`` on its long side (default 256) before segmentation and CLAHE (stated on the page).

:func:`cross_validate_real` trains each architecture from random initialisation on a patient-level (or,
for the split-leak audit, an image-level) stratified k-fold CV, repeated over seeds; a patient's score
is the mean of its views' malignancy probabilities (blank views left out). :func:`birads_baseline` and
:func:`nested_baseline` (the strongest simple baseline: family, input and hyperparameters chosen by nested CV on
:func:`patient_features`) are the baselines; :func:`compare_to` gives DeLong tests on the
seed-averaged patient scores and :func:`leak_inflation` the per-image minus per-patient AUC with a
paired patient bootstrap. :func:`cam_breast_shares` measures how much Grad-CAM mass lies in the breast.

Modules by role, as on the synthetic side: :mod:`.data` (the image pipeline), :mod:`.scoring` (per-patient
scores, AUCs and comparisons), :mod:`.gradcam` (CAM mass in the breast), :mod:`.protocol` (training, the run
specs and the arm), :mod:`.audit` (the authors' code measured), :mod:`.analysis` (claims and facts),
:mod:`.figures`.
"""

from omicslib.papers.p4_mammography.real.analysis import (
    BACKBONE_COMPARATORS,
    SCOPE,
    baseline_facts,
    cpu_time,
    data_quality_facts,
    real_claims,
    real_facts,
    verdict_facts,
)
from omicslib.papers.p4_mammography.real.audit import (
    augmentation_effect,
    augmentation_facts,
    departure_effects,
    departure_facts,
    molsub_box,
)
from omicslib.papers.p4_mammography.real.data import (
    OVERSAMPLING_KEY,
    augmented_examples,
    breast_mask,
    downscale,
    labels_of,
    patient_folds,
    prepare_real,
    preprocess,
    square_crop,
)
from omicslib.papers.p4_mammography.real.figures import (
    auc_figure,
    pipeline_figure,
)
from omicslib.papers.p4_mammography.real.gradcam import (
    cam_breast_shares,
    cam_summary,
    random_map_share,
)
from omicslib.papers.p4_mammography.real.protocol import (
    AUG_TAGS,
    BASELINE_FAMILIES,
    BASELINE_INPUTS,
    PIXEL_SIDE,
    STAT_NAMES,
    RunSpec,
    arm_specs,
    augmentation_specs,
    baseline_candidates,
    cross_validate_real,
    folds_of,
    image_statistics,
    knn_real,
    nested_baseline,
    network_runs,
    patient_features,
    run_arm,
    run_spec,
    train_binary,
    unit_config,
)
from omicslib.papers.p4_mammography.real.scoring import (
    BASELINE,
    CI_LEVEL,
    KNN,
    NOT_NETWORKS,
    RealRun,
    birads_baseline,
    compare_to,
    comparisons,
    ensemble_scores,
    leak_inflation,
    model_aucs,
    paired_bootstrap_auc_diff,
    patient_scores,
    seed_auc,
)

__all__ = [
    "OVERSAMPLING_KEY", "augmented_examples", "breast_mask", "downscale", "labels_of", "patient_folds",
    "prepare_real", "preprocess", "square_crop", "CI_LEVEL", "KNN", "NOT_NETWORKS", "RealRun", "birads_baseline",
    "compare_to", "comparisons", "ensemble_scores", "leak_inflation", "model_aucs", "paired_bootstrap_auc_diff",
    "patient_scores", "seed_auc", "cam_breast_shares", "cam_summary", "random_map_share", "AUG_TAGS", "BASELINE",
    "BASELINE_FAMILIES", "BASELINE_INPUTS", "PIXEL_SIDE", "STAT_NAMES", "RunSpec", "arm_specs", "augmentation_specs",
    "baseline_candidates", "cross_validate_real", "folds_of", "image_statistics", "knn_real", "nested_baseline",
    "network_runs", "patient_features", "run_arm", "run_spec", "train_binary", "unit_config",
    "augmentation_effect", "augmentation_facts", "departure_effects", "departure_facts", "molsub_box",
    "BACKBONE_COMPARATORS", "SCOPE", "baseline_facts", "cpu_time", "data_quality_facts", "real_claims", "real_facts",
    "verdict_facts",
    "auc_figure", "pipeline_figure",
]
