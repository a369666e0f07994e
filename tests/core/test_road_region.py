"""The road region: horizon, still parts of the vehicle estimated from a batch, groups, drawn regions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from roadinspect.core.geo import CameraModel
from roadinspect.core.photos import read_photo
from roadinspect.core.road_region import (
    MIN_STILL_PHOTOS,
    RegionError,
    RoadRegion,
    check_drawn,
    estimate_batch,
    estimate_still,
    group_key,
    horizon_mask,
)
from roadinspect.core.types import CameraInfo, Photo

H, W = 192, 256
DASH = 150  # first row of the dashboard in the synthetic frames
BAND = 30  # last row of the windscreen band


def _frame(seed: int) -> np.ndarray:
    """A grey frame: a scene that differs on every photo, a still dashboard and a still dotted band."""
    rng = np.random.default_rng(seed)
    scene = ndimage.gaussian_filter(rng.normal(0, 1, (H, W)), 3.0)
    frame = 110 + 40 * scene / scene.std()
    frame[DASH:] = 30 + rng.normal(0, 2, (H - DASH, W))  # dark dashboard, a little noise
    frame[DASH:, 20:60] += rng.uniform(0, 25)  # a reflection whose brightness changes
    frame[:BAND] = 60
    frame[2:BAND - 6:4, 2::4] = 200  # the frit dots
    return np.clip(frame, 0, 255).astype(np.float32)


def test_the_still_dashboard_and_band_are_found_and_the_road_is_not() -> None:
    still = estimate_still([_frame(i) for i in range(24)])
    assert still.note == ""
    assert still.mask[DASH + 2:].mean() > 0.95  # the dashboard, under its edge, in every column
    assert still.mask[:BAND - 2].mean() > 0.9  # the band above its lower edge
    assert still.mask[BAND + 6:DASH - 6].mean() < 0.02  # the scene stays road


def test_one_photo_or_a_few_give_no_still_estimate() -> None:
    for n in (1, MIN_STILL_PHOTOS - 1):
        still = estimate_still([_frame(i) for i in range(n)])
        assert not still.mask.any()
        assert "at least" in still.note


def test_photos_taken_standing_still_are_not_a_vehicle_mask() -> None:
    same = _frame(3)
    still = estimate_still([same + np.random.default_rng(i).normal(0, 0.5, same.shape) for i in range(16)])
    assert not still.mask.any()
    assert "not used" in still.note


def test_horizon_excludes_the_rows_above_it() -> None:
    level = CameraModel(pitch_deg=0.0)
    mask = horizon_mask(level, 600, 400, (40, 60))
    assert mask[:20].all() and not mask[20:].any()  # a level camera: the horizon in the middle
    tilted = horizon_mask(CameraModel(pitch_deg=12.0), 600, 400, (40, 60))
    assert tilted.sum() < mask.sum()  # looking down: the horizon is higher in the frame


def test_a_region_clears_the_mask_outside_the_road_and_keeps_probabilities() -> None:
    @dataclasses.dataclass(frozen=True)
    class Seg:
        mask: np.ndarray
        probs: np.ndarray
        image_size: tuple[int, int]

    excluded = np.zeros((8, 8), bool)
    excluded[6:] = True
    region = RoadRegion("k", 80, 80, excluded)
    seg = Seg(np.full((40, 40), 2, np.uint8), np.zeros((3, 40, 40), np.float32), (80, 80))
    out = region.apply(seg)
    assert (out.mask[30:] == 0).all() and (out.mask[:30] == 2).all()
    assert out.probs is seg.probs
    assert np.array_equal(RoadRegion.grid_from_png(region.to_png()), excluded)


def test_a_drawn_region_over_the_whole_photo_is_refused_with_a_clear_message() -> None:
    with pytest.raises(RegionError, match="would cover the whole photo"):
        check_drawn(np.ones((30, 40), bool))
    almost = np.ones((30, 40), bool)
    almost[0, 0] = False
    with pytest.raises(RegionError):
        check_drawn(almost)
    half = np.zeros((30, 40), bool)
    half[15:] = True
    check_drawn(half)  # accepted


def _save_batch(folder: Path, prefix: str, size: tuple[int, int], count: int, orientation: int = 1,
                model: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        grey = Image.fromarray(_frame(i + 100 * len(prefix)).astype(np.uint8)).resize(size)
        exif = Image.Exif()
        exif[0x0112] = orientation
        if model:
            exif[0x0110] = model
        path = folder / f"{prefix}{i:02d}.jpg"
        grey.convert("RGB").save(path, exif=exif.tobytes(), quality=95)
        paths.append(path)
    return paths


def test_a_batch_mixing_cameras_and_sizes_is_estimated_per_group(tmp_path: Path) -> None:
    a = _save_batch(tmp_path, "a", (W, H), 12, model="CamA")
    b = _save_batch(tmp_path, "bb", (2 * W, 2 * H), 12, model="CamB")
    single = _save_batch(tmp_path, "ccc", (W, H), 1, model="CamC")
    photos = [read_photo(p) for p in a + b + single]
    regions = estimate_batch(photos, CameraModel(pitch_deg=60.0))  # horizon above the frame: still parts only
    assert set(regions) == {group_key(photos[0]), group_key(photos[12]), group_key(photos[-1])}
    for key, region in regions.items():
        road = region.road(100, 75)
        if "CamC" in key:  # a batch of one photo: horizon and network only
            assert road.all() and region.photos == 0 and region.note
        else:
            assert region.photos == 12
            assert not road[int(75 * 0.9):].any()  # the dashboard
            assert road[int(75 * 0.3):int(75 * 0.7)].mean() > 0.97


def test_photos_rotated_by_exif_are_grouped_and_estimated_upright(tmp_path: Path) -> None:
    # Stored on its side with orientation 6: shown upright, the dashboard is at the bottom again.
    folder = tmp_path / "rot"
    folder.mkdir()
    paths = []
    for i in range(12):
        upright = Image.fromarray(_frame(i).astype(np.uint8)).convert("RGB")
        exif = Image.Exif()
        exif[0x0112] = 6
        path = folder / f"r{i:02d}.jpg"
        upright.transpose(Image.Transpose.ROTATE_90).save(path, exif=exif.tobytes(), quality=95)
        paths.append(path)
    photos = [read_photo(p) for p in paths]
    assert (photos[0].width, photos[0].height) == (W, H)
    (region,) = estimate_batch(photos, CameraModel(pitch_deg=60.0)).values()
    assert region.excluded.shape[1] > region.excluded.shape[0]  # the upright aspect
    road = region.road(W, H)
    assert not road[DASH + 4:].any() and road[BAND + 10:DASH - 10].mean() > 0.97


def test_group_key_separates_cameras_and_sizes() -> None:
    base = Photo(path=Path("x.jpg"), sha256="", size_bytes=1, width=600, height=400,
                 camera=CameraInfo(make="Sony", model="HDR-AS300"))
    assert group_key(base) == "Sony|HDR-AS300|600x400"
    assert group_key(dataclasses.replace(base, width=400, height=600)) != group_key(base)
    assert group_key(dataclasses.replace(base, camera=CameraInfo())) == "?|?|600x400"
