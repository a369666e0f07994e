"""``roadinspect bench all``: run every benchmark and rewrite ``docs/performance.md`` from their results.

The document is generated, never edited by hand: for each benchmark its method (the benchmark
module's docstring) and its measured lines, with the machine, the software versions, the git commit
and the machine's load average, since other work on the machine slows every figure down. A
benchmark that cannot run here (no model, no display) is listed with the reason.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import os
import platform
import subprocess
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from roadinspect.benchmarks import BenchOptions

ORDER = ("ingest", "analyze", "memory", "model", "gui")


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in ("torch", "onnxruntime", "openvino", "pillow", "numpy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _commit() -> str:
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=False, timeout=10)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=False, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if out.returncode != 0:
        return "unknown"
    return out.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def default_doc() -> Path:
    """``docs/performance.md`` of the source checkout (or of the current folder when installed)."""
    root = Path(__file__).resolve().parents[2]
    return (root if (root / "pyproject.toml").is_file() else Path.cwd()) / "docs" / "performance.md"


def run_all(args: BenchOptions) -> dict:
    """Run each benchmark of :data:`ORDER` that is registered; write the document; return every result."""
    from roadinspect.benchmarks import BENCHMARKS, BenchmarkUnavailable
    from roadinspect.benchmarks.analyze import cpu_name, load_average

    started = dt.datetime.now(dt.UTC)
    results: dict[str, dict] = {}
    load_start = load_average()
    for name in ORDER:
        bench = BENCHMARKS.get(name)
        if bench is None:
            continue
        sub = replace(args, what=name, variants=True if name == "analyze" else args.variants)
        begin = time.perf_counter()
        print(f"roadinspect bench all: running {name}...", file=sys.stderr, flush=True)
        try:
            result = bench.run(sub)
            results[name] = {"ok": True, "result": result, "text": bench.format(result)}
        except BenchmarkUnavailable as exc:
            results[name] = {"ok": False, "error": f"not run: {exc}"}
        except Exception as exc:  # noqa: BLE001 - one failing benchmark must not lose the others' figures
            traceback.print_exc()
            results[name] = {"ok": False, "error": f"failed: {type(exc).__name__}: {exc}"}
        results[name]["seconds"] = round(time.perf_counter() - begin, 1)
        results[name]["load_average_after"] = load_average()
    report = {
        "benchmark": "all",
        "started_utc": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cpu": cpu_name(), "cpu_count": os.cpu_count(), "system": platform.platform()},
        "versions": _versions(),
        "commit": _commit(),
        "load_average_start": load_start,
        "load_average_end": load_average(),
        "results": results,
    }
    doc = Path(args.doc) if args.doc else default_doc()
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(render(report), encoding="utf-8")
    report["doc"] = str(doc)
    return report


def format_all(report: dict) -> str:
    """Human-readable lines of :func:`run_all`'s result."""
    lines = []
    for name, entry in report["results"].items():
        lines.append(f"== {name} ({entry['seconds']} s)")
        lines.append(entry["text"] if entry["ok"] else entry["error"])
    lines.append(f"wrote {report.get('doc')}")
    return "\n".join(lines)


def _method(name: str) -> str:
    from roadinspect.benchmarks import BENCHMARKS

    module = BENCHMARKS[name].runner.partition(":")[0]
    if module == "roadinspect.benchmarks":
        module = "roadinspect.benchmarks.model"
    doc = inspect.getdoc(importlib.import_module(module)) or ""
    return doc.split("\n", 1)[1].strip() if "\n" in doc else doc


