"""Reviewing in the window: keyboard decisions, undo/redo, mask correction, missed findings, reopening."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from PySide6.QtCore import QPointF, Qt

from roadinspect.core.store import Store
from roadinspect.core.types import DamageClass, ReviewStatus
from roadinspect.gui import labels
from roadinspect.gui.main_window import MainWindow
from roadinspect.gui.photo_view import Tool


def _open(window: MainWindow, project: Path, qtbot) -> None:
    assert window.open_project(project)
    qtbot.waitUntil(lambda: window.view.photo_size().isValid(), timeout=10000)


def _statuses(project: Path) -> dict[int, ReviewStatus]:
    with Store.open(project, readonly=True) as store:
        return {rf.finding.id: rf.status for rf in store.findings()}


def test_review_by_keyboard(window: MainWindow, reviewable_project: Path, qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    session = window.session
    decided, total = session.review_progress()
    assert decided == 0 and total >= 4
    assert window.counter.text() == f"0 of {total} findings reviewed"
    first_photo = window.review.photo_id
    qtbot.keyClick(window.view, Qt.Key.Key_J)  # first finding of the first photo
    first = window.review.finding_id
    assert first is not None and window.findings.current_id() == first
    qtbot.keyClick(window.view, Qt.Key.Key_A)  # accept, then move on
    assert _statuses(reviewable_project)[first] == ReviewStatus.ACCEPTED  # written at once
    second = window.review.finding_id
    assert second != first
    qtbot.keyClick(window.view, Qt.Key.Key_R)
    assert _statuses(reviewable_project)[second] == ReviewStatus.REJECTED
    qtbot.keyClick(window.view, Qt.Key.Key_K)  # back to the rejected one ...
    assert window.review.finding_id == second
    with Store.open(reviewable_project, readonly=True) as store:
        assert store.finding(second).finding.damage == DamageClass.POTHOLE  # the model's class
    qtbot.keyClick(window.view, Qt.Key.Key_1)  # ... the inspector calls it a crack: corrected
    with Store.open(reviewable_project, readonly=True) as store:
        rf = store.finding(second)
    assert rf.status == ReviewStatus.CORRECTED and rf.review.damage == DamageClass.CRACK
    assert rf.damage == DamageClass.CRACK
    qtbot.keyClick(window.view, Qt.Key.Key_2)  # ... a pothole after all: the model's class, accepted
    with Store.open(reviewable_project, readonly=True) as store:
        rf = store.finding(second)
    assert rf.status == ReviewStatus.ACCEPTED and rf.review.damage is None and rf.damage == DamageClass.POTHOLE
    assert window.counter.text() == f"2 of {total} findings reviewed"
    qtbot.keyClick(window.view, Qt.Key.Key_Down)
    assert window.review.photo_id != first_photo
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert not window.view.overlay_visible()
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert window.view.overlay_visible()
    assert "could not" not in window.message.text()


def test_undo_and_redo_write_to_the_project(window: MainWindow, reviewable_project: Path, qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    window.review.next_finding(1)
    fid = window.review.finding_id
    window.review.review("accept")
    assert _statuses(reviewable_project)[fid] == ReviewStatus.ACCEPTED
    window.review.next_photo(1)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _statuses(reviewable_project)[fid] == ReviewStatus.PENDING
    assert window.review.finding_id == fid  # undo shows what it changed
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert _statuses(reviewable_project)[fid] == ReviewStatus.ACCEPTED
    with Store.open(reviewable_project, readonly=True) as store:
        actions = [e.action for e in store.audit_log() if e.finding_id == fid]
    assert actions.count("review") == 3  # accept, undo, redo: each in the audit log


def _pothole(window: MainWindow) -> tuple[int, int]:
    for pid in window.session.photo_ids():
        for rf in window.session.findings(pid):
            if rf.finding.damage == DamageClass.POTHOLE:
                return pid, rf.finding.id
    raise AssertionError("the samples have a pothole")


def test_mask_correction_updates_measures_and_undo_restores(window: MainWindow, reviewable_project: Path,
                                                            qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    pid, fid = _pothole(window)
    window.review.show_photo(pid, fid)
    qtbot.waitUntil(lambda: window.view.photo_size().isValid(), timeout=10000)
    before = window.session.finding(fid).finding
    window.actions.tool_brush.trigger()
    assert window.view.tool() == Tool.BRUSH and window.view.is_editing()
    geom = shapely.from_wkt(before.polygon_wkt)
    x0, y0, x1, y1 = geom.bounds
    window.view.brush_radius = (y1 - y0) / 3
    for k in range(6):  # widen the pothole to the right
        window.view.paint_at(QPointF(x1 + k * (x1 - x0) / 10, (y0 + y1) / 2))
    window.view.end_stroke()
    with qtbot.waitSignal(window.undo.indexChanged, timeout=20000):
        qtbot.keyClick(window.view, Qt.Key.Key_Return)
    after = window.session.finding(fid)
    assert after.status == ReviewStatus.CORRECTED
    assert shapely.from_wkt(after.finding.polygon_wkt).area > geom.area * 1.1
    assert after.finding.measures["area_px"] > before.measures["area_px"]
    with Store.open(reviewable_project, readonly=True) as store:
        assert store.finding(fid).finding.polygon_wkt == after.finding.polygon_wkt
    window.undo.undo()
    restored = window.session.finding(fid)
    assert restored.finding.polygon_wkt == before.polygon_wkt and restored.status == ReviewStatus.PENDING
    assert restored.finding.measures == before.measures


def test_polygon_tool_adds_a_missed_finding_and_undo_removes_it(window: MainWindow, reviewable_project: Path,
                                                                qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    pid = window.review.photo_id
    count = len(window.session.findings(pid))
    window.actions.tool_polygon.trigger()
    window.view.new_finding_class = DamageClass.POTHOLE
    for x, y in [(100, 600), (180, 590), (190, 660), (110, 670)]:
        window.view.add_polygon_point(QPointF(x, y))
    with qtbot.waitSignal(window.undo.indexChanged, timeout=20000):
        assert window.view.finish_polygon()
    items = window.session.findings(pid)
    assert len(items) == count + 1
    drawn = items[-1]
    assert drawn.finding.source == "inspector" and drawn.status == ReviewStatus.ACCEPTED
    assert drawn.finding.kind == "pothole" and drawn.finding.measures.get("area_px", 0) > 0
    assert window.review.finding_id == drawn.finding.id
    window.undo.undo()
    assert len(window.session.findings(pid)) == count


def test_reopening_restores_decisions_and_position(qtbot, reviewable_project: Path) -> None:
    first = MainWindow()
    qtbot.addWidget(first)
    _open(first, reviewable_project, qtbot)
    first.review.next_photo(1)
    first.review.next_finding(1)
    first.review.next_finding(1)
    photo, finding = first.review.photo_id, first.review.finding_id
    first.review.review("reject")
    first.review.show_photo(photo, finding)
    first.opacity.setValue(70)
    first.close()  # saves where the inspector was
    assert first.session is None
    second = MainWindow()
    qtbot.addWidget(second)
    _open(second, reviewable_project, qtbot)
    assert (second.review.photo_id, second.review.finding_id) == (photo, finding)
    assert second.session.finding(finding).status == ReviewStatus.REJECTED
    assert second.view.overlay_opacity() == pytest.approx(0.7)
    second.close()


def test_read_only_project_refuses_decisions(window: MainWindow, reviewable_project: Path, qtbot,
                                             monkeypatch) -> None:
    from roadinspect.gui.project import ProjectSession

    holder = ProjectSession.open(reviewable_project)  # "another window" holds the project
    try:
        from PySide6.QtWidgets import QMessageBox

        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        _open(window, reviewable_project, qtbot)
        assert window.session.readonly and "[read-only]" in window.windowTitle()
        assert not window.actions.accept.isEnabled()
        window.review.next_finding(1)
        window.review.review_finding(window.review.finding_id, "accept")
        assert window.session.review_progress()[0] == 0
    finally:
        holder.close()


def test_panel_controls_severity_and_note(window: MainWindow, reviewable_project: Path, qtbot) -> None:
    from roadinspect.core.types import Severity

    _open(window, reviewable_project, qtbot)
    window.review.next_finding(1)
    fid = window.review.finding_id
    panel = window.findings
    at = panel.severity_combo.findData(Severity.HIGH if window.session.finding(fid).severity != Severity.HIGH
                                       else Severity.LOW)
    panel.severity_combo.activated.emit(at)
    rf = window.session.finding(fid)
    assert rf.status == ReviewStatus.CORRECTED and rf.review.severity == panel.severity_combo.itemData(at)
    panel.note.setText("near the drain")
    panel.note.editingFinished.emit()
    panel.note.setText("near the drain, 2 m from the kerb")
    panel.note.editingFinished.emit()
    with Store.open(reviewable_project, readonly=True) as store:
        assert store.finding(fid).review.note == "near the drain, 2 m from the kerb"
    assert window.undo.count() == 2  # the two notes merged into one undo step
    window.undo.undo()
    assert window.session.finding(fid).review.note == ""


def test_panel_changes_the_crack_type_undo_redo_and_reopening(window: MainWindow, reviewable_project: Path,
                                                               qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    panel = window.findings
    cracks = [rf for pid in window.session.photo_ids() for rf in window.session.findings(pid)
              if rf.finding.damage == DamageClass.CRACK]
    assert cracks, "the samples have cracks"
    crack = cracks[0].finding
    model_kind = crack.kind
    new = "alligator" if model_kind != "alligator" else "transverse"
    window.review.show_photo(crack.photo_id, crack.id)
    assert panel.kind_combo.isEnabled() and panel.kind_combo.currentData() == model_kind
    panel.kind_combo.activated.emit(panel.kind_combo.findData(new))
    with Store.open(reviewable_project, readonly=True) as store:  # written at once
        rf = store.finding(crack.id)
    assert rf.status == ReviewStatus.CORRECTED and rf.review.kind == new and rf.finding.kind == model_kind
    assert panel.kind_combo.currentData() == new and window.undo.count() == 1
    number = [rf.finding.id for rf in window.session.findings(crack.photo_id)].index(crack.id) + 1  # as the panel
    assert window.undo.undoText() == f"Set the crack type of finding {number} to {labels.kind_name(new)}"
    assert panel.title.text().startswith(f"{number} ")
    window.undo.undo()
    with Store.open(reviewable_project, readonly=True) as store:
        rf = store.finding(crack.id)
    assert rf.status == ReviewStatus.PENDING and rf.review.kind is None and rf.kind == model_kind
    assert panel.kind_combo.currentData() == model_kind
    window.undo.redo()
    assert window.session.finding(crack.id).review.kind == new
    pid, pothole = _pothole(window)
    window.review.show_photo(pid, pothole)
    assert not panel.kind_combo.isEnabled() and panel.kind_combo.currentIndex() == -1  # a pothole has no crack type
    window.close_project()
    assert window.open_project(reviewable_project)  # reopening keeps the corrected type
    window.review.show_photo(crack.photo_id, crack.id)
    assert window.session.finding(crack.id).review.kind == new and panel.kind_combo.currentData() == new


def test_map_and_maintenance_list_open_photos(window: MainWindow, reviewable_project: Path, qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    qtbot.waitUntil(lambda: window.maintenance is not None and window.sites.model.rowCount() > 0, timeout=20000)
    ids = window.session.photo_ids()
    window.map.photoClicked.emit(ids[-1])
    assert window.review.photo_id == ids[-1]
    ranked = window.maintenance.ranked[0]
    window.sites.siteActivated.emit(ranked.site.id)
    assert (window.review.photo_id, window.review.finding_id) == (ranked.site.evidence.photo_id,
                                                                   ranked.site.evidence_id)
    assert set(window.map.site_ids()) == {r.site.id for r in window.maintenance.ranked if r.site.position}
