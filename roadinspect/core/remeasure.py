"""A finding measured again as another class (an inspector's crack <-> pothole correction): Qt-free, shared by the
app's 1 / 2 keys and ``roadinspect review ... crack|pothole``.

The finding's stored outline is rasterised and measured as the new class (``findings.finding_from_polygon``): a
crack gets its length, widths and crack type, a pothole its diameter and area, each with the severity those
measures give and the ground position of the new anchor point. The outline, confidence, ids and source stay.
"""

from __future__ import annotations

from dataclasses import replace

from roadinspect.core.findings import finding_from_polygon
from roadinspect.core.geo import CameraModel
from roadinspect.core.types import DamageClass, Finding, Photo


def remeasured(finding: Finding, damage: DamageClass, photo: Photo, camera: CameraModel | None = None) -> Finding | None:
    """The finding's outline measured as ``damage`` (measures, type, severity, ground position of that class), or
    None when the outline cannot be measured as that class (too thin for a crack's skeleton)."""
    measured = finding_from_polygon(finding.polygon_wkt, DamageClass(damage), photo, camera)
    if measured is None:
        return None
    return replace(measured, polygon_wkt=finding.polygon_wkt, confidence=finding.confidence, id=finding.id,
                   photo_id=finding.photo_id, source=finding.source,
                   ground=measured.ground if measured.ground is not None else finding.ground)
