"""Settings, Export and About dialogs (the user's settings are stored by ``roadinspect.gui.appdata``).

The Settings dialog is built from ``roadinspect.core.settings.SETTINGS`` (one widget per declaration,
one tab per group), so a new setting needs no GUI code. The Export dialog runs the core export in the
background worker with a progress bar and can be cancelled.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from roadinspect import __version__
from roadinspect.core import settings as core_settings
from roadinspect.core.exports import export_formats
from roadinspect.core.exports.project import EmptyExport
from roadinspect.core.settings import SETTINGS, Setting
from roadinspect.gui.appdata import data_dir
from roadinspect.gui.worker import ProgressInfo, Task

# Texts of the core's setting declarations, marked for the translation catalogues (see tests/gui).
SETTING_TEXTS = (
    QT_TRANSLATE_NOOP("Settings", "Reviewer name"),
    QT_TRANSLATE_NOOP("Settings", "Name recorded with every review decision and in the audit log."),
    QT_TRANSLATE_NOOP("Settings", "Language"),
    QT_TRANSLATE_NOOP("Settings", "Language of the interface: the system's language, French or English."),
    QT_TRANSLATE_NOOP("Settings", "Online map tiles"),
    QT_TRANSLATE_NOOP("Settings", "Download the map's background from the tile server below; that server then sees "
                                  "which area you look at. Off: the map works offline."),
    QT_TRANSLATE_NOOP("Settings", "Tile server address"),
    QT_TRANSLATE_NOOP("Settings", "Address of the tiles with {z}, {x} and {y}: OpenStreetMap, your département's "
                                  "server or Plan IGN."),
    QT_TRANSLATE_NOOP("Settings", "Tile credit"),
    QT_TRANSLATE_NOOP("Settings", "Credit line shown on the map for the online tiles (most servers require one)."),
    QT_TRANSLATE_NOOP("Settings", "Tile cache size"),
    QT_TRANSLATE_NOOP("Settings",
                      "Disk space the downloaded tiles may take; the oldest are removed first (0: keep none)."),
    QT_TRANSLATE_NOOP("Settings", "Tile cache expiry"),
    QT_TRANSLATE_NOOP("Settings", "Downloaded tiles older than this are fetched again."),
    QT_TRANSLATE_NOOP("Settings", "Offline base map"),
    QT_TRANSLATE_NOOP("Settings",
                      "An MBTiles or GeoPackage tile file drawn behind the map with no network (empty: none)."),
    QT_TRANSLATE_NOOP("Settings", "Camera height"),
    QT_TRANSLATE_NOOP("Settings", "Height of the camera above the road (flat-road model used for metric measures)."),
    QT_TRANSLATE_NOOP("Settings", "Camera pitch"),
    QT_TRANSLATE_NOOP("Settings",
                      "Angle of the camera below the horizon (0 = looking at the horizon, 90 = straight down)."),
    QT_TRANSLATE_NOOP("Settings", "Horizontal field of view"),
    QT_TRANSLATE_NOOP("Settings", "Used when the photos' EXIF gives no 35-mm-equivalent focal length."),
    QT_TRANSLATE_NOOP("Settings", "Section length"),
    QT_TRANSLATE_NOOP("Settings", "Length of the road sections that get a condition score."),
    QT_TRANSLATE_NOOP("Settings", "Severity weight"),
    QT_TRANSLATE_NOOP("Settings", "Points of the priority score given by the severity (high = full weight)."),
    QT_TRANSLATE_NOOP("Settings", "Type weight"),
    QT_TRANSLATE_NOOP("Settings",
                      "Points given by the damage type (pothole = full weight, then alligator, transverse, "
                      "longitudinal)."),
    QT_TRANSLATE_NOOP("Settings", "Extent weight"),
    QT_TRANSLATE_NOOP("Settings", "Points given by the size of the damage (crack length, alligator or pothole area)."),
    QT_TRANSLATE_NOOP("Settings", "Confidence weight"),
    QT_TRANSLATE_NOOP("Settings",
                      "Points given by the model's confidence (full weight once an inspector confirmed the site)."),
    QT_TRANSLATE_NOOP("Settings", "Road class factor"),
    QT_TRANSLATE_NOOP("Settings", "Multiplies every score: e.g. 1.2 for a main road, 0.8 for a lane."),
    QT_TRANSLATE_NOOP("Settings", "general"),
    QT_TRANSLATE_NOOP("Settings", "map"),
    QT_TRANSLATE_NOOP("Settings", "MB"),
    QT_TRANSLATE_NOOP("Settings", "days"),
    QT_TRANSLATE_NOOP("Settings", "review"),
    QT_TRANSLATE_NOOP("Settings", "camera"),
    QT_TRANSLATE_NOOP("Settings", "sections"),
    QT_TRANSLATE_NOOP("Settings", "priority"),
    QT_TRANSLATE_NOOP("Settings", "system"),
    QT_TRANSLATE_NOOP("Settings", "fr"),
    QT_TRANSLATE_NOOP("Settings", "en"),
)


def _t(text: str) -> str:
    return QCoreApplication.translate("Settings", text)


def _tile_file_editor() -> QLineEdit:
    """The base map's path, with a button that chooses an MBTiles or GeoPackage file (and one that clears it)."""
    edit = QLineEdit()
    edit.setClearButtonEnabled(True)
    edit.setPlaceholderText(QCoreApplication.translate("Settings", "none: a plain background"))

    def choose() -> None:
        start = str(Path(edit.text()).parent) if edit.text() else ""
        chosen, _ = QFileDialog.getOpenFileName(
            edit, QCoreApplication.translate("Settings", "Offline base map"), start,
            QCoreApplication.translate("Settings", "Tile files (*.mbtiles *.gpkg);;All files (*)"))
        if chosen:
            edit.setText(chosen)

    browse = edit.addAction(edit.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon),
                            QLineEdit.ActionPosition.TrailingPosition)
    browse.setToolTip(QCoreApplication.translate("Settings", "Choose an MBTiles or GeoPackage tile file"))
    browse.triggered.connect(choose)
    return edit


