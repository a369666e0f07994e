"""Helpers for the ingestion, store and pipeline tests: small photo files, good and bad, and a
segmenter test double.

Everything is written with the project's own generator (``roadinspect.core.synth``) and Pillow,
at 160x120 unless a test needs otherwise, so the tests stay fast.
"""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from roadinspect.core.photos import load_image
from roadinspect.core.segmenter import Segmentation
from roadinspect.core.synth import GeoTag, encode_jpeg, exif_bytes, render_scene, road_track, splice_exif
from roadinspect.core.types import GeoPoint

T0 = datetime(2025, 4, 15, 7, 42, 10, tzinfo=UTC)


def scene_jpeg(path: Path, seed: int = 1, *, index: int = 0, gps: bool = True, heading: bool = True,
               size: tuple[int, int] = (160, 120), time_step_s: float = 2.0, **scene_kw) -> Path:
    """A synthetic road photo with GPS EXIF at position ``index`` along the sample road (4.5 m apart)."""
    scene = render_scene(size[0], size[1], seed, **scene_kw)
    position, bearing = list(road_track(index + 1, 4.5))[-1]
    tag = GeoTag(position=position if gps else None, time_utc=T0 + timedelta(seconds=index * time_step_s),
                 heading_deg=bearing if heading else None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(splice_exif(encode_jpeg(scene.image), exif_bytes(tag)))
    return path


def custom_exif_jpeg(path: Path, gps: dict[int, object] | None = None, ifd0: dict[int, object] | None = None,
                     exif: dict[int, object] | None = None, size: tuple[int, int] = (160, 120),
                     image: Image.Image | None = None) -> Path:
    """A JPEG whose EXIF holds exactly the given tags (Pillow writes whatever is given, zero denominators too)."""
    ex = Image.Exif()
    for k, v in (ifd0 or {}).items():
        ex[k] = v
    if exif:
        sub = ex.get_ifd(0x8769)
        sub.update(exif)
    if gps:
        sub = ex.get_ifd(0x8825)
        sub.update(gps)
    img = image if image is not None else Image.fromarray(render_scene(size[0], size[1], 3).image)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", exif=ex.tobytes(), quality=85)
    return path


def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Degrees/minutes/seconds rationals of an absolute angle."""
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return IFDRational(d, 1), IFDRational(m, 1), IFDRational(round(s * 1000), 1000)


def gps_tags(lat: float, lon: float) -> dict[int, object]:
    """A GPS IFD with latitude and longitude."""
    return {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}


def png_declaring(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header declares ``width`` x ``height`` (a decompression bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    payload = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
               + chunk(b"IEND", b""))
    path.write_bytes(payload)
    return path


class TruthSegmenter:
    """Test double for ``Segmenter``: answers each synthetic photo with its TRUE mask.

    It is a legitimate stand-in for the trained model in pipeline tests: the pipeline's job
    (reading, decoding, recording, resuming) does not depend on the model's accuracy, and the true
    mask makes the expected findings known. Images are recognised by their decoded pixels.
    ``fail_after`` raises ``crash`` after that many predictions (to simulate a crash mid-batch).
    """

    name = "truth-double"

    def __init__(self, photos_and_masks: list[tuple[Path, np.ndarray]], sha256: str = "0" * 64,
                 max_side: int | None = None, fail_after: int | None = None,
                 crash: BaseException | None = None) -> None:
        self.sha256 = sha256
        self.max_side = max_side
        self.fail_after = fail_after
        self.crash = crash or RuntimeError("simulated model failure")
        self.calls = 0
        self._masks: dict[bytes, np.ndarray] = {}
        for path, mask in photos_and_masks:
            pixels = load_image(path, max_side=max_side)
            if pixels.shape[:2] != mask.shape:
                mask = np.asarray(Image.fromarray(mask).resize((pixels.shape[1], pixels.shape[0]), Image.NEAREST))
            self._masks[pixels.tobytes()] = mask

    def predict(self, image: np.ndarray) -> Segmentation:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise self.crash
        mask = self._masks[np.ascontiguousarray(image).tobytes()]
        probs = np.stack([(mask == k).astype(np.float32) for k in range(3)])
        return Segmentation(mask, probs, (image.shape[1], image.shape[0]))


def truth_batch(folder: Path, count: int, size: tuple[int, int] = (160, 120), seed: int = 10,
                no_gps: tuple[int, ...] = ()) -> list[tuple[Path, np.ndarray]]:
    """``count`` synthetic geotagged photos with damage, and their true masks."""
    out = []
    for i in range(count):
        scene = render_scene(size[0], size[1], seed + i, cracks=("longitudinal", "transverse"), potholes=1)
        position, bearing = list(road_track(i + 1, 4.5))[-1]
        tag = GeoTag(position=None if i in no_gps else position, time_utc=T0 + timedelta(seconds=i * 2.0),
                     heading_deg=bearing)
        path = folder / f"IMG_{i:04d}.jpg"
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(splice_exif(encode_jpeg(scene.image), exif_bytes(tag)))
        out.append((path, scene.mask))
    return out


def jpeg_bytes(image: np.ndarray, **save: object) -> bytes:
    """Encode an array as JPEG bytes with Pillow (options passed to ``save``)."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", **save)
    return buf.getvalue()


__all__ = ["GeoPoint", "T0", "TruthSegmenter", "custom_exif_jpeg", "dms", "gps_tags", "jpeg_bytes",
           "png_declaring", "scene_jpeg", "truth_batch"]