def _analyze_tables(r: dict) -> list[str]:
    f = r["fast"]
    real = r.get("real") or {}
    rf = real.get("fast")
    head = "| stage | synthetic: ms per photo | real content: ms per photo |" if rf else "| stage | ms per photo |"
    lines = ["", "Where the time goes in the fast path (per photo, summed over the threads that did it; the",
             "stages overlap, so the wall time per photo is 1000 / photos/s ms):", "",
             head, "|---|---|---|" if rf else "|---|---|"]
    labels = {"read": "read file + sha256 (decode worker)", "decode": "reduced-size JPEG decode (decode worker)",
              "predict": "model: normalise, network, softmax, decision (model thread)",
              "findings": "findings extraction (findings worker)", "record": "record in the project (calling thread)",
              "wait": "calling thread idle, waiting for results",
              "wait_model": "model thread waiting for decoded photos"}
    for key, value in f["per_photo_ms"].items():
        other = f" {rf['per_photo_ms'].get(key, float('nan')):.1f} |" if rf else ""
        lines.append(f"| {labels.get(key, key)} | {value:.1f} |{other}")
    wall = f"Wall time per photo: {1000 / max(f['photos_per_s'], 1e-9):.0f} ms (synthetic)"
    if rf:
        wall += (f", {1000 / max(rf['photos_per_s'], 1e-9):.0f} ms (real content, "
                 f"{real.get('findings_per_photo')} findings per photo)")
    lines += ["", wall + ".", ""]
    if "absent" in real:
        lines += [f"Real content: {real['absent']}.".replace("Real content: real-content", "Real-content"), ""]
    if r.get("variants"):
        lines += ["Variants (same photos, each in a fresh process):", "",
                  "| backend | precision | model threads | decode workers | working max side | photos/s | "
                  "model ms/photo | peak RSS MB | load avg (1, 5, 15 min) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for v in r["variants"]:
            lines.append(f"| {v['backend']} | {v['precision']} | {v['threads']} | {v['workers']} | {v['max_side']} | "
                         f"{v['photos_per_s']:.2f} | {v['per_photo_ms']['predict']:.0f} | {v['peak_rss_mb']:.0f} | "
                         f"{v['load_average']['before']} |")
        lines += ["", "Workers 0 = no overlap (every step on one thread, one photo after the other). Working max "
                  "side 512 is NOT the shipped setting (640): it only shows what a lower resolution would give, "
                  "at a cost in thin-crack recall that has not been measured."]
        lines.append("")
    return lines


FAST_PATH_NOTES = """\
## How the analysis is made fast, and what stays identical

- **Reduced-size JPEG decoding**: Pillow `draft` makes libjpeg decode a 12 MP photo at 1/4 scale
  (1000x750) straight from the DCT coefficients, then a box filter brings it to the working size
  (640x480): about 30 ms of one core instead of 65 ms (`Image.load` at full size) or 110 ms (full
  size to an array). The file is read once: the same bytes give its sha256.
- **Overlap** (`roadinspect.core.pipeline`): decode worker(s) read and decode the next photos, the
  model runs on a thread of its own, one more thread extracts the findings, and the calling thread
  only records (one SQLite transaction per photo, in photo order) and reports progress. At most
  `2 x workers + batch + 2 + 8` photos are in flight (the 8: segmentations waiting for their findings,
  so that the model never waits for the findings of a damage-dense photo; about 4 MB each), so memory
  does not grow with the batch. Pillow,
  ONNX Runtime, OpenVINO and torch release the GIL while they compute.
- **Backend** (`roadinspect.core.backends`, optional extra `fast`): the BN-folded network is exported
  to ONNX once per weights (cached in the user's cache folder; shipped in the Windows bundle) and run
  by the backend **measured fastest on this CPU at first use** (OpenVINO bf16 where the CPU has native
  bf16 units, OpenVINO fp32, ONNX Runtime fp32, torch fp32: a warm-up and the median of 3 network
  calls each at the working size; the choice cached per CPU model and weights). torch (channels_last,
  BN folded, `inference_mode`, flush-denormals) stays the reference and the training path; beside an
  optional backend torch itself runs on one thread (it only normalises, pads and applies the softmax).
  The Windows bundle ships ONNX Runtime (not OpenVINO: `packaging/README.md`).
- **Findings in proportion to what is found** (`roadinspect.core.findings`): a finding's polygon is
  built in one pass (the outline's rings assembled with array operations, simplified ring by ring,
  holes given to their shells, the polygon built once); combining the rings one by one was quadratic
  (a 5,000-mesh alligator crack took about 9 minutes, now about 2.5 s). Polygons agree with the former
  construction within 0.5 working pixel (`tests/core/test_findings_shapes.py`).
- **Batching**: not used on the CPU: at batch 4 the network costs as much or more per photo
  (CPU ms per photo, batch 1 vs 4, measured 25 Nov 2026 under load: OpenVINO 120 vs 125, ONNX
  Runtime 122 vs 132, torch 165 vs 250); 8 photos per call on a GPU.
- **Identical within a stated tolerance** (tests `tests/core/test_backends.py`,
  `tests/core/test_pipeline_fast.py`): fp32 backends give class probabilities within 1e-3 of torch
  (measured about 1e-6) and >= 99.99 % equal mask pixels (measured 100 %); the fast path records the
  same findings per photo and class as the reference path (`workers=0`, torch), polygons at IoU >=
  0.95. **bf16 is allowed where it is native** (`precision=auto`: OpenVINO on CPUs with bf16
  units such as Intel AMX, chosen when measured fastest; fp32 elsewhere; `ROADINSPECT_PRECISION=fp32` or
  `analyze --precision fp32` forces fp32): about 2.5x faster on the network where it wins; masks agree with fp32
  on >= 99.5 % of pixels (measured 99.95-99.999 %), and its accuracy is measured, not assumed: `roadinspect evaluate
  --backend openvino --precision bf16` on the validation split gives the figures of the model card
  (`models/roadinspect-seg.md`, section "bf16") within 0.01 of fp32.
- **Not changed**: the working resolution (longest side 640, the model's). The variants table
  shows what 512 would give, for information only.

"""


GPU_NOTES = """\
## On a machine with an NVIDIA GPU

Not measured: the development machine has no GPU. `Segmenter.load(device="auto")` picks CUDA when
`torch.cuda.is_available()`; `Segmenter.run` then uses fp16 autocast, `accelerate()` keeps torch
(the ONNX Runtime / OpenVINO backends are for the CPU only), and `analyze` sends 8 photos per model
call (`predict_batch`). Run `roadinspect bench analyze --device cuda --count 1000 --json` there
(goal: >= 100 photos/s). At that rate the budget is 10 ms per photo and the CPU side, not the GPU,
is the limit: the reduced-size JPEG decode alone takes about 30 ms of one core per 12 MP photo and
findings extraction 15-40 ms, so 100 photos/s needs 4 or more decode threads and 2 or more findings
threads; `analyze` starts CPUs - 1 decode threads (at most 8; the bench takes `--workers`) and half as many findings
threads, so a CPU with 8 or more cores is needed, and the GIL (held by the Python parts of the
findings extraction) may cap the findings threads below that: if `per_photo_ms` shows `wait`
growing while the GPU idles, findings extraction should move to worker processes. The JSON's
`per_photo_ms` shows where the time goes: `read`/`decode` (CPU workers), `predict` (host-to-device
copy of the decoded photos, network, softmax and device-to-host copy of the probabilities, on the
model thread), `findings`, `record` (SQLite, calling thread), `wait` (calling thread idle) and
`wait_model` (model thread waiting for decoded photos: decode is the limit when it grows).
`roadinspect bench model --device cuda` separates the host-to-device copy and resize (`predict`
minus `model`) from the network with its softmax and copy back (`model`). GPU JPEG decoding
(`torchvision.io.decode_jpeg(device="cuda")`) would remove the CPU decode, but it decodes at full
size (no DCT scaling): 12 MP of device memory per photo and a full-size resize on the GPU; it is
not wired in, and should be only if the CPU decode turns out to be the limit on the target PC.
"""


def render(report: dict) -> str:
    """The Markdown document for ``report`` (see :func:`run_all`)."""
    m, v = report["machine"], report["versions"]
    lines = [
        "# Performance: measured figures and how they are measured",
        "",
        "Generated by `roadinspect bench all` (do not edit by hand; run it again to refresh).",
        "",
        f"- Measured: {report['started_utc']}, commit {report['commit']}.",
        f"- Machine: {m['cpu']}, {m['cpu_count']} CPUs, {m['system']}.",
        "- Software: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        f"- Load average (1, 5, 15 min) at the start: {report['load_average_start']}, at the end: "
        f"{report['load_average_end']}. The load average counts the benchmark's own processes too (up to "
        "about 2 here while one runs); well above that, other work shared the CPUs and the figures are lower "
        "than on an idle machine.",
        "",
    ]
    for name, entry in report["results"].items():
        lines += [f"## `roadinspect bench {name}`", "", _method(name), ""]
        if entry["ok"]:
            lines += ["Result:", "", "```", entry["text"], "```"]
            if name == "analyze":
                lines += _analyze_tables(entry["result"])
        else:
            lines += [f"Result: {entry['error']}"]
        lines += ["", f"({entry['seconds']} s; load average after it: {entry['load_average_after']})", ""]
    lines.append(FAST_PATH_NOTES)
    lines.append(GPU_NOTES)
    return "\n".join(lines).rstrip() + "\n"
