"""Status-bar widgets: the background task's progress (count, rate, ETA, cancel) and "x of y reviewed"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from roadinspect.gui import labels
from roadinspect.gui.style import icon
from roadinspect.gui.worker import ProgressInfo, format_eta


class TaskProgress(QWidget):
    """A progress bar with ``12 / 40 · 2.1 photos/s · 0:13 left`` and a cancel button; hidden when idle."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.bar = QProgressBar()
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(14)
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # may name a photo
        self.cancel = QToolButton()
        self.cancel.setIcon(icon("stop"))
        self.cancel.setAutoRaise(True)
        self.cancel.clicked.connect(self.cancelRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.title, self.bar, self.text, self.cancel):
            layout.addWidget(widget)
        self.unit = ""
        self.hide()

    def start(self, title: str, unit: str) -> None:
        """Show an indeterminate bar titled ``title``; ``unit`` names the items (``photos``)."""
        self.title.setText(title)
        self.unit = unit
        self.bar.setRange(0, 0)
        self.text.setText("")
        self.cancel.setToolTip(self.tr("Cancel"))
        self.show()

    def update_progress(self, info: ProgressInfo) -> None:
        """Show count, rate and ETA."""
        if info.total:
            self.bar.setRange(0, info.total)
            self.bar.setValue(info.done)
        parts = [f"{info.done} / {info.total}" if info.total else str(info.done)]
        if info.rate:
            parts.append(self.tr("{rate} {unit}/s").format(rate=labels.number(info.rate), unit=self.unit))
        if info.eta_s is not None and info.total:
            parts.append(self.tr("{eta} left").format(eta=format_eta(info.eta_s)))
        self.text.setText(" · ".join(parts))

    def stop(self) -> None:
        """Hide (the task finished)."""
        self.hide()


class ReviewCounter(QLabel):
    """``17 of 42 findings reviewed`` (green once all are done)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewCounter")
        self.done = self.total = 0

    def set_counts(self, done: int, total: int) -> None:
        """Show the counts."""
        self.done, self.total = done, total
        self.setText(self.tr("{done} of %n finding(s) reviewed", "", total).format(done=done))
        self.setStyleSheet("color: #2f9e44;" if total and done == total else "")
