"""p4 configuration: the one place for the ``smoke`` / ``quick`` / ``paper`` profiles.

:class:`Config` holds the paper's hyper-parameters (defaults read from ``reference.csv``), the
synthetic-data settings and what each notebook runs; :func:`config` builds it for a profile and one
of the three studies (``models`` = p4_02, ``comparison`` = p4_03, ``audit`` = p4_04)::

    cfg = config("quick", "models", seed=21)

Unknown or invalid values raise a ``ValueError`` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from omicslib.book import reference
from omicslib.profiles import configure

TASK_NAMES = ("luminal", "her2", "tn", "multiclass")
ARCH_NAMES = ("densenet121_cbam", "densenet121", "mobilenet_v2", "simple_cnn", "simple_cnn_molsub", "mob_cbam",
              "resnet101", "vit_b_16", "densenet121_cbam_avg")
AUDIT_LEARNERS = ("1-NN pixels", *ARCH_NAMES)
STUDIES = ("models", "comparison", "audit")
#: Side of a typical full-field mammogram in pixels: the paper's 100 px bound is scaled to the synthetic
#: image size by ``bound = max(2, round(100 * full_size / MAMMOGRAM_PX))``.
MAMMOGRAM_PX = 2000


def _ref(key: str, kind=float):
    return kind(reference.value("p4", key))


@dataclass(frozen=True)
class Config:
    """Hyper-parameters of the paper (defaults), the synthetic data and what a notebook runs."""

    # the paper (Sections 2.2-2.3, reference.csv)
    image_size: int = _ref("hp_image_size", int)
    bound: int = _ref("hp_bound", int)
    epochs: int = _ref("hp_epochs", int)
    batch_size: int = _ref("hp_batch_size", int)
    lr: float = _ref("hp_lr")
    weight_decay: float = _ref("hp_weight_decay")
    dropout: float = _ref("hp_dropout")
    n_folds: int = _ref("n_folds", int)
    test_size: float = _ref("test_fraction")
    # the authors' code (NOTES.md): cosine schedule stepped per epoch, early stopping, seed 21
    t_max: int = 20
    eta_min: float = 1e-5
    patience: int | None = 100
    seed: int = 21
    # ours
    oversample: bool = True
    augment: bool = True
    pretrained: bool = True
    allow_random_weights: bool = False
    group_split: bool = True
    # synthetic ROIs (omicslib.data.cmmd.synthetic_rois)
    n_patients: int = _ref("n_patients", int)
    full_size: int = 448
    signal: float = 0.6
    patient_effect: float = 1.0
    # what runs
    profile: str = "paper"
    tasks: tuple[str, ...] = TASK_NAMES
    archs: tuple[str, ...] = ("densenet121_cbam",)
    folds_trained: int | None = None
    audit_seeds: tuple[int, ...] = tuple(range(10))
    audit_learners: tuple[str, ...] = ("1-NN pixels", "simple_cnn", "densenet121_cbam")
    audit_task: str = "luminal"

    def __post_init__(self):
        def bad(name, why):
            raise ValueError(f"Config.{name}={getattr(self, name)!r}: {why}")

        for name in ("image_size", "epochs", "batch_size", "t_max", "n_patients", "full_size"):
            if int(getattr(self, name)) < 1:
                bad(name, "must be a positive integer")
        if self.image_size < 8:
            bad("image_size", "must be at least 8 px")
        if self.bound < 0:
            bad("bound", "must be >= 0")
        if not self.lr > 0:
            bad("lr", "must be > 0")
        if self.weight_decay < 0 or self.eta_min < 0:
            bad("weight_decay" if self.weight_decay < 0 else "eta_min", "must be >= 0")
        if not 0 <= self.dropout < 1:
            bad("dropout", "must lie in [0, 1)")
        if self.patience is not None and self.patience < 1:
            bad("patience", "must be None or >= 1")
        if self.n_folds < 2:
            bad("n_folds", "must be >= 2")
        if not 0 < self.test_size < 1:
            bad("test_size", "must lie in (0, 1)")
        if self.n_patients < 2:
            bad("n_patients", "must be >= 2")
        if self.signal < 0 or self.patient_effect < 0:
            bad("signal" if self.signal < 0 else "patient_effect", "must be >= 0")
        if self.profile not in ("smoke", "quick", "paper"):
            bad("profile", "must be smoke, quick or paper")
        for name, allowed in (("tasks", TASK_NAMES), ("archs", ARCH_NAMES), ("audit_learners", AUDIT_LEARNERS)):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not value or set(value) - set(allowed):
                bad(name, f"must be a non-empty tuple drawn from {allowed}")
        if self.audit_task not in TASK_NAMES[:3]:
            bad("audit_task", f"must be a binary task, one of {TASK_NAMES[:3]}")
        if not isinstance(self.audit_seeds, tuple) or not self.audit_seeds:
            bad("audit_seeds", "must be a non-empty tuple of seeds")
        if self.folds_trained is not None and not 1 <= self.folds_trained <= self.n_folds:
            bad("folds_trained", f"must be None or between 1 and n_folds={self.n_folds}")


def scaled_bound(full_size: int) -> int:
    """The paper's bound (100 px on ~2000 px mammograms) scaled to a synthetic image of ``full_size`` px."""
    return max(2, round(_ref("hp_bound") * full_size / MAMMOGRAM_PX))


