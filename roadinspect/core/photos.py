"""Find the photos of a batch, read what their metadata says, and decode them for the model.

Scanning never decodes pixels: for each file it reads the EXIF block (exifread), the image size
(Pillow parses the header only), and a *fingerprint* (sha256 of the size and the first and last
64 KiB). Byte-identical files always share a fingerprint, so only files whose fingerprint
collides are hashed in full (sha256, streamed) to recognise duplicates for certain; the other
files get their sha256 when the analysis reads them (:func:`read_bytes` + :func:`sha256_bytes`).
That keeps ingestion at the speed of reading metadata (see ``roadinspect bench ingest``).

Formats: JPEG, PNG, TIFF, and HEIC/HEIF (iPhones' default) through the ``pi-heif`` plugin when it is
installed (the decode-only build of ``pillow-heif``: its wheels carry libheif/libde265 under the LGPL
and no GPL x265 encoder); its EXIF block is read by exifread as the TIFF structure it is.

Bad input never stops a scan: each unusable file becomes an :class:`UnreadableFile` with a reason
an inspector can act on. Files in scanned folders whose extension is not an image extension are
skipped quietly; anything with an image extension that cannot be used is reported. Hidden folders
and folders marked with a ``.nomedia`` file (the Android convention; the bundled samples' ``masks``
folder has one) are not scanned.

EXIF fields read: GPS latitude/longitude (signed decimal WGS84), altitude, GPSImgDirection (true
or magnetic; GPSTrack as a fallback), GPS UTC date/time, DateTimeOriginal with SubSecTimeOriginal
and OffsetTimeOriginal, make, model, focal length (and its 35 mm equivalent), orientation. Every
rational is guarded (a zero denominator makes the field unknown) and every value range-checked
(a latitude outside -90..90 drops the position, with a note on the photo).
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import re
import struct
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, cast

import exifread
import numpy as np
from PIL import Image, UnidentifiedImageError

from roadinspect.core.progress import CancelCheck, Progress
from roadinspect.core.types import CameraInfo, GeoPoint, Photo, PositionSource, UnreadableFile

Tags = dict[str, Any]
"""EXIF tags as exifread gives them (name -> IfdTag) or as Pillow's fallback gives them."""

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".heic", ".heif"})
_WANTED_FORMATS = ("JPEG", "MPO", "PNG", "TIFF", "HEIF")  # MPO: multi-picture JPEGs (own plugin before Pillow 13)
MAX_PIXELS = 2 * cast(int, Image.MAX_IMAGE_PIXELS)  # an int unless a caller set None
"""Largest image accepted (about 179 megapixels, Pillow's own hard limit); bigger is refused unread."""
FINGERPRINT_BYTES = 64 * 1024
IGNORE_MARKER = ".nomedia"
"""A folder holding a file of this name (and its sub-folders) is skipped by folder scans (e.g. masks)."""


logging.getLogger("exifread").setLevel(logging.ERROR)  # "no EXIF" is normal for PNGs, not a warning
_PIL_LOCK = threading.Lock()


class ImageError(Exception):
    """A file that cannot be used as a photo; ``str()`` is the reason shown to the inspector."""


@dataclass
class ScanResult:
    """What a scan found: usable photos (duplicates excluded), unusable files and duplicates.

    ``duplicates`` pairs each byte-identical copy with the photo it repeats (the first in path order).
    ``skipped`` counts files in scanned folders that were not images (by extension).
    """

    photos: list[Photo] = field(default_factory=list)
    unreadable: list[UnreadableFile] = field(default_factory=list)
    duplicates: list[tuple[Path, Path]] = field(default_factory=list)
    skipped: int = 0
    cancelled: bool = False


