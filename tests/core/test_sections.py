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


# The documented table of deduct coefficients (module docstring), written out here on purpose: a test that
# read them from the code would pass whatever the code said.
DOCUMENTED_K = {
    "longitudinal": (5.0, 12.5, 22.0), "transverse": (5.0, 12.5, 22.0), "isolated": (5.0, 12.5, 22.0),
    "alligator": (16.0, 22.0, 29.0), "pothole": (24.0, 43.0, 67.0),
}
SEVERITIES = (Severity.LOW, Severity.MEDIUM, Severity.HIGH)


def _documented_deduct(kind: str, severity: Severity, quantity: float, length_m: float = 100.0,
                       lane_m: float = 3.5) -> float:
    density = quantity / (max(length_m, 1.0) * lane_m) * 100.0
    return min(100.0, DOCUMENTED_K[kind][SEVERITIES.index(severity)] * math.log10(1.0 + density / 0.1))


@pytest.mark.parametrize("kind", sorted(DOCUMENTED_K))
@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_deduct_coefficient_is_the_documented_one(kind: str, severity: Severity) -> None:
    measures = {"pothole": {}, "alligator": {"area_m2": 2.0}}.get(kind, {"length_m": 2.0})
    quantity = 1.0 if kind == "pothole" else 2.0
    score, [d] = section_score([make_site(1, kind, severity, measures)], 100.0)
    expected = _documented_deduct(kind, severity, quantity)
    assert d.kind == kind and d.severity == severity and d.quantity == quantity
    assert d.unit == {"pothole": "count", "alligator": "m2"}.get(kind, "m")
    assert d.density_pct == pytest.approx(quantity / 350.0 * 100.0, abs=1e-4)
    assert d.deduct == pytest.approx(expected, abs=1e-3)
    assert score == pytest.approx(round(100.0 - expected, 1), abs=1e-9)


def test_quantities_follow_the_documented_rules() -> None:
    """Potholes count (whatever their size); alligator in m²; other cracks in m; an unmeasured crack 1 m,
    an unmeasured alligator area 1 m²; quantities of one (type, severity) add up."""
    def qty(site):
        (d,) = section_score([site], 100.0)[1]
        return d.quantity, d.unit

    assert qty(make_site(1, "pothole", Severity.LOW, {"area_m2": 5.0})) == (1.0, "count")
    assert qty(make_site(1, "alligator", Severity.LOW, {"area_m2": 7.5, "length_m": 99.0})) == (7.5, "m2")
    assert qty(make_site(1, "longitudinal", Severity.LOW, {"length_m": 4.25, "area_m2": 99.0})) == (4.25, "m")
    unmeasured = {"metric": 0.0, "length_m": 40.0, "area_m2": 40.0}
    assert qty(replace(make_site(1, "transverse", Severity.LOW, {}), measures=unmeasured)) == (1.0, "m")
    assert qty(replace(make_site(1, "alligator", Severity.LOW, {}), measures=unmeasured)) == (1.0, "m2")
    assert qty(make_site(1, "isolated", Severity.LOW, {})) == (1.0, "m")  # metric, but no length measured
    assert qty(make_site(1, "alligator", Severity.LOW, {})) == (1.0, "m2")
    two = [make_site(1, "longitudinal", Severity.MEDIUM, {"length_m": 1.5}),
           make_site(2, "longitudinal", Severity.MEDIUM, {"length_m": 2.5}),
           make_site(3, "longitudinal", Severity.HIGH, {"length_m": 10.0})]
    _, deductions = section_score(two, 100.0)
    assert [(d.severity, d.quantity) for d in deductions] == [(Severity.MEDIUM, 4.0), (Severity.HIGH, 10.0)]


def test_a_deduct_is_capped_at_100_and_a_tiny_section_counts_one_metre() -> None:
    many = [make_site(i, "pothole", Severity.HIGH, {}) for i in range(2000)]
    score, (d,) = section_score(many, 100.0)
    assert d.deduct == 100.0 and score == 0.0
    one = [make_site(1, "pothole", Severity.LOW, {})]
    _, (short,) = section_score(one, 0.25)
    assert short.density_pct == pytest.approx(1.0 / 3.5 * 100.0, abs=1e-3)  # length floored at 1 m
    assert short.deduct == pytest.approx(_documented_deduct("pothole", Severity.LOW, 1.0, 1.0), abs=1e-3)


