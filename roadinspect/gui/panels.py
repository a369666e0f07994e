"""The dock panels around the photo: the photo list and the maintenance list, each with its filters.

Both are a filter bar over a ``QTableView`` on a proxy model (``models.PhotoFilterProxy`` /
``models.SiteFilterProxy``). They emit ids, never touch the project: ``photoActivated(photo_id)`` and
``siteActivated(site_id)`` (double-click or Enter opens the site's evidence photo).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from roadinspect.core.findings import KINDS
from roadinspect.gui import labels
from roadinspect.gui.models import (
    ROW_ROLE,
    SORT_ROLE,
    THUMB_SIZE,
    PhotoFilterProxy,
    PhotoTableModel,
    RejectedRow,
    RejectedTableModel,
    SiteFilterProxy,
    SiteTableModel,
    ThumbnailCache,
)


def _table() -> QTableView:
    table = QTableView()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setSortingEnabled(True)
    table.verticalHeader().hide()
    table.setWordWrap(False)
    return table


class PhotosPanel(QWidget):
    """The photos of the project with thumbnail and state; filter by state and damage type."""

    photoActivated = Signal(int)

    def __init__(self, thumbnails: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PhotoTableModel(thumbnails, self)
        self.proxy = PhotoFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.state_filter = QComboBox()
        self.damage_filter = QComboBox()
        self.state_filter.currentIndexChanged.connect(
            lambda _: self._refilter(self.proxy.set_state_filter, self.state_filter.currentData()))
        self.damage_filter.currentIndexChanged.connect(
            lambda _: self._refilter(self.proxy.set_damage_filter, self.damage_filter.currentData()))
        self.table = _table()
        self.table.setModel(self.proxy)
        self.table.setIconSize(THUMB_SIZE)
        self.table.verticalHeader().setDefaultSectionSize(THUMB_SIZE.height() + 6)
        self.table.setSortingEnabled(False)  # time order is the review order
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnHidden(1, True)  # the state is the dot of the Findings column (text in its tooltip)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        filters = QHBoxLayout()
        filters.addWidget(self.state_filter, 1)
        filters.addWidget(self.damage_filter, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(filters)
        layout.addWidget(self.table)
        self._silent = False
        self._shown: int | None = None  # the photo on screen (kept when a filter hides it)
        self.retranslate()

    def sizeHint(self) -> QSize:
        return QSize(330, 600)

    def _refilter(self, apply, value: object) -> None:
        """Change a filter without moving the inspector: the photo on screen stays (selected when still listed)."""
        self._silent = True
        try:
            apply(value)
        finally:
            self._silent = False
        self.select(self._shown)

    def select(self, photo_id: int | None) -> None:
        """Select a photo without emitting ``photoActivated``."""
        self._shown = photo_id
        row = self.model.row_of(photo_id) if photo_id is not None else None
        selection = self.table.selectionModel()
        self._silent = True
        try:
            if row is None:
                selection.clear()
                return
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if not index.isValid():
                selection.clear()
                return
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                      | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollTo(index)
        finally:
            self._silent = False

    def set_conflict_photos(self, photo_ids: frozenset[int]) -> None:
        """The photos with a finding in an open merge conflict (the "With a merge conflict" filter)."""
        self._refilter(self.proxy.set_conflict_photos, frozenset(photo_ids))

    def visible_ids(self) -> list[int]:
        """Photo ids that pass the filters, in list order."""
        return [self.proxy.index(r, 0).data(ROW_ROLE).id for r in range(self.proxy.rowCount())]

    def _on_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._silent or not current.isValid():
            return
        row = current.data(ROW_ROLE)
        if row is not None:
            self.photoActivated.emit(row.id)

    def filters(self) -> dict[str, str | None]:
        """The filter values (saved with the project's view state)."""
        return {"state": self.state_filter.currentData(), "damage": self.damage_filter.currentData()}

    def set_filters(self, values: dict) -> None:
        """Restore filter values."""
        for combo, key in ((self.state_filter, "state"), (self.damage_filter, "damage")):
            at = combo.findData(values.get(key))
            combo.setCurrentIndex(at if at >= 0 else 0)

    def retranslate(self) -> None:
        """Set every text in the current language (keeps the chosen filters)."""
        chosen = self.filters()
        self.state_filter.blockSignals(True)
        self.damage_filter.blockSignals(True)
        self.state_filter.clear()
        self.state_filter.addItem(self.tr("All photos"), None)
        self.state_filter.addItem(self.tr("Still to review"), "to_review")
        for state in ("analysed", "reviewed", "pending", "error", "no_position"):
            self.state_filter.addItem(labels.photo_state_name(state), state)
        self.state_filter.addItem(self.tr("With findings"), "with_findings")
        self.state_filter.addItem(self.tr("With a merge conflict"), "conflicts")
        self.damage_filter.clear()
        self.damage_filter.addItem(self.tr("All damage types"), None)
        self.damage_filter.addItem(self.tr("Any crack"), "crack")
        for kind in KINDS:
            self.damage_filter.addItem(labels.kind_name(kind), kind)
        self.set_filters(chosen)
        self.state_filter.blockSignals(False)
        self.damage_filter.blockSignals(False)
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class SitesPanel(QWidget):
    """The ranked maintenance list (sortable, filterable); the score's terms are columns and tooltips."""

    DESCENDING_FIRST = frozenset({3, 4, 5, 6, 7, 8, 10})
    """Severity, score, its four terms and the photo count: the worst first on the first click."""

    siteActivated = Signal(str)
    siteSelected = Signal(str)
    findingSelected = Signal(int, int)  # photo id, finding id (a rejected finding)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SiteTableModel(self)
        self.proxy = SiteFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.kind_filter = QComboBox()
        self.status_filter = QComboBox()
        self.kind_filter.currentIndexChanged.connect(
            lambda _: self._refilter(self.proxy.set_kind_filter, self.kind_filter.currentData()))
        self.status_filter.currentIndexChanged.connect(
            lambda _: self._refilter(self.proxy.set_status_filter, self.status_filter.currentData()))
        self.summary = QLabel()
        self.summary.setStyleSheet("color: #495057;")
        # a long summary is cut on a narrow window (whole in its tooltip), never widening the window
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table = _table()
        self.table.setModel(self.proxy)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self._sort_column = 0
        header = self.table.horizontalHeader()
        header.sortIndicatorChanged.connect(self._on_sort)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._on_activated)
        self.table.activated.connect(self._on_activated)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        # the "Rejected" filter: rejected findings are in no site, so they get their own table
        self.rejected_model = RejectedTableModel(self)
        self.rejected_proxy = QSortFilterProxyModel(self)
        self.rejected_proxy.setSortRole(SORT_ROLE)
        self.rejected_proxy.setSourceModel(self.rejected_model)
        self.rejected_table = _table()
        self.rejected_table.setModel(self.rejected_proxy)
        self.rejected_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.rejected_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.rejected_table.horizontalHeader().setStretchLastSection(True)
        self.rejected_table.selectionModel().currentRowChanged.connect(self._on_rejected)
        self.rejected_table.hide()
        self._rejected: list[RejectedRow] = []
        self._summary = ""
        bar = QHBoxLayout()
        bar.addWidget(self.kind_filter)
        bar.addWidget(self.status_filter)
        bar.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        layout.addWidget(self.rejected_table)
        self._silent = False
        self._selected: str | None = None
        self.retranslate()

    def _refilter(self, apply, value: object) -> None:
        """Change a filter without opening another site: the selected site stays selected when still listed."""
        self._silent = True
        try:
            apply(value)
            self._show_rejected()
        finally:
            self._silent = False
        if self._selected is not None:
            self.select(self._selected)

    def set_rejected(self, rows: list[RejectedRow]) -> None:
        """The project's rejected findings (listed when the status filter is "Rejected")."""
        self._rejected = list(rows)
        self._silent = True
        try:
            self._show_rejected()
        finally:
            self._silent = False

    def _show_rejected(self) -> None:
        rejected = self.status_filter.currentData() == "rejected"
        kind = self.kind_filter.currentData()
        rows = [r for r in self._rejected
                if kind is None or (r.finding.kind != "pothole" if kind == "crack" else r.finding.kind == kind)]
        if rejected:
            self.rejected_model.set_rows(rows)
        self.table.setVisible(not rejected)
        self.rejected_table.setVisible(rejected)
        self._update_summary_text()

    def _on_rejected(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._silent or not current.isValid():
            return
        row = self.rejected_proxy.index(current.row(), 0).data(ROW_ROLE)
        if row is not None:
            self.findingSelected.emit(row.finding.finding.photo_id, row.finding.finding.id)

    def _on_sort(self, column: int, order: Qt.SortOrder) -> None:
        """The first click on a score, severity or photo-count column sorts the highest first."""
        first_click = column != self._sort_column
        self._sort_column = column
        if first_click and column in self.DESCENDING_FIRST and order == Qt.SortOrder.AscendingOrder:
            self.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)

    def _site_at(self, index: QModelIndex) -> str | None:
        row = index.data(ROW_ROLE) if index.isValid() else None
        return row.ranked.site.id if row is not None else None

    def _on_activated(self, index: QModelIndex) -> None:
        site_id = self._site_at(self.proxy.index(index.row(), 0))
        if site_id:
            self.siteActivated.emit(site_id)

    def _on_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._silent:
            return
        site_id = self._site_at(self.proxy.index(current.row(), 0)) if current.isValid() else None
        if site_id:
            self._selected = site_id
            self.siteSelected.emit(site_id)

    def select(self, site_id: str) -> None:
        """Select a site's row (e.g. clicked on the map)."""
        self._selected = site_id
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            if self._site_at(index) == site_id:
                # not blockSignals(): the view repaints the whole highlighted row from the selection's signals
                self._silent = True
                try:
                    flags = QItemSelectionModel.SelectionFlag
                    self.table.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
                finally:
                    self._silent = False
                self.table.scrollTo(index)
                return

    def update_summary(self, sites: int, sections: int, worst: str = "") -> None:
        """The line above the table: counts of sites and sections."""
        text = self.tr("%n site(s)", "", sites) + " · " + self.tr("%n road section(s)", "", sections)
        self._summary = text + (f" · {worst}" if worst else "")
        self._update_summary_text()

    def _update_summary_text(self) -> None:
        if self.status_filter.currentData() == "rejected":
            self.summary.setText(self.tr("%n rejected finding(s), in no site", "", self.rejected_model.rowCount()))
        else:
            self.summary.setText(self._summary)
        self.summary.setToolTip(self.summary.text())

    def retranslate(self) -> None:
        """Set every text in the current language (keeps the chosen filters)."""
        kind, status = self.kind_filter.currentData(), self.status_filter.currentData()
        for combo in (self.kind_filter, self.status_filter):
            combo.blockSignals(True)
            combo.clear()
        self.kind_filter.addItem(self.tr("All damage types"), None)
        self.kind_filter.addItem(self.tr("Any crack"), "crack")
        for k in KINDS:
            self.kind_filter.addItem(labels.kind_name(k), k)
        self.status_filter.addItem(self.tr("Any review status"), None)
        for s in ("pending", "accepted", "corrected"):
            self.status_filter.addItem(labels.status_name(s), s)
        self.status_filter.addItem(self.tr("Rejected (not in the list)"), "rejected")
        for combo, value in ((self.kind_filter, kind), (self.status_filter, status)):
            at = combo.findData(value)
            combo.setCurrentIndex(at if at >= 0 else 0)
            combo.blockSignals(False)
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
