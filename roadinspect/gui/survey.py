"""File › Split for inspectors… and File › Merge reviews…: the window's dialogs over ``core.split_merge``.

The work is :func:`roadinspect.core.split_merge.split_project` / :func:`merge_parts`, run by the window's
worker (progress and cancel in the status bar); this module asks for the number of parts and the folder,
or for the part files, and turns the result into a message. Conflicts found by a merge are listed in a
box; the photo list's "With a merge conflict" filter shows the photos that hold one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from roadinspect.core.store import PROJECT_SUFFIX

if TYPE_CHECKING:
    from roadinspect.core.progress import CancelCheck, Progress
    from roadinspect.core.split_merge import MergeResult, SplitResult
    from roadinspect.core.store import Store
    from roadinspect.gui.main_window import MainWindow
    from roadinspect.gui.project import Snapshot

MAX_PARTS = 50
MAX_LISTED = 12
"""Conflicts listed one by one in the merge's message box (the rest are counted)."""


class SplitDialog(QDialog):
    """Number of parts, output folder, photos copied or not."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(QCoreApplication.translate("Survey", "Split for inspectors"))
        self.parts = QSpinBox()
        self.parts.setRange(2, MAX_PARTS)
        self.parts.setValue(2)
        self.folder = QLineEdit(str(folder))
        browse = QPushButton(QCoreApplication.translate("Survey", "Browse…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.with_photos = QCheckBox(QCoreApplication.translate(
            "Survey", "Copy each part's photos next to it (for a laptop in the field)"))
        form = QFormLayout()
        form.addRow(QCoreApplication.translate("Survey", "Parts (one per inspector):"), self.parts)
        form.addRow(QCoreApplication.translate("Survey", "Folder for the parts:"), row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.with_photos)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, QCoreApplication.translate("Survey", "Folder for the parts"), self.folder.text())
        if chosen:
            self.folder.setText(chosen)


def split_for_inspectors(window: MainWindow, parts: int | None = None, folder: Path | None = None,
                         with_photos: bool = False) -> None:
    """Write part files of the open project (asks for the number and the folder when not given)."""
    from roadinspect.core.split_merge import split_project

    session = window.session
    if session is None or session.readonly or window.is_busy():
        return
    if parts is None or folder is None:
        dialog = SplitDialog(session.path.parent / f"{session.path.stem} parts", window)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.folder.text().strip():
            return
        parts, folder, with_photos = dialog.parts.value(), Path(dialog.folder.text().strip()), \
            dialog.with_photos.isChecked()

    def done(result: SplitResult) -> None:
        window.show_message(QCoreApplication.translate(
            "Survey", "{n} parts written to {folder}: give one to each inspector, then File › Merge reviews… "
                      "brings their decisions back.").format(n=len(result.parts), folder=folder))
        if result.missing:
            files = "\n".join(str(p) for p in result.missing[:20])
            window.show_error(QCoreApplication.translate("Survey", "Photos not copied"), QCoreApplication.translate(
                "Survey", "{n} photo files were not found and not copied:\n{files}").format(n=len(result.missing),
                                                                                         files=files))

    window._start(QCoreApplication.translate("Survey", "Split for inspectors"),
                  QCoreApplication.translate("Survey", "photos"), split_project, session.path, parts, folder,
                  with_photos, session.reviewer, on_result=done)


def _merge_and_read(project: Path, parts: list[Path], who: str, store: Store, *, progress: Progress,
                    is_cancelled: CancelCheck) -> tuple[MergeResult, Snapshot]:
    from roadinspect.core.split_merge import merge_parts
    from roadinspect.gui.project import read_snapshot

    result = merge_parts(project, parts, who=who, progress=progress, is_cancelled=is_cancelled)
    return result, read_snapshot(store)


def merge_reviews(window: MainWindow, parts: list[Path] | None = None) -> None:
    """Merge part files into the open project (asks for them when not given)."""
    session = window.session
    if session is None or session.readonly or window.is_busy():
        return
    if parts is None:
        chosen, _ = QFileDialog.getOpenFileNames(
            window, QCoreApplication.translate("Survey", "Merge reviews from parts"), str(session.path.parent),
            QCoreApplication.translate("Survey", "RoadInspect projects (*{ext});;All files (*)").format(
                ext=PROJECT_SUFFIX))
        if not chosen:
            return
        parts = [Path(p) for p in chosen]

    def done(outcome: tuple[Any, Any]) -> None:
        result, snapshot = outcome
        if session is not window.session:
            return
        window.maintenance = None
        session.reload(snapshot)
        window.review.show_photo(window.review.photo_id, window.review.finding_id)
        window.schedule_maintenance()
        window._update_counter()
        window.show_message(merge_text(result))
        if result.conflicts:
            box = QMessageBox(QMessageBox.Icon.Warning, QCoreApplication.translate("Survey", "Conflicts to decide"),
                              conflicts_text(result), QMessageBox.StandardButton.Ok, window)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    window._start(QCoreApplication.translate("Survey", "Merge reviews"),
                  QCoreApplication.translate("Survey", "findings"), _merge_and_read, session.path, parts,
                  session.reviewer, session.store, on_result=done)


def merge_text(result: MergeResult) -> str:
    """The status-bar line after a merge."""
    if not result.changed:
        return QCoreApplication.translate("Survey", "Nothing new in these parts: the project already holds their "
                                                    "decisions.")
    return QCoreApplication.translate(
        "Survey", "{applied} decisions merged, {added} drawn findings added, {conflicts} conflicts to decide.").format(
        applied=result.applied, added=result.added, conflicts=len(result.conflicts))


def _where(decision: dict) -> str:
    part = decision.get("part")
    if isinstance(part, dict):
        return QCoreApplication.translate("Survey", "part {index} of {of} ({file})").format(
            index=part.get("index"), of=part.get("of"), file=part.get("file"))
    if decision.get("where") == "project":
        return QCoreApplication.translate("Survey", "this project")
    return str(decision.get("where"))


def conflicts_text(result: MergeResult) -> str:
    """Each conflict on a line: the finding and the decisions that disagree."""
    from roadinspect.gui import labels

    lines = [QCoreApplication.translate(
        "Survey", "These findings were decided differently in two places. The project keeps its decision until you "
                  "decide again (photo list: \"With a merge conflict\"):"), ""]
    for conflict in result.conflicts[:MAX_LISTED]:
        sides = "; ".join(QCoreApplication.translate("Survey", "{where}: {status} by {who}").format(
            where=_where(d), status=labels.status_name(d.get("status") or "pending"), who=d.get("reviewer") or "?")
            for d in conflict.decisions)
        lines.append(QCoreApplication.translate("Survey", "Finding {id}: {sides}").format(id=conflict.finding_id,
                                                                                          sides=sides))
    if len(result.conflicts) > MAX_LISTED:
        lines.append(QCoreApplication.translate("Survey", "… and {n} more.").format(
            n=len(result.conflicts) - MAX_LISTED))
    return "\n".join(lines)


def part_suffix(store: Store) -> str:
    """`` — part 2 of 3`` for the title bar of a part, else ``""``."""
    from roadinspect.core.split_merge import part_info

    part = part_info(store)
    if part is None:
        return ""
    return QCoreApplication.translate("Survey", " — part {index} of {of}").format(index=part.index,
                                                                                  of=part.of)


def conflict_photos(store: Store) -> frozenset[int]:
    """Photos holding a finding in an open merge conflict."""
    from roadinspect.core.split_merge import open_conflicts

    return frozenset(c.photo_id for c in open_conflicts(store))
