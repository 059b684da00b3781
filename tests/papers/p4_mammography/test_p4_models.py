"""p4: CBAM, the single-channel DenseNet121 stem, the backbones and Grad-CAM."""

import numpy as np
import pytest
import torch
from torchvision.models import densenet121

from omicslib.papers.p4_mammography.gradcam import gradcam_maps
from omicslib.papers.p4_mammography.model import (
    ARCHS,
    CBAM,
    ChannelAttention,
    DenseNetCBAM,
    SpatialAttention,
    _densenet_keys,
    adapt_stem,
    build,
)
from omicslib.runtime import set_threads

set_threads(1)



def test_cbam_shapes_ranges_and_formula():
    torch.manual_seed(0)
    x = torch.randn(2, 32, 6, 5) * 5
    cbam = CBAM(32, reduction=16, kernel_size=7)
    mc = cbam.channel(x)
    assert mc.shape == (2, 32, 1, 1)
    assert torch.all((mc > 0) & (mc < 1))
    y = x * mc
    ms = cbam.spatial(y)
    assert ms.shape == (2, 1, 6, 5)
    assert torch.all((ms > 0) & (ms < 1))
    out = cbam(x)
    assert out.shape == x.shape
    torch.testing.assert_close(out, y * ms)
    # the MLP is two 1x1 convolutions with reduction 16
    convs = [m for m in cbam.channel.mlp if isinstance(m, torch.nn.Conv2d)]
    assert [tuple(c.weight.shape) for c in convs] == [(2, 32, 1, 1), (32, 2, 1, 1)]
    assert cbam.spatial.conv.kernel_size == (7, 7)


def test_channel_attention_hand_value():
    ca = ChannelAttention(4, reduction=2, pools=("avg",))
    with torch.no_grad():
        for m in ca.mlp:
            if isinstance(m, torch.nn.Conv2d):
                m.weight.fill_(1.0)
    x = torch.ones(1, 4, 3, 3)  # avg = 1 per channel -> hidden = relu(4) -> out = 2 * 4 = 8 per channel
    torch.testing.assert_close(ca(x), torch.sigmoid(torch.full((1, 4, 1, 1), 8.0)))
    with pytest.raises(ValueError):
        ChannelAttention(4, pools=("median",))
    with pytest.raises(ValueError):
        SpatialAttention(6)


@pytest.fixture(scope="module")
def rgb():
    torch.manual_seed(1)
    m = densenet121(weights=None).eval()
    # non-trivial BatchNorm statistics so that a scale error would show
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 2.0)
    return m


@pytest.mark.numerics
def test_single_channel_stem_equals_rgb_on_replicated_grey(rgb):
    # float32 bounds: the one-channel stem sums the three RGB kernels before the convolution instead of after
    # it, then 120 layers carry that rounding; features reach 2.8, and the difference stays within ~4 float32
    # epsilons of it (measured 5e-7 under the AVX-512, AVX2 and scalar kernels), far inside 1e-4, while a
    # wrong scale (the mean stem on the unscaled image, below) differs by 0.7
    x = torch.rand(2, 1, 32, 32)
    want = rgb.features(x.repeat(1, 3, 1, 1))
    summed = DenseNetCBAM(3, cbam_blocks=(), state_dict=rgb.state_dict(), stem="sum").eval()
    torch.testing.assert_close(summed.features(x), want, rtol=1e-4, atol=1e-4)
    # the paper's average = a third of the summed kernel: equal on a 3x brighter grey image
    mean = DenseNetCBAM(3, cbam_blocks=(), state_dict=rgb.state_dict(), stem="mean").eval()
    torch.testing.assert_close(mean.features(3 * x), want, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(mean.features(x), want, atol=1e-3)
    torch.testing.assert_close(mean.features.conv0.weight, rgb.features.conv0.weight.mean(1, keepdim=True))


def test_adapt_stem_bad_input():
    conv = torch.nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError):
        adapt_stem(conv, in_chans=2)
    with pytest.raises(ValueError):
        adapt_stem(conv, mode="max")


