import base64
import io
import json
import re

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("plotly")

from omicslib.book import interactive as I  # noqa: E402


def _cells():
    rows = []
    for k in (300, 1000):
        for v in ("EXP", "EXP+CNA"):
            for t in ("A", "B"):
                for p in ("A", "B"):
                    rows.append({"K": k, "variant": v, "true": t, "predicted": p,
                                 "count": (10 if t == p else 1) + k // 100 + (v == "EXP+CNA")})
    return pd.DataFrame(rows)


def _scores():
    return pd.DataFrame([{"K": k, "variant": v, "fold": f, "f1": 0.5 + 0.1 * f + (k == 1000) * 0.01}
                         for k in (300, 1000) for v in ("EXP", "EXP+CNA") for f in range(3)])


def test_heatmap_explorer_holds_every_combination_with_its_matrix_and_score():
    ex = I.heatmap_explorer(_cells(), ["K", "variant"], x="predicted", y="true", value="count", scores=_scores(),
                            score="f1", score_by="fold", score_label="macro-F1", orders={"true": ["B", "A"]},
                            sliders=["K"], provenance="real-subset", caption="cap")
    assert ex.controls == {"K": [300, 1000], "variant": ["EXP", "EXP+CNA"]}
    assert len(ex.traces) == 4 and len(ex.figure.data) == 4 * 3  # heat map, fold points, mean line
    heat = ex.figure.data[ex.visible({"K": 1000, "variant": "EXP+CNA"})[0]]
    # rows follow the given order (B first); K=1000 EXP+CNA: diagonal 10 + 10 + 1, off-diagonal 1 + 10 + 1
    assert heat.y == ("B", "A") and heat.x == ("A", "B")
    assert np.array_equal(np.asarray(heat.z), [[12, 21], [21, 12]])
    assert heat.text[0][1] == "21"  # counts shown as integers
    # title: mean and SD of the three folds (0.51, 0.61, 0.71) by hand
    assert "0.610 ± 0.100 (n = 3)" in ex.titles[(1, 1)]
    # only the first combination is visible at first
    assert [bool(t.visible) for t in ex.figure.data] == [True] * 3 + [False] * 9
    assert [s["name"] for s in ex.figure.layout.sliders] == ["K"]
    assert [m["name"] for m in ex.figure.layout.updatemenus] == ["variant"]
    assert all(b["method"] == "skip" for b in ex.figure.layout.updatemenus[0]["buttons"])


def test_heatmap_explorer_names_what_is_missing():
    cells = _cells()
    with pytest.raises(ValueError, match="no column 'count2'"):
        I.heatmap_explorer(cells, ["K"], x="predicted", y="true", value="count2")
    gap = cells[~((cells.K == 1000) & (cells.variant == "EXP"))]
    with pytest.raises(ValueError, match=r"no cells for \{'K': 1000, 'variant': 'EXP'\}"):
        I.heatmap_explorer(gap, ["K", "variant"], x="predicted", y="true", value="count")
    with pytest.raises(ValueError, match="not in the given order"):
        I.heatmap_explorer(cells, ["K"], x="predicted", y="true", value="count", orders={"K": [300]})
    with pytest.raises(ValueError, match="several rows"):
        I.heatmap_explorer(cells, ["K"], x="predicted", y="true", value="count")
    with pytest.raises(ValueError, match="sliders"):
        I.heatmap_explorer(cells, ["K", "variant"], x="predicted", y="true", value="count", sliders=["fold"])


def test_explorer_html_is_self_contained_and_clean():
    ex = I.heatmap_explorer(_cells(), ["K", "variant"], x="predicted", y="true", value="count",
                            caption="Confusion <pooled>", provenance="synthetic")
    page = ex.html()
    assert "_static/plotly.min.js" in page and "content_root" in page
    assert "Confusion &lt;pooled&gt;" in page and "SYNTHETIC" in page
    fig = json.loads(re.search(r'id="[^"]+-figure">(.*?)</script>', page, re.S).group(1))
    meta = json.loads(re.search(r'id="[^"]+-meta">(.*?)</script>', page, re.S).group(1))
    assert len(fig["data"]) == meta["n_traces"] == 4
    assert meta["traces"] == {"0|0": [0], "0|1": [1], "1|0": [2], "1|1": [3]}
    assert [c["kind"] for c in meta["controls"]] == ["menu", "menu"]
    assert " object at 0x" not in repr(ex) and repr(ex).startswith("Interactive explorer")
    assert ex._repr_html_() == page
    for leak in ("/work/", "/tmp/", "/home/", "PosixPath("):
        assert leak not in page


def test_image_explorer_embeds_each_image_once():
    rng = np.random.default_rng(0)
    frames = pd.DataFrame([{"image": im, "layer": layer, "rgb": rng.integers(0, 255, (8, 6, 3), dtype=np.uint8)}
                           for im in ("case 1", "case 2") for layer in ("pool0", "denseblock1", "cbam1")])
    order = ["pool0", "denseblock1", "cbam1"]
    ex = I.image_explorer(frames, ["image", "layer"], orders={"layer": order}, sliders=["layer"], max_side=None)
    assert ex.controls["layer"] == order and len(ex.figure.data) == 6
    tr = ex.figure.data[ex.visible({"image": "case 2", "layer": "cbam1"})[0]]
    from PIL import Image

    png = Image.open(io.BytesIO(base64.b64decode(tr.source.split(",", 1)[1])))
    assert np.array_equal(np.asarray(png), frames.loc[5, "rgb"])
    with pytest.raises(ValueError, match="2 images for"):
        I.image_explorer(pd.concat([frames, frames.iloc[:1]]), ["image", "layer"])
    with pytest.raises(ValueError, match="uint8"):
        I.png_data_uri(np.zeros((4, 4)))


def test_png_data_uri_shrinks_to_max_side():
    uri = I.png_data_uri(np.zeros((40, 20, 3), dtype=np.uint8), max_side=10)
    from PIL import Image

    assert Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).size == (5, 10)


def test_install_js_copies_the_package_bundle_once(tmp_path):
    dst = I.install_js(tmp_path / "_static")
    assert dst.read_bytes()[:200] == I.plotly_js().read_bytes()[:200]
    mtime = dst.stat().st_mtime_ns
    assert I.install_js(tmp_path / "_static").stat().st_mtime_ns == mtime
    assert re.fullmatch(r"\d+\.\d+\.\d+", I.plotly_version())
