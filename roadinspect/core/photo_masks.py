"""One photo through the analysis steps, as class masks: what ``analyze`` records, or the network's own decision.

Each mask is single-channel 8-bit, values 0 background / 1 crack / 2 pothole, with the width and height of the photo
*after* its EXIF orientation is applied (the photo as the inspector sees it).

:func:`analyse_photo` decodes the photo as the analysis decodes it (reduced size,
:func:`~roadinspect.core.photos.load_image`), segments it, clears the network's decision outside the road region
(:mod:`roadinspect.core.road_region`) and extracts the findings with every size filter of
:mod:`roadinspect.core.findings`. :meth:`PhotoResult.recorded_mask` keeps the network's decision at the photo's size
where it lies on the road and within a recorded finding; :meth:`PhotoResult.raw_mask` is the network's own decision
(the class mask brought to the photo's size, no region, no filter); :func:`draw_findings` draws findings' outlines.
Shared by the ``segment`` command (``roadinspect/cli_segment.py``) and ``evaluate`` (``training/evaluate_boxes.py``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from PIL import Image, ImageDraw, ImageFilter

from roadinspect.core.geo import CameraModel
from roadinspect.core.photos import load_image
from roadinspect.core.road_region import RoadRegion
from roadinspect.core.types import DamageClass, Finding, Photo

if TYPE_CHECKING:  # the segmenter imports torch; these steps take any object with its interface
    from roadinspect.core.segmenter import Segmentation


@dataclasses.dataclass
class PhotoResult:
    """One photo through the analysis steps: the network's segmentation (at the photo's scale) and the findings."""

    photo: Photo
    segmentation: Segmentation
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
