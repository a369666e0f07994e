"""The road region in the app: the shaded area of a photo, and the editor of a camera group's region.

The region itself (what it is, how it is estimated, stored and applied) is
:mod:`roadinspect.core.road_region`. Here: :func:`region_image` shades the part that is not road
(the photo view draws it over the photo), and :class:`RoadRegionEditor` lets the inspector correct a
camera group's region on one of its photos with a brush (not road) and an eraser (road). A region
that would cover the whole photo is refused with a message and the editor stays open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen, QPixmap, QTransform
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from roadinspect.core.road_region import RegionError, check_drawn

if TYPE_CHECKING:
    from roadinspect.gui.main_window import MainWindow

SHADE = QColor(20, 24, 40, 150)
"""Colour of the area that is not road."""


def region_image(excluded: np.ndarray, colour: QColor = SHADE) -> QImage:
    """A transparent image of the grid's size, shaded where ``excluded`` is True."""
    grid = np.asarray(excluded, bool)
    h, w = grid.shape
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[grid] = (colour.red(), colour.green(), colour.blue(), colour.alpha())
    return QImage(np.ascontiguousarray(rgba).data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def image_grid(image: QImage) -> np.ndarray:
    """The boolean grid of an image made by :func:`region_image` (True where it is shaded)."""
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    buf = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    rows = buf.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]
    return rows.reshape(image.height(), image.width(), 4)[..., 3] > 0


def region_transform(grid_shape: tuple[int, int], width: int, height: int) -> QTransform:
    """Scene transform of a grid of ``grid_shape`` (rows, cols) over a ``width`` x ``height`` photo."""
    return QTransform.fromScale(width / grid_shape[1], height / grid_shape[0])


