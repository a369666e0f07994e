"""``roadinspect bench ingest``: how fast a batch of photos gets into a project, without decoding pixels.

Makes a folder of geotagged 12-megapixel JPEGs (``roadinspect.core.synth.make_benchmark_batch``:
one rendered road scene encoded once, each file with its own EXIF: position along the sample road,
heading, time), then measures, over ``repeats`` runs:

* ``scan``: finding the files, reading EXIF and image size, fingerprints (``photos.scan``);
* ``ingest``: scan + track completion + recording the batch in a new project file (``add_batch``),
  i.e. everything ``roadinspect analyze`` does before the model runs;
* for comparison, hashing every file in full (sha256, streamed), which the scan avoids.

The files were just written, so they are in the operating system's page cache: the figures are the
speed of the code, not of the disk (a cold disk adds its read time for the first 128 KiB of each file).
Goal: >= 1,000 photos/s for the scan + EXIF ingestion.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from roadinspect.benchmarks import BenchOptions

GOAL_PHOTOS_PER_S = 1000.0
DEFAULT_COUNT = 1000


def measure_ingest(folder: Path, repeats: int = 3) -> dict:
    """Time scan, full ingestion into a fresh project, and full hashing, on the photos of ``folder``."""
    from roadinspect.core.photos import scan, sha256_file
    from roadinspect.core.store import Store
    from roadinspect.core.track import complete_track

    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".jpg")
    scan_times, ingest_times = [], []
    result = None
    for i in range(repeats):
        start = time.perf_counter()
        result = scan([folder])
        scan_times.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            batch = scan([folder])
            photos = complete_track(batch.photos)
            with Store.open(Path(tmp) / f"bench{i}.roadinspect") as store:
                store.add_batch(photos, batch.unreadable, batch.duplicates)
            ingest_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    for path in files:
        sha256_file(path)
    hash_time = time.perf_counter() - start
    assert result is not None
    n = len(files)
    scan_s, ingest_s = statistics.median(scan_times), statistics.median(ingest_times)
    return {
        "photos": n,
        "read": len(result.photos),
        "unreadable": len(result.unreadable),
        "with_position": sum(1 for p in result.photos if p.position is not None),
        "mean_file_mb": round(sum(p.stat().st_size for p in files) / max(1, n) / 1e6, 2),
        "repeats": repeats,
        "scan_s": round(scan_s, 3),
        "scan_photos_per_s": round(n / scan_s, 1),
        "ingest_s": round(ingest_s, 3),
        "ingest_photos_per_s": round(n / ingest_s, 1),
        "full_sha256_photos_per_s": round(n / hash_time, 1),
        "goal_photos_per_s": GOAL_PHOTOS_PER_S,
        "goal_met": n / ingest_s >= GOAL_PHOTOS_PER_S,
        "page_cache": "warm (files just written)",
        "cpu_count": os.cpu_count(),
    }


def run(args: BenchOptions) -> dict:
    """The benchmark runner of ``roadinspect bench ingest``."""
    from roadinspect.benchmarks import parse_size
    from roadinspect.core.synth import make_benchmark_batch

    count = args.count or DEFAULT_COUNT
    width, height = parse_size(args.size)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp) / "photos"
        start = time.perf_counter()
        make_benchmark_batch(folder, count, width, height)
        made_s = time.perf_counter() - start
        result = measure_ingest(folder, repeats=args.repeats or 3)
    return {"benchmark": "ingest", "width": width, "height": height, "generate_s": round(made_s, 1), **result}


def format_result(r: dict) -> str:
    """Human-readable lines of :func:`run`'s result."""
    verdict = "goal met" if r["goal_met"] else "below the goal"
    return "\n".join([
        f"{r['photos']} geotagged JPEGs of {r['width']}x{r['height']} ({r['mean_file_mb']} MB each, made in "
        f"{r['generate_s']} s); {r['read']} read, {r['with_position']} with position, {r['unreadable']} unreadable",
        f"scan + EXIF (no pixel decode): {r['scan_s']} s = {r['scan_photos_per_s']:.0f} photos/s "
        f"(median of {r['repeats']})",
        f"ingestion into a project (scan + track + record): {r['ingest_s']} s = "
        f"{r['ingest_photos_per_s']:.0f} photos/s (goal >= {r['goal_photos_per_s']:.0f}: {verdict})",
        f"for comparison, full sha256 of every file: {r['full_sha256_photos_per_s']:.0f} photos/s",
        f"page cache: {r['page_cache']}; {r['cpu_count']} CPUs",
    ])
