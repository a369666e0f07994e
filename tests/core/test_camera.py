"""The project's camera per camera group, and the findings measured again when it changes (core/camera.py).

The oracle of a re-measure is the analysis itself: the same working-resolution mask extracted under the new
camera (``findings.extract_findings``) must give the measures, type, severity and ground position that the
re-measured stored outline gets. The flat-road geometry gives a second, independent check: every ground
distance scales with the camera height (twice the height: twice the lengths, four times the areas).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from roadinspect.core import camera as cam
from roadinspect.core.findings import extract_findings
from roadinspect.core.geo import WGS84, CameraModel
from roadinspect.core.road_region import group_key
from roadinspect.core.store import Store
from roadinspect.core.types import CameraInfo, DamageClass, ReviewStatus, Severity
from tests.core.scenes import CAMERA, blank, draw_ground, photo, rect, segmentation

METRIC = ("length_m", "mean_width_m", "max_width_m", "area_m2", "diameter_m", "ground_distance_m", "pixel_m")
OTHER = CameraModel(height_m=2.1, pitch_deg=14.0, hfov_deg=60.0)
DASH = CameraInfo(make="Acme", model="Dash 2")
PHONE = CameraInfo(make="Fairphone", model="FP5", focal_length_35mm=26.0)


def _mask(shift: float = 0.0, camera: CameraModel = CAMERA):
    mask = blank()
    draw_ground(mask, rect(-0.45, 6.0 + shift, 0.45, 6.6 + shift), 2, camera)  # a 0.9 x 0.6 m pothole
    draw_ground(mask, rect(1.0, 4.5 + shift, 1.06, 8.0 + shift), 1, camera)  # a 6 cm wide, 3.5 m long crack
    draw_ground(mask, rect(-2.0, 9.0 + shift, 0.5, 9.08 + shift), 1, camera)  # a transverse crack
    return mask


def _photos():
    photos = [replace(photo(i, heading=30.0), camera=DASH if i < 2 else PHONE, fingerprint=f"fp{i}") for i in range(4)]
    return photos


@pytest.fixture()
def project(tmp_path):
    """Four photos (two of a dash camera, two of a phone whose EXIF gives its focal length), analysed at a
    working resolution of 512 px under ``CAMERA`` (the project's camera)."""
    store = Store.open(tmp_path / "p.roadinspect")
    photos = _photos()
    ids = store.add_batch(photos).photo_ids
    analysis = store.start_analysis("synthetic", "0" * 64, {"max_side": 512})
    masks = {}
    for pid, ph in zip(ids, photos, strict=True):
        masks[pid] = _mask(0.3 * pid)
        store.record_photo_result(pid, analysis, extract_findings(segmentation(masks[pid]), ph, CAMERA))
    store.finish_analysis(analysis, "finished")
    cam.pin_camera(store, CAMERA)
    yield store, dict(zip(ids, photos, strict=True)), masks
    store.close()


def _by_id(store):
    return {rf.finding.id: rf for rf in store.findings()}


def _expected(masks, photos, camera):
    """The findings a fresh analysis under ``camera`` gives, by (photo, damage, rank)."""
    out = {}
    for pid, mask in masks.items():
        for i, f in enumerate(extract_findings(segmentation(mask), photos[pid], camera)):
            out[(pid, i)] = f
    return out


def _close(a: float, b: float, rel: float = 1e-5) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-6)


def _same_place(a, b) -> bool:
    return abs(a.lat - b.lat) < 1e-9 and abs(a.lon - b.lon) < 1e-9  # 0.1 mm


def test_the_same_camera_gives_back_the_analysed_measures(project) -> None:
    store, _, _ = project
    stored = _by_id(store)
    change = cam.measure_change(store, cam.read_camera(store), before=replace(cam.read_camera(store), height_m=1.0))
    assert change.photos == 4 and len(change.updates) == len(stored) >= 8 and not change.unmeasurable
    for u in change.updates:
        f = stored[u.finding_id].finding
        for key, value in f.measures.items():
            assert _close(u.measures[key], value), (f.kind, key, u.measures[key], value)
        assert u.kind == f.kind and u.severity == f.severity
        assert _same_place(u.ground, f.ground)


def test_a_new_camera_measures_as_a_fresh_analysis_under_it_would(project) -> None:
    store, photos, masks = project
    before = _by_id(store)
    change = cam.change_camera(store, replace(cam.read_camera(store), **cam.vars_of(OTHER)), "chef")
    assert not change.cancelled and len(change.written) == len(before)
    expected = _expected(masks, photos, OTHER)
    after = store.findings()
    ranks: dict[int, int] = {}
    for rf in after:
        pid = rf.finding.photo_id
        rank = ranks[pid] = ranks.get(pid, -1) + 1
        want = expected[(pid, rank)]
        got = rf.finding
        assert got.polygon_wkt == before[got.id].finding.polygon_wkt  # the outline is not touched
        for key in METRIC + ("uncertainty_rel", "orientation_deg"):
            if key in want.measures:
                assert _close(got.measures[key], want.measures[key]), (got.kind, key)
        assert got.kind == want.kind and got.severity == want.severity
        assert _same_place(got.ground, want.ground)
    assert cam.read_camera(store).height_m == 2.1 and store.get_meta("camera/pitch_deg") == 14.0


