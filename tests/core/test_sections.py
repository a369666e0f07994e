"""Road sections: cutting the track, assigning sites, the condition score formula."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from roadinspect.core.geo import distance_m, offset_position
from roadinspect.core.sections import SectionSettings, build_sections, rating_for, section_score, site_sections
from roadinspect.core.types import ReviewStatus, Severity
from tests.core.scenes import ORIGIN, drive
from tests.core.test_priority import make_site


def test_track_is_cut_into_100_m_sections():
    photos = drive(26, 10.0)  # 250 m north
    sections = build_sections(photos)
    assert [s.id for s in sections] == ["T1-001", "T1-002", "T1-003"]
    assert [s.length_m for s in sections] == pytest.approx([100.0, 100.0, 50.0], abs=0.1)
    assert all(s.score == 100.0 and s.rating == "good" for s in sections)
    assert distance_m(sections[0].line[0], ORIGIN) < 0.01
    assert distance_m(sections[0].line[-1], sections[1].line[0]) < 0.01
    assert distance_m(sections[0].line[0], sections[0].line[-1]) == pytest.approx(100.0, abs=0.2)


def test_a_short_last_piece_joins_the_previous_section():
    sections = build_sections(drive(32, 10.0))  # 310 m
    assert [round(s.length_m) for s in sections] == [100, 100, 110]


def test_a_long_gap_starts_a_new_run_and_single_positions_have_no_section():
    first = drive(6, 10.0)
    far = offset_position(ORIGIN, 0.0, 0.0, 2000.0)
    second = [replace(p, taken_at=p.taken_at.replace(hour=9)) for p in drive(4, 10.0, start=far)]
    sections = build_sections(first + second)
    assert [s.id for s in sections] == ["T1-001", "T2-001"]
    assert build_sections(drive(1, 10.0)) == []
    assert build_sections([]) == []


def test_sites_are_assigned_to_the_nearest_section():
    photos = drive(26, 10.0)
    near_start = replace(make_site(1, "pothole", Severity.HIGH, {}), position=offset_position(ORIGIN, 0.0, 3.0, 40.0))
    near_end = replace(make_site(2, "transverse", Severity.LOW, {"length_m": 3.0}),
                       position=offset_position(ORIGIN, 0.0, -2.0, 230.0))
    off_road = replace(make_site(3, "pothole", Severity.LOW, {}), position=offset_position(ORIGIN, 90.0, 0.0, 500.0))
    sections = build_sections(photos, [near_start, near_end, off_road])
    assert site_sections(sections) == {"S1": "T1-001", "S2": "T1-003"}
    assert sections[0].score < 100.0 and sections[1].score == 100.0


def test_section_score_formula():
    one_high_pothole = [make_site(1, "pothole", Severity.HIGH, {})]
    score, [d] = section_score(one_high_pothole, 100.0)
    density = 1.0 / (100.0 * 3.5) * 100.0
    deduct = 67.0 * math.log10(1.0 + density / 0.1)
    assert d.density_pct == pytest.approx(density, rel=1e-3) and d.deduct == pytest.approx(deduct, rel=1e-3)
    assert score == pytest.approx(100.0 - deduct, abs=0.05)
    # Two distresses combine multiplicatively.
    cracks = [make_site(2, "transverse", Severity.MEDIUM, {"length_m": 3.5}),
              make_site(3, "transverse", Severity.MEDIUM, {"length_m": 3.5})]
    score2, deductions = section_score(one_high_pothole + cracks, 100.0)
    crack_d = 12.5 * math.log10(1.0 + 2.0 / 0.1)
    assert [x.kind for x in deductions] == ["pothole", "transverse"]
    assert score2 == pytest.approx(100.0 * (1 - deduct / 100) * (1 - crack_d / 100), abs=0.05)
    # More damage never raises the score; a heavily damaged section floors at 0, not below.
    worse, _ = section_score(one_high_pothole * 200 + [make_site(4, "alligator", Severity.HIGH, {"area_m2": 300.0})],
                             100.0)
    assert 0.0 <= worse < score2 < score < 100.0


def test_status_does_not_change_the_condition_and_settings_apply():
    pending = [make_site(1, "pothole", Severity.MEDIUM, {})]
    accepted = [replace(pending[0], status=ReviewStatus.ACCEPTED)]
    assert section_score(pending, 100.0) == section_score(accepted, 100.0)
    wide = SectionSettings(lane_width_m=7.0)
    assert section_score(pending, 100.0, wide)[0] > section_score(pending, 100.0)[0]


@pytest.mark.parametrize(("score", "rating"), [(100, "good"), (86, "good"), (85.9, "satisfactory"), (55, "poor"),
                                               (10.9, "failed")])
def test_ratings(score, rating):
    assert rating_for(score) == rating


def test_site_ids_of_a_section_are_in_numeric_order():
    """S8 before S10 (a text sort put S10, S11 ... before S8 in the report's sections table)."""
    photos = drive(26, 10.0)
    sites = [replace(make_site(n, "pothole", Severity.LOW, {}), position=offset_position(ORIGIN, 0.0, 1.0, 20.0 + n))
             for n in (10, 8, 11, 9)]
    sections = build_sections(photos, sites)
    assert sections[0].site_ids == ("S8", "S9", "S10", "S11")
