"""Priority of maintenance sites: a transparent score, a stable ranked list, the terms of every score.

The score (0-100 before the road-class factor)
----------------------------------------------
``score = road_class_factor * (severity + type + extent + confidence)`` where each term is
``weight * value`` with a value between 0 and 1:

* severity: low 1/3, medium 2/3, high 1 (``severity_values``);
* type: pothole 1.0 (a hazard to vehicles and two-wheelers), alligator 0.8 (structural fatigue),
  transverse 0.6, longitudinal 0.5, isolated 0.3 (``type_values``);
* extent: the size relative to a reference, capped at 1: crack length / 10 m, alligator area / 10 m²,
  pothole area / 1 m² (``extent_refs``); without metric measures, the size relative to the image
  diagonal / 0.25 (``size_rel``);
* confidence: 1 when an inspector accepted or corrected the site, else the model's confidence.

Default weights: severity 40, type 25, extent 20, confidence 15 (sum 100). ``road_class_factor``
(1.0 by default) scales the whole score, e.g. 1.2 for a main road, 0.8 for a lane.
Ties are broken by site id, so the ranking is stable.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from roadinspect.core.sites import Site
from roadinspect.core.types import ReviewStatus, Severity


def _default_severity_values() -> dict[str, float]:
    return {"low": 1.0 / 3.0, "medium": 2.0 / 3.0, "high": 1.0}


def _default_type_values() -> dict[str, float]:
    return {"pothole": 1.0, "alligator": 0.8, "transverse": 0.6, "longitudinal": 0.5, "isolated": 0.3}


def _default_extent_refs() -> dict[str, float]:
    return {"crack_length_m": 10.0, "alligator_area_m2": 10.0, "pothole_area_m2": 1.0, "size_rel": 0.25}


MAX_WEIGHT = 1000.0
"""Largest weight of a score term (as in the Settings dialog)."""
MAX_ROAD_CLASS_FACTOR = 10.0


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class PriorityWeights:
    """User-changeable weights of the priority score (see the module docstring)."""

    severity: float = 40.0
    type: float = 25.0
    extent: float = 20.0
    confidence: float = 15.0
    road_class_factor: float = 1.0
    severity_values: dict[str, float] = field(default_factory=_default_severity_values)
    type_values: dict[str, float] = field(default_factory=_default_type_values)
    extent_refs: dict[str, float] = field(default_factory=_default_extent_refs)

    def __post_init__(self) -> None:
        for name in ("severity", "type", "extent", "confidence", "road_class_factor"):
            value = getattr(self, name)
            high = MAX_ROAD_CLASS_FACTOR if name == "road_class_factor" else MAX_WEIGHT
            if not (_number(value) and 0 <= value <= high):
                raise ValueError(f"priority weight {name!r} must be a number between 0 and {high:g}, got {value!r}")
        for group in ("severity_values", "type_values", "extent_refs"):
            table = getattr(self, group)
            if not isinstance(table, dict):
                raise ValueError(f"priority weights {group!r} must be an object of numbers, got {table!r}")
            for key, value in table.items():
                ok = _number(value) and (0 < value <= 1e6 if group == "extent_refs" else 0 <= value <= 1)
                if not ok:
                    expected = "a number > 0 (and <= 1e6)" if group == "extent_refs" else "a number between 0 and 1"
                    label = "extent reference" if group == "extent_refs" else group.replace("_", " ")
                    raise ValueError(f"{label} {key!r} must be {expected}, got {value!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PriorityWeights:
        """Weights from a mapping (unknown keys are an error; missing keys keep their default)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown priority weight(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        base = cls()
        merged: dict[str, object] = {}
        for name in known:
            value = data.get(name, getattr(base, name))
            if isinstance(getattr(base, name), dict):
                merged[name] = {**getattr(base, name), **dict(value)}  # type: ignore[call-overload]  # JSON: a mapping here; dict() raises otherwise
            else:
                merged[name] = value
        return cls(**merged)  # type: ignore[arg-type]  # values as the caller's JSON gives them; __post_init__ checks them

    @classmethod
    def from_json(cls, path: Path) -> PriorityWeights:
        """Weights from a JSON object file; a clear ``ValueError`` naming the file when it is not valid."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: cannot read priority weights: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"{path}: priority weights must be a JSON object")
        try:
            return cls.from_dict(data)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: {exc}") from exc

    def to_dict(self) -> dict[str, object]:
        """The weights as plain data (for settings files)."""
        return asdict(self)


@dataclass(frozen=True)
class ScoreTerm:
    """One term of a site's score: ``points = weight * value``."""

    name: str
    value: float
    weight: float
    points: float
    detail: str = ""


@dataclass(frozen=True)
class RankedSite:
    """A site with its rank (1 = repair first), its score and the terms that explain it."""

    rank: int
    site: Site
    score: float
    terms: tuple[ScoreTerm, ...]
    road_class_factor: float = 1.0

    def explain(self) -> str:
        """One line: each term's points, the factor and the total."""
        parts = " + ".join(f"{t.name} {t.points:.1f}" for t in self.terms)
        return f"({parts}) x {self.road_class_factor:g} = {self.score:.1f}"


def _extent(site: Site, w: PriorityWeights) -> tuple[float, str]:
    """Extent value in [0, 1] and how it was obtained."""
    m, refs = site.measures, w.extent_refs
    if m.get("metric", 0.0) >= 1.0:
        if site.kind == "pothole" and "area_m2" in m:
            return min(1.0, m["area_m2"] / refs["pothole_area_m2"]), f"{m['area_m2']:.2f} m2"
        if site.kind == "alligator" and "area_m2" in m:
            return min(1.0, m["area_m2"] / refs["alligator_area_m2"]), f"{m['area_m2']:.2f} m2"
        if "length_m" in m:
            return min(1.0, m["length_m"] / refs["crack_length_m"]), f"{m['length_m']:.2f} m"
    size = m.get("size_rel", 0.0)
    return min(1.0, size / refs["size_rel"]), f"{size:.0%} of the image"


def score_site(site: Site, weights: PriorityWeights = PriorityWeights()) -> tuple[float, tuple[ScoreTerm, ...]]:
    """The site's priority score and its terms."""
    sev = weights.severity_values.get(Severity(site.severity).value, 0.0)
    typ = weights.type_values.get(site.kind, 0.0)
    ext, ext_detail = _extent(site, weights)
    confirmed = site.status in (ReviewStatus.ACCEPTED, ReviewStatus.CORRECTED)
    conf = 1.0 if confirmed else float(site.confidence)
    terms = (
        ScoreTerm("severity", sev, weights.severity, weights.severity * sev, Severity(site.severity).value),
        ScoreTerm("type", typ, weights.type, weights.type * typ, site.kind),
        ScoreTerm("extent", ext, weights.extent, weights.extent * ext, ext_detail),
        ScoreTerm("confidence", conf, weights.confidence, weights.confidence * conf,
                  "confirmed by an inspector" if confirmed else f"model {site.confidence:.2f}"),
    )
    total = weights.road_class_factor * sum(t.points for t in terms)
    return round(total, 4), terms


def rank_sites(sites: Iterable[Site], weights: PriorityWeights = PriorityWeights()) -> list[RankedSite]:
    """Sites ranked by decreasing score, ties broken by id (numeric part first)."""
    scored = [(score_site(s, weights), s) for s in sites]
    scored.sort(key=lambda item: (-item[0][0], _id_key(item[1].id)))
    return [RankedSite(rank=i, site=s, score=sc, terms=terms, road_class_factor=weights.road_class_factor)
            for i, ((sc, terms), s) in enumerate(scored, start=1)]


def _id_key(site_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in site_id if ch.isdigit())
    return (int(digits) if digits else 0, site_id)
