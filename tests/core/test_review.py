"""The review rules (``roadinspect.core.review``): decisions, corrections, and what a rejected finding is."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from roadinspect.core.exports.geojson import findings_geojson
from roadinspect.core.maintenance import ProjectData, build_maintenance_list
from roadinspect.core.report import ReportOptions, build_report, rejected_rows
from roadinspect.core.review import ReviewedFinding, effective_finding, next_review, reviewed
from roadinspect.core.sites import build_sites
from roadinspect.core.types import DamageClass, Finding, Review, ReviewStatus, Severity
from tests.core.scenes import rect, survey

FINDING = Finding(DamageClass.CRACK, "POLYGON ((0 0, 1 0, 1 1, 0 0))", 0.8, "transverse", Severity.LOW, id=7)
POTHOLE = (2, rect(0.0, 9.0, 0.6, 9.6))  # 9 m north of the first photo


def test_review_rules() -> None:
    accepted = next_review(None, FINDING, action="accept")
    assert accepted.status == ReviewStatus.ACCEPTED and accepted.damage is None
    pothole = next_review(accepted, FINDING, action="damage", value=DamageClass.POTHOLE)
    assert pothole.status == ReviewStatus.CORRECTED and pothole.damage == DamageClass.POTHOLE
    back = next_review(pothole, FINDING, action="damage", value=DamageClass.CRACK)
    assert back.status == ReviewStatus.ACCEPTED and back.damage is None  # the model's class again
    severe = next_review(back, FINDING, action="severity", value=Severity.HIGH)
    assert severe.status == ReviewStatus.CORRECTED and severe.severity == Severity.HIGH
    assert next_review(severe, FINDING, action="accept").status == ReviewStatus.CORRECTED  # keeps corrections
    rejected = next_review(severe, FINDING, action="reject")
    assert rejected.status == ReviewStatus.REJECTED
    noted = next_review(None, FINDING, action="note", value="near the drain")
    assert noted.status == ReviewStatus.PENDING and noted.note == "near the drain"
    assert next_review(noted, FINDING, action="accept").note == "near the drain"
    with pytest.raises(ValueError, match="unknown review action"):
        next_review(None, FINDING, action="approve")


def test_crack_type_rules() -> None:
    alligator = next_review(None, FINDING, action="kind", value="alligator")
    assert alligator.status == ReviewStatus.CORRECTED and alligator.kind == "alligator"
    back = next_review(alligator, FINDING, action="kind", value="transverse")
    assert back.status == ReviewStatus.ACCEPTED and back.kind is None  # the model's type again
    pothole = next_review(alligator, FINDING, action="damage", value=DamageClass.POTHOLE)
    assert pothole.damage == DamageClass.POTHOLE and pothole.kind is None  # a pothole's type is "pothole"
    with pytest.raises(ValueError, match="only a crack"):
        next_review(pothole, FINDING, action="kind", value="longitudinal")
    with pytest.raises(ValueError, match="unknown crack type"):
        next_review(None, FINDING, action="kind", value="pothole")
    model_pothole = Finding(DamageClass.POTHOLE, FINDING.polygon_wkt, 0.8, "pothole", Severity.LOW, id=8)
    as_crack = next_review(None, model_pothole, action="damage", value=DamageClass.CRACK)
    typed = next_review(as_crack, model_pothole, action="kind", value="longitudinal")
    assert typed.status == ReviewStatus.CORRECTED and (typed.damage, typed.kind) == (DamageClass.CRACK, "longitudinal")


def test_corrections_apply_to_class_type_and_severity() -> None:
    pothole = Finding(DamageClass.POTHOLE, FINDING.polygon_wkt, 0.9, "pothole", Severity.MEDIUM, id=3)
    as_crack = effective_finding(pothole, Review(3, ReviewStatus.CORRECTED, damage=DamageClass.CRACK))
    assert as_crack is not None and as_crack.damage == DamageClass.CRACK and as_crack.kind == "isolated"
    typed = effective_finding(pothole, Review(3, ReviewStatus.CORRECTED, damage=DamageClass.CRACK, kind="transverse"))
    assert typed is not None and typed.kind == "transverse"
    crack = replace(pothole, damage=DamageClass.CRACK, kind="longitudinal")
    as_pothole = effective_finding(crack, Review(3, ReviewStatus.CORRECTED, damage=DamageClass.POTHOLE))
    assert as_pothole is not None and as_pothole.kind == "pothole"
    severe = effective_finding(crack, Review(3, ReviewStatus.CORRECTED, severity=Severity.HIGH))
    assert severe is not None and severe.severity == Severity.HIGH and severe.kind == "longitudinal"
    assert effective_finding(pothole, Review(3, ReviewStatus.PENDING)) is pothole
    assert effective_finding(pothole, None) is pothole
    # a crack left with a pothole's type (its class changed back without new measures) is an isolated crack
    stale = replace(crack, kind="pothole")
    assert reviewed(stale, None).kind == "isolated" == ReviewedFinding(stale, None).kind


def test_correct_then_reject_is_not_damage_and_is_shown_as_corrected() -> None:
    """One answer for a finding an inspector corrected, then rejected: it is not damage (no site, no count, no
    export row of the maintenance list), and wherever it is still shown with its decision it is shown as
    corrected: the store's row, the findings list and the findings export agree. Accepting it again brings the
    correction back."""
    photos, findings = survey(1, 3.0, [POTHOLE])
    (pothole,) = findings
    corrected = next_review(None, pothole, action="damage", value=DamageClass.CRACK)
    corrected = next_review(corrected, pothole, action="severity", value=Severity.HIGH)
    rejected = next_review(corrected, pothole, action="reject")
    assert rejected.status == ReviewStatus.REJECTED and rejected.damage == DamageClass.CRACK  # kept, not in effect

    row = ReviewedFinding(pothole, rejected)
    assert effective_finding(pothole, rejected) is None and row.effective is None
    assert build_sites(photos, findings, [rejected]) == []
    data = ProjectData(photos=photos, findings=findings, reviews={pothole.id: rejected}, name="t")
    mlist = build_maintenance_list(data)
    assert mlist.ranked == [] and all(not s.site_ids for s in mlist.sections)

    shown = (row.damage, row.kind, row.severity)
    assert shown == (DamageClass.CRACK, "isolated", Severity.HIGH)
    assert (reviewed(pothole, rejected).damage, reviewed(pothole, rejected).kind) == shown[:2] == \
        (row.shown.damage, row.shown.kind)
    (feature,) = json.loads(findings_geojson(data, mlist))["features"]
    props = feature["properties"]
    assert (props["class"], props["type"], props["severity"]) == ("crack", "isolated", "high")
    assert props["status"] == "rejected" and props["site"] is None and props["model_type"] == "pothole"
    report = build_report(data, mlist, ReportOptions(lang="en", include_rejected=True))
    assert report.summary.rejected_findings == 1
    (table_row,) = rejected_rows(report)
    assert table_row[2] == report.t.kind("isolated") != report.t.kind("pothole")

    again = next_review(rejected, pothole, action="accept")
    assert again.status == ReviewStatus.CORRECTED
    back = effective_finding(pothole, again)
    assert back is not None and (back.damage, back.severity) == (DamageClass.CRACK, Severity.HIGH)
    assert len(build_sites(photos, findings, [again])) == 1


def test_the_store_row_follows_the_same_rules(tmp_path: Path) -> None:
    from roadinspect.core.store import Store

    photos, findings = survey(1, 3.0, [POTHOLE])
    store = Store.open(tmp_path / "p.roadinspect", create=True)
    try:
        store.add_batch(list(photos.values()), [], [])
        (record,) = store.photos()
        store.record_photo_result(record.id, store.start_analysis("m", "sha"),
                                  [replace(f, id=None, photo_id=None) for f in findings])
        (rf,) = store.findings()
        review = next_review(rf.review, rf.finding, action="damage", value=DamageClass.CRACK)
        store.set_review(rf.finding.id, ReviewStatus.REJECTED, "ana", review.damage, review.severity, review.note,
                         review.kind)
        (rf,) = store.findings()
    finally:
        store.close()
    assert rf.status == ReviewStatus.REJECTED and rf.effective is None
    assert (rf.damage, rf.kind) == (DamageClass.CRACK, "isolated") == (rf.shown.damage, rf.shown.kind)


def test_a_drawn_outline_is_measured_or_kept_unmeasured(monkeypatch: pytest.MonkeyPatch) -> None:
    """An outline an inspector draws is measured as its class; one the measures cannot read (too thin for a
    crack's skeleton) is kept as drawn: no measures, medium severity, type pothole or isolated."""
    from roadinspect.core import findings
    from tests.core.scenes import CAMERA, photo

    square = "POLYGON ((300 500, 360 500, 360 560, 300 560, 300 500))"
    measured = findings.drawn_finding(square, DamageClass.POTHOLE, photo(0), CAMERA)
    assert measured.kind == "pothole" and measured.measures["diameter_m"] > 0 and measured.ground is not None
    assert (measured.source, measured.confidence) == ("inspector", 1.0)
    monkeypatch.setattr(findings, "finding_from_polygon", lambda *args, **kwargs: None)
    for damage, kind in ((DamageClass.CRACK, "isolated"), (DamageClass.POTHOLE, "pothole")):
        kept = findings.drawn_finding(square, damage, photo(0), CAMERA)
        assert (kept.damage, kept.kind, kept.severity, kept.measures, kept.ground) == (damage, kind, Severity.MEDIUM,
                                                                                      {}, None)
        assert (kept.polygon_wkt, kept.source, kept.confidence) == (square, "inspector", 1.0)
