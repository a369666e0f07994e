"""Ingestion: folder scanning, EXIF reading, guards against bad files, duplicates, decoding."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from roadinspect.core.photos import (
    ImageError,
    find_images,
    load_image,
    read_photo,
    scan,
    sha256_file,
)
from roadinspect.core.synth import road_track
from roadinspect.core.types import Photo, PositionSource, UnreadableFile
from tests.core.photo_files import custom_exif_jpeg, gps_tags, png_declaring, scene_jpeg

GEOTAGGED = Path("/work/shared/datasets/geotagged")


def test_reads_position_heading_times_and_camera(tmp_path: Path) -> None:
    photo = read_photo(scene_jpeg(tmp_path / "a.jpg", index=10))
    assert isinstance(photo, Photo)
    assert photo.position_source is PositionSource.EXIF
    assert photo.position is not None
    written, _ = list(road_track(11, 4.5))[-1]  # what scene_jpeg wrote: photo 10, 4.5 m apart on the D1029
    assert abs(written.lat - 49.8722) < 1e-3 and abs(written.lon - 2.5967) < 1e-3
    # EXIF stores degrees, minutes and seconds as rationals: read back to 1e-7 degree (about 1 cm).
    assert photo.position.lat == pytest.approx(written.lat, abs=1e-7)
    assert photo.position.lon == pytest.approx(written.lon, abs=1e-7)
    assert photo.heading_deg == pytest.approx(89.1, abs=0.2) and not photo.heading_magnetic
    assert photo.altitude_m == pytest.approx(90.0)
    assert photo.taken_at == datetime(2025, 4, 15, 7, 42, 30, tzinfo=UTC)
    assert photo.camera_time is not None and photo.camera_time.utcoffset() == timedelta(hours=2)
    assert photo.camera_time.hour == 9
    assert photo.camera.make == "RoadInspect" and photo.camera.focal_length_35mm == 28.0
    assert photo.camera.focal_length_mm == pytest.approx(4.4)
    assert (photo.width, photo.height, photo.orientation) == (160, 120, 1)
    assert photo.sha256 == "" and len(photo.fingerprint) == 64
    assert photo.notes == ()


def test_southern_western_hemisphere_and_altitude_below_sea(tmp_path: Path) -> None:
    gps = gps_tags(-33.5, -70.25) | {5: b"\x01", 6: IFDRational(12, 1)}
    photo = read_photo(custom_exif_jpeg(tmp_path / "s.jpg", gps=gps))
    assert isinstance(photo, Photo)
    assert photo.position is not None
    assert photo.position.lat == pytest.approx(-33.5, abs=1e-6)
    assert photo.position.lon == pytest.approx(-70.25, abs=1e-6)
    assert photo.altitude_m == pytest.approx(-12.0)


def test_magnetic_heading_is_flagged_and_gps_track_is_a_fallback(tmp_path: Path) -> None:
    magnetic = read_photo(custom_exif_jpeg(tmp_path / "m.jpg",
                                           gps=gps_tags(49, 2) | {0x10: "M", 0x11: IFDRational(90, 1)}))
    assert isinstance(magnetic, Photo) and magnetic.heading_deg == 90.0 and magnetic.heading_magnetic
    track = read_photo(custom_exif_jpeg(tmp_path / "t.jpg",
                                        gps=gps_tags(49, 2) | {0x0E: "T", 0x0F: IFDRational(271, 2)}))
    assert isinstance(track, Photo) and track.heading_deg == 135.5 and track.heading_from_track


def test_real_geotagged_photos_match_their_manifest() -> None:
    if not (GEOTAGGED / "manifest.csv").is_file():
        pytest.skip("the shared geotagged dataset is not on this machine")
    import csv

    with (GEOTAGGED / "manifest.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows[:6]:
        photo = read_photo(GEOTAGGED / row["file"])
        assert isinstance(photo, Photo), row["file"]
        assert photo.position is not None
        assert photo.position.lat == pytest.approx(float(row["gps_lat"]), abs=2e-6)
        assert photo.position.lon == pytest.approx(float(row["gps_lon"]), abs=2e-6)
        assert (photo.width, photo.height) == (int(row["width"]), int(row["height"]))


# ----------------------------------------------------------------------------- bad input
def test_zero_byte_file(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    item = read_photo(tmp_path / "empty.jpg")
    assert isinstance(item, UnreadableFile) and "empty file" in item.reason
    assert item.path.name == "empty.jpg"


def test_text_file_named_jpg(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("this is not a photo\n", encoding="utf-8")
    item = read_photo(tmp_path / "notes.jpg")
    assert isinstance(item, UnreadableFile)
    assert "text file" in item.reason and ".jpg" in item.reason


def test_truncated_jpeg_header_is_unreadable_at_scan(tmp_path: Path) -> None:
    data = scene_jpeg(tmp_path / "full.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[:40])
    item = read_photo(tmp_path / "cut.jpg")
    assert isinstance(item, UnreadableFile)


def test_truncated_jpeg_data_fails_to_decode_with_a_clear_reason(tmp_path: Path) -> None:
    data = scene_jpeg(tmp_path / "full.jpg", size=(320, 240)).read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) * 2 // 3])
    photo = read_photo(tmp_path / "cut.jpg")
    assert isinstance(photo, Photo)  # the header is intact: the scan cannot know without decoding
    with pytest.raises(ImageError, match="truncated"):
        load_image(tmp_path / "cut.jpg")


def test_png_without_exif(tmp_path: Path) -> None:
    Image.new("RGB", (40, 30), (90, 90, 90)).save(tmp_path / "plain.png")
    photo = read_photo(tmp_path / "plain.png")
    assert isinstance(photo, Photo)
    assert photo.position is None and photo.position_source is PositionSource.NONE
    assert photo.taken_at is None and photo.heading_deg is None and photo.camera.make is None
    assert (photo.width, photo.height) == (40, 30)
    assert load_image(tmp_path / "plain.png").shape == (30, 40, 3)


@pytest.mark.parametrize(
    "gps",
    [
        {1: "N", 2: (IFDRational(49, 0), IFDRational(52, 1), IFDRational(0, 1)), 3: "E",
         4: (IFDRational(2, 1), IFDRational(36, 1), IFDRational(0, 1))},
        {1: "N", 2: (IFDRational(49, 1), IFDRational(52, 1), IFDRational(0, 0)), 3: "E",
         4: (IFDRational(2, 1), IFDRational(36, 1), IFDRational(0, 1))},
        {1: "N", 2: (IFDRational(49, 1), IFDRational(52, 1), IFDRational(0, 1)), 3: "E",
         4: (IFDRational(0, 0), IFDRational(0, 0), IFDRational(0, 0))},
    ],
    ids=["degrees", "seconds", "all-longitude"],
)
def test_gps_rationals_with_zero_denominators(tmp_path: Path, gps: dict) -> None:
    gps = gps | {5: b"\x00", 6: IFDRational(5, 0), 0x11: IFDRational(1, 0), 7: (IFDRational(1, 0),) * 3,
                 0x1D: "2025:04:15"}
    photo = read_photo(custom_exif_jpeg(tmp_path / "zero.jpg", gps=gps))
    assert isinstance(photo, Photo)  # the photo is kept...
    assert photo.position is None  # ...without a position
    assert photo.heading_deg is None and photo.altitude_m is None and photo.taken_at is None
    assert any("zero denominator" in note for note in photo.notes)


def test_latitude_out_of_range_drops_the_position_with_a_note(tmp_path: Path) -> None:
    gps = {1: "N", 2: (IFDRational(95, 1), IFDRational(0, 1), IFDRational(0, 1)), 3: "E", 4: (IFDRational(2, 1),) * 3}
    photo = read_photo(custom_exif_jpeg(tmp_path / "north.jpg", gps=gps))
    assert isinstance(photo, Photo) and photo.position is None
    assert any("latitude 95" in note and "out of range" in note for note in photo.notes)


def test_void_fix_and_null_island_are_no_position(tmp_path: Path) -> None:
    void = read_photo(custom_exif_jpeg(tmp_path / "v.jpg", gps=gps_tags(49, 2) | {9: "V"}))
    null = read_photo(custom_exif_jpeg(tmp_path / "n.jpg", gps=gps_tags(0, 0)))
    assert isinstance(void, Photo) and void.position is None
    assert isinstance(null, Photo) and null.position is None


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_decompression_bomb_is_refused_without_allocating(tmp_path: Path, suffix: str) -> None:
    if suffix == ".png":
        bomb = png_declaring(tmp_path / "bomb.png", 200_000, 200_000)  # 40 gigapixels in ~100 bytes
    else:
        bomb = tmp_path / "bomb.tif"
        Image.new("L", (8, 8)).save(bomb)
        data = bytearray(bomb.read_bytes())
        # Rewrite ImageWidth/ImageLength (SHORT/LONG entries of IFD0) to 150,000 x 150,000.
        import struct

        ifd = struct.unpack_from("<I", data, 4)[0]
        for i in range(struct.unpack_from("<H", data, ifd)[0]):
            entry = ifd + 2 + 12 * i
            tag, kind = struct.unpack_from("<HH", data, entry)
            if tag in (256, 257):
                struct.pack_into("<HHII", data, entry, tag, 4, 1, 150_000)
        bomb.write_bytes(bytes(data))
    assert bomb.stat().st_size < 2000
    item = read_photo(bomb)
    assert isinstance(item, UnreadableFile)
    assert "refused" in item.reason and "megapixels" in item.reason
    with pytest.raises(ImageError, match="refused"):
        load_image(bomb)


def test_cmyk_and_one_pixel_images(tmp_path: Path) -> None:
    rgb = np.zeros((24, 32, 3), np.uint8)
    rgb[:, :, 0] = 200
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    Image.new("RGB", (1, 1), (10, 200, 30)).save(tmp_path / "one.png")
    Image.new("RGB", (1, 1), (10, 200, 30)).save(tmp_path / "one.jpg")
    cmyk = read_photo(tmp_path / "cmyk.jpg")
    assert isinstance(cmyk, Photo) and (cmyk.width, cmyk.height) == (32, 24)
    pixels = load_image(tmp_path / "cmyk.jpg")
    assert pixels.shape == (24, 32, 3) and pixels.dtype == np.uint8
    assert pixels[..., 0].mean() > 150 and pixels[..., 1].mean() < 80
    assert load_image(tmp_path / "cmyk.jpg", max_side=8).shape == (6, 8, 3)
    for name in ("one.png", "one.jpg"):
        photo = read_photo(tmp_path / name)
        assert isinstance(photo, Photo) and (photo.width, photo.height) == (1, 1)
        assert load_image(tmp_path / name).shape == (1, 1, 3)
        assert load_image(tmp_path / name, max_side=640).shape == (1, 1, 3)


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "I;16", "LA"])
def test_modes_are_converted_to_rgb(tmp_path: Path, mode: str) -> None:
    base = Image.fromarray(np.tile(np.arange(64, dtype=np.uint8) * 4, (16, 1))).convert("RGB")
    if mode == "I;16":
        img = Image.fromarray(np.tile(np.arange(64, dtype=np.uint16) * 1024, (16, 1)))
    else:
        img = base.convert(mode)
    img.save(tmp_path / "m.png")
    pixels = load_image(tmp_path / "m.png")
    assert pixels.shape == (16, 64, 3) and pixels.dtype == np.uint8
    assert pixels[0, -1, 0] > pixels[0, 0, 0]  # the gradient survived (16-bit scaled, not clipped)
    if mode == "I;16":
        assert pixels[0, -1, 0] == 252 and pixels[0, 32, 0] == 128


@pytest.mark.parametrize("orientation, expected_corner", [(6, (0, -1)), (8, (-1, 0))])
def test_exif_orientation_6_and_8(tmp_path: Path, orientation: int, expected_corner: tuple[int, int]) -> None:
    stored = np.zeros((40, 60, 3), np.uint8)
    stored[:8, :8] = 255  # a white mark at the stored top-left corner
    path = custom_exif_jpeg(tmp_path / f"o{orientation}.jpg", ifd0={0x0112: orientation},
                            image=Image.fromarray(stored))
    photo = read_photo(path)
    assert isinstance(photo, Photo)
    assert photo.orientation == orientation
    assert (photo.width, photo.height) == (40, 60)  # displayed size: swapped
    pixels = load_image(path)
    assert pixels.shape == (60, 40, 3)
    row, col = expected_corner
    assert pixels[row, col].mean() > 200  # 6: top-left goes top-right; 8: top-left goes bottom-left
    assert pixels[0, 0].mean() < 60
    small = load_image(path, max_side=30)
    assert small.shape == (30, 20, 3)


def test_names_with_accents_spaces_and_quotes(tmp_path: Path) -> None:
    folder = tmp_path / "Tournée d'été \"RD 1029\""
    path = scene_jpeg(folder / "photo n°1 l'œuvre \"A\" été.jpg")
    result = scan([folder])
    assert [p.path for p in result.photos] == [path]
    assert result.unreadable == []
    assert load_image(path, max_side=64).shape == (48, 64, 3)


def test_folder_scan_is_recursive_skips_non_images_and_reports_bad_images(tmp_path: Path) -> None:
    scene_jpeg(tmp_path / "a" / "1.jpg", index=0)
    scene_jpeg(tmp_path / "a" / "b" / "2.JPG", index=1)
    (tmp_path / "a" / "readme.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "a" / "bad.jpeg").write_bytes(b"")
    (tmp_path / "a" / ".hidden").mkdir()
    scene_jpeg(tmp_path / "a" / ".hidden" / "3.jpg")
    (tmp_path / "a" / "masks").mkdir()
    Image.new("L", (8, 8)).save(tmp_path / "a" / "masks" / "1.png")
    (tmp_path / "a" / "masks" / ".nomedia").write_text("", encoding="utf-8")
    result = scan([tmp_path / "a"])
    assert sorted(p.path.name for p in result.photos) == ["1.jpg", "2.JPG"]
    assert [(u.path.name, "empty" in u.reason) for u in result.unreadable] == [("bad.jpeg", True)]
    assert result.skipped == 1


def test_explicit_inputs_missing_or_not_images_are_reported(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("a;b\n", encoding="utf-8")
    paths, problems, skipped = find_images([tmp_path / "missing.jpg", tmp_path / "list.csv"])
    assert paths == [] and skipped == 0
    reasons = {p.path.name: p.reason for p in problems}
    assert "not found" in reasons["missing.jpg"]
    assert "not a photo" in reasons["list.csv"]


def test_byte_identical_duplicates_are_recognised(tmp_path: Path) -> None:
    first = scene_jpeg(tmp_path / "day1" / "IMG_1.jpg", index=0)
    scene_jpeg(tmp_path / "day1" / "IMG_2.jpg", index=1)
    copy = tmp_path / "day1" / "copy" / "IMG_1 (copie).jpg"
    copy.parent.mkdir()
    shutil.copyfile(first, copy)
    result = scan([tmp_path / "day1"])
    assert len(result.photos) == 2
    assert result.duplicates == [(copy, first)]
    kept = next(p for p in result.photos if p.path == first)
    assert kept.sha256 == sha256_file(first)  # hashed in full because its fingerprint collided


def test_same_size_files_with_different_content_are_not_duplicates(tmp_path: Path) -> None:
    a = scene_jpeg(tmp_path / "a.jpg", index=0)
    data = bytearray(a.read_bytes())
    data[-200] ^= 0xFF  # same size, same head, one byte differs near the end
    (tmp_path / "b.jpg").write_bytes(bytes(data))
    result = scan([tmp_path])
    assert len(result.photos) == 2 and result.duplicates == []


def test_scan_can_be_cancelled(tmp_path: Path) -> None:
    for i in range(3):
        scene_jpeg(tmp_path / f"{i}.jpg", index=i)
    calls = []
    result = scan([tmp_path], progress=lambda d, t, m: calls.append(d), is_cancelled=lambda: len(calls) >= 1)
    assert result.cancelled and len(result.photos) == 1


def test_load_image_draft_decoding_fits_max_side(tmp_path: Path) -> None:
    path = scene_jpeg(tmp_path / "big.jpg", size=(640, 480))
    full = load_image(path)
    small = load_image(path, max_side=160)  # libjpeg decodes at 1/4 scale, no full-size pass
    assert full.shape == (480, 640, 3) and small.shape == (120, 160, 3)
    reference = np.asarray(Image.fromarray(full).resize((160, 120), Image.Resampling.BOX), dtype=np.float32)
    assert np.abs(small.astype(np.float32) - reference).mean() < 6.0  # same picture, reduced scale


def test_load_image_accepts_bytes_and_photos(tmp_path: Path) -> None:
    path = scene_jpeg(tmp_path / "x.jpg")
    photo = read_photo(path)
    assert isinstance(photo, Photo)
    assert np.array_equal(load_image(path.read_bytes()), load_image(photo))


def test_camera_time_without_offset_stays_naive(tmp_path: Path) -> None:
    photo = read_photo(custom_exif_jpeg(tmp_path / "n.jpg", exif={0x9003: "2025:04:15 09:30:00", 0x9291: "25"}))
    assert isinstance(photo, Photo)
    assert photo.camera_time == datetime(2025, 4, 15, 9, 30, 0, 250000)
    assert photo.taken_at == photo.camera_time and photo.taken_at.tzinfo is None


def test_garbage_datetime_is_ignored_with_a_note(tmp_path: Path) -> None:
    photo = read_photo(custom_exif_jpeg(tmp_path / "g.jpg", exif={0x9003: "0000:00:00 00:00:00"}))
    assert isinstance(photo, Photo) and photo.camera_time is None
    assert any("DateTimeOriginal" in n for n in photo.notes)


HEIC_FIXTURE = Path(__file__).parent / "data" / "phone_gps.heic"
"""A 1 KB HEIC photo made once by ``tests/core/data/make_heic.py`` (synthetic picture, GPS, orientation 6)."""


def test_heic_photos_from_phones(tmp_path: Path) -> None:
    pytest.importorskip("pi_heif", reason="HEIC support (pi-heif) is not installed")
    from roadinspect.core.photos import heif_supported
    from tests.core.data.make_heic import LAT, LON, heic_pattern

    assert heif_supported()
    path = tmp_path / "IMG_0001.HEIC"
    shutil.copyfile(HEIC_FIXTURE, path)
    photo = read_photo(path)
    assert isinstance(photo, Photo), photo
    assert photo.position is not None and photo.position.lat == pytest.approx(LAT, abs=1e-4)
    assert photo.position.lon == pytest.approx(LON, abs=1e-4)
    assert photo.camera_time == datetime(2025, 4, 15, 9, 42, 10)
    assert (photo.width, photo.height, photo.orientation) == (40, 60, 1)  # the container's rotation is applied
    pixels = load_image(path)
    upright = np.rot90(heic_pattern(), k=-1)  # EXIF orientation 6: turned clockwise
    assert pixels.shape == upright.shape == (60, 40, 3)
    assert np.abs(pixels.astype(np.int16) - upright).mean() < 3.0  # lossy HEVC, same picture
    assert (pixels[:6, -6:] > 200).all()  # the white corner ends at the top right
    assert load_image(path, max_side=30).shape == (30, 20, 3)
    assert scan([tmp_path]).photos[0].path == path
    (tmp_path / "fake.heic").write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40)
    bad = read_photo(tmp_path / "fake.heic")
    assert isinstance(bad, UnreadableFile)


def test_heic_without_the_plugin_is_reported_with_a_clear_reason(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import roadinspect.core.photos as photos_module

    monkeypatch.setattr(photos_module, "heif_supported", lambda: False)
    path = tmp_path / "IMG_0002.HEIC"
    shutil.copyfile(HEIC_FIXTURE, path)
    bad = read_photo(path)
    assert isinstance(bad, UnreadableFile)
    assert bad.reason == "HEIC/HEIF photo, but HEIC support is not installed (pi-heif)"