# ----------------------------------------------------------------------------- finding files
def find_images(inputs: Iterable[Path | str]) -> tuple[list[Path], list[UnreadableFile], int]:
    """Expand folders (recursively) and files into image paths, sorted, without repeats.

    Returns ``(paths, problems, skipped)``: ``problems`` lists inputs that do not exist or that were
    named explicitly but are not images; ``skipped`` counts non-image files met inside folders.
    """
    found: dict[str, Path] = {}
    problems: list[UnreadableFile] = []
    skipped = 0
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path, onerror=None):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                if IGNORE_MARKER in files:
                    dirs[:] = []
                    continue
                for name in files:
                    p = Path(root) / name
                    if p.suffix.lower() in IMAGE_EXTENSIONS:
                        found.setdefault(os.path.normcase(os.path.abspath(p)), p)
                    else:
                        skipped += 1
        elif path.is_file():
            if path.suffix.lower() in IMAGE_EXTENSIONS:
                found.setdefault(os.path.normcase(os.path.abspath(path)), path)
            else:
                problems.append(UnreadableFile(path, "not a photo: only JPEG, PNG, TIFF and HEIC files are read"))
        elif path.exists():
            problems.append(UnreadableFile(path, "not a regular file"))
        else:
            problems.append(UnreadableFile(path, "file or folder not found"))
    paths = sorted(found.values(), key=lambda p: str(p))
    return paths, problems, skipped


