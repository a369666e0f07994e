"""Maintenance sites: the same defect seen in several photos becomes one site (derived, never stored).

Rules
-----
* Reviews first (the rules of ``roadinspect.core.review``): a rejected finding is left out, whatever its
  corrections; the others take the inspector's class, crack type and severity (``review.effective_finding``).
  An inspector's value always wins over the model's.
* Findings of the same type (``Finding.kind`` after review) from different photos are linked when their
  ground positions (``Finding.ground``, else the photo's position) are at most
  ``link_distance_m + r1 + r2`` apart, where ``r`` is half a crack's length (at most
  ``max_extent_m``) or a pothole's radius: a long crack seen from two places is one crack. Distances
  are planar metres in a local pyproj projection (``geo.MetricFrame``) searched with shapely's
  STRtree; links are chained (A-B and B-C make one site). Two findings of one photo are never linked
  directly: the extraction already split them.
* A site's evidence is its finding with the highest confidence, then the largest (area or length),
  then the smallest id. Its measures are the evidence's; its severity is the highest among the
  findings an inspector corrected when there are any, else the highest of all; its position is the
  mean of its findings' positions; its status is ``corrected`` if any finding was corrected,
  ``accepted`` if any was accepted, ``pending`` otherwise.
* Site ids are deterministic: ``S`` and the smallest finding id (``S17``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import numpy as np
import shapely
from shapely import STRtree

from roadinspect.core.geo import MetricFrame
from roadinspect.core.review import effective_finding
from roadinspect.core.types import DamageClass, Finding, GeoPoint, Photo, Review, ReviewStatus, Severity

SEVERITY_ORDER = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}


@dataclass(frozen=True)
class SiteSettings:
    """How findings are grouped into sites (see the module docstring)."""

    link_distance_m: float = 5.0
    max_extent_m: float = 10.0


@dataclass(frozen=True)
class Site:
    """One defect on the ground, seen in one or more photos: the unit of the maintenance list."""

    id: str
    damage: DamageClass
    kind: str
    severity: Severity
    confidence: float
    status: ReviewStatus
    position: GeoPoint | None
    finding_ids: tuple[int, ...]
    evidence_id: int
    photo_ids: tuple[int, ...]
    photo_files: tuple[str, ...]
    first_seen: datetime | None
    last_seen: datetime | None
    measures: dict[str, float] = field(default_factory=dict)
    notes: str = ""
    findings: tuple[Finding, ...] = ()

    @property
    def evidence(self) -> Finding:
        """The finding shown as the site's evidence."""
        return next(f for f in self.findings if f.id == self.evidence_id)


def time_key(t: datetime | None) -> float:
    """Sort key of a photo time (naive times are read as UTC; unknown sorts last)."""
    if t is None:
        return math.inf
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.timestamp()


def _extent_m(f: Finding) -> float:
    m = f.measures
    if f.kind == "pothole":
        return m.get("diameter_m", 0.0) / 2.0
    return m.get("length_m", 0.0) / 2.0


