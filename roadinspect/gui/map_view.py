"""The map: the surveyed track, the photos, the sites coloured by priority, the sections by condition.

Everything is drawn on a plane in Web-Mercator pixels at zoom ``REF_ZOOM`` (a "scaled plane": no network
is needed to see the track, the photos and the sites). Behind it (:class:`TileLayer`):

* nothing, by default: a plain background, the corner says the map is offline, no request is made;
* an offline base map, when the user chose a local MBTiles or GeoPackage tile file (Settings › Map);
* online tiles, only when the user turned them on (Settings › Map or View › Online map tiles, after a
  question naming the server that will see the area): fetched asynchronously with
  ``QNetworkAccessManager`` from the configured address (OpenStreetMap, a département's server, Plan
  IGN), each download capped in size, cached on disk (``QStandardPaths.CacheLocation``/``tiles``) within
  a size limit and an expiry; a failure never blocks and is logged once, after which the map stays
  offline for a while before trying again.

Site markers keep their screen size; sites closer than their markers at the closest zoom (the sites
of one photo) are spread on a small circle around their place (:func:`spread_markers`).

Clicking a photo dot emits ``photoClicked(photo_id)``, clicking a site emits ``siteClicked(site_id)``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QPointF, QRect, QRectF, QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from roadinspect import __version__
from roadinspect.core.priority import RankedSite
from roadinspect.core.sections import Section
from roadinspect.core.tiles import (
    DEFAULT_ATTRIBUTION,
    DEFAULT_TILE_URL,
    MAX_TILE_BYTES,
    TileCache,
    TileFile,
    TileFileError,
    check_tile_url,
    open_tile_file,
    tile_host,
    tile_url,
)
from roadinspect.core.types import GeoPoint, Photo
from roadinspect.gui import labels
from roadinspect.gui.style import condition_colour, ramp

log = logging.getLogger("roadinspect.map")

REF_ZOOM = 20
"""Zoom level whose Web-Mercator pixels are the scene units."""
TILE_SIZE = 256
MAX_SCALE = 4.0
"""The closest zoom (screen pixels per scene unit)."""
SITE_RADIUS = 9.0
_OFFLINE_PAUSE_S = 300.0
_MAX_TILE_ZOOM = 19


def project(point: GeoPoint) -> QPointF:
    """Web-Mercator pixel coordinates of a WGS84 point at ``REF_ZOOM``."""
    world = TILE_SIZE * (1 << REF_ZOOM)
    lat = max(-85.05112878, min(85.05112878, point.lat))
    x = (point.lon + 180.0) / 360.0 * world
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * world
    return QPointF(x, y)


def metres_per_unit(lat: float) -> float:
    """Ground metres per scene unit at latitude ``lat``."""
    return 40075016.686 * math.cos(math.radians(lat)) / (TILE_SIZE * (1 << REF_ZOOM))


def spread_markers(points: Sequence[QPointF], min_distance: float) -> list[QPointF]:
    """Positions for markers at ``points`` such that no two are closer than ``min_distance`` scene units.

    Markers keep a constant screen size, so sites of one photo (same or nearly the same ground position)
    would cover each other even at the closest zoom. Each group of markers closer than ``min_distance``
    (linked transitively) is laid on a circle around its centre, in the given order (the rank), with
    neighbours ``min_distance`` apart; a lone marker stays where it is.
    """
    n = len(points)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    cells: dict[tuple[int, int], list[int]] = {}
    for i, q in enumerate(points):
        cx, cy = math.floor(q.x() / min_distance), math.floor(q.y() / min_distance)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in cells.get((cx + dx, cy + dy), ()):
                    if math.hypot(q.x() - points[j].x(), q.y() - points[j].y()) < min_distance:
                        parent[root(i)] = root(j)
        cells.setdefault((cx, cy), []).append(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    out = [QPointF(q) for q in points]
    for members in groups.values():
        if len(members) < 2:
            continue
        mx = sum(points[i].x() for i in members) / len(members)
        my = sum(points[i].y() for i in members) / len(members)
        k = len(members)
        radius = min_distance / (2 * math.sin(math.pi / k)) * 1.05
        for step, i in enumerate(members):
            angle = -math.pi / 2 + 2 * math.pi * step / k
            out[i] = QPointF(mx + radius * math.cos(angle), my + radius * math.sin(angle))
    return out


class _Marker(QGraphicsItem):
    """A round marker of constant screen size (photos and sites), optionally with a rank number."""

    def __init__(self, radius: float, fill: QColor, outline: QColor, text: str = "") -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.radius = radius
        self.fill = fill
        self.outline = outline
        self.text = text
        self.heading: float | None = None

    def boundingRect(self) -> QRectF:
        r = self.radius + 14 if self.heading is not None else self.radius + 2
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.heading is not None:
            painter.save()
            painter.rotate(self.heading)
            cone = QPolygonF([QPointF(0, 0), QPointF(-8, -self.radius - 12), QPointF(8, -self.radius - 12)])
            colour = QColor(self.fill)
            colour.setAlpha(120)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawPolygon(cone)
            painter.restore()
        painter.setPen(QPen(self.outline, 1.5))
        painter.setBrush(self.fill)
        painter.drawEllipse(QPointF(0, 0), self.radius, self.radius)
        if self.text:
            font = QFont()
            font.setPixelSize(max(8, int(self.radius * 1.1)))
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(QColor("white") if self.fill.lightness() < 150 else QColor("black"))
            painter.drawText(QRectF(-self.radius, -self.radius, 2 * self.radius, 2 * self.radius),
                             Qt.AlignmentFlag.AlignCenter, self.text)


class TileLayer:
    """The map's background: an offline tile file first, then (only when turned on) online tiles.

    Online tiles come from :attr:`url` (checked by :func:`~roadinspect.core.tiles.check_tile_url`),
    through a bounded disk cache (:class:`~roadinspect.core.tiles.TileCache`); a download larger than
    :data:`~roadinspect.core.tiles.MAX_TILE_BYTES` is aborted. With no base file and online tiles off,
    nothing is drawn and no request is ever made.
    """

    def __init__(self, view: MapView) -> None:
        self.view = view
        self.enabled = False
        self.url = DEFAULT_TILE_URL
        self.attribution = DEFAULT_ATTRIBUTION
        cache_root = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)) / "tiles"
        self.cache = TileCache(cache_root, 200 * 1024 * 1024, 30 * 86400.0)
        self.base: TileFile | None = None
        self._manager: QNetworkAccessManager | None = None
        self._items: dict[tuple[int, int, int], QGraphicsPixmapItem] = {}
        self._pending: set[tuple[int, int, int]] = set()
        self._received: dict[tuple[int, int, int], bytearray] = {}
        self._offline_until = 0.0
        self._logged = False
        self.downloaded = 0
        self.failed = 0
        self.too_large = 0

    @property
    def cache_dir(self) -> Path:
        """The folder of the tile cache."""
        return self.cache.folder

    @cache_dir.setter
    def cache_dir(self, folder: Path) -> None:
        self.cache.folder = Path(folder)

    @property
    def active(self) -> bool:
        """True when a background is drawn (a base file, or online tiles turned on)."""
        return self.base is not None or self.enabled

    def set_base_file(self, path: str | Path | None) -> str:
        """Use a local MBTiles/GeoPackage tile file as the base map ('' or None: none); returns an error or ''."""
        if self.base is not None:
            self.base.close()
            self.base = None
        self.clear()
        if not path:
            return ""
        try:
            self.base = open_tile_file(Path(path))
        except TileFileError as exc:
            log.info("base map not used: %s", exc)
            return str(exc)
        return ""

    def tile_path(self, z: int, x: int, y: int) -> Path:
        """The cache file of one online tile of the current server."""
        return self.cache.path(tile_host(self.url), z, x, y)

    def clear(self) -> None:
        """Remove every tile item (the disk cache stays)."""
        for item in self._items.values():
            if item.scene() is not None:
                item.scene().removeItem(item)
        self._items.clear()

    def refresh(self) -> None:
        """Show the tiles that cover the visible area at the view's zoom (local ones at once)."""
        if not self.active:
            self.clear()
            return
        scale = self.view.transform().m11()
        if scale <= 0:
            return
        z = max(0, min(_MAX_TILE_ZOOM, round(REF_ZOOM + math.log2(scale))))
        if self.base is not None and not self.enabled:
            z = max(self.base.min_zoom, min(self.base.max_zoom, z))  # a coarser level scaled up beats nothing
        factor = 1 << (REF_ZOOM - z)
        span = TILE_SIZE * factor
        rect = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        n = 1 << z
        x0, x1 = max(0, int(rect.left() // span)), min(n - 1, int(rect.right() // span))
        y0, y1 = max(0, int(rect.top() // span)), min(n - 1, int(rect.bottom() // span))
        if (x1 - x0 + 1) * (y1 - y0 + 1) > 64:
            return
        wanted = {(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}
        for key in list(self._items):
            if key[0] != z:
                item = self._items.pop(key)
                self.view.scene().removeItem(item)
        for key in sorted(wanted):
            if key in self._items or key in self._pending:
                continue
            data = self.base.tile(*key) if self.base is not None else None
            if data is None and self.enabled:
                data = self.cache.get(tile_host(self.url), *key)
                if data is None:
                    self._download(key)
                    continue
            if data is not None:
                pix = QPixmap()
                if pix.loadFromData(data):
                    self._place(key, pix)

    def _place(self, key: tuple[int, int, int], pix: QPixmap) -> None:
        z, x, y = key
        factor = 1 << (REF_ZOOM - z)
        item = QGraphicsPixmapItem(pix)
        item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        item.setScale(factor * TILE_SIZE / max(1, pix.width()))
        item.setPos(x * TILE_SIZE * factor, y * TILE_SIZE * factor)
        item.setZValue(-10)
        item.setOpacity(0.85)
        self.view.scene().addItem(item)
        self._items[key] = item

    def _download(self, key: tuple[int, int, int]) -> None:
        if not self.enabled or time.monotonic() < self._offline_until or len(self._pending) >= 8:
            return
        if self._manager is None:
            self._manager = QNetworkAccessManager(self.view)
        request = QNetworkRequest(QUrl(tile_url(self.url, *key)))
        request.setHeader(QNetworkRequest.KnownHeaders.UserAgentHeader,
                          f"RoadInspect/{__version__} (road inspection desktop app)")
        request.setAttribute(QNetworkRequest.Attribute.RedirectPolicyAttribute,
                             QNetworkRequest.RedirectPolicy.SameOriginRedirectPolicy)
        request.setTransferTimeout(8000)
        reply = self._manager.get(request)
        reply.setReadBufferSize(256 * 1024)  # Qt stops reading the socket there until we read: bounded memory
        self._pending.add(key)
        self._received[key] = bytearray()
        reply.metaDataChanged.connect(lambda: self._check_size(key, reply))
        reply.readyRead.connect(lambda: self._check_size(key, reply))
        reply.finished.connect(lambda: self._on_reply(key, reply))

    def _check_size(self, key: tuple[int, int, int], reply: QNetworkReply) -> None:
        """Take what arrived; abort a download that announces (Content-Length) or brings more than a tile may weigh."""
        if reply.property("too_large"):
            return
        announced = reply.header(QNetworkRequest.KnownHeaders.ContentLengthHeader)
        try:
            announced = int(announced) if announced is not None else 0
        except (TypeError, ValueError):
            announced = 0
        buffer = self._received.get(key)
        if buffer is not None and reply.isOpen() and reply.bytesAvailable() > 0:
            buffer += bytes(reply.read(MAX_TILE_BYTES + 1 - len(buffer)).data())
        if announced > MAX_TILE_BYTES or (buffer is not None and len(buffer) > MAX_TILE_BYTES):
            reply.setProperty("too_large", True)
            self._received.pop(key, None)
            if not reply.isFinished():
                reply.abort()

    def _on_reply(self, key: tuple[int, int, int], reply: QNetworkReply) -> None:
        self._pending.discard(key)
        reply.deleteLater()
        too_large = bool(reply.property("too_large"))
        if not too_large and reply.error() != QNetworkReply.NetworkError.NoError:
            self._received.pop(key, None)
            self.failed += 1
            self._offline_until = time.monotonic() + _OFFLINE_PAUSE_S
            if not self._logged:
                log.info("map tiles unavailable (%s); the map stays offline for a while", reply.errorString())
                self._logged = True
            return
        if not too_large:
            self._check_size(key, reply)  # what is left in the reply
            too_large = bool(reply.property("too_large"))
        data = bytes(self._received.pop(key, b""))
        if too_large or len(data) > MAX_TILE_BYTES:
            self.too_large += 1
            self.failed += 1
            log.info("map tile %s refused: larger than %d bytes", key, MAX_TILE_BYTES)
            return
        pix = QPixmap()
        if not pix.loadFromData(data) or not self.enabled:
            return
        self.downloaded += 1
        self._logged = False
        self.cache.put(tile_host(self.url), *key, data)
        self._place(key, pix)


class MapView(QGraphicsView):
    """Track, photos, sites and sections on a scaled plane, with optional OSM tiles (see module docstring)."""

    photoClicked = Signal(int)
    siteClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setBackgroundBrush(QColor("#eef0ea"))
        # the legend is drawn in viewport coordinates: scrolling must repaint it, not shift its pixels
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.tiles = TileLayer(self)
        self._photo_items: dict[int, _Marker] = {}
        self._site_items: dict[str, _Marker] = {}
        self._lines: list[QGraphicsItem] = []
        self._current: int | None = None
        self._lat = 45.0
        self._bounds = QRectF()
        self._press: QPointF | None = None
        self._fit_on_resize = True

    # ------------------------------------------------------------------ content
    def set_data(self, photos: Sequence[tuple[int, Photo]], sites: Sequence[RankedSite] = (),
                 sections: Sequence[Section] = (), fit: bool = True) -> None:
        """Draw the photos (id, photo) in time order, the ranked sites and the sections; ``fit`` fits the track."""
        for item in [*self._photo_items.values(), *self._site_items.values(), *self._lines]:
            self.scene().removeItem(item)
        self._photo_items.clear()
        self._site_items.clear()
        self._lines.clear()
        located = [(pid, p, p.position) for pid, p in photos if p.position is not None]
        points = [project(position) for _, _, position in located]
        for section in sections:
            line = [project(g) for g in section.line]
            if len(line) < 2:
                continue
            path = QPainterPath(line[0])
            for q in line[1:]:
                path.lineTo(q)
            item = QGraphicsPathItem(path)
            pen = QPen(condition_colour(section.score), 9)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            item.setPen(pen)
            item.setZValue(1)
            item.setToolTip(f"{section.id}: {section.score:.0f}/100 ({labels.rating_name(section.rating)})")
            self.scene().addItem(item)
            self._lines.append(item)
        if len(points) >= 2:
            path = QPainterPath(points[0])
            for q in points[1:]:
                path.lineTo(q)
            item = QGraphicsPathItem(path)
            pen = QPen(QColor("#37474f"), 2, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            item.setPen(pen)
            item.setZValue(2)
            self.scene().addItem(item)
            self._lines.append(item)
        for (pid, photo, _), q in zip(located, points, strict=True):
            marker = _Marker(4.0, QColor("#ffffff"), QColor("#37474f"))
            marker.setPos(q)
            marker.setZValue(3)
            marker.setData(0, pid)
            marker.setToolTip(labels.plain_tooltip(photo.path.name))
            marker.setCursor(Qt.CursorShape.PointingHandCursor)
            self.scene().addItem(marker)
            self._photo_items[pid] = marker
        placed = [r for r in sites if r.site.position is not None]
        spots = spread_markers([project(position) for r in placed if (position := r.site.position) is not None],
                               (2 * SITE_RADIUS + 2) / MAX_SCALE)
        for ranked, spot in zip(placed, spots, strict=True):
            site = ranked.site
            marker = _Marker(SITE_RADIUS, ramp(min(1.0, ranked.score / 100.0)), QColor("#212121"), str(ranked.rank))
            marker.setPos(spot)
            marker.setZValue(5 + 1.0 / ranked.rank)
            marker.setData(1, site.id)
            marker.setToolTip(f"#{ranked.rank} {site.id}: {labels.kind_name(site.kind)}, "
                              f"{labels.severity_name(site.severity)}, {labels.number(ranked.score)}")
            marker.setCursor(Qt.CursorShape.PointingHandCursor)
            self.scene().addItem(marker)
            self._site_items[site.id] = marker
        if points:
            xs = [q.x() for q in points]
            ys = [q.y() for q in points]
            self._bounds = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
            self._lat = sum(position.lat for _, _, position in located) / len(located)
        else:
            self._bounds = QRectF()
        margin = max(self._bounds.width(), self._bounds.height(), 200.0) * 4
        self.scene().setSceneRect(self._bounds.adjusted(-margin, -margin, margin, margin))
        if self._current is not None:
            self.set_current_photo(self._current)
        if fit:
            self.fit_all()
            self._fit_on_resize = True

    def set_current_photo(self, photo_id: int | None, heading: float | None = None, center: bool = False) -> None:
        """Highlight the photo shown in the photo view (with its heading); ``center`` pans to it."""
        if self._current in self._photo_items:
            old = self._photo_items[self._current]
            old.prepareGeometryChange()
            old.radius, old.fill, old.heading = 4.0, QColor("#ffffff"), None
            old.setZValue(3)
            old.update()
        self._current = photo_id
        marker = self._photo_items.get(photo_id) if photo_id is not None else None
        if marker is None:
            return
        marker.prepareGeometryChange()
        marker.radius, marker.fill, marker.heading = 6.5, QColor("#1971c2"), heading
        marker.setZValue(20)
        marker.update()
        if center:
            visible = self.mapToScene(self.viewport().rect().adjusted(30, 30, -30, -30)).boundingRect()
            if not visible.contains(marker.pos()):
                self.centerOn(marker.pos())
                self.tiles.refresh()

    def photo_ids(self) -> list[int]:
        """Ids of the photos drawn on the map."""
        return list(self._photo_items)

    def site_ids(self) -> list[str]:
        """Ids of the sites drawn on the map."""
        return list(self._site_items)

    def photo_pos(self, photo_id: int) -> QPointF:
        """Scene position of a photo dot."""
        return self._photo_items[photo_id].pos()

    def site_pos(self, site_id: str) -> QPointF:
        """Scene position of a site marker."""
        return self._site_items[site_id].pos()

    def set_tiles_enabled(self, enabled: bool) -> None:
        """Turn the online tiles on or off (the address is :meth:`configure_background`'s)."""
        self.tiles.enabled = bool(enabled)
        self.tiles.refresh()
        self.viewport().update()

    def configure_background(self, online: bool = False, url: str = DEFAULT_TILE_URL,
                             attribution: str = DEFAULT_ATTRIBUTION, cache_mb: int = 200, cache_days: int = 30,
                             base_file: str = "") -> list[str]:
        """Set the background from the settings; returns the problems (a bad address, an unusable file).

        A tile address that is not usable leaves online tiles off; a base file that cannot be read is
        not used. Nothing is requested here unless ``online`` is on.
        """
        problems = []
        try:
            url = check_tile_url(url)
        except ValueError as exc:
            problems.append(str(exc))
            online = False
        if url != self.tiles.url:
            self.tiles.clear()
            self.tiles.url = url
            self.tiles._offline_until = 0.0  # a new server gets its own try
        self.tiles.attribution = str(attribution).strip()
        self.tiles.cache.max_bytes = max(0, int(cache_mb)) * 1024 * 1024
        self.tiles.cache.max_age_s = max(1, int(cache_days)) * 86400.0
        current = str(self.tiles.base.path) if self.tiles.base is not None else ""
        if str(base_file or "") != current:
            error = self.tiles.set_base_file(base_file or None)
            if error:
                problems.append(error)
        if online and not self.tiles.enabled:
            self.tiles.cache.prune()  # a smaller limit or expiry applies at once, not after 64 new tiles
        self.set_tiles_enabled(online)
        return problems

    @property
    def attribution(self) -> str:
        """The credit line of the background, or the word that says there is none (offline)."""
        parts = []
        if self.tiles.base is not None:
            parts.append(self.tiles.base.attribution)
        if self.tiles.enabled and not self.tiles._items and time.monotonic() < self.tiles._offline_until:
            parts.append(self.tr("Offline: the tile server cannot be reached"))  # no credit over an empty map
        elif self.tiles.enabled and self.tiles.attribution:
            parts.append(self.tiles.attribution)
        return " · ".join(parts) if parts else self.tr("Offline map: no background")

    # ------------------------------------------------------------------ navigation
    def fit_all(self) -> None:
        """Fit the whole track (at most street level)."""
        if self._bounds.isNull() and not self._photo_items:
            return
        rect = self._bounds.adjusted(-60, -60, 60, 60)
        self.resetTransform()
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.0:
            self.resetTransform()
            self.centerOn(rect.center())
        self.tiles.refresh()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Zoom around the cursor."""
        steps = event.angleDelta().y() / 120.0
        if not steps:
            return
        factor = 1.25 ** steps
        new = self.transform().m11() * factor
        if not (1e-4 < new <= MAX_SCALE):
            return
        self._fit_on_resize = False
        at = event.position().toPoint()
        before = self.mapToScene(at)
        self.scale(factor, factor)
        after = self.mapToScene(at)
        self.translate(after.x() - before.x(), after.y() - before.y())
        self.tiles.refresh()
        event.accept()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        """Load the tiles of the newly visible area."""
        super().scrollContentsBy(dx, dy)
        self.tiles.refresh()

    def resizeEvent(self, event) -> None:
        """Keep the track fitted when the dock is resized (until the user zooms or pans)."""
        super().resizeEvent(event)
        if self._fit_on_resize:
            self.fit_all()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Remember the press to tell a click from a pan."""
        self._press = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A click on a site or a photo emits the matching signal."""
        press, self._press = self._press, None
        super().mouseReleaseEvent(event)
        if press is not None and (event.position() - press).manhattanLength() < 5:
            self.click_at(event.position().toPoint())

    def click_at(self, view_pos) -> bool:  # QPoint
        """Emit ``siteClicked`` or ``photoClicked`` for the marker at ``view_pos``; True when one was hit."""
        for item in self.items(view_pos):
            site_id = item.data(1)
            if site_id:
                self.siteClicked.emit(str(site_id))
                return True
        for item in self.items(view_pos):
            photo_id = item.data(0)
            if photo_id is not None and isinstance(item, _Marker):
                self.photoClicked.emit(int(photo_id))
                return True
        return False

    # ------------------------------------------------------------------ decorations
    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        """Scale bar (bottom left), north arrow (top right) and attribution, in viewport coordinates."""
        if not self._photo_items:
            return
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPointSizeF(8.0)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        m_per_px = metres_per_unit(self._lat) / max(1e-9, self.transform().m11())
        target = m_per_px * 100
        nice = 10 ** math.floor(math.log10(target)) if target > 0 else 1
        for step in (5, 2, 1):
            if step * nice <= target:
                nice *= step
                break
        length = nice / m_per_px
        h = self.viewport().height()
        x0, y0 = 12.0, h - 16.0
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 210))
        label = f"{nice:g} m" if nice < 1000 else f"{nice / 1000:g} km"
        painter.drawRoundedRect(QRectF(x0 - 6, y0 - 20, length + metrics.horizontalAdvance(label) + 22, 28), 4, 4)
        painter.setPen(QPen(QColor("#212121"), 2))
        painter.drawLine(QPointF(x0, y0), QPointF(x0 + length, y0))
        painter.drawLine(QPointF(x0, y0 - 5), QPointF(x0, y0))
        painter.drawLine(QPointF(x0 + length, y0 - 5), QPointF(x0 + length, y0))
        painter.drawText(QPointF(x0 + length + 6, y0 + 3), label)
        w = self.viewport().width()
        arrow = QPolygonF([QPointF(w - 22, 12), QPointF(w - 29, 32), QPointF(w - 22, 27), QPointF(w - 15, 32)])
        painter.setBrush(QBrush(QColor("#212121")))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawPolygon(arrow)
        painter.setPen(QColor("#212121"))
        painter.drawText(QRectF(w - 32, 32, 20, 14), Qt.AlignmentFlag.AlignCenter, "N")
        self._draw_legend(painter, metrics)
        if self.attribution:
            text_w = metrics.horizontalAdvance(self.attribution) + 8
            box = QRectF(w - text_w, h - metrics.height() - 2, text_w, metrics.height() + 2)
            painter.fillRect(box, QColor(255, 255, 255, 200))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.attribution)
        painter.restore()

    def _draw_legend(self, painter: QPainter, metrics: QFontMetricsF) -> None:
        """Top-left key: site markers by priority, sections by condition."""
        rows = [self.tr("Sites by priority (rank)"), self.tr("Sections by condition")]
        width = max(metrics.horizontalAdvance(t) for t in rows) + 52
        line = metrics.height() + 4
        box = QRectF(8, 8, width, 2 * line + 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 215))
        painter.drawRoundedRect(box, 4, 4)
        y = box.top() + 4 + line / 2
        for i, value in enumerate((0.1, 0.55, 0.95)):
            painter.setBrush(ramp(value))
            painter.setPen(QPen(QColor("#212121"), 1))
            painter.drawEllipse(QPointF(box.left() + 10 + i * 11, y), 4.5, 4.5)
        painter.setPen(QColor("#212121"))
        painter.drawText(QPointF(box.left() + 44, y + metrics.ascent() / 2 - 1), rows[0])
        y += line
        for i in range(30):
            painter.setPen(QPen(condition_colour(100 - i * 100 / 29), 5))
            painter.drawLine(QPointF(box.left() + 6 + i, y), QPointF(box.left() + 7 + i, y))
        painter.setPen(QColor("#212121"))
        painter.drawText(QPointF(box.left() + 44, y + metrics.ascent() / 2 - 1), rows[1])