@pytest.mark.parametrize("bad", [{"length_m": 0.0}, {"length_m": -5.0}, {"length_m": math.inf},
                                 {"length_m": math.nan}, {"lane_width_m": 0.0}, {"lane_width_m": -1.0},
                                 {"lane_width_m": math.inf}, {"lane_width_m": math.nan}])
def test_section_settings_refuse_lengths_that_are_not_positive_and_finite(bad: dict) -> None:
    with pytest.raises(ValueError, match="positive finite"):
        SectionSettings(**bad)
    SectionSettings(length_m=0.5, lane_width_m=0.5)  # small but valid


def test_natural_key_orders_numbers_inside_ids_by_value() -> None:
    from roadinspect.core.sections import natural_key

    ids = ["S10", "S9", "S100", "S1", "T1-010", "T1-002", "T2-001"]
    assert sorted(ids, key=natural_key) == ["S1", "S9", "S10", "S100", "T1-002", "T1-010", "T2-001"]
    assert natural_key("S8") < natural_key("S10") and natural_key("S10") == natural_key("S10")


def test_each_section_is_scored_over_its_own_length_with_the_given_settings() -> None:
    """A pothole in the third section (200-250 m) is scored over 50 m, not over the distance from the
    start, and the caller's settings (lane width, coefficients) reach the score."""
    photos = drive(26, 10.0)  # 250 m: 0-100, 100-200, 200-250
    site = replace(make_site(1, "pothole", Severity.HIGH, {}), position=offset_position(ORIGIN, 0.0, 0.5, 230.0))
    third = build_sections(photos, [site])[2]
    assert third.site_ids == ("S1",) and (third.run, third.index) == (1, 3)
    assert (third.start_m, third.end_m) == pytest.approx((200.0, 250.0), abs=0.01)
    assert third.score == section_score([site], 50.0)[0]
    assert third.score == pytest.approx(round(100.0 - _documented_deduct("pothole", Severity.HIGH, 1.0, 50.0), 1))
    wide = SectionSettings(lane_width_m=7.0, deduct_k={**DOCUMENTED_K, "pothole": (1.0, 2.0, 3.0)})
    third_wide = build_sections(photos, [site], wide)[2]
    assert third_wide.score == section_score([site], 50.0, wide)[0] > third.score


def test_section_bounds_are_kept_to_the_centimetre_and_a_short_run_is_one_section() -> None:
    sections = build_sections(drive(11, 10.0), settings=SectionSettings(length_m=100.0 / 3.0))  # 100 m
    assert [(s.start_m, s.end_m) for s in sections] == [(0.0, 33.33), (33.33, 66.67), (66.67, 100.0)]
    assert [(s.run, s.index) for s in sections] == [(1, 1), (1, 2), (1, 3)]
    (only,) = build_sections(drive(6, 10.0))  # 50 m: shorter than one section, still one
    assert (only.start_m, only.end_m) == pytest.approx((0.0, 50.0), abs=0.01)
    (pair,) = build_sections(drive(2, 10.0))  # two positions make a run
    assert pair.length_m == pytest.approx(10.0, abs=0.01)


def test_sites_without_a_track_belong_to_no_section() -> None:
    site = replace(make_site(1, "pothole", Severity.LOW, {}), position=offset_position(ORIGIN, 0.0, 0.0, 5.0))
    assert build_sections(drive(1, 10.0), [site]) == []


@pytest.mark.parametrize(("photos", "step", "lengths"), [
    (12, 10.0, [110]),        # a 10 m tail joins the only full section
    (12, 11.0, [121]),        # 21 m < 25 m (a quarter of 100 m) joins
    (6, 25.2, [100, 26]),     # a tail over a quarter stays a section of its own
    (22, 10.0, [100, 110]),
])
def test_the_quarter_rule_for_a_short_last_piece(photos: int, step: float, lengths: list[int]) -> None:
    assert [round(s.length_m) for s in build_sections(drive(photos, step))] == lengths
