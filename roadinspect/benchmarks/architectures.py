"""``roadinspect bench architectures``: CPU latency of the candidate segmentation networks.

The choice of architecture (issue: "chosen by measurement of accuracy against CPU latency") rests on
two measurements: accuracy (``roadinspect evaluate``, after training) and the time one forward pass
takes on the CPU, measured here for every candidate under the same conditions: untrained weights
(latency does not depend on them), 3 output classes, a 640x480 input (the working resolution of the
shipped model), batch 1, ``channels_last``, ``inference_mode``, torch's threads as set (default: the
physical cores), batch-norm left unfolded for all (folding saves the shipped model a few percent more).
The results feed the "Architecture" section of ``models/roadinspect-seg.md``.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

    from roadinspect.benchmarks import BenchOptions

WIDTH, HEIGHT = 640, 480


def _candidates() -> dict[str, Callable[[], torch.nn.Module]]:
    """Name -> constructor of an untrained network returning logits (or torchvision's ``{"out": ...}``)."""
    from torchvision.models.segmentation import deeplabv3_mobilenet_v3_large, lraspp_mobilenet_v3_large

    from roadinspect.core.network import RoadDamageNet

    return {
        "EfficientNet-Lite0 + U-Net 96/64/48/32 (shipped)": lambda: RoadDamageNet(),
        "EfficientNet-Lite0 + U-Net 64/48/32/24 (narrower)": lambda: RoadDamageNet((64, 48, 32, 24)),
        "EfficientNet-Lite0 + U-Net 128/96/64/48 (wider)": lambda: RoadDamageNet((128, 96, 64, 48)),
        "LRASPP MobileNetV3-Large (torchvision)": lambda: lraspp_mobilenet_v3_large(
            weights=None, weights_backbone=None, num_classes=3),
        "DeepLabV3 MobileNetV3-Large (torchvision)": lambda: deeplabv3_mobilenet_v3_large(
            weights=None, weights_backbone=None, num_classes=3, aux_loss=False),
    }


def run(args: BenchOptions) -> dict:
    """Median and p90 forward time (ms) and parameter count of each candidate."""
    import torch

    repeats = getattr(args, "repeats", 0) or 15
    threads = getattr(args, "threads", None)
    if threads:
        torch.set_num_threads(threads)
    x = torch.randn(1, 3, HEIGHT, WIDTH).contiguous(memory_format=torch.channels_last)
    rows = []
    for name, make in _candidates().items():
        torch.manual_seed(0)
        net = make().eval().to(memory_format=torch.channels_last)
        params = sum(p.numel() for p in net.parameters())
        times = []
        with torch.inference_mode():
            for i in range(repeats + 3):
                start = time.perf_counter()
                net(x)
                if i >= 3:  # the first calls pick oneDNN kernels
                    times.append((time.perf_counter() - start) * 1000)
        ordered = sorted(times)
        rows.append({"network": name, "parameters_m": round(params / 1e6, 2),
                     "median_ms": round(statistics.median(ordered), 1),
                     "p90_ms": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1)})
    return {"input": f"{WIDTH}x{HEIGHT}", "threads": torch.get_num_threads(), "repeats": repeats,
            "torch": torch.__version__, "load_average": _load_average(), "networks": rows}


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):  # Windows has no load average
        return None


def format_result(result: dict) -> str:
    """One line per candidate network."""
    lines = [f"CPU forward pass, {result['input']}, batch 1, {result['threads']} threads, torch {result['torch']} "
             f"(median / p90 of {result['repeats']}; load average {result['load_average']}):"]
    for row in result["networks"]:
        lines.append(f"  {row['network']:<52} {row['parameters_m']:5.2f} M params  "
                     f"{row['median_ms']:7.1f} ms  (p90 {row['p90_ms']:.1f})")
    return "\n".join(lines)