_COMMON = {
    "smoke": {"n_patients": 20, "full_size": 64, "image_size": 32, "epochs": 1, "n_folds": 2, "patience": None,
              "folds_trained": 1},
    # three epochs from random weights move the weights at all only with lr 1e-3 (paper 1e-4)
    # synthetic in quick (pipeline checks only): one of the three folds is trained, as in smoke
    "quick": {"n_patients": 40, "full_size": 96, "image_size": 48, "epochs": 3, "n_folds": 3, "patience": None,
              "lr": 1e-3, "folds_trained": 1},
    "paper": {"full_size": 448},
}
#: Per study and profile: what differs from the paper's defaults.
PROFILES = {
    "models": _COMMON,
    "comparison": {
        "smoke": {**_COMMON["smoke"], "tasks": ("luminal",),
                  "archs": ("densenet121_cbam", "densenet121", "mobilenet_v2", "simple_cnn")},
        # ResNet101 and ViT-B/16 are left out of quick: several times the time of DenseNet121-CBAM per image on the CPU
        "quick": {**_COMMON["quick"], "tasks": ("luminal",),
                  "archs": ("densenet121_cbam", "densenet121", "mobilenet_v2", "simple_cnn", "simple_cnn_molsub",
                            "mob_cbam")},
        "paper": {**_COMMON["paper"], "archs": ARCH_NAMES},
    },
    "audit": {
        "smoke": {"n_patients": 40, "full_size": 64, "image_size": 32, "epochs": 1, "audit_seeds": (0, 1),
                  "audit_learners": ("1-NN pixels", "simple_cnn")},
        "quick": {"n_patients": 120, "full_size": 96, "image_size": 32, "epochs": 8, "lr": 1e-3,
                  "audit_seeds": tuple(range(3)), "audit_learners": ("1-NN pixels", "simple_cnn")},
        "paper": {"full_size": 448, "epochs": 100, "audit_seeds": tuple(range(10)),
                  "audit_learners": ("1-NN pixels", "simple_cnn", "densenet121_cbam")},
    },
}


def _parameters(cls, overrides: dict) -> dict:
    """Notebook parameters for ``cls``: unknown names raise (naming them), lists become tuples (papermill
    passes YAML lists)."""
    names = {f.name for f in fields(cls)}
    unknown = set(overrides) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__} fields {sorted(unknown)}; known: {sorted(names)}")
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()}


def config(profile: str, study: str = "models", **overrides) -> Config:
    """The configuration of ``study`` under ``profile``; ``overrides`` (notebook parameters) win.

    The ROI bound is scaled to the synthetic image size (:func:`scaled_bound`) unless given.
    """
    if study not in STUDIES:
        raise ValueError(f"study must be one of {STUDIES}, got {study!r}")
    params = _parameters(Config, overrides)
    cfg = configure(Config(profile=profile), profile, None, **PROFILES[study])
    cfg = configure(cfg, profile, params)
    if "bound" not in overrides:
        cfg = configure(cfg, profile, {"bound": scaled_bound(cfg.full_size)})
    return cfg


# ------------------------------------------------------------------------------ real mammograms (p4_05)

#: Grad-CAM layers per architecture on the real images: DenseNet121-CBAM's are the authors' (see
#: :data:`.gradcam.DENSENET_CBAM_LAYERS`); the two-layer CNN's are its two ReLU outputs.
REAL_CAM_LAYERS = {
    "simple_cnn_molsub": ("features.1", "features.4"),
    "densenet121_cbam": ("features.pool0", "features.cbam1", "features.cbam2", "features.cbam3",
                         "features.denseblock4"),
}


