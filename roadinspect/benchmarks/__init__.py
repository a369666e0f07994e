"""Benchmark commands (``roadinspect bench ...``): measured figures, never timed tests.

Each benchmark is one entry of :data:`BENCHMARKS`: a name (the ``what`` argument of
``roadinspect bench``), a one-line help, and ``module:function`` paths of a runner
``run(options: BenchOptions) -> dict`` (JSON-ready result) and a formatter ``format(result) -> str`` (human-readable
lines). Adding a benchmark is one new module and one new entry here; the command line lists the
entries as the choices of ``what``. Modules are imported only when their benchmark runs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class BenchOptions:
    """The options of ``roadinspect bench`` the benchmarks read, typed (the command line's defaults)."""

    what: str = "all"
    json: bool = False
    count: int = 0
    """photos to generate (0: the benchmark's default)"""
    size: str = "4000x3000"
    dir: str | None = None
    """work folder (None: a temporary folder, removed after)"""
    weights: str | None = None
    device: str = "cpu"
    repeats: int = 0
    backend: str | None = None
    threads: int | None = None
    workers: int | None = None
    precision: str | None = None
    naive_count: int = 0
    variants: bool = False
    rss_count: int = 0
    doc: str | None = None
    idle: bool = False
    """gui: measure the window idle instead of while reviewing"""

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> BenchOptions:
        """The options of a parsed ``roadinspect bench`` command line (other attributes are not the benchmarks')."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in vars(args).items() if k in known})


@dataclass(frozen=True)
class Benchmark:
    """One ``roadinspect bench WHAT`` entry."""

    name: str
    help: str
    runner: str
    formatter: str

    def _resolve(self, target: str) -> Callable:
        module, _, function = target.partition(":")
        return getattr(importlib.import_module(module), function)

    def run(self, options: BenchOptions) -> dict[str, Any]:
        result: dict[str, Any] = self._resolve(self.runner)(options)
        return result

    def format(self, result: dict) -> str:
        return self._resolve(self.formatter)(result)


BENCHMARKS: dict[str, Benchmark] = {
    b.name: b
    for b in (
        Benchmark("ingest", "scan + EXIF ingestion of a 1,000-photo folder of 12 MP geotagged JPEGs (photos/s)",
                  "roadinspect.benchmarks.ingest:run", "roadinspect.benchmarks.ingest:format_result"),
        Benchmark("memory", "peak RSS of `analyze` on 100 vs 2,000 photos (needs the shipped model)",
                  "roadinspect.benchmarks.memory:run", "roadinspect.benchmarks.memory:format_result"),
        Benchmark("model", "model time on the CPU and end-to-end time of one 12 MP photo (needs the shipped model)",
                  "roadinspect.benchmarks:_run_model", "roadinspect.benchmarks.model:format_model_bench"),
        Benchmark("analyze", "end-to-end `analyze` photos/s on 12 MP JPEGs vs the naive path and the decode floor; "
                  "start-up, peak memory (needs the shipped model)",
                  "roadinspect.benchmarks.analyze:run", "roadinspect.benchmarks.analyze:format_result"),
        Benchmark("architectures", "CPU forward time of the candidate networks at 640x480 (the architecture choice)",
                  "roadinspect.benchmarks.architectures:run", "roadinspect.benchmarks.architectures:format_result"),
        Benchmark("all", "run every benchmark and rewrite docs/performance.md (numbers and method; --doc)",
                  "roadinspect.benchmarks.report:run_all", "roadinspect.benchmarks.report:format_all"),
        Benchmark("gui",
                  "event-loop latency of the window while it analyses a batch (p95, goal < 50 ms; needs the model)",
                  "roadinspect.benchmarks.gui_latency:run", "roadinspect.benchmarks.gui_latency:format_result"),
        Benchmark("cluster", "`analyze --ray` (local Ray) vs plain `analyze` photos/s on the same real-content photos; "
                  "the driver's peak RSS on 20,000 photos (needs Ray: the cluster extra)",
                  "roadinspect.benchmarks.cluster:run", "roadinspect.benchmarks.cluster:format_result"),
        Benchmark("report", "time and size of report.html + report.pdf of a 2,000-photo survey (goals < 10 s, < 20 MB)",
                  "roadinspect.benchmarks.report_export:run", "roadinspect.benchmarks.report_export:format_result"),
    )
}


def _run_model(args: BenchOptions) -> dict[str, Any]:
    from roadinspect.benchmarks.model import bench_model
    from roadinspect.core.segmenter import ModelError

    try:
        return bench_model(Path(args.weights) if args.weights else None, repeats=args.repeats or 20,
                           device=args.device)
    except ModelError as exc:
        raise BenchmarkUnavailable(str(exc)) from None


def add_bench_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``roadinspect bench WHAT`` with one choice per entry of :data:`BENCHMARKS`."""
    from roadinspect.core.backends import BACKEND_CHOICES, PRECISIONS  # the names only: no heavy import

    lines = "\n".join(f"  {b.name:8s} {b.help}" for b in BENCHMARKS.values())
    p = sub.add_parser("bench", help="measure speed and memory (benchmarks, not tests)",
                       description=f"Benchmarks:\n{lines}", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=sorted(BENCHMARKS), help="which benchmark")
    p.add_argument("--json", action="store_true", help="print one JSON object (after the human-readable lines)")
    p.add_argument("--count", type=int, default=0, help="photos to generate (0 = the benchmark's default)")
    p.add_argument("--size", default="4000x3000", help="generated photo size, WIDTHxHEIGHT (default 12 MP)")
    p.add_argument("--dir", type=str, default=None, help="work folder (default: a temporary folder, removed after)")
    p.add_argument("--weights", default=None, help="weights file (default: the shipped model)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument("--repeats", type=int, default=0, help="repetitions (0 = the benchmark's default)")
    p.add_argument("--backend", default=None, choices=BACKEND_CHOICES,
                   help="analyze: inference backend (default auto: the fastest installed)")
    p.add_argument("--threads", type=int, default=None, help="analyze: model threads (default: physical cores)")
    p.add_argument("--workers", type=int, default=None, help="analyze: decode workers (0 = no overlap)")
    p.add_argument("--precision", default=None, choices=PRECISIONS,
                   help="analyze: auto (default: bf16 on CPUs with native bf16 units, else fp32), fp32 or bf16")
    p.add_argument("--naive-count", type=int, default=0, help="analyze: naive-path photos (default 24, + 1 warm-up)")
    p.add_argument("--variants", action="store_true", help="analyze: also measure backend x threads x workers")
    p.add_argument("--rss-count", type=int, default=0,
                   help="cluster: small photos for the driver's memory (default 20,000)")
    p.add_argument("--doc", default=None, help="all: the Markdown file to write (default: docs/performance.md)")
    p.set_defaults(handler=run_bench_command)


def run_bench_command(args: argparse.Namespace) -> int:
    """Run one benchmark, print its lines, and its JSON with ``--json``. Exit 2 when it cannot run."""
    bench = BENCHMARKS[args.what]
    try:
        result = bench.run(BenchOptions.from_args(args))
    except BenchmarkUnavailable as exc:
        print(f"roadinspect bench {bench.name}: cannot run: {exc}", file=sys.stderr)
        return 2
    print(bench.format(result))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return 0


class BenchmarkUnavailable(Exception):
    """A benchmark that cannot run here (e.g. the model weights are missing); the message says why."""


def parse_size(text: str) -> tuple[int, int]:
    """``"4000x3000"`` -> ``(4000, 3000)``."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be WIDTHxHEIGHT, got {text!r}") from None
    if width < 16 or height < 16:
        raise argparse.ArgumentTypeError(f"size too small: {text}")
    return width, height
