"""Several inspectors on one survey: split a project into parts, review them offline, merge them back.

SQLite advises against sharing one database file over a network drive (file locking is unreliable
there and WAL does not work across machines), so each inspector reviews a local *part* and the
supervisor merges the parts back into the project.

Split (:func:`split_project`)
    The usable photos are put in route order (time, as the track of :mod:`sections`) and cut into N
    contiguous shares of about the same number of photos. A cut falls only where a road section ends
    (every :attr:`SectionSettings.length_m` metres along the track, or a gap in the track) and never
    inside a maintenance site (the photos of one site are always in one part). Each part is a complete
    project file (photos' records, analyses, findings, reviews, settings, the model identity, the
    audit log) holding only its photos; finding ids are the project's. Photo paths are stored relative
    to the part (or the photos are copied next to it with ``with_photos``). The part records in its
    ``meta`` (key :data:`PART_META`) the project's id, its own id, its number, and every finding's
    decision at the split (its *baseline*).

Merge (:func:`merge_parts`)
    A finding is matched by identity: the project's finding id (checked through the photo's sha256 and
    analysis), or for a finding drawn in the part, ``findings.origin`` = ``<part id>:<id in the part>``.
    A *decision* is the review (status, corrected class, severity, crack type, note) and the outline.
    For each finding, with ``before`` = the decisions at the split or at the last merge of that part:

    * the part's decision did not change: nothing to do (merging a part twice changes nothing);
    * the project's did not change (or equals the part's): the part's decision is written with its
      author and time, and an audit row (``review`` / ``geometry`` / ``finding_added``, with
      ``merged_from``) is appended;
    * both changed, differently (here and in the part since the split, or in two parts): a
      **conflict**. The project's decision stays, both decisions go to the audit log
      (``merge_conflict``) and to ``review_conflicts``; the conflict is open until someone records a
      new decision on that finding in the project.

    A part of another project (another ``project.id``), a part whose photos were analysed again in the
    project since the split, or a file that is not a part is refused before anything is written; all
    the parts of one merge are written in one transaction (a cancel leaves the project as it was).
    A part written in an older project format is read from an upgraded temporary copy (the part
    itself is not changed); one from a newer RoadInspect is refused by the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roadinspect.core.progress import CancelCheck, Progress, never_cancelled, no_progress
from roadinspect.core.review import ReviewedFinding
from roadinspect.core.store import (
    ProjectError,
    Store,
    _inserted_id,
    _iso,
    _json,
    _review_dict,
    default_reviewer,
    now_utc,
)
from roadinspect.core.types import DamageClass, Finding, Photo, Review, ReviewStatus, Severity

PART_META = "part"
"""``meta`` key of a part: project_id, part_id, index, of, source, split_at, analyses, baseline."""
PROJECT_ID_META = "project.id"
"""``meta`` key holding the project's identity (a UUID, made at the first split or publish)."""



class SplitError(Exception):
    """A project cannot be split as asked; the message names the file and says why."""


class MergeError(Exception):
    """A part cannot be merged into the project; the message names both files and says why."""


class Cancelled(Exception):
    """The user cancelled; nothing was written."""


# ----------------------------------------------------------------------------- identity
@dataclass(frozen=True)
class PartInfo:
    """What a part knows about itself (``meta['part']``)."""

    project_id: str
    part_id: str
    index: int
    of: int
    source: str
    split_at: str
    photos: int
    findings: int

    def describe(self) -> str:
        """``part 2 of 3 of /path/to/project.roadinspect``."""
        return f"part {self.index} of {self.of} of {self.source}"


def part_info(store: Store) -> PartInfo | None:
    """The part record of ``store`` (None: an ordinary project)."""
    value = store.get_meta(PART_META)
    if not isinstance(value, dict):
        return None
    try:
        return PartInfo(str(value["project_id"]), str(value["part_id"]), int(value["index"]), int(value["of"]),
                        str(value["source"]), str(value["split_at"]), int(value.get("photos", 0)),
                        int(value.get("findings", 0)))
    except (KeyError, TypeError, ValueError):
        return None


def project_id(store: Store, create: bool = False, who: str = "") -> str | None:
    """The project's identity; with ``create``, one is made (and audited) when it has none."""
    value = store.get_meta(PROJECT_ID_META)
    if value or not create:
        return str(value) if value else None
    value = str(uuid.uuid4())
    store.set_meta(PROJECT_ID_META, value, who=who)
    return value


