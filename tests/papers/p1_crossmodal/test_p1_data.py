"""p1 data: METABRIC loaders fail clearly on bad input and reproduce the curated complete-case set."""

import zipfile

import numpy as np
import pandas as pd
import pytest

from omicslib.data import available, metabric
from omicslib.data.fetch import DataError

HAVE_SUBSET = all(available(ds, key) for ds, key in (
    (metabric.KAGGLE.id, "zip"), (metabric.DRGA.id, "cna"), (metabric.CBIO_2018.id, "mutations"),
    (metabric.CBIO_2018.id, "clinical_patient")))


def test_kaggle_zip_without_expected_columns_raises(tmp_path):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("METABRIC_RNA_Mutation.csv", "patient_id,age\n1,50\n")
    with pytest.raises(DataError, match="missing"):
        metabric.read_kaggle(path)
    path.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="zip"):
        metabric.read_kaggle(path)


def test_cna_must_be_discrete_calls():
    ok = pd.DataFrame({"A": [-2.0, 0.0, 2.0]})
    assert metabric._check_cna(ok, "x") is ok
    with pytest.raises(DataError, match="discrete"):
        metabric._check_cna(pd.DataFrame({"A": [0.5, 1.0, 0.0]}), "cna.csv")


def test_cbio_reader_handles_cr_and_comment_lines():
    raw = b"#meta\r#more\rPATIENT_ID\tCLAUDIN_SUBTYPE\rMB-0001\tLumA\rMB-0002\tBasal\r"
    import io

    df = metabric._read_cbio(io.BytesIO(raw), "clin.txt", ["PATIENT_ID"])
    assert df.shape == (2, 2) and df["CLAUDIN_SUBTYPE"].tolist() == ["LumA", "Basal"]
    with pytest.raises(DataError, match="CLAUDIN_SUBTYPE"):
        metabric._read_cbio(io.BytesIO(raw), "clin.txt", ["CLAUDIN_SUBTYPE", "OS"])


@pytest.mark.skipif(not HAVE_SUBSET, reason="METABRIC real subset not in the data mirror")
def test_real_subset_matches_curated_complete_cases():
    d = metabric.load("real-subset")
    assert d.provenance.kind == "real-subset"
    assert d["exp"].shape[1] == 489 and d["cna"].shape[1] == 31
    assert d.labels.value_counts().to_dict() == {"LumA": 673, "LumB": 454, "Her2": 218, "Basal": 198}
    ref = metabric.complete_case_labels()
    assert set(ref.index) == set(d.labels.index)
    assert (ref.loc[d.labels.index] == d.labels).all()
    assert any("without expression" in r for r in d.report)
    assert set(d["mutations"]["sample"]) == set(d.labels.index)
    assert np.isfinite(d["exp"].to_numpy()).all()


def test_full_study_tarball_is_read(tmp_path, monkeypatch):
    """load('full') on a tiny fake of the cBioPortal tarball (same member names and layout)."""
    import io
    import tarfile

    samples = ["MB-0001", "MB-0002", "MB-0003", "MB-0004"]
    members = {
        "brca_metabric/data_mrna_illumina_microarray_zscores_ref_all_samples.txt":
            "Hugo_Symbol\tEntrez_Gene_Id\t" + "\t".join(samples) + "\nESR1\t1\t1\t2\t3\t4\nESR1\t1\t3\t2\t1\t0\n"
            "KRT5\t2\t0.1\t0.2\t0.3\tNA\nERBB2\t3\t1\t1\t1\t1\n",
        "brca_metabric/data_cna.txt": "Hugo_Symbol\tEntrez_Gene_Id\t" + "\t".join(samples[:3])
            + "\nERBB2\t3\t2\t0\t-1\nGRB7\t4\t1\t0\t0\n",
        "brca_metabric/data_mutations.txt": "#version 2.4\nHugo_Symbol\tTumor_Sample_Barcode\tVariant_Classification\n"
            "TP53\tMB-0001\tMissense_Mutation\nPIK3CA\tMB-0002\tSilent\nTP53\tMB-0004\tNonsense_Mutation\n",
        "brca_metabric/data_clinical_patient.txt": "#a\n#b\n#c\n#d\nPATIENT_ID\tCLAUDIN_SUBTYPE\n"
            "MB-0001\tLumA\nMB-0002\tBasal\nMB-0003\tNormal\nMB-0004\tHer2\n",
    }
    cache = tmp_path / "cache"
    (cache / metabric.FULL.id).mkdir(parents=True)
    with tarfile.open(cache / metabric.FULL.id / "brca_metabric.tar.gz", "w:gz") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    monkeypatch.setenv("OMICSLIB_CACHE", str(cache))
    monkeypatch.setenv("OMICSLIB_OFFLINE", "1")
    d = metabric.load("full")
    assert d.provenance.kind == "full"
    # MB-0003 is Normal, MB-0004 has no CNA: only MB-0001 (LumA) and MB-0002 (Basal) remain
    assert d.labels.to_dict() == {"MB-0001": "LumA", "MB-0002": "Basal"}
    assert list(d["exp"].columns) == ["ERBB2", "ESR1"]          # KRT5 dropped (missing value)
    assert d["exp"].loc["MB-0001", "ESR1"] == 2.0               # duplicate rows averaged
    assert d["cna"].loc["MB-0001", "ERBB2"] == 2.0
    assert any("duplicate" in r for r in d.report) and any("missing values" in r for r in d.report)
