"""``roadinspect bench memory``: peak memory of ``analyze`` on a small and a large batch.

Makes a folder of geotagged JPEGs (12 MP by default, ``--size``), then runs, each in a fresh Python
process so that the peaks are independent: scan + record + ``analyze`` with the shipped model on
the first 100 photos, then on ``--count`` photos (2,000 by default). It reports each run's peak
resident set size (Linux ``VmHWM``, not ``ru_maxrss``, which includes the parent's peak; the peak
working set on Windows), its resident size after 10 %, 50 % and 100 % of the photos, and its
speed. Goal: the large batch peaks no more than 100 MB above the small one (memory flat in the
batch size).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from roadinspect.benchmarks import BenchOptions

GOAL_MB = 100.0
SMALL = 100
DEFAULT_LARGE = 2000


def _windows_memory() -> tuple[float, float]:
    """(peak, current) working set in MB of this process on Windows (psapi)."""
    import ctypes
    from ctypes import wintypes

    class Counters(ctypes.Structure):
        _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD),
                    ("PeakWorkingSetSize", ctypes.c_size_t), ("WorkingSetSize", ctypes.c_size_t),
                    ("QuotaPeakPagedPoolUsage", ctypes.c_size_t), ("QuotaPagedPoolUsage", ctypes.c_size_t),
                    ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t), ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
                    ("PagefileUsage", ctypes.c_size_t), ("PeakPagefileUsage", ctypes.c_size_t)]

    counters = Counters()
    counters.cb = ctypes.sizeof(counters)
    windll = ctypes.windll  # type: ignore[attr-defined]  # Windows only
    windll.psapi.GetProcessMemoryInfo(windll.kernel32.GetCurrentProcess(), ctypes.byref(counters), counters.cb)
    return counters.PeakWorkingSetSize / 2**20, counters.WorkingSetSize / 2**20


def _peak_rss_mb() -> float:
    """Peak resident memory of this process in MB."""
    if sys.platform == "win32":
        return _windows_memory()[0]
    try:  # Linux: VmHWM, this process's own peak (ru_maxrss is inherited from the parent across fork + exec)
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _current_rss_mb() -> float | None:
    """Resident memory of this process now, in MB (None where it cannot be read)."""
    if sys.platform == "win32":
        return _windows_memory()[1]
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def child(folder: Path, count: int, weights: str | None, device: str) -> dict:
    """One measured run (in its own process): import ``count`` photos of ``folder`` and analyse them."""
    from roadinspect.core.jobs import import_photos, load_segmenter
    from roadinspect.core.photos import find_images
    from roadinspect.core.pipeline import analyze
    from roadinspect.core.store import Store

    start = time.perf_counter()
    segmenter = load_segmenter(Path(weights) if weights else None, device)  # as `roadinspect analyze` loads it
    paths, _, _ = find_images([folder])
    checkpoints: dict[str, float | None] = {}
    marks = {max(1, count // 10): "10%", max(1, count // 2): "50%", count: "100%"}

    def progress(done: int, total: int, message: str = "", /) -> None:
        if done in marks:
            checkpoints[marks[done]] = _current_rss_mb()

    with tempfile.TemporaryDirectory() as tmp:
        with Store.open(Path(tmp) / "memory.roadinspect") as store:
            added = import_photos(store, paths[:count]).added  # as `roadinspect analyze` imports
            summary = analyze(store, added.photo_ids, segmenter, progress=progress)
    seconds = time.perf_counter() - start
    return {
        "photos": count,
        "analysed": summary.analysed,
        "failed": len(summary.failed),
        "findings": summary.findings,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rss_mb_at": {k: (round(v, 1) if v is not None else None) for k, v in checkpoints.items()},
        "seconds": round(seconds, 1),
        "analyse_photos_per_s": round(summary.photos_per_second, 2),
        "device": str(getattr(segmenter, "device", "?")),
        "backend": getattr(getattr(segmenter, "backend", None), "backend", "torch"),
    }


def _run_child(folder: Path, count: int, args: BenchOptions) -> dict:
    command = [sys.executable, "-m", "roadinspect.benchmarks.memory", "--child", str(folder), str(count),
               "--device", args.device] + (["--weights", str(args.weights)] if args.weights else [])
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"memory benchmark run on {count} photos failed (exit {out.returncode}):\n"
                           f"{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(args: BenchOptions) -> dict:
    """The benchmark runner of ``roadinspect bench memory``."""
    from roadinspect.benchmarks import BenchmarkUnavailable, parse_size
    from roadinspect.core.synth import make_benchmark_batch

    weights = Path(args.weights) if args.weights else None
    if weights is None:
        from roadinspect.core.segmenter import default_weights

        weights = default_weights()
    if not weights.is_file():
        raise BenchmarkUnavailable(f"model weights not found: {weights} (the benchmark needs the real model)")
    large = args.count or DEFAULT_LARGE
    small = min(SMALL, large)
    width, height = parse_size(args.size)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp) / "photos"
        make_benchmark_batch(folder, large, width, height)
        first = _run_child(folder, small, args)
        second = _run_child(folder, large, args)
    diff = second["peak_rss_mb"] - first["peak_rss_mb"]
    return {"benchmark": "memory", "width": width, "height": height, "small": first, "large": second,
            "difference_mb": round(diff, 1), "goal_mb": GOAL_MB, "goal_met": diff <= GOAL_MB,
            "cpu_count": os.cpu_count()}


def format_result(r: dict) -> str:
    """Human-readable lines of :func:`run`'s result."""
    lines = []
    for key in ("small", "large"):
        run_ = r[key]
        lines.append(f"analyze {run_['photos']} photos ({r['width']}x{r['height']}) on {run_['device']}: "
                     f"peak RSS {run_['peak_rss_mb']:.0f} MB, RSS at 10/50/100 %: "
                     f"{', '.join(str(v) for v in run_['rss_mb_at'].values())} MB; "
                     f"{run_['analyse_photos_per_s']} photos/s, {run_['failed']} failed")
    verdict = "goal met" if r["goal_met"] else "above the goal"
    lines.append(f"difference: {r['difference_mb']:+.0f} MB (goal <= {r['goal_mb']:.0f} MB: {verdict})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m roadinspect.benchmarks.memory --child FOLDER COUNT``: one measured run, JSON on stdout."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "COUNT"), required=True)
    parser.add_argument("--weights")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    result = child(Path(args.child[0]), int(args.child[1]), args.weights, args.device)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
