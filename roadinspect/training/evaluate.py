"""``roadinspect evaluate``: run the segmenter over annotated dataset folders and report the metrics.

Mask folders (``images/`` + ``masks/``) get pixel metrics (:mod:`roadinspect.training.metrics`);
box-labelled folders (``images/`` + ``boxes.json``) get what an inspector sees, component by
component (:mod:`roadinspect.training.evaluate_boxes`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from roadinspect.core.backends import accelerate
from roadinspect.core.progress import Progress
from roadinspect.core.segmenter import ModelError, Segmenter
from roadinspect.core.types import DamageClass
from roadinspect.training.boxes import BoxesError, read_boxes
from roadinspect.training.data import load_pair, open_dataset, split
from roadinspect.training.evaluate_boxes import evaluate_boxes, format_boxes
from roadinspect.training.metrics import Counts, score_image


def evaluate_dataset(segmenter: Segmenter, folder: Path, which: str = "all", limit: int = 0,
                     progress: Progress | None = None) -> dict:
    """Metrics of ``segmenter`` on one dataset folder (``which``: ``val`` or ``all`` images)."""
    info = open_dataset(folder)
    stems = list(info.stems) if which == "all" else split(info)["val"]
    if limit:
        stems = stems[:limit]
    crack = DamageClass.CRACK in info.annotated
    pothole = DamageClass.POTHOLE in info.annotated
    total = Counts()
    started = time.perf_counter()
    for i, stem in enumerate(stems):
        image, truth = load_pair(info, stem)
        pred = segmenter.predict(image).full_mask()
        total += score_image(pred, truth, crack=crack, pothole=pothole)
        if progress:
            progress(i + 1, len(stems), f"{info.name}/{stem}")
    result: dict[str, Any] = dict(total.summary(crack=crack, pothole=pothole))
    result.update(dataset=info.name, split=which, seconds=round(time.perf_counter() - started, 1))
    return result


def _format(result: dict) -> str:
    def f(key: str) -> str:
        value = result.get(key)
        return "  n/a" if value is None else f"{value:5.3f}"

    return (f"{result['dataset']:<26} {result['images']:>5}  crack F1(2px) {f('crack_f1')}  "
            f"crack IoU {f('crack_iou')}  pothole IoU {f('pothole_iou')}  "
            f"pothole img R {f('pothole_image_recall')} P {f('pothole_image_precision')}")


def camera_option(args: argparse.Namespace) -> Any:
    """The camera model of ``--camera-pitch`` (None: the default camera)."""
    from roadinspect.core.geo import CameraModel

    pitch = getattr(args, "camera_pitch", None)
    return None if pitch is None else CameraModel(pitch_deg=pitch)


def run_evaluate_command(args: argparse.Namespace) -> int:
    """Handler of ``roadinspect evaluate``; prints a table or one JSON object."""
    for folder in args.data:  # a bad boxes.json is named before the model loads
        if (Path(folder) / "boxes.json").is_file():
            try:
                read_boxes(Path(folder))
            except BoxesError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
    try:
        segmenter = Segmenter.load(args.weights, device=args.device)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    backend = getattr(args, "backend", "torch") or "torch"
    chosen = accelerate(segmenter, backend=backend, precision=getattr(args, "precision", None))
    if not args.json:
        print(f"model {segmenter.name} ({segmenter.sha256[:12]}), backend {chosen.backend} {chosen.precision}"
              + (f" ({chosen.note})" if chosen.note else ""))

    def progress(done: int, total: int, message: str = "", /) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{done}/{total} {message[:60]:<60}", end="", file=sys.stderr, flush=True)

    results = []
    for folder in args.data:
        try:
            if (Path(folder) / "boxes.json").is_file():
                modes: tuple[str, ...] = ("recorded" if getattr(args, "road_region", True) else "no_region",)
                modes += ("raw",) if getattr(args, "raw", False) else ()
                results.append(evaluate_boxes(segmenter, folder, args.split, args.limit, modes, progress,
                                              report=lambda line: print(line, file=sys.stderr),
                                              camera=camera_option(args),
                                              horizon_from_photos=getattr(args, "horizon", "estimated") == "estimated"))
            else:
                results.append(evaluate_dataset(segmenter, folder, args.split, args.limit, progress))
        except (FileNotFoundError, ValueError) as exc:  # BoxesError is a ValueError: one line naming the file
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if not args.json:
            print("\r" + (format_boxes(results[-1]) if results[-1].get("kind") == "boxes" else _format(results[-1])))
    if args.json:
        print(json.dumps({"model": segmenter.name, "sha256": segmenter.sha256, "split": args.split,
                          "backend": chosen.backend, "precision": chosen.precision, "datasets": results},
                         indent=2))
    return 0
