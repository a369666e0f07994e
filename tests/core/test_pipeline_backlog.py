"""The model runs ahead of a slow findings extraction (a damage-dense photo), within a bounded backlog."""

from __future__ import annotations

import threading
import time
from pathlib import Path

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
