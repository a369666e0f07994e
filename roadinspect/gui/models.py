"""Qt item models: thin adapters over the core's lists (photos, findings of a photo, ranked sites).

Each table model holds a plain Python list of rows and exposes it read-only; ``ROW_ROLE`` returns the
row object and ``SORT_ROLE`` a value that sorts naturally (numbers as numbers). Filtering is done by
``QSortFilterProxyModel`` subclasses (status and damage type). Thumbnails are produced in the
background by :class:`ThumbnailCache` (decoded at reduced scale, cached in memory and on disk).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap

from roadinspect.core.photos import load_image
from roadinspect.core.priority import RankedSite
from roadinspect.core.review import reviewed
from roadinspect.core.types import DamageClass, Finding, Photo, Review, ReviewStatus, Severity
from roadinspect.gui import labels
from roadinspect.gui.photo_view import array_to_qimage
from roadinspect.gui.style import CLASS_COLOURS, STATUS_COLOURS, dot_icon, ramp
from roadinspect.gui.worker import ProgressInfo, Task

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role returning the row object."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
"""Role returning a naturally sortable value."""

Index = QModelIndex | QPersistentModelIndex

THUMB_SIZE = QSize(72, 54)

_STATE_COLOURS = {"pending": QColor("#adb5bd"), "analysed": QColor("#f08c00"), "reviewed": QColor("#2f9e44"),
                  "error": QColor("#c92a2a")}


@dataclass(frozen=True)
class PhotoRow:
    """One file of the project as the photo list shows it.

    ``state``: ``pending`` (not analysed yet), ``analysed`` (findings to review), ``reviewed`` (every
    finding decided, or none found), ``error`` (``error`` says why; ``photo`` is None when the file
    could not be read at import).
    """

    id: int
    path: Path
    photo: Photo | None
    state: str
    findings: int = 0
    reviewed: int = 0
    kinds: frozenset[str] = frozenset()
    error: str = ""

    @property
    def has_position(self) -> bool:
        """True when the photo is placed on the map."""
        return self.photo is not None and self.photo.position is not None


@dataclass(frozen=True)
class FindingRow:
    """One finding of the current photo, with the inspector's latest decision (if any)."""

    number: int
    finding: Finding
    review: Review | None

    @property
    def status(self) -> ReviewStatus:
        """The review status (pending when never reviewed)."""
        return self.review.status if self.review is not None else ReviewStatus.PENDING

    @property
    def effective(self) -> Finding:
        """The finding with the inspector's corrections applied, rejected or not (``core.review.reviewed``)."""
        return reviewed(self.finding, self.review)

    @property
    def kind(self) -> str:
        """The effective type (the inspector's correction wins)."""
        return self.effective.kind

    @property
    def severity(self) -> Severity:
        """The effective severity."""
        return self.effective.severity

    @property
    def damage(self) -> DamageClass:
        """The effective class."""
        return self.effective.damage


