"""Frozen value types shared by every core module (see the glossary in README.md).

Geometry in image space is in pixels of the photo *after* its EXIF orientation is applied,
x to the right and y down. Ground positions are WGS84 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, IntEnum
from pathlib import Path


class DamageClass(IntEnum):
    """Pixel classes of the segmentation model (the values of a mask)."""

    BACKGROUND = 0
    CRACK = 1
    POTHOLE = 2

    @property
    def label(self) -> str:
        """Lower-case English name used in files and exports (``crack``, ``pothole``)."""
        return self.name.lower()


IGNORE_LABEL = 255
"""Mask value for pixels that are not scored (ambiguous annotation)."""


class PositionSource(str, Enum):
    """Where a photo's ground position came from."""

    EXIF = "exif"
    INTERPOLATED = "interpolated"
    GPX = "gpx"
    NONE = "none"


class ReviewStatus(str, Enum):
    """An inspector's decision on a finding."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CORRECTED = "corrected"


@dataclass(frozen=True)
class GeoPoint:
    """A WGS84 position in decimal degrees (latitude north positive, longitude east positive)."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0) or not (-180.0 <= self.lon <= 180.0):
            raise ValueError(f"position out of range: lat={self.lat}, lon={self.lon}")


@dataclass(frozen=True)
class CameraInfo:
    """What EXIF says about the camera that took a photo (any field may be unknown)."""

    make: str | None = None
    model: str | None = None
    focal_length_mm: float | None = None
    focal_length_35mm: float | None = None


@dataclass(frozen=True)
class Photo:
    """One image file of a batch and what its metadata says.

    ``width``/``height`` are the displayed size, after the EXIF orientation is applied.
    ``taken_at`` is timezone-aware UTC when the time zone is known (GPS time or an EXIF offset),
    naive local time otherwise. ``heading`` is degrees clockwise from true north.

    ``sha256`` is the hex digest of the whole file, or ``""`` while it is not known yet: the scan
    hashes only files whose ``fingerprint`` (size + first and last 64 KiB) collides with another
    file's, which is exactly the set that may hold byte-identical duplicates; the analysis fills
    it in from the bytes it reads anyway. ``camera_time`` is the camera clock's DateTimeOriginal
    (aware when EXIF gives its offset), used to interpolate photos that lack GPS.
    ``heading_magnetic`` is true when EXIF gave a magnetic heading (not corrected for declination,
    about 1-3 degrees in France). ``notes`` are human-readable remarks of the metadata reader
    (e.g. a latitude out of range that was ignored).
    """

    path: Path
    sha256: str
    size_bytes: int
    width: int
    height: int
    orientation: int = 1
    position: GeoPoint | None = None
    position_source: PositionSource = PositionSource.NONE
    altitude_m: float | None = None
    heading_deg: float | None = None
    heading_from_track: bool = False
    taken_at: datetime | None = None
    camera: CameraInfo = field(default_factory=CameraInfo)
    fingerprint: str = ""
    camera_time: datetime | None = None
    heading_magnetic: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnreadableFile:
    """A file of a batch that could not be used, and why (shown to the inspector as is)."""

    path: Path
    reason: str


CRACK_KINDS = ("longitudinal", "transverse", "alligator", "isolated")
"""The types of a crack finding (``Finding.kind``, ``Review.kind``); a pothole finding's type is ``pothole``.
``isolated`` is a crack the measures call none of the others (``roadinspect.core.findings``)."""
KINDS = (*CRACK_KINDS, "pothole")
"""Every finding type."""


class Severity(str, Enum):
    """Severity level of a finding (thresholds documented in ``roadinspect.core.findings``)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Finding:
    """One damage instance marked on one photo, by the model or by an inspector.

    ``polygon_wkt`` is a shapely (Multi)Polygon in image pixels, as WKT. ``kind`` is the
    inspector's category: ``longitudinal``, ``transverse``, ``alligator``, ``isolated`` for cracks,
    ``pothole`` for potholes. ``measures`` holds pixel and metric measures (``length_px``,
    ``mean_width_px``, ``max_width_px``, ``area_px``, ``length_m``, ``width_m``, ``area_m2``, ...).
    ``ground`` is the estimated ground position of the damage itself.
    """

    damage: DamageClass
    polygon_wkt: str
    confidence: float
    kind: str
    severity: Severity
    measures: dict[str, float] = field(default_factory=dict)
    ground: GeoPoint | None = None
    id: int | None = None
    photo_id: int | None = None
    source: str = "model"


@dataclass(frozen=True)
class Review:
    """An inspector's latest decision on a finding; corrections override the model's values."""

    finding_id: int
    status: ReviewStatus
    reviewer: str = ""
    at: datetime | None = None
    damage: DamageClass | None = None
    severity: Severity | None = None
    note: str = ""
    kind: str | None = None
    """Corrected crack type (``longitudinal``, ``transverse``, ``alligator``, ``isolated``), if any."""
