"""The project's camera in the app: asked at import, edited per camera group, findings measured again.

What the camera is, how it is stored per project and per camera group, and how the findings are measured
again is :mod:`roadinspect.core.camera`. Here:

* :class:`CameraDialog`: one row per camera group (EXIF make, model and size, its photos): the height above
  the road and the pitch below the horizon, which EXIF never gives, and the field of view only for a group
  whose EXIF gives no 35-mm focal length (otherwise the focal length read is shown).
* :func:`after_import`: after an import, the groups new to the project are asked once, proposed with the
  values last used with that camera model in any project (remembered in the user's settings), else the
  project's camera, else the Settings' values. Answering nothing keeps the proposal (said in the message).
* :func:`edit_cameras` (Tools › Camera of this project…) and the Settings' camera tab call
  :func:`apply_camera`: when findings would change, it asks first, then measures them again in the
  background (``core.camera.change_camera``: progress, Cancel leaves the project as it was) and puts the
  change on the undo stack (Edit › Undo writes the earlier camera and measures back).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QCoreApplication, QLocale, QObject, QSettings, Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from roadinspect.core.camera import (
    CameraChange,
    CameraGroup,
    ProjectCamera,
    camera_groups,
    change_camera,
    has_camera,
    pin_camera,
    read_camera,
    redo_camera_change,
    undo_camera_change,
    vars_of,
)
from roadinspect.core.geo import CameraModel
from roadinspect.core.road_region import group_key
from roadinspect.core.settings import setting

if TYPE_CHECKING:
    from roadinspect.gui.main_window import MainWindow
    from roadinspect.gui.project import ProjectSession

LAST_USED_KEY = "camera/last_used"
"""User setting (JSON): ``{camera model: {"height_m", "pitch_deg", "hfov_deg", "project"}}``, the values last
given to that camera model (EXIF make and model) in any project."""


def last_used() -> dict[str, dict[str, Any]]:
    """The values last used per camera model (empty when none or unreadable)."""
    raw = QSettings().value(LAST_USED_KEY)
    if isinstance(raw, QByteArray):
        raw = bytes(raw.data())
    try:
        value = json.loads(raw) if isinstance(raw, bytes | str) else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def save_last_used(known: dict[str, dict[str, Any]]) -> None:
    """Store :func:`last_used` (as bytes: an INI file would read a text with commas back as a list)."""
    settings = QSettings()
    settings.setValue(LAST_USED_KEY, QByteArray(json.dumps(known, ensure_ascii=False).encode("utf-8")))
    settings.sync()


def remember(groups: list[CameraGroup], camera: ProjectCamera, project: str) -> None:
    """Remember each group's camera as the last used with its camera model (a model seen as "unknown" is not)."""
    known = last_used()
    for g in groups:
        if g.model_key == "?|?":
            continue
        c = camera.for_group(g.key)
        known[g.model_key] = {
            "height_m": c.height_m,
            "pitch_deg": c.pitch_deg,
            "hfov_deg": c.hfov_deg,
            "project": project,
        }
    save_last_used(known)


def proposals(groups: list[CameraGroup], current: ProjectCamera) -> tuple[dict[str, CameraModel], dict[str, str]]:
    """Each group's proposed camera and where it comes from (the project of the last use, or "")."""
    known = last_used()
    cameras, sources = {}, {}
    for g in groups:
        camera, source = current.for_group(g.key), ""
        last = known.get(g.model_key)
        if isinstance(last, dict):
            values = {
                name: setting(f"camera/{name}").coerce(last.get(name, getattr(camera, name)))
                for name in ("height_m", "pitch_deg", "hfov_deg")
            }
            camera, source = CameraModel(**{**vars_of(camera), **values}), str(last.get("project") or "")
        cameras[g.key], sources[g.key] = camera, source
    return cameras, sources


class CameraTexts(QObject):
    """The plural texts of this module (lupdate marks a text as plural only in ``self.tr``)."""

    def confirm(self, n: int) -> str:
        return self.tr(
            "The new camera changes the measures of %n finding(s) (length, width, area, position, and the severity "
            "that follows). Reviews and corrections are kept; Edit › Undo puts the earlier camera and measures back.",
            "", n)

    def undo_text(self, n: int) -> str:
        return self.tr("Change the camera (%n finding(s) measured again)", "", n)

    def changed(self, n: int) -> str:
        return self.tr("Camera changed: %n finding(s) measured again", "", n)

    def unmeasurable(self, n: int) -> str:
        return self.tr(", %n could not be measured (kept as they were)", "", n)

    def skipped(self, n: int) -> str:
        return self.tr(", %n edited meanwhile (left as they are)", "", n)


_texts: list[CameraTexts] = []


