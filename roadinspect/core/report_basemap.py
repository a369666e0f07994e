"""The offline base map under the report's map: the user's tile file, reprojected into the map's plane, one JPEG.

When the user configured an offline base map (Settings › Map, an MBTiles or GeoPackage tile file read
by :mod:`tiles`), the report's map draws it under the track and the sites. The map itself is in the
survey's local metric plane (``geo.MetricFrame``, north up at the centre), the tiles are Web Mercator:
:func:`render_base_map` picks the zoom whose pixels are as fine as the picture's (at most the file's
deepest level, at least its shallowest), stitches the tiles the map's extent needs (at most
:data:`MAX_TILES`; a missing tile is taken from a coarser level of the same file, up to
:data:`MAX_FALLBACK` levels up), then resamples the mosaic into the map's plane piecewise
(``Image.transform`` with a mesh of :data:`MESH_PX`-pixel cells whose corners are projected exactly).
The tiles are lightened (:data:`VEIL` of white over them) so that the coloured track and the symbols
stay readable, and the result is one JPEG of :data:`PX_PER_PT` pixels per point of the map (about
1,000 x 800 pixels, a few hundred kB): the HTML and the PDF each embed it once.

Nothing here touches the network: the tiles come from the file only. A file that cannot be used (missing,
unreadable, vector tiles, another projection) or that does not cover the survey raises
:class:`BaseMapError` with a one-line reason; the report then draws its map without a base map and says why.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from roadinspect.core.geo import MetricFrame
from roadinspect.core.tiles import TileFile, TileFileError, open_tile_file

MAX_TILES = 160
"""Most tiles one map decodes (a 1,000 x 800 px picture needs about 20 at the matching zoom)."""
MAX_FALLBACK = 5
"""Coarser levels tried for a tile the file lacks at the chosen zoom."""
PX_PER_PT = 2.0
"""Pixels of the base map picture per point of the map (144 dpi on paper at the map's size)."""
MESH_PX = 32
"""Side of the mesh cells whose corners are projected exactly (the plane is smooth: bilinear within a cell)."""
VEIL = 0.3
"""Share of white over the tiles."""
JPEG_QUALITY = 72
TILE_PX = 256
_EARTH = 2 * math.pi * 6378137.0
_BACKGROUND = (0xFB, 0xFB, 0xF8)


class BaseMapError(Exception):
    """The base map cannot be drawn; the message says why in one line (naming the file)."""


@dataclass(frozen=True)
class BaseMapImage:
    """The base map picture of one map: JPEG bytes, the file's credit line, the zoom used and the share covered."""

    jpeg: bytes
    attribution: str
    zoom: int
    covered: float


def _mercator_px(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Global Web Mercator pixel coordinates (XYZ tile grid, y down) at ``zoom``."""
    size = TILE_PX * (1 << zoom)
    lat = np.clip(lat, -85.05112878, 85.05112878)
    x = (lon + 180.0) / 360.0 * size
    phi = np.radians(lat)
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / math.pi) / 2.0 * size
    return x, y


def _zoom_for(metres_per_px: float, lat: float, tiles: TileFile) -> int:
    """The shallowest zoom whose tile pixels are at least as fine as ``metres_per_px``, within the file's levels."""
    ground = _EARTH * math.cos(math.radians(lat)) / TILE_PX  # metres per tile pixel at zoom 0
    wanted = math.ceil(math.log2(max(ground / max(metres_per_px, 1e-6), 1.0)))
    return int(min(max(wanted, tiles.min_zoom), tiles.max_zoom))


MAX_TILE_SIDE = 1024
"""Largest tile side decoded (256 is the rule; 512 for high-density tiles): a larger picture is not a tile."""


def _decode(data: bytes) -> Image.Image | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            if max(img.size) > MAX_TILE_SIDE:
                return None  # read from its header, before any pixel is decoded
            img.load()
            return img.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None  # a damaged tile is left out; its neighbours are still drawn


def _tile_image(tiles: TileFile, z: int, x: int, y: int) -> Image.Image | None:
    """Tile (z, x, y), or the matching part of a coarser tile of the file enlarged to it."""
    for up in range(0, MAX_FALLBACK + 1):
        zz = z - up
        if zz < tiles.min_zoom:
            return None
        data = tiles.tile(zz, x >> up, y >> up)
        if data is None:
            continue
        img = _decode(data)
        if img is None:
            continue
        if img.size != (TILE_PX, TILE_PX):
            img = img.resize((TILE_PX, TILE_PX), Image.Resampling.BILINEAR)
        if up == 0:
            return img
        part = TILE_PX / (1 << up)
        ox, oy = (x - ((x >> up) << up)) * part, (y - ((y >> up) << up)) * part
        return img.crop((round(ox), round(oy), round(ox + part), round(oy + part))).resize(
            (TILE_PX, TILE_PX), Image.Resampling.BILINEAR)
    return None


def render_base_map(path: Path | str, frame: MetricFrame, to_metres: Callable[[np.ndarray], np.ndarray],
                    width_pt: float, height_pt: float, metres_per_pt: float) -> BaseMapImage:
    """The base map picture of a ``width_pt`` x ``height_pt`` map.

    ``to_metres`` turns ``(n, 2)`` map points (y down) into the frame's metres (east, north);
    ``metres_per_pt`` is the map's scale. Raises :class:`BaseMapError` (one line) when the file cannot be
    used or holds no tile over the map.
    """
    try:
        tiles = open_tile_file(Path(path))
    except TileFileError as exc:
        raise BaseMapError(str(exc)) from None
    try:
        return _render(tiles, frame, to_metres, width_pt, height_pt, metres_per_pt)
    finally:
        tiles.close()


def _render(tiles: TileFile, frame: MetricFrame, to_metres: Callable[[np.ndarray], np.ndarray],
            width_pt: float, height_pt: float, metres_per_pt: float) -> BaseMapImage:
    out_w, out_h = max(1, round(width_pt * PX_PER_PT)), max(1, round(height_pt * PX_PER_PT))
    # Mesh corners in picture pixels, their positions on the ground (exact projection), then Mercator pixels.
    xs = np.unique(np.append(np.arange(0, out_w, MESH_PX), out_w))
    ys = np.unique(np.append(np.arange(0, out_h, MESH_PX), out_h))
    gx, gy = np.meshgrid(xs, ys)
    points_pt = np.column_stack([gx.ravel() / PX_PER_PT, gy.ravel() / PX_PER_PT])
    geo = frame.to_geo(to_metres(points_pt))
    lon = np.array([p.lon for p in geo]).reshape(gx.shape)
    lat = np.array([p.lat for p in geo]).reshape(gx.shape)
    zoom = _zoom_for(metres_per_pt / PX_PER_PT, frame.center.lat, tiles)
    while True:
        mx, my = _mercator_px(lon, lat, zoom)
        n = 1 << zoom
        tx0, tx1 = max(0, int(np.floor(mx.min() / TILE_PX))), min(n - 1, int(np.floor(mx.max() / TILE_PX)))
        ty0, ty1 = max(0, int(np.floor(my.min() / TILE_PX))), min(n - 1, int(np.floor(my.max() / TILE_PX)))
        count = (tx1 - tx0 + 1) * (ty1 - ty0 + 1)
        if count <= MAX_TILES:
            break
        if zoom <= tiles.min_zoom:
            raise BaseMapError(f"{tiles.path}: its coarsest level (zoom {tiles.min_zoom}) needs {count} tiles for "
                               f"this survey's extent (at most {MAX_TILES}); export a coarser level too")
        zoom -= 1
    mosaic = Image.new("RGB", ((tx1 - tx0 + 1) * TILE_PX, (ty1 - ty0 + 1) * TILE_PX), _BACKGROUND)
    mask = Image.new("L", mosaic.size, 0)
    found = 0
    for ty in range(ty0, ty1 + 1):
        for tx in range(tx0, tx1 + 1):
            img = _tile_image(tiles, zoom, tx, ty)
            if img is None:
                continue
            found += 1
            at = ((tx - tx0) * TILE_PX, (ty - ty0) * TILE_PX)
            mosaic.paste(img, at, img)
            mask.paste(img.getchannel("A"), at)
    if not found:
        raise BaseMapError(f"{tiles.path}: no tile of this base map lies under the survey (zoom "
                           f"{tiles.min_zoom}-{tiles.max_zoom})")
    # One quad per mesh cell: where its corners fall in the mosaic (upper left, lower left, lower right, upper right).
    qx, qy = mx - tx0 * TILE_PX, my - ty0 * TILE_PX
    mesh = []
    for j in range(len(ys) - 1):
        for i in range(len(xs) - 1):
            box = (int(xs[i]), int(ys[j]), int(xs[i + 1]), int(ys[j + 1]))
            quad = (qx[j, i], qy[j, i], qx[j + 1, i], qy[j + 1, i], qx[j + 1, i + 1], qy[j + 1, i + 1],
                    qx[j, i + 1], qy[j, i + 1])
            mesh.append((box, tuple(float(v) for v in quad)))
    picture = mosaic.transform((out_w, out_h), Image.Transform.MESH, mesh, resample=Image.Resampling.BILINEAR,
                               fillcolor=_BACKGROUND)
    covered_mask = mask.transform((out_w, out_h), Image.Transform.MESH, mesh, resample=Image.Resampling.NEAREST,
                                  fillcolor=0)
    covered = float(np.count_nonzero(np.asarray(covered_mask) > 127)) / (out_w * out_h)
    if covered == 0.0:
        raise BaseMapError(f"{tiles.path}: no tile of this base map lies under the survey")
    picture = Image.blend(picture, Image.new("RGB", picture.size, (255, 255, 255)), VEIL)
    buf = io.BytesIO()
    picture.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return BaseMapImage(buf.getvalue(), tiles.attribution, zoom, covered)


__all__ = ["MAX_TILES", "BaseMapError", "BaseMapImage", "render_base_map"]
