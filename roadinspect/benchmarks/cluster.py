"""``roadinspect bench cluster``: ``analyze --ray`` against a plain ``analyze`` on the same photos; the driver's memory.

Three runs, each in a fresh Python process:

* **local**: a plain ``analyze`` (``jobs.load_segmenter`` with the default backend, the pipeline's defaults)
  on ``--count`` photos (default 48) of **real road content** made at run time from the shared survey frames
  (``roadinspect.benchmarks.real_content``: each photo a different frame enlarged to 12 MP, never committed;
  when ``../shared/datasets`` is absent the benchmark says so and uses the generated 12 MP batch);
* **ray**: the same photos in a fresh project with ``analyze_on_cluster`` on a local Ray started by the run
  (every core of the machine; one worker per core, the network on one thread in each, the same backend
  choice); the driver here is the project's only writer, as with ``analyze --ray``;
* **driver memory**: ``roadinspect analyze FOLDER --project P --ray`` (the command itself: scan, import,
  analysis on a local Ray) on ``--rss-count`` small generated photos (default 20,000 of 160x120: the driver's
  memory does not depend on the photo size, its workers' does), then the driver process's peak resident
  memory (``VmHWM``; Ray's own processes and the workers are separate processes, not counted).

Rates are **steady-state**: photos recorded after the first ``2 x workers`` (the model loads, the backend
warms up, Ray starts its workers) over the time from then to the last photo; start-up is reported beside
(seconds to the first photo recorded). Goals (issue 16): ray >= 0.8x local on this machine, driver peak
< 600 MB for 20,000 photos. The machine's load average is recorded with each run.
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

from roadinspect.benchmarks import BenchmarkUnavailable

if TYPE_CHECKING:
    from roadinspect.benchmarks import BenchOptions

COUNT = 48
RSS_COUNT = 20000
GOALS = {"vs_local": 0.8, "driver_peak_rss_mb": 600.0}


def _steady(times: list[float], skip: int) -> float:
    """Photos per second after the first ``skip`` photos (``times``: when each photo was recorded)."""
    if len(times) <= skip + 1:
        return 0.0
    span = times[-1] - times[skip - 1] if skip > 0 else times[-1] - times[0]
    return round((len(times) - skip) / span, 2) if span > 0 else 0.0


def _run_local(folder: Path, count: int, backend: str | None) -> dict:
    from roadinspect.benchmarks.analyze import _project, load_average, peak_rss_mb
    from roadinspect.core.jobs import load_segmenter
    from roadinspect.core.pipeline import analyze

    start = time.perf_counter()
    segmenter = load_segmenter(None, "cpu", backend=backend)
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        store, ids = _project(folder, count, Path(tmp))
        with store:
            before = load_average()
            began = time.perf_counter()
            summary = analyze(store, ids, segmenter, progress=lambda d, t, m="": times.append(time.perf_counter()))
            after = load_average()
    return {"photos": summary.analysed, "failed": len(summary.failed), "findings": summary.findings,
            "photos_per_s": _steady(times, 4), "first_photo_s": round(times[0] - start, 2) if times else None,
            "analysis_s": round(time.perf_counter() - began, 2), "backend": segmenter.backend.backend,
            "precision": segmenter.backend.precision, "peak_rss_mb": round(peak_rss_mb(), 1),
            "load_average": {"before": before, "after": after}}


def _run_ray(folder: Path, count: int, backend: str | None) -> dict:
    from roadinspect.benchmarks.analyze import _project, load_average, peak_rss_mb
    from roadinspect.cluster.driver import ClusterOptions, analyze_on_cluster
    from roadinspect.cluster.session import connect
    from roadinspect.cluster.worker import model_spec

    start = time.perf_counter()
    session = connect(None)
    connected = time.perf_counter()
    times: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store, ids = _project(folder, count, Path(tmp))
            with store:
                before = load_average()
                began = time.perf_counter()
                summary = analyze_on_cluster(store, ids, model_spec(None, backend=backend),
                                             lambda d, t, m="": times.append(time.perf_counter()),
                                             options=ClusterOptions(worker_cpus=1), session=session)
                after = load_average()
    finally:
        session.close()
    workers = len(summary.workers)
    return {"photos": summary.analysed, "failed": len(summary.failed), "findings": summary.findings,
            "photos_per_s": _steady(times, 2 * workers), "workers": workers, "per_worker": summary.per_worker,
            "ray_start_s": round(connected - start, 2), "first_photo_s": round(times[0] - start, 2) if times else None,
            "analysis_s": round(time.perf_counter() - began, 2), "driver_peak_rss_mb": round(peak_rss_mb(), 1),
            "load_average": {"before": before, "after": after}}


def _run_rss(folder: Path, backend: str | None) -> dict:
    import contextlib
    import io

    from roadinspect.benchmarks.analyze import load_average, peak_rss_mb
    from roadinspect.cli import main

    before = load_average()
    start = time.perf_counter()
    out = io.StringIO()
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(out):
        command = ["analyze", str(folder), "--project", str(Path(tmp) / "survey.roadinspect"), "--ray"]
        code = main(command + (["--backend", backend] if backend else []))
    lines = [line for line in out.getvalue().splitlines() if line.startswith(("Analysed:", "Ray workers:"))]
    return {"exit": code, "seconds": round(time.perf_counter() - start, 1), "summary": lines,
            "driver_peak_rss_mb": round(peak_rss_mb(), 1), "load_average": {"before": before, "after": load_average()}}


def _child(kind: str, folder: Path, count: int, backend: str | None) -> dict:
    command = [sys.executable, "-m", "roadinspect.benchmarks.cluster", kind, str(folder), str(count)]
    if backend:
        command += ["--backend", backend]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"bench cluster: the {kind} run failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(args: BenchOptions) -> dict:
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        raise BenchmarkUnavailable('Ray is not installed: pip install "roadinspect[cluster]"')
    from roadinspect.benchmarks.analyze import cpu_name, load_average
    from roadinspect.benchmarks.real_content import DATASET, find_frames, make_real_batch
    from roadinspect.core.synth import make_benchmark_batch

    count = args.count or COUNT
    rss_count = getattr(args, "rss_count", 0) or RSS_COUNT
    out: dict = {"cpu": cpu_name(), "cpus": os.cpu_count(), "count": count, "rss_count": rss_count,
                 "load_average_start": load_average(), "goal_values": GOALS}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp) / "photos"
        frames = find_frames(count)
        if frames is None or len(frames) < count:
            out["content"] = f"generated 12 MP scene (../shared/datasets/{DATASET} not found)"
            print(f"bench cluster: {out['content']}", file=sys.stderr)
            make_benchmark_batch(folder, count)
        else:
            out["content"] = f"real: {count} frames of {DATASET} enlarged to 12 MP"
            make_real_batch(folder, frames)
        if hasattr(os, "sync"):
            os.sync()
        out["local"] = _child("local", folder, count, args.backend)
        out["ray"] = _child("ray", folder, count, args.backend)
        small = Path(tmp) / "small"
        make_benchmark_batch(small, rss_count, width=160, height=120)
        out["driver"] = _child("rss", small, rss_count, args.backend)
    out["vs_local"] = round(out["ray"]["photos_per_s"] / max(1e-9, out["local"]["photos_per_s"]), 2)
    out["goals"] = {"vs_local": out["vs_local"] >= GOALS["vs_local"],
                    "driver_peak_rss_mb": out["driver"]["driver_peak_rss_mb"] < GOALS["driver_peak_rss_mb"]}
    out["load_average_end"] = load_average()
    return out


def format_result(r: dict) -> str:
    local, ray, driver = r["local"], r["ray"], r["driver"]
    return "\n".join([
        f"bench cluster on {r['cpu']} ({r['cpus']} CPUs); content: {r['content']}",
        f"  local analyze: {local['photos_per_s']} photos/s steady ({local['photos']} photos, {local['backend']} "
        f"{local['precision']}, first photo after {local['first_photo_s']} s, peak {local['peak_rss_mb']} MB, "
        f"load {local['load_average']['before']} -> {local['load_average']['after']})",
        f"  --ray (local Ray, {ray['workers']} workers): {ray['photos_per_s']} photos/s steady, per worker "
        f"{ray['per_worker']}; Ray started in {ray['ray_start_s']} s, first photo after {ray['first_photo_s']} s; "
        f"driver peak {ray['driver_peak_rss_mb']} MB; load {ray['load_average']['before']} -> "
        f"{ray['load_average']['after']}",
        f"  ratio --ray / local: {r['vs_local']} (goal >= {GOALS['vs_local']}: "
        f"{'met' if r['goals']['vs_local'] else 'not met'})",
        f"  driver of `analyze --ray` on {r['rss_count']} photos of 160x120: peak {driver['driver_peak_rss_mb']} MB "
        f"(goal < {GOALS['driver_peak_rss_mb']:g}: {'met' if r['goals']['driver_peak_rss_mb'] else 'not met'}), "
        f"{driver['seconds']} s, exit {driver['exit']}; {' / '.join(driver['summary'])}",
    ])


def main(argv: list[str] | None = None) -> int:
    """``python -m roadinspect.benchmarks.cluster KIND FOLDER COUNT``: one measured run, JSON on stdout."""
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["local", "ray", "rss"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--backend")
    args = parser.parse_args(argv)
    if args.kind == "local":
        result = _run_local(args.folder, args.count, args.backend)
    elif args.kind == "ray":
        result = _run_ray(args.folder, args.count, args.backend)
    else:
        result = _run_rss(args.folder, args.backend)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