# ----------------------------------------------------------------------------- hashing
def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a whole file, streamed in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of bytes already in memory."""
    return hashlib.sha256(data).hexdigest()


def _fingerprint(size: int, head: bytes, tail: bytes) -> str:
    digest = hashlib.sha256(str(size).encode())
    digest.update(head)
    digest.update(tail)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- EXIF helpers
def _ratio(value: Any) -> float | None:
    """A float from an EXIF rational or number; None for zero denominators and non-numbers."""
    den = getattr(value, "denominator", None)
    num = getattr(value, "numerator", None)
    if den is not None and num is not None:
        # exifread keeps x/0 rationals un-normalised (its Ratio swallows the ZeroDivisionError).
        den = getattr(value, "_denominator", den)
        num = getattr(value, "_numerator", num)
        if not den:
            return None
        return float(num) / float(den)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _values(tags: Tags, key: str) -> list[Any]:
    tag = tags.get(key)
    if tag is None:
        return []
    values: Any = getattr(tag, "values", tag)
    if isinstance(values, (str, bytes)):
        return [values]
    try:
        return list(values)
    except TypeError:
        return [values]


def _text(tags: Tags, key: str) -> str | None:
    values = _values(tags, key)
    if not values:
        return None
    value = values[0] if len(values) == 1 else values
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, list):
        value = "".join(chr(v) for v in value if isinstance(v, int) and 0 < v < 128)
    text = str(value).replace("\x00", "").strip()
    return text or None


def _number(tags: Tags, key: str) -> float | None:
    values = _values(tags, key)
    return _ratio(values[0]) if values else None


def _dms(tags: Tags, key: str, what: str, notes: list[str]) -> float | None:
    values = _values(tags, key)
    if not values:
        return None
    parts = [p for v in values[:3] if (p := _ratio(v)) is not None]
    if len(parts) < len(values[:3]):
        notes.append(f"GPS {what} has a zero denominator or is not a number: position ignored")
        return None
    weights = (1.0, 60.0, 3600.0)
    return sum(p / w for p, w in zip(parts, weights, strict=False))  # 1 to 3 values


def _parse_position(tags: Tags, notes: list[str]) -> GeoPoint | None:
    lat = _dms(tags, "GPS GPSLatitude", "latitude", notes)
    lon = _dms(tags, "GPS GPSLongitude", "longitude", notes)
    if lat is None or lon is None:
        return None
    lat_ref = (_text(tags, "GPS GPSLatitudeRef") or "").upper()[:1]
    lon_ref = (_text(tags, "GPS GPSLongitudeRef") or "").upper()[:1]
    if lat_ref not in ("N", "S"):
        notes.append("GPS latitude reference missing: north assumed")
    if lon_ref not in ("E", "W"):
        notes.append("GPS longitude reference missing: east assumed")
    if lat_ref == "S":
        lat = -lat
    if lon_ref == "W":
        lon = -lon
    status = (_text(tags, "GPS GPSStatus") or "").upper()[:1]
    if status == "V":
        notes.append("GPS status says the fix was void: position ignored")
        return None
    if not -90.0 <= lat <= 90.0:
        notes.append(f"GPS latitude {lat:.6f} out of range (-90..90): position ignored")
        return None
    if not -180.0 <= lon <= 180.0:
        notes.append(f"GPS longitude {lon:.6f} out of range (-180..180): position ignored")
        return None
    if lat == 0.0 and lon == 0.0:
        notes.append("GPS position 0, 0 (the camera's 'no fix' value): position ignored")
        return None
    return GeoPoint(lat, lon)


def _parse_altitude(tags: Tags, notes: list[str]) -> float | None:
    alt = _number(tags, "GPS GPSAltitude")
    if alt is None:
        return None
    ref = _values(tags, "GPS GPSAltitudeRef")
    ref_value = ref[0] if ref else 0
    if isinstance(ref_value, bytes):
        ref_value = ref_value[:1] == b"\x01"
    if ref_value in (1, True, "1"):
        alt = -alt
    if not -500.0 <= alt <= 9000.0:
        notes.append(f"GPS altitude {alt:.0f} m out of range: ignored")
        return None
    return alt


def _parse_heading(tags: Tags, notes: list[str]) -> tuple[float | None, bool, bool]:
    """``(heading, magnetic, from_track)`` from GPSImgDirection, else GPSTrack (direction of travel)."""
    for key, ref_key, from_track in (("GPS GPSImgDirection", "GPS GPSImgDirectionRef", False),
                                     ("GPS GPSTrack", "GPS GPSTrackRef", True)):
        value = _number(tags, key)
        if value is None:
            continue
        if not 0.0 <= value <= 360.0:
            notes.append(f"{key.split()[1]} {value:.1f} out of range (0..360): ignored")
            continue
        magnetic = (_text(tags, ref_key) or "T").upper().startswith("M")
        return value % 360.0, magnetic, from_track
    return None, False, False


# A photo's time outside these years cannot be right (EXIF dates came with digital cameras), and
# dates at the ends of Python's range (0001-01-01, 9999-12-31) overflow as soon as a time zone or a
# clock offset is applied: such a value becomes a note on the photo, never an error of the batch.
EARLIEST_YEAR, LATEST_YEAR = 1971, 2199


def _plausible(when: datetime, what: str, raw: object, notes: list[str]) -> bool:
    if EARLIEST_YEAR <= when.year <= LATEST_YEAR:
        return True
    notes.append(f"unusable {what} {raw!r} (a photo's time must lie between {EARLIEST_YEAR} and {LATEST_YEAR}): "
                 "ignored")
    return False


_DT_RE = re.compile(r"^\s*(\d{4})[:\-/](\d{2})[:\-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET_RE = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})")


def _parse_camera_time(tags: Tags, notes: list[str]) -> datetime | None:
    raw = _text(tags, "EXIF DateTimeOriginal") or _text(tags, "Image DateTime")
    if not raw:
        return None
    match = _DT_RE.match(raw)
    if not match:
        notes.append(f"unreadable DateTimeOriginal {raw!r}: ignored")
        return None
    try:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        when = datetime(year, month, day, hour, minute, second)
    except ValueError:
        notes.append(f"invalid DateTimeOriginal {raw!r}: ignored")
        return None
    if not _plausible(when, "DateTimeOriginal", raw, notes):
        return None
    sub = _text(tags, "EXIF SubSecTimeOriginal")
    if sub and sub.isdigit():
        when = when.replace(microsecond=int((sub + "000000")[:6]))
    offset = _text(tags, "EXIF OffsetTimeOriginal")
    if offset:
        m = _OFFSET_RE.match(offset)
        minutes = int(m.group(2)) * 60 + int(m.group(3)) if m else None
        if m and minutes is not None and minutes <= 14 * 60:
            sign = 1 if m.group(1) == "+" else -1
            when = when.replace(tzinfo=timezone(timedelta(minutes=sign * minutes)))
        else:
            notes.append(f"unreadable OffsetTimeOriginal {offset!r}: camera time kept as local time")
    return when


def _parse_gps_time(tags: Tags, notes: list[str]) -> datetime | None:
    date = _text(tags, "GPS GPSDate")
    hms = _values(tags, "GPS GPSTimeStamp")
    if not date or len(hms) < 3:
        return None
    parts = [p for v in hms[:3] if (p := _ratio(v)) is not None]
    m = re.match(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})", date)
    if m is None or len(parts) < 3:
        notes.append("GPS date/time unreadable or with a zero denominator: ignored")
        return None
    h, mi, s = parts
    if not (0 <= h < 24 and 0 <= mi < 60 and 0 <= s < 61):
        notes.append("GPS time out of range: ignored")
        return None
    try:
        base = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=UTC)
    except ValueError:
        notes.append(f"invalid GPS date {date!r}: ignored")
        return None
    if not _plausible(base, "GPS date", date, notes):
        return None
    return base + timedelta(hours=int(h), minutes=int(mi), seconds=s)


def _positive(value: float | None) -> float | None:
    return value if value is not None and 0 < value < 10000 else None


# ----------------------------------------------------------------------------- opening images
@functools.cache
def heif_supported() -> bool:
    """True when the ``pi-heif`` plugin is installed (HEIC/HEIF photos, e.g. from iPhones)."""
    try:
        from pi_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


@functools.cache
def _pil_formats() -> tuple[str, ...]:
    Image.init()  # registers every plugin, so Image.open(formats=...) finds TIFF
    heif_supported()
    return tuple(f for f in _WANTED_FORMATS if f in Image.OPEN)


def _bomb_message(width: int, height: int) -> str:
    pixels = width * height
    return (f"refused: the file declares {width} x {height} pixels ({pixels / 1e6:,.0f} megapixels), more than "
            f"the {MAX_PIXELS / 1e6:.0f}-megapixel limit (a corrupt header or a decompression bomb)")


def open_image(source: str | Path | BinaryIO) -> Image.Image:
    """Open an image lazily (header only) with the decompression-bomb guard.

    Raises:
        ImageError: not a JPEG/PNG/TIFF, or a declared size above :data:`MAX_PIXELS`.
    """
    with _PIL_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(source, formats=_pil_formats())
        except Image.DecompressionBombError as exc:
            m = re.search(r"\((\d+) pixels\)", str(exc))
            pixels = int(m.group(1)) if m else 0
            raise ImageError(
                f"refused: the file declares {pixels / 1e6:,.0f} megapixels, more than the "
                f"{MAX_PIXELS / 1e6:.0f}-megapixel limit (a corrupt header or a decompression bomb)"
            ) from None
        except UnidentifiedImageError:
            raise ImageError("not a readable JPEG, PNG, TIFF or HEIC image (unknown or damaged header)") from None
        except (OSError, SyntaxError, ValueError, struct.error) as exc:
            raise ImageError(f"damaged image header: {exc}") from None
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise ImageError(f"invalid image size {width} x {height}")
    if width * height > MAX_PIXELS:
        image.close()
        raise ImageError(_bomb_message(width, height))
    return image


_MAGIC = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"),
          (b"II+\x00", "TIFF"), (b"MM\x00+", "TIFF"))


_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1")


def _sniff(head: bytes) -> str | None:
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def _describe_content(head: bytes) -> str:
    sample = head[:512]
    if sample and all(32 <= b < 127 or b in (9, 10, 13) for b in sample):
        return "a text file"
    return "not an image"


# ----------------------------------------------------------------------------- reading one photo
def read_photo(path: Path | str) -> Photo | UnreadableFile:
    """Read one file's metadata (no pixel decoding). Never raises for bad content."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size == 0:
            return UnreadableFile(path, "empty file (0 bytes)")
        with open(path, "rb") as handle:
            head = handle.read(FINGERPRINT_BYTES)
            kind = _sniff(head)
            if kind is None:
                return UnreadableFile(path, "not a JPEG, PNG, TIFF or HEIC image: the content is "
                                      f"{_describe_content(head)} despite the {path.suffix or 'missing'} extension")
            if size > FINGERPRINT_BYTES:
                handle.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
                tail = handle.read(FINGERPRINT_BYTES)
            else:
                tail = b""
            if kind == "HEIF" and not heif_supported():
                return UnreadableFile(path, "HEIC/HEIF photo, but HEIC support is not installed (pi-heif)")
            handle.seek(0)
            try:
                image = open_image(handle)
            except ImageError as exc:
                return UnreadableFile(path, str(exc))
            with image:
                stored_size = image.size
                # HEIF: the plugin hands the EXIF block over (already upright: orientation 1);
                # exifread reads it as the TIFF structure it is.
                heif_exif = image.info.get("exif") if kind == "HEIF" else None
            notes: list[str] = []
            try:
                if kind == "HEIF":
                    block = heif_exif or b""
                    block = block[6:] if block.startswith(b"Exif\x00\x00") else block
                    tags = exifread.process_file(io.BytesIO(block), details=False,
                                                 extract_thumbnail=False) if block else {}
                else:
                    tags = exifread.process_file(handle, details=False, extract_thumbnail=False)
            except Exception as exc:  # noqa: BLE001 - exifread raises many types on corrupt blocks
                tags = {}
                notes.append(f"EXIF block unreadable ({type(exc).__name__}): metadata ignored")
    except FileNotFoundError:
        return UnreadableFile(path, "file not found (deleted or moved)")
    except PermissionError:
        return UnreadableFile(path, "permission denied: the file cannot be read")
    except OSError as exc:
        return UnreadableFile(path, f"cannot read the file: {exc.strerror or exc}")
    fingerprint = _fingerprint(size, head, tail)
    try:
        return _photo_from_tags(path, size, stored_size, tags, list(notes), fingerprint)
    except (ArithmeticError, ValueError, TypeError) as exc:  # a value no parser above foresaw: the photo goes on
        notes.append(f"EXIF metadata unusable ({type(exc).__name__}: {exc}): ignored")
        return _photo_from_tags(path, size, stored_size, {}, notes, fingerprint)


