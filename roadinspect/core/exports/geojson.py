"""GeoJSON files for QGIS and web maps, following RFC 7946.

``sites.geojson`` (Points, rank order), ``sections.geojson`` (LineStrings, track order) and
``findings.geojson`` (Points: the ground position of every finding, rejected ones included with
their status). RFC 7946 rules kept: WGS84 longitude-latitude order, at most 7 decimals (about 1 cm),
no ``crs`` member, one geometry type per file, counter-clockwise outer rings (we write no polygons);
an unlocated feature has ``"geometry": null`` (RFC 7946 section 3.2).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from roadinspect.core.findings import FRENCH_NAMES, RDD_CODES
from roadinspect.core.maintenance import MaintenanceList, ProjectData, listed_findings
from roadinspect.core.sections import FRENCH_RATINGS
from roadinspect.core.types import GeoPoint

DECIMALS = 7


def _pos(p: GeoPoint) -> list[float]:
    return [round(p.lon, DECIMALS), round(p.lat, DECIMALS)]


def _point(p: GeoPoint | None) -> dict[str, Any] | None:
    return None if p is None else {"type": "Point", "coordinates": _pos(p)}


def _clean(measures: Mapping[str, float]) -> dict[str, float | None]:
    return {k: (round(v, 6) if math.isfinite(v) else None) for k, v in sorted(measures.items())}


def _collection(features: list[dict[str, Any]], name: str) -> bytes:
    doc = {"type": "FeatureCollection", "name": name, "features": features}
    return (json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode("utf-8")


def sites_geojson(mlist: MaintenanceList) -> bytes:
    """``sites.geojson``: one Point per site in rank order."""
    features = []
    for r in mlist.ranked:
        s = r.site
        features.append({
            "type": "Feature",
            "id": s.id,
            "geometry": _point(s.position),
            "properties": {
                "rank": r.rank, "id": s.id, "type": s.kind, "type_fr": FRENCH_NAMES.get(s.kind, s.kind),
                "rdd_code": RDD_CODES.get(s.kind, ""), "severity": s.severity.value, "score": r.score,
                "score_terms": {t.name: round(t.points, 3) for t in r.terms},
                "road_class_factor": r.road_class_factor, "status": s.status.value,
                "confidence": s.confidence, "section": mlist.site_section.get(s.id),
                "photos": list(s.photo_files), "finding_ids": list(s.finding_ids),
                "first_seen": s.first_seen.isoformat() if s.first_seen else None,
                "last_seen": s.last_seen.isoformat() if s.last_seen else None,
                "measures": _clean(s.measures), "notes": s.notes,
            },
        })
    return _collection(features, "sites")


def sections_geojson(mlist: MaintenanceList) -> bytes:
    """``sections.geojson``: one LineString per road section."""
    features = []
    for sec in mlist.sections:
        coords: list[list[float]] = []
        for p in sec.line:
            c = _pos(p)
            if not coords or coords[-1] != c:
                coords.append(c)
        geometry = {"type": "LineString", "coordinates": coords} if len(coords) >= 2 else None
        features.append({
            "type": "Feature",
            "id": sec.id,
            "geometry": geometry,
            "properties": {
                "id": sec.id, "run": sec.run, "index": sec.index, "start_m": sec.start_m, "end_m": sec.end_m,
                "length_m": round(sec.length_m, 2), "score": sec.score, "rating": sec.rating,
                "rating_fr": FRENCH_RATINGS[sec.rating], "sites": list(sec.site_ids),
                "deductions": [
                    {"type": d.kind, "severity": d.severity.value, "quantity": d.quantity, "unit": d.unit,
                     "density_pct": d.density_pct, "deduct": d.deduct} for d in sec.deductions
                ],
            },
        })
    return _collection(features, "sections")


def findings_geojson(data: ProjectData, mlist: MaintenanceList) -> bytes:
    """``findings.geojson``: the ground point of every finding (photo position when unknown)."""
    features = []
    for row in listed_findings(data, mlist):
        f, review, eff = row.finding, row.review, row.effective
        features.append({
            "type": "Feature",
            **({"id": f.id} if f.id is not None else {}),
            "geometry": _point(row.ground),
            "properties": {
                "id": f.id, "site": row.site_id, "photo": row.photo.path.name if row.photo else None,
                "class": eff.damage.label, "type": eff.kind, "severity": eff.severity.value,
                "model_type": f.kind, "model_severity": f.severity.value, "confidence": f.confidence,
                "status": row.status.value, "position": row.position,
                "source": f.source, "measures": _clean(f.measures),
                "note": review.note if review else "",
            },
        })
    return _collection(features, "findings")
