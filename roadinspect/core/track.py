"""Complete a batch's positions and headings from the track it was shot along.

Three steps, in this order (:func:`complete_track` runs them all):

1. **GPX** (:func:`place_with_gpx`): a photo without an EXIF position is placed on a GPX track by
   its time. GPX times are UTC. The photo's time is its GPS time when it has one, else its camera
   time: an aware camera time (EXIF OffsetTimeOriginal) is converted to UTC; a naive one is read in
   ``camera_tz`` (default: this computer's time zone). ``clock_offset_s`` is then *added* to correct
   the camera clock (a camera 30 s slow needs ``+30``). A photo is placed only between two track
   points at most :data:`MAX_GPX_GAP_S` apart (or within :data:`GPX_EDGE_S` of the track's ends);
   its position is interpolated along the geodesic between them. :func:`gpx_miss` says why a photo
   was not placed (no time, before or after the track, in a gap of the track).
2. **Interpolation** (:func:`interpolate_positions`): a photo still without a position whose time
   lies between two geotagged photos of the same batch, at most :data:`MAX_INTERPOLATION_GAP_S`
   apart, gets the position interpolated along the geodesic between them (and altitude linearly).
   Times are compared on the same clock: camera times with camera times when every photo involved
   has one (the usual case: the photo without GPS still has DateTimeOriginal), else best times.
3. **Headings** (:func:`derive_headings`): a photo with a position but no heading gets the bearing
   to the next photo of the track (or from the previous one for the last photo), skipping
   neighbours closer than :data:`MIN_BEARING_DISTANCE_M` (a vehicle at a standstill).

Distances and bearings are geodesic on the WGS84 ellipsoid (``pyproj.Geod``).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from pyproj import Geod

from roadinspect.core.types import GeoPoint, Photo, PositionSource

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

GEOD = Geod(ellps="WGS84")
MAX_INTERPOLATION_GAP_S = 300.0
MAX_GPX_GAP_S = 120.0
GPX_EDGE_S = 5.0
MIN_BEARING_DISTANCE_M = 2.0
MAX_BEARING_GAP_S = 120.0
INTERPOLATED_NOTE = "position interpolated between "
GPX_NOTE = "placed on GPX track "
"""Beginnings of the notes this module adds to ``Photo.notes`` (a re-placement drops the old ones)."""


class TrackError(Exception):
    """A GPX file that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One timed GPX point: ``t`` in seconds since the Unix epoch (UTC)."""

    t: float
    lat: float
    lon: float
    ele: float | None = None


@dataclass(frozen=True)
class GpxTrack:
    """The time-sorted points of every track segment of a GPX file."""

    path: Path
    points: tuple[TrackPoint, ...]

    @property
    def times(self) -> list[float]:
        return [p.t for p in self.points]


def bearing_deg(a: GeoPoint, b: GeoPoint) -> float:
    """Initial geodesic bearing from ``a`` to ``b``, degrees clockwise from true north in [0, 360)."""
    azimuth: float
    azimuth, _, _ = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
    return azimuth % 360.0


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Geodesic distance in metres."""
    _, _, dist = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
    return float(dist)


def between(a: GeoPoint, b: GeoPoint, fraction: float) -> GeoPoint:
    """The point ``fraction`` (0..1) of the way from ``a`` to ``b`` along the geodesic."""
    azimuth, _, dist = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
    if dist == 0.0:
        return a
    lon, lat, _ = GEOD.fwd(a.lon, a.lat, azimuth, dist * fraction)
    return GeoPoint(lat, lon)


# ----------------------------------------------------------------------------- time keys
def _seconds(when: datetime) -> float:
    """Seconds on the datetime's own clock: UTC epoch seconds when aware, wall-clock seconds when naive."""
    if when.tzinfo is not None:
        return when.timestamp()
    return (when - datetime(1970, 1, 1)).total_seconds()


