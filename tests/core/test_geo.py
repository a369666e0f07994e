"""The flat-road camera model and metric geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from roadinspect.core.geo import CameraModel, MetricFrame, distance_m, ground_position, offset_position, osm_url
from roadinspect.core.types import GeoPoint
from tests.core.scenes import ORIGIN, photo


def test_ground_and_image_projections_are_inverse():
    cam = CameraModel(height_m=1.4, pitch_deg=15.0, hfov_deg=65.0)
    gx = np.array([-2.0, 0.0, 1.5, 3.0])
    gy = np.array([3.0, 5.0, 10.0, 25.0])
    u, v = cam.image_uv(gx, gy, 1920, 1080)
    bx, by, ok = cam.ground_xy(u, v, 1920, 1080)
    assert ok.all()
    np.testing.assert_allclose(bx, gx, atol=1e-9)
    np.testing.assert_allclose(by, gy, atol=1e-9)


def test_pixel_below_the_centre_of_a_camera_looking_down_is_under_it():
    cam = CameraModel(height_m=2.0, pitch_deg=90.0)
    x, y, ok = cam.ground_xy(500.0, 400.0, 1000, 800)
    assert bool(ok) and float(x) == pytest.approx(0.0) and float(y) == pytest.approx(0.0, abs=1e-12)
    # The image centre of a camera pitched 45 degrees meets the road `height` metres ahead.
    x, y, ok = CameraModel(height_m=1.5, pitch_deg=45.0).ground_xy(500.0, 400.0, 1000, 800)
    assert float(y) == pytest.approx(1.5)


def test_sky_and_far_road_are_not_measurable():
    cam = CameraModel(pitch_deg=5.0, max_distance_m=30.0)
    horizon = cam.horizon_v(1000, 800)
    _, _, ok = cam.ground_xy(np.array([500.0, 500.0]), np.array([horizon - 10, horizon + 1]), 1000, 800)
    assert not ok.any()
    _, _, ok = cam.ground_xy(500.0, horizon + 1, 1000, 800, within_limit=False)
    assert bool(ok)
    _, y, ok = cam.ground_xy(500.0, cam.limit_v(1000, 800) + 0.5, 1000, 800)
    assert bool(ok) and float(y) <= 30.0


def test_focal_length_from_35mm_equivalent_and_from_field_of_view():
    w, h = 4000, 3000
    assert CameraModel(focal_35mm=43.2666).focal_px(w, h) == pytest.approx(5000.0, rel=1e-4)
    assert CameraModel(hfov_deg=90.0).focal_px(w, h) == pytest.approx(2000.0)
    assert CameraModel().for_photo(photo(focal_35mm=26.0)).focal_35mm == 26.0
    assert CameraModel(focal_35mm=30.0).for_photo(photo(focal_35mm=26.0)).focal_35mm == 30.0
    assert CameraModel().for_photo(photo(focal_35mm=0.0)).focal_35mm is None


@pytest.mark.parametrize("kwargs", [{"height_m": 0.0}, {"pitch_deg": 95.0}, {"focal_35mm": -1.0}, {"hfov_deg": 180.0}])
def test_invalid_camera_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        CameraModel(**kwargs)


def test_perturbed_cameras_move_one_parameter_each():
    cam = CameraModel()
    high, pitched, focal = cam.perturbed()
    assert high.height_m == pytest.approx(1.65) and pitched.pitch_deg == pytest.approx(14.0)
    assert focal.focal_px(1000, 800) == pytest.approx(cam.focal_px(1000, 800) * 1.05)
    assert CameraModel(pitch_deg=90.0).perturbed()[1].pitch_deg == 88.0


def test_offsets_and_distances_on_the_ellipsoid():
    ahead = offset_position(ORIGIN, 0.0, 0.0, 100.0)
    assert ahead.lat > ORIGIN.lat and distance_m(ORIGIN, ahead) == pytest.approx(100.0, abs=1e-6)
    right = offset_position(ORIGIN, 0.0, 30.0, 40.0)
    assert distance_m(ORIGIN, right) == pytest.approx(50.0, abs=1e-6) and right.lon > ORIGIN.lon
    assert offset_position(ORIGIN, 123.0, 0.0, 0.0) == ORIGIN


def test_ground_position_falls_back_to_the_photo():
    cam = CameraModel()
    pos, dist = ground_position(photo(heading=None), cam, 512, 700)
    assert pos == ORIGIN and dist is None
    pos, dist = ground_position(photo(heading=0.0), cam, 512, 10)  # sky
    assert pos == ORIGIN and dist is None
    pos, dist = ground_position(photo(heading=0.0), cam, 512, 700)
    assert dist is not None and distance_m(ORIGIN, pos) == pytest.approx(dist, rel=1e-6)
    assert ground_position(photo(position=None), cam, 512, 700) == (None, None)


def test_metric_frame_round_trip_and_distances():
    pts = [ORIGIN, offset_position(ORIGIN, 45.0, 0.0, 1000.0), offset_position(ORIGIN, 200.0, 0.0, 300.0)]
    frame = MetricFrame.around(pts)
    xy = frame.to_xy(pts)
    assert math.hypot(*(xy[1] - xy[0])) == pytest.approx(1000.0, rel=1e-4)
    back = frame.to_geo(xy)
    for a, b in zip(pts, back, strict=True):
        assert distance_m(a, b) < 0.01  # LAEA inverse series: sub-centimetre
    assert MetricFrame.around([]) is None
    across = MetricFrame.around([GeoPoint(0.0, 179.9999), GeoPoint(0.0, -179.9999)])
    assert abs(across.center.lon) == pytest.approx(180.0, abs=1e-3)


def test_osm_link():
    assert osm_url(GeoPoint(45.1234567, 5.5)) == (
        "https://www.openstreetmap.org/?mlat=45.1234567&mlon=5.5000000#map=19/45.1234567/5.5000000")