def decision(rf: ReviewedFinding) -> str:
    """A finding's decision as a comparable digest of its review status, corrections, note and outline."""
    r = rf.review
    status = r.status.value if r else ReviewStatus.PENDING.value
    text = _json([status, int(r.damage) if r and r.damage is not None else None,
                  Severity(r.severity).value if r and r.severity else None, r.kind if r else None,
                  r.note if r else "", rf.finding.polygon_wkt])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def review_counts(store: Store) -> dict[str, int]:
    """``{"accepted", "rejected", "corrected", "pending", "conflicts"}``: findings by decision, open conflicts."""
    counts = {"accepted": 0, "rejected": 0, "corrected": 0, "pending": 0}
    for row in store._query("SELECT COALESCE(r.status, 'pending') AS status, count(*) AS n FROM findings f "
                            "LEFT JOIN reviews r ON r.finding_id = f.id GROUP BY 1"):
        counts[row["status"]] = counts.get(row["status"], 0) + row["n"]
    counts["conflicts"] = len(open_conflicts(store))
    return counts


@dataclass(frozen=True)
class Conflict:
    """A finding decided differently in two places; ``decisions``: each one (where, who, when, what)."""

    finding_id: int
    photo_id: int
    decisions: tuple[dict[str, Any], ...]
    found_at: str


def open_conflicts(store: Store) -> list[Conflict]:
    """Conflicts not yet decided: no new decision was recorded on the finding since the conflict was found."""
    rows = store._query(
        "SELECT c.finding_id, f.photo_id, c.decisions, c.found_at FROM review_conflicts c "
        "JOIN findings f ON f.id = c.finding_id LEFT JOIN reviews r ON r.finding_id = c.finding_id "
        "WHERE r.at IS c.review_at ORDER BY c.finding_id")
    return [Conflict(r["finding_id"], r["photo_id"], tuple(json.loads(r["decisions"])), r["found_at"]) for r in rows]


# ----------------------------------------------------------------------------- split
@dataclass
class SplitResult:
    """The parts written, with their photo and finding counts; photos that could not be copied."""

    parts: list[Path] = field(default_factory=list)
    photos: list[int] = field(default_factory=list)
    findings: list[int] = field(default_factory=list)
    copied: int = 0
    missing: list[Path] = field(default_factory=list)


