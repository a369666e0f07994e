"""Findings from synthetic masks with known answers: instances, kinds, measures, severity, ground position."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from roadinspect.core.findings import (
    DEFAULT_SETTINGS,
    FRENCH_NAMES,
    RDD_CODES,
    extract_findings,
    finding_from_mask,
    finding_from_polygon,
    severity_for,
)
from roadinspect.core.geo import CameraModel, distance_m
from roadinspect.core.types import DamageClass, Severity
from tests.core.scenes import CAMERA, IMAGE_H, IMAGE_W, ORIGIN, blank, draw_ground, photo, rect, segmentation


def _extract(mask, camera=CAMERA, p=0.9, ph=None):
    return extract_findings(segmentation(mask, p=p), ph or photo(), camera)


def test_empty_mask_gives_no_findings():
    assert _extract(blank()) == []


def test_pothole_of_known_size_is_measured_in_square_metres():
    mask = blank()
    draw_ground(mask, rect(-0.3, 4.0, 0.3, 4.6), 2)  # 0.36 m2, 4 m ahead
    [f] = _extract(mask)
    assert f.damage == DamageClass.POTHOLE and f.kind == "pothole"
    assert f.measures["area_m2"] == pytest.approx(0.36, rel=0.08)
    assert f.measures["diameter_m"] == pytest.approx(math.sqrt(4 * 0.36 / math.pi), rel=0.05)
    assert f.severity == Severity.HIGH  # diameter 0.68 m >= 0.45 m
    assert 0.0 < f.measures["uncertainty_rel"] < 0.5
    assert f.confidence == pytest.approx(0.9)
    # Polygon in photo pixels: twice the working resolution here.
    geom = shapely.from_wkt(f.polygon_wkt)
    assert geom.area == pytest.approx(f.measures["area_px"], rel=0.05)
    u, v = CAMERA.image_uv(np.array([-0.3, 0.3]), np.array([4.0, 4.0]), IMAGE_W, IMAGE_H)
    assert geom.bounds[0] == pytest.approx(u[0], abs=4) and geom.bounds[2] == pytest.approx(u[1], abs=4)
    assert geom.bounds[3] == pytest.approx(v[0], abs=4)


@pytest.mark.parametrize(("side_m", "severity"), [(0.15, Severity.LOW), (0.3, Severity.MEDIUM), (0.5, Severity.HIGH)])
def test_pothole_severity_follows_diameter(side_m, severity):
    mask = blank()
    draw_ground(mask, rect(-side_m / 2, 3.0, side_m / 2, 3.0 + side_m), 2)
    [f] = _extract(mask)
    assert f.severity == severity


def test_tiny_pothole_blob_is_noise():
    mask = blank()
    mask[300:305, 200:205] = 2  # 25 working pixels < 2e-4 of 512x384 (39 px)
    assert _extract(mask) == []
    mask[300:310, 200:210] = 2
    assert len(_extract(mask)) == 1


def test_horizontal_line_in_a_forward_view_is_a_transverse_crack():
    mask = blank()
    draw_ground(mask, rect(-1.5, 4.0, 1.5, 4.06), 1)  # 3 m long, 6 cm wide, across the road
    [f] = _extract(mask)
    assert f.damage == DamageClass.CRACK and f.kind == "transverse"
    assert f.measures["length_m"] == pytest.approx(3.0, rel=0.08)
    assert f.measures["orientation_deg"] > 80
    assert f.measures["mean_width_m"] == pytest.approx(0.06, rel=0.35)
    assert f.severity == Severity.MEDIUM  # 10-75 mm


def test_line_along_the_road_is_a_longitudinal_crack():
    mask = blank()
    draw_ground(mask, rect(0.6, 3.0, 0.66, 8.0), 1)  # 5 m long, 6 cm wide, along the road, off-centre
    [f] = _extract(mask)
    assert f.kind == "longitudinal"
    assert f.measures["length_m"] == pytest.approx(5.0, rel=0.08)
    assert f.measures["orientation_deg"] < 10
    assert f.measures["mean_width_m"] == pytest.approx(0.06, rel=0.35)
    assert f.severity == Severity.MEDIUM


def test_short_crack_is_isolated():
    mask = blank()
    draw_ground(mask, rect(-0.1, 3.0, 0.1, 3.03), 1)
    [f] = _extract(mask)
    assert f.kind == "isolated" and f.measures["length_m"] < 0.3


def test_mesh_of_cracks_is_alligator_with_area():
    mask = blank()
    for k in range(6):
        draw_ground(mask, rect(-0.9, 3.0 + 0.3 * k, 0.9, 3.04 + 0.3 * k), 1)
        draw_ground(mask, rect(-0.9 + 0.36 * k, 3.0, -0.86 + 0.36 * k, 4.54), 1)
    [f] = _extract(mask)
    assert f.kind == "alligator"
    assert f.measures["cells"] >= 4
    assert f.measures["area_m2"] == pytest.approx(1.8 * 1.54, rel=0.12)
    assert f.measures["mean_width_m"] == pytest.approx(0.04, rel=0.35)
    assert f.severity == Severity.HIGH  # 4 cm wide: open (spalled) cracking


def test_fragments_within_the_gap_make_one_crack_far_apart_two():
    mask = blank()
    mask[300:302, 50:200] = 1
    mask[300:302, 205:350] = 1  # 3 px gap <= 1.5 % of the diagonal (9.6 px)
    assert len(_extract(mask)) == 1
    mask[300:302, 205:350] = 0
    mask[300:302, 260:400] = 1  # 60 px gap
    assert len(_extract(mask)) == 2


def test_too_short_crack_is_dropped():
    mask = blank()
    mask[300, 100:105] = 1
    assert _extract(mask) == []


def test_pixel_measures_of_a_known_line_under_a_top_down_camera():
    cam = CameraModel(height_m=1.0, pitch_deg=90.0, hfov_deg=60.0)
    mask = blank()
    mask[100:103, 100:301] = 1  # 201 px long, 3 px wide at working resolution (x2 in the photo)
    [f] = _extract(mask, camera=cam)
    assert f.measures["length_px"] == pytest.approx(400, abs=4)
    assert f.measures["mean_width_px"] == pytest.approx(6, rel=0.05)
    m_per_px = 1.0 / cam.focal_px(IMAGE_W, IMAGE_H)
    assert f.measures["length_m"] == pytest.approx(400 * m_per_px, rel=0.02)
    assert f.measures["mean_width_m"] == pytest.approx(6 * m_per_px, rel=0.05)
    assert f.measures["width_resolved"] == 1.0


def test_confidence_is_the_mean_class_probability():
    mask = blank()
    draw_ground(mask, rect(-0.3, 4.0, 0.3, 4.6), 2)
    seg = segmentation(mask, p=0.6)
    rows, cols = np.nonzero(mask == 2)  # half the pothole's pixels certain, the other half at 0.6
    seg.probs[2][rows[: len(rows) // 2], cols[: len(rows) // 2]] = 1.0
    [f] = extract_findings(seg, photo(), CAMERA)
    expected = float(seg.probs[2][mask == 2].mean())
    assert f.confidence == pytest.approx(expected, abs=1e-3)
    assert 0.6 < f.confidence < 1.0


def test_ground_position_is_ahead_of_the_photo_along_its_heading():
    mask = blank()
    draw_ground(mask, rect(-0.2, 6.0, 0.2, 6.4), 2)
    [north] = _extract(mask, ph=photo(heading=0.0))
    assert north.ground.lat > ORIGIN.lat and north.ground.lon == pytest.approx(ORIGIN.lon, abs=1e-6)
    assert distance_m(ORIGIN, north.ground) == pytest.approx(6.2, abs=0.3)
    assert north.measures["ground_distance_m"] == pytest.approx(6.2, abs=0.3)
    [east] = _extract(mask, ph=photo(heading=90.0))
    assert east.ground.lon > ORIGIN.lon and east.ground.lat == pytest.approx(ORIGIN.lat, abs=1e-6)


def test_without_heading_the_ground_position_falls_back_to_the_photo():
    mask = blank()
    draw_ground(mask, rect(-0.2, 6.0, 0.2, 6.4), 2)
    [f] = _extract(mask, ph=photo(heading=None))
    assert f.ground == ORIGIN and "ground_distance_m" not in f.measures
    [g] = _extract(mask, ph=photo(position=None))
    assert g.ground is None


def test_damage_beyond_the_measurable_road_has_no_metric_measures():
    mask = blank()
    draw_ground(mask, rect(-2.0, 36.0, 2.0, 46.0), 2)  # beyond max_distance_m (30 m)
    [f] = _extract(mask)
    assert f.measures["metric"] == 0.0 and "area_m2" not in f.measures
    assert f.severity == Severity.LOW  # by its size in the image: 4 % of the width


def test_exif_focal_length_changes_the_metric_scale():
    mask = blank()
    draw_ground(mask, rect(-0.3, 4.0, 0.3, 4.6), 2)
    plain = _extract(mask, camera=CameraModel(pitch_deg=20.0), ph=photo())[0]
    tele = _extract(mask, camera=CameraModel(pitch_deg=20.0), ph=photo(focal_35mm=50.0))[0]
    assert tele.measures["area_m2"] < plain.measures["area_m2"]


def test_finding_from_mask_and_polygon_recompute_the_same_measures():
    mask = blank()
    draw_ground(mask, rect(-0.3, 4.0, 0.3, 4.6), 2)
    [f] = _extract(mask)
    again = finding_from_mask(mask == 2, DamageClass.POTHOLE, photo(), CAMERA, scale=(2.0, 2.0))
    assert again is not None and again.source == "inspector" and again.confidence == 1.0
    assert again.measures["area_m2"] == pytest.approx(f.measures["area_m2"], rel=1e-6)
    redrawn = finding_from_polygon(f.polygon_wkt, DamageClass.POTHOLE, photo(), CAMERA)
    assert redrawn is not None
    assert redrawn.measures["area_m2"] == pytest.approx(f.measures["area_m2"], rel=0.05)
    # The brush turns it into a crack: the kind is recomputed from the geometry.
    line = np.zeros((IMAGE_H, IMAGE_W), bool)
    line[700:704, 200:800] = True
    crack = finding_from_mask(line, DamageClass.CRACK, photo(), CAMERA)
    assert crack is not None and crack.kind == "transverse"
    assert finding_from_mask(np.zeros((5, 5), bool), DamageClass.CRACK, photo(), CAMERA) is None


@pytest.mark.parametrize(
    ("kind", "measures", "expected"),
    [
        ("transverse", {"metric": 1, "mean_width_m": 0.009, "width_resolved": 1}, Severity.LOW),
        ("transverse", {"metric": 1, "mean_width_m": 0.010, "width_resolved": 1}, Severity.MEDIUM),
        ("longitudinal", {"metric": 1, "mean_width_m": 0.074, "width_resolved": 1}, Severity.MEDIUM),
        ("longitudinal", {"metric": 1, "mean_width_m": 0.075, "width_resolved": 1}, Severity.HIGH),
        ("isolated", {"metric": 1, "mean_width_m": 0.2, "width_resolved": 0}, Severity.LOW),
        ("transverse", {"metric": 1, "mean_width_m": 0.014, "pixel_m": 0.005, "width_resolved": 1}, Severity.LOW),
        ("transverse", {"metric": 1, "mean_width_m": 0.080, "pixel_m": 0.010, "width_resolved": 1}, Severity.MEDIUM),
        ("alligator", {"metric": 1, "mean_width_m": 0.012, "width_resolved": 1, "area_m2": 0.2}, Severity.HIGH),
        ("alligator", {"metric": 1, "mean_width_m": 0.005, "width_resolved": 1, "area_m2": 1.5}, Severity.MEDIUM),
        ("alligator", {"metric": 1, "mean_width_m": 0.005, "width_resolved": 1, "area_m2": 0.5, "cells": 2},
         Severity.LOW),
        ("pothole", {"metric": 1, "diameter_m": 0.19}, Severity.LOW),
        ("pothole", {"metric": 1, "diameter_m": 0.2}, Severity.MEDIUM),
        ("pothole", {"metric": 1, "diameter_m": 0.45}, Severity.HIGH),
        ("pothole", {"metric": 0, "diameter_px": 40}, Severity.LOW),
        ("pothole", {"metric": 0, "diameter_px": 100}, Severity.MEDIUM),
        ("pothole", {"metric": 0, "diameter_px": 200}, Severity.HIGH),
        ("transverse", {"metric": 0}, Severity.LOW),
    ],
)
def test_severity_thresholds(kind, measures, expected):
    assert severity_for(kind, {k: float(v) for k, v in measures.items()}, 1000, DEFAULT_SETTINGS) == expected


def test_catalogue_names_cover_every_kind():
    assert RDD_CODES["longitudinal"] == "D00" and RDD_CODES["transverse"] == "D10"
    assert RDD_CODES["alligator"] == "D20" and RDD_CODES["pothole"] == "D40"
    assert FRENCH_NAMES["alligator"] == "faïençage" and set(FRENCH_NAMES) == set(RDD_CODES)


@pytest.mark.parametrize("seed", range(6))
def test_scenes_of_the_project_generator_give_their_true_kinds_and_areas(seed):
    from roadinspect.core.synth import render_scene

    kind = ("longitudinal", "transverse", "alligator")[seed % 3]
    scene = render_scene(512, 384, seed=seed, cracks=[kind], potholes=1)
    rig = scene.rig
    # synth's focal length is relative to the 36 mm frame width: the same lens as this field of view.
    cam = CameraModel(height_m=rig.height_m, pitch_deg=rig.pitch_deg,
                      hfov_deg=math.degrees(2 * math.atan(18.0 / rig.focal_35mm)))
    found = extract_findings(segmentation(scene.mask, image_size=(512, 384)), photo(), cam)
    assert sorted(f.kind for f in found) == sorted(d.kind for d in scene.damages)
    [pothole] = [f for f in found if f.kind == "pothole"]
    [truth] = [d for d in scene.damages if d.kind == "pothole"]
    assert pothole.measures["area_m2"] == pytest.approx(truth.size_m, rel=0.1)
