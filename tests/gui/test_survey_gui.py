"""File › Split for inspectors…, File › Merge reviews…, a part's title bar and the conflict filter (issue 17)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from roadinspect.cli import main
from roadinspect.core.store import Store
from roadinspect.gui import survey
from tests.core.survey_project import make_project


def _close_boxes() -> list[str]:
    texts = []
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            texts.append(widget.text())
            widget.close()
    return texts


def test_split_then_merge_from_the_window_and_settle_the_conflict(window, qtbot, tmp_path: Path) -> None:
    project = make_project(tmp_path / "office")
    assert not window.actions.split_project.isEnabled() and not window.actions.merge_parts.isEnabled()
    assert window.open_project(project)
    assert window.actions.split_project.isEnabled() and window.actions.merge_parts.isEnabled()
    assert "part" not in window.windowTitle()
    survey.split_for_inspectors(window, parts=2, folder=tmp_path / "parts")
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=30000)
    parts = sorted((tmp_path / "parts").glob("*.roadinspect"))
    assert len(parts) == 2 and "2 parts written" in window.message.text()
    with Store.open(parts[0], create=False, readonly=True) as store:
        finding = store.findings()[0].finding
    # the inspector accepts in the part; the supervisor rejects the same finding in the project
    assert main(["review", str(parts[0]), str(finding.id), "accept", "--as", "Alice"]) == 0
    window.close_project()
    assert window.open_project(parts[0])
    assert window.windowTitle().startswith(f"{parts[0].name} — part 1 of 2")
    window.close_project()
    assert main(["review", str(project), str(finding.id), "reject", "--as", "Superviseur"]) == 0
    assert window.open_project(project)
    survey.merge_reviews(window, [parts[0]])
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=30000)
    assert "1 conflicts to decide" in window.message.text()
    boxes = _close_boxes()
    assert boxes and f"Finding {finding.id}: this project: Rejected by Superviseur; part 1 of 2" in boxes[0]
    assert "Accepted by Alice" in boxes[0]
    at = window.photos.state_filter.findData("conflicts")
    assert at >= 0
    window.photos.state_filter.setCurrentIndex(at)
    assert window.photos.visible_ids() == [finding.photo_id]
    # the supervisor decides: the photo leaves the conflict filter
    window.review.show_photo(finding.photo_id, finding.id)
    window.review.review("accept")
    qtbot.waitUntil(lambda: window.photos.visible_ids() == [], timeout=10000)
    with Store.open(project, create=False, readonly=True) as store:
        assert store.finding(finding.id).review.status.value == "accepted"


def test_a_refused_merge_is_named_and_changes_nothing(window, qtbot, tmp_path: Path) -> None:
    project = make_project(tmp_path / "office")
    other = make_project(tmp_path / "other", "other.roadinspect")
    assert window.open_project(project)
    survey.merge_reviews(window, [other])
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=30000)
    assert "Merge reviews failed" in window.message.text() and "not a part" in window.message.text()
    _close_boxes()