def test_cbam_positions_and_backbones():
    m = DenseNetCBAM(4)
    names = [n for n, _ in m.features.named_children()]
    assert names[:2] == ["conv0", "dropout0"]
    for k in (1, 2, 3):
        assert names.index(f"cbam{k}") == names.index(f"denseblock{k}") + 1
    assert "cbam4" not in names
    assert m.features.cbam3.channel.mlp[0].in_channels == 1024
    plain = DenseNetCBAM(4, cbam_blocks=())
    assert not any(n.startswith("cbam") for n, _ in plain.features.named_children())
    x = torch.randn(2, 1, 32, 32)
    for arch in ARCHS:
        model, report = build(arch, 3, pretrained=False, image_size=32 if arch != "vit_b_16" else 32)
        model.eval()
        assert model(x).shape == (2, 3), arch
        assert report.arch == arch and report.random_init and report.note
    with pytest.raises(ValueError):
        build("resnet50", 2)
    with pytest.raises(ValueError):
        build("simple_cnn", 1)


def test_missing_weights_note(monkeypatch, tmp_path):
    monkeypatch.setenv("OMICSLIB_WEIGHTS", str(tmp_path))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    _, report = build("densenet121_cbam", 2)
    assert "random initialisation" in report.note and report.weights.pretrained is False
    assert report.to_dict()["weights"]["sha256"] == ""


def test_legacy_densenet_keys_renamed():
    sd = {"features.denseblock1.denselayer1.norm.1.weight": 1, "features.denseblock1.denselayer1.conv.2.weight": 2,
          "features.conv0.weight": 3}
    assert _densenet_keys(sd) == {"features.denseblock1.denselayer1.norm1.weight": 1,
                                  "features.denseblock1.denselayer1.conv2.weight": 2, "features.conv0.weight": 3}


def test_gradcam_maps_at_input_size():
    torch.manual_seed(0)
    model = DenseNetCBAM(3).eval()
    x = torch.randn(2, 1, 40, 36)
    maps = gradcam_maps(model, x, layers=("features.denseblock1", "features.cbam3"), targets=[0, 2])
    assert list(maps) == ["features.denseblock1", "features.cbam3"]
    for m in maps.values():
        assert m.shape == (2, 40, 36)
        assert np.all((m >= 0) & (m <= 1 + 1e-6))
    with pytest.raises(ValueError, match="no layer"):
        gradcam_maps(model, x, layers=("features.nope",))
    with pytest.raises(ValueError):
        gradcam_maps(model, x[0], layers=("features.cbam1",))


def test_overlay_frames_one_row_per_image_and_layer_with_unique_labels():
    import numpy as np

    from omicslib.papers.p4_mammography.gradcam import overlay_frames

    images = np.random.default_rng(0).random((2, 8, 8))
    maps = {"features.pool0": np.ones((2, 8, 8)), "features.denseblock1": np.zeros((2, 8, 8))}
    frames = overlay_frames(images, maps, ["Luminal B (CC)", "Luminal B (CC)"])
    assert len(frames) == 4 and frames["image"].nunique() == 2 and set(frames["layer"]) == {"pool0", "denseblock1"}
    assert frames.loc[0, "rgb"].shape == (8, 8, 3)
    with pytest.raises(ValueError, match="titles"):
        overlay_frames(images, maps, ["one"])


def test_architecture_matches_molsub_count():
    # measured by building the authors' code beside ours: molsub's own MolSub class (5 classes) has 7,125,035
    # parameters and 736 state-dict keys;
    # ours must match (same structure: DenseNet121, 1-channel stem, CBAM after blocks 1-3, linear head)
    model, _ = build("densenet121_cbam", 5, pretrained=False, image_size=224)
    assert sum(p.numel() for p in model.parameters()) == 7_125_035
    assert len(model.state_dict()) == 736
    # by hand: each extra class adds 1024 weights + 1 bias to the head
    two, _ = build("densenet121_cbam", 2, pretrained=False, image_size=224)
    assert sum(p.numel() for p in model.parameters()) - sum(p.numel() for p in two.parameters()) == 3 * 1025
