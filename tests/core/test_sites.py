"""Maintenance sites: one defect seen in several photos is one site; reviews override the model."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from roadinspect.core.review import effective_finding
from roadinspect.core.sites import SiteSettings, build_sites
from roadinspect.core.types import DamageClass, Review, ReviewStatus, Severity
from tests.core.scenes import ORIGIN, T0, photo, rect, survey

POTHOLE = (2, rect(0.0, 9.0, 0.6, 9.6))  # 9 m north of the first photo
FAR_POTHOLE = (2, rect(-0.5, 30.0, 0.3, 30.8))


def test_same_pothole_in_three_consecutive_photos_is_one_site():
    photos, findings = survey(3, 3.0, [POTHOLE])
    assert len(findings) == 3 and len({f.photo_id for f in findings}) == 3
    [site] = build_sites(photos, findings)
    assert site.kind == "pothole" and site.damage == DamageClass.POTHOLE
    assert site.finding_ids == (1, 2, 3) and site.id == "S1"
    assert site.photo_ids == (1, 2, 3)
    assert site.photo_files == ("IMG_0000.jpg", "IMG_0001.jpg", "IMG_0002.jpg")
    assert site.first_seen == T0 and (site.last_seen - T0).total_seconds() == 2
    # Same confidence everywhere: the largest view (the nearest photo) is the evidence.
    assert site.evidence_id == 3 and site.evidence.photo_id == 3
    assert site.measures == site.evidence.measures
    assert site.measures["area_m2"] == pytest.approx(0.36, rel=0.1)
    assert site.status == ReviewStatus.PENDING


def test_distinct_defects_and_types_stay_apart():
    crack_on_pothole = (1, rect(0.8, 11.0, 0.86, 14.0))
    photos, findings = survey(6, 4.0, [POTHOLE, FAR_POTHOLE, crack_on_pothole])
    sites = build_sites(photos, findings)
    kinds = sorted(s.kind for s in sites)
    assert kinds == ["longitudinal", "pothole", "pothole"]
    potholes = [s for s in sites if s.kind == "pothole"]
    assert {len(s.photo_ids) for s in potholes} >= {2}


def test_sites_do_not_depend_on_the_order_of_findings():
    photos, findings = survey(6, 4.0, [POTHOLE, FAR_POTHOLE])
    shuffled = findings[:]
    random.Random(3).shuffle(shuffled)
    assert build_sites(photos, shuffled) == build_sites(photos, findings)


def test_a_larger_link_distance_merges_neighbours():
    near = (2, rect(0.0, 17.0, 0.6, 17.6))  # 8 m after POTHOLE
    photos, findings = survey(4, 3.0, [POTHOLE, near])
    assert len(build_sites(photos, findings)) == 2
    assert len(build_sites(photos, findings, settings=SiteSettings(link_distance_m=10.0))) == 1


def test_rejected_findings_are_left_out():
    photos, findings = survey(3, 3.0, [POTHOLE])
    one = build_sites(photos, findings, [Review(1, ReviewStatus.REJECTED)])
    assert one[0].finding_ids == (2, 3) and one[0].id == "S2"
    assert build_sites(photos, findings, [Review(i, ReviewStatus.REJECTED) for i in (1, 2, 3)]) == []


def test_an_inspectors_correction_overrides_the_model():
    photos, findings = survey(3, 3.0, [POTHOLE])
    model_severity = build_sites(photos, findings)[0].severity
    assert model_severity == Severity.HIGH
    reviews = {2: Review(2, ReviewStatus.CORRECTED, severity=Severity.LOW, note="réparé ; =rebouché"),
               3: Review(3, ReviewStatus.ACCEPTED, note="vu")}
    [site] = build_sites(photos, findings, reviews)
    assert site.severity == Severity.LOW  # the inspector's value wins over two HIGH model findings
    assert site.status == ReviewStatus.CORRECTED
    assert site.notes == "réparé ; =rebouché | vu"
    accepted = build_sites(photos, findings, [Review(1, ReviewStatus.ACCEPTED)])[0]
    assert accepted.status == ReviewStatus.ACCEPTED and accepted.severity == Severity.HIGH


def test_findings_without_position_each_make_a_site():
    photos, findings = survey(3, 3.0, [POTHOLE])
    photos = {pid: replace(p, position=None) for pid, p in photos.items()}
    findings = [replace(f, ground=None) for f in findings]
    sites = build_sites(photos, findings)
    assert [s.id for s in sites] == ["S1", "S2", "S3"] and all(s.position is None for s in sites)


def test_photo_times_with_and_without_time_zone_mix():
    from datetime import datetime

    photos, findings = survey(3, 3.0, [POTHOLE])
    photos[2] = replace(photos[2], taken_at=datetime(2025, 5, 12, 8, 0, 1))  # naive: read as UTC
    photos[3] = replace(photos[3], taken_at=None)
    [site] = build_sites(photos, findings)
    assert site.photo_ids == (1, 2, 3)
    assert site.first_seen == T0 and site.last_seen == datetime(2025, 5, 12, 8, 0, 1)


def test_two_potholes_of_one_photo_are_never_linked():
    # 2.5 m apart, well within link distance + radii: only the one-photo rule keeps them apart.
    left, right = (2, rect(-1.55, 9.0, -0.95, 9.6)), (2, rect(0.95, 9.0, 1.55, 9.6))
    photos, findings = survey(1, 3.0, [left, right])
    assert len(findings) == 2 and {f.photo_id for f in findings} == {1}
    sites = build_sites(photos, findings)
    assert [s.finding_ids for s in sites] == [(1,), (2,)]


def _crack_finding(ident: int, photo_id: int, north_m: float, length_m: float):
    from roadinspect.core.geo import offset_position
    from roadinspect.core.types import Finding

    return Finding(DamageClass.CRACK, "POLYGON ((0 0, 4 0, 4 40, 0 40, 0 0))", 0.9, "longitudinal", Severity.MEDIUM,
                   measures={"length_m": length_m, "metric": 1.0}, ground=offset_position(ORIGIN, 0.0, 0.0, north_m),
                   id=ident, photo_id=photo_id)


@pytest.mark.parametrize(("length_m", "apart_m", "sites"), [
    (10.0, 8.0, 1),   # a 10 m crack seen from two places 8 m apart: 5 + 5 + 5 = 15 m reach, one crack
    (1.0, 8.0, 2),    # two 1 m cracks 8 m apart: 5 + 0.5 + 0.5 = 6 m reach, two cracks
    (10.0, 14.0, 1),  # within 15 m: half the length counts, not a third
    (10.0, 15.5, 2),  # just beyond 15 m
    (40.0, 30.0, 2),  # half-lengths capped at max_extent_m (10 m): 25 m reach, not 45 m
    (40.0, 24.0, 1),
])
def test_the_link_distance_grows_with_the_cracks_length(length_m, apart_m, sites):
    photos = {1: photo(0), 2: photo(1)}
    findings = [_crack_finding(1, 1, 10.0, length_m), _crack_finding(2, 2, 10.0 + apart_m, length_m)]
    assert len(build_sites(photos, findings)) == sites


def _pothole_finding(ident: int, photo_id: int, north_m: float, measures: dict):
    from roadinspect.core.geo import offset_position
    from roadinspect.core.types import Finding

    return Finding(DamageClass.POTHOLE, "POLYGON ((0 0, 9 0, 9 9, 0 9, 0 0))", 0.9, "pothole", Severity.HIGH,
                   measures=measures, ground=offset_position(ORIGIN, 0.0, 0.0, north_m), id=ident, photo_id=photo_id)


@pytest.mark.parametrize(("measures", "apart_m", "sites"), [
    ({"diameter_m": 3.0}, 7.5, 1),   # 5 + 1.5 + 1.5 = 8 m reach: a wide pothole seen from two places
    ({"diameter_m": 0.5}, 7.5, 2),   # 5 + 0.25 + 0.25 = 5.5 m
    ({"diameter_m": 3.0}, 8.5, 2),
    ({}, 5.4, 2),                    # unmeasured: no radius, 5 m reach
    ({}, 4.9, 1),
])
def test_the_link_distance_grows_with_the_potholes_diameter(measures, apart_m, sites):
    photos = {1: photo(0), 2: photo(1)}
    findings = [_pothole_finding(1, 1, 10.0, measures), _pothole_finding(2, 2, 10.0 + apart_m, measures)]
    assert len(build_sites(photos, findings)) == sites


def test_an_unmeasured_crack_has_no_length_in_the_link_distance():
    photos = {1: photo(0), 2: photo(1)}
    findings = [_crack_finding(1, 1, 10.0, 0.0), _crack_finding(2, 2, 15.4, 0.0)]
    findings = [replace(f, measures={}) for f in findings]
    assert len(build_sites(photos, findings)) == 2


@pytest.mark.parametrize(("kind", "damage"), [("pothole", DamageClass.POTHOLE), ("alligator", DamageClass.CRACK)])
def test_the_evidence_of_an_area_type_is_its_largest_area(kind, damage):
    photos = {1: photo(0), 2: photo(1), 3: photo(2)}
    base = replace(_pothole_finding(1, 1, 10.0, {}), damage=damage, kind=kind)
    findings = [replace(base, id=1, photo_id=1, measures={"area_px": 0.5, "length_px": 900.0}),
                replace(base, id=2, photo_id=2, measures={"area_px": 800.0, "length_px": 10.0}),
                replace(base, id=3, photo_id=3, measures={})]  # unmeasured: the smallest
    [site] = build_sites(photos, findings)
    assert site.evidence_id == 2
    [site] = build_sites(photos, [findings[0], findings[2]])
    assert site.evidence_id == 1


def test_the_evidence_of_a_crack_is_its_longest_view():
    photos = {1: photo(0), 2: photo(1), 3: photo(2)}
    findings = [replace(_crack_finding(1, 1, 10.0, 3.0), measures={"length_px": 0.5, "area_px": 900.0}),
                replace(_crack_finding(2, 2, 10.0, 3.0), measures={"length_px": 300.0, "area_px": 10.0}),
                replace(_crack_finding(3, 3, 10.0, 3.0), measures={})]
    [site] = build_sites(photos, findings)
    assert site.evidence_id == 2
    [site] = build_sites(photos, [findings[0], findings[2]])
    assert site.evidence_id == 1


def test_a_severity_only_correction_keeps_the_models_crack_type():
    photos, findings = survey(1, 3.0, [POTHOLE])
    crack = replace(findings[0], damage=DamageClass.CRACK, kind="transverse")
    eff = effective_finding(crack, Review(crack.id, ReviewStatus.CORRECTED, severity=Severity.LOW))
    assert (eff.kind, eff.severity, eff.damage) == ("transverse", Severity.LOW, DamageClass.CRACK)


def test_a_sites_severity_is_the_highest_and_its_confidence_the_best_of_its_findings():
    photos = {1: photo(0), 2: photo(1), 3: photo(2)}
    findings = [replace(_pothole_finding(i, i, 10.0, {"diameter_m": 0.5}), severity=sev, confidence=conf)
                for i, sev, conf in ((1, Severity.LOW, 0.7), (2, Severity.HIGH, 0.6), (3, Severity.MEDIUM, 0.9))]
    [site] = build_sites(photos, findings)
    assert site.severity == Severity.HIGH and site.confidence == 0.9 and site.evidence_id == 3


def test_photos_of_a_site_are_in_time_order_whatever_their_ids():
    photos = {1: photo(2), 2: photo(0), 3: photo(1)}  # ids out of time order
    findings = [_pothole_finding(i, i, 10.0, {"diameter_m": 0.5}) for i in (1, 2, 3)]
    [site] = build_sites(photos, findings)
    assert site.photo_ids == (2, 3, 1) and site.first_seen == T0


def test_times_with_a_time_zone_are_compared_in_utc(monkeypatch):
    import time as time_module
    from datetime import datetime, timedelta, timezone

    monkeypatch.setenv("TZ", "America/New_York")  # naive times are UTC whatever the machine's zone
    time_module.tzset()
    try:
        photos = {1: photo(0), 2: photo(1)}
        paris = timezone(timedelta(hours=2))
        photos[1] = replace(photos[1], taken_at=datetime(2025, 5, 12, 11, 30, tzinfo=paris))  # 09:30 UTC
        photos[2] = replace(photos[2], taken_at=datetime(2025, 5, 12, 8, 0))  # naive: 08:00 UTC (12:00 in New York)
        findings = [_pothole_finding(i, i, 10.0, {"diameter_m": 0.5}) for i in (1, 2)]
        [site] = build_sites(photos, findings)
        assert site.photo_ids == (2, 1) and site.first_seen == datetime(2025, 5, 12, 8, 0)
    finally:
        monkeypatch.undo()
        time_module.tzset()


def test_without_a_ground_position_a_finding_is_placed_at_its_photo():
    photos, findings = survey(3, 3.0, [POTHOLE])
    findings = [replace(f, ground=None) for f in findings]  # photos 3 m apart: one site
    [site] = build_sites(photos, findings)
    assert site.finding_ids == (1, 2, 3)
    middle = photos[2].position
    assert site.position.lat == pytest.approx(middle.lat, abs=1e-7) and site.position.lon == pytest.approx(
        middle.lon, abs=1e-7)


def test_findings_without_ids_are_numbered_by_their_place_in_the_list():
    photos, findings = survey(1, 3.0, [(2, rect(-1.55, 9.0, -0.95, 9.6)), (2, rect(0.95, 9.0, 1.55, 9.6))])
    sites = build_sites(photos, [replace(f, id=None) for f in findings])
    assert [s.id for s in sites] == ["S0", "S1"] and [s.finding_ids for s in sites] == [(0,), (1,)]


def test_an_unlocated_site_among_located_ones_has_no_position():
    photos = {1: photo(0), 2: photo(1, position=None), 3: photo(2)}
    findings = [_pothole_finding(1, 1, 10.0, {}), replace(_pothole_finding(2, 2, 0.0, {}), ground=None),
                replace(_pothole_finding(3, 3, 0.0, {}), ground=None, photo_id=4)]  # photo 4: not in the mapping
    sites = {s.id: s for s in build_sites(photos, findings)}
    assert sites["S1"].position is not None
    assert sites["S2"].position is None and sites["S3"].position is None and sites["S3"].photo_ids == (4,)


def test_equal_views_make_the_smallest_id_the_evidence():
    photos = {1: photo(0), 2: photo(1)}
    findings = [_pothole_finding(i, i, 10.0, {"diameter_m": 0.5, "area_px": 100.0}) for i in (2, 1)]
    [site] = build_sites(photos, findings)
    assert site.evidence_id == 1
