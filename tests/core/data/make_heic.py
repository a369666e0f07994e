"""How ``phone_gps.heic`` was made (run once; the tests only read the committed file).

A HEIC encoder is not a RoadInspect dependency: the app uses ``pi-heif`` (decode-only). This script
was run with ``pillow-heif`` 1.8.1 (its x265 encoder) installed, then ``pillow-heif`` was removed::

    pip install pillow-heif && python -m tests.core.data.make_heic && pip uninstall -y pillow-heif

The picture is synthetic (``heic_pattern``): colour blocks that survive lossy coding, so the decode
test can compare pixels. EXIF: a GPS position, DateTimeOriginal, orientation 6 (the HEIF writer
applies it as the container's rotation, so readers see an upright 40 x 60 image).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
LAT, LON = 49.8722, 2.5961
TAKEN = "2025:04:15 09:42:10"


def heic_pattern() -> np.ndarray:
    """The stored (40 x 60, before orientation) picture: four flat colour blocks and a white corner."""
    pixels = np.zeros((40, 60, 3), np.uint8)
    pixels[:20, :30] = (200, 40, 40)
    pixels[:20, 30:] = (40, 160, 60)
    pixels[20:, :30] = (50, 70, 190)
    pixels[20:, 30:] = (120, 120, 120)
    pixels[:8, :8] = 255
    return pixels


def main() -> None:
    """Write ``phone_gps.heic`` next to this file."""
    import pillow_heif

    from tests.core.photo_files import gps_tags

    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif.get_ifd(0x8825).update(gps_tags(LAT, LON))
    exif.get_ifd(0x8769)[0x9003] = TAKEN
    exif[0x0112] = 6
    Image.fromarray(heic_pattern()).save(HERE / "phone_gps.heic", format="HEIF", exif=exif.tobytes(), quality=90)


if __name__ == "__main__":
    main()
