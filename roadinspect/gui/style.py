"""Colours and small drawing helpers shared by the photo view, the map and the tables.

One place for the visual language of the app: a class colour per damage type (the overlay, the map,
the legend), a colour per review status, and a green-to-red ramp for priorities and section
conditions. The colours were chosen to stay distinct on grey asphalt and for red-green colour
blindness (yellow cracks, magenta potholes).
"""

from __future__ import annotations

import itertools

from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from roadinspect.core.resources import icons_dir
from roadinspect.core.types import DamageClass, ReviewStatus

CLASS_COLOURS: dict[DamageClass, QColor] = {
    DamageClass.CRACK: QColor("#ffc20a"),
    DamageClass.POTHOLE: QColor("#e0218a"),
}
"""Overlay colour of each damage class."""

STATUS_COLOURS: dict[ReviewStatus, QColor] = {
    ReviewStatus.PENDING: QColor("#8a8f98"),
    ReviewStatus.ACCEPTED: QColor("#2f9e44"),
    ReviewStatus.REJECTED: QColor("#c92a2a"),
    ReviewStatus.CORRECTED: QColor("#1971c2"),
}
"""Colour of each review status (badges in lists, outlines on the map)."""

_RAMP = [(0.0, QColor("#2f9e44")), (0.5, QColor("#f2c200")), (0.75, QColor("#f08c00")), (1.0, QColor("#c92a2a"))]


def ramp(value: float) -> QColor:
    """Green (0) through yellow and orange to red (1): priorities (high = red)."""
    v = max(0.0, min(1.0, float(value)))
    for (a, ca), (b, cb) in itertools.pairwise(_RAMP):
        if v <= b:
            t = (v - a) / (b - a) if b > a else 0.0
            return QColor(
                round(ca.red() + (cb.red() - ca.red()) * t),
                round(ca.green() + (cb.green() - ca.green()) * t),
                round(ca.blue() + (cb.blue() - ca.blue()) * t),
            )
    return QColor(_RAMP[-1][1])


def condition_colour(condition: float) -> QColor:
    """Colour of a road section's 0-100 condition score (100 = perfect = green)."""
    return ramp(1.0 - max(0.0, min(100.0, condition)) / 100.0)


def dot_icon(colour: QColor, size: int = 12) -> QIcon:
    """A filled round icon of ``colour`` (status and class badges in tables)."""
    pix = QPixmap(size, size)
    pix.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(colour.darker(140))
    painter.setBrush(colour)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pix)


def icon(name: str) -> QIcon:
    """An action icon from ``resources/icons/<name>.svg`` (an empty icon when missing)."""
    path = icons_dir() / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


STYLE_SHEET = """
QMainWindow::separator { background: #d0d4d9; width: 1px; height: 1px; }
QDockWidget { font-weight: 600; }
QDockWidget::title { background: #eceff3; padding: 5px 8px; border-bottom: 1px solid #d0d4d9; }
QTableView { gridline-color: #e6e8eb; selection-background-color: #1971c2; selection-color: white; }
QHeaderView::section { background: #f4f5f7; border: none; border-right: 1px solid #e0e3e7;
                       border-bottom: 1px solid #d0d4d9; padding: 4px 6px; font-weight: 600; }
QToolBar { background: #f7f8fa; border-bottom: 1px solid #d0d4d9; spacing: 2px; padding: 2px 4px; }
QToolBar QToolButton { padding: 3px; border-radius: 4px; }
QToolBar QToolButton:checked { background: #d0e4f7; }
QPushButton#acceptButton { background: #2f9e44; color: white; border: none; border-radius: 4px; font-weight: 600; }
QPushButton#acceptButton:disabled, QPushButton#rejectButton:disabled { background: #c5c9ce; }
QPushButton#rejectButton { background: #c92a2a; color: white; border: none; border-radius: 4px; font-weight: 600; }
QStatusBar { background: #f4f5f7; border-top: 1px solid #d0d4d9; }
QLabel#reviewCounter { font-weight: 600; padding: 0 8px; }
"""
"""The app's light, flat style (on top of the platform style)."""
