"""``inspection.gpkg``: an OGC GeoPackage (written with fudgeo) that QGIS opens as is.

Layers (all WGS84, EPSG:4326): ``sites`` (points, rank order), ``sections`` (line strings),
``findings`` (points: every finding's ground position, rejected ones with their status) and
``photos`` (points: where each photo was taken; a photo without position has a NULL geometry).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from fudgeo import GeoPackage
from fudgeo.enumeration import FieldType, GPKGFlavors, ShapeType
from fudgeo.geometry import LineString, Point
from fudgeo.geopkg import DEFAULT_EPSG_RECS, Field, SpatialReferenceSystem

from roadinspect.core.exports.sites_csv import format_time
from roadinspect.core.findings import FRENCH_NAMES, RDD_CODES
from roadinspect.core.maintenance import MaintenanceList, ProjectData, listed_findings
from roadinspect.core.types import GeoPoint

SRS_ID = 4326
_WGS84_WKT = next(rec[4] for rec in DEFAULT_EPSG_RECS if rec[1] == SRS_ID)

_SITE_FIELDS = (
    ("rank", FieldType.integer), ("site_id", FieldType.text), ("type", FieldType.text), ("type_fr", FieldType.text),
    ("rdd_code", FieldType.text), ("severity", FieldType.text), ("score", FieldType.double),
    ("score_terms", FieldType.text), ("status", FieldType.text), ("confidence", FieldType.double),
    ("section", FieldType.text), ("length_m", FieldType.double), ("mean_width_mm", FieldType.double),
    ("max_width_mm", FieldType.double), ("area_m2", FieldType.double), ("diameter_m", FieldType.double),
    ("uncertainty_pct", FieldType.double), ("photo_count", FieldType.integer), ("photos", FieldType.text),
    ("first_seen", FieldType.text), ("last_seen", FieldType.text), ("notes", FieldType.text),
)
_SECTION_FIELDS = (
    ("section_id", FieldType.text), ("run", FieldType.integer), ("idx", FieldType.integer),
    ("start_m", FieldType.double), ("end_m", FieldType.double), ("length_m", FieldType.double),
    ("score", FieldType.double), ("rating", FieldType.text), ("site_count", FieldType.integer),
    ("sites", FieldType.text), ("deductions", FieldType.text),
)
_FINDING_FIELDS = (
    ("finding_id", FieldType.integer), ("site_id", FieldType.text), ("photo", FieldType.text),
    ("class", FieldType.text), ("type", FieldType.text), ("severity", FieldType.text),
    ("confidence", FieldType.double), ("status", FieldType.text), ("source", FieldType.text),
    ("measures", FieldType.text), ("note", FieldType.text),
)
_PHOTO_FIELDS = (
    ("photo_id", FieldType.integer), ("file", FieldType.text), ("path", FieldType.text), ("sha256", FieldType.text),
    ("taken_at", FieldType.text), ("heading_deg", FieldType.double), ("position_source", FieldType.text),
    ("width", FieldType.integer), ("height", FieldType.integer), ("findings", FieldType.integer),
)


def _pt(p: GeoPoint | None) -> Point | None:
    return None if p is None else Point(x=p.lon, y=p.lat, srs_id=SRS_ID)


def _metric(measures: dict[str, float], key: str, factor: float = 1.0) -> float | None:
    if measures.get("metric", 0.0) >= 1.0 and key in measures:
        return round(measures[key] * factor, 6)
    return None


def write_gpkg(path: Path, data: ProjectData, mlist: MaintenanceList) -> None:
    """Write a new GeoPackage at ``path`` (which must not exist) with the four layers."""
    gpkg = GeoPackage.create(path, flavor=GPKGFlavors.epsg)
    try:
        srs = SpatialReferenceSystem(name="WGS 84", organization="EPSG", org_coord_sys_id=SRS_ID,
                                     definition=_WGS84_WKT, srs_id=SRS_ID)

        def layer(name: str, shape: str, fields: tuple[tuple[str, str], ...],
                  rows: Sequence[tuple[object, ...]]) -> None:
            gpkg.create_feature_class(name, srs=srs, shape_type=shape,
                                      fields=tuple(Field(n, t) for n, t in fields), spatial_index=True)
            cols = ", ".join(["SHAPE", *(f'"{n}"' for n, _ in fields)])
            marks = ", ".join("?" * (len(fields) + 1))
            with gpkg.connection as conn:
                conn.executemany(f'INSERT INTO "{name}" ({cols}) VALUES ({marks})', rows)

        site_rows = []
        for r in mlist.ranked:
            s, m = r.site, r.site.measures
            site_rows.append((
                _pt(s.position), r.rank, s.id, s.kind, FRENCH_NAMES.get(s.kind, s.kind), RDD_CODES.get(s.kind, ""),
                s.severity.value, r.score, json.dumps({t.name: round(t.points, 3) for t in r.terms}),
                s.status.value, s.confidence, mlist.site_section.get(s.id), _metric(m, "length_m"),
                _metric(m, "mean_width_m", 1000.0), _metric(m, "max_width_m", 1000.0), _metric(m, "area_m2"),
                _metric(m, "diameter_m"), _metric(m, "uncertainty_rel", 100.0), len(s.photo_ids),
                " | ".join(s.photo_files), format_time(s.first_seen), format_time(s.last_seen), s.notes,
            ))
        layer("sites", ShapeType.point, _SITE_FIELDS, site_rows)

        section_rows = []
        for sec in mlist.sections:
            coords = [(p.lon, p.lat) for p in sec.line]
            geom = LineString(coords, srs_id=SRS_ID) if len(coords) >= 2 else None
            deductions = [{"type": d.kind, "severity": d.severity.value, "density_pct": d.density_pct,
                           "deduct": d.deduct} for d in sec.deductions]
            section_rows.append((geom, sec.id, sec.run, sec.index, sec.start_m, sec.end_m, round(sec.length_m, 2),
                                 sec.score, sec.rating, len(sec.site_ids), " ".join(sec.site_ids),
                                 json.dumps(deductions)))
        layer("sections", ShapeType.linestring, _SECTION_FIELDS, section_rows)

        finding_rows = [
            (_pt(row.ground), row.finding.id, row.site_id, row.photo.path.name if row.photo else None,
             row.effective.damage.label, row.effective.kind, row.effective.severity.value, row.finding.confidence,
             row.status.value, row.finding.source, json.dumps(row.finding.measures, allow_nan=False, sort_keys=True),
             row.review.note if row.review else "")
            for row in listed_findings(data, mlist)]
        layer("findings", ShapeType.point, _FINDING_FIELDS, finding_rows)

        per_photo: dict[int, int] = {}
        for f in data.findings:
            if f.photo_id is not None:
                per_photo[f.photo_id] = per_photo.get(f.photo_id, 0) + 1
        photo_rows = [
            (_pt(p.position), pid, p.path.name, str(p.path), p.sha256, format_time(p.taken_at), p.heading_deg,
             p.position_source.value, p.width, p.height, per_photo.get(pid, 0))
            for pid, p in sorted(data.photos.items())
        ]
        layer("photos", ShapeType.point, _PHOTO_FIELDS, photo_rows)
    finally:
        gpkg.connection.close()
