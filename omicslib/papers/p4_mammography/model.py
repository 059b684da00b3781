"""DenseNet121-CBAM for single-channel mammogram ROIs (p4) and its comparison backbones (models only).

* :class:`CBAM` (Woo et al. 2018): channel attention with a shared MLP made of
  two 1x1 convolutions (reduction 16) over pooled descriptors, then spatial
  attention with a 7x7 convolution over the channel-wise mean and max maps;
  both attention maps pass through a sigmoid. The channel descriptors are
  average AND max pooled, as in the authors' code (molsub) and Woo et al.;
  the paper's text (Section 2.3.2) names global average pooling only
  (``pools=("avg",)`` gives that variant).
* :class:`DenseNetCBAM`: torchvision DenseNet121 with a single-channel stem
  (:func:`adapt_stem`: the ImageNet ``conv0`` weights averaged over RGB, the
  paper's "channel-adaptive" allocation), ``Dropout2d`` after ``conv0`` (as
  the authors' code), and a CBAM after dense blocks 1-3 (256, 512, 1024
  channels). With ``cbam_blocks=()`` it is the plain DenseNet121 comparator.
* comparators: ``densenet121`` (no CBAM), ``densenet121_cbam_avg`` (channel attention on average
  pooling only, the paper's text), ``mobilenet_v2``, ``resnet101``,
  ``vit_b_16`` (torchvision, single-channel stem), ``mob_cbam`` (MobileNetV3-small
  with a CBAM after feature blocks 2 and 3, as molsub's ``MOB_CBAM``),
  ``simple_cnn`` (ours: four conv blocks) and ``simple_cnn_molsub`` (molsub's
  two-layer network).
* :func:`build`: one factory for all of :data:`ARCHS`; ImageNet weights come from
  :func:`omicslib.weights.load_state_dict` (local files only), otherwise the
  model starts from random initialisation. It returns a :class:`BuildReport`
  with the :class:`~omicslib.weights.WeightsRecord` and the keys a partial
  weight load left missing or unexpected.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from omicslib.papers.p4_mammography.config import ARCH_NAMES
from omicslib.weights import WeightsRecord

ARCHS = ARCH_NAMES
#: The torchvision checkpoint each architecture starts from (None: no ImageNet weights exist).
TORCHVISION = {"densenet121_cbam": "densenet121", "densenet121": "densenet121",
               "densenet121_cbam_avg": "densenet121", "mobilenet_v2": "mobilenet_v2",
               "resnet101": "resnet101", "vit_b_16": "vit_b_16", "mob_cbam": "mobilenet_v3_small",
               "simple_cnn": None, "simple_cnn_molsub": None}
DENSE_CHANNELS = {1: 256, 2: 512, 3: 1024, 4: 1024}


class ChannelAttention(nn.Module):
    """Channel weights in (0, 1): sigmoid(MLP(avgpool) + MLP(maxpool)), MLP = 1x1 conv, ReLU, 1x1 conv."""

    def __init__(self, channels: int, reduction: int = 16, pools: tuple[str, ...] = ("avg", "max")):
        super().__init__()
        if not set(pools) <= {"avg", "max"} or not pools:
            raise ValueError(f"pools must be a non-empty subset of ('avg', 'max'), got {pools}")
        hidden = max(channels // reduction, 1)
        self.pools = tuple(pools)
        self.mlp = nn.Sequential(nn.Conv2d(channels, hidden, 1, bias=False), nn.ReLU(),
                                 nn.Conv2d(hidden, channels, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = {"avg": lambda: F.adaptive_avg_pool2d(x, 1), "max": lambda: F.adaptive_max_pool2d(x, 1)}
        return torch.sigmoid(sum(self.mlp(pooled[p]()) for p in self.pools))


class SpatialAttention(nn.Module):
    """Spatial weights in (0, 1): sigmoid(conv_k([mean_c(x), max_c(x)]))."""

    def __init__(self, kernel_size: int = 7):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        desc = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return torch.sigmoid(self.conv(desc))


class CBAM(nn.Module):
    """Convolutional block attention: ``x * Mc(x)``, then ``y * Ms(y)``; output shape = input shape."""

    def __init__(self, channels: int, reduction: int = 16, kernel_size: int = 7,
                 pools: tuple[str, ...] = ("avg", "max")):
        super().__init__()
        self.channel = ChannelAttention(channels, reduction, pools)
        self.spatial = SpatialAttention(kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x * self.channel(x)
        return y * self.spatial(y)


def adapt_stem(conv: nn.Conv2d, in_chans: int = 1, mode: str = "mean") -> nn.Conv2d:
    """A copy of an RGB stem convolution for ``in_chans`` = 1 input channel.

    ``mode="mean"`` (the paper) averages the kernels over the three input
    channels; ``mode="sum"`` sums them, so the grey model on ``x`` equals the
    RGB model on ``x`` replicated three times. With ``mean`` the first
    activation is a third of that, which the ImageNet BatchNorm statistics
    that follow do not undo (fine-tuning absorbs it).
    """
    if in_chans != 1:
        raise ValueError(f"only single-channel adaptation is implemented, got in_chans={in_chans}")
    if mode not in ("mean", "sum"):
        raise ValueError(f"mode must be 'mean' or 'sum', got {mode!r}")
    new = nn.Conv2d(1, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, conv.dilation,
                    conv.groups, conv.bias is not None)
    with torch.no_grad():
        w = conv.weight.sum(1, keepdim=True) if mode == "sum" else conv.weight.mean(1, keepdim=True)
        new.weight.copy_(w)
        if conv.bias is not None:
            new.bias.copy_(conv.bias)
    return new


_LEGACY_DENSENET_KEY = re.compile(
    r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


def _densenet_keys(state: dict) -> dict:
    """Rename keys of the original densenet121-a639ec97.pth ('norm.1.weight') to torchvision's ('norm1.weight')."""
    out = {}
    for k, v in state.items():
        m = _LEGACY_DENSENET_KEY.match(k)
        out[m.group(1) + m.group(2) if m else k] = v
    return out


