"""Road sections: the surveyed track cut into stretches (100 m by default), each with a condition score.

The track
---------
Photos with a position, in time order (then file name), make the track. It is split into separate
runs where two consecutive photos are more than ``max_gap_m`` apart (a drive to another road);
each run is cut into ``length_m`` sections from its start (a last piece shorter than a quarter of
``length_m`` joins the previous section). Runs of a single position have no section. Section ids
are ``T<run>-<index>`` (``T1-003``), counted from 1.

Sites are assigned to the nearest section line within ``max_site_distance_m`` (STRtree in a local
metric projection); farther sites belong to no section.

The condition score (0 = failed, 100 = perfect), in the spirit of PCI (ASTM D6433) and the French IQRN
------------------------------------------------------------------------------------------------------
For each (type, severity) the quantity of its sites is summed: crack length in metres for
longitudinal, transverse and isolated cracks, area in m² for alligator cracking, a count for potholes
(as ASTM D6433 does; an unmeasured crack counts 1 m, an unmeasured alligator area 1 m²). Its density
is ``quantity / (section length x lane_width_m) x 100`` (%). Its deduct value approximates the ASTM
asphalt deduct curves::

    deduct = min(100, k[type][severity] * log10(1 + density / 0.1))

with k (low / medium / high): longitudinal, transverse, isolated 5 / 12.5 / 22; alligator
16 / 22 / 29; pothole 24 / 43 / 67. The deducts combine multiplicatively (each takes its share of
what is left, which, like ASTM's corrected deduct value, never drops below 0)::

    score = 100 x product(1 - deduct / 100)

Ratings follow the PCI scale: good >= 86, satisfactory >= 71, fair >= 56, poor >= 41,
very poor >= 26, serious >= 11, failed below.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import LineString
from shapely.ops import substring

from roadinspect.core.geo import MetricFrame
from roadinspect.core.sites import Site, time_key
from roadinspect.core.types import GeoPoint, Photo, Severity


def _default_k() -> dict[str, tuple[float, float, float]]:
    return {
        "longitudinal": (5.0, 12.5, 22.0),
        "transverse": (5.0, 12.5, 22.0),
        "isolated": (5.0, 12.5, 22.0),
        "alligator": (16.0, 22.0, 29.0),
        "pothole": (24.0, 43.0, 67.0),
    }


@dataclass(frozen=True)
class SectionSettings:
    """How the track is cut and scored (see the module docstring)."""

    length_m: float = 100.0
    lane_width_m: float = 3.5
    max_gap_m: float = 300.0
    max_site_distance_m: float = 30.0
    deduct_k: dict[str, tuple[float, float, float]] = field(default_factory=_default_k)

    def __post_init__(self) -> None:
        if not (self.length_m > 0 and self.lane_width_m > 0
                and math.isfinite(self.length_m) and math.isfinite(self.lane_width_m)):
            raise ValueError("section length and lane width must be positive finite numbers")


RATINGS = ((86, "good"), (71, "satisfactory"), (56, "fair"), (41, "poor"), (26, "very poor"), (11, "serious"),
           (0, "failed"))
FRENCH_RATINGS = {"good": "bon", "satisfactory": "satisfaisant", "fair": "moyen", "poor": "médiocre",
                  "very poor": "mauvais", "serious": "très mauvais", "failed": "ruiné"}
_SEV_INDEX = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}


@dataclass(frozen=True)
class Deduction:
    """The deduct of one (type, severity) in a section."""

    kind: str
    severity: Severity
    quantity: float
    unit: str
    density_pct: float
    deduct: float


@dataclass(frozen=True)
class Section:
    """A stretch of the surveyed road with its condition score and the sites on it."""

    id: str
    run: int
    index: int
    start_m: float
    end_m: float
    line: tuple[GeoPoint, ...]
    score: float
    rating: str
    deductions: tuple[Deduction, ...]
    site_ids: tuple[str, ...]

    @property
    def length_m(self) -> float:
        """Length along the track in metres."""
        return self.end_m - self.start_m


def rating_for(score: float) -> str:
    """PCI rating name of a 0-100 score."""
    return next(name for floor, name in RATINGS if score >= floor)


def _quantity(site: Site) -> tuple[float, str]:
    m = site.measures
    metric = m.get("metric", 0.0) >= 1.0
    if site.kind == "pothole":
        return 1.0, "count"
    if site.kind == "alligator":
        return (m.get("area_m2", 1.0) if metric else 1.0), "m2"
    return (m.get("length_m", 1.0) if metric else 1.0), "m"


def section_score(
    sites: Iterable[Site], length_m: float, settings: SectionSettings = SectionSettings()
) -> tuple[float, tuple[Deduction, ...]]:
    """Condition score of a stretch of ``length_m`` metres carrying ``sites``, and its deductions."""
    totals: dict[tuple[str, Severity], tuple[float, str]] = {}
    for site in sites:
        qty, unit = _quantity(site)
        key = (site.kind, Severity(site.severity))
        totals[key] = (totals.get(key, (0.0, unit))[0] + qty, unit)
    area = max(length_m, 1.0) * settings.lane_width_m
    deductions = []
    score = 100.0
    for (kind, sev), (qty, unit) in sorted(totals.items(), key=lambda kv: (kv[0][0], _SEV_INDEX[kv[0][1]])):
        density = qty / area * 100.0
        k = settings.deduct_k.get(kind, settings.deduct_k["isolated"])[_SEV_INDEX[sev]]
        deduct = min(100.0, k * math.log10(1.0 + density / 0.1))
        deductions.append(Deduction(kind, sev, round(qty, 3), unit, round(density, 4), round(deduct, 3)))
        score *= 1.0 - deduct / 100.0
    return round(max(0.0, score), 1), tuple(deductions)


def track_runs(photos: Iterable[Photo], max_gap_m: float, frame: MetricFrame) -> list[np.ndarray]:
    """The track as runs of metric points (photos in time order, split at gaps over ``max_gap_m``)."""
    located = sorted((p for p in photos if p.position is not None), key=lambda p: (time_key(p.taken_at), p.path.name))
    xy = frame.to_xy([pos for p in located if (pos := p.position) is not None])  # every one of them
    runs: list[list[np.ndarray]] = []
    for point in xy:
        if runs and float(np.hypot(*(point - runs[-1][-1]))) <= max_gap_m:
            if float(np.hypot(*(point - runs[-1][-1]))) > 1e-6:
                runs[-1].append(point)
        else:
            runs.append([point])
    return [np.array(r) for r in runs]


def build_sections(
    photos: Iterable[Photo], sites: Sequence[Site] = (), settings: SectionSettings = SectionSettings()
) -> list[Section]:
    """The sections of the surveyed track with their scores and sites."""
    photos = list(photos)
    frame = MetricFrame.around(p.position for p in photos if p.position is not None)
    if frame is None:
        return []
    pieces: list[tuple[int, int, float, float, LineString]] = []
    for run_no, run in enumerate(track_runs(photos, settings.max_gap_m, frame), start=1):
        if len(run) < 2:
            continue
        line = LineString(run)
        total = line.length
        n = max(1, math.ceil(total / settings.length_m))
        if n > 1 and total - (n - 1) * settings.length_m < settings.length_m / 4:
            n -= 1
        for i in range(n):
            start = i * settings.length_m
            end = total if i == n - 1 else (i + 1) * settings.length_m
            pieces.append((run_no, i + 1, start, end, substring(line, start, end)))
    assigned: dict[int, list[Site]] = {i: [] for i in range(len(pieces))}
    located = [s for s in sites if s.position is not None]
    if pieces and located:
        tree = STRtree([p[4] for p in pieces])
        pts = shapely.points(frame.to_xy([pos for s in located if (pos := s.position) is not None]))  # all
        for site, pt in zip(located, pts, strict=True):
            hits = tree.query_nearest(pt, max_distance=settings.max_site_distance_m)
            if len(hits):
                assigned[int(min(hits))].append(site)
    out = []
    for i, (run_no, index, start, end, geom) in enumerate(pieces):
        on = sorted(assigned[i], key=lambda s: natural_key(s.id))  # S8 before S10
        score, deductions = section_score(on, end - start, settings)
        coords = np.asarray(geom.coords)
        out.append(Section(
            id=f"T{run_no}-{index:03d}", run=run_no, index=index, start_m=round(start, 2), end_m=round(end, 2),
            line=tuple(frame.to_geo(coords)), score=score, rating=rating_for(score), deductions=deductions,
            site_ids=tuple(s.id for s in on),
        ))
    return out


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that orders the numbers inside ids by value: ``S8`` before ``S10``, ``T1-002`` before ``T1-010``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


def site_sections(sections: Iterable[Section]) -> dict[str, str]:
    """Map of site id to the id of the section it lies on."""
    return {site_id: sec.id for sec in sections for site_id in sec.site_ids}