def _clock_of(photos: Sequence[Photo]) -> str:
    """``camera`` when every photo with any time has a camera time of one kind, else ``best``."""
    timed = [p for p in photos if p.camera_time is not None or p.taken_at is not None]
    if timed and all(p.camera_time is not None for p in timed):
        kinds = {t.tzinfo is None for p in timed if (t := p.camera_time) is not None}
        if len(kinds) == 1:
            return "camera"
    return "best"


def _time_key(photo: Photo, clock: str) -> tuple[bool, float] | None:
    when = photo.camera_time if clock == "camera" else (photo.taken_at or photo.camera_time)
    if when is None:
        return None
    return when.tzinfo is not None, _seconds(when)


# ----------------------------------------------------------------------------- interpolation
def interpolate_positions(photos: Sequence[Photo], max_gap_s: float = MAX_INTERPOLATION_GAP_S) -> list[Photo]:
    """Give photos without a position one interpolated between their geotagged neighbours in time.

    Returns a new list in the same order; photos that cannot be placed are returned unchanged.
    """
    clock = _clock_of(photos)
    keyed = [(key, i) for i, p in enumerate(photos) if (key := _time_key(p, clock)) is not None]
    out = list(photos)
    for aware in (True, False):
        anchors = sorted((k[1], i) for k, i in keyed if k[0] == aware and photos[i].position is not None)
        times = [t for t, _ in anchors]
        for key, i in keyed:
            photo = photos[i]
            if key[0] != aware or photo.position is not None or len(anchors) < 2:
                continue
            t = key[1]
            j = bisect_left(times, t)
            if j < len(times) and times[j] == t:
                before = after = anchors[j]
            elif 0 < j < len(times):
                before, after = anchors[j - 1], anchors[j]
            else:
                continue
            if after[0] - before[0] > max_gap_s:
                continue
            a, b = photos[before[1]], photos[after[1]]
            span = after[0] - before[0]
            fraction = 0.0 if span <= 0 else (t - before[0]) / span
            if a.position is None or b.position is None:  # anchors have a position
                continue
            position = between(a.position, b.position, fraction)
            altitude = None
            if a.altitude_m is not None and b.altitude_m is not None:
                altitude = a.altitude_m + (b.altitude_m - a.altitude_m) * fraction
            note = f"{INTERPOLATED_NOTE}{a.path.name} and {b.path.name}"
            out[i] = replace(photo, position=position, position_source=PositionSource.INTERPOLATED,
                             altitude_m=altitude, notes=photo.notes + (note,))
    return out


# ----------------------------------------------------------------------------- headings
def derive_headings(photos: Sequence[Photo], max_gap_s: float = MAX_BEARING_GAP_S,
                    min_distance_m: float = MIN_BEARING_DISTANCE_M) -> list[Photo]:
    """Give positioned photos without a heading the bearing of the track at that photo.

    The track is the batch's positioned photos in time order. Returns a new list, same order.
    """
    clock = _clock_of(photos)
    out = list(photos)
    for aware in (True, False):
        ordered = sorted(
            ((key[1], i) for i, p in enumerate(photos)
             if p.position is not None and (key := _time_key(p, clock)) is not None and key[0] == aware),
        )
        for rank, (t, i) in enumerate(ordered):
            photo = photos[i]
            if photo.heading_deg is not None:
                continue
            heading = None
            here = photo.position
            for t2, j in ordered[rank + 1:]:
                if t2 - t > max_gap_s:
                    break
                there = photos[j].position
                if here is not None and there is not None and distance_m(here, there) >= min_distance_m:
                    heading = bearing_deg(here, there)
                    break
            if heading is None:
                for t2, j in reversed(ordered[:rank]):
                    if t - t2 > max_gap_s:
                        break
                    there = photos[j].position
                    if here is not None and there is not None and distance_m(there, here) >= min_distance_m:
                        heading = bearing_deg(there, here)
                        break
            if heading is not None:
                out[i] = replace(photo, heading_deg=heading, heading_from_track=True, heading_magnetic=False)
    return out


# ----------------------------------------------------------------------------- GPX
def _local(tag: str) -> str:
    """An element's name without its namespace (GPX 1.0 and 1.1 use different ones)."""
    return tag.rsplit("}", 1)[-1]


