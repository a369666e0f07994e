"""The road region: where on a photo damage can be, so findings elsewhere are never recorded.

Damage is only on the road surface. A photo taken from a vehicle also shows the sky, buildings and
trees (above the horizon) and parts of the vehicle that stay in the same place on every photo of a
drive: the hood, the dashboard and its reflections, the windscreen's dotted (frit) band, a mount.
The network is trained to ignore most of this; the road region removes what it still marks there.

What is excluded
----------------
* **above the horizon**, estimated from the group's photos themselves (:func:`estimate_horizon`):
  the straight edges of a street (kerbs, lane markings, the road's borders, the base and roof lines
  of the buildings along it) meet at a vanishing point on the horizon. Each photo's oblique, straight
  edge pixels (coherent orientation over a small window; branches, leaves and cobbles are not) vote,
  along their own direction, for the points they pass (:func:`vanishing_row`); the row of the point
  most of them pass is the photo's vanishing row. The group's horizon is the median over the photos
  where that point is clear, less :data:`HORIZON_MARGIN`, when at least :data:`MIN_HORIZON_PHOTOS`
  photos agree. Otherwise (a batch of one or two photos, close-ups of the road with no vanishing
  point, photos that disagree) the horizon of the flat-road camera model applies
  (:class:`~roadinspect.core.geo.CameraModel`, the project's camera settings and the photo's EXIF
  focal length: every row whose ray does not meet the road). With its default pitch (12 degrees)
  that horizon lies above the true one of a level camera, so the road is never cut, but trees and
  facades below it are kept: the estimate is what removes them for a phone held level.
* **the still parts of the vehicle**, estimated from the batch itself (:func:`estimate_still`):
  the photos of one camera (EXIF make and model) and image size (after EXIF orientation) are one
  *group*; up to :data:`MAX_SAMPLE` of them, spread over the group, are decoded small
  (:data:`GRID_SIDE` pixels on the longer side, grey). Where the scene moves, the brightness
  gradient points in unrelated directions from one photo to the next; on an edge of the vehicle it
  points the same way on every photo. The *coherence* of a pixel is the length of the sum of the
  gradient vectors over the photos (summed over a small window) divided by the sum of their
  lengths: near 1 on the vehicle's edges, about ``1/sqrt(n)`` on the scene. Pixels whose coherence
  reaches :func:`coherence_threshold` are the still edges. Parts of the vehicle enter the frame
  from its border, so (:func:`_vehicle_from_edges`) in the bottom 40 % of the frame everything
  below a still edge that runs across it (a hood, a dashboard) is vehicle, in the top 40 %
  everything above one (the windscreen band), in the outer 15 % at each side everything outside
  a still edge that runs up it (a pillar). A uniform part of the vehicle with no edge of its own (a
  flat dark dashboard) is caught that way, between its outline and the border. Short still edges
  (under a quarter of the frame) are chance and ignored; a lane marking seen at the same place on
  every photo runs up the frame, not across, and so never fills the road below it.
  Guards: fewer than :data:`MIN_STILL_PHOTOS` photos in a group (a batch of one photo) give no
  still estimate (horizon and network only); an estimate that would exclude more than
  :data:`MAX_STILL_SHARE` of the frame below the horizon is not credible (a batch taken standing
  still, or the same view repeated) and is dropped, with a note.

A region is stored per group in the project (``road_regions``, a boolean mask of
:data:`GRID_SIDE` pixels on the longer side, True = not road) together with its source: ``auto``
(the estimated still parts and the estimated horizon row, re-estimated when the group has grown
since; the horizon is added each time the region is used: the estimated one, or where there is none
the project's camera settings', so a corrected camera pitch applies at the next analysis) or ``edited`` (the
whole region as the inspector left it with the brush and eraser in the app, horizon included; never
overwritten). A drawn region that leaves (almost) nothing of the photo is refused (:func:`check_drawn`).
Changing a region marks the group's photos for re-analysis: the region is applied when a photo is analysed,
and the re-analysis rule keeps every reviewed finding.

Applying a region (:meth:`RoadRegion.apply`) clears the class mask outside the road at the
working resolution *before* the findings are extracted, so every size filter of
:mod:`roadinspect.core.findings` judges what is left (a blob mostly on the dashboard keeps only its
road part, and is dropped when that is too small).
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image
from scipy import ndimage

from roadinspect.core.geo import CameraModel
from roadinspect.core.photos import ImageError, load_image
from roadinspect.core.progress import CancelCheck
from roadinspect.core.types import Photo

if TYPE_CHECKING:
    from roadinspect.core.store import Store

GRID_SIDE = 256
"""Longer side, in pixels, of the grid on which regions are estimated, stored and edited."""
MIN_STILL_PHOTOS = 8
"""Photos a group needs for a still-part estimate (fewer: horizon and network only)."""
MAX_SAMPLE = 48
"""Photos of a group decoded for the estimate, spread evenly over the group."""
MAX_STILL_SHARE = 0.6
"""An estimate excluding more than this share of the frame below the horizon is dropped."""
MIN_ROAD_SHARE = 0.01
"""A drawn region must leave at least this share of the photo as road."""
_BAND = 0.4
_SIDE_BAND = 0.15
ACROSS_RATIO = 2.0
"""A still edge runs across the frame when its mean vertical gradient is this many times its horizontal one."""
COHERENCE_WINDOW = 7
"""Side, in grid pixels, of the window over which gradient vectors are summed."""

MIN_HORIZON_PHOTOS = 3
"""Photos of a group whose vanishing point must be clear for a horizon estimate (fewer: the camera settings')."""
HORIZON_SUPPORT = 0.085
"""Share of a photo's oblique edge pixels that must point at its vanishing point for the photo to count."""
HORIZON_AGREE_SHARE = 0.3
"""Share of a group's photos that must give a clear vanishing point."""
HORIZON_SPREAD = 0.05
"""Largest median distance (share of the height) of the photos' vanishing rows from the group's."""
HORIZON_MARGIN = 0.02
"""Taken off the estimated horizon (share of the height) so that an estimate a little low cuts no road."""
HORIZON_ABOVE = 0.5
"""How far above the frame (share of its height) a vanishing point is looked for."""



class RegionError(ValueError):
    """A road region that cannot be used (e.g. drawn over the whole photo); the message says why."""


def group_key(photo: Photo) -> str:
    """The group of a photo: camera make and model (EXIF) and displayed size, e.g. ``Sony|HDR-AS300|3840x2160``."""
    make = (photo.camera.make or "").strip() or "?"
    model = (photo.camera.model or "").strip() or "?"
    return f"{make}|{model}|{photo.width}x{photo.height}"


def describe_key(key: str) -> str:
    """A readable name for a group key: ``Sony HDR-AS300, 3840x2160`` or ``unknown camera, 600x600``."""
    make, model, size = (key.split("|") + ["", "", ""])[:3]
    camera = " ".join(p for p in (make, model) if p and p != "?") or "unknown camera"
    return f"{camera}, {size}"


def grid_size(width: int, height: int, side: int = GRID_SIDE) -> tuple[int, int]:
    """``(w, h)`` of the region grid of a ``width`` x ``height`` photo (longer side ``side``)."""
    factor = side / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))


