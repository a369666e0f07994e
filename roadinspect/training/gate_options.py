"""Settings of ``roadinspect train-gate`` and its command line (no heavy import: the CLI builds its parser from it).

The training itself is in :mod:`roadinspect.training.gate`.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class GateOptions:
    """Settings of one gate training (``roadinspect train-gate``'s options; recorded with the weights)."""

    hidden: int = 64
    kernel: int = 3
    depth: int = 2
    topk: float = 0.25
    """share of a box's cells whose mean logit must say "damage" (multiple-instance loss)"""
    survey_weight: float = 0.3
    """weight of the pixel-labelled photos' loss against the box-labelled photos'"""
    pothole_box_weight: float = 3.0
    """weight of a pothole box against a crack box (pothole boxes are rare in street photos)"""
    steps: int = 2000
    batch: int = 16
    lr: float = 1e-3
    seed: int = 20261129
    survey_every: int = 3
    """use every N-th training image of a survey-vehicle dataset (neighbouring frames repeat each other)"""
    thresholds: tuple[float, float] = (0.8, 0.5)
    """gate probability (crack, pothole) at which the gate neither adds nor removes evidence"""
    scale: tuple[float, float] = (8.0, 8.0)
    """evidence added per unit of the gate's log-odds above its threshold (crack, pothole)"""
    view_center: float = 1.5
    """log-odds of the view at which the gate acts at half strength"""
    view_sharpness: float = 3.0
    """how fast the gate's strength goes from 0 to 1 around :attr:`view_center` (per unit of log-odds): a
    small view probability times a large evidence must not move the photos the network was trained on"""



def _pair(text: str) -> tuple[float, float]:
    parts = [float(p) for p in text.split(",")]
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected one number or two separated by a comma, got {text!r}")
    return parts[0], parts[1]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """``roadinspect train-gate``."""
    p = sub.add_parser("train-gate", help="train the forward-view gate of the model on damage boxes (CPU, minutes)")
    p.add_argument("--data", nargs="+", required=True, type=Path,
                   help="folders: box-labelled street photos (images/ + boxes.json) and pixel-labelled ones")
    p.add_argument("--out", required=True, type=Path, help="run folder (gate.pt, record.json)")
    p.add_argument("--weights", type=Path, help="network to add the gate to (default: the shipped model)")
    p.add_argument("--export", type=Path, help="write the network with its gate as safetensors here")
    p.add_argument("--version", default=time.strftime("%Y.%m.%d"), help="version of the exported weights")
    defaults = GateOptions()
    for name in ("hidden", "kernel", "depth", "steps", "batch", "seed", "survey_every"):
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    for name in ("topk", "survey_weight", "pothole_box_weight", "lr", "view_center", "view_sharpness"):
        p.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(defaults, name))
    p.add_argument("--thresholds", type=_pair, default=defaults.thresholds, metavar="CRACK[,POTHOLE]",
                   help="gate probability where it neither adds nor removes evidence (default 0.8,0.5: shipped)")
    p.add_argument("--scale", type=_pair, default=defaults.scale, metavar="CRACK[,POTHOLE]",
                   help="evidence per unit of the gate's log-odds (default 8)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch default)")
    p.add_argument("--reuse", action="store_true",
                   help="fold the gate already trained in OUT/gate.pt with these --thresholds, --scale and view "
                        "settings instead of training again")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from roadinspect.training.gate import run_train_gate_command

    return run_train_gate_command(args)