class _TableModel(QAbstractTableModel):
    """A read-only table over a list of rows; subclasses define ``HEADERS`` and ``cell``."""

    HEADERS: tuple[object, ...] = ()  # QT_TRANSLATE_NOOP texts (typed object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        """The rows, in model order."""
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        """The row object at ``row``."""
        return self._rows[row]

    def replace_row(self, row: int, value: Any) -> None:
        """Replace one row and notify views."""
        self._rows[row] = value
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - QModelIndex() is Qt's own default (an invalid index)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - QModelIndex() is Qt's own default (an invalid index)
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and \
                0 <= section < len(self.HEADERS):
            return self.tr(str(self.HEADERS[section]))
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        return self.cell(row, index.column(), role)

    def cell(self, row: Any, column: int, role: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


class PhotoTableModel(_TableModel):
    """The project's photos with thumbnail, status and number of findings."""

    HEADERS = (
        QT_TRANSLATE_NOOP("PhotoTableModel", "Photo"),
        QT_TRANSLATE_NOOP("PhotoTableModel", "Status"),
        QT_TRANSLATE_NOOP("PhotoTableModel", "Findings"),
    )

    def __init__(self, thumbnails: ThumbnailCache | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self._row_of: dict[int, int] = {}
        if thumbnails is not None:
            thumbnails.ready.connect(self._on_thumbnail)

    def set_rows(self, rows: Sequence[PhotoRow]) -> None:
        """Replace every row."""
        super().set_rows(rows)
        self._row_of = {r.id: i for i, r in enumerate(self._rows)}

    def row_of(self, photo_id: int) -> int | None:
        """Model row of a photo id."""
        return self._row_of.get(photo_id)

    def update_photo(self, row: PhotoRow) -> None:
        """Replace one photo's row (added at the end when new)."""
        at = self._row_of.get(row.id)
        if at is None:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
            self._rows.append(row)
            self._row_of[row.id] = len(self._rows) - 1
            self.endInsertRows()
        else:
            self.replace_row(at, row)

    def _on_thumbnail(self, photo_id: int) -> None:
        at = self._row_of.get(photo_id)
        if at is not None:
            self.dataChanged.emit(self.index(at, 0), self.index(at, 0), [Qt.ItemDataRole.DecorationRole])

    def cell(self, row: PhotoRow, column: int, role: int) -> Any:
        if column == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                when = row.photo.taken_at if row.photo is not None else None
                second = when.strftime("%H:%M:%S") if when is not None else ""
                if not row.has_position:
                    second = (second + " · " if second else "") + labels.photo_state_name("no_position")
                return f"{row.path.name}\n{second}" if second else row.path.name
            if role == Qt.ItemDataRole.DecorationRole and self.thumbnails is not None:
                return self.thumbnails.icon(row.id, row.path) if row.photo is not None else None
            if role == Qt.ItemDataRole.ToolTipRole:
                pos = row.photo.position if row.photo is not None else None
                where = f"{pos.lat:.6f}, {pos.lon:.6f}" if pos else labels.photo_state_name("no_position")
                return labels.plain_tooltip(f"{row.path}\n{where}" + (f"\n{row.error}" if row.error else ""))
            if role == SORT_ROLE:
                return row.path.name.lower()
        elif column == 1:
            if role == Qt.ItemDataRole.DisplayRole:
                if row.state == "reviewed" and not row.findings:
                    return labels.tr(labels.NO_DAMAGE)
                return labels.photo_state_name(row.state)
            if role == Qt.ItemDataRole.DecorationRole:
                if row.state == "reviewed" and not row.findings:
                    return dot_icon(QColor("#a9d8b1"))
                return dot_icon(_STATE_COLOURS.get(row.state, QColor("#adb5bd")))
            if role == Qt.ItemDataRole.ToolTipRole:
                return labels.plain_tooltip(row.error) or None
            if role == SORT_ROLE:
                return ("error", "pending", "analysed", "reviewed").index(row.state) if row.state in (
                    "error", "pending", "analysed", "reviewed") else 9
        elif column == 2:
            if role == Qt.ItemDataRole.DisplayRole:
                if row.state in ("pending", "error"):
                    return ""
                return f"{row.reviewed}/{row.findings}" if row.findings else "0"
            if role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole):
                shown = role if role == Qt.ItemDataRole.DecorationRole else Qt.ItemDataRole.DisplayRole
                return self.cell(row, 1, shown)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if role == SORT_ROLE:
                return row.findings
        return None


class FindingTableModel(_TableModel):
    """The findings of the photo on screen: type, severity, size, confidence, review status."""

    HEADERS = (
        QT_TRANSLATE_NOOP("FindingTableModel", "#"),
        QT_TRANSLATE_NOOP("FindingTableModel", "Type"),
        QT_TRANSLATE_NOOP("FindingTableModel", "Severity"),
        QT_TRANSLATE_NOOP("FindingTableModel", "Size"),
        QT_TRANSLATE_NOOP("FindingTableModel", "Confidence"),
        QT_TRANSLATE_NOOP("FindingTableModel", "Status"),
    )

    def cell(self, row: FindingRow, column: int, role: int) -> Any:
        f = row.finding
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(row.number), labels.kind_name(row.kind), labels.severity_name(row.severity),
                    labels.size_text(f.measures, row.kind),
                    labels.percent(f.confidence) if f.source == "model" else "—",
                    labels.status_name(row.status))[column]
        if role == Qt.ItemDataRole.DecorationRole:
            if column == 1:
                return dot_icon(CLASS_COLOURS.get(row.damage, QColor("white")))
            if column == 5:
                return dot_icon(STATUS_COLOURS[row.status])
        if role == Qt.ItemDataRole.ToolTipRole:
            note = row.review.note if row.review is not None else ""
            who = row.review.reviewer if row.review is not None else ""
            parts = [labels.kind_name(row.kind), labels.status_name(row.status)]
            if who:
                parts.append(who)
            if note:
                parts.append(note)
            return labels.plain_tooltip(" · ".join(parts))  # the note and reviewer are stored text
        if role == SORT_ROLE:
            return (row.number, row.kind, ("low", "medium", "high").index(row.severity.value),
                    f.measures.get("area_m2", f.measures.get("length_m", 0.0)), f.confidence, row.status.value)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


