"""GeoJSON exports checked against the rules of RFC 7946."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from roadinspect.core.exports.geojson import findings_geojson, sections_geojson, sites_geojson
from roadinspect.core.maintenance import build_maintenance_list
from roadinspect.core.types import ReviewStatus
from tests.core.scenes import export_scene


def _ring_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)) / 2.0


def _positions(geometry: dict) -> list[list[float]]:
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return [coords]
    if kind in ("LineString", "MultiPoint"):
        return coords
    if kind in ("Polygon", "MultiLineString"):
        return [p for part in coords for p in part]
    if kind == "MultiPolygon":
        return [p for poly in coords for ring in poly for p in ring]
    raise AssertionError(f"unknown geometry type {kind}")


def check_rfc7946(text: str) -> dict:
    """Fail on any breach of the RFC 7946 rules that matter to QGIS and web maps; return the document."""
    doc = json.loads(text, parse_float=Decimal)  # Decimal keeps the written digits
    assert doc["type"] == "FeatureCollection" and isinstance(doc["features"], list)
    assert "crs" not in doc  # RFC 7946 section 4: no crs member
    types = set()
    for feat in doc["features"]:
        assert feat["type"] == "Feature" and "crs" not in feat
        assert isinstance(feat["properties"], dict | None)
        if "id" in feat:
            assert isinstance(feat["id"], str | int)
        geom = feat["geometry"]
        if geom is None:  # unlocated feature (section 3.2)
            continue
        types.add(geom["type"])
        for pos in _positions(geom):
            assert len(pos) in (2, 3)
            lon, lat = pos[0], pos[1]
            assert -180 <= lon <= 180 and -90 <= lat <= 90  # lon, lat order with valid ranges
            for value in pos:
                exponent = value.as_tuple().exponent if isinstance(value, Decimal) else 0
                assert exponent >= -7, f"more than 7 decimals: {value}"
        if geom["type"] == "LineString":
            assert len(geom["coordinates"]) >= 2
        if geom["type"] == "Polygon":
            rings = geom["coordinates"]
            assert all(r[0] == r[-1] and len(r) >= 4 for r in rings)
            assert _ring_area([[float(v) for v in p] for p in rings[0]]) > 0  # outer ring counter-clockwise
            assert all(_ring_area([[float(v) for v in p] for p in r]) < 0 for r in rings[1:])  # holes clockwise
    assert len(types) <= 1, f"several geometry types in one file: {types}"
    return doc


@pytest.fixture(scope="module")
def scene():
    data = export_scene()
    return data, build_maintenance_list(data)


def test_checker_catches_breaches():
    good = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-1.5, 47.2]}}]}
    check_rfc7946(json.dumps(good))
    for bad in (
        {**good, "crs": {"type": "name"}},
        {**good, "features": [{**good["features"][0], "geometry": {"type": "Point", "coordinates": [47.2, -181.0]}}]},
        {**good, "features": [{**good["features"][0],
                                "geometry": {"type": "Point", "coordinates": [-1.123456789, 47.2]}}]},
        {**good, "features": [good["features"][0], {"type": "Feature", "properties": {}, "geometry": {
            "type": "LineString", "coordinates": [[0, 0], [1, 1]]}}]},
        {**good, "features": [{"type": "Feature", "properties": {}, "geometry": {
            "type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [0, 0]]]}}]},  # clockwise outer ring
    ):
        with pytest.raises(AssertionError):
            check_rfc7946(json.dumps(bad))


def test_sites_geojson(scene):
    data, mlist = scene
    doc = check_rfc7946(sites_geojson(mlist).decode("utf-8"))
    feats = doc["features"]
    assert [f["properties"]["rank"] for f in feats] == list(range(1, mlist.site_count + 1))
    assert {f["geometry"]["type"] for f in feats} == {"Point"}
    first, ranked = feats[0], mlist.ranked[0]
    lon, lat = (float(v) for v in first["geometry"]["coordinates"])
    assert lon == pytest.approx(ranked.site.position.lon, abs=1e-7) and lat == pytest.approx(ranked.site.position.lat,
                                                                                               abs=1e-7)
    props = first["properties"]
    for key in ("rank", "id", "type", "severity", "score", "status", "photos", "measures", "notes"):
        assert key in props
    assert props["photos"] == list(ranked.site.photo_files)
    assert float(props["score"]) == pytest.approx(ranked.score)
    assert sum(float(v) for v in props["score_terms"].values()) == pytest.approx(ranked.score, abs=0.01)
    notes = {f["properties"]["notes"] for f in feats}
    assert 'Chaussée déformée; "très" abîmée, à reprendre' in notes  # written as is (JSON is not a spreadsheet)


def test_sections_geojson(scene):
    data, mlist = scene
    doc = check_rfc7946(sections_geojson(mlist).decode("utf-8"))
    assert {f["geometry"]["type"] for f in doc["features"]} == {"LineString"}
    assert [f["properties"]["id"] for f in doc["features"]] == [s.id for s in mlist.sections]
    assert float(doc["features"][0]["properties"]["score"]) == mlist.sections[0].score


def test_findings_geojson_lists_every_finding_with_its_status(scene):
    data, mlist = scene
    doc = check_rfc7946(findings_geojson(data, mlist).decode("utf-8"))
    feats = doc["features"]
    assert len(feats) == len(data.findings)
    assert {f["geometry"]["type"] for f in feats} == {"Point"}
    statuses = {f["properties"]["id"]: f["properties"]["status"] for f in feats}
    rejected = [fid for fid, r in data.reviews.items() if r.status == ReviewStatus.REJECTED]
    assert rejected and all(statuses[fid] == "rejected" for fid in rejected)
    assert all(f["properties"]["site"] is None for f in feats if f["properties"]["status"] == "rejected")
    assert all(f["properties"]["site"] for f in feats if f["properties"]["status"] != "rejected")
