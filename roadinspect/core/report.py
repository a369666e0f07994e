"""The supervisor's report: ``report.html`` (one self-contained page) and ``report.pdf`` (A4), French or English.

What it shows, in order
-----------------------
1. **At a glance** (the PDF's first page): the survey (dates, km driven, photos, the model that
   analysed them, who reviewed what), the sites counted by type and severity and by review status,
   and the quantities a budget needs (m² of potholes and alligator cracking, m of cracks, by severity).
2. **The map** (:mod:`report_figures`): the track coloured by section condition, the sites as
   numbered symbols, scale bar and north arrow, drawn from the project's own geometry (no network).
3. **The condition profile**: each section's 0-100 score along the route over the rating bands,
   the worst sections named, then the table of sections with their score, rating and sites.
4. **The list**: sites confirmed by an inspector (accepted or corrected) first, then those awaiting
   review, each group in priority order; the first ``top`` (default 50; 0 = all) as cards with the
   photo crop (outline drawn over it), the measures and the terms of the score; the others in a
   compact table. Rejected findings are left out unless ``include_rejected`` (then a table of them).

Everything is computed once (:func:`build_report`: the crops are decoded at a reduced size, resized
and JPEG-encoded once) and written twice: :func:`render_html` here and ``report_pdf.render_pdf``.
Text that comes from outside the program (project, photo and reviewer names, notes) goes through
``text.printable`` (control and bidi characters made visible) and is escaped; in the HTML it is also
isolated in ``<bdi>`` so that right-to-left text shows as written without reordering the page. The
page carries a Content-Security-Policy that allows no script and no external resource.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import shapely
from PIL import Image, ImageDraw, ImageOps

from roadinspect import __version__
from roadinspect.core.findings import CRACK_KINDS, KINDS, RDD_CODES
from roadinspect.core.geo import osm_url
from roadinspect.core.maintenance import MaintenanceList, ProjectData
from roadinspect.core.priority import RankedSite
from roadinspect.core.progress import CancelCheck, Progress
from roadinspect.core.report_figures import RATING_COLORS, Figure, condition_profile, survey_map, to_svg
from roadinspect.core.report_text import Texts
from roadinspect.core.review import reviewed
from roadinspect.core.sections import SectionSettings
from roadinspect.core.sites import time_key
from roadinspect.core.text import printable
from roadinspect.core.types import Finding, Photo, Review, ReviewStatus, Severity

CROP_MAX_PX = 480
"""Longest side of a card's photo crop (pixels): sharp at the printed size (7 cm, about 170 dpi)."""
CROP_QUALITY = 80
DEFAULT_TOP = 50
SEVERITIES = (Severity.LOW, Severity.MEDIUM, Severity.HIGH)
CONFIRMED = (ReviewStatus.ACCEPTED, ReviewStatus.CORRECTED)


class ExportCancelled(Exception):
    """The user cancelled an export while the report was being written."""


@dataclass(frozen=True)
class ReportOptions:
    """How the report is made: language (``fr``/``en``), number of cards (0 = all), rejected findings, and
    the offline base map drawn under the map (an MBTiles or GeoPackage tile file; empty: none)."""

    lang: str = "fr"
    top: int = DEFAULT_TOP
    include_rejected: bool = False
    base_map: str = ""

    def __post_init__(self) -> None:
        Texts(self.lang)  # raises on an unknown language
        if not isinstance(self.top, int) or self.top < 0:
            raise ValueError(f"report top must be a whole number >= 0 (0 = all sites as cards), got {self.top!r}")


@dataclass(frozen=True)
class Crop:
    """A card's image: JPEG bytes and the photo's name, or the reason there is none."""

    jpeg: bytes | None
    photo_name: str
    error: str = ""


@dataclass
class Summary:
    """The first page's figures."""

    first: datetime | None
    last: datetime | None
    km: float
    photos: int
    located: int
    analysed: int
    models: dict[str, int]
    reviewers: list[tuple[str, Counter[str]]]
    pending_findings: int
    rejected_findings: int
    by_type: dict[str, Counter[Severity]]
    by_status: Counter[str]
    quantities: dict[str, dict[Severity, float]]
    unmeasured: int
    mean_condition: float | None