def _photo_from_tags(path: Path, size: int, stored_size: tuple[int, int], tags: Tags, notes: list[str],
                     fingerprint: str) -> Photo:
    orientation_values = _values(tags, "Image Orientation")
    orientation = orientation_values[0] if orientation_values else 1
    if not isinstance(orientation, int) or not 1 <= orientation <= 8:
        notes.append(f"invalid EXIF orientation {orientation!r}: treated as 1 (upright)")
        orientation = 1
    width, height = stored_size
    if orientation >= 5:
        width, height = height, width
    position = _parse_position(tags, notes)
    heading, magnetic, from_track = _parse_heading(tags, notes)
    camera_time = _parse_camera_time(tags, notes)
    gps_time = _parse_gps_time(tags, notes)
    if gps_time is not None:
        taken_at: datetime | None = gps_time
    elif camera_time is not None and camera_time.tzinfo is not None:
        taken_at = camera_time.astimezone(UTC)
    else:
        taken_at = camera_time
    focal_35 = _number(tags, "EXIF FocalLengthIn35mmFilm")
    camera = CameraInfo(
        make=_text(tags, "Image Make"),
        model=_text(tags, "Image Model"),
        focal_length_mm=_positive(_number(tags, "EXIF FocalLength")),
        focal_length_35mm=_positive(focal_35),
    )
    return Photo(
        path=path,
        sha256="",
        size_bytes=size,
        width=width,
        height=height,
        orientation=orientation,
        position=position,
        position_source=PositionSource.EXIF if position else PositionSource.NONE,
        altitude_m=_parse_altitude(tags, notes) if position else None,
        heading_deg=heading,
        heading_from_track=from_track,
        taken_at=taken_at,
        camera=camera,
        fingerprint=fingerprint,
        camera_time=camera_time,
        heading_magnetic=magnetic,
        notes=tuple(notes),
    )


