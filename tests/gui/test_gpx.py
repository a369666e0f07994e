"""File › Place photos on a GPX track…: dialogs, the placement in the worker, the refreshed list and map,
a bad GPX named in the error, the remembered clock offset."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from roadinspect.core.geo import CameraModel, ground_position
from roadinspect.core.store import Store
from roadinspect.core.types import PositionSource
from roadinspect.gui import gpx
from roadinspect.gui.main_window import MainWindow
from roadinspect.gui.project import ProjectSession, import_photos
from tests.core.photo_files import scene_jpeg
from tests.core.test_placement import pothole, write_gpx

HOUR = 3600.0


@pytest.fixture
def no_gps_project(tmp_path: Path) -> Path:
    """Three photos without GPS (at road positions 0, 1 and 40, 2 s apart), each with a pothole finding."""
    folder = tmp_path / "dashcam"
    for index in (0, 1, 40):
        scene_jpeg(folder / f"IMG_{index:03d}.jpg", seed=index, index=index, gps=False, heading=False)
    project = tmp_path / "dashcam.roadinspect"
    with Store.open(project) as store:
        import_photos(store, [folder], "tester", progress=lambda *a: None, is_cancelled=lambda: False)
        analysis = store.start_analysis("test", "0" * 64)
        for record in store.photos():
            store.record_photo_result(record.id, analysis, [pothole()])
        store.finish_analysis(analysis, "finished")
    return project


def _answer_dialogs(monkeypatch: pytest.MonkeyPatch, track: Path, offset: float) -> list[str]:
    asked: list[str] = []

    def exec_(dialog: gpx.ClockOffsetDialog) -> QDialog.DialogCode:
        asked.append(dialog.summary.text())
        asked.append(f"default {dialog.offset_s():g}")
        dialog.offset.setValue(offset)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(track), ""))
    monkeypatch.setattr(gpx.ClockOffsetDialog, "exec", exec_)
    return asked


def _close_boxes() -> list[str]:
    texts = []
    for box in [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]:
        texts.append(box.text())
        box.close()
    return texts


def test_placing_photos_on_a_gpx_track_updates_the_list_and_the_map(
        window: MainWindow, no_gps_project: Path, tmp_path: Path, qtbot, monkeypatch) -> None:
    assert not window.actions.place_gpx.isEnabled()  # no project
    assert window.open_project(no_gps_project)
    assert window.actions.place_gpx.isEnabled()
    qtbot.waitUntil(lambda: window.maintenance is not None, timeout=20000)
    assert window.map.photo_ids() == [] and window.map.site_ids() == []
    assert all(not row.has_position for row in window.session.rows())
    # The GPX logger ran an hour ahead of the camera clock (a camera left on winter time).
    track = write_gpx(tmp_path / "trajet.gpx", count=8, shift_s=HOUR)
    asked = _answer_dialogs(monkeypatch, track, HOUR)
    window.actions.place_gpx.trigger()
    assert window.is_busy() and not window.actions.place_gpx.isEnabled()  # one task at a time
    assert "3 photos without their own GPS position" in asked[0] and "cannot be undone" in asked[0]
    assert asked[1] == "default 0"
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=20000)
    assert window.message.text() == "2 photos placed, 1 still without position"
    rows = {row.path.name: row for row in window.session.rows()}
    assert rows["IMG_000.jpg"].has_position and rows["IMG_001.jpg"].has_position
    assert not rows["IMG_040.jpg"].has_position
    assert rows["IMG_000.jpg"].photo.position_source is PositionSource.GPX
    assert sorted(window.map.photo_ids()) == sorted(rows[n].id for n in ("IMG_000.jpg", "IMG_001.jpg"))
    # Findings follow their photo: the maintenance list (sites on the map) is recomputed with them.
    qtbot.waitUntil(lambda: window.maintenance is not None and len(window.map.site_ids()) >= 1, timeout=20000)
    placed = window.session.record(rows["IMG_001.jpg"].id).photo
    (rf,) = window.session.findings(rows["IMG_001.jpg"].id)
    expected, _ = ground_position(placed, CameraModel().for_photo(placed), 80.0, 102.5)
    assert rf.finding.ground is not None and abs(rf.finding.ground.lat - expected.lat) < 1e-7
    texts = _close_boxes()
    assert len(texts) == 1 and "IMG_040.jpg: taken 66 s after the track ends" in texts[0]
    assert "Photos (camera clock +3600 s): 2025-04-15 08:42:10 to 2025-04-15 08:43:30 UTC." in texts[0]
    assert "Track: 2025-04-15 08:42:10 to 2025-04-15 08:42:24 UTC." in texts[0]
    assert "clock offset is wrong" not in texts[0]  # some photos were placed: the offset is right
    assert float(QSettings().value(gpx.OFFSET_KEY)) == HOUR  # remembered for the next track
    with Store.open(no_gps_project, readonly=True) as store:
        assert store.audit_log()[-1].action == "positions" and store.audit_log()[-1].details["placed"] == 2


def test_a_bad_gpx_is_named_and_changes_nothing(window: MainWindow, no_gps_project: Path, tmp_path: Path,
                                                qtbot, monkeypatch) -> None:
    assert window.open_project(no_gps_project)
    broken = tmp_path / "export GPS.gpx"
    broken.write_text("<gpx><trk><trkpt lat=", encoding="utf-8")
    _answer_dialogs(monkeypatch, broken, 0.0)
    window.actions.place_gpx.trigger()
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=20000)
    assert "GPX placement failed" in window.message.text() and "export GPS.gpx" in window.message.text()
    texts = _close_boxes()
    assert texts and "export GPS.gpx" in texts[0]
    assert all(not row.has_position for row in window.session.rows())
    with Store.open(no_gps_project, readonly=True) as store:
        assert all(r.photo.position is None for r in store.photos())
        assert store.audit_log()[-1].action != "positions"


def test_cancelling_a_dialog_or_a_project_with_only_gps_photos_places_nothing(
        window: MainWindow, no_gps_project: Path, reviewable_project: Path, monkeypatch) -> None:
    assert window.open_project(no_gps_project)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    window.place_on_gpx()
    assert not window.is_busy()
    assert window.open_project(reviewable_project)  # the samples have their own GPS positions
    window.place_on_gpx(Path("unused.gpx"), 0.0)
    assert not window.is_busy() and "nothing to place" in window.message.text()
    window.close_project()
    window._use_session(ProjectSession.open(no_gps_project, readonly=True))
    assert not window.actions.place_gpx.isEnabled()
    window.place_on_gpx(Path("unused.gpx"), 0.0)
    assert not window.is_busy()


def test_the_action_and_its_dialog_are_translated(window: MainWindow, qtbot) -> None:
    values = dict(window.values)
    values["general/language"] = "fr"
    window.apply_settings(values)
    try:
        assert window.actions.place_gpx.text() == "Placer les photos sur une &trace GPX…"
        dialog = gpx.ClockOffsetDialog(Path("trajet.gpx"), 0.0, 2, window)
        qtbot.addWidget(dialog)
        assert "2 photos sans position GPS propre" in dialog.summary.text()
    finally:
        values["general/language"] = "en"
        window.apply_settings(values)
