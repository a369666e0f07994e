"""Exports of the maintenance list: ``roadinspect export FILE --out DIR [--formats ...] [--csv-profile ...]``.

Files: ``sites.csv`` (:mod:`export_csv`), ``sites.geojson``, ``sections.geojson``, ``findings.geojson``
(:mod:`export_geojson`), ``inspection.gpkg`` (:mod:`export_gpkg`), ``report.html`` (:mod:`report`) and
``report.pdf`` (:mod:`report_pdf`), both from one computation of the report's content (crops encoded once).

Every file is written atomically: to a temporary file in the target folder, then ``os.replace``d over
the target, so a reader never sees half a file and a failed export leaves the old file as it was.
A target that another program holds open (Excel locks its CSV on Windows) makes ``os.replace``
fail with ``PermissionError``: that file gets a clear :class:`ExportError` naming it, its old
version stays intact, and the other files are still written. An export is written in two phases: every
file under its temporary name first, then all are moved over the old ones; a file that cannot be
written (a full disk, a writer's error) leaves every old file of the folder as it was, so the folder
always holds one complete export. The output folder is checked for writing before anything is computed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from roadinspect.core.export_csv import PROFILES, sites_csv
from roadinspect.core.export_geojson import findings_geojson, sections_geojson, sites_geojson
from roadinspect.core.export_gpkg import write_gpkg
from roadinspect.core.maintenance import MaintenanceList, ProjectData, build_maintenance_list
from roadinspect.core.priority import PriorityWeights
from roadinspect.core.report import ExportCancelled, ReportContent, ReportOptions, build_report, render_html
from roadinspect.core.sections import SectionSettings
from roadinspect.core.sites import SiteSettings
from roadinspect.core.types import Finding, Photo, Review

FORMATS = ("csv", "geojson", "gpkg", "report")
FILES = {
    "csv": ("sites.csv",),
    "geojson": ("sites.geojson", "sections.geojson", "findings.geojson"),
    "gpkg": ("inspection.gpkg",),
    "report": ("report.html", "report.pdf"),
}

Progress = Callable[[int, int], None]
log = logging.getLogger(__name__)


class ExportError(Exception):
    """An export file could not be written; the message names the file and says what to do."""


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


def _stage(target: Path, write: Callable[[Path], None]) -> Path:
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


def write_atomic(target: Path, write: Callable[[Path], None]) -> None:
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


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    """Formats from ``csv,geojson`` (or a list); ``ValueError`` naming an unknown one."""
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    unknown = [t for t in items if t not in FORMATS]
    if unknown:
        raise ValueError(f"unknown export format(s): {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    if not items:
        raise ValueError(f"no export format given; choose from {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(items))


def export_data(
    data: ProjectData,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    csv_profile: str = "excel-fr",
    weights: PriorityWeights | None = None,
    progress: Progress | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    site_settings: SiteSettings | None = None,
    section_settings: SectionSettings | None = None,
    mlist: MaintenanceList | None = None,
    report: ReportOptions | None = None,
) -> ExportResult:
    """Write the requested export files of ``data`` into ``out_dir`` (created if needed).

    ``progress(done, total)`` counts files; ``is_cancelled()`` is checked between files (and between
    the report's crops): files already written stay. ``report`` sets the report's language, number
    of cards and whether rejected findings are listed (default: French, 50 cards, no rejected).
    """
    formats = parse_formats(list(formats))
    if csv_profile not in PROFILES:
        raise ValueError(f"unknown CSV profile {csv_profile!r}; choose from {', '.join(PROFILES)}")
    out_dir = Path(out_dir)
    check_writable(out_dir)  # before anything is computed or written
    if mlist is None:
        mlist = build_maintenance_list(data, weights, site_settings, section_settings)
    result = ExportResult(sites=mlist.site_count, sections=len(mlist.sections))
    jobs: list[tuple[str, Callable[[Path], None]]] = []
    if "csv" in formats:
        jobs.append(("sites.csv", lambda p: p.write_bytes(sites_csv(mlist, csv_profile))))
    if "geojson" in formats:
        jobs.append(("sites.geojson", lambda p: p.write_bytes(sites_geojson(mlist))))
        jobs.append(("sections.geojson", lambda p: p.write_bytes(sections_geojson(mlist))))
        jobs.append(("findings.geojson", lambda p: p.write_bytes(findings_geojson(data, mlist))))
    if "gpkg" in formats:
        jobs.append(("inspection.gpkg", lambda p: write_gpkg(p, data, mlist)))
    if "report" in formats:
        options = report or ReportOptions()
        content: list[ReportContent] = []

        def report_content() -> ReportContent:
            if not content:
                content.append(build_report(data, mlist, options, is_cancelled=is_cancelled,
                                            section_settings=section_settings))
            return content[0]

        def write_pdf(path: Path) -> None:
            from roadinspect.core.report_pdf import render_pdf

            path.write_bytes(render_pdf(report_content()))

        jobs.append(("report.html", lambda p: p.write_bytes(render_html(report_content()))))
        jobs.append(("report.pdf", write_pdf))
    # Two phases, so that a failed export leaves the previous one complete: every file is first written
    # under a temporary name; only when all were written are they moved over the old ones. A file that
    # cannot be replaced (held open by Excel) keeps its old version and the others are still replaced.
    staged: list[tuple[Path, Path]] = []
    try:
        for done, (name, write) in enumerate(jobs):
            if is_cancelled is not None and is_cancelled():
                break  # the files finished before the cancel are kept
            target = out_dir / name
            try:
                staged.append((_stage(target, write), target))
            except ExportError as exc:
                result.errors.append(exc)
            except ExportCancelled:
                break
            if progress is not None:
                progress(done + 1, len(jobs))
        if result.errors:
            return result  # nothing replaced: the previous export stays as it was
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
    return result


def load_project_data(store_path: Path) -> ProjectData:
    """Photos (usable ones), findings and latest reviews of a project file, opened read-only.

    Raises ``roadinspect.core.store.ProjectError`` (naming the file) when it cannot be read.
    """
    from roadinspect.core.store import CHANGED_REASON, Store

    store = Store.open(store_path, create=False, readonly=True)
    try:
        photos: dict[int, Photo] = {r.id: r.photo for r in store.photos() if r.photo is not None}
        changed = {r.id: CHANGED_REASON for r in store.photos() if r.replaced_by is not None}
        findings: list[Finding] = []
        reviews: dict[int, Review] = {}
        for rf in store.findings():
            if rf.finding.photo_id not in photos:
                continue  # a finding of a photo that is no longer usable (unreadable since)
            findings.append(rf.finding)
            if rf.review is not None and rf.finding.id is not None:
                reviews[rf.finding.id] = rf.review
        models = analysed_models(store.photos(), store.analyses())
    finally:
        store.close()
    return ProjectData(photos=photos, findings=findings, reviews=reviews, name=Path(store_path).stem, models=models,
                       changed=changed)


def analysed_models(records: Iterable[object], analyses: Iterable[object]) -> dict[str, int]:
    """Model name -> number of usable photos whose findings it recorded (``Store.photos()``/``analyses()``)."""
    names = {a.id: a.model_name for a in analyses}  # type: ignore[attr-defined]
    counts: dict[str, int] = {}
    for r in records:
        aid = getattr(r, "analysis_id", None)
        if aid is not None and getattr(r, "usable", True) and aid in names:
            counts[names[aid]] = counts.get(names[aid], 0) + 1
    return counts


def export_project(
    store_path: Path,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    csv_profile: str = "excel-fr",
    weights: PriorityWeights | None = None,
    progress: Progress | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    site_settings: SiteSettings | None = None,
    section_settings: SectionSettings | None = None,
    report: ReportOptions | None = None,
) -> ExportResult:
    """Read a project file and write its exports (see :func:`export_data`)."""
    check_writable(Path(out_dir))  # an output folder that cannot be written is said first, before reading
    data = load_project_data(Path(store_path))
    return export_data(data, out_dir, formats, csv_profile, weights, progress, is_cancelled,
                       site_settings, section_settings, report=report)
