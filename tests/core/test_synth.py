"""The project's own road-photo generator and the bundled samples made with it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from roadinspect.core.photos import find_images, load_image, read_photo, sha256_file
from roadinspect.core.resources import samples_dir
from roadinspect.core.synth import (
    DRAWN_CRACKS,
    NO_GPS_SAMPLE,
    ROAD_START,
    GeoTag,
    make_benchmark_batch,
    render_scene,
    write_geotagged_jpeg,
)
from roadinspect.core.track import distance_m
from roadinspect.core.types import DamageClass, GeoPoint, Photo, PositionSource


def test_same_seed_same_scene_other_seed_other_scene() -> None:
    a = render_scene(160, 120, 5)
    b = render_scene(160, 120, 5)
    c = render_scene(160, 120, 6)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    assert not np.array_equal(a.image, c.image)
    assert a.image.shape == (120, 160, 3) and a.image.dtype == np.uint8
    assert a.mask.shape == (120, 160) and set(np.unique(a.mask)) <= {0, 1, 2}


def test_clean_road_has_an_empty_mask() -> None:
    scene = render_scene(160, 120, 1, cracks=(), potholes=0)
    assert not scene.mask.any() and scene.damages == ()


@pytest.mark.parametrize("kind", DRAWN_CRACKS)
def test_cracks_are_thin_dark_and_exactly_in_the_mask(kind: str) -> None:
    scene = render_scene(640, 480, 3, cracks=(kind,), potholes=0)
    crack = scene.mask == 1
    assert crack.sum() > 30 and not (scene.mask == 2).any()
    assert [d.kind for d in scene.damages] == [kind]
    # 1-4 px wide: no crack pixel is more than 2 px from the background.
    assert ndimage.distance_transform_cdt(crack, metric="chessboard").max() <= 2
    grey = scene.image.astype(np.float32).mean(axis=2)
    ring = ndimage.binary_dilation(crack, iterations=4) & ~ndimage.binary_dilation(crack, iterations=2)
    assert grey[crack].mean() < 0.8 * grey[ring].mean()
    x0, y0, x1, y1 = scene.damages[0].bbox
    ys, xs = np.nonzero(crack)
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (x0, y0, x1, y1)


def test_potholes_are_dark_blobs_in_the_mask() -> None:
    scene = render_scene(640, 480, 8, cracks=(), potholes=2)
    assert [d.kind for d in scene.damages] == ["pothole", "pothole"]
    labels, count = ndimage.label(scene.mask == 2)
    assert count == 2
    grey = scene.image.astype(np.float32).mean(axis=2)
    hole = scene.mask == 2
    around = ndimage.binary_dilation(hole, iterations=12) & ~ndimage.binary_dilation(hole, iterations=6)
    assert grey[hole].mean() < 0.85 * grey[around].mean()
    for damage in scene.damages:
        assert damage.damage is DamageClass.POTHOLE and 0.01 < damage.size_m < 1.0  # area in m2


def test_unknown_crack_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown crack kind"):
        render_scene(64, 48, 1, cracks=("diagonal",))


def test_geotagged_jpeg_round_trip(tmp_path: Path) -> None:
    when = datetime(2025, 6, 1, 12, 30, 15, tzinfo=UTC)
    tag = GeoTag(position=GeoPoint(-12.345678, -45.678901), time_utc=when, altitude_m=-3.5, heading_deg=271.25,
                 utc_offset_min=-180)
    path = write_geotagged_jpeg(tmp_path / "t.jpg", render_scene(96, 72, 2).image, tag)
    photo = read_photo(path)
    assert isinstance(photo, Photo)
    assert photo.position == pytest.approx(GeoPoint(-12.345678, -45.678901)) or (
        abs(photo.position.lat + 12.345678) < 1e-6 and abs(photo.position.lon + 45.678901) < 1e-6)  # type: ignore[union-attr]
    assert photo.altitude_m == pytest.approx(-3.5) and photo.heading_deg == pytest.approx(271.25)
    assert photo.taken_at == when
    offset = photo.camera_time.utcoffset() if photo.camera_time is not None else None
    assert photo.camera_time is not None and photo.camera_time.hour == 9
    assert offset is not None and offset.total_seconds() == -10800
    assert photo.camera.focal_length_35mm == 28.0


def test_benchmark_batch_files_differ_only_by_their_exif(tmp_path: Path) -> None:
    paths = make_benchmark_batch(tmp_path, 3, width=64, height=48)
    assert len({sha256_file(p) for p in paths}) == 3
    images = [load_image(p) for p in paths]
    assert all(np.array_equal(images[0], im) for im in images[1:])
    photos = [read_photo(p) for p in paths]
    assert all(isinstance(p, Photo) and p.position is not None for p in photos)
    assert distance_m(photos[0].position, photos[2].position) == pytest.approx(9.0, abs=0.1)  # type: ignore[union-attr]


def test_bundled_samples() -> None:
    folder = samples_dir()
    info = json.loads((folder / "samples.json").read_text(encoding="utf-8"))
    jpegs = sorted(folder.glob("*.jpg"))
    assert 10 <= len(jpegs) <= 20 and len(info["samples"]) == len(jpegs)
    assert sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) < 3_000_000
    assert (folder / "masks" / ".nomedia").is_file()
    assert find_images([folder])[0] == jpegs  # the masks are not taken for photos
    with_gps = 0
    for entry, path in zip(info["samples"], jpegs, strict=True):
        photo = read_photo(path)
        assert isinstance(photo, Photo) and (photo.width, photo.height) == (1024, 768)
        mask = np.asarray(Image.open(folder / entry["mask"]))
        assert mask.shape == (768, 1024) and set(np.unique(mask)) <= {0, 1, 2}
        assert {d["damage"] for d in entry["damages"]} == {DamageClass(v).label for v in np.unique(mask) if v}
        if photo.position is not None:
            with_gps += 1
            assert photo.position_source is PositionSource.EXIF
            assert distance_m(ROAD_START, photo.position) < 3000  # along the D1029 east of Lamotte-Warfusée
    assert with_gps == len(jpegs) - 1 and not info["samples"][NO_GPS_SAMPLE]["gps_written"]
    first = info["samples"][0]
    scene = render_scene(1024, 768, first["seed"],
                         cracks=tuple(d["kind"] for d in first["damages"] if d["damage"] == "crack"),
                         potholes=sum(d["damage"] == "pothole" for d in first["damages"]))
    assert np.array_equal(scene.mask, np.asarray(Image.open(folder / first["mask"])))  # regenerated identically
