"""The export formats of a project, declared once: ``roadinspect export`` and the app's Export dialog read them here.

Each :class:`ExportFormat` says its name (``--formats csv,report``), the files it writes in the output folder, its
label (English; the app shows it translated, see ``roadinspect.gui.dialogs.EXPORT_TEXTS``), whether a plain export
writes it (``default``) and its writer. Adding a format is one :func:`register` call: the command line's choices and
help, the dialog's check boxes and :func:`~roadinspect.core.exports.project.export_project` follow.

Two kinds of writers:

* ``files``: returns the :class:`ExportFile` list of the format (a name in the output folder and a function writing
  it to a temporary path); every file of every such format is staged first, then all are moved over the old ones,
  so a failed export leaves the previous one complete (:mod:`roadinspect.core.exports.project`);
* ``folder``: writes a folder of its own after the files (the training set: one image and one mask per photo, with
  progress per photo), recording what it wrote and what it left out in the :class:`ExportJob`'s result.

This module imports nothing heavy (the command line builds its ``--help`` from it); the writers import their modules
when they run. The built-in formats: ``csv`` (:mod:`roadinspect.core.exports.sites_csv`), ``geojson``
(:mod:`roadinspect.core.exports.geojson`), ``gpkg`` (:mod:`roadinspect.core.exports.gpkg`), ``report``
(:mod:`roadinspect.core.report`, :mod:`roadinspect.core.report_pdf`) and ``training`` (the reviewed photos as a
training set, :mod:`roadinspect.core.exports.training_set`; not part of a plain export).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from roadinspect.core.exports.project import ExportJob


@dataclass(frozen=True)
class ExportFile:
    """One file of an export: its name in the output folder and ``write(temporary_path)``."""

    name: str
    write: Callable[[Path], object]


@dataclass(frozen=True)
class ExportFormat:
    """One export format (see the module docstring).

    ``files``: what it writes, relative to the output folder (a name ending in ``/`` is a folder). ``label``: the
    English label (the dialog's check box, translated there). ``files_writer`` or ``folder_writer``: exactly one.
    ``default``: written by ``roadinspect export`` without ``--formats`` and ticked in the dialog.
    ``needs_list``: the writer reads the maintenance list (built once per export, only when a format needs it).
    """

    name: str
    files: tuple[str, ...]
    label: str
    files_writer: Callable[[ExportJob], list[ExportFile]] | None = None
    folder_writer: Callable[[ExportJob], None] | None = None
    default: bool = True
    needs_list: bool = True

    def __post_init__(self) -> None:
        if (self.files_writer is None) == (self.folder_writer is None):
            raise ValueError(f"export format {self.name!r}: give either files_writer or folder_writer")
        if not self.name or self.name != self.name.strip().lower() or "," in self.name:
            raise ValueError(f"export format name {self.name!r}: lower case, no comma or space")


REGISTRY: dict[str, ExportFormat] = {}
"""Every registered format by name, in the order of the dialog and of an export."""


def register(fmt: ExportFormat) -> ExportFormat:
    """Add (or replace) a format; returns it."""
    REGISTRY[fmt.name] = fmt
    return fmt


def export_formats() -> tuple[ExportFormat, ...]:
    """The registered formats, in order."""
    return tuple(REGISTRY.values())


def format_names() -> tuple[str, ...]:
    """The names of the registered formats, in order."""
    return tuple(REGISTRY)


def default_formats() -> tuple[str, ...]:
    """The formats a plain export writes (``roadinspect export`` without ``--formats``)."""
    return tuple(name for name, fmt in REGISTRY.items() if fmt.default)


def files_of(names: Iterable[str]) -> list[str]:
    """The files (and folders) the formats ``names`` write, in order."""
    return [file for name in names for file in REGISTRY[name].files]


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    """Formats from ``csv,geojson`` (or a list), in the order given, repeats dropped; ``ValueError`` naming an
    unknown one."""
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    choices = ", ".join(REGISTRY)
    unknown = [t for t in items if t not in REGISTRY]
    if unknown:
        raise ValueError(f"unknown export format(s): {', '.join(unknown)}; choose from {choices}")
    if not items:
        raise ValueError(f"no export format given; choose from {choices}")
    return tuple(dict.fromkeys(items))


# ---------------------------------------------------------------------------- the built-in formats
def _csv(job: ExportJob) -> list[ExportFile]:
    from roadinspect.core.exports.sites_csv import sites_csv

    mlist, profile = job.mlist, job.csv_profile
    return [ExportFile("sites.csv", lambda p: p.write_bytes(sites_csv(mlist, profile)))]


def _geojson(job: ExportJob) -> list[ExportFile]:
    from roadinspect.core.exports.geojson import findings_geojson, sections_geojson, sites_geojson

    data, mlist = job.data, job.mlist
    return [ExportFile("sites.geojson", lambda p: p.write_bytes(sites_geojson(mlist))),
            ExportFile("sections.geojson", lambda p: p.write_bytes(sections_geojson(mlist))),
            ExportFile("findings.geojson", lambda p: p.write_bytes(findings_geojson(data, mlist)))]


def _gpkg(job: ExportJob) -> list[ExportFile]:
    from roadinspect.core.exports.gpkg import write_gpkg

    data, mlist = job.data, job.mlist
    return [ExportFile("inspection.gpkg", lambda p: write_gpkg(p, data, mlist))]


def _report(job: ExportJob) -> list[ExportFile]:
    from roadinspect.core.report import ReportContent, ReportOptions, build_report, render_html

    options = job.report or ReportOptions()
    content: list[ReportContent] = []

    def report_content() -> ReportContent:  # computed once for both files (crops encoded once)
        if not content:
            content.append(build_report(job.data, job.mlist, options, is_cancelled=job.is_cancelled,
                                        section_settings=job.section_settings))
        return content[0]

    def write_pdf(path: Path) -> None:
        from roadinspect.core.report_pdf import render_pdf

        path.write_bytes(render_pdf(report_content()))

    return [ExportFile("report.html", lambda p: p.write_bytes(render_html(report_content()))),
            ExportFile("report.pdf", write_pdf)]


TRAINING_EMPTY = "Training set: no photo is completely reviewed with a correction yet."
"""The error of a training set export that found no photo to write (the app shows it translated)."""


def _training(job: ExportJob) -> None:
    from roadinspect.core.exports.project import EmptyExport, ExportError
    from roadinspect.core.exports.training_set import export_training_set

    data = job.data
    training = export_training_set(data.photos, data.findings, data.reviews, job.out_dir / "training",
                                   project=data.name or "project", progress=job.progress,
                                   is_cancelled=job.is_cancelled)
    job.result.written += training.written if training.stems else []
    job.result.errors += [ExportError(f"{path}: {reason}") for path, reason in training.skipped]
    if not training.stems:
        job.result.errors.append(EmptyExport(TRAINING_EMPTY, "training"))


register(ExportFormat("csv", ("sites.csv",), "Maintenance list, CSV (Excel)", files_writer=_csv))
register(ExportFormat("geojson", ("sites.geojson", "sections.geojson", "findings.geojson"), "GeoJSON (QGIS)",
                      files_writer=_geojson))
register(ExportFormat("gpkg", ("inspection.gpkg",), "GeoPackage (QGIS)", files_writer=_gpkg))
register(ExportFormat("report", ("report.html", "report.pdf"), "Supervisor's report (HTML)", files_writer=_report))
register(ExportFormat("training", ("training/",), "Training set of the corrections (images/ + masks/)",
                      folder_writer=_training, default=False, needs_list=False))

__all__ = ["REGISTRY", "TRAINING_EMPTY", "ExportFile", "ExportFormat", "default_formats", "export_formats",
           "files_of", "format_names", "parse_formats", "register"]
