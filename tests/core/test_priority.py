"""Priority score: documented terms, user weights, stable ranking."""

from __future__ import annotations

import json

import pytest

from roadinspect.core.priority import PriorityWeights, rank_sites, score_site
from roadinspect.core.sites import Site
from roadinspect.core.types import DamageClass, ReviewStatus, Severity


def make_site(ident: int, kind: str, severity: Severity, measures: dict, confidence: float = 0.8,
              status: ReviewStatus = ReviewStatus.PENDING) -> Site:
    damage = DamageClass.POTHOLE if kind == "pothole" else DamageClass.CRACK
    return Site(id=f"S{ident}", damage=damage, kind=kind, severity=severity, confidence=confidence, status=status,
                position=None, finding_ids=(ident,), evidence_id=ident, photo_ids=(), photo_files=(),
                first_seen=None, last_seen=None, measures={"metric": 1.0, **measures})


def test_score_is_the_sum_of_its_documented_terms():
    site = make_site(1, "pothole", Severity.HIGH, {"area_m2": 0.5}, confidence=0.8)
    score, terms = score_site(site)
    by_name = {t.name: t for t in terms}
    assert by_name["severity"].points == pytest.approx(40.0)
    assert by_name["type"].points == pytest.approx(25.0)
    assert by_name["extent"].points == pytest.approx(20.0 * 0.5)
    assert by_name["confidence"].points == pytest.approx(15.0 * 0.8)
    assert score == pytest.approx(40 + 25 + 10 + 12)
    assert sum(t.points for t in terms) == pytest.approx(score)


def test_extent_is_capped_and_confirmation_counts_as_full_confidence():
    long_crack = make_site(2, "longitudinal", Severity.LOW, {"length_m": 25.0}, status=ReviewStatus.ACCEPTED)
    score, terms = score_site(long_crack)
    assert {t.name: t.value for t in terms} == pytest.approx(
        {"severity": 1 / 3, "type": 0.5, "extent": 1.0, "confidence": 1.0})
    assert score == pytest.approx(40 / 3 + 12.5 + 20 + 15)
    unmeasured = make_site(3, "transverse", Severity.LOW, {"metric": 0.0, "size_rel": 0.1})
    assert {t.name: t.value for t in score_site(unmeasured)[1]}["extent"] == pytest.approx(0.4)


def test_ranked_list_order_and_ties_broken_by_id():
    sites = [
        make_site(10, "longitudinal", Severity.LOW, {"length_m": 2.0}),
        make_site(4, "pothole", Severity.HIGH, {"area_m2": 0.3}),
        make_site(9, "alligator", Severity.MEDIUM, {"area_m2": 5.0}),
        make_site(2, "longitudinal", Severity.LOW, {"length_m": 2.0}),  # same score as S10
        make_site(7, "pothole", Severity.MEDIUM, {"area_m2": 0.1}),
    ]
    ranked = rank_sites(sites)
    assert [r.site.id for r in ranked] == ["S4", "S9", "S7", "S2", "S10"]
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5]
    assert ranked[3].score == ranked[4].score
    assert rank_sites(list(reversed(sites))) == ranked
    assert "severity 40.0" in ranked[0].explain()


def test_user_weights_change_the_ranking():
    sites = [make_site(1, "pothole", Severity.LOW, {"area_m2": 0.05}),
             make_site(2, "transverse", Severity.HIGH, {"length_m": 3.0})]
    assert [r.site.id for r in rank_sites(sites)] == ["S2", "S1"]
    type_first = PriorityWeights(severity=5.0, type=80.0)
    assert [r.site.id for r in rank_sites(sites, type_first)] == ["S1", "S2"]
    main_road = PriorityWeights(road_class_factor=1.2)
    assert rank_sites(sites, main_road)[0].score == pytest.approx(1.2 * rank_sites(sites)[0].score)


