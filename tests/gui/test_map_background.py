"""The map's background (issue 12 point 5, issue 20 point 8): offline unless the user says otherwise,
a local base map file, capped downloads, the first-use question, sites of one photo apart."""

from __future__ import annotations

import http.server
import math
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QSettings
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QMessageBox

from roadinspect.core.maintenance import build_maintenance_list
from roadinspect.core.tiles import MAX_TILE_BYTES
from roadinspect.gui.map_view import MAX_SCALE, SITE_RADIUS, MapView, project, spread_markers
from tests.core.scenes import export_scene
from tests.core.test_tiles import make_mbtiles


def _png(colour: str = "#a0c8a0") -> bytes:
    pix = QPixmap(256, 256)
    pix.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pix.save(buffer, "PNG")
    return bytes(data.data())


@pytest.fixture
def survey():
    data = export_scene()
    return data, build_maintenance_list(data)


@pytest.fixture
def view(qtbot, tmp_path: Path, survey) -> MapView:
    v = MapView()
    qtbot.addWidget(v)
    v.resize(500, 400)
    v.show()
    v.tiles.cache_dir = tmp_path / "cache"
    data, mlist = survey
    v.set_data(sorted(data.photos.items()), mlist.ranked, mlist.sections)
    return v


def test_by_default_the_map_is_offline_and_says_so(view: MapView, qtbot) -> None:
    view.fit_all()
    view.scale(4, 4)
    view.tiles.refresh()
    qtbot.wait(50)
    assert not view.tiles.active and view.tiles._manager is None and not view.tiles._items
    assert "Offline" in view.attribution and "OpenStreetMap" not in view.attribution
    image = view.grab().toImage()  # drawn: the track on a plain background
    assert not image.isNull()


