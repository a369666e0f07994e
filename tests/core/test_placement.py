"""Placing the photos already in a project on a GPX track: placed, still unplaced (and why), EXIF
positions untouched, findings' ground positions following their photo, bad GPX, one audited write."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from roadinspect.core.geo import CameraModel, ground_position
from roadinspect.core.photos import scan
from roadinspect.core.placement import finding_ground, place_project_on_gpx
from roadinspect.core.sites import build_sites
from roadinspect.core.store import PositionChange, Store
from roadinspect.core.synth import road_track
from roadinspect.core.track import TrackError, complete_track, distance_m
from roadinspect.core.types import DamageClass, Finding, PositionSource, Severity
from tests.core.photo_files import T0, scene_jpeg

POTHOLE = "POLYGON ((70 95, 90 95, 90 110, 70 110, 70 95))"
"""A pothole low in a 160x120 photo: on the road in front of the camera."""
STEP_S = 2.0
SPACING_M = 4.5


def write_gpx(path: Path, count: int, shift_s: float = 0.0, skip: range = range(0)) -> Path:
    """A GPX log of the sample road: point ``k`` where photo ``k`` was taken, at ``T0 + k * STEP_S + shift_s``."""
    points = []
    for k, (position, _) in enumerate(road_track(count, SPACING_M)):
        if k in skip:
            continue
        when = (T0 + timedelta(seconds=k * STEP_S + shift_s)).strftime("%Y-%m-%dT%H:%M:%SZ")
        points.append(f'<trkpt lat="{position.lat}" lon="{position.lon}"><ele>90</ele><time>{when}</time></trkpt>')
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test" '
                    f'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{"".join(points)}</trkseg></trk></gpx>\n',
                    encoding="utf-8")
    return path


def pothole() -> Finding:
    return Finding(damage=DamageClass.POTHOLE, polygon_wkt=POTHOLE, confidence=0.9, kind="pothole",
                   severity=Severity.MEDIUM, measures={"area_px": 300.0})


def make_project(tmp_path: Path, gps: dict[int, bool]) -> tuple[Store, dict[int, int]]:
    """Photos at road positions ``index`` (with or without GPS EXIF), imported as the app does, with one
    pothole finding each; returns the store and photo id by index."""
    folder = tmp_path / "photos"
    for index, has_gps in gps.items():
        scene_jpeg(folder / f"IMG_{index:03d}.jpg", seed=index, index=index, gps=has_gps, heading=has_gps)
    result = scan([folder])
    store = Store.open(tmp_path / "survey.roadinspect")
    store.add_batch(complete_track(result.photos), result.unreadable, result.duplicates)
    ids = {int(r.path.stem[4:]): r.id for r in store.photos()}
    analysis = store.start_analysis("test", "0" * 64)
    for photo_id in ids.values():
        photo = store.photo(photo_id).photo
        ground, _ = ground_position(photo, CameraModel().for_photo(photo), 80.0, 102.0)  # what the analysis had then
        store.record_photo_result(photo_id, analysis, [replace(pothole(), ground=ground)])
    store.finish_analysis(analysis, "finished")
    return store, ids


def place(store: Store, gpx: Path, offset: float = 0.0, cancel: bool = False):
    seen: list[tuple] = []
    result = place_project_on_gpx(store, gpx, offset, CameraModel(), "tester",
                                  progress=lambda *a: seen.append(a), is_cancelled=lambda: cancel)
    return result, seen


def test_photos_without_gps_are_placed_and_exif_positions_are_untouched(tmp_path: Path) -> None:
    # 0 and 3 have GPS; 1 and 2 were interpolated at import; 40 (80 s later) had no position at all.
    store, ids = make_project(tmp_path, {0: True, 1: False, 2: False, 3: True, 40: False})
    try:
        before = {i: store.photo(pid).photo for i, pid in ids.items()}
        assert before[1].position_source is PositionSource.INTERPOLATED and before[40].position is None
        audit_before = len(store.audit_log())
        result, seen = place(store, write_gpx(tmp_path / "drive.gpx", count=8))
        assert sorted(result.placed) == sorted([ids[1], ids[2]])
        assert [u.photo_id for u in result.unplaced] == [ids[40]] and result.skipped_exif == 2
        miss = result.unplaced[0].miss
        assert miss.reason == "after_track" and miss.seconds == pytest.approx(80 - 14, abs=0.01)
        assert "IMG_040.jpg: taken 66 s after the track ends" in result.unplaced[0].message
        expected = list(road_track(41, SPACING_M))
        for i in (1, 2):
            photo = store.photo(ids[i]).photo
            assert photo.position_source is PositionSource.GPX
            assert distance_m(photo.position, expected[i][0]) < 0.2
            assert photo.heading_deg == pytest.approx(expected[i][1], abs=0.5) and photo.heading_from_track
            assert photo.altitude_m == pytest.approx(90.0)
            assert any(n == "placed on GPX track drive.gpx" for n in photo.notes)
            assert not any(n.startswith("position interpolated") for n in photo.notes)
        for i in (0, 3):  # EXIF: exactly as imported
            assert store.photo(ids[i]).photo == before[i]
        assert store.photo(ids[40]).photo == before[40]
        assert result.changed == 2 and result.findings_moved == 2
        assert seen[0] == (0, 2, "") and seen[-1][:2] == (2, 2)
        log = store.audit_log()[audit_before:]
        assert [e.action for e in log] == ["position", "position", "positions"]
        assert {e.photo_id for e in log[:2]} == {ids[1], ids[2]}
        assert log[0].details["before"]["source"] == "interpolated" and log[0].details["after"]["source"] == "gpx"
        assert log[-1].details["gpx"].endswith("drive.gpx") and log[-1].details["placed"] == 2
        assert log[-1].details["unplaced"] == 1 and log[-1].details["photos_changed"] == 2
        assert store.counts()["position_gpx"] == 2
        assert result.track_start == T0 and result.track_end == T0 + timedelta(seconds=14)
        assert result.photos_start == T0 + timedelta(seconds=2) and result.photos_end == T0 + timedelta(seconds=80)
    finally:
        store.close()


def test_findings_follow_their_photo_and_sites_use_the_new_positions(tmp_path: Path) -> None:
    store, ids = make_project(tmp_path, {5: False, 6: False})
    try:
        assert all(rf.finding.ground is None for rf in store.findings())  # analysed without a position
        photos = {r.id: r.photo for r in store.photos()}
        assert all(s.position is None for s in build_sites(photos, [rf.finding for rf in store.findings()]))
        result, _ = place(store, write_gpx(tmp_path / "drive.gpx", count=10))
        assert sorted(result.placed) == sorted(ids.values()) and result.findings_moved == 2
        for pid in ids.values():
            photo = store.photo(pid).photo
            (rf,) = store.findings(pid)
            # the outline's centroid, with the photo's new position and heading
            expected, dist = ground_position(photo, CameraModel().for_photo(photo), 80.0, 102.5)
            assert rf.finding.ground is not None and distance_m(rf.finding.ground, expected) < 0.01
            assert rf.finding.measures["ground_distance_m"] == pytest.approx(dist, abs=1e-3)
            assert 1.0 < distance_m(rf.finding.ground, photo.position) < 30.0  # ahead of the camera, on the road
            assert rf.finding.measures["area_px"] == 300.0  # measures kept
        photos = {r.id: r.photo for r in store.photos()}
        sites = build_sites(photos, [rf.finding for rf in store.findings()])
        assert sites and all(s.position is not None for s in sites)
    finally:
        store.close()


def test_clock_offset_and_reasons_for_photos_off_the_track(tmp_path: Path) -> None:
    store, ids = make_project(tmp_path, {0: False, 1: False, 2: False})
    try:
        # The GPX logger's clock is right; the camera's is one hour slow: its photos seem an hour early.
        gpx = write_gpx(tmp_path / "late.gpx", count=4, shift_s=3600.0)
        result, _ = place(store, gpx)
        assert result.placed == [] and result.changed == 0
        assert {u.miss.reason for u in result.unplaced} == {"before_track"}
        assert all(u.miss.seconds == pytest.approx(3600 - 2 * i, abs=0.01)
                   for u, i in zip(sorted(result.unplaced, key=lambda u: u.path.name), range(3), strict=True))
        assert "60 min before the track starts (check the clock offset)" in result.unplaced[0].message
        assert all(store.photo(pid).photo.position is None for pid in ids.values())
        result, _ = place(store, gpx, offset=3600.0)
        assert sorted(result.placed) == sorted(ids.values()) and result.unplaced == []
        expected = list(road_track(3, SPACING_M))
        for i, pid in ids.items():
            assert distance_m(store.photo(pid).photo.position, expected[i][0]) < 0.2
        again, _ = place(store, gpx, offset=3600.0)  # the same placement twice changes nothing
        assert sorted(again.placed) == sorted(ids.values()) and again.changed == 0
    finally:
        store.close()


def test_gaps_missing_times_and_positions_kept(tmp_path: Path) -> None:
    store, ids = make_project(tmp_path, {0: True, 1: False, 2: False, 3: True, 100: False})
    try:
        # Photo 1 (2 s) and 2 (4 s) were interpolated at import; the log misses points 1..79 (a 160 s gap).
        result, _ = place(store, write_gpx(tmp_path / "gap.gpx", count=120, skip=range(1, 80)))
        assert result.placed == [ids[100]]
        kept = {u.photo_id: u.miss for u in result.kept}
        assert set(kept) == {ids[1], ids[2]} and {m.reason for m in kept.values()} == {"track_gap"}
        assert kept[ids[1]].seconds == pytest.approx(160.0)
        assert "2 min 40 s gap in the track" in kept[ids[1]].describe()
        assert all(store.photo(ids[i]).photo.position_source is PositionSource.INTERPOLATED for i in (1, 2))
        no_time = replace(store.photo(ids[1]).photo, position=None, taken_at=None, camera_time=None)
        from roadinspect.core.track import gpx_miss, load_gpx

        assert gpx_miss(no_time, load_gpx(tmp_path / "gap.gpx")).reason == "no_time"
    finally:
        store.close()


def test_bad_gpx_names_the_file_and_changes_nothing(tmp_path: Path) -> None:
    store, ids = make_project(tmp_path, {0: False, 1: False})
    try:
        before = ([r.photo for r in store.photos()], store.findings(), len(store.audit_log()))
        broken = tmp_path / "trace cassée.gpx"
        broken.write_text("<gpx><trk><trkseg><trkpt", encoding="utf-8")
        with pytest.raises(TrackError, match="trace cassée.gpx"):
            place(store, broken)
        with pytest.raises(TrackError, match="absent.gpx"):
            place(store, tmp_path / "absent.gpx")
        assert ([r.photo for r in store.photos()], store.findings(), len(store.audit_log())) == before
    finally:
        store.close()


def test_a_cancel_before_the_write_leaves_the_project_as_it_was(tmp_path: Path) -> None:
    store, _ = make_project(tmp_path, {0: False, 1: False})
    try:
        before = ([r.photo for r in store.photos()], len(store.audit_log()))
        result, _ = place(store, write_gpx(tmp_path / "drive.gpx", count=4), cancel=True)
        assert result.cancelled and result.changed == 0
        assert ([r.photo for r in store.photos()], len(store.audit_log())) == before
    finally:
        store.close()


def test_store_refuses_to_overwrite_an_exif_position_and_rolls_back(tmp_path: Path) -> None:
    store, ids = make_project(tmp_path, {0: False, 1: True})
    try:
        photos = {i: store.photo(pid).photo for i, pid in ids.items()}
        moved = replace(photos[1], position=photos[0].position, position_source=PositionSource.GPX)
        first = PositionChange(ids[0], replace(photos[0], position=photos[1].position,
                                               position_source=PositionSource.GPX))
        count = len(store.audit_log())
        with pytest.raises(ValueError, match="own EXIF position"):
            store.update_positions([first, PositionChange(ids[1], moved)], who="tester")
        assert store.photo(ids[0]).photo == photos[0] and store.photo(ids[1]).photo == photos[1]
        assert len(store.audit_log()) == count
        other = store.findings(ids[1])[0].finding.id
        with pytest.raises(KeyError, match=f"finding {other}"):
            store.update_positions([PositionChange(ids[0], photos[0], {other: (None, None)})])
    finally:
        store.close()


def test_a_reimport_without_the_track_keeps_the_gpx_positions(tmp_path: Path) -> None:
    store, ids = make_project(tmp_path, {0: False, 1: False})
    try:
        place(store, write_gpx(tmp_path / "drive.gpx", count=4))
        placed = {pid: store.photo(pid).photo for pid in ids.values()}
        assert all(p.position_source is PositionSource.GPX for p in placed.values())
        result = scan([tmp_path / "photos"])  # the inspector adds the same folder again
        store.add_batch(complete_track(result.photos), result.unreadable, result.duplicates)
        assert {pid: store.photo(pid).photo for pid in ids.values()} == placed
    finally:
        store.close()


def test_finding_ground_of_a_crack_is_on_its_outline(tmp_path: Path) -> None:
    store, ids = make_project(tmp_path, {0: True})
    try:
        photo = store.photo(ids[0]).photo
        # An L-shaped crack: its centroid lies outside the outline; the anchor is the nearest outline point.
        crack = replace(pothole(), damage=DamageClass.CRACK, kind="longitudinal",
                        polygon_wkt="POLYGON ((40 80, 44 80, 44 106, 100 106, 100 110, 40 110, 40 80))")
        ground, dist = finding_ground(crack, photo, CameraModel())
        import shapely

        shape = shapely.from_wkt(crack.polygon_wkt)
        assert not shape.contains(shape.centroid)
        from shapely.ops import nearest_points

        anchor = nearest_points(shape, shape.centroid)[0]
        assert (ground, dist) == ground_position(photo, CameraModel().for_photo(photo), anchor.x, anchor.y)
        assert finding_ground(replace(crack, polygon_wkt="POLYGON EMPTY"), photo) == (photo.position, None)
    finally:
        store.close()
