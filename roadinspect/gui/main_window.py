"""The main window: docks, menus and the wiring between the panels, the project and the background tasks.

Layout: the photo in the centre; the photo list on the left; the findings of the photo and the map on
the right; the maintenance list at the bottom; progress and "x of y reviewed" in the status bar.
The review logic lives in ``review.ReviewController``, the project in ``project.ProjectSession``, long work
in ``worker.Task``: this module only connects them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSlider,
    QWidget,
)

from roadinspect import __version__
from roadinspect.core import settings as core_settings
from roadinspect.core.exports.project import export_project
from roadinspect.core.geo import CameraModel
from roadinspect.core.maintenance import MaintenanceList
from roadinspect.core.report import DEFAULT_TOP, ReportOptions
from roadinspect.core.resources import samples_dir
from roadinspect.core.sections import SectionSettings
from roadinspect.core.store import PROJECT_SUFFIX, ProjectError
from roadinspect.core.types import DamageClass, PositionSource, ReviewStatus
from roadinspect.gui import camera as camera_ui
from roadinspect.gui import gpx, i18n, labels, road_region, survey
from roadinspect.gui.actions import Actions
from roadinspect.gui.appdata import demo_project_path, load_settings, save_settings
from roadinspect.gui.dialogs import ExportDialog, SettingsDialog, show_about
from roadinspect.gui.findings_panel import FindingsPanel
from roadinspect.gui.map_view import MapView
from roadinspect.gui.models import RejectedRow, SiteRow, ThumbnailCache
from roadinspect.gui.panels import PhotosPanel, SitesPanel
from roadinspect.gui.photo_view import PhotoView, Tool
from roadinspect.gui.project import (
    ImportSummary,
    PlacementSummary,
    ProjectLocked,
    ProjectSession,
    analyse_project,
    compute_maintenance,
    import_photos,
    place_on_gpx,
    project_camera,
)
from roadinspect.gui.review import ReviewController
from roadinspect.gui.status import ReviewCounter, TaskProgress
from roadinspect.gui.style import STYLE_SHEET
from roadinspect.gui.worker import ProgressInfo, Task

log = logging.getLogger("roadinspect.gui")
MAX_RECENT = 8


def _string_list(value: object) -> list[str]:
    """A list setting as QSettings reads it back: one entry comes back as a plain string on Linux (INI)."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _save_state(session: ProjectSession, state: dict, *, progress, is_cancelled) -> None:
    session.save_ui_state(state)


