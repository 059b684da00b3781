"""p5 data preparation: the :class:`Cohort` the models read, the synthetic paired world, real cohorts.

* :class:`Cohort` — per-patient model inputs (any modality may be absent).
* :class:`SyntheticWorld` / :func:`paired_synthetic` — paired (patch bags, RNA, survival, PAM50-like)
  cohorts with known ground truth. The *world* (class-to-gene centres, class-to-patch centres, factor
  loadings, composition loadings) is drawn from ``world_seed``; the *patients* from ``seed``. Two
  cohorts with the same ``world_seed`` are two samples of one population (pretraining must use such
  a cohort: with another world seed it learns an unrelated population).
* :func:`standardise` — the one z-score (sklearn ``StandardScaler`` fitted on the training cohort).
* :func:`rna_cohort`, :func:`paired_omics_cohorts` — real TCGA-BRCA cohorts (RNA branch; the
  two-real-modality analogue of slide + RNA).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import torch
from sklearn.preprocessing import StandardScaler
from torch.utils.data import Dataset

from omicslib.data import synthetic
from omicslib.papers.p5_confuseit.model import check_modalities
from omicslib.provenance import Provenance
from omicslib.provenance import synthetic as synthetic_provenance

PAM50_4 = ("LumA", "LumB", "Her2", "Basal")
CELL_TYPES = ("tumour", "stroma", "immune", "necrosis")


@dataclass(eq=False)
class Cohort(Dataset):
    """Per-patient model inputs; any modality may be None. Items are dicts of tensors (the batch
    format of :mod:`omicslib.papers.p5_confuseit.model`); ``label`` -1 means unlabelled."""

    time: np.ndarray
    event: np.ndarray
    label: np.ndarray
    rna: np.ndarray | None = None
    bag: np.ndarray | None = None
    mask: np.ndarray | None = None
    ids: np.ndarray | None = None
    classes: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        n = len(self.time)
        for name in ("event", "label", "rna", "bag", "mask", "ids"):
            v = getattr(self, name)
            if v is not None and len(v) != n:
                raise ValueError(f"Cohort.{name} has {len(v)} rows but time has {n}")
        if (self.bag is None) != (self.mask is None):
            raise ValueError("Cohort.bag and Cohort.mask come together")
        if self.ids is None:
            self.ids = np.arange(n)

    def __len__(self) -> int:
        return len(self.time)

    def __getitem__(self, i: int) -> dict:
        item = {"time": torch.tensor(self.time[i], dtype=torch.float32),
                "event": torch.tensor(self.event[i], dtype=torch.float32),
                "label": torch.tensor(self.label[i], dtype=torch.long)}
        if self.rna is not None:
            item["rna"] = torch.as_tensor(self.rna[i], dtype=torch.float32)
        if self.bag is not None:
            item["bag"] = torch.as_tensor(self.bag[i], dtype=torch.float32)
            item["mask"] = torch.as_tensor(self.mask[i], dtype=torch.bool)
        return item

    def subset(self, idx) -> "Cohort":
        idx = np.asarray(idx)
        take = lambda a: None if a is None else a[idx]  # noqa: E731
        return replace(self, time=self.time[idx], event=self.event[idx], label=self.label[idx],
                       rna=take(self.rna), bag=take(self.bag), mask=take(self.mask), ids=self.ids[idx])

    def without(self, *modalities: str) -> "Cohort":
        """The same patients with the given modalities removed (for single-modality inference)."""
        check_modalities(modalities)
        kw = {}
        if "rna" in modalities:
            kw["rna"] = None
        if "slide" in modalities:
            kw.update(bag=None, mask=None)
        return replace(self, **kw)

    @property
    def rna_dim(self) -> int | None:
        return None if self.rna is None else self.rna.shape[1]

    @property
    def patch_dim(self) -> int | None:
        return None if self.bag is None else self.bag.shape[2]


# ------------------------------------------------------------------------------ synthetic world


@dataclass(frozen=True, eq=False)
class SyntheticWorld:
    """The population a synthetic cohort is sampled from: everything but the patients."""

    gene_centres: np.ndarray      # classes x genes (first k genes informative)
    u_loadings: np.ndarray        # k genes carrying the RNA-only factor u
    v_loadings: np.ndarray        # k/2 genes weakly carrying the image factor v
    patch_centres: np.ndarray     # classes x patch_dim (first patch_dim/4 informative)
    comp_loadings: np.ndarray     # cell types x patch_dim: how composition shows in deep patch features
    seed: int = 0

    @classmethod
    def draw(cls, n_genes: int, patch_dim: int, seed: int, n_classes: int = len(PAM50_4)) -> "SyntheticWorld":
        if n_genes < 10 or patch_dim < 4:
            raise ValueError("paired_synthetic needs n_genes >= 10 and patch_dim >= 4")
        rng = np.random.default_rng([seed, 1])
        k, inf = n_genes // 5, patch_dim // 4
        genes = np.zeros((n_classes, n_genes))
        genes[:, :k] = rng.normal(0, 1.0, (n_classes, k))
        patches = np.zeros((n_classes, patch_dim))
        patches[:, :inf] = rng.normal(0, 0.5, (n_classes, inf))
        return cls(genes, rng.normal(1, 0.3, k), rng.normal(1, 0.3, k // 2), patches,
                   rng.normal(0, 1, (len(CELL_TYPES), patch_dim)), seed)


def paired_synthetic(n: int = 240, n_genes: int = 100, patch_dim: int = 64, max_patches: int = 32,
                     celltype_features: bool = False, composition_signal: float = 0.1,
                     seed: int = 0, world_seed: int | None = None) -> tuple[Cohort, Provenance]:
    """A synthetic paired cohort where image and RNA carry complementary prognostic signal.

    Ground truth: PAM50-like class (seen by both modalities); a factor ``u`` seen only by RNA; a
    factor ``v`` that sets the immune fraction of each patch's cell-type composition (seen by the
    image through its patch features, weakly by RNA). Log-hazard = class effect + 0.8 u - 0.8 v.
    Deep patch features are class centres + noise (non-negative) plus a weak (``composition_signal``)
    linear image of the composition; with ``celltype_features`` the (noisy) per-patch composition is
    appended as 4 extra columns, standing in for a cell-type classifier's output. Bag sizes vary
    (max_patches/3 .. max_patches) and are masked.

    The world (:class:`SyntheticWorld`) comes from ``world_seed`` (default ``seed``), the patients
    from ``seed``: draw a pretraining cohort with the labelled cohort's ``world_seed`` and another
    ``seed``. The premises of the abstract's claims are built in on purpose, so a gain here shows that
    the pipeline can realise the claimed effect when its premise holds, not that it holds in real data.
    """
    world = SyntheticWorld.draw(n_genes, patch_dim, seed if world_seed is None else world_seed)
    rng = np.random.default_rng([seed, 2])
    y = synthetic.labels(n, PAM50_4, proportions=(0.45, 0.2, 0.15, 0.2), seed=seed)
    codes = pd.Categorical(y, categories=PAM50_4).codes
    u, v = rng.normal(size=n), rng.normal(size=n)
    k = n_genes // 5  # genes: [0, k) class, [k, 2k) u, [2k, 2k + k/2) weak v
    rna = world.gene_centres[codes] + rng.normal(size=(n, n_genes))
    rna[:, k:2 * k] += 1.0 * u[:, None] * world.u_loadings
    rna[:, 2 * k:2 * k + k // 2] += 0.2 * v[:, None] * world.v_loadings
    bag = np.maximum(world.patch_centres[codes][:, None, :] + rng.normal(size=(n, max_patches, patch_dim)), 0)
    alpha = np.stack([np.full(n, 2.0), np.full(n, 1.5), 1.0 * np.exp(0.9 * v), np.full(n, 0.5)], 1)
    comp = np.stack([rng.dirichlet(a * 3, size=max_patches) for a in alpha])  # n x patches x 4
    bag = bag + composition_signal * comp @ world.comp_loadings
    sizes = rng.integers(max(1, max_patches // 3), max_patches + 1, n)
    if celltype_features:  # own stream, so both variants share every other draw
        noise = np.random.default_rng([seed, 4]).normal(0, 0.05, comp.shape)
        bag = np.concatenate([bag, 3 * np.clip(comp + noise, 0, 1)], axis=2)
    mask = np.arange(max_patches)[None, :] < sizes[:, None]
    bag = np.where(mask[..., None], bag, 0).astype(np.float32)
    effect = np.array([-0.4, 0.3, 0.5, 0.6])[codes]
    risk = effect + 0.8 * u - 0.8 * v
    surv = synthetic.survival(risk, base_hazard=0.05, censor_rate=0.03, seed=seed + 3)
    cohort = Cohort(time=surv["time"].to_numpy(), event=surv["event"].to_numpy(), label=codes.astype(int),
                    rna=rna.astype(np.float32), bag=bag, mask=mask, ids=np.asarray(y.index), classes=PAM50_4,
                    meta={"true_risk": risk, "composition": comp, "u": u, "v": v, "world": world})
    prov = synthetic_provenance(
        "omicslib.papers.p5_confuseit.paired_synthetic",
        f"synthetic paired patch bags ({max_patches} max patches x {patch_dim + 4 * celltype_features} features) + "
        f"RNA ({n_genes} genes) + survival + PAM50-like class, n={n}, patient seed={seed}, "
        f"world seed={world.seed}")
    return cohort, prov


def class_centres(cohort: Cohort) -> dict[str, np.ndarray]:
    """Empirical class centres (classes x features) of the RNA and of the mean patch feature of each bag."""
    if cohort.rna is None or cohort.bag is None:
        raise ValueError("class_centres needs a paired cohort (rna and bag)")
    mean_patch = (cohort.bag * cohort.mask[..., None]).sum(1) / cohort.mask.sum(1, keepdims=True)
    classes = np.unique(cohort.label[cohort.label >= 0])
    return {"rna": np.stack([cohort.rna[cohort.label == c].mean(0) for c in classes]),
            "patch": np.stack([mean_patch[cohort.label == c].mean(0) for c in classes])}


def centre_correlation(a: Cohort, b: Cohort) -> dict[str, float]:
    """Pearson correlation of the two cohorts' class centres (each centred over classes), per modality:
    near 1 when both were sampled from one world, near 0 when their worlds are unrelated."""
    ca, cb = class_centres(a), class_centres(b)
    out = {}
    for m in ca:
        if ca[m].shape != cb[m].shape:
            raise ValueError(f"{m} class centres differ in shape: {ca[m].shape} vs {cb[m].shape}")
        x, y = ca[m] - ca[m].mean(0), cb[m] - cb[m].mean(0)
        out[m] = float(np.corrcoef(x.ravel(), y.ravel())[0, 1])
    return out


# ------------------------------------------------------------------------------ preparation


def _scaled(scaler: StandardScaler, x: np.ndarray) -> np.ndarray:
    return scaler.transform(x).astype(np.float32)


def standardise(train: Cohort, *others: Cohort, bags: bool = False) -> list[Cohort]:
    """z-score RNA with the training cohort's gene means/SDs (sklearn ``StandardScaler`` fitted on the
    training rows; zero-SD genes keep scale 1); no test information is used. With ``bags``, patch
    features are z-scored the same way over the training cohort's real (unmasked) instances."""
    out = [train, *others]
    if train.rna is not None:
        sc = StandardScaler().fit(train.rna)
        out = [replace(c, rna=_scaled(sc, c.rna)) if c.rna is not None else c for c in out]
    if bags and train.bag is not None:
        sc = StandardScaler().fit(train.bag[train.mask])

        def z(c):
            flat = _scaled(sc, c.bag.reshape(-1, c.bag.shape[2])).reshape(c.bag.shape)
            return replace(c, bag=np.where(c.mask[..., None], flat, 0).astype(np.float32))

        out = [z(c) if c.bag is not None else c for c in out]
    return out


