"""InterSIM simulated multi-omics as used by the DL-mo benchmark and p3 (Figure 2).

100 subjects; methylation (367 CpGs), mRNA (131 genes), protein (160); k = 5/10/15 clusters
with near-equal ("equal") or heterogeneous cluster sizes; ground-truth cluster ids. Files are
the benchmark's own simulation outputs (verbatim copies), so results on them are ``full``.
"""

from __future__ import annotations

import pandas as pd

from omicslib.data.fetch import DataError, locate
from omicslib.data.registry import DLMO, DatasetSpec, FileSpec, register
from omicslib.data.tables import Loaded, read_table, require_numeric
from omicslib.provenance import FileRecord, Provenance

CONDITIONS = ("equal", "heterogeneous")
KS = (5, 10, 15)
OMICS = {"omics1": "methylation", "omics2": "expression", "omics3": "protein"}
N_FEATURES = {"methylation": 367, "expression": 131, "protein": 160}

_SHA = {
    ("equal", 5): ("0edd0ba3583480fdedae8aa4ff6842917ea16537c8e30d1da2893e6a2328a34d",
                   "f3eac308534633143d36c904dfcb15e70bc17a1cd75cb132ea7e91091eb3e064",
                   "90517086633f1400c99b3a590b91a0d5c517908961aeb7e4562eb233524144b3",
                   "40e0c96a7f416d45e8bc250fc703b8e9507515b688711cc30e75ad4f381817a4"),
    ("equal", 10): ("0c3f1ee6827b66622ebba99ae88b83144e8de3dcba7279566c47c710f47b1c95",
                    "afc7ee1e1f631e7edfba3eb9b80a9d3433a0ef8ede1ff0eed8be57af7d08b4c1",
                    "53514148ec125881a16cdde816f6621c6de0e53e8a38e480c8cc59f50b6b4518",
                    "25cf209263a18bcd2a731e2ac91e680b9df20f7e918d2c2db1b93600a9b4d872"),
    ("equal", 15): ("237f0371c3c3f0700b498aba232927c8c972d091d85d142f589477e9ff7dfec0",
                    "7c6fb32adc9ac5c8f03a22f608fc7021b54814f6ecb55245c185a5a6f16e1532",
                    "f131e453f96fe17cb5d49b42ac0f7d6c374c79ba5f08ee1d2a86b7e4314365f0",
                    "e26c71db0073b4d3ef482d367234872a06b585e3a1b4e252d5e538e6e63e78db"),
    ("heterogeneous", 5): ("65e79b6ea656e8c6d13cce824f3e4397324a189dd11927ece20fd6fef987107b",
                           "d7c42c783a93705342ec1012479cb9079190e7e0672df0c62ad5fad63acbaac0",
                           "28d9a642cf3be65f23c1a509ecf8bbb6a3608696c97f3006a4792e5ad956f097",
                           "90a1bce873452d2526601c403ae8036507c6bdb9765e9d813e6b42aac383d8bc"),
    ("heterogeneous", 10): ("bc3261c3529b5977c0252306e49d650bf2ef977d414dab908648b91ed4f5d61c",
                            "fef9189dbec10c34ae9dd85d628f6f8e9cce1971e6e17e76955231b18b36e87b",
                            "c79cf7dd92a0a12a547596154ef12fddfd164982b173f26ee4a6b88f3a127e66",
                            "8f77600143cdd15270a922d449d3d89db076268c027a0f8d52e9abc68a9d53cf"),
    ("heterogeneous", 15): ("e54d6b31b2090899bc36e435cbd3a13a656d8dfa8f28b7d83f750ac024cee29b",
                            "77ade6a324b052f78cfadbeea327967b5dd2b1f99f1730903e98f06333378db2",
                            "da38328e91eb856550383504e1f4b76f54d12db7edc9d759dfe70fd43b778f4d",
                            "67c26b0206b44d7479e96077642241463dd92474160bc03331a13d05548a533a"),
}


