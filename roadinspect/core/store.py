"""The project file: one SQLite database per inspection (suggested extension ``.roadinspect``).

Tables
    ``photos``     every file of the batches: path (relative to the project folder when possible,
                   plus the absolute path at import as a fallback, so a project folder can be
                   moved), sha256, fingerprint, size, EXIF fields, position and its source, the
                   reason it cannot be used (``error``), ``duplicate_of`` for byte-identical copies,
                   and ``analysis_id``: the analysis that recorded its findings (the "analysed" mark).
                   Several records may share a path: when a file's content changed since an analysis
                   (a reused memory card), the new content is a new record and the old one, which keeps
                   its findings and reviews, has ``replaced_by`` set. ``in_flight`` /
                   ``in_flight_alone``: the analysis that claimed the photo (see the pipeline);
                   ``failure`` / ``failure_model``: the analysis crashed on it (twice) with that model.
    ``analyses``   one row per run of the model: model name and sha256, start/end, status, timings.
    ``findings``   damage instances: photo, analysis, class, kind, severity, polygon (WKT, image
                   pixels), confidence, measures (JSON), ground position, source (model|inspector).
    ``reviews``    the latest inspector decision per finding (status, corrected class/severity/crack
                   type, note, reviewer, time). Earlier decisions are in the audit log.
    ``audit_log``  append-only (triggers refuse UPDATE and DELETE): who did what, when, with details.
    ``meta``       key/value settings (JSON values), e.g. camera height; keys starting with ``ui.``
                   are view state (last photo viewed...) and are not audited.

Durability
    Journal mode DELETE (a rollback journal) with ``synchronous=FULL``. Not WAL: WAL needs every
    connection to share memory through a ``-shm`` file, which does not work when the project sits
    on a network share (SMB/NFS) opened from several PCs; the SQLite documentation says WAL "does
    not work over a network filesystem". A rollback journal relies only on file locks. FULL
    synchronisation flushes the journal and the database at every commit, so a committed review or
    photo result survives a power cut, a crash or ``kill -9``.

    A write cut off by ``kill -9`` leaves a rollback journal (``<file>-journal``) that only a
    connection able to write can replay: a read-only open (``info``, ``export``) opens the file for
    writing once first, or, in a read-only folder, says to copy both files to a writable folder.
    A damaged file (``PRAGMA quick_check`` on opening, up to :data:`QUICK_CHECK_MAX_BYTES`; any
    SQLITE_CORRUPT later) is a :class:`ProjectError` "damaged: restore a copy" and is never written.

Concurrency
    A new project is built in a temporary file and linked into place, so two processes opening the
    same new path end up on one complete project, and an empty file is never taken for one.
    Migrations re-read the version inside their write transaction. One analysis at a time: the
    analysis lock (:meth:`Store.analysis_lock`, a file ``<file>.analysing`` locked by the operating
    system, so it dies with its process) makes a second one fail with :class:`ProjectBusy`.

    Every review decision is committed at once, in one transaction with its audit row. A photo's
    analysis result (its findings, its "analysed" mark, its audit row) is one transaction, so a
    photo is never half-recorded: after a crash it is either fully there or analysed again.

Re-analysis rule (a new model version must not lose reviews)
    When a photo is analysed again, its model findings that were never reviewed (no review, or
    a review set back to ``pending``) are replaced by the new model's findings. Findings an inspector
    reviewed (accepted, rejected or corrected) and findings an inspector drew are kept as they are,
    and a new model finding that overlaps a kept one (intersection >= half of the smaller area) is
    not added: the inspector already decided on that damage.

Schema changes go through :data:`MIGRATIONS` (``PRAGMA user_version`` holds the version applied):
version 1 is the first schema; version 2 adds ``reviews.kind`` (the inspector's corrected crack type);
``_migrate_photo_history_and_claims`` lets several records share a path and adds the claim and crash
columns of ``photos``.
A file written by a newer RoadInspect, a file that is not SQLite, or an SQLite file that is not a
RoadInspect project is refused with a :class:`ProjectError` that names the file.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from roadinspect.core.review import ReviewedFinding
from roadinspect.core.types import (
    KINDS,
    CameraInfo,
    DamageClass,
    Finding,
    GeoPoint,
    Photo,
    PositionSource,
    Review,
    ReviewStatus,
    Severity,
    UnreadableFile,
)

if TYPE_CHECKING:
    from roadinspect.core.road_region import RoadRegion

PROJECT_SUFFIX = ".roadinspect"
APPLICATION_ID = 0x524F4144  # "ROAD" in the SQLite header: marks our files
SQLITE_MAGIC = b"SQLite format 3\x00"
OVERLAP_KEEP = 0.5


class ProjectError(Exception):
    """A project file that cannot be opened or written; the message names the file."""


class ProjectBusy(ProjectError):
    """Another RoadInspect process is analysing this project (the message says which)."""


CRASH_REASON = "the analysis crashed on this photo"
CHANGED_REASON = "file changed or missing since import"


class _AnalysisLock:
    """An exclusive, process-wide lock on a file beside the project (``<project>.analysing``).

    The operating system releases it when the process dies (native crash, out of memory, ``kill -9``),
    so whoever holds it knows that any photo still claimed by an earlier analysis was in flight in a
    process that is gone. It is re-entrant within one thread (the command line holds it around the
    import and the analysis, and :func:`roadinspect.core.pipeline.analyze` takes it too); another
    thread of the same process gets :class:`ProjectBusy` like another process. The file
    holds the holder's process id and host name for the "busy" message and is removed on release.
    """

    _held: dict[str, list[Any]] = {}  # path -> [count, fd, owning thread]
    _guard = threading.Lock()

    def __init__(self, project: Path) -> None:
        self.project = project
        self.path = str(project) + ".analysing"

    def __enter__(self) -> _AnalysisLock:
        with self._guard:
            held = self._held.get(self.path)
            if held is not None:
                if held[2] != threading.get_ident():
                    raise ProjectBusy(f"the project {self.project} is being analysed by this RoadInspect already: "
                                      "wait until it finishes")
                held[0] += 1
                return self
            fd = self._take()
            self._held[self.path] = [1, fd, threading.get_ident()]
        return self

    def __exit__(self, *exc: object) -> None:
        with self._guard:
            held = self._held[self.path]
            held[0] -= 1
            if held[0] > 0:
                return
            del self._held[self.path]
            fd = held[1]
            if sys.platform != "win32":  # removed while still locked: nobody can lock the old file after this
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
            else:  # Windows wants its byte locks released before the file is closed
                import msvcrt

                with contextlib.suppress(OSError):
                    os.lseek(fd, 0, os.SEEK_SET)
                    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
            os.close(fd)
            if os.name == "nt":
                with contextlib.suppress(OSError):
                    os.unlink(self.path)  # fails while another process has it open: harmless

    def _take(self) -> int:
        for _ in range(100):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise ProjectError(f"cannot analyse the project {self.project}: cannot create the lock file "
                                   f"{self.path} ({exc.strerror or exc})") from None
            try:
                _lock_fd(fd)
            except OSError:
                holder = _read_holder(fd)
                os.close(fd)
                raise ProjectBusy(f"the project {self.project} is being analysed by another RoadInspect"
                                  f"{holder}: wait until it finishes (or stop it), then run again") from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except OSError:
                same = False
            if not same:  # the holder removed the file while we opened it: lock the new one
                os.close(fd)
                continue
            with contextlib.suppress(OSError):  # who holds it, after the locked byte (readable by others)
                os.ftruncate(fd, 1)
                os.lseek(fd, 1, os.SEEK_SET)
                os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
            return fd
        raise ProjectBusy(f"the project {self.project} is being analysed by another RoadInspect: try again")


def _lock_fd(fd: int) -> None:
    """Lock byte 0 of ``fd`` exclusively without waiting (OSError when another process holds it)."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)


def _read_holder(fd: int) -> str:
    """`` (process 123 on host)`` from a lock file (the bytes after the locked byte), or ''."""
    try:
        os.lseek(fd, 1, os.SEEK_SET)
        text = os.read(fd, 200).decode("utf-8", "replace").split()
    except OSError:
        return ""
    return f" (process {text[0]} on {text[1]})" if len(text) >= 2 and text[0].isdigit() else ""


# ----------------------------------------------------------------------------- schema
_SCHEMA_V1 = """
CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    abs_path TEXT NOT NULL,
    sha256 TEXT,
    fingerprint TEXT,
    size_bytes INTEGER,
    width INTEGER,
    height INTEGER,
    orientation INTEGER NOT NULL DEFAULT 1,
    lat REAL,
    lon REAL,
    position_source TEXT NOT NULL DEFAULT 'none',
    altitude_m REAL,
    heading_deg REAL,
    heading_from_track INTEGER NOT NULL DEFAULT 0,
    heading_magnetic INTEGER NOT NULL DEFAULT 0,
    taken_at TEXT,
    camera_time TEXT,
    make TEXT,
    model TEXT,
    focal_length_mm REAL,
    focal_length_35mm REAL,
    notes TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    duplicate_of INTEGER REFERENCES photos(id),
    analysis_id INTEGER REFERENCES analyses(id),
    analysed_at TEXT,
    analysis_ms REAL,
    added_at TEXT NOT NULL
);
CREATE INDEX photos_fingerprint ON photos(fingerprint);
CREATE TABLE analyses (
    id INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    photos_done INTEGER NOT NULL DEFAULT 0,
    photos_failed INTEGER NOT NULL DEFAULT 0,
    timings TEXT NOT NULL DEFAULT '{}',
    settings TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    analysis_id INTEGER REFERENCES analyses(id),
    source TEXT NOT NULL CHECK (source IN ('model', 'inspector')),
    damage INTEGER NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    polygon_wkt TEXT NOT NULL,
    confidence REAL NOT NULL,
    measures TEXT NOT NULL DEFAULT '{}',
    ground_lat REAL,
    ground_lon REAL,
    created_at TEXT NOT NULL
);
CREATE INDEX findings_photo ON findings(photo_id);
CREATE TABLE reviews (
    finding_id INTEGER PRIMARY KEY REFERENCES findings(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    damage INTEGER,
    severity TEXT,
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    photo_id INTEGER,
    finding_id INTEGER,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_V1.split(";\n"):
        if statement.strip():
            conn.execute(statement if "TRIGGER" not in statement else statement + ";")


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    """``reviews.kind``: the inspector's corrected crack type (NULL: not corrected)."""
    conn.execute("ALTER TABLE reviews ADD COLUMN kind TEXT")


