"""The open project as the window sees it: the store, its single-writer lock, and cached rows.

:class:`ProjectSession` wraps ``roadinspect.core.store.Store``: it keeps the photo rows and findings the
views show, re-reads one photo when the analysis reports it, and offers the few write operations the
undo commands need, each durable at once (one store transaction). Long work runs in the worker through
the plain functions at the bottom (:func:`import_photos`, :func:`place_on_gpx`, :func:`analyse_project`,
:func:`compute_maintenance`), which take ``progress`` and ``is_cancelled`` like the core does.

Single writer: a ``QLockFile`` beside the project (``<file>.lock``, holding the process id and host
name) keeps a second window, or a second PC on a network share, from opening it for writing;
:func:`lock_project` raises :class:`ProjectLocked` with a message saying who holds it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QLockFile, QObject, Signal

from roadinspect.core.camera import ProjectCamera, read_camera
from roadinspect.core.geo import CameraModel
from roadinspect.core.maintenance import MaintenanceList, ProjectData, build_maintenance_list
from roadinspect.core.photos import ScanResult
from roadinspect.core.placement import PlacementResult, place_project_on_gpx
from roadinspect.core.priority import PriorityWeights
from roadinspect.core.progress import CancelCheck
from roadinspect.core.review import ReviewedFinding
from roadinspect.core.sections import SectionSettings
from roadinspect.core.sites import time_key
from roadinspect.core.store import AddResult, PhotoRecord, Store
from roadinspect.core.types import Finding, Review, ReviewStatus
from roadinspect.gui.models import PhotoRow

if TYPE_CHECKING:
    from roadinspect.core.segmenter import Segmenter

UI_STATE_KEY = "ui.state"
"""Project meta key of the view state (current photo and finding, filters)."""


class ProjectLocked(Exception):
    """The project is open for writing elsewhere; the message says where."""


def lock_project(path: Path) -> QLockFile:
    """Take the project's single-writer lock (a stale lock of a dead process is taken over).

    Raises:
        ProjectLocked: another RoadInspect holds it (the message names the process and computer),
            or the lock file cannot be created (read-only folder).
    """
    lock = QLockFile(str(path) + ".lock")
    lock.setStaleLockTime(0)  # only a lock whose process is gone is stale, however old
    if lock.tryLock(200):
        return lock
    if lock.error() == QLockFile.LockError.LockFailedError:
        got = lock.getLockInfo()  # (pid, host name, app name) in PySide6; older bindings prepend a bool
        info = tuple(got[1:]) if len(got) == 4 else tuple(got) if isinstance(got, tuple) else ()
        who = (QCoreApplication.translate("Project", "process {pid} on {host}").format(pid=info[0], host=info[1] or "?")
               if len(info) >= 2 and info[0] else QCoreApplication.translate("Project", "another program"))
        raise ProjectLocked(QCoreApplication.translate(
            "Project", "{file} is already open in RoadInspect ({who}). Close it there first, or open it "
                       "read-only.").format(file=path.name, who=who))
    raise ProjectLocked(QCoreApplication.translate(
        "Project", "{file}: cannot create the lock file {lock} (is the folder read-only?). Open it read-only, or "
                   "copy the project to a writable folder.").format(file=path.name, lock=path.name + ".lock"))


Snapshot = tuple[list[PhotoRecord], list[ReviewedFinding]]
"""Every photo record and every finding of a project, read in one go."""


def read_snapshot(store: Store) -> Snapshot:
    """Read every photo (duplicates included) and finding of the project (may run in a worker)."""
    return store.photos(usable_only=False), store.findings()


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: the scan (unreadable files, duplicates), what the store recorded, and the
    project as it is afterwards (read in the worker, so the window never waits for the file)."""

    scan: ScanResult
    added: AddResult
    snapshot: Snapshot


