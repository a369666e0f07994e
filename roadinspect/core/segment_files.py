"""``roadinspect segment``: one class-mask PNG per input image, bad inputs named and skipped.

Each mask is single-channel 8-bit, values 0 background / 1 crack / 2 pothole, with the width and
height of the input *after* its EXIF orientation is applied (the photo as the inspector sees it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image

from roadinspect.core.photos import ImageError, find_images, load_image
from roadinspect.core.segmenter import ModelError, Segmenter

Report = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def segment_files(inputs: Sequence[Path], out: Path, weights: Path | None = None, device: str = "auto",
                  report: Report = _stderr) -> int:
    """Write ``out/<stem>.png`` for every readable image of ``inputs``; return the exit code.

    0 when every image was segmented, 1 when some inputs were unreadable (each is named with its
    reason), 2 when nothing could run (model or output folder problem).
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        report(f"error: cannot create the output folder {out}: {exc.strerror or exc}")
        return 2
    try:
        segmenter = Segmenter.load(weights, device=device)
    except ModelError as exc:
        report(f"error: {exc}")
        return 2
    paths, problems, _skipped = find_images(inputs)
    for problem in problems:
        report(f"{problem.path}: {problem.reason}")
    failed = len(problems)
    used_stems: set[str] = set()
    for path in paths:
        try:
            image = load_image(path)
            mask = segmenter.predict(image).full_mask()
        except (ImageError, OSError, ValueError) as exc:
            report(f"{path}: {exc}")
            failed += 1
            continue
        stem = path.stem
        if stem in used_stems:  # two inputs with the same name in different folders
            stem = f"{path.parent.name}_{stem}"
        used_stems.add(stem)
        target = out / f"{stem}.png"
        tmp = target.with_suffix(".png.tmp")
        Image.fromarray(mask).save(tmp, format="PNG")
        tmp.replace(target)
    report(f"segmented {len(paths) - (failed - len(problems))} image(s) into {out}; {failed} unreadable")
    return 1 if failed else 0