@dataclass(frozen=True)
class SiteRow:
    """A ranked site and the road section it lies on."""

    ranked: RankedSite
    section: str = ""


class SiteTableModel(_TableModel):
    """The maintenance list: ranked sites with every term of their score."""

    HEADERS = (
        QT_TRANSLATE_NOOP("SiteTableModel", "Rank"),
        QT_TRANSLATE_NOOP("SiteTableModel", "Site"),
        QT_TRANSLATE_NOOP("SiteTableModel", "Type"),
        QT_TRANSLATE_NOOP("SiteTableModel", "Severity"),
        QT_TRANSLATE_NOOP("SiteTableModel", "Score"),
        QT_TRANSLATE_NOOP("SiteTableModel", "Severity pts"),
        QT_TRANSLATE_NOOP("SiteTableModel", "Type pts"),
        QT_TRANSLATE_NOOP("SiteTableModel", "Extent pts"),
        QT_TRANSLATE_NOOP("SiteTableModel", "Confidence pts"),
        QT_TRANSLATE_NOOP("SiteTableModel", "Status"),
        QT_TRANSLATE_NOOP("SiteTableModel", "Photos"),
        QT_TRANSLATE_NOOP("SiteTableModel", "Section"),
    )

    def cell(self, row: SiteRow, column: int, role: int) -> Any:
        r = row.ranked
        site = r.site
        terms = {t.name: t for t in r.terms}
        if role == Qt.ItemDataRole.DisplayRole:
            values = (str(r.rank), site.id, labels.kind_name(site.kind), labels.severity_name(site.severity),
                      labels.number(r.score), *(labels.number(terms[n].points) if n in terms else "" for n in
                                          ("severity", "type", "extent", "confidence")),
                      labels.status_name(site.status), str(len(site.photo_ids)), row.section)
            return values[column]
        if role == SORT_ROLE:
            keys = (r.rank, int("".join(ch for ch in site.id if ch.isdigit()) or 0), site.kind,
                    ("low", "medium", "high").index(site.severity.value), r.score,
                    *(terms[n].points if n in terms else 0.0 for n in ("severity", "type", "extent", "confidence")),
                    site.status.value, len(site.photo_ids), row.section)
            return keys[column]
        if role == Qt.ItemDataRole.DecorationRole:
            if column == 4:
                return dot_icon(ramp(min(1.0, r.score / 100.0)))
            if column == 2:
                return dot_icon(CLASS_COLOURS.get(site.damage, QColor("white")))
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{labels.term_name(t.name)}: {labels.number(t.weight, 0)} × {labels.number(t.value, 2)} = "
                     f"{labels.number(t.points)}  ({t.detail})"
                     for t in r.terms]
            lines.append(r.explain())
            return labels.plain_tooltip("\n".join(lines))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 4, 5, 6, 7, 8, 10):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


@dataclass(frozen=True)
class RejectedRow:
    """A finding the inspector rejected (not in the maintenance list), with its photo's name."""

    photo_name: str
    finding: FindingRow


