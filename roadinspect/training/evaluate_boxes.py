"""``roadinspect evaluate`` on box-labelled folders (``images/`` + ``boxes.json``): what an inspector sees.

Damage boxes are not masks, so the scores are about components, the way an inspector looks at a
photo: a *component* is an 8-connected blob of one class in a photo's class mask.

* **boxes found**: a crack box (D00, D10, D20) is found when a crack component touches it (shares
  a pixel with the box grown by one pixel); a pothole box (D40) when a pothole component does.
* **components on damage**: the share of crack (pothole) components that touch any damage box.
* **photos without a box**: photos with no damage box (non-damage codes such as D50 manholes do
  not count) that get any crack, any pothole, any component at all.
* **false components per photo**: components touching no damage box, over all scored photos, and
  over the photos without a box (where every component is false).

Three masks can be scored, from one pass of the network per photo (:data:`MODES`):
``recorded`` is what ``analyze`` records and ``segment`` writes by default (road region estimated
over the scored photos as one batch per camera and size, every size filter; the mask of
:meth:`~roadinspect.core.photo_masks.PhotoResult.recorded_mask`); ``no_region`` the same without the road
region; ``raw`` the network's own decision. For the recorded masks the findings themselves are also counted
(``findings_per_photo``, ``false_findings_per_photo``: findings whose outline touches no damage box).

``split="val"`` scores only the held-out 20 % of :func:`~roadinspect.training.boxes.rdd_split` (the
photos ``train`` never sees).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from PIL import Image
from scipy import ndimage
from shapely.geometry import box as shapely_box

from roadinspect.core.findings import extract_findings
from roadinspect.core.geo import CameraModel
from roadinspect.core.photo_masks import PhotoResult, analyse_photo
from roadinspect.core.photos import ImageError, read_photo
from roadinspect.core.progress import Progress
from roadinspect.core.road_region import estimate_batch, region_for
from roadinspect.core.types import DamageClass, Finding, Photo
from roadinspect.training.boxes import BoxedImage, BoxesError, rdd_split, read_boxes

MODES = ("recorded", "no_region", "raw")
"""Masks scored: what analyze records, the same without the road region, the network's own decision."""
TOUCH_PX = 1
"""A component touches a box when it shares a pixel with the box grown by this many pixels."""

_INVERSE = {  # EXIF orientation -> the transposes that bring an upright mask back to the stored image
    2: (Image.Transpose.FLIP_LEFT_RIGHT,), 3: (Image.Transpose.ROTATE_180,), 4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,), 6: (Image.Transpose.ROTATE_90,), 7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_270,),
}


