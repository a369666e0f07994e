"""The project session: single-writer lock with a clear message, review rules, snapshot reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadinspect.core.types import DamageClass, Finding, Review, ReviewStatus, Severity
from roadinspect.gui.project import ProjectLocked, ProjectSession, next_review

FINDING = Finding(DamageClass.CRACK, "POLYGON ((0 0, 1 0, 1 1, 0 0))", 0.8, "transverse", Severity.LOW, id=7)


def test_second_writer_is_refused_with_a_clear_message(reviewable_project: Path) -> None:
    first = ProjectSession.open(reviewable_project, "ana")
    try:
        with pytest.raises(ProjectLocked) as info:
            ProjectSession.open(reviewable_project, "bob")
        message = str(info.value)
        assert reviewable_project.name in message and "already open" in message and "process" in message
        reader = ProjectSession.open(reviewable_project, "bob", readonly=True)  # reading is allowed
        assert reader.readonly and reader.photo_ids() == first.photo_ids()
        reader.close()
    finally:
        first.close()
    second = ProjectSession.open(reviewable_project, "bob")  # released on close
    second.close()


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
    with pytest.raises(ValueError):
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


def test_rows_progress_and_snapshot(reviewable_project: Path) -> None:
    session = ProjectSession.open(reviewable_project, "ana")
    try:
        rows = session.rows()
        assert [r.state for r in rows] == ["analysed"] * 3 and all(r.has_position for r in rows)
        pid = rows[0].id
        fid = session.findings(pid)[0].finding.id
        session.put_review(fid, Review(fid, ReviewStatus.ACCEPTED))
        assert session.review_progress()[0] == 1
        assert session.row(pid).reviewed == 1
        data = session.project_data()
        assert len(data.photos) == 3 and data.reviews[fid].status == ReviewStatus.ACCEPTED
        session.save_ui_state({"photo": pid})
        assert session.ui_state() == {"photo": pid}
    finally:
        session.close()
