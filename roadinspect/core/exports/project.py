"""Write the exports of a project: :func:`export_project` runs the registered formats (:mod:`roadinspect.core.exports`).

``roadinspect export FILE --out DIR [--formats ...]``, the app's Export dialog and the self-test all call
:func:`export_project`, with a project file or with a :class:`~roadinspect.core.maintenance.ProjectData` already
read. Files of the built-in formats: ``sites.csv`` (:mod:`roadinspect.core.exports.sites_csv`), ``sites.geojson``,
``sections.geojson``, ``findings.geojson`` (:mod:`roadinspect.core.exports.geojson`), ``inspection.gpkg``
(:mod:`roadinspect.core.exports.gpkg`), ``report.html`` (:mod:`roadinspect.core.report`) and ``report.pdf``
(:mod:`roadinspect.core.report_pdf`), both from one computation of the report's content (crops encoded once), and the
``training/`` folder (:mod:`roadinspect.core.exports.training_set`).

Every file is written atomically: to a temporary file in the target folder, then ``os.replace``d over
the target, so a reader never sees half a file and a failed export leaves the old file as it was.
A target that another program holds open (Excel locks its CSV on Windows) makes ``os.replace``
fail with ``PermissionError``: that file gets a clear :class:`ExportError` naming it, its old
version stays intact, and the other files are still written. An export is written in two phases: every
file under its temporary name first, then all are moved over the old ones; a file that cannot be
written (a full disk, a writer's error) leaves every old file of the folder as it was, so the folder
always holds one complete export. The output folder is checked for writing before anything is computed.
A folder format (the training set) is written after the files, unless the export was cancelled.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from roadinspect.core.exports import REGISTRY, ExportFile, default_formats, parse_formats
from roadinspect.core.exports.sites_csv import PROFILES
from roadinspect.core.maintenance import MaintenanceList, ProjectData, build_maintenance_list
from roadinspect.core.priority import PriorityWeights
from roadinspect.core.progress import CancelCheck, Progress
from roadinspect.core.report import ExportCancelled, ReportOptions
from roadinspect.core.sections import SectionSettings
from roadinspect.core.sites import SiteSettings

log = logging.getLogger(__name__)


class ExportError(Exception):
    """An export file could not be written; the message names the file and says what to do."""


class EmptyExport(ExportError):
    """A format found nothing to write (``format_name``: its name; the message says why)."""

    def __init__(self, message: str, format_name: str) -> None:
        super().__init__(message)
        self.format_name = format_name


@dataclass
class ExportResult:
    """What an export wrote and what failed (the other files are written even when one fails)."""

    written: list[Path] = field(default_factory=list)
    errors: list[ExportError] = field(default_factory=list)
    sites: int = 0
    sections: int = 0

    @property
    def ok(self) -> bool:
        """True when every requested file was written."""
        return not self.errors


def _temp_path(target: Path) -> Path:
    """A hidden temporary name next to ``target`` that keeps its suffix (fudgeo insists on ``.gpkg``)."""
    return target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")


def _stage(target: Path, write: Callable[[Path], object]) -> Path:
    """Write the new ``target`` to its temporary name through ``write(temp_path)``; returns that path.

    Any failure of the writer (a full disk, a read-only folder, SQLite's own errors from the GeoPackage
    writer, a value JSON cannot hold) is an :class:`ExportError` naming ``target``, and the temporary
    file is removed; ``target`` itself is never touched here.
    """
    tmp = _temp_path(target)
    try:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        write(tmp)
        return tmp
    except ExportCancelled:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    except Exception as exc:  # every writer failure becomes one line naming the file
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError | ExportError):
            _raise_write_error(target, exc)
        log.warning("writing %s failed", target, exc_info=True)
        raise ExportError(f"{target}: cannot write the file: {exc}") from exc


def _raise_write_error(target: Path, exc: BaseException) -> None:
    if isinstance(exc, ExportError):
        raise exc
    if isinstance(exc, PermissionError):
        raise ExportError(
            f"{target}: cannot write the file: it is open in another program (Excel, QGIS, a browser?) "
            f"or the folder is read-only. Close it and export again; the previous version is unchanged. ({exc})"
        ) from exc
    assert isinstance(exc, OSError)
    raise ExportError(f"{target}: cannot write the file: {exc.strerror or exc}") from exc


def _commit(tmp: Path, target: Path) -> None:
    """``os.replace`` the staged ``tmp`` over ``target`` (:class:`ExportError` naming it on failure)."""
    try:
        os.replace(tmp, target)
    except OSError as exc:
        _raise_write_error(target, exc)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_atomic(target: Path, write: Callable[[Path], object]) -> None:
    """Write ``target`` through ``write(temp_path)`` then ``os.replace``; :class:`ExportError` on failure.

    The temporary file lies in the target's folder (so the replace is atomic) and is removed when
    anything fails; the old target is then untouched.
    """
    target = Path(target)
    _commit(_stage(target, write), target)


def check_writable(folder: Path) -> None:
    """Create ``folder`` if needed and check a file can be created in it; :class:`ExportError` otherwise."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".roadinspect-write-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ExportError(f"{folder}: cannot write in this folder ({reason}); choose another output folder") from exc