def rna_cohort(expression: pd.DataFrame, survival: pd.DataFrame, labels: pd.Series | None = None,
               classes=()) -> Cohort:
    """An RNA-only :class:`Cohort` from patients x genes and a ``time``/``event`` frame (inner join on
    the index); ``labels`` (class names) become indices into ``classes``, -1 where missing."""
    ids = expression.index.intersection(survival.index)
    if not len(ids):
        raise ValueError("expression and survival share no patient ids")
    lab = np.full(len(ids), -1)
    if labels is not None:
        lab = np.asarray(pd.Categorical(labels.reindex(ids), categories=list(classes)).codes, int)
    s = survival.loc[ids]
    return Cohort(time=s["time"].to_numpy(float), event=s["event"].to_numpy(int), label=lab,
                  rna=expression.loc[ids].to_numpy(np.float32), ids=np.asarray(ids), classes=tuple(classes))


def paired_omics_cohorts(first: pd.DataFrame, second: pd.DataFrame, survival: pd.DataFrame, labels: pd.Series,
                         classes) -> dict[str, Cohort]:
    """Cohorts over the patients present in both omics tables and ``survival`` (same rows, same order):

    * ``pair`` — ``first`` in the RNA slot and ``second`` as a one-instance bag in the slide slot
      (ABMIL over one instance is a one-hidden-layer MLP), the two-real-modality analogue of slide + RNA;
    * ``second`` — ``second`` alone in the RNA slot (single-modality arm with the same encoder);
    * ``early`` — both concatenated in the RNA slot (early fusion).
    """
    ids = first.index.intersection(second.index).intersection(survival.index)
    if not len(ids):
        raise ValueError("the two omics tables and the survival frame share no patient ids")
    a = rna_cohort(first.loc[ids], survival, labels, classes)
    b = second.loc[a.ids].to_numpy(np.float32)
    pair = replace(a, bag=b[:, None, :], mask=np.ones((len(a), 1), bool))
    return {"pair": pair, "second": replace(a, rna=b), "early": replace(a, rna=np.hstack([a.rna, b]))}