@dataclass(frozen=True)
class RealConfig:
    """The real-mammogram arm (MCBD, benign vs malignant): pipeline sizes, training and what runs.

    Training follows the paper (AdamW, weight decay, dropout, cosine schedule, batch, augmentation, the
    Luminal task's oversampling rate) except where a field says otherwise; every network starts from
    random initialisation (no ImageNet weights for one-channel mammograms here)."""

    load_px: int = 1024           # long side the JPEGs are decoded at
    work_px: int = 1024           # long side for segmentation and CLAHE
    image_size: int = _ref("hp_image_size", int)
    epochs: int = 50
    batch_size: int = _ref("hp_batch_size", int)
    lr: float = _ref("hp_lr")
    weight_decay: float = _ref("hp_weight_decay")
    dropout: float = _ref("hp_dropout")
    t_max: int = 20
    eta_min: float = 1e-5
    augment: bool = True
    n_folds: int = 5
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    archs: tuple[str, ...] = ("densenet121_cbam", "densenet121", "simple_cnn_molsub", "mob_cbam", "resnet101",
                              "vit_b_16")
    leak_archs: tuple[str, ...] = ("densenet121_cbam", "densenet121", "simple_cnn_molsub", "mob_cbam")
    cam_arch: str = "densenet121_cbam"
    cam_images: int = 60
    n_boot: int = 2000
    profile: str = "paper"

    def __post_init__(self):
        def bad(name, why):
            raise ValueError(f"RealConfig.{name}={getattr(self, name)!r}: {why}")

        for name in ("load_px", "work_px", "image_size", "epochs", "batch_size", "n_folds", "cam_images", "n_boot"):
            if int(getattr(self, name)) < 1:
                bad(name, "must be a positive integer")
        if self.n_folds < 2:
            bad("n_folds", "must be >= 2")
        if self.work_px > self.load_px:
            bad("work_px", f"must not exceed load_px={self.load_px}")
        if not isinstance(self.seeds, tuple) or len(self.seeds) < 1:
            bad("seeds", "must be a non-empty tuple")
        for name in ("archs", "leak_archs"):
            v = getattr(self, name)
            if not isinstance(v, tuple) or not v or set(v) - set(ARCH_NAMES):
                bad(name, f"must be a non-empty tuple drawn from {ARCH_NAMES}")
        if set(self.leak_archs) - set(self.archs):
            bad("leak_archs", "must be a subset of archs (the leak compares the same models)")
        if self.cam_arch not in self.archs or self.cam_arch not in REAL_CAM_LAYERS:
            bad("cam_arch", f"must be one of archs with Grad-CAM layers {sorted(REAL_CAM_LAYERS)}")


#: quick: at most about 4 CPU minutes for the whole real arm (measured on the page): 48 px inputs from
#: 128 px working images, 6 epochs at the quick profile's lr 1e-3 (see _COMMON), 3 folds x 3 seeds, the
#: two-layer CNN only (DenseNet121-CBAM costs 0.037 CPU-s per training image at 48 px against 0.0013 for
#: the CNN, measured: about 200 CPU-s per seed at these settings, so 3 seeds of DenseNet121 with and without
#: CBAM exceed this arm's budget many times over; they run in the paper profile).
REAL_PROFILES = {
    "smoke": {"load_px": 128, "work_px": 64, "image_size": 16, "epochs": 1, "batch_size": 16, "lr": 1e-3,
              "n_folds": 2, "seeds": (0, 1), "archs": ("simple_cnn_molsub",), "leak_archs": ("simple_cnn_molsub",),
              "cam_arch": "simple_cnn_molsub", "cam_images": 8, "n_boot": 200},
    "quick": {"load_px": 256, "work_px": 128, "image_size": 48, "epochs": 6, "batch_size": 16, "lr": 1e-3,
              "n_folds": 3, "seeds": (0, 1, 2), "archs": ("simple_cnn_molsub",), "leak_archs": ("simple_cnn_molsub",),
              "cam_arch": "simple_cnn_molsub", "cam_images": 60, "n_boot": 1000},
    "paper": {},
}


def real_config(profile: str, **overrides) -> RealConfig:
    """The real-mammogram arm's configuration under ``profile``; ``overrides`` (notebook parameters) win."""
    if profile not in REAL_PROFILES:
        raise ValueError(f"profile must be one of {sorted(REAL_PROFILES)}, got {profile!r}")
    return RealConfig(profile=profile, **{**REAL_PROFILES[profile], **_parameters(RealConfig, overrides)})
