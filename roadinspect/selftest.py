"""``roadinspect --self-test``: prove an installation works, headless, in well under a minute.

It runs the real thing end to end on the bundled data, in a temporary folder (nothing is written to the
install folder, nothing is left behind unless asked):

1. the data folders are found (``models/``, ``resources/``) with the files the app needs;
2. the shipped model loads (its sha256 is checked by the loader) and predicts sane class maps;
3. the bundled sample photos are scanned (EXIF, positions) into a new project file;
4. the core pipeline analyses every photo with the model;
5. every export format is written, and each file exists and is not empty.

One line per check (``[ OK ]``, ``[FAIL]`` or ``[SKIP]`` when an earlier check it needs failed), then a
summary line. Exit code 0 when every check passed, 1 otherwise (the failing lines say what is missing).
Used by ``packaging/build.py`` on the frozen bundle and by ``tests/test_selftest.py``. No Qt here.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Emit = Callable[[str], None]

# Files the installed app cannot work without, relative to the data root (globs: at least one match).
REQUIRED_DATA = (
    "models/*.safetensors",
    "models/*.json",
    "resources/samples/*.jpg",
    "resources/icons/app.svg",
    "resources/licenses/NOTICE.md",
    "resources/licenses/INDEX.md",
)


class CheckFailed(Exception):
    """A self-test check found something wrong; the message says what."""


@dataclass
class Check:
    """The outcome of one check."""

    name: str
    status: str  # "ok", "fail" or "skip"
    detail: str
    seconds: float = 0.0

    def line(self) -> str:
        """The line printed for this check."""
        tag = {"ok": "[ OK ]", "fail": "[FAIL]", "skip": "[SKIP]"}[self.status]
        timing = f" ({self.seconds:.2f} s)" if self.status != "skip" else ""
        return f"{tag} {self.name}: {self.detail}{timing}"


@dataclass
class SelfTestReport:
    """All checks of one run."""

    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return bool(self.checks) and all(c.status == "ok" for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        """The checks that failed."""
        return [c for c in self.checks if c.status == "fail"]


class _Runner:
    """Runs the checks in order; a check is skipped when one it depends on did not pass."""

    def __init__(self, emit: Emit) -> None:
        self.emit = emit
        self.report = SelfTestReport()
        self.passed: set[str] = set()

    def run(self, name: str, needs: tuple[str, ...], body: Callable[[], str]) -> bool:
        missing = [n for n in needs if n not in self.passed]
        if missing:
            check = Check(name, "skip", f"not run: needs {', '.join(missing)}")
        else:
            started = time.perf_counter()
            try:
                detail, status = body(), "ok"
                self.passed.add(name)
            except CheckFailed as exc:
                detail, status = str(exc), "fail"
            except Exception as exc:  # noqa: BLE001 - a self-test reports every error as a failed check
                last = traceback.extract_tb(exc.__traceback__)[-1:]
                where = f" at {Path(last[0].filename).name}:{last[0].lineno}" if last else ""
                detail, status = f"{type(exc).__name__}: {exc}{where}", "fail"
            check = Check(name, status, detail, time.perf_counter() - started)
        self.report.checks.append(check)
        self.emit(check.line())
        return check.status == "ok"


def _check_data(state: dict[str, Any]) -> str:
    from roadinspect.core.resources import data_root

    try:
        root = data_root()
    except FileNotFoundError as exc:
        raise CheckFailed(str(exc)) from exc
    missing = [pattern for pattern in REQUIRED_DATA if not any(p.stat().st_size > 0 for p in root.glob(pattern))]
    if missing:
        raise CheckFailed(f"missing or empty under {root}: {', '.join(missing)}")
    state["root"] = root
    return f"{root}"


def _check_model(state: dict[str, Any], weights: Path | None) -> str:
    import numpy as np

    from roadinspect.core.segmenter import Segmenter

    segmenter = Segmenter.load(weights, device="cpu")
    if not segmenter.name or len(segmenter.sha256) != 64:
        raise CheckFailed(f"model loaded without a name or sha256 (name={segmenter.name!r})")
    rng = np.random.default_rng(0)
    image = rng.integers(60, 140, size=(240, 320, 3), dtype=np.uint8)
    result = segmenter.predict(image)
    mask, probs = np.asarray(result.mask), np.asarray(result.probs)
    if probs.ndim != 3 or probs.shape[0] != 3 or probs.shape[1:] != mask.shape:
        raise CheckFailed(f"unexpected output shapes: mask {mask.shape}, probs {probs.shape}")
    if not np.isfinite(probs).all() or not np.allclose(probs.sum(axis=0), 1.0, atol=1e-2):
        raise CheckFailed("class probabilities are not finite or do not sum to 1")
    if set(np.unique(mask).tolist()) - {0, 1, 2}:
        raise CheckFailed(f"mask has values outside 0/1/2: {sorted(set(np.unique(mask).tolist()))}")
    if tuple(result.image_size) != (320, 240) or result.full_mask().shape != (240, 320):
        raise CheckFailed(f"full-size mask has the wrong size for a 320x240 input: {result.full_mask().shape}")
    state["segmenter"] = segmenter
    return f"{segmenter.name} sha256 {segmenter.sha256[:12]}…, predicts {mask.shape[1]}x{mask.shape[0]} class maps"


def _check_import(state: dict[str, Any], work: Path) -> str:
    from roadinspect.core.photos import scan
    from roadinspect.core.resources import samples_dir
    from roadinspect.core.store import Store
    from roadinspect.core.track import complete_track

    samples = samples_dir()
    result = scan([samples])
    if not result.photos:
        raise CheckFailed(f"no usable photo in {samples}")
    if result.unreadable:
        first = result.unreadable[0]
        raise CheckFailed(f"{len(result.unreadable)} sample file(s) unreadable, e.g. {first.path}: {first.reason}")
    photos = complete_track(result.photos)
    placed = sum(1 for p in photos if p.position is not None)
    if placed == 0:
        raise CheckFailed(f"none of the {len(photos)} sample photos has a position (EXIF GPS not read)")
    manifest = samples / "samples.json"
    if manifest.is_file():  # the generator's list of what the folder must hold
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("samples", [])
        geotagged = sum(1 for s in listed if s.get("gps_written", True))
        if len(photos) != len(listed):
            raise CheckFailed(f"{len(photos)} photos scanned in {samples} but samples.json lists {len(listed)} "
                              "(masks scanned as photos? files missing?)")
        if placed < geotagged:
            raise CheckFailed(f"only {placed} of the {geotagged} geotagged samples have a position")
    project = work / "selftest.roadinspect"
    store = Store.open(project)
    try:
        store.add_batch(photos, result.unreadable, result.duplicates, who="self-test")
        recorded = len(store.photos())
    finally:
        store.close()
    if recorded != len(photos):
        raise CheckFailed(f"{len(photos)} photos scanned but {recorded} recorded in {project}")
    state["project"], state["photos"] = project, len(photos)
    return f"{len(photos)} sample photos, {placed} with a position, recorded in a new project"


def _check_analysis(state: dict[str, Any]) -> str:
    from roadinspect.core.pipeline import analyze
    from roadinspect.core.store import Store

    store = Store.open(state["project"], create=False)
    try:
        summary = analyze(store, None, state["segmenter"], who="self-test")
        counts = store.counts()
    finally:
        store.close()
    if summary.failed:
        first = summary.failed[0]
        raise CheckFailed(f"{len(summary.failed)} photo(s) failed, e.g. {first.path}: {first.reason}")
    if summary.analysed != state["photos"] or counts.get("analysed") != state["photos"]:
        raise CheckFailed(f"analysed {summary.analysed} of {state['photos']} photos "
                          f"(the project records {counts.get('analysed')} as analysed)")
    state["findings"] = summary.findings
    rate = summary.analysed / summary.seconds if summary.seconds > 0 else 0.0
    return (f"{summary.analysed} photos analysed ({rate:.1f} photos/s), {summary.findings} findings; "
            f"project counts: {_short_counts(counts)}")


def _short_counts(counts: dict[str, Any]) -> str:
    keys = ("photos", "analysed", "findings")
    shown = {k: counts[k] for k in keys if k in counts}
    return ", ".join(f"{k} {v}" for k, v in shown.items()) or "n/a"


def _check_exports(state: dict[str, Any], work: Path) -> str:
    from roadinspect.core.exports import default_formats, files_of
    from roadinspect.core.exports.project import export_project

    formats = default_formats()
    out = work / "export"
    result = export_project(state["project"], out, formats)
    if result.errors:
        raise CheckFailed("; ".join(str(e) for e in result.errors))
    expected = files_of(formats)
    missing = [name for name in expected if not (out / name).is_file()]
    empty = [name for name in expected if (out / name).is_file() and (out / name).stat().st_size == 0]
    if missing or empty:
        parts = (([f"missing: {', '.join(missing)}"] if missing else [])
                 + ([f"empty: {', '.join(empty)}"] if empty else []))
        raise CheckFailed("; ".join(parts))
    sizes = ", ".join(f"{name} {(out / name).stat().st_size / 1024:.0f} KB" for name in expected)
    return f"{len(expected)} files ({', '.join(formats)}), {result.sites} sites, {result.sections} sections: {sizes}"


def run_selftest(emit: Emit = print, keep: Path | None = None, weights: Path | None = None) -> SelfTestReport:
    """Run every check, printing one line each through ``emit``; return the report.

    ``keep``: write the project and exports there (kept) instead of a temporary folder.
    ``weights``: test this weights file instead of the shipped one.
    """
    from roadinspect import __version__

    started = time.perf_counter()
    emit(f"RoadInspect {__version__} self-test (Python {sys.version.split()[0]}, {sys.platform}"
         f"{', frozen' if getattr(sys, 'frozen', False) else ''})")
    runner = _Runner(emit)
    state: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="roadinspect-selftest-") as tmp:
        work = Path(keep) if keep is not None else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        runner.run("data", (), lambda: _check_data(state))
        runner.run("model", ("data",), lambda: _check_model(state, weights))
        runner.run("import", ("data",), lambda: _check_import(state, work))
        runner.run("analysis", ("model", "import"), lambda: _check_analysis(state))
        runner.run("exports", ("analysis",), lambda: _check_exports(state, work))
    report = runner.report
    report.seconds = time.perf_counter() - started
    if report.ok:
        emit(f"self-test passed: {len(report.checks)} checks in {report.seconds:.1f} s")
    else:
        names = ", ".join(c.name for c in report.checks if c.status != "ok")
        emit(f"self-test FAILED ({names}) after {report.seconds:.1f} s")
    return report


def _emit_stdout(line: str) -> None:
    # A windowed frozen app (Windows, no console) has no stdout: the exit code still tells the result.
    stream = sys.stdout or sys.__stdout__
    if stream is not None:
        print(line, file=stream, flush=True)


def main(keep: Path | None = None, weights: Path | None = None) -> int:
    """Entry point of ``roadinspect --self-test``: 0 when every check passed, 1 otherwise."""
    return 0 if run_selftest(_emit_stdout, keep=keep, weights=weights).ok else 1
