"""The map: drawn with no network, clicks on photos and sites, tiles from the disk cache, failures quiet."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPixmap

from roadinspect.core.geo import MetricFrame
from roadinspect.core.priority import rank_sites
from roadinspect.core.sections import build_sections
from roadinspect.core.sites import build_sites
from roadinspect.core.types import DamageClass, Finding, GeoPoint, Photo, PositionSource, Severity
from roadinspect.gui.map_view import MapView, metres_per_unit, project


def _photos() -> list[tuple[int, Photo]]:
    frame = MetricFrame(GeoPoint(45.75, 4.85))
    points = frame.to_geo([(0.0, 10.0 * i) for i in range(12)])
    return [(i + 1, Photo(path=Path(f"p{i}.jpg"), sha256="", size_bytes=1, width=100, height=80, position=p,
                          position_source=PositionSource.EXIF, heading_deg=0.0)) for i, p in enumerate(points)]


@pytest.fixture
def view(qtbot):
    photos = _photos()
    finding = Finding(DamageClass.POTHOLE, "POLYGON ((1 1, 5 1, 5 5, 1 5, 1 1))", 0.9, "pothole", Severity.HIGH,
                      {}, ground=photos[5][1].position, id=1, photo_id=6)
    sites = build_sites(dict(photos), [finding])
    ranked = rank_sites(sites)
    sections = build_sections([p for _, p in photos], sites)
    v = MapView()
    qtbot.addWidget(v)
    v.resize(300, 400)
    v.show()
    v.set_data(photos, ranked, sections)
    return v


def test_projection_scale_is_metric() -> None:
    a, b = GeoPoint(45.0, 4.0), GeoPoint(45.0, 4.001)
    dx = project(b).x() - project(a).x()
    assert dx * metres_per_unit(45.0) == pytest.approx(78.8, rel=0.01)  # 0.001 deg of longitude at 45 N


def test_everything_is_drawn_without_network(view: MapView) -> None:
    assert len(view.photo_ids()) == 12 and view.site_ids() == ["S1"]
    rect = view.mapToScene(view.viewport().rect()).boundingRect()
    assert all(rect.contains(view.photo_pos(pid)) for pid in view.photo_ids())
    assert not view.tiles.enabled


def test_click_on_site_and_photo(view: MapView, qtbot) -> None:
    site_at = view.mapFromScene(view.site_pos("S1"))
    with qtbot.waitSignal(view.siteClicked) as blocker:
        assert view.click_at(site_at)
    assert blocker.args == ["S1"]
    photo_at = view.mapFromScene(view.photo_pos(1))
    with qtbot.waitSignal(view.photoClicked) as blocker:
        assert view.click_at(photo_at)
    assert blocker.args == [1]
    assert not view.click_at(QPoint(2, 2))


def test_current_photo_is_highlighted_with_its_heading_and_brought_into_view(view: MapView) -> None:
    view.set_current_photo(3, heading=90.0)
    marker = view._photo_items[3]
    assert (marker.radius, marker.heading, marker.fill.name()) == (6.5, 90.0, "#1971c2")
    assert marker.zValue() > view._photo_items[4].zValue()
    view.scale(20.0, 20.0)  # zoomed in: photo 12, 110 m away, is out of view
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert not visible.contains(view.photo_pos(12))
    view.set_current_photo(12, heading=0.0, center=True)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(view.photo_pos(12))
    assert (marker.radius, marker.heading, marker.fill.name()) == (4.0, None, "#ffffff")  # the previous one
    assert view._photo_items[12].radius == 6.5
    view.set_current_photo(None)
    assert all(m.radius == 4.0 for m in view._photo_items.values())


def test_cached_tiles_show_and_failures_stay_quiet(view: MapView, tmp_path: Path, qtbot, monkeypatch,
                                                   request: pytest.FixtureRequest) -> None:
    import socket

    view.tiles.cache_dir = tmp_path
    refusing = socket.socket()  # bound, never listening: the system refuses every connection to its port
    refusing.bind(("127.0.0.1", 0))
    request.addfinalizer(refusing.close)
    view.tiles.url = f"http://127.0.0.1:{refusing.getsockname()[1]}/{{z}}/{{x}}/{{y}}.png"
    # pre-fill the cache for every tile that will be wanted, except one that must be downloaded
    view.tiles.enabled = True
    wanted: list[tuple[int, int, int]] = []
    original = view.tiles._download
    monkeypatch.setattr(view.tiles, "_download", lambda key: wanted.append(key))
    view.tiles.refresh()
    assert wanted
    pix = QPixmap(256, 256)
    pix.fill(QColor("#cccccc"))
    for z, x, y in wanted[1:]:
        path = view.tiles.tile_path(z, x, y)
        path.parent.mkdir(parents=True, exist_ok=True)
        assert pix.save(str(path), "PNG")
    monkeypatch.setattr(view.tiles, "_download", original)
    view.set_tiles_enabled(True)
    assert len(view.tiles._items) == len(wanted) - 1
    qtbot.waitUntil(lambda: view.tiles.failed >= 1, timeout=10000)
    failed = view.tiles.failed
    view.tiles.refresh()  # offline pause: no new request, no error
    assert not view.tiles._pending and view.tiles.failed == failed
    view.set_tiles_enabled(False)
    assert not view.tiles._items


def test_downloaded_tiles_are_drawn_and_cached(view: MapView, tmp_path: Path, qtbot, monkeypatch) -> None:
    """The success path against a local tile server: OSM's policy needs an identifying User-Agent."""
    import http.server
    import threading

    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    pix = QPixmap(256, 256)
    pix.fill(QColor("#a0c8a0"))
    png = QByteArray()
    buffer = QBuffer(png)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pix.save(buffer, "PNG")
    body = bytes(png.data())
    seen: list[tuple[str, str]] = []

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("User-Agent", "")))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        view.tiles.url = f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png"
        view.tiles.cache_dir = tmp_path
        view.set_tiles_enabled(True)
        qtbot.waitUntil(lambda: view.tiles.downloaded >= 1 and not view.tiles._pending, timeout=10000)
    finally:
        server.shutdown()
        server.server_close()
    assert view.tiles.failed == 0 and seen
    assert all(agent.startswith("RoadInspect/") for _, agent in seen)
    z, x, y = (int(part) for part in seen[0][0].strip("/").removesuffix(".png").split("/"))
    assert view.tiles.tile_path(z, x, y).read_bytes() == body  # cached for the next time, offline
    assert (z, x, y) in view.tiles._items and view.tiles._items[(z, x, y)].scene() is view.scene()
