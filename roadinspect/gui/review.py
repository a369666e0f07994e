"""The review workflow: which photo and finding are on screen, navigation, decisions and corrections.

:class:`ReviewController` connects the photo view and the findings panel to the open project. It keeps
the current photo and finding, moves between them (next/previous finding flows into the next photo
that has findings), turns key presses and panel buttons into undoable commands
(``roadinspect.gui.commands``), and runs mask corrections and drawn polygons through the core
(``findings.finding_from_mask`` / ``drawn_finding``) in the background worker before storing them;
a missed finding painted with the brush goes the same way. A change of class (crack <-> pothole) measures
the outline again as the new class (a crack gets its length and width, a pothole its diameter and area)
and stores those measures with the decision, in one undoable step.
Photos are decoded in the worker too, with a small cache and the next photo prefetched.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import cast

from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QImage, QUndoStack

from roadinspect.core.findings import drawn_finding, finding_from_mask
from roadinspect.core.geo import CameraModel
from roadinspect.core.remeasure import remeasured
from roadinspect.core.types import DamageClass, Finding, Photo, ReviewStatus
from roadinspect.gui import labels
from roadinspect.gui.commands import AddFindingCommand, ClassChangeCommand, GeometryCommand, ReviewCommand
from roadinspect.gui.findings_panel import FindingsPanel
from roadinspect.gui.models import FindingRow
from roadinspect.gui.photo_view import FindingShape, MaskEdit, PhotoView, load_photo_image
from roadinspect.gui.project import ProjectSession
from roadinspect.gui.worker import Task

PREVIEW_MAX_SIDE = 2048
"""Photos are first shown decoded at about this size (JPEG DCT scaling: fast, and plenty for a fitted view)."""
DETAIL_MAX_SIDE = 8192
"""The sharper image, loaded when the inspector zooms in beyond the preview, is at most this size."""
_CACHE_SIZE = 4


def _load(path: Path, max_side: int, *, progress, is_cancelled) -> QImage:
    return load_photo_image(path, max_side)


def _correct(edit: MaskEdit, damage: DamageClass, photo: Photo, camera: CameraModel, base: Finding, *,
             progress, is_cancelled) -> Finding | None:
    corrected = finding_from_mask(edit.region, damage, photo, camera, origin=edit.origin, scale=edit.scale,
                                  confidence=base.confidence, source=base.source)
    if corrected is None:
        return None
    return Finding(corrected.damage, corrected.polygon_wkt, base.confidence, corrected.kind, corrected.severity,
                   corrected.measures, corrected.ground, base.id, base.photo_id, base.source)


def _drawn(edit: MaskEdit, damage: DamageClass, photo: Photo, camera: CameraModel, *,
           progress, is_cancelled) -> Finding | None:
    return finding_from_mask(edit.region, damage, photo, camera, origin=edit.origin, scale=edit.scale,
                             confidence=1.0, source="inspector")


def _from_polygon(wkt: str, damage: DamageClass, photo: Photo, camera: CameraModel, *,
                  progress, is_cancelled) -> Finding:
    return drawn_finding(wkt, damage, photo, camera)  # too thin to measure: kept as drawn, unmeasured


class ReviewController(QObject):
    """Current photo and finding, navigation, decisions and corrections (see the module docstring)."""

    currentChanged = Signal(object, object)  # photo id, finding id
    message = Signal(str)
    failed = Signal(str)

    def __init__(self, view: PhotoView, panel: FindingsPanel, undo: QUndoStack,
                 camera: Callable[[], CameraModel], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.panel = panel
        self.undo = undo
        self.camera = camera
        self.session: ProjectSession | None = None
        self.photo_id: int | None = None
        self.finding_id: int | None = None
        self.order: Callable[[], list[int]] = lambda: self.session.photo_ids() if self.session else []
        self._images: OrderedDict[int, QImage] = OrderedDict()
        self._detail: Task | None = None
        self._loading: dict[int, Task] = {}
        self._tasks: list[Task] = []
        self._last_index = 0
        self._pushing = False
        self.confirm_reviewer: Callable[[], bool] = lambda: True
        """Called before anything is written; False: nothing is (the window asks the reviewer's name once)."""
        view.findingClicked.connect(self.select_finding)
        view.maskEdited.connect(self._on_mask_edited)
        view.polygonDrawn.connect(self._on_polygon)
        view.maskDrawn.connect(self._on_mask_drawn)
        view.notice.connect(self.message)
        view.detailWanted.connect(self._load_detail)
        panel.findingSelected.connect(self._on_panel_selection)
        panel.reviewRequested.connect(self._on_panel_request)
        undo.indexChanged.connect(self._on_undo_index)

    # ------------------------------------------------------------------ project
    def set_session(self, session: ProjectSession | None) -> None:
        """Switch projects (clears the view, the caches and the undo history)."""
        self.session = session
        self.photo_id = self.finding_id = None
        self._images.clear()
        self.undo.clear()
        self._last_index = 0
        self.view.set_photo(None)
        self.view.set_findings([])
        self.panel.readonly = bool(session and session.readonly)
        self.panel.set_rows([])
        if session is not None:
            session.photoChanged.connect(self._on_photo_changed)

    def busy(self) -> bool:
        """True while a correction is being computed."""
        return any(t.is_running() for t in self._tasks)

    def wait(self, timeout_s: float = 10.0) -> None:
        """Wait for background corrections and photo loads (closing, tests)."""
        for task in [*self._tasks, *self._loading.values(), *([self._detail] if self._detail else [])]:
            task.wait(timeout_s)

    # ------------------------------------------------------------------ what is on screen
    def show_photo(self, photo_id: int | None, finding_id: int | None = None) -> None:
        """Show a photo (its findings at once, its pixels when decoded) and select a finding."""
        if self.session is None or photo_id is None or photo_id not in self.session.photo_ids():
            return
        changed = photo_id != self.photo_id
        self.photo_id = photo_id
        record = self.session.record(photo_id)
        if changed:
            self.view.cancel_edit()
            image = self._images.get(photo_id)
            size = QSize(record.photo.width, record.photo.height) if record.photo is not None else None
            if image is not None:
                self.view.set_photo(image, size)
            else:
                self.view.set_photo(None)
                self.view.empty_text = self.tr("Loading {name}…").format(name=record.path.name)
                self._request_image(photo_id)
        self._refresh_findings(finding_id if finding_id is not None else (None if changed else self.finding_id))
        if changed:
            self._prefetch(photo_id)

    def _request_image(self, photo_id: int) -> None:
        if photo_id in self._loading or self.session is None:
            return
        record = self.session.record(photo_id)
        if record.photo is None or record.replaced_by is not None:  # replaced: the file holds another photo now
            self.view.empty_text = self.session.row(photo_id).error or self.tr("This file cannot be read.")
            self.view.viewport().update()
            return
        task = Task("load photo", self)
        self._loading[photo_id] = task
        task.result.connect(lambda image, pid=photo_id: self._on_image(pid, image))
        task.error.connect(lambda message, _tb, pid=photo_id: self._on_image_error(pid, message))
        task.finished.connect(lambda pid=photo_id: self._loading.pop(pid, None))
        task.start(_load, record.path, PREVIEW_MAX_SIDE)

    def _load_detail(self) -> None:
        """Load the sharper image of the photo on screen (the inspector zoomed in)."""
        if self.session is None or self.photo_id is None:
            return
        record = self.session.record(self.photo_id)
        if record.photo is None:
            return
        task = Task("load photo detail", self)
        self._detail = task
        task.result.connect(lambda image, pid=self.photo_id: self.view.add_detail(image)
                            if pid == self.photo_id else None)
        task.error.connect(lambda message, _tb: self.message.emit(message))
        task.start(_load, record.path, DETAIL_MAX_SIDE)

    def _on_image(self, photo_id: int, image: QImage) -> None:
        self._images[photo_id] = image
        self._images.move_to_end(photo_id)
        while len(self._images) > _CACHE_SIZE:
            self._images.popitem(last=False)
        if photo_id == self.photo_id and self.session is not None:
            record = self.session.record(photo_id)
            size = QSize(record.photo.width, record.photo.height) if record.photo is not None else None
            self.view.set_photo(image, size)
            self._refresh_findings(self.finding_id)

    def _on_image_error(self, photo_id: int, message: str) -> None:
        if photo_id == self.photo_id:
            self.view.empty_text = message
            self.view.viewport().update()
            self.message.emit(message)

    def _prefetch(self, photo_id: int) -> None:
        order = self.order()
        if photo_id in order:
            at = order.index(photo_id)
            for pid in order[at + 1:at + 2]:
                if pid not in self._images:
                    self._request_image(pid)

    def rows(self, photo_id: int) -> list[FindingRow]:
        """The findings of a photo as panel rows, numbered from 1."""
        if self.session is None:
            return []
        return [FindingRow(i, rf.finding, rf.review) for i, rf in enumerate(self.session.findings(photo_id), 1)]

    def _refresh_findings(self, select: int | None) -> None:
        if self.session is None or self.photo_id is None:
            return
        rows = self.rows(self.photo_id)
        ids = [r.finding.id for r in rows]
        if select not in ids:
            select = None
        shapes = [FindingShape(fid, r.damage, r.status, r.finding.polygon_wkt,
                               labels.finding_label(r.number, r.finding, r.kind))
                  for r in rows if (fid := r.finding.id) is not None]  # a finding of the project has an id
        self.view.set_findings(shapes)
        counts: dict[DamageClass, int] = {}
        for r in rows:
            if r.status != ReviewStatus.REJECTED:
                counts[r.damage] = counts.get(r.damage, 0) + 1
        from roadinspect.gui.style import CLASS_COLOURS

        self.view.legend_entries = [(f"{labels.class_name(d)}  {counts.get(d, 0)}", CLASS_COLOURS[d])
                                    for d in (DamageClass.CRACK, DamageClass.POTHOLE)]
        record = self.session.record(self.photo_id)
        empty = ""
        if record.analysis_id is None and record.photo is not None:
            empty = self.tr("Not analysed yet.")
        elif not rows:
            empty = self.tr("No damage found on this photo.")
        self.panel.set_rows(rows, select, empty)
        self.finding_id = select
        self.view.select_finding(select, center=True)
        self.view.viewport().update()
        self.currentChanged.emit(self.photo_id, self.finding_id)

    def select_finding(self, finding_id: int | None) -> None:
        """Select a finding of the current photo."""
        self.finding_id = finding_id
        self.view.select_finding(finding_id, center=True)
        self.panel.select(finding_id)
        self.currentChanged.emit(self.photo_id, self.finding_id)

    def _on_panel_selection(self, finding_id: int | None) -> None:
        self.finding_id = finding_id
        self.view.select_finding(finding_id, center=True)
        self.currentChanged.emit(self.photo_id, self.finding_id)

    def _on_photo_changed(self, photo_id: int) -> None:
        if photo_id == self.photo_id:
            self._refresh_findings(self.finding_id)
        elif self.photo_id is None:
            self.show_photo(photo_id)

    # ------------------------------------------------------------------ navigation
    def next_photo(self, step: int = 1) -> None:
        """Show the next (``step`` 1) or previous (-1) photo of the list."""
        order = self.order()
        if not order:
            return
        if self.photo_id not in order:  # the photo on screen is filtered out: its neighbour in the list
            every = self.session.photo_ids() if self.session is not None else []
            at = every.index(self.photo_id) if self.photo_id in every else (-1 if step > 0 else len(every))
            listed = set(order)
            around = every[at + 1:] if step > 0 else every[:max(at, 0)][::-1]
            target = next((pid for pid in around if pid in listed), None)
            if target is not None:
                self.show_photo(target)
            return
        at = order.index(self.photo_id) + step
        if 0 <= at < len(order):
            self.show_photo(order[at])

    def next_finding(self, step: int = 1) -> bool:
        """Select the next/previous finding, moving to the next photo that has findings; False at the end."""
        if self.session is None:
            return False
        order = self.order()
        if self.photo_id is not None:
            ids = [r.finding.id for r in self.rows(self.photo_id)]
            at = ids.index(self.finding_id) if self.finding_id in ids else (-1 if step > 0 else len(ids))
            target = at + step
            if 0 <= target < len(ids):
                self.select_finding(ids[target])
                return True
        start = order.index(self.photo_id) if self.photo_id in order else (-1 if step > 0 else len(order))
        at = start + step
        while 0 <= at < len(order):
            ids = [rf.finding.id for rf in self.session.findings(order[at])]
            if ids:
                self.show_photo(order[at], ids[0] if step > 0 else ids[-1])
                return True
            at += step
        self.message.emit(self.tr("No more findings in this direction."))
        return False

    # ------------------------------------------------------------------ decisions
    def review(self, action: str, value: object = None) -> None:
        """Apply an action to the selected finding (then move on after accept/reject)."""
        if self.finding_id is None:
            self.message.emit(self.tr("Select a finding first (J / K, or click it)."))
            return
        fid = self.finding_id
        if self.review_finding(fid, action, value) and action in ("accept", "reject"):
            self.next_finding(1)

    def _on_panel_request(self, finding_id: int, action: str, value: object = None) -> None:
        """The panel's Accept and Reject buttons on the finding shown advance like A and R."""
        if action in ("accept", "reject") and finding_id == self.finding_id:
            self.review(action, value)
        else:
            self.review_finding(finding_id, action, value)

    def next_unreviewed(self) -> bool:
        """Select the next finding still to review after the one shown (photo list order, wrapping round);
        False when every finding of the listed photos is decided."""
        if self.session is None:
            return False
        order = self.order()
        sequence = [(pid, rf.finding.id, rf.status) for pid in order for rf in self.session.findings(pid)]
        if not sequence:
            self.message.emit(self.tr("Every finding of the listed photos is reviewed."))
            return False
        here = next((i for i, (pid, fid, _) in enumerate(sequence)
                     if pid == self.photo_id and fid == self.finding_id), None)
        if here is None:  # no finding selected: from the photo on screen on (or from the top of the list)
            rank = {pid: i for i, pid in enumerate(order)}
            at = rank.get(self.photo_id, 0) if self.photo_id is not None else 0
            here = next((i - 1 for i, (pid, _, _) in enumerate(sequence) if rank[pid] >= at), -1)
        for k in range(1, len(sequence) + 1):
            pid, fid, status = sequence[(here + k) % len(sequence)]
            if status == ReviewStatus.PENDING:
                if pid == self.photo_id:
                    self.select_finding(fid)
                else:
                    self.show_photo(pid, fid)
                return True
        self.message.emit(self.tr("Every finding of the listed photos is reviewed."))
        return False

    def review_finding(self, finding_id: int, action: str, value: object = None) -> bool:
        """Record a decision on any finding of the project as an undoable command; False when nothing was."""
        if self.session is None or self.session.readonly:
            self.message.emit(self.tr("This project is open read-only."))
            return False
        if not self.confirm_reviewer():
            return False
        self._pushing = True  # a new decision does not move the selection (undo and redo do)
        try:
            command = self._class_change(finding_id, value) if action == "damage" else None
            self.undo.push(command or ReviewCommand(self.session, finding_id, action, value))
        except Exception as exc:  # noqa: BLE001 - a write failure must be shown, not crash the review
            self.failed.emit(str(exc))
            return False
        finally:
            self._pushing = False
        return True

    def _class_change(self, finding_id: int, value: object) -> ClassChangeCommand | None:
        """A change of class with the outline measured again as the new class (None: the class is unchanged,
        or the photo or outline cannot be measured; the plain decision is recorded then)."""
        assert self.session is not None
        rf = self.session.finding(finding_id)
        damage = DamageClass(cast(int, value))  # the class the inspector chose (an int from the action)
        photo = self.session.record(rf.photo_id).photo
        if photo is None or damage == rf.damage:
            return None
        measured = remeasured(rf.finding, damage, photo, self.camera())
        if measured is None:
            return None
        return ClassChangeCommand(self.session, finding_id, damage, measured)

    def _on_undo_index(self, index: int) -> None:
        """After undo/redo, show the finding the command changed."""
        forward = index > self._last_index
        self._last_index = index
        if self._pushing:
            return
        command = self.undo.command(index - 1 if forward else index)
        fid = getattr(command, "finding_id", None)
        if fid is None or self.session is None:
            return
        try:
            photo_id = self.session.finding(fid).finding.photo_id
        except KeyError:
            return
        if photo_id != self.photo_id:
            self.show_photo(photo_id, fid)
        else:
            self.select_finding(fid)

    # ------------------------------------------------------------------ corrections
    def _run(self, fn: Callable, *args: object, on_result: Callable[[object], None]) -> None:
        task = Task("correction", self)
        task.result.connect(on_result)
        task.error.connect(lambda message, _tb: self.failed.emit(message))
        task.finished.connect(lambda: self._tasks.remove(task) if task in self._tasks else None)
        self._tasks.append(task)
        task.start(fn, *args)

    def _on_mask_edited(self, finding_id: int, edit: MaskEdit) -> None:
        if self.session is None or self.session.readonly or not self.confirm_reviewer():
            return
        session = self.session
        rf = session.finding(finding_id)
        photo = session.record(rf.photo_id).photo
        if photo is None:
            return
        row = FindingRow(0, rf.finding, rf.review)

        def done(corrected: object) -> None:
            if corrected is None:
                self.message.emit(self.tr("The corrected mask is empty: reject the finding instead (R)."))
                return
            self.undo.push(GeometryCommand(session, finding_id, cast(Finding, corrected)))

        self._run(_correct, edit, row.damage, photo, self.camera(), rf.finding, on_result=done)

    def _draw_target(self) -> tuple[int, ProjectSession, Photo] | None:
        """The photo a newly drawn finding goes to (None: nothing writable shown, or no reviewer name)."""
        if self.session is None or self.session.readonly or self.photo_id is None or not self.confirm_reviewer():
            return None
        photo = self.session.record(self.photo_id).photo
        return None if photo is None else (self.photo_id, self.session, photo)

    def _add_drawn(self, session: ProjectSession, photo_id: int, finding: Finding) -> None:
        """Add a drawn finding (undoable) and select it, unless the inspector has moved to another photo."""
        command = AddFindingCommand(session, photo_id, finding)
        self.undo.push(command)
        if command.finding_id is not None and self.photo_id == photo_id:
            self.show_photo(photo_id, command.finding_id)

    def _on_mask_drawn(self, edit: MaskEdit, damage: int) -> None:
        """A missed finding painted with the brush: measured as its class, then added (undoable)."""
        target = self._draw_target()
        if target is None:
            return
        photo_id, session, photo = target

        def done(finding: object) -> None:
            if finding is None:
                self.message.emit(self.tr("The painted damage is too small to record: paint more of it."))
                return
            self._add_drawn(session, photo_id, cast(Finding, finding))

        self._run(_drawn, edit, DamageClass(damage), photo, self.camera(), on_result=done)

    def _on_polygon(self, wkt: str, damage: int) -> None:
        """A missed finding drawn as a polygon: measured as its class, then added (undoable)."""
        target = self._draw_target()
        if target is None:
            return
        photo_id, session, photo = target
        self._run(_from_polygon, wkt, DamageClass(damage), photo, self.camera(),
                  on_result=lambda finding: self._add_drawn(session, photo_id, cast(Finding, finding)))
