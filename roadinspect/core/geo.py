"""Metric geometry: the flat-road camera model, ground positions and metric frames (pyproj + shapely).

The flat-road camera model
--------------------------
A pinhole camera at ``height_m`` above a flat road, looking along the direction of travel, tilted
down by ``pitch_deg`` below the horizon (0 = horizon in the middle of the image, 90 = looking
straight down), with no roll, principal point at the image centre and square pixels.

Focal length in pixels: from the 35-mm-equivalent focal length (EXIF ``FocalLengthIn35mmFilm``
or a per-batch setting), using the diagonal convention of that tag
(``f_px = f35 / 43.27 mm * image diagonal in px``); without it, from the horizontal field of
view ``hfov_deg`` (``f_px = (W / 2) / tan(hfov / 2)``).

A pixel ``(u, v)`` (image pixels, x right, y down) gives the normalised ray
``x = (u - cx) / f``, ``y = (v - cy) / f``. In the road frame (X to the right, Y forward along the
heading, Z up, origin on the road under the camera) the ray is
``(x, cos p - y sin p, -(sin p + y cos p))``; it meets the road when ``sin p + y cos p > 0``
(below the horizon) at ``t = h / (sin p + y cos p)``, i.e. at ``X = x t``, ``Y = (cos p - y sin p) t``.
Points further than ``max_distance_m`` are treated as not measurable (near the horizon a pixel
covers metres of road).

Uncertainty: measures are recomputed with the height, pitch and focal length each moved by their
standard uncertainty (``height_sd_m``, ``pitch_sd_deg``, ``focal_rel_sd``); the relative changes are
combined in quadrature (first-order propagation) and reported as the measure's relative uncertainty.
A flat road, a level camera and a known pitch are assumptions: on a slope, in a bend with a
banked camera or with a wrong pitch, metric values are off by more than the stated figure.

Metric frames: positions are projected with pyproj into a local Lambert azimuthal equal-area
frame centred on the data (metres, negligible distortion over a survey of tens of km); distances
on the ellipsoid use ``pyproj.Geod``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from pyproj import Geod, Transformer

from roadinspect.core.types import GeoPoint, Photo

WGS84 = Geod(ellps="WGS84")
"""The WGS84 ellipsoid for geodesic distances and offsets."""

FULL_FRAME_DIAGONAL_MM = 43.2666
"""Diagonal of a 36 x 24 mm frame: the reference of 35-mm-equivalent focal lengths."""


@dataclass(frozen=True)
class CameraModel:
    """Flat-road pinhole camera (see the module docstring for the geometry and the defaults' meaning).

    Defaults suit a phone or dash camera mounted behind the windscreen looking at the road ahead:
    1.5 m above the road, 12 degrees below the horizon, a 70-degree horizontal field of view
    when EXIF gives no 35-mm-equivalent focal length.
    """

    height_m: float = 1.5
    pitch_deg: float = 12.0
    focal_35mm: float | None = None
    hfov_deg: float = 70.0
    max_distance_m: float = 30.0
    height_sd_m: float = 0.15
    pitch_sd_deg: float = 2.0
    focal_rel_sd: float = 0.05

    def __post_init__(self) -> None:
        if not self.height_m > 0:
            raise ValueError(f"camera height must be positive, got {self.height_m}")
        if not -10.0 <= self.pitch_deg <= 90.0:
            raise ValueError(f"camera pitch must be within [-10, 90] degrees, got {self.pitch_deg}")
        if self.focal_35mm is not None and not self.focal_35mm > 0:
            raise ValueError(f"focal length must be positive, got {self.focal_35mm}")
        if not 1.0 < self.hfov_deg < 179.0:
            raise ValueError(f"horizontal field of view must be within (1, 179) degrees, got {self.hfov_deg}")

    def for_photo(self, photo: Photo) -> CameraModel:
        """This model with the photo's EXIF 35-mm focal length when the model has none of its own."""
        f35 = photo.camera.focal_length_35mm
        if self.focal_35mm is None and f35 is not None and 5.0 <= f35 <= 2000.0:
            return replace(self, focal_35mm=float(f35))
        return self

    def focal_px(self, width: int, height: int) -> float:
        """Focal length in pixels for an image of ``width`` x ``height`` pixels."""
        if self.focal_35mm is not None:
            return self.focal_35mm / FULL_FRAME_DIAGONAL_MM * math.hypot(width, height)
        return (width / 2.0) / math.tan(math.radians(self.hfov_deg) / 2.0)

    def perturbed(self) -> list[CameraModel]:
        """The model with height, pitch and focal length each moved by one standard uncertainty."""
        f35 = self.focal_35mm
        hfov = self.hfov_deg
        if f35 is not None:
            focal = replace(self, focal_35mm=f35 * (1.0 + self.focal_rel_sd))
        else:
            half = math.tan(math.radians(hfov) / 2.0) / (1.0 + self.focal_rel_sd)
            focal = replace(self, hfov_deg=math.degrees(2.0 * math.atan(half)))
        pitch = min(90.0, self.pitch_deg + self.pitch_sd_deg)
        if pitch == self.pitch_deg:
            pitch = self.pitch_deg - self.pitch_sd_deg
        return [
            replace(self, height_m=self.height_m + self.height_sd_m),
            replace(self, pitch_deg=pitch),
            focal,
        ]

    def ground_xy(
        self,
        u: np.ndarray | float,
        v: np.ndarray | float,
        width: int,
        height: int,
        within_limit: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Road-frame metres ``(X right, Y forward, valid)`` of image pixels ``(u, v)``.

        ``valid`` is False where the ray misses the road (at or above the horizon) or, when
        ``within_limit``, meets it further than ``max_distance_m``; X and Y are NaN there.
        """
        u = np.asarray(u, dtype=np.float64)
        v = np.asarray(v, dtype=np.float64)
        f = self.focal_px(width, height)
        x = (u - width / 2.0) / f
        y = (v - height / 2.0) / f
        p = math.radians(self.pitch_deg)
        down = math.sin(p) + y * math.cos(p)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(down > 1e-9, self.height_m / np.where(down > 1e-9, down, 1.0), np.nan)
            gx = x * t
            gy = (math.cos(p) - y * math.sin(p)) * t
        valid = np.isfinite(t)
        if within_limit:
            valid &= np.hypot(gx, gy) <= self.max_distance_m
        gx = np.where(valid, gx, np.nan)
        gy = np.where(valid, gy, np.nan)
        return gx, gy, valid

    def image_uv(
        self, gx: np.ndarray | float, gy: np.ndarray | float, width: int, height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Image pixels ``(u, v)`` of road points ``(X right, Y forward)`` in metres (inverse of ``ground_xy``).

        Points behind the camera give NaN.
        """
        gx = np.asarray(gx, dtype=np.float64)
        gy = np.asarray(gy, dtype=np.float64)
        f = self.focal_px(width, height)
        p = math.radians(self.pitch_deg)
        # Road point relative to the camera centre, expressed on the camera axes.
        rz = -self.height_m
        depth = gy * math.cos(p) - rz * math.sin(p)  # along the optical axis
        down = -gy * math.sin(p) - rz * math.cos(p)  # along the image's y axis
        with np.errstate(divide="ignore", invalid="ignore"):
            ok = depth > 1e-9
            u = np.where(ok, width / 2.0 + f * gx / np.where(ok, depth, 1.0), np.nan)
            v = np.where(ok, height / 2.0 + f * down / np.where(ok, depth, 1.0), np.nan)
        return u, v

    def horizon_v(self, width: int, height: int) -> float:
        """Image row of the horizon (may lie outside the image)."""
        f = self.focal_px(width, height)
        p = math.radians(self.pitch_deg)
        if p >= math.pi / 2:
            return -math.inf
        return height / 2.0 - f * math.tan(p)

    def limit_v(self, width: int, height: int) -> float:
        """The smallest image row whose centre column is still within ``max_distance_m``."""
        u, v = self.image_uv(0.0, self.max_distance_m, width, height)
        return float(v) if np.isfinite(v) else -math.inf


def offset_position(origin: GeoPoint, heading_deg: float, right_m: float, forward_m: float) -> GeoPoint:
    """The point ``forward_m`` ahead and ``right_m`` to the right of ``origin`` facing ``heading_deg``."""
    dist = math.hypot(right_m, forward_m)
    if dist == 0.0:
        return origin
    azimuth = heading_deg + math.degrees(math.atan2(right_m, forward_m))
    lon, lat, _ = WGS84.fwd(origin.lon, origin.lat, azimuth, dist)
    return GeoPoint(lat=float(lat), lon=float(lon))


def ground_position(
    photo: Photo, camera: CameraModel, u: float, v: float
) -> tuple[GeoPoint | None, float | None]:
    """WGS84 position of image pixel ``(u, v)`` of ``photo`` on the road, and its distance in metres.

    Falls back to the photo's own position (distance None) when the photo has no heading or the
    pixel is not on the measurable road; None when the photo has no position either.
    """
    if photo.position is None:
        return None, None
    if photo.heading_deg is None or not math.isfinite(photo.heading_deg):
        return photo.position, None
    gx, gy, valid = camera.ground_xy(u, v, photo.width, photo.height)
    if not bool(valid):
        return photo.position, None
    gx_f, gy_f = float(gx), float(gy)
    return offset_position(photo.position, photo.heading_deg, gx_f, gy_f), math.hypot(gx_f, gy_f)


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Geodesic distance in metres between two WGS84 points."""
    _, _, dist = WGS84.inv(a.lon, a.lat, b.lon, b.lat)
    return float(dist)


class MetricFrame:
    """A local metric plane (Lambert azimuthal equal-area centred on given points), metres east/north.

    Used for clustering and track sections with shapely, where planar distances must be metres.
    """

    def __init__(self, center: GeoPoint) -> None:
        self.center = center
        proj = (
            f"+proj=laea +lat_0={center.lat:.9f} +lon_0={center.lon:.9f} "
            "+x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
        )
        self._fwd = Transformer.from_crs("EPSG:4326", proj, always_xy=True)
        self._inv = Transformer.from_crs(proj, "EPSG:4326", always_xy=True)

    @classmethod
    def around(cls, points: Iterable[GeoPoint]) -> MetricFrame | None:
        """A frame centred on the mean of ``points`` (None when there are none)."""
        pts = list(points)
        if not pts:
            return None
        lat = sum(p.lat for p in pts) / len(pts)
        # Mean longitude via unit vectors, so that points either side of 180 degrees work too.
        sx = sum(math.cos(math.radians(p.lon)) for p in pts)
        sy = sum(math.sin(math.radians(p.lon)) for p in pts)
        lon = math.degrees(math.atan2(sy, sx)) if (sx or sy) else pts[0].lon
        return cls(GeoPoint(lat=lat, lon=lon))

    def to_xy(self, points: Sequence[GeoPoint]) -> np.ndarray:
        """``(n, 2)`` array of metres (east, north) for WGS84 points."""
        if not points:
            return np.zeros((0, 2))
        lon = np.array([p.lon for p in points], dtype=np.float64)
        lat = np.array([p.lat for p in points], dtype=np.float64)
        x, y = self._fwd.transform(lon, lat)
        return np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])

    def to_geo(self, xy: np.ndarray) -> list[GeoPoint]:
        """WGS84 points for an ``(n, 2)`` array of metres (east, north)."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if len(xy) == 0:
            return []
        lon, lat = self._inv.transform(xy[:, 0], xy[:, 1])
        lon = np.atleast_1d(lon)
        lat = np.atleast_1d(lat)
        return [GeoPoint(lat=float(a), lon=float(o)) for a, o in zip(lat, lon, strict=True)]


def osm_url(point: GeoPoint, zoom: int = 19) -> str:
    """An OpenStreetMap link with a marker on ``point``."""
    return (
        f"https://www.openstreetmap.org/?mlat={point.lat:.7f}&mlon={point.lon:.7f}"
        f"#map={zoom}/{point.lat:.7f}/{point.lon:.7f}"
    )