class ProjectSession(QObject):
    """An open project (see the module docstring)."""

    photoChanged = Signal(int)
    photosReset = Signal()

    def __init__(self, store: Store, lock: QLockFile | None, reviewer: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.lock = lock
        self.reviewer = reviewer
        self._records: dict[int, PhotoRecord] = {}
        self._findings: dict[int, list[ReviewedFinding]] = {}
        self._order: list[int] = []
        self._guard = threading.RLock()
        self.reload()

    @classmethod
    def open(cls, path: Path, reviewer: str = "", readonly: bool = False, create: bool = True) -> ProjectSession:
        """Lock (unless read-only) and open a project.

        Raises:
            ProjectLocked: open for writing elsewhere. ProjectError: not a usable project file.
        """
        path = Path(path).absolute()
        lock = None if readonly else lock_project(path)
        try:
            store = Store.open(path, create=create, readonly=readonly)
        except BaseException:
            if lock is not None:
                lock.unlock()
            raise
        return cls(store, lock, reviewer)

    @property
    def path(self) -> Path:
        """The project file."""
        return self.store.path

    @property
    def readonly(self) -> bool:
        """True when opened read-only (no decisions can be recorded)."""
        return self.store.readonly

    def close(self) -> None:
        """Close the store and release the lock (every decision is already committed)."""
        self.store.close()
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None

    # ------------------------------------------------------------------ reading
    def reload(self, snapshot: Snapshot | None = None) -> None:
        """Re-read every photo and finding (``snapshot``: already read in a worker, see :func:`read_snapshot`)."""
        records_list, findings_list = snapshot if snapshot is not None else read_snapshot(self.store)
        records = {r.id: r for r in records_list if r.duplicate_of is None}
        findings: dict[int, list[ReviewedFinding]] = {pid: [] for pid in records}
        for rf in findings_list:
            findings.setdefault(rf.photo_id, []).append(rf)
        with self._guard:
            self._records, self._findings = records, findings
            self._order = sorted(records, key=lambda pid: self._sort_key(records[pid]))
        self.photosReset.emit()

    @staticmethod
    def _sort_key(record: PhotoRecord) -> tuple[float, str]:
        when = record.photo.taken_at if record.photo is not None else None
        return time_key(when), record.stored_path

    def reload_photo(self, photo_id: int) -> None:
        """Re-read one photo and its findings (after a decision), then ``photoChanged``."""
        self.update_photo(self.store.photo(photo_id), self.store.findings(photo_id))

    def update_photo(self, record: PhotoRecord, findings: list[ReviewedFinding]) -> None:
        """Take a photo's record and findings read elsewhere (the analysis worker), then ``photoChanged``."""
        photo_id = record.id
        with self._guard:
            new = photo_id not in self._records
            self._records[photo_id] = record
            self._findings[photo_id] = list(findings)
            if new:
                self._order = sorted(self._records, key=lambda pid: self._sort_key(self._records[pid]))
        self.photoChanged.emit(photo_id)

    def photo_ids(self) -> list[int]:
        """Every photo id in time order (then path): the order of next/previous."""
        return list(self._order)

    def record(self, photo_id: int) -> PhotoRecord:
        """The store's record of a photo."""
        return self._records[photo_id]

    def findings(self, photo_id: int) -> list[ReviewedFinding]:
        """The findings of a photo with their latest review, in id order."""
        return list(self._findings.get(photo_id, []))

    def finding(self, finding_id: int) -> ReviewedFinding:
        """One finding (from the cache; KeyError when unknown)."""
        for items in self._findings.values():
            for rf in items:
                if rf.finding.id == finding_id:
                    return rf
        raise KeyError(finding_id)

    def row(self, photo_id: int) -> PhotoRow:
        """The photo list's row of a photo."""
        record = self._records[photo_id]
        items = self._findings.get(photo_id, [])
        decided = sum(1 for rf in items if rf.status != ReviewStatus.PENDING)
        if record.photo is None or (record.error and record.analysis_id is None):
            state = "error"
        elif record.analysis_id is None:
            state = "pending"
        elif record.error:
            state = "error"
        else:
            state = "reviewed" if decided == len(items) else "analysed"
        kinds = frozenset(eff.kind for rf in items if (eff := rf.effective) is not None)
        note = record.error or ""
        if record.failure:  # the analysis crashed the process on it twice (core.store.CRASH_REASON)
            state = "error" if record.analysis_id is None else state
            note = QCoreApplication.translate(
                "Project", "The analysis crashed on this photo (twice); it was left out and the batch went on.")
        if record.replaced_by is not None:  # core.store.CHANGED_REASON
            note = QCoreApplication.translate(
                "Project", "File changed or missing since import: this record keeps its findings and reviews, "
                           "but the file now holds another photo.")
        return PhotoRow(photo_id, record.path, record.photo, state, len(items), decided, kinds, note)

    def rows(self) -> list[PhotoRow]:
        """Every photo's row, in time order."""
        return [self.row(pid) for pid in self._order]

    def review_progress(self) -> tuple[int, int]:
        """``(decided, total)`` findings of the project (the "x of y reviewed" counter)."""
        total = decided = 0
        for items in self._findings.values():
            total += len(items)
            decided += sum(1 for rf in items if rf.status != ReviewStatus.PENDING)
        return decided, total

    def project_data(self) -> ProjectData:
        """Photos, findings and reviews for the maintenance list and the exports (a snapshot, ``core.jobs``)."""
        from roadinspect.core.jobs import project_data

        with self._guard:
            records = list(self._records.values())
            findings = [rf for items in self._findings.values() for rf in items]
        return project_data(records, findings, self.store.analyses(), name=self.path.stem)

    # ------------------------------------------------------------------ decisions (each durable at once)
    def put_review(self, finding_id: int, review: Review | None) -> None:
        """Record ``review`` as the finding's latest decision (None: back to pending)."""
        if review is None:
            self.store.set_review(finding_id, ReviewStatus.PENDING, self.reviewer)
        else:
            self.store.set_review(finding_id, review.status, self.reviewer, review.damage, review.severity,
                                  review.note, review.kind)
        self.reload_photo(self.finding(finding_id).photo_id)

    def set_geometry(self, finding_id: int, finding: Finding, review: Review | None = None,
                     restore_review: bool = False) -> None:
        """Store a corrected outline with its recomputed values; ``restore_review`` also puts ``review`` back."""
        self.store.update_finding_geometry(
            finding_id, finding.polygon_wkt, self.reviewer, measures=dict(finding.measures), ground=finding.ground,
            kind=finding.kind, severity=finding.severity,
            review=(review or Review(finding_id, ReviewStatus.PENDING)) if restore_review else None,
        )
        self.reload_photo(finding.photo_id if finding.photo_id is not None else self.finding(finding_id).photo_id)

    def add_finding(self, photo_id: int, finding: Finding, note: str = "") -> int:
        """Record a finding the inspector drew (accepted by them); returns its id."""
        added = self.store.add_inspector_finding(
            photo_id, finding.damage, finding.polygon_wkt, self.reviewer, kind=finding.kind,
            severity=finding.severity, measures=dict(finding.measures), ground=finding.ground, note=note)
        self.reload_photo(photo_id)
        return added.finding_id

    def delete_finding(self, finding_id: int) -> None:
        """Remove a finding the inspector drew (undo of :meth:`add_finding`)."""
        photo_id = self.finding(finding_id).photo_id
        self.store.delete_inspector_finding(finding_id, self.reviewer)
        self.reload_photo(photo_id)

    # ------------------------------------------------------------------ view state
    def ui_state(self) -> dict[str, Any]:
        """Where the inspector was (photo, finding, filters), as saved in the project."""
        value = self.store.get_meta(UI_STATE_KEY, {})
        return value if isinstance(value, dict) else {}

    def save_ui_state(self, state: dict[str, Any]) -> None:
        """Save where the inspector is (not audited: a ``ui.`` key)."""
        if not self.readonly:
            self.store.set_meta(UI_STATE_KEY, state)


# ---------------------------------------------------------------------------- worker functions
def import_photos(store: Store, inputs: Sequence[Path], who: str = "", *,
                  progress: Callable[..., None], is_cancelled: CancelCheck) -> ImportSummary:
    """Scan files/folders (no pixel decoding), complete the track, record the batch (worker function; the job is
    ``core.jobs.import_photos``: a cancelled scan records nothing)."""
    from roadinspect.core import jobs

    imported = jobs.import_photos(store, inputs, who, progress=lambda done, total, name="": progress(
        done, total, None, name), is_cancelled=is_cancelled)
    return ImportSummary(imported.scan, imported.added, read_snapshot(store))


@dataclass(frozen=True)
class PlacementSummary:
    """What a GPX placement did, and the project as it is afterwards (read in the worker, as an import)."""

    result: PlacementResult
    snapshot: Snapshot


def place_on_gpx(store: Store, gpx: Path, clock_offset_s: float, camera: CameraModel | None = None, who: str = "",
                 *, progress: Callable[..., None], is_cancelled: CancelCheck) -> PlacementSummary:
    """Place the photos without their own GPS on a GPX track (worker function; raises ``TrackError``)."""
    result = place_project_on_gpx(store, gpx, clock_offset_s, camera, who, progress=progress, is_cancelled=is_cancelled)
    return PlacementSummary(result, read_snapshot(store))


_segmenter_lock = threading.Lock()
_segmenters: dict[str, Any] = {}


def load_segmenter(weights: Path | None = None) -> Segmenter:
    """The segmenter, loaded once per process, on the fastest installed CPU backend (``core.jobs.load_segmenter``,
    as the command line)."""
    from roadinspect.core.jobs import load_segmenter as load

    key = str(weights or "")
    with _segmenter_lock:
        if key not in _segmenters:
            _segmenters[key] = load(weights)
        return _segmenters[key]


def project_camera(store: Store, values: dict[str, Any]) -> ProjectCamera:
    """The camera of a project (``core.camera.ProjectCamera``: its own camera and those of its camera groups, from
    the project's meta, also read by the command line), over the user's settings ``values`` where it has none."""
    return read_camera(store, values)


def analyse_project(store: Store, camera: CameraModel | None = None, who: str = "", weights: Path | None = None,
                    *, progress: Callable[..., None], is_cancelled: CancelCheck) -> Any:
    """Analyse every photo not yet analysed by the model (worker function), in a child process.

    The model runs in a child process (``roadinspect.core.analysis_process``), so a native crash or
    memory exhaustion ends the child, not the window; a child that dies is restarted, the photo it
    died on is retried alone and left out if it crashes again. Reports
    ``progress(done, total, photo_id, message, record, findings)`` after each photo, with the photo's
    record and findings read back here in the worker from the project file, so that the window shows
    them at once. Returns ``roadinspect.core.pipeline.AnalysisSummary`` (``crashes``: how each child
    that died ended).
    """
    from roadinspect.core.analysis_process import analyse_in_child

    def report(done: int, total: int, photo_id: int, message: str) -> None:
        progress(done, total, photo_id, message, store.photo(photo_id), store.findings(photo_id))

    progress(0, 0, None, "", None, None)
    return analyse_in_child(store.path, weights, camera, who, progress=report, is_cancelled=is_cancelled)


def compute_maintenance(data: ProjectData, weights: PriorityWeights | None = None,
                        section_settings: SectionSettings | None = None, *,
                        progress: Callable[..., None], is_cancelled: CancelCheck) -> MaintenanceList:
    """The maintenance list of a project snapshot (worker function)."""
    return build_maintenance_list(data, weights, None, section_settings)