def _route(store: Store) -> tuple[list[int], list[int]]:
    """Usable current photos in route order, and the allowed cut positions (cut before index c)."""
    from roadinspect.core.geo import MetricFrame
    from roadinspect.core.sections import SectionSettings
    from roadinspect.core.sites import build_sites, time_key

    records = [r for r in store.photos() if r.replaced_by is None and r.photo is not None]
    photo_of: dict[int, Photo] = {r.id: r.photo for r in records if r.photo is not None}  # each record's
    records.sort(key=lambda r: (time_key(photo_of[r.id].taken_at), photo_of[r.id].path.name, r.id))
    order = [r.id for r in records]
    settings = SectionSettings()
    frame = MetricFrame.around(pos for r in records if (pos := photo_of[r.id].position) is not None)
    # which section each photo lies in: (run, index along the run), as build_sections cuts the track
    # (a last piece shorter than a quarter section joins the one before); None without a position
    located: list[tuple[int, int, float]] = []  # (record index, run, metres along the run)
    run, along, last = 0, 0.0, None
    for i, r in enumerate(records):
        pos = photo_of[r.id].position
        if pos is None or frame is None:
            continue
        xy = frame.to_xy([pos])[0]
        step = float(math.hypot(*(xy - last))) if last is not None else math.inf
        if step > settings.max_gap_m:
            run, along = run + 1, 0.0
        else:
            along += step
        last = xy
        located.append((i, run, along))
    run_length: dict[int, float] = {}
    for _, run_no, metres in located:
        run_length[run_no] = max(run_length.get(run_no, 0.0), metres)
    pieces: dict[int, int] = {}
    for run_no, total in run_length.items():
        n = max(1, math.ceil(total / settings.length_m))
        if n > 1 and total - (n - 1) * settings.length_m < settings.length_m / 4:
            n -= 1
        pieces[run_no] = n
    section: list[tuple[int, int] | None] = [None] * len(records)
    for i, run_no, metres in located:
        section[i] = (run_no, min(int(metres // settings.length_m), pieces[run_no] - 1))
    if frame is None:  # no position at all: any cut between photos is a "section" boundary
        allowed = set(range(1, len(order)))
    else:
        allowed = set()
        prev = None
        for i, sec in enumerate(section):
            if sec is None:
                continue
            if prev is not None and sec != prev:
                allowed.add(i)
            prev = sec
    # never inside a site: no cut between the first and the last photo of one site
    index = {pid: i for i, pid in enumerate(order)}
    photos = {r.id: photo_of[r.id] for r in records}
    findings: list[Finding] = []
    reviews: dict[int, Review] = {}
    for rf in store.findings():
        if rf.finding.photo_id in photos:
            findings.append(rf.finding)
            if rf.review is not None:
                reviews[rf.finding_id] = rf.review
    for site in build_sites(photos, findings, reviews):
        at = [index[p] for p in site.photo_ids if p in index]
        if len(at) > 1:
            allowed -= set(range(min(at) + 1, max(at) + 1))
    return order, sorted(allowed)


def _choose_cuts(n_photos: int, allowed: Sequence[int], parts: int) -> list[int]:
    cuts: list[int] = []
    for k in range(1, parts):
        target = k * n_photos / parts
        candidates = [c for c in allowed if (not cuts or c > cuts[-1]) and len(allowed) - allowed.index(c) >= parts - k]
        if not candidates:
            break
        cuts.append(min(candidates, key=lambda c: (abs(c - target), c)))
    return cuts


def split_project(project: Path | str, parts: int, out_dir: Path | str, with_photos: bool = False, who: str = "",
                  progress: Progress | None = None, is_cancelled: CancelCheck | None = None) -> SplitResult:
    """Write ``parts`` part files of ``project`` into ``out_dir`` (see the module docstring).

    Parts are named ``<stem>.part<i>of<N>.roadinspect``; an existing part is never overwritten.

    Raises:
        SplitError: fewer road sections than parts, a part already there, a project that is itself a
            part, an output folder that cannot be written. ProjectError: the project cannot be opened.
        Cancelled: ``is_cancelled`` returned True (parts already written are removed).
    """
    project = Path(os.path.abspath(project))
    out_dir = Path(os.path.abspath(out_dir))
    if parts < 2:
        raise SplitError(f"{project}: --parts must be 2 or more (got {parts})")
    progress = progress or no_progress
    cancelled = is_cancelled or never_cancelled
    who = who or default_reviewer()
    store = Store.open(project, create=False)
    written: list[Path] = []
    try:
        info = part_info(store)
        if info is not None:
            raise SplitError(f"{project} is already {info.describe()}: split the project itself")
        order, allowed = _route(store)
        if len(order) < parts:
            raise SplitError(f"{project}: {len(order)} usable photos cannot make {parts} parts")
        cuts = _choose_cuts(len(order), allowed, parts)
        if len(cuts) < parts - 1:
            raise SplitError(f"{project}: the route has only {len(allowed) + 1} road sections that can be cut "
                             f"without splitting a site: at most {len(allowed) + 1} parts")
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SplitError(f"cannot create the folder {out_dir}: {exc.strerror or exc}") from None
        names = [out_dir / f"{project.stem}.part{i}of{parts}.roadinspect" for i in range(1, parts + 1)]
        for name in names:
            if name.exists():
                raise SplitError(f"{name} already exists: it may hold an inspector's reviews; choose another folder")
        pid = project_id(store, create=True, who=who)
        bounds = [0, *cuts, len(order)]
        shares = [order[bounds[i]:bounds[i + 1]] for i in range(parts)]
        groups = _groups(store, shares)
        baseline = {rf.finding.id: (rf.finding.photo_id, decision(rf)) for rf in store.findings()}
        result = SplitResult()
        at = _iso(now_utc())
        total = sum(len(g) for g in groups)
        done = 0
        for i, (name, photo_ids) in enumerate(zip(names, groups, strict=True), start=1):
            if cancelled():
                raise Cancelled
            part_baseline = {str(fid): sig for fid, (ph, sig) in baseline.items() if ph in photo_ids}
            meta: dict[str, Any] = {
                "project_id": pid, "part_id": str(uuid.uuid4()), "index": i, "of": parts, "source": str(project),
                "split_at": at, "photos": len(shares[i - 1]), "findings": len(part_baseline),
                "analyses": {str(p): store.photo(p).analysis_id for p in photo_ids},
                "baseline": part_baseline}
            copied, missing = _write_part(store, name, photo_ids, meta, with_photos, who, cancelled)
            written.append(name)
            result.parts.append(name)
            result.photos.append(meta["photos"])
            result.findings.append(len(part_baseline))
            result.copied += copied
            result.missing += missing
            done += len(photo_ids)
            progress(done, total)
        with store._tx():
            store._audit(who, "split", details={"parts": [{"file": str(p), "photos": n, "findings": f}
                                                          for p, n, f in zip(result.parts, result.photos,
                                                                             result.findings, strict=True)],
                                                "with_photos": with_photos})
        return result
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    finally:
        store.close()


def _groups(store: Store, shares: list[list[int]]) -> list[set[int]]:
    """Every photo record of each part: its route share, their duplicates and earlier records, and the
    photos that cannot be used (with the part of the route photo whose path sorts just before them)."""
    owner = {pid: i for i, share in enumerate(shares) for pid in share}
    rows = store._query("SELECT id, path, duplicate_of, replaced_by FROM photos ORDER BY path, id")

    def find(pid: int, seen: int = 0) -> int | None:
        if pid in owner:
            return owner[pid]
        row = by_id.get(pid)
        if row is None or seen > 50:
            return None
        nxt = row["duplicate_of"] or row["replaced_by"]
        return find(nxt, seen + 1) if nxt and nxt != pid else None

    by_id = {r["id"]: r for r in rows}
    groups = [set(s) for s in shares]
    last = 0
    for r in rows:
        part = find(r["id"])
        if part is None:
            part = last
        else:
            last = part
        groups[part].add(r["id"])
    return groups


def _write_part(store: Store, target: Path, photo_ids: set[int], meta: dict[str, Any], with_photos: bool, who: str,
                cancelled: CancelCheck) -> tuple[int, list[Path]]:
    """Copy the project to ``target`` keeping only ``photo_ids`` (and their findings and reviews)."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    copied, missing = 0, []
    try:
        dest = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            with store._lock:
                store._conn.backup(dest)
            dest.execute("PRAGMA foreign_keys = ON")
            dest.execute("BEGIN")
            keep = ",".join(str(int(p)) for p in sorted(photo_ids)) or "NULL"
            dest.execute(f"UPDATE photos SET duplicate_of = NULL WHERE id IN ({keep}) AND duplicate_of NOT IN ({keep})")
            dest.execute(f"UPDATE photos SET replaced_by = NULL WHERE id IN ({keep}) AND replaced_by NOT IN ({keep})")
            dest.execute(f"DELETE FROM photos WHERE id NOT IN ({keep})")  # findings, reviews, conflicts cascade
            dest.execute("DELETE FROM merge_log")
            dest.execute("DELETE FROM meta WHERE key LIKE 'ui.%'")
            photos_dir = target.parent / f"{target.stem}_photos"
            rows = dest.execute("SELECT id, path, abs_path FROM photos").fetchall()
            sources = {pid: store.resolve(path, abs_path) for pid, path, abs_path in rows}
            root = _common_folder(list(sources.values())) if with_photos else None
            for pid, source in sources.items():
                if cancelled():
                    raise Cancelled
                if with_photos and root is not None:
                    copy = photos_dir / os.path.relpath(source, root)
                    if source.is_file():
                        copy.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(source, copy)
                        copied += 1
                    else:
                        missing.append(source)
                    new_abs = copy
                else:
                    new_abs = source
                try:
                    rel = Path(os.path.relpath(new_abs, target.parent)).as_posix()
                except ValueError:  # another drive on Windows
                    rel = str(new_abs)
                dest.execute("UPDATE photos SET path = ?, abs_path = ? WHERE id = ?", (rel, str(new_abs), pid))
            dest.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (PART_META, _json(meta)))
            dest.execute("INSERT INTO audit_log(at, who, action, details) VALUES (?, ?, 'split', ?)",
                         (_iso(now_utc()), who, _json({k: v for k, v in meta.items()
                                                      if k not in ("baseline", "analyses")})))
            bad = dest.execute("PRAGMA foreign_key_check").fetchall()
            if bad:
                raise SplitError(f"{target}: the part would hold {len(bad)} broken references; nothing was written")
            dest.execute("COMMIT")
            dest.execute("VACUUM")
        finally:
            dest.close()
        os.replace(tmp, target)
    except OSError as exc:
        raise SplitError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return copied, missing


def _common_folder(paths: list[Path]) -> Path | None:
    if not paths:
        return None
    try:
        return Path(os.path.commonpath([str(p.parent) for p in paths]))
    except ValueError:  # several drives on Windows
        return None


# ----------------------------------------------------------------------------- merge
@dataclass
class MergeResult:
    """What a merge did: decisions applied, findings added, conflicts found, findings it could not match."""

    applied: int = 0
    added: int = 0
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the project was written to."""
        return bool(self.applied or self.added or self.conflicts)


@dataclass
class _Part:
    path: Path
    info: PartInfo
    analyses: dict[int, int | None]
    baseline: dict[int, str]
    findings: list[ReviewedFinding]
    photos: dict[int, tuple[str | None, str | None]]


@contextlib.contextmanager
def _open_part(path: Path) -> Iterator[Store]:
    """The part, read-only; a part in an older project format is read from an upgraded temporary copy."""
    try:
        part = Store.open(path, create=False, readonly=True)
    except ProjectError as exc:
        if "older project format" not in str(exc):
            raise
        with tempfile.TemporaryDirectory(prefix="roadinspect-part-") as folder:
            copy = Path(folder) / path.name
            shutil.copyfile(path, copy)
            part = Store.open(copy, create=False)
            try:
                yield part
            finally:
                part.close()
        return
    try:
        yield part
    finally:
        part.close()


def _read_part(path: Path, project: Path) -> _Part:
    if not path.is_file():
        raise MergeError(f"{path}: part file not found")
    with _open_part(path) as part:
        raw = part.get_meta(PART_META)
        info = part_info(part)
        if info is None or not isinstance(raw, dict):
            raise MergeError(f"{path} is not a part of a split project (it has no split record): nothing to merge "
                             f"into {project}")
        findings = part.findings()
        photos = {r["id"]: (r["sha256"], r["fingerprint"])
                  for r in part._query("SELECT id, sha256, fingerprint FROM photos")}
    baseline = {int(k): v for k, v in (raw.get("baseline") or {}).items()}
    analyses = {int(k): v for k, v in (raw.get("analyses") or {}).items()}
    return _Part(path, info, analyses, baseline, findings, photos)


def _check_part(part: _Part, store: Store, pid: str | None) -> None:
    project = store.path
    if pid is None or part.info.project_id != pid:
        raise MergeError(f"{part.path} is a part of another project ({part.info.source}), not of {project}: "
                         "refused")
    analysed_again = [rf for rf in part.findings if rf.finding.id not in part.baseline and rf.finding.source == "model"]
    if analysed_again:
        raise MergeError(f"{part.path} was analysed again after the split (finding {analysed_again[0].finding.id} "
                         "comes from a model run in the part): its decisions refer to another analysis; refused")
    rows = {r["id"]: r for r in store._query("SELECT id, sha256, fingerprint, analysis_id, path FROM photos")}
    for photo_id, (sha, fingerprint) in part.photos.items():
        row = rows.get(photo_id)
        if row is None or (sha and row["sha256"] and sha != row["sha256"]) or (
                fingerprint and row["fingerprint"] and fingerprint != row["fingerprint"]):
            raise MergeError(f"{part.path}: photo {photo_id} of the part is not in {project} (another project, "
                             "or photos removed since the split): refused")
        if photo_id in part.analyses and row["analysis_id"] != part.analyses[photo_id]:
            raise MergeError(f"{part.path}: {project} was analysed again since the split (photo {row['path']}): "
                             "the part's decisions refer to another analysis; refused (split the project again)")


def merge_parts(project: Path | str, parts: Sequence[Path | str], who: str = "",
                progress: Progress | None = None, is_cancelled: CancelCheck | None = None) -> MergeResult:
    """Merge the decisions of ``parts`` into ``project`` (see the module docstring); one transaction.

    Raises:
        MergeError: a part that is not one, of another project, or of another analysis (nothing written).
        ProjectError: a file that cannot be opened. Cancelled: nothing was written.
    """
    project = Path(os.path.abspath(project))
    progress = progress or no_progress
    cancelled = is_cancelled or never_cancelled
    who = who or default_reviewer()
    store = Store.open(project, create=False)
    try:
        mine = part_info(store)
        if mine is not None:
            raise MergeError(f"{project} is itself {mine.describe()}: merge the parts into that project")
        pid = project_id(store)
        loaded = [_read_part(Path(os.path.abspath(p)), project) for p in parts]
        for part in loaded:
            _check_part(part, store, pid)
        seen: dict[str, Path] = {}
        for part in loaded:
            if part.info.part_id in seen:
                raise MergeError(f"{part.path} and {seen[part.info.part_id]} are the same part: name it once")
            seen[part.info.part_id] = part.path
        result = MergeResult(parts=[str(p.path) for p in loaded])
        total = sum(len(p.findings) for p in loaded)
        done = 0
        with store._tx() as conn:
            for part in loaded:
                for rf in part.findings:
                    if cancelled():
                        raise Cancelled
                    _merge_one(store, conn, part, rf, result)
                    done += 1
                    if done % 200 == 0 or done == total:
                        progress(done, total)
                present = {rf.finding.id for rf in part.findings}
                for fid in sorted(set(part.baseline) - present):
                    result.missing.append(f"finding {fid} was removed in {part.path.name}: kept in the project")
            if result.changed:
                store._audit(who, "merge", details={"parts": result.parts, "applied": result.applied,
                                                    "added": result.added, "conflicts": len(result.conflicts)})
        return result
    finally:
        store.close()


def _finding_in_tx(store: Store, finding_id: int) -> ReviewedFinding | None:
    rows = store._conn.execute(store._FINDINGS_SQL + "WHERE f.id = ?", (finding_id,))
    cols = [c[0] for c in rows.description]
    row = rows.fetchone()
    return store._reviewed(dict(zip(cols, row, strict=True))) if row else None


def _merge_one(store: Store, conn: sqlite3.Connection, part: _Part, rf: ReviewedFinding, result: MergeResult) -> None:
    fid = rf.finding_id
    label = f"part {part.info.index} of {part.info.of} ({part.path.name})"
    merged_from = {"part": part.path.name, "part_id": part.info.part_id, "index": part.info.index,
                   "of": part.info.of}
    if fid in part.baseline:
        target_id, base = fid, part.baseline[fid]
    else:  # drawn in the part
        origin = f"{part.info.part_id}:{fid}"
        row = conn.execute("SELECT id FROM findings WHERE origin = ?", (origin,)).fetchone()
        if row is None:
            _add_drawn(store, conn, rf, origin, merged_from)
            sig = decision(rf)
            _log(conn, part, _fid_of(conn, origin), sig, sig)
            result.added += 1
            return
        target_id, base = row[0], None
    here = _finding_in_tx(store, target_id)
    if here is None:
        result.missing.append(f"finding {fid} of {part.path.name} is no longer in the project")
        return
    prev = conn.execute("SELECT part_sig, file_sig FROM merge_log WHERE part_id = ? AND finding_id = ?",
                        (part.info.part_id, target_id)).fetchone()
    part_before, file_before = prev if prev else (base, base)
    theirs, ours = decision(rf), decision(here)
    if theirs == part_before:
        result.unchanged += 1
        return
    if ours == theirs:
        _log(conn, part, target_id, theirs, ours)
        result.unchanged += 1
        return
    if ours == file_before:
        _apply(store, conn, target_id, here, rf, merged_from)
        _log(conn, part, target_id, theirs, theirs)
        result.applied += 1
        return
    # both changed, differently: never resolved silently
    decisions = [_describe(here, "project"), _describe(rf, label, part)]
    old = conn.execute("SELECT decisions, review_at FROM review_conflicts WHERE finding_id = ?",
                       (target_id,)).fetchone()
    review_at = _iso(here.review.at) if here.review and here.review.at else None
    if old is not None and old[1] == review_at:  # still open: add this decision to it
        kept = json.loads(old[0])
        decisions = kept + [d for d in decisions if d not in kept]
    conn.execute("INSERT INTO review_conflicts(finding_id, decisions, review_at, found_at) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT(finding_id) DO UPDATE SET decisions = excluded.decisions, "
                 "review_at = excluded.review_at, found_at = excluded.found_at",
                 (target_id, _json(decisions), review_at, _iso(now_utc())))
    store._audit(rf.review.reviewer if rf.review else "", "merge_conflict", photo_id=here.finding.photo_id,
                 finding_id=target_id, details={"project": decisions[0], "part": _describe(rf, label, part),
                                                "merged_from": merged_from})
    _log(conn, part, target_id, theirs, ours)
    result.conflicts.append(Conflict(target_id, here.photo_id, tuple(decisions),
                                     _iso(now_utc()) or ""))


def _fid_of(conn: sqlite3.Connection, origin: str) -> int:
    return int(conn.execute("SELECT id FROM findings WHERE origin = ?", (origin,)).fetchone()[0])


def _describe(rf: ReviewedFinding, where: str, part: _Part | None = None) -> dict[str, Any]:
    """One side of a conflict: where (``project`` or the part), status, who, when, the review and outline."""
    r = rf.review
    out = {"where": where, "status": rf.status.value, "reviewer": r.reviewer if r else None,
           "at": _iso(r.at) if r and r.at else None, "review": _review_dict(r), "polygon_wkt": rf.finding.polygon_wkt}
    if part is not None:
        out["part"] = {"index": part.info.index, "of": part.info.of, "file": part.path.name}
    return out


def _log(conn: sqlite3.Connection, part: _Part, finding_id: int, part_sig: str, file_sig: str) -> None:
    conn.execute("INSERT INTO merge_log(part_id, finding_id, part_sig, file_sig, at) VALUES (?, ?, ?, ?, ?) "
                 "ON CONFLICT(part_id, finding_id) DO UPDATE SET part_sig = excluded.part_sig, "
                 "file_sig = excluded.file_sig, at = excluded.at",
                 (part.info.part_id, finding_id, part_sig, file_sig, _iso(now_utc())))


def _apply(store: Store, conn: sqlite3.Connection, target_id: int, here: ReviewedFinding, rf: ReviewedFinding,
           merged_from: dict[str, Any]) -> None:
    """Write the part's outline (when changed) and review on the project's finding, with audit rows."""
    author = rf.review.reviewer if rf.review else default_reviewer()
    f = rf.finding
    if f.polygon_wkt != here.finding.polygon_wkt:
        conn.execute("UPDATE findings SET polygon_wkt = ?, measures = ?, ground_lat = ?, ground_lon = ?, kind = ?, "
                     "severity = ? WHERE id = ?",
                     (f.polygon_wkt, _json(f.measures), f.ground.lat if f.ground else None,
                      f.ground.lon if f.ground else None, f.kind, Severity(f.severity).value, target_id))
        store._audit(author, "geometry", photo_id=f.photo_id, finding_id=target_id,
                     details={"before": here.finding.polygon_wkt, "after": f.polygon_wkt,
                              "measures_before": here.finding.measures, "measures_after": f.measures,
                              "merged_from": merged_from})
    review = rf.review or Review(target_id, ReviewStatus.PENDING, author, now_utc())
    store._write_review(conn, target_id, review, review.reviewer or author, _iso(review.at or now_utc()))
    store._audit(author, "review", photo_id=f.photo_id, finding_id=target_id,
                 details={"before": _review_dict(here.review), "after": _review_dict(rf.review),
                          "decided_at": _iso(review.at), "merged_from": merged_from})


def _add_drawn(store: Store, conn: sqlite3.Connection, rf: ReviewedFinding, origin: str,
               merged_from: dict[str, Any]) -> None:
    """Add a finding an inspector drew in a part, with its review (author and time kept)."""
    f, r = rf.finding, rf.review
    author = r.reviewer if r else default_reviewer()
    cur = conn.execute(
        "INSERT INTO findings(photo_id, analysis_id, source, damage, kind, severity, polygon_wkt, confidence, "
        "measures, ground_lat, ground_lon, created_at, origin) VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (f.photo_id, f.source, int(DamageClass(f.damage)), f.kind, Severity(f.severity).value, f.polygon_wkt,
         f.confidence, _json(f.measures), f.ground.lat if f.ground else None, f.ground.lon if f.ground else None,
         _iso(r.at if r and r.at else now_utc()), origin))
    new_id = _inserted_id(cur)
    if r is not None:
        store._write_review(conn, new_id, r, r.reviewer or author, _iso(r.at or now_utc()))
    store._audit(author, "finding_added", photo_id=f.photo_id, finding_id=new_id,
                 details={"damage": DamageClass(f.damage).label, "kind": f.kind, "severity": Severity(f.severity).value,
                          "polygon_wkt": f.polygon_wkt, "merged_from": merged_from,
                          "decided_at": _iso(r.at) if r else None})
