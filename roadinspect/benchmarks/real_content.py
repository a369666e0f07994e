"""Real-content benchmark photos, made at run time from the shared survey frames (never committed).

The synthetic batch (``roadinspect.core.synth.make_benchmark_batch``) is one rendered scene with a
few findings, encoded once: every photo decodes and segments alike. Inspectors' photos differ one
from the next and some are dense with damage, which costs the findings extraction far more. This
module makes a batch of **real road content** for ``roadinspect bench analyze``:

* frames of ``cracks_and_potholes_road`` (forward-facing survey camera on Brazilian highways, 640x400)
  from the shared datasets folder (``ROADINSPECT_SHARED_DATASETS``, else ``../shared/datasets`` beside
  the repository or the current folder), the model's **validation frames first** (the split of
  ``roadinspect.training.data``: frames the model was not trained on), then the others;
* each photo a different frame, enlarged to about 12 megapixels (bicubic, aspect kept: 4384x2740),
  with a camera's grain, encoded as JPEG quality 90 (about 3 MB) with plausible EXIF: a position every 4.5 m along
  the sample road, heading, UTC time, camera make/model and focal length;
* written to a temporary folder the benchmark removes; nothing is copied into the repository.

When the shared folder is absent, :func:`find_frames` returns None and the benchmark says so and
measures the synthetic batch only.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

DATASET = "cracks_and_potholes_road"
SIZE = (4384, 2740)  # 12.0 MP, the 1.6 aspect of the frames
ENV = "ROADINSPECT_SHARED_DATASETS"


def shared_datasets() -> Path | None:
    """The shared datasets folder, or None when there is none here."""
    candidates = []
    if os.environ.get(ENV):
        candidates.append(Path(os.environ[ENV]))
    root = Path(__file__).resolve().parents[2]
    candidates += [root.parent / "shared" / "datasets", Path.cwd().parent / "shared" / "datasets"]
    for candidate in candidates:
        if (candidate / DATASET / "images").is_dir():
            return candidate
    return None


def find_frames(count: int) -> list[Path] | None:
    """``count`` different frames (validation frames first), or None when the shared folder is absent.

    Fewer than ``count`` when the dataset has fewer frames.
    """
    base = shared_datasets()
    if base is None:
        return None
    root = base / DATASET
    try:
        from roadinspect.training.data import open_dataset, split

        info = open_dataset(root)
        parts = split(info)
        stems = sorted(parts["val"]) + sorted(parts["train"])
        stems += sorted(set(info.stems) - set(stems))
        frames = [info.image_path(stem) for stem in stems]
    except Exception:  # noqa: BLE001 - a dataset without the training layout: its images, sorted
        frames = sorted((root / "images").glob("*.jpg"))
    return frames[:count]


def make_real_batch(folder: Path, frames: list[Path], size: tuple[int, int] = SIZE, quality: int = 90,
                    spacing_m: float = 4.5) -> list[Path]:
    """Write one geotagged JPEG of ``size`` per frame into ``folder`` (``IMG_00000.jpg``, ...); their paths."""
    from PIL import Image

    from roadinspect.core.synth import SAMPLE_START, GeoTag, exif_bytes, road_track, splice_exif

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    track = list(road_track(len(frames), spacing_m))

    def one(index: int) -> Path:
        import io

        import numpy as np

        with Image.open(frames[index]) as frame:
            big = np.asarray(frame.convert("RGB").resize(size, Image.Resampling.BICUBIC))
        # Sensor grain (sigma 2.5 levels): an enlarged frame alone is smoother than any camera's photo
        # and would encode to a third of a real 12 MP JPEG's size (less to read and to entropy-decode).
        grain = np.random.default_rng(index).normal(0.0, 2.5, big.shape[:2]).astype(np.float32)
        big = np.clip(big + grain[..., None], 0, 255).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(big).save(buffer, "JPEG", quality=quality)
        del big, grain
        position, heading = track[index]
        tag = GeoTag(position=position, time_utc=SAMPLE_START + timedelta(seconds=index * spacing_m / 13.9),
                     heading_deg=heading, altitude_m=88.0, make="SONY", model="DSC-RX0M2",
                     focal_mm=7.7, focal_35mm=24)
        path = folder / f"IMG_{index:05d}.jpg"
        path.write_bytes(splice_exif(buffer.getvalue(), exif_bytes(tag)))
        return path

    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        return list(pool.map(one, range(len(frames))))


__all__ = ["DATASET", "SIZE", "find_frames", "make_real_batch", "shared_datasets"]
