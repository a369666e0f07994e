"""Masks → findings: damage instances with polygon, confidence, measures, crack type, severity, ground position.

Instances (``ExtractionSettings`` holds every number below)
-------------------------------------------------------------
* Potholes: one finding per 8-connected blob of pothole pixels; blobs smaller than
  ``min_pothole_area_frac`` of the working image (and never fewer than ``min_pothole_area_px``
  working pixels) are noise and dropped.
* Cracks: fragments whose gap is at most ``crack_link_gap_frac`` of the working image diagonal are
  linked into one crack (each fragment is grown by half the gap with a distance transform, the grown
  mask is labelled, and each label keeps only its own crack pixels). Cracks whose skeleton is
  shorter than ``min_crack_length_px`` working pixels are dropped.

Measures (``Finding.measures``; pixel values are photo pixels)
----------------------------------------------------------------
* cracks: ``length_px`` (skeleton, ``roadinspect.core.morphology.skeletonize``, the same as
  scikit-image's; links between 8-neighbours),
  ``mean_width_px``/``max_width_px`` (``2 d - 1`` where ``d`` is the Euclidean distance transform
  sampled on the skeleton), ``junctions``, ``cells`` (closed meshes), ``orientation_deg`` (0 = along
  the road, 90 = across), ``coherence`` (1 = one direction, 0 = all directions; both from the local
  skeleton tangents, a structure tensor over 4 px, projected on the road and weighted by road length); alligator cracks
  also get ``area_px``/``area_m2`` (the network with its meshes filled).
* potholes: ``area_px``, ``area_m2``, ``diameter_m`` (diameter of the disc of the same area).
* metric values (``length_m``, ``mean_width_m``, ``max_width_m``, ``area_m2``, ``diameter_m``) come
  from the flat-road camera model (``roadinspect.core.geo``): lengths add up the road distance
  between projected skeleton pixels, areas add up the road area of every pixel (its Jacobian).
  ``uncertainty_rel`` is their relative uncertainty
  from the camera's parameter uncertainties. Pixels beyond the camera's ``max_distance_m`` are
  measured at that distance's scale and ``clamped`` gives their share; when more than half of an
  instance lies there it gets no metric values. ``metric`` is 1 when the metric values exist.
* mean width = area / skeleton length, in pixels and on the road (the local ``2 d - 1`` widths are
  rescaled to that mean and give the max width).
* ``width_resolved`` is 1 when the crack is at least ``min_resolved_width_px`` working pixels wide:
  narrower cracks are at the analysis resolution, so their width is an upper bound.
* ``pixel_m``: road size of one working pixel across the crack (the width's resolution).
* ``size_rel``: crack length or pothole diameter over the photo's diagonal (pixels).
* ``ground_distance_m``: road distance from the camera to the finding's anchor point (a skeleton
  pixel near the crack's middle, the pothole's centroid).

Crack type (``Finding.kind``) from geometry
--------------------------------------------
``alligator`` (faïençage, RDD D20) when the crack closes at least ``alligator_min_cells`` meshes, or has
at least ``alligator_min_junctions`` branch points with no dominant direction (coherence below
``alligator_max_coherence``); otherwise ``isolated`` when shorter than ``isolated_max_length_m``;
otherwise by its dominant direction on the road: within ``longitudinal_max_deg`` of the road axis
``longitudinal`` (D00), at least ``transverse_min_deg`` from it ``transverse`` (D10), in between
``isolated`` (an oblique crack). Potholes are ``pothole`` (D40).

Severity (in the spirit of ASTM D6433; depth is not visible on a photo)
------------------------------------------------------------------------
* longitudinal, transverse, isolated (ASTM "L&T cracking", mean width): low < 10 mm,
  medium 10-75 mm, high >= 75 mm. Widths are graded less one working pixel (``pixel_m``, the road
  size of one pixel across the crack: a mask is about a pixel wider than the crack it traces), and
  a crack narrower than ``min_resolved_width_px`` working pixels is low.
* alligator (ASTM grades it by spalling, which we read as opening): high when the mean width is at
  least 10 mm and resolved, medium when it covers at least 1 m² or closes 4 meshes or more, low otherwise.
* pothole (ASTM table with the depth unknown, read in its 25-50 mm row): mean diameter < 0.2 m low,
  0.2-0.45 m medium, >= 0.45 m high.
* Without metric values: cracks are low, potholes are graded by their diameter relative to the image
  width (< 5 % low, < 15 % medium, high above).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import shapely
from scipy import ndimage
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from roadinspect.core.geo import CameraModel, ground_position
from roadinspect.core.morphology import binary_rings, skeletonize
from roadinspect.core.types import CRACK_KINDS as CRACK_KINDS  # re-exported; defined once, in core.types
from roadinspect.core.types import KINDS as KINDS
from roadinspect.core.types import DamageClass, Finding, GeoPoint, Photo, Severity

RDD_CODES = {"longitudinal": "D00", "transverse": "D10", "alligator": "D20", "pothole": "D40", "isolated": ""}
"""Road Damage Dataset codes (RDD has no code for isolated or oblique cracks)."""

FRENCH_NAMES = {
    "longitudinal": "fissure longitudinale",
    "transverse": "fissure transversale",
    "alligator": "faïençage",
    "isolated": "fissure isolée",
    "pothole": "nid de poule",
}
"""Names of the French catalogue of surface damage, for exports."""

FRENCH_SEVERITY = {Severity.LOW: "faible", Severity.MEDIUM: "moyenne", Severity.HIGH: "élevée"}


class SegmentationLike(Protocol):
    """What the extraction reads from ``roadinspect.core.segmenter.Segmentation`` (read-only)."""

    @property
    def mask(self) -> np.ndarray: ...
    @property
    def probs(self) -> np.ndarray: ...
    @property
    def image_size(self) -> tuple[int, int]: ...
    @property
    def scale(self) -> tuple[float, float]: ...


@dataclass(frozen=True)
class ExtractionSettings:
    """Every threshold of the extraction (see the module docstring for their meaning)."""

    min_pothole_area_frac: float = 2e-4
    min_pothole_area_px: int = 12
    crack_link_gap_frac: float = 0.015
    min_crack_length_px: float = 10.0
    min_resolved_width_px: float = 1.5
    alligator_min_cells: int = 2
    alligator_min_cell_px: int = 4
    alligator_min_junctions: int = 4
    alligator_max_coherence: float = 0.5
    isolated_max_length_m: float = 0.3
    isolated_max_length_frac: float = 0.04
    longitudinal_max_deg: float = 30.0
    transverse_min_deg: float = 60.0
    lt_width_mm: tuple[float, float] = (10.0, 75.0)
    alligator_open_width_mm: float = 10.0
    alligator_medium_area_m2: float = 1.0
    alligator_medium_cells: int = 4
    pothole_diameter_m: tuple[float, float] = (0.2, 0.45)
    pothole_diameter_frac: tuple[float, float] = (0.05, 0.15)


DEFAULT_SETTINGS = ExtractionSettings()

MAX_CLAMPED = 0.5
"""Above this share of an instance beyond the camera's ``max_distance_m``, it gets no metric values."""


