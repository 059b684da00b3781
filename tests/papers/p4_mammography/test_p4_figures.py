"""p4 Grad-CAM figures as drawn: one colour bar whose colours are the overlay's own (the package's JET map),
and labels readable on the page."""

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1]))
from figure_px import MIN_PX, book_style, smallest_px  # noqa: E402

from omicslib.papers.p4_mammography import figures as F  # noqa: E402
from omicslib.papers.p4_mammography import gradcam as G  # noqa: E402

TITLES = ["Luminal A (CC)", "Luminal B (MLO)", "HER2-enriched (CC)", "Triple negative (MLO)"]


def _maps(n=4, size=32):
    yy, xx = np.mgrid[:size, :size]
    blob = np.stack([np.exp(-((yy - 8 - 4 * i) ** 2 + (xx - 16) ** 2) / 40) for i in range(n)]).astype(np.float32)
    return {name: blob for name in G.DENSENET_CBAM_LAYERS}


def _colour_bars(fig):
    return [ax for ax in fig.axes if ax.get_ylabel().startswith("Grad-CAM, scaled to [0, 1]")]


def test_colour_bar_colours_are_the_overlay_colours_of_pytorch_grad_cam():
    # a ramp over the 256 levels with no image weight: the overlay is the package's heat map alone (its final
    # division by the maximum is by 1, as JET reaches full red), so level i must be the bar's entry i
    ramp = ((np.arange(256) + 0.5) / 255).clip(0, 1).astype(np.float32)[None, :]
    heat = G.overlay(np.zeros((1, 256)), ramp, weight=0.0)[0] / 255
    np.testing.assert_allclose(G.cam_colormap()(np.arange(256))[:, :3], heat, atol=1 / 255)


def test_layer_grid_has_one_colour_bar_and_renders_at_least_10px():
    rng = np.random.default_rng(0)
    with book_style():
        fig = G.layer_grid(rng.random((4, 32, 32)), _maps(), TITLES)
    (bar,) = _colour_bars(fig)
    assert bar.get_ylim() == (0.0, 1.0)
    assert len(fig.axes) == (len(G.DENSENET_CBAM_LAYERS) + 1) * 4 + 1
    text, px = smallest_px(fig)
    assert px >= MIN_PX, (text, px)
    plt.close(fig)


def test_binary_gradcam_figure_has_one_colour_bar_and_renders_at_least_10px():
    rng = np.random.default_rng(0)
    img, cam = rng.random((32, 32)), _maps(1)["features.cbam1"][0]
    rows = [dict(task=t, label=lab, image=img, cam=cam) for t, labs in
            (("tn", ("non-TN", "TN (misclassified)")), ("luminal", ("Luminal", "non-Luminal")), ("her2", ("HER2+", "HER2-")))
            for lab in labs]
    with book_style():
        fig = F.binary_gradcam_figure(rows)
    assert len(_colour_bars(fig)) == 1
    text, px = smallest_px(fig)
    assert px >= MIN_PX, (text, px)
    plt.close(fig)