PRETRAIN_SEED_OFFSET = 1000  # the unlabelled cohort's patients: seed + 1000 (its world: the labelled cohort's)


def synthetic_cohorts(n_labelled: int, n_unlabelled: int, seed: int = 0, **shape):
    """The labelled cohorts (``default`` and ``celltype`` patch features) and the disjoint unlabelled
    pretraining cohorts of ``p5_02``, all from the world of ``seed``; the pretraining patients are drawn
    with ``seed + 1000``. Returns (labelled, unlabelled, provenance, world check).

    The world check gives the class-centre correlation between the labelled and the pretraining cohort
    (:func:`centre_correlation`) for this construction and for the earlier one, where the pretraining
    cohort's world was drawn from ``seed + 1000`` too (so pretraining learnt an unrelated population)."""
    cohorts, pre, provs = {}, {}, []
    for key, ct in (("default", False), ("celltype", True)):
        cohorts[key], p = paired_synthetic(n_labelled, celltype_features=ct, seed=seed, world_seed=seed, **shape)
        pre[key], p2 = paired_synthetic(n_unlabelled, celltype_features=ct, seed=seed + PRETRAIN_SEED_OFFSET,
                                        world_seed=seed, **shape)
        provs += [p, p2]
    other, _ = paired_synthetic(n_unlabelled, seed=seed + PRETRAIN_SEED_OFFSET, **shape)
    check = pd.DataFrame([
        {"pretraining cohort": "same world as the labelled cohort (this build)",
         **centre_correlation(cohorts["default"], pre["default"])},
        {"pretraining cohort": f"own world from seed + {PRETRAIN_SEED_OFFSET} (earlier build)",
         **centre_correlation(cohorts["default"], other)},
    ]).rename(columns={"rna": "class_centre_r_genes", "patch": "class_centre_r_patches"})
    return cohorts, pre, provs[0].combine(*provs[1:]), check
