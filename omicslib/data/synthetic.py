"""Schema-faithful synthetic data for tests and for experiments whose real data are absent.

Every generator returns data labelled ``synthetic``: a number computed from it
must never be shown as a reproduction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicslib.data.tables import Loaded
from omicslib.provenance import synthetic

VARIANT_CLASSES = (
    "Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins",
    "In_Frame_Del", "In_Frame_Ins", "Splice_Site", "Silent",
)


def labels(n: int, classes=("LumA", "LumB", "Her2", "Basal"), proportions=None, seed: int = 0) -> pd.Series:
    """Class labels with the given proportions (default: balanced), index ``S0000``..."""
    rng = np.random.default_rng(seed)
    p = np.full(len(classes), 1 / len(classes)) if proportions is None else np.asarray(proportions, float)
    y = rng.choice(np.asarray(classes, dtype=object), size=n, p=p / p.sum())
    return pd.Series(y, index=[f"S{i:04d}" for i in range(n)], name="label")


def _class_signal(y: pd.Series, n_features: int, informative: int, effect: float, rng) -> np.ndarray:
    codes, uniq = pd.factorize(y, sort=True)
    informative = min(informative, n_features)
    centres = np.zeros((len(uniq), n_features))
    centres[:, :informative] = rng.normal(0, effect, size=(len(uniq), informative))
    return centres[codes]


def expression(y: pd.Series, n_genes: int = 200, informative: int = 20, effect: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """z-scored expression (samples x genes); the first ``informative`` genes carry class signal."""
    rng = np.random.default_rng(seed)
    x = _class_signal(y, n_genes, informative, effect, rng) + rng.normal(size=(len(y), n_genes))
    x = (x - x.mean(0)) / x.std(0)
    return pd.DataFrame(x, index=y.index, columns=[f"GENE{j:05d}" for j in range(n_genes)])


def cna(y: pd.Series, n_genes: int = 200, informative: int = 20, effect: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Discrete copy-number calls in {-2,-1,0,1,2} (samples x genes)."""
    rng = np.random.default_rng(seed)
    z = _class_signal(y, n_genes, informative, effect, rng) + rng.normal(size=(len(y), n_genes))
    calls = np.digitize(z, [-2.0, -0.8, 0.8, 2.0]) - 2
    return pd.DataFrame(calls.astype(float), index=y.index, columns=[f"CNA{j:05d}" for j in range(n_genes)])


def mutations(y: pd.Series, n_genes: int = 20, rate: float = 0.08, seed: int = 0) -> pd.DataFrame:
    """A MAF-like long table (Tumor_Sample_Barcode, Hugo_Symbol, Variant_Classification)."""
    rng = np.random.default_rng(seed)
    codes, _ = pd.factorize(y, sort=True)
    rows = []
    for i, s in enumerate(y.index):
        for g in range(n_genes):
            # gene g is mutated more often in class (g mod n_classes)
            p = rate * (3.0 if g % (codes.max() + 1) == codes[i] else 1.0)
            if rng.random() < p:
                rows.append((s, f"MUTG{g:03d}", VARIANT_CLASSES[rng.integers(len(VARIANT_CLASSES))]))
    return pd.DataFrame(rows, columns=["Tumor_Sample_Barcode", "Hugo_Symbol", "Variant_Classification"])


def survival(risk: np.ndarray, base_hazard: float = 0.05, censor_rate: float = 0.03, seed: int = 0) -> pd.DataFrame:
    """Exponential survival times with hazard ``base_hazard * exp(risk)`` and random censoring."""
    rng = np.random.default_rng(seed)
    risk = np.asarray(risk, float)
    t_event = rng.exponential(1 / (base_hazard * np.exp(risk)))
    t_cens = rng.exponential(1 / censor_rate, size=len(risk))
    return pd.DataFrame({"time": np.minimum(t_event, t_cens), "event": (t_event <= t_cens).astype(int)})


def patch_bags(y: pd.Series, n_patches: int = 35, dim: int = 2048, informative: int = 64,
               effect: float = 0.5, seed: int = 0) -> np.ndarray:
    """Patch-feature bags (patients x patches x dim), non-negative like pooled ResNet features."""
    rng = np.random.default_rng(seed)
    sig = _class_signal(y, dim, informative, effect, rng)[:, None, :]
    x = sig + rng.normal(size=(len(y), n_patches, dim))
    return np.maximum(x, 0).astype(np.float32)


def multiomics(n: int = 120, classes=("LumA", "LumB", "Her2", "Basal"), n_genes: int = 100, seed: int = 0) -> Loaded:
    """Expression + CNA + mutations with shared labels, as one :class:`Loaded` (for tests and demos)."""
    y = labels(n, classes, seed=seed)
    return Loaded(
        tables={
            "expression": expression(y, n_genes, seed=seed + 1),
            "cna": cna(y, n_genes, seed=seed + 2),
            "mutations": mutations(y, seed=seed + 3),
        },
        labels=y,
        provenance=synthetic("omicslib.data.synthetic", f"synthetic multi-omics, n={n}, seed={seed}"),
    )
