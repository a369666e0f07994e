"""Training-set export of reviewed photos: which photos, the mask labels, the layout the trainer reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from roadinspect.core.exports.training_set import export_training_set, selected_photos
from roadinspect.core.types import IGNORE_LABEL, DamageClass, Finding, Photo, Review, ReviewStatus, Severity
from roadinspect.training.data import load_pair, open_dataset

SQUARE = "POLYGON ((100 100, 300 100, 300 300, 100 300, 100 100))"
BAR = "POLYGON ((500 400, 1500 400, 1500 440, 500 440, 500 400))"


def _photo(tmp: Path, name: str) -> Photo:
    path = tmp / name
    Image.new("RGB", (2000, 1000), (90, 90, 90)).save(path, quality=80)
    return Photo(path=path, sha256="", size_bytes=path.stat().st_size, width=2000, height=1000)


def _finding(fid: int, pid: int, damage: DamageClass, wkt: str, source: str = "model") -> Finding:
    kind = "pothole" if damage == DamageClass.POTHOLE else "longitudinal"
    return Finding(damage, wkt, 0.8, kind, Severity.MEDIUM, {}, id=fid, photo_id=pid, source=source)


def test_selection_needs_complete_review_and_a_correction(tmp_path: Path) -> None:
    photos = {1: _photo(tmp_path, "a.jpg"), 2: _photo(tmp_path, "b.jpg"), 3: _photo(tmp_path, "c.jpg")}
    findings = [
        _finding(1, 1, DamageClass.POTHOLE, SQUARE), _finding(2, 1, DamageClass.CRACK, BAR),  # 1: one pending
        _finding(3, 2, DamageClass.POTHOLE, SQUARE),  # 2: accepted only
        _finding(4, 3, DamageClass.CRACK, BAR),  # 3: rejected (a false alarm)
    ]
    reviews = {1: Review(1, ReviewStatus.ACCEPTED), 3: Review(3, ReviewStatus.ACCEPTED),
               4: Review(4, ReviewStatus.REJECTED)}
    assert selected_photos(photos, findings, reviews) == [3]
    assert selected_photos(photos, findings, reviews, only_corrected=False) == [2, 3]
    drawn = [*findings, _finding(5, 1, DamageClass.POTHOLE, BAR, source="inspector")]
    reviews[2] = Review(2, ReviewStatus.ACCEPTED)
    assert selected_photos(photos, drawn, reviews) == [1, 3]


def test_export_layout_and_labels_read_back_by_the_trainer(tmp_path: Path) -> None:
    photos = {7: _photo(tmp_path, "route été 1.jpg")}
    findings = [_finding(1, 7, DamageClass.POTHOLE, SQUARE), _finding(2, 7, DamageClass.CRACK, BAR),
                _finding(3, 7, DamageClass.CRACK, "POLYGON ((1600 800, 1700 800, 1700 900, 1600 900, 1600 800))")]
    reviews = {1: Review(1, ReviewStatus.ACCEPTED),
               2: Review(2, ReviewStatus.CORRECTED, damage=DamageClass.POTHOLE),  # the inspector changed the class
               3: Review(3, ReviewStatus.REJECTED)}
    out = tmp_path / "train"
    result = export_training_set(photos, findings, reviews, out, project="RN7 survey")
    assert len(result.stems) == 1 and result.skipped == []
    stem = result.stems[0]
    assert stem.startswith("RN7-survey_00007_route") and all(p.exists() for p in result.written)
    info = open_dataset(out)
    assert info.stems == (stem,) and DamageClass.CRACK in info.annotated and DamageClass.POTHOLE in info.annotated
    image, mask = load_pair(info, stem)
    assert image.shape == (512, 1024, 3) and mask.shape == (512, 1024)  # longest side 1024, same size
    k = 1024 / 2000
    assert mask[int(200 * k), int(200 * k)] == DamageClass.POTHOLE  # accepted pothole
    assert mask[int(420 * k), int(1000 * k)] == DamageClass.POTHOLE  # crack corrected into a pothole
    assert mask[int(850 * k), int(1650 * k)] == 0  # rejected: background
    assert mask[int(100 * k), int(200 * k)] == IGNORE_LABEL  # outline band
    assert mask[int(700 * k), int(200 * k)] == 0
    manifest = (out / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert manifest[0] == "stem,width,height,crack_px,pothole_px,source_file"
    assert manifest[1].startswith(f"{stem},1024,512,0,") and manifest[1].endswith("route été 1.jpg")


def test_unreadable_photo_is_skipped_with_its_reason(tmp_path: Path) -> None:
    photos = {1: _photo(tmp_path, "gone.jpg"), 2: _photo(tmp_path, "ok.jpg")}
    photos[1].path.unlink()
    findings = [_finding(1, 1, DamageClass.POTHOLE, SQUARE), _finding(2, 2, DamageClass.POTHOLE, SQUARE)]
    reviews = {1: Review(1, ReviewStatus.REJECTED), 2: Review(2, ReviewStatus.REJECTED)}
    result = export_training_set(photos, findings, reviews, tmp_path / "out")
    assert [p.name for p, _ in result.skipped] == ["gone.jpg"] and len(result.stems) == 1
    mask = np.asarray(Image.open(tmp_path / "out" / "masks" / f"{result.stems[0]}.png"))
    assert set(np.unique(mask)) == {0}  # a rejected finding only: all background, no outline band