def _files():
    out = []
    for (cond, k), shas in _SHA.items():
        for fname, sha in zip(("omics1", "omics2", "omics3", "clusters"), shas):
            what = OMICS.get(fname, "ground-truth cluster ids")
            out.append(FileSpec(f"{cond}_{k}_{fname}", f"intersim/{cond}/{k}/{fname}.txt",
                                f"{DLMO}/python-scripts/data/simulations/{cond}/{k}/{fname}.txt", sha,
                                f"InterSIM {cond} k={k}: {what}", "full"))
    out.append(FileSpec("cpg_gene", "intersim/conversion_CpG_gene_simulated.txt",
                        f"{DLMO}/R-scripts/data/conversion_CpG_gene_simulated.txt",
                        "00448021e8f23d8f865d09c00e129626584757e4d6447e1922296fb1df35cefc", "CpG -> gene map"))
    out.append(FileSpec("protein_gene", "intersim/conversion_protein_gene_simulated.txt",
                        f"{DLMO}/R-scripts/data/conversion_protein_gene_simulated.txt",
                        "6b94086d2ef1dc357620d9e3c273239f09c3282e4a8b2c0c7d7644d7cab77039", "protein -> gene map"))
    return tuple(out)


INTERSIM = register(DatasetSpec(
    id="intersim_dlmo",
    title="InterSIM simulated multi-omics of the DL-mo benchmark (100 subjects; k = 5/10/15; equal/heterogeneous)",
    papers=("p3",),
    homepage="https://github.com/zhenglinyi/DL-mo",
    license="none stated (simulations generated with the GPL-2 R package InterSIM)",
    citation="Chalise et al. (2016) Comput Methods Programs Biomed 128:69 (InterSIM); "
             "Leng et al. (2022) Genome Biol 23:171 (DL-mo benchmark); Cantini et al. (2021) Nat Commun (momix)",
    bibkey="chalise2016intersim",
    notes="delta 2.5 for all omics, p.DMP 0.25; 'equal' sizes are only near-equal (see p3 protocol notes).",
    files=_files(),
))


def _read_omic(path, name: str) -> pd.DataFrame:
    df = read_table(path, index_col=0)  # features x subjects
    df = require_numeric(df, path, name).T
    if df.shape[1] != N_FEATURES[name]:
        raise DataError(f"{path}: expected {N_FEATURES[name]} {name} features, found {df.shape[1]}")
    return df


def read_clusters(path) -> pd.Series:
    """Ground truth from an R ``write.table`` file with columns ``subjects`` and ``cluster.id``."""
    df = read_table(path, required=["subjects", "cluster.id"])
    s = pd.to_numeric(df["cluster.id"], errors="coerce")
    if s.isna().any():
        raise DataError(f"{path}: cluster.id must be integers, found {df['cluster.id'][s.isna()].tolist()[:3]}")
    return pd.Series(s.astype(int).to_numpy(), index=df["subjects"].astype(str), name="cluster")


def load(condition: str = "equal", k: int = 5) -> Loaded:
    """One simulation: tables methylation/expression/protein (100 x features) and ground-truth labels."""
    if condition not in CONDITIONS or k not in KS:
        raise ValueError(f"condition must be in {CONDITIONS} and k in {KS}; got {condition!r}, {k!r}")
    tables, files = {}, []
    for fname, name in OMICS.items():
        path = locate(INTERSIM.id, f"{condition}_{k}_{fname}")
        tables[name] = _read_omic(path, name)
        files.append(FileRecord.of(path))
    cpath = locate(INTERSIM.id, f"{condition}_{k}_clusters")
    y = read_clusters(cpath)
    files.append(FileRecord.of(cpath))
    subjects = tables["methylation"].index
    for name, t in tables.items():
        if not t.index.equals(subjects):
            raise DataError(f"InterSIM {condition} k={k}: {name} subjects differ from methylation's")
    if set(y.index) != set(subjects):
        raise DataError(f"{cpath}: subjects do not match the omics files")
    y = y.loc[subjects]
    if y.nunique() != k:
        raise DataError(f"{cpath}: expected {k} clusters, found {y.nunique()}")
    prov = Provenance("full", (INTERSIM.id,), f"InterSIM {condition} k={k}: 100 subjects, methylation 367, "
                      "mRNA 131, protein 160 (the benchmark's simulation files)", tuple(files))
    return Loaded(tables, prov, labels=y, meta={"condition": condition, "k": k})
