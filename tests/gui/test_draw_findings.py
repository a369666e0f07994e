"""Drawing what the model missed (issue 20.6): the brush adds a new finding of the class chosen first (1/2), also
from a stroke outside the selected finding's frame; drawn cracks get crack measures (length, width) and drawn
potholes pothole ones (diameter, area); a change of class measures the finding again as the new class."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt

from roadinspect.core.findings import CRACK_KINDS
from roadinspect.core.store import Store
from roadinspect.core.types import DamageClass, ReviewStatus
from roadinspect.gui.main_window import MainWindow
from roadinspect.gui.photo_view import Tool


def _open(window: MainWindow, project: Path, qtbot) -> None:
    assert window.open_project(project)
    qtbot.waitUntil(lambda: window.view.photo_size().isValid(), timeout=10000)
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitUntil(lambda: window.view.hasFocus(), timeout=5000)


def _stored(project: Path, finding_id: int):
    with Store.open(project, readonly=True) as store:
        return store.finding(finding_id)


def _ids(project: Path) -> set[int]:
    with Store.open(project, readonly=True) as store:
        return {rf.finding.id for rf in store.findings()}


def _stroke(window: MainWindow, points: list[tuple[float, float]]) -> None:
    view = window.view
    assert view.start_stroke(QPointF(*points[0]))
    for x, y in points[1:]:
        view.paint_at(QPointF(x, y))
    view.end_stroke()


def _is_crack(measures: dict) -> bool:
    return measures.get("length_m", 0) > 0 and measures.get("mean_width_m", 0) > 0 and "diameter_m" not in measures


def _is_pothole(measures: dict) -> bool:
    return measures.get("diameter_m", 0) > 0 and measures.get("area_m2", 0) > 0 and "length_m" not in measures


def test_the_brush_with_no_finding_selected_adds_a_crack_with_crack_measures(window: MainWindow,
                                                                            reviewable_project: Path,
                                                                            qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    window.review.select_finding(None)
    before = _ids(reviewable_project)
    qtbot.keyClick(window.view, Qt.Key.Key_B)
    assert window.view.tool() == Tool.BRUSH and window.view.is_drawing_new()
    qtbot.keyClick(window.view, Qt.Key.Key_2)  # the class is chosen first: never a decision on a finding
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert window.view.new_finding_class == DamageClass.CRACK and window.undo.count() == 0
    size = window.view.photo_size()
    y = size.height() * 0.8
    window.view.brush_radius = 3.0
    _stroke(window, [(size.width() * x / 20, y + x) for x in range(4, 16)])
    with qtbot.waitSignal(window.undo.indexChanged, timeout=20000):
        qtbot.keyClick(window.view, Qt.Key.Key_Return)
    (new,) = _ids(reviewable_project) - before
    stored = _stored(reviewable_project, new)
    assert stored.finding.source == "inspector" and stored.damage == DamageClass.CRACK
    assert stored.kind in CRACK_KINDS and _is_crack(stored.finding.measures), stored.finding.measures
    # a few hundred pixels long, a few wide (the brush's 6 px stroke), on the row it was painted on
    assert 0.4 * size.width() < stored.finding.measures["length_px"] < 0.7 * size.width()
    assert stored.finding.measures["mean_width_px"] < 15
    assert window.review.finding_id == new and window.view.tool() == Tool.NAVIGATE
    window.undo.undo()
    assert _ids(reviewable_project) == before


def test_a_brush_stroke_outside_the_selected_findings_frame_draws_a_new_pothole(window: MainWindow,
                                                                               reviewable_project: Path,
                                                                               qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    selected = window.review.finding_id
    before = _ids(reviewable_project)
    qtbot.keyClick(window.view, Qt.Key.Key_B)
    assert window.view.tool() == Tool.BRUSH and window.view.is_editing() and not window.view.is_drawing_new()
    frame: QRectF = window.view._edit_rect
    size = window.view.photo_size()
    r = 30.0
    spots = [(x, y) for x in range(40, size.width() - 40, 40) for y in range(40, size.height() - 40, 40)
             if not frame.adjusted(-2 * r, -2 * r, 2 * r, 2 * r).contains(QPointF(x, y))]
    assert spots, "the test photo has no room outside the finding's frame"
    x, y = spots[len(spots) // 2]
    window.view.fit_photo()
    qtbot.keyClick(window.view, Qt.Key.Key_E)  # the eraser outside the frame says why nothing happens
    assert not window.view.start_stroke(QPointF(x, y))
    assert "eraser" in window.message.text().lower()
    qtbot.keyClick(window.view, Qt.Key.Key_B)
    qtbot.keyClick(window.view, Qt.Key.Key_2)  # a pothole
    window.view.brush_radius = r
    _stroke(window, [(x, y), (x + 10, y)])
    assert window.view.is_drawing_new()  # the stroke started a new finding instead of being dropped, and says so
    assert "new finding" in window.message.text() and "Pothole" in window.message.text()
    with qtbot.waitSignal(window.undo.indexChanged, timeout=20000):
        qtbot.keyClick(window.view, Qt.Key.Key_Return)
    (new,) = _ids(reviewable_project) - before
    stored = _stored(reviewable_project, new)
    assert stored.damage == DamageClass.POTHOLE and stored.kind == "pothole"
    assert _is_pothole(stored.finding.measures), stored.finding.measures
    assert 2 * r <= stored.finding.measures["diameter_px"] <= 2 * r + 20
    assert _stored(reviewable_project, selected).review is None  # the selected finding was not touched


def test_a_crack_drawn_as_a_polygon_gets_crack_measures(window: MainWindow, reviewable_project: Path,
                                                         qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    before = _ids(reviewable_project)
    qtbot.keyClick(window.view, Qt.Key.Key_P)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    for x, y in [(100, 600), (400, 610), (400, 622), (100, 612)]:
        window.view.add_polygon_point(QPointF(x, y))
    with qtbot.waitSignal(window.undo.indexChanged, timeout=20000):
        qtbot.keyClick(window.view, Qt.Key.Key_Return)
    (new,) = _ids(reviewable_project) - before
    stored = _stored(reviewable_project, new)
    assert stored.damage == DamageClass.CRACK and stored.kind in CRACK_KINDS
    assert _is_crack(stored.finding.measures), stored.finding.measures
    assert 280 < stored.finding.measures["length_px"] < 320


def test_a_pothole_changed_to_a_crack_and_back_is_measured_again(window: MainWindow, reviewable_project: Path,
                                                                qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    session = window.session
    pothole = next(rf for pid in session.photo_ids() for rf in session.findings(pid)
                   if rf.finding.damage == DamageClass.POTHOLE)
    fid = pothole.finding.id
    original = _stored(reviewable_project, fid).finding
    assert _is_pothole(original.measures)
    window.review.show_photo(pothole.finding.photo_id, fid)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_1)  # now a crack
    crack = _stored(reviewable_project, fid)
    assert crack.damage == DamageClass.CRACK and crack.status == ReviewStatus.CORRECTED
    assert crack.kind in CRACK_KINDS and _is_crack(crack.finding.measures), crack.finding.measures
    assert crack.finding.polygon_wkt == original.polygon_wkt  # only the measures change
    with Store.open(reviewable_project, readonly=True) as store:  # the decision and the measures are audited
        actions = [e.action for e in store.audit_log() if e.finding_id == fid]
    assert "geometry" in actions and "review" in actions, actions
    qtbot.keyClick(window.view, Qt.Key.Key_2)  # back to a pothole: pothole measures again, the model's class
    back = _stored(reviewable_project, fid)
    assert back.damage == DamageClass.POTHOLE and back.kind == "pothole"
    assert _is_pothole(back.finding.measures)
    assert abs(back.finding.measures["diameter_px"] - original.measures["diameter_px"]) \
        <= 0.05 * original.measures["diameter_px"]
    window.undo.undo()
    window.undo.undo()  # undo puts the model's measures and the pending decision back
    restored = _stored(reviewable_project, fid)
    assert restored.review is None or restored.status == ReviewStatus.PENDING
    assert restored.finding.measures == original.measures and restored.damage == DamageClass.POTHOLE
