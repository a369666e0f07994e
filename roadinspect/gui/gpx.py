"""Place photos on a GPX track from the window: the file and clock-offset dialogs, the texts of the result.

The work is ``roadinspect.core.placement.place_project_on_gpx``, run by the window's worker through
``project.place_on_gpx``; this module asks for the GPX file and the camera clock offset (the last offset
is remembered in QSettings under :data:`OFFSET_KEY`) and turns the result into the status-bar message
and the list of photos still without a position, with the reason of each, in the interface language.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QSettings, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from roadinspect.core.placement import PlacementResult
from roadinspect.core.track import GpxMiss, format_span

OFFSET_KEY = "gpx/clock_offset_s"
"""QSettings key of the last clock offset used (seconds)."""
MAX_OFFSET_S = 7 * 86400.0
MAX_LISTED = 12
"""Photos listed by name in the "still without position" message (the rest are counted)."""


class ClockOffsetDialog(QDialog):
    """The camera clock offset for a GPX placement, and what the placement will change."""

    def __init__(self, gpx: Path, offset_s: float, photos: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Place photos on a GPX track"))
        layout = QVBoxLayout(self)
        track = QLabel(self.tr("Track: {file}").format(file=gpx.name))
        track.setTextFormat(Qt.TextFormat.PlainText)  # a file name: shown as typed, never as markup
        track.setToolTip(str(gpx))
        layout.addWidget(track)
        form = QFormLayout()
        self.offset = QDoubleSpinBox()
        self.offset.setRange(-MAX_OFFSET_S, MAX_OFFSET_S)
        self.offset.setDecimals(1)
        self.offset.setSuffix(" s")
        self.offset.setValue(offset_s)
        form.addRow(self.tr("Camera clock offset"), self.offset)
        layout.addLayout(form)
        help_text = QLabel(self.tr("Seconds to add to the camera clock to get UTC (a camera 30 s slow: +30). "
                                   "Camera times without a time zone are read in this computer's time zone."))
        help_text.setWordWrap(True)
        layout.addWidget(help_text)
        self.summary = QLabel(self.tr("The positions of %n photo(s) without their own GPS position are replaced "
                                      "at once. This cannot be undone (the audit log keeps the old positions).",
                                      "", photos))
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Place photos"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def offset_s(self) -> float:
        """The offset chosen, in seconds."""
        return float(self.offset.value())


def last_offset() -> float:
    """The clock offset used last time (0 the first time)."""
    try:
        return float(QSettings().value(OFFSET_KEY, 0.0))  # type: ignore[arg-type]  # value() is object; bad ones raise
    except (TypeError, ValueError):
        return 0.0


def ask_placement(parent: QWidget, folder: str, photos: int) -> tuple[Path, float] | None:
    """Ask for the GPX file, then the clock offset (remembered); None when the inspector cancels."""
    chosen, _ = QFileDialog.getOpenFileName(
        parent, QCoreApplication.translate("Gpx", "GPX track of the drive"), folder,
        QCoreApplication.translate("Gpx", "GPX tracks (*.gpx);;All files (*)"))
    if not chosen:
        return None
    dialog = ClockOffsetDialog(Path(chosen), last_offset(), photos, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    QSettings().setValue(OFFSET_KEY, dialog.offset_s())
    return Path(chosen), dialog.offset_s()


class Gpx(QObject):
    """The translation context "Gpx" for the texts with a count: ``pyside6-lupdate`` (6.11) reads plural forms
    from ``self.tr(text, "", n)`` in a class only, not from ``QCoreApplication.translate(context, text, "", n)``."""

    def counts(self, result: PlacementResult) -> str:
        """``N photos placed[, M more between placed photos], K still without position``."""
        text = self.tr("%n photo(s) placed", "", len(result.placed))
        if result.interpolated:
            text += self.tr(", %n more between placed photos", "", len(result.interpolated))
        return text + self.tr(", %n still without position", "", len(result.unplaced))

    def missing(self, count: int) -> str:
        """The first line of the list of photos without a position."""
        return self.tr("%n photo(s) still without position:", "", count)

    def more(self, count: int) -> str:
        """The last line of a list cut after :data:`MAX_LISTED` photos."""
        return self.tr("… and %n more", "", count)


def result_text(result: PlacementResult) -> str:
    """The status-bar message: ``N photos placed, M still without position``."""
    return Gpx().counts(result)


def reason_text(miss: GpxMiss) -> str:
    """Why a photo was not placed, in the interface language."""
    texts = {
        "no_time": QCoreApplication.translate("Gpx", "no time in its EXIF"),
        "before_track": QCoreApplication.translate("Gpx", "taken {duration} before the track starts"),
        "after_track": QCoreApplication.translate("Gpx", "taken {duration} after the track ends"),
        "track_gap": QCoreApplication.translate("Gpx", "taken during a {duration} gap in the track"),
    }
    return texts.get(miss.reason, miss.reason).format(duration=format_span(miss.seconds))


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "?"


def details_text(result: PlacementResult) -> str:
    """The photos still without a position and why, with the time spans to check the offset against
    ("" when every photo has a position)."""
    missing = result.unplaced
    if not missing:
        return ""
    texts = Gpx()
    lines = [texts.missing(len(missing))]
    item = QCoreApplication.translate("Gpx", "• {file}: {reason}")  # French puts a space before the colon
    lines += [item.format(file=u.path.name, reason=reason_text(u.miss)) for u in missing[:MAX_LISTED]]
    if len(missing) > MAX_LISTED:
        lines.append(texts.more(len(missing) - MAX_LISTED))
    lines.append("")
    lines.append(QCoreApplication.translate("Gpx", "Track: {start} to {end} UTC.").format(
        start=_when(result.track_start), end=_when(result.track_end)))
    if result.photos_start is not None:
        text = QCoreApplication.translate("Gpx", "Photos (camera clock {offset} s): {start} to {end} UTC.")
        lines.append(text.format(offset=f"{result.clock_offset_s:+g}", start=_when(result.photos_start),
                                 end=_when(result.photos_end)))
    if not result.placed and any(u.miss.reason in ("before_track", "after_track") for u in missing):
        lines.append(QCoreApplication.translate(
            "Gpx", "When every photo is off by about the same time, the clock offset is wrong (a whole number "
                   "of hours: a time zone)."))
    return "\n".join(lines)
