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
