"""The findings of the photo on screen: a table, the selected finding's details and the review controls.

The panel never writes anything itself: it emits ``reviewRequested(finding_id, action, value)``
(``accept``, ``reject``, ``damage``, ``kind``, ``severity``, ``note``) and the main window turns that into an
undoable command. The crack-type combo (``kind``) is enabled for cracks only. ``findingSelected`` follows the
table's selection.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QItemSelectionModel, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from roadinspect.core.findings import CRACK_KINDS
from roadinspect.core.geo import osm_url
from roadinspect.core.types import DamageClass, ReviewStatus, Severity
from roadinspect.gui import labels
from roadinspect.gui.models import FindingRow, FindingTableModel

_MEASURES = (
    ("length_m", QT_TRANSLATE_NOOP("FindingsPanel", "Length"), 2, "m", 1.0),
    ("mean_width_m", QT_TRANSLATE_NOOP("FindingsPanel", "Mean width"), 0, "mm", 1000.0),
    ("max_width_m", QT_TRANSLATE_NOOP("FindingsPanel", "Max width"), 0, "mm", 1000.0),
    ("area_m2", QT_TRANSLATE_NOOP("FindingsPanel", "Area"), 2, "m²", 1.0),
    ("diameter_m", QT_TRANSLATE_NOOP("FindingsPanel", "Diameter"), 2, "m", 1.0),
    ("length_px", QT_TRANSLATE_NOOP("FindingsPanel", "Length (pixels)"), 0, "px", 1.0),
    ("area_px", QT_TRANSLATE_NOOP("FindingsPanel", "Area (pixels)"), 0, "px²", 1.0),
    ("ground_distance_m", QT_TRANSLATE_NOOP("FindingsPanel", "Distance from camera"), 1, "m", 1.0),
    ("uncertainty_rel", QT_TRANSLATE_NOOP("FindingsPanel", "Uncertainty"), 0, "%", 100.0),
)


def _open_web_link(url: str) -> bool:
    """Open a link of the details (the finding's position on OpenStreetMap) in the browser, on the user's
    click; anything but an http(s) address (``file://``, a script) is refused. True when opened."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    target = QUrl(url)
    if target.scheme() not in ("http", "https"):
        return False
    return bool(QDesktopServices.openUrl(target))


class FindingsPanel(QWidget):
    """Findings table + details + review buttons for the current photo."""

    findingSelected = Signal(object)  # int or None
    reviewRequested = Signal(int, str, object)
    reviewKeysWanted = Signal()  # Enter/Escape in the note, a click on the table: keys back to review

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FindingTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for column in (3, 4):  # size and confidence: shown in the details below
            self.table.setColumnHidden(column, True)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.table.pressed.connect(lambda _index: self.reviewKeysWanted.emit())

        self.details = QGroupBox()
        self.form = QFormLayout(self.details)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)  # our table; every stored text in it is escaped
        self.info.linkActivated.connect(_open_web_link)
        self.accept_button = QPushButton()
        self.reject_button = QPushButton()
        self.accept_button.setObjectName("acceptButton")
        self.reject_button.setObjectName("rejectButton")
        self.accept_button.clicked.connect(lambda: self._request("accept"))
        self.reject_button.clicked.connect(lambda: self._request("reject"))
        for button in (self.accept_button, self.reject_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumHeight(30)
        self.damage_combo = QComboBox()
        self.damage_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.damage_combo.activated.connect(
            lambda i: self._request("damage", self.damage_combo.itemData(i)))
        self.kind_combo = QComboBox()
        self.kind_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.kind_combo.activated.connect(
            lambda i: self._request("kind", self.kind_combo.itemData(i)))
        self.severity_combo = QComboBox()
        self.severity_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.severity_combo.activated.connect(
            lambda i: self._request("severity", self.severity_combo.itemData(i)))
        self.note = QLineEdit()
        self.note.editingFinished.connect(self._note_done)
        self.note.returnPressed.connect(self.reviewKeysWanted.emit)
        self.note.installEventFilter(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        self.form.addRow(self.title)
        self.form.addRow(buttons)
        self._type_label, self._severity_label, self._note_label = QLabel(), QLabel(), QLabel()
        self._kind_label = QLabel()
        self.form.addRow(self._type_label, self.damage_combo)
        self.form.addRow(self._kind_label, self.kind_combo)
        self.form.addRow(self._severity_label, self.severity_combo)
        self.form.addRow(self._note_label, self.note)
        self.form.addRow(self.info)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.table.setMinimumHeight(4 * self.table.verticalHeader().defaultSectionSize() + 6)
        layout.addWidget(self.table, 1)
        # the details scroll on a short screen instead of making the window taller than it
        self.details_area = QScrollArea()
        self.details_area.setWidget(self.details)
        self.details_area.setWidgetResizable(True)
        self.details_area.setFrameShape(QFrame.Shape.NoFrame)
        self.details_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.details_area.setMinimumHeight(120)
        layout.addWidget(self.details_area, 1)
        self.empty = QLabel()
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #868e96; padding: 12px;")
        layout.addWidget(self.empty)
        self._rows: list[FindingRow] = []
        self._shown: FindingRow | None = None  # the finding whose details (and note) are shown
        self._selecting = False
        self.readonly = False
        self.retranslate()
        self._show_details(None)

    # ------------------------------------------------------------------ content
    def set_rows(self, rows: list[FindingRow], select: int | None = None, empty_text: str = "") -> None:
        """Show a photo's findings and select ``select`` (a finding id), or nothing."""
        self._rows = list(rows)
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        # as tall as its rows (at least 4, at most 12): the rest of the height goes to the details
        rows_shown = min(12, max(4, len(rows)))
        self.table.setMaximumHeight(self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
                                    + rows_shown * self.table.verticalHeader().defaultSectionSize() + 2)
        self.empty.setText(empty_text)
        self.empty.setVisible(not rows)
        self.select(select)

    def select(self, finding_id: int | None) -> None:
        """Select a finding by id (None: clear); updates the details."""
        row = next((i for i, r in enumerate(self._rows) if r.finding.id == finding_id), None)
        selection = self.table.selectionModel()
        # not blockSignals(): the view repaints the highlighted row from the selection model's signals
        self._selecting = True
        try:
            if row is None:
                selection.clear()
            else:
                index = self.model.index(row, 0)
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                          | QItemSelectionModel.SelectionFlag.Rows)
                self.table.scrollTo(index)
        finally:
            self._selecting = False
        self._show_details(self._rows[row] if row is not None else None)

    def current_id(self) -> int | None:
        """Id of the selected finding."""
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self._rows[index.row()].finding.id

    def _on_current(self, current, previous) -> None:
        if self._selecting:
            return
        row = self._rows[current.row()] if current.isValid() and current.row() < len(self._rows) else None
        self._show_details(row)
        self.findingSelected.emit(row.finding.id if row is not None else None)

    def _show_details(self, row: FindingRow | None) -> None:
        self._keep_note()
        self._shown = row
        self.details.setVisible(row is not None)
        self.details_area.setVisible(row is not None)
        if row is None:
            return
        f = row.finding
        self.title.setText(f"{row.number} · {labels.kind_name(row.kind)} — {labels.status_name(row.status)}")
        self.damage_combo.setCurrentIndex(max(0, self.damage_combo.findData(row.damage)))
        crack = row.damage == DamageClass.CRACK
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(row.kind) if crack else -1)
        self.severity_combo.setCurrentIndex(max(0, self.severity_combo.findData(row.severity)))
        self.note.setText(row.review.note if row.review is not None else "")
        lines = []
        metric = f.measures.get("metric", 0.0) >= 1.0
        for key, name, decimals, unit, factor in _MEASURES:
            if key in f.measures and not (key.endswith("_px") and metric):
                value = labels.number(f.measures[key] * factor, decimals)
                shown = f"± {value} {unit}" if key == "uncertainty_rel" else f"{value} {unit}"
                lines.append(f"<tr><td>{self.tr(str(name))}</td><td align='right'>{shown}</td></tr>")
        confidence, drawn = self.tr("Model confidence"), self.tr("Drawn by an inspector")
        position, reviewed = self.tr("Position"), self.tr("Reviewed by")
        if f.source == "model":
            lines.append(f"<tr><td>{confidence}</td><td align='right'>{labels.percent(f.confidence)}</td></tr>")
        else:
            lines.append(f"<tr><td colspan=2>{drawn}</td></tr>")
        if f.ground is not None:
            lines.append(f"<tr><td>{position}</td><td align='right'><a href='{osm_url(f.ground)}'>"
                         f"{f.ground.lat:.6f}, {f.ground.lon:.6f}</a></td></tr>")
        decided = row.status != ReviewStatus.PENDING  # back to "to review" (an undo): nobody reviewed it
        if decided and row.review is not None and row.review.reviewer and row.review.at is not None:
            when = row.review.at.astimezone().strftime("%Y-%m-%d %H:%M")
            who = html.escape(row.review.reviewer)  # stored text: never markup (an <img> would load a file)
            lines.append(f"<tr><td>{reviewed}</td><td align='right'>{who}, {when}</td></tr>")
        self.info.setText("<table width='100%' cellspacing='2'>" + "".join(lines) + "</table>")
        enabled = not self.readonly
        for widget in (self.accept_button, self.reject_button, self.damage_combo, self.severity_combo, self.note):
            widget.setEnabled(enabled)
        self.kind_combo.setEnabled(enabled and crack)

    # ------------------------------------------------------------------ requests
    def _request(self, action: str, value: object = None) -> None:
        fid = self.current_id()
        if fid is not None and not self.readonly:
            self.reviewRequested.emit(fid, action, value)

    def _note_done(self) -> None:
        fid = self.current_id()
        row = next((r for r in self._rows if r.finding.id == fid), None)
        if row is None:
            return
        old = row.review.note if row.review is not None else ""
        self.note.setModified(False)
        if self.note.text() != old:
            self._request("note", self.note.text())

    def _keep_note(self) -> None:
        """A note typed for the finding shown is saved before another finding's details replace it."""
        row = self._shown
        if row is None or self.readonly or not self.note.isModified():
            return
        old = row.review.note if row.review is not None else ""
        self.note.setModified(False)
        if self.note.text() != old and any(r.finding.id == row.finding.id for r in self._rows):
            fid, text = row.finding.id, self.note.text()
            # after the selection change has finished (the save refreshes this panel)
            QTimer.singleShot(0, self, lambda: self.reviewRequested.emit(fid, "note", text))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Escape in the note puts the saved note back and returns the keys to reviewing."""
        if (watched is self.note and event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Escape):
            event.accept()  # Escape is the note's (not the Move tool's shortcut): the key press follows
            return True
        if (watched is self.note and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Escape):
            row = self._shown
            self.note.setText(row.review.note if row is not None and row.review is not None else "")
            self.note.setModified(False)
            self.reviewKeysWanted.emit()
            return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.accept_button.setText(self.tr("Accept  (A)"))
        self.reject_button.setText(self.tr("Reject  (R)"))
        self._type_label.setText(self.tr("Type"))
        self._kind_label.setText(self.tr("Crack type"))
        self._severity_label.setText(self.tr("Severity"))
        self._note_label.setText(self.tr("Note"))
        self.note.setPlaceholderText(self.tr("Remark for the maintenance team"))
        self.details.setTitle(self.tr("Selected finding"))
        self.damage_combo.clear()
        for damage, key in ((DamageClass.CRACK, "1"), (DamageClass.POTHOLE, "2")):
            self.damage_combo.addItem(f"{labels.class_name(damage)}  ({key})", damage)
        self.kind_combo.clear()
        for kind in CRACK_KINDS:
            self.kind_combo.addItem(labels.kind_name(kind), kind)
        self.severity_combo.clear()
        for severity in Severity:
            self.severity_combo.addItem(labels.severity_name(severity), severity)
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        current = self.current_id()
        self._show_details(next((r for r in self._rows if r.finding.id == current), None))

    def changeEvent(self, event: QEvent) -> None:
        """Re-translate when the language changes."""
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