@dataclass
class BoxCounts:
    """Counts over scored photos for one mask; :meth:`summary` turns them into shares."""

    photos: int = 0
    boxes: dict[str, int] = field(default_factory=lambda: {"crack": 0, "pothole": 0})
    found: dict[str, int] = field(default_factory=lambda: {"crack": 0, "pothole": 0})
    components: dict[str, int] = field(default_factory=lambda: {"crack": 0, "pothole": 0})
    on_damage: dict[str, int] = field(default_factory=lambda: {"crack": 0, "pothole": 0})
    empty_photos: int = 0
    empty_with: dict[str, int] = field(default_factory=lambda: {"crack": 0, "pothole": 0, "any": 0})
    empty_components: int = 0
    findings: int = 0
    false_findings: int = 0
    empty_findings: int = 0
    has_findings: bool = False

    def summary(self) -> dict[str, Any]:
        def share(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        out: dict[str, Any] = {"photos": self.photos, "photos_without_box": self.empty_photos}
        for cls in ("crack", "pothole"):
            out[f"{cls}_boxes"] = self.boxes[cls]
            out[f"{cls}_boxes_found"] = share(self.found[cls], self.boxes[cls])
            out[f"{cls}_components"] = self.components[cls]
            out[f"{cls}_components_on_damage"] = share(self.on_damage[cls], self.components[cls])
            out[f"no_box_with_{cls}"] = share(self.empty_with[cls], self.empty_photos)
        out["no_box_with_any"] = share(self.empty_with["any"], self.empty_photos)
        false = sum(self.components.values()) - sum(self.on_damage.values())
        out["false_components_per_photo"] = share(false, self.photos)
        out["false_components_per_no_box_photo"] = share(self.empty_components, self.empty_photos)
        if self.has_findings:
            out["findings_per_photo"] = share(self.findings, self.photos)
            out["false_findings_per_photo"] = share(self.false_findings, self.photos)
            out["false_findings_per_no_box_photo"] = share(self.empty_findings, self.empty_photos)
        return out


def to_stored(mask: np.ndarray, orientation: int) -> np.ndarray:
    """An upright mask (EXIF orientation applied) back in the stored image's pixels (where boxes are)."""
    ops = _INVERSE.get(int(orientation or 1), ())
    if not ops:
        return mask
    image = Image.fromarray(mask)
    for op in ops:
        image = image.transpose(op)
    return np.asarray(image).copy()


def _box_masks(item: BoxedImage, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Per class (``crack``, ``pothole``, ``any``) the pixels of its damage boxes grown by :data:`TOUCH_PX`."""
    h, w = shape
    out = {k: np.zeros(shape, bool) for k in ("crack", "pothole", "any")}
    for b in item.damage_boxes():
        c0, r0 = max(0, int(np.floor(b.x0)) - TOUCH_PX), max(0, int(np.floor(b.y0)) - TOUCH_PX)
        c1, r1 = min(w, int(np.ceil(b.x1)) + TOUCH_PX), min(h, int(np.ceil(b.y1)) + TOUCH_PX)
        name = "pothole" if b.damage == DamageClass.POTHOLE else "crack"
        out[name][r0:r1, c0:c1] = True
        out["any"][r0:r1, c0:c1] = True
    return out


def score_photo(mask: np.ndarray, item: BoxedImage, counts: BoxCounts,
                findings: Sequence[Finding] | None = None, orientation: int = 1) -> None:
    """Add one photo's mask (upright, the photo's size) and, for recorded masks, its findings to ``counts``."""
    stored = to_stored(np.asarray(mask), orientation)
    if stored.shape != (item.height, item.width):
        raise ValueError(f"{item.path}: the mask is {stored.shape[1]}x{stored.shape[0]}, boxes.json says "
                         f"{item.width}x{item.height}")
    near = _box_masks(item, stored.shape)
    empty = not item.damage_boxes()
    counts.photos += 1
    counts.empty_photos += int(empty)
    eight = np.ones((3, 3), bool)
    for cls, value in (("crack", DamageClass.CRACK), ("pothole", DamageClass.POTHOLE)):
        labels, n = ndimage.label(stored == value, structure=eight)
        counts.components[cls] += n
        if n:
            touching = np.unique(labels[near["any"] & (labels > 0)])
            counts.on_damage[cls] += len(touching)
            if empty:
                counts.empty_with[cls] += 1
                counts.empty_components += n
        for b in item.damage_boxes():
            if (b.damage == value) and n:
                c0, r0 = max(0, int(np.floor(b.x0)) - TOUCH_PX), max(0, int(np.floor(b.y0)) - TOUCH_PX)
                c1 = min(stored.shape[1], int(np.ceil(b.x1)) + TOUCH_PX)
                r1 = min(stored.shape[0], int(np.ceil(b.y1)) + TOUCH_PX)
                counts.found[cls] += int(bool((labels[r0:r1, c0:c1] > 0).any()))
        counts.boxes[cls] += sum(1 for b in item.damage_boxes() if b.damage == value)
    if empty and (stored > 0).any():
        counts.empty_with["any"] += 1
    if findings is not None:
        counts.has_findings = True
        counts.findings += len(findings)
        if orientation in (1, None) or not findings:
            shapes = [shapely_box(b.x0 - TOUCH_PX, b.y0 - TOUCH_PX, b.x1 + TOUCH_PX, b.y1 + TOUCH_PX)
                      for b in item.damage_boxes()]
            false = sum(1 for f in findings
                        if not any(shapely.intersects(shapely.from_wkt(f.polygon_wkt), s) for s in shapes))
        else:  # rotated photo: judge the findings on the mask that was scored
            false = 0
        counts.false_findings += false
        if empty:
            counts.empty_findings += len(findings)


def evaluate_boxes(segmenter: Any, folder: Path, which: str = "val", limit: int = 0,
                   modes: Sequence[str] = ("recorded",), progress: Progress | None = None,
                   report: Callable[[str], None] | None = None, camera: CameraModel | None = None,
                   horizon_from_photos: bool = True) -> dict[str, Any]:
    """Scores of ``segmenter`` on the box-labelled ``folder`` for each of ``modes`` (see the module).

    ``which``: ``val`` (the held-out 20 %) or ``all``. ``camera``: the flat-road camera model of the
    horizon and the measures (default :class:`~roadinspect.core.geo.CameraModel`); ``horizon_from_photos``
    False: the camera's horizon only, not the one estimated from the photos (to compare the two). Photos that
    cannot be read are named through ``report`` and left out of the scores. Raises :class:`BoxesError` for an
    unusable ``boxes.json``.
    """
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown evaluation mode {unknown[0]!r} (known: {', '.join(MODES)})")
    items = read_boxes(folder)
    if which == "val":
        held = set(rdd_split([i.name for i in items])["val"])
        items = [i for i in items if i.name in held]
    if limit:
        items = items[:limit]
    photos: list[tuple[BoxedImage, Photo]] = []
    unreadable = 0
    for item in items:
        photo = read_photo(item.path)
        if isinstance(photo, Photo):
            photos.append((item, photo))
        else:
            unreadable += 1
            if report:
                report(f"{photo.path}: {photo.reason}")
    started = time.perf_counter()
    regions = (estimate_batch([p for _, p in photos], camera, horizon_from_photos=horizon_from_photos)
               if "recorded" in modes else {})
    counts = {m: BoxCounts() for m in modes}
    for i, (item, photo) in enumerate(photos):
        try:
            region = region_for(regions, photo)
            result = analyse_photo(segmenter, photo, region, camera)
            if "recorded" in modes:
                score_photo(result.recorded_mask(), item, counts["recorded"], result.findings, photo.orientation)
            if "no_region" in modes:
                plain = result.findings if region is None else extract_findings(result.segmentation, photo, camera)
                score_photo(PhotoResult(photo, result.segmentation, plain).recorded_mask(), item,
                            counts["no_region"], plain, photo.orientation)
            if "raw" in modes:
                score_photo(result.raw_mask(), item, counts["raw"], None, photo.orientation)
        except (ImageError, OSError, ValueError) as exc:
            unreadable += 1
            if report:
                report(f"{item.path}: {exc}")
        if progress:
            progress(i + 1, len(photos), item.name)
    result_doc: dict[str, Any] = {"dataset": Path(folder).name, "split": which, "kind": "boxes",
                                  "camera_pitch_deg": (camera or CameraModel()).pitch_deg,
                                  "unreadable": unreadable, "seconds": round(time.perf_counter() - started, 1)}
    for mode in modes:
        result_doc[mode] = counts[mode].summary()
    notes = {r.key: "; ".join(n for n in (r.note, r.horizon_note) if n) for r in regions.values()
             if r.note or r.horizon_note}
    if regions:
        result_doc["road_region"] = {r.key: {"excluded_share": round(r.excluded_share, 4), "photos": r.photos,
                                             "note": r.note, "horizon": r.horizon_source,
                                             "horizon_row": None if r.horizon is None else round(r.horizon, 4),
                                             "horizon_photos": r.horizon_photos, "horizon_note": r.horizon_note}
                                     for r in regions.values()}
    if notes and report:
        for key, note in notes.items():
            report(f"road region of {key}: {note}")
    return result_doc


def format_boxes(result: dict[str, Any]) -> str:
    """Lines of a table for one box-labelled folder."""
    def pct(value: float | None) -> str:
        return "  n/a" if value is None else f"{100 * value:4.0f}%"

    def num(value: float | None) -> str:
        return "  n/a" if value is None else f"{value:5.2f}"

    lines = []
    for mode in MODES:
        r = result.get(mode)
        if not r:
            continue
        lines.append(
            f"{result['dataset']:<18} {mode:<9} {r['photos']:>4} photos  "
            f"boxes found: crack {pct(r['crack_boxes_found'])} "
            f"({r['crack_boxes']}) pothole {pct(r['pothole_boxes_found'])} ({r['pothole_boxes']})  "
            f"components on damage: crack {pct(r['crack_components_on_damage'])} pothole "
            f"{pct(r['pothole_components_on_damage'])}  {r['photos_without_box']} photos without box: "
            f"crack {pct(r['no_box_with_crack'])} pothole {pct(r['no_box_with_pothole'])}  "
            f"false/photo {num(r['false_components_per_photo'])} (no-box {num(r['false_components_per_no_box_photo'])})"
            + (f"  findings/photo {num(r['findings_per_photo'])}, false {num(r['false_findings_per_photo'])}"
               if "findings_per_photo" in r else ""))
    return "\n".join(lines)


__all__ = ["BoxCounts", "BoxesError", "MODES", "evaluate_boxes", "format_boxes", "score_photo", "to_stored"]