class RejectedTableModel(_TableModel):
    """The rejected findings of the project, for the maintenance list's "Rejected" filter."""

    HEADERS = (
        QT_TRANSLATE_NOOP("RejectedTableModel", "Photo"),
        QT_TRANSLATE_NOOP("RejectedTableModel", "#"),
        QT_TRANSLATE_NOOP("RejectedTableModel", "Type"),
        QT_TRANSLATE_NOOP("RejectedTableModel", "Severity"),
        QT_TRANSLATE_NOOP("RejectedTableModel", "Rejected by"),
        QT_TRANSLATE_NOOP("RejectedTableModel", "Note"),
    )

    def cell(self, row: RejectedRow, column: int, role: int) -> Any:
        f = row.finding
        review = f.review
        if role == Qt.ItemDataRole.DisplayRole:
            when = review.at.astimezone().strftime("%Y-%m-%d %H:%M") if review and review.at else ""
            who = ", ".join(x for x in ((review.reviewer if review else ""), when) if x)
            return (row.photo_name, str(f.number), labels.kind_name(f.kind), labels.severity_name(f.severity), who,
                    review.note if review else "")[column]
        if role == SORT_ROLE:
            return (row.photo_name, f.number, f.kind, ("low", "medium", "high").index(f.severity.value),
                    review.reviewer if review else "", review.note if review else "")[column]
        if role == Qt.ItemDataRole.DecorationRole and column == 2:
            return dot_icon(CLASS_COLOURS.get(f.damage, QColor("white")))
        if role == Qt.ItemDataRole.ToolTipRole and column in (0, 5):
            return labels.plain_tooltip(self.cell(row, column, Qt.ItemDataRole.DisplayRole))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _refilter(proxy: QSortFilterProxyModel, attribute: str, value: object) -> None:
    """Change a filter parameter and re-run the row filter (``begin/endFilterChange`` on Qt >= 6.10)."""
    if hasattr(proxy, "endFilterChange"):
        proxy.beginFilterChange()
        setattr(proxy, attribute, value)
        proxy.endFilterChange(QSortFilterProxyModel.Direction.Rows)
    else:  # pragma: no cover - older Qt
        setattr(proxy, attribute, value)
        proxy.invalidateRowsFilter()


class PhotoFilterProxy(QSortFilterProxyModel):
    """Photos filtered by state (``pending``, ``analysed``, ``reviewed``, ``error``, ``no_position``,
    ``with_findings``, ``to_review``: findings still undecided, ``conflicts``: a finding in an open merge
    conflict; None = all) and by damage type (a crack kind or ``crack``/``pothole``; None = all)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state: str | None = None
        self._damage: str | None = None
        self._conflicts: frozenset[int] = frozenset()
        self.setSortRole(SORT_ROLE)

    def set_conflict_photos(self, photo_ids: frozenset[int]) -> None:
        """The photos that hold a finding in an open merge conflict (``core.split_merge.open_conflicts``)."""
        if photo_ids != self._conflicts:
            _refilter(self, "_conflicts", frozenset(photo_ids))

    def set_state_filter(self, state: str | None) -> None:
        """Show only photos in ``state`` (None: every photo)."""
        _refilter(self, "_state", state or None)

    def set_damage_filter(self, damage: str | None) -> None:
        """Show only photos with a finding of ``damage`` (None: every photo)."""
        _refilter(self, "_damage", damage or None)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        row: PhotoRow = self.sourceModel().index(source_row, 0, source_parent).data(ROW_ROLE)
        if row is None:
            return False
        if self._state == "no_position":
            if row.has_position:
                return False
        elif self._state == "with_findings":
            if not row.findings:
                return False
        elif self._state == "to_review":  # findings not decided yet
            if row.reviewed >= row.findings:
                return False
        elif self._state == "conflicts":
            if row.id not in self._conflicts:
                return False
        elif self._state is not None and row.state != self._state:
            return False
        if self._damage is not None:
            if self._damage == "crack":
                return any(k != "pothole" for k in row.kinds)
            return self._damage in row.kinds
        return True


class SiteFilterProxy(QSortFilterProxyModel):
    """Sites filtered by damage type (kind, or ``crack``) and review status; sorted by ``SORT_ROLE``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._kind: str | None = None
        self._status: str | None = None
        self.setSortRole(SORT_ROLE)

    def set_kind_filter(self, kind: str | None) -> None:
        """Show only sites of ``kind`` (None: all)."""
        _refilter(self, "_kind", kind or None)

    def set_status_filter(self, status: str | None) -> None:
        """Show only sites with review ``status`` (None: all)."""
        _refilter(self, "_status", status or None)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        row: SiteRow = self.sourceModel().index(source_row, 0, source_parent).data(ROW_ROLE)
        if row is None:
            return False
        site = row.ranked.site
        if self._kind == "crack" and site.kind == "pothole":
            return False
        if self._kind not in (None, "crack") and site.kind != self._kind:
            return False
        return self._status is None or site.status.value == self._status


