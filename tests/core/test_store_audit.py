"""What the project file records beside the findings: the audit rows of analysis results and reviews,
the ground positions, and the re-analysis overlap rule at its boundary (gaps a mutation run found)."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadinspect.core.photos import scan
from roadinspect.core.store import Store, default_reviewer
from roadinspect.core.types import DamageClass, Finding, GeoPoint, ReviewStatus, Severity
from tests.core.photo_files import scene_jpeg

SQUARE = "POLYGON ((10 10, 30 10, 30 30, 10 30, 10 10))"  # 400 px2
GROUND = GeoPoint(49.87, 2.6)


def finding(polygon: str = SQUARE, ground: GeoPoint | None = GROUND) -> Finding:
    return Finding(DamageClass.POTHOLE, polygon, 0.9, "pothole", Severity.MEDIUM, {"area_px": 400.0}, ground=ground)


def shifted(dx: float) -> str:
    return f"POLYGON (({10 + dx} 10, {30 + dx} 10, {30 + dx} 30, {10 + dx} 30, {10 + dx} 10))"


@pytest.fixture
def store(tmp_path: Path):
    scene_jpeg(tmp_path / "photos" / "IMG_0.jpg")
    result = scan([tmp_path / "photos"])
    with Store.open(tmp_path / "p.roadinspect") as s:
        s.add_batch(result.photos)
        yield s


def test_a_photo_result_is_stored_with_its_ground_positions_and_audited(store: Store) -> None:
    [pid] = [r.id for r in store.photos()]
    analysis = store.start_analysis("m", "a" * 64)
    where = GeoPoint(49.8712345, 2.5912345)
    outcome = store.record_photo_result(pid, analysis, [finding(ground=where), finding(shifted(100), ground=None)],
                                        who="zoé")
    assert outcome.added == 2
    stored = [rf.finding for rf in store.findings(pid)]
    assert stored[0].ground == where and stored[1].ground is None
    entry = store.audit_log()[-1]
    assert (entry.who, entry.action, entry.photo_id, entry.finding_id) == ("zoé", "photo_analysed", pid, None)
    assert entry.details == {"analysis_id": analysis, "added": 2, "replaced": 0, "kept_reviewed": 0,
                             "dropped_overlapping": 0}
    store.record_photo_result(pid, store.start_analysis("m", "b" * 64), [])
    assert store.audit_log()[-1].who == default_reviewer()  # no name given: the system user
    assert store.audit_log()[-1].details["replaced"] == 2


def test_each_review_is_audited_with_the_decision_before_and_after(store: Store) -> None:
    [pid] = [r.id for r in store.photos()]
    store.record_photo_result(pid, store.start_analysis("m", "a" * 64), [finding()])
    [fid] = [rf.finding.id for rf in store.findings(pid)]
    store.set_review(fid, ReviewStatus.CORRECTED, "ana", damage=DamageClass.CRACK, severity=Severity.HIGH,
                     kind="transverse", note="à reprendre")
    review = store.set_review(fid, ReviewStatus.ACCEPTED, "bob")
    assert (review.finding_id, review.reviewer, review.note) == (fid, "bob", "")
    first, second = [e for e in store.audit_log() if e.action == "review"]
    assert (first.photo_id, first.finding_id, first.who) == (pid, fid, "ana") and first.details["before"] is None
    corrected = {"status": "corrected", "damage": "crack", "severity": "high", "kind": "transverse",
                 "note": "à reprendre", "reviewer": "ana"}
    assert first.details["after"] == corrected
    assert (second.photo_id, second.finding_id, second.who) == (pid, fid, "bob")
    assert second.details["before"] == corrected
    assert second.details["after"] == {"status": "accepted", "damage": None, "severity": None, "kind": None,
                                       "note": "", "reviewer": "bob"}
    store.set_review(fid, ReviewStatus.REJECTED, "carla")
    assert store.audit_log()[-1].details["before"] == second.details["after"]  # an empty note stays empty
    with pytest.raises(KeyError, match=f"no finding {fid + 99}"):
        store.set_review(fid + 99, ReviewStatus.ACCEPTED, "bob")
    with pytest.raises(ValueError, match="a corrected class must be crack or pothole"):
        store.set_review(fid, ReviewStatus.CORRECTED, "bob", damage=DamageClass.BACKGROUND)


@pytest.mark.parametrize(("dx", "dropped"), [
    (10.0, True),   # the new outline covers exactly half of the kept one: the inspector already decided
    (15.0, False),  # a quarter: another damage beside it, added
])
def test_a_new_model_finding_is_dropped_from_half_an_overlap_with_a_reviewed_one(store: Store, dx: float,
                                                                                   dropped: bool) -> None:
    [pid] = [r.id for r in store.photos()]
    store.record_photo_result(pid, store.start_analysis("m", "a" * 64), [finding()])
    [fid] = [rf.finding.id for rf in store.findings(pid)]
    store.set_review(fid, ReviewStatus.ACCEPTED, "ana")
    outcome = store.record_photo_result(pid, store.start_analysis("m", "b" * 64), [finding(shifted(dx))])
    assert (outcome.dropped_overlapping, outcome.added) == ((1, 0) if dropped else (0, 1))


def test_an_outline_correction_stores_its_new_ground_position_and_audits_before_and_after(store: Store) -> None:
    from roadinspect.core.types import Review

    [pid] = [r.id for r in store.photos()]
    store.record_photo_result(pid, store.start_analysis("m", "a" * 64), [finding()])
    [fid] = [rf.finding.id for rf in store.findings(pid)]
    moved = GeoPoint(49.8701234, 2.5987654)
    redrawn = shifted(3)
    rf = store.update_finding_geometry(fid, redrawn, "ana", measures={"area_px": 380.0}, ground=moved,
                                       kind="pothole", severity=Severity.HIGH)
    assert rf.finding.ground == moved and rf.finding.polygon_wkt == redrawn and rf.finding.severity == Severity.HIGH
    assert rf.status == ReviewStatus.CORRECTED and rf.review.reviewer == "ana"
    entry = store.audit_log()[-1]
    assert (entry.who, entry.action, entry.photo_id, entry.finding_id) == ("ana", "geometry", pid, fid)
    assert entry.details == {"before": SQUARE, "after": redrawn, "measures_before": {"area_px": 400.0},
                             "measures_after": {"area_px": 380.0}}
    store.update_finding_geometry(fid, SQUARE, "bob")  # outline only: the measures are not part of the row
    assert store.audit_log()[-1].details["measures_before"] is None
    # The GUI's undo puts an earlier decision back with the outline, written under the one who undoes.
    undone = store.update_finding_geometry(fid, SQUARE, "carla", review=Review(fid, ReviewStatus.PENDING, "ana"))
    assert undone.status == ReviewStatus.PENDING and undone.review.reviewer == "carla"
    with pytest.raises(KeyError, match=f"no finding {fid + 99}"):
        store.update_finding_geometry(fid + 99, SQUARE, "bob")


def test_without_a_reviewer_name_the_system_user_is_recorded(store: Store) -> None:
    [pid] = [r.id for r in store.photos()]
    store.record_photo_result(pid, store.start_analysis("m", "a" * 64), [finding()])
    [fid] = [rf.finding.id for rf in store.findings(pid)]
    assert store.set_review(fid, ReviewStatus.ACCEPTED).reviewer == default_reviewer()
    assert store.update_finding_geometry(fid, shifted(2)).review.reviewer == default_reviewer()
    assert store.audit_log()[-1].who == default_reviewer()