def horizon_mask(camera: CameraModel, width: int, height: int, shape: tuple[int, int]) -> np.ndarray:
    """``shape`` (rows, cols) boolean grid, True above the camera's horizon for a ``width`` x ``height`` photo."""
    rows, _ = shape
    v = camera.horizon_v(width, height)
    centres = (np.arange(rows) + 0.5) * height / rows
    above = centres < v
    return np.repeat(above[:, None], shape[1], axis=1)


def coherence_threshold(n: int) -> float:
    """Coherence a still edge must reach with ``n`` photos: 0.5, higher for few photos (chance level ~1/sqrt(n))."""
    return max(0.5, 2.0 / math.sqrt(max(n, 1)))


@dataclass(frozen=True)
class StillEstimate:
    """What :func:`estimate_still` found: the mask (True = vehicle), photos used and a note when dropped."""

    mask: np.ndarray
    photos: int
    note: str = ""


def _grey(image: np.ndarray) -> np.ndarray:
    return (image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)) if image.ndim == 3 else \
        image.astype(np.float32)


def estimate_still(images: Sequence[np.ndarray], below: np.ndarray | None = None,
                   shape: tuple[int, int] | None = None) -> StillEstimate:
    """The parts of the frame that stay still over ``images`` (same-size grey or RGB arrays).

    ``below``: boolean grid, True below the horizon (for the :data:`MAX_STILL_SHARE` guard; None:
    the whole frame). ``shape``: the grid's (rows, columns) when ``images`` may be empty (default: the
    first image's). Returns an all-False mask with a note when there are too few photos or the
    estimate is not credible (see the module docstring).
    """
    shape = images[0].shape[:2] if images else (shape or (below.shape if below is not None else (0, 0)))
    empty = np.zeros(shape, dtype=bool)
    n = len(images)
    if n < MIN_STILL_PHOTOS:
        return StillEstimate(empty, n, f"{n} photo(s): at least {MIN_STILL_PHOTOS} are needed to find the "
                                       "still parts of the vehicle (horizon and network only)")
    sum_x = np.zeros(shape, np.float64)
    sum_y = np.zeros(shape, np.float64)
    sum_m = np.zeros(shape, np.float64)
    for image in images:
        g = ndimage.gaussian_filter(_grey(image), 0.7)
        gx, gy = ndimage.sobel(g, 1), ndimage.sobel(g, 0)
        mag = np.hypot(gx, gy)
        scale = float(np.median(mag)) + 1e-3  # one contrasty photo must not outweigh the others
        sum_x += gx / scale
        sum_y += gy / scale
        sum_m += mag / scale
    win = COHERENCE_WINDOW
    coherence = np.hypot(ndimage.uniform_filter(sum_x, win), ndimage.uniform_filter(sum_y, win)) / (
        ndimage.uniform_filter(sum_m, win) + 1e-3 * n)
    edges = coherence >= coherence_threshold(n)
    # Which way each still edge runs: more across (its mean gradient points up or down) or more along.
    across = np.abs(ndimage.uniform_filter(sum_y, win)) >= ACROSS_RATIO * np.abs(ndimage.uniform_filter(sum_x, win))
    along = np.abs(ndimage.uniform_filter(sum_x, win)) >= ACROSS_RATIO * np.abs(ndimage.uniform_filter(sum_y, win))
    still = _vehicle_from_edges(edges & across, edges & along)
    area = below if below is not None else np.ones(shape, bool)
    share = float(still[area].mean()) if area.any() else 0.0
    if share > MAX_STILL_SHARE:
        return StillEstimate(empty, n, f"the still area found would cover {share:.0%} of the road part of the frame "
                                       "(photos taken standing still?): not used")
    return StillEstimate(still, n)


