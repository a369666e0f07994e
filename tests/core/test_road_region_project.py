"""The road region in a project: estimated at the first analysis, stored, reused, edited, applied on re-analysis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from roadinspect.core.geo import CameraModel
from roadinspect.core.photos import scan
from roadinspect.core.pipeline import analyze
from roadinspect.core.road_region import RegionError, save_edited
from roadinspect.core.segmenter import Segmentation
from roadinspect.core.store import Store
from roadinspect.core.types import DamageClass
from tests.core.test_road_region import BAND, DASH, H, W, _frame

LEVEL = CameraModel(pitch_deg=60.0)  # horizon above the frame: only the still parts are excluded here


class DashNet:
    """Marks a pothole on the road and one on the dashboard of every photo (working size = photo size)."""

    name = "dash-net"

    def __init__(self, sha256: str = "a" * 64) -> None:
        self.sha256 = sha256

    def predict(self, image: np.ndarray) -> Segmentation:
        h, w = image.shape[:2]
        mask = np.zeros((h, w), np.uint8)
        mask[h // 2 - 8:h // 2 + 8, w // 2 - 8:w // 2 + 8] = 2  # on the road
        mask[h - 24:h - 8, 20:60] = 2  # on the dashboard
        probs = np.stack([(mask == 0), np.zeros_like(mask, bool), (mask == 2)]).astype(np.float32)
        return Segmentation(mask=mask, probs=probs, image_size=(w, h))


def _project(tmp_path: Path, count: int = 10) -> Store:
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(count):
        Image.fromarray(_frame(i).astype(np.uint8)).convert("RGB").save(folder / f"IMG_{i:03d}.jpg", quality=95)
    result = scan([folder])
    store = Store.open(tmp_path / "p.roadinspect")
    store.add_batch(result.photos, result.unreadable, result.duplicates)
    return store


def _potholes_low(store: Store) -> list[float]:
    """The top rows of the pothole findings' outlines."""
    from shapely import wkt

    return [wkt.loads(rf.finding.polygon_wkt).bounds[1] for rf in store.findings()
            if rf.finding.damage == DamageClass.POTHOLE]


def test_analysis_estimates_stores_and_applies_the_region(tmp_path: Path) -> None:
    store = _project(tmp_path)
    summary = analyze(store, None, DashNet(), camera=LEVEL, workers=0)
    assert summary.analysed == 10
    tops = _potholes_low(store)
    assert len(tops) == 10 and max(tops) < DASH  # the dashboard potholes were never recorded
    (region,) = store.road_regions().values()
    assert region.source == "auto" and region.photos == 10 and region.group_photos == 10
    assert not region.road(W, H)[DASH + 4:].any()
    # A re-analysis by another model reuses the stored region (no second estimate).
    analyze(store, None, DashNet("b" * 64), camera=LEVEL, workers=0)
    assert [e.action for e in store.audit_log()].count("road_region") == 1
    assert len(_potholes_low(store)) == 10
    store.close()
    reopened = Store.open(tmp_path / "p.roadinspect")
    assert np.array_equal(next(iter(reopened.road_regions().values())).excluded, region.excluded)
    reopened.close()


def test_an_edited_region_marks_the_group_for_reanalysis_and_is_applied(tmp_path: Path) -> None:
    store = _project(tmp_path)
    analyze(store, None, DashNet(), camera=LEVEL, workers=0)
    (key,) = store.road_regions()
    marked = save_edited(store, key, np.zeros((H, W), bool), who="inspector")  # erase everything: all road
    assert marked == 10
    assert store.road_regions()[key].source == "edited"
    summary = analyze(store, None, DashNet(), camera=LEVEL, workers=0)  # the same model: only the marked photos
    assert summary.analysed == 10
    assert sum(1 for t in _potholes_low(store) if t >= DASH) == 10  # the dashboard blobs are findings now
    # An edited region is never replaced by a new estimate.
    analyze(store, None, DashNet("c" * 64), camera=LEVEL, workers=0)
    assert store.road_regions()[key].source == "edited"


def test_a_drawn_region_covering_the_photo_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    store = _project(tmp_path)
    analyze(store, None, DashNet(), camera=LEVEL, workers=0)
    (key,) = store.road_regions()
    before = store.road_regions()[key].excluded.copy()
    with pytest.raises(RegionError, match="whole photo"):
        save_edited(store, key, np.ones((H, W), bool))
    assert np.array_equal(store.road_regions()[key].excluded, before)
    assert all(r.analysis_id is not None for r in store.photos())


def test_a_single_photo_gets_the_horizon_and_the_network_only(tmp_path: Path) -> None:
    store = _project(tmp_path, count=1)
    analyze(store, None, DashNet(), camera=LEVEL, workers=0)
    (region,) = store.road_regions().values()
    assert region.photos == 0 and "at least" in region.note
    assert len(_potholes_low(store)) == 2  # nothing removed: the horizon is above this frame


def test_a_corrected_camera_pitch_moves_the_horizon_at_the_next_analysis(tmp_path: Path) -> None:
    from roadinspect.core.road_region import project_regions

    store = _project(tmp_path)
    analyze(store, None, DashNet(), camera=LEVEL, workers=0)
    (stored,) = store.road_regions().values()
    assert not stored.excluded[BAND + 10: H // 2 - 10].any()  # auto regions keep the still parts only
    (level,) = project_regions(store, None, CameraModel(pitch_deg=0.0)).values()  # the horizon in the middle
    rows = level.excluded.shape[0]
    assert level.excluded[: rows // 2 - 1].all() and not level.excluded[rows // 2 + 2: rows * 3 // 4].any()
    analyze(store, None, DashNet("d" * 64), camera=CameraModel(pitch_deg=0.0), workers=0)
    assert len(_potholes_low(store)) == 10  # the road potholes straddle the middle: their lower half is kept
    # An edited region is the inspector's drawing: the camera does not change it.
    save_edited(store, stored.key, np.zeros(stored.excluded.shape, bool))
    (edited,) = project_regions(store, None, CameraModel(pitch_deg=0.0)).values()
    assert not edited.excluded.any()


def test_a_batch_whose_photos_are_all_gone_records_each_reason_and_estimates_once_they_are_back(tmp_path: Path) -> None:
    store = _project(tmp_path)
    try:
        folder = tmp_path / "photos"
        folder.rename(tmp_path / "away")
        summary = analyze(store, None, DashNet(), camera=LEVEL)  # used to fail writing an empty region image
        assert summary.analysed == 0 and len(store.counts()["unreadable"]) == 10
        (region,) = store.road_regions().values()
        assert region.group_photos == 0 and not region.excluded.any() and region.excluded.size > 0
        (tmp_path / "away").rename(folder)
        summary = analyze(store, None, DashNet(), camera=LEVEL)
        assert summary.analysed == 10
        (region,) = store.road_regions().values()
        assert region.group_photos == 10 and region.excluded.any()  # estimated from the photos now
    finally:
        store.close()