def test_twice_the_height_doubles_every_ground_distance(project) -> None:
    store, photos, _ = project
    before = _by_id(store)
    cam.change_camera(store, replace(cam.read_camera(store), height_m=2 * CAMERA.height_m))
    for rf in store.findings():
        old, new = before[rf.finding.id].finding, rf.finding
        for key in ("length_m", "mean_width_m", "max_width_m", "diameter_m", "ground_distance_m", "pixel_m"):
            if key in old.measures:
                assert _close(new.measures[key], 2 * old.measures[key], 1e-4), key
        if "area_m2" in old.measures:
            assert _close(new.measures["area_m2"], 4 * old.measures["area_m2"], 1e-4)
        for key in ("length_px", "mean_width_px", "area_px", "junctions"):  # image measures stay
            if key in old.measures:
                assert new.measures[key] == old.measures[key], key
        p = photos[new.photo_id].position
        az_old, _, d_old = WGS84.inv(p.lon, p.lat, old.ground.lon, old.ground.lat)
        az_new, _, d_new = WGS84.inv(p.lon, p.lat, new.ground.lon, new.ground.lat)
        assert _close(d_new, 2 * d_old, 1e-4) and abs(az_new - az_old) < 1e-3  # same way, twice as far


def test_a_camera_tilted_further_down_sees_the_same_pixels_nearer(project) -> None:
    store, photos, _ = project
    before = _by_id(store)
    cam.change_camera(store, replace(cam.read_camera(store), pitch_deg=CAMERA.pitch_deg + 5.0))
    for rf in store.findings():
        old, new = before[rf.finding.id].finding, rf.finding
        assert new.measures["ground_distance_m"] < old.measures["ground_distance_m"]
        key = "area_m2" if "area_m2" in old.measures else "length_m"
        assert new.measures[key] < old.measures[key]


def test_reviews_and_corrections_are_kept_and_a_corrected_class_is_measured_as_that_class(project) -> None:
    store, _, _ = project
    items = store.findings()
    pothole = next(rf for rf in items if rf.finding.damage == DamageClass.POTHOLE)
    crack = next(rf for rf in items if rf.finding.damage == DamageClass.CRACK)
    store.set_review(pothole.finding.id, ReviewStatus.CORRECTED, "anne", damage=DamageClass.CRACK, note="fissure")
    store.set_review(crack.finding.id, ReviewStatus.CORRECTED, "anne", severity=Severity.HIGH)
    reviews = {rf.finding.id: rf.review for rf in store.findings()}
    cam.change_camera(store, replace(cam.read_camera(store), height_m=1.8), "chef")
    now = _by_id(store)
    assert {fid: rf.review for fid, rf in now.items()} == reviews
    assert "length_m" in now[pothole.finding.id].finding.measures  # measured as the crack it was corrected to
    assert "diameter_m" not in now[pothole.finding.id].finding.measures
    assert now[crack.finding.id].severity == Severity.HIGH  # the inspector's severity still counts


def test_the_change_is_audited_and_undone_exactly(project) -> None:
    store, _, _ = project
    before = {rf.finding.id: rf.finding for rf in store.findings()}
    meta = {k: store.get_meta(k) for k in (*cam.CAMERA_KEYS, cam.GROUPS_KEY)}
    change = cam.change_camera(store, replace(cam.read_camera(store), pitch_deg=9.0), "chef")
    log = store.audit_log()
    rows = [e for e in log if e.action == "remeasure"]
    assert len(rows) == len(before) and all(e.who == "chef" and e.details["reason"] == "camera" for e in rows)
    assert rows[0].details["measures_before"] == before[rows[0].finding_id].measures
    summary = log[-1]
    assert summary.action == "camera" and summary.details["meta_before"]["camera/pitch_deg"] == CAMERA.pitch_deg
    assert summary.details["meta_after"]["camera/pitch_deg"] == 9.0 and summary.details["remeasured"] == len(before)
    assert cam.undo_camera_change(store, change, "chef") == change.written
    assert {rf.finding.id: rf.finding for rf in store.findings()} == before
    assert {k: store.get_meta(k) for k in meta} == meta
    assert store.audit_log()[-1].action == "camera_undo"
    cam.redo_camera_change(store, change, "chef")
    assert cam.read_camera(store).pitch_deg == 9.0
    assert {rf.finding.id: rf.finding.measures for rf in store.findings()} == {
        u.finding_id: u.measures for u in change.updates
    }


