"""The review app through a working day (issue 20): the keyboard is never trapped, choosing what to draw never
changes a finding, the highlighted rows follow the review, the lists keep the inspector's place."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication

from roadinspect.core.store import Store
from roadinspect.core.types import DamageClass, ReviewStatus
from roadinspect.gui.main_window import MainWindow
from roadinspect.gui.models import ROW_ROLE
from roadinspect.gui.photo_view import Tool


def _open(window: MainWindow, project: Path, qtbot) -> None:
    assert window.open_project(project)
    qtbot.waitUntil(lambda: window.view.photo_size().isValid(), timeout=10000)
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitUntil(lambda: window.view.hasFocus(), timeout=5000)


def _stored(project: Path, finding_id: int):
    with Store.open(project, readonly=True) as store:
        return store.finding(finding_id)


def test_choosing_the_class_to_draw_never_changes_the_selected_finding(window: MainWindow, reviewable_project: Path,
                                                                      qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    fid = window.review.finding_id
    before = _stored(reviewable_project, fid)
    assert before.status == ReviewStatus.PENDING
    qtbot.keyClick(window.view, Qt.Key.Key_P)  # draw a missed finding ...
    assert window.view.tool() == Tool.POLYGON
    other = DamageClass.CRACK if before.damage == DamageClass.POTHOLE else DamageClass.POTHOLE
    qtbot.keyClick(window.view, Qt.Key.Key_2 if other == DamageClass.POTHOLE else Qt.Key.Key_1)  # ... of this class
    assert window.view.new_finding_class == other
    qtbot.keyClick(window.view, Qt.Key.Key_1 if other == DamageClass.POTHOLE else Qt.Key.Key_2)
    assert window.view.new_finding_class != other
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    assert window.view.new_finding_class == DamageClass.POTHOLE
    after = _stored(reviewable_project, fid)
    assert after.status == ReviewStatus.PENDING and after.review is None and after.damage == before.damage
    assert window.undo.count() == 0
    assert "pothole" in window.message.text().lower()
    qtbot.keyClick(window.view, Qt.Key.Key_1)  # the drawn finding is a crack
    for x, y in [(100, 600), (400, 610), (400, 640), (100, 632)]:
        window.view.add_polygon_point(QPointF(x, y))
    with qtbot.waitSignal(window.undo.indexChanged, timeout=20000):
        qtbot.keyClick(window.view, Qt.Key.Key_Return)
    drawn = window.session.finding(window.review.finding_id)
    assert drawn.finding.source == "inspector" and drawn.damage == DamageClass.CRACK
    assert _stored(reviewable_project, fid).review is None  # the finding selected before is still untouched
    qtbot.keyClick(window.view, Qt.Key.Key_J)  # outside a drawing tool, 1 and 2 are decisions again
    target = window.review.finding_id
    damage = window.session.finding(target).damage
    qtbot.keyClick(window.view, Qt.Key.Key_2 if damage == DamageClass.CRACK else Qt.Key.Key_1)
    assert _stored(reviewable_project, target).damage != damage


def test_enter_and_escape_in_the_note_give_the_keys_back_to_reviewing(window: MainWindow, reviewable_project: Path,
                                                                      qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    fid = window.review.finding_id
    note = window.findings.note
    note.setFocus()
    qtbot.waitUntil(note.hasFocus, timeout=5000)
    qtbot.keyClicks(note, "near the drain")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    assert _stored(reviewable_project, fid).review.note == "near the drain"
    assert window.view.hasFocus() and not note.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A)  # A is a decision again, not a letter of the note
    stored = _stored(reviewable_project, fid)
    assert stored.status == ReviewStatus.ACCEPTED and stored.review.note == "near the drain"
    second = window.review.finding_id
    assert second != fid
    note.setFocus()
    qtbot.waitUntil(note.hasFocus, timeout=5000)
    qtbot.keyClicks(note, "typed by mistake")
    qtbot.keyClick(note, Qt.Key.Key_Escape)  # Escape drops the typing and returns the keys
    assert window.view.hasFocus() and note.text() == ""
    assert _stored(reviewable_project, second).review is None
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_K)
    assert window.review.finding_id == fid


def test_clicking_the_findings_table_keeps_the_note_and_returns_the_keys(window: MainWindow, reviewable_project: Path,
                                                                         qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    pid = next(p for p in window.session.photo_ids() if len(window.session.findings(p)) >= 2)
    first, second = (rf.finding.id for rf in window.session.findings(pid)[:2])
    window.review.show_photo(pid, first)
    note = window.findings.note
    note.setFocus()
    qtbot.waitUntil(note.hasFocus, timeout=5000)
    qtbot.keyClicks(note, "kerb")
    table = window.findings.table
    rect = table.visualRect(table.model().index(1, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.review.finding_id == second
    qtbot.waitUntil(lambda: _stored(reviewable_project, first).review is not None, timeout=5000)
    assert _stored(reviewable_project, first).review.note == "kerb"  # not lost by moving on
    assert window.findings.current_id() == second and window.findings.note.text() == ""
    assert window.view.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_R)
    assert _stored(reviewable_project, second).status == ReviewStatus.REJECTED


def test_the_highlighted_finding_row_follows_j_and_k(window: MainWindow, reviewable_project: Path,
                                                     qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    pid = next(p for p in window.session.photo_ids() if len(window.session.findings(p)) >= 2)
    ids = [rf.finding.id for rf in window.session.findings(pid)]
    window.review.show_photo(pid, ids[0])
    selection = window.findings.table.selectionModel()
    changes: list[list[int]] = []
    selection.selectionChanged.connect(
        lambda selected, _old: changes.append(sorted({i.row() for i in selected.indexes()})))
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    # the view repaints the highlight from selectionChanged: it must be emitted for the new row
    assert window.review.finding_id == ids[1] and changes and changes[-1] == [1]
    assert [i.row() for i in selection.selectedRows()] == [1]
    assert window.findings.title.text().startswith("2 ")
    qtbot.keyClick(window.view, Qt.Key.Key_K)
    assert changes[-1] == [0] and [i.row() for i in selection.selectedRows()] == [0]


def test_a_site_clicked_on_the_map_highlights_its_whole_row(window: MainWindow, reviewable_project: Path,
                                                            qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    qtbot.waitUntil(lambda: window.maintenance is not None and window.sites.model.rowCount() > 1, timeout=20000)
    table = window.sites.table
    selection = table.selectionModel()
    changes: list[set[int]] = []
    selection.selectionChanged.connect(lambda selected, _old: changes.append({i.column() for i in selected.indexes()}))
    site = window.maintenance.ranked[-1].site
    window.map.siteClicked.emit(site.id)
    row = next(r for r in range(window.sites.proxy.rowCount())
               if window.sites._site_at(window.sites.proxy.index(r, 0)) == site.id)
    assert selection.isRowSelected(row)
    assert changes and changes[-1] == set(range(window.sites.proxy.columnCount()))  # every cell, not only Rank
    assert (window.review.photo_id, window.review.finding_id) == (site.evidence.photo_id, site.evidence_id)


def _pending(window: MainWindow) -> list[tuple[int, int]]:
    return [(pid, rf.finding.id) for pid in window.photos.visible_ids() for rf in window.session.findings(pid)
            if rf.status == ReviewStatus.PENDING]


def test_filters_keep_the_inspector_on_the_photo_on_screen(window: MainWindow, reviewable_project: Path,
                                                           qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    qtbot.waitUntil(lambda: window.maintenance is not None and window.sites.model.rowCount() > 1, timeout=20000)
    qtbot.keyClick(window.view, Qt.Key.Key_Down)
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    where = (window.review.photo_id, window.review.finding_id)
    assert where[1] is not None
    photos, sites = window.photos, window.sites
    for combo in (photos.state_filter, photos.damage_filter, sites.kind_filter, sites.status_filter):
        for i in range(combo.count()):
            combo.setCurrentIndex(i)
            assert (window.review.photo_id, window.review.finding_id) == where, combo.itemData(i)
        combo.setCurrentIndex(0)
    assert photos.table.selectionModel().isRowSelected(photos.proxy.mapFromSource(
        photos.model.index(photos.model.row_of(where[0]), 0)).row())
    site = window.maintenance.ranked[0].site  # a site chosen in the list stays chosen through its filters
    sites.siteActivated.emit(site.id)
    where = (window.review.photo_id, window.review.finding_id)
    sites.status_filter.setCurrentIndex(sites.status_filter.findData("pending"))
    assert (window.review.photo_id, window.review.finding_id) == where
    sites.status_filter.setCurrentIndex(0)
    assert sites._site_at(sites.table.selectionModel().currentIndex().siblingAtColumn(0)) == site.id


def test_the_first_click_on_score_sorts_the_highest_first(window: MainWindow, reviewable_project: Path,
                                                          qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    qtbot.waitUntil(lambda: window.maintenance is not None and window.sites.model.rowCount() > 1, timeout=20000)
    table, proxy = window.sites.table, window.sites.proxy
    header = table.horizontalHeader()
    scores = sorted((r.score for r in window.maintenance.ranked), reverse=True)

    def click(column: int) -> None:
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))

    click(4)  # Score
    shown = [proxy.index(r, 0).data(ROW_ROLE) for r in range(proxy.rowCount())]
    assert [row.ranked.score for row in shown] == scores
    click(4)  # the second click reverses
    shown = [proxy.index(r, 0).data(ROW_ROLE) for r in range(proxy.rowCount())]
    assert [row.ranked.score for row in shown] == scores[::-1]
    click(0)  # Rank: 1 first
    assert proxy.index(0, 0).data() == "1"


def test_still_to_review_photo_filter(window: MainWindow, reviewable_project: Path, qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    first = window.session.photo_ids()[0]
    for rf in window.session.findings(first):
        window.review.review_finding(rf.finding.id, "accept")
    photos = window.photos
    photos.state_filter.setCurrentIndex(photos.state_filter.findData("to_review"))
    assert photos.state_filter.currentText() == "Still to review"
    listed = photos.visible_ids()
    assert first not in listed and listed
    assert all(any(rf.status == ReviewStatus.PENDING for rf in window.session.findings(p)) for p in listed)
    assert window.review.photo_id == first  # the photo on screen stays, even filtered out
    qtbot.keyClick(window.view, Qt.Key.Key_Down)  # ... and Down goes to its next listed neighbour
    assert window.review.photo_id == listed[0]


def test_next_finding_to_review_command_and_key(window: MainWindow, reviewable_project: Path,
                                                qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    everything = _pending(window)
    assert len(everything) >= 4
    for _pid, fid in everything[:2]:
        window.review.review_finding(fid, "accept")
    window.review.show_photo(everything[0][0], everything[0][1])
    qtbot.keyClick(window.view, Qt.Key.Key_U)
    assert (window.review.photo_id, window.review.finding_id) == everything[2]
    for _pid, fid in everything[2:-1]:
        window.review.review_finding(fid, "reject")
    window.review.show_photo(everything[0][0], everything[0][1])
    window.actions.next_unreviewed.trigger()
    assert (window.review.photo_id, window.review.finding_id) == everything[-1]
    window.review.review_finding(everything[-1][1], "accept")
    assert not window.review.next_unreviewed()
    assert window.message.text() == "Every finding of the listed photos is reviewed."
    assert window.actions.next_unreviewed.text().replace("&", "") == "Next finding to review"


def test_accept_and_reject_buttons_advance_like_the_keys(window: MainWindow, reviewable_project: Path,
                                                         qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    first = window.review.finding_id
    qtbot.mouseClick(window.findings.accept_button, Qt.MouseButton.LeftButton)
    assert _stored(reviewable_project, first).status == ReviewStatus.ACCEPTED
    second = window.review.finding_id
    assert second not in (None, first)
    qtbot.mouseClick(window.findings.reject_button, Qt.MouseButton.LeftButton)
    assert _stored(reviewable_project, second).status == ReviewStatus.REJECTED
    assert window.review.finding_id not in (None, first, second)


def test_the_maintenance_list_lists_rejected_findings(window: MainWindow, reviewable_project: Path,
                                                      qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    everything = _pending(window)
    rejected = everything[1]
    window.review.review_finding(rejected[1], "reject")
    window.review.show_photo(*everything[0])
    sites = window.sites
    qtbot.waitUntil(lambda: window.maintenance is not None and any(
        r.finding.finding.id == rejected[1] for r in sites._rejected), timeout=20000)
    assert rejected[1] not in {f.id for r in window.maintenance.ranked for f in r.site.findings}
    sites.status_filter.setCurrentIndex(sites.status_filter.findData("rejected"))
    assert window.review.photo_id == everything[0][0]  # the filter alone opens nothing
    assert sites.rejected_table.isVisibleTo(sites) and not sites.table.isVisibleTo(sites)
    assert sites.rejected_proxy.rowCount() == 1 and sites.summary.text() == "1 rejected finding, in no site"
    index = sites.rejected_proxy.index(0, 0)
    assert index.data() == window.session.record(rejected[0]).path.name
    sites.rejected_table.selectionModel().setCurrentIndex(
        index, sites.rejected_table.selectionModel().SelectionFlag.ClearAndSelect)
    assert (window.review.photo_id, window.review.finding_id) == rejected  # a click opens it
    sites.status_filter.setCurrentIndex(0)
    assert sites.table.isVisibleTo(sites) and not sites.rejected_table.isVisibleTo(sites)


def test_a_finding_back_to_review_after_an_undo_names_no_reviewer(window: MainWindow, reviewable_project: Path,
                                                                  qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    fid = window.review.finding_id
    qtbot.keyClick(window.view, Qt.Key.Key_A)
    window.review.select_finding(fid)
    assert "Reviewed by" in window.findings.info.text() and "tester" in window.findings.info.text()
    window.undo.undo()
    assert window.review.finding_id == fid and window.session.finding(fid).status == ReviewStatus.PENDING
    assert "To review" in window.findings.title.text()
    assert "Reviewed by" not in window.findings.info.text() and "tester" not in window.findings.info.text()


def test_the_reviewer_is_asked_once_before_the_first_decision(window: MainWindow, reviewable_project: Path, qtbot,
                                                              monkeypatch) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QInputDialog

    QSettings().remove("review/reviewer")  # never named: the login name is only a proposal
    answers = [("", False), ("  Ana Martin ", True)]
    asked: list[str] = []

    def get_text(parent, title, label, text=""):
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QInputDialog, "getText", get_text)
    _open(window, reviewable_project, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    fid = window.review.finding_id
    qtbot.keyClick(window.view, Qt.Key.Key_A)  # cancelled: nothing recorded
    assert _stored(reviewable_project, fid).review is None and window.review.finding_id == fid
    assert "reviewer's name" in window.message.text()
    qtbot.keyClick(window.view, Qt.Key.Key_A)
    assert _stored(reviewable_project, fid).review.reviewer == "Ana Martin"
    qtbot.keyClick(window.view, Qt.Key.Key_R)  # asked once only
    assert len(asked) == 2 and asked[0] == asked[1] != ""  # the login name proposed
    assert QSettings().value("review/reviewer") == "Ana Martin"


def test_the_undo_label_numbers_the_finding_as_the_panel_does(window: MainWindow, reviewable_project: Path,
                                                               qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    pid = window.session.photo_ids()[-1]
    ids = [rf.finding.id for rf in window.session.findings(pid)]
    window.review.show_photo(pid, ids[-1])
    assert ids[-1] != len(ids)  # database ids differ from the numbers shown
    number = window.findings.title.text().split(" ")[0]
    qtbot.keyClick(window.view, Qt.Key.Key_A)
    assert number == str(len(ids)) and window.undo.undoText() == f"Accept finding {number}"


def test_one_recent_project_is_read_back_as_a_path_not_as_characters(window: MainWindow, reviewable_project: Path,
                                                                     tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    QSettings().setValue("recent/projects", str(reviewable_project))  # what the Linux INI file gives back
    assert window.recent_projects() == [reviewable_project]
    assert window.open_project(reviewable_project)
    other = tmp_path / "other.roadinspect"
    assert window.open_project(other, create=True)
    assert window.recent_projects() == [other, reviewable_project]
    assert [a.text() for a in window.actions.recent_menu.actions()] == [other.name, reviewable_project.name]


def test_the_export_dialog_proposes_the_last_folder_of_the_project(window: MainWindow, reviewable_project: Path,
                                                                    tmp_path: Path, qtbot) -> None:
    assert window.open_project(reviewable_project)
    dialog = window.show_export()
    assert dialog.folder.text() == str(reviewable_project.parent / "survey export")
    dialog.open_when_done = False
    dialog.folder.setText(str(tmp_path / "for the county"))
    for key, box in dialog.checks.items():
        box.setChecked(key == "csv")
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=60000)
    assert dialog.written
    dialog.close()
    assert window.show_export().folder.text() == str(tmp_path / "for the county")
    window.close_project()  # kept in the project
    assert window.open_project(reviewable_project)
    assert window.show_export().folder.text() == str(tmp_path / "for the county")


def test_status_bar_hints_go_when_they_stop_applying(window: MainWindow, reviewable_project: Path,
                                                     qtbot) -> None:
    _open(window, reviewable_project, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_A)  # nothing selected yet
    assert window.message.text() == "Select a finding first (J / K, or click it)."
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    assert window.message.text() == ""
    qtbot.keyClick(window.view, Qt.Key.Key_P)
    assert "Click the corners" in window.message.text()
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert window.view.tool() == Tool.NAVIGATE and window.message.text() == ""
    window.show_message("Analysis finished: 3 photos")  # a message (not a hint) stays
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    assert window.message.text() == "Analysis finished: 3 photos"


def _inside(window: MainWindow, widget) -> bool:
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return widget.isVisible() and window.rect().contains(top_left) and \
        window.rect().contains(top_left + widget.rect().bottomRight())


def test_the_window_is_usable_on_a_laptop_screen(window: MainWindow, reviewable_project: Path, qtbot) -> None:
    from roadinspect.gui.i18n import apply_language

    apply_language("fr")  # the longest texts
    _open(window, reviewable_project, qtbot)
    qtbot.waitUntil(lambda: window.maintenance is not None and window.sites.model.rowCount() >= 3, timeout=20000)
    qtbot.keyClick(window.view, Qt.Key.Key_J)
    window.show_message("Analyse terminée : 3 photos, 4 dégradations, et un message bien plus long que la barre "
                        "d'état ne peut en montrer sur un écran de portable de 1280 pixels de large, vraiment")
    hint = window.minimumSizeHint()
    assert hint.height() <= 700 and hint.width() <= 1280, hint
    for width, height in ((1280, 720), (1366, 768)):
        window.resize(width, height - 30)  # the title bar and the taskbar take the rest
        window.default_layout()
        qtbot.wait(50)
        assert window.size().toTuple() == (width, height - 30)
        assert window.docks["map"] in window.tabifiedDockWidgets(window.docks["sites"])  # map and list as tabs
        assert _inside(window, window.counter) and window.counter.text().startswith("0 sur 4")
        table = window.sites.table
        assert table.viewport().height() >= 3 * table.verticalHeader().defaultSectionSize()  # 3+ sites shown
        window.docks["map"].raise_()
        qtbot.wait(20)
        assert window.map.height() >= 150 and window.map.width() >= 600
        window.docks["sites"].raise_()
        panel = window.findings
        assert _inside(window, panel.accept_button)
        panel.details_area.ensureWidgetVisible(panel.note)  # the details scroll when they do not fit
        viewport = panel.details_area.viewport()
        at = panel.note.mapTo(viewport, panel.note.rect().center())
        assert viewport.rect().contains(at) and _inside(window, viewport)
        assert window.view.height() >= 300
    window.resize(1600, 970)  # a desktop screen: the map under the findings, the list below the photo
    window.default_layout()
    qtbot.wait(50)
    assert window.docks["map"] not in window.tabifiedDockWidgets(window.docks["sites"])
    assert window.map.height() >= 200 and _inside(window, window.map) and _inside(window, window.counter)


def test_help_lists_every_shortcut_searchably_in_both_languages(window: MainWindow, qtbot) -> None:
    from roadinspect.gui.i18n import apply_language

    dialog = window.show_help("shortcuts")
    rows = dialog.visible_rows()
    assert ("Accept finding", "A") in rows and ("Next finding to review", "U") in rows
    assert any(text == "Next finding" and keys.startswith("J") for text, keys in rows)
    dialog.search.setText("reject")
    assert dialog.visible_rows() == [("Reject finding", "R")]
    dialog.close()
    apply_language("fr")
    dialog = window.show_help("shortcuts")
    assert ("Accepter la dégradation", "A") in dialog.visible_rows() or any(
        keys == "A" and "ccepter" in text for text, keys in dialog.visible_rows())
    dialog.search.setText("U")
    assert any(keys == "U" for _text, keys in dialog.visible_rows())
    assert dialog.windowTitle() == "Raccourcis clavier"
    dialog.close()
    start = window.show_help("start")
    assert start.windowTitle() == "Prise en main"
    start.close()
