"""Export an inspector's reviewed photos as a training set, so ``roadinspect train`` can learn local roads.

Layout (the shared dataset convention, read by ``roadinspect.training.data``)::

    OUT/images/<stem>.jpg     upright RGB JPEG (quality 90), longest side <= max_side (1024)
    OUT/masks/<stem>.png      8-bit PNG, same size: 0 background, 1 crack, 2 pothole, 255 ignore
    OUT/manifest.csv          stem,width,height,crack_px,pothole_px,source_file
    OUT/roadinspect-dataset.json   {"annotated": ["crack", "pothole"]}

Which photos: those an inspector reviewed completely (every finding has a decision other than
pending) and that hold at least one finding; by default only those with at least one correction
(a rejection, a changed type, a corrected mask or a finding drawn by the inspector), which are the
photos the model got wrong (``only_corrected=False`` takes every fully reviewed photo).

The mask: accepted and corrected findings are drawn with their effective class (the inspector's
class when changed); rejected findings and the rest of the photo are background (0), which teaches
the model its false alarms. A band of ``edge_px`` pixels along each drawn outline is 255 (ignore),
because outlines traced at the model's working resolution are only exact to a pixel or two.
Stems are ``<project>_<photo id>_<file stem>``, so exports of several projects can be merged.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from PIL import Image, ImageDraw, ImageFilter

from roadinspect.core.photos import ImageError, load_image
from roadinspect.core.progress import CancelCheck, Progress
from roadinspect.core.review import effective_finding
from roadinspect.core.types import IGNORE_LABEL, DamageClass, Finding, Photo, Review, ReviewStatus

DEFAULT_MAX_SIDE = 1024


@dataclass
class TrainingExportResult:
    """What was written: the stems, and the photos left out with the reason."""

    out_dir: Path
    stems: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def written(self) -> list[Path]:
        """The manifest and one image + one mask per exported photo."""
        files = [self.out_dir / "manifest.csv", self.out_dir / "roadinspect-dataset.json"]
        for stem in self.stems:
            files += [self.out_dir / "images" / f"{stem}.jpg", self.out_dir / "masks" / f"{stem}.png"]
        return files


def _is_correction(finding: Finding, review: Review | None) -> bool:
    if finding.source != "model":
        return True
    if review is None:
        return False
    if review.status in (ReviewStatus.REJECTED, ReviewStatus.CORRECTED):
        return True
    return review.damage is not None and review.damage != finding.damage


def selected_photos(
    photos: Mapping[int, Photo], findings: Sequence[Finding], reviews: Mapping[int, Review],
    only_corrected: bool = True,
) -> list[int]:
    """Ids of the photos that go into the training set (see the module docstring), in id order."""
    by_photo: dict[int, list[Finding]] = {}
    for f in findings:
        if f.photo_id is not None and f.photo_id in photos:
            by_photo.setdefault(f.photo_id, []).append(f)
    out = []
    for pid in sorted(by_photo):
        items = by_photo[pid]
        decided = all(
            f.source != "model"
            or (f.id is not None and f.id in reviews and reviews[f.id].status != ReviewStatus.PENDING)
            for f in items
        )
        if not decided:
            continue
        if only_corrected and not any(_is_correction(f, reviews.get(f.id) if f.id is not None else None)
                                      for f in items):
            continue
        out.append(pid)
    return out


def render_mask(
    size: tuple[int, int], scale: float, findings: Sequence[Finding], reviews: Mapping[int, Review], edge_px: int = 2,
) -> np.ndarray:
    """The ``(H, W)`` uint8 label mask of one photo at ``scale`` x its pixel size ``size`` = (W, H) scaled."""
    width, height = size
    labels = Image.new("L", (width, height), 0)
    edges = Image.new("L", (width, height), 0)
    draw, draw_edges = ImageDraw.Draw(labels), ImageDraw.Draw(edges)
    kept = []
    for f in findings:
        eff = effective_finding(f, reviews.get(f.id)) if f.id is not None else f
        if eff is not None:
            kept.append(eff)
    # potholes first, so a crack drawn across a pothole stays visible as a crack
    kept.sort(key=lambda f: 0 if f.damage == DamageClass.POTHOLE else 1)
    for f in kept:
        geom = shapely.from_wkt(f.polygon_wkt)
        for part in getattr(geom, "geoms", [geom]):
            if part.geom_type != "Polygon" or part.is_empty:
                continue
            outer = [(x * scale, y * scale) for x, y in part.exterior.coords]
            draw.polygon(outer, fill=int(f.damage))
            for hole in part.interiors:
                draw.polygon([(x * scale, y * scale) for x, y in hole.coords], fill=0)
            if edge_px > 0:
                draw_edges.line(outer + outer[:1], fill=1, width=1)
    mask = np.asarray(labels, dtype=np.uint8).copy()
    if edge_px > 0:
        band = edges.filter(ImageFilter.MaxFilter(2 * edge_px + 1))
        mask[np.asarray(band, dtype=bool)] = IGNORE_LABEL
    return mask


def _stem(project: str, pid: int, photo: Photo) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", f"{project}_{pid:05d}_{photo.path.stem}").strip("-")
    return base or f"photo_{pid:05d}"


def export_training_set(
    photos: Mapping[int, Photo],
    findings: Sequence[Finding],
    reviews: Mapping[int, Review],
    out_dir: Path,
    *,
    project: str = "project",
    only_corrected: bool = True,
    max_side: int = DEFAULT_MAX_SIDE,
    edge_px: int = 2,
    progress: Progress | None = None,
    is_cancelled: CancelCheck | None = None,
) -> TrainingExportResult:
    """Write the training set of the reviewed photos into ``out_dir`` (see the module docstring).

    A photo that can no longer be read is skipped with its reason; the others are written. Each
    image/mask pair is written before the next photo starts; the manifest is written at the end
    (also after a cancel, listing the pairs already written).
    """
    out_dir = Path(out_dir)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    (out_dir / "masks").mkdir(parents=True, exist_ok=True)
    result = TrainingExportResult(out_dir)
    chosen = selected_photos(photos, findings, reviews, only_corrected)
    by_photo: dict[int, list[Finding]] = {}
    for f in findings:
        if f.photo_id is not None:
            by_photo.setdefault(f.photo_id, []).append(f)
    rows = []
    for i, pid in enumerate(chosen):
        if is_cancelled is not None and is_cancelled():
            break
        photo = photos[pid]
        try:
            image = load_image(photo, max_side=max_side)
        except (OSError, ImageError) as exc:
            result.skipped.append((photo.path, str(exc)))
            continue
        height, width = image.shape[:2]
        scale = width / photo.width if photo.width else 1.0
        mask = render_mask((width, height), scale, by_photo.get(pid, []), reviews, edge_px)
        stem = _stem(project, pid, photo)
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, "JPEG", quality=90)
        (out_dir / "images" / f"{stem}.jpg").write_bytes(buf.getvalue())
        Image.fromarray(mask, "L").save(out_dir / "masks" / f"{stem}.png")
        result.stems.append(stem)
        rows.append([stem, width, height, int((mask == 1).sum()), int((mask == 2).sum()), photo.path.name])
        if progress is not None:
            progress(i + 1, len(chosen))
    with open(out_dir / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["stem", "width", "height", "crack_px", "pothole_px", "source_file"])
        writer.writerows(rows)
    (out_dir / "roadinspect-dataset.json").write_text(
        json.dumps({"annotated": ["crack", "pothole"], "source": "roadinspect inspector corrections"}, indent=2),
        encoding="utf-8")
    return result
