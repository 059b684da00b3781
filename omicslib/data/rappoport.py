"""Rappoport & Shamir (2018) 10-cancer multi-omics benchmark, as staged by DL-mo (p3 Figure 4, AML analysis).

The original benchmark ships expression, methylation, miRNA and survival per cancer
(acgt.cs.tau.ac.il/multi_omic_benchmark). The local mirror holds survival and clinical
tables for all 10 cancers and miRNA for 9 of them (breast none; gbm only the benchmark's
processed matrix without sample ids; melanoma only raw counts). Expression and methylation
are registered with their original (DL-mo) URLs for connected users; here they are missing,
so anything computed here is ``real-subset`` (miRNA only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from omicslib.data.fetch import DataError, MissingDataError, available, locate
from omicslib.data.registry import DLMO, DatasetSpec, FileSpec, register
from omicslib.data.tables import Loaded, read_table, require_numeric
from omicslib.provenance import FileRecord, Provenance

DCMC = "https://raw.githubusercontent.com/LinMengX/DCMC/b0376cd0ee3973c33a238d6287b6b860227fbd1e"
CANCERS = ("aml", "breast", "colon", "gbm", "kidney", "liver", "lung", "melanoma", "ovarian", "sarcoma")
#: TCGA codes of the benchmark survival sets (DCMC naming) and in the p3 paper's Figure 4
TCGA_CODE = {"aml": "aml", "breast": "brca", "colon": "coad", "gbm": "gbm", "kidney": "kirc", "liver": "lihc",
             "lung": "lusc", "melanoma": "skcm", "ovarian": "ov", "sarcoma": "sarc"}
#: samples in DL-mo's processed matrices (= benchmark patients with all three omics)
BENCHMARK_N = {"aml": 169, "breast": 684, "colon": 220, "gbm": 273, "kidney": 207, "liver": 409, "lung": 343,
               "melanoma": 449, "ovarian": 290, "sarcoma": 260}

_SHA = {  # from the mirror's MANIFEST (verbatim copies of DL-mo files)
    "aml": {"survival": "68d854996a3f203582bddecc13bfa0852419f64d547c3d6f28f68999bb2ea5bd",
            "mirna": "87c1ed4107be0b8727f2da283d34b97915f202f96164c95b2dc086a183d3caa0",
            "log_mirna": "b19558029b19e9258b49d197f07b212f25887a6d35e33e30b754981aeda0a2da",
            "log_mirna_omics": "8635f2eedcc000644fdc8298889496fe7e0377efca3204d11909835623008248",
            "clinical": "bfb142f736593ba494b451553dcfdba90ca7f6aef49b422475cd7aeda5e8eeb7"},
    "breast": {"survival": "634786a3c70c523aa82ccba5873bc2ccf81a548c08632e397e27b4cfb2948a57",
               "clinical": "ebbde55f6eff120eccc46542421971f51647cca1661eb4d34490170e7ee2b2ce"},
    "colon": {"survival": "358bd1b7409ab281d9b0c29f52c5ece6dd0365f79d96222d5fb1e885f860eeff",
              "mirna": "4145713899adfdbb1a20e00a8a41da1cca0a3e311f4c3b9e0a18b96bbfb54f6c",
              "log_mirna": "96c693cf53f05a23fbdddee048697f40d9e19be7b0620967e6e718ad45d5d917",
              "log_mirna_omics": "b767679c402321ba30e7679aaa1e074cbac6629046e84fdd3f615f3e7541c45d",
              "clinical": "d3b6b8558315236a18fd297811e1de3d940a1cb62d9aa91ede49deb9aff93096"},
    "gbm": {"survival": "f836521ccf9e8b30d26ea56120b2c3258959b4f81b7d58a59bd1552662ef22a2",
            "log_mirna_omics": "cd35d532d25ec41f002297627b956e47213b5ed03c5c8b9ecd357bf7c4ca3188",
            "clinical": "21f6829e1b96cf573e71f733bf334b17f277e4dab1330fa3640839f7f037b2a7"},
    "kidney": {"survival": "e82d16adb1d1e8fab38730d90756191538ee5a8e46a6a512a06ea9574f47eef8",
               "mirna": "e073c3b8492c608dc1e0f11cf1dc32f7b52b7394ed19659bdda71384cf0bb86d",
               "log_mirna": "1e5b3060b8c3bf865ccbb639268ce7db1f98fe858f8d1b7fc0a48a56f9e57b85",
               "log_mirna_omics": "2cc575ed860b6ab121bedc33475bfb3efa77237e142b9826f681fa2b3118c3a0",
               "clinical": "46a4ea6a2e07b99beeb1690729fcbec5c54178edfe2e5bec4541eef9b1700068"},
    "liver": {"survival": "56039ba773abe49436383cdb8d4d496ff218c7cc8f5632d37615897ad7597383",
              "mirna": "56f2a4bcb9dcb0e0d46516d08ab7fe845f96ae655c63791eaa860acf0d151eb6",
              "log_mirna": "9e3552b70f228d96729bc5043b5536b91c3d4486ba6a56f3421013943ad4094d",
              "log_mirna_omics": "d05e363e91ea728936573039a4e4340c2ad7b323ac5a4dd0bbeee0e25a77980e",
              "clinical": "d6f400ffcd68facbe26330b68105770064376480742d079e80c7f965f65e6e16"},
    "lung": {"survival": "f09690909f8d6cb264432576b140dcce0598bb2b6dbea4f8156a8ad9204ad5a7",
             "mirna": "37b5f1c731dd562dd712cae958c1030df27dafcc9fa663611dde10614c361c66",
             "log_mirna": "b8bdbf217e89caf9206ab5f28672e56e75d45130ae348db78353d8767da72e05",
             "log_mirna_omics": "d63a3e43a032b4e33f0448442f6cf852e68b7ad2bb85a1ad94dc1cc1c6ce4653",
             "clinical": "ba4dc84b3ea9a0a1166eb573618fc3f55934a3eaac5e6bf7685882c8ff32c79a"},
    "melanoma": {"survival": "800e5b3169db0ad11b1af341e806db66792ab209b124c2413bf51d55b04aa90b",
                 "mirna": "ba83c4d0ad6cfd61766f9820ba7c9a4b0dd996baaa8c3f500e8e236069c17db9",
                 "clinical": "48af9fc8a01cd460e8ec865aa71364b9e8422c208da3c97277537db37f665db1"},
    "ovarian": {"survival": "56a9164dcec581f6439fa8d0647029dee57a502a13ed685a83b99f18efd5ea38",
                "mirna": "2344f4c1abc42a1ee0d8c065502e131b725ef946104aa8d4e075c8b98388be66",
                "log_mirna": "a74634742704892caad7bbd6b63ad1f4bb9ff8dfed2e4767ed0ce769ecf531e1",
                "log_mirna_omics": "41d5d7c356daa620806c98b9dd5be15e9d28790b6ebe2471ba4465cc49afec1f",
                "clinical": "7517dfe7f068861bd5f78a0b70cd0a4dae77ed3d6e916309268d43348a80b950"},
    "sarcoma": {"survival": "5e82537e1511443288d306a5b11b3c0ea5103d6ad7496843101f7742205a94bb",
                "mirna": "21acf2d1f38de3a040f13931b64f1c8194046f444850d7571d7c5614c75a445f",
                "log_mirna": "1ce84dc3171e2d3d9979afbb5b254f17e9a14cfa851bd6cbe2c9d33ea64e3e0a",
                "log_mirna_omics": "5414b47ecf3e9a95594e51477f56b261751bcaae1d0fb44d153617c3ec9b90af",
                "clinical": "e508de1ad3d491d80e36fe882c93711773734116dbe591e838ea8e7ca45b2726"},
}
_BENCH_SURV_SHA = {
    "aml": "791b822453d9c73250e818b25a0de14c4e394dcc0157906d5ed7db1b6b9944e8",
    "brca": "42d13a51c7ce17a5e745c6fb4bac165af5d630f8d2f83341ccc9700cb5e55d99",
    "coad": "542402597f00fe27f2863946c567310393044ad04591deeefdf789fc266bb5ce",
    "gbm": "bc7c6646d4256662e9a0dda11d4a57f84ee14a7a43241a223cc9c8d0fd0f9fe3",
    "kirc": "ca9720eb7f32586d30805db6252de26801bf9da1965d04ff8c0b46a34a70affa",
    "lihc": "f84150641f4b64de880d4ea41b1d50b9046cf9b2ca6d216fa3776d04154c6609",
    "lusc": "bb07847cdabf605b9ba739a47ad8a0e1bd2aa5f2fbf7d9a66023f422726a2cbe",
    "ov": "7b0bc814914a195ec97d8a7b786507e580dd4a734aa8a5b310e9f95531440056",
    "sarc": "26ecfdf62a0b50adb1289d64e66abe418326e9967cf039955dcdabfe178212dc",
    "skcm": "18775ed7c9d853232568d501c7fa75ae44d6cce0ae6bc04331d9ad5bfb0ba661",
}


def _files():
    out = []
    desc = {"survival": "survival: PatientID, Survival (days), Death (0/1)",
            "mirna": "raw miRNA, miRNA x samples, space-separated",
            "log_mirna": "log2(x+1) miRNA with sample ids",
            "log_mirna_omics": "benchmark-processed log2 miRNA, features x samples, no ids",
            "clinical": "TCGA/Xena clinical matrix"}
    for c in CANCERS:
        for key in ("survival", "mirna", "log_mirna", "log_mirna_omics", "clinical"):
            local_name = {"log_mirna_omics": "log_mirna_omics.txt"}.get(key, key)
            url = (f"{DLMO}/R-scripts/data/clinical/{c}" if key == "clinical"
                   else f"{DLMO}/python-scripts/data/cancer/{c}/{local_name}")
            local = f"rappoport/clinical/{c}" if key == "clinical" else f"rappoport/{c}/{local_name}"
            sha = _SHA[c].get(key)
            out.append(FileSpec(f"{c}_{key}", local if sha else None, url, sha, f"{c}: {desc[key]}"))
        # absent here: the benchmark-processed expression and methylation matrices
        out.append(FileSpec(f"{c}_log_exp_omics", None, f"{DLMO}/python-scripts/data/cancer/{c}/log_exp_omics.txt",
                            None, f"{c}: benchmark-processed log2 expression, features x samples, no ids"))
        out.append(FileSpec(f"{c}_methy_omics", None, f"{DLMO}/python-scripts/data/cancer/{c}/methy_omics.txt",
                            None, f"{c}: benchmark-processed methylation, features x samples, no ids"))
        code = TCGA_CODE[c]
        out.append(FileSpec(f"{c}_benchmark_survival", f"rappoport/survival_benchmark_sets/{code}.survival",
                            f"{DCMC}/data/survival/{code}.survival", _BENCH_SURV_SHA[code],
                            f"{c}: survival restricted to the benchmark patient set"))
    return tuple(out)


RAPPOPORT = register(DatasetSpec(
    id="rappoport_benchmark",
    title="Rappoport & Shamir multi-omics cancer benchmark (10 TCGA cancers) as staged by DL-mo",
    papers=("p3",),
    homepage="http://acgt.cs.tau.ac.il/multi_omic_benchmark/download.html",
    license="TCGA open access; DL-mo repository states no licence",
    citation="Rappoport & Shamir (2018) Nucleic Acids Res 46:10546; Leng et al. (2022) Genome Biol 23:171",
    bibkey="rappoport2018benchmark",
    notes="Locally: survival + clinical for 10 cancers; miRNA for 9 (no breast; gbm without sample ids; "
          "melanoma raw only). Expression and methylation are missing (DL-mo blobs too large to mirror).",
    files=_files(),
))


def _norm_id(s: str) -> str:
    return str(s).strip().strip('"').replace(".", "-")


def read_mirna(path, log: bool) -> pd.DataFrame:
    """A miRNA matrix with a header of sample ids and miRNA names in the first column -> samples x miRNA."""
    try:
        df = pd.read_csv(path, sep=r"\s+", engine="python", index_col=0)
    except Exception as e:
        raise DataError(f"cannot read {path} as a whitespace-separated miRNA matrix: {e}") from e
    if df.shape[1] == 0:
        raise DataError(f"{path}: expected miRNA x samples with a header of sample ids, found no sample columns")
    df = require_numeric(df, path, "miRNA").T
    df.index = [_norm_id(i) for i in df.index]
    if not log:
        if (df < 0).any().any():
            raise DataError(f"{path}: raw miRNA counts must be >= 0")
        df = np.log2(df + 1)
    return df


def read_bare_matrix(path, n_samples: int | None = None) -> pd.DataFrame:
    """DL-mo ``*_omics.txt``: bare numeric features x samples (no names) -> samples x features."""
    try:
        arr = np.loadtxt(path, dtype=float, ndmin=2)
    except ValueError as e:
        raise DataError(f"{path}: expected a bare whitespace-separated numeric matrix: {e}") from e
    if n_samples is not None and arr.shape[1] != n_samples:
        raise DataError(f"{path}: expected {n_samples} sample columns, found {arr.shape[1]}")
    return pd.DataFrame(arr.T, index=[f"sample{i + 1}" for i in range(arr.shape[1])],
                        columns=[f"f{j + 1}" for j in range(arr.shape[0])])


def read_survival(path) -> pd.DataFrame:
    """``time`` (days) and ``event`` indexed by normalised sample id; rows lacking either are dropped."""
    df = read_table(path, required=["PatientID", "Survival", "Death"], sep="\t")
    df.index = [_norm_id(i) for i in df["PatientID"]]
    out = pd.DataFrame({"time": pd.to_numeric(df["Survival"], errors="coerce"),
                        "event": pd.to_numeric(df["Death"], errors="coerce")}, index=df.index)
    bad = set(out["event"].dropna().unique()) - {0, 1}
    if bad:
        raise DataError(f"{path}: Death must be 0/1, found {sorted(bad)}")
    dropped = int(out.isna().any(axis=1).sum())
    out = out.dropna().astype({"event": int})
    dup = out.index.duplicated()
    if dup.any():  # the benchmark files repeat some ids; differing copies would be ambiguous
        conflict = out[out.index.duplicated(keep=False)].groupby(level=0).nunique().gt(1).any(axis=1)
        if conflict.any():
            raise DataError(f"{path}: conflicting survival rows for ids {conflict[conflict].index[:3].tolist()}")
        out = out[~dup]
    out.attrs["dropped"] = dropped
    out.attrs["duplicates_removed"] = int(dup.sum())
    return out


def mirna_source(cancer: str) -> str | None:
    """Which miRNA file exists locally: 'log_mirna_omics' (benchmark input), 'log_mirna', 'mirna' or None."""
    for key in ("log_mirna_omics", "log_mirna", "mirna"):
        if _SHA[cancer].get(key) and available(RAPPOPORT.id, f"{cancer}_{key}"):
            return key
    return None


def load_cancer(cancer: str, *, with_ids: bool = False) -> Loaded:
    """One cancer's omics that exist locally (plus expression/methylation where downloaded) and survival.

    ``with_ids=False`` prefers the benchmark's own processed matrices (exact DL-mo input, no sample
    ids; fine for internal clustering indices). ``with_ids=True`` uses id-bearing miRNA (log2(x+1))
    so that clusters can be joined to survival.
    """
    if cancer not in CANCERS:
        raise ValueError(f"unknown cancer {cancer!r}; expected one of {CANCERS}")
    tables, files, report = {}, [], []
    order = ("log_mirna", "mirna") if with_ids else ("log_mirna_omics", "log_mirna", "mirna")
    for key in order:
        if _SHA[cancer].get(key) and available(RAPPOPORT.id, f"{cancer}_{key}"):
            path = locate(RAPPOPORT.id, f"{cancer}_{key}")
            if key == "log_mirna_omics":
                tables["mirna"] = read_bare_matrix(path, BENCHMARK_N[cancer])
            else:
                tables["mirna"] = read_mirna(path, log=key == "log_mirna")
                if key == "mirna":
                    report.append("miRNA log2(x+1)-transformed from raw counts")
            files.append(FileRecord.of(path))
            report.append(f"miRNA from {path.name}")
            break
    for omic in ("log_exp_omics", "methy_omics"):
        if available(RAPPOPORT.id, f"{cancer}_{omic}"):
            path = locate(RAPPOPORT.id, f"{cancer}_{omic}")
            tables["expression" if "exp" in omic else "methylation"] = read_bare_matrix(path, BENCHMARK_N[cancer])
            files.append(FileRecord.of(path))
    if not tables:
        raise MissingDataError(f"no omics matrix for {cancer!r} is available locally; "
                               f"get {RAPPOPORT.homepage} or the DL-mo files registered under {RAPPOPORT.id!r}")
    n = {t.shape[0] for t in tables.values()}
    if len(n) > 1:
        raise DataError(f"{cancer}: omics have different sample counts {sorted(n)}")
    spath = locate(RAPPOPORT.id, f"{cancer}_survival")
    surv = read_survival(spath)
    files.append(FileRecord.of(spath))
    if surv.attrs.get("dropped"):
        report.append(f"survival: dropped {surv.attrs['dropped']} rows lacking time or event")
    if surv.attrs.get("duplicates_removed"):
        report.append(f"survival: removed {surv.attrs['duplicates_removed']} identical duplicate rows")
    has_ids = not next(iter(tables.values())).index[0].startswith("sample")
    if has_ids:
        nodup = ~next(iter(tables.values())).index.duplicated()
        if (~nodup).any():
            report.append(f"dropped {(~nodup).sum()} duplicated sample ids")
            tables = {k: t[nodup] for k, t in tables.items()}
    omics = sorted(tables)
    complete = {"expression", "methylation", "mirna"} <= set(tables)
    prov = Provenance("full" if complete else "real-subset", (RAPPOPORT.id,),
                      f"Rappoport benchmark {cancer}: {next(iter(tables.values())).shape[0]} samples; omics used: "
                      + ", ".join(f"{o} {tables[o].shape[1]}" for o in omics), tuple(files),
                      () if complete else ("expression and methylation not available locally: miRNA only",))
    return Loaded(tables, prov, meta={"survival": surv, "has_ids": has_ids, "omics": omics, "cancer": cancer},
                  report=report)


def available_cancers() -> list[str]:
    """Cancers with at least one omics matrix locally; raises :class:`MissingDataError` if none has."""
    found = [c for c in CANCERS if mirna_source(c) or available(RAPPOPORT.id, f"{c}_log_exp_omics")]
    if not found:
        raise MissingDataError(f"no cancer of {RAPPOPORT.id!r} has an omics matrix locally (dataset "
                               f"{RAPPOPORT.id!r}); get {RAPPOPORT.homepage} or the DL-mo files it registers")
    return found