@dataclass
class ReportContent:
    """Everything the HTML and the PDF show, computed once."""

    t: Texts
    data: ProjectData
    mlist: MaintenanceList
    options: ReportOptions
    summary: Summary
    ordered: list[RankedSite]
    cards: list[RankedSite]
    rest: list[RankedSite]
    crops: dict[str, Crop]
    map: Figure | None
    profile: Figure | None
    rejected: list[tuple[Finding, Review]] = field(default_factory=list)
    generated: datetime = field(default_factory=lambda: datetime.now().astimezone())
    make_map: Callable[[float], Figure | None] | None = None
    """The map drawn again at another width (points): the PDF's map keeps its text size when narrower."""

    @property
    def title(self) -> str:
        return self.t("title")


# ----------------------------------------------------------------------------- crops
def _crop_box(geom: shapely.Geometry, max_px: int) -> tuple[tuple[float, float, float, float], int]:
    """The crop's box around ``geom`` (photo pixels) and the decoding reduction it allows."""
    x0, y0, x1, y1 = geom.bounds
    margin = max(48.0, 0.6 * max(x1 - x0, y1 - y0))
    box = (max(0.0, x0 - margin), max(0.0, y0 - margin), x1 + margin, y1 + margin)
    side = max(box[2] - box[0], box[3] - box[1])
    # Decode at a reduced size (JPEG: 1/2, 1/4, 1/8) when the crop is larger than what the report shows;
    # down to 3/4 of max_px: a card shows the crop about 360 px wide on screen and 62 mm wide on paper.
    return box, max(1, int(side // (0.75 * max_px)))


def _decode_upright(photo: Photo, factor: int) -> Image.Image:
    """The photo decoded at about 1/``factor`` of its size (JPEG draft), upright, RGB."""
    with Image.open(photo.path) as img:
        img.draft("RGB", (max(1, img.width // factor), max(1, img.height // factor)))
        return ImageOps.exif_transpose(img).convert("RGB")


def _draw_crop(upright: Image.Image, photo: Photo, geom: shapely.Geometry, box: tuple[float, float, float, float],
               max_px: int, quality: int) -> bytes:
    k = upright.width / max(photo.width, 1)
    box_k = tuple(int(round(v * k)) for v in box)
    box_k = (box_k[0], box_k[1], min(upright.width, box_k[2]), min(upright.height, box_k[3]))
    crop = upright.crop(box_k)
    overlay = Image.new("RGBA", crop.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type != "Polygon":
            continue
        pts = [((x * k) - box_k[0], (y * k) - box_k[1]) for x, y in part.exterior.coords]
        draw.polygon(pts, fill=(255, 40, 40, 70), outline=(255, 0, 0, 255), width=max(2, crop.width // 200))
    merged = Image.alpha_composite(crop.convert("RGBA"), overlay).convert("RGB")
    merged.thumbnail((max_px, max_px))
    out = io.BytesIO()
    merged.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def crop_with_overlay(photo: Photo, polygon_wkt: str, max_px: int = CROP_MAX_PX, quality: int = CROP_QUALITY) -> bytes:
    """JPEG bytes of the photo around the polygon (photo pixels), outline and light fill drawn over it."""
    return crops_with_overlay(photo, [polygon_wkt], max_px, quality)[0]


def crops_with_overlay(photo: Photo, polygons_wkt: list[str], max_px: int = CROP_MAX_PX,
                       quality: int = CROP_QUALITY) -> list[bytes]:
    """:func:`crop_with_overlay` for several findings of one photo, decoded once (at the finest size any needs)."""
    geoms = [shapely.from_wkt(w) for w in polygons_wkt]
    boxes = [_crop_box(g, max_px) for g in geoms]
    upright = _decode_upright(photo, min(factor for _, factor in boxes))
    return [_draw_crop(upright, photo, g, box, max_px, quality) for g, (box, _) in zip(geoms, boxes, strict=True)]


def _crops(data: ProjectData, group: list[RankedSite], t: Texts) -> list[Crop]:
    """The cards' crops of sites whose evidence is on one photo (the photo decoded once)."""
    ev = group[0].site.evidence
    pid = ev.photo_id
    photo = data.photos.get(pid) if pid is not None else None
    if pid is None or photo is None:
        return [Crop(None, "", t("no_photo"))] * len(group)
    if pid in data.changed:  # the file holds another photo now: never draw the finding over it
        return [Crop(None, photo.path.name,
                     f"{t('photo_missing', name=str(photo.path))} ({data.changed[pid]})")] * len(group)
    try:
        jpegs = crops_with_overlay(photo, [r.site.evidence.polygon_wkt for r in group])
    except Exception as exc:  # noqa: BLE001 - any unreadable photo: say so and go on
        return [Crop(None, photo.path.name,
                     f"{t('photo_missing', name=str(photo.path))} ({type(exc).__name__}: {exc})")] * len(group)
    return [Crop(jpeg, photo.path.name) for jpeg in jpegs]


# ----------------------------------------------------------------------------- content
def order_sites(ranked: list[RankedSite]) -> list[RankedSite]:
    """Sites confirmed by an inspector first, then the others, each group in rank order."""
    return sorted(ranked, key=lambda r: (r.site.status not in CONFIRMED, r.rank))


def _summary(data: ProjectData, mlist: MaintenanceList) -> Summary:
    times = [p.taken_at for p in data.photos.values() if p.taken_at is not None]
    times.sort(key=time_key)
    reviewers: dict[str, Counter[str]] = {}
    pending = rejected = 0
    for f in data.findings:
        review = data.reviews.get(f.id) if f.id is not None else None
        if review is None or review.status == ReviewStatus.PENDING:
            pending += 1
            continue
        reviewers.setdefault(review.reviewer.strip(), Counter())[review.status.value] += 1
        rejected += review.status == ReviewStatus.REJECTED
    by_type: dict[str, Counter[Severity]] = {}
    by_status: Counter[str] = Counter()
    quantities: dict[str, dict[Severity, float]] = {k: dict.fromkeys(SEVERITIES, 0.0)
                                                     for k in ("pothole", "alligator", "cracks")}
    unmeasured = 0
    for r in mlist.ranked:
        s = r.site
        sev = Severity(s.severity)
        by_type.setdefault(s.kind, Counter())[sev] += 1
        by_status[s.status.value] += 1
        m = s.measures
        if m.get("metric", 0.0) < 1.0:
            unmeasured += 1
        elif s.kind in ("pothole", "alligator") and "area_m2" in m:
            quantities[s.kind][sev] += m["area_m2"]
        elif s.kind in CRACK_KINDS and "length_m" in m:
            quantities["cracks"][sev] += m["length_m"]
        else:
            unmeasured += 1
    secs = mlist.sections
    return Summary(
        first=times[0] if times else None, last=times[-1] if times else None,
        km=sum(s.length_m for s in secs) / 1000.0, photos=len(data.photos),
        located=sum(p.position is not None for p in data.photos.values()),
        analysed=sum(data.models.values()), models=dict(data.models),
        reviewers=sorted(reviewers.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])),
        pending_findings=pending, rejected_findings=rejected,
        by_type={k: by_type[k] for k in KINDS if k in by_type}, by_status=by_status,
        quantities=quantities, unmeasured=unmeasured,
        mean_condition=(sum(s.score for s in secs) / len(secs)) if secs else None,
    )


def build_report(
    data: ProjectData, mlist: MaintenanceList, options: ReportOptions = ReportOptions(),
    progress: Progress | None = None, is_cancelled: CancelCheck | None = None,
    section_settings: SectionSettings | None = None,
) -> ReportContent:
    """Everything the report shows; ``progress(done, total)`` counts the card crops."""
    t = Texts(options.lang)
    ordered = order_sites(mlist.ranked)
    n_cards = len(ordered) if options.top == 0 else min(options.top, len(ordered))
    cards, rest = ordered[:n_cards], ordered[n_cards:]
    numbered = {r.site.id for r in cards[:99]}
    gap = (section_settings or SectionSettings()).max_gap_m
    photos = list(data.photos.values())

    def make_map(width: float) -> Figure | None:
        return survey_map(photos, mlist.sections, mlist.ranked, numbered, t, width=width, max_gap_m=gap,
                          base_map=options.base_map or None)

    crops: dict[str, Crop] = {}
    # Decoding the photos dominates: each photo is decoded once for all its cards (several sites are often
    # on one photo); Pillow releases the GIL while it decodes, so threads overlap the photos, and the
    # figures and the summary are made meanwhile on this thread.
    by_photo: dict[int | None, list[RankedSite]] = {}
    for r in cards:
        by_photo.setdefault(r.site.evidence.photo_id, []).append(r)
    groups = [g for pid, g in by_photo.items() if pid is not None] + [[r] for r in by_photo.get(None, [])]
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        pending = [(group, pool.submit(_crops, data, group, t)) for group in groups]
        try:
            rejected: list[tuple[Finding, Review]] = []
            if options.include_rejected:
                for f in data.findings:
                    review = data.reviews.get(f.id) if f.id is not None else None
                    if review is not None and review.status == ReviewStatus.REJECTED:
                        rejected.append((f, review))
            summary, the_map, profile = _summary(data, mlist), make_map(520.0), condition_profile(mlist.sections, t)
            for group, future in pending:
                if is_cancelled is not None and is_cancelled():
                    raise ExportCancelled("report cancelled")
                crops.update(zip((r.site.id for r in group), future.result(), strict=True))
                if progress is not None:
                    progress(len(crops), len(cards))
        finally:
            for _, future in pending:
                future.cancel()
    return ReportContent(
        t=t, data=data, mlist=mlist, options=options, summary=summary, ordered=ordered, cards=cards,
        rest=rest, crops=crops, rejected=rejected, map=the_map, profile=profile, make_map=make_map,
    )


# ----------------------------------------------------------------------------- shared pieces (HTML and PDF)
def user_text(value: object) -> str:
    """Text from outside the program, control and bidi characters made visible (not yet escaped)."""
    return printable(value, keep_newlines=True)


def position_text(t: Texts, lat: float, lon: float) -> str:
    """``47,200000 ; -1,550000`` (French) or ``47.200000, -1.550000``."""
    sep = " ; " if t.lang == "fr" else ", "
    return f"{t.num(lat, 6)}{sep}{t.num(lon, 6)}"


def kind_label(t: Texts, kind: str) -> str:
    """A type's name with its RDD code (``nid de poule (D40)``)."""
    code = RDD_CODES.get(kind, "")
    return f"{t.kind(kind)} ({code})" if code else t.kind(kind)


def measure_rows(t: Texts, m: dict[str, float]) -> list[tuple[str, str]]:
    """(label, value) rows of a site's measures in the report's language."""
    rows = []
    if m.get("metric", 0.0) >= 1.0:
        for key, label, factor, unit, digits in (
            ("length_m", "length", 1.0, "m", 2), ("mean_width_m", "mean_width", 1000.0, "mm", 0),
            ("max_width_m", "max_width", 1000.0, "mm", 0), ("area_m2", "area", 1.0, "m²", 2),
            ("diameter_m", "diameter", 1.0, "m", 2),
        ):
            if key in m:
                rows.append((t(label), t.unit(m[key] * factor, unit, digits)))
        if "uncertainty_rel" in m:
            rows.append((t("uncertainty"), "± " + t.pct(m["uncertainty_rel"])))
    else:
        rows.append((t("not_measurable"), ""))
    return rows


def term_rows(t: Texts, r: RankedSite) -> list[tuple[str, str, str, str]]:
    """(term, value x weight, points, detail) rows of a site's score, details in the report's language."""
    s = r.site
    m = s.measures
    rows = []
    for term in r.terms:
        if term.name == "severity":
            detail = t.severity(s.severity)
        elif term.name == "type":
            detail = t.kind(s.kind)
        elif term.name == "confidence":
            detail = t("confirmed") if s.status in CONFIRMED else t("model_conf", value=t.num(s.confidence, 2))
        elif m.get("metric", 0.0) >= 1.0 and s.kind in ("pothole", "alligator") and "area_m2" in m:
            detail = t.unit(m["area_m2"], "m²", 2)
        elif m.get("metric", 0.0) >= 1.0 and "length_m" in m:
            detail = t.unit(m["length_m"], "m", 2)
        else:
            detail = t("of_image", value=t.pct(m.get("size_rel", 0.0)))
        name = t(f"t_{term.name}") if f"t_{term.name}" in _TERM_KEYS else term.name
        rows.append((name, f"{t.num(term.value, 2)} × {t.num(term.weight, 0)}", t.num(term.points, 1), detail))
    if r.road_class_factor != 1.0:
        rows.append((t("road_class"), f"× {t.num(r.road_class_factor, 2)}", "", ""))
    return rows


_TERM_KEYS = {"t_severity", "t_type", "t_extent", "t_confidence"}


def summary_tables(c: ReportContent) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The first page's tables as (header, rows) of plain text: type x severity, status, quantities."""
    t, s = c.t, c.summary
    sev_head = [t.severity(v) for v in SEVERITIES]
    by_type = [[kind_label(t, k), *(t.int(cnt[v]) for v in SEVERITIES), t.int(sum(cnt.values()))]
               for k, cnt in s.by_type.items()]
    if by_type:
        totals = [sum(cnt[v] for cnt in s.by_type.values()) for v in SEVERITIES]
        by_type.append([t("total"), *(t.int(v) for v in totals), t.int(sum(totals))])
    status = [[t.status(k), t.int(s.by_status[k])] for k in ("accepted", "corrected", "pending") if s.by_status[k]]
    quantities = []
    for key, label, unit, digits in (("pothole", "q_pothole", "m²", 2), ("alligator", "q_alligator", "m²", 1),
                                     ("cracks", "q_cracks", "m", 1)):
        q = s.quantities[key]
        quantities.append([t(label), *(t.unit(q[v], unit, digits) for v in SEVERITIES),
                           t.unit(sum(q.values()), unit, digits)])
    return {
        "by_type": ([t("type"), *sev_head, t("total")], by_type),
        "by_status": ([t("status"), t("sites")], status),
        "totals": ([t("quantity"), *sev_head, t("total")], quantities),
    }


def survey_rows(c: ReportContent) -> list[tuple[str, str]]:
    """(label, value) rows describing the survey; values may hold user text (reviewer names)."""
    t, s = c.t, c.summary
    models = ", ".join(f"{user_text(name)} ({t.int(n)})" for name, n in s.models.items()) or t("model_none")
    reviews = []
    for who, counts in s.reviewers:
        detail = ", ".join(f"{t.int(counts[k])} {t(k if k != 'rejected' else 'rejected_s')}"
                           for k in ("accepted", "corrected", "rejected") if counts[k])
        reviews.append(t("review_by", who=user_text(who) or t("unknown_reviewer"), n=t.int(sum(counts.values())),
                         detail=detail))
    if len(reviews) > 12:  # a handful of inspectors is the rule; a long list would not fit a page
        reviews = [*reviews[:11], t("more_reviewers", n=t.int(len(reviews) - 11))]
    if s.pending_findings:
        reviews.append(t("findings_pending", n=t.int(s.pending_findings)))
    return [
        (t("dates"), t.date_span(s.first, s.last)),
        (t("distance"), t.unit(s.km, "km", 1)),
        (t("photos"), t("photos_detail", n=t.int(s.photos), located=t.int(s.located), analysed=t.int(s.analysed))),
        (t("model"), models),
        (t("reviewers"), "\n".join(reviews) or t("review_none")),
    ]


def kpis(c: ReportContent) -> list[tuple[str, str]]:
    """The big numbers at the top: (value, label)."""
    t, s = c.t, c.summary
    out = [(t.int(c.mlist.site_count), t("sites_count")), (t.unit(s.km, "km", 1), t("distance")),
           (t.int(s.photos), t("photos"))]
    if s.mean_condition is not None:
        out.append((f"{t.num(s.mean_condition, 0)}/100", t("mean_kpi")))
    return out


# ----------------------------------------------------------------------------- HTML
_CSS = """
:root{--ink:#1f2328;--muted:#5f6670;--line:#d0d4d9}
*{box-sizing:border-box}
body{font-family:"Segoe UI",Arial,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1100px;padding:1.5em;
color:var(--ink);
line-height:1.35}
h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.3em;border-bottom:2px solid var(--ink);padding-bottom:.15em;
margin:1.6em 0 .6em}h3{font-size:1.05em;margin:.2em 0 .5em}
.muted{color:var(--muted)}.small{font-size:.88em}
.kpis{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}.kpi{border:1px solid var(--line);border-radius:8px;
padding:.5em 1em;min-width:9em}.kpi b{display:block;font-size:1.7em}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1em 2em;align-items:start}
table{border-collapse:collapse;font-size:.92em}td,th{border:1px solid var(--line);padding:3px 7px;text-align:left;
vertical-align:top}th{background:#f2f4f6}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
table.facts th{width:9em}.pre{white-space:pre-line}
svg.figure{width:100%;height:auto;display:block;border-radius:4px}svg.map{max-width:760px;margin:0 auto}
.swatch{display:inline-block;width:.9em;height:.9em;border:1px solid #777;vertical-align:-.1em;margin-right:.25em}
.card{border:1px solid var(--line);border-radius:8px;padding:.8em 1em;margin:1em 0;break-inside:avoid}
.card .cols{display:flex;gap:1.2em;flex-wrap:wrap}.card img{width:360px;max-width:100%;border:1px solid #999}
.rank{display:inline-block;min-width:1.8em;text-align:center;background:var(--ink);color:#fff;border-radius:1em;
padding:0 .4em;margin-right:.3em}
.sev-high{color:#b00000;font-weight:bold}.sev-medium{color:#b35900;font-weight:bold}.sev-low{color:#5b6b00}
.status-pending{color:var(--muted)}
table.list tbody{content-visibility:auto;contain-intrinsic-size:auto 9000px}
.clean{font-size:1.2em;padding:1em;border:2px solid #1a9850;border-radius:8px;background:#eef8f0}
@media print{body{max-width:none;padding:0}@page{size:A4;margin:14mm}h2{break-after:avoid}.card{break-inside:avoid}}
"""


def _e(value: object) -> str:
    """Escaped text (already made printable where it comes from outside)."""
    return html.escape(str(value), quote=True)


def _u(value: object) -> str:
    """User text: printable, escaped and isolated from the page's direction."""
    return f"<bdi>{_e(user_text(value))}</bdi>"


def _table(header: list[str], rows: list[list[str]], numeric_from: int = 1, css: str = "") -> str:
    head = "".join(f'<th class="n">{_e(h)}</th>' if i >= numeric_from else f"<th>{_e(h)}</th>"
                   for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f'<td class="n">{_e(v)}</td>' if i >= numeric_from else f"<td>{_e(v)}</td>"
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _glance_html(c: ReportContent) -> str:
    t = c.t
    kp = "".join(f'<div class="kpi"><b>{_e(v)}</b>{_e(label)}</div>' for v, label in kpis(c))
    facts = "".join(f'<tr><th>{_e(k)}</th><td class="pre">{_e(v)}</td></tr>' for k, v in survey_rows(c))
    tables = summary_tables(c)
    parts = [f'<section id="glance"><h2>{_e(t("glance"))}</h2><div class="kpis">{kp}</div><div class="grid">'
             f'<div><h3>{_e(t("survey"))}</h3><table class="facts">{facts}</table></div>']
    if c.mlist.site_count:
        for key in ("by_type", "by_status", "totals"):
            head, rows = tables[key]
            parts.append(f"<div><h3>{_e(t(key))}</h3>{_table(head, rows)}</div>")
    parts.append("</div>")
    if not c.mlist.site_count:
        parts.append(f'<p class="clean">{_e(clean_text(c))}</p>')
    if c.summary.unmeasured:
        parts.append(f'<p class="muted small">{_e(t("unmeasured", n=t.int(c.summary.unmeasured)))}</p>')
    if c.summary.rejected_findings and not c.options.include_rejected:
        parts.append(f'<p class="muted small">{_e(t("rejected_count", n=t.int(c.summary.rejected_findings)))}</p>')
    parts.append("</section>")
    return "".join(parts)


def _map_html(c: ReportContent) -> str:
    t = c.t
    if c.map is None:
        return f'<section id="map"><h2>{_e(t("map"))}</h2><p class="no-map">{_e(t("no_map"))}</p></section>'
    return (f'<section id="map"><h2>{_e(t("map"))}</h2>{to_svg(c.map, "figure map")}'
            + "".join(f'<p class="muted small">{_u(line)}</p>' for line in map_notes(c)) + "</section>")


def map_notes(c: ReportContent) -> list[str]:
    """The lines under the map: the legend, then the base map's credit or why it is not drawn."""
    t, fig = c.t, c.map
    lines = [t("map_legend")]
    name = Path(c.options.base_map).name
    if fig is not None and fig.credit:
        lines.append(t("base_map_credit", credit=fig.credit, name=name))
    elif fig is not None and fig.note:
        lines.append(t("base_map_unused", reason=fig.note))
    return lines


def _sections_rows(c: ReportContent) -> list[list[str]]:
    t = c.t
    return [[s.id, f"{t.num(s.start_m, 0)}–{t.num(s.end_m, 0)} m", t.num(s.score, 1), t.rating(s.rating),
             " ".join(s.site_ids) or "—"] for s in c.mlist.sections]


def clean_text(c: ReportContent) -> str:
    """The sentence of a survey without any site (sections all at 100 when there are any)."""
    t = c.t
    n = len(c.mlist.sections)
    return t("clean") + (" " + t("clean_sections", n=t.int(n)) if n else "")


def _profile_html(c: ReportContent) -> str:
    t = c.t
    if not c.mlist.site_count and c.mlist.sections:
        return ""  # a clean road: every section scores 100, the glance says so
    out = [f'<section id="profile"><h2>{_e(t("profile"))}</h2>']
    if c.profile is None:
        out.append(f'<p class="no-profile">{_e(t("no_profile"))}</p>')
    else:
        out.append(to_svg(c.profile, "figure profile"))
        out.append(f'<p class="muted small">{_e(t("profile_legend"))}</p>')
        mean = c.summary.mean_condition or 0.0
        mean_text = t("mean_condition", n=t.int(len(c.mlist.sections)), mean=t.num(mean))
        out.append(f'<h3>{_e(t("sections"))} — {_e(mean_text)}</h3>')
        rows = "".join(
            f'<tr><td>{_e(r[0])}</td><td>{_e(r[1])}</td><td class="n">{_e(r[2])}</td><td><span class="swatch" '
            f'style="background:{RATING_COLORS[s.rating]}"></span>{_e(r[3])}</td><td>{_e(r[4])}</td></tr>'
            for r, s in zip(_sections_rows(c), c.mlist.sections, strict=True))
        out.append(f'<table class="sections"><thead><tr><th>{_e(t("section"))}</th><th>{_e(t("extent"))}</th>'
                   f'<th class="n">{_e(t("score"))}</th><th>{_e(t("rating"))}</th><th>{_e(t("sites"))}</th></tr>'
                   f'</thead><tbody>{rows}</tbody></table>')
    out.append("</section>")
    return "".join(out)


def _card_html(c: ReportContent, r: RankedSite) -> str:
    t, s = c.t, r.site
    crop = c.crops.get(s.id)
    if crop is not None and crop.jpeg is not None:
        b64 = base64.b64encode(crop.jpeg).decode("ascii")
        image = f'<img alt="{_e(user_text(crop.photo_name))}" src="data:image/jpeg;base64,{b64}">'
    else:
        image = f'<p class="muted">{_u(crop.error if crop else t("no_photo"))}</p>'
    sev = Severity(s.severity)
    if s.position is not None:
        pos = (f'{_e(position_text(t, s.position.lat, s.position.lon))} — '
               f'<a href="{_e(osm_url(s.position))}">OpenStreetMap</a>')
    else:
        pos = _e(t("unknown_position"))
    measures = "".join(f"<tr><td>{_e(a)}</td><td>{_e(b)}</td></tr>" for a, b in measure_rows(t, s.measures))
    terms = "".join(f'<tr><td>{_e(a)}</td><td class="n">{_e(b)}</td><td class="n">{_e(p)}</td><td>{_e(d)}</td></tr>'
                    for a, b, p, d in term_rows(t, r))
    seen = ""
    if s.first_seen is not None:
        seen = f"<br>{_e(t.datetime(s.first_seen))} → {_e(t.datetime(s.last_seen))}"
    photos = ", ".join(_u(name) for name in s.photo_files)
    colon = "\u00a0:" if t.lang == "fr" else ":"
    notes = f'<p><b>{_e(t("notes"))}</b>{colon} <span class="note pre">{_u(s.notes)}</span></p>' if s.notes else ""
    section = c.mlist.site_section.get(s.id, "—")
    return f"""<article class="card" id="{_e(s.id)}">
<h3><span class="rank">{r.rank}</span>{_e(kind_label(t, s.kind))} — {_e(s.id)} — <span class="sev-{sev.value}">{
_e(t.severity(sev))}</span> — {_e(t("score"))} {_e(t.num(r.score, 1))}</h3>
<div class="cols"><div>{image}</div><div>
<p><span class="status-{s.status.value}">{_e(t("status"))}{colon} {_e(t.status(s.status.value))}</span> · {
_e(t("confidence"))} {_e(t.num(s.confidence, 2))} · {_e(t("section_of_site"))} {_e(section)}</p>
<p>{_e(t("position"))}{colon} {pos}</p>
<table class="measures">{measures}</table>
<p class="small"><b>{_e(t("score_terms"))}</b></p><table class="terms small">{terms}</table>
<p class="small">{_e(t("photos_of_site"))} ({len(s.photo_files)}){colon} {photos}{seen}</p>
{notes}</div></div></article>"""


def rest_row(c: ReportContent, r: RankedSite) -> list[str]:
    """A compact-table row (plain text; notes and photo names made printable, not escaped)."""
    t, s = c.t, r.site
    pos = position_text(t, s.position.lat, s.position.lon) if s.position is not None else "—"
    return [str(r.rank), s.id, t.kind(s.kind), t.severity(s.severity), t.num(r.score, 1), t.status(s.status.value),
            c.mlist.site_section.get(s.id, "—"), pos, user_text(s.photo_files[0]) if s.photo_files else "—",
            user_text(s.notes)]


def rest_header(t: Texts) -> list[str]:
    return [t("rank"), t("site"), t("type"), t("severity"), t("score"), t("status"), t("section"), t("position"),
            t("photo"), t("notes")]


def _rest_html(c: ReportContent) -> str:
    t = c.t
    head = "".join(f"<th>{_e(h)}</th>" for h in rest_header(t))
    bodies = []
    for start in range(0, len(c.rest), 500):
        rows = []
        for r in c.rest[start:start + 500]:
            v = rest_row(c, r)
            rows.append(f'<tr id="{_e(v[1])}"><td class="n">{v[0]}</td><td>{_e(v[1])}</td><td>{_e(v[2])}</td>'
                        f'<td class="sev-{Severity(r.site.severity).value}">{_e(v[3])}</td>'
                        f'<td class="n">{_e(v[4])}</td>'
                        f'<td>{_e(v[5])}</td><td>{_e(v[6])}</td><td>{_e(v[7])}</td><td><bdi>{_e(v[8])}</bdi></td>'
                        f'<td><bdi>{_e(v[9])}</bdi></td></tr>')
        bodies.append("<tbody>" + "".join(rows) + "</tbody>")
    return (f'<h3 id="rest">{_e(t("rest"))} ({t.int(len(c.rest))})</h3>'
            f'<table class="list small"><thead><tr>{head}</tr></thead>{"".join(bodies)}</table>')


def rejected_rows(c: ReportContent) -> list[list[str]]:
    """Rows of the rejected findings table (plain text)."""
    t = c.t
    out = []
    for f, review in c.rejected:
        photo = c.data.photos.get(f.photo_id) if f.photo_id is not None else None
        kind = reviewed(f, review).kind  # as corrected, as everywhere a rejected finding is shown (core/review.py)
        out.append([str(f.id), user_text(photo.path.name) if photo else "—", t.kind(kind), t.num(f.confidence, 2),
                    user_text(review.reviewer) or t("unknown_reviewer"), user_text(review.note)])
    return out


def rejected_header(t: Texts) -> list[str]:
    return [t("finding"), t("photo"), t("type"), t("confidence"), t("reviewer"), t("notes")]


def _list_html(c: ReportContent) -> str:
    t = c.t
    if not c.ordered:
        return ""
    intro = t("list_intro", n=t.int(len(c.cards))) if c.rest else t("list_intro_all")
    parts = [f'<section id="sites"><h2>{_e(t("list"))}</h2><p class="muted small">{_e(intro)}</p>']
    parts += [_card_html(c, r) for r in c.cards]
    if c.rest:
        parts.append(_rest_html(c))
    parts.append("</section>")
    return "".join(parts)


def _rejected_html(c: ReportContent) -> str:
    if not c.options.include_rejected:
        return ""
    t = c.t
    rows = "".join("<tr>" + "".join(f"<td><bdi>{_e(v)}</bdi></td>" for v in row) + "</tr>" for row in rejected_rows(c))
    head = "".join(f"<th>{_e(h)}</th>" for h in rejected_header(t))
    return (f'<section id="rejected"><h2>{_e(t("rejected"))} ({t.int(len(c.rejected))})</h2>'
            f'<p class="muted small">{_e(t("rejected_intro"))}</p>'
            f'<table class="small"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>')


def render_html(c: ReportContent) -> bytes:
    """The bytes of ``report.html``."""
    t = c.t
    name = user_text(c.data.name)
    title = f"{t('title')} — {name}" if name else t("title")
    generated = t("generated", date=t.datetime(c.generated), version=__version__)
    heading_name = f" — <bdi>{_e(name)}</bdi>" if name else ""
    doc = f"""<!DOCTYPE html>
<html lang="{t.lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{_CSS}</style></head><body>
<header><h1>{_e(t("title"))}{heading_name}</h1><p class="muted">{_e(generated)}</p></header>
{_glance_html(c)}
{_map_html(c)}
{_profile_html(c)}
{_list_html(c)}
{_rejected_html(c)}
<footer><h2>{_e(t("method"))}</h2><p class="muted small">{_e(t("method_text"))}</p></footer>
</body></html>
"""
    return doc.encode("utf-8")


def report_html(
    data: ProjectData, mlist: MaintenanceList, progress: Progress | None = None,
    is_cancelled: CancelCheck | None = None, options: ReportOptions = ReportOptions(),
) -> bytes:
    """The bytes of ``report.html`` (builds the content; use :func:`build_report` to write the PDF too)."""
    return render_html(build_report(data, mlist, options, progress, is_cancelled))
