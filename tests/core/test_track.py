"""Track completion: interpolated positions, headings from the track, GPX placement with a clock offset."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from roadinspect.core.track import (
    TrackError,
    bearing_deg,
    complete_track,
    derive_headings,
    distance_m,
    interpolate_positions,
    load_gpx,
    place_with_gpx,
)
from roadinspect.core.types import GeoPoint, Photo, PositionSource

T0 = datetime(2025, 4, 15, 7, 0, 0, tzinfo=UTC)
PARIS = timezone(timedelta(hours=2))
A = GeoPoint(49.8722, 2.6000)
B = GeoPoint(49.8722, 2.6100)  # about 719 m east of A (N cos(lat) dlon on the WGS84 ellipsoid)


def photo(name: str, position: GeoPoint | None, seconds: float | None, heading: float | None = None,
          camera_tz: timezone | None = PARIS, gps_time: bool = True) -> Photo:
    when = T0 + timedelta(seconds=seconds) if seconds is not None else None
    camera = when.astimezone(camera_tz) if when is not None and camera_tz is not None else (
        when.replace(tzinfo=None) if when is not None else None)
    return Photo(path=Path(name), sha256="", size_bytes=1, width=10, height=10, position=position,
                 position_source=PositionSource.EXIF if position else PositionSource.NONE,
                 heading_deg=heading, taken_at=when if (gps_time and position) else (camera if camera else None),
                 camera_time=camera)


def test_bearing_and_distance_are_geodesic() -> None:
    assert bearing_deg(A, B) == pytest.approx(90.0, abs=0.01)
    assert bearing_deg(B, A) == pytest.approx(270.0, abs=0.01)
    assert distance_m(A, B) == pytest.approx(718.9, abs=0.5)


def test_position_interpolated_between_geotagged_neighbours() -> None:
    photos = [photo("1.jpg", A, 0), photo("2.jpg", None, 25), photo("3.jpg", B, 100)]
    out = interpolate_positions(photos)
    middle = out[1]
    assert middle.position_source is PositionSource.INTERPOLATED
    assert middle.position is not None
    assert distance_m(A, middle.position) == pytest.approx(0.25 * distance_m(A, B), abs=0.5)
    assert any("interpolated between 1.jpg and 3.jpg" in n for n in middle.notes)
    assert out[0] is photos[0] and out[2] is photos[2]


def test_no_interpolation_outside_the_track_across_a_long_gap_or_without_time() -> None:
    photos = [photo("0.jpg", None, -10), photo("1.jpg", A, 0), photo("2.jpg", B, 1000),
              photo("3.jpg", None, 500), photo("4.jpg", None, None), photo("5.jpg", None, 2000)]
    out = interpolate_positions(photos)
    assert all(p.position is None for p in (out[0], out[3], out[4], out[5]))


def test_interpolation_uses_camera_time_when_the_photo_has_no_gps_time() -> None:
    # The neighbours' camera clock is 30 s slow against GPS time; the photo without GPS only has
    # camera time. Comparing camera time with camera time puts it in the right place.
    slow = timedelta(seconds=-30)
    first = replace(photo("1.jpg", A, 0), camera_time=(T0 + slow).astimezone(PARIS))
    last = replace(photo("3.jpg", B, 100), camera_time=(T0 + timedelta(seconds=100) + slow).astimezone(PARIS))
    lost = replace(photo("2.jpg", None, None), camera_time=(T0 + timedelta(seconds=50) + slow).astimezone(PARIS),
                   taken_at=(T0 + timedelta(seconds=50) + slow))
    out = interpolate_positions([first, lost, last])
    assert out[1].position is not None
    assert distance_m(A, out[1].position) == pytest.approx(0.5 * distance_m(A, B), abs=1.0)


def test_naive_times_interpolate_among_naive_times() -> None:
    photos = [photo("1.jpg", A, 0, camera_tz=None, gps_time=False), photo("2.jpg", None, 50, camera_tz=None),
              photo("3.jpg", B, 100, camera_tz=None, gps_time=False)]
    out = interpolate_positions(photos)
    assert out[1].position is not None and out[1].position_source is PositionSource.INTERPOLATED


def test_missing_heading_derived_from_the_track() -> None:
    photos = [photo("1.jpg", A, 0), photo("2.jpg", B, 60), photo("3.jpg", GeoPoint(49.8800, 2.6100), 120, heading=10.0)]
    out = derive_headings(photos)
    assert out[0].heading_deg == pytest.approx(90.0, abs=0.1) and out[0].heading_from_track
    assert out[1].heading_deg == pytest.approx(0.0, abs=0.1) or out[1].heading_deg == pytest.approx(360.0, abs=0.1)
    assert out[2].heading_deg == 10.0 and not out[2].heading_from_track  # EXIF heading kept


def test_last_photo_takes_the_bearing_from_the_previous_one_and_standstill_is_skipped() -> None:
    near_a = GeoPoint(A.lat, A.lon + 0.000005)  # 0.36 m: a vehicle waiting
    photos = [photo("1.jpg", A, 0), photo("2.jpg", near_a, 5), photo("3.jpg", B, 60)]
    out = derive_headings(photos)
    assert out[2].heading_deg == pytest.approx(90.0, abs=0.1)
    assert out[1].heading_deg == pytest.approx(90.0, abs=0.1)  # towards 3.jpg, not the 0.36 m step


def _write_gpx(path: Path, points: list[tuple[float, float, datetime]]) -> Path:
    body = "\n".join(
        f'<trkpt lat="{lat}" lon="{lon}"><ele>80</ele><time>{t.strftime("%Y-%m-%dT%H:%M:%SZ")}</time></trkpt>'
        for lat, lon, t in points
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>RD 1029</name><trkseg>'
        f"{body}</trkseg></trk></gpx>\n",
        encoding="utf-8",
    )
    return path


def test_gpx_places_photos_by_time_with_a_clock_offset(tmp_path: Path) -> None:
    gpx = load_gpx(_write_gpx(tmp_path / "track.gpx",
                              [(A.lat, A.lon, T0), (B.lat, B.lon, T0 + timedelta(seconds=100))]))
    # The camera has no GPS, its clock is 20 s fast and set to Paris time without an EXIF offset.
    cam = (T0 + timedelta(seconds=25 + 20)).astimezone(PARIS).replace(tzinfo=None)
    lost = replace(photo("x.jpg", None, None), camera_time=cam, taken_at=cam)
    out = place_with_gpx([lost], gpx, clock_offset_s=-20, camera_tz=PARIS)
    assert out[0].position_source is PositionSource.GPX and out[0].position is not None
    assert distance_m(A, out[0].position) == pytest.approx(0.25 * distance_m(A, B), abs=1.0)
    assert out[0].heading_deg == pytest.approx(90.0, abs=0.1) and out[0].heading_from_track
    assert out[0].altitude_m == pytest.approx(80.0)
    without_offset = place_with_gpx([lost], gpx, camera_tz=PARIS)
    assert distance_m(A, without_offset[0].position) == pytest.approx(0.45 * distance_m(A, B), abs=1.0)


def test_gpx_leaves_exif_positions_and_photos_off_the_track(tmp_path: Path) -> None:
    gpx = load_gpx(_write_gpx(tmp_path / "t.gpx", [(A.lat, A.lon, T0), (B.lat, B.lon, T0 + timedelta(seconds=100))]))
    geotagged = photo("g.jpg", GeoPoint(48.0, 2.0), 50)
    late = replace(photo("late.jpg", None, 3600), camera_time=(T0 + timedelta(hours=1)).astimezone(PARIS))
    out = place_with_gpx([geotagged, late], gpx)
    assert out[0] is geotagged and out[1].position is None


def test_bad_gpx_files_give_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "broken.gpx").write_text("<gpx><trk>", encoding="utf-8")
    with pytest.raises(TrackError, match="broken.gpx"):
        load_gpx(tmp_path / "broken.gpx")
    no_time = tmp_path / "notime.gpx"
    no_time.write_text('<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
                       '<trkpt lat="49" lon="2"/></trkseg></trk></gpx>', encoding="utf-8")
    with pytest.raises(TrackError, match="no track point with a time"):
        load_gpx(no_time)
    with pytest.raises(TrackError, match="missing.gpx"):
        load_gpx(tmp_path / "missing.gpx")


def test_complete_track_runs_gpx_then_interpolation_then_headings(tmp_path: Path) -> None:
    photos = [photo("1.jpg", A, 0), photo("2.jpg", None, 50), photo("3.jpg", B, 100)]
    out = complete_track(photos)
    assert [p.position_source for p in out] == [PositionSource.EXIF, PositionSource.INTERPOLATED, PositionSource.EXIF]
    assert all(p.heading_deg == pytest.approx(90.0, abs=0.1) for p in out)
