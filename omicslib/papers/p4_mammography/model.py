"""DenseNet121-CBAM for single-channel mammogram ROIs (p4) and its comparison backbones.

* :class:`CBAM` (Woo et al. 2018): channel attention with a shared MLP made of
  two 1x1 convolutions (reduction 16) over pooled descriptors, then spatial
  attention with a 7x7 convolution over the channel-wise mean and max maps;
  both attention maps pass through a sigmoid.
* :class:`DenseNetCBAM`: torchvision DenseNet121 with a single-channel stem
  (:func:`adapt_stem`: the ImageNet ``conv0`` weights averaged over RGB, the
  paper's "channel-adaptive" allocation), ``Dropout2d`` after ``conv0`` (as
  the authors' code), and a CBAM after dense blocks 1-3 (256, 512, 1024
  channels). With ``cbam_blocks=()`` it is the plain DenseNet121 comparator.
* :func:`build`: one factory for ``densenet121_cbam``, ``densenet121``,
  ``mobilenet_v2`` and ``simple_cnn``; ImageNet weights come from
  :func:`omicslib.weights.load_state_dict` (local files only), otherwise the
  model starts from random initialisation and the returned note says so.
"""

from __future__ import annotations

import re
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

ARCHS = ("densenet121_cbam", "densenet121", "mobilenet_v2", "simple_cnn")
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


class DenseNetCBAM(nn.Module):
    """DenseNet121 (torchvision) with a single-channel stem and CBAM after the given dense blocks.

    ``features`` is a ``Sequential`` whose named children (``conv0``,
    ``dropout0``, ``norm0``, ``relu0``, ``pool0``, ``denseblock1``,
    ``cbam1``, ``transition1``, ..., ``denseblock4``, ``norm5``) are the
    layers Grad-CAM can target by name.
    """

    def __init__(self, num_classes: int, *, in_chans: int = 1, cbam_blocks: tuple[int, ...] = (1, 2, 3),
                 dropout: float = 0.3, reduction: int = 16, kernel_size: int = 7, state_dict: dict | None = None,
                 stem: str = "mean"):
        super().__init__()
        from torchvision.models import densenet121

        base = densenet121(weights=None)
        if state_dict is not None:
            sd = {k: v for k, v in _densenet_keys(state_dict).items() if not k.startswith("classifier.")}
            missing, unexpected = base.load_state_dict(sd, strict=False)
            if unexpected or [k for k in missing if not k.startswith("classifier.")]:
                raise ValueError(f"DenseNet121 state dict does not match: missing {missing[:5]}, "
                                 f"unexpected {unexpected[:5]}")
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
                layers[f"cbam{k}"] = CBAM(DENSE_CHANNELS[k], reduction, kernel_size)
        self.features = nn.Sequential(layers)
        self.classifier = nn.Linear(1024, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.features(x))  # not in place: Grad-CAM hooks norm5's output
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(out, 1), 1))


class SimpleCNN(nn.Module):
    """Four conv-BN-ReLU-maxpool blocks (32-64-128-256), global average pooling, dropout, linear."""

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


def _mobilenet_v2(num_classes: int, dropout: float, state_dict: dict | None, stem: str) -> nn.Module:
    from torchvision.models import mobilenet_v2

    m = mobilenet_v2(weights=None)
    if state_dict is not None:
        m.load_state_dict({k: v for k, v in state_dict.items() if not k.startswith("classifier.")}, strict=False)
    m.features[0][0] = adapt_stem(m.features[0][0], 1, stem)
    m.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(m.last_channel, num_classes))
    return m


def build(arch: str, num_classes: int, *, pretrained: bool = True, dropout: float = 0.3,
          state_dict: dict | None = None, stem: str = "mean") -> tuple[nn.Module, str]:
    """``(model, note)`` for one of :data:`ARCHS`, single-channel input.

    ``state_dict`` overrides the local ImageNet checkpoint; with
    ``pretrained`` and no checkpoint found the model is randomly initialised
    and ``note`` says so.
    """
    if arch not in ARCHS:
        raise ValueError(f"unknown arch {arch!r}; choose from {ARCHS}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2, got {num_classes}")
    if arch == "simple_cnn":
        return SimpleCNN(num_classes, dropout=dropout), "simple CNN: random initialisation (no pretrained weights)"
    tv_name = "mobilenet_v2" if arch == "mobilenet_v2" else "densenet121"
    note = "weights given by the caller"
    if state_dict is None and pretrained:
        from omicslib.weights import load_state_dict

        state_dict, record = load_state_dict(tv_name)
        note = record.note
    elif state_dict is None:
        note = "random initialisation (pretrained=False)"
    if arch == "mobilenet_v2":
        return _mobilenet_v2(num_classes, dropout, state_dict, stem), note
    blocks = (1, 2, 3) if arch == "densenet121_cbam" else ()
    return DenseNetCBAM(num_classes, cbam_blocks=blocks, dropout=dropout, state_dict=state_dict, stem=stem), note
