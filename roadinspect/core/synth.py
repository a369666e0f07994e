"""Procedural road photos made by the project itself, with their true damage masks.

:func:`render_scene` draws what a forward-looking camera tilted towards the road sees (a pinhole
camera at ``CameraRig.height_m`` above a flat road, pitched down by ``CameraRig.pitch_deg``):
sky and a tree line, grass verges, a two-lane asphalt road with grain, tone variation, repairs,
tree shadows and French lane markings (dashed centre line, continuous edge lines), and the damage:
cracks (branching random walks, longitudinal / transverse / alligator patterns, dark, 1-4 px wide)
and potholes (irregular dark blobs with a ravelled rim and directional shading). Texture and
damage are laid out on the ground (in metres) and projected, so perspective is right: things get
smaller and flatter towards the horizon. The returned mask is the exact truth, pixel for pixel
(0 background, 1 crack, 2 pothole), with the damage's ground truth in :attr:`Scene.damages`.

:func:`write_geotagged_jpeg` writes a JPEG with GPS EXIF (Pillow's EXIF writer, GPS IFD 0x8825) and
:func:`make_samples` renders the bundled samples along a real French road: the D1029 (the old
Roman road Amiens - Saint-Quentin, Somme) just east of Lamotte-Warfusée. The positions lie on the
straight line from Lamotte-Warfusée (49°52'20"N 2°35'46"E) towards Vermand (49°52'36"N 3°09'02"E),
which that road follows; expect them within about 100 m of the carriageway.

:func:`make_benchmark_batch` writes many 12-megapixel geotagged JPEGs quickly: the pixels are
encoded once and only the EXIF segment differs from file to file.

Everything is deterministic for a given seed. Regenerate the samples with
``python -m roadinspect.core.synth --out resources/samples``.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import struct
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.TiffImagePlugin import IFDRational
from scipy import ndimage

from roadinspect.core.types import CRACK_KINDS, DamageClass, GeoPoint

DRAWN_CRACKS = tuple(kind for kind in CRACK_KINDS if kind != "isolated")
"""The crack patterns a scene can draw: the crack types of ``types.CRACK_KINDS`` that are a shape of their own.
``isolated`` is not one: it is what the findings' measures call a crack that is none of the others (a short or
oblique piece), not a pattern to draw."""

ROAD_START = GeoPoint(49.872222, 2.596111)
"""Lamotte-Warfusée (Somme), on the D1029."""
ROAD_TOWARDS = GeoPoint(49.876667, 3.150556)
"""Vermand (Aisne), further east on the same road."""
ROAD_NAME = "D1029 (Amiens - Saint-Quentin), east of Lamotte-Warfusée, Somme, France"


@dataclass(frozen=True)
class CameraRig:
    """The synthetic camera: height above the road, downward pitch and lens (35 mm equivalent)."""

    height_m: float = 2.0
    pitch_deg: float = 14.0
    focal_35mm: float = 28.0
    focal_mm: float = 4.4

    def focal_px(self, width: int) -> float:
        """Focal length in pixels for an image ``width`` pixels wide (36 mm full-frame width)."""
        return width * self.focal_35mm / 36.0


@dataclass(frozen=True)
class SceneDamage:
    """Ground truth of one damage instance drawn in a scene.

    ``bbox`` is ``(x0, y0, x1, y1)`` in image pixels (x1, y1 exclusive); ``ground_xz`` is the
    instance's centre on the road in metres (x to the right of the camera, z ahead of it);
    ``size_m`` is the length in metres of a crack (all branches) or the area in square metres of
    a pothole or an alligator patch; ``width_m`` the crack width or pothole diameter in metres.
    """

    damage: DamageClass
    kind: str
    bbox: tuple[int, int, int, int]
    ground_xz: tuple[float, float]
    size_m: float
    width_m: float


@dataclass(frozen=True)
class Scene:
    """A rendered road photo: ``image`` (H, W, 3) uint8 RGB and its true ``mask`` (H, W) uint8 0/1/2."""

    image: np.ndarray
    mask: np.ndarray
    seed: int
    rig: CameraRig
    damages: tuple[SceneDamage, ...] = ()


# ----------------------------------------------------------------------------- geometry
class _View:
    """Pixel <-> ground mapping of a pinhole camera over a flat road (camera frame: x right, z ahead)."""

    def __init__(self, width: int, height: int, rig: CameraRig) -> None:
        self.width, self.height, self.rig = width, height, rig
        self.f = rig.focal_px(width)
        self.cx, self.cy = width / 2.0, height / 2.0
        self.s, self.c = math.sin(math.radians(rig.pitch_deg)), math.cos(math.radians(rig.pitch_deg))
        yc = (np.arange(height) + 0.5 - self.cy) / self.f
        denom = yc * self.c + self.s
        self.ground_rows = denom > 1e-4
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(self.ground_rows, rig.height_m / np.maximum(denom, 1e-4), np.inf)
        self.t: np.ndarray = t  # ray length factor per row
        self.z = np.where(self.ground_rows, t * (self.c - yc * self.s), np.inf)  # metres ahead, per row
        self.xc: np.ndarray = (np.arange(width) + 0.5 - self.cx) / self.f
        self.lateral_px: np.ndarray = np.where(self.ground_rows, t / self.f, np.inf)  # metres per pixel across
        dz = np.abs(np.gradient(np.where(self.ground_rows, self.z, 1e6)))
        self.forward_px = np.where(self.ground_rows, dz, np.inf)  # metres per pixel along the road
        self.horizon_v = self.cy - self.f * self.s / self.c

    def ground_x(self, rows: slice = slice(None)) -> np.ndarray:
        """Lateral ground coordinate (metres) of every pixel of ``rows``: (h, W)."""
        out: np.ndarray = self.t[rows, None] * self.xc[None, :]
        return out

    def project(self, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Image coordinates ``(u, v)`` of ground points ``(x, z)``; NaN behind the camera."""
        h = self.rig.height_m
        yc = h * self.c - z * self.s
        zc = h * self.s + z * self.c
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(zc > 1e-3, self.cx + self.f * x / zc, np.nan)
            v = np.where(zc > 1e-3, self.cy + self.f * yc / zc, np.nan)
        return u, v

    def metres_per_px(self, v: np.ndarray) -> np.ndarray:
        """Lateral ground size of one pixel at image rows ``v`` (float rows, clipped to the image)."""
        rows = np.clip(np.asarray(v, dtype=float).astype(int), 0, self.height - 1)
        out: np.ndarray = self.lateral_px[rows]
        return out