def write_bytes_atomic(target: Path, payload: bytes) -> None:
    """Atomically write ``payload`` to ``target``."""
    write_atomic(target, lambda tmp: tmp.write_bytes(payload))


@dataclass
class ExportJob:
    """One export under way, as the writers of :mod:`roadinspect.core.exports` see it."""

    data: ProjectData
    out_dir: Path
    csv_profile: str = "excel-fr"
    weights: PriorityWeights | None = None
    site_settings: SiteSettings | None = None
    section_settings: SectionSettings | None = None
    report: ReportOptions | None = None
    progress: Progress | None = None
    is_cancelled: CancelCheck | None = None
    result: ExportResult = field(default_factory=ExportResult)
    _mlist: MaintenanceList | None = None

    @property
    def mlist(self) -> MaintenanceList:
        """The maintenance list of :attr:`data` (built at first use, once)."""
        if self._mlist is None:
            self._mlist = build_maintenance_list(self.data, self.weights, self.site_settings, self.section_settings)
        return self._mlist

    def cancelled(self) -> bool:
        """True when the caller asked to stop."""
        return self.is_cancelled is not None and self.is_cancelled()


def export_project(
    project: ProjectData | Path | str,
    out_dir: Path,
    formats: Iterable[str] | None = None,
    csv_profile: str = "excel-fr",
    weights: PriorityWeights | None = None,
    progress: Progress | None = None,
    is_cancelled: CancelCheck | None = None,
    site_settings: SiteSettings | None = None,
    section_settings: SectionSettings | None = None,
    mlist: MaintenanceList | None = None,
    report: ReportOptions | None = None,
) -> ExportResult:
    """Write the exports ``formats`` (default: :func:`~roadinspect.core.exports.default_formats`) of ``project``
    (a project file, read-only, or its data already read) into ``out_dir`` (created if needed).

    ``progress(done, total)`` counts files (then the training set's photos); ``is_cancelled()`` is checked between
    files (and between the report's crops): files already written stay. ``report`` sets the report's language,
    number of cards and whether rejected findings are listed (default: French, 50 cards, no rejected). ``mlist``:
    the maintenance list of the data, when the caller has it already.

    Raises:
        ValueError: an unknown format or CSV profile. ExportError: the output folder cannot be written.
        ``roadinspect.core.store.ProjectError``: the project file cannot be read.
    """
    names = parse_formats(list(default_formats() if formats is None else formats))
    if csv_profile not in PROFILES:
        raise ValueError(f"unknown CSV profile {csv_profile!r}; choose from {', '.join(PROFILES)}")
    out_dir = Path(out_dir)
    check_writable(out_dir)  # before anything is read, computed or written
    if isinstance(project, ProjectData):
        data = project
    else:
        from roadinspect.core.jobs import load_project_data

        data = load_project_data(Path(project))
    job = ExportJob(data, out_dir, csv_profile, weights, site_settings, section_settings, report, progress,
                    is_cancelled, _mlist=mlist)
    chosen = [REGISTRY[name] for name in names]
    if any(fmt.needs_list for fmt in chosen):
        job.result.sites, job.result.sections = job.mlist.site_count, len(job.mlist.sections)
    files = [f for fmt in chosen if fmt.files_writer is not None for f in fmt.files_writer(job)]
    _write_files(job, files)
    for fmt in chosen:
        if fmt.folder_writer is not None and not job.cancelled():
            fmt.folder_writer(job)
    return job.result


def _write_files(job: ExportJob, files: list[ExportFile]) -> None:
    """Two phases, so that a failed export leaves the previous one complete: every file is first written under a
    temporary name; only when all were written are they moved over the old ones. A file that cannot be replaced
    (held open by Excel) keeps its old version and the others are still replaced."""
    result = job.result
    staged: list[tuple[Path, Path]] = []
    try:
        for done, file in enumerate(files):
            if job.cancelled():
                break  # the files finished before the cancel are kept
            target = job.out_dir / file.name
            try:
                staged.append((_stage(target, file.write), target))
            except ExportError as exc:
                result.errors.append(exc)
            except ExportCancelled:
                break
            if job.progress is not None:
                job.progress(done + 1, len(files))
        if result.errors:
            return  # nothing replaced: the previous export stays as it was
        for tmp, target in staged:
            try:
                _commit(tmp, target)
                result.written.append(target)
            except ExportError as exc:
                result.errors.append(exc)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
