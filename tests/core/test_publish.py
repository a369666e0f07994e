"""Publishing a survey to PostGIS, checked against a real throwaway PostgreSQL + PostGIS server (issue 17).

The reads are the ones QGIS makes: ``geometry_columns`` for the layers, the geometry as text, the
Lambert-93 column (checked against pyproj), primary keys and spatial indexes.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import time

import pytest

from roadinspect.cli import main
from roadinspect.core.jobs import load_project_data
from roadinspect.core.maintenance import build_maintenance_list
from roadinspect.core.publish import INSTALL_HINT, PublishError, publish_project
from roadinspect.core.store import Store
from tests.core import postgres_server
from tests.core.survey_project import make_project

PW = postgres_server.PASSWORD


@pytest.fixture(scope="session")
def postgis_server():
    server, reason, stop = postgres_server.start()
    if server is None:
        pytest.skip(reason)
    yield server
    stop()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("pristine_pub"))


@pytest.fixture
def project(pristine, tmp_path):
    folder = tmp_path / "office"
    shutil.copytree(pristine.parent, folder)
    return folder / pristine.name


@pytest.fixture
def db(postgis_server, request):
    """A connection to ``gis`` (as the superuser) and a schema name of this test, dropped afterwards."""
    import psycopg

    schema = "t_" + request.node.name.lower()[:40].replace("[", "_").replace("]", "")
    conn = psycopg.connect(postgis_server.dsn("gis"), autocommit=True)
    yield conn, schema
    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    conn.close()


def _cli(capsys, *args):
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _rows(conn, sql, *params):
    return conn.execute(sql, params).fetchall()


def test_published_tables_read_as_qgis_reads_them(project, postgis_server, db, capsys):
    conn, schema = db
    dsn = postgis_server.dsn("gis", tcp=True, password=PW)
    code, out, err = _cli(capsys, "publish", str(project), "--postgis", dsn, "--schema", schema)
    assert code == 0, err
    assert PW not in out + err
    expected = build_maintenance_list(load_project_data(project))
    layers = {(t, c): (srid, typ) for t, c, srid, typ in _rows(
        conn, "SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns WHERE f_table_schema = %s",
        schema)}
    for table, typ in (("sites", "POINT"), ("findings", "POINT"), ("photos", "POINT"), ("sections", "LINESTRING")):
        assert layers[(table, "geom")] == (4326, typ)
        assert layers[(table, "geom_l93")] == (2154, typ)
    sites = _rows(conn, f'SELECT site_id, rank, score, severity_points + type_points + extent_points + '
                        f'confidence_points, road_class_factor, ST_X(geom), ST_Y(geom), ST_AsText(geom), '
                        f'ST_X(geom_l93), ST_Y(geom_l93), kind FROM "{schema}".sites ORDER BY rank')
    assert [(s[0], s[1], s[10]) for s in sites] == [(r.site.id, r.rank, r.site.kind) for r in expected.ranked]
    from pyproj import Transformer

    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    for row, ranked in zip(sites, expected.ranked, strict=True):
        assert row[2] == pytest.approx(ranked.score) and row[3] * row[4] == pytest.approx(row[2], abs=1e-3)
        assert (row[5], row[6]) == pytest.approx((ranked.site.position.lon, ranked.site.position.lat), abs=1e-9)
        assert row[7].startswith("POINT(5.")  # longitude first (the drive is at 45 N, 5 E)
        x, y = to_l93.transform(ranked.site.position.lon, ranked.site.position.lat)
        assert (row[8], row[9]) == pytest.approx((x, y), abs=0.01)
        assert 800_000 < row[8] < 1_000_000 and 6_400_000 < row[9] < 6_500_000  # near Grenoble in Lambert-93
    sections = _rows(conn, 'SELECT section_id, score, ST_NumPoints(geom), ST_Length(geom_l93) '
                           f'FROM "{schema}".sections ORDER BY section_id')
    assert [(s[0], s[1]) for s in sections] == [(s.id, s.score) for s in sorted(expected.sections, key=lambda s: s.id)]
    assert sum(s[3] for s in sections) == pytest.approx(392.0, rel=0.01)  # Lambert-93 metres (scale ~1)
    n_findings = len(load_project_data(project).findings)
    assert _rows(conn, f'SELECT count(*), count(geom), count(*) FILTER (WHERE site_id IS NOT NULL) '
                       f'FROM "{schema}".findings')[0][:2] == (n_findings, n_findings)
    assert _rows(conn, f'SELECT count(*) FROM "{schema}".photos')[0][0] == 50
    # primary keys, spatial indexes, comments on every column
    keys = _rows(conn, "SELECT table_name FROM information_schema.table_constraints WHERE table_schema = %s "
                       "AND constraint_type = 'PRIMARY KEY'", schema)
    assert {k[0] for k in keys} == {"surveys", "sites", "sections", "findings", "photos"}
    gist = {r[0] for r in _rows(conn, "SELECT indexname FROM pg_indexes WHERE schemaname = %s "
                                      "AND indexdef LIKE '%%USING gist%%'", schema)}
    assert {f"{t}_{c}_gist" for t in ("sites", "sections", "findings", "photos") for c in ("geom", "geom_l93")} <= gist
    missing = _rows(conn, "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r' "
                          "AND a.attnum > 0 AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL",
                    schema)
    assert missing == []
    with sqlite3.connect(project) as raw:  # no password in the project file
        assert not any(PW in str(row) for t in ("meta", "audit_log") for row in raw.execute(f"SELECT * FROM {t}"))


def test_publishing_again_replaces_the_survey_in_one_transaction(project, pristine, tmp_path, postgis_server, db,
                                                                  monkeypatch):
    conn, schema = db
    dsn = postgis_server.dsn("gis")
    other = make_project(tmp_path / "other", "other.roadinspect")
    first = publish_project(project, dsn, schema)
    publish_project(other, dsn, schema)
    count = f'SELECT (SELECT count(*) FROM "{schema}".sites), (SELECT count(*) FROM "{schema}".findings), ' \
            f'(SELECT count(*) FROM "{schema}".photos), (SELECT count(*) FROM "{schema}".surveys)'
    both = _rows(conn, count)[0]
    assert both[3] == 2 and both[0] == 2 * first.sites
    again = publish_project(project, dsn, schema)
    assert again.replaced == first.sites + first.sections + first.findings + first.photos
    assert _rows(conn, count)[0] == both  # no duplicates, the other survey untouched
    # a publication that fails half-way leaves the earlier one whole
    from roadinspect.core import publish

    real = publish._finding_row

    def broken(*args):
        raise RuntimeError("disk full on the way")

    monkeypatch.setattr(publish, "_finding_row", broken)
    with pytest.raises(RuntimeError):
        publish_project(project, dsn, schema)
    monkeypatch.setattr(publish, "_finding_row", real)
    assert _rows(conn, count)[0] == both
    # half-way through a publication (old rows deleted, new sites written, findings not yet), another
    # session (QGIS) still reads the earlier survey, whole
    seen = []

    def look_then_row(*args):
        if not seen:
            seen.append(_rows(conn, count)[0])  # conn is another session, autocommit
        return real(*args)

    monkeypatch.setattr(publish, "_finding_row", look_then_row)
    publish_project(project, dsn, schema)
    assert seen == [both] and _rows(conn, count)[0] == both


def test_a_survey_published_then_merged_and_published_again(project, tmp_path, postgis_server, db, capsys):
    conn, schema = db
    dsn = postgis_server.dsn("gis")
    publish_project(project, dsn, schema)
    parts = tmp_path / "parts"
    assert main(["split", str(project), "--parts", "2", "--out", str(parts)]) == 0
    part1, part2 = sorted(parts.glob("*.roadinspect"))
    with Store.open(part1, create=False, readonly=True) as store:
        fids = [rf.finding.id for rf in store.findings()]
    assert _cli(capsys, "review", str(part1), str(fids[0]), "reject", "--as", "Alice")[0] == 0
    assert _cli(capsys, "review", str(part1), str(fids[1]), "accept", "--as", "Alice")[0] == 0
    assert _cli(capsys, "review", str(project), str(fids[1]), "reject", "--as", "Superviseur")[0] == 0
    code, out, _ = _cli(capsys, "publish", str(part1), "--postgis", dsn, "--schema", schema)
    assert code == 2 and "part 1 of 2" in out + _  # a part is never published over its survey
    assert _cli(capsys, "merge", str(project), str(part1), str(part2))[0] == 1  # one conflict
    assert publish_project(project, dsn, schema).findings == len(fids) + len(
        [1 for _ in load_project_data(part2).findings])
    rows = dict((fid, (status, reviewer, conflict)) for fid, status, reviewer, conflict in _rows(
        conn, f'SELECT finding_id, status, reviewer, conflict FROM "{schema}".findings'))
    assert rows[fids[0]] == ("rejected", "Alice", False)
    assert rows[fids[1]] == ("rejected", "Superviseur", True)
    assert _rows(conn, f'SELECT count(*), count(DISTINCT finding_id) FROM "{schema}".findings')[0] == (len(rows),) * 2
    assert _rows(conn, f'SELECT count(*) FROM "{schema}".surveys')[0][0] == 1


def test_dsn_forms_service_and_pg_variables(project, postgis_server, db, tmp_path, monkeypatch):
    conn, schema = db
    service_file = tmp_path / "pg_service.conf"
    service_file.write_text(f"[releves]\nhost=127.0.0.1\nport={postgis_server.port}\ndbname=gis\n"
                            "user=inspecteur\n", encoding="utf-8")
    monkeypatch.setenv("PGSERVICEFILE", str(service_file))
    monkeypatch.setenv("PGPASSWORD", PW)
    result = publish_project(project, "releves", schema)
    assert result.where == "service releves" and result.sites > 0
    for name, value in (("PGHOST", postgis_server.socket_dir), ("PGPORT", str(postgis_server.port)),
                        ("PGDATABASE", "gis"), ("PGUSER", "postgres")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PGSERVICEFILE")
    assert publish_project(project, "", schema).replaced > 0
    uri = f"postgresql://inspecteur:{PW}@127.0.0.1:{postgis_server.port}/gis"
    monkeypatch.delenv("PGPASSWORD")
    assert PW not in publish_project(project, uri, schema).where


@pytest.mark.parametrize("dsn", [
    "host=127.0.0.1 port={closed} dbname=gis user=inspecteur password=Secret-Not-Shown-1",
    "postgresql://inspecteur:Secret-Not-Shown-1@127.0.0.1:{closed}/gis",
    "host=192.0.2.1 port=5432 dbname=gis user=inspecteur password=Secret-Not-Shown-1",
    "host=127.0.0.1 port={port} dbname=gis user=inspecteur password=Secret-Not-Shown-1",
    "host=127.0.0.1 port={port} dbname=gis user=inspecteur password='Secret Not Shown 1'",
    "host=no-such-host.invalid dbname=gis password=Secret-Not-Shown-1",
    "releves_inconnu",
    "host=127.0.0.1 port={port} dbname=gis bogus_option=1 password=Secret-Not-Shown-1",
])
def test_a_wrong_dsn_or_unreachable_server_is_one_line_within_10_s_without_the_password(
        project, postgis_server, capsys, dsn):
    with ClosedPort() as closed:
        dsn = dsn.format(closed=closed, port=postgis_server.port)
        start = time.monotonic()
        code, out, err = _cli(capsys, "publish", str(project), "--postgis", dsn)
        elapsed = time.monotonic() - start
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "Secret" not in err and "Not Shown" not in err
    assert elapsed < 10
    assert "roadinspect: error:" in err


def test_a_server_that_never_answers_is_given_up_within_10_s(project, capsys):
    import socket

    with socket.socket() as silent:  # accepts the connection (kernel backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        start = time.monotonic()
        code, out, err = _cli(capsys, "publish", str(project), "--postgis",
                              f"host=127.0.0.1 port={port} dbname=gis user=u password=Secret-Not-Shown-2")
        elapsed = time.monotonic() - start
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Secret" not in err
    assert "timeout" in err and elapsed < 10


class ClosedPort:
    """A local port nothing listens on."""

    def __enter__(self) -> int:
        import socket

        self._s = socket.socket()
        self._s.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        return self._s.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self._s.close()


def test_postgis_missing_says_how_to_enable_it(project, postgis_server, capsys):
    code, _, err = _cli(capsys, "publish", str(project), "--postgis", postgis_server.dsn("plain"))
    assert code == 2 and "CREATE EXTENSION postgis" in err and len(err.strip().splitlines()) == 1
    import psycopg

    with psycopg.connect(postgis_server.dsn("plain")) as conn:  # nothing was created
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'roadinspect'").fetchone()[0] == 0


def test_without_psycopg_the_message_names_the_extra(project, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(PublishError, match="roadinspect\\[postgis\\]") as info:
        publish_project(project, "host=127.0.0.1 password=abc")
    assert str(info.value) == INSTALL_HINT


def test_the_json_columns_hold_the_score_terms(project, postgis_server, db):
    conn, schema = db
    publish_project(project, postgis_server.dsn("gis"), schema)
    terms = _rows(conn, f'SELECT score_terms, score FROM "{schema}".sites ORDER BY rank LIMIT 1')[0]
    data = terms[0] if isinstance(terms[0], dict) else json.loads(terms[0])
    assert set(data) == {"severity", "type", "extent", "confidence"}
    assert sum(t["points"] for t in data.values()) == pytest.approx(terms[1], abs=1e-3)