def _vehicle_from_edges(across: np.ndarray, along: np.ndarray) -> np.ndarray:
    """The vehicle parts outlined by still edges: what lies between an edge and the frame's border.

    ``across``: still edges running more across the frame than up it (a hood, a dashboard, the
    windscreen band's lower edge); ``along``: the others (pillars). A lane marking seen at the same
    place on every photo (the vehicle keeps its lane) runs along the frame from the bottom band and
    so never fills the road below it.

    In the bottom :data:`_BAND` share of the frame, every pixel below a still edge of its column is
    vehicle; in the top band, every pixel above one; in the side bands, every pixel outside one.
    Gaps of a still line are bridged first (a closing along the line's direction), lines shorter
    than a quarter of the frame are dropped, and so are scraps that do not touch the border.
    """
    rows, cols = across.shape
    still = np.zeros_like(across)
    bridge_h = np.ones((1, max(3, cols // 8)), bool)
    bridge_v = np.ones((max(3, rows // 8), 1), bool)
    lo, hi = int(rows * (1 - _BAND)), int(rows * _BAND)
    band = _closed(across[lo:], bridge_h)
    still[lo:] |= np.logical_or.accumulate(band, 0)
    band = _closed(across[:hi], bridge_h)
    still[:hi] |= np.flip(np.logical_or.accumulate(np.flip(band, 0), 0), 0)
    side = max(1, int(cols * _SIDE_BAND))
    band = _closed(along[:, :side], bridge_v)
    still[:, :side] |= np.flip(np.logical_or.accumulate(np.flip(band, 1), 1), 1)
    band = _closed(along[:, cols - side:], bridge_v)
    still[:, cols - side:] |= np.logical_or.accumulate(band, 1)
    labels, _ = ndimage.label(still)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return np.isin(labels, border[border > 0])


def _closed(mask: np.ndarray, structure: np.ndarray) -> np.ndarray:
    """``mask`` with gaps along ``structure`` bridged, keeping only lines at least as long as ``structure``."""
    pad = max(structure.shape)
    closed = ndimage.binary_closing(np.pad(mask, pad), structure=structure)[pad:-pad, pad:-pad] | mask
    labels, count = ndimage.label(closed, structure=np.ones((3, 3), bool))
    keep = np.zeros(count + 1, bool)
    axis = 1 if structure.shape[1] > structure.shape[0] else 0
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is not None and sl[axis].stop - sl[axis].start >= 2 * max(structure.shape):
            keep[i] = True
    kept: np.ndarray = keep[labels]
    return kept


@dataclass(frozen=True)
class HorizonEstimate:
    """What :func:`estimate_horizon` found: the horizon row as a share of the height (None: unsure),
    the photos whose own estimate agreed, the photos looked at, and a note when there is no estimate."""

    row: float | None
    photos: int
    looked_at: int
    note: str = ""


def _structure(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edge strength, orientation coherence (0-1) and edge direction (radians, tangent ``(cos, sin)``,
    image x right and y down) of every pixel, from the smoothed structure tensor."""
    g = ndimage.gaussian_filter(grey.astype(np.float32), 1.0)
    gx, gy = ndimage.sobel(g, 1), ndimage.sobel(g, 0)
    jxx = ndimage.gaussian_filter(gx * gx, 1.5)
    jyy = ndimage.gaussian_filter(gy * gy, 1.5)
    jxy = ndimage.gaussian_filter(gx * gy, 1.5)
    strength = jxx + jyy
    coherence = np.sqrt((jxx - jyy) ** 2 + 4 * jxy ** 2) / (strength + 1e-6)
    gradient = 0.5 * np.arctan2(2 * jxy, jxx - jyy)  # direction of the strongest change
    return strength, coherence, gradient + np.pi / 2  # the edge runs across it


def vanishing_row(grey: np.ndarray, ignore: np.ndarray | None = None) -> tuple[float, float]:
    """The image row of the vanishing point of one photo's oblique straight edges, and its support.

    Returns ``(row, support)``: ``row`` in grid pixels (may lie above the frame, down to
    ``-HORIZON_ABOVE`` of its height), ``support`` the share of the photo's oblique edge pixels whose
    line passes within a few pixels of that point (about 0.05 by chance; see :data:`HORIZON_SUPPORT`).
    Edges of the road (kerbs, lane markings, its borders) and of the buildings along it are straight
    lines that meet at one point of the horizon; branches, leaves and cobbles are not straight over
    a window (low coherence) and vote for no point in particular. Lines nearly horizontal (the
    dashboard, a transverse marking, the horizon itself) or nearly vertical (poles, facades) meet
    far away or nowhere useful and are left out. ``ignore``: pixels not to use (a still part of
    the vehicle).
    """
    rows, cols = grey.shape
    strength, coherence, angle = _structure(grey)
    tx, ty = np.cos(angle), np.sin(angle)
    slope = np.degrees(np.arctan2(np.abs(ty), np.abs(tx)))  # 0: horizontal edge, 90: vertical
    keep = (coherence >= 0.7) & (slope >= 12) & (slope <= 78)
    keep[:2], keep[-2:], keep[:, :2], keep[:, -2:] = False, False, False, False
    if ignore is not None:
        keep &= ~ignore
    if keep.any():
        keep &= strength >= np.percentile(strength[keep], 50)
    ys, xs = np.nonzero(keep)
    if len(ys) < 50:
        return math.nan, 0.0
    if len(ys) > 6000:  # enough votes; spread the pick over the frame
        pick = np.linspace(0, len(ys) - 1, 6000).astype(int)
        ys, xs = ys[pick], xs[pick]
    dxdy = tx[ys, xs] / ty[ys, xs]  # never 0: kept edges slope at least 12 degrees
    step = max(1.0, rows / 128)
    candidates = np.arange(-HORIZON_ABOVE * rows, rows, step)
    col_bin = max(1.0, cols / 128)
    span = int(np.ceil(3 * cols / col_bin))  # columns from -cols to 2 cols
    crossing = xs[None, :] + (candidates[:, None] - ys[None, :]) * dxdy[None, :]  # (rows, votes)
    cbin = np.floor((crossing + cols) / col_bin).astype(np.int64)
    inside = (cbin >= 0) & (cbin < span)
    rbin = np.broadcast_to(np.arange(len(candidates))[:, None], cbin.shape)
    acc = np.bincount((rbin * span + cbin)[inside], minlength=len(candidates) * span).astype(np.float64)
    acc = acc.reshape(len(candidates), span)
    # a point and its neighbours (about 2 % of the width either side): a line through it counts once
    acc = ndimage.uniform_filter(acc, size=(3, 5), mode="constant") * 15
    best = int(np.argmax(acc))
    r, _ = divmod(best, span)
    support = float(acc.flat[best]) / 3 / len(ys)  # 3 candidate rows summed: one vote per line each
    return float(candidates[r] + step / 2), support


def estimate_horizon(images: Sequence[np.ndarray], ignore: np.ndarray | None = None) -> HorizonEstimate:
    """The horizon of a group of photos (same camera and size) from their content.

    Each photo's vanishing row (:func:`vanishing_row`) counts when its support reaches
    :data:`HORIZON_SUPPORT`; the group's horizon is the median of those rows when at least
    :data:`MIN_HORIZON_PHOTOS` photos count, they are at least :data:`HORIZON_AGREE_SHARE` of the photos,
    and half of them lie within :data:`HORIZON_SPREAD` of the height of the median. Otherwise (a batch of one or two
    photos, close-ups of the road, a batch whose photos disagree) the estimate is None and the horizon
    of the camera settings applies. The row returned is a share of the height (0 top, 1 bottom;
    negative: above the frame) with :data:`HORIZON_MARGIN` taken off, so an estimate a little low
    does not cut road.
    """
    n = len(images)
    if n < MIN_HORIZON_PHOTOS:
        return HorizonEstimate(None, 0, n, f"{n} photo(s): at least {MIN_HORIZON_PHOTOS} are needed to estimate the "
                                          "horizon (the camera settings' horizon is used)")
    height = images[0].shape[0]
    found = []
    for image in images:
        row, support = vanishing_row(_grey(image), ignore)
        if support >= HORIZON_SUPPORT and math.isfinite(row):
            found.append(row / height)
    if len(found) < max(MIN_HORIZON_PHOTOS, HORIZON_AGREE_SHARE * n):
        return HorizonEstimate(None, len(found), n, f"the horizon was clear on {len(found)} of {n} photos: "
                                                    "the camera settings' horizon is used")
    median = float(np.median(found))
    spread = float(np.median(np.abs(np.array(found) - median)))
    if spread > HORIZON_SPREAD:
        return HorizonEstimate(None, len(found), n, f"the horizon differs too much between photos (spread "
                                                    f"{spread:.0%} of the height): the camera settings' horizon "
                                                    "is used")
    agree = int(np.sum(np.abs(np.array(found) - median) <= 2 * HORIZON_SPREAD))
    return HorizonEstimate(median - HORIZON_MARGIN, agree, n)


def estimated_horizon_mask(row: float, shape: tuple[int, int]) -> np.ndarray:
    """``shape`` (rows, cols) boolean grid, True above a horizon at ``row`` (share of the height)."""
    rows, cols = shape
    above = (np.arange(rows) + 0.5) / rows < row
    return np.repeat(above[:, None], cols, axis=1)


@dataclass(frozen=True)
class RoadRegion:
    """The road region of one group: ``excluded`` is a boolean grid (True = not road) of the photo's aspect.

    ``source`` is ``auto`` or ``edited``; ``photos`` the photos of the still estimate (0: none);
    ``group_photos`` the size of the group when it was estimated; ``note`` why no still estimate.
    ``horizon``: the horizon estimated from the group's photos (:func:`estimate_horizon`, a share of
    the height; None: unsure, the camera settings' horizon applies); ``horizon_photos`` the photos
    that agreed on it (-1: never estimated, a region stored before the estimate existed);
    ``horizon_note`` why there is no estimate.
    """

    key: str
    width: int
    height: int
    excluded: np.ndarray
    source: str = "auto"
    photos: int = 0
    group_photos: int = 0
    note: str = ""
    horizon: float | None = None
    horizon_photos: int = -1
    horizon_note: str = ""

    def with_horizon(self, camera: CameraModel) -> RoadRegion:
        """The region to apply: an ``auto`` region (still parts only) with the rows above the horizon added:
        the horizon estimated from the group's photos, or else ``camera``'s.

        An ``edited`` region is the inspector's whole drawing and comes back as it is.
        """
        if self.source != "auto":
            return self
        if self.horizon is not None:
            above = estimated_horizon_mask(self.horizon, self.excluded.shape)
        else:
            above = horizon_mask(camera, self.width, self.height, self.excluded.shape)
        return dataclasses.replace(self, excluded=self.excluded | above)

    @property
    def horizon_source(self) -> str:
        """``estimated`` (from the photos) or ``camera`` (the camera settings' pitch)."""
        return "estimated" if self.horizon is not None else "camera"

    def road(self, width: int, height: int) -> np.ndarray:
        """``(height, width)`` boolean: True where a pixel of that grid is road (nearest grid cell)."""
        gh, gw = self.excluded.shape
        rows = np.minimum(((np.arange(height) + 0.5) * gh / height).astype(int), gh - 1)
        cols = np.minimum(((np.arange(width) + 0.5) * gw / width).astype(int), gw - 1)
        return ~self.excluded[np.ix_(rows, cols)]

    def apply(self, segmentation: Any) -> Any:
        """The segmentation with its class mask cleared outside the road (probabilities unchanged)."""
        mask = np.asarray(segmentation.mask)
        road = self.road(mask.shape[1], mask.shape[0])
        if road.all():
            return segmentation
        return dataclasses.replace(segmentation, mask=np.where(road, mask, 0).astype(mask.dtype))

    @property
    def excluded_share(self) -> float:
        return float(self.excluded.mean())

    def to_png(self) -> bytes:
        """The excluded grid as a 1-bit PNG (how the project stores it)."""
        buffer = io.BytesIO()
        Image.fromarray(self.excluded.astype(np.uint8) * 255).convert("1").save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()

    @staticmethod
    def grid_from_png(data: bytes) -> np.ndarray:
        """The excluded grid stored by :meth:`to_png`."""
        with Image.open(io.BytesIO(data)) as image:
            return np.asarray(image.convert("L")) > 127


def check_drawn(excluded: np.ndarray, what: str = "the road region") -> None:
    """Refuse a drawn region that leaves less than :data:`MIN_ROAD_SHARE` of the photo as road.

    Raises:
        RegionError: with a one-line message saying why.
    """
    road = 1.0 - float(np.asarray(excluded, bool).mean()) if np.asarray(excluded).size else 0.0
    if road < MIN_ROAD_SHARE:
        raise RegionError(f"{what} would cover the whole photo ({road:.1%} left as road): nothing could be "
                          "analysed; erase part of it")


def _sample(items: Sequence[Any], count: int) -> list[Any]:
    if len(items) <= count:
        return list(items)
    picks = np.linspace(0, len(items) - 1, count).round().astype(int)
    return [items[i] for i in picks]


def load_grid(path: Path | str, shape: tuple[int, int]) -> np.ndarray:
    """A photo decoded small and upright, resized to the grid ``shape`` (rows, cols), grey float32."""
    image = load_image(path, max_side=max(shape))
    grey = Image.fromarray(_grey(image).clip(0, 255).astype(np.uint8))
    return np.asarray(grey.resize((shape[1], shape[0]), Image.Resampling.BOX), dtype=np.float32)


def estimate_region(key: str, width: int, height: int, paths: Sequence[Path], camera: CameraModel,
                    is_cancelled: CancelCheck | None = None, group_photos: int | None = None,
                    horizon_from_photos: bool = True) -> RoadRegion:
    """Estimate the still parts of one group from its photos ``paths`` (unreadable ones are skipped).

    The result is an ``auto`` region without the horizon (as the project stores it): use
    :meth:`RoadRegion.with_horizon` for the region to apply. ``camera`` gives the horizon of the
    credibility guard where the photos give no horizon (``horizon_from_photos`` False: never estimated).
    """
    gw, gh = grid_size(width, height)
    grids = []
    for path in _sample(list(paths), MAX_SAMPLE):
        if is_cancelled is not None and is_cancelled():
            break
        try:
            grids.append(load_grid(path, (gh, gw)))
        except (ImageError, OSError, ValueError):
            continue  # a bad file is named by the analysis itself
    horizon = (estimate_horizon(grids) if horizon_from_photos
               else HorizonEstimate(None, 0, len(grids), "the camera settings' horizon (not estimated)"))
    above = (estimated_horizon_mask(horizon.row, (gh, gw)) if horizon.row is not None
             else horizon_mask(camera, width, height, (gh, gw)))
    still = estimate_still(grids, ~above, shape=(gh, gw))
    if not grids:  # every photo unreadable or gone: group_photos 0 has it estimated again once they are back
        return RoadRegion(key, width, height, still.mask, "auto", 0, 0,
                          "none of the group's photos could be read (horizon only)", horizon.row, horizon.photos,
                          horizon.note)
    return RoadRegion(key, width, height, still.mask, "auto", still.photos if still.mask.any() else 0,
                      len(paths) if group_photos is None else group_photos, still.note,
                      horizon.row, horizon.photos, horizon.note)


def horizon_region(key: str, width: int, height: int, camera: CameraModel, note: str = "") -> RoadRegion:
    """A region of the horizon only (no still estimate)."""
    gw, gh = grid_size(width, height)
    return RoadRegion(key, width, height, horizon_mask(camera, width, height, (gh, gw)), "auto", 0, 0, note)


def estimate_batch(photos: Iterable[Photo], camera: CameraModel | None = None,
                   is_cancelled: CancelCheck | None = None, horizon_from_photos: bool = True) -> dict[str, RoadRegion]:
    """The road region of every group of ``photos`` treated as one batch (``segment``, ``evaluate``).

    The horizon is estimated from each group's photos; where it is unsure (or ``horizon_from_photos``
    is False) it comes from ``camera`` (default :class:`CameraModel`) with the first photo's EXIF
    focal length of each group.
    """
    groups: dict[str, list[Photo]] = {}
    for photo in photos:
        groups.setdefault(group_key(photo), []).append(photo)
    base = camera or CameraModel()
    return {key: estimate_region(key, members[0].width, members[0].height, [p.path for p in members],
                                 base.for_photo(members[0]), is_cancelled,
                                 horizon_from_photos=horizon_from_photos).with_horizon(base.for_photo(members[0]))
            for key, members in groups.items()}


def region_for(regions: dict[str, RoadRegion] | None, photo: Photo) -> RoadRegion | None:
    """The region of ``photo``'s group in ``regions`` (None: no region, keep everything)."""
    if not regions:
        return None
    region = regions.get(group_key(photo))
    if region is None or (region.width, region.height) != (photo.width, photo.height):
        return None
    return region


def project_regions(store: Store, photo_ids: Iterable[int] | None, camera: CameraModel | None = None,
                    is_cancelled: CancelCheck | None = None, who: str = "") -> dict[str, RoadRegion]:
    """The road regions of the groups of ``photo_ids`` (None: every photo) in a project, estimated when needed.

    A group without a stored region, or whose ``auto`` region was estimated from a smaller group with
    fewer than :data:`MAX_SAMPLE` photos, is (re-)estimated from all its usable photos in the project
    and stored. ``auto`` regions get the horizon of ``camera`` (the project's camera settings, so a
    corrected pitch applies at the next analysis); ``edited`` regions are used as they are.
    """
    records = store.photos()
    wanted = None if photo_ids is None else set(photo_ids)
    groups: dict[str, list[Photo]] = {}
    for record in records:
        if record.photo is not None:
            groups.setdefault(group_key(record.photo), []).append(record.photo)
    needed = {group_key(r.photo) for r in records if r.photo is not None and (wanted is None or r.id in wanted)}
    stored = store.road_regions()
    base = camera or CameraModel()
    out: dict[str, RoadRegion] = {}
    for key in sorted(needed):
        members = groups[key]
        region = stored.get(key)
        stale = (region is not None and region.source == "auto"
                 and ((region.group_photos < len(members) and region.group_photos < MAX_SAMPLE)
                      or region.horizon_photos < 0))  # stored before the horizon was estimated
        if region is None or stale or (region.width, region.height) != (members[0].width, members[0].height):
            region = estimate_region(key, members[0].width, members[0].height, [p.path for p in members],
                                     base.for_photo(members[0]), is_cancelled)
            if is_cancelled is not None and is_cancelled():
                return out
            store.put_road_region(region, who=who)
        out[key] = region.with_horizon(base.for_photo(members[0]))
    return out


def with_road_region(extract: Callable[..., Any], regions: dict[str, RoadRegion] | None) -> Callable[..., Any]:
    """``extract(segmentation, photo, camera)`` applied to the segmentation cleared outside the photo's road region."""
    if not regions:
        return extract

    def extract_on_road(segmentation: Any, photo: Photo, camera: Any = None) -> Any:
        region = region_for(regions, photo)
        return extract(region.apply(segmentation) if region is not None else segmentation, photo, camera)

    return extract_on_road


def save_edited(store: Store, key: str, excluded: np.ndarray, who: str = "") -> int:
    """Store the inspector's region for group ``key`` and mark the group's photos for re-analysis.

    Returns the number of photos marked. Raises :class:`RegionError` for a region covering the photo
    and KeyError for an unknown group.
    """
    photos = [r for r in store.photos() if r.photo is not None and group_key(r.photo) == key]
    first = next((r.photo for r in photos if r.photo is not None), None)  # photos[0]'s
    if first is None:
        raise KeyError(f"no photo of the group {describe_key(key)} in the project")
    check_drawn(excluded)
    gw, gh = grid_size(first.width, first.height)
    grid = np.asarray(excluded, bool)
    if grid.shape != (gh, gw):
        grid = np.asarray(Image.fromarray(grid.astype(np.uint8) * 255).resize((gw, gh),
                                                                            Image.Resampling.NEAREST)) > 127
        check_drawn(grid)
    previous = store.road_regions().get(key)
    region = RoadRegion(key, first.width, first.height, grid, "edited",
                        previous.photos if previous else 0, len(photos), "",
                        previous.horizon if previous else None, previous.horizon_photos if previous else -1,
                        previous.horizon_note if previous else "")
    written: int = store.put_road_region(region, who=who, redo=[r.id for r in photos])
    return written


__all__ = ["GRID_SIDE", "HORIZON_MARGIN", "HORIZON_SPREAD", "HORIZON_SUPPORT", "MAX_SAMPLE", "MAX_STILL_SHARE",
           "MIN_HORIZON_PHOTOS", "MIN_ROAD_SHARE", "MIN_STILL_PHOTOS", "HorizonEstimate", "RegionError",
           "RoadRegion", "StillEstimate", "check_drawn", "coherence_threshold", "describe_key", "estimate_batch",
           "estimate_horizon", "estimate_region", "estimate_still", "estimated_horizon_mask", "grid_size", "group_key",
           "horizon_mask", "horizon_region", "vanishing_row",
           "load_grid", "project_regions", "region_for", "save_edited", "with_road_region"]