def test_weights_from_json(tmp_path):
    good = tmp_path / "w.json"
    good.write_text(json.dumps({"road_class_factor": 0.8, "type_values": {"pothole": 0.9}}), encoding="utf-8")
    w = PriorityWeights.from_json(good)
    assert w.road_class_factor == 0.8 and w.type_values["pothole"] == 0.9 and w.type_values["alligator"] == 0.8
    bad = tmp_path / "bad.json"
    bad.write_text('{"colour": 1}', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.json.*colour"):
        PriorityWeights.from_json(bad)
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json"):
        PriorityWeights.from_json(broken)
    with pytest.raises(ValueError, match="severity"):
        PriorityWeights(severity=-1.0)


@pytest.mark.parametrize(("kind", "measures", "extent"), [
    ("pothole", {"area_m2": 0.5}, 0.5),          # / 1 m2
    ("alligator", {"area_m2": 5.0}, 0.5),        # / 10 m2, not the pothole's 1 m2
    ("alligator", {"area_m2": 0.8}, 0.08),
    ("longitudinal", {"length_m": 4.0}, 0.4),    # / 10 m
    ("transverse", {"length_m": 2.5, "area_m2": 9.0}, 0.25),  # a crack's area is not its extent
    ("isolated", {"metric": 0.0, "size_rel": 0.05}, 0.2),     # unmeasured: / 0.25 of the image
])
def test_extent_uses_each_types_documented_reference(kind, measures, extent):
    terms = {t.name: t for t in score_site(make_site(1, kind, Severity.MEDIUM, measures))[1]}
    assert terms["extent"].value == pytest.approx(extent)
    assert terms["extent"].points == pytest.approx(20.0 * extent)


def test_alligator_area_is_ranked_against_its_own_reference():
    # 5 m2 of alligator cracking is half its reference: 40*2/3 + 25*0.8 + 20*0.5 + 15*0.8 = 68.7, below a
    # medium 0.4 m2 pothole (26.7 + 25 + 8 + 12 = 71.7); read against the pothole's 1 m2 it would score 78.7.
    alligator = make_site(1, "alligator", Severity.MEDIUM, {"area_m2": 5.0})
    pothole = make_site(2, "pothole", Severity.MEDIUM, {"area_m2": 0.4})
    ranked = rank_sites([alligator, pothole])
    assert [r.site.id for r in ranked] == ["S2", "S1"]
    assert ranked[1].score == pytest.approx(40 * 2 / 3 + 20 + 10 + 12)


@pytest.mark.parametrize(("status", "confidence_value"), [
    (ReviewStatus.PENDING, 0.6),
    (ReviewStatus.ACCEPTED, 1.0),
    (ReviewStatus.CORRECTED, 1.0),  # an inspector's correction confirms the site too
])
def test_an_inspectors_confirmation_is_full_confidence(status, confidence_value):
    site = make_site(1, "pothole", Severity.HIGH, {"area_m2": 0.5}, confidence=0.6, status=status)
    score, terms = score_site(site)
    conf = {t.name: t for t in terms}["confidence"]
    assert conf.value == pytest.approx(confidence_value) and conf.points == pytest.approx(15.0 * confidence_value)
    assert score == pytest.approx(40 + 25 + 10 + 15 * confidence_value)
    assert conf.detail == ("model 0.60" if status == ReviewStatus.PENDING else "confirmed by an inspector")


def test_a_corrected_site_outranks_the_same_site_left_pending():
    pending = make_site(1, "longitudinal", Severity.MEDIUM, {"length_m": 3.0}, confidence=0.5)
    corrected = make_site(2, "longitudinal", Severity.MEDIUM, {"length_m": 3.0}, confidence=0.5,
                          status=ReviewStatus.CORRECTED)
    assert [r.site.id for r in rank_sites([pending, corrected])] == ["S2", "S1"]


def test_each_term_carries_its_weight_and_what_it_was_read_from():
    site = make_site(1, "pothole", Severity.HIGH, {"area_m2": 0.5}, confidence=0.8)
    terms = {t.name: t for t in score_site(site)[1]}
    assert [(t.weight, t.detail) for t in terms.values()] == [
        (40.0, "high"), (25.0, "pothole"), (20.0, "0.50 m2"), (15.0, "model 0.80")]
    [ranked] = rank_sites([site], PriorityWeights(road_class_factor=1.2))
    assert ranked.road_class_factor == 1.2
    assert ranked.explain() == "(severity 40.0 + type 25.0 + extent 10.0 + confidence 12.0) x 1.2 = 104.4"


@pytest.mark.parametrize(("kind", "measures", "extent"), [
    ("pothole", {"area_m2": 1.5}, 1.0),     # every extent is capped at its reference
    ("alligator", {"area_m2": 25.0}, 1.0),
    ("isolated", {"metric": 0.0, "size_rel": 0.5}, 1.0),
])
def test_extent_is_capped_at_one_for_every_type(kind, measures, extent):
    terms = {t.name: t for t in score_site(make_site(1, kind, Severity.LOW, measures))[1]}
    assert terms["extent"].value == pytest.approx(extent)


def test_user_extent_references_divide_the_size():
    weights = PriorityWeights(extent_refs={"pothole_area_m2": 0.5})
    terms = {t.name: t for t in score_site(make_site(1, "pothole", Severity.LOW, {"area_m2": 0.2}), weights)[1]}
    assert terms["extent"].value == pytest.approx(0.4)


def test_without_the_metric_flag_the_extent_is_read_from_the_image():
    from dataclasses import replace

    site = replace(make_site(1, "pothole", Severity.LOW, {}), measures={"area_m2": 0.9, "size_rel": 0.05})
    assert {t.name: t.value for t in score_site(site)[1]}["extent"] == pytest.approx(0.2)
    bare = replace(site, measures={})  # nothing measured: no extent
    assert {t.name: t.value for t in score_site(bare)[1]}["extent"] == 0.0


def test_an_unknown_type_or_a_severity_without_value_scores_zero_for_that_term():
    odd = make_site(1, "rutting", Severity.LOW, {"length_m": 5.0})
    weights = PriorityWeights(severity_values={"high": 1.0, "medium": 0.5})  # no value for low
    terms = {t.name: t.value for t in score_site(odd, weights)[1]}
    assert terms["type"] == 0.0 and terms["severity"] == 0.0


def test_weights_are_checked_and_round_trip_through_plain_data(tmp_path):
    PriorityWeights(extent=0.0, road_class_factor=0.0)  # a weight of 0 switches a term off
    with pytest.raises(ValueError, match="extent reference 'size_rel' must be"):
        PriorityWeights(extent_refs={"crack_length_m": 10.0, "alligator_area_m2": 10.0, "pothole_area_m2": 1.0,
                                     "size_rel": 0.0})
    with pytest.raises(ValueError, match=r"unknown priority weight\(s\): colour, hue; known: confidence, extent, "):
        PriorityWeights.from_dict({"colour": 1, "hue": 2})
    custom = PriorityWeights.from_dict({"severity": 30.0, "type_values": {"pothole": 0.9}})
    assert PriorityWeights.from_dict(custom.to_dict()) == custom
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="list.json: priority weights must be a JSON object"):
        PriorityWeights.from_json(listed)


def test_the_documented_default_tables():
    weights = PriorityWeights()  # built here, not at import, so that a changed table shows
    assert weights.severity_values == pytest.approx({"low": 1 / 3, "medium": 2 / 3, "high": 1.0})
    assert weights.type_values == pytest.approx(
        {"pothole": 1.0, "alligator": 0.8, "transverse": 0.6, "longitudinal": 0.5, "isolated": 0.3})
    assert weights.extent_refs == pytest.approx(
        {"crack_length_m": 10.0, "alligator_area_m2": 10.0, "pothole_area_m2": 1.0, "size_rel": 0.25})
    for kind, value in weights.type_values.items():
        site = make_site(1, kind, Severity.LOW, {"length_m": 1.0, "area_m2": 0.1})
        assert {t.name: t.value for t in score_site(site, weights)[1]}["type"] == value


def test_the_road_class_factor_has_its_own_bound():
    from roadinspect.core import priority

    PriorityWeights(severity=priority.MAX_ROAD_CLASS_FACTOR + 1)  # an ordinary weight may exceed it
    with pytest.raises(ValueError, match="road_class_factor"):
        PriorityWeights(road_class_factor=priority.MAX_ROAD_CLASS_FACTOR + 1)