# ---------------------------------------------------------------------------- thumbnails
def thumbnail_key(path: Path) -> str:
    """Cache key of a photo's thumbnail: its path, size and modification time (content changes = new key)."""
    try:
        stat = path.stat()
        size, mtime = stat.st_size, stat.st_mtime_ns
    except OSError:
        size = mtime = 0
    text = f"{path.resolve()}|{size}|{mtime}|{THUMB_SIZE.width()}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def make_thumbnails(items: list[tuple[int, Path]], folder: Path, *, progress, is_cancelled) -> int:
    """Worker function: decode each photo small, save it to the disk cache, report ``(done, total, id, QImage)``."""
    done = 0
    for pid, path in items:
        if is_cancelled():
            break
        cache_file = folder / f"{thumbnail_key(path)}.jpg"
        image = QImage()
        if cache_file.is_file():
            image.load(str(cache_file))
        if image.isNull():
            try:
                array = load_image(path, max_side=2 * THUMB_SIZE.width())
            except Exception:  # noqa: BLE001 - an unreadable photo simply gets no thumbnail
                array = None
            if array is not None:
                image = array_to_qimage(array).scaled(THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                                      Qt.TransformationMode.SmoothTransformation)
                try:
                    cache_file.parent.mkdir(parents=True, exist_ok=True)
                    image.save(str(cache_file), "JPG", 85)  # type: ignore[call-overload]  # stub: bytes; binding: str
                except OSError:
                    pass
        done += 1
        progress(done, len(items), pid, image)
    return done


class ThumbnailCache(QObject):
    """Photo thumbnails: memory LRU, disk cache (``CacheLocation``/``thumbnails``), background decoding."""

    ready = Signal(int)

    def __init__(self, parent: QObject | None = None, capacity: int = 2000) -> None:
        super().__init__(parent)
        cache = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
        self.folder = Path(cache) / "thumbnails"
        self._icons: OrderedDict[int, QIcon] = OrderedDict()
        self._capacity = capacity
        self._queued: dict[int, tuple[int, Path]] = {}
        self._task: Task | None = None
        self._placeholder = QIcon(self._blank())

    @staticmethod
    def _blank() -> QPixmap:
        pix = QPixmap(THUMB_SIZE)
        pix.fill(QColor("#dee2e6"))
        return pix

    def icon(self, photo_id: int, path: Path) -> QIcon:
        """The thumbnail if ready, else a placeholder (and the thumbnail is queued)."""
        icon = self._icons.get(photo_id)
        if icon is not None:
            self._icons.move_to_end(photo_id)
            return icon
        if photo_id not in self._queued:
            self._queued[photo_id] = (photo_id, path)
            self._start()
        return self._placeholder

    def has(self, photo_id: int) -> bool:
        """True when the thumbnail is in memory."""
        return photo_id in self._icons

    def _start(self) -> None:
        if self._task is not None and self._task.is_running():
            return
        items = list(self._queued.values())
        if not items:
            return
        self._task = Task("thumbnails", self)
        self._task.progress.connect(self._on_progress)
        self._task.finished.connect(self._start)
        self._task.start(make_thumbnails, items, self.folder)

    def _on_progress(self, info: ProgressInfo) -> None:
        if len(info.payload) != 2:
            return
        pid, image = info.payload
        self._queued.pop(pid, None)
        self._icons[pid] = QIcon(QPixmap.fromImage(image)) if not image.isNull() else self._placeholder
        while len(self._icons) > self._capacity:
            self._icons.popitem(last=False)
        self.ready.emit(pid)

    def cancel(self) -> None:
        """Stop the background work (on close)."""
        self._queued.clear()
        if self._task is not None:
            self._task.cancel()

    def wait(self, timeout_s: float = 5.0) -> None:
        """Block until the background work has stopped (tests, closing)."""
        if self._task is not None:
            self._task.wait(timeout_s)
