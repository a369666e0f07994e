"""``roadinspect analyze`` and ``roadinspect info``: the inspection core from the command line.

``analyze PHOTOS... --project FILE``: scan the photos (folders recursively), complete positions and
headings (GPX track, interpolation), record them in the project, analyse every photo not yet
analysed by this model, and print a summary. Exit codes: 0 when the batch was processed (even if
some files were unreadable: they are listed with their reason), 1 when no photo was found, 2 for a
project/model/GPX that cannot be used, 130 when interrupted (Ctrl+C; finished photos are kept and a
re-run continues).

``place FILE --gpx TRACK [--clock-offset S]``: place the photos already in a project that have no EXIF
position on a GPX track found after the import (``roadinspect.core.placement``); EXIF positions are
never touched, each photo left unplaced is listed with its reason, findings follow their photo. Exit
codes: 0 done (even with photos left unplaced), 2 for a project or GPX file that cannot be used, 130
when interrupted before the write (nothing is changed).

``info FILE [--json]``: what a project holds (photos, analysed, positions, unreadable files with
their reason, photos the analysis crashed on (``failed``), photos whose file changed or is missing
since import (``changed``), findings, maintenance sites).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadinspect.cli_args import clock_offset
from roadinspect.console import TerminalProgress, format_duration
from roadinspect.core.text import printable, printable_json

if TYPE_CHECKING:
    from datetime import datetime

    from roadinspect.core.camera import ProjectCamera
    from roadinspect.core.photos import ScanResult
    from roadinspect.core.pipeline import AnalysisSummary
    from roadinspect.core.placement import PlacementResult
    from roadinspect.core.segmenter import Segmenter
    from roadinspect.core.store import AddResult, Store
    from roadinspect.core.types import Photo


def _error(message: str) -> int:
    print(f"roadinspect: error: {printable(message)}", file=sys.stderr)
    return 2


def _say(line: str) -> None:
    """Print one line of text output with the control characters of file names escaped."""
    print(printable(line))


class _CancelFlag:
    """First Ctrl+C stops the batch: no new photo is started, the model call under way ends, photos not yet
    recorded are left for the next run; a second one interrupts at once."""

    def __init__(self) -> None:
        self.cancelled = False
        self._previous: Any = None

    def __call__(self) -> bool:
        return self.cancelled

    def _handle(self, signum: int, frame: Any) -> None:
        if self.cancelled:
            raise KeyboardInterrupt
        self.cancelled = True
        print("\nStopping: no new photo is started; photos under way are left for the next run "
              "(Ctrl+C again to interrupt now)...", file=sys.stderr)

    def __enter__(self) -> _CancelFlag:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def run_analyze_command(args: argparse.Namespace) -> int:
    """The ``analyze`` subcommand (see the module docstring)."""
    from roadinspect.cli_cluster import check_cluster_args
    from roadinspect.core.jobs import import_photos
    from roadinspect.core.store import ProjectError, Store
    from roadinspect.core.track import TrackError, load_gpx

    if (problem := check_cluster_args(args)) is not None:
        return _error(problem)
    project = Path(args.project)
    if project.suffix == "":
        project = project.with_suffix(".roadinspect")
    try:
        store = Store.open(project)
    except ProjectError as exc:
        return _error(str(exc))
    cluster = None
    try:
        gpx = None
        if args.gpx is not None:
            try:
                gpx = load_gpx(args.gpx)
            except TrackError as exc:
                return _error(str(exc))
        if getattr(args, "ray", None) is not None:  # reached before the scan: a wrong address costs nothing
            from roadinspect.cli_cluster import open_cluster

            cluster = open_cluster(args)
            if cluster is None:
                return 2
        # one analysis of a project at a time: a second one says the project is busy before importing anything
        with store.analysis_lock(), _CancelFlag() as cancel:
            bar = TerminalProgress("Reading photos", unit="files")
            imported = import_photos(store, args.photos, gpx=gpx, clock_offset_s=args.clock_offset, progress=bar,
                                     is_cancelled=cancel)
            bar.close()
            if imported.cancelled:
                print("Interrupted while reading the photos: nothing was recorded.", file=sys.stderr)
                return 130
            if imported.empty:
                print(f"No JPEG, PNG, TIFF or HEIC photo found in: {', '.join(str(p) for p in args.photos)}",
                      file=sys.stderr)
                return 1
            result, photos, added = imported.scan, imported.photos, imported.added
            summary = None
            if added.photo_ids and cluster is not None:
                bar = TerminalProgress("Analysing", unit="photos")
                summary = cluster.analyze(store, added.photo_ids, bar, cancel, _camera_from_project(store))
                bar.close()
            elif added.photo_ids:
                segmenter = _load_segmenter(args)
                if segmenter is None:
                    return 2
                bar = TerminalProgress("Analysing", unit="photos")
                from roadinspect.core.pipeline import analyze

                summary = analyze(store, added.photo_ids, segmenter, progress=bar, is_cancelled=cancel,
                                  camera=_camera_from_project(store))
                bar.close()
        print(_summary_text(project, photos, result, added, summary, store), file=sys.stdout)
        for line in cluster.lines() if cluster is not None else []:
            _say(line)
        if summary is not None and summary.cancelled:
            return 130
        return 0
    except ProjectError as exc:
        return _error(str(exc))
    except Exception as exc:
        from roadinspect.cluster.session import ClusterError

        if isinstance(exc, ClusterError):  # only raised on the --ray path
            return _error(str(exc))
        raise
    finally:
        store.close()
        if cluster is not None:
            cluster.close()


def _load_segmenter(args: argparse.Namespace) -> Segmenter | None:
    """The model on its backend (``core.jobs.load_segmenter``), or None after an error line."""
    from roadinspect.core.jobs import load_segmenter
    from roadinspect.core.segmenter import ModelError

    try:  # a backend that cannot be used falls back to torch by itself
        return load_segmenter(args.weights, args.device, backend=getattr(args, "backend", None),
                              precision=getattr(args, "precision", None))
    except ModelError as exc:
        _error(str(exc))
        return None


def _camera_from_project(store: Store) -> ProjectCamera | None:
    """The project's camera (``core.camera.ProjectCamera``: its own, and those of camera groups that have their
    own), or None for the default when the project records none."""
    from roadinspect.core.camera import has_camera, read_camera

    return read_camera(store) if has_camera(store) else None


def _summary_text(project: Path, photos: list[Photo], result: ScanResult, added: AddResult,
                  summary: AnalysisSummary | None, store: Store) -> str:
    from roadinspect.core.types import PositionSource

    sources = Counter(p.position_source for p in photos)
    placed = sum(n for s, n in sources.items() if s != PositionSource.NONE)
    lines = [f"Project: {project}"]
    new_or_changed = added.added + added.changed
    lines.append(f"Photos: {len(photos)} ({new_or_changed} new, {added.updated} already in the project)"
                 + (f", {len(result.duplicates)} byte-identical duplicates skipped" if result.duplicates else ""))
    lines.append(f"  with position: {placed} ({sources.get(PositionSource.EXIF, 0)} from EXIF, "
                 f"{sources.get(PositionSource.INTERPOLATED, 0)} interpolated, "
                 f"{sources.get(PositionSource.GPX, 0)} from GPX)")
    lines.append(f"  interpolated: {sources.get(PositionSource.INTERPOLATED, 0)}")
    lines.append(f"  without position: {sources.get(PositionSource.NONE, 0)}")
    unreadable = list(result.unreadable)
    if summary is not None:
        state = "stopped (re-run the same command to continue)" if summary.cancelled else "done"
        lines.append(f"Analysed: {summary.analysed} now, {summary.skipped} already analysed, "
                     f"{len(summary.failed)} failed; {summary.findings} findings; {state} in "
                     f"{format_duration(summary.seconds)} ({summary.photos_per_second:.2f} photos/s)")
        if summary.retried_alone:
            lines.append(f"  retried one at a time: {summary.retried_alone} photo(s) that were being analysed when "
                         "an earlier run stopped (one that crashes the analysis again is left out)")
        unreadable += summary.failed
    counts = store.counts()
    lines.append(f"Project total: {counts['photos']} photos, {counts['analysed']} analysed, "
                 f"{counts['findings']} findings")
    lines.append(f"Unreadable: {len(unreadable)}")
    for bad in unreadable:
        lines.append(f"  {bad.path}: {bad.reason}")
    return "\n".join(printable(line) for line in lines)  # a file name's control characters, escaped


def project_info(path: Path) -> dict[str, Any]:
    """The ``info`` figures of a project file (raises ProjectError)."""
    from roadinspect.core.store import Store

    with Store.open(path, create=False, readonly=True) as store:
        info: dict[str, Any] = {"project": str(Path(path).resolve()), **store.counts()}
        info["sites"] = _count_sites(store)
        from roadinspect.core.split_merge import part_info, review_counts

        info["reviews"] = review_counts(store)
        part = part_info(store)
        info["part"] = None if part is None else {"index": part.index, "of": part.of, "source": part.source,
                                                  "split_at": part.split_at}
    return info


def warn_changed_photos(project: Path) -> int:
    """Print a warning line (stderr) per photo whose file changed or is missing since import; returns their count.

    Their findings and reviews are in the project and in the exports, but the file no longer shows
    what they were made on (``Store.changed``). Silent when the project cannot be read (the caller
    has already reported that).
    """
    from roadinspect.core.store import ProjectError, Store

    try:
        with Store.open(project, create=False, readonly=True) as store:
            changed = store.changed()
    except ProjectError:
        return 0
    for bad in changed:
        print(printable(f"warning: {bad.path}: {bad.reason} (its findings and reviews are kept and exported)"),
              file=sys.stderr)
    return len(changed)


def _count_sites(store: Store) -> int:
    """Maintenance sites, derived from findings and reviews (``roadinspect.core.sites``)."""
    from roadinspect.core.jobs import read_project_data
    from roadinspect.core.maintenance import count_sites

    data = read_project_data(store)
    return int(count_sites(data.photos, data.findings, data.reviews))


def run_info_command(args: argparse.Namespace) -> int:
    """The ``info`` subcommand."""
    from roadinspect.core.store import ProjectError

    try:
        info = project_info(Path(args.project))
    except ProjectError as exc:
        return _error(str(exc))
    if args.json:
        print(printable_json(json.dumps(info, ensure_ascii=False, indent=1)))
        return 0
    _say(f"Project: {info['project']}")
    _say(f"Photos: {info['photos']} ({info['analysed']} analysed, {info['duplicates']} duplicates skipped)")
    _say(f"  with position: {info['with_position']} ({info['position_exif']} EXIF, "
          f"{info['position_interpolated']} interpolated, {info['position_gpx']} GPX); "
          f"without: {info['without_position']}")
    by_class = ", ".join(f"{n} {k}" for k, n in sorted(info["findings_by_class"].items())) or "none"
    _say(f"Findings: {info['findings']} ({by_class}); sites: {info['sites']}")
    reviews = info["reviews"]
    _say(f"Reviews: {reviews['accepted']} accepted, {reviews['corrected']} corrected, {reviews['rejected']} rejected, "
         f"{reviews['pending']} pending; conflicts: {reviews['conflicts']}")
    if info["part"]:
        _say(f"This file is part {info['part']['index']} of {info['part']['of']} of {info['part']['source']} "
             f"(split {info['part']['split_at']}): merge it back with roadinspect merge")
    _say(f"Unreadable: {len(info['unreadable'])}")
    for bad in info["unreadable"]:
        _say(f"  {bad['file']}: {bad['reason']}")
    for key, title in (("failed", "Analysis failed"), ("changed", "Changed or missing since import (findings and "
                                                                  "reviews kept)")):
        if info[key]:
            _say(f"{title}: {len(info[key])}")
            for bad in info[key]:
                _say(f"  {bad['file']}: {bad['reason']}")
    return 0


def run_place_command(args: argparse.Namespace) -> int:
    """The ``place`` subcommand (see the module docstring)."""
    from roadinspect.core.placement import place_project_on_gpx
    from roadinspect.core.store import ProjectError, Store
    from roadinspect.core.track import TrackError

    try:
        store = Store.open(Path(args.project), create=False)
    except ProjectError as exc:
        return _error(str(exc))
    try:
        with _CancelFlag() as cancel:
            bar = TerminalProgress("Moving findings", unit="photos")
            result = place_project_on_gpx(store, args.gpx, args.clock_offset, _camera_from_project(store),
                                          progress=bar, is_cancelled=cancel)
            bar.close()
    except TrackError as exc:
        return _error(str(exc))
    except ProjectError as exc:
        return _error(str(exc))
    finally:
        store.close()
    print("\n".join(printable(line) for line in placement_text(result).splitlines()))
    return 130 if result.cancelled else 0


def placement_text(result: PlacementResult) -> str:
    """The summary ``place`` prints: what moved, what stayed, and the times to check the clock offset."""
    def when(t: datetime | None) -> str:
        return t.strftime("%Y-%m-%d %H:%M:%S") if t is not None else "?"

    if result.cancelled:
        return "Interrupted before writing: the project is unchanged."
    lines = [f"GPX track: {result.gpx} ({when(result.track_start)} to {when(result.track_end)} UTC)",
             f"Photos without EXIF position (camera clock {result.clock_offset_s:+g} s): "
             f"{when(result.photos_start)} to {when(result.photos_end)} UTC",
             f"Placed on the track: {len(result.placed)}; interpolated between them: {len(result.interpolated)}; "
             f"with their own EXIF position (untouched): {result.skipped_exif}",
             f"Photos changed: {result.changed}; findings moved: {result.findings_moved}"]
    if result.kept:
        lines.append(f"Not covered by the track, position kept: {len(result.kept)}")
        lines += [f"  {u.message}" for u in result.kept]
    if result.unplaced:
        lines.append(f"Still without a position: {len(result.unplaced)}")
        lines += [f"  {u.message}" for u in result.unplaced]
    return "\n".join(lines)


def add_analyze_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``analyze``."""
    from roadinspect.core.backends import BACKEND_CHOICES, PRECISIONS  # the names only: no heavy import

    p = sub.add_parser("analyze", help="add photos to a project and analyse them (resumable)")
    p.add_argument("photos", nargs="+", type=Path, help="photo files or folders (scanned recursively)")
    p.add_argument("--project", required=True, type=Path, help="project file (.roadinspect), created if missing")
    p.add_argument("--gpx", type=Path, help="GPX track to place photos that have no GPS position")
    p.add_argument("--clock-offset", type=clock_offset, default=0.0, metavar="SECONDS",
                   help="seconds to add to the camera clock to get true time (for --gpx); naive camera times "
                        "are read in this computer's time zone")
    p.add_argument("--weights", type=Path, help="weights file (default: the shipped model)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--backend", default=None, choices=BACKEND_CHOICES,
                   help="CPU inference backend (default auto: the fastest installed; torch is the reference)")
    p.add_argument("--precision", default=None, choices=PRECISIONS,
                   help="network precision (default auto: bf16 where OpenVINO runs on a CPU with native bf16 "
                        "units, else fp32; see docs/performance.md for the accuracy it costs)")
    from roadinspect.cli_cluster import add_cluster_options

    add_cluster_options(p)
    p.set_defaults(handler=run_analyze_command)


def add_info_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``info``."""
    p = sub.add_parser("info", help="what a project holds (photos, findings, unreadable files, sites)")
    p.add_argument("project", type=Path, help="project file (.roadinspect)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run_info_command)


def add_place_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``place``."""
    p = sub.add_parser("place", help="place a project's photos that have no GPS position on a GPX track")
    p.add_argument("project", type=Path, help="project file (.roadinspect)")
    p.add_argument("--gpx", required=True, type=Path, help="GPX track recorded during the survey")
    p.add_argument("--clock-offset", type=clock_offset, default=0.0, metavar="SECONDS",
                   help="seconds to add to the camera clock to get true time (a camera 30 s slow: 30); naive "
                        "camera times are read in this computer's time zone")
    p.set_defaults(handler=run_place_command)
