"""Map tiles without Qt (issue 12 point 5): offline base maps (MBTiles, GeoPackage), the tile address,
the bounded disk cache."""

from __future__ import annotations

import math
import os
import sqlite3
import time
from pathlib import Path

import pytest

from roadinspect.core.tiles import (
    MAX_TILE_BYTES,
    TileCache,
    TileFileError,
    check_tile_url,
    open_tile_file,
    tile_host,
    tile_url,
)

EARTH = 2 * math.pi * 6378137.0


def make_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], fmt: str = "png",
                 attribution: str = "© Département test") -> Path:
    """An MBTiles file holding ``tiles`` given in XYZ numbering (stored with TMS rows, as the format says)."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "test"), ("format", fmt),
                                                           ("attribution", attribution)])
    con.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                    [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()])
    con.commit()
    con.close()
    return path


def make_gpkg_tiles(path: Path, z: int, col0: int, row0: int, tiles: dict[tuple[int, int], bytes],
                    srs: int = 3857, width: int = 4, height: int = 4) -> Path:
    """A GeoPackage tile pyramid at XYZ zoom ``z`` whose matrix starts at XYZ tile (col0, row0)."""
    span = EARTH / (1 << z)
    min_x, max_y = -EARTH / 2 + col0 * span, EARTH / 2 - row0 * span
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE gpkg_contents (table_name TEXT, data_type TEXT, identifier TEXT, srs_id INTEGER)")
    con.execute("CREATE TABLE gpkg_tile_matrix_set (table_name TEXT, srs_id INTEGER, min_x REAL, min_y REAL, "
                "max_x REAL, max_y REAL)")
    con.execute("CREATE TABLE gpkg_tile_matrix (table_name TEXT, zoom_level INTEGER, matrix_width INTEGER, "
                "matrix_height INTEGER, tile_width INTEGER, tile_height INTEGER, pixel_x_size REAL, pixel_y_size REAL)")
    con.execute("CREATE TABLE plan_ign (id INTEGER PRIMARY KEY, zoom_level INTEGER, tile_column INTEGER, "
                "tile_row INTEGER, tile_data BLOB)")
    con.execute("INSERT INTO gpkg_contents VALUES ('plan_ign', 'tiles', 'Plan IGN (extrait)', ?)", (srs,))
    con.execute("INSERT INTO gpkg_tile_matrix_set VALUES ('plan_ign', ?, ?, ?, ?, ?)",
                (srs, min_x, max_y - height * span, min_x + width * span, max_y))
    con.execute("INSERT INTO gpkg_tile_matrix VALUES ('plan_ign', 0, ?, ?, 256, 256, ?, ?)",
                (width, height, span / 256, span / 256))
    con.executemany("INSERT INTO plan_ign (zoom_level, tile_column, tile_row, tile_data) VALUES (0, ?, ?, ?)",
                    [(c, r, data) for (c, r), data in tiles.items()])
    con.commit()
    con.close()
    return path


def test_mbtiles_rows_are_flipped_to_xyz(tmp_path: Path) -> None:
    base = open_tile_file(make_mbtiles(tmp_path / "base.mbtiles", {(16, 32700, 22800): b"A", (17, 1, 2): b"B"}))
    try:
        assert base.tile(16, 32700, 22800) == b"A" and base.tile(17, 1, 2) == b"B"
        assert base.tile(16, 32700, 22801) is None and base.tile(12, 0, 0) is None
        assert (base.min_zoom, base.max_zoom) == (16, 17) and base.attribution == "© Département test"
    finally:
        base.close()


def test_geopackage_tiles_on_the_xyz_grid(tmp_path: Path) -> None:
    base = open_tile_file(make_gpkg_tiles(tmp_path / "plan.gpkg", 15, 16300, 11300, {(0, 0): b"NW", (2, 1): b"C"}))
    try:
        assert base.tile(15, 16300, 11300) == b"NW" and base.tile(15, 16302, 11301) == b"C"
        assert base.tile(15, 16299, 11300) is None and base.tile(14, 8150, 5650) is None
        assert base.attribution == "Plan IGN (extrait)" and base.min_zoom == base.max_zoom == 15
    finally:
        base.close()


@pytest.mark.parametrize(("make", "words"), [
    (lambda p: p.write_bytes(b"not a database at all" * 100) and p, "not a readable"),
    (lambda p: make_mbtiles(p, {(1, 0, 0): b"x"}, fmt="pbf"), "vector tiles"),
    (lambda p: make_mbtiles(p, {}), "holds no tile"),
    (lambda p: make_gpkg_tiles(p, 15, 0, 0, {(0, 0): b"x"}, srs=4326), "EPSG:4326"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE other (a)") and p, "neither an MBTiles"),
])
def test_unusable_tile_files_are_one_line_naming_the_file(tmp_path: Path, make, words: str) -> None:
    path = tmp_path / "fond de carte.mbtiles"
    make(path)
    with pytest.raises(TileFileError) as caught:
        open_tile_file(path)
    assert str(path) in str(caught.value) and words in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(TileFileError, match="not found"):
        open_tile_file(tmp_path / "missing.mbtiles")


def test_tile_addresses_are_checked() -> None:
    osm = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    ign = ("https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS."
           "PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&FORMAT=image/png")
    assert check_tile_url(osm) == osm and check_tile_url(" " + ign + " ") == ign
    assert tile_url(ign, 15, 16300, 11300).endswith("TILEMATRIX=15&TILEROW=11300&TILECOL=16300&FORMAT=image/png")
    assert tile_host(ign) == "data.geopf.fr"
    for bad in ("file:///etc/{z}/{x}/{y}.png", "https://server/{z}/{x}.png", "ftp://a/{z}/{x}/{y}",
                "https://a/{z}/{x}/{y}/{s}.png", "tile.openstreetmap.org/{z}/{x}/{y}.png"):
        with pytest.raises(ValueError, match="tile address"):
            check_tile_url(bad)


def test_cache_expires_and_stays_within_its_size(tmp_path: Path) -> None:
    cache = TileCache(tmp_path / "tiles", max_bytes=10_000, max_age_s=3600)
    now = time.time()
    for i in range(8):
        cache.put("osm", 16, i, 0, bytes(3000))
        os.utime(cache.path("osm", 16, i, 0), (now - 100 + i, now - 100 + i))  # tile i is newer than i - 1
    assert cache.get("osm", 16, 7, 0) == bytes(3000)
    files, total = cache.prune(now)
    assert (files, total) == (3, 9000)
    assert [cache.get("osm", 16, i, 0) is not None for i in range(8)] == [False] * 5 + [True] * 3  # oldest gone
    os.utime(cache.path("osm", 16, 7, 0), (now - 7200, now - 7200))
    assert cache.get("osm", 16, 7, 0, now) is None  # expired: fetched again
    assert cache.prune(now) == (2, 6000)


def test_cache_refuses_oversized_tiles_and_keeps_nothing_at_size_zero(tmp_path: Path) -> None:
    cache = TileCache(tmp_path, max_bytes=100 * MAX_TILE_BYTES, max_age_s=3600)
    cache.put("osm", 1, 0, 0, bytes(MAX_TILE_BYTES + 1))
    assert cache.get("osm", 1, 0, 0) is None
    off = TileCache(tmp_path / "off", max_bytes=0, max_age_s=3600)
    off.put("osm", 1, 0, 0, b"png")
    assert off.get("osm", 1, 0, 0) is None and not (tmp_path / "off").exists()
    assert cache.path("../../etc", 1, 2, 3).is_relative_to(tmp_path)  # a server name cannot leave the cache
