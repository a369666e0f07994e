"""The photo view: one photo with its damage overlay, finding outlines and labels, and the editing tools.

Scene coordinates are photo pixels after the EXIF orientation (the frame of ``Finding.polygon_wkt``);
the image is decoded by ``roadinspect.core.photos.load_image`` (EXIF orientation applied, CMYK and
16-bit handled), and a reduced preview is scaled back to the photo's size.

Navigation: the wheel zooms around the cursor, dragging pans, ``fit_photo()`` fits the photo.
Overlay: every finding is a filled polygon in its class colour (opacity adjustable, on/off) with an
outline and a label; rejected findings are dashed and unfilled. A legend sits in the top-right corner.

Tools (``Tool``):
* BRUSH / ERASER: edit the selected finding's mask. The finding's polygon is rasterised into an
  editable layer (its bounding box plus a margin, at most ``EDIT_MAX_PX`` pixels on a side); painting
  adds or removes pixels; ``apply_mask_edit()`` emits ``maskEdited`` with the boolean region, its
  origin and scale in photo pixels (the arguments of ``roadinspect.core.findings.finding_from_mask``).
  The brush also draws a missed finding (of ``new_finding_class``, chosen with 1/2 first): with no
  finding selected, or when a stroke starts outside the selected finding's frame (what was painted
  on that finding is applied first), an empty layer over the visible part of the photo opens, and
  applying it emits ``maskDrawn`` (region, damage class). The eraser outside the frame says so.
* POLYGON: click the corners of a damage the model missed; double-click or Enter closes it and emits
  ``polygonDrawn`` (WKT in photo pixels, damage class); Escape cancels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from roadinspect.core.photos import ImageError, load_image
from roadinspect.core.types import DamageClass, ReviewStatus
from roadinspect.gui import labels
from roadinspect.gui.style import CLASS_COLOURS

EDIT_MAX_PX = 1024
"""Longest side of the editable mask layer (finer than the model's working resolution)."""

_ZOOM_STEP = 1.25
_MAX_ZOOM = 40.0


class Tool(Enum):
    """What a left-button drag does in the photo view."""

    NAVIGATE = "navigate"
    BRUSH = "brush"
    ERASER = "eraser"
    POLYGON = "polygon"


@dataclass(frozen=True)
class FindingShape:
    """What the photo view draws for one finding (its effective class and status after review)."""

    id: int
    damage: DamageClass
    status: ReviewStatus
    polygon_wkt: str
    label: str


@dataclass(frozen=True)
class MaskEdit:
    """A corrected region: ``region[row, col]`` covers photo pixels from ``origin + (col, row) * scale``."""

    region: np.ndarray
    origin: tuple[float, float]
    scale: tuple[float, float]


def array_to_qimage(array: np.ndarray) -> QImage:
    """An ``(H, W, 3)`` uint8 RGB array as a QImage (a copy: safe to hand from a worker to the GUI thread)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    h, w = array.shape[:2]
    return QImage(array.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def load_photo_image(path: Path, max_side: int | None = None) -> QImage:
    """Decode a photo upright (EXIF orientation applied) with the core decoder; may run in a worker.

    Raises:
        OSError: the file cannot be read or decoded (the message names the file).
    """
    try:
        array = load_image(path, max_side=max_side)
    except (OSError, ImageError) as exc:
        raise OSError(f"{path}: {exc}") from exc
    return array_to_qimage(array)


def wkt_to_path(wkt: str) -> QPainterPath:
    """A QPainterPath (odd-even fill, holes kept) for a (Multi)Polygon WKT in photo pixels."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    try:
        geom = shapely.from_wkt(wkt)
    except shapely.errors.GEOSException:
        return path
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        for ring in (part.exterior, *part.interiors):
            path.addPolygon(QPolygonF([QPointF(x, y) for x, y in ring.coords]))
            path.closeSubpath()
    return path


class _Label(QGraphicsItem):
    """A finding's label: text on a rounded dark plate, constant size whatever the zoom."""

    def __init__(self, text: str, colour: QColor, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._text = text
        self._colour = colour
        self._font = QFont()
        self._font.setPointSizeF(9.0)
        self._font.setBold(True)
        metrics = QFontMetricsF(self._font)
        self._rect = QRectF(0, -metrics.height() - 6, metrics.horizontalAdvance(text) + 12, metrics.height() + 6)

    def size(self):  # QSizeF
        """Size on screen (pixels, whatever the zoom)."""
        return self._rect.size()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self._colour, 1.5))
        painter.setBrush(QColor(20, 22, 26, 215))
        painter.drawRoundedRect(self._rect, 4, 4)
        painter.setFont(self._font)
        painter.setPen(QColor("white"))
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self._text)


