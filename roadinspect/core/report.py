"""``report.html``: a self-contained supervisor's report (one file, images embedded as base64 JPEG).

One block per site in rank order: a crop of the evidence photo around the damage with its outline
drawn over it, the type (with the French catalogue name and RDD code), severity, score and the terms
that make it, measures with their uncertainty, position with an OpenStreetMap link, the photos that
show it and the inspector's notes. A table of road sections with their condition scores follows.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Callable
from datetime import UTC, datetime

import shapely
from PIL import Image, ImageDraw, ImageOps

from roadinspect import __version__
from roadinspect.core.export_csv import format_time
from roadinspect.core.findings import FRENCH_NAMES, FRENCH_SEVERITY, RDD_CODES
from roadinspect.core.geo import osm_url
from roadinspect.core.maintenance import MaintenanceList, ProjectData
from roadinspect.core.priority import RankedSite
from roadinspect.core.sections import FRENCH_RATINGS
from roadinspect.core.text import printable
from roadinspect.core.types import Photo

CROP_MAX_PX = 640
_STYLE = """
body{font-family:Segoe UI,Arial,sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}.site{border:1px solid #ccc;border-radius:6px;padding:1em;margin:1em 0;page-break-inside:avoid}
.site h2{font-size:1.15em;margin:0 0 .5em}.sev-high{color:#b00}.sev-medium{color:#c60}.sev-low{color:#270}
.cols{display:flex;gap:1.5em;flex-wrap:wrap}img{max-width:640px;border:1px solid #999}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
.muted{color:#777}
"""


class ExportCancelled(Exception):
    """The user cancelled an export while the report was being written."""


def _e(value: object) -> str:
    return html.escape(printable(value, keep_newlines=True), quote=True)  # bidi overrides and control characters made visible


def crop_with_overlay(photo: Photo, polygon_wkt: str, max_px: int = CROP_MAX_PX) -> bytes:
    """JPEG bytes of the photo around the polygon (photo pixels), outline and light fill drawn over it."""
    geom = shapely.from_wkt(polygon_wkt)
    with Image.open(photo.path) as img:
        x0, y0, x1, y1 = geom.bounds
        margin = max(48.0, 0.6 * max(x1 - x0, y1 - y0))
        box = (max(0.0, x0 - margin), max(0.0, y0 - margin), x1 + margin, y1 + margin)
        side = max(box[2] - box[0], box[3] - box[1])
        factor = max(1, int(side // max_px))
        # Decode at a reduced size when the crop is much larger than what the report shows.
        img.draft("RGB", (max(1, img.width // factor), max(1, img.height // factor)))
        upright = ImageOps.exif_transpose(img).convert("RGB")
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
    merged.save(out, format="JPEG", quality=82)
    return out.getvalue()


def _image_html(data: ProjectData, r: RankedSite) -> str:
    ev = r.site.evidence
    photo = data.photos.get(ev.photo_id) if ev.photo_id is not None else None
    if photo is None:
        return '<p class="muted">No photo recorded for this finding.</p>'
    try:
        jpeg = crop_with_overlay(photo, ev.polygon_wkt)
    except Exception as exc:  # noqa: BLE001 - any unreadable photo: say so and go on
        return f'<p class="muted">Photo not available: {_e(photo.path)} ({_e(type(exc).__name__)}: {_e(exc)})</p>'
    b64 = base64.b64encode(jpeg).decode("ascii")
    return f'<img alt="{_e(photo.path.name)}" src="data:image/jpeg;base64,{b64}">'


def _measures_html(m: dict[str, float]) -> str:
    rows = []
    metric = m.get("metric", 0.0) >= 1.0
    if metric:
        for key, label, factor, unit, digits in (
            ("length_m", "Length", 1.0, "m", 2), ("mean_width_m", "Mean width", 1000.0, "mm", 0),
            ("max_width_m", "Max width", 1000.0, "mm", 0), ("area_m2", "Area", 1.0, "m²", 2),
            ("diameter_m", "Diameter", 1.0, "m", 2),
        ):
            if key in m:
                rows.append(f"<tr><td>{label}</td><td>{m[key] * factor:.{digits}f} {unit}</td></tr>")
        if "uncertainty_rel" in m:
            rows.append(f"<tr><td>Uncertainty</td><td>± {m['uncertainty_rel'] * 100:.0f} %</td></tr>")
    else:
        rows.append("<tr><td colspan=2>Not measurable on the road (too far or no camera model)</td></tr>")
    for key, label in (("length_px", "Length (pixels)"), ("area_px", "Area (pixels)")):
        if key in m:
            rows.append(f"<tr><td>{label}</td><td>{m[key]:.0f} px</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _site_html(data: ProjectData, mlist: MaintenanceList, r: RankedSite) -> str:
    s = r.site
    sev = s.severity
    terms = "".join(f"<tr><td>{_e(t.name)}</td><td>{t.value:.2f} × {t.weight:g}</td><td>{t.points:.1f}</td>"
                    f"<td>{_e(t.detail)}</td></tr>" for t in r.terms)
    if r.road_class_factor != 1.0:
        terms += f"<tr><td>road class</td><td colspan=3>× {r.road_class_factor:g}</td></tr>"
    if s.position is not None:
        pos = (f'{s.position.lat:.6f}, {s.position.lon:.6f} — '
               f'<a href="{_e(osm_url(s.position))}">OpenStreetMap</a>')
    else:
        pos = "unknown"
    seen = f"{_e(format_time(s.first_seen))} → {_e(format_time(s.last_seen))}" if s.first_seen else ""
    rdd = RDD_CODES.get(s.kind, "")
    return f"""
<div class="site" id="{_e(s.id)}">
<h2>#{r.rank} — {_e(s.id)} — {_e(FRENCH_NAMES.get(s.kind, s.kind))} ({_e(s.kind)}{', ' + rdd if rdd else ''})
 — <span class="sev-{sev.value}">{_e(FRENCH_SEVERITY[sev])} / {sev.value}</span> — score {r.score:.1f}</h2>
<div class="cols"><div>{_image_html(data, r)}</div><div>
<p>Status: {_e(s.status.value)} · confidence {s.confidence:.2f} · section {_e(mlist.site_section.get(s.id, '—'))}</p>
<p>Position: {pos}</p>
{_measures_html(s.measures)}
<p>Score terms:</p><table><tr><th>term</th><th>value × weight</th><th>points</th><th></th></tr>{terms}</table>
<p>Photos ({len(s.photo_files)}): {_e(', '.join(s.photo_files))}<br>{seen}</p>
{f'<p>Notes: {_e(s.notes)}</p>' if s.notes else ''}
</div></div></div>"""


def report_html(
    data: ProjectData, mlist: MaintenanceList, progress: Callable[[int, int], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> bytes:
    """The bytes of ``report.html``; ``progress(done, total)`` is called per site."""
    blocks = []
    total = len(mlist.ranked)
    for i, r in enumerate(mlist.ranked):
        if is_cancelled is not None and is_cancelled():
            raise ExportCancelled("report cancelled")
        blocks.append(_site_html(data, mlist, r))
        if progress is not None:
            progress(i + 1, total)
    sections = "".join(
        f"<tr><td>{_e(sec.id)}</td><td>{sec.start_m:.0f}–{sec.end_m:.0f} m</td><td>{sec.score:.1f}</td>"
        f"<td>{_e(FRENCH_RATINGS[sec.rating])} ({_e(sec.rating)})</td><td>{_e(' '.join(sec.site_ids))}</td></tr>"
        for sec in mlist.sections)
    mean = (sum(s.score for s in mlist.sections) / len(mlist.sections)) if mlist.sections else math.nan
    condition = f", mean condition {mean:.1f}/100" if mlist.sections else ""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    doc = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>RoadInspect — {_e(data.name)}</title>
<style>{_STYLE}</style></head><body>
<h1>Inspection report — {_e(data.name)}</h1>
<p class="muted">RoadInspect {__version__}, {now}. {len(data.photos)} photos, {len(data.findings)} findings,
{total} maintenance sites, {len(mlist.sections)} sections{condition}.</p>
<h2>Maintenance sites in priority order</h2>
{''.join(blocks) if blocks else '<p>No maintenance site.</p>'}
<h2>Road sections</h2>
<table><tr><th>section</th><th>extent</th><th>condition</th><th>rating</th><th>sites</th></tr>{sections}</table>
</body></html>
"""
    return doc.encode("utf-8")
