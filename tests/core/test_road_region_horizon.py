"""The horizon estimated from a group's photos (vanishing point of the road's straight edges), with the
camera settings' horizon as the fallback; on generated scenes whose true horizon is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from roadinspect.core.geo import CameraModel
from roadinspect.core.photos import read_photo, scan
from roadinspect.core.road_region import (
    HORIZON_MARGIN,
    MIN_HORIZON_PHOTOS,
    RoadRegion,
    _grey,
    estimate_batch,
    estimate_horizon,
    grid_size,
    horizon_mask,
    project_regions,
    vanishing_row,
)
from roadinspect.core.store import Store
from roadinspect.core.synth import CameraRig, _View, render_scene

W, H = 320, 200  # not square: a row taken for a column (or the reverse) lands elsewhere


def _scenes(pitch: float, count: int, width: int = W, height: int = H, shift: float = 0.0,
            seed: int = 0) -> tuple[list[np.ndarray], float]:
    """``count`` generated road photos seen with ``pitch`` (degrees down) and the true horizon (share of the
    height). ``shift``: the frame is cut from a wider scene so the vanishing point lies off centre by this
    share of the width."""
    rig = CameraRig(pitch_deg=pitch)
    wide = int(round(width * (1 + 2 * abs(shift))))
    images = []
    for i in range(count):
        image = render_scene(wide, height, seed=seed + i, rig=rig).image
        left = (wide - width) // 2 + int(round(shift * width))
        images.append(image[:, left:left + width])
    truth = _View(wide, height, rig).horizon_v / height
    return images, truth


@pytest.mark.parametrize("pitch", [14.0, 4.0, -3.0])
def test_the_estimated_horizon_is_the_true_one_of_generated_scenes(pitch: float) -> None:
    images, truth = _scenes(pitch, 4)
    est = estimate_horizon(images)
    assert est.row is not None, est.note
    assert est.photos == 4 and est.looked_at == 4
    assert abs((est.row + HORIZON_MARGIN) - truth) < 0.025, (est.row, truth)


def test_a_camera_looking_down_has_its_horizon_higher_and_a_level_one_near_the_middle() -> None:
    rows = {}
    for pitch in (14.0, 0.0, -3.0):
        images, _ = _scenes(pitch, 3, seed=10)
        rows[pitch] = estimate_horizon(images).row
    assert rows[14.0] < 0.35 < rows[0.0] < rows[-3.0]  # a wrong sign puts the tilted camera's horizon low
    assert abs(rows[0.0] + HORIZON_MARGIN - 0.5) < 0.03


def test_an_off_centre_vanishing_point_gives_its_row_not_its_column() -> None:
    images, truth = _scenes(2.0, 3, shift=0.25, seed=20)  # the road vanishes at a quarter of the width
    row, support = vanishing_row(_grey(images[0]))
    assert abs(row / H - truth) < 0.03 and support > 0.1
    assert abs(estimate_horizon(images).row + HORIZON_MARGIN - truth) < 0.03
    # the same photos on their side: the estimate is not the old row any more
    turned = [np.ascontiguousarray(np.rot90(image)) for image in images]
    sideways = estimate_horizon(turned)
    assert sideways.row is None or abs(sideways.row + HORIZON_MARGIN - truth) > 0.1


def test_one_or_two_photos_or_road_close_ups_or_disagreeing_photos_give_no_estimate() -> None:
    images, _ = _scenes(4.0, MIN_HORIZON_PHOTOS - 1)
    for batch in (images[:1], images):
        est = estimate_horizon(batch)
        assert est.row is None and "at least" in est.note
    rng = np.random.default_rng(1)
    close_ups = [np.clip(110 + 40 * ndimage.gaussian_filter(rng.normal(0, 1, (H, W)), 2.0) / 0.14, 0, 255)
                 for _ in range(6)]  # asphalt grain, no straight edge: no vanishing point
    est = estimate_horizon(close_ups)
    assert est.row is None and "clear on" in est.note
    high, _ = _scenes(16.0, 3, seed=30)
    low, _ = _scenes(-4.0, 3, seed=40)
    est = estimate_horizon(high + low)  # two cameras mixed under one name: no common horizon
    assert est.row is None and est.note


def _save(folder: Path, images: list[np.ndarray], prefix: str = "f") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(images):
        path = folder / f"{prefix}{i:02d}.jpg"
        Image.fromarray(image).save(path, quality=92)
        paths.append(path)
    return paths


def test_the_batch_region_uses_the_estimated_horizon_and_the_camera_one_for_a_single_photo(tmp_path: Path) -> None:
    images, truth = _scenes(1.0, 4, seed=50)
    photos = [read_photo(p) for p in _save(tmp_path / "level", images)]
    camera = CameraModel(pitch_deg=12.0)  # the default: a horizon well above this level camera's
    (region,) = estimate_batch(photos, camera).values()
    assert region.horizon_source == "estimated" and region.horizon_photos >= 3
    road = region.road(W, H)
    top = int(np.argmax(road.any(axis=1)))  # first road row
    assert abs(top / H - (truth - HORIZON_MARGIN)) < 0.03
    assert top / H > camera.horizon_v(W, H) / H + 0.1  # lower than the pitch-12 horizon: trees and facades cut
    (alone,) = estimate_batch(photos[:1], camera).values()
    assert alone.horizon_source == "camera" and "at least" in alone.horizon_note
    gw, gh = grid_size(W, H)
    assert np.array_equal(alone.excluded, horizon_mask(camera, W, H, (gh, gw)))


def test_the_estimate_is_kept_in_the_project_and_old_regions_are_estimated_again(tmp_path: Path) -> None:
    images, truth = _scenes(0.0, 4, seed=60)
    _save(tmp_path / "photos", images)
    result = scan([tmp_path / "photos"])
    store = Store.open(tmp_path / "p.roadinspect")
    store.add_batch(result.photos, result.unreadable, result.duplicates)
    camera = CameraModel(pitch_deg=12.0)
    (region,) = project_regions(store, None, camera).values()
    (stored,) = store.road_regions().values()
    assert stored.horizon is not None and stored.horizon == region.horizon
    assert abs(stored.horizon + HORIZON_MARGIN - truth) < 0.03 and stored.horizon_photos >= 3
    # a region stored before the horizon was estimated (-1) is estimated again at the next analysis
    store.put_road_region(RoadRegion(stored.key, stored.width, stored.height, stored.excluded, "auto",
                                     stored.photos, stored.group_photos, stored.note))
    assert next(iter(store.road_regions().values())).horizon_photos == -1
    (again,) = project_regions(store, None, camera).values()
    assert again.horizon == pytest.approx(stored.horizon)
    assert next(iter(store.road_regions().values())).horizon_photos >= 3


def test_an_analysis_applies_the_estimated_horizon_and_records_it(tmp_path: Path) -> None:
    """A level phone (true horizon mid-frame), the default pitch of 12 deg (horizon at 30 %): a pothole
    marked on the facades at 40 % of the height is not recorded, one on the road is; the analysis
    settings say which horizon was used."""
    from roadinspect.core.pipeline import analyze
    from roadinspect.core.segmenter import Segmentation
    from roadinspect.core.types import DamageClass

    class FacadeNet:
        name, sha256 = "facade-net", "f" * 64

        def predict(self, image: np.ndarray) -> Segmentation:
            h, w = image.shape[:2]
            mask = np.zeros((h, w), np.uint8)
            mask[int(0.38 * h):int(0.44 * h), int(0.1 * w):int(0.2 * w)] = 2  # above the true horizon
            mask[int(0.8 * h):int(0.88 * h), int(0.45 * w):int(0.55 * w)] = 2  # on the road
            probs = np.stack([(mask == 0), np.zeros_like(mask, bool), (mask == 2)]).astype(np.float32)
            return Segmentation(mask=mask, probs=probs, image_size=(w, h))

    images, _ = _scenes(0.0, 4, seed=70)
    _save(tmp_path / "photos", images)
    result = scan([tmp_path / "photos"])
    store = Store.open(tmp_path / "p.roadinspect")
    store.add_batch(result.photos, result.unreadable, result.duplicates)
    analyze(store, None, FacadeNet(), camera=CameraModel(pitch_deg=12.0), workers=0)
    from shapely import wkt

    tops = [wkt.loads(rf.finding.polygon_wkt).bounds[1] / H for rf in store.findings()
            if rf.finding.damage == DamageClass.POTHOLE]
    assert len(tops) == 4 and min(tops) > 0.7  # only the road potholes
    settings = list(store.finding_analysis_settings().values())
    assert len(settings) == 4 and all(s == settings[0] for s in settings)  # one analysis
    (group,) = settings[0]["road_regions"].values()
    assert group["horizon"] == "estimated" and abs(group["horizon_row"] + HORIZON_MARGIN - 0.5) < 0.03
