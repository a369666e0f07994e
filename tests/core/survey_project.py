"""A project file of a 392 m drive with potholes and cracks along it, for split, merge and publish tests.

The photos are small real JPEG files (so ``--with-photos`` has something to copy); the findings come
from the synthetic scene (``tests/core/scenes.py``) through the real extraction, recorded by an
analysis as ``analyze`` would. One pothole (at 110 m) is seen from photos on both sides of the 100 m
section boundary, so a split may not cut there.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np

from roadinspect.core.store import Store
from tests.core.scenes import IMAGE_H, IMAGE_W, along, survey

HEADING = 20.0
PHOTOS, STEP_M = 50, 8.0
MODEL_SHA = "5" * 64


def _objects() -> list[tuple[int, list[tuple[float, float]]]]:
    objects = []
    for y in (30.0, 62.0, 110.0, 150.0, 215.0, 262.0, 296.0, 340.0, 375.0):
        objects.append((2, along(HEADING, [(-0.5, y), (0.4, y), (0.4, y + 0.6), (-0.5, y + 0.6)])))
    for y in (45.0, 180.0):
        objects.append((1, along(HEADING, [(1.0, y), (1.1, y), (1.1, y + 2.5), (1.0, y + 2.5)])))
    return objects


_CACHE: dict[str, tuple] = {}


def scene():
    """(photos by id, findings), computed once per test session."""
    if "scene" not in _CACHE:
        _CACHE["scene"] = survey(PHOTOS, STEP_M, _objects(), heading=HEADING)
    return _CACHE["scene"]


def make_project(folder: Path, name: str = "survey.roadinspect") -> Path:
    """A project in ``folder`` (photos in ``folder/photos``), analysed, without reviews."""
    from PIL import Image

    photos, findings = scene()
    photo_dir = folder / "photos"
    photo_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    template = photo_dir / ".template.jpg"
    Image.fromarray((rng.random((IMAGE_H // 16, IMAGE_W // 16, 3)) * 255).astype(np.uint8)).resize(
        (IMAGE_W // 8, IMAGE_H // 8)).save(template, quality=60)
    placed = {}
    for pid, ph in photos.items():
        path = photo_dir / ph.path.name
        shutil.copyfile(template, path)
        path.write_bytes(path.read_bytes() + pid.to_bytes(4, "big"))  # distinct contents
        placed[pid] = replace(ph, path=path, sha256="", fingerprint=f"fp{pid}")
    template.unlink()
    path = folder / name
    store = Store.open(path)
    try:
        ids = store.add_batch([placed[k] for k in sorted(placed)]).photo_ids
        by_name = {store.photo(i).photo.path.name: i for i in ids}
        analysis = store.start_analysis("synthetic", MODEL_SHA)
        for old_pid, ph in sorted(placed.items()):
            store.record_photo_result(by_name[ph.path.name], analysis, [f for f in findings if f.photo_id == old_pid])
        store.finish_analysis(analysis, "done")
    finally:
        store.close()
    return path
