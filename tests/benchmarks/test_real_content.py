"""Real-content benchmark photos: made at run time from the shared frames, or said absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from roadinspect.benchmarks import BenchOptions, analyze, real_content


def _fake_dataset(base: Path, count: int) -> Path:
    images = base / real_content.DATASET / "images"
    images.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        pixels = rng.integers(0, 255, (40, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(images / f"frame_{i:03d}.jpg", quality=90)
    return base


def test_real_batch_gives_one_geotagged_photo_per_different_frame(tmp_path, monkeypatch):
    from roadinspect.core.photos import scan

    monkeypatch.setenv(real_content.ENV, str(_fake_dataset(tmp_path / "shared", 5)))
    frames = real_content.find_frames(4)
    assert frames is not None and len(frames) == 4 and len(set(frames)) == 4
    paths = real_content.make_real_batch(tmp_path / "out", frames, size=(320, 200))
    batch = scan(paths)
    assert len(batch.photos) == 4 and not batch.unreadable
    assert {(p.width, p.height) for p in batch.photos} == {(320, 200)}
    assert all(p.position is not None and p.heading_deg is not None and p.taken_at is not None for p in batch.photos)
    assert all(p.camera is not None and p.camera.focal_length_35mm for p in batch.photos)
    assert len({p.position for p in batch.photos}) == 4
    assert len({path.read_bytes() for path in paths}) == 4  # every photo its own content


def test_without_the_shared_folder_the_benchmark_says_so(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(real_content, "shared_datasets", lambda: None)
    result = analyze._run_real(tmp_path, 10, BenchOptions(), {}, 320 * 240)
    assert "not found" in result["absent"] and "synthetic batch only" in result["absent"]
    assert "real-content photos not measured" in capsys.readouterr().err
    assert "not found" in analyze._format_real(result)[0]


@pytest.mark.skipif(real_content.shared_datasets() is None, reason="no ../shared/datasets here")
def test_frames_of_the_shared_dataset_come_validation_first():
    from roadinspect.training.data import open_dataset, split

    frames = real_content.find_frames(5)
    assert frames is not None and len(frames) == 5
    val = set(split(open_dataset(real_content.shared_datasets() / real_content.DATASET))["val"])
    assert all(path.stem in val for path in frames)
