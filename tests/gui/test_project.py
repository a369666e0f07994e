"""The project session: single-writer lock with a clear message, snapshot reading.

The review rules are tested in tests/core/test_review.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from roadinspect.core.types import Review, ReviewStatus
from roadinspect.gui.project import ProjectLocked, ProjectSession


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
