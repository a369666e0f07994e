"""Map tiles behind the map, Qt-free: an offline tile file, the online tile address, a bounded disk cache.

Nothing here touches the network: the GUI downloads (``roadinspect.gui.map_view``), and only when the
user turned online tiles on. What this module gives it:

* :func:`open_tile_file`: a local base map the user chose, an **MBTiles** file (SQLite, ``tiles`` table,
  TMS rows) or a **GeoPackage** tile pyramid in Web Mercator (EPSG:3857) aligned on the usual XYZ grid
  (as QGIS's "Generate XYZ tiles (MBTiles)" or GDAL's ``gdal_translate -of MBTILES/GPKG`` write them).
  Both are read-only, opened once; :meth:`TileFile.tile` answers ``(z, x, y)`` in XYZ numbering.
* :func:`check_tile_url`: a tile server address (``https://server/{z}/{x}/{y}.png``: OpenStreetMap, a
  département's own server, IGN's Plan IGN in XYZ form) checked before any request is made.
* :class:`TileCache`: downloaded tiles on disk, bounded in size (oldest removed first) and age (a tile
  older than the expiry is fetched again, then removed by :meth:`TileCache.prune`).
* :data:`MAX_TILE_BYTES`: the largest tile a download may bring (a server sending more is cut off).
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

MAX_TILE_BYTES = 1 << 20
"""Largest accepted tile (1 MiB; an OSM tile is 5-50 KB)."""
DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = "© OpenStreetMap contributors"
MAX_ZOOM = 22
_EARTH = 2 * math.pi * 6378137.0
_ORIGIN = _EARTH / 2


class TileFileError(Exception):
    """A tile file that cannot be used; the message names the file and says why."""


class TileFile:
    """A local tile pyramid, read-only (see :func:`open_tile_file`)."""

    path: Path
    attribution: str
    min_zoom: int
    max_zoom: int

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The image bytes of XYZ tile ``(z, x, y)``, or None when the file has none there."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the file."""
        raise NotImplementedError


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise TileFileError(f"{path}: base map file not found")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        con.execute("PRAGMA query_only = ON")
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise TileFileError(f"{path}: not a readable MBTiles or GeoPackage file ({exc})") from None
    return con


class MBTiles(TileFile):
    """An MBTiles file: ``tiles(zoom_level, tile_column, tile_row, tile_data)``, rows counted from the south."""

    def __init__(self, path: Path, con: sqlite3.Connection) -> None:
        self.path, self._con = path, con
        try:
            meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
        except sqlite3.Error:
            meta = {}
        try:
            low, high = con.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        except sqlite3.Error as exc:
            raise TileFileError(f"{path}: not an MBTiles file (no tiles table: {exc})") from None
        if low is None:
            raise TileFileError(f"{path}: the MBTiles file holds no tile")
        if str(meta.get("format", "png")).lower() in ("pbf", "mvt"):
            raise TileFileError(f"{path}: vector tiles (pbf) cannot be drawn; use a raster MBTiles (png, jpg, webp)")
        self.min_zoom, self.max_zoom = int(low), int(high)
        self.attribution = str(meta.get("attribution") or meta.get("name") or path.name)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        row = self._con.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (1 << z) - 1 - y)).fetchone()
        return bytes(row[0]) if row and row[0] else None

    def close(self) -> None:
        self._con.close()


@dataclass(frozen=True)
class _Level:
    zoom: int  # the GeoPackage's own zoom_level
    col0: int  # XYZ column of the GeoPackage's column 0
    row0: int  # XYZ row of the GeoPackage's row 0
    width: int
    height: int


class GeoPackageTiles(TileFile):
    """The first tile pyramid of a GeoPackage, in EPSG:3857 on the XYZ grid (256 px tiles)."""

    def __init__(self, path: Path, con: sqlite3.Connection) -> None:
        self.path, self._con = path, con
        try:
            found = con.execute("SELECT c.table_name, c.identifier, s.srs_id, s.min_x, s.max_y FROM gpkg_contents c "
                                "JOIN gpkg_tile_matrix_set s ON s.table_name = c.table_name "
                                "WHERE c.data_type = 'tiles' ORDER BY c.table_name").fetchone()
        except sqlite3.Error as exc:
            raise TileFileError(f"{path}: not a GeoPackage with tiles ({exc})") from None
        if found is None:
            raise TileFileError(f"{path}: the GeoPackage holds no tile pyramid")
        table, identifier, srs, min_x, max_y = found
        if not str(table).replace("_", "").isalnum():
            raise TileFileError(f"{path}: unusual tile table name {table!r}")
        if int(srs) != 3857:
            raise TileFileError(f"{path}: tiles in EPSG:{srs}; RoadInspect draws Web Mercator (EPSG:3857) tiles")
        self._table = table
        self._levels: dict[int, _Level] = {}
        for zoom, width, height, tile_w, tile_h, pixel in con.execute(
                "SELECT zoom_level, matrix_width, matrix_height, tile_width, tile_height, pixel_x_size "
                "FROM gpkg_tile_matrix WHERE table_name = ?", (table,)):  # name checked above
            if tile_w != 256 or tile_h != 256 or not pixel:
                continue
            z = round(math.log2(_EARTH / (256 * pixel)))
            span = _EARTH / (1 << z)
            col0, row0 = (min_x + _ORIGIN) / span, (_ORIGIN - max_y) / span
            if (0 <= z <= MAX_ZOOM and abs(256 * pixel - span) < 1e-6 * span
                    and abs(col0 - round(col0)) < 1e-3 and abs(row0 - round(row0)) < 1e-3):
                self._levels[z] = _Level(int(zoom), round(col0), round(row0), int(width), int(height))
        if not self._levels:
            raise TileFileError(f"{path}: the tile pyramid is not on the Web Mercator XYZ grid (256 px tiles)")
        self.min_zoom, self.max_zoom = min(self._levels), max(self._levels)
        self.attribution = str(identifier or path.name)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        level = self._levels.get(z)
        if level is None:
            return None
        col, row = x - level.col0, y - level.row0
        if not (0 <= col < level.width and 0 <= row < level.height):
            return None
        found = self._con.execute(f"SELECT tile_data FROM {self._table} WHERE zoom_level = ? AND tile_column = ? "
                                  "AND tile_row = ?", (level.zoom, col, row)).fetchone()
        return bytes(found[0]) if found and found[0] else None

    def close(self) -> None:
        self._con.close()


