"""``roadinspect segment``: one class-mask PNG per photo, of what ``analyze`` would record; bad inputs named, skipped.

Each mask is single-channel 8-bit, values 0 background / 1 crack / 2 pothole, with the width and height of the photo
*after* its EXIF orientation is applied (the photo as the inspector sees it). By default the mask holds the findings
that ``analyze`` would record for the photo (:meth:`~roadinspect.core.photo_masks.PhotoResult.recorded_mask`; the
photos given to one command are one batch, so the still parts of the vehicle are estimated per camera and size over
them); ``raw=True`` writes the network's own decision instead. The steps are Qt-free core
(:mod:`roadinspect.core.photo_masks`, shared with ``evaluate``); this module is the command: it prints one line per
problem and returns the exit code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image

from roadinspect.core.geo import CameraModel
from roadinspect.core.photo_masks import analyse_photo
from roadinspect.core.photos import ImageError, find_images, read_photo
from roadinspect.core.road_region import estimate_batch, region_for
from roadinspect.core.types import Photo

Report = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def segment_files(inputs: Sequence[Path], out: Path, weights: Path | None = None, device: str = "auto",
                  report: Report = _stderr, *, raw: bool = False, road_region: bool = True,
                  camera: CameraModel | None = None) -> int:
    """Write ``out/<stem>.png`` for every readable photo of ``inputs``; return the exit code.

    0 when every photo was segmented, 1 when some inputs were unreadable (each is named with its
    reason), 2 when nothing could run (model or output folder problem). ``raw``: the network's own
    decision; ``road_region=False``: the findings without the road region.
    """
    from roadinspect.core.segmenter import ModelError, Segmenter

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
    photos: list[Photo] = []
    for path in paths:
        photo = read_photo(path)
        if isinstance(photo, Photo):
            photos.append(photo)
        else:
            report(f"{photo.path}: {photo.reason}")
            failed += 1
    regions = estimate_batch(photos, camera) if road_region and not raw else {}
    used_stems: set[str] = set()
    written = 0
    for photo in photos:
        try:
            result = analyse_photo(segmenter, photo, region_for(regions, photo), camera)
            mask = result.raw_mask() if raw else result.recorded_mask()
        except (ImageError, OSError, ValueError) as exc:
            report(f"{photo.path}: {exc}")
            failed += 1
            continue
        stem = photo.path.stem
        if stem in used_stems:  # two inputs with the same name in different folders
            stem = f"{photo.path.parent.name}_{stem}"
        used_stems.add(stem)
        target = out / f"{stem}.png"
        tmp = target.with_suffix(".png.tmp")
        Image.fromarray(mask).save(tmp, format="PNG")
        tmp.replace(target)
        written += 1
    for region in regions.values():
        if region.note:
            report(f"road region of {region.key.replace('|', ' ')}: {region.note}")
    report(f"segmented {written} image(s) into {out}; {failed} unreadable")
    return 1 if failed else 0