def test_a_cancelled_change_writes_nothing(project) -> None:
    store, _, _ = project
    before = store.findings()
    calls = []
    change = cam.change_camera(
        store,
        replace(cam.read_camera(store), height_m=3.0),
        progress=lambda done, total: calls.append((done, total)),
        is_cancelled=lambda: len(calls) >= 3,
    )
    assert change.cancelled and not change.written and calls[-1][0] == 3
    assert store.findings() == before and cam.read_camera(store).height_m == CAMERA.height_m
    assert not [e for e in store.audit_log() if e.action in ("remeasure", "camera")]


def test_a_finding_edited_while_it_was_measured_is_left_alone(project) -> None:
    store, _, _ = project
    change = cam.measure_change(store, replace(cam.read_camera(store), height_m=3.0))
    edited = change.updates[0].finding_id
    store.update_finding_geometry(edited, "POLYGON ((10 700, 60 700, 60 740, 10 740, 10 700))", "anne")
    kept = store.finding(edited).finding
    written = store.write_measures(change.updates, cam.read_camera(store).meta(), "chef")
    assert edited not in written and len(written) == len(change.updates) - 1
    assert store.finding(edited).finding == kept


def test_each_camera_group_has_its_own_camera(project) -> None:
    store, photos, masks = project
    phone_key = group_key(photos[3])
    assert phone_key == "Fairphone|FP5|1024x768" != group_key(photos[1])
    groups = cam.camera_groups(photos.values())
    assert [(g.name, g.photos, g.focal_35mm) for g in groups] == [
        ("Acme Dash 2, 1024x768", 2, None),
        ("Fairphone FP5, 1024x768", 2, 26.0),
    ]
    before = _by_id(store)
    change = cam.change_camera(store, cam.read_camera(store).with_group(phone_key, OTHER), "chef")
    assert change.photos == 2
    stored = cam.read_camera(store)
    assert stored.for_group(phone_key).height_m == 2.1 and stored.height_m == CAMERA.height_m
    assert stored.for_photo(photos[3]).focal_35mm == 26.0 and stored.for_photo(photos[1]) == CAMERA
    for rf in store.findings():
        phone = rf.finding.photo_id in (3, 4)
        assert (rf.finding.measures != before[rf.finding.id].finding.measures) == phone
    # the analysis, given the project's camera, measures each photo with its group's camera
    fresh = extract_findings(segmentation(masks[4]), photos[4], stored)
    assert fresh == extract_findings(segmentation(masks[4]), photos[4], OTHER)
    # a group given the project's camera back has no camera of its own
    assert stored.with_group(phone_key, CAMERA).groups == ()
    assert stored.with_base(OTHER).groups == () and stored.with_base(OTHER).height_m == 2.1


def test_stored_values_that_cannot_be_used_fall_back(tmp_path) -> None:
    with Store.open(tmp_path / "p.roadinspect") as store:
        assert not cam.has_camera(store)
        assert cam.read_camera(store, {"camera/height_m": 2.5}).height_m == 2.5  # the user's settings
        store.set_meta("camera/height_m", "high")
        store.set_meta("camera/pitch_deg", 500)
        store.set_meta(cam.GROUPS_KEY, {"A|B|10x10": {"height_m": -1, "pitch_deg": 30}, "bad": 3})
        camera = cam.read_camera(store)
        assert (camera.height_m, camera.pitch_deg) == (1.5, 12.0)
        assert [(k, c.height_m, c.pitch_deg) for k, c in camera.groups] == [("A|B|10x10", 1.5, 30.0)]
        assert cam.has_camera(store)


def test_the_project_camera_travels_to_the_analysis_child_and_into_its_record(project) -> None:
    import dataclasses
    import json
    import pickle

    store, photos, _ = project
    camera = cam.read_camera(store).with_group(group_key(photos[3]), OTHER)
    again = pickle.loads(pickle.dumps(camera))  # what analyse_in_child sends to the child process
    assert again == camera and again.for_photo(photos[3]).height_m == 2.1
    recorded = json.loads(json.dumps(dataclasses.asdict(camera)))  # the analysis's settings (pipeline)
    assert recorded["height_m"] == CAMERA.height_m and recorded["groups"][0][1]["height_m"] == 2.1


def test_the_working_grid_is_the_segmenters() -> None:
    from roadinspect.core.segmenter import working_size

    for width, height, side in ((4000, 3000, 640), (1024, 768, 512), (3000, 4000, 640), (1920, 1080, 1280),
                                (600, 400, 640), (4032, 3024, 777)):
        ph = replace(photo(0), width=width, height=height)
        w, h = working_size(width, height, side)
        assert cam._scale({"max_side": side}, ph) == (width / w, height / h)
    assert cam._scale({"max_side": None}, photo(0)) == (1.0, 1.0)  # analysed at full size
    assert cam._scale({}, photo(0)) is None  # not recorded: measured as a drawn outline
