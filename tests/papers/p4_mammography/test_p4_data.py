"""p4: the CMMD loaders (real clinical table, DICOM join), the synthetic ROIs and the Table 1 builder."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as ss

from omicslib.data import DataError, available, cmmd
from omicslib.papers.p4_mammography import clinical_table

needs_cmmd = pytest.mark.skipif(not available("cmmd", "clinical"), reason="CMMD clinical table not available")


@needs_cmmd
def test_real_clinical_table():
    d = cmmd.load_clinical()
    sub = d["subtyped"]
    assert len(sub) == 749 and sub.index.is_unique
    assert sub["subtype"].value_counts().to_dict() == {"Luminal B": 376, "Luminal A": 152, "HER2-enriched": 135,
                                                        "Triple negative": 86}
    assert len(d["breasts"]) == 1872
    assert any("1123" in r for r in d.report)
    assert d.provenance.kind == "other-cohort" and "not a reproduction" in d.provenance.notes[0]


@needs_cmmd
def test_dicom_loader_joins_laterality(tmp_path):
    pytest.importorskip("pydicom")
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    sub = cmmd.load_clinical()["subtyped"]
    pid = sub.index[0]
    side = sub.loc[pid, "side"]
    other = "R" if side == "L" else "L"
    folder = tmp_path / "CMMD" / pid / "study" / "series"
    folder.mkdir(parents=True)
    for i, (lat, view) in enumerate([(side, "CC"), (side, "MLO"), (other, "CC")]):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.2"
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
        ds.PatientID, ds.ImageLaterality, ds.ViewPosition = pid, lat, view
        ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 4, 5, 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.PixelData = (np.arange(20, dtype=np.uint16) + i).tobytes()
        ds.save_as(folder / f"1-{i + 1}.dcm", enforce_file_format=True)
    pd.DataFrame({"Subject ID": [pid], "File Location": [f".\\CMMD\\{pid}\\study\\series"],
                  "Number of Images": [3]}).to_csv(tmp_path / "metadata.csv", index=False)
    d = cmmd.load_images(tmp_path)
    t = d["images"]
    assert t["view"].tolist() == ["CC", "MLO"] and set(t["side"]) == {side}
    assert (t["subtype"] == sub.loc[pid, "subtype"]).all()
    assert d.meta["images"][1].shape == (4, 5) and d.meta["images"][1][0, 0] == 1
    assert any("laterality" in r for r in d.report)
    (folder / "1-1.dcm").unlink(), (folder / "1-2.dcm").unlink(), (folder / "1-3.dcm").unlink()
    with pytest.raises(DataError, match="no DICOM"):
        cmmd.load_images(tmp_path)


def test_synthetic_rois_schema():
    d = cmmd.synthetic_rois(n_patients=6, image_size=48, seed=3)
    t = d["images"]
    assert len(t) == 12 and all(v == ["CC", "MLO"] for v in t.groupby("patient")["view"].apply(list))
    assert (t.groupby("patient")["subtype"].nunique() == 1).all()
    assert d.meta["images"].shape == (12, 48, 48) and d.meta["masks"].any(axis=(1, 2)).all()
    assert d.provenance.is_synthetic
    np.testing.assert_array_equal(d.meta["images"], cmmd.synthetic_rois(n_patients=6, image_size=48, seed=3).meta["images"])


def test_table1_tests_and_rule():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"g": np.repeat(["a", "b", "c"], 30), "age": np.r_[rng.normal(50, 5, 30),
                       rng.normal(56, 5, 30), rng.normal(50, 5, 30)],
                       "rare": np.r_[["x"] * 28 + ["y"] * 2, ["x"] * 29 + ["y"], ["x"] * 27 + ["y"] * 3],
                       "common": np.r_[["u"] * 25 + ["v"] * 5, ["u"] * 5 + ["v"] * 25, ["u"] * 15 + ["v"] * 15]})
    t = clinical_table.build(df, "g", continuous={"Age": ("age", "anova")},
                             categorical={"Rare": "rare", "Common": "common"})
    tests = t.tests.set_index("variable")
    f = ss.f_oneway(*[df.loc[df.g == g, "age"] for g in "abc"])
    assert tests.loc["Age", "statistic"] == pytest.approx(f.statistic)
    assert tests.loc["Rare", "test"].startswith("likelihood-ratio")  # expected counts < 5
    assert tests.loc["Common", "test"] == "Pearson chi-square"
    assert set(t.posthoc["variable"]) == {"Age", "Common"}
    assert (t.posthoc["p_adj"] >= t.posthoc["pvalue"]).all()
    assert t.table.loc[t.table.level == "v", "b"].item() == "25 (83.3)"
    with pytest.raises(ValueError):
        clinical_table.build(df, "g", continuous={"Age": ("age", "ttest")})


def test_bad_clinical_files_raise_data_errors(tmp_path, datadir):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(DataError, match="bad.xlsx"):
        cmmd._read_xlsx_first_sheet(bad)
    # a wrong copy in the data directory fails its checksum, naming the file
    (datadir / "cmmd").mkdir()
    (datadir / "cmmd" / "CMMD_clinicaldata_revision.xlsx").write_text("x")
    with pytest.raises(DataError, match="checksum"):
        cmmd.load_clinical()
