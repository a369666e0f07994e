"""Window workflows: new inspection (dialog and drag-and-drop), analysis with the real model, export,
language switch, settings, error reporting."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from roadinspect.core.maintenance import build_maintenance_list
from roadinspect.core.segmenter import default_weights
from roadinspect.core.store import Store
from roadinspect.gui.main_window import MainWindow
from tests.gui.conftest import sample_files


def _copy_samples(folder: Path, count: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in sample_files()[:count]:
        shutil.copy2(path, folder / path.name)
    (folder / "notes.jpg").write_text("not a photo")  # bad input: named in the list, the batch goes on
    return folder


def test_new_inspection_imports_photos_and_names_bad_files(window: MainWindow, tmp_path: Path, qtbot) -> None:
    photos = _copy_samples(tmp_path / "drive 1")
    project = tmp_path / "inspection.roadinspect"
    assert window.new_inspection([photos], project, analyse=False)
    qtbot.waitUntil(lambda: not window.is_busy() and len(window.session.photo_ids()) == 4, timeout=20000)
    rows = {r.path.name: r for r in window.session.rows()}
    assert rows["notes.jpg"].state == "error" and "not" in rows["notes.jpg"].error  # the reason, shown in the list
    assert [rows[p.name].state for p in sample_files()] == ["pending"] * 3
    assert "3 photos added" in window.message.text() and "1 unreadable file " in window.message.text()
    assert window.photos.proxy.rowCount() == 4
    window.photos.set_filters({"state": "error"})
    assert window.photos.visible_ids() == [rows["notes.jpg"].id]
    assert project in window.recent_projects()


def test_dropping_a_folder_starts_a_new_inspection(window: MainWindow, tmp_path: Path, qtbot,
                                                   monkeypatch) -> None:
    photos = _copy_samples(tmp_path / "dropped")
    target = tmp_path / "dropped.roadinspect"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    monkeypatch.setattr(window, "start_analysis", lambda: None)  # the analysis is tested with the model below
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photos))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.session is not None and len(window.session.photo_ids()) == 4, timeout=20000)
    assert window.session.path == target


@pytest.mark.skipif(not default_weights().is_file(), reason="the model weights (models/roadinspect-seg.safetensors) "
                    "are not installed yet")
def test_analysis_with_the_real_model_shows_results_photo_by_photo(window: MainWindow, tmp_path: Path,
                                                                   qtbot) -> None:
    photos = _copy_samples(tmp_path / "batch", count=2)
    seen: list[int] = []
    assert window.new_inspection([photos], tmp_path / "batch.roadinspect")
    qtbot.waitUntil(lambda: window.session is not None and len(window.session.photo_ids()) == 3, timeout=20000)
    window.session.photoChanged.connect(seen.append)
    qtbot.waitUntil(lambda: not window.is_busy() and (len(seen) >= 2 or "failed" in window.message.text()),
                    timeout=120000)
    assert "failed" not in window.message.text(), window.message.text()
    rows = {r.path.name: r for r in window.session.rows()}
    analysed = [rows[p.name] for p in sample_files()[:2]]
    assert all(r.state in ("analysed", "reviewed") for r in analysed)
    assert sum(r.findings for r in analysed) >= 1  # the samples hold potholes and cracks
    assert sorted(set(seen)) == sorted(r.id for r in analysed)  # one update per photo, as each was done
    with Store.open(window.session.path, readonly=True) as store:
        assert store.counts()["analysed"] == 2 and store.analyses()[-1].status == "finished"
    qtbot.waitUntil(lambda: window.maintenance is not None and window.sites.model.rowCount() >= 1, timeout=30000)


def test_export_writes_the_maintenance_list_and_training_set(window: MainWindow, reviewable_project: Path,
                                                             tmp_path: Path, qtbot) -> None:
    assert window.open_project(reviewable_project)
    session = window.session
    for pid in session.photo_ids():  # review everything: the first finding is rejected, the others accepted
        for i, rf in enumerate(session.findings(pid)):
            window.review.review_finding(rf.finding.id, "reject" if i == 0 else "accept")
    dialog = window.show_export()
    dialog.open_when_done = False
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.checks["training"].setChecked(True)
    dialog.checks["report"].setChecked(False)
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=60000)
    out = tmp_path / "out"
    names = {p.name for p in out.iterdir()}
    assert {"sites.csv", "sites.geojson", "sections.geojson", "findings.geojson", "inspection.gpkg"} <= names
    with open(out / "sites.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    expected = build_maintenance_list(session.project_data())
    assert expected.site_count > 0 and len(rows) == 1 + expected.site_count  # header + one row per site
    assert [row[1] for row in rows[1:]] == [r.site.id for r in expected.ranked]
    assert len(list((out / "training" / "images").glob("*.jpg"))) == 3
    assert "Written to" in dialog.status.text() and not dialog.errors
    dialog.close()


def test_language_switch_retranslates_the_window(window: MainWindow) -> None:
    assert window.actions.accept.text() == "&Accept finding"
    values = dict(window.values)
    values["general/language"] = "fr"
    window.apply_settings(values)
    assert window.actions.accept.text() == "&Accepter la dégradation"
    assert window.docks["sites"].windowTitle() == "Liste des interventions"
    assert window.actions.menus["file"].title() == "&Fichier"
    assert window.findings.accept_button.text() == "Accepter  (A)"
    assert window.photos.state_filter.itemText(0) == "Toutes les photos"
    assert window.sites.model.headerData(0, Qt.Orientation.Horizontal) == "Rang"
    # Qt's own catalogue: standard buttons in French too
    box = QMessageBox(QMessageBox.Icon.Question, "t", "t", QMessageBox.StandardButton.Cancel)
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "Annuler"
    values["general/language"] = "en"
    window.apply_settings(values)
    assert window.actions.accept.text() == "&Accept finding"
    assert window.findings.accept_button.text() == "Accept  (A)"


def test_settings_dialog_round_trip(window: MainWindow, reviewable_project: Path, qtbot) -> None:
    from roadinspect.gui.appdata import load_settings
    from roadinspect.gui.dialogs import SettingsDialog

    assert window.open_project(reviewable_project)
    dialog = SettingsDialog(window.values, window)
    qtbot.addWidget(dialog)
    values = dialog.values()
    values["review/reviewer"] = "Ana Martin"
    values["priority/type"] = 30.0
    values["camera/height_m"] = 2.2
    dialog.set_values(values)
    assert dialog.values()["review/reviewer"] == "Ana Martin"
    window.apply_settings(dialog.values())
    assert load_settings()["priority/type"] == 30.0 and window.values["review/reviewer"] == "Ana Martin"
    assert window.session.reviewer == "Ana Martin"
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=30000)  # the findings measured again with the new camera
    assert window.session.store.get_meta("camera/height_m") == 2.2  # the project's camera, read by the CLI too
    assert window._camera().height_m == 2.2


def test_unexpected_error_is_logged_and_shown(qtbot) -> None:
    from roadinspect.gui import app

    log_file = app.setup_logging()
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError as exc:
        app.report_exception(type(exc), exc, exc.__traceback__)
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes and "boom in a slot" in boxes[-1].text() and str(log_file) in boxes[-1].text()
    assert "RuntimeError: boom in a slot" in log_file.read_text(encoding="utf-8")
    for box in boxes:
        box.close()


def test_export_writes_the_report_in_the_apps_language(window: MainWindow, reviewable_project: Path,
                                                      tmp_path: Path, qtbot) -> None:
    from roadinspect.gui import i18n

    assert window.open_project(reviewable_project)
    for language, heading in (("fr", "Rapport d&#x27;inspection"), ("en", "Inspection report")):
        values = dict(window.values)
        values["general/language"] = language
        window.apply_settings(values)
        assert i18n.current_language() == language
        dialog = window.show_export()
        dialog.open_when_done = False
        out = tmp_path / language
        dialog.folder.setText(str(out))
        for key, box in dialog.checks.items():
            box.setChecked(key == "report")
        dialog.start()
        qtbot.waitUntil(lambda d=dialog: not d.is_running(), timeout=60000)
        assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.pdf"] and not dialog.errors
        html = (out / "report.html").read_text(encoding="utf-8")
        assert f'<html lang="{language}">' in html and heading in html
        with Store.open(window.session.path, readonly=True) as store:
            model = store.analyses()[-1].model_name
        assert model in html  # the survey summary names the model that analysed the photos
        dialog.close()