class _Canvas(QGraphicsView):
    """The photo with the region over it; the left button paints (brush) or erases (eraser)."""

    def __init__(self, photo: QImage, width: int, height: int, excluded: np.ndarray, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setBackgroundBrush(QColor("#1e2024"))
        photo_item = QGraphicsPixmapItem(QPixmap.fromImage(photo))
        photo_item.setTransform(QTransform.fromScale(width / max(1, photo.width()), height / max(1, photo.height())))
        self.scene().addItem(photo_item)
        self.grid = region_image(excluded)
        self._item = QGraphicsPixmapItem(QPixmap.fromImage(self.grid))
        self._item.setTransform(region_transform(excluded.shape, width, height))
        self._item.setZValue(1)
        self.scene().addItem(self._item)
        self.scene().setSceneRect(QRectF(0, 0, width, height))
        self._k = (excluded.shape[1] / width, excluded.shape[0] / height)
        self.erase = False
        self.radius = 8.0  # grid pixels
        self._last: QPointF | None = None
        self.setMouseTracking(True)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def set_grid(self, excluded: np.ndarray) -> None:
        self.grid = region_image(excluded)
        self._item.setPixmap(QPixmap.fromImage(self.grid))

    def paint_at(self, scene_pos: QPointF) -> None:
        """Paint or erase a disc of :attr:`radius` grid pixels at ``scene_pos`` (photo pixels), joined to the stroke."""
        at = QPointF(scene_pos.x() * self._k[0], scene_pos.y() * self._k[1])
        painter = QPainter(self.grid)
        if self.erase:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        else:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        pen = QPen(SHADE, 2 * self.radius, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if self._last is not None:
            painter.drawLine(self._last, at)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(SHADE)
        painter.drawEllipse(at, self.radius, self.radius)
        painter.end()
        self._last = at
        self._item.setPixmap(QPixmap.fromImage(self.grid))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = None
            self.paint_at(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.paint_at(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._last = None
        super().mouseReleaseEvent(event)


class RoadRegionEditor(QDialog):
    """Correct a camera group's road region on one of its photos: brush = not road, eraser = road."""

    def __init__(self, photo: QImage, width: int, height: int, excluded: np.ndarray, group: str, photos: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Road region — {group}").format(group=group))
        self._initial = np.asarray(excluded, bool).copy()
        self.canvas = _Canvas(photo, width, height, self._initial, self)
        intro = QLabel(self.tr("Findings are only kept on the road. The shaded area is not road: above the "
                               "horizon and the parts of the vehicle that stay still on the photos. Paint with "
                               "the brush what is not road, erase what is. Applies to the {count} photo(s) of "
                               "this camera; they are analysed again.").format(count=photos), self)
        intro.setWordWrap(True)
        self.brush = QRadioButton(self.tr("&Brush: not road"), self)
        self.eraser = QRadioButton(self.tr("&Eraser: road"), self)
        self.brush.setChecked(True)
        group_buttons = QButtonGroup(self)
        group_buttons.addButton(self.brush)
        group_buttons.addButton(self.eraser)
        self.eraser.toggled.connect(lambda on: setattr(self.canvas, "erase", on))
        self.brush_size = QSlider(Qt.Orientation.Horizontal, self)
        self.brush_size.setRange(1, 40)
        self.brush_size.setValue(8)
        self.brush_size.valueChanged.connect(lambda v: setattr(self.canvas, "radius", float(v)))
        reset = QPushButton(self.tr("&Undo my changes"), self)
        reset.clicked.connect(lambda: self.canvas.set_grid(self._initial))
        tools = QHBoxLayout()
        for widget in (self.brush, self.eraser, QLabel(self.tr("Size"), self), self.brush_size, reset):
            tools.addWidget(widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(tools)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(buttons)
        self.resize(900, 720)

    def excluded(self) -> np.ndarray:
        """The region as drawn now: boolean grid, True = not road."""
        return image_grid(self.canvas.grid)

    def saved_message(self, marked: int) -> str:
        """The status line once the region is saved and ``marked`` photos wait for their re-analysis."""
        return self.tr("Road region saved: %n photo(s) will be analysed again (F5).", "", marked)

    def accept(self) -> None:
        """Keep the region, unless it covers the whole photo (then say so and stay open)."""
        try:
            check_drawn(self.excluded())
        except RegionError:
            QMessageBox.warning(self, self.windowTitle(), self.tr(
                "The region covers the whole photo: nothing could be analysed. Erase the part that is road."))
            return
        super().accept()


# ----------------------------------------------------------------------------- main window hooks
def show_region(window: MainWindow, photo_id: int | None) -> None:
    """Shade the road region of ``photo_id``'s camera group in the window's photo view (none stored: no shading)."""
    from roadinspect.core.road_region import group_key

    session = window.session
    record = session.record(photo_id) if session is not None and photo_id in session.photo_ids() else None
    if session is None or record is None or record.photo is None:
        window.view.set_road_region(None)
        return
    region = session.store.road_regions().get(group_key(record.photo))
    if region is not None:
        region = region.with_horizon(window._camera().for_photo(record.photo))
    window.view.set_road_region(None if region is None else region.excluded,
                                record.photo.width, record.photo.height)


def edit_region(window: MainWindow) -> None:
    """Open the editor on the current photo's camera group; save the region and mark the group for re-analysis."""
    from PySide6.QtWidgets import QApplication

    from roadinspect.core.road_region import describe_key, group_key, project_regions, save_edited
    from roadinspect.gui.photo_view import load_photo_image

    session = getattr(window, "session", None)
    photo_id = window.review.photo_id
    if session is None or session.readonly or photo_id is None or photo_id not in session.photo_ids():
        return
    record = session.record(photo_id)
    if record.photo is None:
        return
    key = group_key(record.photo)
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        camera = window._camera()
        region = session.store.road_regions().get(key)
        if region is None:  # not analysed yet: estimate it now (a second or two)
            region = project_regions(session.store, [photo_id], camera, who=session.reviewer)[key]
        region = region.with_horizon(camera.for_photo(record.photo))
        image = load_photo_image(record.path, 1280)
    except OSError as exc:
        QApplication.restoreOverrideCursor()
        window.show_error(QCoreApplication.translate("RoadRegionEditor", "Road region"), str(exc))
        return
    QApplication.restoreOverrideCursor()
    members = sum(1 for pid in session.photo_ids()
                  if session.record(pid).photo is not None and group_key(session.record(pid).photo) == key)
    editor = RoadRegionEditor(image, record.photo.width, record.photo.height, region.excluded, describe_key(key),
                              members, window)
    if editor.exec() != QDialog.DialogCode.Accepted:
        return
    try:
        marked = save_edited(session.store, key, editor.excluded(), who=session.reviewer)
    except (RegionError, KeyError) as exc:
        window.show_error(QCoreApplication.translate("RoadRegionEditor", "Road region"), str(exc))
        return
    show_region(window, photo_id)
    window.show_message(editor.saved_message(marked))
