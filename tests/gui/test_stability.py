"""The review app through a working day: the Qt binding keeps ``None`` alive, and 2,000 review actions leave a
healthy process and a consistent project (issue 20, point 1).

PySide6 6.12.0 on CPython 3.11 dropped one reference to ``None`` on every Qt call that returns nothing; the
app aborted (``Fatal Python error: none_dealloc``) after about 60 review keys. ``pyproject.toml`` pins a
binding that does not, and these tests fail on one that does.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import pytest
import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel

from roadinspect.core.store import Store
from roadinspect.core.types import ReviewStatus
from roadinspect.gui import app as gui_app
from roadinspect.gui.main_window import MainWindow
from roadinspect.gui.photo_view import Tool


def test_a_thousand_qt_calls_leave_the_refcount_of_none_unchanged(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(1000):
        label.setText("finding" if i % 2 else "")
        label.setVisible(False)
    drift = sys.getrefcount(None) - before
    # 6.12.0 on 3.11: -2000 here. A few references may come and go with other threads' frames.
    assert abs(drift) < 100, f"1,000 Qt calls changed sys.getrefcount(None) by {drift}"
    assert abs(gui_app.none_refcount_drift(1000)) < 100
    assert gui_app.qt_binding_problem() == ""


def test_a_leaking_binding_is_refused_at_start_with_a_clear_message(qtbot, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(gui_app, "none_refcount_drift", lambda calls=1000: -calls)  # what 6.12.0 on 3.11 measured
    problem = gui_app.qt_binding_problem()
    assert "loses a reference to None" in problem and "PySide6" in problem and "\n" not in problem
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(gui_app, "enable_faulthandler", lambda: None)
    monkeypatch.setattr(gui_app, "install_excepthook", lambda: None)
    assert gui_app.run_app(None) == 1
    assert shown == [problem]


def _store_statuses(project: Path) -> dict[int, ReviewStatus]:
    with Store.open(project, readonly=True) as store:
        return {rf.finding.id: rf.status for rf in store.findings()}


def _check_consistent(window: MainWindow, project: Path) -> None:
    """Decisions in the project file = decisions the window holds and shows."""
    stored = _store_statuses(project)
    session = window.session
    held = {rf.finding.id: rf.status for pid in session.photo_ids() for rf in session.findings(pid)}
    assert held == stored
    if window.review.photo_id is not None:
        shown = {row.finding.id: row.status for row in window.findings._rows}
        assert shown == {fid: stored[fid] for fid in shown}
        assert set(shown) == {rf.finding.id for rf in session.findings(window.review.photo_id)}
    decided = sum(1 for s in stored.values() if s != ReviewStatus.PENDING)
    assert window.counter.text() == f"{decided} of {len(stored)} findings reviewed"
    assert window.findings.current_id() == window.review.finding_id  # the highlighted row is the finding shown


@pytest.mark.slow
def test_two_thousand_review_actions_keep_the_process_healthy(window: MainWindow, reviewable_project: Path,
                                                              qtbot) -> None:
    assert window.open_project(reviewable_project)
    qtbot.waitUntil(lambda: window.view.photo_size().isValid(), timeout=10000)
    rng = random.Random(20)
    keys = {"J": Qt.Key.Key_J, "K": Qt.Key.Key_K, "A": Qt.Key.Key_A, "R": Qt.Key.Key_R, "1": Qt.Key.Key_1,
            "2": Qt.Key.Key_2, "zoom+": Qt.Key.Key_Plus, "zoom-": Qt.Key.Key_Minus}
    choices = ["J"] * 6 + ["K"] * 3 + ["A"] * 4 + ["R"] * 2 + ["1", "2", "undo", "undo", "zoom+", "zoom-", "brush"]
    none_before = sys.getrefcount(None)
    lowest = none_before
    applied = 0
    started = time.perf_counter()
    for step in range(2000):
        action = rng.choice(choices)
        if action == "undo":
            qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        elif action == "brush":
            qtbot.keyClick(window.view, Qt.Key.Key_B)
            if window.view.is_drawing_new():  # no finding selected: the brush paints a missed one (abandoned here)
                window.view.paint_at(QPointF(50, 50))
                window.view.end_stroke()
                qtbot.keyClick(window.view, Qt.Key.Key_Escape)
            elif window.view.is_editing():
                shape = next(s for s in window.view.shapes() if s.id == window.view.selected_finding())
                x0, y0, x1, y1 = shapely.from_wkt(shape.polygon_wkt).bounds
                for k in range(5):  # a stroke along the finding, as a mouse drag paints it
                    window.view.paint_at(QPointF(x0 + (x1 - x0) * k / 4, (y0 + y1) / 2))
                window.view.end_stroke()
                if applied < 10 and rng.random() < 0.5:  # apply some (a background correction each) ...
                    with qtbot.waitSignal(window.undo.indexChanged, timeout=30000):
                        qtbot.keyClick(window.view, Qt.Key.Key_Return)
                    applied += 1
                else:  # ... and abandon the others
                    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
            assert window.view.tool() == Tool.NAVIGATE
        else:
            qtbot.keyClick(window.view, keys[action])
        if step % 100 == 99:
            lowest = min(lowest, sys.getrefcount(None))
            _check_consistent(window, reviewable_project)
    seconds = time.perf_counter() - started
    window.review.wait()
    qtbot.wait(50)
    _check_consistent(window, reviewable_project)
    assert applied >= 3
    assert window.undo.count() > 100
    # a binding that loses a reference per Qt call loses tens of thousands here (and the process aborts)
    assert lowest - none_before > -500 and sys.getrefcount(None) - none_before > -500
    assert "could not" not in window.message.text()
    print(f"2,000 review actions in {seconds:.1f} s")
