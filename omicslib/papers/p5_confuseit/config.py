"""p5 configuration: the one place for the ``smoke`` / ``quick`` / ``paper`` profiles.

Three frozen, validated dataclasses:

* :class:`Config` — model and training settings shared by every study; the ``paper`` profile follows
  TANGLE where the abstract is silent (embedding 768, temperature 0.01, batch 64, lr 1e-4, weight
  decay 1e-4, 100 pretraining epochs).
* :class:`SyntheticSetup` — sizes of the simulated paired cohorts (``p5_02``).
* :class:`Her2stSetup` — sections, patch geometry and the weights guard of the HER2ST study (``p5_03``).

Build them with :func:`config`, :func:`synthetic_setup` and :func:`her2st_setup`; notebook overrides
are checked against the field names (a misspelt key raises).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from omicslib.book import reference
from omicslib.profiles import check, configure

STUDIES = ("rna", "transfer", "synthetic", "her2st", "pairs")


def _positive(obj, *names):
    for n in names:
        v = getattr(obj, n)
        if not v > 0:
            raise ValueError(f"{type(obj).__name__}.{n} must be positive, got {v!r}")


@dataclass(frozen=True)
class Config:
    """Model and training settings (one study of one notebook)."""

    embed_dim: int = 64
    hidden: int = 64
    rna_hidden: tuple[int, ...] = (128,)
    dropout: float = 0.2
    temperature: float = 0.07
    pretrain_epochs: int = 30
    pretrain_lr: float = 1e-3
    finetune_epochs: int = 40
    finetune_lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 64
    patience: int | None = 8
    folds: int = 5
    seeds: tuple[int, ...] = (0, 1)
    val_fraction: float = 0.15
    survival_weight: float = 1.0
    class_weight: float = 1.0
    # the survival families the strongest baseline chooses among (omicslib.baselines): elastic-net Cox at each
    # l1 ratio (near-ridge, elastic net, lasso), and boosted Cox where the profile can afford it. Quick leaves
    # out boosting (about 35 s a fold on 200 genes, 6 min of the book; its inner-CV C-index was below the Cox
    # models') and the lasso (15 s a fold on mRNA + miRNA, where its path stalls at small penalties)
    survival_l1_ratios: tuple[float, ...] = (0.05, 0.5, 1.0)
    survival_boosting: bool = True

    def __post_init__(self):
        _positive(self, "embed_dim", "hidden", "temperature", "pretrain_lr", "finetune_lr", "batch_size")
        for n in ("pretrain_epochs", "finetune_epochs", "weight_decay", "survival_weight", "class_weight"):
            if getattr(self, n) < 0:
                raise ValueError(f"Config.{n} must be >= 0, got {getattr(self, n)!r}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"Config.dropout must lie in [0, 1), got {self.dropout!r}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"Config.val_fraction must lie in (0, 1), got {self.val_fraction!r}")
        if self.folds < 2:
            raise ValueError(f"Config.folds must be >= 2, got {self.folds!r}")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"Config.patience must be None or >= 1, got {self.patience!r}")
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"Config.seeds must be a non-empty tuple of distinct seeds, got {self.seeds!r}")
        if not self.survival_l1_ratios or any(not 0 < r <= 1 for r in self.survival_l1_ratios):
            raise ValueError(f"Config.survival_l1_ratios must be non-empty and lie in (0, 1], got "
                             f"{self.survival_l1_ratios!r}")
        if any(h < 1 for h in self.rna_hidden):
            raise ValueError(f"Config.rna_hidden widths must be positive, got {self.rna_hidden!r}")
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        object.__setattr__(self, "rna_hidden", tuple(int(h) for h in self.rna_hidden))


def _training(profile: str) -> dict:
    """Per-profile training settings; the ``paper`` profile reads TANGLE's values from ``reference.csv``."""
    if profile == "smoke":
        return dict(embed_dim=16, hidden=16, rna_hidden=(32,), pretrain_epochs=2, finetune_epochs=2, folds=2,
                    patience=None, survival_l1_ratios=(0.5,), survival_boosting=False)
    if profile == "quick":
        return dict(survival_boosting=False, survival_l1_ratios=(0.05, 0.5))
    ref = lambda key: reference.value("p5", key)  # noqa: E731
    return dict(embed_dim=int(ref("tangle_embed_dim")), hidden=int(ref("tangle_abmil_hidden")),
                temperature=ref("tangle_temperature"), batch_size=int(ref("tangle_batch_size")),
                pretrain_epochs=int(ref("tangle_epochs")), pretrain_lr=ref("tangle_lr"), finetune_lr=ref("tangle_lr"),
                weight_decay=ref("tangle_weight_decay"), rna_hidden=(1024,), finetune_epochs=100, patience=15)

# Per study: (number of seeds per profile, extra quick / smoke settings). Seeds start at the notebook's seed.
_SEEDS = {"rna": dict(smoke=1, quick=2, paper=5), "transfer": dict(smoke=1, quick=3, paper=5),
          "synthetic": dict(smoke=1, quick=1, paper=5), "her2st": dict(smoke=1, quick=3, paper=3),
          "pairs": dict(smoke=1, quick=3, paper=5)}
