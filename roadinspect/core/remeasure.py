"""A finding measured again as another class (an inspector's crack <-> pothole correction): Qt-free, shared by the
app's 1 / 2 keys and ``roadinspect review ... crack|pothole``.

The finding's stored outline is rasterised and measured as the new class (``findings.finding_from_polygon``): a
crack gets its length, widths and crack type, a pothole its diameter and area, each with the severity those
measures give and the ground position of the new anchor point. The outline, confidence, ids and source stay.

The same function measures a finding again under another camera (``roadinspect.core.camera``: the project's
camera changed). There a model finding's outline is rasterised back on the grid it was traced from (the
analysis's working resolution, ``scale``): the outline runs half a working pixel from the centres of the
mask's pixels (``findings._polygon``, simplified by a quarter pixel at most), so sampling the grid's pixel
centres inside it gives the analysed mask back, and the measures under an unchanged camera are the ones the
analysis recorded.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import shapely

from roadinspect.core.findings import finding_from_mask, finding_from_polygon
from roadinspect.core.geo import CameraModel
from roadinspect.core.types import DamageClass, Finding, Photo


def outline_mask(polygon_wkt: str, scale: tuple[float, float]) -> tuple[np.ndarray, tuple[int, int]] | None:
    """The cells of a grid of ``scale`` photo pixels per cell (``(sx, sy)``) whose centre lies inside the outline:
    ``(mask, (col0, row0))`` with the mask's top-left cell, or None for an empty outline."""
    geom = shapely.from_wkt(polygon_wkt)
    if geom.is_empty:
        return None
    sx, sy = float(scale[0]), float(scale[1])
    x0, y0, x1, y1 = geom.bounds
    c0, r0 = max(0, math.floor(x0 / sx - 0.5)), max(0, math.floor(y0 / sy - 0.5))
    c0, r0 = c0 - c0 % 2, r0 - r0 % 2  # even, as the grid's own indices: a centroid's .5 rounds the same way
    c1, r1 = math.ceil(x1 / sx - 0.5) + 1, math.ceil(y1 / sy - 0.5) + 1
    xs = (np.arange(c0, c1) + 0.5) * sx
    ys = (np.arange(r0, r1) + 0.5) * sy
    shapely.prepare(geom)
    inside = shapely.contains_xy(geom, xs[None, :], ys[:, None])
    return (inside, (c0, r0)) if inside.any() else None


def remeasured(finding: Finding, damage: DamageClass, photo: Photo, camera: CameraModel | None = None,
               scale: tuple[float, float] | None = None) -> Finding | None:
    """The finding's outline measured as ``damage`` (measures, type, severity, ground position of that class), or
    None when the outline cannot be measured as that class (too thin for a crack's skeleton).

    ``scale``: photo pixels per cell of the grid the outline was traced on (a model finding: the analysis's
    working resolution), rasterised there (:func:`outline_mask`); None: ``findings.finding_from_polygon``."""
    if scale is None:
        measured = finding_from_polygon(finding.polygon_wkt, DamageClass(damage), photo, camera)
    else:
        cells = outline_mask(finding.polygon_wkt, scale)
        if cells is None:
            return None
        mask, (c0, r0) = cells
        measured = finding_from_mask(mask, DamageClass(damage), photo, camera, origin=(c0 * scale[0], r0 * scale[1]),
                                     scale=(float(scale[0]), float(scale[1])), confidence=finding.confidence,
                                     source=finding.source)
    if measured is None:
        return None
    return replace(measured, polygon_wkt=finding.polygon_wkt, confidence=finding.confidence, id=finding.id,
                   photo_id=finding.photo_id, source=finding.source,
                   ground=measured.ground if measured.ground is not None else finding.ground)
