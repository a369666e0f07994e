"""The inspector's workflows as plain functions, shared by the command line, the app, the benchmarks and the cluster.

Each job takes ``progress`` and ``is_cancelled`` (:mod:`roadinspect.core.progress`) where it is long, never prints,
never imports Qt, and returns what it did; the callers only show it (``roadinspect.cli_inspect``,
``roadinspect.gui.project``, ``roadinspect.benchmarks``). Here:

* :func:`load_segmenter`: the model on the fastest installed backend, as ``roadinspect analyze``, the app's
  analysis process and the benchmarks run it (``Segmenter.load`` then ``backends.accelerate``);
* :func:`import_photos`: scan files and folders, complete the track (GPX, interpolation, headings), record the batch;
  a cancelled scan records nothing;
* :func:`load_project_data`, :func:`read_project_data`, :func:`project_data`: a project's photos, findings and
  latest reviews as a :class:`~roadinspect.core.maintenance.ProjectData` (the maintenance list, ``info``, the
  exports, the report, publishing).

The other steps are core functions of their own modules, called the same way by every caller: the project's camera
(``camera.read_camera``), placing photos on a GPX track found later (``placement.place_project_on_gpx``), the
analysis (``pipeline.analyze``; the app runs it in a child process, ``analysis_process.analyse_in_child``), the
maintenance list (``maintenance.build_maintenance_list``) and the exports (``exports.project.export_project``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from roadinspect.core.maintenance import ProjectData
from roadinspect.core.photos import ScanResult
from roadinspect.core.progress import CancelCheck, Progress
from roadinspect.core.types import Finding, Photo, Review

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from roadinspect.core.review import ReviewedFinding
    from roadinspect.core.segmenter import Segmenter
    from roadinspect.core.store import AddResult, AnalysisRecord, PhotoRecord, Store
    from roadinspect.core.track import GpxTrack


def load_segmenter(weights: Path | None = None, device: str = "auto", *, backend: str | None = None,
                   precision: str | None = None, threads: int | None = None,
                   max_side: int | None = None) -> Segmenter:
    """The model (default: the shipped weights) on the fastest installed backend, checked and ready to predict.

    ``backend`` and ``precision``: ``None`` for the defaults (``ROADINSPECT_BACKEND`` / ``ROADINSPECT_PRECISION``,
    else ``auto``: chosen by measurement on this CPU, torch on a GPU); a backend that cannot be used falls back to
    torch and says why in ``segmenter.backend.note``. ``threads``, ``max_side``: see ``Segmenter.load``.

    Raises:
        ModelError: missing or malformed weights; ModelIntegrityError: weights that do not match their checksum.
    """
    from roadinspect.core.backends import accelerate
    from roadinspect.core.segmenter import Segmenter

    segmenter = Segmenter.load(weights, device=device, threads=threads, max_side=max_side)
    accelerate(segmenter, backend=backend, threads=threads, precision=precision)
    return segmenter


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_photos` did: the scan (unreadable files, duplicates), the photos with their completed
    positions and headings, and what the store recorded (``recorded`` False: nothing, see :func:`import_photos`)."""

    scan: ScanResult
    photos: list[Photo]
    added: AddResult
    recorded: bool
    cancelled: bool = False

    @property
    def empty(self) -> bool:
        """True when the inputs hold no photo, no unreadable file and no duplicate."""
        return not self.scan.photos and not self.scan.unreadable and not self.scan.duplicates


def import_photos(store: Store, inputs: Sequence[Path], who: str = "", *, gpx: GpxTrack | None = None,
                  clock_offset_s: float = 0.0, progress: Progress | None = None,
                  is_cancelled: CancelCheck | None = None) -> ImportResult:
    """Scan ``inputs`` (files, folders recursively; no pixel decoding), complete the track (``gpx``: a track for the
    photos without GPS, with the camera clock's offset; then interpolation and headings) and record the batch in one
    transaction.

    ``progress(done, total, file_name)`` per file scanned. Nothing is recorded when the scan was cancelled by
    ``is_cancelled()`` (``cancelled``) or found nothing at all (``empty``: no import in the audit log).
    """
    from roadinspect.core.photos import scan
    from roadinspect.core.store import AddResult
    from roadinspect.core.track import complete_track

    result = scan(inputs, progress=progress, is_cancelled=is_cancelled)
    cancelled = is_cancelled is not None and is_cancelled()
    imported = ImportResult(result, list(result.photos), AddResult([]), recorded=False, cancelled=cancelled)
    if cancelled or imported.empty:
        return imported
    photos = complete_track(result.photos, gpx, clock_offset_s=clock_offset_s)
    added = store.add_batch(photos, result.unreadable, result.duplicates, who=who)
    return ImportResult(result, photos, added, recorded=True)


def project_data(records: Iterable[PhotoRecord], findings: Iterable[ReviewedFinding],
                 analyses: Iterable[AnalysisRecord], name: str = "") -> ProjectData:
    """The data the maintenance list and the exports read, from what the store holds.

    Photos: the usable ones (readable, not a byte-identical duplicate). Findings: those of a usable photo (one
    of a photo that is no longer readable is left out), each with its latest review. ``models``: each model
    that recorded findings and on how many usable photos; ``changed``: the photos whose file changed or went
    missing since import (their findings count; their file is not shown under them).
    """
    from roadinspect.core.store import CHANGED_REASON

    usable = [r for r in records if r.usable]
    photos: dict[int, Photo] = {r.id: r.photo for r in usable if r.photo is not None}
    changed = {r.id: CHANGED_REASON for r in usable if r.replaced_by is not None}
    kept: list[Finding] = []
    reviews: dict[int, Review] = {}
    for rf in findings:
        if rf.finding.photo_id not in photos:
            continue
        kept.append(rf.finding)
        if rf.review is not None and rf.finding.id is not None:
            reviews[rf.finding.id] = rf.review
    return ProjectData(photos=photos, findings=kept, reviews=reviews, name=name,
                       models=analysed_models(usable, analyses), changed=changed)


def analysed_models(records: Iterable[PhotoRecord], analyses: Iterable[AnalysisRecord]) -> dict[str, int]:
    """Model name -> number of usable photos whose findings it recorded (``Store.photos()``/``analyses()``)."""
    names = {a.id: a.model_name for a in analyses}
    counts: dict[str, int] = {}
    for r in records:
        if r.analysis_id is not None and r.usable and r.analysis_id in names:
            counts[names[r.analysis_id]] = counts.get(names[r.analysis_id], 0) + 1
    return counts


def read_project_data(store: Store) -> ProjectData:
    """:func:`project_data` of an open project (named after its file)."""
    return project_data(store.photos(), store.findings(), store.analyses(), name=Path(store.path).stem)


def load_project_data(store_path: Path) -> ProjectData:
    """:func:`project_data` of a project file, opened read-only.

    Raises ``roadinspect.core.store.ProjectError`` (naming the file) when it cannot be read.
    """
    from roadinspect.core.store import Store

    with Store.open(store_path, create=False, readonly=True) as store:
        return read_project_data(store)
