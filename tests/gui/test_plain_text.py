"""Stored text (reviewer names, notes, photo names) is shown as plain text everywhere in the GUI
(issue 12 point 12): a hostile name must neither load a file (``<img src=...>``) nor make a link."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtGui import Qt, QTextDocument
from PySide6.QtWidgets import QLabel

from roadinspect.core.types import DamageClass, Finding, GeoPoint, Photo, Review, ReviewStatus, Severity
from roadinspect.gui import findings_panel
from roadinspect.gui.findings_panel import FindingsPanel
from roadinspect.gui.map_view import MapView
from roadinspect.gui.models import FindingRow, FindingTableModel, PhotoRow, PhotoTableModel

HOSTILE = '<img src="file:///etc/hostname"><a href="file:///etc/passwd">click</a> & <b>bold</b>'
HOSTILE_PHOTO = '<img src="x.png"><a href="file:passwd">IMG_0001.jpg'  # a name holds no slash


def shown(text: str) -> str:
    """What Qt shows for a tooltip or an AutoText label: rich text when it guesses so, else plain."""
    doc = QTextDocument()
    if Qt.mightBeRichText(text):
        doc.setHtml(text)
    else:
        doc.setPlainText(text)
    return doc.toPlainText()


def _row(reviewer: str, note: str) -> FindingRow:
    finding = Finding(DamageClass.POTHOLE, "POLYGON ((10 10, 40 10, 40 40, 10 40, 10 10))", 0.9, "pothole",
                      Severity.HIGH, {"area_px": 900.0}, ground=GeoPoint(47.2, -1.55), id=7, photo_id=1)
    review = Review(7, ReviewStatus.ACCEPTED, reviewer=reviewer, at=datetime(2026, 11, 28, 10, tzinfo=UTC),
                    note=note)
    return FindingRow(1, finding, review)


def test_findings_panel_shows_a_hostile_reviewer_as_text(qtbot) -> None:
    panel = FindingsPanel()
    qtbot.addWidget(panel)
    panel.set_rows([_row(HOSTILE, HOSTILE)], select=7)
    info = panel.info.text()
    assert "<img" not in info and "file:///etc/passwd\">" not in info
    assert HOSTILE in shown(info)  # the name is readable, verbatim
    assert panel.note.text() == HOSTILE
    for label in panel.findChildren(QLabel):
        if label is not panel.info:  # the details table is ours (escaped above); every other label is plain
            assert label.textFormat() == Qt.TextFormat.PlainText or not Qt.mightBeRichText(label.text()), label
    assert panel.title.textFormat() == Qt.TextFormat.PlainText


def test_only_web_links_of_the_details_open() -> None:
    assert findings_panel._open_web_link("file:///etc/passwd") is False
    assert findings_panel._open_web_link("javascript:alert(1)") is False


def test_tooltips_show_stored_text_verbatim(qtbot) -> None:
    findings = FindingTableModel()
    findings.set_rows([_row(HOSTILE, "note " + HOSTILE)])
    tip = findings.data(findings.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert HOSTILE in shown(tip) and ("note " + HOSTILE) in shown(tip)
    photos = PhotoTableModel()
    path = Path("/survey") / HOSTILE_PHOTO
    photos.set_rows([PhotoRow(1, path, None, "error", error="cannot read " + HOSTILE)])
    for column in (0, 1):
        tip = photos.data(photos.index(0, column), Qt.ItemDataRole.ToolTipRole)
        assert HOSTILE in shown(tip)
    assert HOSTILE_PHOTO in shown(photos.data(photos.index(0, 0), Qt.ItemDataRole.ToolTipRole))


def test_map_tooltip_of_a_hostile_photo_name(qtbot) -> None:
    view = MapView()
    qtbot.addWidget(view)
    photo = Photo(Path("/survey") / HOSTILE_PHOTO, "", 1000, 640, 480, position=GeoPoint(47.2, -1.55))
    view.set_data([(1, photo)])
    marker = next(item for item in view.scene().items() if item.data(0) == 1)
    assert shown(marker.toolTip()) == HOSTILE_PHOTO


def test_the_error_dialog_shows_a_hostile_file_name_as_text(qtbot, monkeypatch, tmp_path: Path) -> None:
    from PySide6.QtCore import QStandardPaths

    from roadinspect.gui import app as gui_app

    QStandardPaths.setTestModeEnabled(True)  # the log goes to a test folder
    try:
        error = OSError(f"cannot read {HOSTILE_PHOTO}")
        gui_app.report_exception(OSError, error, None)
        box = gui_app._open_dialogs[-1]
        assert box.textFormat() == Qt.TextFormat.PlainText and HOSTILE_PHOTO in box.text()
        box.close()
    finally:
        QStandardPaths.setTestModeEnabled(False)
        gui_app._open_dialogs.clear()