class SettingsDialog(QDialog):
    """Edit every declared setting; one tab per group, tooltips from the declarations."""

    def __init__(self, values: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(480)
        self._editors: dict[str, tuple[Setting, QWidget]] = {}
        tabs = QTabWidget()
        forms: dict[str, QFormLayout] = {}
        for s in SETTINGS:
            if s.group not in forms:
                page = QWidget()
                forms[s.group] = QFormLayout(page)
                tabs.addTab(page, _t(s.group).capitalize())
            editor = self._editor(s)
            editor.setToolTip(_t(s.description))
            label = QLabel(_t(s.label))
            label.setToolTip(_t(s.description))
            forms[s.group].addRow(label, editor)
            self._editors[s.key] = (s, editor)
        self.set_values(values)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            lambda: self.set_values(core_settings.defaults()))
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)

    @staticmethod
    def _editor(s: Setting) -> QWidget:
        if s.type is bool:
            return QCheckBox()
        if s.choices is not None:
            combo = QComboBox()
            names = {"system": QCoreApplication.translate("Settings", "System language"),
                     "fr": "Français", "en": "English"}
            for choice in s.choices:
                combo.addItem(names.get(choice, _t(choice)), choice)
            return combo
        if s.type is int:
            spin = QSpinBox()
            spin.setRange(int(s.minimum if s.minimum is not None else -1e9),
                          int(s.maximum if s.maximum is not None else 1e9))
            if s.unit:
                spin.setSuffix(f" {_t(s.unit)}")
            return spin
        if s.type is float:
            dspin = QDoubleSpinBox()
            dspin.setDecimals(2)
            dspin.setRange(s.minimum if s.minimum is not None else -1e9, s.maximum if s.maximum is not None else 1e9)
            dspin.setSingleStep(0.1 if (s.maximum or 0) <= 10 else 1.0)
            if s.unit:
                dspin.setSuffix(f" {s.unit}")
            return dspin
        if s.key == "map/base_map_file":
            return _tile_file_editor()
        return QLineEdit()

    def set_values(self, values: dict[str, Any]) -> None:
        """Show ``values`` (defaults for missing keys) in the editors."""
        resolved = core_settings.resolve(values)
        for key, (_setting, editor) in self._editors.items():
            value = resolved[key]
            if isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QComboBox):
                editor.setCurrentIndex(max(0, editor.findData(value)))
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                editor.setValue(value)
            elif isinstance(editor, QLineEdit):
                editor.setText(str(value))

    def values(self) -> dict[str, Any]:
        """The edited values, coerced to their declared types."""
        out: dict[str, Any] = {}
        for key, (s, editor) in self._editors.items():
            if isinstance(editor, QCheckBox):
                raw: Any = editor.isChecked()
            elif isinstance(editor, QComboBox):
                raw = editor.currentData()
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                raw = editor.value()
            else:
                raw = editor.text()  # type: ignore[attr-defined]  # the line edits of text settings
            out[key] = s.coerce(raw)
        return out