def _noise_lattice(rng: np.random.Generator, size: int = 256) -> np.ndarray:
    lattice = rng.standard_normal((size, size)).astype(np.float32)
    out: np.ndarray = ndimage.gaussian_filter(lattice, 1.0, mode="wrap") * 2.5
    return out


def _sample(lattice: np.ndarray, a: np.ndarray, b: np.ndarray, period_m: float) -> np.ndarray:
    """Bilinear sample of a wrapped noise lattice at ground coordinates (metres), ``period_m`` per lattice."""
    n = lattice.shape[0]
    coords = np.stack([np.asarray(b, np.float32) * (n / period_m), np.asarray(a, np.float32) * (n / period_m)])
    out: np.ndarray = ndimage.map_coordinates(lattice, coords.reshape(2, -1), order=1, mode="grid-wrap").reshape(
        np.shape(a)
    )
    return out


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


# ----------------------------------------------------------------------------- background
@dataclass
class _Layout:
    """Where the road lies in the camera's ground frame, and its look."""

    yaw: float  # radians, road direction relative to the optical axis
    offset: float  # metres, lateral shift of the road
    lane: float = 3.5
    shoulder: float = 0.6
    asphalt: tuple[float, float, float] = (0.40, 0.40, 0.41)
    grass: tuple[float, float, float] = (0.32, 0.40, 0.20)
    sky: tuple[float, float, float] = (0.62, 0.72, 0.86)
    shadows: bool = False
    patches: list[tuple[float, float, float, float]] = field(default_factory=list)

    def to_road(self, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Camera ground frame -> road frame (xr across the road, 0 at the centre line; zr along it)."""
        cy, sy = math.cos(self.yaw), math.sin(self.yaw)
        return x * cy - z * sy - self.offset, x * sy + z * cy

    def to_camera(self, xr: np.ndarray, zr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cy, sy = math.cos(self.yaw), math.sin(self.yaw)
        xs = xr + self.offset
        return xs * cy + zr * sy, -xs * sy + zr * cy


def _random_layout(rng: np.random.Generator) -> _Layout:
    tone = rng.uniform(0.30, 0.50)
    tint = rng.uniform(-0.015, 0.015)
    patches = []
    for _ in range(rng.integers(0, 3)):
        patches.append((rng.uniform(-3.0, 3.0), rng.uniform(4.0, 30.0), rng.uniform(0.6, 2.0), rng.uniform(0.8, 4.0)))
    return _Layout(
        yaw=math.radians(rng.uniform(-2.5, 2.5)),
        offset=-1.75 + rng.uniform(-0.35, 0.35),
        asphalt=(tone + tint, tone, tone - tint + 0.01),
        grass=(rng.uniform(0.25, 0.42), rng.uniform(0.34, 0.46), rng.uniform(0.14, 0.24)),
        sky=(rng.uniform(0.55, 0.70), rng.uniform(0.66, 0.78), rng.uniform(0.80, 0.92)),
        shadows=bool(rng.random() < 0.5),
        patches=patches,
    )


def _render_background(view: _View, layout: _Layout, rng: np.random.Generator) -> np.ndarray:
    """Sky, trees, verges, asphalt, markings and shadows: (H, W, 3) float32 in 0..1."""
    width, height = view.width, view.height
    image = np.empty((height, width, 3), np.float32)
    lattices = [_noise_lattice(rng) for _ in range(6)]

    # Sky with a gradient, then a tree line whose top wavers.
    v = np.arange(height, dtype=np.float32)[:, None]
    sky_top = np.array(layout.sky, np.float32)
    sky_low = np.array([0.86, 0.88, 0.90], np.float32)
    frac = np.clip(v / max(1.0, view.horizon_v), 0, 1)[..., None]
    image[:] = sky_top * (1 - frac) + sky_low * frac
    u = np.arange(width, dtype=np.float32)
    tree_h = (0.03 + 0.02 * _sample(lattices[5], u / width * 3, np.zeros_like(u), 4.0)
              + 0.006 * _sample(lattices[4], u / width * 12, np.zeros_like(u), 4.0)) * height
    tree_top = view.horizon_v - np.maximum(tree_h, 1.0)
    trees = (v >= tree_top[None, :]) & (v < view.horizon_v + 1)
    leaf = 0.16 + 0.05 * _sample(lattices[3], u[None, :] / 6.0 + 0 * v, v / 6.0 + 0 * u[None, :], 8.0)
    tree_rgb = np.stack([leaf * 0.9, leaf * 1.15, leaf * 0.7], -1)
    image = np.where(trees[..., None], tree_rgb, image)

    rows = np.nonzero(view.ground_rows)[0]
    if rows.size == 0:
        return image
    r0 = rows[0]
    sl = slice(r0, height)
    xg = view.ground_x(sl)
    zg = np.broadcast_to(view.z[sl, None], xg.shape)
    xr, zr = layout.to_road(xg, zg)
    foot = np.sqrt(view.lateral_px[sl] * view.forward_px[sl])[:, None]  # metres per pixel

    def octave(lat: np.ndarray, period: float, scale: float) -> np.ndarray:
        atten = np.clip(scale / np.maximum(foot, 1e-6), 0, 1)
        out: np.ndarray = _sample(lat, xr, zr, period) * atten
        return out

    # Asphalt: aggregate grain (mm), texture (cm), tone (dm - m), ageing (10 m).
    grain = octave(lattices[0], 0.6, 0.004) * 0.16 + octave(lattices[1], 3.0, 0.02) * 0.07
    tone = _sample(lattices[2], xr, zr, 25.0) * 0.05 + _sample(lattices[3], xr, zr, 120.0) * 0.05
    stones = np.clip(octave(lattices[4], 0.35, 0.003) - 1.2, 0, None) * 0.30
    base = np.array(layout.asphalt, np.float32)
    asphalt = base * (1 + tone[..., None]) + (grain + stones)[..., None] * base.mean()
    # Wheel paths are slightly darker and smoother.
    for centre in (-2.6, -0.9, 0.9, 2.6):
        asphalt *= 1 - 0.05 * np.exp(-((xr - centre) / 0.35) ** 2)[..., None]
    for px, pz, pw, pl in layout.patches:
        inside = _smoothstep(0.0, 0.03, np.minimum(pw / 2 - np.abs(xr - px), pl / 2 - np.abs(zr - pz)))
        asphalt *= (1 - 0.18 * inside)[..., None]

    half = layout.lane * 2 / 2
    verge = np.abs(xr) - half
    grass_tex = 1 + _sample(lattices[5], xr, zr, 2.0) * 0.18 + octave(lattices[0], 0.8, 0.01) * 0.12
    grass = np.array(layout.grass, np.float32) * grass_tex[..., None]
    gravel = np.array([0.47, 0.44, 0.40], np.float32) * (1 + octave(lattices[1], 0.5, 0.006)[..., None] * 0.25)
    shoulder = np.where((verge > layout.shoulder)[..., None], grass, gravel)
    edge_blend = _smoothstep(-0.02, 0.02, verge)[..., None]
    ground = asphalt * (1 - edge_blend) + shoulder * edge_blend

    # Markings (French): continuous edge lines 0.2 m inside the edge, dashed centre line 3 m / 10 m.
    def line(center: float, width_m: float) -> np.ndarray:
        out: np.ndarray = np.clip((width_m / 2 - np.abs(xr - center)) / np.maximum(foot, 1e-3) + 0.5, 0, 1)
        return out

    wear = np.clip(0.85 + octave(lattices[2], 1.5, 0.01) * 0.25, 0.3, 1)
    paint = np.maximum(line(-half + 0.25, 0.15), line(half - 0.25, 0.15))
    dash = ((zr % 13.0) < 3.0).astype(np.float32)
    paint = np.maximum(paint, line(0.0, 0.12) * dash) * wear
    ground = ground * (1 - paint[..., None]) + np.float32(0.86) * paint[..., None]

    if layout.shadows:
        # Shadows of roadside trees: large soft patches reaching in from one verge.
        side = rng.choice([-1.0, 1.0])
        reach = rng.uniform(1.0, 3.5)  # metres the shadows reach onto the road
        canopy = _sample(lattices[3], xr * 0.25, zr * 0.12, 40.0) * 0.9
        blob = canopy + (side * xr - (half - reach)) / 1.5
        shade = _smoothstep(-0.1, 0.8, blob) * rng.uniform(0.30, 0.45)
        ground *= (1 - shade[..., None] * np.array([1.0, 0.97, 0.9], np.float32))

    # Haze towards the horizon.
    haze = 1 - np.exp(-zg / 140.0)
    ground = ground * (1 - haze[..., None]) + np.array([0.78, 0.80, 0.82], np.float32) * haze[..., None]
    image[sl] = ground
    return image


# ----------------------------------------------------------------------------- cracks
def _walk(rng: np.random.Generator, start: tuple[float, float], angle: float, length: float,
          wobble: float, step: float = 0.02) -> np.ndarray:
    """A jagged path on the road (metres): (n, 2) points that keep their general direction.

    The heading is ``angle`` plus slow meanders and fast zig-zags (``wobble`` radians), not a
    cumulative drift, so a longitudinal crack stays longitudinal.
    """
    n = max(2, int(length / step))
    slow = ndimage.gaussian_filter1d(rng.standard_normal(n), 20) * 4.0
    fast = ndimage.gaussian_filter1d(rng.standard_normal(n), 1.5) * 1.6
    angles = angle + wobble * (0.45 * slow + fast)
    pts = np.empty((n, 2))
    pts[0] = start
    pts[1:, 0] = start[0] + np.cumsum(np.cos(angles[1:]) * step)
    pts[1:, 1] = start[1] + np.cumsum(np.sin(angles[1:]) * step)
    return pts


def _crack_paths(rng: np.random.Generator, kind: str, centre: tuple[float, float]) -> list[tuple[np.ndarray, float]]:
    """Polylines on the road (metres) with their width in metres, for one crack instance."""
    paths: list[tuple[np.ndarray, float]] = []
    width = rng.uniform(0.004, 0.012)
    if kind == "alligator":
        from scipy.spatial import Voronoi

        ax, az = rng.uniform(0.5, 0.9), rng.uniform(0.7, 1.4)
        cells = rng.uniform(-1, 1, (int(ax * az * 45) + 12, 2)) * (ax * 1.3, az * 1.3)
        vor = Voronoi(cells)
        for a, b in vor.ridge_vertices:
            if a < 0 or b < 0:
                continue
            p, q = vor.vertices[a], vor.vertices[b]
            mid = (p + q) / 2
            if (mid[0] / ax) ** 2 + (mid[1] / az) ** 2 > 1:
                continue
            seg = np.linspace(p, q, max(3, int(np.linalg.norm(q - p) / 0.015)))
            jitter = ndimage.gaussian_filter1d(rng.normal(0, 0.02, seg.shape), 1.5, axis=0)
            seg[1:-1] += jitter[1:-1] - np.linspace(jitter[0], jitter[-1], len(seg))[1:-1]
            paths.append((seg + centre, rng.uniform(0.003, 0.007)))
        return paths
    if kind == "longitudinal":
        angle, length = math.pi / 2 + rng.normal(0, 0.08), rng.uniform(2.5, 6.0)
        start = (centre[0], centre[1] - length / 2)
    else:  # transverse
        angle, length = rng.normal(0, 0.10) + (math.pi if rng.random() < 0.5 else 0.0), rng.uniform(1.5, 3.2)
        start = (centre[0] - math.cos(angle) * length / 2, centre[1])
    trunk = _walk(rng, start, angle, length, wobble=0.30)
    paths.append((trunk, width))
    for _ in range(rng.integers(1, 4)):
        at = trunk[rng.integers(len(trunk) // 5, len(trunk) - 1)]
        branch_angle = angle + rng.choice([-1, 1]) * rng.uniform(0.4, 1.1)
        paths.append((_walk(rng, tuple(at), branch_angle, rng.uniform(0.15, 0.4) * length, 0.35), width * 0.6))
    return paths


def _draw_paths(view: _View, layout: _Layout, paths: list[tuple[np.ndarray, float]],
                mask: np.ndarray) -> tuple[np.ndarray, float]:
    """Rasterise crack polylines into ``mask`` (True where crack) with widths of 1-4 px.

    Returns the pixel-width class per drawn pixel (for shading) and the crack's drawn ground length.
    """
    height, width = mask.shape
    layers = [np.zeros_like(mask) for _ in range(4)]
    total = 0.0
    for pts, w_m in paths:
        x, z = layout.to_camera(pts[:, 0], pts[:, 1])
        u, v = view.project(x, z)
        ok = np.isfinite(u) & np.isfinite(v)
        if ok.sum() < 2:
            continue
        u, v = u[ok], v[ok]
        total += float(np.sum(np.hypot(np.diff(pts[ok][:, 0]), np.diff(pts[ok][:, 1]))))
        # Densify in image space so that consecutive samples are < 0.5 px apart.
        seg = np.hypot(np.diff(u), np.diff(v))
        reps = np.maximum(1, np.ceil(seg / 0.5)).astype(int)
        t = np.concatenate([np.arange(r) / r for r in reps])
        idx = np.repeat(np.arange(len(seg)), reps)
        uu = u[idx] + (u[idx + 1] - u[idx]) * t
        vv = v[idx] + (v[idx + 1] - v[idx]) * t
        w_px = np.clip(np.rint(w_m / view.metres_per_px(vv)), 1, 4).astype(int)
        inside = (uu >= 0) & (uu < width) & (vv >= 0) & (vv < height)
        for k in range(4):
            sel = inside & (w_px == k + 1)
            layers[k][vv[sel].astype(int), uu[sel].astype(int)] = True
    out = np.zeros(mask.shape, np.uint8)
    structures = [None, np.ones((2, 2), bool), ndimage.generate_binary_structure(2, 1),
                  np.array([[0, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 1], [0, 1, 1, 0]], bool)]
    for k, layer in enumerate(layers):
        if not layer.any():
            continue
        grown = layer if structures[k] is None else ndimage.binary_dilation(layer, structures[k])
        out[grown & (out == 0)] = k + 1
    mask |= out > 0
    return out, total


# ----------------------------------------------------------------------------- potholes
def _draw_pothole(view: _View, layout: _Layout, rng: np.random.Generator, centre: tuple[float, float],
                  radius: float, image: np.ndarray, mask: np.ndarray) -> tuple[tuple[int, int, int, int], float] | None:
    """Shade one pothole into ``image`` and mark it 2 in ``mask``; returns its bbox and area (m2)."""
    harmonics = [(k, rng.uniform(0.04, 0.16) / k ** 0.6, rng.uniform(0, 2 * math.pi)) for k in range(2, 7)]
    squash = rng.uniform(0.7, 1.3)

    def rim(theta: np.ndarray) -> np.ndarray:
        r = np.ones_like(theta)
        for k, amp, phase in harmonics:
            r += amp * np.cos(k * theta + phase)
        return radius * r

    # Image bbox from the projected outline (with the rim margin).
    th = np.linspace(0, 2 * math.pi, 180)
    rr = rim(th) * 1.35
    xs, zs = layout.to_camera(centre[0] + rr * np.cos(th), centre[1] + rr * np.sin(th) * squash)
    u, v = view.project(xs, zs)
    if not (np.isfinite(u).all() and np.isfinite(v).all()):
        return None
    x0, x1 = int(max(0, np.floor(u.min()))), int(min(view.width, np.ceil(u.max()) + 1))
    y0, y1 = int(max(0, np.floor(v.min()))), int(min(view.height, np.ceil(v.max()) + 1))
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    rows = slice(y0, y1)
    xg = view.ground_x(rows)[:, x0:x1]
    zg = np.broadcast_to(view.z[rows, None], xg.shape)
    xr, zr = layout.to_road(xg, zg)
    dx, dz = xr - centre[0], (zr - centre[1]) / squash
    rho = np.hypot(dx, dz)
    theta = np.arctan2(dz, dx)
    q = rho / rim(theta)
    inside = q < 1.0
    if inside.sum() < 4:
        return None
    patch = image[rows, x0:x1]
    # Inside: darker, gravelly, the far wall (facing the camera) lit, the near wall in shadow.
    gravel = ndimage.gaussian_filter(rng.standard_normal(q.shape).astype(np.float32), 0.7) * 0.10
    wall = np.clip(q, 0, 1) ** 3
    facing = np.sin(theta)  # +1 on the far side
    shade = 0.60 + 0.08 * rng.uniform(-1, 1) + 0.30 * wall * facing + gravel * 1.5
    wet = rng.random() < 0.25
    if wet:
        shade = np.where(q < 0.85, 0.28 + 0.05 * gravel, shade)
    rim_band = (q >= 1.0) & (q < 1.3)
    ravel = 1 + (ndimage.gaussian_filter(rng.standard_normal(q.shape).astype(np.float32), 0.6) * 0.18
                 + 0.10 * (1.3 - q) / 0.3) * rim_band
    edge_shadow = 1 - 0.35 * np.exp(-((q - 1.0) / 0.04) ** 2) * (facing < 0)
    factor = np.where(inside, shade, ravel * edge_shadow)[..., None]
    patch[:] = np.clip(patch * factor, 0, 1)
    sub = mask[rows, x0:x1]
    sub[inside] = 2
    ys, xs_ = np.nonzero(inside)
    area = float(np.pi * radius ** 2 * squash)
    return (x0 + int(xs_.min()), y0 + int(ys.min()), x0 + int(xs_.max()) + 1, y0 + int(ys.max()) + 1), area


# ----------------------------------------------------------------------------- scene
def render_scene(width: int = 1024, height: int = 768, seed: int = 0, *, cracks: Sequence[str] | None = None,
                 potholes: int | None = None, rig: CameraRig | None = None) -> Scene:
    """Render one road photo and its true mask.

    Args:
        width, height: image size in pixels (any size from 16 x 12 up to 12 megapixels and more).
        seed: everything random derives from it (same seed, same scene).
        cracks: patterns of the crack instances to draw (each of :data:`DRAWN_CRACKS`); None: a random mix.
        potholes: number of potholes; None: random (0-2).
        rig: the camera (default :class:`CameraRig`).
    """
    rig = rig or CameraRig()
    rng = np.random.default_rng(seed)
    if cracks is None:
        cracks = [str(k) for k in rng.choice(DRAWN_CRACKS, size=int(rng.integers(0, 4)), p=[0.45, 0.35, 0.2])]
    if potholes is None:
        potholes = int(rng.choice([0, 0, 1, 1, 2]))
    for kind in cracks:
        if kind not in DRAWN_CRACKS:
            raise ValueError(f"unknown crack kind {kind!r}; expected one of {DRAWN_CRACKS}")
    view = _View(width, height, rig)
    layout = _random_layout(rng)
    image = _render_background(view, layout, rng)
    mask = np.zeros((height, width), np.uint8)
    crack_mask = np.zeros((height, width), bool)
    damages: list[SceneDamage] = []
    near, far = 3.0, 9.5

    for kind in cracks:
        centre = (rng.uniform(-2.6, 2.6), rng.uniform(near + 1.5, far))
        paths = _crack_paths(rng, kind, centre)
        mine = np.zeros_like(crack_mask)
        width_class, length = _draw_paths(view, layout, paths, mine)
        if not mine.any():
            continue
        depth = rng.uniform(0.40, 0.60)
        core = width_class.astype(np.float32)
        darkness = np.maximum(mine.astype(np.float32), 0.35 * ndimage.gaussian_filter(mine.astype(np.float32), 0.8))
        darkness *= 1 + 0.08 * np.clip(core - 1, 0, 3)
        image *= (1 - depth * np.clip(darkness, 0, 1))[..., None]
        crack_mask |= mine
        ys, xs = np.nonzero(mine)
        cx, cz = layout.to_camera(np.array(centre[0]), np.array(centre[1]))
        area = float(length * max(p[1] for p in paths)) if kind != "alligator" else 0.0
        if kind == "alligator":
            area = float(np.ptp(np.concatenate([p[0] for p in paths])[:, 0]) *
                         np.ptp(np.concatenate([p[0] for p in paths])[:, 1]))
        damages.append(SceneDamage(DamageClass.CRACK, kind, (int(xs.min()), int(ys.min()), int(xs.max()) + 1,
                                   int(ys.max()) + 1), (float(cx), float(cz)),
                                   round(length if kind != "alligator" else area, 3),
                                   round(max(p[1] for p in paths), 4)))
    mask[crack_mask] = 1

    for _ in range(potholes):
        for _attempt in range(8):
            centre = (rng.uniform(-2.6, 2.6), rng.uniform(near + 0.5, far - 1.5))
            radius = rng.uniform(0.15, 0.42)
            bx, bz = layout.to_camera(np.array(centre[0]), np.array(centre[1]))
            u, v = view.project(bx, bz)
            if not (0 <= float(u) < width and view.horizon_v < float(v) < height):
                continue
            drawn = _draw_pothole(view, layout, rng, centre, radius, image, mask)
            if drawn is None:
                continue
            bbox, area = drawn
            damages.append(SceneDamage(DamageClass.POTHOLE, "pothole", bbox, (float(bx), float(bz)),
                                       round(area, 4), round(2 * radius, 3)))
            break

    # Sensor: slight lens blur, vignetting, noise.
    image = ndimage.gaussian_filter(image, (0.45, 0.45, 0))
    yy = (np.arange(height)[:, None] - height / 2) / (height / 2)
    xx = (np.arange(width)[None, :] - width / 2) / (width / 2)
    image *= (1 - 0.12 * (xx ** 2 + yy ** 2) / 2)[..., None]
    image += rng.normal(0, 0.008, image.shape).astype(np.float32)
    out = np.clip(image * 255 + 0.5, 0, 255).astype(np.uint8)
    return Scene(image=out, mask=mask, seed=seed, rig=rig, damages=tuple(damages))


# ----------------------------------------------------------------------------- EXIF
@dataclass(frozen=True)
class GeoTag:
    """What :func:`exif_bytes` writes. ``time_utc`` must be timezone-aware; ``utc_offset_min`` is the
    camera's local offset written as OffsetTimeOriginal (DateTimeOriginal is local time).
    ``position=None`` writes no GPS position (a photo taken without a fix)."""

    position: GeoPoint | None
    time_utc: datetime
    altitude_m: float | None = 90.0
    heading_deg: float | None = None
    utc_offset_min: int = 120
    make: str = "RoadInspect"
    model: str = "Synthetic survey camera"
    focal_mm: float = 4.4
    focal_35mm: int = 28
    orientation: int = 1


def _rational(value: float, denominator: int = 10000) -> IFDRational:
    return IFDRational(round(value * denominator), denominator)


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    deg = int(value)
    minutes_f = (value - deg) * 60
    minutes = int(minutes_f)
    seconds = (minutes_f - minutes) * 60
    return IFDRational(deg, 1), IFDRational(minutes, 1), _rational(seconds, 10000)


def exif_bytes(tag: GeoTag) -> bytes:
    """The EXIF block (``Exif\\0\\0`` + TIFF) for a geotagged JPEG."""
    exif = Image.Exif()
    exif[0x010F] = tag.make
    exif[0x0110] = tag.model
    exif[0x0112] = tag.orientation
    exif[0x0131] = "RoadInspect synth"
    local = tag.time_utc.astimezone(timezone(timedelta(minutes=tag.utc_offset_min)))
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = local.strftime("%Y:%m:%d %H:%M:%S")
    sign = "+" if tag.utc_offset_min >= 0 else "-"
    off = abs(tag.utc_offset_min)
    sub[0x9011] = f"{sign}{off // 60:02d}:{off % 60:02d}"
    sub[0x9291] = f"{local.microsecond // 10000:02d}"
    sub[0x920A] = _rational(tag.focal_mm, 100)
    sub[0xA405] = int(tag.focal_35mm)
    if tag.position is not None:
        gps = exif.get_ifd(0x8825)
        gps[0x0000] = b"\x02\x03\x00\x00"
        gps[0x0001] = "N" if tag.position.lat >= 0 else "S"
        gps[0x0002] = _dms(tag.position.lat)
        gps[0x0003] = "E" if tag.position.lon >= 0 else "W"
        gps[0x0004] = _dms(tag.position.lon)
        if tag.altitude_m is not None:
            gps[0x0005] = b"\x00" if tag.altitude_m >= 0 else b"\x01"
            gps[0x0006] = _rational(abs(tag.altitude_m), 100)
        utc = tag.time_utc.astimezone(UTC)
        gps[0x0007] = (IFDRational(utc.hour, 1), IFDRational(utc.minute, 1),
                       _rational(utc.second + utc.microsecond / 1e6, 100))
        gps[0x0012] = "WGS-84"
        gps[0x001D] = utc.strftime("%Y:%m:%d")
        if tag.heading_deg is not None:
            gps[0x0010] = "T"
            gps[0x0011] = _rational(tag.heading_deg % 360.0, 100)
    return exif.tobytes()


def splice_exif(jpeg: bytes, exif: bytes) -> bytes:
    """Insert an APP1 EXIF segment right after the SOI marker of an encoded JPEG."""
    if jpeg[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG stream")
    if not exif.startswith(b"Exif\x00\x00"):
        exif = b"Exif\x00\x00" + exif
    if len(exif) + 2 > 0xFFFF:
        raise ValueError("EXIF block too large for one APP1 segment")
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + jpeg[2:]


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    """Encode an (H, W, 3) uint8 array as a baseline JPEG without metadata."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=quality, optimize=False)
    return buf.getvalue()


def write_geotagged_jpeg(path: Path, image: np.ndarray, tag: GeoTag | None = None, quality: int = 85, *,
                         index: int = 0) -> Path:
    """Write ``image`` as a JPEG carrying the EXIF of ``tag`` and return ``path``.

    Without ``tag``, the photo is placed at position ``index`` of a drive along the sample road
    (a photo every 4.5 m, heading of travel, 13.9 m/s from :data:`SAMPLE_START`).
    """
    if tag is None:
        position, heading = list(road_track(index + 1, 4.5))[-1]
        tag = GeoTag(position=position, time_utc=SAMPLE_START + timedelta(seconds=index * 4.5 / 13.9),
                     heading_deg=heading)
    path = Path(path)
    path.write_bytes(splice_exif(encode_jpeg(image, quality), exif_bytes(tag)))
    return path


# ----------------------------------------------------------------------------- the road
def road_track(count: int, spacing_m: float, start_offset_m: float = 0.0) -> Iterator[tuple[GeoPoint, float]]:
    """``count`` positions ``spacing_m`` apart along the sample road, with the heading of travel."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    azimuth, _, _ = geod.inv(ROAD_START.lon, ROAD_START.lat, ROAD_TOWARDS.lon, ROAD_TOWARDS.lat)
    for i in range(count):
        lon, lat, back = geod.fwd(ROAD_START.lon, ROAD_START.lat, azimuth, start_offset_m + i * spacing_m)
        yield GeoPoint(round(lat, 7), round(lon, 7)), (back + 180.0) % 360.0


SAMPLE_START = datetime(2025, 4, 15, 7, 42, 10, tzinfo=UTC)
"""UTC time of the first sample photo (09:42 in Paris)."""

# Per sample: crack kinds and pothole count (chosen so the demo shows every kind of damage).
_SAMPLE_PLAN: tuple[tuple[tuple[str, ...], int], ...] = (
    (("longitudinal",), 0), (("transverse",), 1), ((), 1), (("alligator",), 0),
    (("longitudinal", "transverse"), 0), ((), 0), (("transverse",), 2), (("alligator", "longitudinal"), 1),
    (("longitudinal",), 0), ((), 1), (("transverse", "transverse"), 0), (("alligator",), 1),
    (("longitudinal",), 1), ((), 0),
)
NO_GPS_SAMPLE = 6
"""Index (0-based) of the sample written without GPS, to show interpolation from its neighbours."""


def make_samples(out: Path, count: int = len(_SAMPLE_PLAN), width: int = 1024, height: int = 768,
                 seed: int = 20250415, quality: int = 85, spacing_m: float = 85.0) -> list[Path]:
    """Render the bundled samples: ``sample_NN.jpg`` + ``masks/sample_NN.png`` + ``samples.json``.

    ``masks/`` holds a ``.nomedia`` file so that scanning the samples folder skips the masks.

    The vehicle drives east on the sample road at about 50 km/h; one photo (:data:`NO_GPS_SAMPLE`)
    has no GPS block (its position is interpolated on import) and
    the last photo has no heading written, so its heading is derived from the track.
    """
    out = Path(out)
    (out / "masks").mkdir(parents=True, exist_ok=True)
    (out / "masks" / ".nomedia").write_text("true masks: not photos (RoadInspect skips this folder)\n",
                                            encoding="utf-8")
    paths: list[Path] = []
    manifest = []
    for i, (position, heading) in enumerate(road_track(count, spacing_m, start_offset_m=400.0)):
        cracks, potholes = _SAMPLE_PLAN[i % len(_SAMPLE_PLAN)]
        scene = render_scene(width, height, seed + i, cracks=cracks, potholes=potholes)
        when = SAMPLE_START + timedelta(seconds=round(i * spacing_m / 13.9, 2))
        has_gps = i != NO_GPS_SAMPLE
        tag = GeoTag(position=position if has_gps else None, time_utc=when, altitude_m=88.0 + 0.4 * i,
                     heading_deg=heading if i != count - 1 else None)
        name = f"sample_{i + 1:02d}"
        path = out / f"{name}.jpg"
        write_geotagged_jpeg(path, scene.image, tag, quality)
        Image.fromarray(scene.mask).save(out / "masks" / f"{name}.png", optimize=True)
        paths.append(path)
        manifest.append({
            "file": path.name, "mask": f"masks/{name}.png", "seed": seed + i,
            "lat": position.lat, "lon": position.lon, "gps_written": has_gps,
            "heading_deg": round(heading, 2), "time_utc": when.isoformat(),
            "damages": [{**asdict(d), "damage": d.damage.label} for d in scene.damages],
        })
    info = {"road": ROAD_NAME, "camera": asdict(CameraRig()), "width": width, "height": height,
            "generator": "python -m roadinspect.core.synth", "samples": manifest}
    (out / "samples.json").write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return paths


def make_benchmark_batch(folder: Path, count: int, width: int = 4000, height: int = 3000, seed: int = 7,
                         quality: int = 90, spacing_m: float = 4.5) -> list[Path]:
    """Write ``count`` geotagged JPEGs of ``width`` x ``height`` into ``folder``, fast.

    One scene is rendered and encoded once; each file gets its own EXIF (position every
    ``spacing_m`` metres along the sample road, heading, time), so every file is distinct.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scene = render_scene(width, height, seed, cracks=("longitudinal", "transverse"), potholes=1)
    jpeg = encode_jpeg(scene.image, quality)
    del scene
    paths = []
    for i, (position, heading) in enumerate(road_track(count, spacing_m)):
        tag = GeoTag(position=position, time_utc=SAMPLE_START + timedelta(seconds=i * spacing_m / 13.9),
                     heading_deg=heading, altitude_m=88.0)
        path = folder / f"IMG_{i:05d}.jpg"
        path.write_bytes(splice_exif(jpeg, exif_bytes(tag)))
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m roadinspect.core.synth --out DIR``: regenerate the bundled samples."""
    parser = argparse.ArgumentParser(description="Render the synthetic sample road photos.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=len(_SAMPLE_PLAN))
    args = parser.parse_args(argv)
    for path in make_samples(args.out, args.count):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
