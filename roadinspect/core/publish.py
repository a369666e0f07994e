"""Publish a survey to PostGIS: ``roadinspect publish FILE --postgis DSN [--schema NAME]``.

The GIS team reads the tables live in QGIS. Tables of the schema (default ``roadinspect``), created
when missing, one row per survey in ``surveys`` and the survey's rows in the four others:

``sites``     the maintenance list: rank, score and its terms (severity, type, extent, confidence
              points and the road-class factor), type, severity, status, section, measures.
``sections``  the road sections with their condition score (LineString).
``findings``  every finding with its decision (rejected ones included, with their status), reviewer,
              note and whether it is in an open merge conflict (Point: its ground position, else the
              photo's).
``photos``    the survey's usable photos (Point: where they were taken).

Each geometry is in EPSG:4326 (``geom``) and in Lambert-93, EPSG:2154 (``geom_l93``, computed by
PostGIS's ``ST_Transform``), both with a GiST index, registered in ``geometry_columns`` through typed
columns (``geometry(Point, 4326)``). Every table has an integer primary key ``fid`` (what QGIS needs to
edit and select) and a unique natural key (``survey_id`` + the RoadInspect id); every table and column
has a comment.

The survey's identity is the project's ``project.id`` (made at the first publish or split), so a survey
published again, after more reviews or a merge, *replaces* its rows: the old rows are deleted and the
new ones inserted in ONE transaction, so a reader sees either the old survey or the new one, never
half and never both. Publishers are serialised by an advisory lock. A part of a split project is refused
(it would replace the whole survey with its share).

Connection (psycopg 3, the ``postgis`` extra, imported only here): the DSN is a ``pg_service.conf``
service name, a ``key=value`` string, a ``postgresql://`` URI, or empty for libpq's ``PG*`` environment
variables; the password comes from the DSN, ``PGPASSWORD`` or ``~/.pgpass``. It is never written to the
project, a log or a message: errors name the server without it, and any password found in the DSN or
environment is blanked out of the server's own messages. A server that does not answer is reported
after :data:`CONNECT_TIMEOUT_S` seconds (name resolution included).
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from roadinspect.core.priority import PriorityWeights
from roadinspect.core.progress import Progress, no_progress
from roadinspect.core.sections import SectionSettings
from roadinspect.core.sites import SiteSettings

if TYPE_CHECKING:
    from psycopg import Cursor, sql

    from roadinspect.core.maintenance import ListedFinding, MaintenanceList, ProjectData
    from roadinspect.core.priority import RankedSite
    from roadinspect.core.sections import Section
    from roadinspect.core.types import GeoPoint

DEFAULT_SCHEMA = "roadinspect"
CONNECT_TIMEOUT_S = 5
"""Seconds to wait for a server (and for its name to resolve) before giving up."""
INSTALL_HINT = 'publishing to PostGIS needs the psycopg driver: pip install "roadinspect[postgis]"'


class PublishError(Exception):
    """The survey could not be published; the message says why in one line (never with a password)."""


@dataclass(frozen=True)
class PublishResult:
    """What was published, and where (``where`` names the server without any password)."""

    survey_id: str
    survey_name: str
    schema: str
    where: str
    sites: int
    sections: int
    findings: int
    photos: int
    replaced: int


# ----------------------------------------------------------------------------- connection
_SECRET_KEYS = ("password",)


def _secrets(dsn: str) -> list[str]:
    """Passwords that may appear in messages: from the DSN (key=value or URI) and ``PGPASSWORD``."""
    found = []
    for match in re.finditer(r"password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", dsn):
        value = match.group(1)
        found.append(value.strip("'"))
        found.append(value)
    uri = re.match(r"^\s*postgres(?:ql)?://([^@/]*)@", dsn)
    if uri and ":" in uri.group(1):
        secret = uri.group(1).split(":", 1)[1]
        found.append(secret)
        from urllib.parse import unquote

        found.append(unquote(secret))
    for match in re.finditer(r"[?&]password=([^&]*)", dsn):
        found.append(match.group(1))
    if os.environ.get("PGPASSWORD"):
        found.append(os.environ["PGPASSWORD"])
    return sorted({s for s in found if s}, key=len, reverse=True)


def _scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return " ".join(text.split())  # one line


def _conninfo(dsn: str) -> str:
    """A libpq connection string: a bare word is a ``pg_service.conf`` service name."""
    text = dsn.strip()
    if text and "=" not in text and "://" not in text:
        return f"service={text}"
    return text


def describe(params: dict[str, Any]) -> str:
    """``user@host:port/dbname`` (or the service), never the password."""
    if params.get("service") and not params.get("host"):
        return f"service {params['service']}"
    host = params.get("host") or os.environ.get("PGHOST") or "localhost"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    user = params.get("user") or os.environ.get("PGUSER") or ""
    db = params.get("dbname") or os.environ.get("PGDATABASE") or user or ""
    return f"{user + '@' if user else ''}{host}:{port}/{db}"


def _resolve_in_time(host: str, timeout: float) -> None:
    """Raise PublishError when ``host`` (a name) does not resolve within ``timeout`` seconds."""
    if not host or host.startswith("/") or "," in host:
        return
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    outcome: dict[str, BaseException | None] = {}

    def lookup() -> None:
        try:
            socket.getaddrinfo(host, None)
            outcome["error"] = None
        except OSError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=lookup, daemon=True, name="resolve-postgres-host")
    thread.start()
    thread.join(timeout)
    if "error" not in outcome:
        raise PublishError(f"cannot reach the PostgreSQL server {host}: its name did not resolve within "
                           f"{timeout:g} s (check the host name and the network)")
    if outcome["error"] is not None:
        raise PublishError(f"cannot reach the PostgreSQL server {host}: unknown host name")


def connect(dsn: str, timeout: float = CONNECT_TIMEOUT_S) -> tuple[Any, str]:
    """Open a psycopg connection; returns it with a description of the server (no password).

    Raises:
        PublishError: psycopg missing, an invalid DSN, an unknown service, a server that refuses or does
            not answer within ``timeout`` seconds, a failed authentication (one line, no password).
    """
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        raise PublishError(INSTALL_HINT) from None
    secrets = _secrets(dsn)
    conninfo = _conninfo(dsn)
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error as exc:
        raise PublishError(f"invalid PostgreSQL connection string: {_scrub(str(exc), secrets)}") from None
    where = describe(params)
    host = str(params.get("host") or os.environ.get("PGHOST") or "")
    for one in host.split(","):
        _resolve_in_time(one.strip(), timeout)
    extra: dict[str, Any] = {"application_name": "roadinspect"}
    if "connect_timeout" not in params and not os.environ.get("PGCONNECT_TIMEOUT"):
        extra["connect_timeout"] = max(2, int(math.ceil(timeout)))
    try:
        conn = psycopg.connect(conninfo, **extra)
    except psycopg.Error as exc:
        detail = _scrub(str(exc), secrets) or type(exc).__name__
        raise PublishError(f"cannot connect to PostgreSQL ({where}): {detail}") from None
    return conn, where


# ----------------------------------------------------------------------------- tables
_COMMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "surveys": ("RoadInspect surveys published here: one row per project (its project.id).", {
        "survey_id": "the project's identity (project.id); a new publication replaces the survey's rows",
        "name": "the project file's name",
        "project_file": "where the project file was when it was published",
        "published_at": "when it was published (UTC)",
        "published_by": "who published it (operating-system user)",
        "roadinspect_version": "the RoadInspect version that published it",
        "models": "model name -> number of photos whose findings it recorded",
        "photos": "usable photos", "findings": "findings (all decisions)", "sites": "maintenance sites",
        "sections": "road sections",
    }),
    "sites": ("Maintenance sites of each survey, ranked by priority (rank 1 = repair first).", {
        "fid": "row id (changes at each publication; use survey_id + site_id to join)",
        "survey_id": "the survey (surveys.survey_id)",
        "site_id": "RoadInspect site id, stable while the findings do not change",
        "rank": "priority rank in the survey (1 = repair first)",
        "score": "priority score = road_class_factor x (severity + type + extent + confidence points)",
        "severity_points": "score term: weight x severity value", "type_points": "score term: weight x type value",
        "extent_points": "score term: weight x extent value (size relative to its reference, capped at 1)",
        "confidence_points": "score term: weight x confidence (1 when an inspector confirmed the site)",
        "road_class_factor": "multiplier of the whole score (1 by default)",
        "score_terms": "the score terms with their value, weight, points and detail",
        "damage": "crack or pothole", "kind": "pothole, alligator, transverse, longitudinal or isolated",
        "severity": "low, medium or high", "status": "review status of the site (accepted, corrected, pending)",
        "confidence": "model confidence (0-1)", "section_id": "the road section it lies on (sections.section_id)",
        "findings": "number of findings (one per photo it is seen in)", "photos": "photo files it is seen in",
        "evidence_finding_id": "the finding shown as evidence (findings.finding_id)",
        "first_seen": "time of the first photo", "last_seen": "time of the last photo",
        "measures": "measures (length_m, width_m, area_m2, size_rel ...)", "notes": "inspectors' notes",
        "geom": "position, WGS 84 (EPSG:4326)", "geom_l93": "position, Lambert-93 (EPSG:2154)",
    }),
    "sections": ("Road sections of each survey with a 0-100 condition score.", {
        "fid": "row id (changes at each publication)", "survey_id": "the survey (surveys.survey_id)",
        "section_id": "RoadInspect section id (T<run>-<index>)", "run": "track run (a new run after a gap)",
        "index": "section number along its run", "start_m": "start, metres along the run",
        "end_m": "end, metres along the run", "length_m": "length in metres",
        "score": "condition score, 100 = no damage", "rating": "rating of the score",
        "sites": "number of maintenance sites on it", "deductions": "the deductions that make the score",
        "geom": "the surveyed track, WGS 84 (EPSG:4326)", "geom_l93": "the surveyed track, Lambert-93 (EPSG:2154)",
    }),
    "findings": ("Every finding of each survey with its review decision (rejected ones included).", {
        "fid": "row id (changes at each publication)", "survey_id": "the survey (surveys.survey_id)",
        "finding_id": "RoadInspect finding id (as in the project and its parts)",
        "photo_id": "the photo it was found on (photos.photo_id)",
        "site_id": "its maintenance site (none when rejected)",
        "source": "model or inspector (drawn by hand)", "damage": "crack or pothole, after correction",
        "kind": "type after correction", "severity": "severity after correction",
        "model_damage": "the model's class", "confidence": "model confidence (0-1)",
        "status": "pending, accepted, corrected or rejected", "reviewer": "who decided",
        "reviewed_at": "when it was decided", "note": "the inspector's note",
        "conflict": "decided differently by two inspectors and not settled yet",
        "position": "ground (projected from the photo) or photo (the photo's position)",
        "measures": "measures (length_m, width_m, area_m2, size_rel ...)",
        "outline_px": "outline in the photo's pixels (WKT)",
        "geom": "ground position, WGS 84 (EPSG:4326)", "geom_l93": "ground position, Lambert-93 (EPSG:2154)",
    }),
    "photos": ("The usable photos of each survey.", {
        "fid": "row id (changes at each publication)", "survey_id": "the survey (surveys.survey_id)",
        "photo_id": "RoadInspect photo id", "file": "file path as stored in the project",
        "taken_at": "when it was taken", "heading_deg": "heading, degrees from north",
        "position_source": "exif, gpx or interpolated", "analysed": "analysed by the model",
        "geom": "position, WGS 84 (EPSG:4326)", "geom_l93": "position, Lambert-93 (EPSG:2154)",
    }),
}

_DDL = {
    "surveys": """survey_id text PRIMARY KEY, name text NOT NULL, project_file text, published_at timestamptz NOT NULL,
        published_by text, roadinspect_version text, models jsonb, photos integer, findings integer, sites integer,
        sections integer""",
    "sites": """fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        survey_id text NOT NULL REFERENCES {schema}.surveys(survey_id) ON DELETE CASCADE, site_id text NOT NULL,
        rank integer NOT NULL, score double precision NOT NULL, severity_points double precision,
        type_points double precision, extent_points double precision, confidence_points double precision,
        road_class_factor double precision, score_terms jsonb, damage text, kind text, severity text, status text,
        confidence double precision, section_id text, findings integer, photos text[], evidence_finding_id integer,
        first_seen timestamptz, last_seen timestamptz, measures jsonb, notes text,
        geom geometry(Point, 4326), geom_l93 geometry(Point, 2154), UNIQUE (survey_id, site_id)""",
    "sections": """fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        survey_id text NOT NULL REFERENCES {schema}.surveys(survey_id) ON DELETE CASCADE, section_id text NOT NULL,
        run integer, "index" integer, start_m double precision, end_m double precision, length_m double precision,
        score double precision, rating text, sites integer, deductions jsonb,
        geom geometry(LineString, 4326), geom_l93 geometry(LineString, 2154), UNIQUE (survey_id, section_id)""",
    "findings": """fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        survey_id text NOT NULL REFERENCES {schema}.surveys(survey_id) ON DELETE CASCADE, finding_id integer NOT NULL,
        photo_id integer, site_id text, source text, damage text, kind text, severity text, model_damage text,
        confidence double precision, status text, reviewer text, reviewed_at timestamptz, note text,
        conflict boolean NOT NULL DEFAULT false, position text, measures jsonb, outline_px text,
        geom geometry(Point, 4326), geom_l93 geometry(Point, 2154), UNIQUE (survey_id, finding_id)""",
    "photos": """fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        survey_id text NOT NULL REFERENCES {schema}.surveys(survey_id) ON DELETE CASCADE, photo_id integer NOT NULL,
        file text NOT NULL, taken_at timestamptz, heading_deg double precision, position_source text,
        analysed boolean, geom geometry(Point, 4326), geom_l93 geometry(Point, 2154), UNIQUE (survey_id, photo_id)""",
}


def _create_tables(cur: Cursor[Any], schema: str) -> None:
    from psycopg import sql

    s = sql.Identifier(schema)
    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(s))
    for table, columns in _DDL.items():
        body = sql.SQL(columns.replace("{schema}", "{s}")).format(s=s)
        cur.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {}.{} ({})").format(s, sql.Identifier(table), body))
        if table != "surveys":
            for column in ("geom", "geom_l93"):
                cur.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {}.{} USING GIST ({})").format(
                    sql.Identifier(f"{table}_{column}_gist"), s, sql.Identifier(table), sql.Identifier(column)))
            cur.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {}.{} (survey_id)").format(
                sql.Identifier(f"{table}_survey"), s, sql.Identifier(table)))
        text, columns_text = _COMMENTS[table]
        cur.execute(sql.SQL("COMMENT ON TABLE {}.{} IS {}").format(s, sql.Identifier(table), sql.Literal(text)))
        for column, comment in columns_text.items():
            cur.execute(sql.SQL("COMMENT ON COLUMN {}.{}.{} IS {}").format(
                s, sql.Identifier(table), sql.Identifier(column), sql.Literal(comment)))


def _point_sql() -> str:
    return "ST_SetSRID(ST_MakePoint(%s::float8, %s::float8), 4326)"


def _check_postgis(cur: Cursor[Any], where: str) -> None:
    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
    if cur.fetchone() is not None:
        return
    cur.execute("SELECT current_database(), EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis')")
    database, available = cast(tuple[str, bool], cur.fetchone())  # the SELECT gives one row
    hint = ("" if available else " (PostGIS is not installed on that server either: install its package, e.g. "
            "postgresql-<version>-postgis-3, first)")
    raise PublishError(f"the PostGIS extension is not enabled in the database {database} ({where}): ask its "
                       f"administrator to run CREATE EXTENSION postgis; in that database{hint}")


# ----------------------------------------------------------------------------- publish
def _dt(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _jsonable(measures: dict[str, Any]) -> str:
    return json.dumps({k: (v if not isinstance(v, float) or math.isfinite(v) else None)
                       for k, v in sorted(measures.items())}, ensure_ascii=False)


def publish_project(project: Path | str, dsn: str, schema: str = DEFAULT_SCHEMA,
                    weights: PriorityWeights | None = None, site_settings: SiteSettings | None = None,
                    section_settings: SectionSettings | None = None, timeout: float = CONNECT_TIMEOUT_S,
                    progress: Progress | None = None, who: str = "") -> PublishResult:
    """Publish (or publish again) a project's survey into ``schema`` (see the module docstring).

    Raises:
        PublishError: a part, no psycopg, a connection failure, PostGIS missing, a database error (one
            line, nothing published: the transaction is rolled back). ProjectError: the project file.
    """
    from roadinspect import __version__
    from roadinspect.core.jobs import project_data
    from roadinspect.core.maintenance import build_maintenance_list
    from roadinspect.core.split_merge import open_conflicts, part_info, project_id
    from roadinspect.core.store import ProjectError, Store, default_reviewer

    project = Path(os.path.abspath(project))
    progress = progress or no_progress
    if not schema or len(schema) > 63:
        raise PublishError(f"invalid schema name {schema!r} (1 to 63 characters)")
    try:
        store = Store.open(project, create=False)
    except ProjectError as exc:
        if "read-only" not in str(exc):
            raise
        store = Store.open(project, create=False, readonly=True)
    try:
        part = part_info(store)
        if part is not None:
            raise PublishError(f"{project} is {part.describe()}: merge it into that project and publish the "
                               "project (publishing a part would replace the whole survey with its share)")
        survey_id = project_id(store, create=not store.readonly, who=who)
        if survey_id is None:
            raise PublishError(f"{project} has no survey identity yet and is read-only: open it once where it "
                               "can be written (or copy it), then publish")
        records = store.photos()
        data = project_data(records, store.findings(), store.analyses(), name=project.stem)
        conflicts = {c.finding_id for c in open_conflicts(store)}
    finally:
        store.close()
    photos, findings, models = data.photos, data.findings, data.models
    mlist = build_maintenance_list(data, weights, site_settings, section_settings)
    analysed = {r.id: r.analysis_id is not None for r in records}
    stored = {r.id: r.stored_path for r in records}

    conn, where = connect(dsn, timeout)
    try:
        import psycopg

        try:
            with conn.transaction(), conn.cursor() as cur:
                _check_postgis(cur, where)
                cur.execute("SELECT pg_advisory_xact_lock(hashtext('roadinspect.publish'))")
                _create_tables(cur, schema)
                from psycopg import sql

                s = sql.Identifier(schema)
                cur.execute(sql.SQL("SELECT (SELECT count(*) FROM {s}.sites WHERE survey_id = %(id)s) + "
                                    "(SELECT count(*) FROM {s}.sections WHERE survey_id = %(id)s) + "
                                    "(SELECT count(*) FROM {s}.findings WHERE survey_id = %(id)s) + "
                                    "(SELECT count(*) FROM {s}.photos WHERE survey_id = %(id)s)").format(s=s),
                            {"id": survey_id})
                replaced = int(cur.fetchone()[0])
                cur.execute(sql.SQL("DELETE FROM {}.surveys WHERE survey_id = %s").format(s), (survey_id,))
                cur.execute(sql.SQL("INSERT INTO {}.surveys (survey_id, name, project_file, published_at, "
                                    "published_by, roadinspect_version, models, photos, findings, sites, sections) "
                                    "VALUES (%s, %s, %s, now(), %s, %s, %s, %s, %s, %s, %s)").format(s),
                            (survey_id, project.stem, str(project), who or default_reviewer(), __version__,
                             json.dumps(models, ensure_ascii=False), len(photos), len(findings), mlist.site_count,
                             len(mlist.sections)))
                _insert_rows(cur, s, survey_id, data, mlist, conflicts, analysed, stored)
                progress(1, 1)
        except psycopg.Error as exc:
            detail = " ".join(str(exc).split()) or type(exc).__name__
            hint = ""
            if getattr(exc, "sqlstate", None) == "42501":
                hint = f": ask for the right to create and write in the schema {schema}, or choose another --schema"
            elif getattr(exc, "sqlstate", None) in ("42703", "42P01", "42804"):
                hint = (f": the tables in the schema {schema} do not have the layout this RoadInspect writes "
                        "(made by another version?); choose another --schema or drop them")
            raise PublishError(f"publishing to {where} failed, nothing was changed: {_scrub(detail, _secrets(dsn))}"
                               f"{hint}") from None
    finally:
        conn.close()
    return PublishResult(survey_id, project.stem, schema, where, mlist.site_count, len(mlist.sections),
                         len(findings), len(photos), replaced)


def _insert_rows(cur: Cursor[Any], s: sql.Identifier, survey_id: str, data: ProjectData, mlist: MaintenanceList,
                 conflicts: set[int],
                 analysed: dict[int, bool], stored: dict[int, str]) -> None:
    from psycopg import sql

    from roadinspect.core.maintenance import listed_findings

    point = _point_sql()
    cur.executemany(sql.SQL(
        "INSERT INTO {}.sites (survey_id, site_id, rank, score, severity_points, type_points, extent_points, "
        "confidence_points, road_class_factor, score_terms, damage, kind, severity, status, confidence, section_id, "
        "findings, photos, evidence_finding_id, first_seen, last_seen, measures, notes, geom) VALUES (%s, %s, %s, %s, "
        "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        f"CASE WHEN %s::int IS NULL THEN NULL ELSE {point} END)").format(s),
        [_site_row(survey_id, r, mlist) for r in mlist.ranked])
    cur.executemany(sql.SQL(
        "INSERT INTO {}.sections (survey_id, section_id, run, \"index\", start_m, end_m, length_m, score, rating, "
        "sites, deductions, geom) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        "CASE WHEN %s::text IS NULL THEN NULL ELSE ST_GeomFromText(%s::text, 4326) END)").format(s),
        [_section_row(survey_id, sec) for sec in mlist.sections])
    cur.executemany(sql.SQL(
        "INSERT INTO {}.findings (survey_id, finding_id, photo_id, site_id, source, damage, kind, severity, "
        "model_damage, confidence, status, reviewer, reviewed_at, note, conflict, position, measures, outline_px, "
        "geom) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        f"CASE WHEN %s::int IS NULL THEN NULL ELSE {point} END)").format(s),
        [_finding_row(survey_id, row, conflicts) for row in listed_findings(data, mlist, by_id=False)])
    cur.executemany(sql.SQL(
        "INSERT INTO {}.photos (survey_id, photo_id, file, taken_at, heading_deg, position_source, analysed, geom) "
        f"VALUES (%s, %s, %s, %s, %s, %s, %s, CASE WHEN %s::int IS NULL THEN NULL ELSE {point} END)").format(s),
        [(survey_id, pid, stored.get(pid, str(ph.path)), _dt(ph.taken_at), ph.heading_deg,
          ph.position_source.value if ph.position else None, analysed.get(pid, False),
          *_xy(ph.position)) for pid, ph in sorted(data.photos.items())])
    for table in ("sites", "sections", "findings", "photos"):
        cur.execute(sql.SQL("UPDATE {}.{} SET geom_l93 = ST_Transform(geom, 2154) WHERE survey_id = %s "
                            "AND geom IS NOT NULL").format(s, sql.Identifier(table)), (survey_id,))


def _xy(position: GeoPoint | None) -> tuple[int | None, float | None, float | None]:
    """(flag, lon, lat) for the ``CASE WHEN flag IS NULL`` point expression."""
    if position is None:
        return None, None, None
    return 1, float(position.lon), float(position.lat)


def _site_row(survey_id: str, r: RankedSite, mlist: MaintenanceList) -> tuple[Any, ...]:
    site = r.site
    terms = {t.name: t for t in r.terms}
    points = [terms[name].points if name in terms else None for name in ("severity", "type", "extent", "confidence")]
    return (survey_id, site.id, r.rank, r.score, *points, r.road_class_factor,
            json.dumps({t.name: {"value": t.value, "weight": t.weight, "points": t.points, "detail": t.detail}
                        for t in r.terms}, ensure_ascii=False),
            site.damage.label, site.kind, site.severity.value, site.status.value, site.confidence,
            mlist.site_section.get(site.id), len(site.finding_ids), list(site.photo_files), site.evidence_id,
            _dt(site.first_seen), _dt(site.last_seen), _jsonable(site.measures), site.notes, *_xy(site.position))


def _section_row(survey_id: str, sec: Section) -> tuple[Any, ...]:
    coords: list[tuple[float, float]] = []
    for p in sec.line:
        c = (round(p.lon, 9), round(p.lat, 9))
        if not coords or coords[-1] != c:
            coords.append(c)
    wkt = "LINESTRING (" + ", ".join(f"{x!r} {y!r}" for x, y in coords) + ")" if len(coords) >= 2 else None
    deductions = [{"type": d.kind, "severity": d.severity.value, "quantity": d.quantity, "unit": d.unit,
                   "density_pct": d.density_pct, "deduct": d.deduct} for d in sec.deductions]
    return (survey_id, sec.id, sec.run, sec.index, sec.start_m, sec.end_m, round(sec.length_m, 2), sec.score,
            sec.rating, len(sec.site_ids), json.dumps(deductions), wkt, wkt)


def _finding_row(survey_id: str, row: ListedFinding, conflicts: set[int]) -> tuple[Any, ...]:
    f, review, eff = row.finding, row.review, row.effective
    return (survey_id, f.id, f.photo_id, row.site_id, f.source, eff.damage.label, eff.kind, eff.severity.value,
            f.damage.label, f.confidence,
            row.status.value, review.reviewer if review else None,
            _dt(review.at) if review else None, review.note if review else "", f.id in conflicts,
            row.position, _jsonable(f.measures),
            f.polygon_wkt, *_xy(row.ground))