def texts() -> CameraTexts:
    """The module's :class:`CameraTexts` (made once)."""
    if not _texts:
        _texts.append(CameraTexts())
    return _texts[0]


def _number(value: float) -> str:
    return QLocale().toString(float(value), "g", 6)


class CameraDialog(QDialog):
    """The camera of each group: height and pitch, and the field of view when EXIF gives no focal length."""

    def __init__(
        self,
        groups: list[CameraGroup],
        cameras: dict[str, CameraModel],
        sources: dict[str, str],
        parent: QWidget | None = None,
        at_import: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Camera of these photos") if at_import else self.tr("Camera of this project"))
        self.groups = groups
        self._cameras = dict(cameras)
        self.editors: dict[str, tuple[QDoubleSpinBox, QDoubleSpinBox, QDoubleSpinBox | None]] = {}
        intro = QLabel(
            self.tr(
                "The photos' EXIF does not say how high the camera was above the road nor how far it looked down. "
                "Both set the findings' measures (lengths, widths, areas) and their positions on the map: give "
                "them for each camera of this project."
            )
        )
        intro.setWordWrap(True)
        grid = QGridLayout()
        headers = (
            self.tr("Camera"),
            self.tr("Height above the road"),
            self.tr("Pitch below the horizon"),
            self.tr("Field of view"),
        )
        for col, text in enumerate(headers):
            label = QLabel(f"<b>{text}</b>")
            label.setWordWrap(True)
            grid.addWidget(label, 0, col)
        for row, g in enumerate(groups, start=1):
            camera = cameras[g.key]
            name = g.name.replace("unknown camera", self.tr("unknown camera"))
            text = self.tr("{camera}\n%n photo(s)", "", g.photos).format(camera=name)
            if sources.get(g.key):
                text += "\n" + self.tr("values of {project}").format(project=sources[g.key])
            label = QLabel(text)
            label.setTextFormat(Qt.TextFormat.PlainText)
            grid.addWidget(label, row, 0)
            height = self._spin("camera/height_m", camera.height_m, self.tr(" m"), 2)
            pitch = self._spin("camera/pitch_deg", camera.pitch_deg, self.tr(" °"), 1)
            height.setAccessibleName(self.tr("Height above the road of {camera}").format(camera=name))
            pitch.setAccessibleName(self.tr("Pitch below the horizon of {camera}").format(camera=name))
            grid.addWidget(height, row, 1)
            grid.addWidget(pitch, row, 2)
            hfov: QDoubleSpinBox | None = None
            if g.focal_35mm is not None:
                focal = QLabel(self.tr("{focal} mm (35-mm equivalent)\nfrom EXIF").format(focal=_number(g.focal_35mm)))
                grid.addWidget(focal, row, 3)
            else:
                hfov = self._spin("camera/hfov_deg", camera.hfov_deg, self.tr(" °"), 1)
                hfov.setToolTip(
                    self.tr(
                        "EXIF gives no focal length for these photos: the horizontal field of view "
                        "of the camera (about 70° for a dash camera, 65° for a phone)"
                    )
                )
                hfov.setAccessibleName(self.tr("Field of view of {camera}").format(camera=name))
                grid.addWidget(hfov, row, 3)
            self.editors[g.key] = (height, pitch, hfov)
        grid.setColumnStretch(0, 1)
        body = QWidget()
        body.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # every row's whole width, and up to about six rows without scrolling (a 1280x720 screen keeps its buttons)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        hint_size = body.sizeHint()
        scroll.setMinimumWidth(hint_size.width() + scroll.verticalScrollBar().sizeHint().width())
        scroll.setMinimumHeight(min(hint_size.height(), 330))
        hint = QLabel(
            self.tr(
                "Typical values: a dash camera behind the windscreen 1.2-1.5 m and 5-15°; a camera "
                "on the roof 2-2.5 m. Tools › Camera of this project… changes them later and "
                "measures the findings again."
            )
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    @staticmethod
    def _spin(key: str, value: float, suffix: str, decimals: int) -> QDoubleSpinBox:
        s = setting(key)
        spin = QDoubleSpinBox()
        spin.setDecimals(decimals)
        spin.setRange(float(s.minimum or 0.0), float(s.maximum or 1e9))
        spin.setSingleStep(0.1 if decimals == 2 else 1.0)
        spin.setSuffix(suffix)
        spin.setValue(float(value))
        spin.setToolTip(QCoreApplication.translate("Settings", s.description))
        spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # the same width in every column
        return spin

    def cameras(self) -> dict[str, CameraModel]:
        """The camera of each group as edited."""
        out = {}
        for key, (height, pitch, hfov) in self.editors.items():
            values = {"height_m": height.value(), "pitch_deg": pitch.value()}
            if hfov is not None:
                values["hfov_deg"] = hfov.value()
            out[key] = replace(self._cameras[key], **values)
        return out


def ask_cameras(
    parent: QWidget,
    groups: list[CameraGroup],
    cameras: dict[str, CameraModel],
    sources: dict[str, str],
    at_import: bool = True,
) -> dict[str, CameraModel] | None:
    """Show :class:`CameraDialog` (modal); the edited cameras, or None when cancelled. Tests replace this."""
    dialog = CameraDialog(groups, cameras, sources, parent, at_import)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.cameras()
    finally:
        dialog.deleteLater()


def _combined(
    base: CameraModel, groups: list[CameraGroup], cameras: dict[str, CameraModel], current: ProjectCamera | None = None
) -> ProjectCamera:
    """A project camera giving each group its camera: the project's camera is ``current``'s, or (None) the
    largest group's; a group whose camera is the project's has no entry of its own."""
    if current is None:
        first = cameras[groups[0].key] if groups else base
        current = ProjectCamera(
            **{**vars_of(base), **{k: getattr(first, k) for k in ("height_m", "pitch_deg", "hfov_deg")}}
        )
    for g in groups:
        current = current.with_group(g.key, cameras[g.key])
    return current


def after_import(window: MainWindow, session: ProjectSession, before: set[str],
                 given: CameraModel | None = None) -> str:
    """Give the camera groups new to the project their camera (asked, or ``given``: no question) after an import;
    returns the import message's sentence about the camera."""
    store = session.store
    photos = [r.photo for r in (session.record(pid) for pid in session.photo_ids()) if r.photo is not None]
    groups = camera_groups(photos)
    if not has_camera(store) and any(session.findings(pid) for pid in session.photo_ids()):
        # analysed before it had a camera of its own (the command line): the camera its findings were measured with
        pin_camera(store, read_camera(store), session.reviewer)
    current = read_camera(store, window.values)
    new = [g for g in groups if g.key not in before] if has_camera(store) else groups
    text = ""
    if new:
        if given is not None:
            chosen = {g.key: given for g in new}
        else:
            proposed, sources = proposals(new, current)
            answer = ask_cameras(window, new, proposed, sources)
            chosen = answer if answer is not None else proposed
            if answer is None:
                text = " " + QCoreApplication.translate(
                    "CameraDialog",
                    "Camera not confirmed: the proposed values are used (Tools › Camera of this "
                    "project… changes them).",
                )
        camera = _combined(current.base, new, chosen, current if has_camera(store) else None)
        change_camera(store, camera, session.reviewer)  # the new groups' photos have no finding yet: no re-measure
        remember(new, camera, session.path.stem)
    return summary_text(read_camera(store), groups, exif_focal_count(photos)) + text


def exif_focal_count(photos: list[Any]) -> int:
    """Photos whose EXIF gives a usable 35-mm focal length (used for that photo instead of the field of view)."""
    focals = (p.camera.focal_length_35mm for p in photos)
    return sum(1 for f in focals if f is not None and 5.0 <= f <= 2000.0)


def summary_text(camera: ProjectCamera, groups: list[CameraGroup], exif: int) -> str:
    """``Camera of this project: 1.5 m above the road, ...`` (one sentence per camera group when they differ)."""
    total = sum(g.photos for g in groups)
    text = QCoreApplication.translate(
        "CameraDialog",
        "Camera of this project: {height} m above the road, {pitch}° below the horizon; focal length from "
        "EXIF for {exif} of {total} photos, otherwise a {hfov}° field of view (Tools › Camera of this "
        "project… changes it)",
    ).format(
        height=_number(camera.height_m),
        pitch=_number(camera.pitch_deg),
        hfov=_number(camera.hfov_deg),
        exif=exif,
        total=total,
    )
    for key, own in camera.groups:
        if any(g.key == key for g in groups):
            name = next(g.name for g in groups if g.key == key)
            text += "; " + QCoreApplication.translate("CameraDialog", "{camera}: {height} m, {pitch}°").format(
                camera=name, height=_number(own.height_m), pitch=_number(own.pitch_deg)
            )
    return text


class CameraCommand(QUndoCommand):
    """A camera change already written (with its findings measured again): undo writes the earlier camera and
    measures back, redo the new ones (each one transaction, audited)."""

    def __init__(self, window: MainWindow, change: CameraChange) -> None:
        written = len(change.written)
        super().__init__(
            texts().undo_text(written)
        )
        session = window.session
        if session is None:  # a camera change is made on an open project
            raise ValueError("no project is open")
        self.window, self.session, self.change = window, session, change
        self._done = True  # push() calls redo(): the change is already in the project

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        redo_camera_change(self.session.store, self.change, self.session.reviewer)
        self._refresh()

    def undo(self) -> None:
        undo_camera_change(self.session.store, self.change, self.session.reviewer)
        self._refresh()

    def _refresh(self) -> None:
        if self.window.session is self.session:
            self.session.reload()
            self.window.schedule_maintenance()


def findings_to_measure(session: ProjectSession, camera: ProjectCamera,
                        values: dict[str, Any] | None = None) -> tuple[int, int]:
    """(findings, photos) whose measures ``camera`` would change (the session's cache; no file access)."""
    current = read_camera(session.store, values)
    findings = photos = 0
    for pid in session.photo_ids():
        record = session.record(pid)
        if record.photo is not None and current.for_photo(record.photo) != camera.for_photo(record.photo):
            photos += 1
            findings += len(session.findings(pid))
    return findings, photos


def confirm_remeasure(parent: QWidget, findings: int) -> bool:
    """Ask before measuring ``findings`` findings again (modal). Tests replace this."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        QCoreApplication.translate("CameraDialog", "Measure the findings again?"),
        texts().confirm(findings),

        QMessageBox.StandardButton.Cancel,
        parent,
    )
    again = box.addButton(
        QCoreApplication.translate("CameraDialog", "Measure again"), QMessageBox.ButtonRole.AcceptRole
    )
    box.setDefaultButton(again)
    box.exec()
    accepted = box.clickedButton() is again
    box.deleteLater()
    return accepted


def apply_camera(window: MainWindow, camera: ProjectCamera, confirm: bool = True) -> bool:
    """Give the open project ``camera``: asks first when findings would be measured again, then measures them in
    the background (cancellable) and puts the change on the undo stack. False when nothing was started."""
    session = window.session
    if session is None or session.readonly:
        return False
    if camera == read_camera(session.store, window.values) and has_camera(session.store):
        return False
    if window.is_busy():
        window.show_message(
            QCoreApplication.translate(
                "CameraDialog", "Please wait for the task under way to finish before changing the camera."
            )
        )
        return False
    findings, _ = findings_to_measure(session, camera, window.values)
    if findings and confirm and not confirm_remeasure(window, findings):
        window.show_message(QCoreApplication.translate("CameraDialog", "Camera unchanged."))
        return False
    groups = camera_groups(
        [r.photo for r in (session.record(pid) for pid in session.photo_ids()) if r.photo is not None]
    )

    def done(change: CameraChange) -> None:
        if window.session is not session:
            return
        if change.cancelled:
            window.show_message(
                QCoreApplication.translate(
                    "CameraDialog", "Camera unchanged: measuring again was cancelled, nothing was written."
                )
            )
            return
        remember(groups, change.after, session.path.stem)
        session.reload()
        window.undo.push(CameraCommand(window, change))
        window.schedule_maintenance()
        written, unmeasurable = len(change.written), len(change.unmeasurable)
        text = texts().changed(written)
        if unmeasurable:
            text += texts().unmeasurable(unmeasurable)
        skipped = len(change.updates) - len(change.written)
        if skipped:
            text += texts().skipped(skipped)
        window.show_message(text + ".")

    task = window._start(
        QCoreApplication.translate("CameraDialog", "Measuring the findings again"),
        QCoreApplication.translate("CameraDialog", "findings"),
        change_camera,
        session.store,
        camera,
        session.reviewer,
        on_result=done,
    )
    return task is not None


def edit_cameras(window: MainWindow) -> None:
    """Tools › Camera of this project…: every camera group of the project, edited, then :func:`apply_camera`."""
    session = window.session
    if session is None or session.readonly:
        return
    photos = [r.photo for r in (session.record(pid) for pid in session.photo_ids()) if r.photo is not None]
    groups = camera_groups(photos)
    if not groups:
        window.show_message(
            QCoreApplication.translate(
                "CameraDialog", "The project has no photo yet: its camera is asked at the import."
            )
        )
        return
    current = read_camera(session.store, window.values)
    answer = ask_cameras(window, groups, {g.key: current.for_group(g.key) for g in groups}, {}, at_import=False)
    if answer is None:
        return
    apply_camera(window, _combined(current.base, groups, answer))


def groups_of(session: ProjectSession) -> set[str]:
    """The camera groups of the project's photos now (before an import)."""
    return {group_key(r.photo) for r in (session.record(pid) for pid in session.photo_ids()) if r.photo is not None}


def samples_camera() -> CameraModel | None:
    """The camera the bundled sample photos were rendered with (``samples.json``), None when unreadable."""
    from roadinspect.core.resources import samples_dir

    try:
        info = json.loads((samples_dir() / "samples.json").read_text(encoding="utf-8"))["camera"]
        return CameraModel(height_m=float(info["height_m"]), pitch_deg=float(info["pitch_deg"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