class MainWindow(QMainWindow):
    """The inspector's window (see the module docstring)."""

    actions: Actions  # type: ignore[assignment]  # the window's actions hide QWidget.actions(), unused here

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.setStyleSheet(STYLE_SHEET)
        self.values = load_settings()
        self.session: ProjectSession | None = None
        self.maintenance: MaintenanceList | None = None
        self.undo = QUndoStack(self)
        self.thumbnails = ThumbnailCache(self)
        self.view = PhotoView()
        self.setCentralWidget(self.view)
        self.findings = FindingsPanel()
        self.photos = PhotosPanel(self.thumbnails)
        self.sites = SitesPanel()
        self.map = MapView()
        self._apply_map_settings()
        self.review = ReviewController(self.view, self.findings, self.undo, self._camera, self)
        self.review.order = self.photos.visible_ids
        self.review.confirm_reviewer = self.confirm_reviewer
        self.docks = {
            "photos": self._dock("photos", self.photos, Qt.DockWidgetArea.LeftDockWidgetArea),
            "findings": self._dock("findings", self.findings, Qt.DockWidgetArea.RightDockWidgetArea),
            "map": self._dock("map", self.map, Qt.DockWidgetArea.RightDockWidgetArea),
            "sites": self._dock("sites", self.sites, Qt.DockWidgetArea.BottomDockWidgetArea),
        }
        self.splitDockWidget(self.docks["findings"], self.docks["map"], Qt.Orientation.Vertical)
        # the findings column runs down to the status bar: the maintenance list sits under the photo and the list
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.progress = TaskProgress()
        self.counter = ReviewCounter()
        self.message = QLabel()
        # a long message must never widen the window or push the counter out of sight
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # messages name photos and files
        self.statusBar().addWidget(self.message, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.counter)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(5, 100)
        self.opacity.setValue(round(self.view.overlay_opacity() * 100))
        self.opacity.setFixedWidth(110)
        self.opacity.valueChanged.connect(lambda v: self.view.set_overlay_opacity(v / 100))
        self.actions = Actions(self)
        self.actions.build(self.undo.createUndoAction(self), self.undo.createRedoAction(self), [self.opacity])
        self.actions.map_tiles.setChecked(bool(self.values["map/online_tiles"]))
        self._task: Task | None = None
        self._export_folder = ""
        self._report_top = DEFAULT_TOP
        self._hint: str | None = None
        self._shown: tuple[int | None, int | None] = (None, None)
        self._maintenance_task: Task | None = None
        self._maintenance_again = False
        self._maintenance_timer = QTimer(self, singleShot=True, interval=400)
        self._maintenance_timer.timeout.connect(self._compute_maintenance)
        self._state_timer = QTimer(self, singleShot=True, interval=500)
        self._state_timer.timeout.connect(self.save_state)
        self._connect()
        self.retranslate()
        self.resize(1500, 950)
        geometry = QSettings().value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
            state = QSettings().value("window/state")
            if isinstance(state, QByteArray):
                self.restoreState(state)
        else:
            screen = self.screen().availableGeometry() if self.screen() is not None else None
            if screen is not None and (screen.width() < 1500 or screen.height() < 950):  # a laptop: all of it
                self.resize(min(1500, screen.width()), min(950, screen.height()))
                self.setWindowState(Qt.WindowState.WindowMaximized)
            QTimer.singleShot(0, self.default_layout)
        self._update_enabled()

    COMPACT_HEIGHT = 900
    """Below this window height (a laptop: 1366x768, 1280x720) the map shares the bottom dock with the
    maintenance list as tabs: the findings column keeps the full height and each dock a usable size."""

    def default_layout(self) -> None:
        """Dock sizes of a first start: list left, findings right (over the map on a tall screen), maintenance
        list below the photo; on a laptop screen the map is a tab beside the maintenance list."""
        width, height = self.width(), self.height()
        compact = height < self.COMPACT_HEIGHT
        findings, map_dock, sites = self.docks["findings"], self.docks["map"], self.docks["sites"]
        if compact and map_dock not in self.tabifiedDockWidgets(sites):
            self.tabifyDockWidget(sites, map_dock)
            sites.raise_()
        elif not compact and map_dock in self.tabifiedDockWidgets(sites):
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, map_dock)
            self.splitDockWidget(findings, map_dock, Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["photos"], findings], [int(width * 0.2), int(width * 0.26)],
                         Qt.Orientation.Horizontal)
        if compact:
            self.resizeDocks([sites], [int(height * 0.34)], Qt.Orientation.Vertical)
        else:
            self.resizeDocks([findings, map_dock], [int(height * 0.55), int(height * 0.3)], Qt.Orientation.Vertical)
            self.resizeDocks([sites], [int(height * 0.26)], Qt.Orientation.Vertical)

    def _dock(self, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(self)
        dock.setObjectName(f"{name}Dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        a, r = self.actions, self.review
        a.new_inspection.triggered.connect(lambda: self.new_inspection())
        a.add_photos.triggered.connect(lambda: self.add_photos())
        a.place_gpx.triggered.connect(lambda: self.place_on_gpx())
        a.open_project.triggered.connect(lambda: self.open_project())
        a.open_demo.triggered.connect(self.open_demo)
        a.export.triggered.connect(lambda: self.show_export())
        a.export_training.triggered.connect(lambda: self.show_export(training=True))
        a.split_project.triggered.connect(lambda: survey.split_for_inspectors(self))
        a.merge_parts.triggered.connect(lambda: survey.merge_reviews(self))
        a.quit.triggered.connect(self.close)
        a.settings.triggered.connect(self.show_settings)
        a.about.triggered.connect(lambda: show_about(self))
        a.shortcuts.triggered.connect(lambda: self.show_help("shortcuts"))
        a.getting_started.triggered.connect(lambda: self.show_help("start"))
        a.analyse.triggered.connect(self.start_analysis)
        a.road_region.triggered.connect(lambda: road_region.edit_region(self))
        a.project_camera.triggered.connect(lambda: camera_ui.edit_cameras(self))
        a.cancel_task.triggered.connect(self.cancel_task)
        self.progress.cancelRequested.connect(self.cancel_task)
        a.accept.triggered.connect(lambda: r.review("accept"))
        a.reject.triggered.connect(lambda: r.review("reject"))
        a.set_crack.triggered.connect(lambda: self.choose_class(DamageClass.CRACK))
        a.set_pothole.triggered.connect(lambda: self.choose_class(DamageClass.POTHOLE))
        a.next_finding.triggered.connect(lambda: r.next_finding(1))
        a.next_unreviewed.triggered.connect(r.next_unreviewed)
        a.previous_finding.triggered.connect(lambda: r.next_finding(-1))
        a.next_photo.triggered.connect(lambda: r.next_photo(1))
        a.previous_photo.triggered.connect(lambda: r.next_photo(-1))
        a.toggle_overlay.toggled.connect(self.view.set_overlay_visible)
        a.fit.triggered.connect(self.view.fit_photo)
        a.zoom_in.triggered.connect(lambda: self.view.zoom_by(1.25))
        a.zoom_out.triggered.connect(lambda: self.view.zoom_by(0.8))
        a.tool_navigate.triggered.connect(lambda: self.view.set_tool(Tool.NAVIGATE))
        a.tool_brush.triggered.connect(lambda: self._set_tool(Tool.BRUSH))
        a.tool_eraser.triggered.connect(lambda: self._set_tool(Tool.ERASER))
        a.tool_polygon.triggered.connect(lambda: self._set_tool(Tool.POLYGON))
        a.apply_edit.triggered.connect(lambda: self.view.apply_mask_edit() or self.view.finish_polygon())
        a.map_tiles.toggled.connect(self._set_tiles)
        self.view.toolChanged.connect(self._on_tool_changed)
        self.photos.photoActivated.connect(lambda pid: r.show_photo(pid))
        self.map.photoClicked.connect(lambda pid: r.show_photo(pid))
        self.map.siteClicked.connect(self._show_site)
        self.sites.siteActivated.connect(self._show_site)
        self.sites.siteSelected.connect(self._highlight_site)
        self.sites.findingSelected.connect(lambda pid, fid: r.show_photo(pid, fid))
        r.currentChanged.connect(self._on_current)
        self.findings.reviewKeysWanted.connect(self.focus_review)
        r.message.connect(self.show_hint)
        r.failed.connect(lambda m: self.show_error(self.tr("The decision could not be recorded"), m))
        self.undo.cleanChanged.connect(lambda _: self._update_enabled())

    # ------------------------------------------------------------------ settings
    def _camera(self):  # CameraModel
        if self.session is not None:
            return project_camera(self.session.store, self.values)
        return core_settings.camera_model(self.values)

    def show_settings(self) -> None:
        """Edit the settings; language, map, weights and reviewer apply at once."""
        values = dict(self.values)
        if self.session is not None:  # the project's own camera, when it has one
            camera = project_camera(self.session.store, self.values)
            values.update({"camera/height_m": camera.height_m, "camera/pitch_deg": camera.pitch_deg,
                           "camera/hfov_deg": camera.hfov_deg})
        dialog = SettingsDialog(values, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.apply_settings(dialog.values())

    def apply_settings(self, values: dict[str, Any]) -> None:
        """Store and apply new settings."""
        old = self.values
        values = dict(values)
        if values.get("map/online_tiles") and not old.get("map/online_tiles") and not self._confirm_online_tiles(
                str(values.get("map/tile_url", ""))):
            values["map/online_tiles"] = False
        save_settings(values)
        self.values = core_settings.resolve(values)
        self._apply_map_settings()
        if self.values["general/language"] != old.get("general/language"):
            i18n.apply_language(self.values["general/language"])
        if self.session is not None:
            self.session.reviewer = core_settings.reviewer(self.values)
            camera = {s.key for s in core_settings.SETTINGS if s.group == "camera"}
            if any(self.values[k] != old.get(k) for k in camera) and not self.session.readonly:
                # the open project's camera (its groups with a camera of their own keep it); findings measured again
                current = project_camera(self.session.store, self.values)
                camera_ui.apply_camera(self, current.with_base(core_settings.camera_model(self.values)))
        self.actions.map_tiles.setChecked(bool(self.values["map/online_tiles"]))
        self.schedule_maintenance()

    def show_help(self, page: str) -> QDialog:
        """Help › Keyboard shortcuts (``shortcuts``) or Getting started (``start``), non-modal."""
        from roadinspect.gui.help import GettingStartedDialog, ShortcutsDialog

        if page == "shortcuts":
            menus = [self.actions.menus[k] for k in ("file", "edit", "review", "view", "tools", "help")]
            listed = [a for menu in menus for a in menu.actions() if not a.isSeparator() and a.menu() is None]
            dialog: QDialog = ShortcutsDialog(listed, self)
        else:
            dialog = GettingStartedDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def confirm_reviewer(self) -> bool:
        """Before the first decision, ask once for the reviewer's name (recorded with every decision and in the
        audit log) when it was never set: the login name is only the proposal. False when cancelled."""
        if QSettings().contains("review/reviewer"):
            return True
        name, ok = QInputDialog.getText(
            self, self.tr("Reviewer name"),
            self.tr("Your name, recorded with every decision and in the project's audit log\n"
                    "(Edit › Settings changes it later):"), text=core_settings.reviewer(self.values))
        name = name.strip()
        if not ok or not name:
            self.show_message(self.tr("Nothing recorded: a decision needs the reviewer's name."))
            return False
        save_settings({"review/reviewer": name})
        self.values["review/reviewer"] = name
        if self.session is not None:
            self.session.reviewer = name
        return True

    def _set_tiles(self, enabled: bool) -> None:
        if enabled and not self.values["map/online_tiles"] and not self._confirm_online_tiles(
                self.values["map/tile_url"]):
            blocked = self.actions.map_tiles.blockSignals(True)
            self.actions.map_tiles.setChecked(False)
            self.actions.map_tiles.blockSignals(blocked)
            return
        if bool(self.values["map/online_tiles"]) != enabled:
            self.values["map/online_tiles"] = enabled
            save_settings({"map/online_tiles": enabled})
        self._apply_map_settings()

    def _confirm_online_tiles(self, url: str) -> bool:
        """Ask once per tile server before the map downloads anything: the server sees the area looked at."""
        from roadinspect.core.tiles import tile_host

        store = QSettings()
        if store.value("map/online_tiles_confirmed", "") == url:
            return True
        answer = QMessageBox.question(
            self, self.tr("Online map tiles"),
            self.tr("The map will download its background from {server}.\n\nThat server then learns which area you "
                    "look at (the surveyed roads). Turn online map tiles on?").format(server=tile_host(url)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        store.setValue("map/online_tiles_confirmed", url)
        return True

    def _apply_map_settings(self) -> None:
        """Give the map its background settings; a bad address or base map file is said in the status bar."""
        v = self.values
        problems = self.map.configure_background(
            online=bool(v["map/online_tiles"]), url=str(v["map/tile_url"]), attribution=str(v["map/attribution"]),
            cache_mb=int(v["map/cache_mb"]), cache_days=int(v["map/cache_days"]), base_file=str(v["map/base_map_file"]))
        for problem in problems:
            log.warning("map background: %s", problem)
        if problems and getattr(self, "message", None) is not None:
            self.show_message(problems[0])

    # ------------------------------------------------------------------ projects
    def open_project(self, path: Path | None = None, create: bool = False) -> bool:
        """Open a project (asks for the file when ``path`` is None); False when it was not opened."""
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Open project"), self._last_folder(),
                                                    self.tr("RoadInspect projects (*{ext});;All files (*)").format(
                                                        ext=PROJECT_SUFFIX))
            if not chosen:
                return False
            path = Path(chosen)
        path = Path(path).absolute()
        reviewer = core_settings.reviewer(self.values)
        try:
            session = ProjectSession.open(path, reviewer, create=create)
        except ProjectLocked as exc:
            answer = QMessageBox.question(self, self.tr("Project already open"),  # the text names a file: plain
                                          labels.plain_tooltip(str(exc) + "\n\n" + self.tr("Open it read-only?")))
            if answer != QMessageBox.StandardButton.Yes:
                return False
            try:
                session = ProjectSession.open(path, reviewer, readonly=True)
            except ProjectError as err:
                self.show_error(self.tr("Cannot open the project"), str(err))
                return False
        except ProjectError as exc:
            self.show_error(self.tr("Cannot open the project"), str(exc))
            return False
        self.close_project()
        self._use_session(session)
        self._remember(path)
        return True

    def _use_session(self, session: ProjectSession) -> None:
        self.session = session
        session.setParent(self)
        session.photosReset.connect(self._reload_lists)
        session.photoChanged.connect(self._on_photo_changed)
        self.review.set_session(session)
        self._reload_lists(fit_map=True)
        state = session.ui_state()
        self._export_folder = str(state.get("export_folder") or "")
        top = state.get("report_top", DEFAULT_TOP)
        self._report_top = top if isinstance(top, int) and not isinstance(top, bool) and top >= 0 else DEFAULT_TOP
        self.photos.set_filters(state.get("filters", {}))
        self.view.set_overlay_opacity(float(state.get("opacity", self.view.overlay_opacity())))
        self.opacity.setValue(round(self.view.overlay_opacity() * 100))
        self.actions.toggle_overlay.setChecked(bool(state.get("overlay", True)))
        order = session.photo_ids()
        photo = state.get("photo") if state.get("photo") in order else (order[0] if order else None)
        self.review.show_photo(photo, state.get("finding"))
        self._update_title()
        self._update_enabled()
        self.schedule_maintenance()
        log.info("opened project %s (read-only: %s)", session.path, session.readonly)

    def close_project(self) -> None:
        """Stop the project's background work, save where the inspector is, close the file."""
        if self.session is None:
            return
        self.cancel_task()
        if self._task is not None:
            self._task.wait(60)
        if self._maintenance_task is not None:
            self._maintenance_task.cancel()
            self._maintenance_task.wait(30)
        self.review.wait()
        self.save_state(wait=True)
        session, self.session = self.session, None
        self.review.set_session(None)
        session.close()
        self.maintenance = None
        self.photos.model.set_rows([])
        self.sites.model.set_rows([])
        self.map.set_data([])
        self._update_title()
        self._update_enabled()

    def open_demo(self) -> None:
        """Open (or create) the demo project on the bundled samples and analyse what is left."""
        path = demo_project_path()
        samples = sorted(p for p in samples_dir().glob("*.jpg")) if samples_dir().is_dir() else []
        new = not path.exists()
        if not self.open_project(path, create=True):
            return
        if new or (self.session is not None and not self.session.photo_ids()):  # open_project set the session
            if not samples:
                self.show_error(self.tr("No sample photos"),
                                self.tr("The bundled sample photos are missing from {folder}.").format(
                                    folder=samples_dir()))
                return
            self.start_import(samples, then_analyse=True, camera=camera_ui.samples_camera())
        else:
            self.start_analysis()

    def new_inspection(self, inputs: list[Path] | None = None, project: Path | None = None,
                       analyse: bool = True, camera: CameraModel | None = None) -> bool:
        """Create a project for a folder or photos (asked when not given), import them and analyse them.

        ``camera``: the photos' camera (no question at import; scripts and benchmarks)."""
        if inputs is None:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Folder of road photos"), self._last_folder())
            if not folder:
                return False
            inputs = [Path(folder)]
        inputs = [Path(p) for p in inputs]
        if project is None:
            base = inputs[0] if inputs[0].is_dir() else inputs[0].parent
            default = base / f"{base.name or 'inspection'}{PROJECT_SUFFIX}"
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Save the new project as"), str(default),
                                                    self.tr("RoadInspect projects (*{ext})").format(ext=PROJECT_SUFFIX))
            if not chosen:
                return False
            project = Path(chosen)
            if project.suffix != PROJECT_SUFFIX:
                project = project.with_suffix(PROJECT_SUFFIX)
        if not self.open_project(project, create=True):
            return False
        self.start_import(inputs, then_analyse=analyse, camera=camera)
        return True

    def add_photos(self, inputs: list[Path] | None = None) -> None:
        """Add a folder of photos to the open project, then analyse them."""
        if self.session is None:
            self.new_inspection(inputs)
            return
        if inputs is None:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Folder of road photos"), self._last_folder())
            if not folder:
                return
            inputs = [Path(folder)]
        self.start_import(inputs, then_analyse=True)

    def _remember(self, path: Path) -> None:
        settings = QSettings()
        recent = [p for p in _string_list(settings.value("recent/projects")) if p != str(path)]
        recent.insert(0, str(path))
        settings.setValue("recent/projects", recent[:MAX_RECENT])
        settings.setValue("recent/folder", str(path.parent))
        self._fill_recent()

    def recent_projects(self) -> list[Path]:
        """Recently opened projects that still exist, newest first."""
        return [Path(v) for v in _string_list(QSettings().value("recent/projects")) if Path(v).exists()]

    def _fill_recent(self) -> None:
        menu = self.actions.recent_menu
        menu.clear()
        for path in self.recent_projects():
            def open_recent(p: Path = path) -> None:
                self.open_project(p)

            menu.addAction(path.name, open_recent).setToolTip(str(path))
        menu.setEnabled(not menu.isEmpty())

    def _last_folder(self) -> str:
        return str(QSettings().value("recent/folder") or Path.home())

    # ------------------------------------------------------------------ background work
    def _start(self, name: str, unit: str, fn, *args: Any, on_result=None, on_progress=None) -> Task | None:
        if self._task is not None and self._task.is_running():
            self.show_message(self.tr("Please wait: {task} is running.").format(task=self.progress.title.text()))
            return None
        task = Task(name, self)
        self._task = task
        self.progress.start(name, unit)
        task.progress.connect(self.progress.update_progress)
        if on_progress is not None:
            task.progress.connect(on_progress)
        if on_result is not None:
            task.result.connect(on_result)
        task.error.connect(lambda message, details: self._task_error(name, message, details))
        task.finished.connect(self._task_finished)
        task.start(fn, *args)
        self._update_enabled()
        return task

    def _task_finished(self) -> None:
        self.progress.stop()
        self._update_enabled()

    def _task_error(self, name: str, message: str, details: str) -> None:
        log.error("%s failed: %s\n%s", name, message, details)
        self.show_error(self.tr("{task} failed").format(task=name), message)

    def cancel_task(self) -> None:
        """Cancel the running import, analysis or export."""
        if self._task is not None and self._task.is_running():
            self._task.cancel()
            self.show_message(self.tr("Cancelling… finished photos are kept."))

    def is_busy(self) -> bool:
        """True while an import or analysis runs."""
        return self._task is not None and self._task.is_running()

    def start_import(self, inputs: list[Path], then_analyse: bool = True, camera: CameraModel | None = None) -> None:
        """Scan and record photos in the background, ask the camera of a camera new to the project (``camera``:
        given, not asked), then analyse them."""
        if self.session is None or self.session.readonly:
            return
        session = self.session
        groups_before = camera_ui.groups_of(session)

        def done(summary: ImportSummary) -> None:
            if session is not self.session:
                return
            session.reload(summary.snapshot)
            problems = len(summary.scan.unreadable)
            text = self.tr("%n photo(s) added", "", summary.added.added)
            if summary.added.duplicates:
                text += self.tr(", %n duplicate(s) skipped", "", summary.added.duplicates)
            if problems:
                text += self.tr(", %n unreadable file(s) (see the photo list)", "", problems)
            if not session.readonly:  # the camera of each camera group new to the project, asked once
                text += ". " + camera_ui.after_import(self, session, groups_before, camera)
            self.show_message(text)
            if self.review.photo_id is None and session.photo_ids():
                self.review.show_photo(self.photos.visible_ids()[0] if self.photos.visible_ids()
                                       else session.photo_ids()[0])
            if then_analyse:
                QTimer.singleShot(0, self.start_analysis)

        self._start(self.tr("Import"), self.tr("files"), import_photos, session.store, inputs,
                    session.reviewer, on_result=done)

    def place_on_gpx(self, track: Path | None = None, clock_offset_s: float | None = None) -> None:
        """Place the photos without their own GPS on a GPX track (file and offset asked when not given)."""
        if self.session is None or self.session.readonly or self.is_busy():
            return
        session = self.session
        photos = [r.photo for r in (session.record(pid) for pid in session.photo_ids()) if r.photo is not None]
        candidates = sum(1 for p in photos if p.position_source != PositionSource.EXIF)
        if not candidates:
            self.show_message(self.tr("Every photo has its own GPS position: nothing to place."))
            return
        if track is None or clock_offset_s is None:
            asked = gpx.ask_placement(self, self._last_folder(), candidates)
            if asked is None:
                return
            track, clock_offset_s = asked

        def done(summary: PlacementSummary) -> None:
            if session is not self.session:
                return
            self.maintenance = None  # the map fits the new track once the list is recomputed
            session.reload(summary.snapshot)
            self.review.show_photo(self.review.photo_id, self.review.finding_id)
            self.show_message(gpx.result_text(summary.result))
            details = gpx.details_text(summary.result)
            if details:
                box = QMessageBox(QMessageBox.Icon.Information, self.tr("Photos still without position"), details,
                                  QMessageBox.StandardButton.Ok, self)
                box.setTextFormat(Qt.TextFormat.PlainText)
                box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                box.open()

        self._start(self.tr("GPX placement"), self.tr("photos"), place_on_gpx, session.store, track, clock_offset_s,
                    self._camera(), session.reviewer, on_result=done)

    def start_analysis(self) -> None:
        """Analyse the photos not analysed yet; each photo shows its findings when done."""
        if self.session is None or self.session.readonly:
            return
        session = self.session

        def on_progress(info: ProgressInfo) -> None:
            if session is self.session and len(info.payload) == 4 and info.payload[2] is not None:
                session.update_photo(info.payload[2], info.payload[3])

        def done(summary: Any) -> None:
            if session is not self.session:
                return
            road_region.show_region(self, self.review.photo_id)  # the analysis may have estimated it
            if summary.analysis_id is None:
                self.show_message(self.tr("Every photo is already analysed."))
                return
            text = (self.tr("Analysis finished: %n photo(s)", "", summary.analysed) + ", "
                    + self.tr("%n finding(s)", "", summary.findings))
            if summary.failed:
                text += self.tr(", %n photo(s) could not be analysed", "", len(summary.failed))
            if summary.cancelled:
                text = self.tr("Analysis cancelled after %n photo(s); F5 continues it.", "", summary.analysed)
            self.show_message(text)

        self._start(self.tr("Analysis"), self.tr("photos"), analyse_project, session.store, self._camera(),
                    session.reviewer, on_result=done, on_progress=on_progress)

    # ------------------------------------------------------------------ maintenance list
    def schedule_maintenance(self) -> None:
        """Recompute sites, priorities and sections soon (debounced; in the background)."""
        self._maintenance_timer.start()

    def _compute_maintenance(self) -> None:
        if self.session is None:
            return
        if self._maintenance_task is not None and self._maintenance_task.is_running():
            self._maintenance_again = True
            return
        session = self.session
        task = Task("maintenance", self)
        self._maintenance_task = task
        weights = core_settings.priority_weights(self.values)
        sections = SectionSettings(length_m=core_settings.section_length(self.values))
        task.result.connect(lambda mlist: self._show_maintenance(session, mlist))
        task.error.connect(lambda m, d: log.error("maintenance list failed: %s\n%s", m, d))
        task.finished.connect(self._maintenance_done)
        task.start(compute_maintenance, session.project_data(), weights, sections)

    def _maintenance_done(self) -> None:
        if self._maintenance_again:
            self._maintenance_again = False
            self.schedule_maintenance()

    def _show_maintenance(self, session: ProjectSession, mlist: MaintenanceList) -> None:
        if session is not self.session:
            return
        first = self.maintenance is None
        self.maintenance = mlist
        self.sites.model.set_rows([SiteRow(r, mlist.site_section.get(r.site.id, "")) for r in mlist.ranked])
        self.sites.set_rejected([RejectedRow(session.record(pid).path.name, row) for pid in session.photo_ids()
                                 for row in self.review.rows(pid) if row.status == ReviewStatus.REJECTED])
        photos = [(pid, photo) for pid in session.photo_ids() if (photo := session.record(pid).photo) is not None]
        self.map.set_data(photos, mlist.ranked, mlist.sections, fit=first)
        self.map.set_current_photo(self.review.photo_id, self._heading(self.review.photo_id))
        worst = min(mlist.sections, key=lambda s: s.score) if mlist.sections else None
        self.sites.update_summary(mlist.site_count, len(mlist.sections),
                                  self.tr("worst section {id}: {score:.0f}/100 ({rating})").format(
                                      id=worst.id, score=worst.score, rating=labels.rating_name(worst.rating))
                                  if worst else "")

    def _show_site(self, site_id: str) -> None:
        if self.maintenance is None:
            return
        ranked = next((r for r in self.maintenance.ranked if r.site.id == site_id), None)
        if ranked is None:
            return
        evidence = ranked.site.evidence
        self.sites.select(site_id)
        self.review.show_photo(evidence.photo_id, evidence.id)

    def _highlight_site(self, site_id: str) -> None:
        self._show_site(site_id)

    # ------------------------------------------------------------------ reactions
    def _reload_lists(self, fit_map: bool = False) -> None:
        if self.session is None:
            return
        self.photos.model.set_rows(self.session.rows())
        self.photos.set_conflict_photos(survey.conflict_photos(self.session.store))
        session = self.session
        photos = [(pid, photo) for pid in session.photo_ids() if (photo := session.record(pid).photo) is not None]
        if self.maintenance is None:
            self.map.set_data(photos, fit=True)
        self.photos.select(self.review.photo_id)
        self._update_counter()
        self.schedule_maintenance()

    def _on_photo_changed(self, photo_id: int) -> None:
        if self.session is None:
            return
        self.photos.model.update_photo(self.session.row(photo_id))
        self.photos.set_conflict_photos(survey.conflict_photos(self.session.store))
        self._update_counter()
        self.schedule_maintenance()

    def _on_current(self, photo_id: int | None, finding_id: int | None) -> None:
        if (photo_id, finding_id) != self._shown:
            self._shown = (photo_id, finding_id)
            self.clear_hint()
        self.photos.select(photo_id)
        self.map.set_current_photo(photo_id, self._heading(photo_id), center=True)
        road_region.show_region(self, photo_id)
        if self.session is not None and photo_id is not None:
            record = self.session.record(photo_id)
            when = record.photo.taken_at.strftime("%H:%M:%S") if record.photo and record.photo.taken_at else ""
            self.docks["findings"].setWindowTitle(self.tr("Findings — {name}").format(name=record.path.name)
                                                  + (f"  ·  {when}" if when else ""))
        self._state_timer.start()

    def _heading(self, photo_id: int | None) -> float | None:
        if self.session is None or photo_id is None or photo_id not in self.session.photo_ids():
            return None
        photo = self.session.record(photo_id).photo
        return photo.heading_deg if photo is not None else None

    def _update_counter(self) -> None:
        if self.session is None:
            self.counter.setText("")
            return
        self.counter.set_counts(*self.session.review_progress())

    def focus_review(self) -> None:
        """Give the keyboard back to reviewing (the photo view takes the focus: A, R, J, K... work again)."""
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def choose_class(self, damage: DamageClass) -> None:
        """1 / 2: the class of the shape being drawn while a drawing tool is active, otherwise the selected
        finding's class (a decision). Choosing what to draw never changes a finding."""
        if self.view.tool() in (Tool.POLYGON, Tool.BRUSH):
            self.view.set_new_finding_class(damage)
            self.show_hint(self.tr("Missed finding to draw: {damage} (1 crack, 2 pothole).").format(
                damage=labels.class_name(damage)))
            return
        self.review.review("damage", int(damage))

    def _set_tool(self, tool: Tool) -> None:
        if self.session is None or self.session.readonly:
            self._on_tool_changed(self.view.tool())
            return
        self.view.set_tool(tool)
        if self.view.tool() != tool:
            self.show_hint(self.tr("Select a finding to correct its mask first."))

    def _on_tool_changed(self, tool: Tool) -> None:
        actions = {Tool.NAVIGATE: self.actions.tool_navigate, Tool.BRUSH: self.actions.tool_brush,
                   Tool.ERASER: self.actions.tool_eraser, Tool.POLYGON: self.actions.tool_polygon}
        actions[tool].setChecked(True)
        self.clear_hint()
        brush = (self.tr("Paint the missed damage (1 crack, 2 pothole first), then press Enter to add it "
                         "([ and ] change the brush size).") if self.view.is_drawing_new() else
                 self.tr("Paint the damage, then press Enter to apply; a stroke outside the dashed frame draws a "
                         "new finding ([ and ] change the brush size)."))
        hints = {Tool.BRUSH: brush,
                 Tool.ERASER: self.tr("Erase what is not damage, then press Enter to apply."),
                 Tool.POLYGON: self.tr("Click the corners of the missed damage; double-click or Enter to finish. "
                                       "1 or 2 first to choose crack or pothole.")}
        if tool in hints:
            self.show_hint(hints[tool])

    def _update_enabled(self) -> None:
        has = self.session is not None
        writable = self.session is not None and not self.session.readonly
        busy = self.is_busy()
        a = self.actions
        for action in (a.accept, a.reject, a.set_crack, a.set_pothole, a.tool_brush, a.tool_eraser, a.tool_polygon,
                       a.apply_edit):
            action.setEnabled(writable)
        for action in (a.export, a.export_training, a.next_finding, a.previous_finding, a.next_photo,
                       a.previous_photo, a.next_unreviewed):
            action.setEnabled(has)
        a.add_photos.setEnabled(writable and not busy)
        a.place_gpx.setEnabled(writable and not busy)
        a.analyse.setEnabled(writable and not busy)
        a.road_region.setEnabled(writable and not busy)
        a.project_camera.setEnabled(writable and not busy)
        a.split_project.setEnabled(writable and not busy)
        a.merge_parts.setEnabled(writable and not busy)
        a.cancel_task.setEnabled(busy)
        self._fill_recent()

    def _update_title(self) -> None:
        if self.session is None:
            self.setWindowTitle(f"RoadInspect {__version__}")
            return
        suffix = self.tr(" [read-only]") if self.session.readonly else ""
        suffix = survey.part_suffix(self.session.store) + suffix
        self.setWindowTitle(f"{self.session.path.name}{suffix} — RoadInspect")

    # ------------------------------------------------------------------ export
    def show_export(self, training: bool = False) -> ExportDialog | None:
        """The Export dialog (formats of the maintenance list, or the training set)."""
        if self.session is None:
            return None
        data = self.session.project_data()
        weights = core_settings.priority_weights(self.values)
        sections = SectionSettings(length_m=core_settings.section_length(self.values))
        lang = i18n.current_language()  # the report speaks the app's language
        base_map = str(self.values["map/base_map_file"] or "")  # drawn under the report's map too

        def run(out: Path, *, formats: list[str], csv_profile: str, progress, is_cancelled,
                report_top: int = DEFAULT_TOP):
            report = ReportOptions(lang=lang, top=report_top, base_map=base_map)
            return export_project(data, out, formats, csv_profile, weights, section_settings=sections,
                                  progress=progress, is_cancelled=is_cancelled, report=report)

        default = self.session.path.parent / f"{self.session.path.stem} export"
        dialog = ExportDialog(run, Path(self._export_folder) if self._export_folder else default, self,
                              report_top=self._report_top)
        dialog.folderUsed.connect(self._remember_export_folder)
        dialog.reportTopUsed.connect(self._remember_report_top)
        if training:
            for key, box in dialog.checks.items():
                box.setChecked(key == "training")
        dialog.show()
        return dialog

    def _remember_report_top(self, top: int) -> None:
        """The next export of this project proposes the report's number of cards of the last one (in the project)."""
        self._report_top = top
        self.save_state()

    def _remember_export_folder(self, folder: str) -> None:
        """The next export of this project proposes the folder of the last one (kept in the project)."""
        self._export_folder = folder
        self.save_state()

    # ------------------------------------------------------------------ state and messages
    def save_state(self, wait: bool = False) -> None:
        """Save where the inspector is into the project, in the background (restored when it is reopened)."""
        if self.session is None or self.session.readonly:
            return
        state = {"photo": self.review.photo_id, "finding": self.review.finding_id, "filters": self.photos.filters(),
                 "overlay": self.view.overlay_visible(), "opacity": round(self.view.overlay_opacity(), 3),
                 "export_folder": self._export_folder, "report_top": self._report_top}
        task = Task("save view state", self)
        task.error.connect(lambda message, _details: log.warning("cannot save the view state: %s", message))
        task.start(_save_state, self.session, state)
        if wait:
            task.wait(30)

    def show_message(self, text: str) -> None:
        """A message in the status bar (it stays until the next one)."""
        self._hint = None
        self.message.setText(text)
        log.info("status: %s", text)

    def show_hint(self, text: str) -> None:
        """A hint in the status bar about what is on screen now: it goes when another finding is shown or
        the tool changes."""
        self.message.setText(text)
        self._hint = text

    def clear_hint(self) -> None:
        """Remove the hint (a message shown since stays)."""
        if self._hint is not None and self.message.text() == self._hint:
            self.message.clear()
        self._hint = None

    def show_error(self, title: str, text: str) -> None:
        """A warning dialog (non-blocking) and the message in the status bar."""
        self.show_message(f"{title}: {text}")
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the text names files: never markup
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def retranslate(self) -> None:
        """Set every text in the current language."""
        titles = {"photos": self.tr("Photos"), "findings": self.tr("Findings"), "map": self.tr("Map"),
                  "sites": self.tr("Maintenance list")}
        for key, dock in self.docks.items():
            dock.setWindowTitle(titles[key])
        self.view.empty_text = self.tr("Drop a folder of road photos here, or use File › New inspection.")
        self.opacity.setToolTip(self.tr("Overlay opacity"))
        self.actions.retranslate()
        self._update_title()
        self._update_counter()
        if self.session is not None:
            self.review.show_photo(self.review.photo_id, self.review.finding_id)
            if self.maintenance is not None:
                self._show_maintenance(self.session, self.maintenance)

    def changeEvent(self, event: QEvent) -> None:
        """Re-translate when the language changes."""
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ drag and drop, closing
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept folders and files from the file manager."""
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """A dropped project opens; dropped folders or photos start a new inspection."""
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        if len(paths) == 1 and paths[0].suffix == PROJECT_SUFFIX:
            QTimer.singleShot(0, lambda: self.open_project(paths[0]))
        elif paths:
            QTimer.singleShot(0, lambda: self.new_inspection(paths))

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop background work, save the view state, close the project, remember the window layout."""
        QSettings().setValue("window/geometry", self.saveGeometry())
        QSettings().setValue("window/state", self.saveState())
        self.close_project()
        self.thumbnails.cancel()
        self.thumbnails.wait()
        super().closeEvent(event)