def load_partial(module: nn.Module, state: dict, skip: tuple[str, ...] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Load ``state`` (without keys starting with ``skip``, e.g. the ImageNet classifier) with
    ``strict=False``; returns the ``(missing, unexpected)`` keys so that the caller reports them."""
    res = module.load_state_dict({k: v for k, v in state.items() if not k.startswith(skip)}, strict=False)
    return tuple(res.missing_keys), tuple(res.unexpected_keys)


class DenseNetCBAM(nn.Module):
    """DenseNet121 (torchvision) with a single-channel stem and CBAM after the given dense blocks.

    ``features`` is a ``Sequential`` whose named children (``conv0``,
    ``dropout0``, ``norm0``, ``relu0``, ``pool0``, ``denseblock1``,
    ``cbam1``, ``transition1``, ..., ``denseblock4``, ``norm5``) are the
    layers Grad-CAM can target by name.
    """

    def __init__(self, num_classes: int, *, in_chans: int = 1, cbam_blocks: tuple[int, ...] = (1, 2, 3),
                 dropout: float = 0.3, reduction: int = 16, kernel_size: int = 7, state_dict: dict | None = None,
                 stem: str = "mean", pools: tuple[str, ...] = ("avg", "max")):
        super().__init__()
        from torchvision.models import densenet121

        base = densenet121(weights=None)
        #: keys a partial weight load left out (``(missing, unexpected)``), read by :func:`build`
        self.load_keys: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        if state_dict is not None:
            self.load_keys = load_partial(base, _densenet_keys(state_dict), skip=("classifier.",))
            missing, unexpected = self.load_keys
            if unexpected or [k for k in missing if not k.startswith("classifier.")]:
                raise ValueError(f"DenseNet121 state dict does not match: missing {list(missing)[:5]}, "
                                 f"unexpected {list(unexpected)[:5]}")
        layers = OrderedDict()
        for name, mod in base.features.named_children():
            if name == "conv0":
                mod = adapt_stem(mod, in_chans, stem) if in_chans != 3 else mod
                layers[name] = mod
                layers["dropout0"] = nn.Dropout2d(dropout)
                continue
            layers[name] = mod
            if name.startswith("denseblock") and int(name[-1]) in cbam_blocks:
                k = int(name[-1])
                layers[f"cbam{k}"] = CBAM(DENSE_CHANNELS[k], reduction, kernel_size, pools)
        self.features = nn.Sequential(layers)
        self.classifier = nn.Linear(1024, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.features(x))  # not in place: Grad-CAM hooks norm5's output
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(out, 1), 1))


class SimpleCNN(nn.Module):
    """Ours: four conv-BN-ReLU-maxpool blocks (32-64-128-256), global average pooling, dropout, linear."""

    def __init__(self, num_classes: int, in_chans: int = 1, dropout: float = 0.3, width: int = 32):
        super().__init__()
        chans = [in_chans, width, 2 * width, 4 * width, 8 * width]
        blocks = OrderedDict()
        for i in range(4):
            blocks[f"block{i + 1}"] = nn.Sequential(nn.Conv2d(chans[i], chans[i + 1], 3, padding=1, bias=False),
                                                    nn.BatchNorm2d(chans[i + 1]), nn.ReLU(), nn.MaxPool2d(2))
        self.features = nn.Sequential(blocks)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(chans[-1], num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))


class MolsubSimpleCNN(nn.Module):
    """The authors' "Simple CNN" (molsub ``model.py``): conv 3x3 (1->16), ReLU, maxpool 2; conv 3x3
    (16->32), ReLU, maxpool 2; flatten; linear to 128, ReLU; linear. No BatchNorm, no dropout. The
    authors' output layer has 2 units whatever the task; here it has ``num_classes``."""

    def __init__(self, num_classes: int, image_size: int, in_chans: int = 1):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be divisible by 4 for the flattened layer, got {image_size}")
        self.features = nn.Sequential(nn.Conv2d(in_chans, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(32 * (image_size // 4) ** 2, 128), nn.ReLU(),
                                        nn.Linear(128, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


def _kaiming(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


@dataclass(frozen=True)
class BuildReport:
    """How a model was initialised: the ImageNet checkpoint (``weights``; None where the architecture
    has none) and the keys a partial load left missing or unexpected (reported, never discarded)."""

    arch: str
    weights: WeightsRecord | None = None
    source: str = "random"  # "imagenet" | "random" | "caller"
    missing_keys: tuple[str, ...] = ()
    unexpected_keys: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        if self.source == "caller":
            text = "weights given by the caller"
        elif self.weights is None:
            text = f"{self.arch}: random initialisation (no pretrained weights exist for it)"
        else:
            text = self.weights.note
        if self.missing_keys or self.unexpected_keys:
            text += (f"; partial load: {len(self.missing_keys)} missing keys ({', '.join(self.missing_keys[:4])}), "
                     f"{len(self.unexpected_keys)} unexpected keys ({', '.join(self.unexpected_keys[:4])})")
        return text

    @property
    def random_init(self) -> bool:
        return self.source == "random"

    def to_dict(self) -> dict:
        return {"arch": self.arch, "source": self.source,
                "weights": self.weights.to_dict() if self.weights is not None else None,
                "missing_keys": list(self.missing_keys), "unexpected_keys": list(self.unexpected_keys),
                "note": self.note}


def _torchvision(arch: str, num_classes: int, dropout: float, state: dict | None, stem: str, image_size: int
                 ) -> tuple[nn.Module, tuple, tuple]:
    """A torchvision backbone with a single-channel stem and a new head; returns (model, missing, unexpected)."""
    from torchvision import models

    missing, unexpected = (), ()
    if arch == "mobilenet_v2":
        m = models.mobilenet_v2(weights=None)
        if state is not None:
            missing, unexpected = load_partial(m, state, skip=("classifier.",))
        m.features[0][0] = adapt_stem(m.features[0][0], 1, stem)
        m.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(m.last_channel, num_classes))
    elif arch == "mob_cbam":
        m = models.mobilenet_v3_small(weights=None)
        if state is not None:
            missing, unexpected = load_partial(m, state, skip=("classifier.3.",))
        m.features[0][0] = adapt_stem(m.features[0][0], 1, stem)
        for i in (2, 3):  # molsub add_cbam: a CBAM after the projection of feature blocks 2 and 3, Kaiming init
            proj = m.features[i].block[2]
            cbam = CBAM(proj[0].out_channels)
            _kaiming(cbam)
            m.features[i].block[2] = nn.Sequential(proj, cbam)
        m.classifier[3] = nn.Linear(m.classifier[3].in_features, num_classes)
    elif arch == "resnet101":
        m = models.resnet101(weights=None)
        if state is not None:
            missing, unexpected = load_partial(m, state, skip=("fc.",))
        m.conv1 = adapt_stem(m.conv1, 1, stem)
        m.fc = nn.Sequential(nn.Dropout(dropout), nn.Linear(m.fc.in_features, num_classes))
    elif arch == "vit_b_16":
        if image_size % 16:
            raise ValueError(f"vit_b_16 needs an image size divisible by 16, got {image_size}")
        m = models.vit_b_16(weights=None, image_size=image_size)
        if state is not None:
            from torchvision.models.vision_transformer import interpolate_embeddings

            state = interpolate_embeddings(image_size, 16, dict(state))  # ImageNet weights are for 224 px
            missing, unexpected = load_partial(m, state, skip=("heads.",))
        m.conv_proj = adapt_stem(m.conv_proj, 1, stem)
        m.heads = nn.Sequential(nn.Dropout(dropout), nn.Linear(m.hidden_dim, num_classes))
    else:
        raise ValueError(f"not a torchvision comparator: {arch!r}")
    return m, missing, unexpected


def build(arch: str, num_classes: int, *, pretrained: bool = True, dropout: float = 0.3,
          state_dict: dict | None = None, stem: str = "mean", image_size: int = 224) -> tuple[nn.Module, BuildReport]:
    """``(model, report)`` for one of :data:`ARCHS`, single-channel input.

    ``state_dict`` overrides the local ImageNet checkpoint; with ``pretrained`` and no checkpoint
    found the model is randomly initialised and the report says so. ``image_size`` matters for
    ``simple_cnn_molsub`` (flattened layer) and ``vit_b_16`` (patch grid).
    """
    if arch not in ARCHS:
        raise ValueError(f"unknown arch {arch!r}; choose from {ARCHS}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2, got {num_classes}")
    if arch == "simple_cnn":
        return SimpleCNN(num_classes, dropout=dropout), BuildReport(arch)
    if arch == "simple_cnn_molsub":
        return MolsubSimpleCNN(num_classes, image_size), BuildReport(arch)
    tv_name = TORCHVISION[arch]
    record, source = WeightsRecord(tv_name, False), "random"
    if state_dict is not None:
        source = "caller"
    elif pretrained:
        from omicslib.weights import load_state_dict

        state_dict, record = load_state_dict(tv_name)
        source = "imagenet" if state_dict is not None else "random"
    if arch in ("densenet121_cbam", "densenet121", "densenet121_cbam_avg"):
        blocks = () if arch == "densenet121" else (1, 2, 3)
        pools = ("avg",) if arch == "densenet121_cbam_avg" else ("avg", "max")
        model = DenseNetCBAM(num_classes, cbam_blocks=blocks, dropout=dropout, state_dict=state_dict, stem=stem,
                             pools=pools)
        missing, unexpected = model.load_keys
    else:
        model, missing, unexpected = _torchvision(arch, num_classes, dropout, state_dict, stem, image_size)
    return model, BuildReport(arch, record, source, tuple(missing), tuple(unexpected))
