"""Help › Keyboard shortcuts: every action of the window with its keys, searchable, in the interface language.

The sheet is built from the window's actions themselves (their translated texts and their shortcuts), so it
cannot drift from what the keys do.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str]]:
    """``(what it does, keys)`` for every action with a shortcut, in menu order."""
    rows = []
    for action in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        keys = [k for k in keys if k]
        if keys:
            rows.append((action.text().replace("&", ""), ", ".join(dict.fromkeys(keys))))
    return rows


class ShortcutsDialog(QDialog):
    """A table of the shortcuts with a search field (filters on the action's name and on the keys)."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.resize(560, 620)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search an action or a key…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        rows = shortcut_rows(actions)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels([self.tr("Action"), self.tr("Keys")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for r, (text, keys) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(text))
            self.table.setItem(r, 1, QTableWidgetItem(keys))
        note = QLabel(self.tr("While you type a note, the keys type text: Enter or Escape gives them back to the "
                              "review. 1 and 2 choose the class of a missed finding while you draw it."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for r in range(self.table.rowCount()):
            shown = not needle or any(needle in self._text(r, c).casefold() for c in (0, 1))
            self.table.setRowHidden(r, not shown)

    def visible_rows(self) -> list[tuple[str, str]]:
        """The rows shown now (tests)."""
        return [(self._text(r, 0), self._text(r, 1)) for r in range(self.table.rowCount())
                if not self.table.isRowHidden(r)]

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""


class GettingStartedDialog(QDialog):
    """A short first page: from a folder of photos to the maintenance list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Getting started"))
        text = QLabel(self.tr(
            "<h3>From road photos to a maintenance list</h3><ol>"
            "<li><b>File › New inspection</b>: choose the folder of the drive's photos (GPS in their EXIF, or "
            "<b>File › Place photos on a GPX track</b>). The photos are analysed in the background.</li>"
            "<li><b>Review</b> every finding: J / K move to the next or previous one, U to the next one still to "
            "review; A accepts, R rejects, 1 and 2 change the type (crack, pothole). Undo: Ctrl+Z.</li>"
            "<li>Correct a mask with the brush (B) or the eraser (E) and Enter; draw a missed finding with P "
            "(its corners) or paint it with B (no finding selected, or outside the dashed frame), 1 or 2 for its "
            "type, then Enter.</li>"
            "<li>The <b>Maintenance list</b> ranks the sites by priority; the map shows them with the road "
            "sections.</li>"
            "<li><b>File › Export</b>: CSV for Excel, GeoJSON and GeoPackage for QGIS, the supervisor's report.</li>"
            "</ol><p>Every decision is saved at once in the project file.</p>"))
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.resize(560, 420)
