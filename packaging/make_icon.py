"""Render ``resources/icons/app.svg`` into the Windows icon ``resources/icons/app.ico`` (16 to 256 px).

The SVG is rasterised by QtSvg (part of PySide6-Essentials) once per icon size, so small sizes are drawn
for their size rather than shrunk from 256 px, then Pillow writes the multi-size ``.ico``.

Usage: ``python packaging/make_icon.py [--png-dir DIR]`` (``--png-dir`` also keeps the PNG renderings).
Run it again whenever ``app.svg`` changes and commit both files; ``packaging/build.py`` checks that the
``.ico`` is not older than the ``.svg``.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "app.svg"
ICO = ROOT / "resources" / "icons" / "app.ico"
SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn at ``size`` x ``size`` pixels, as PNG bytes (transparent background)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not a valid SVG file")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # stub: bytes; binding: str
    buffer.close()
    return bytes(data.data())


def make_ico(svg: Path = SVG, ico: Path = ICO, png_dir: Path | None = None) -> Path:
    """Write the multi-size ``.ico`` (and optionally the PNG renderings) and return its path."""
    from PIL import Image

    images = []
    for size in SIZES:
        png = render_png(svg, size)
        if png_dir is not None:
            png_dir.mkdir(parents=True, exist_ok=True)
            (png_dir / f"app-{size}.png").write_bytes(png)
        images.append(Image.open(io.BytesIO(png)).convert("RGBA"))
    largest = images[-1]
    largest.save(ico, format="ICO", sizes=[(s, s) for s in SIZES], append_images=images[:-1])
    return ico


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--png-dir", type=Path, help="also write app-<size>.png renderings here")
    args = parser.parse_args(argv)
    out = make_ico(png_dir=args.png_dir)
    print(f"wrote {out} ({out.stat().st_size} bytes, sizes {', '.join(map(str, SIZES))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
