"""Unusable EXIF dates become a note on the photo; the photo and the batch go on (issue 12, point 7).

``9999:12:31 23:59:59`` with ``OffsetTimeOriginal -14:00`` and ``0001:01:01 00:00:00 +14:00`` overflow
Python's datetime as soon as they are turned to UTC; ``GPSDateStamp 9999:12:31`` with
``GPSTimeStamp 23:59:60.5`` overflows when the time is added to the date.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL.TiffImagePlugin import IFDRational

import roadinspect.cli_inspect as cli_inspect
from roadinspect.cli import main
from roadinspect.core.photos import read_photo
from roadinspect.core.segmenter import Segmentation
from roadinspect.core.store import Store
from roadinspect.core.types import Photo
from tests.core.photo_files import custom_exif_jpeg, gps_tags, scene_jpeg

LAT, LON = 49.8686, 2.5867
LEAP = (IFDRational(23, 1), IFDRational(59, 1), IFDRational(605, 10))  # 23:59:60.5

BAD_DATES = {
    "late.jpg": {"exif": {0x9003: "9999:12:31 23:59:59", 0x9011: "-14:00"}},
    "early.jpg": {"exif": {0x9003: "0001:01:01 00:00:00", 0x9011: "+14:00"}},
    "gps_late.jpg": {"gps": {**gps_tags(LAT, LON), 29: "9999:12:31", 7: LEAP}},
}


@pytest.mark.parametrize("name", sorted(BAD_DATES))
def test_an_unusable_date_is_a_note(tmp_path: Path, name: str) -> None:
    photo = read_photo(custom_exif_jpeg(tmp_path / name, **BAD_DATES[name]))  # type: ignore[arg-type]
    assert isinstance(photo, Photo)
    assert photo.taken_at is None
    assert any(n.startswith("unusable ") and "ignored" in n for n in photo.notes), photo.notes


def test_a_leap_second_on_an_ordinary_day_is_kept(tmp_path: Path) -> None:
    photo = read_photo(custom_exif_jpeg(tmp_path / "leap.jpg", gps={**gps_tags(LAT, LON), 29: "2016:12:31", 7: LEAP}))
    assert isinstance(photo, Photo)
    assert photo.taken_at == datetime(2017, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)


class Background:
    """A segmenter double that sees no damage (the test is about the import, not the model)."""

    name, sha256, max_side = "background", "b" * 64, None

    def predict(self, image: np.ndarray) -> Segmentation:
        h, w = image.shape[:2]
        probs = np.zeros((3, h, w), np.float32)
        probs[0] = 1.0
        return Segmentation(np.zeros((h, w), np.uint8), probs, (w, h))


def test_analyze_goes_on_past_unusable_dates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "photos"
    for name, tags in BAD_DATES.items():
        custom_exif_jpeg(folder / name, **tags)  # type: ignore[arg-type]
    scene_jpeg(folder / "good.jpg")
    monkeypatch.setattr(cli_inspect, "_load_segmenter", lambda args: Background())
    project = tmp_path / "survey.roadinspect"
    assert main(["analyze", str(folder), "--project", str(project), "--clock-offset", "3600"]) == 0
    assert "Analysed: 4 now" in capsys.readouterr().out
    with Store.open(project, readonly=True) as store:
        records = {r.path.name: r for r in store.photos()}
        assert set(records) == {"late.jpg", "early.jpg", "gps_late.jpg", "good.jpg"}
        for name in BAD_DATES:
            assert any(n.startswith("unusable ") for n in records[name].photo.notes)  # type: ignore[union-attr]
        assert store.counts()["analysed"] == 4
