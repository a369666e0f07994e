"""sites.csv: both profiles round-trip, hostile text is made inert, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from roadinspect.core.exports.sites_csv import COLUMNS, PROFILES, escape_text, render_csv, sites_csv
from roadinspect.core.maintenance import build_maintenance_list
from tests.core.scenes import HOSTILE_NOTES, export_scene


@pytest.fixture(scope="module")
def scene():
    data = export_scene()
    return data, build_maintenance_list(data)


def _read(payload: bytes, profile: str) -> list[list[str]]:
    prof = PROFILES[profile]
    if profile == "excel-fr":
        assert payload.startswith(b"\xef\xbb\xbf")
    else:
        assert not payload.startswith(b"\xef\xbb\xbf")
    text = payload.decode(prof.encoding)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=prof.delimiter))


def _num(cell: str, profile: str) -> float:
    assert not cell.startswith("'"), cell
    return float(cell.replace(",", ".") if profile == "excel-fr" else cell)


@pytest.mark.parametrize("profile", ["excel-fr", "plain"])
def test_round_trip_in_rank_order(scene, profile):
    data, mlist = scene
    rows = _read(sites_csv(mlist, profile), profile)
    assert tuple(rows[0]) == COLUMNS
    body = [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]
    assert [int(r["rank"]) for r in body] == list(range(1, mlist.site_count + 1))
    assert [r["id"] for r in body] == [r.site.id for r in mlist.ranked]
    for row, ranked in zip(body, mlist.ranked, strict=True):
        site = ranked.site
        assert _num(row["score"], profile) == pytest.approx(ranked.score, abs=0.005)
        assert _num(row["latitude"], profile) == pytest.approx(site.position.lat, abs=1e-7)
        lon = _num(row["longitude"], profile)  # negative: still a number, no quote prefix
        assert lon == pytest.approx(site.position.lon, abs=1e-7) and lon < 0
        assert row["type"] == site.kind and row["severity"] == site.severity.value
        assert row["status"] == site.status.value
        assert row["section"] == mlist.site_section[site.id]
        assert int(row["photo_count"]) == len(site.photo_ids)
        if site.kind == "pothole":
            assert _num(row["area_m2"], profile) == pytest.approx(site.measures["area_m2"], abs=5e-4)
            assert row["type_fr"] == "nid de poule" and row["rdd_code"] == "D40"
    decimal_sep = "," if profile == "excel-fr" else "."
    assert decimal_sep in body[0]["score"]


@pytest.mark.parametrize("profile", ["excel-fr", "plain"])
def test_hostile_notes_are_escaped_and_otherwise_intact(scene, profile):
    data, mlist = scene
    rows = _read(sites_csv(mlist, profile), profile)
    notes = {r[COLUMNS.index("id")]: r[COLUMNS.index("notes")] for r in rows[1:]}
    by_id = {r.site.id: r.site.notes for r in mlist.ranked}
    seen = set()
    for site_id, written in notes.items():
        original = by_id[site_id]
        if original[:1] in ("=", "+", "-", "@"):
            assert written == "'" + original
        else:
            assert written == original
        seen.add(original)
    assert {n for n in HOSTILE_NOTES[:5]} <= seen  # the accents, ';' and quotes survive intact
    for cell in (c for r in rows[1:] for c in r):
        assert not cell.startswith(("=", "+", "@", "\t", "\r", "\n")), cell
        assert not cell.startswith("-") or _num(cell, profile) < 0


def test_photo_names_are_text_and_escaped():
    rows = render_csv([["=IMG 'é' 0003.jpg | IMG_0004.jpg", "@x", "-y", "+1", "\tz", "\rw", "\nv", "ok", "a;b"]],
                      PROFILES["excel-fr"])
    parsed = next(csv.reader(io.StringIO(rows, newline=""), delimiter=";"))
    assert parsed == ["'=IMG 'é' 0003.jpg | IMG_0004.jpg", "'@x", "'-y", "'+1", "'\tz", "'\rw", "'\nv", "ok", "a;b"]


@pytest.mark.parametrize(("text", "expected"), [
    ("=1+1", "'=1+1"), ("+33 6", "'+33 6"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\r\nx", "'\r\nx"), ("nid de poule", "nid de poule"), ("", ""), ("a=b", "a=b"),
])
def test_escape_text(text, expected):
    assert escape_text(text) == expected


def test_empty_list_has_a_header_only(scene):
    from roadinspect.core.maintenance import MaintenanceList

    payload = sites_csv(MaintenanceList(ranked=[], sections=[], site_section={}), "plain")
    assert payload.decode("utf-8").splitlines() == [",".join(COLUMNS)]