def test_a_local_mbtiles_base_map_is_drawn_without_network(view: MapView, tmp_path: Path, survey) -> None:
    data, _ = survey
    first = project(next(p.position for p in data.photos.values() if p.position is not None))
    tiles = {}
    for z in (15, 16, 17):
        x, y = int(first.x() // (256 << (20 - z))), int(first.y() // (256 << (20 - z)))
        for dx in (-2, -1, 0, 1, 2):
            for dy in (-2, -1, 0, 1, 2):
                tiles[(z, x + dx, y + dy)] = _png()
    path = make_mbtiles(tmp_path / "fond.mbtiles", tiles)
    assert view.configure_background(base_file=str(path)) == []
    view.fit_all()
    view.tiles.refresh()
    assert view.tiles._items and view.tiles._manager is None  # drawn from the file, nothing requested
    assert view.attribution == "© Département test"
    problems = view.configure_background(base_file=str(tmp_path / "absent.mbtiles"))
    assert problems and "absent.mbtiles" in problems[0] and view.tiles.base is None
    assert "Offline" in view.attribution


def test_a_bad_tile_address_leaves_online_tiles_off(view: MapView) -> None:
    problems = view.configure_background(online=True, url="file:///etc/{z}/{x}/{y}")
    assert problems and "tile address" in problems[0]
    assert not view.tiles.enabled and view.tiles._manager is None


def test_a_download_larger_than_a_tile_is_cut_off(view: MapView, qtbot) -> None:
    body = bytes(2 * MAX_TILE_BYTES)
    served: list[int] = []

    class Huge(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            if "nolength" not in self.path:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for start in range(0, len(body), 65536):
                    self.wfile.write(body[start:start + 65536])
                    served.append(start)
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Huge)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for kind in ("withlength", "nolength"):
            view.tiles.too_large = view.tiles.failed = 0
            view.configure_background(online=True, url=f"http://127.0.0.1:{server.server_port}/{kind}/{{z}}/{{x}}/{{y}}.png")
            view.fit_all()
            view.tiles.refresh()
            state = lambda: (view.tiles.too_large, view.tiles.failed, view.tiles.downloaded,  # noqa: E731 - a one-line local helper
                             len(view.tiles._pending), view.tiles._offline_until > 0)
            qtbot.waitUntil(lambda: view.tiles.too_large >= 1 and not view.tiles._pending, timeout=30000)
            assert view.tiles.failed == view.tiles.too_large, state()  # every failure was a tile too large
            assert view.tiles.downloaded == 0 and not view.tiles._items
            assert not list(Path(view.tiles.cache_dir).rglob("*.tile"))  # nothing oversized cached
            view.configure_background(online=False)
    finally:
        server.shutdown()
        server.server_close()


def test_sites_of_one_photo_do_not_overlap_at_the_closest_zoom(view: MapView, survey) -> None:
    data, mlist = survey
    spot = mlist.ranked[0].site.position
    same = [replace(r, site=replace(r.site, position=spot)) for r in mlist.ranked[:4]]
    view.set_data(sorted(data.photos.items()), [*same, *mlist.ranked[4:]], mlist.sections)
    view.resetTransform()
    view.scale(MAX_SCALE, MAX_SCALE)
    ids = [r.site.id for r in same]
    points = [view.mapFromScene(view.site_pos(i)) for i in ids]
    for i, a in enumerate(points):
        for b in points[i + 1:]:
            assert math.hypot(a.x() - b.x(), a.y() - b.y()) >= 2 * SITE_RADIUS  # markers side by side
    centre = view.mapFromScene(project(spot))
    assert all(math.hypot(p.x() - centre.x(), p.y() - centre.y()) < 4 * SITE_RADIUS for p in points)  # still there
    lone = [QPointF(0, 0), QPointF(100, 0)]
    assert spread_markers(lone, 5.0) == lone


def test_turning_online_tiles_on_asks_first(qtbot, monkeypatch, tmp_path: Path) -> None:
    from roadinspect.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    assert window.values["map/online_tiles"] is False and not window.map.tiles.enabled
    asked: list[str] = []

    def answer(reply):
        def question(parent, title, text, *args):
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    window.actions.map_tiles.setChecked(True)
    assert asked and "tile.openstreetmap.org" in asked[0]
    assert not window.actions.map_tiles.isChecked() and not window.map.tiles.enabled
    assert window.map.tiles._manager is None and QSettings().value("map/online_tiles") in (False, "false", None)
    window.map.tiles.cache_dir = tmp_path
    monkeypatch.setattr(window.map.tiles, "_download", lambda key: None)  # no request from a test
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    window.actions.map_tiles.setChecked(True)
    assert len(asked) == 2 and window.map.tiles.enabled and window.values["map/online_tiles"] is True
    window.actions.map_tiles.setChecked(False)
    window.actions.map_tiles.setChecked(True)
    assert len(asked) == 2  # asked once per server


def test_the_settings_dialog_chooses_a_base_map_file(qtbot, monkeypatch, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QFileDialog

    from roadinspect.core import settings as core_settings
    from roadinspect.gui.dialogs import SettingsDialog

    dialog = SettingsDialog(core_settings.defaults())
    qtbot.addWidget(dialog)
    values = dialog.values()
    assert values["map/online_tiles"] is False and values["map/base_map_file"] == ""
    chosen = tmp_path / "fond.mbtiles"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(chosen), ""))
    _, editor = dialog._editors["map/base_map_file"]
    [browse] = [a for a in editor.actions() if a.toolTip()]
    browse.trigger()
    assert dialog.values()["map/base_map_file"] == str(chosen)


def test_turning_online_tiles_on_applies_the_cache_limits(view: MapView, monkeypatch) -> None:
    cache = view.tiles.cache
    for i in range(5):
        cache.put("tile.openstreetmap.org", 16, i, 0, bytes(400_000))
    monkeypatch.setattr(view.tiles, "_download", lambda key: None)  # no request from a test
    view.configure_background(online=True, cache_mb=1)
    left = list(Path(cache.folder).rglob("*.tile"))
    assert len(left) == 2 and sum(p.stat().st_size for p in left) <= 1024 * 1024


def test_an_unreachable_tile_server_shows_offline_not_its_credit(view: MapView, qtbot,
                                                                 request: pytest.FixtureRequest) -> None:
    import socket

    refusing = socket.socket()  # bound, never listening: every connection is refused
    refusing.bind(("127.0.0.1", 0))
    request.addfinalizer(refusing.close)
    view.configure_background(online=True, url=f"http://127.0.0.1:{refusing.getsockname()[1]}/{{z}}/{{x}}/{{y}}.png",
                              attribution="© OpenStreetMap contributors")
    assert view.attribution == "© OpenStreetMap contributors"
    view.fit_all()
    qtbot.waitUntil(lambda: view.tiles.failed >= 1 and not view.tiles._pending, timeout=15000)
    assert not view.tiles._items
    assert "OpenStreetMap" not in view.attribution and "Offline" in view.attribution