ExportFunction = Callable[..., Any]

EXPORT_TEXTS = (
    QT_TRANSLATE_NOOP("ExportDialog", "Maintenance list, CSV (Excel)"),
    QT_TRANSLATE_NOOP("ExportDialog", "GeoJSON (QGIS)"),
    QT_TRANSLATE_NOOP("ExportDialog", "GeoPackage (QGIS)"),
    QT_TRANSLATE_NOOP("ExportDialog", "Supervisor's report (HTML)"),
    QT_TRANSLATE_NOOP("ExportDialog", "Training set of the corrections (images/ + masks/)"),
    QT_TRANSLATE_NOOP("Project", "Training set: no photo is completely reviewed with a correction yet."),
)
"""The labels of the export formats (``roadinspect.core.exports``, context ``ExportDialog``) and the message of a
format with nothing to write (``EmptyExport``, context ``Project``), marked for the translation catalogues."""


def export_error_text(error: object) -> str:
    """An export error as the dialog shows it (the message of a format with nothing to write, translated)."""
    if isinstance(error, EmptyExport):
        return QCoreApplication.translate("Project", str(error))
    return str(error)


class ExportDialog(QDialog):
    """Choose a folder and formats, run the export in the background, open the folder when done.

    ``export`` is called in the worker as ``export(out_dir, formats=[...], csv_profile=..., report_top=...,
    progress=..., is_cancelled=...)`` and returns an object with ``written`` (paths) and ``errors`` (messages).
    """

    folderUsed = Signal(str)  # the folder of an export that wrote files (remembered)
    reportTopUsed = Signal(int)  # the report's number of cards of an export that wrote the report (remembered)

    def __init__(self, export: ExportFunction, default_dir: Path, parent: QWidget | None = None,
                 report_top: int = 50) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export"))
        self.setMinimumWidth(520)
        self._export = export
        self._task: Task | None = None
        self.written: list[Path] = []
        self.folder = QLineEdit(str(default_dir))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.checks: dict[str, QCheckBox] = {}
        form = QFormLayout()
        form.addRow(self.tr("Folder"), row)
        for fmt in export_formats():  # the registry: a format registered in core shows here
            box = QCheckBox(QCoreApplication.translate("ExportDialog", fmt.label))
            box.setChecked(fmt.default)
            self.checks[fmt.name] = box
            form.addRow("", box)
        self.profile = QComboBox()
        self.profile.addItem(self.tr("Excel, French (; and decimal comma)"), "excel-fr")
        self.profile.addItem(self.tr("Plain (, and decimal point)"), "plain")
        form.addRow(self.tr("CSV format"), self.profile)
        # The report's first N sites are cards with their photo, the others a compact table (0 = all as cards).
        self.report_top = QSpinBox()
        self.report_top.setRange(0, 100000)
        self.report_top.setSpecialValueText(self.tr("all"))
        self.report_top.setValue(max(0, int(report_top)))
        self.report_top.setToolTip(self.tr("Sites shown in the report as cards with their photo, in priority order; "
                                           "the others are listed in a compact table (0: all as cards)."))
        self.report_top.setEnabled(self.checks["report"].isChecked())
        self.checks["report"].toggled.connect(self.report_top.setEnabled)
        form.addRow(self.tr("Report: sites with photo"), self.report_top)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.run_button = self.buttons.addButton(self.tr("Export"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self._close_or_cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export folder"), self.folder.text())
        if folder:
            self.folder.setText(folder)

    def formats(self) -> list[str]:
        """The ticked formats."""
        return [key for key, box in self.checks.items() if box.isChecked()]

    def start(self) -> None:
        """Run the export in the background."""
        if self._task is not None and self._task.is_running():
            return
        formats = self.formats()
        if not formats:
            self.status.setText(self.tr("Tick at least one format."))
            return
        out = Path(self.folder.text()).expanduser()
        self.written = []
        self.run_button.setEnabled(False)
        self.bar.setVisible(True)
        self.bar.setRange(0, 0)
        self.status.setText(self.tr("Exporting…"))
        self._task = Task("export", self)
        self._task.progress.connect(self._on_progress)
        self._task.result.connect(self._on_result)
        self._task.error.connect(self._on_error)
        self._task.finished.connect(self._on_finished)
        self._report_top_sent = self.report_top.value() if "report" in formats else None
        self._task.start(self._export, out, formats=formats, csv_profile=self.profile.currentData(),
                         report_top=self.report_top.value())

    def _on_progress(self, info: ProgressInfo) -> None:
        if info.total:
            self.bar.setRange(0, info.total)
            self.bar.setValue(info.done)

    def _on_result(self, outcome: object) -> None:
        self.written = [Path(p) for p in getattr(outcome, "written", [])]
        self.errors = [export_error_text(e) for e in getattr(outcome, "errors", [])]
        folder = Path(self.folder.text()).expanduser()
        if self.written:
            self.folderUsed.emit(str(folder))
            if self._report_top_sent is not None and any(p.name == "report.html" for p in self.written):
                self.reportTopUsed.emit(self._report_top_sent)
        names = ", ".join(sorted({p.name for p in self.written if p.parent == folder}))
        text = self.tr("Written to {folder}: {files}").format(folder=folder, files=names or "—")
        if self.errors:
            text += "\n\n" + self.tr("Not written:") + "\n" + "\n".join(self.errors)
        self.status.setText(text)
        if self.written and self.isVisible() and self.open_when_done:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    open_when_done = True
    errors: list[str] = []
    _report_top_sent: int | None = None

    def _on_error(self, message: str, details: str) -> None:
        self.status.setText(self.tr("Export failed: {error}").format(error=message))

    def _on_finished(self) -> None:
        self.bar.setVisible(False)
        self.run_button.setEnabled(True)

    def _close_or_cancel(self) -> None:
        if self._task is not None and self._task.is_running():
            self._task.cancel()
            self.status.setText(self.tr("Cancelling…"))
            return
        self.reject()

    def is_running(self) -> bool:
        """True while the export runs."""
        return self._task is not None and self._task.is_running()


def about_html(model_text: str = "") -> str:
    """The About box's text in the current language: version, model, licences (``roadinspect.about``), where
    the data and logs are."""
    from roadinspect import about

    if not model_text and not about.model_info():
        model_text = QCoreApplication.translate("About", "{name}: not installed").format(name=about.DEFAULT_MODEL)
    texts = {
        "third_party": QCoreApplication.translate("About", "Third-party software"),
        "lgpl": QCoreApplication.translate(
            "About", "Qt and PySide6 are used under the GNU LGPL v3: they are unmodified, separate libraries in the "
            "install folder that you may replace; their source code is available from the Qt Project."),
        "training": QCoreApplication.translate("About", "Model training data"),
        "non_commercial": QCoreApplication.translate("About", "non-commercial research use only"),
        "crackforest": QCoreApplication.translate("About", "CrackForest is licensed for non-commercial research only"),
        "see_notices": QCoreApplication.translate("About", "see the notices before any commercial use of the model."),
        "all": QCoreApplication.translate("About", "All licence texts: {link}"),
    }
    text = QCoreApplication.translate(
        "About",
        "<h3>RoadInspect {version}</h3>"
        "<p>Finds cracks and potholes in geotagged road photos, lets the inspector review them on the "
        "photo and on the map, and exports a prioritised maintenance list.</p>"
        "<p>Model: {model}</p><p>Data and logs: {data}</p>"
        "<p>Map data © OpenStreetMap contributors (when the map background is on).</p>",
    ).format(version=__version__, model=html.escape(model_text or about.model_text()),
             data=html.escape(str(data_dir())))
    return text + about.licences_html(texts)


def show_about(parent: QWidget | None, model_text: str = "") -> None:
    """The About box (:func:`about_html`)."""
    QMessageBox.about(parent, QCoreApplication.translate("About", "About RoadInspect"), about_html(model_text))
