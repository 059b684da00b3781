"""A small METABRIC-shaped dataset shared by the p1 tests (G0 carries the subtype when informative)."""

import numpy as np
import pandas as pd

from omicslib.data.metabric import SUBTYPES
from omicslib.data.tables import Loaded
from omicslib.provenance import synthetic


def toy_loaded(n=100, n_exp=12, n_cna=6, seed=0, informative=True):
    rng = np.random.default_rng(seed)
    samples = pd.Index([f"S{i:03d}" for i in range(n)])
    labels = pd.Series(np.array(SUBTYPES)[np.arange(n) % 4], index=samples, name="subtype")
    codes = np.arange(n) % 4
    exp = pd.DataFrame(rng.normal(size=(n, n_exp)), index=samples, columns=[f"G{i}" for i in range(n_exp)])
    if informative:
        exp["G0"] += 2 * codes
    cna = pd.DataFrame(rng.integers(-2, 3, size=(n, n_cna)).astype(float), index=samples,
                       columns=[f"C{i}" for i in range(n_cna)])
    genes = rng.choice(["TP53", "PIK3CA", "GATA3"], size=2 * n)
    muts = pd.DataFrame({"sample": np.tile(samples, 2), "gene": genes,
                         "variant_classification": rng.choice(["Missense_Mutation", "Silent"], size=2 * n)})
    return Loaded({"exp": exp, "cna": cna, "mutations": muts}, synthetic("test", "toy"), labels=labels)
