"""Exported files against what the scene drew: each damage is one site at its place, ranked by its true size.

The other export tests compare each file with the in-memory maintenance list; a bug in the sites or
the priority would flow into both unseen. Here the expected sites, positions and ranks come from
``scenes.export_truth()`` (the drawn damage, independent of the extraction, sites and priority code)
and the documented rules (pothole diameter >= 0.45 m is high severity; a 6 cm wide crack is medium;
score = 40 severity + 25 type + 20 extent + 15 confidence, every kept site accepted in the scene).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from fudgeo import GeoPackage

from roadinspect.core.exports.project import export_project
from roadinspect.core.geo import WGS84
from roadinspect.core.types import GeoPoint
from tests.core.scenes import NANTES, TrueDamage, export_scene, export_track_end, export_truth

TYPE_VALUE = {"pothole": 1.0, "longitudinal": 0.5}
SEVERITY = {"pothole": ("high", 1.0), "longitudinal": ("medium", 2 / 3)}


def metres(a: GeoPoint, lon: float, lat: float) -> float:
    return WGS84.inv(a.lon, a.lat, lon, lat)[2]


def expected_score(d: TrueDamage) -> float:
    extent = min(1.0, d.area_m2 / 1.0) if d.kind == "pothole" else min(1.0, d.length_m / 10.0)
    return 40 * SEVERITY[d.kind][1] + 25 * TYPE_VALUE[d.kind] + 20 * extent + 15 * 1.0


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    data = export_scene()
    result = export_project(data, out, formats=["csv", "geojson", "gpkg"], csv_profile="plain")
    assert result.ok
    return data, out


@pytest.fixture(scope="module")
def truth():
    kept = [d for d in export_truth() if not d.rejected]
    return sorted(kept, key=expected_score, reverse=True)


def _match(truth: list[TrueDamage], located: list[tuple[float, float, str]]) -> list[int]:
    """For each (lon, lat, type) the index of the one true damage of that type near it; fails otherwise.

    Near: 0.5 m for a pothole; 1.5 m for the 5 m crack, whose site is the mean of the parts the photos see.
    """
    indices = []
    for lon, lat, kind in located:
        reach = {"pothole": 0.5, "longitudinal": 1.5}[kind]
        near = [i for i, d in enumerate(truth) if d.kind == kind and metres(d.position, lon, lat) <= reach]
        assert len(near) == 1, f"{kind} at {lat:.6f}, {lon:.6f} matches {len(near)} drawn damages"
        indices.append(near[0])
    return indices


def test_csv_has_one_site_per_drawn_damage_in_the_expected_rank_order(exported, truth):
    _, out = exported
    rows = list(csv.DictReader(io.StringIO((out / "sites.csv").read_text(encoding="utf-8"), newline="")))
    matched = _match(truth, [(float(r["longitude"]), float(r["latitude"]), r["type"]) for r in rows])
    # Every drawn damage that was not rejected is exactly one site, and the ranks follow the true sizes.
    assert matched == list(range(len(truth)))
    assert [int(r["rank"]) for r in rows] == list(range(1, len(truth) + 1))
    for row, d in zip(rows, truth, strict=True):
        assert row["severity"] == SEVERITY[d.kind][0]
        assert float(row["score"]) == pytest.approx(expected_score(d), abs=1.5)
        if d.kind == "pothole":
            assert float(row["area_m2"]) == pytest.approx(d.area_m2, rel=0.1)
        else:
            assert float(row["length_m"]) == pytest.approx(d.length_m, rel=0.1)
    rejected = [d for d in export_truth() if d.rejected]
    assert rejected and all(metres(d.position, float(r["longitude"]), float(r["latitude"])) > 5.0
                            for d in rejected for r in rows)


def test_sites_geojson_and_geopackage_put_each_site_on_its_drawn_damage(exported, truth):
    _, out = exported
    feats = json.loads((out / "sites.geojson").read_text(encoding="utf-8"))["features"]
    located = [(*f["geometry"]["coordinates"], f["properties"]["type"]) for f in feats]  # [lon, lat]
    assert _match(truth, located) == list(range(len(truth)))
    assert [f["properties"]["rank"] for f in feats] == list(range(1, len(truth) + 1))
    gpkg = GeoPackage(out / "inspection.gpkg")
    try:
        rows = gpkg.feature_classes["sites"].select(fields=("rank", "type"), include_geometry=True).fetchall()
    finally:
        gpkg.connection.close()
    rows.sort(key=lambda r: r[1])
    assert _match(truth, [(g.x, g.y, kind) for g, _, kind in rows]) == list(range(len(truth)))


def test_findings_geojson_points_lie_on_their_drawn_damage(exported):
    data, out = exported
    drawn = export_truth()
    feats = json.loads((out / "findings.geojson").read_text(encoding="utf-8"))["features"]
    assert len(feats) == len(data.findings)
    seen = set()
    for f in feats:
        lon, lat = f["geometry"]["coordinates"]
        kind = f["properties"]["model_type"]
        # A pothole's point is its centre; a crack's is the centre of the part one photo sees (at most
        # half its length away from the drawn centre).
        reach = {"pothole": 0.3, "longitudinal": 2.5}[kind]
        near = [i for i, d in enumerate(drawn) if d.kind == kind and metres(d.position, lon, lat) <= reach]
        assert len(near) == 1, (f["properties"]["id"], lon, lat)
        seen.add(near[0])
        assert (f["properties"]["status"] == "rejected") == drawn[near[0]].rejected
    assert seen == set(range(len(drawn)))


def test_sections_geojson_follows_the_drive(exported):
    _, out = exported
    feats = json.loads((out / "sections.geojson").read_text(encoding="utf-8"))["features"]
    assert len(feats) == 1  # a 60 m drive is one (short) section
    coords = feats[0]["geometry"]["coordinates"]
    end = export_track_end()
    (lon0, lat0), (lon1, lat1) = coords[0], coords[-1]
    assert (lon0, lat0) == pytest.approx((NANTES.lon, NANTES.lat), abs=1e-6)  # [lon, lat] of the first photo
    assert metres(end, lon1, lat1) < 0.1  # the last photo, 60 m on
    for lon, lat in coords:  # every vertex on the drive's straight line, between its ends
        assert metres(NANTES, lon, lat) + metres(end, lon, lat) == pytest.approx(60.0, abs=0.05)