def _gpx_time(text: str | None) -> float | None:
    """UTC epoch seconds of a GPX ``<time>`` (ISO 8601; a time without zone is UTC); None when unusable."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.timestamp()
    except (ValueError, OverflowError, OSError):
        return None


def load_gpx(path: Path | str) -> GpxTrack:
    """Read every timed track point (``trk/trkseg/trkpt``) of a GPX file, sorted by time.

    The file is streamed (``xml.etree.ElementTree.iterparse``): each point is read and its element
    dropped at once, so memory follows the number of points kept (about 150 bytes each), not the size
    of the XML tree: a 1-million-point track loads within the 1.2 GB memory goal (figures in
    ``docs/performance.md``). Points without a time, with an unreadable time or outside the valid
    latitude/longitude range are skipped; a time without a zone is read as UTC, as GPX says.

    Raises:
        TrackError: unreadable file, not GPX (or not well-formed XML), or no point with a time.
    """
    from xml.etree.ElementTree import ParseError, iterparse

    path = Path(path)
    points: list[TrackPoint] = []
    stack: list[Element] = []
    try:
        with open(path, "rb") as handle:
            for event, elem in iterparse(handle, events=("start", "end")):
                if event == "start":
                    if not stack and _local(elem.tag) != "gpx":
                        raise TrackError(f"{path} is not a GPX file (its root element is <{_local(elem.tag)}>)")
                    stack.append(elem)
                    continue
                stack.pop()
                if _local(elem.tag) != "trkpt":
                    continue
                if len(stack) >= 2 and _local(stack[-1].tag) == "trkseg" and _local(stack[-2].tag) == "trk":
                    point = _track_point(elem)
                    if point is not None:
                        points.append(point)
                elem.clear()
                if stack:
                    stack[-1].remove(elem)  # the processed point leaves the tree: memory stays flat
    except OSError as exc:
        raise TrackError(f"cannot read GPX file {path}: {exc.strerror or exc}") from None
    except ParseError as exc:
        raise TrackError(f"{path} is not a readable GPX file: {exc}") from None
    if not points:
        raise TrackError(f"GPX file {path} has no track point with a time")
    points.sort(key=lambda q: q.t)
    return GpxTrack(path, tuple(points))


def _track_point(elem: Element) -> TrackPoint | None:
    try:
        lat, lon = float(elem.get("lat", "nan")), float(elem.get("lon", "nan"))
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    t = None
    ele = None
    for child in elem:
        name = _local(child.tag)
        if name == "time":
            t = _gpx_time(child.text)
        elif name == "ele" and child.text:
            try:
                value = float(child.text)
            except ValueError:
                continue
            ele = value if math.isfinite(value) else None
    if t is None:
        return None
    return TrackPoint(t, lat, lon, ele)


def photo_utc(photo: Photo, clock_offset_s: float = 0.0, camera_tz: tzinfo | None = None) -> float | None:
    """UTC epoch seconds of a photo on a GPX track's clock: its GPS time as is, else its camera time corrected."""
    taken, camera = photo.taken_at, photo.camera_time
    from_gps = taken is not None and taken.tzinfo is not None and (
        camera is None or camera.tzinfo is None or taken != camera)
    if taken is not None and from_gps:
        return taken.timestamp()
    when = camera or taken
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=camera_tz) if camera_tz is not None else when.astimezone()
    return when.timestamp() + clock_offset_s


@dataclass(frozen=True)
class GpxMiss:
    """Why a photo without an EXIF position is not placed on a GPX track.

    ``reason``: ``no_time`` (no camera or GPS time), ``before_track`` / ``after_track`` (more than
    :data:`GPX_EDGE_S` outside the track's time span; ``seconds`` says how far), ``track_gap`` (between
    two track points more than the allowed gap apart; ``seconds`` is the gap). ``utc`` is the photo's
    corrected UTC time (epoch seconds) when it has one.
    """

    reason: str
    seconds: float = 0.0
    utc: float | None = None

    def describe(self) -> str:
        """One English sentence (the GUI has its own translated texts per ``reason``)."""
        if self.reason == "no_time":
            return "no time in its EXIF (no camera or GPS time)"
        if self.reason == "before_track":
            return f"taken {format_span(self.seconds)} before the track starts (check the clock offset)"
        if self.reason == "after_track":
            return f"taken {format_span(self.seconds)} after the track ends (check the clock offset)"
        return f"taken during a {format_span(self.seconds)} gap in the track (no GPS fix)"


