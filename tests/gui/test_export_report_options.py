"""The Export dialog's report options (issue 19): the number of sites shown as cards, translated and remembered."""

from __future__ import annotations

from pathlib import Path

from roadinspect.gui import i18n
from roadinspect.gui.main_window import MainWindow


def _export_report(window: MainWindow, out: Path, top: int, qtbot) -> str:
    dialog = window.show_export()
    dialog.open_when_done = False
    dialog.folder.setText(str(out))
    for key, box in dialog.checks.items():
        box.setChecked(key == "report")
    assert dialog.report_top.isEnabled()
    dialog.report_top.setValue(top)
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=120000)
    assert not dialog.errors
    dialog.close()
    return (out / "report.html").read_text(encoding="utf-8")


def test_report_top_is_used_and_remembered_in_the_project(window: MainWindow, reviewable_project: Path,
                                                          tmp_path: Path, qtbot) -> None:
    assert window.open_project(reviewable_project)
    dialog = window.show_export()
    assert dialog.report_top.value() == 50 and dialog.report_top.specialValueText()
    dialog.checks["report"].setChecked(False)
    assert not dialog.report_top.isEnabled()  # only the report uses it
    dialog.close()
    html = _export_report(window, tmp_path / "two", 2, qtbot)
    sites = html.count('<tr id="S') + html.count("<article")
    assert html.count("<article") == 2 and sites > 2
    assert window.show_export().report_top.value() == 2
    window.close_project()  # kept in the project, like the export folder
    assert window.open_project(reviewable_project)
    assert window.show_export().report_top.value() == 2
    html = _export_report(window, tmp_path / "all", 0, qtbot)  # 0: every site as a card
    assert html.count("<article") == sites and '<tr id="S' not in html
    assert window.show_export().report_top.value() == 0


def test_an_export_without_the_report_does_not_change_the_remembered_top(window: MainWindow, reviewable_project: Path,
                                                                         tmp_path: Path, qtbot) -> None:
    assert window.open_project(reviewable_project)
    dialog = window.show_export()
    dialog.open_when_done = False
    dialog.folder.setText(str(tmp_path / "csv"))
    for key, box in dialog.checks.items():
        box.setChecked(key == "csv")
    dialog.report_top.setValue(7)
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=60000)
    assert dialog.written
    assert window.show_export().report_top.value() == 50


def test_report_top_field_speaks_french(window: MainWindow, reviewable_project: Path) -> None:
    assert window.open_project(reviewable_project)
    values = dict(window.values)
    values["general/language"] = "fr"
    window.apply_settings(values)
    assert i18n.current_language() == "fr"
    dialog = window.show_export()
    label = dialog.layout().itemAt(0).layout().labelForField(dialog.report_top).text()
    assert label == "Rapport : points avec photo"
    assert dialog.report_top.specialValueText() == "tous" and "fiche" in dialog.report_top.toolTip()


def test_the_report_from_the_app_draws_the_configured_base_map(window: MainWindow, reviewable_project: Path,
                                                               tmp_path: Path, qtbot) -> None:
    from tests.core.test_report_basemap import dot_tiles
    from tests.core.test_tiles import make_mbtiles

    assert window.open_project(reviewable_project)
    located = [p for p in window.session.project_data().photos.values() if p.position is not None]
    first = min(located, key=lambda p: p.taken_at).position
    tiles = make_mbtiles(tmp_path / "fond.mbtiles", dot_tiles(first.lat, first.lon, z=16, around=4),
                         attribution="© Conseil départemental (test)")
    values = dict(window.values)
    values["map/base_map_file"] = str(tiles)  # Settings › Map › Offline base map
    window.apply_settings(values)
    html = _export_report(window, tmp_path / "out", 3, qtbot)
    assert html.count("<image ") == 1 and "© Conseil départemental (test)" in html
    values["map/base_map_file"] = ""
    window.apply_settings(values)
    assert "<image " not in _export_report(window, tmp_path / "plain", 3, qtbot)