class _Layer(QGraphicsRectItem):
    """An invisible parent item, so that a whole layer can be hidden or faded at once."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)


class PhotoView(QGraphicsView):
    """The photo, the damage overlay and the editing tools (see the module docstring)."""

    findingClicked = Signal(int)
    maskEdited = Signal(int, object)
    polygonDrawn = Signal(str, int)
    maskDrawn = Signal(object, int)  # a missed finding painted with the brush: MaskEdit, damage
    notice = Signal(str)
    toolChanged = Signal(object)
    zoomChanged = Signal(float)
    detailWanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setBackgroundBrush(QColor("#1e2024"))
        # the legend is drawn in viewport coordinates: scrolling must repaint it, not shift its pixels
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pixmap = QGraphicsPixmapItem()
        self._pixmap.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._pixmap.setZValue(0)
        self.scene().addItem(self._pixmap)
        self._overlay = _Layer()
        self._overlay.setZValue(1)
        self.scene().addItem(self._overlay)
        self._label_layer = _Layer()  # labels stay fully opaque whatever the overlay opacity
        self._label_layer.setZValue(3)
        self.scene().addItem(self._label_layer)
        self._photo_size = QSize()
        self._levels: list[tuple[int, QPixmap]] = []
        self._level = -1
        self._detail_asked = False
        self._shapes: dict[int, FindingShape] = {}
        self._items: dict[int, QGraphicsPathItem] = {}
        self._labels: dict[int, _Label] = {}
        self._selected: int | None = None
        self._opacity = 0.45
        self._overlay_on = True
        self._fitted = True
        self._press_pos: QPointF | None = None
        self._tool = Tool.NAVIGATE
        self.new_finding_class = DamageClass.POTHOLE
        self.brush_radius = 8.0
        # mask editing
        self._edit_id: int | None = None
        self._edit_image: QImage | None = None
        self._edit_item: QGraphicsPixmapItem | None = None
        self._edit_rect = QRectF()
        self._edit_k = 1.0
        self._edit_new = False  # the open layer is a new finding (brush), not the selected one's mask
        self._edit_dirty = False
        self._last_paint: QPointF | None = None
        self._cursor = QGraphicsEllipseItem()
        self._cursor.setPen(QPen(QColor("white"), 0))
        self._cursor.setZValue(10)
        self._cursor.hide()
        self.scene().addItem(self._cursor)
        # polygon tool
        self._poly_points: list[QPointF] = []
        self._poly_item = QGraphicsPathItem()
        self._poly_item.setZValue(9)
        self.scene().addItem(self._poly_item)
        self.legend_entries: list[tuple[str, QColor]] = []
        self.empty_text = ""

    # ------------------------------------------------------------------ content
    def set_photo(self, image: QImage | None, photo_size: QSize | None = None) -> None:
        """Show ``image`` scaled to ``photo_size`` (the photo's upright size; default: the image's size).

        ``image`` may be a reduced copy (a preview decoded at a fraction of the size, fast): when the
        zoom needs more pixels than it has, ``detailWanted`` is emitted once, and :meth:`add_detail`
        adds the sharper image. Drawing a small preview while zoomed out also keeps repaints cheap.
        """
        self.cancel_edit()
        self._levels = []
        self._level = -1
        self._detail_asked = False
        if image is None or image.isNull():
            self._pixmap.setPixmap(QPixmap())
            self._photo_size = QSize()
            self.scene().setSceneRect(QRectF())
            self.viewport().update()
            return
        size = photo_size if photo_size is not None and photo_size.isValid() else image.size()
        self._levels = [(image.width(), QPixmap.fromImage(image))]
        changed = size != self._photo_size
        self._photo_size = QSize(size)
        self.scene().setSceneRect(QRectF(0, 0, size.width(), size.height()))
        self.brush_radius = max(3.0, size.width() / 160.0)
        if changed or self._fitted:
            self.fit_photo()
        self._choose_level()

    def add_detail(self, image: QImage) -> None:
        """Add a sharper image of the photo on screen (drawn when the zoom needs it)."""
        if image.isNull() or self._photo_size.isEmpty() or any(w >= image.width() for w, _ in self._levels):
            return
        self._levels.append((image.width(), QPixmap.fromImage(image)))
        self._levels.sort(key=lambda level: level[0])
        self._level = -1
        self._choose_level()

    def _choose_level(self) -> None:
        """Draw the smallest image with enough pixels for the zoom; ask for detail when none has."""
        if not self._levels or self._photo_size.isEmpty():
            return
        needed = self.zoom() * self._photo_size.width()
        level = next((i for i, (width, _) in enumerate(self._levels) if width >= needed * 0.9), None)
        if level is None:
            level = len(self._levels) - 1
            if self._levels[-1][0] < self._photo_size.width() and not self._detail_asked:
                self._detail_asked = True
                self.detailWanted.emit()
        if level != self._level:
            self._level = level
            width, pixmap = self._levels[level]
            self._pixmap.setPixmap(pixmap)
            self._pixmap.setScale(self._photo_size.width() / max(1, width))

    def shown_width(self) -> int:
        """Pixel width of the image drawn now (the preview or the full image)."""
        return self._levels[self._level][0] if self._levels and self._level >= 0 else 0

    def photo_size(self) -> QSize:
        """The upright size of the shown photo (empty when none)."""
        return QSize(self._photo_size)

    def set_findings(self, shapes: list[FindingShape]) -> None:
        """Replace the drawn findings (keeps the selection when the id is still there, and a new finding being
        painted)."""
        if not self._edit_new:
            self.cancel_edit()
        for item in list(self._items.values()) + list(self._labels.values()):
            self.scene().removeItem(item)
        self._items.clear()
        self._labels.clear()
        self._shapes = {s.id: s for s in shapes}
        for shape in shapes:
            item = QGraphicsPathItem(wkt_to_path(shape.polygon_wkt), self._overlay)
            item.setData(0, shape.id)
            self._items[shape.id] = item
            label = _Label(shape.label, CLASS_COLOURS.get(shape.damage, QColor("white")), self._label_layer)
            label.setData(0, shape.id)
            self._labels[shape.id] = label
        if self._selected not in self._shapes:
            self._selected = None
        self._layout_labels()
        self._restyle()

    def _layout_labels(self) -> None:
        """Put each label above its finding, moving it up while it would cover another label."""
        zoom = self.zoom() or 1.0
        placed: list[QRectF] = []
        order = sorted(self._labels, key=lambda f: (self._items[f].path().boundingRect().top(), f))
        for fid in order:
            label = self._labels[fid]
            box = self._items[fid].path().boundingRect()
            width, height = label.size().width() / zoom, label.size().height() / zoom
            rect = QRectF(box.left(), box.top() - 2 / zoom - height, width, height)
            while any(rect.intersects(other) for other in placed):
                rect.moveTop(rect.top() - height - 2 / zoom)
            placed.append(rect)
            label.setPos(rect.left(), rect.bottom())

    def update_finding(self, shape: FindingShape) -> None:
        """Redraw one finding after a review or a correction (adds it when new)."""
        shapes = dict(self._shapes)
        shapes[shape.id] = shape
        self.set_findings(list(shapes.values()))

    def shapes(self) -> list[FindingShape]:
        """The findings drawn now."""
        return list(self._shapes.values())

    def select_finding(self, finding_id: int | None, center: bool = False) -> None:
        """Highlight one finding (None: none); ``center`` scrolls it into view."""
        if finding_id is not None and finding_id not in self._shapes:
            finding_id = None
        self._selected = finding_id
        self._restyle()
        if center and finding_id is not None:
            rect = self._items[finding_id].path().boundingRect()
            visible = self.mapToScene(self.viewport().rect()).boundingRect()
            if not visible.contains(rect):
                self.centerOn(rect.center())

    def selected_finding(self) -> int | None:
        """The highlighted finding's id."""
        return self._selected

    def _restyle(self) -> None:
        for fid, item in self._items.items():
            shape = self._shapes[fid]
            colour = QColor(CLASS_COLOURS.get(shape.damage, QColor("white")))
            selected = fid == self._selected
            rejected = shape.status == ReviewStatus.REJECTED
            pen = QPen(QColor("white") if selected else colour, 3.0 if selected else 1.6)
            pen.setCosmetic(True)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            if rejected:
                pen.setStyle(Qt.PenStyle.DashLine)
                pen.setColor(QColor("#b0b4ba") if not selected else QColor("white"))
            item.setPen(pen)
            fill = QColor(colour)
            fill.setAlphaF(0.0 if rejected else (0.85 if selected else 0.7))
            item.setBrush(QBrush(fill))
            item.setZValue(2 if selected else 1)
            self._labels[fid].setZValue(4 if selected else 3)
            self._labels[fid].setVisible(selected or not rejected)
        self._overlay.setOpacity(self._opacity if self._overlay_on else 0.0)
        self._overlay.setVisible(self._overlay_on)
        self._label_layer.setVisible(self._overlay_on)
        self.viewport().update()

    # ------------------------------------------------------------------ overlay
    def set_road_region(self, excluded: np.ndarray | None, width: int = 0, height: int = 0) -> None:
        """Shade what is not road on a ``width`` x ``height`` photo (``excluded``: boolean grid, True = not road).

        None (or a grid with nothing excluded) hides the shading.
        """
        from roadinspect.gui.road_region import region_image, region_transform

        item = getattr(self, "_region_item", None)
        if item is None:
            item = self._region_item = QGraphicsPixmapItem()
            item.setZValue(0.5)  # over the photo, under the findings
            self.scene().addItem(item)
        if excluded is None or width <= 0 or height <= 0 or not np.asarray(excluded).any():
            item.hide()
            return
        grid = np.asarray(excluded, bool)
        item.setPixmap(QPixmap.fromImage(region_image(grid)))
        item.setTransform(region_transform(grid.shape, width, height))
        item.show()

    def road_region_shown(self) -> bool:
        """True while a road region is shaded."""
        item = getattr(self, "_region_item", None)
        return item is not None and item.isVisible()

    def set_overlay_visible(self, visible: bool) -> None:
        """Show or hide every finding drawing (Space)."""
        self._overlay_on = bool(visible)
        self._restyle()

    def overlay_visible(self) -> bool:
        """Whether the overlay is shown."""
        return self._overlay_on

    def toggle_overlay(self) -> None:
        """Flip the overlay on/off."""
        self.set_overlay_visible(not self._overlay_on)

    def set_overlay_opacity(self, opacity: float) -> None:
        """Overlay opacity in [0.05, 1]."""
        self._opacity = max(0.05, min(1.0, float(opacity)))
        self._restyle()

    def overlay_opacity(self) -> float:
        """Current overlay opacity."""
        return self._opacity

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        """The legend (top right) and the empty-state text, in viewport coordinates."""
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPointSizeF(9.0)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        if self._photo_size.isEmpty() and self.empty_text:
            painter.setPen(QColor("#9aa0a6"))
            painter.drawText(QRectF(self.viewport().rect()), Qt.AlignmentFlag.AlignCenter, self.empty_text)
        elif self.legend_entries and self._overlay_on:
            width = max(metrics.horizontalAdvance(t) for t, _ in self.legend_entries) + 40
            height = len(self.legend_entries) * (metrics.height() + 6) + 10
            box = QRectF(self.viewport().width() - width - 12, 12, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(20, 22, 26, 200))
            painter.drawRoundedRect(box, 6, 6)
            y = box.top() + 8
            for text, colour in self.legend_entries:
                swatch = QRectF(box.left() + 10, y + 2, 14, metrics.height() - 4)
                fill = QColor(colour)
                fill.setAlphaF(max(0.35, self._opacity))
                painter.setBrush(fill)
                painter.setPen(QPen(colour, 1.5))
                painter.drawRoundedRect(swatch, 2, 2)
                painter.setPen(QColor("white"))
                painter.drawText(QPointF(box.left() + 32, y + metrics.ascent()), text)
                y += metrics.height() + 6
        painter.restore()

    # ------------------------------------------------------------------ zoom and pan
    def fit_photo(self) -> None:
        """Fit the whole photo in the view."""
        if self._photo_size.isEmpty():
            return
        self.resetTransform()
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self._fitted = True
        self._choose_level()
        self._layout_labels()
        self.zoomChanged.emit(self.zoom())

    def zoom(self) -> float:
        """Screen pixels per photo pixel."""
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the photo point under ``anchor`` (viewport pixels; default: the centre) still."""
        if self._photo_size.isEmpty():
            return
        view = self.viewport().rect()
        fit = min(view.width() / self._photo_size.width(), view.height() / self._photo_size.height())
        target = max(fit * 0.5, min(_MAX_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        if abs(factor - 1.0) < 1e-6:
            return
        at = anchor if anchor is not None else QPointF(view.center())
        before = self.mapToScene(at.toPoint())
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.scale(factor, factor)
        after = self.mapToScene(at.toPoint())
        self.translate(after.x() - before.x(), after.y() - before.y())
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self._fitted = False
        self._choose_level()
        self._layout_labels()
        self.zoomChanged.emit(self.zoom())

    def wheelEvent(self, event: QWheelEvent) -> None:
        """The wheel zooms around the cursor."""
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(_ZOOM_STEP ** steps, event.position())
        event.accept()

    def resizeEvent(self, event) -> None:
        """Keep the photo fitted while the user has not zoomed."""
        super().resizeEvent(event)
        if self._fitted:
            self.fit_photo()

    # ------------------------------------------------------------------ tools
    def tool(self) -> Tool:
        """The active tool."""
        return self._tool

    def set_tool(self, tool: Tool) -> None:
        """Switch tools; starting the brush or eraser opens the selected finding for editing."""
        if tool == self._tool:
            return
        if tool in (Tool.BRUSH, Tool.ERASER):
            if not self.is_editing() and not self.begin_mask_edit(self._selected):
                if tool != Tool.BRUSH or not self.begin_new_mask():
                    tool = Tool.NAVIGATE
        elif self.is_editing():
            self.cancel_edit()
        if tool != Tool.POLYGON:
            self._clear_polygon()
        self._tool = tool
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag if tool == Tool.NAVIGATE
                         else QGraphicsView.DragMode.NoDrag)
        self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if tool == Tool.NAVIGATE
                                  else Qt.CursorShape.CrossCursor)
        self._cursor.setVisible(tool in (Tool.BRUSH, Tool.ERASER))
        self.toolChanged.emit(tool)

    def is_editing(self) -> bool:
        """True while a mask edit (of the selected finding or of a new one) is open."""
        return self._edit_id is not None or self._edit_new

    def is_drawing_new(self) -> bool:
        """True while the brush paints a new finding (the open layer is not a finding's mask)."""
        return self._edit_new

    def begin_mask_edit(self, finding_id: int | None) -> bool:
        """Open the finding's mask in an editable layer; False when there is no such finding."""
        if finding_id is None or finding_id not in self._shapes or self._photo_size.isEmpty():
            return False
        self._drop_layer()
        shape = self._shapes[finding_id]
        path = wkt_to_path(shape.polygon_wkt)
        bounds = path.boundingRect()
        margin = max(0.5 * max(bounds.width(), bounds.height()),
                     0.08 * max(self._photo_size.width(), self._photo_size.height()))
        rect = bounds.adjusted(-margin, -margin, margin, margin).intersected(
            QRectF(0, 0, self._photo_size.width(), self._photo_size.height()))
        rect = QRectF(math.floor(rect.left()), math.floor(rect.top()),
                      math.ceil(rect.width()), math.ceil(rect.height()))
        if rect.isEmpty():
            return False
        k = min(1.0, EDIT_MAX_PX / max(rect.width(), rect.height()))
        image = QImage(max(1, round(rect.width() * k)), max(1, round(rect.height() * k)),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.scale(k, k)
        painter.translate(-rect.left(), -rect.top())
        painter.fillPath(path, self._edit_colour(shape.damage))
        painter.end()
        self._edit_id, self._edit_image, self._edit_rect, self._edit_k = finding_id, image, rect, k
        self._show_layer()
        self._items[finding_id].hide()
        return True

    def begin_new_mask(self, rect: QRectF | None = None) -> bool:
        """Open an empty layer to paint a missed finding of ``new_finding_class`` (default: over the visible
        part of the photo); False when no photo is shown."""
        if self._photo_size.isEmpty():
            return False
        self._drop_layer()
        photo = QRectF(0, 0, self._photo_size.width(), self._photo_size.height())
        if rect is None:
            rect = self.mapToScene(self.viewport().rect()).boundingRect()
        rect = rect.intersected(photo)
        if rect.width() < 1 or rect.height() < 1:
            rect = photo
        rect = QRectF(math.floor(rect.left()), math.floor(rect.top()),
                      math.ceil(rect.width()), math.ceil(rect.height())).intersected(photo)
        k = min(1.0, EDIT_MAX_PX / max(rect.width(), rect.height()))
        image = QImage(max(1, round(rect.width() * k)), max(1, round(rect.height() * k)),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        self._edit_id, self._edit_image, self._edit_rect, self._edit_k = None, image, rect, k
        self._edit_new = True
        self._show_layer()
        return True

    def _show_layer(self) -> None:
        image = self._edit_image
        if image is None:  # no layer open
            return
        rect, k = self._edit_rect, self._edit_k
        self._edit_dirty = False
        self._edit_item = QGraphicsPixmapItem(QPixmap.fromImage(image))
        self._edit_item.setPos(rect.topLeft())
        self._edit_item.setScale(1.0 / k)
        self._edit_item.setZValue(5)
        self.scene().addItem(self._edit_item)
        frame = QGraphicsRectItem(QRectF(0, 0, image.width(), image.height()), self._edit_item)
        pen = QPen(QColor("white"), 0, Qt.PenStyle.DashLine)
        frame.setPen(pen)

    @staticmethod
    def _edit_colour(damage: DamageClass) -> QColor:
        colour = QColor(CLASS_COLOURS.get(damage, QColor("white")))
        colour.setAlpha(170)
        return colour

    def paint_at(self, scene_pos: QPointF, erase: bool | None = None) -> None:
        """Paint (or erase) a disc of ``brush_radius`` photo pixels on the open mask, joined to the last stroke
        point."""
        if self._edit_image is None or not self.is_editing():
            return
        erase = self._tool == Tool.ERASER if erase is None else erase
        k = self._edit_k
        local = QPointF((scene_pos.x() - self._edit_rect.left()) * k, (scene_pos.y() - self._edit_rect.top()) * k)
        painter = QPainter(self._edit_image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if erase:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        colour = self._edit_colour(self._edit_damage())
        radius = self.brush_radius * k
        pen = QPen(colour, 2 * radius, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if self._last_paint is not None and self._last_paint != local:
            painter.drawLine(self._last_paint, local)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(local, radius, radius)
        painter.end()
        self._last_paint = local
        self._edit_dirty = True
        if self._edit_item is not None:
            self._edit_item.setPixmap(QPixmap.fromImage(self._edit_image))

    def _edit_damage(self) -> DamageClass:
        if self._edit_id is not None and self._edit_id in self._shapes:
            return self._shapes[self._edit_id].damage
        return self.new_finding_class

    def start_stroke(self, scene_pos: QPointF) -> bool:
        """A brush or eraser press: paint at ``scene_pos``. A brush press outside the open layer (the selected
        finding's frame) applies what was painted there and starts a new finding; an eraser press there
        says why nothing happens. False when nothing was painted."""
        self.end_stroke()
        if self.is_editing() and not self._edit_rect.contains(scene_pos):
            if self._tool == Tool.ERASER:
                self.notice.emit(self.tr("The eraser only edits the selected finding inside its dashed frame."))
                return False
            if self._edit_dirty:
                self._emit_edit()
            self.begin_new_mask()
            if not self._edit_rect.contains(scene_pos):
                self.begin_new_mask(QRectF(0, 0, self._photo_size.width(), self._photo_size.height()))
            self.notice.emit(self.tr("Outside the selected finding: painting a new finding ({damage}; 1 crack, "
                                     "2 pothole). Enter adds it, Escape drops it.").format(
                damage=labels.class_name(self.new_finding_class)))
        if not self.is_editing():
            return False
        self.paint_at(scene_pos)
        return True

    def end_stroke(self) -> None:
        """Finish the current brush stroke (the next paint starts a new one)."""
        self._last_paint = None

    def edit_region(self) -> MaskEdit | None:
        """The open mask as a boolean region with its origin and scale in photo pixels."""
        if self._edit_image is None:
            return None
        image = self._edit_image
        buf = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
        rows = buf.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]
        alpha = rows.reshape(image.height(), image.width(), 4)[..., 3]
        region = alpha > 0
        return MaskEdit(region=region.copy(), origin=(self._edit_rect.left(), self._edit_rect.top()),
                        scale=(1.0 / self._edit_k, 1.0 / self._edit_k))

    def apply_mask_edit(self) -> bool:
        """Close the open mask and emit ``maskEdited(finding_id, MaskEdit)``, or ``maskDrawn(MaskEdit, damage)``
        for a new finding; False when none is open (or nothing was painted for a new one)."""
        emitted = self._emit_edit()
        self.cancel_edit()
        self.set_tool(Tool.NAVIGATE)
        return emitted

    def _emit_edit(self) -> bool:
        """Emit the open layer's region (the layer is dropped; the tool stays)."""
        edit = self.edit_region()
        fid, new, dirty = self._edit_id, self._edit_new, self._edit_dirty
        self._drop_layer()
        if edit is None or (new and (not dirty or not edit.region.any())):
            return False
        if new:
            self.maskDrawn.emit(edit, int(self.new_finding_class))
        elif fid is not None:
            self.maskEdited.emit(fid, edit)
        else:
            return False
        return True

    def _drop_layer(self) -> None:
        """Remove the open layer (if any); the tool stays."""
        if self._edit_item is not None:
            self.scene().removeItem(self._edit_item)
        if self._edit_id is not None and self._edit_id in self._items:
            self._items[self._edit_id].show()
        self._edit_id = self._edit_image = self._edit_item = None
        self._edit_new = self._edit_dirty = False
        self._last_paint = None

    def cancel_edit(self) -> None:
        """Drop the open mask edit (if any) without emitting anything."""
        self._drop_layer()
        if self._tool in (Tool.BRUSH, Tool.ERASER):
            self._tool = Tool.NAVIGATE
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            self._cursor.hide()
            self.toolChanged.emit(self._tool)

    def add_polygon_point(self, scene_pos: QPointF) -> None:
        """Add a corner to the polygon being drawn (clamped to the photo)."""
        x = max(0.0, min(float(self._photo_size.width()), scene_pos.x()))
        y = max(0.0, min(float(self._photo_size.height()), scene_pos.y()))
        self._poly_points.append(QPointF(x, y))
        self._draw_polygon(None)

    def finish_polygon(self) -> bool:
        """Close the polygon and emit ``polygonDrawn(wkt, damage)``; False with fewer than 3 corners or no area."""
        points = [(p.x(), p.y()) for p in self._poly_points]
        self._clear_polygon()
        if len(points) < 3:
            return False
        polygon = shapely.make_valid(shapely.Polygon(points))
        if polygon.is_empty or polygon.area < 1.0:
            return False
        self.set_tool(Tool.NAVIGATE)
        self.polygonDrawn.emit(shapely.to_wkt(polygon, rounding_precision=2), int(self.new_finding_class))
        return True

    def set_new_finding_class(self, damage: DamageClass) -> None:
        """The class of the next finding drawn (the polygon being drawn takes its colour at once)."""
        self.new_finding_class = DamageClass(damage)
        if self._poly_points:
            self._draw_polygon(None)
        if self._edit_new and self._edit_image is not None:  # the new finding's paint takes the class colour
            painter = QPainter(self._edit_image)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
            painter.fillRect(self._edit_image.rect(), self._edit_colour(self.new_finding_class))
            painter.end()
            if self._edit_item is not None:
                self._edit_item.setPixmap(QPixmap.fromImage(self._edit_image))

    def _draw_polygon(self, hover: QPointF | None) -> None:
        path = QPainterPath()
        points = list(self._poly_points) + ([hover] if hover is not None else [])
        if points:
            path.addPolygon(QPolygonF(points))
        pen = QPen(QColor("white"), 2.0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self._poly_item.setPen(pen)
        colour = QColor(CLASS_COLOURS.get(self.new_finding_class, QColor("white")))
        colour.setAlpha(90)
        self._poly_item.setBrush(colour)
        self._poly_item.setPath(path)

    def _clear_polygon(self) -> None:
        self._poly_points.clear()
        self._poly_item.setPath(QPainterPath())

    # ------------------------------------------------------------------ events
    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Start a stroke, add a polygon corner, or remember the press for a click."""
        pos = self.mapToScene(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton:
            if self._tool in (Tool.BRUSH, Tool.ERASER):
                self.start_stroke(pos)
                event.accept()
                return
            if self._tool == Tool.POLYGON:
                self.add_polygon_point(pos)
                event.accept()
                return
            self._press_pos = event.position()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Continue a stroke, move the brush cursor, rubber-band the polygon."""
        pos = self.mapToScene(event.position().toPoint())
        if self._tool in (Tool.BRUSH, Tool.ERASER):
            r = self.brush_radius
            self._cursor.setRect(QRectF(pos.x() - r, pos.y() - r, 2 * r, 2 * r))
            if event.buttons() & Qt.MouseButton.LeftButton:
                self.paint_at(pos)
            event.accept()
            return
        if self._tool == Tool.POLYGON and self._poly_points:
            self._draw_polygon(pos)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """End a stroke, or turn a short click into ``findingClicked``."""
        if self._tool in (Tool.BRUSH, Tool.ERASER):
            self.end_stroke()
            event.accept()
            return
        press, self._press_pos = self._press_pos, None
        super().mouseReleaseEvent(event)
        if self._tool == Tool.NAVIGATE and press is not None and event.button() == Qt.MouseButton.LeftButton:
            if (event.position() - press).manhattanLength() < 5:
                self.click_at(self.mapToScene(event.position().toPoint()))
        if self._tool == Tool.NAVIGATE:
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)

    def click_at(self, scene_pos: QPointF) -> int | None:
        """Select the smallest finding under ``scene_pos`` and emit ``findingClicked``; its id or None."""
        hits = [(self._items[fid].path().boundingRect().width() * self._items[fid].path().boundingRect().height(), fid)
                for fid in self._items if self._items[fid].path().contains(scene_pos)]
        if not hits:
            return None
        fid = min(hits)[1]
        self.findingClicked.emit(fid)
        return fid

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Double-click closes the polygon; otherwise fit the photo."""
        if self._tool == Tool.POLYGON:
            self.finish_polygon()
            event.accept()
            return
        if self._tool == Tool.NAVIGATE:
            self.fit_photo()
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter applies the edit or closes the polygon, Escape cancels, [ and ] resize the brush."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._tool == Tool.POLYGON:
                self.finish_polygon()
                return
            if self.is_editing():
                self.apply_mask_edit()
                return
        if key == Qt.Key.Key_Escape and self._tool != Tool.NAVIGATE:
            self.cancel_edit()
            self.set_tool(Tool.NAVIGATE)
            return
        if key in (Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight) and self._tool in (Tool.BRUSH, Tool.ERASER):
            self.brush_radius = max(1.0, self.brush_radius * (0.8 if key == Qt.Key.Key_BracketLeft else 1.25))
            return
        super().keyPressEvent(event)