def format_span(seconds: float) -> str:
    """A duration for people: ``40 s``, ``2 min 40 s``, ``25 min``, ``3.5 h``."""
    seconds = abs(seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest:02d} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def locate_on_track(track: GpxTrack, t: float,
                    max_gap_s: float = MAX_GPX_GAP_S) -> tuple[TrackPoint, TrackPoint] | GpxMiss:
    """The two track points around UTC time ``t`` (the same point twice at a point or an end), or why none fit."""
    times = track.times
    j = bisect_left(times, t)
    if j < len(times) and times[j] == t:
        return track.points[j], track.points[j]
    if 0 < j < len(times):
        a, b = track.points[j - 1], track.points[j]
        if b.t - a.t > max_gap_s:
            return GpxMiss("track_gap", b.t - a.t, t)
        return a, b
    if j == 0:
        if times[0] - t <= GPX_EDGE_S:
            return track.points[0], track.points[0]
        return GpxMiss("before_track", times[0] - t, t)
    if t - times[-1] <= GPX_EDGE_S:
        return track.points[-1], track.points[-1]
    return GpxMiss("after_track", t - times[-1], t)


def gpx_miss(photo: Photo, track: GpxTrack, clock_offset_s: float = 0.0, camera_tz: tzinfo | None = None,
             max_gap_s: float = MAX_GPX_GAP_S) -> GpxMiss | None:
    """Why :func:`place_with_gpx` leaves ``photo`` without a position (None: it places it, or it has one)."""
    if photo.position is not None:
        return None
    t = photo_utc(photo, clock_offset_s, camera_tz)
    if t is None:
        return GpxMiss("no_time")
    found = locate_on_track(track, t, max_gap_s)
    return found if isinstance(found, GpxMiss) else None


def place_with_gpx(photos: Sequence[Photo], track: GpxTrack, clock_offset_s: float = 0.0,
                   camera_tz: tzinfo | None = None, max_gap_s: float = MAX_GPX_GAP_S) -> list[Photo]:
    """Place photos that have no EXIF position on ``track`` by time (see the module docstring)."""
    out = list(photos)
    for i, photo in enumerate(photos):
        if photo.position is not None:
            continue
        t = photo_utc(photo, clock_offset_s, camera_tz)
        if t is None:
            continue
        found = locate_on_track(track, t, max_gap_s)
        if isinstance(found, GpxMiss):
            continue
        a, b = found
        fraction = 0.0 if b.t == a.t else (t - a.t) / (b.t - a.t)
        pa, pb = GeoPoint(a.lat, a.lon), GeoPoint(b.lat, b.lon)
        position = between(pa, pb, fraction)
        altitude = None
        if a.ele is not None and b.ele is not None:
            altitude = a.ele + (b.ele - a.ele) * fraction
        heading, from_track = photo.heading_deg, photo.heading_from_track
        if heading is None and distance_m(pa, pb) >= MIN_BEARING_DISTANCE_M:
            heading, from_track = bearing_deg(pa, pb), True
        out[i] = replace(photo, position=position, position_source=PositionSource.GPX, altitude_m=altitude,
                         heading_deg=heading, heading_from_track=from_track,
                         notes=photo.notes + (f"{GPX_NOTE}{track.path.name}",))
    return out


def complete_track(photos: Sequence[Photo], gpx: GpxTrack | None = None, clock_offset_s: float = 0.0,
                   camera_tz: tzinfo | None = None) -> list[Photo]:
    """GPX placement (when a track is given), then interpolation, then headings."""
    out = list(photos)
    if gpx is not None:
        out = place_with_gpx(out, gpx, clock_offset_s, camera_tz)
    out = interpolate_positions(out)
    return derive_headings(out)