# ----------------------------------------------------------------------------- scanning a batch
def scan(inputs: Iterable[Path | str], progress: Progress | None = None,
         is_cancelled: CancelCheck | None = None) -> ScanResult:
    """Read every photo of a batch (folders recursively, or files) without decoding pixels.

    Byte-identical files are reported in :attr:`ScanResult.duplicates` and only the first (in path
    order) is kept in :attr:`ScanResult.photos`. Cancellation is checked between files.
    """
    paths, problems, skipped = find_images(inputs)
    result = ScanResult(unreadable=list(problems), skipped=skipped)
    total = len(paths)
    photos: list[Photo] = []
    for i, path in enumerate(paths):
        if is_cancelled is not None and is_cancelled():
            result.cancelled = True
            break
        item = read_photo(path)
        if isinstance(item, Photo):
            photos.append(item)
        else:
            result.unreadable.append(item)
        if progress is not None:
            progress(i + 1, total, path.name)
    result.photos, result.duplicates, hash_problems = dedupe(photos)
    result.unreadable.extend(hash_problems)
    return result


def dedupe(photos: Sequence[Photo]) -> tuple[list[Photo], list[tuple[Path, Path]], list[UnreadableFile]]:
    """Drop byte-identical repeats: full sha256 only where fingerprints collide.

    Returns ``(kept, duplicates, problems)`` where ``duplicates`` pairs (copy, original).
    """
    groups: dict[str, list[int]] = {}
    for i, photo in enumerate(photos):
        groups.setdefault(photo.fingerprint, []).append(i)
    hashed: dict[int, Photo] = {}
    drop: set[int] = set()
    duplicates: list[tuple[Path, Path]] = []
    problems: list[UnreadableFile] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        first_by_hash: dict[str, int] = {}
        for i in members:
            try:
                digest = photos[i].sha256 or sha256_file(photos[i].path)
            except OSError as exc:
                problems.append(UnreadableFile(photos[i].path, f"cannot read the file: {exc.strerror or exc}"))
                drop.add(i)
                continue
            hashed[i] = replace(photos[i], sha256=digest)
            if digest in first_by_hash:
                drop.add(i)
                duplicates.append((photos[i].path, photos[first_by_hash[digest]].path))
            else:
                first_by_hash[digest] = i
    kept = [hashed.get(i, p) for i, p in enumerate(photos) if i not in drop]
    return kept, duplicates, problems