@dataclass
class _Frame:
    """Maps pixels ``(col, row)`` of a mask crop to photo pixels and to the road."""

    sx: float
    sy: float
    ox: float
    oy: float
    width: int
    height: int

    def image_xy(self, c: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Photo pixel coordinates of the centres of mask pixels ``(c, r)``."""
        return self.ox + (np.asarray(c, float) + 0.5) * self.sx, self.oy + (np.asarray(r, float) + 0.5) * self.sy

    def clamp_row(self, camera: CameraModel) -> float | None:
        """Smallest mask row measured at its own scale (None: nothing is on the measurable road)."""
        v_lim = camera.limit_v(self.width, self.height)
        if v_lim >= self.height:
            return None
        return (v_lim - self.oy) / self.sy - 0.5

    def ground(
        self, camera: CameraModel, c: np.ndarray, r: np.ndarray, r_min: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Road metres of mask points, rows below ``r_min`` moved up to it."""
        u, v = self.image_xy(c, np.maximum(np.asarray(r, float), r_min))
        gx, gy, _ = camera.ground_xy(u, v, self.width, self.height, within_limit=False)
        return gx, gy


@dataclass
class _Metric:
    """Metric measures of one instance under one camera model."""

    values: dict[str, float] = field(default_factory=dict)
    angle_deg: float | None = None
    coherence: float | None = None


def _links(skel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of linked skeleton pixels as two ``(n, 2)`` arrays of ``(row, col)``.

    Links join 8-neighbours; a diagonal link is skipped when an orthogonal path through a common
    neighbour exists (so staircase corners are not counted twice).
    """
    s = np.pad(skel, 1)
    a_list, b_list = [], []
    h, w = skel.shape
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        here = s[1 : h + 1, 1 : w + 1]
        there = s[1 + dr : h + 1 + dr, 1 + dc : w + 1 + dc]
        ok = here & there
        if dr and dc:
            corner1 = s[1 + dr : h + 1 + dr, 1 : w + 1]
            corner2 = s[1 : h + 1, 1 + dc : w + 1 + dc]
            ok &= ~(corner1 | corner2)
        rr, cc = np.nonzero(ok)
        a_list.append(np.column_stack([rr, cc]))
        b_list.append(np.column_stack([rr + dr, cc + dc]))
    return np.concatenate(a_list), np.concatenate(b_list)


def _direction(vx: np.ndarray, vy: np.ndarray) -> tuple[float, float]:
    """Dominant axis of vectors ``(vx, vy)`` as ``(angle from +y in degrees in [0, 90], coherence)``.

    Uses doubled angles weighted by length, so that opposite vectors agree.
    """
    length = np.hypot(vx, vy)
    total = float(length.sum())
    if total <= 0.0:
        return 0.0, 0.0
    theta = np.arctan2(vx, vy)
    z = np.sum(length * np.exp(2j * theta)) / total
    angle = abs(math.degrees(np.angle(z) / 2.0))
    return min(angle, 180.0 - angle), float(abs(z))


def _local_directions(sk: np.ndarray, radius: float = 4.0) -> np.ndarray:
    """Unit tangent ``(d row, d col)`` of the skeleton at each of its pixels ``sk`` (``(n, 2)``).

    The principal axis of the skeleton pixels within ``radius`` (a local structure tensor: the sum of
    ``d d^T`` over the offsets ``d`` to every other skeleton pixel at most ``radius`` away), which is
    smooth where 8-neighbour steps only know 0 and 45 degrees. Computed offset by offset on a padded
    image of the skeleton (memory and time in proportion to the pixels, whatever the skeleton's shape;
    a k-d tree here degenerated on long straight runs and overflowed a thread's stack).
    """
    sk = np.asarray(sk, dtype=np.intp).reshape(-1, 2)
    n = len(sk)
    if n < 2:
        return np.tile([0.0, 1.0], (n, 1))
    reach = int(math.floor(radius))
    lo = sk.min(axis=0)
    local = sk - lo + reach  # positions in an image padded by ``reach`` on every side
    shape = tuple(int(x) for x in local.max(axis=0) + reach + 1)
    image = np.zeros(shape, dtype=bool)
    image[local[:, 0], local[:, 1]] = True
    t = np.zeros((n, 3))
    for dr in range(-reach, reach + 1):
        for dc in range(-reach, reach + 1):
            if (dr == 0 and dc == 0) or dr * dr + dc * dc > radius * radius:
                continue
            hit = image[local[:, 0] + dr, local[:, 1] + dc]
            t[hit] += (dr * dr, dc * dc, dr * dc)
    theta = 0.5 * np.arctan2(2.0 * t[:, 2], t[:, 0] - t[:, 1])  # angle from the row axis
    return np.column_stack([np.cos(theta), np.sin(theta)])


def _polygon(inst: np.ndarray, frame: _Frame, r0: int, c0: int) -> BaseGeometry:
    """Polygon (photo pixels) of the mask pixels of ``inst`` whose top-left is mask pixel ``(r0, c0)``.

    One pass: the iso-contours at 0.5 of the padded instance (marching squares assembled with array
    operations, :func:`~roadinspect.core.morphology.binary_rings`; the foreground is 4-connected there,
    so two rings never touch or cross) are simplified ring by ring (Douglas-Peucker,
    a quarter of a working pixel, each ring kept simple), sorted into shells (foreground inside) and
    holes by their orientation, each hole given to the smallest shell around it, and the polygons
    built once. The region is the one the former way gave (rings combined one by one with
    ``symmetric_difference``, then the whole simplified: quadratic in the number of rings, minutes on a
    damage-dense photo); vertices agree within the simplification tolerance, the outlines within half
    a working pixel (Hausdorff; ``tests/core/test_findings_shapes.py``).
    """
    points, ring_of = binary_rings(inst)
    if not len(points):
        return Polygon()
    n_rings = int(ring_of[-1]) + 1
    xs = frame.ox + (points[:, 1] + c0 + 0.5) * frame.sx
    ys = frame.oy + (points[:, 0] + r0 + 0.5) * frame.sy
    # Twice the signed area of each ring (shoelace; rings are closed: last vertex = first).
    same = ring_of[:-1] == ring_of[1:]
    cross = (xs[:-1] * ys[1:] - xs[1:] * ys[:-1])[same]
    twice_area = np.bincount(ring_of[:-1][same], weights=cross, minlength=n_rings)
    rings = shapely.linearrings(np.column_stack([xs, ys]), indices=ring_of)
    simple = shapely.simplify(rings, 0.25 * min(frame.sx, frame.sy), preserve_topology=True)
    keep = shapely.is_empty(simple) | (shapely.get_num_coordinates(simple) < 4)
    simple[keep] = rings[keep]
    shell_idx = np.flatnonzero(twice_area > 0.0)  # the orientation of a ring around foreground
    hole_idx = np.flatnonzero(twice_area < 0.0)
    if not len(shell_idx):
        return Polygon()
    holes_of: dict[int, list[int]] = {}
    if len(hole_idx):
        outer = shapely.polygons(rings[shell_idx])
        tree = shapely.STRtree(outer)
        starts = np.searchsorted(ring_of, hole_idx)
        hole_at, shell_at = tree.query(shapely.points(xs[starts], ys[starts]), predicate="within")
        areas = twice_area[shell_idx]
        best: dict[int, int] = {}
        for h, k in zip(hole_at.tolist(), shell_at.tolist(), strict=True):
            if h not in best or areas[k] < areas[best[h]]:
                best[h] = k
        for h, k in best.items():
            holes_of.setdefault(k, []).append(int(hole_idx[h]))
    parts = shapely.polygons(simple[shell_idx])
    for k, inner in holes_of.items():
        parts[k] = shapely.polygons(simple[shell_idx[k]], holes=simple[inner])
    geom: BaseGeometry = parts[0] if len(parts) == 1 else shapely.MultiPolygon(list(parts))
    if not geom.is_valid:  # not expected (the rings never touch): repaired rather than stored broken
        geom = shapely.make_valid(geom)
        polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.unary_union(polys) if polys else Polygon()
    return geom


def _crack_metric(
    camera: CameraModel, frame: _Frame, r_min: float, a: np.ndarray, b: np.ndarray,
    sk: np.ndarray, widths: np.ndarray, inst_rc: np.ndarray,
    filled_rc: np.ndarray | None, tangents: np.ndarray,
) -> _Metric:
    """Length, widths (and filled area) of a crack on the road under ``camera``.

    The mean width is the road area of the crack's pixels over its road length (perspective-correct
    whatever the crack's direction); the max width scales it by the local widths' max over mean.
    """
    ax, ay = frame.ground(camera, a[:, 1], a[:, 0], r_min)
    bx, by = frame.ground(camera, b[:, 1], b[:, 0], r_min)
    rows = np.maximum(sk[:, 0].astype(float), r_min)
    vx, vy = bx - ax, by - ay
    out = _Metric()
    out.values["length_m"] = float(np.hypot(vx, vy).sum()) if len(a) else 0.0
    tr, tc = tangents[:, 0], tangents[:, 1]
    fx, fy = frame.ground(camera, sk[:, 1] + tc / 2, rows + tr / 2, -math.inf)
    gx, gy = frame.ground(camera, sk[:, 1] - tc / 2, rows - tr / 2, -math.inf)
    out.angle_deg, out.coherence = _direction(fx - gx, fy - gy)
    nc, nr = tr, -tc  # local normals (d col, d row), perpendicular to the tangents
    px, py = frame.ground(camera, sk[:, 1] + nc / 2, rows + nr / 2, -math.inf)
    qx, qy = frame.ground(camera, sk[:, 1] - nc / 2, rows - nr / 2, -math.inf)
    per_px = np.hypot(px - qx, py - qy)
    if not len(a):
        out.values["length_m"] = float(per_px.mean())
    mean_width = _area_m2(camera, frame, r_min, inst_rc) / (out.values["length_m"] + float(per_px.mean()))
    out.values["mean_width_m"] = mean_width
    out.values["pixel_m"] = float(per_px.mean())
    out.values["max_width_m"] = mean_width * float(widths.max() / widths.mean())
    if filled_rc is not None:
        out.values["area_m2"] = _area_m2(camera, frame, r_min, filled_rc)
    return out


def _area_m2(camera: CameraModel, frame: _Frame, r_min: float, rc: np.ndarray) -> float:
    """Road area of the mask pixels ``rc`` (``(n, 2)`` rows and cols): sum of each pixel's Jacobian."""
    r = np.maximum(rc[:, 0].astype(float), r_min)
    c = rc[:, 1].astype(float)
    x1, y1 = frame.ground(camera, c + 0.5, r, -math.inf)
    x0, y0 = frame.ground(camera, c - 0.5, r, -math.inf)
    x3, y3 = frame.ground(camera, c, r + 0.5, -math.inf)
    x2, y2 = frame.ground(camera, c, r - 0.5, -math.inf)
    det = np.abs((x1 - x0) * (y3 - y2) - (y1 - y0) * (x3 - x2))
    return float(np.nansum(det))


def _uncertainty(camera: CameraModel, compute: Callable[[CameraModel], _Metric], base: dict[str, float]) -> float:
    """Relative uncertainty of the metric values ``base`` (largest over the values, quadrature over parameters)."""
    worst = 0.0
    changes: dict[str, list[float]] = {k: [] for k in base}
    for cam in camera.perturbed():
        other = compute(cam).values
        for k, v in base.items():
            if v > 0 and k in other:
                changes[k].append((other[k] - v) / v)
    for rel in changes.values():
        if rel:
            worst = max(worst, math.sqrt(sum(x * x for x in rel)))
    return worst


def _crack_measures(
    inst: np.ndarray, frame: _Frame, camera: CameraModel, r0: int, c0: int, settings: ExtractionSettings
) -> tuple[dict[str, float], str, Severity, tuple[int, int]] | None:
    """Measures, kind, severity and anchor pixel (mask row, col) of one crack instance (None: too short)."""
    skel = skeletonize(inst)
    if not skel.any():
        return None
    a, b = _links(skel)
    sx, sy = frame.sx, frame.sy
    dr, dc = (b - a).T if len(a) else (np.zeros(0), np.zeros(0))
    length_work = float(np.hypot(dr, dc).sum()) if len(a) else 1.0
    if length_work < settings.min_crack_length_px:
        return None
    sk = np.argwhere(skel)
    dist = ndimage.distance_transform_edt(np.pad(inst, 1))[1:-1, 1:-1]
    widths = np.maximum(2.0 * dist[skel] - 1.0, 1.0)
    if len(a):
        # Local widths (2 d - 1) are exact for odd widths only: rescale them so that their mean is
        # the instance's area over its skeleton length.
        widths = widths * (float(inst.sum()) / float(np.hypot(*(b - a).T).sum() + 1.0)) / float(widths.mean())
    tangents = _local_directions(sk)
    img_angle, img_coh = _direction(tangents[:, 1] * sx, -tangents[:, 0] * sy)
    if len(a):
        z = np.sum(np.hypot(dc * sx, dr * sy) * np.exp(2j * np.arctan2(dr * sy, dc * sx)))
        phi = float(np.angle(z) / 2.0)  # direction of the crack in (col, row) space
    else:
        phi = 0.0
    normal = (-math.sin(phi), math.cos(phi))  # (d col, d row)
    normal_scale = math.hypot(normal[0] * sx, normal[1] * sy)
    neigh = ndimage.convolve(np.pad(skel, 1).astype(np.uint8), np.ones((3, 3), np.uint8), mode="constant")[1:-1, 1:-1]
    junction_px = skel & (neigh >= 4)
    junctions = int(ndimage.label(junction_px, structure=np.ones((3, 3)))[1])
    background, n_bg = ndimage.label(~np.pad(inst, 1))
    sizes = np.bincount(background.ravel(), minlength=n_bg + 1)
    outside = background[0, 0]
    cells = int(sum(1 for lab in range(1, n_bg + 1) if lab != outside and sizes[lab] >= settings.alligator_min_cell_px))
    lengths = np.hypot(dc * sx, dr * sy)
    measures: dict[str, float] = {
        "length_px": float(lengths.sum()) if len(a) else float(max(sx, sy)),
        "mean_width_px": float(widths.mean() * normal_scale),
        "max_width_px": float(widths.max() * normal_scale),
        "junctions": float(junctions),
        "cells": float(cells),
        "width_resolved": 1.0 if float(widths.mean()) >= settings.min_resolved_width_px else 0.0,
    }
    is_alligator = cells >= settings.alligator_min_cells or (
        junctions >= settings.alligator_min_junctions and img_coh < settings.alligator_max_coherence
    )
    filled_rc = None
    if is_alligator:
        filled = ndimage.binary_fill_holes(inst)
        filled_rc = np.argwhere(filled) + [r0, c0]
        measures["area_px"] = float(len(filled_rc) * sx * sy)
    # Anchor: the skeleton pixel closest to the skeleton's centroid.
    centre = sk.mean(axis=0)
    anchor = sk[int(np.argmin(((sk - centre) ** 2).sum(axis=1)))] + [r0, c0]
    r_min = frame.clamp_row(camera)
    angle, coherence = img_angle, img_coh
    clamped = 1.0
    if r_min is not None:
        a_abs, b_abs, sk_abs = a + [r0, c0], b + [r0, c0], sk + [r0, c0]
        inst_rc = np.argwhere(inst) + [r0, c0]

        r_fallback = r_min

        def compute(cam: CameraModel) -> _Metric:
            rm = frame.clamp_row(cam)
            return _crack_metric(cam, frame, r_fallback if rm is None else rm, a_abs, b_abs, sk_abs, widths,
                                 inst_rc, filled_rc, tangents)

        clamped = float(np.mean(sk_abs[:, 0] < r_min))
        if clamped > MAX_CLAMPED:
            r_min = None
    if r_min is not None:
        metric = compute(camera)
        measures.update(metric.values)
        measures["uncertainty_rel"] = _uncertainty(camera, compute, metric.values)
        measures["clamped"] = clamped
        measures["metric"] = 1.0
        angle, coherence = metric.angle_deg or 0.0, metric.coherence or 0.0
    else:
        measures["metric"] = 0.0
    measures["orientation_deg"] = float(angle)
    measures["coherence"] = float(coherence)
    if is_alligator:
        kind = "alligator"
    elif (measures.get("length_m", math.inf) < settings.isolated_max_length_m) or (
        r_min is None
        and measures["length_px"] < settings.isolated_max_length_frac * math.hypot(frame.width, frame.height)
    ):
        kind = "isolated"
    elif angle <= settings.longitudinal_max_deg:
        kind = "longitudinal"
    elif angle >= settings.transverse_min_deg:
        kind = "transverse"
    else:
        kind = "isolated"
    return measures, kind, severity_for(kind, measures, frame.width, settings), (int(anchor[0]), int(anchor[1]))


def _pothole_measures(
    inst: np.ndarray, frame: _Frame, camera: CameraModel, r0: int, c0: int, settings: ExtractionSettings
) -> tuple[dict[str, float], str, Severity, tuple[int, int]]:
    """Measures, kind, severity and anchor pixel of one pothole instance."""
    rc = np.argwhere(inst) + [r0, c0]
    measures: dict[str, float] = {"area_px": float(len(rc) * frame.sx * frame.sy)}
    measures["diameter_px"] = math.sqrt(4.0 * measures["area_px"] / math.pi)
    r_min = frame.clamp_row(camera)
    clamped = float(np.mean(rc[:, 0] < r_min)) if r_min is not None else 1.0
    if r_min is not None and clamped <= MAX_CLAMPED:

        def compute(cam: CameraModel) -> _Metric:
            rm = frame.clamp_row(cam)
            area = _area_m2(cam, frame, r_min if rm is None else rm, rc)
            return _Metric(values={"area_m2": area, "diameter_m": math.sqrt(4.0 * area / math.pi)})

        metric = compute(camera)
        measures.update(metric.values)
        measures["uncertainty_rel"] = _uncertainty(camera, compute, metric.values)
        measures["clamped"] = clamped
        measures["metric"] = 1.0
    else:
        measures["metric"] = 0.0
    centre = rc.mean(axis=0)
    return measures, "pothole", severity_for("pothole", measures, frame.width, settings), (
        int(round(centre[0])), int(round(centre[1])))


def severity_for(
    kind: str, measures: dict[str, float], image_width: int, settings: ExtractionSettings = DEFAULT_SETTINGS
) -> Severity:
    """Severity of a finding of ``kind`` from its measures (thresholds in the module docstring)."""
    metric = measures.get("metric", 0.0) >= 1.0
    if kind == "pothole":
        if metric and "diameter_m" in measures:
            d, (lo, hi) = measures["diameter_m"], settings.pothole_diameter_m
        else:
            d, (lo, hi) = measures.get("diameter_px", 0.0) / max(image_width, 1), settings.pothole_diameter_frac
        return Severity.LOW if d < lo else Severity.MEDIUM if d < hi else Severity.HIGH
    if not metric:
        return Severity.LOW
    # A mask is about one pixel wider than the crack it traces (boundary pixels): grade the width
    # without that pixel, so that resolution alone never raises the severity.
    width_mm = max(0.0, measures.get("mean_width_m", 0.0) - measures.get("pixel_m", 0.0)) * 1000.0
    resolved = measures.get("width_resolved", 0.0) >= 1.0
    if kind == "alligator":
        if resolved and width_mm >= settings.alligator_open_width_mm:
            return Severity.HIGH
        if (measures.get("area_m2", 0.0) >= settings.alligator_medium_area_m2
                or measures.get("cells", 0.0) >= settings.alligator_medium_cells):
            return Severity.MEDIUM
        return Severity.LOW
    if not resolved:
        return Severity.LOW
    lo, hi = settings.lt_width_mm
    return Severity.LOW if width_mm < lo else Severity.MEDIUM if width_mm < hi else Severity.HIGH


def _finding(
    damage: DamageClass, inst: np.ndarray, frame: _Frame, r0: int, c0: int, confidence: float,
    photo: Photo, camera: CameraModel, settings: ExtractionSettings, source: str,
) -> Finding | None:
    """One finding from an instance crop, or None when the instance is too small to keep."""
    result = (_pothole_measures(inst, frame, camera, r0, c0, settings) if damage == DamageClass.POTHOLE
              else _crack_measures(inst, frame, camera, r0, c0, settings))
    if result is None:
        return None
    measures, kind, severity, (ar, ac) = result
    size_px = measures["diameter_px"] if damage == DamageClass.POTHOLE else measures["length_px"]
    measures["size_rel"] = size_px / math.hypot(frame.width, frame.height)
    geom = _polygon(inst, frame, r0, c0)
    if geom.is_empty:
        return None
    u, v = frame.image_xy(np.array(ac), np.array(ar))
    ground, dist = ground_position(photo, camera, float(u), float(v))
    if dist is not None:
        measures["ground_distance_m"] = dist
    measures = {k: round(float(val), 6) for k, val in measures.items()}
    return Finding(
        damage=damage,
        polygon_wkt=shapely.to_wkt(geom, rounding_precision=2, trim=True),
        confidence=round(float(min(max(confidence, 0.0), 1.0)), 4),
        kind=kind,
        severity=severity,
        measures=measures,
        ground=ground,
        photo_id=None,
        source=source,
    )


def extract_findings(
    segmentation: SegmentationLike,
    photo: Photo,
    camera: CameraModel | None = None,
    settings: ExtractionSettings = DEFAULT_SETTINGS,
) -> list[Finding]:
    """The findings of one photo from its segmentation (pothole blobs, linked crack instances).

    ``camera`` defaults to ``CameraModel()`` with the photo's EXIF focal length. Findings come
    sorted by class, then top-to-bottom, left-to-right; ``id`` and ``photo_id`` are left to the store.
    """
    mask = np.asarray(segmentation.mask)
    probs = np.asarray(segmentation.probs)
    width, height = (int(x) for x in segmentation.image_size)
    sx, sy = (float(x) for x in segmentation.scale)
    cam = (camera or CameraModel()).for_photo(photo)
    frame = _Frame(sx=sx, sy=sy, ox=0.0, oy=0.0, width=width, height=height)
    h, w = mask.shape
    out: list[tuple[tuple[int, int, int], Finding]] = []

    pothole = mask == DamageClass.POTHOLE
    min_area = max(settings.min_pothole_area_px, settings.min_pothole_area_frac * h * w)
    labels, _ = ndimage.label(pothole, structure=np.ones((3, 3)))
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        inst = labels[sl] == i
        if inst.sum() < min_area:
            continue
        conf = float(probs[DamageClass.POTHOLE][sl][inst].mean())
        f = _finding(DamageClass.POTHOLE, inst, frame, sl[0].start, sl[1].start, conf, photo, cam, settings, "model")
        if f is not None:
            out.append(((int(DamageClass.POTHOLE), sl[0].start, sl[1].start), f))

    crack = mask == DamageClass.CRACK
    if crack.any():
        gap = settings.crack_link_gap_frac * math.hypot(h, w)
        grown = ndimage.distance_transform_edt(~crack) <= gap / 2.0
        labels, _ = ndimage.label(grown, structure=np.ones((3, 3)))
        labels = np.where(crack, labels, 0)
        for i, sl in enumerate(ndimage.find_objects(labels), start=1):
            if sl is None:
                continue
            inst = labels[sl] == i
            conf = float(probs[DamageClass.CRACK][sl][inst].mean())
            f = _finding(DamageClass.CRACK, inst, frame, sl[0].start, sl[1].start, conf, photo, cam, settings, "model")
            if f is not None:
                out.append(((int(DamageClass.CRACK), sl[0].start, sl[1].start), f))
    out.sort(key=lambda item: item[0])
    return [f for _, f in out]


def finding_from_mask(
    region_mask: np.ndarray,
    damage: DamageClass,
    photo: Photo,
    camera: CameraModel | None = None,
    *,
    origin: tuple[float, float] = (0.0, 0.0),
    scale: tuple[float, float] = (1.0, 1.0),
    confidence: float = 1.0,
    probs: np.ndarray | None = None,
    source: str = "inspector",
    settings: ExtractionSettings = DEFAULT_SETTINGS,
) -> Finding | None:
    """Recompute a finding from a corrected region (the GUI's mask brush), or None when it is empty/too small.

    ``region_mask`` is a boolean mask whose pixel ``(row, col)`` covers photo pixels starting at
    ``origin + (col * sx, row * sy)`` (``origin`` and ``scale`` in photo pixels: a full-size mask uses
    the defaults). ``probs``, when given, is the class probability map of the same shape and gives
    the confidence; otherwise ``confidence`` is used (1.0 for an inspector's drawing).
    Tiny regions are kept for potholes (an inspector drew them) but cracks still need a skeleton.
    """
    region = np.asarray(region_mask).astype(bool)
    if not region.any():
        return None
    cam = (camera or CameraModel()).for_photo(photo)
    frame = _Frame(sx=float(scale[0]), sy=float(scale[1]), ox=float(origin[0]), oy=float(origin[1]),
                   width=photo.width, height=photo.height)
    rows = np.nonzero(region.any(axis=1))[0]
    cols = np.nonzero(region.any(axis=0))[0]
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    inst = region[r0:r1, c0:c1]
    if probs is not None:
        confidence = float(np.asarray(probs)[r0:r1, c0:c1][inst].mean())
    relaxed = replace(settings, min_crack_length_px=1.0)
    return _finding(damage, inst, frame, r0, c0, confidence, photo, cam, relaxed, source)


def finding_from_polygon(
    polygon_wkt: str,
    damage: DamageClass,
    photo: Photo,
    camera: CameraModel | None = None,
    *,
    confidence: float = 1.0,
    source: str = "inspector",
    max_raster_px: int = 1024,
    settings: ExtractionSettings = DEFAULT_SETTINGS,
) -> Finding | None:
    """Recompute a finding from a corrected polygon (photo pixels, WKT): rasterised, then ``finding_from_mask``.

    The polygon's bounding box is rasterised at most ``max_raster_px`` pixels on its longer side.
    """
    from PIL import Image, ImageDraw

    geom = shapely.from_wkt(polygon_wkt)
    if geom.is_empty:
        return None
    x0, y0, x1, y1 = geom.bounds
    x0, y0 = math.floor(x0), math.floor(y0)
    span = max(x1 - x0, y1 - y0, 1.0)
    k = min(1.0, max_raster_px / span)
    w, h = max(1, math.ceil((x1 - x0) * k)), max(1, math.ceil((y1 - y0) * k))
    canvas = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(canvas)
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type != "Polygon":
            continue
        draw.polygon([((x - x0) * k, (y - y0) * k) for x, y in part.exterior.coords], fill=1)
        for hole in part.interiors:
            draw.polygon([((x - x0) * k, (y - y0) * k) for x, y in hole.coords], fill=0)
    region = np.asarray(canvas, dtype=bool)
    return finding_from_mask(region, damage, photo, camera, origin=(float(x0), float(y0)),
                             scale=(1.0 / k, 1.0 / k), confidence=confidence, source=source, settings=settings)


def drawn_finding(polygon_wkt: str, damage: DamageClass, photo: Photo, camera: CameraModel | None = None) -> Finding:
    """A finding an inspector drew as an outline (photo pixels, WKT): measured as ``damage``
    (:func:`finding_from_polygon`), or, when the outline is too thin to measure, kept as drawn and unmeasured: type
    ``pothole`` or ``isolated``, medium severity, no measures and no ground position of its own (the photo's
    position stands in). Confidence 1, source ``inspector``."""
    finding = finding_from_polygon(polygon_wkt, damage, photo, camera)
    if finding is not None:
        return finding
    kind = "pothole" if damage == DamageClass.POTHOLE else "isolated"
    return Finding(DamageClass(damage), polygon_wkt, 1.0, kind, Severity.MEDIUM, {}, None, None, None, "inspector")


def ground_of(finding: Finding, photo: Photo) -> GeoPoint | None:
    """The finding's ground position, or the photo's position when it has none."""
    return finding.ground if finding.ground is not None else photo.position
