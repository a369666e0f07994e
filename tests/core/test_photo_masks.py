"""One photo through the analysis steps as class masks (``roadinspect.core.photo_masks``): what analyze records."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from roadinspect.core.photo_masks import analyse_photo
from roadinspect.core.road_region import RoadRegion
from roadinspect.core.segmenter import Segmentation
from roadinspect.core.types import Photo


def test_recorded_mask_is_the_findings_after_the_road_region_and_size_filters() -> None:
    """A fake network marks a pothole on the road, one on the dashboard and a speck: only the first is recorded."""
    mask = np.zeros((60, 80), np.uint8)
    mask[20:30, 30:42] = 2  # on the road
    mask[52:58, 10:30] = 2  # on the dashboard (excluded below)
    mask[10, 70] = 2  # a one-pixel speck: under the size filter
    probs = np.zeros((3, 60, 80), np.float32)
    probs[0] = mask == 0
    probs[2] = mask == 2

    class Net:
        max_side = 80

        def predict(self, image: np.ndarray) -> Segmentation:
            return Segmentation(mask=mask.copy(), probs=probs, image_size=(image.shape[1], image.shape[0]))

    photo = Photo(path=Path("p.jpg"), sha256="", size_bytes=1, width=160, height=120)
    excluded = np.zeros((24, 32), bool)
    excluded[20:] = True  # the bottom sixth: the dashboard
    region = RoadRegion("k", 160, 120, excluded)
    image = np.zeros((60, 80, 3), np.uint8)
    result = analyse_photo(Net(), photo, region, image=image)
    recorded = result.recorded_mask()
    raw = result.raw_mask()
    assert recorded.shape == raw.shape == (120, 160)
    assert len(result.findings) == 1 and (recorded[40:60, 60:84] == 2).all()
    assert not recorded[100:].any() and raw[104:116, 20:60].all()  # the dashboard blob: raw only
    assert recorded[20, 140] == 0 and raw[20, 140] == 2  # the speck: raw only
    unfiltered = analyse_photo(Net(), dataclasses.replace(photo), None, image=image)
    assert len(unfiltered.findings) == 2  # without the region the dashboard blob is a finding
