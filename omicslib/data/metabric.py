"""METABRIC (cBioPortal ``brca_metabric``): expression z-scores, discrete CNA, mutations, clinical.

Two routes to the same four tables (samples x genes for ``exp`` and ``cna``,
a long mutation table, subtype labels):

* ``full``: the original cBioPortal study tarball (~20k expression genes,
  ~22k CNA genes, all mutations and clinical data) for a connected user;
* ``real-subset``: the real parts mirrored on this machine: the 2018
  cBioPortal export (full mutations for 173 genes + clinical), the Kaggle
  METABRIC_RNA_Mutation table (489 mRNA z-scores for 1,904 patients) and the
  DrGA copy of the discrete CNA calls (31 driver genes, 2,173 samples).

Used by p1. Every dropped sample is listed in :attr:`Loaded.report`.
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from omicslib.data.fetch import DataError, available, locate
from omicslib.data.registry import DatasetSpec, FileSpec, register
from omicslib.data.tables import Loaded, read_table, require_numeric
from omicslib.provenance import FileRecord, Provenance

#: The four classes of p1, in the order used for every table and confusion matrix.
SUBTYPES = ("LumA", "LumB", "Her2", "Basal")
SUBTYPE_NAMES = {"LumA": "Luminal A", "LumB": "Luminal B", "Her2": "HER2-enriched", "Basal": "Basal-like"}
_CNA_CALLS = {-2.0, -1.0, 0.0, 1.0, 2.0}

_JMZENG = "https://raw.githubusercontent.com/jmzeng1314/METABRIC/7e9cb38cadfc422376167f4e26bf88ca0ae81e20/brca_metabric"
_KAGGLE_REPO = ("https://raw.githubusercontent.com/yakdudi12/Breast-Cancer-Gene-Expression-Analysis-METABRIC-/"
                "f3c6753926d455c34ac13146610f286ba967d2a6")
_DRGA = "https://raw.githubusercontent.com/huynguyen250896/DrGA/75ddc7893bc1995879a41a8f19c9d38fcc9a4a77"
_GENEFU = "https://raw.githubusercontent.com/bhklab/genefu/9c9b66d1ef22cbfda1df75b626d2dbc68fb9b25c"

FULL = register(DatasetSpec(
    id="metabric_cbioportal",
    title="METABRIC brca_metabric full cBioPortal study (expression z-scores, discrete CNA, mutations, clinical)",
    papers=("p1",),
    homepage="https://www.cbioportal.org/study/summary?id=brca_metabric",
    license="cBioPortal public study data (cite Curtis 2012, Pereira 2016)",
    citation="Curtis et al. (2012) Nature 486:346; Pereira et al. (2016) Nat Commun 7:11479; via cBioPortal",
    bibkey="curtis2012metabric",
    notes="Not on the build machine (no internet): the tarball's checksum is recorded on first download. "
          "Members read: data_mrna_illumina_microarray_zscores_ref_all_samples.txt (or another "
          "*zscores* file), data_cna.txt, data_mutations*.txt, data_clinical_patient.txt.",
    files=(FileSpec("study", None, "https://datahub.assets.cbioportal.org/brca_metabric.tar.gz", None,
                    "whole study tarball: ~20k expression genes, ~22k CNA genes x ~2,500 samples", "full"),),
))

CBIO_2018 = register(DatasetSpec(
    id="metabric_cbioportal_2018",
    title="METABRIC 2018 cBioPortal export without the large matrices: mutations (173 genes) and clinical",
    papers=("p1",),
    homepage="https://github.com/jmzeng1314/METABRIC",
    license="cBioPortal public study data (cite Curtis 2012, Pereira 2016); no repository licence",
    citation="Curtis et al. (2012); Pereira et al. (2016); cBioPortal export of 2018 mirrored by jmzeng1314",
    bibkey="pereira2016metabric",
    notes="Files have CR line endings and four '#' header lines (clinical). Old gene symbols (MLL2 = KMT2D).",
    files=(
        FileSpec("mutations", "metabric/cbioportal_2018/data_mutations_extended.txt",
                 f"{_JMZENG}/data_mutations_extended.txt",
                 "429cc1f7a25c20db5e6fbb9351148062cae74fae6f9598cc90a27b0b2e8d0103",
                 "MAF, 17,272 calls in 173 genes with Variant_Classification", "full"),
        FileSpec("clinical_patient", "metabric/cbioportal_2018/data_clinical_patient.txt",
                 f"{_JMZENG}/data_clinical_patient.txt",
                 "76085f4de94900e531fb5e88c01124583927a4c283fe384711eb5405acf08a7c",
                 "2,509 patients incl. CLAUDIN_SUBTYPE (PAM50 + claudin-low), OS", "full"),
        FileSpec("clinical_sample", "metabric/cbioportal_2018/data_clinical_sample.txt",
                 f"{_JMZENG}/data_clinical_sample.txt",
                 "0456fd66c106ad30b837680db7ae770b1c9cafd4f2ed0236f2198219b45d068f",
                 "2,509 samples: grade, size, stage, ER/PR/HER2", "full"),
    ),
))

KAGGLE = register(DatasetSpec(
    id="metabric_kaggle_rna_mutation",
    title="METABRIC_RNA_Mutation (Kaggle): 1,904 patients x 489 mRNA z-scores + clinical + mutation flags",
    papers=("p1",),
    homepage="https://www.kaggle.com/datasets/raghadalharbi/breast-cancer-gene-expression-profiles-metabric",
    license="no licence stated (built from the public cBioPortal brca_metabric study)",
    citation="Curtis et al. (2012); Kaggle dataset by R. Alharbi, from cBioPortal",
    bibkey="curtis2012metabric",
    notes="489 of ~20k genes (9 of the 50 PAM50 genes); z-scores re-standardised over the 1,904 patients "
          "(r = 1.0 with the cBioPortal values). Read from inside the zip, never extracted.",
    files=(FileSpec("zip", "metabric/kaggle_rna_mutation/breast_cancer_dataset.zip",
                    f"{_KAGGLE_REPO}/breast_cancer_dataset.zip",
                    "a369d5a5db0304fa16c6f72bc227341faddb4238020e3171bea0a4b00613f6a3",
                    "zip of METABRIC_RNA_Mutation.csv", "real-subset"),),
))

DRGA = register(DatasetSpec(
    id="metabric_drga31",
    title="METABRIC expression z-scores and discrete CNA for 31 driver genes (DrGA), with the complete-case list",
    papers=("p1",),
    homepage="https://github.com/huynguyen250896/DrGA",
    license="MIT",
    citation="Curtis et al. (2012); Nguyen et al., DrGA (processed_DrGA.RData)",
    bibkey="curtis2012metabric",
    notes="CSV files were derived locally from processed_DrGA.RData (URL given for that file only).",
    files=(
        FileSpec("cna", "metabric/drga_31genes/drga_cna_31genes.csv", None,
                 "3abae50d4665c796d8c167cc27aecac6b160bf43fc27620b1a9f9686dc07aceb",
                 "discrete CNA -2..2, 2,173 samples x 31 genes (derived from the RData)", "real-subset"),
        FileSpec("exp", "metabric/drga_31genes/drga_exp_zscore_31genes.csv", None,
                 "31ff80346fdad4f4730de45c897161bea2e2debd942b29086129f0e8eca38a54",
                 "expression z-scores, 1,904 samples x 31 genes (derived)", "real-subset"),
        FileSpec("complete_labels", "metabric/drga_31genes/complete_3modal_4subtype_labels.csv", None,
                 "9d945545e978fc0bf6d8fcee03660a182bb755f68cbf8e28b6ca901bee8a31b2",
                 "1,543 samples with expression, CNA, >=1 mutation and LumA/LumB/Her2/Basal", "real-subset"),
        FileSpec("rdata", "metabric/drga_31genes/processed_DrGA.RData",
                 f"{_DRGA}/data_n_code/breast_cancer/processed_DrGA.RData",
                 "192db568b19a1f41660a6f8b687db4c68d2df3480abf947351317a2117fe7401",
                 "R workspace the CSVs come from", "real-subset"),
    ),
))

PAM50 = register(DatasetSpec(
    id="pam50_centroids",
    title="PAM50 centroids (Parker et al. 2009), 50 genes x 5 subtypes, from genefu",
    papers=("p1",),
    homepage="https://github.com/bhklab/genefu",
    license="Artistic-2.0",
    citation="Parker et al. (2009) J Clin Oncol 27:1160; genefu 2.39.1",
    bibkey="parker2009pam50",
    files=(FileSpec("centroids", "pam50/_derived/pam50_centroids_parker2009_50x5.csv", None,
                    "6669f42b6e3304b459459a4fd35b20c17fd670de7b105ef1fe2c03bdb10b8cdb",
                    "50 x 5 centroid table (derived from pam50.rda)", "full"),
           FileSpec("model", "pam50/inst/extdata/pam50_model.csv", f"{_GENEFU}/inst/extdata/pam50_model.csv",
                    "a189eb07569ee25b9aebd189c466faab4e4886559bae97ee5ad8e72a3c0aba4e",
                    "text form of the PAM50 model", "full")),
))


# ----------------------------------------------------------------------------- readers

def _read_cbio(buf, name: str, required=()) -> pd.DataFrame:
    """A cBioPortal tab-separated file: '#' metadata lines skipped, CR/LF line endings accepted."""
    raw = buf.read() if hasattr(buf, "read") else Path(buf).read_bytes()
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln for ln in text.split("\n") if not ln.startswith("#")]
    try:
        df = pd.read_csv(io.StringIO("\n".join(lines)), sep="\t", low_memory=False)
    except Exception as e:
        raise DataError(f"cannot read {name} as a cBioPortal TSV: {e}") from e
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(f"{name}: expected columns {list(required)}, missing {missing}; found {list(df.columns)[:15]}")
    return df


def _subtype_labels(clin: pd.DataFrame, name: str) -> pd.Series:
    col = "CLAUDIN_SUBTYPE" if "CLAUDIN_SUBTYPE" in clin else None
    if col is None or "PATIENT_ID" not in clin:
        raise DataError(f"{name}: expected PATIENT_ID and CLAUDIN_SUBTYPE columns; found {list(clin.columns)[:15]}")
    return clin.set_index("PATIENT_ID")[col].rename("subtype")


def _mutations_long(maf: pd.DataFrame) -> pd.DataFrame:
    out = maf[["Tumor_Sample_Barcode", "Hugo_Symbol", "Variant_Classification"]].dropna()
    out.columns = ["sample", "gene", "variant_classification"]
    return out.reset_index(drop=True)


def _check_cna(cna: pd.DataFrame, name: str) -> pd.DataFrame:
    vals = set(np.unique(cna.to_numpy()[~np.isnan(cna.to_numpy())]).tolist())
    if not vals <= _CNA_CALLS:
        raise DataError(f"{name}: CNA must be discrete calls -2..2, found values {sorted(vals - _CNA_CALLS)[:5]}")
    return cna


def read_kaggle(path: Path | None = None) -> tuple[pd.DataFrame, pd.Series, FileRecord]:
    """Kaggle METABRIC_RNA_Mutation from its zip: (mRNA z-scores 1,904 x 489 with upper-case
    symbols, subtype label per sample, file record). Sample ids are ``MB-%04d``."""
    path = path or locate(KAGGLE.id, "zip")
    try:
        with zipfile.ZipFile(path) as z:
            members = [n for n in z.namelist() if n.endswith(".csv")]
            if not members:
                raise DataError(f"{path}: zip holds no CSV; expected METABRIC_RNA_Mutation.csv")
            with z.open(members[0]) as fh:
                df = pd.read_csv(fh, low_memory=False)
    except zipfile.BadZipFile as e:
        raise DataError(f"{path}: not a readable zip ({e})") from e
    need = ["patient_id", "pam50_+_claudin-low_subtype", "brca1", "ugt2b7"]
    missing = [c for c in need if c not in df]
    if missing:
        raise DataError(f"{path}: expected columns {need}, missing {missing}")
    ids = df["patient_id"].map(lambda i: f"MB-{int(i):04d}")
    start, stop = df.columns.get_loc("brca1"), df.columns.get_loc("ugt2b7") + 1
    exp = df.iloc[:, start:stop].copy()
    exp.index, exp.columns = pd.Index(ids, name="sample"), exp.columns.str.upper()
    exp = require_numeric(exp, path, "mRNA z-scores")
    y = pd.Series(df["pam50_+_claudin-low_subtype"].to_numpy(), index=exp.index, name="subtype")
    return exp, y, FileRecord.of(path)


def _read_drga(key: str) -> tuple[pd.DataFrame, FileRecord]:
    path = locate(DRGA.id, key)
    df = require_numeric(read_table(path, required=["SAMPLE_ID"], index_col="SAMPLE_ID"), path, key)
    if df.index.has_duplicates:
        raise DataError(f"{path}: duplicate SAMPLE_IDs, e.g. {df.index[df.index.duplicated()][:3].tolist()}")
    return df, FileRecord.of(path)


# ----------------------------------------------------------------------------- assembling

def _select(exp, cna, muts, labels, report, classes) -> tuple[pd.Index, pd.Series]:
    """Samples with expression, CNA, >=1 mutation call and a label in ``classes`` (paper's rule)."""
    lab = labels.dropna()
    keep = lab[lab.isin(classes)].index
    report.append(f"dropped {labels.isna().sum()} samples without a subtype label and {len(lab) - len(keep)} "
                  f"labelled outside {list(classes)} ({lab[~lab.isin(classes)].value_counts().to_dict()})")
    for name, ids in (("expression", exp.index), ("CNA", cna.index), ("a mutation call", pd.Index(muts["sample"].unique()))):
        lost = keep.difference(ids)
        if len(lost):
            report.append(f"dropped {len(lost)} {'/'.join(classes)} samples without {name}")
        keep = keep.intersection(ids)
    keep = keep.sort_values()
    return keep, lab.loc[keep]


def load(source: str = "auto", classes=SUBTYPES) -> Loaded:
    """p1's data: tables ``exp`` (z-scores), ``cna`` (discrete -2..2), ``mutations`` (long:
    sample, gene, variant_classification) and labels, restricted to samples that have all three
    modalities and a subtype in ``classes``.

    ``source``: ``full`` (cBioPortal tarball; downloads if needed), ``real-subset`` (local mirror:
    Kaggle expression 489 genes + DrGA CNA 31 genes + 2018 mutations/clinical) or ``auto`` (full
    if the tarball is already on disk, else the real subset).
    """
    if source not in {"auto", "full", "real-subset"}:
        raise ValueError(f"source must be auto, full or real-subset, got {source!r}")
    if source == "full" or (source == "auto" and available(FULL.id, "study")):
        return load_full(classes)
    return load_real_subset(classes)


def load_real_subset(classes=SUBTYPES) -> Loaded:
    """The real subset mirrored locally (see module docstring); provenance ``real-subset``."""
    report: list[str] = []
    exp, _, kaggle_rec = read_kaggle()
    cna, cna_rec = _read_drga("cna")
    _check_cna(cna, str(cna_rec.path))
    maf_path = locate(CBIO_2018.id, "mutations")
    with open(maf_path, "rb") as fh:
        maf = _read_cbio(fh, str(maf_path), ["Tumor_Sample_Barcode", "Hugo_Symbol", "Variant_Classification"])
    muts = _mutations_long(maf)
    clin_path = locate(CBIO_2018.id, "clinical_patient")
    with open(clin_path, "rb") as fh:
        labels = _subtype_labels(_read_cbio(fh, str(clin_path)), str(clin_path))
    keep, y = _select(exp, cna, muts, labels, report, classes)
    muts = muts[muts["sample"].isin(keep)].reset_index(drop=True)
    files = (kaggle_rec, cna_rec, FileRecord.of(maf_path), FileRecord.of(clin_path))
    prov = Provenance(
        "real-subset", (KAGGLE.id, DRGA.id, CBIO_2018.id),
        f"METABRIC real subset: {len(keep)} samples; expression {exp.shape[1]} genes (Kaggle), CNA "
        f"{cna.shape[1]} genes (DrGA), mutations {muts['gene'].nunique()} genes (cBioPortal 2018)",
        files, (f"paper: 20,603 expression and 22,544 CNA genes; here {exp.shape[1]} and {cna.shape[1]}",))
    return Loaded({"exp": exp.loc[keep], "cna": cna.loc[keep], "mutations": muts}, prov, labels=y,
                  meta={"n_exp_genes": exp.shape[1], "n_cna_genes": cna.shape[1]}, report=report)


def _tar_member(tar: tarfile.TarFile, pattern: str, path) -> tarfile.TarInfo:
    names = [m for m in tar.getmembers() if re.search(pattern, Path(m.name).name)]
    if not names:
        raise DataError(f"{path}: no member matching {pattern!r} in the brca_metabric tarball")
    return sorted(names, key=lambda m: len(m.name))[0]


def load_full(classes=SUBTYPES) -> Loaded:
    """The full cBioPortal study from its tarball (downloaded if missing); provenance ``full``."""
    path = locate(FULL.id, "study")
    report: list[str] = []
    with tarfile.open(path) as tar:
        def read(pattern, required=()):
            m = _tar_member(tar, pattern, path)
            return _read_cbio(tar.extractfile(m), f"{path}:{m.name}", required)

        try:
            expr = read(r"zscores_ref_all_samples\.txt$", ["Hugo_Symbol"])
        except DataError:
            expr = read(r"mrna.*zscores.*\.txt$", ["Hugo_Symbol"])
        cna = read(r"^data_cna\.txt$|^data_CNA\.txt$", ["Hugo_Symbol"])
        maf = read(r"^data_mutations.*\.txt$", ["Tumor_Sample_Barcode", "Hugo_Symbol", "Variant_Classification"])
        clin = read(r"^data_clinical_patient\.txt$")

    def genes_by_samples(df, what):
        df = df.drop(columns=[c for c in ("Entrez_Gene_Id", "Cytoband") if c in df]).dropna(subset=["Hugo_Symbol"])
        dup = int(df["Hugo_Symbol"].duplicated().sum())
        if dup:
            report.append(f"{what}: averaged {dup} duplicate gene rows")
        m = df.groupby("Hugo_Symbol").mean(numeric_only=True).T
        m.index.name = "sample"
        na = m.columns[m.isna().any()]
        if len(na):
            report.append(f"{what}: dropped {len(na)} genes with missing values")
        return m.drop(columns=na)

    exp = genes_by_samples(expr, "expression")
    cna_m = _check_cna(genes_by_samples(cna, "CNA").round(), f"{path}:data_cna.txt")
    muts = _mutations_long(maf)
    keep, y = _select(exp, cna_m, muts, _subtype_labels(clin, f"{path}:data_clinical_patient.txt"), report, classes)
    muts = muts[muts["sample"].isin(keep)].reset_index(drop=True)
    prov = Provenance("full", (FULL.id,), f"METABRIC full: {len(keep)} samples; expression {exp.shape[1]}, "
                      f"CNA {cna_m.shape[1]} genes", (FileRecord.of(path),))
    return Loaded({"exp": exp.loc[keep], "cna": cna_m.loc[keep], "mutations": muts}, prov, labels=y,
                  meta={"n_exp_genes": exp.shape[1], "n_cna_genes": cna_m.shape[1]}, report=report)


def complete_case_labels() -> pd.Series:
    """The curated 1,543-sample complete-case label list (cross-check for :func:`load_real_subset`)."""
    path = locate(DRGA.id, "complete_labels")
    df = read_table(path, required=["SAMPLE_ID", "CLAUDIN_SUBTYPE"], index_col="SAMPLE_ID")
    return df["CLAUDIN_SUBTYPE"].rename("subtype")


def pam50_centroids() -> tuple[pd.DataFrame, Provenance]:
    """Parker 2009 PAM50 centroids (genes x LumA/LumB/Her2/Basal/Normal)."""
    path = locate(PAM50.id, "centroids")
    df = require_numeric(read_table(path, required=["gene"], index_col="gene"), path, "centroids")
    return df, Provenance("full", (PAM50.id,), "PAM50 centroids, Parker et al. 2009", (FileRecord.of(path),))
