"""Every action of the main window: icon, shortcuts, menu and toolbar placement, translated texts.

Shortcuts are chosen for one-handed review: A accept, R reject, 1 crack, 2 pothole, J/K or the left and
right arrows for the next/previous finding (flowing into the next photo), the up and down arrows for
the previous/next photo, Space for the overlay. French AZERTY keyboards type ``&`` and ``é`` on the 1 and
2 keys without Shift, so those are shortcuts too, as are the keypad digits.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from roadinspect.gui.style import icon


def _keys(*specs: str | QKeySequence.StandardKey | int) -> list[QKeySequence]:
    out = []
    for spec in specs:
        out.append(QKeySequence(spec) if not isinstance(spec, QKeySequence) else spec)
    return out


class Actions(QObject):
    """The window's actions (attributes), menus and toolbar."""

    # made by name in __init__ (``make``)
    new_inspection: QAction
    add_photos: QAction
    place_gpx: QAction
    open_project: QAction
    open_demo: QAction
    export: QAction
    export_training: QAction
    split_project: QAction
    merge_parts: QAction
    quit: QAction
    settings: QAction
    analyse: QAction
    cancel_task: QAction
    road_region: QAction
    project_camera: QAction
    accept: QAction
    reject: QAction
    set_crack: QAction
    set_pothole: QAction
    next_finding: QAction
    next_unreviewed: QAction
    previous_finding: QAction
    next_photo: QAction
    previous_photo: QAction
    toggle_overlay: QAction
    fit: QAction
    zoom_in: QAction
    zoom_out: QAction
    tool_navigate: QAction
    tool_brush: QAction
    tool_eraser: QAction
    tool_polygon: QAction
    apply_edit: QAction
    map_tiles: QAction
    about: QAction
    shortcuts: QAction
    getting_started: QAction

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window

        def make(name: str, icon_name: str = "", keys: list[QKeySequence] | None = None,
                 checkable: bool = False) -> QAction:
            action = QAction(window)
            action.setObjectName(name)
            if icon_name:
                action.setIcon(icon(icon_name))
            if keys:
                action.setShortcuts(keys)
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setCheckable(checkable)
            window.addAction(action)
            setattr(self, name, action)
            return action

        kp = Qt.KeyboardModifier.KeypadModifier
        make("new_inspection", "new", _keys(QKeySequence.StandardKey.New))
        make("add_photos", "new")
        make("place_gpx")
        make("open_project", "open", _keys(QKeySequence.StandardKey.Open))
        make("open_demo")
        make("export", "export", _keys("Ctrl+E"))
        make("export_training")
        make("split_project")
        make("merge_parts")
        make("quit", "", _keys("Ctrl+Q"))
        make("settings", "settings", _keys("Ctrl+,"))
        make("analyse", "analyse", _keys("F5"))
        make("cancel_task", "stop", _keys("Shift+F5"))
        make("road_region")
        make("project_camera")
        make("accept", "accept", _keys("A"))
        make("reject", "reject", _keys("R"))
        make("set_crack", "", [QKeySequence("1"), QKeySequence("&"), QKeySequence(kp | Qt.Key.Key_1)])
        make("set_pothole", "", [QKeySequence("2"), QKeySequence(Qt.Key.Key_Eacute), QKeySequence(kp | Qt.Key.Key_2)])
        make("next_finding", "next", _keys("J", "Right"))
        make("next_unreviewed", "", _keys("U"))
        make("previous_finding", "previous", _keys("K", "Left"))
        make("next_photo", "", _keys("Down", "Shift+J", "PgDown"))
        make("previous_photo", "", _keys("Up", "Shift+K", "PgUp"))
        make("toggle_overlay", "overlay", _keys("Space"), checkable=True)
        make("fit", "fit", _keys("F", "0"))
        make("zoom_in", "zoom-in", _keys(QKeySequence.StandardKey.ZoomIn, "+", "="))
        make("zoom_out", "zoom-out", _keys(QKeySequence.StandardKey.ZoomOut, "-"))
        make("tool_navigate", "navigate", _keys("N", "Escape"), checkable=True)
        make("tool_brush", "brush", _keys("B"), checkable=True)
        make("tool_eraser", "eraser", _keys("E"), checkable=True)
        make("tool_polygon", "polygon", _keys("P"), checkable=True)
        make("apply_edit", "accept")  # Enter is handled by the photo view itself (never steals it from fields)
        make("map_tiles", "map", checkable=True)
        make("about")
        make("shortcuts", "", _keys("F1"))
        make("getting_started")
        self.toggle_overlay.setChecked(True)
        self.tools = QActionGroup(window)
        for action in (self.tool_navigate, self.tool_brush, self.tool_eraser, self.tool_polygon):
            self.tools.addAction(action)
        self.tool_navigate.setChecked(True)
        self.undo: QAction | None = None
        self.redo: QAction | None = None
        self.recent_menu = QMenu(window)
        self.menus: dict[str, QMenu] = {}
        self.toolbar = QToolBar(window)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)

    def build(self, undo: QAction, redo: QAction, extra_toolbar_widgets: list | None = None) -> None:
        """Create the menus and the toolbar (after the undo stack exists)."""
        self.undo, self.redo = undo, redo
        undo.setIcon(icon("undo"))
        redo.setIcon(icon("redo"))
        undo.setShortcuts(_keys(QKeySequence.StandardKey.Undo))
        redo.setShortcuts(_keys("Ctrl+Shift+Z", QKeySequence.StandardKey.Redo))
        bar = self.window.menuBar()
        layout: dict[str, list[QAction | QMenu | None]] = {
            "file": [self.new_inspection, self.add_photos, self.place_gpx, self.open_project, self.recent_menu,
                     self.open_demo, None,
                     self.export, self.export_training, None, self.split_project, self.merge_parts, None,
                     self.quit],
            "edit": [undo, redo, None, self.settings],
            "review": [self.accept, self.reject, None, self.set_crack, self.set_pothole, None, self.next_unreviewed,
                       self.next_finding, self.previous_finding, self.next_photo, self.previous_photo],
            "view": [self.toggle_overlay, self.fit, self.zoom_in, self.zoom_out, None, self.map_tiles],
            "tools": [self.tool_navigate, self.tool_brush, self.tool_eraser, self.tool_polygon, self.apply_edit,
                      None, self.analyse, self.road_region, self.project_camera, self.cancel_task],
            "help": [self.getting_started, self.shortcuts, None, self.about],
        }
        for key, items in layout.items():
            menu = bar.addMenu("")
            self.menus[key] = menu
            for item in items:
                if item is None:
                    menu.addSeparator()
                elif isinstance(item, QMenu):
                    menu.addMenu(item)
                else:
                    menu.addAction(item)
        tb = self.toolbar
        for item in (self.new_inspection, self.open_project, self.export, None, undo, redo, None, self.analyse,
                     self.cancel_task, None, self.accept, self.reject, None, self.previous_finding, self.next_finding,
                     None, self.tool_navigate, self.tool_brush, self.tool_eraser, self.tool_polygon, None,
                     self.toggle_overlay):
            if item is None:
                tb.addSeparator()
            else:
                tb.addAction(item)
        for widget in extra_toolbar_widgets or []:
            tb.addWidget(widget)
        tb.addSeparator()
        for item in (self.fit, self.zoom_in, self.zoom_out):
            tb.addAction(item)
        self.window.addToolBar(tb)
        self.retranslate()

    def retranslate(self) -> None:
        """Set every text in the current language."""
        texts = {
            "new_inspection": (self.tr("&New inspection from a folder…"),
                               self.tr("Create a project and analyse a folder of photos")),
            "add_photos": (self.tr("&Add photos to this project…"),
                           self.tr("Add a folder of photos to the open project")),
            "place_gpx": (self.tr("Place photos on a &GPX track…"),
                          self.tr("Give the photos without GPS a position from a GPX log of the drive")),
            "open_project": (self.tr("&Open project…"), self.tr("Open a RoadInspect project file")),
            "open_demo": (self.tr("Open the &demo project"), self.tr("The bundled sample photos of a French road")),
            "export": (self.tr("&Export…"), self.tr("Maintenance list as CSV, GeoJSON, GeoPackage, report")),
            "export_training": (self.tr("Export &training set…"),
                                self.tr("Corrected photos as images/ + masks/ for training")),
            "split_project": (self.tr("&Split for inspectors…"),
                              self.tr("Part files of this project for several inspectors (whole road sections)")),
            "merge_parts": (self.tr("&Merge reviews…"),
                            self.tr("Bring the decisions made in part files back into this project")),
            "quit": (self.tr("&Quit"), ""),
            "settings": (self.tr("&Settings…"), ""),
            "analyse": (self.tr("&Analyse photos"), self.tr("Analyse the photos not analysed yet (F5)")),
            "cancel_task": (self.tr("&Cancel background task"), self.tr("Stop the analysis, import or export")),
            "road_region": (self.tr("Road &region of this camera…"),
                            self.tr("Where findings are kept: correct the shaded area that is not road")),
            "project_camera": (self.tr("Camera of t&his project…"),
                               self.tr("Height and pitch of each camera of this project; the findings are measured "
                                       "again")),
            "accept": (self.tr("&Accept finding"), self.tr("Accept the selected finding (A)")),
            "reject": (self.tr("&Reject finding"), self.tr("Reject the selected finding (R)")),
            "set_crack": (self.tr("It is a &crack"), self.tr("Change the finding's type to crack (1)")),
            "set_pothole": (self.tr("It is a &pothole"), self.tr("Change the finding's type to pothole (2)")),
            "next_finding": (self.tr("&Next finding"), self.tr("Next finding (J or →)")),
            "previous_finding": (self.tr("&Previous finding"), self.tr("Previous finding (K or ←)")),
            "next_unreviewed": (self.tr("Next finding to &review"),
                                self.tr("Next finding not reviewed yet, in any listed photo (U)")),
            "next_photo": (self.tr("Next p&hoto"), self.tr("Next photo (↓)")),
            "previous_photo": (self.tr("Previous ph&oto"), self.tr("Previous photo (↑)")),
            "toggle_overlay": (self.tr("Damage &overlay"), self.tr("Show or hide the damage overlay (Space)")),
            "fit": (self.tr("&Fit photo"), self.tr("Fit the whole photo (F)")),
            "zoom_in": (self.tr("Zoom &in"), ""),
            "zoom_out": (self.tr("Zoom o&ut"), ""),
            "tool_navigate": (self.tr("&Move and select"), self.tr("Pan, zoom and select findings (N or Esc)")),
            "tool_brush": (self.tr("Mask &brush"),
                           self.tr("Paint onto the selected finding's mask, or a missed finding "
                                   "(B; 1/2 its class; [ and ] change the size)")),
            "tool_eraser": (self.tr("Mask &eraser"), self.tr("Erase from the selected finding's mask (E)")),
            "tool_polygon": (self.tr("Draw a missed &finding"),
                             self.tr("Click the corners, double-click or Enter to finish (P)")),
            "apply_edit": (self.tr("Apply the &correction"),
                           self.tr("Apply the mask correction or close the polygon (Enter)")),
            "map_tiles": (self.tr("Online map &tiles"),
                          self.tr("Download the map's background from the tile server set in Settings (asks first)")),
            "about": (self.tr("&About RoadInspect"), ""),
            "shortcuts": (self.tr("&Keyboard shortcuts"), self.tr("Every key of the window, searchable (F1)")),
            "getting_started": (self.tr("&Getting started"),
                                self.tr("From a folder of photos to the maintenance list")),
        }
        for name, (text, tip) in texts.items():
            action: QAction = getattr(self, name)
            action.setText(text)
            keys = action.shortcuts()
            shown = f"{tip or text.replace('&', '')}"
            if keys and "(" not in shown:
                shown += f" ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})"
            action.setToolTip(shown)
            action.setStatusTip(tip)
        if self.undo is not None and self.redo is not None:
            self.undo.setToolTip(self.tr("Undo (Ctrl+Z)"))
            self.redo.setToolTip(self.tr("Redo (Ctrl+Shift+Z)"))
        self.recent_menu.setTitle(self.tr("&Recent projects"))
        titles = {"file": self.tr("&File"), "edit": self.tr("&Edit"), "review": self.tr("&Review"),
                  "view": self.tr("&View"), "tools": self.tr("&Tools"), "help": self.tr("&Help")}
        for key, menu in self.menus.items():
            menu.setTitle(titles[key])
        self.toolbar.setWindowTitle(self.tr("Main toolbar"))
