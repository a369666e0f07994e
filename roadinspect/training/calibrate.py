"""``roadinspect calibrate``: choose the class weights of the decision rule on the validation split.

The network outputs class probabilities; :func:`roadinspect.core.segmenter.decide` turns them into a
mask by a *weighted* argmax (``crack_weight``, ``pothole_weight`` in the model's JSON sidecar). Trained
with class-balanced losses on crops, the network's probabilities are not calibrated to the metrics the
inspectors care about, so the two weights are chosen here, by a coordinate search over a small grid, to
maximise

* cracks: the crack F1 (2 px tolerance) of each dataset that annotates cracks;
* potholes: the mean of pothole IoU and image-level pothole F1 of each dataset that annotates potholes;

averaged over datasets, the survey-vehicle roads (the product's domain) counting twice. Probabilities
are computed once per image (at the image's full size), so the search itself costs only the decisions
and the metrics. The weights are tuned on the same validation split that the model card reports, so
the figures after calibration are slightly optimistic: two numbers fitted on a few hundred images.
:func:`cross_check` measures how much: it tunes on one half of each dataset's validation images and
scores the other half.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from roadinspect.core.progress import Progress
from roadinspect.core.segmenter import ModelError, Segmenter, decide, default_weights
from roadinspect.core.types import DamageClass
from roadinspect.training.data import load_pair, open_dataset, split
from roadinspect.training.metrics import Counts, score_image

GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.85, 1.0, 1.2, 1.4, 1.7, 2.0, 2.5, 3.0)
MAIN_DATASET = "cracks_and_potholes_road"
ROUNDS = 2


@dataclass
class ScoredImage:
    """Full-size class probabilities ``(3, H, W)`` float16 and the truth ``(H, W)`` of one image."""

    dataset: str
    probs: np.ndarray
    truth: np.ndarray
    crack: bool
    pothole: bool


def full_probabilities(segmenter: Segmenter, image: np.ndarray) -> np.ndarray:
    """``(3, H, W)`` float16 probabilities at the size of ``image`` (bilinear, as ``full_mask`` does)."""
    seg = segmenter.predict(image)
    height, width = image.shape[:2]
    probs = seg.probs
    if probs.shape[1:] != (height, width):
        probs = F.interpolate(torch.from_numpy(probs)[None], size=(height, width), mode="bilinear",
                              align_corners=False)[0].numpy()
    return probs.astype(np.float16)


def collect(segmenter: Segmenter, folders: list[Path], which: str = "val",
            progress: Progress | None = None) -> list[ScoredImage]:
    """Run the model once over the ``which`` split of every folder."""
    items: list[ScoredImage] = []
    for folder in folders:
        info = open_dataset(folder)
        stems = list(info.stems) if which == "all" else split(info)["val"]
        for i, stem in enumerate(stems):
            image, truth = load_pair(info, stem)
            items.append(ScoredImage(info.name, full_probabilities(segmenter, image), truth,
                                     DamageClass.CRACK in info.annotated, DamageClass.POTHOLE in info.annotated))
            if progress:
                progress(i + 1, len(stems), f"{info.name}/{stem}")
    return items


def score(items: list[ScoredImage], weights: dict, crack: bool = True, pothole: bool = True) -> dict[str, dict]:
    """Per-dataset metric summaries of the decision ``weights`` (``crack_weight``, ``pothole_weight``)."""
    totals: dict[str, Counts] = {}
    flags: dict[str, tuple[bool, bool]] = {}
    for item in items:
        use_crack, use_pothole = item.crack and crack, item.pothole and pothole
        if not (use_crack or use_pothole):
            continue
        pred = decide(item.probs.astype(np.float32), weights)
        counts = score_image(pred, item.truth, crack=use_crack, pothole=use_pothole)
        totals.setdefault(item.dataset, Counts())
        totals[item.dataset] += counts
        flags[item.dataset] = (use_crack, use_pothole)
    return {name: c.summary(*flags[name]) for name, c in totals.items()}


def _weighted_mean(values: dict[str, float]) -> float:
    if not values:
        return 0.0
    weight = {name: 2.0 if name == MAIN_DATASET else 1.0 for name in values}
    return sum(values[n] * weight[n] for n in values) / sum(weight.values())


def crack_objective(summary: dict[str, dict]) -> float:
    """Mean crack F1 over the datasets that annotate cracks (survey roads twice)."""
    return _weighted_mean({n: s["crack_f1"] or 0.0 for n, s in summary.items() if s.get("crack_f1") is not None})


def pothole_objective(summary: dict[str, dict]) -> float:
    """Mean over pothole datasets of (pothole IoU + image-level pothole F1) / 2 (survey roads twice)."""
    values = {}
    for name, s in summary.items():
        if s.get("pothole_iou") is None:
            continue
        r, p = s["pothole_image_recall"] or 0.0, s["pothole_image_precision"] or 0.0
        f1 = 2 * r * p / (r + p) if r + p else 0.0
        values[name] = ((s["pothole_iou"] or 0.0) + f1) / 2
    return _weighted_mean(values)


def search(items: list[ScoredImage], grid: tuple[float, ...] = GRID, rounds: int = ROUNDS,
           log: Callable[[str], None] = print) -> dict[str, float]:
    """Coordinate search of ``crack_weight`` then ``pothole_weight`` over ``grid``; the best weights."""
    best = {"crack_weight": 1.0, "pothole_weight": 1.0}
    for _ in range(rounds):
        for key, objective, crack, pothole in (("crack_weight", crack_objective, True, False),
                                               ("pothole_weight", pothole_objective, False, True)):
            results = []
            for value in grid:
                trial = dict(best, **{key: value})
                results.append((objective(score(items, trial, crack=crack, pothole=pothole)), value))
            top_score, top_value = max(results, key=lambda r: (r[0], -abs(np.log(r[1]))))
            log(f"{key}: best {top_value} (objective {top_score:.4f}); "
                + ", ".join(f"{v}:{s:.3f}" for s, v in results))
            best[key] = top_value
    return best


def halves(items: list[ScoredImage]) -> tuple[list[ScoredImage], list[ScoredImage]]:
    """Each dataset's images cut in two at the middle of their (stem-sorted) order: neighbouring survey
    frames stay on the same side, so the two halves are close to independent."""
    first: list[ScoredImage] = []
    second: list[ScoredImage] = []
    for name in dict.fromkeys(item.dataset for item in items):
        own = [item for item in items if item.dataset == name]
        first += own[: len(own) // 2]
        second += own[len(own) // 2:]
    return first, second


def cross_check(items: list[ScoredImage], log: Callable[[str], None] = print) -> list[dict]:
    """Tune on one half, score the other half before and after: does the gain carry to unseen images?"""
    a, b = halves(items)
    checks = []
    for tune, test, label in ((a, b, "tuned on the first half, scored on the second"),
                              (b, a, "tuned on the second half, scored on the first")):
        chosen = search(tune, log=lambda _m: None)
        checks.append({"check": label, "weights": chosen, "before": score(test, {}), "after": score(test, chosen)})
        log(f"{label}: {chosen}")
    return checks


def run_calibrate_command(args: argparse.Namespace) -> int:
    """Handler of ``roadinspect calibrate``: search, print before/after, optionally write the sidecar."""
    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        segmenter = Segmenter.load(args.weights, device=args.device)
        items = collect(segmenter, list(args.data), args.split)
    except (ModelError, FileNotFoundError, ValueError) as exc:
        log(f"error: {exc}")
        return 2
    log(f"{len(items)} images scored by {segmenter.name} ({segmenter.sha256[:12]})")
    before = score(items, {})
    chosen = search(items, log=log)
    after = score(items, chosen)
    report = {"model": segmenter.name, "sha256": segmenter.sha256, "split": args.split, "weights": chosen,
              "before": before, "after": after, "cross_check": cross_check(items, log)}
    print(json.dumps(report, indent=2))
    if args.write:
        path = Path(args.weights or default_weights()).with_suffix(".json")
        info = json.loads(path.read_text(encoding="utf-8"))
        info["thresholds"] = {**info.get("thresholds", {}), **chosen}
        info["calibration"] = {"split": args.split, "datasets": sorted(before), "grid": list(GRID)}
        path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        log(f"wrote the class weights into {path}")
    return 0