def open_tile_file(path: Path | str) -> TileFile:
    """Open an MBTiles or GeoPackage base map; :class:`TileFileError` naming the file when it cannot be used."""
    path = Path(path)
    con = _connect(path)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        if "gpkg_contents" in names:
            return GeoPackageTiles(path, con)
        if "tiles" in names:
            return MBTiles(path, con)
    except TileFileError:
        con.close()
        raise
    except sqlite3.Error as exc:
        con.close()
        raise TileFileError(f"{path}: not a readable MBTiles or GeoPackage file ({exc})") from None
    con.close()
    raise TileFileError(f"{path}: neither an MBTiles file (no 'tiles' table) nor a GeoPackage")


def check_tile_url(url: str) -> str:
    """``url`` when it is a usable tile address (http or https, with ``{z}``, ``{x}`` and ``{y}``); else ValueError."""
    text = str(url).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"tile address {text!r}: must start with https:// (or http://) and name a server")
    for key in ("{z}", "{x}", "{y}"):
        if key not in text:
            raise ValueError(f"tile address {text!r}: must contain {{z}}, {{x}} and {{y}}")
    rest = text.replace("{z}", "").replace("{x}", "").replace("{y}", "")
    if "{" in rest or "}" in rest:
        raise ValueError(f"tile address {text!r}: only {{z}}, {{x}} and {{y}} may be used")
    return text


def tile_url(template: str, z: int, x: int, y: int) -> str:
    """The address of one tile."""
    return template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))


def tile_host(template: str) -> str:
    """The server of a tile address (shown when asking the user)."""
    return urlsplit(template).hostname or template


class TileCache:
    """Downloaded tiles on disk: ``folder/<server>/<z>/<x>/<y>.tile``, at most ``max_bytes``, ``max_age_s`` old."""

    def __init__(self, folder: Path, max_bytes: int, max_age_s: float) -> None:
        self.folder = Path(folder)
        self.max_bytes = max(0, int(max_bytes))
        self.max_age_s = float(max_age_s)
        self._puts = 0

    def path(self, server: str, z: int, x: int, y: int) -> Path:
        """The cache file of one tile of ``server`` (a name made of its host)."""
        safe = "".join(c if c.isalnum() or c in ".-" else "_" for c in server).strip(".") or "server"
        return self.folder / safe / str(z) / str(x) / f"{y}.tile"

    def get(self, server: str, z: int, x: int, y: int, now: float | None = None) -> bytes | None:
        """The cached tile when it is there and younger than the expiry."""
        path = self.path(server, z, x, y)
        try:
            if (now if now is not None else time.time()) - path.stat().st_mtime > self.max_age_s:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def put(self, server: str, z: int, x: int, y: int, data: bytes) -> None:
        """Store a tile (atomically); the cache is pruned every 64 tiles. Nothing is kept with a 0 size limit."""
        if self.max_bytes <= 0 or len(data) > MAX_TILE_BYTES:
            return
        path = self.path(server, z, x, y)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.part")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:
            return
        self._puts += 1
        if self._puts % 64 == 0:
            self.prune()

    def prune(self, now: float | None = None) -> tuple[int, int]:
        """Remove expired tiles, then the oldest until the cache fits its size; returns (files, bytes) left."""
        now = now if now is not None else time.time()
        files: list[tuple[float, int, Path]] = []
        if not self.folder.is_dir():
            return 0, 0
        for path in self.folder.rglob("*"):
            if not path.is_file():
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            if path.suffix != ".tile" or now - st.st_mtime > self.max_age_s:
                with contextlib.suppress(OSError):
                    path.unlink()
                continue
            files.append((st.st_mtime, st.st_size, path))
        files.sort()
        total = sum(size for _, size, _ in files)
        while files and total > self.max_bytes:
            _, size, path = files.pop(0)
            with contextlib.suppress(OSError):
                path.unlink()
            total -= size
        return len(files), total


__all__ = ["DEFAULT_ATTRIBUTION", "DEFAULT_TILE_URL", "MAX_TILE_BYTES", "GeoPackageTiles", "MBTiles", "TileCache",
           "TileFile", "TileFileError", "check_tile_url", "open_tile_file", "tile_host", "tile_url"]