def _size(f: Finding) -> float:
    m = f.measures
    return m.get("area_px", 0.0) if f.kind in ("pothole", "alligator") else m.get("length_px", 0.0)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def build_sites(
    photos: Mapping[int, Photo],
    findings: Sequence[Finding],
    reviews: Mapping[int, Review] | Iterable[Review] = (),
    settings: SiteSettings = SiteSettings(),
) -> list[Site]:
    """The maintenance sites of a project, sorted by id number.

    ``photos`` maps photo ids to photos; ``findings`` need ``id`` and ``photo_id`` (findings without
    an id get their index in the list); ``reviews`` are the latest review per finding.
    """
    by_finding = dict(reviews) if isinstance(reviews, Mapping) else {r.finding_id: r for r in reviews}
    kept: list[Finding] = []
    for index, f in enumerate(findings):
        if f.id is None:
            f = replace(f, id=index)
        eff = effective_finding(f, by_finding.get(_id(f)))
        if eff is not None:
            kept.append(eff)
    kept.sort(key=_id)

    positions: list[GeoPoint | None] = []
    for f in kept:
        photo = photos.get(f.photo_id) if f.photo_id is not None else None
        positions.append(f.ground if f.ground is not None else (photo.position if photo else None))
    frame = MetricFrame.around(p for p in positions if p is not None)
    uf = _UnionFind(len(kept))
    if frame is not None:
        located = [i for i, p in enumerate(positions) if p is not None]
        xy = frame.to_xy([p for p in positions if p is not None])  # the positions of ``located``, in order
        for kind in sorted({kept[i].kind for i in located}):
            idx = [k for k, i in enumerate(located) if kept[i].kind == kind]
            pts = shapely.points(xy[idx])
            tree = STRtree(pts)
            reach = settings.link_distance_m + 2 * settings.max_extent_m
            left, right = tree.query(pts, predicate="dwithin", distance=reach)
            for a, b in zip(left.tolist(), right.tolist(), strict=True):
                if a >= b:
                    continue
                fa, fb = kept[located[idx[a]]], kept[located[idx[b]]]
                if fa.photo_id == fb.photo_id:
                    continue
                limit = settings.link_distance_m + min(_extent_m(fa), settings.max_extent_m) + min(
                    _extent_m(fb), settings.max_extent_m)
                if float(np.hypot(*(xy[idx[a]] - xy[idx[b]]))) <= limit:
                    uf.union(located[idx[a]], located[idx[b]])
    groups: dict[int, list[int]] = {}
    for i in range(len(kept)):
        groups.setdefault(uf.find(i), []).append(i)
    sites = [_site([kept[i] for i in members], [positions[i] for i in members], photos, by_finding, frame)
             for members in groups.values()]
    sites.sort(key=lambda s: min(s.finding_ids))
    return sites


def _site(
    members: list[Finding], positions: list[GeoPoint | None], photos: Mapping[int, Photo],
    reviews: Mapping[int, Review], frame: MetricFrame | None,
) -> Site:
    """One site from its (effective) findings."""
    evidence = max(members, key=lambda f: (f.confidence, _size(f), -_id(f)))
    statuses = [reviews[_id(f)].status if _id(f) in reviews else ReviewStatus.PENDING for f in members]
    corrected = [f for f, s in zip(members, statuses, strict=True) if s == ReviewStatus.CORRECTED]
    pool = corrected or members
    severity = max((f.severity for f in pool), key=SEVERITY_ORDER.__getitem__)
    if ReviewStatus.CORRECTED in statuses:
        status = ReviewStatus.CORRECTED
    elif ReviewStatus.ACCEPTED in statuses:
        status = ReviewStatus.ACCEPTED
    else:
        status = ReviewStatus.PENDING
    known = [p for p in positions if p is not None]
    position: GeoPoint | None = None
    if known and frame is not None:
        position = frame.to_geo(frame.to_xy(known).mean(axis=0))[0]
    photo_ids = sorted({f.photo_id for f in members if f.photo_id is not None},
                       key=lambda pid: (time_key(photos[pid].taken_at) if pid in photos else math.inf, pid))
    times = [photos[p].taken_at for p in photo_ids if p in photos and photos[p].taken_at is not None]
    times.sort(key=time_key)
    notes: list[str] = []
    for f in members:
        note = reviews[_id(f)].note.strip() if _id(f) in reviews else ""
        if note and note not in notes:
            notes.append(note)
    ids = tuple(sorted(_id(f) for f in members))
    return Site(
        id=f"S{ids[0]}",
        damage=evidence.damage,
        kind=evidence.kind,
        severity=severity,
        confidence=max(f.confidence for f in members),
        status=status,
        position=position,
        finding_ids=ids,
        evidence_id=_id(evidence),
        photo_ids=tuple(photo_ids),
        photo_files=tuple(photos[p].path.name for p in photo_ids if p in photos),
        first_seen=times[0] if times else None,
        last_seen=times[-1] if times else None,
        measures=dict(evidence.measures),
        notes=" | ".join(notes),
        findings=tuple(sorted(members, key=_id)),
    )


def _id(finding: Finding) -> int:
    """The id of a finding inside :func:`build_sites`, which gives each one an id (its own, else its index)."""
    assert finding.id is not None
    return finding.id
