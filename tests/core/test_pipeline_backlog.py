"""Batches that strain the pipeline: a slow findings extraction (the model runs ahead, bounded), 1 MP and 48 MP
mixed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from roadinspect.core import findings, pipeline
from roadinspect.core.photos import scan
from roadinspect.core.store import Store
from roadinspect.core.track import complete_track
from tests.core.photo_files import TruthSegmenter, truth_batch


def test_the_model_keeps_going_while_one_photo_takes_long_in_findings(tmp_path: Path, monkeypatch) -> None:
    count = pipeline.FINDINGS_BACKLOG + 8
    pairs = truth_batch(tmp_path / "photos", count)
    batch = scan([tmp_path / "photos"])
    store = Store.open(tmp_path / "p.roadinspect")
    store.add_batch(complete_track(batch.photos), batch.unreadable, batch.duplicates)
    segmenter = TruthSegmenter(pairs)
    real_extract = findings.extract_findings
    ahead = 8  # model calls expected while the first photo's findings run (the photo itself + 7 more)
    seen: list[int] = []

    def slow_first(segmentation, photo, camera=None, *args, **kwargs):
        if photo.path.name == "IMG_0000.jpg":  # the damage-dense photo: findings take long
            deadline = time.monotonic() + 30.0
            while segmenter.calls < ahead and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(0.2)  # would the model go further than the bound?
            seen.append(segmenter.calls)
        return real_extract(segmentation, photo, camera, *args, **kwargs)

    monkeypatch.setattr(findings, "extract_findings", slow_first)
    with store:
        summary = pipeline.analyze(store, None, segmenter, workers=1)
    assert summary.analysed == count and not summary.failed
    assert seen and seen[0] >= ahead, f"the model waited for the findings after {seen} photos"
    assert seen[0] <= pipeline._depth(1, 1)  # bounded: never more photos in flight than the depth
    assert threading.active_count() < 10  # the pipeline's threads are gone


class _CentreBlob:
    """A segmenter double: a pothole blob in the middle of whatever image it is given (working size)."""

    name = "centre-blob"
    sha256 = "1" * 64
    max_side = 640

    def __init__(self) -> None:
        self.shapes: list[tuple[int, ...]] = []

    def predict(self, image):
        import numpy as np

        from roadinspect.core.segmenter import Segmentation

        self.shapes.append(image.shape)
        h, w = image.shape[:2]
        mask = np.zeros((h, w), np.uint8)
        mask[h * 2 // 5:h * 3 // 5, w * 2 // 5:w * 3 // 5] = 2
        probs = np.full((3, h, w), 0.05, np.float32)
        probs[2][mask == 2] = 0.9
        return Segmentation(mask, probs, (w, h))


def test_a_batch_mixing_1_mp_and_48_mp_photos(tmp_path: Path) -> None:
    """Every photo is decoded at the working size and its findings come in its own photo pixels."""
    import numpy as np
    import shapely

    from roadinspect.core.synth import write_geotagged_jpeg

    folder = tmp_path / "photos"
    folder.mkdir()
    sizes = {"IMG_0000.jpg": (1152, 864), "IMG_0001.jpg": (8000, 6000), "IMG_0002.jpg": (1152, 864),
             "IMG_0003.jpg": (8000, 6000)}
    for index, (name, (w, h)) in enumerate(sizes.items()):
        gray = np.full((h, w, 3), 96 + 20 * index, np.uint8)
        write_geotagged_jpeg(folder / name, gray, index=index)
        del gray
    batch = scan([folder])
    store = Store.open(tmp_path / "p.roadinspect")
    store.add_batch(complete_track(batch.photos), batch.unreadable, batch.duplicates)
    segmenter = _CentreBlob()
    with store:
        summary = pipeline.analyze(store, None, segmenter, workers=1)
        assert summary.analysed == 4 and not summary.failed
        assert all(max(shape[:2]) == 640 for shape in segmenter.shapes)  # never decoded at 48 MP
        names = {r.id: r.path.name for r in store.photos()}
        found = {names[rf.finding.photo_id]: rf.finding for rf in store.findings()}
    assert set(found) == set(sizes)
    for name, finding in found.items():
        w, h = sizes[name]
        geom = shapely.from_wkt(finding.polygon_wkt)
        assert geom.centroid.distance(shapely.Point(w / 2, h / 2)) < 0.02 * w
        assert geom.area == pytest.approx(w * h / 25, rel=0.1)