# ----------------------------------------------------------------------------- decoding pixels
def read_bytes(path: Path | str) -> bytes:
    """The whole file (raises OSError/FileNotFoundError as the OS says)."""
    with open(path, "rb") as handle:
        return handle.read()


_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(image)
        if mode == "F" or arr.dtype.kind == "f":
            arr = np.nan_to_num(arr.astype(np.float64))
            lo, hi = float(arr.min()), float(arr.max())
            arr8 = ((arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)).astype(np.uint8)
        else:
            top = int(arr.max()) if arr.size else 0
            shift = max(0, top.bit_length() - 8) if mode == "I" else 8
            arr8 = (arr.astype(np.int64) >> shift).clip(0, 255).astype(np.uint8)
        return Image.fromarray(arr8, "L").convert("RGB")
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def load_image(source: Photo | Path | str | bytes, max_side: int | None = None) -> np.ndarray:
    """Decode a photo to an ``(H, W, 3)`` uint8 RGB array, upright (EXIF orientation applied).

    CMYK, 16-bit, grey, palette and RGBA images are converted to RGB. With ``max_side``, the result
    fits in ``max_side`` x ``max_side`` (aspect kept, never enlarged) and JPEGs are decoded at a
    reduced scale (libjpeg DCT scaling via Pillow ``draft``), which is several times faster.

    Raises:
        ImageError: the file cannot be decoded (truncated, damaged, too large); the message says why.
        FileNotFoundError / PermissionError / OSError: the file cannot be opened.
    """
    if isinstance(source, Photo):
        source = source.path
    stream: BinaryIO | str | Path = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    image = open_image(stream)
    try:
        orientation = 1
        try:
            orientation = int(image.getexif().get(0x0112, 1) or 1)
        except Exception:  # noqa: BLE001 - a broken EXIF block must not stop decoding
            orientation = 1
        width, height = image.size
        target: tuple[int, int] | None = None
        if max_side is not None and max(width, height) > max_side:
            factor = max_side / max(width, height)
            target = (max(1, round(width * factor)), max(1, round(height * factor)))
            if image.format in ("JPEG", "MPO") and image.mode in ("RGB", "L", "CMYK", "YCbCr"):
                image.draft("RGB" if image.mode != "L" else "L", target)
        try:
            image.load()
        except OSError as exc:
            text = str(exc)
            if "truncated" in text:
                raise ImageError("truncated image: the file ends before the image data is complete") from None
            raise ImageError(f"cannot decode the image: {text}") from None
        except (SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise ImageError(f"cannot decode the image: {exc}") from None
        rgb = _to_rgb(image)
        if target is not None and rgb.size != target:
            rgb = rgb.resize(target, Image.Resampling.BOX)
        for op in _TRANSPOSE.get(orientation, ()):
            rgb = rgb.transpose(op)
        array = np.asarray(rgb, dtype=np.uint8)
        if not array.flags.writeable or not array.flags.c_contiguous:
            array = np.array(array, dtype=np.uint8, order="C")
        return array
    finally:
        image.close()
