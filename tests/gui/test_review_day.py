"""The review app through a working day (issue 20): the keyboard is never trapped, choosing what to draw never
changes a finding, the highlighted rows follow the review, the lists keep the inspector's place."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from roadinspect.core.store import Store
from roadinspect.core.types import DamageClass, ReviewStatus
from roadinspect.gui.main_window import MainWindow
from roadinspect.gui.photo_view import Tool


def _open(window: MainWindow, project: Path, qtbot) -> None:  # noqa: ANN001
    assert window.open_project(project)
    qtbot.waitUntil(lambda: window.view.photo_size().isValid(), timeout=10000)
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitUntil(lambda: window.view.hasFocus(), timeout=5000)


def _stored(project: Path, finding_id: int):  # noqa: ANN202
    with Store.open(project, readonly=True) as store:
        return store.finding(finding_id)


def test_choosing_the_class_to_draw_never_changes_the_selected_finding(window: MainWindow, reviewable_project: Path,
                                                                      qtbot) -> None:  # noqa: ANN001
    _open(window, reviewable_project, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    fid = window.review.finding_id
    before = _stored(reviewable_project, fid)
    assert before.status == ReviewStatus.PENDING
    qtbot.keyClick(window.view, Qt.Key.Key_P)  # draw a missed finding ...
    assert window.view.tool() == Tool.POLYGON
    other = DamageClass.CRACK if before.damage == DamageClass.POTHOLE else DamageClass.POTHOLE
    qtbot.keyClick(window.view, Qt.Key.Key_2 if other == DamageClass.POTHOLE else Qt.Key.Key_1)  # ... of this class
    assert window.view.new_finding_class == other
    qtbot.keyClick(window.view, Qt.Key.Key_1 if other == DamageClass.POTHOLE else Qt.Key.Key_2)
    assert window.view.new_finding_class != other
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    assert window.view.new_finding_class == DamageClass.POTHOLE
    after = _stored(reviewable_project, fid)
    assert after.status == ReviewStatus.PENDING and after.review is None and after.damage == before.damage
    assert window.undo.count() == 0
    assert "pothole" in window.message.text().lower()
    qtbot.keyClick(window.view, Qt.Key.Key_1)  # the drawn finding is a crack
    for x, y in [(100, 600), (400, 610), (400, 640), (100, 632)]:
        window.view.add_polygon_point(QPointF(x, y))
    with qtbot.waitSignal(window.undo.indexChanged, timeout=20000):
        qtbot.keyClick(window.view, Qt.Key.Key_Return)
    drawn = window.session.finding(window.review.finding_id)
    assert drawn.finding.source == "inspector" and drawn.damage == DamageClass.CRACK
    assert _stored(reviewable_project, fid).review is None  # the finding selected before is still untouched
    qtbot.keyClick(window.view, Qt.Key.Key_J)  # outside a drawing tool, 1 and 2 are decisions again
    target = window.review.finding_id
    damage = window.session.finding(target).damage
    qtbot.keyClick(window.view, Qt.Key.Key_2 if damage == DamageClass.CRACK else Qt.Key.Key_1)
    assert _stored(reviewable_project, target).damage != damage


def test_enter_and_escape_in_the_note_give_the_keys_back_to_reviewing(window: MainWindow, reviewable_project: Path,
                                                                      qtbot) -> None:  # noqa: ANN001
    _open(window, reviewable_project, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    fid = window.review.finding_id
    note = window.findings.note
    note.setFocus()
    qtbot.waitUntil(note.hasFocus, timeout=5000)
    qtbot.keyClicks(note, "near the drain")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    assert _stored(reviewable_project, fid).review.note == "near the drain"
    assert window.view.hasFocus() and not note.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A)  # A is a decision again, not a letter of the note
    stored = _stored(reviewable_project, fid)
    assert stored.status == ReviewStatus.ACCEPTED and stored.review.note == "near the drain"
    second = window.review.finding_id
    assert second != fid
    note.setFocus()
    qtbot.waitUntil(note.hasFocus, timeout=5000)
    qtbot.keyClicks(note, "typed by mistake")
    qtbot.keyClick(note, Qt.Key.Key_Escape)  # Escape drops the typing and returns the keys
    assert window.view.hasFocus() and note.text() == ""
    assert _stored(reviewable_project, second).review is None
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_K)
    assert window.review.finding_id == fid


def test_clicking_the_findings_table_keeps_the_note_and_returns_the_keys(window: MainWindow, reviewable_project: Path,
                                                                         qtbot) -> None:  # noqa: ANN001
    _open(window, reviewable_project, qtbot)
    pid = next(p for p in window.session.photo_ids() if len(window.session.findings(p)) >= 2)
    first, second = (rf.finding.id for rf in window.session.findings(pid)[:2])
    window.review.show_photo(pid, first)
    note = window.findings.note
    note.setFocus()
    qtbot.waitUntil(note.hasFocus, timeout=5000)
    qtbot.keyClicks(note, "kerb")
    table = window.findings.table
    rect = table.visualRect(table.model().index(1, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.review.finding_id == second
    qtbot.waitUntil(lambda: _stored(reviewable_project, first).review is not None, timeout=5000)
    assert _stored(reviewable_project, first).review.note == "kerb"  # not lost by moving on
    assert window.findings.current_id() == second and window.findings.note.text() == ""
    assert window.view.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_R)
    assert _stored(reviewable_project, second).status == ReviewStatus.REJECTED


def test_the_highlighted_finding_row_follows_j_and_k(window: MainWindow, reviewable_project: Path,
                                                     qtbot) -> None:  # noqa: ANN001
    _open(window, reviewable_project, qtbot)
    pid = next(p for p in window.session.photo_ids() if len(window.session.findings(p)) >= 2)
    ids = [rf.finding.id for rf in window.session.findings(pid)]
    window.review.show_photo(pid, ids[0])
    selection = window.findings.table.selectionModel()
    changes: list[list[int]] = []
    selection.selectionChanged.connect(lambda selected, _old: changes.append(sorted({i.row() for i in selected.indexes()})))
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    # the view repaints the highlight from selectionChanged: it must be emitted for the new row
    assert window.review.finding_id == ids[1] and changes and changes[-1] == [1]
    assert [i.row() for i in selection.selectedRows()] == [1]
    assert window.findings.title.text().startswith("2 ")
    qtbot.keyClick(window.view, Qt.Key.Key_K)
    assert changes[-1] == [0] and [i.row() for i in selection.selectedRows()] == [0]


def test_a_site_clicked_on_the_map_highlights_its_whole_row(window: MainWindow, reviewable_project: Path,
                                                            qtbot) -> None:  # noqa: ANN001
    _open(window, reviewable_project, qtbot)
    qtbot.waitUntil(lambda: window.maintenance is not None and window.sites.model.rowCount() > 1, timeout=20000)
    table = window.sites.table
    selection = table.selectionModel()
    changes: list[set[int]] = []
    selection.selectionChanged.connect(lambda selected, _old: changes.append({i.column() for i in selected.indexes()}))
    site = window.maintenance.ranked[-1].site
    window.map.siteClicked.emit(site.id)
    row = next(r for r in range(window.sites.proxy.rowCount())
               if window.sites._site_at(window.sites.proxy.index(r, 0)) == site.id)
    assert selection.isRowSelected(row)
    assert changes and changes[-1] == set(range(window.sites.proxy.columnCount()))  # every cell, not only Rank
    assert (window.review.photo_id, window.review.finding_id) == (site.evidence.photo_id, site.evidence_id)
