"""Place the photos already in a project on a GPX track (the inspector found the log after the import).

:func:`place_project_on_gpx` is the work of the desktop app's "Place photos on a GPX track…":

* Which photos: every usable photo of the project whose position does not come from its own EXIF GPS
  (none, interpolated, or an earlier GPX placement). A real EXIF position is never touched.
* How: their earlier track positions (and headings derived from the track) are set aside and
  ``track.complete_track`` runs over the whole project with the GPX and the clock offset, exactly as
  ``roadinspect analyze --gpx`` does at import: GPX placement by time (the gap and edge rules of
  ``roadinspect.core.track``), then interpolation between positioned neighbours, then headings.
* A photo the track places gets the GPX position. One it does not place keeps the position it had
  (interpolated or an earlier track); one that had none may now be interpolated between newly placed
  neighbours, else it stays without a position, and ``track.gpx_miss`` says why (no time, before or
  after the track, in a gap of the track).
* Findings follow their photo: the ground position of each finding of a moved photo is recomputed
  with ``geo.ground_position`` (camera model, new position and heading) at the centre of its stored
  outline: a pothole's centroid, and for a crack the point of its outline nearest its centroid (the
  analysis anchors cracks on the skeleton pixel nearest the skeleton's centroid, a few pixels away).
  Measures in metres do not depend on the position and are kept. Sites, sections, the map and the
  exports are derived from these positions on demand, so nothing needs analysing again.
* Everything is written in one transaction (``Store.update_positions``), audited per photo; a bad GPX
  file raises ``TrackError`` before anything is written, and a cancel before the write leaves the
  project as it was. It is a batch operation without undo (the audit log keeps the old positions).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import shapely
from shapely.ops import nearest_points

from roadinspect.core.geo import CameraModel, ground_position
from roadinspect.core.progress import CancelCheck, Progress
from roadinspect.core.store import PositionChange, Store
from roadinspect.core.track import (
    GPX_NOTE,
    INTERPOLATED_NOTE,
    GpxMiss,
    complete_track,
    gpx_miss,
    load_gpx,
    photo_utc,
)
from roadinspect.core.types import DamageClass, Finding, GeoPoint, Photo, PositionSource


@dataclass(frozen=True)
class Unplaced:
    """A photo still without a position after the placement, and why (``miss.describe()``)."""

    photo_id: int
    path: Path
    miss: GpxMiss

    @property
    def message(self) -> str:
        """``<file>: <reason>`` in English."""
        return f"{self.path.name}: {self.miss.describe()}"


@dataclass
class PlacementResult:
    """What :func:`place_project_on_gpx` did.

    ``placed``: photos with a position from this track now; ``interpolated``: photos that had no
    position and got one between newly placed neighbours; ``kept``: photos the track does not cover
    that keep the interpolated or earlier-track position they had; ``unplaced``: still without a
    position, with the reason; ``skipped_exif``: photos with their own EXIF position (untouched).
    ``changed`` photos and ``findings_moved`` findings were written. ``track_start``/``track_end``
    and ``photos_start``/``photos_end`` (the candidates' corrected times) are UTC, to check the
    clock offset against. ``cancelled``: stopped before writing anything.
    """

    gpx: Path
    clock_offset_s: float
    placed: list[int] = field(default_factory=list)
    interpolated: list[int] = field(default_factory=list)
    kept: list[Unplaced] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    skipped_exif: int = 0
    changed: int = 0
    findings_moved: int = 0
    track_start: datetime | None = None
    track_end: datetime | None = None
    photos_start: datetime | None = None
    photos_end: datetime | None = None
    cancelled: bool = False


def _set_aside(photo: Photo) -> Photo:
    """The photo as imported without a track: no position, no heading derived from a track, no track notes."""
    from_track = photo.heading_from_track
    return replace(photo, position=None, position_source=PositionSource.NONE, altitude_m=None,
                   heading_deg=None if from_track else photo.heading_deg,
                   heading_from_track=False if from_track else photo.heading_from_track,
                   notes=tuple(n for n in photo.notes if not n.startswith((GPX_NOTE, INTERPOLATED_NOTE))))


def _same_place(a: Photo, b: Photo) -> bool:
    return (a.position, a.position_source, a.altitude_m, a.heading_deg, a.heading_from_track, a.notes) == (
        b.position, b.position_source, b.altitude_m, b.heading_deg, b.heading_from_track, b.notes)


def finding_ground(finding: Finding, photo: Photo, camera: CameraModel | None = None
                   ) -> tuple[GeoPoint | None, float | None]:
    """Ground position of a finding on ``photo`` and its road distance from the camera (see the module docstring)."""
    try:
        shape = shapely.from_wkt(finding.polygon_wkt)
    except shapely.errors.ShapelyError:
        shape = None
    if shape is None or shape.is_empty:
        return photo.position, None
    centre = shape.centroid
    point = centre if finding.damage == DamageClass.POTHOLE else nearest_points(shape, centre)[0]
    return ground_position(photo, (camera or CameraModel()).for_photo(photo), float(point.x), float(point.y))


def _utc(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


def place_project_on_gpx(store: Store, gpx_path: Path | str, clock_offset_s: float = 0.0,
                         camera: CameraModel | None = None, who: str = "", camera_tz: tzinfo | None = None, *,
                         progress: Progress, is_cancelled: CancelCheck) -> PlacementResult:
    """Place the project's photos that have no EXIF position on a GPX track (see the module docstring).

    ``clock_offset_s`` is added to the camera clock to get UTC (a camera 30 s slow needs ``+30``);
    naive camera times are read in ``camera_tz`` (default: this computer's time zone). ``camera`` is
    the project's camera model for the findings' ground positions. Reports
    ``progress(done, total, file name)`` while it recomputes the findings of the moved photos.

    Raises:
        TrackError: the GPX file cannot be read or has no timed point (nothing is changed).
    """
    gpx_path = Path(gpx_path)
    track = load_gpx(gpx_path)
    result = PlacementResult(gpx_path, float(clock_offset_s), track_start=_utc(track.points[0].t),
                             track_end=_utc(track.points[-1].t))
    records = [r for r in store.photos() if r.photo is not None]
    old = [r.photo for r in records if r.photo is not None]  # all of them
    candidates = [i for i, p in enumerate(old) if p is not None and p.position_source != PositionSource.EXIF]
    result.skipped_exif = len(records) - len(candidates)
    chosen = set(candidates)
    work = [_set_aside(p) if i in chosen else p for i, p in enumerate(old)]
    done = complete_track(work, track, clock_offset_s, camera_tz)
    times = [t for i in candidates if (t := photo_utc(work[i], clock_offset_s, camera_tz)) is not None]
    result.photos_start, result.photos_end = (_utc(min(times)), _utc(max(times))) if times else (None, None)
    new: dict[int, Photo] = {}
    for i in candidates:
        before, after, record = old[i], done[i], records[i]
        assert before is not None  # records without a photo were left out above
        if after.position_source == PositionSource.GPX:
            result.placed.append(record.id)
        else:
            miss = gpx_miss(work[i], track, clock_offset_s, camera_tz) or GpxMiss("no_time")
            if before.position is not None:
                result.kept.append(Unplaced(record.id, record.path, miss))
                after = before
            elif after.position is not None:
                result.interpolated.append(record.id)
            else:
                result.unplaced.append(Unplaced(record.id, record.path, miss))
        if not _same_place(before, after):
            new[record.id] = after
    changes: list[PositionChange] = []
    progress(0, len(new), "")
    for n, (photo_id, photo) in enumerate(sorted(new.items()), start=1):
        if is_cancelled():
            result.cancelled = True
            return result
        grounds = {rf.finding_id: finding_ground(replace(rf.finding, damage=rf.damage), photo, camera)  # as corrected
                   for rf in store.findings(photo_id)}
        changes.append(PositionChange(photo_id, photo, grounds))
        result.findings_moved += len(grounds)
        progress(n, len(new), photo.path.name)
    if is_cancelled():
        result.cancelled = True
        return result
    summary = {"action": "gpx_placement", "gpx": str(gpx_path), "clock_offset_s": float(clock_offset_s),
               "placed": len(result.placed), "interpolated": len(result.interpolated), "kept": len(result.kept),
               "unplaced": len(result.unplaced), "skipped_exif": result.skipped_exif,
               "findings_moved": result.findings_moved}
    result.changed = store.update_positions(changes, who=who, summary=summary)
    return result
