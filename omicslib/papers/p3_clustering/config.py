"""p3 configuration: the DMACL model config, the compute budget of a grid, and the one place where the
``smoke`` / ``quick`` / ``paper`` profiles are chosen (:func:`config`).

Every dataclass is frozen and validated in ``__post_init__`` (a ``ValueError`` names the field).
The paper's Table I values are read from ``reference.csv`` (:func:`table1`), never typed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omicslib.book import reference
from omicslib.profiles import configure

PAPER = "p3"
OPTIMIZERS = ("sgd", "adam", "rmsprop")
CONTEXTS = ("simulated", "cancer", "single-cell")

#: Table I hyperparameters in the paper's order (config field -> the paper's name and reference-key stem)
TABLE_I_PARAMS = {
    "instance_temperature": ("UCL temperature", "ucl_temperature"),
    "cluster_temperature": ("DMACL temperature", "dmacl_temperature"),
    "batch_size": ("batch size", "batch_size"),
    "epochs": ("epochs", "epochs"),
    "optimizer": ("optimizer", None),
    "lr": ("learning rate", "lr"),
}
TABLE_I_NAMES = {p: name for p, (name, _) in TABLE_I_PARAMS.items()}

#: what the authors' drivers use instead (DEDUCE scripts; p3-protocol-notes.md §1.6) - not paper values
CODE_VALUES = {"instance_temperature": "0.5", "cluster_temperature": "1.0",
               "batch_size": "256 cancer / 100 sims / 64 single-cell", "epochs": "200 / 1000 / 1200",
               "optimizer": "Adam (eps 1e-3)", "lr": "1e-4"}
#: the settings the authors' simulation training script runs (p3-protocol-notes.md section 1.6), as numbers: the
#: Table I exact claims compare them with the paper's optimal values (code facts, not paper values)
CODE_SIMULATED = {"instance_temperature": 0.5, "cluster_temperature": 1.0, "batch_size": 100, "epochs": 1000,
                  "optimizer": "adam", "lr": 1e-4}
#: the authors' simulation driver's default cluster-head K (``typenumbers``) and cancer feature_dim
AUTHORS_DEFAULT_K = 5


_INTEGER = {"batch_size", "epochs"}


def _number(param: str, text: str):
    """A Table I value typed like the DMACLConfig field it sets (int for batch size and epochs, else float)."""
    return int(text) if param in _INTEGER else float(text)


def table1() -> dict[str, tuple[tuple, object]]:
    """Table I as ``{config field: (select range, optimal value)}``, read from ``reference.csv``."""
    out = {}
    for p, (_, stem) in TABLE_I_PARAMS.items():
        if stem is None:  # optimizer: 0/1 flags per value
            flags = {o: reference.value(PAPER, f"table1_optimizer_{o}") for o in OPTIMIZERS}
            chosen = [o for o, f in flags.items() if f == 1]
            if len(chosen) != 1:
                raise ValueError(f"reference.csv: exactly one table1_optimizer_* row must be 1, got {flags}")
            out[p] = (OPTIMIZERS, chosen[0])
            continue
        grid = tuple(_number(p, reference.text(PAPER, f"table1_{stem}_range{i}")) for i in (1, 2, 3))
        out[p] = (grid, _number(p, reference.text(PAPER, f"table1_{stem}_optimal")))
    return out


def _positive(obj, *names):
    for n in names:
        v = getattr(obj, n)
        if v is not None and not v > 0:
            raise ValueError(f"{type(obj).__name__}.{n} must be > 0, got {v!r}")


@dataclass(frozen=True)
class DMACLConfig:
    """DMACL hyperparameters. Defaults = the paper's Table I optimal values (checked against
    ``reference.csv`` by the tests); the authors' code values are in :data:`CODE_VALUES`."""

    feature_dim: int = 10        # instance-head / embedding dim (sims: k; cancer: 10; single-cell: 2)
    n_clusters: int = 5          # cluster-head K (code: 5 for every cancer)
    rep_dim: int = 20
    n_tokens: int = 80           # paper: h = 80
    token_dim: int = 8
    attn_heads: int = 2
    n_blocks: int = 1
    instance_temperature: float = 0.5   # Table I "UCL temperature"
    cluster_temperature: float = 1.0    # Table I "DMACL temperature"
    noise_std: float = 1.0
    lr: float = 3e-3             # Table I (code: 1e-4)
    batch_size: int = 128        # Table I (code: 256 cancer / 100 sims / 64 single-cell)
    epochs: int = 500            # Table I (code: 200 cancer / 1000 sims / 1200 single-cell)
    optimizer: str = "adam"      # adam | sgd | rmsprop
    weight_decay: float = 0.0
    shuffle: bool = False        # the authors' training loaders do not shuffle

    def __post_init__(self):
        _positive(self, "feature_dim", "rep_dim", "n_tokens", "token_dim", "attn_heads", "n_blocks", "lr",
                  "batch_size", "epochs")
        if self.n_clusters < 2:
            raise ValueError(f"DMACLConfig.n_clusters must be >= 2, got {self.n_clusters}")
        if self.token_dim % self.attn_heads:
            raise ValueError(f"DMACLConfig.token_dim ({self.token_dim}) must be divisible by attn_heads "
                             f"({self.attn_heads})")
        if self.optimizer.lower() not in OPTIMIZERS:
            raise ValueError(f"DMACLConfig.optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.noise_std < 0 or self.weight_decay < 0:
            raise ValueError("DMACLConfig.noise_std and weight_decay must be >= 0")
        # temperatures: Table I's 0 is representable so that the sweep can list it; training rejects it


@dataclass(frozen=True)
class Budget:
    """Compute budget of one grid. ``None`` epochs = the method's own default (Table I for DMACL, the
    benchmark for the baselines). ``steps``: the same number of optimiser steps for every deep method
    (epochs = ceil(steps / batches per epoch)); it overrides the epoch fields."""

    dmacl_epochs: int | None = None
    baseline_epochs: int | None = None
    kmeans_runs: int = 100
    baseline_batch_size: int | None = None      # None = benchmark (8/16); larger = fewer steps on CPU
    steps: int | None = None
    consensus_resamples: int = 50               # consensus clustering's resamples (ConsensusClusterPlus: 10 by default)

    def __post_init__(self):
        _positive(self, "dmacl_epochs", "baseline_epochs", "kmeans_runs", "baseline_batch_size", "steps",
                  "consensus_resamples")


@dataclass(frozen=True)
class Config:
    """Everything a p3 notebook varies with the profile. ``seeds`` of a grid are ``seed .. seed + n - 1``."""

    n_jobs: int = 2
    # Table I sweep (p3_01)
    sweep_epochs_scale: float = 1.0
    sweep_kmeans_runs: int = 100
    sweep_params: tuple[str, ...] | None = None       # None: all six hyperparameters
    # Figure 2, InterSIM (p3_02)
    fig2_n_seeds: int = 5
    fig2_cells: tuple[tuple[str, int], ...] | None = None   # None: every condition x k
    fig2_budget: Budget = field(default_factory=lambda: Budget(kmeans_runs=100))
    fig2_default_k: bool = True                       # also run DMACL with the authors' default K (not the true k)
    # Figure 3, scCAT-seq (p3_03)
    fig3_budget: Budget = field(default_factory=lambda: Budget(kmeans_runs=1000))
    # Figure 4, cancers (p3_04)
    fig4_n_seeds: int = 5
    fig4_budget: Budget = field(default_factory=lambda: Budget(kmeans_runs=1000))
    fig4_ks: tuple[int, ...] = (2, 3, 4, 5, 6, 7)
    fig4_n_cancers: int | None = None                 # None: every cancer with data; n: the n smallest
    fig4_methods: tuple[str, ...] | None = None       # None: every method
    # AML (p3_05)
    aml_epochs: int = 500
    # TCGA-BRCA (p3_06)
    tcga_budget: Budget = field(default_factory=lambda: Budget(kmeans_runs=100))
    tcga_n_max: int | None = None
    tcga_methods: tuple[str, ...] | None = None

    def __post_init__(self):
        _positive(self, "n_jobs", "sweep_epochs_scale", "sweep_kmeans_runs", "fig2_n_seeds", "fig4_n_seeds",
                  "aml_epochs", "fig4_n_cancers", "tcga_n_max")
        for name in ("fig2_budget", "fig3_budget", "fig4_budget", "tcga_budget"):
            if not isinstance(getattr(self, name), Budget):
                raise ValueError(f"Config.{name} must be a Budget, got {type(getattr(self, name)).__name__}")
        if any(k < 2 for k in self.fig4_ks):
            raise ValueError(f"Config.fig4_ks must all be >= 2, got {self.fig4_ks}")
        if self.sweep_params is not None:
            unknown = set(self.sweep_params) - set(TABLE_I_PARAMS)
            if unknown:
                raise ValueError(f"Config.sweep_params has unknown hyperparameters {sorted(unknown)}")

    def seeds(self, figure: str, seed: int = 0) -> list[int]:
        """The seeds of ``figure`` ('fig2' or 'fig4') starting at ``seed``."""
        n = {"fig2": self.fig2_n_seeds, "fig4": self.fig4_n_seeds}[figure]
        return [seed + i for i in range(n)]


def config(profile: str, **overrides) -> Config:
    """The p3 configuration of ``profile`` (``smoke`` | ``quick`` | ``paper``), then ``overrides``."""
    return configure(
        Config(), profile, overrides,
        smoke=dict(n_jobs=1, sweep_epochs_scale=0.005, sweep_kmeans_runs=2,
                   sweep_params=("instance_temperature", "lr"),
                   fig2_n_seeds=1, fig2_cells=(("equal", 5),),
                   fig2_budget=Budget(dmacl_epochs=2, baseline_epochs=1, kmeans_runs=2, consensus_resamples=5),
                   fig3_budget=Budget(1, 1, 2),
                   fig4_n_seeds=1, fig4_budget=Budget(dmacl_epochs=1, baseline_epochs=1, kmeans_runs=1,
                                                      consensus_resamples=5),
                   fig4_ks=(2, 3), fig4_n_cancers=1,
                   fig4_methods=("DMACL", "efAE", "lfmmdVAE", "kmeans_pca", "consensus"),
                   aml_epochs=2, tcga_budget=Budget(1, 1, 1, consensus_resamples=5), tcga_n_max=150,
                   tcga_methods=("DMACL", "efAE", "kmeans_pca", "consensus")),
        quick=dict(sweep_epochs_scale=0.05, sweep_kmeans_runs=5,
                   # 3 seeds, so a ranking is not one draw; every deep method gets the same optimiser steps, so none wins
                   # by training longer (60 = DMACL's former
                   # 60 epochs of one batch); fewer k-means repeats per seed pay for the seeds
                   fig2_n_seeds=3, fig2_budget=Budget(kmeans_runs=2, steps=60),
                   fig3_budget=Budget(100, 20, 10),
                   # 20 consensus resamples (ConsensusClusterPlus's default is 10) on the larger cohorts
                   fig4_n_seeds=3, fig4_budget=Budget(kmeans_runs=1, steps=40, baseline_batch_size=64,
                                                      consensus_resamples=20),
                   fig4_n_cancers=3, aml_epochs=100,
                   # equal budgets here too: 40 optimiser steps for every deep method (was 30 DMACL / 10 baseline epochs)
                   tcga_budget=Budget(kmeans_runs=3, steps=40, baseline_batch_size=64, consensus_resamples=20)),
        paper=dict(),
    )