_STUDY = {
    "rna": {},
    "transfer": {},
    "synthetic": dict(quick=dict(finetune_epochs=10, patience=4)),  # pipeline checks (1 quick seed): no verdict reads them
    "her2st": dict(smoke=dict(batch_size=16), quick=dict(pretrain_epochs=40)),
    # quick: 3 seeds x 3 folds (the comparisons' minimum of 3 seeds; 5 folds cost 345 s of the 20-min book)
    "pairs": dict(quick=dict(pretrain_epochs=10, finetune_epochs=15, patience=4, folds=3)),
}


def config(profile: str, study: str = "rna", seed: int = 0, **overrides) -> Config:
    """The training :class:`Config` of ``study`` (one of :data:`STUDIES`) for ``profile``.

    Seeds are ``seed, seed + 1, ...`` (how many depends on the study and profile); ``overrides``
    (field names of :class:`Config`) are applied last."""
    check(profile)
    if study not in STUDIES:
        raise ValueError(f"study must be one of {STUDIES}, got {study!r}")
    n_seeds = _SEEDS[study][profile]
    cfg = configure(Config(seeds=tuple(range(seed, seed + n_seeds))), profile, None, **{profile: _training(profile)})
    return configure(cfg, profile, overrides, **_STUDY[study])


@dataclass(frozen=True)
class SyntheticSetup:
    """Simulated paired cohorts of ``p5_02``: a labelled cohort for cross-validated fine-tuning and a
    disjoint unlabelled cohort for pretraining, both drawn from ONE generator world."""

    n_labelled: int = 240
    n_unlabelled: int = 600
    n_genes: int = 100
    patch_dim: int = 64
    max_patches: int = 32

    def __post_init__(self):
        _positive(self, "n_labelled", "n_unlabelled")
        if self.n_genes < 10 or self.patch_dim < 4 or self.max_patches < 3:
            raise ValueError(f"SyntheticSetup needs n_genes >= 10, patch_dim >= 4 and max_patches >= 3, got "
                             f"{self.n_genes}, {self.patch_dim}, {self.max_patches}")

    @property
    def shape(self) -> dict:
        return dict(n_genes=self.n_genes, patch_dim=self.patch_dim, max_patches=self.max_patches)


def synthetic_setup(profile: str, **overrides) -> SyntheticSetup:
    """The simulated cohorts of ``profile``; under the rehearsal's step cap (which checks that a configuration
    runs, not what it scores) at most 200 labelled and 300 unlabelled patients, at the profile's widths."""
    from omicslib.train import rehearsal_limit  # here: importing the config stays free of torch

    s = configure(SyntheticSetup(), profile, overrides,
                  smoke=dict(n_labelled=60, n_unlabelled=64, n_genes=20, patch_dim=8, max_patches=8),
                  paper=dict(n_labelled=800, n_unlabelled=3000, n_genes=200, patch_dim=256, max_patches=64))
    return replace(s, n_labelled=rehearsal_limit(s.n_labelled, keep=200),
                   n_unlabelled=rehearsal_limit(s.n_unlabelled, keep=300))


@dataclass(frozen=True)
class Her2stSetup:
    """HER2ST study of ``p5_03``: sections used, held-out sections, patch geometry, gene and PCA sizes.

    ``patch`` pixels at ``1/downsample`` resolution (64 px at 1/4 = one spot spacing of ~256 px);
    ``allow_random_weights`` lets the ``paper`` profile run without ImageNet weights (then shown on
    every affected result)."""

    sections: tuple[str, ...] = ("B4", "C2", "C3", "C4", "C5", "C6")
    held_out: tuple[str, ...] = ("C6", "B4")
    max_spots: int | None = None
    downsample: int = 4
    patch: int = 64
    n_genes: int = 500
    pca_dim: int = 64
    region_size: int = 10
    train_repeats: int = 3
    allow_random_weights: bool = False

    def __post_init__(self):
        _positive(self, "downsample", "patch", "n_genes", "pca_dim", "region_size", "train_repeats")
        missing = set(self.held_out) - set(self.sections)
        if missing:
            raise ValueError(f"Her2stSetup.held_out names sections not in Her2stSetup.sections: {sorted(missing)}")
        if len(self.sections) < 2:
            raise ValueError("Her2stSetup.sections needs at least two sections (train + held out)")
        if self.max_spots is not None and self.max_spots < 1:
            raise ValueError(f"Her2stSetup.max_spots must be None or positive, got {self.max_spots!r}")
        object.__setattr__(self, "sections", tuple(self.sections))
        object.__setattr__(self, "held_out", tuple(self.held_out))


def her2st_setup(profile: str, **overrides) -> Her2stSetup:
    return configure(Her2stSetup(), profile, overrides,
                     smoke=dict(sections=("C2", "C3"), held_out=("C3",), max_spots=60, n_genes=100, pca_dim=16),
                     paper=dict(held_out=("B4", "C2", "C3", "C4", "C5", "C6"), n_genes=2000, pca_dim=256))
