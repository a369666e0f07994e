"""``sites.csv``: the ranked maintenance list for spreadsheets, safe against formula injection.

Profiles: ``excel-fr`` (default: ``;`` separator, decimal comma, UTF-8 with BOM so that French Excel
opens it with accents right) and ``plain`` (``,`` and ``.``, UTF-8 without BOM).

Formula injection (OWASP "CSV Injection"): every TEXT cell starting with ``=``, ``+``, ``-``, ``@``,
tab, carriage return or line feed gets a leading ``'`` so that no spreadsheet evaluates it; numbers
are written as numbers (a negative longitude stays a number). Cells with the separator, quotes or
line breaks are quoted by the ``csv`` module.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from roadinspect.core.findings import FRENCH_NAMES, FRENCH_SEVERITY, RDD_CODES
from roadinspect.core.maintenance import MaintenanceList
from roadinspect.core.priority import RankedSite
from roadinspect.core.types import Severity


@dataclass(frozen=True)
class CsvProfile:
    """Separator, decimal mark and encoding of a CSV dialect."""

    name: str
    delimiter: str
    decimal: str
    encoding: str


PROFILES = {
    "excel-fr": CsvProfile("excel-fr", ";", ",", "utf-8-sig"),
    "plain": CsvProfile("plain", ",", ".", "utf-8"),
}

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

COLUMNS = (
    "rank", "id", "type", "type_fr", "rdd_code", "severity", "severity_fr", "score", "status",
    "latitude", "longitude", "length_m", "mean_width_mm", "max_width_mm", "area_m2", "diameter_m",
    "uncertainty_pct", "confidence", "section", "photo_count", "photos", "first_seen", "last_seen",
    "score_terms", "notes",
)


def escape_text(value: str) -> str:
    """A text cell made inert for spreadsheets (OWASP: leading ``'`` before a formula trigger)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def format_time(t: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM:SS`` (UTC when the time zone is known), empty when unknown."""
    if t is None:
        return ""
    if t.tzinfo is not None:
        t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%d %H:%M:%S")


class _Num:
    """A number cell (formatted with the profile's decimal mark, never escaped)."""

    def __init__(self, value: float | int | None, digits: int) -> None:
        self.value, self.digits = value, digits

    def render(self, decimal: str) -> str:
        v = self.value
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            return ""
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)
        text = f"{v:.{self.digits}f}"
        return text.replace(".", decimal)


def _row(r: RankedSite, section: str) -> list[object]:
    s = r.site
    m = s.measures
    metric = m.get("metric", 0.0) >= 1.0

    def mv(key: str, factor: float = 1.0, digits: int = 3) -> _Num:
        return _Num(m[key] * factor if metric and key in m else None, digits)

    terms = " + ".join(f"{t.name} {t.points:.1f}" for t in r.terms)
    if r.road_class_factor != 1.0:
        terms = f"({terms}) x {r.road_class_factor:g}"
    sev = Severity(s.severity)
    return [
        _Num(r.rank, 0), s.id, s.kind, FRENCH_NAMES.get(s.kind, s.kind), RDD_CODES.get(s.kind, ""),
        sev.value, FRENCH_SEVERITY[sev], _Num(r.score, 2), s.status.value,
        _Num(s.position.lat if s.position else None, 7), _Num(s.position.lon if s.position else None, 7),
        mv("length_m", digits=2), mv("mean_width_m", 1000.0, 1), mv("max_width_m", 1000.0, 1),
        mv("area_m2", digits=3), mv("diameter_m", digits=2), mv("uncertainty_rel", 100.0, 0),
        _Num(s.confidence, 2), section, _Num(len(s.photo_ids), 0), " | ".join(s.photo_files),
        format_time(s.first_seen), format_time(s.last_seen), terms, s.notes,
    ]


def render_csv(rows: Sequence[Sequence[object]], profile: CsvProfile) -> str:
    """CSV text of ``rows``: numbers with the profile's decimal mark, text cells escaped."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=profile.delimiter, quotechar='"', quoting=csv.QUOTE_MINIMAL,
                        lineterminator="\r\n")
    for row in rows:
        writer.writerow([c.render(profile.decimal) if isinstance(c, _Num) else escape_text(str(c)) for c in row])
    return buf.getvalue()


def sites_csv(mlist: MaintenanceList, profile: str | CsvProfile = "excel-fr") -> bytes:
    """The bytes of ``sites.csv`` (header + one row per site in rank order)."""
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    rows: list[Sequence[object]] = [COLUMNS]
    rows += [_row(r, mlist.site_section.get(r.site.id, "")) for r in mlist.ranked]
    return render_csv(rows, prof).encode(prof.encoding)
