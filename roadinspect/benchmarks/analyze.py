"""``roadinspect bench analyze``: end-to-end ``analyze`` throughput against the naive path and the decode floor.

Makes a batch of geotagged 12-megapixel JPEGs (``roadinspect.core.synth.make_benchmark_batch``: one
rendered road scene with cracks and a pothole, encoded once, each file with its own EXIF), records
them in a fresh project, then measures, each in a fresh Python process (so that start-up, peak
memory and thread settings are those of a real run):

* **fast**: what ``roadinspect analyze`` does: ``jobs.load_segmenter`` (``Segmenter.load`` + ``accelerate``: the backend
  measured fastest on this CPU at first use, then cached: the first start on a PC also measures),
  then ``pipeline.analyze`` with its defaults: reduced-size JPEG decoding
  (Pillow ``draft``) in a decode worker, the model on a thread of its own, findings extraction in
  another worker, recording (one SQLite transaction per photo) on the calling thread. Start-up =
  import time + model load (checksum, weights, BN folding, backend set-up, ONNX export cached);
  peak memory = the process's peak RSS (``VmHWM``). Two warm-up photos are not timed.
* **naive**: full-size Pillow decode to an array, resize (area) in torch, the eager NCHW network
  as trained (no BN folding, no ``channels_last``), torch's default threads, one photo at a time,
  then the same findings extraction and recording (``--naive-count`` photos, default 24, after
  one warm-up photo).
* **floor**: merely decoding each photo at full size on one core (Pillow ``Image.load``, no
  conversion to an array; the to-array time is reported beside it).

The fast path runs three times (fresh processes) and the median run is reported, with all three
rates beside it. Ratios: fast photos/s over naive photos/s (goal >= 4) and over the floor (goal
>= 1.0); goal >= 8 photos/s. ``--variants`` adds a table of backend x threads x decode workers on ``--count``
photos each. All photos are in the page cache (just written), so disk time is not measured; the
machine's load average is recorded with every run, since other work on the machine slows it.

**Real content** (``roadinspect.benchmarks.real_content``): the same measurements (floor, fast path
three times, plus ONNX Runtime fp32, the configuration of the Windows bundle) on as many photos made
at run time from real survey frames of ``../shared/datasets/cracks_and_potholes_road`` (each photo a
different frame, validation frames first, enlarged to 12 MP with a camera's grain and plausible EXIF,
in the temporary folder; never committed). Goals there: >= 8 photos/s and >= 1.0x the floor by default,
>= 6 photos/s and >= 0.7x with ONNX Runtime fp32. When the shared folder is absent the benchmark
says so and measures the synthetic batch only.
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

GOALS = {"photos_per_s": 8.0, "vs_floor": 1.0, "vs_naive": 4.0, "peak_rss_mb_2000": 1200.0}
REAL_GOALS = {"photos_per_s": 8.0, "vs_floor": 1.0, "ort_photos_per_s": 6.0, "ort_vs_floor": 0.7}
"""Real-content goals: the default configuration, and ONNX Runtime fp32 (what the Windows bundle ships)."""
DEFAULT_COUNT = 120
DEFAULT_NAIVE = 24
FAST_RUNS = 3


# ----------------------------------------------------------------------------- helpers
def peak_rss_mb() -> float:
    """This process's peak resident set size (MB).

    Linux: ``VmHWM`` of ``/proc/self/status``, this process's own peak; not ``ru_maxrss``, which a
    child inherits from its parent across fork + exec (a parent that rendered 12 MP scenes would hide
    the child's real peak). Windows: the peak working set.
    """
    if sys.platform == "win32":
        from roadinspect.benchmarks.memory import _windows_memory

        return _windows_memory()[0]
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def load_average() -> list[float] | None:
    """1, 5 and 15-minute load averages (None where the OS has none)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def cpu_name() -> str:
    """The CPU model name: the one the backend choice is cached under (:func:`core.backends.cpu_model`)."""
    from roadinspect.core.backends import cpu_model

    return cpu_model()


def _project(folder: Path, count: int, tmp: Path):  # returns (Store, ids)
    from roadinspect.core.jobs import import_photos
    from roadinspect.core.photos import find_images
    from roadinspect.core.store import Store

    paths, _, _ = find_images([folder])
    store = Store.open(tmp / "bench.roadinspect")
    return store, import_photos(store, paths[:count]).added.photo_ids  # as `roadinspect analyze` imports


# ----------------------------------------------------------------------------- measured runs (child processes)
def run_fast(folder: Path, count: int, weights: str | None, device: str, backend: str | None,
             threads: int | None, workers: int | None, precision: str | None, batch: int | None,
             max_side: int | None = None) -> dict:
    """The product's path: load + accelerate, then ``analyze`` with its defaults (or the given knobs)."""
    start = time.perf_counter()
    import torch

    from roadinspect.core.jobs import load_segmenter
    from roadinspect.core.pipeline import analyze
    from roadinspect.core.prefetch import default_workers
    from roadinspect.core.segmenter import Segmenter  # imported before the clock: startup_s splits import and load

    imported = time.perf_counter()
    segmenter: Segmenter = load_segmenter(Path(weights) if weights else None, device, backend=backend,
                                          precision=precision, threads=threads, max_side=max_side)
    chosen = segmenter.backend
    loaded = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store, ids = _project(folder, count, Path(tmp))
        with store:
            warm = ids[:2]  # first calls allocate and (OpenVINO) compile for the input shape
            analyze(store, warm, segmenter, workers=workers, batch=batch)
            before = load_average()
            summary = analyze(store, ids[len(warm):], segmenter, workers=workers, batch=batch)
            after = load_average()
    return {
        "photos": summary.analysed,
        "failed": len(summary.failed),
        "findings": summary.findings,
        "seconds": round(summary.seconds, 3),
        "photos_per_s": round(summary.photos_per_second, 2),
        "timings_s": summary.timings,
        "per_photo_ms": {k.removesuffix("_s"): round(v / max(1, summary.analysed) * 1000, 1)
                         for k, v in summary.timings.items()},
        "backend": chosen.backend,
        "precision": chosen.precision,
        "model_threads": chosen.threads,
        "decode_workers": default_workers() if workers is None else workers,
        "batch": batch or 1,
        "max_side": segmenter.max_side,
        "device": str(segmenter.device),
        "torch_threads": torch.get_num_threads(),
        "startup_s": {"import": round(imported - start, 2), "model_load": round(loaded - imported, 2),
                      "total": round(loaded - start, 2)},
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_average": {"before": before, "after": after},
    }


def run_naive(folder: Path, count: int, weights: str | None) -> dict:
    """Full-size decode, resize, eager NCHW network as trained, one photo at a time; same findings and recording."""
    import json as json_

    import numpy as np
    import torch
    import torch.nn.functional as F
    from PIL import Image
    from safetensors.torch import load_file

    from roadinspect.core.findings import extract_findings
    from roadinspect.core.network import MEAN, STD, STRIDE, network_for
    from roadinspect.core.photos import sha256_file
    from roadinspect.core.segmenter import DEFAULT_MAX_SIDE, Segmentation, decide, default_weights, working_size

    path = Path(weights) if weights else default_weights()
    info = json_.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    state = {k: v.float() for k, v in load_file(str(path)).items()}
    model = network_for(state, tuple(info.get("decoder_channels", (96, 64, 48, 32))))
    model.load_state_dict(state)
    model.eval()
    max_side = int(info.get("max_side", DEFAULT_MAX_SIDE))
    thresholds = info.get("thresholds", {})
    mean = torch.tensor(MEAN).view(1, 3, 1, 1) * 255
    std = torch.tensor(STD).view(1, 3, 1, 1) * 255
    with tempfile.TemporaryDirectory() as tmp:
        store, ids = _project(folder, count, Path(tmp))
        with store:
            analysis = store.start_analysis(info.get("name", "naive"), info.get("sha256", ""), {}, who="bench")

            def one(photo_id: int) -> int:
                record = store.photo(photo_id)
                with Image.open(record.path) as image:
                    pixels = np.asarray(image.convert("RGB"))
                height, width = pixels.shape[:2]
                w, h = working_size(width, height, max_side)
                with torch.no_grad():
                    x = torch.from_numpy(pixels.copy()).permute(2, 0, 1)[None].float()
                    x = F.interpolate(x, size=(h, w), mode="area")
                    x = (x - mean) / std
                    x = F.pad(x, (0, (-w) % STRIDE, 0, (-h) % STRIDE), mode="replicate")
                    probs = torch.softmax(model(x)[..., :h, :w], dim=1)[0].numpy()
                segmentation = Segmentation(decide(probs, thresholds), probs, (width, height), dict(thresholds))
                found = extract_findings(segmentation, record.photo)
                store.record_photo_result(photo_id, analysis, found, sha256=sha256_file(record.path), who="bench")
                return len(found)

            one(ids[0])  # warm-up, not timed (as for the fast path)
            ids = ids[1:]
            before = load_average()
            start = time.perf_counter()
            findings = sum(one(photo_id) for photo_id in ids)
            seconds = time.perf_counter() - start
            after = load_average()
            store.finish_analysis(analysis, "finished", {"seconds": seconds}, who="bench")
    return {"photos": len(ids), "findings": findings, "seconds": round(seconds, 3),
            "photos_per_s": round(len(ids) / seconds, 3), "torch_threads": torch.get_num_threads(),
            "peak_rss_mb": round(peak_rss_mb(), 1), "load_average": {"before": before, "after": after}}


def run_floor(folder: Path, count: int) -> dict:
    """Decode every photo at full size on this one thread: ``Image.load`` (and, apart, to an array)."""
    import numpy as np
    from PIL import Image

    paths = sorted(folder.glob("*.jpg"))[:count]
    before = load_average()
    start = time.perf_counter()
    for path in paths:
        with Image.open(path) as image:
            image.load()
    seconds = time.perf_counter() - start
    sample = paths[: max(1, min(len(paths), 20))]
    start = time.perf_counter()
    for path in sample:
        with Image.open(path) as image:
            np.asarray(image)
    array_s = (time.perf_counter() - start) / len(sample)
    return {"photos": len(paths), "seconds": round(seconds, 3), "photos_per_s": round(len(paths) / seconds, 2),
            "decode_ms": round(seconds / len(paths) * 1000, 1), "decode_to_array_ms": round(array_s * 1000, 1),
            "load_average": {"before": before, "after": load_average()}}


def _child(kind: str, folder: Path, count: int, args: BenchOptions, **knobs: object) -> dict:
    command = [sys.executable, "-m", "roadinspect.benchmarks.analyze", "--child", kind, str(folder), str(count),
               "--device", args.device]
    if args.weights:
        command += ["--weights", str(args.weights)]
    for key, value in knobs.items():
        if value is not None:
            command += [f"--{key}", str(value)]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"bench analyze: the {kind} run failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- the command
VARIANTS = (
    {"backend": "torch", "threads": 1, "workers": 1},
    {"backend": "torch", "threads": 2, "workers": 1},
    {"backend": "onnxruntime", "threads": 1, "workers": 1},
    {"backend": "onnxruntime", "threads": 2, "workers": 1},
    {"backend": "openvino", "threads": 1, "workers": 1, "precision": "fp32"},
    {"backend": "openvino", "threads": 2, "workers": 1, "precision": "fp32"},
    {"backend": "openvino", "threads": 2, "workers": 2, "precision": "fp32"},
    {"backend": "openvino", "threads": 2, "workers": 0, "precision": "fp32"},
    {"backend": "openvino", "threads": 2, "workers": 1, "precision": "bf16"},
    {"backend": "openvino", "threads": 1, "workers": 1, "precision": "bf16"},
    {"backend": "openvino", "threads": 2, "workers": 1, "precision": "fp32", "max-side": 512},
)
"""Measured by ``--variants``. The last one runs at a lower working resolution than the shipped model's
(512 instead of 640 pixels): it shows what that would give, it is never used by default."""


def run(args: BenchOptions) -> dict:
    """The benchmark runner of ``roadinspect bench analyze``."""
    from roadinspect.benchmarks import BenchmarkUnavailable, parse_size
    from roadinspect.core.backends import available_backends
    from roadinspect.core.segmenter import default_weights
    from roadinspect.core.synth import make_benchmark_batch

    weights = Path(args.weights) if args.weights else default_weights()
    if not weights.is_file():
        raise BenchmarkUnavailable(f"model weights not found: {weights} (the benchmark needs the real model)")
    count = args.count or DEFAULT_COUNT
    naive_count = min(count, getattr(args, "naive_count", 0) or DEFAULT_NAIVE)
    width, height = parse_size(args.size)
    knobs = {"backend": getattr(args, "backend", None), "threads": getattr(args, "threads", None),
             "workers": getattr(args, "workers", None), "precision": getattr(args, "precision", None)}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp) / "photos"
        start = time.perf_counter()
        make_benchmark_batch(folder, count + 2, width, height)  # + 2 warm-up photos
        made_s = time.perf_counter() - start
        if hasattr(os, "sync"):
            os.sync()  # write the new files out now, not in the background during the measurements
        floor = _child("floor", folder, count, args)
        runs = [_child("fast", folder, count + 2, args, **knobs) for _ in range(FAST_RUNS)]
        fast = sorted(runs, key=lambda r: r["photos_per_s"])[len(runs) // 2]  # the median run
        fast["runs_photos_per_s"] = [r["photos_per_s"] for r in runs]
        naive = _child("naive", folder, naive_count + 1, args)  # + 1 warm-up photo
        real = _run_real(Path(tmp), count, args, knobs, width * height)
        variants = []
        if getattr(args, "variants", False):
            for variant in VARIANTS:
                if variant["backend"] not in available_backends():
                    continue
                result = _child("fast", folder, count + 2, args, **variant)
                variants.append({**{k.replace("-", "_"): v for k, v in variant.items()}, **{k: result[k] for k in (
                    "photos_per_s", "precision", "max_side", "per_photo_ms", "peak_rss_mb", "load_average")}})
    vs_floor = fast["photos_per_s"] / floor["photos_per_s"]
    vs_naive = fast["photos_per_s"] / naive["photos_per_s"]
    return {
        "benchmark": "analyze",
        "width": width,
        "height": height,
        "photos": count,
        "generate_s": round(made_s, 1),
        "fast": fast,
        "naive": naive,
        "floor": floor,
        "vs_floor": round(vs_floor, 2),
        "vs_naive": round(vs_naive, 2),
        "goals": {"photos_per_s": fast["photos_per_s"] >= GOALS["photos_per_s"],
                  "vs_floor": vs_floor >= GOALS["vs_floor"], "vs_naive": vs_naive >= GOALS["vs_naive"]},
        "goal_values": GOALS,
        "variants": variants,
        "real": real,
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "backends_installed": available_backends(),
    }


def _run_real(tmp: Path, count: int, args: BenchOptions, knobs: dict, pixels: int) -> dict:
    """Floor, fast path (median of three) and ONNX Runtime fp32 on real-content photos (see the module doc).

    The photos have about ``pixels`` pixels (the synthetic batch's ``--size``: 12 MP by default), in the
    frames' aspect ratio.
    """
    import math

    from roadinspect.benchmarks.real_content import DATASET, find_frames, make_real_batch
    from roadinspect.core.backends import available_backends

    frames = find_frames(count + 2)
    if frames is None or len(frames) < 3:
        message = (f"real-content photos not measured: ../shared/datasets/{DATASET} not found "
                   f"(set ROADINSPECT_SHARED_DATASETS); synthetic batch only")
        print(f"bench analyze: {message}", file=sys.stderr)
        return {"absent": message}
    folder = tmp / "real"
    start = time.perf_counter()
    width = round(math.sqrt(pixels * 1.6))
    size = (width, round(width / 1.6))
    make_real_batch(folder, frames, size)
    made_s = time.perf_counter() - start
    if hasattr(os, "sync"):
        os.sync()
    photos = len(frames) - 2
    floor = _child("floor", folder, photos, args)
    runs = [_child("fast", folder, photos + 2, args, **knobs) for _ in range(FAST_RUNS)]
    fast = sorted(runs, key=lambda r: r["photos_per_s"])[len(runs) // 2]
    fast["runs_photos_per_s"] = [r["photos_per_s"] for r in runs]
    ort = None
    if "onnxruntime" in available_backends():
        ort = _child("fast", folder, photos + 2, args, backend="onnxruntime", precision="fp32",
                     threads=knobs.get("threads"), workers=knobs.get("workers"))
    out = {"dataset": DATASET, "photos": photos, "width": size[0], "height": size[1], "generate_s": round(made_s, 1),
           "floor": floor, "fast": fast, "ort_fp32": ort,
           "vs_floor": round(fast["photos_per_s"] / floor["photos_per_s"], 2),
           "findings_per_photo": round(fast["findings"] / max(1, fast["photos"]), 2), "goal_values": REAL_GOALS}
    goals = {"photos_per_s": fast["photos_per_s"] >= REAL_GOALS["photos_per_s"],
             "vs_floor": out["vs_floor"] >= REAL_GOALS["vs_floor"]}
    if ort is not None:
        out["ort_vs_floor"] = round(ort["photos_per_s"] / floor["photos_per_s"], 2)
        goals["ort_photos_per_s"] = ort["photos_per_s"] >= REAL_GOALS["ort_photos_per_s"]
        goals["ort_vs_floor"] = out["ort_vs_floor"] >= REAL_GOALS["ort_vs_floor"]
    out["goals"] = goals
    return out


def _format_real(real: dict | None) -> list[str]:
    if not real:
        return []
    if "absent" in real:
        return [f"real content: {real['absent']}"]
    f, fl, o, g = real["fast"], real["floor"], real.get("ort_fp32"), real["goal_values"]

    def ok(key: str) -> str:
        return "goal met" if real["goals"].get(key) else "below the goal"

    per = ", ".join(f"{k} {v:.0f}" for k, v in f["per_photo_ms"].items())
    lines = [
        f"real content: {real['photos']} photos of {real['width']}x{real['height']} made from different "
        f"{real['dataset']} frames ({real['findings_per_photo']} findings per photo); load average before/after the "
        f"fast run: "
        f"{f['load_average']['before']} / {f['load_average']['after']}",
        f"  analyze (default): {f['photos_per_s']:.2f} photos/s (goal >= {g['photos_per_s']:.0f}: "
        f"{ok('photos_per_s')}; median of {f.get('runs_photos_per_s', [])}); {f['backend']} {f['precision']}, "
        f"{f['model_threads']} model "
        f"threads; {real['vs_floor']:.2f}x the floor (goal >= {g['vs_floor']:.1f}: {ok('vs_floor')}); "
        f"peak RSS {f['peak_rss_mb']:.0f} MB",
        f"  time per photo summed over threads (ms): {per}",
        f"  decode floor (full-size Image.load, one core): {fl['photos_per_s']:.2f} photos/s "
        f"({fl['decode_ms']:.0f} ms)",
    ]
    if o is not None:
        lines.append(f"  ONNX Runtime fp32 (the Windows bundle): {o['photos_per_s']:.2f} photos/s (goal >= "
                     f"{g['ort_photos_per_s']:.0f}: {ok('ort_photos_per_s')}); {real['ort_vs_floor']:.2f}x the floor "
                     f"(goal >= {g['ort_vs_floor']:.1f}: {ok('ort_vs_floor')}); peak RSS {o['peak_rss_mb']:.0f} MB")
    return lines


def format_result(r: dict) -> str:
    """Human-readable lines of :func:`run`'s result."""
    f, n, fl = r["fast"], r["naive"], r["floor"]

    def ok(key: str) -> str:
        return "goal met" if r["goals"][key] else "below the goal"

    per = ", ".join(f"{k} {v:.0f}" for k, v in f["per_photo_ms"].items())
    lines = [
        f"synthetic content: {r['photos']} geotagged JPEGs of {r['width']}x{r['height']} (one rendered scene) on "
        f"{r['cpu_count']} CPUs ({r['cpu']}); load average before/after the fast run: "
        f"{f['load_average']['before']} / {f['load_average']['after']}",
        f"analyze (fast path): {f['photos_per_s']:.2f} photos/s (goal >= {r['goal_values']['photos_per_s']:.0f}: "
        f"{ok('photos_per_s')}; median of {f.get('runs_photos_per_s', [])}); {f['backend']} {f['precision']}, "
        f"{f['model_threads']} model threads, "
        f"{f['decode_workers']} decode workers, batch {f['batch']}, {f['failed']} failed",
        f"  time per photo summed over threads (ms): {per}",
        f"naive path ({n['photos']} photos): {n['photos_per_s']:.2f} photos/s -> {r['vs_naive']:.1f}x "
        f"(goal >= {r['goal_values']['vs_naive']:.0f}x: {ok('vs_naive')})",
        f"decode floor (full-size Image.load, one core): {fl['photos_per_s']:.2f} photos/s ({fl['decode_ms']:.0f} ms; "
        f"to an array {fl['decode_to_array_ms']:.0f} ms) -> ratio {r['vs_floor']:.2f} "
        f"(goal >= {r['goal_values']['vs_floor']:.1f}: {ok('vs_floor')})",
        f"start-up: import {f['startup_s']['import']:.2f} s + model load {f['startup_s']['model_load']:.2f} s = "
        f"{f['startup_s']['total']:.2f} s; peak RSS {f['peak_rss_mb']:.0f} MB (naive {n['peak_rss_mb']:.0f} MB)",
    ]
    lines += _format_real(r.get("real"))
    for v in r.get("variants", []):
        lines.append(f"  variant {v['backend']:11s} {v['precision']:4s} threads {v['threads']} workers {v['workers']} "
                     f"max side {v['max_side']}: "
                     f"{v['photos_per_s']:.2f} photos/s, peak {v['peak_rss_mb']:.0f} MB, "
                     f"load {v['load_average']['before']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m roadinspect.benchmarks.analyze --child KIND FOLDER COUNT``: one measured run, JSON on stdout."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=3, metavar=("KIND", "FOLDER", "COUNT"), required=True)
    parser.add_argument("--weights")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--backend")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--precision")
    parser.add_argument("--batch", type=int)
    parser.add_argument("--max-side", type=int)
    args = parser.parse_args(argv)
    kind, folder, count = args.child[0], Path(args.child[1]), int(args.child[2])
    if kind == "fast":
        result = run_fast(folder, count, args.weights, args.device, args.backend, args.threads, args.workers,
                          args.precision, args.batch, args.max_side)
    elif kind == "naive":
        result = run_naive(folder, count, args.weights)
    elif kind == "floor":
        result = run_floor(folder, count)
    else:
        parser.error(f"unknown run {kind!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