def _migrate_photo_history_and_claims(conn: sqlite3.Connection) -> None:
    """Several records per path, analysis claims and crashes.

    * ``photos.path`` is no longer UNIQUE: a file whose content changed since import becomes a new
      record and the old one keeps its findings and reviews, marked ``replaced_by`` (the new record)
      and ``replaced_at``. The partial index ``photos_current_path`` keeps one current record per path.
    * ``in_flight`` (the analysis that claimed the photo) and ``in_flight_alone`` (claimed alone, as a
      retry after a crash): set before a photo is analysed, cleared when its outcome is recorded.
    * ``failure`` / ``failure_model``: why the analysis could not finish this photo (it crashed the
      process twice) and the model sha256 it was tried with; that model does not try it again.

    SQLite cannot drop a column constraint, so the table is rebuilt (foreign keys are off during
    migrations: see :meth:`Store._migrate`).
    """
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'photos'").fetchone()[0]
    rebuilt = sql.replace("path TEXT NOT NULL UNIQUE", "path TEXT NOT NULL", 1)
    if rebuilt == sql or not rebuilt.startswith("CREATE TABLE photos"):
        raise ProjectError("unexpected photos table: cannot upgrade the project")
    conn.execute(rebuilt.replace("CREATE TABLE photos", "CREATE TABLE photos_rebuilt", 1))
    conn.execute("INSERT INTO photos_rebuilt SELECT * FROM photos")
    conn.execute("DROP TABLE photos")
    conn.execute("ALTER TABLE photos_rebuilt RENAME TO photos")
    conn.execute("CREATE INDEX photos_fingerprint ON photos(fingerprint)")
    conn.execute("ALTER TABLE photos ADD COLUMN replaced_by INTEGER REFERENCES photos(id)")
    conn.execute("ALTER TABLE photos ADD COLUMN replaced_at TEXT")
    conn.execute("ALTER TABLE photos ADD COLUMN in_flight INTEGER")
    conn.execute("ALTER TABLE photos ADD COLUMN in_flight_alone INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE photos ADD COLUMN failure TEXT")
    conn.execute("ALTER TABLE photos ADD COLUMN failure_model TEXT")
    conn.execute("CREATE UNIQUE INDEX photos_current_path ON photos(path) WHERE replaced_by IS NULL")


def _migrate_add_road_regions(conn: sqlite3.Connection) -> None:
    """``road_regions``: the road region of each camera group (see :mod:`roadinspect.core.road_region`).

    ``key`` is the group (camera make, model and displayed size), ``excluded`` a 1-bit PNG of the
    grid that is not road, ``source`` ``auto`` (estimated from the photos) or ``edited`` (drawn by
    an inspector), ``photos`` the photos of the still-part estimate, ``group_photos`` the group's
    size when it was made, ``note`` why there is no still-part estimate.
    """
    conn.execute(
        "CREATE TABLE road_regions (key TEXT PRIMARY KEY, width INTEGER NOT NULL, height INTEGER NOT NULL, "
        "excluded BLOB NOT NULL, source TEXT NOT NULL CHECK (source IN ('auto', 'edited')), "
        "photos INTEGER NOT NULL DEFAULT 0, group_photos INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT '', "
        "updated_at TEXT NOT NULL, updated_by TEXT NOT NULL DEFAULT '')")


def _migrate_add_merge_tables(conn: sqlite3.Connection) -> None:
    """Merging the reviews of split parts back (:mod:`roadinspect.core.split_merge`).

    * ``findings.origin``: where a finding drawn in a part came from (``<part id>:<its id there>``),
      so that merging the same part again finds it instead of adding it twice (NULL: made here).
    * ``merge_log``: for each part and finding, the part's decision last merged (``part_sig``) and the
      project's decision just after that merge (``file_sig``); a merge compares against them.
    * ``review_conflicts``: a finding decided differently here and in a part (or in two parts) since
      the split; ``decisions`` holds both, ``review_at`` the time of the project's review when it
      was found: the conflict stays open until a new decision is recorded here.
    """
    conn.execute("ALTER TABLE findings ADD COLUMN origin TEXT")
    conn.execute("CREATE UNIQUE INDEX findings_origin ON findings(origin) WHERE origin IS NOT NULL")
    conn.execute("CREATE TABLE merge_log (part_id TEXT NOT NULL, finding_id INTEGER NOT NULL, part_sig TEXT, "
                 "file_sig TEXT, at TEXT NOT NULL, PRIMARY KEY (part_id, finding_id))")
    conn.execute("CREATE TABLE review_conflicts (finding_id INTEGER PRIMARY KEY REFERENCES findings(id) "
                 "ON DELETE CASCADE, decisions TEXT NOT NULL, review_at TEXT, found_at TEXT NOT NULL)")


def _migrate_add_road_region_horizon(conn: sqlite3.Connection) -> None:
    """``road_regions.horizon``: the horizon estimated from a group's photos (share of the height; NULL:
    unsure, the camera settings' horizon applies), ``horizon_photos`` the photos that agreed on it (-1:
    never estimated: regions stored before are estimated again at the next analysis), ``horizon_note``
    why there is no estimate (:func:`roadinspect.core.road_region.estimate_horizon`)."""
    conn.execute("ALTER TABLE road_regions ADD COLUMN horizon REAL")
    conn.execute("ALTER TABLE road_regions ADD COLUMN horizon_photos INTEGER NOT NULL DEFAULT -1")
    conn.execute("ALTER TABLE road_regions ADD COLUMN horizon_note TEXT NOT NULL DEFAULT ''")


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_to_1, _migrate_to_2,
                                                               _migrate_photo_history_and_claims,
                                                               _migrate_add_road_regions,
                                                               _migrate_add_merge_tables,
                                                               _migrate_add_road_region_horizon)
"""``MIGRATIONS[i]`` brings a file from schema version ``i`` to ``i + 1`` (append, never edit)."""
SCHEMA_VERSION = len(MIGRATIONS)


# ----------------------------------------------------------------------------- records
@dataclass(frozen=True)
class PhotoRecord:
    """A row of ``photos``: the id, where the file should be now, and its state in the project.

    ``photo`` is None when the file could not be read at import (then ``error`` says why).
    ``error`` is also set when a later analysis could not read it. ``analysis_id`` is the analysis
    that recorded its findings (None: not analysed yet). ``replaced_by``: the newer record of the same
    path (the file's content changed since this one was imported; this record keeps its findings and
    reviews, and is no longer analysed). ``failure``: why the analysis could not finish this photo
    (:data:`CRASH_REASON`).
    """

    id: int
    path: Path
    stored_path: str
    photo: Photo | None
    error: str | None = None
    duplicate_of: int | None = None
    analysis_id: int | None = None
    analysed_at: datetime | None = None
    replaced_by: int | None = None
    failure: str | None = None

    @property
    def usable(self) -> bool:
        """A readable photo that is not a copy of another one."""
        return self.photo is not None and self.duplicate_of is None


@dataclass(frozen=True)
class AnalysisRecord:
    """A row of ``analyses``."""

    id: int
    model_name: str
    model_sha256: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    photos_done: int
    photos_failed: int
    timings: dict[str, Any]


@dataclass(frozen=True)
class AuditEntry:
    """A row of the append-only audit log."""

    id: int
    at: datetime
    who: str
    action: str
    photo_id: int | None
    finding_id: int | None
    details: dict[str, Any]


@dataclass(frozen=True)
class AddResult:
    """What :meth:`Store.add_batch` did. ``photo_ids``: the batch's usable photos, in order."""

    photo_ids: list[int]
    added: int = 0
    updated: int = 0
    changed: int = 0
    duplicates: int = 0
    unreadable: int = 0


