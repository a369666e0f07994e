"""``roadinspect segment``: one class-mask PNG per photo, of what ``analyze`` would record; bad inputs named and skipped.

Each mask is single-channel 8-bit, values 0 background / 1 crack / 2 pothole, with the width and
height of the photo *after* its EXIF orientation is applied (the photo as the inspector sees it).

By default the mask holds the findings that ``analyze`` would record for the photo: the photo is
decoded as the analysis decodes it (reduced size, :func:`~roadinspect.core.photos.load_image`), the
network's decision is cleared outside the road region (:mod:`roadinspect.core.road_region`; the
photos given to one command are one batch, so the still parts of the vehicle are estimated per
camera and size over them), the findings are extracted with every size filter of
:mod:`roadinspect.core.findings`, and the mask keeps the network's decision at the photo's size
where it lies on the road and within a recorded finding (:meth:`PhotoResult.recorded_mask`). ``raw=True`` writes the network's own decision instead (the class mask brought to
the photo's size, no region, no filter). :func:`analyse_photo` and :func:`draw_findings` are the
steps, shared with ``evaluate``.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from PIL import Image, ImageDraw, ImageFilter

from roadinspect.core.geo import CameraModel
from roadinspect.core.photos import ImageError, find_images, load_image, read_photo
from roadinspect.core.road_region import RoadRegion, estimate_batch, region_for
from roadinspect.core.types import DamageClass, Finding, Photo

Report = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclasses.dataclass
class PhotoResult:
    """One photo through the analysis steps: the network's segmentation (at the photo's scale) and the findings."""

    photo: Photo
    segmentation: Any
    findings: list[Finding]
    region: RoadRegion | None = None

    def raw_mask(self) -> np.ndarray:
        """The network's own decision at the photo's size, ``(H, W)`` uint8."""
        return self.segmentation.full_mask()

    def recorded_mask(self) -> np.ndarray:
        """The pixels of the recorded findings at the photo's size, ``(H, W)`` uint8.

        The network's decision at the photo's size (:meth:`raw_mask`, the same pixels the app
        overlays) kept where it lies on the road and within a finding of its class: the findings'
        outlines (:func:`draw_findings`) grown by one working pixel, so that a thin crack keeps the
        connectivity of its pixels rather than the staircase of its outline.
        """
        width, height = self.photo.width, self.photo.height
        full = self.raw_mask()
        if not self.findings:
            return np.zeros_like(full)
        drawn = draw_findings(self.findings, width, height)
        grow = 2 * max(1, math.ceil(max(self.segmentation.scale))) + 1
        out = np.zeros_like(full)
        for damage in (DamageClass.CRACK, DamageClass.POTHOLE):
            if not (drawn == damage).any():
                continue
            near = Image.fromarray(((drawn == damage) * 255).astype(np.uint8)).filter(ImageFilter.MaxFilter(grow))
            out[(full == damage) & (np.asarray(near) > 0)] = damage
        if self.region is not None:
            out[~self.region.road(width, height)] = 0
        return out


def analyse_photo(segmenter: Any, photo: Photo, region: RoadRegion | None = None,
                  camera: CameraModel | None = None, image: np.ndarray | None = None) -> PhotoResult:
    """Decode ``photo`` as ``analyze`` does, segment it, apply ``region`` and extract the findings.

    ``image``: the photo already decoded at the segmenter's working size (else it is read here).

    Raises:
        ImageError, OSError: the file cannot be read or decoded. ValueError: not an image the model takes.
    """
    from roadinspect.core.findings import extract_findings

    if image is None:
        image = load_image(photo.path, max_side=getattr(segmenter, "max_side", None))
    segmentation = segmenter.predict(image)
    segmentation = dataclasses.replace(segmentation, image_size=(photo.width, photo.height))
    kept = region.apply(segmentation) if region is not None else segmentation
    return PhotoResult(photo, segmentation, extract_findings(kept, photo, camera), region)


def draw_findings(findings: Sequence[Finding], width: int, height: int) -> np.ndarray:
    """``(height, width)`` uint8 mask of the findings' outlines (class values; potholes drawn over cracks)."""
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    for damage in (DamageClass.CRACK, DamageClass.POTHOLE):
        for finding in findings:
            if finding.damage != damage:
                continue
            geom = shapely.from_wkt(finding.polygon_wkt)
            for part in getattr(geom, "geoms", [geom]):
                if part.geom_type != "Polygon" or part.is_empty:
                    continue
                # Pixel (c, r) covers [c, c + 1] x [r, r + 1]; PIL fills by pixel centres at integer
                # coordinates, so shift by half a pixel.
                draw.polygon([(x - 0.5, y - 0.5) for x, y in part.exterior.coords], fill=int(damage))
                for hole in part.interiors:
                    draw.polygon([(x - 0.5, y - 0.5) for x, y in hole.coords], fill=0)
    return np.asarray(canvas, dtype=np.uint8).copy()


def segment_files(inputs: Sequence[Path], out: Path, weights: Path | None = None, device: str = "auto",
                  report: Report = _stderr, *, raw: bool = False, road_region: bool = True,
                  camera: CameraModel | None = None) -> int:
    """Write ``out/<stem>.png`` for every readable photo of ``inputs``; return the exit code.

    0 when every photo was segmented, 1 when some inputs were unreadable (each is named with its
    reason), 2 when nothing could run (model or output folder problem). ``raw``: the network's own
    decision; ``road_region=False``: the findings without the road region.
    """
    from roadinspect.core.segmenter import ModelError, Segmenter

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        report(f"error: cannot create the output folder {out}: {exc.strerror or exc}")
        return 2
    try:
        segmenter = Segmenter.load(weights, device=device)
    except ModelError as exc:
        report(f"error: {exc}")
        return 2
    paths, problems, _skipped = find_images(inputs)
    for problem in problems:
        report(f"{problem.path}: {problem.reason}")
    failed = len(problems)
    photos: list[Photo] = []
    for path in paths:
        photo = read_photo(path)
        if isinstance(photo, Photo):
            photos.append(photo)
        else:
            report(f"{photo.path}: {photo.reason}")
            failed += 1
    regions = estimate_batch(photos, camera) if road_region and not raw else {}
    used_stems: set[str] = set()
    written = 0
    for photo in photos:
        try:
            result = analyse_photo(segmenter, photo, region_for(regions, photo), camera)
            mask = result.raw_mask() if raw else result.recorded_mask()
        except (ImageError, OSError, ValueError) as exc:
            report(f"{photo.path}: {exc}")
            failed += 1
            continue
        stem = photo.path.stem
        if stem in used_stems:  # two inputs with the same name in different folders
            stem = f"{photo.path.parent.name}_{stem}"
        used_stems.add(stem)
        target = out / f"{stem}.png"
        tmp = target.with_suffix(".png.tmp")
        Image.fromarray(mask).save(tmp, format="PNG")
        tmp.replace(target)
        written += 1
    for region in regions.values():
        if region.note:
            report(f"road region of {region.key.replace('|', ' ')}: {region.note}")
    report(f"segmented {written} image(s) into {out}; {failed} unreadable")
    return 1 if failed else 0