@dataclass(frozen=True)
class PositionChange:
    """A new position for a photo already in the project (:meth:`Store.update_positions`).

    ``photo`` carries the new ``position``, ``position_source``, ``altitude_m``, ``heading_deg``,
    ``heading_from_track`` and ``notes`` (its other fields are not written). ``grounds`` maps the id of
    each of the photo's findings whose ground position follows to ``(ground, ground_distance_m)``.
    """

    photo_id: int
    photo: Photo
    grounds: dict[int, tuple[GeoPoint | None, float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class MeasureUpdate:
    """New measures for one finding, measured from ``polygon_wkt`` as ``damage`` (:meth:`Store.write_measures`).

    ``polygon_wkt`` and ``damage`` (the class after the inspector's correction) say what was measured: a finding
    whose outline or class changed since is left alone. ``measures``, ``kind``, ``severity`` and ``ground`` are
    written; ``before`` (the measures replaced) goes to the audit row.
    """

    finding_id: int
    polygon_wkt: str
    damage: DamageClass
    measures: dict[str, float]
    kind: str
    severity: Severity
    ground: GeoPoint | None
    before: dict[str, float] | None = None


@dataclass(frozen=True)
class RecordOutcome:
    """What :meth:`Store.record_photo_result` did to a photo's findings."""

    added: int
    replaced: int
    kept_reviewed: int
    dropped_overlapping: int


# ----------------------------------------------------------------------------- helpers
def now_utc() -> datetime:
    """The current time, UTC, to the millisecond."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def default_reviewer() -> str:
    """The operating-system user name (used when no reviewer name is given)."""
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # noqa: BLE001 - no user database (some containers, services): the error type varies
        return os.environ.get("USERNAME") or os.environ.get("USER") or "unknown"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _inserted_id(cur: sqlite3.Cursor) -> int:
    """The id of the row the cursor's INSERT added (sqlite3 types ``lastrowid`` as ``int | None``)."""
    if cur.lastrowid is None:
        raise sqlite3.InterfaceError("the statement inserted no row")
    return cur.lastrowid


def _review_dict(review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {"status": review.status.value, "damage": review.damage.label if review.damage is not None else None,
            "severity": review.severity.value if review.severity else None, "kind": review.kind,
            "note": review.note, "reviewer": review.reviewer}


# ----------------------------------------------------------------------------- the store
class Store:
    """An open project file. Thread-safe: every call holds one lock (the GUI reads while a worker writes).

    Use :meth:`open`; close with :meth:`close` or a ``with`` block.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, readonly: bool) -> None:
        self.path = path
        self.folder = path.parent
        self.readonly = readonly
        self._conn = conn
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: Path | str, create: bool = True, readonly: bool = False) -> Store:
        """Open (or create) a project file.

        Raises:
            ProjectError: missing file (``create=False``), unwritable folder, not an SQLite file,
                an SQLite file that is not a project, or a project from a newer RoadInspect.
        """
        path = Path(os.path.abspath(path))
        try:
            exists = path.exists()
            is_dir = path.is_dir()
        except OSError as exc:  # e.g. a parent folder that cannot be entered
            raise ProjectError(f"cannot access the project {path}: {exc.strerror or exc}") from None
        if is_dir:
            raise ProjectError(f"{path} is a folder, not a project file")
        if not exists and (readonly or not create):
            raise ProjectError(f"project file not found: {path}")
        if not exists:
            cls._create(path)
        _check_header(path)
        if readonly:
            _finish_interrupted_write(path)
        if not readonly and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            raise ProjectError(f"cannot write to the project {path}: the file or its folder is read-only "
                               "(copy the project to a writable folder, or open it read-only)")
        try:
            if readonly:
                conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, isolation_level=None,
                                       timeout=30.0, check_same_thread=False)
            else:
                conn = sqlite3.connect(str(path), isolation_level=None, timeout=30.0, check_same_thread=False)
        except sqlite3.Error as exc:
            raise ProjectError(f"cannot open the project {path}: {exc}") from None
        store = cls(path, conn, readonly)
        try:
            store._prepare(new=False)
        except BaseException:
            conn.close()
            raise
        return store

    @classmethod
    def _create(cls, path: Path) -> None:
        """Create a new project at ``path`` atomically: complete in a temporary file, then linked into place.

        Nobody ever sees a half-made project (two processes creating the same file at once both end up
        opening the one that was linked first), so an empty file found at a project's path is never
        ours: it is refused rather than silently turned into a project.
        """
        if not path.parent.is_dir():
            raise ProjectError(f"cannot create the project {path}: the folder {path.parent} does not exist")
        tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.creating")
        try:
            with open(tmp, "xb"):
                pass
        except OSError as exc:
            raise ProjectError(f"cannot create the project {path}: the folder {path.parent} is not writable "
                               f"({exc.strerror or exc})") from None
        try:
            conn = sqlite3.connect(str(tmp), isolation_level=None, timeout=30.0, check_same_thread=False)
            try:
                cls(path, conn, False)._prepare(new=True)
            finally:
                conn.close()
            try:
                if os.name == "nt":
                    os.rename(tmp, path)  # never replaces an existing file on Windows
                else:
                    os.link(tmp, path)  # atomic, never replaces
            except FileExistsError:
                pass  # another process created it meanwhile: open theirs
            except OSError:  # a file system without hard links (some network shares)
                try:
                    with open(path, "xb") as out, open(tmp, "rb") as src:
                        out.write(src.read())
                except FileExistsError:
                    pass
                except OSError as exc:
                    raise ProjectError(f"cannot create the project {path}: {exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            raise ProjectError(f"cannot create the project {path}: {exc}") from None
        finally:
            for leftover in (tmp, Path(str(tmp) + "-journal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def _prepare(self, new: bool) -> None:
        conn = self._conn
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables and app_id != APPLICATION_ID:
                raise ProjectError(f"{self.path} is an SQLite database but not a RoadInspect project")
            if tables:
                self._quick_check()
            if not self.readonly:
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorname", "") == "SQLITE_READONLY_ROLLBACK":
                raise ProjectError(_interrupted_write_message(self.path)) from None
            if _is_damage(exc):
                raise _damaged(self.path, exc) from None
            raise ProjectError(f"{self.path} is not a RoadInspect project (not an SQLite database: {exc})") from None
        if version > SCHEMA_VERSION:
            raise ProjectError(
                f"{self.path} was written by a newer RoadInspect (project format {version}; this version reads "
                f"up to {SCHEMA_VERSION}): update RoadInspect to open it"
            )
        if version < SCHEMA_VERSION:
            if self.readonly:
                raise ProjectError(f"{self.path} uses an older project format ({version}); open it once "
                                   "for writing to upgrade it")
            self._migrate(version, new)

    def _quick_check(self) -> None:
        """SQLite's ``PRAGMA quick_check`` where it is cheap (files up to :data:`QUICK_CHECK_MAX_BYTES`)."""
        try:
            size = self.path.stat().st_size
        except OSError:
            return
        if size > QUICK_CHECK_MAX_BYTES:
            return
        rows = self._conn.execute("PRAGMA quick_check(3)").fetchall()
        if [r[0] for r in rows] != ["ok"]:
            raise _damaged(self.path, rows[0][0].replace("*** in database main ***", "").strip().splitlines()[0])

    def _migrate(self, version: int, new: bool) -> None:
        # Foreign keys off while migrating (a rebuilt table is dropped: with them on, SQLite would
        # delete the findings of its photos in cascade); checked before they are turned back on.
        self._conn.execute("PRAGMA foreign_keys = OFF")
        try:
            self._migrate_steps(new)
        finally:
            self._conn.execute("PRAGMA foreign_keys = ON")

    def _migrate_steps(self, new: bool) -> None:
        while True:
            with self._tx():
                # read again inside the write transaction: another process may have upgraded it meanwhile
                version = self._conn.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    return
                target = version + 1
                MIGRATIONS[target - 1](self._conn)
                bad = self._conn.execute("PRAGMA foreign_key_check").fetchall()
                if bad:  # rolled back: the file stays as it was
                    raise ProjectError(f"{self.path}: upgrading to project format {target} would leave "
                                       f"{len(bad)} broken references; the project was not changed")
                self._conn.execute(f"PRAGMA user_version = {target}")
                self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                if new and target == 1:
                    from roadinspect import __version__

                    self._conn.execute("INSERT INTO meta(key, value) VALUES ('created_at', ?)",
                                       (_json(_iso(now_utc())),))
                    self._conn.execute("INSERT INTO meta(key, value) VALUES ('created_by', ?)",
                                       (_json(f"roadinspect {__version__}"),))
                self._audit(default_reviewer(), "schema", details={"version": target})

    def close(self) -> None:
        """Close the file (every change is already committed)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on any error."""
        if self.readonly:
            raise ProjectError(f"{self.path} is open read-only")
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise ProjectError(f"cannot write to the project {self.path}: {exc}") from None
            try:
                yield self._conn
            except BaseException as exc:
                if self._conn.in_transaction:  # SQLite may have rolled back by itself (a damaged page)
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.DatabaseError) and _is_damage(exc):
                    raise _damaged(self.path, exc) from None
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._conn.execute("ROLLBACK")
                raise ProjectError(f"cannot write to the project {self.path}: {exc}") from None

    def _audit(self, who: str, action: str, photo_id: int | None = None, finding_id: int | None = None,
               details: dict[str, Any] | None = None) -> None:
        self._conn.execute(
            "INSERT INTO audit_log(at, who, action, photo_id, finding_id, details) VALUES (?, ?, ?, ?, ?, ?)",
            (_iso(now_utc()), who or default_reviewer(), action, photo_id, finding_id, _json(details or {})),
        )

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            try:
                cur = self._conn.execute(sql, params)
                cols = [c[0] for c in cur.description]
                return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
            except sqlite3.DatabaseError as exc:
                if _is_damage(exc):
                    raise _damaged(self.path, exc) from None
                raise

    # ------------------------------------------------------------------ paths
    def stored_path(self, path: Path | str) -> str:
        """How a file is referenced in the project: relative (POSIX) to the project folder when possible."""
        absolute = os.path.abspath(path)
        try:
            return PurePath(os.path.relpath(absolute, self.folder)).as_posix()
        except ValueError:  # another drive on Windows
            return absolute

    def resolve(self, stored: str, abs_path: str | None = None) -> Path:
        """Where a stored path points now: relative to the project folder, else the absolute fallback."""
        candidate = Path(stored) if os.path.isabs(stored) else self.folder / stored
        # os.path.exists, not Path.exists: a folder that cannot be entered (EACCES) is "not there", never
        # a PermissionError out of info or export.
        if abs_path and not os.path.exists(candidate) and os.path.exists(abs_path):
            return Path(abs_path)
        return Path(os.path.normpath(candidate))

    # ------------------------------------------------------------------ photos
    def add_batch(self, photos: Sequence[Photo], unreadable: Sequence[UnreadableFile] = (),
                  duplicates: Sequence[tuple[Path, Path]] = (), who: str = "") -> AddResult:
        """Record a scanned batch in one transaction; re-importing the same files updates them.

        A file already in the project with the same fingerprint keeps its analysis and findings
        (its metadata is refreshed, e.g. a position from a new GPX track, but a GPX position it has
        is kept when the batch brings no EXIF or GPX one). A file whose content changed (a memory
        card reused: same name, another photo) becomes a NEW record; the earlier one keeps its
        position, time, findings and reviews and is marked ``replaced_by`` the new one (listed by
        :meth:`changed`, never analysed again). An earlier record with nothing to keep (never
        analysed, no finding) is simply updated. A new file byte-identical to a photo already in the
        project is recorded as its duplicate and never analysed.
        """
        by_path: dict[str, Photo] = {}
        ids: list[int] = []
        counts = {"added": 0, "updated": 0, "changed": 0, "duplicates": 0, "unreadable": 0}
        with self._tx() as conn:
            for photo in photos:
                key = self.stored_path(photo.path)
                by_path[os.path.abspath(photo.path)] = photo
                row = conn.execute("SELECT id, fingerprint, sha256, position_source FROM photos "
                                   "WHERE path = ? AND replaced_by IS NULL",
                                   (key,)).fetchone()
                replacing = None
                if row is not None and row[1] != photo.fingerprint and conn.execute(
                        "SELECT analysis_id IS NOT NULL OR EXISTS (SELECT 1 FROM findings WHERE photo_id = photos.id) "
                        "FROM photos WHERE id = ?", (row[0],)).fetchone()[0]:
                    # another photo under the same name: the old record and its findings stay as they are
                    replacing = row[0]
                    conn.execute("UPDATE photos SET replaced_by = id, replaced_at = ?, in_flight = NULL, "
                                 "in_flight_alone = 0 WHERE id = ?", (_iso(now_utc()), replacing))
                    row = None
                if row is not None:
                    same = row[1] == photo.fingerprint
                    values = self._photo_values(photo)
                    if same:
                        values["sha256"] = photo.sha256 or row[2]
                    if same and row[3] == PositionSource.GPX.value and photo.position_source not in (
                            PositionSource.EXIF, PositionSource.GPX):
                        # placed on a GPX track: a re-import without a track keeps it (interpolation is rougher)
                        for name in ("lat", "lon", "position_source", "altitude_m", "notes"):
                            del values[name]
                        if photo.heading_deg is None or photo.heading_from_track:
                            del values["heading_deg"], values["heading_from_track"]
                    sets = ", ".join(f"{k} = :{k}" for k in values)
                    extra = "" if same else ", analysis_id = NULL, analysed_at = NULL, duplicate_of = NULL"
                    conn.execute(f"UPDATE photos SET {sets}, error = NULL{extra} WHERE id = :id",
                                 {**values, "id": row[0]})
                    counts["updated" if same else "changed"] += 1
                    if not same:
                        self._audit(who, "photo_changed", photo_id=row[0], details={"path": key})
                    dup_row = conn.execute("SELECT duplicate_of FROM photos WHERE id = ?", (row[0],)).fetchone()
                    if dup_row[0] is None:
                        ids.append(row[0])
                    continue
                original = self._find_identical(photo)
                values = self._photo_values(photo)
                if original is not None:
                    values["sha256"] = original[1]
                cur = conn.execute(
                    f"INSERT INTO photos(path, abs_path, added_at, duplicate_of, {', '.join(values)}) "
                    f"VALUES (?, ?, ?, ?, {', '.join('?' for _ in values)})",
                    (key, os.path.abspath(photo.path), _iso(now_utc()), original[0] if original else None,
                     *values.values()),
                )
                if original is None:
                    counts["added" if replacing is None else "changed"] += 1
                    ids.append(_inserted_id(cur))
                else:
                    counts["duplicates"] += 1
                if replacing is not None:
                    conn.execute("UPDATE photos SET replaced_by = ? WHERE id = ?", (_inserted_id(cur), replacing))
                    self._audit(who, "photo_replaced", photo_id=replacing,
                                details={"path": key, "replaced_by": _inserted_id(cur), "reason": CHANGED_REASON})
            for copy, first in duplicates:
                source = by_path.get(os.path.abspath(first))
                first_row = conn.execute("SELECT id, sha256 FROM photos WHERE path = ? AND replaced_by IS NULL",
                                         (self.stored_path(first),)).fetchone()
                if source is None or first_row is None:
                    continue
                key = self.stored_path(copy)
                values = self._photo_values(source)
                values["sha256"] = first_row[1]
                conn.execute(
                    f"INSERT INTO photos(path, abs_path, added_at, duplicate_of, {', '.join(values)}) "
                    f"VALUES (?, ?, ?, ?, {', '.join('?' for _ in values)}) "
                    f"ON CONFLICT(path) WHERE replaced_by IS NULL DO UPDATE SET duplicate_of = excluded.duplicate_of, "
                    f"sha256 = excluded.sha256, fingerprint = excluded.fingerprint, error = NULL",
                    (key, os.path.abspath(copy), _iso(now_utc()), first_row[0], *values.values()),
                )
                counts["duplicates"] += 1
            for bad in unreadable:
                key = self.stored_path(bad.path)
                conn.execute(
                    "INSERT INTO photos(path, abs_path, added_at, error) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(path) WHERE replaced_by IS NULL DO UPDATE SET error = excluded.error",
                    (key, os.path.abspath(bad.path), _iso(now_utc()), bad.reason),
                )
                counts["unreadable"] += 1
            self._audit(who, "import", details={**counts, "files": len(photos) + len(unreadable) + len(duplicates)})
        return AddResult(photo_ids=ids, **counts)

    @staticmethod
    def _photo_values(photo: Photo) -> dict[str, Any]:
        pos = photo.position
        return {
            "sha256": photo.sha256 or None,
            "fingerprint": photo.fingerprint or None,
            "size_bytes": photo.size_bytes,
            "width": photo.width,
            "height": photo.height,
            "orientation": photo.orientation,
            "lat": pos.lat if pos else None,
            "lon": pos.lon if pos else None,
            "position_source": photo.position_source.value if pos else PositionSource.NONE.value,
            "altitude_m": photo.altitude_m,
            "heading_deg": photo.heading_deg,
            "heading_from_track": int(photo.heading_from_track),
            "heading_magnetic": int(photo.heading_magnetic),
            "taken_at": _iso(photo.taken_at),
            "camera_time": _iso(photo.camera_time),
            "make": photo.camera.make,
            "model": photo.camera.model,
            "focal_length_mm": photo.camera.focal_length_mm,
            "focal_length_35mm": photo.camera.focal_length_35mm,
            "notes": _json(list(photo.notes)),
        }

    def _find_identical(self, photo: Photo) -> tuple[int, str] | None:
        """An existing usable photo byte-identical to ``photo`` (fingerprints first, sha256 to be sure)."""
        if not photo.fingerprint:
            return None
        rows = self._conn.execute(
            "SELECT id, path, abs_path, sha256 FROM photos WHERE fingerprint = ? AND duplicate_of IS NULL "
            "AND replaced_by IS NULL",
            (photo.fingerprint,),
        ).fetchall()
        if not rows:
            return None
        from roadinspect.core.photos import sha256_file

        try:
            mine = photo.sha256 or sha256_file(photo.path)
        except OSError:
            return None
        for row_id, stored, abs_path, digest in rows:
            if not digest:
                try:
                    digest = sha256_file(self.resolve(stored, abs_path))
                except OSError:
                    continue
                self._conn.execute("UPDATE photos SET sha256 = ? WHERE id = ?", (digest, row_id))
            if digest == mine:
                return row_id, mine
        return None

    def _record(self, row: dict[str, Any]) -> PhotoRecord:
        path = self.resolve(row["path"], row["abs_path"])
        photo = None
        if row["width"] is not None:
            position = None
            if row["lat"] is not None and row["lon"] is not None:
                position = GeoPoint(row["lat"], row["lon"])
            photo = Photo(
                path=path,
                sha256=row["sha256"] or "",
                size_bytes=row["size_bytes"] or 0,
                width=row["width"],
                height=row["height"],
                orientation=row["orientation"],
                position=position,
                position_source=PositionSource(row["position_source"]),
                altitude_m=row["altitude_m"],
                heading_deg=row["heading_deg"],
                heading_from_track=bool(row["heading_from_track"]),
                taken_at=_dt(row["taken_at"]),
                camera=CameraInfo(row["make"], row["model"], row["focal_length_mm"], row["focal_length_35mm"]),
                fingerprint=row["fingerprint"] or "",
                camera_time=_dt(row["camera_time"]),
                heading_magnetic=bool(row["heading_magnetic"]),
                notes=tuple(json.loads(row["notes"] or "[]")),
            )
        return PhotoRecord(id=row["id"], path=path, stored_path=row["path"], photo=photo, error=row["error"],
                           duplicate_of=row["duplicate_of"], analysis_id=row["analysis_id"],
                           analysed_at=_dt(row["analysed_at"]), replaced_by=row["replaced_by"],
                           failure=row["failure"])

    def photos(self, usable_only: bool = True) -> list[PhotoRecord]:
        """Photos in path order; with ``usable_only`` False, also unreadable files and duplicates."""
        where = "WHERE width IS NOT NULL AND duplicate_of IS NULL" if usable_only else ""
        return [self._record(r) for r in self._query(f"SELECT * FROM photos {where} ORDER BY path")]

    def photo(self, photo_id: int) -> PhotoRecord:
        """One photo by id (KeyError when there is none)."""
        rows = self._query("SELECT * FROM photos WHERE id = ?", (photo_id,))
        if not rows:
            raise KeyError(f"no photo {photo_id} in {self.path}")
        return self._record(rows[0])

    def photos_to_analyse(self, model_sha256: str, photo_ids: Iterable[int] | None = None) -> list[int]:
        """Usable photos not yet analysed by this model (resumability: finished photos are skipped).

        A record replaced by a newer one (its file changed) is not analysed, nor a photo on which
        this model crashed the analysis (``failure_model``).
        """
        rows = self._query(
            "SELECT p.id FROM photos p LEFT JOIN analyses a ON a.id = p.analysis_id "
            "WHERE p.width IS NOT NULL AND p.duplicate_of IS NULL AND p.replaced_by IS NULL "
            "AND (p.failure_model IS NULL OR p.failure_model != ?) "
            "AND (p.analysis_id IS NULL OR a.model_sha256 != ?) ORDER BY p.path",
            (model_sha256, model_sha256),
        )
        todo = [r["id"] for r in rows]
        if photo_ids is None:
            return todo
        wanted = set(photo_ids)
        return [i for i in todo if i in wanted]

    def update_positions(self, changes: Sequence[PositionChange], who: str = "",
                         summary: dict[str, Any] | None = None) -> int:
        """Record new positions of photos already in the project, in ONE transaction; returns the photos changed.

        Each change writes the photo's position, its source, altitude, heading (and whether it comes from
        the track) and notes, and the new ground positions of its findings (``ground_distance_m`` in
        their measures follows), with one ``position`` audit row per photo (before and after).
        ``summary``, when given, is written after them as one ``positions`` audit row (e.g. the GPX file
        and the clock offset, plus ``photos_changed``), even when nothing changed. A photo whose recorded
        position comes from its own EXIF GPS is refused: a real position is never overwritten.

        Raises:
            KeyError: no such photo or finding of that photo. ValueError: a photo with an EXIF position.
        """
        changed = 0
        with self._tx() as conn:
            for change in changes:
                row = conn.execute(
                    "SELECT lat, lon, position_source, altitude_m, heading_deg, heading_from_track, notes "
                    "FROM photos WHERE id = ?", (change.photo_id,)).fetchone()
                if row is None:
                    raise KeyError(f"no photo {change.photo_id} in {self.path}")
                if row[2] == PositionSource.EXIF.value:
                    raise ValueError(f"photo {change.photo_id} has its own EXIF position: it is never replaced")
                photo = change.photo
                pos = photo.position
                source = photo.position_source.value if pos else PositionSource.NONE.value
                conn.execute(
                    "UPDATE photos SET lat = ?, lon = ?, position_source = ?, altitude_m = ?, heading_deg = ?, "
                    "heading_from_track = ?, notes = ? WHERE id = ?",
                    (pos.lat if pos else None, pos.lon if pos else None, source, photo.altitude_m, photo.heading_deg,
                     int(photo.heading_from_track), _json(list(photo.notes)), change.photo_id))
                moved = {}
                for finding_id, (ground, distance) in sorted(change.grounds.items()):
                    frow = conn.execute("SELECT ground_lat, ground_lon, measures FROM findings "
                                        "WHERE id = ? AND photo_id = ?", (finding_id, change.photo_id)).fetchone()
                    if frow is None:
                        raise KeyError(f"no finding {finding_id} of photo {change.photo_id} in {self.path}")
                    measures = json.loads(frow[2] or "{}")
                    if distance is None:
                        measures.pop("ground_distance_m", None)
                    else:
                        measures["ground_distance_m"] = round(float(distance), 6)
                    conn.execute("UPDATE findings SET ground_lat = ?, ground_lon = ?, measures = ? WHERE id = ?",
                                 (ground.lat if ground else None, ground.lon if ground else None, _json(measures),
                                  finding_id))
                    moved[str(finding_id)] = {"before": [frow[0], frow[1]],
                                              "after": [ground.lat, ground.lon] if ground else None}
                before = {"lat": row[0], "lon": row[1], "source": row[2], "altitude_m": row[3], "heading_deg": row[4],
                          "heading_from_track": bool(row[5])}
                after = {"lat": pos.lat if pos else None, "lon": pos.lon if pos else None, "source": source,
                         "altitude_m": photo.altitude_m, "heading_deg": photo.heading_deg,
                         "heading_from_track": photo.heading_from_track}
                self._audit(who, "position", photo_id=change.photo_id,
                            details={"before": before, "after": after, "findings": moved})
                changed += 1
            if summary is not None:
                self._audit(who, "positions", details={**summary, "photos_changed": changed})
        return changed

    # ------------------------------------------------------------------ claims (photos in flight)
    def analysis_lock(self) -> _AnalysisLock:
        """The project's analysis lock (a context manager; :class:`ProjectBusy` when another process holds it)."""
        return _AnalysisLock(self.path)

    def claim_photos(self, analysis_id: int, photo_ids: Sequence[int], alone: bool = False) -> None:
        """Mark photos as in flight in ``analysis_id`` (committed before they are read).

        ``alone``: the photo is retried on its own after a crash; if the process dies again the next
        run records it as failed (:meth:`settle_interrupted`).
        """
        if not photo_ids:
            return
        with self._tx() as conn:
            conn.executemany("UPDATE photos SET in_flight = ?, in_flight_alone = ? WHERE id = ?",
                             [(analysis_id, int(alone), i) for i in photo_ids])

    def claimed(self, alone: bool = False) -> list[int]:
        """Photos claimed by an analysis (``alone``: only those retried alone), in path order."""
        extra = " AND in_flight_alone = 1" if alone else ""
        return [r["id"] for r in self._query(f"SELECT id FROM photos WHERE in_flight IS NOT NULL{extra} ORDER BY path")]

    def release_claims(self, analysis_id: int) -> None:
        """Forget the claims of an analysis that ended (photos not recorded are simply not done yet)."""
        with self._tx() as conn:
            conn.execute("UPDATE photos SET in_flight = NULL, in_flight_alone = 0 WHERE in_flight = ?",
                         (analysis_id,))

    def settle_interrupted(self, who: str = "") -> tuple[list[int], list[int]]:
        """After a process death: record the photos that crashed it twice, return those to retry alone.

        Call it holding :meth:`analysis_lock` (then every claim left is one of a dead process). A photo
        that was being retried alone when its process died is recorded as failed with
        :data:`CRASH_REASON` for the model that crashed on it (that model does not try it again); the
        other photos that were in flight are to be retried one at a time. Analyses left ``running`` are
        closed as ``interrupted``. Returns ``(to_retry_alone, recorded_failed)``, photo ids in path order.
        """
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT p.id, p.in_flight_alone, a.model_sha256, p.in_flight FROM photos p "
                "LEFT JOIN analyses a ON a.id = p.in_flight WHERE p.in_flight IS NOT NULL ORDER BY p.path"
            ).fetchall()
            retry, failed = [], []
            for photo_id, alone, model_sha256, analysis_id in rows:
                if alone:
                    failed.append(photo_id)
                    conn.execute("UPDATE photos SET failure = ?, failure_model = ?, in_flight = NULL, "
                                 "in_flight_alone = 0 WHERE id = ?", (CRASH_REASON, model_sha256 or "", photo_id))
                    conn.execute("UPDATE analyses SET photos_failed = photos_failed + 1 WHERE id = ?", (analysis_id,))
                    self._audit(who, "photo_error", photo_id=photo_id,
                                details={"analysis_id": analysis_id, "reason": CRASH_REASON})
                else:
                    retry.append(photo_id)
            dead = [r[0] for r in conn.execute("SELECT id FROM analyses WHERE status = 'running'")]
            for analysis_id in dead:
                conn.execute("UPDATE analyses SET status = 'interrupted', finished_at = ? WHERE id = ?",
                             (_iso(now_utc()), analysis_id))
                self._audit(who, "analysis_finished", details={"analysis_id": analysis_id, "status": "interrupted",
                                                               "photos_in_flight": len(rows)})
        return retry, failed

    def failed(self) -> list[UnreadableFile]:
        """Photos the analysis could not finish (it crashed on them), with the reason."""
        return [UnreadableFile(self.resolve(r["path"], r["abs_path"]), r["failure"])
                for r in self._query("SELECT path, abs_path, failure FROM photos WHERE failure IS NOT NULL "
                                     "AND replaced_by IS NULL ORDER BY path")]

    def changed(self, check_files: bool = True) -> list[UnreadableFile]:
        """Photos whose file changed or is missing since import (:data:`CHANGED_REASON`).

        A record replaced by a newer one (same path, new content) is listed; with ``check_files``, so
        is a usable photo whose file is gone now (one ``stat`` per photo). Their findings and reviews
        are kept in the project; the file no longer shows what they were made on.
        """
        out = []
        for r in self._query("SELECT path, abs_path, replaced_by FROM photos WHERE width IS NOT NULL "
                             "AND duplicate_of IS NULL ORDER BY path, id"):
            path = self.resolve(r["path"], r["abs_path"])
            if r["replaced_by"] is not None or (check_files and not path.is_file()):
                out.append(UnreadableFile(path, CHANGED_REASON))
        return out

    # ------------------------------------------------------------------ analyses
    def start_analysis(self, model_name: str, model_sha256: str, settings: dict[str, Any] | None = None,
                       who: str = "") -> int:
        """Open an analysis row (status ``running``) and return its id."""
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO analyses(model_name, model_sha256, started_at, settings) VALUES (?, ?, ?, ?)",
                (model_name, model_sha256, _iso(now_utc()), _json(settings or {})),
            )
            analysis_id = _inserted_id(cur)
            self._audit(who, "analysis_started", details={"analysis_id": analysis_id, "model": model_name,
                                                          "model_sha256": model_sha256})
        return analysis_id

    def finish_analysis(self, analysis_id: int, status: str, timings: dict[str, Any] | None = None,
                        who: str = "") -> None:
        """Close an analysis row (``finished``, ``cancelled`` or ``failed``) with its timings."""
        with self._tx() as conn:
            conn.execute("UPDATE analyses SET finished_at = ?, status = ?, timings = ? WHERE id = ?",
                         (_iso(now_utc()), status, _json(timings or {}), analysis_id))
            self._audit(who, "analysis_finished", details={"analysis_id": analysis_id, "status": status})

    def analyses(self) -> list[AnalysisRecord]:
        """Every analysis, oldest first."""
        return [
            AnalysisRecord(r["id"], r["model_name"], r["model_sha256"], _dt(r["started_at"]),  # type: ignore[arg-type]  # started_at is NOT NULL
                           _dt(r["finished_at"]), r["status"], r["photos_done"], r["photos_failed"],
                           json.loads(r["timings"]))
            for r in self._query("SELECT * FROM analyses ORDER BY id")
        ]

    def record_photo_result(self, photo_id: int, analysis_id: int, findings: Sequence[Finding],
                            sha256: str | None = None, elapsed_ms: float | None = None,
                            who: str = "") -> RecordOutcome:
        """Write one photo's analysis result in ONE transaction (see the re-analysis rule above)."""
        from shapely import wkt as shapely_wkt

        with self._tx() as conn:
            rows = conn.execute(
                "SELECT f.id, f.source, f.polygon_wkt, r.status FROM findings f "
                "LEFT JOIN reviews r ON r.finding_id = f.id WHERE f.photo_id = ?",
                (photo_id,),
            ).fetchall()
            replace_ids = [r[0] for r in rows
                           if r[1] == "model" and (r[3] is None or r[3] == ReviewStatus.PENDING.value)]
            replaced = set(replace_ids)
            kept = [r for r in rows if r[0] not in replaced]
            kept_shapes = []
            for r in kept:
                try:
                    kept_shapes.append(shapely_wkt.loads(r[2]))
                except Exception:  # noqa: BLE001 - a damaged WKT must not block recording
                    continue
            if replace_ids:
                conn.executemany("DELETE FROM findings WHERE id = ?", [(i,) for i in replace_ids])
            added = dropped = 0
            created = _iso(now_utc())
            for f in findings:
                if kept_shapes and _overlaps_any(f.polygon_wkt, kept_shapes):
                    dropped += 1
                    continue
                conn.execute(
                    "INSERT INTO findings(photo_id, analysis_id, source, damage, kind, severity, polygon_wkt, "
                    "confidence, measures, ground_lat, ground_lon, created_at) "
                    "VALUES (?, ?, 'model', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (photo_id, analysis_id, int(f.damage), f.kind, Severity(f.severity).value, f.polygon_wkt,
                     float(f.confidence), _json(dict(f.measures)), f.ground.lat if f.ground else None,
                     f.ground.lon if f.ground else None, created),
                )
                added += 1
            conn.execute(
                "UPDATE photos SET analysis_id = ?, analysed_at = ?, analysis_ms = ?, error = NULL, "
                "sha256 = COALESCE(?, sha256), in_flight = NULL, in_flight_alone = 0, failure = NULL, "
                "failure_model = NULL WHERE id = ?",
                (analysis_id, created, elapsed_ms, sha256, photo_id),
            )
            conn.execute("UPDATE analyses SET photos_done = photos_done + 1 WHERE id = ?", (analysis_id,))
            outcome = RecordOutcome(added, len(replace_ids), len(kept), dropped)
            self._audit(who, "photo_analysed", photo_id=photo_id,
                        details={"analysis_id": analysis_id, "added": added, "replaced": len(replace_ids),
                                 "kept_reviewed": len(kept), "dropped_overlapping": dropped})
        return outcome

    def record_photo_error(self, photo_id: int, reason: str, analysis_id: int | None = None, who: str = "") -> None:
        """Record why a photo could not be analysed (its earlier findings, if any, are kept)."""
        with self._tx() as conn:
            conn.execute("UPDATE photos SET error = ?, in_flight = NULL, in_flight_alone = 0 WHERE id = ?",
                         (reason, photo_id))
            if analysis_id is not None:
                conn.execute("UPDATE analyses SET photos_failed = photos_failed + 1 WHERE id = ?", (analysis_id,))
            self._audit(who, "photo_error", photo_id=photo_id, details={"analysis_id": analysis_id, "reason": reason})

    def record_photo_crash(self, photo_id: int, reason: str, analysis_id: int, model_sha256: str,
                           who: str = "") -> None:
        """Record a photo the analysis crashed on (a cluster worker died on it twice), as :meth:`settle_interrupted`
        records one after a process death: listed by :meth:`failed`, not tried again by that model."""
        with self._tx() as conn:
            conn.execute("UPDATE photos SET failure = ?, failure_model = ?, in_flight = NULL, in_flight_alone = 0 "
                         "WHERE id = ?", (reason, model_sha256, photo_id))
            conn.execute("UPDATE analyses SET photos_failed = photos_failed + 1 WHERE id = ?", (analysis_id,))
            self._audit(who, "photo_error", photo_id=photo_id, details={"analysis_id": analysis_id, "reason": reason})

    # ------------------------------------------------------------------ findings and reviews
    def _reviewed(self, row: dict[str, Any]) -> ReviewedFinding:
        ground = None
        if row["ground_lat"] is not None and row["ground_lon"] is not None:
            ground = GeoPoint(row["ground_lat"], row["ground_lon"])
        finding = Finding(
            damage=DamageClass(row["damage"]), polygon_wkt=row["polygon_wkt"], confidence=row["confidence"],
            kind=row["kind"], severity=Severity(row["severity"]), measures=json.loads(row["measures"]),
            ground=ground, id=row["id"], photo_id=row["photo_id"], source=row["source"],
        )
        review = None
        if row["r_status"] is not None:
            review = Review(
                finding_id=row["id"], status=ReviewStatus(row["r_status"]), reviewer=row["r_reviewer"],
                at=_dt(row["r_at"]), damage=DamageClass(row["r_damage"]) if row["r_damage"] is not None else None,
                severity=Severity(row["r_severity"]) if row["r_severity"] else None, note=row["r_note"] or "",
                kind=row["r_kind"],
            )
        return ReviewedFinding(finding, review)

    _FINDINGS_SQL = (
        "SELECT f.*, r.status AS r_status, r.damage AS r_damage, r.severity AS r_severity, r.kind AS r_kind, "
        "r.note AS r_note, r.reviewer AS r_reviewer, r.at AS r_at FROM findings f "
        "LEFT JOIN reviews r ON r.finding_id = f.id "
    )

    def findings(self, photo_id: int | None = None) -> list[ReviewedFinding]:
        """Findings with their latest review: of one photo, or of the whole project (by photo, then id)."""
        if photo_id is None:
            rows = self._query(self._FINDINGS_SQL + "ORDER BY f.photo_id, f.id")
        else:
            rows = self._query(self._FINDINGS_SQL + "WHERE f.photo_id = ? ORDER BY f.id", (photo_id,))
        return [self._reviewed(r) for r in rows]

    def finding(self, finding_id: int) -> ReviewedFinding:
        """One finding by id (KeyError when there is none)."""
        rows = self._query(self._FINDINGS_SQL + "WHERE f.id = ?", (finding_id,))
        if not rows:
            raise KeyError(f"no finding {finding_id} in {self.path}")
        return self._reviewed(rows[0])

    def set_review(self, finding_id: int, status: ReviewStatus | str, reviewer: str = "",
                   damage: DamageClass | int | None = None, severity: Severity | str | None = None,
                   note: str = "", kind: str | None = None) -> Review:
        """Record an inspector's decision, durable at once (one transaction with its audit row).

        ``kind`` is a corrected crack type (``longitudinal``, ``transverse``, ``alligator``,
        ``isolated``) or ``pothole``; it must agree with the class (the corrected one, else the model's).

        Raises:
            KeyError: no such finding. ValueError: a background class, an unknown type, or a type
                that contradicts the class.
        """
        status = ReviewStatus(status)
        damage = DamageClass(damage) if damage is not None else None
        if damage == DamageClass.BACKGROUND:
            raise ValueError("a corrected class must be crack or pothole (reject the finding instead)")
        severity = Severity(severity) if severity is not None else None
        kind = _check_kind(kind)
        reviewer = reviewer or default_reviewer()
        review = Review(finding_id, status, reviewer, now_utc(), damage, severity, note, kind)
        with self._tx() as conn:
            before = self._review_in_tx(finding_id)
            photo_row = conn.execute("SELECT photo_id, damage FROM findings WHERE id = ?", (finding_id,)).fetchone()
            if photo_row is None:
                raise KeyError(f"no finding {finding_id} in {self.path}")
            _check_kind_matches(kind, damage if damage is not None else DamageClass(photo_row[1]))
            self._write_review(conn, finding_id, review, reviewer, _iso(review.at))
            self._audit(reviewer, "review", photo_id=photo_row[0], finding_id=finding_id,
                        details={"before": _review_dict(before), "after": _review_dict(review)})
        return review

    @staticmethod
    def _write_review(conn: sqlite3.Connection, finding_id: int, review: Review, reviewer: str,
                      at: str | None) -> None:
        """Insert or replace a finding's latest decision (inside a transaction)."""
        conn.execute(
            "INSERT INTO reviews(finding_id, status, damage, severity, kind, note, reviewer, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(finding_id) DO UPDATE SET status = excluded.status, "
            "damage = excluded.damage, severity = excluded.severity, kind = excluded.kind, note = excluded.note, "
            "reviewer = excluded.reviewer, at = excluded.at",
            (finding_id, ReviewStatus(review.status).value, int(review.damage) if review.damage is not None else None,
             Severity(review.severity).value if review.severity else None, review.kind, review.note, reviewer, at),
        )

    def _review_in_tx(self, finding_id: int) -> Review | None:
        row = self._conn.execute(
            "SELECT status, damage, severity, note, reviewer, at, kind FROM reviews WHERE finding_id = ?",
            (finding_id,),
        ).fetchone()
        if row is None:
            return None
        return Review(finding_id, ReviewStatus(row[0]), row[4], _dt(row[5]),
                      DamageClass(row[1]) if row[1] is not None else None, Severity(row[2]) if row[2] else None,
                      row[3] or "", row[6])

    def add_inspector_finding(self, photo_id: int, damage: DamageClass | int, polygon_wkt: str, reviewer: str = "",
                              kind: str | None = None, severity: Severity | str = Severity.MEDIUM,
                              measures: dict[str, Any] | None = None, ground: GeoPoint | None = None,
                              note: str = "") -> ReviewedFinding:
        """Add a finding drawn by an inspector; it is recorded as accepted by that inspector.

        Raises:
            ValueError: the class is background or the WKT is not a valid, non-empty polygon.
        """
        damage = DamageClass(damage)
        if damage == DamageClass.BACKGROUND:
            raise ValueError("an inspector finding must be a crack or a pothole")
        _check_polygon(polygon_wkt)
        severity = Severity(severity)
        kind = kind or ("pothole" if damage == DamageClass.POTHOLE else "isolated")
        reviewer = reviewer or default_reviewer()
        with self._tx() as conn:
            if conn.execute("SELECT 1 FROM photos WHERE id = ?", (photo_id,)).fetchone() is None:
                raise KeyError(f"no photo {photo_id} in {self.path}")
            at = now_utc()
            cur = conn.execute(
                "INSERT INTO findings(photo_id, analysis_id, source, damage, kind, severity, polygon_wkt, confidence, "
                "measures, ground_lat, ground_lon, created_at) "
                "VALUES (?, NULL, 'inspector', ?, ?, ?, ?, 1.0, ?, ?, ?, ?)",
                (photo_id, int(damage), kind, severity.value, polygon_wkt, _json(measures or {}),
                 ground.lat if ground else None, ground.lon if ground else None, _iso(at)),
            )
            finding_id = _inserted_id(cur)
            conn.execute("INSERT INTO reviews(finding_id, status, note, reviewer, at) VALUES (?, 'accepted', ?, ?, ?)",
                         (finding_id, note, reviewer, _iso(at)))
            self._audit(reviewer, "finding_added", photo_id=photo_id, finding_id=finding_id,
                        details={"damage": damage.label, "kind": kind, "severity": severity.value,
                                 "polygon_wkt": polygon_wkt})
        return self.finding(finding_id)

    def update_finding_geometry(self, finding_id: int, polygon_wkt: str, reviewer: str = "",
                                measures: dict[str, Any] | None = None, ground: GeoPoint | None = None,
                                kind: str | None = None, severity: Severity | str | None = None,
                                review: Review | None = None) -> ReviewedFinding:
        """Replace a finding's outline (an inspector's mask correction), with an audit row.

        ``measures``, ``ground``, ``kind`` and ``severity`` are the values recomputed from the new
        outline (``findings.finding_from_mask``), stored with it. A model finding that was pending or
        accepted becomes ``corrected``; a rejected one stays rejected. ``review``, when given,
        replaces the latest review instead (the GUI's undo puts the earlier outline and decision back
        in one transaction).
        """
        _check_polygon(polygon_wkt)
        reviewer = reviewer or default_reviewer()
        with self._tx() as conn:
            row = conn.execute("SELECT photo_id, polygon_wkt, measures FROM findings WHERE id = ?",
                               (finding_id,)).fetchone()
            if row is None:
                raise KeyError(f"no finding {finding_id} in {self.path}")
            sets, params = ["polygon_wkt = ?"], [polygon_wkt]  # type: list[str], list[Any]
            if measures is not None:
                sets.append("measures = ?")
                params.append(_json(measures))
            if ground is not None:
                sets += ["ground_lat = ?", "ground_lon = ?"]
                params += [ground.lat, ground.lon]
            if kind is not None:
                sets.append("kind = ?")
                params.append(kind)
            if severity is not None:
                sets.append("severity = ?")
                params.append(Severity(severity).value)
            conn.execute(f"UPDATE findings SET {', '.join(sets)} WHERE id = ?", (*params, finding_id))
            before = self._review_in_tx(finding_id)
            if review is not None:
                self._put_review(conn, finding_id, review, reviewer)
            elif before is None or before.status in (ReviewStatus.PENDING, ReviewStatus.ACCEPTED):
                conn.execute(
                    "INSERT INTO reviews(finding_id, status, reviewer, at) VALUES (?, 'corrected', ?, ?) "
                    "ON CONFLICT(finding_id) DO UPDATE SET status = 'corrected', reviewer = excluded.reviewer, "
                    "at = excluded.at",
                    (finding_id, reviewer, _iso(now_utc())),
                )
            self._audit(reviewer, "geometry", photo_id=row[0], finding_id=finding_id,
                        details={"before": row[1], "after": polygon_wkt,
                                 "measures_before": json.loads(row[2]) if measures is not None else None,
                                 "measures_after": measures})
        return self.finding(finding_id)

    def _put_review(self, conn: sqlite3.Connection, finding_id: int, review: Review, reviewer: str) -> None:
        """Write ``review`` as the latest decision of a finding (inside a transaction)."""
        self._write_review(conn, finding_id, review, reviewer or review.reviewer or default_reviewer(),
                           _iso(now_utc()))

    def delete_inspector_finding(self, finding_id: int, reviewer: str = "") -> None:
        """Remove a finding an inspector drew (the GUI's undo of "add finding"), with an audit row.

        Model findings are never deleted (reject them instead).

        Raises:
            KeyError: no such finding. ValueError: the finding comes from the model.
        """
        reviewer = reviewer or default_reviewer()
        with self._tx() as conn:
            row = conn.execute("SELECT photo_id, source, polygon_wkt FROM findings WHERE id = ?",
                               (finding_id,)).fetchone()
            if row is None:
                raise KeyError(f"no finding {finding_id} in {self.path}")
            if row[1] != "inspector":
                raise ValueError(f"finding {finding_id} comes from the model: reject it instead of deleting it")
            conn.execute("DELETE FROM findings WHERE id = ?", (finding_id,))
            self._audit(reviewer, "finding_deleted", photo_id=row[0], finding_id=finding_id,
                        details={"polygon_wkt": row[2]})

    def finding_analysis_settings(self) -> dict[int, dict[str, Any]]:
        """``{finding id: settings of the analysis that found it}`` for the model's findings (``max_side``: the
        working resolution its outline was traced at, ``camera``: the camera it was measured with)."""
        rows = self._query("SELECT f.id, a.settings FROM findings f JOIN analyses a ON a.id = f.analysis_id")
        return {r["id"]: json.loads(r["settings"] or "{}") for r in rows}

    def write_measures(self, updates: Sequence[MeasureUpdate], meta: dict[str, Any] | None = None, who: str = "",
                       reason: str = "camera", details: dict[str, Any] | None = None) -> list[int]:
        """Replace findings' measures, type, severity and ground position, and set ``meta`` keys, in ONE transaction.

        Reviews are not touched (an inspector's corrected class, type or severity still overrides). An update
        whose finding is gone, or whose outline or class (after correction) is no longer the one measured, is
        skipped. Audit: one ``remeasure`` row per finding written (measures, type, severity before and after,
        ``reason``), then one ``reason`` row with ``details``, the meta before and after and the counts.
        Returns the ids written.
        """
        written: list[int] = []
        with self._tx() as conn:
            for u in updates:
                row = conn.execute(
                    "SELECT f.photo_id, f.polygon_wkt, COALESCE(r.damage, f.damage), f.measures, f.kind, f.severity, "
                    "f.ground_lat, f.ground_lon FROM findings f LEFT JOIN reviews r ON r.finding_id = f.id "
                    "WHERE f.id = ?", (u.finding_id,)).fetchone()
                if row is None or row[1] != u.polygon_wkt or int(row[2]) != int(u.damage):
                    continue
                conn.execute("UPDATE findings SET measures = ?, kind = ?, severity = ?, ground_lat = ?, ground_lon = ? "
                             "WHERE id = ?", (_json(dict(u.measures)), u.kind, Severity(u.severity).value,
                                              u.ground.lat if u.ground else row[6],
                                              u.ground.lon if u.ground else row[7], u.finding_id))
                self._audit(who, "remeasure", photo_id=row[0], finding_id=u.finding_id, details={
                    "reason": reason, "measures_before": json.loads(row[3]), "measures_after": dict(u.measures),
                    "kind_before": row[4], "kind_after": u.kind, "severity_before": row[5],
                    "severity_after": Severity(u.severity).value,
                    "ground_before": [row[6], row[7]],
                    "ground_after": [u.ground.lat, u.ground.lon] if u.ground else None})
                written.append(u.finding_id)
            meta_before = {}
            for key, value in (meta or {}).items():
                old = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
                meta_before[key] = json.loads(old[0]) if old else None
                if value is None:
                    conn.execute("DELETE FROM meta WHERE key = ?", (key,))
                else:
                    conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                                 "value = excluded.value", (key, _json(value)))
            self._audit(who, reason, details={**(details or {}), "meta_before": meta_before, "meta_after": meta or {},
                                              "remeasured": len(written), "skipped": len(updates) - len(written)})
        return written

    # ------------------------------------------------------------------ road regions
    def road_regions(self) -> dict[str, Any]:
        """The stored road region of each camera group: ``{key: RoadRegion}`` (:mod:`roadinspect.core.road_region`).

        An ``auto`` region holds the still parts of the vehicle only (``RoadRegion.with_horizon`` adds
        the camera's horizon); an ``edited`` one the whole region as drawn.
        """
        from roadinspect.core.road_region import RoadRegion

        return {r["key"]: RoadRegion(r["key"], r["width"], r["height"], RoadRegion.grid_from_png(r["excluded"]),
                                     r["source"], r["photos"], r["group_photos"], r["note"], r["horizon"],
                                     r["horizon_photos"], r["horizon_note"])
                for r in self._query("SELECT * FROM road_regions ORDER BY key")}

    def put_road_region(self, region: RoadRegion, who: str = "", redo: Sequence[int] = ()) -> int:
        """Store ``region`` (a ``RoadRegion``) for its group, audited; photos ``redo`` are marked for re-analysis.

        Marking clears the photos' "analysed" mark (their findings stay until the next analysis,
        which follows the re-analysis rule). Returns the number of photos marked.
        """
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO road_regions(key, width, height, excluded, source, photos, group_photos, note, "
                "horizon, horizon_photos, horizon_note, updated_at, updated_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                "width = excluded.width, height = excluded.height, excluded = excluded.excluded, "
                "source = excluded.source, photos = excluded.photos, group_photos = excluded.group_photos, "
                "note = excluded.note, horizon = excluded.horizon, horizon_photos = excluded.horizon_photos, "
                "horizon_note = excluded.horizon_note, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by",
                (region.key, region.width, region.height, region.to_png(), region.source, region.photos,
                 region.group_photos, region.note, region.horizon, region.horizon_photos, region.horizon_note,
                 _iso(now_utc()), who))
            marked = 0
            for photo_id in redo:
                marked += conn.execute("UPDATE photos SET analysis_id = NULL WHERE id = ? AND analysis_id IS NOT NULL",
                                       (photo_id,)).rowcount
            self._audit(who, "road_region", details={
                "key": region.key, "source": region.source, "excluded_share": round(region.excluded_share, 4),
                "photos": region.photos, "note": region.note, "horizon": region.horizon,
                "horizon_photos": region.horizon_photos, "marked_for_reanalysis": marked})
        return marked

    # ------------------------------------------------------------------ meta and audit
    def get_meta(self, key: str, default: Any = None) -> Any:
        """A setting's value (JSON-decoded), or ``default``."""
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else default

    def set_meta(self, key: str, value: Any, who: str = "") -> None:
        """Store a setting (any JSON value); audited unless the key starts with ``ui.``."""
        with self._tx() as conn:
            old = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, _json(value)))
            if not key.startswith("ui."):
                self._audit(who, "setting", details={"key": key, "before": json.loads(old[0]) if old else None,
                                                     "after": value})

    def audit_log(self, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries, newest last (the last ``limit`` ones when given)."""
        sql = "SELECT * FROM audit_log ORDER BY id"
        if limit is not None:
            sql = f"SELECT * FROM (SELECT * FROM audit_log ORDER BY id DESC LIMIT {int(limit)}) ORDER BY id"
        return [AuditEntry(r["id"], _dt(r["at"]), r["who"], r["action"], r["photo_id"], r["finding_id"],  # type: ignore[arg-type]  # at is NOT NULL
                           json.loads(r["details"])) for r in self._query(sql)]

    def unreadable(self) -> list[UnreadableFile]:
        """Files that could not be used (at import or at analysis), with the reason."""
        return [UnreadableFile(self.resolve(r["path"], r["abs_path"]), r["error"])
                for r in self._query("SELECT path, abs_path, error FROM photos WHERE error IS NOT NULL ORDER BY path")]

    def counts(self) -> dict[str, Any]:
        """The figures of ``roadinspect info``."""
        usable = "width IS NOT NULL AND duplicate_of IS NULL"

        def one(sql: str) -> int:
            return int(self._query(sql)[0]["n"])

        by_source = {r["position_source"]: r["n"] for r in self._query(
            f"SELECT position_source, count(*) AS n FROM photos WHERE {usable} GROUP BY position_source")}
        by_class = {DamageClass(r["damage"]).label: r["n"] for r in self._query(
            "SELECT damage, count(*) AS n FROM findings GROUP BY damage")}
        by_status = {r["status"]: r["n"] for r in self._query(
            "SELECT COALESCE(r.status, 'pending') AS status, count(*) AS n FROM findings f "
            "LEFT JOIN reviews r ON r.finding_id = f.id GROUP BY 1")}
        photos = one(f"SELECT count(*) AS n FROM photos WHERE {usable}")
        return {
            "photos": photos,
            "analysed": one(f"SELECT count(*) AS n FROM photos WHERE {usable} AND analysis_id IS NOT NULL"),
            "with_position": one(f"SELECT count(*) AS n FROM photos WHERE {usable} AND lat IS NOT NULL"),
            "position_exif": by_source.get("exif", 0),
            "position_interpolated": by_source.get("interpolated", 0),
            "position_gpx": by_source.get("gpx", 0),
            "without_position": photos - one(f"SELECT count(*) AS n FROM photos WHERE {usable} AND lat IS NOT NULL"),
            "duplicates": one("SELECT count(*) AS n FROM photos WHERE duplicate_of IS NOT NULL"),
            "unreadable": [{"file": str(u.path), "reason": u.reason} for u in self.unreadable()],
            "failed": [{"file": str(u.path), "reason": u.reason} for u in self.failed()],
            "changed": [{"file": str(u.path), "reason": u.reason} for u in self.changed()],
            "findings": one("SELECT count(*) AS n FROM findings"),
            "findings_by_class": by_class,
            "findings_by_status": by_status,
            "analyses": one("SELECT count(*) AS n FROM analyses"),
        }


# ----------------------------------------------------------------------------- module helpers
QUICK_CHECK_MAX_BYTES = 128 << 20
"""Projects up to this size are checked page by page on opening (about 7 ms per MB)."""


def _is_damage(exc: BaseException) -> bool:
    """An SQLite error that means the file's pages are damaged (not a lock, a full disk...)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in str(exc)


def _damaged(path: Path, detail: object) -> ProjectError:
    return ProjectError(f"{path} is damaged ({detail}): restore a copy of the project "
                        "(RoadInspect has not changed the file)")


def _interrupted_write_message(path: Path) -> str:
    journal = f"{path.name}-journal"
    return (f"{path}: a write was interrupted (the program writing it stopped) and the folder is read-only, so it "
            f"cannot be finished here: copy {path.name} and {journal} together to a writable folder and open the "
            f"project there once (e.g. roadinspect info); never delete {journal}, it holds what is needed to "
            "repair the project")


def _finish_interrupted_write(path: Path) -> None:
    """Before a read-only open: roll back a write left unfinished by a killed process (a "hot" journal).

    A read-only connection cannot replay the rollback journal, so the file is opened for writing
    once, which makes SQLite undo the unfinished transaction (it leaves a live writer's journal
    alone). Where the file or folder is read-only, :func:`_interrupted_write_message` says what to do.
    """
    journal = Path(str(path) + "-journal")
    try:
        if journal.stat().st_size == 0:
            return
    except OSError:
        return
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return  # the read-only open reports SQLITE_READONLY_ROLLBACK if it needs the rollback
    try:
        conn = sqlite3.connect(str(path), timeout=30.0)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # the read-only open that follows reports what is wrong


def _check_header(path: Path) -> None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise ProjectError(f"cannot read the project {path}: {exc.strerror or exc}") from None
    if not head:
        raise ProjectError(f"{path} is an empty file (0 bytes), not a RoadInspect project: delete it or choose "
                           "another name to create a new project")
    if head != SQLITE_MAGIC:
        raise ProjectError(f"{path} is not a RoadInspect project (not an SQLite database)")


def _check_kind(kind: str | None) -> str | None:
    """A corrected type, checked against ``types.KINDS`` (None: no correction)."""
    if kind is None:
        return None
    if kind not in KINDS:
        raise ValueError(f"unknown damage type {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


def _check_kind_matches(kind: str | None, damage: DamageClass) -> None:
    if kind is None:
        return
    if (kind == "pothole") != (damage == DamageClass.POTHOLE):
        raise ValueError(f"the type {kind!r} does not match the class {damage.label!r}")


def _check_polygon(polygon_wkt: str) -> None:
    from shapely import wkt as shapely_wkt

    try:
        shape = shapely_wkt.loads(polygon_wkt)
    except Exception as exc:  # noqa: BLE001 - shapely's error type for bad WKT varies with its version
        raise ValueError(f"not a valid WKT polygon: {exc}") from None
    if shape.geom_type not in ("Polygon", "MultiPolygon") or shape.is_empty or shape.area <= 0:
        raise ValueError(f"expected a non-empty Polygon or MultiPolygon, got {shape.geom_type}")


def _overlaps_any(polygon_wkt: str, shapes: Sequence[Any]) -> bool:
    from shapely import wkt as shapely_wkt

    try:
        mine = shapely_wkt.loads(polygon_wkt)
    except Exception:  # noqa: BLE001 - an unreadable outline overlaps nothing
        return False
    if mine.is_empty or mine.area <= 0:
        return False
    for other in shapes:
        if other.is_empty or other.area <= 0 or not mine.intersects(other):
            continue
        overlap = mine.intersection(other).area
        if overlap >= OVERLAP_KEEP * min(mine.area, other.area):
            return True
    return False
