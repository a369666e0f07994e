"""The report's map of the survey and condition profile, drawn once as vector shapes, written as SVG and PDF.

A figure is a list of shapes (lines, polygons, rectangles, circles, text) in points with y down;
:func:`to_svg` writes it into the HTML report and :func:`to_drawing` turns the very same shapes into
a ReportLab drawing for the PDF, so the page and the paper show the same picture, both as vectors.

The map
-------
Positions are projected into the project's local metric plane (``geo.MetricFrame``: Lambert
azimuthal equal-area centred on the survey, so one scale holds in both directions and north is
up at the centre). The whole track is drawn in grey (runs split where the drive jumps, as the
sections do), each section over it in the colour of its rating, then the sites: a circle for a
pothole, a diamond for a crack, filled by severity; the sites shown as cards carry their priority
rank. A scale bar (1, 2 or 5 x 10^n metres, at most a quarter of the width) and a north arrow
complete it. No network: with an offline base map configured (an MBTiles or GeoPackage tile file),
its tiles are reprojected into the map's plane as one picture under everything
(:mod:`report_basemap`), credited in the corner with the file's attribution; a file that cannot be
used leaves the plain background and the figure's ``note`` says why.

The profile
-----------
Each section's 0-100 score is drawn as a step over its extent along the route (runs laid end to
end, a dashed line where the drive jumped), over the rating bands of ``sections.RATINGS`` shaded
from green to dark red; the worst sections (lowest scores under 100) are named.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from roadinspect.core.geo import MetricFrame
from roadinspect.core.priority import RankedSite
from roadinspect.core.report_basemap import BaseMapError, render_base_map
from roadinspect.core.report_text import Texts
from roadinspect.core.sections import RATINGS, Section, SectionSettings, track_runs
from roadinspect.core.text import printable
from roadinspect.core.types import Photo, Severity

RATING_COLORS = {"good": "#1a9850", "satisfactory": "#91cf60", "fair": "#d9ef8b", "poor": "#fee08b",
                 "very poor": "#fc8d59", "serious": "#d73027", "failed": "#7f0000"}
SEVERITY_COLORS = {Severity.LOW: "#fdd835", Severity.MEDIUM: "#fb8c00", Severity.HIGH: "#d50000"}
TRACK_COLOR = "#9e9e9e"
INK = "#222222"


@dataclass(frozen=True)
class Line:
    points: tuple[tuple[float, float], ...]
    stroke: str = INK
    width: float = 1.0
    dash: tuple[float, ...] = ()


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    fill: str = INK
    stroke: str | None = None
    width: float = 0.5


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str | None = None
    stroke: str | None = None
    width: float = 0.5
    opacity: float = 1.0


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str = INK
    stroke: str | None = INK
    width: float = 0.5


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 8.0
    anchor: str = "start"  # start, middle, end
    fill: str = INK
    bold: bool = False


@dataclass(frozen=True)
class Picture:
    """A JPEG picture stretched over a box (the base map); drawn under every other shape."""

    x: float
    y: float
    w: float
    h: float
    jpeg: bytes


Shape = Line | Polygon | Rect | Circle | Text | Picture


@dataclass
class Figure:
    """Shapes in a ``width`` x ``height`` point box (y down); ``label`` is its accessible name."""

    width: float
    height: float
    label: str
    texts: Texts
    shapes: list[Shape] = field(default_factory=list)
    credit: str = ""
    """The base map's attribution (empty without a base map)."""
    note: str = ""
    """Why a configured base map is not drawn (one line), else empty."""

    def add(self, shape: Shape) -> None:
        self.shapes.append(shape)


# ----------------------------------------------------------------------------- the map
def nice_length(max_m: float) -> float:
    """The largest 1, 2 or 5 x 10^n metres not above ``max_m`` (at least 1 m)."""
    if not max_m >= 1.0:
        return 1.0
    exp = 10.0 ** math.floor(math.log10(max_m))
    return max(m * exp for m in (1.0, 2.0, 5.0) if m * exp <= max_m)


def _distance_text(metres: float, t: Texts) -> str:
    if metres >= 1000.0:
        km = metres / 1000.0
        return t.unit(km, "km", 0 if km == int(km) else 1)
    return t.unit(metres, "m", 0)


def survey_map(photos: Sequence[Photo], sections: Sequence[Section], sites: Sequence[RankedSite],
               numbered: set[str], t: Texts, width: float = 520.0, height: float = 0.0,
               max_gap_m: float = SectionSettings().max_gap_m, base_map: str | Path | None = None) -> Figure | None:
    """The map figure, or None when nothing has a position (``height`` 0: from the survey's shape).

    ``base_map``: an MBTiles or GeoPackage tile file drawn under the track (see :mod:`report_basemap`)."""
    located = [p for p in photos if p.position is not None]
    site_pos = [r for r in sites if r.site.position is not None]
    frame = MetricFrame.around([p.position for p in located if p.position is not None]
                               + [r.site.position for r in site_pos if r.site.position is not None])
    if frame is None:
        return None
    runs = track_runs(located, max_gap_m, frame)
    sec_xy = [frame.to_xy(list(s.line)) for s in sections]
    sxy = (frame.to_xy([pos for r in site_pos if (pos := r.site.position) is not None]) if site_pos
           else np.zeros((0, 2)))
    allxy = np.vstack([*runs, *sec_xy, sxy]) if (runs or sec_xy or len(sxy)) else np.zeros((1, 2))
    lo, hi = allxy.min(axis=0), allxy.max(axis=0)
    span = np.maximum(hi - lo, 20.0)  # at least 20 m across, so one photo still makes a readable map
    centre = (lo + hi) / 2.0
    margin = 18.0
    if height <= 0:  # follow the survey's shape: from 40 % to 80 % of the width
        height = float(np.clip((width - 2 * margin) * span[1] / span[0] + 2 * margin + 18.0, 0.4 * width, 0.8 * width))
    narrow = width < 480.0  # the legend takes two rows of ratings and a row per symbol
    legend_h = 58.0 if narrow else 34.0
    full_height, height = height + legend_h, height
    scale = min((width - 2 * margin) / span[0], (height - 2 * margin - 18.0) / span[1])

    def xy(p: np.ndarray) -> tuple[float, float]:
        return (round(width / 2 + (p[0] - centre[0]) * scale, 1),
                round((height - 18.0) / 2 + (centre[1] - p[1]) * scale, 1))

    fig = Figure(width, full_height, t("map"), t)
    picture = None
    if base_map:
        def to_metres(pt: np.ndarray) -> np.ndarray:
            return np.column_stack([centre[0] + (pt[:, 0] - width / 2) / scale,
                                    centre[1] - (pt[:, 1] - (height - 18.0) / 2) / scale])

        try:
            picture = render_base_map(base_map, frame, to_metres, width, height, 1.0 / scale)
        except BaseMapError as exc:
            fig.note = str(exc)
    if picture is None:
        fig.add(Rect(0, 0, width, height, fill="#fbfbf8", stroke="#bbbbbb"))
    else:
        fig.add(Picture(0, 0, width, height, picture.jpeg))
        fig.add(Rect(0, 0, width, height, stroke="#bbbbbb"))
        fig.credit = printable(picture.attribution)[:160]
    for run in runs:
        if len(run) >= 2:
            fig.add(Line(tuple(xy(p) for p in run), stroke=TRACK_COLOR, width=1.5))
        else:
            fig.add(Circle(*xy(run[0]), r=1.5, fill=TRACK_COLOR, stroke=None))
    for sec, pts in zip(sections, sec_xy, strict=True):
        if len(pts) >= 2:
            fig.add(Line(tuple(xy(p) for p in pts), stroke=RATING_COLORS[sec.rating], width=4.0))
    order = sorted(zip(site_pos, sxy, strict=True), key=lambda item: (item[0].site.id in numbered, -item[0].rank))
    for r, p in order:
        x, y = xy(p)
        color = SEVERITY_COLORS[Severity(r.site.severity)]
        big = r.site.id in numbered
        _symbol(fig, "pothole" if r.site.kind == "pothole" else "crack", x, y, 6.5 if big else 2.6, color,
                0.6 if big else 0.3)
        if big:
            fig.add(Text(x, y + 2.3, str(r.rank), size=6.0 if r.rank < 100 else 4.8, anchor="middle", bold=True,
                         fill="#ffffff" if Severity(r.site.severity) == Severity.HIGH else INK))
    # Scale bar (bottom left) and north arrow (top right).
    metres = nice_length((width / 4.0) / scale)
    bar = metres * scale
    x0, y0 = margin, height - 12.0
    fig.add(Rect(x0, y0 - 3, bar / 2, 3, fill=INK, stroke=INK))
    fig.add(Rect(x0 + bar / 2, y0 - 3, bar / 2, 3, fill="#ffffff", stroke=INK))
    fig.add(Text(x0, y0 - 5, "0", size=7, anchor="middle"))
    fig.add(Text(x0 + bar, y0 - 5, _distance_text(metres, t), size=7, anchor="middle"))
    nx, ny = width - 20.0, 16.0
    fig.add(Polygon(((nx, ny), (nx + 6, ny + 16), (nx, ny + 12), (nx - 6, ny + 16)), fill=INK, stroke=INK))
    fig.add(Text(nx, ny + 26, "N", size=9, anchor="middle", bold=True))
    if fig.credit:  # the tile file's credit, bottom right on a white band (the licences of most tiles ask for it)
        size, room = 5.5, int(width * 0.6 / (5.5 * 0.56))  # characters that fit in 60 % of the width
        text = fig.credit if len(fig.credit) <= room else fig.credit[: room - 1] + "…"
        box_w = len(text) * size * 0.56 + 6
        fig.add(Rect(width - box_w, height - size - 4, box_w, size + 4, fill="#ffffff", opacity=0.8))
        fig.add(Text(width - 3, height - 3, text, size=size, anchor="end", fill="#333333"))
    y = _rating_legend(fig, 0.0, height + 12.0, width, per_row=4 if narrow else len(RATINGS)) + 15.0
    x = 0.0
    for kind in ("pothole", "crack"):
        for sev in (Severity.LOW, Severity.MEDIUM, Severity.HIGH):
            _symbol(fig, kind, x + 5, y - 3, 3.6, SEVERITY_COLORS[sev], 0.4)
            x += 11
        label = f"{t.kind('pothole') if kind == 'pothole' else t.word('crack')} ({t.word('severities')})"
        fig.add(Text(x, y, label, size=7))
        if narrow:
            x, y = 0.0, y + 12.0
        else:
            x += 8 + 3.9 * len(label)
    return fig


def _symbol(fig: Figure, kind: str, x: float, y: float, size: float, color: str, width: float) -> None:
    if kind == "pothole":
        fig.add(Circle(x, y, size, fill=color, stroke=INK, width=width))
    else:
        d = size * 1.2
        fig.add(Polygon(((x, y - d), (x + d, y), (x, y + d), (x - d, y)), fill=color, stroke=INK, width=width))


def _rating_legend(fig: Figure, x: float, y: float, width: float, per_row: int) -> float:
    """Rows of rating swatches with their names and floors; returns the baseline of the last row."""
    step = width / per_row
    t = fig.texts
    for i, (floor, name) in enumerate(RATINGS):
        row, col = divmod(i, per_row)
        fig.add(Rect(x + col * step, y + 12 * row - 7, 9, 8, fill=RATING_COLORS[name], stroke="#777777", width=0.4))
        fig.add(Text(x + col * step + 12, y + 12 * row, f"{t.rating(name)} ≥ {floor}", size=6.5))
    return y + 12 * ((len(RATINGS) - 1) // per_row)


# ----------------------------------------------------------------------------- the profile
def condition_profile(sections: Sequence[Section], t: Texts, width: float = 520.0, height: float = 200.0,
                      worst: int = 3) -> Figure | None:
    """The profile figure, or None without sections."""
    if not sections:
        return None
    left, right, top, bottom = 34.0, 10.0, 10.0, 30.0
    pw, ph = width - left - right, height - top - bottom
    spans: list[tuple[Section, float, float]] = []
    offset, last_run, breaks = 0.0, None, []
    for sec in sections:
        if last_run is not None and sec.run != last_run:
            offset = spans[-1][2]
            breaks.append(offset)
        last_run = sec.run
        spans.append((sec, offset + sec.start_m, offset + sec.end_m))
    total = max(spans[-1][2], 1.0)

    def x(m: float) -> float:
        return round(left + m / total * pw, 1)

    def y(score: float) -> float:
        return round(top + (100.0 - score) / 100.0 * ph, 1)

    fig = Figure(width, height, t("profile"), t)
    upper = 100.0
    for floor, name in RATINGS:
        fig.add(Rect(left, y(upper), pw, y(floor) - y(upper), fill=RATING_COLORS[name], opacity=0.35))
        fig.add(Text(left + pw - 3, (y(upper) + y(floor)) / 2 + 2.3, t.rating(name), size=6.5, anchor="end",
                     fill="#555555"))
        upper = float(floor)
    fig.add(Rect(left, top, pw, ph, stroke="#888888"))
    for value in (0, 25, 50, 75, 100):
        fig.add(Line(((left - 3, y(value)), (left, y(value))), stroke="#555555", width=0.5))
        fig.add(Text(left - 5, y(value) + 2.5, str(value), size=7, anchor="end"))
    metres = nice_length(total / 4.0)
    k = 0
    while k * metres <= total + 1e-6:
        fig.add(Line(((x(k * metres), top + ph), (x(k * metres), top + ph + 3)), stroke="#555555", width=0.5))
        fig.add(Text(x(k * metres), top + ph + 11, _distance_text(k * metres, t), size=7, anchor="middle"))
        k += 1
    fig.add(Text(left + pw / 2, height - 4, t("profile_axis"), size=7, anchor="middle", fill="#555555"))
    for b in breaks:
        fig.add(Line(((x(b), top), (x(b), top + ph)), stroke="#555555", width=0.6, dash=(2.0, 2.0)))
    run_points: list[tuple[float, float]] = []
    current_run = sections[0].run
    for sec, a, b in spans:
        if sec.run != current_run and run_points:
            fig.add(Line(tuple(run_points), stroke=INK, width=1.4))
            run_points = []
            current_run = sec.run
        run_points += [(x(a), y(sec.score)), (x(b), y(sec.score))]
    if run_points:
        fig.add(Line(tuple(run_points), stroke=INK, width=1.4))
    damaged = sorted((s for s in spans if s[0].score < 100.0), key=lambda s: (s[0].score, s[1]))[:worst]
    for sec, a, b in damaged:
        cx, cy = x((a + b) / 2), y(sec.score)
        fig.add(Circle(cx, cy, 2.2, fill=RATING_COLORS[sec.rating], stroke=INK, width=0.6))
        label_y = cy - 5 if cy > top + 14 else cy + 11
        anchor = "start" if cx < left + pw * 0.8 else "end"
        fig.add(Text(cx + (3 if anchor == "start" else -3), label_y, f"{sec.id} ({t.num(sec.score)})", size=7,
                     anchor=anchor, bold=True))
    return fig


# ----------------------------------------------------------------------------- writers
def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def to_svg(fig: Figure, css_class: str = "") -> str:
    """The figure as an inline ``<svg>`` element (text escaped; no script, no external reference)."""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(fig.width)} {_f(fig.height)}" '
           f'class="{escape(css_class)}" role="img" aria-label="{escape(fig.label)}" '
           f'font-family="DejaVu Sans, Segoe UI, Arial, sans-serif">']
    for s in fig.shapes:
        if isinstance(s, Picture):
            data = base64.b64encode(s.jpeg).decode("ascii")
            out.append(f'<image x="{_f(s.x)}" y="{_f(s.y)}" width="{_f(s.w)}" height="{_f(s.h)}" '
                       f'preserveAspectRatio="none" href="data:image/jpeg;base64,{data}"/>')
        elif isinstance(s, Line):
            pts = " ".join(f"{_f(a)},{_f(b)}" for a, b in s.points)
            dash = f' stroke-dasharray="{" ".join(_f(d) for d in s.dash)}"' if s.dash else ""
            out.append(f'<polyline points="{pts}" fill="none" stroke="{s.stroke}" stroke-width="{_f(s.width)}" '
                       f'stroke-linejoin="round" stroke-linecap="round"{dash}/>')
        elif isinstance(s, Polygon):
            pts = " ".join(f"{_f(a)},{_f(b)}" for a, b in s.points)
            stroke = f' stroke="{s.stroke}" stroke-width="{_f(s.width)}"' if s.stroke else ""
            out.append(f'<polygon points="{pts}" fill="{s.fill}"{stroke}/>')
        elif isinstance(s, Rect):
            fill = s.fill or "none"
            stroke = f' stroke="{s.stroke}" stroke-width="{_f(s.width)}"' if s.stroke else ""
            op = f' fill-opacity="{s.opacity:g}"' if s.opacity < 1.0 else ""
            out.append(f'<rect x="{_f(s.x)}" y="{_f(s.y)}" width="{_f(s.w)}" height="{_f(s.h)}" '
                       f'fill="{fill}"{op}{stroke}/>')
        elif isinstance(s, Circle):
            stroke = f' stroke="{s.stroke}" stroke-width="{_f(s.width)}"' if s.stroke else ""
            out.append(f'<circle cx="{_f(s.cx)}" cy="{_f(s.cy)}" r="{_f(s.r)}" fill="{s.fill}"{stroke}/>')
        else:
            weight = ' font-weight="bold"' if s.bold else ""
            out.append(f'<text x="{_f(s.x)}" y="{_f(s.y)}" font-size="{_f(s.size)}" text-anchor="{s.anchor}" '
                       f'fill="{s.fill}"{weight}>{escape(s.text)}</text>')
    out.append("</svg>")
    return "".join(out)


def to_drawing(fig: Figure, font: str, bold_font: str, scale: float = 1.0,
               fix_text: Callable[[str], str] = str) -> Any:  # a ReportLab Drawing (ReportLab is untyped)
    """The figure as a ReportLab ``Drawing`` (vector shapes, y flipped), ``scale`` times its size.

    ``fix_text`` adapts text to the PDF font (characters it lacks). A :class:`Picture` (the base map) is
    drawn under the shapes with ``canvas.drawImage``, so its JPEG goes into the PDF as it is (once)."""
    from reportlab.graphics.shapes import Circle as RCircle
    from reportlab.graphics.shapes import Drawing, Group, PolyLine, String
    from reportlab.graphics.shapes import Polygon as RPolygon
    from reportlab.graphics.shapes import Rect as RRect
    from reportlab.lib.colors import HexColor

    h = fig.height
    group = Group()
    pictures = []
    for s in fig.shapes:
        if isinstance(s, Picture):
            pictures.append((s.x * scale, (h - s.y - s.h) * scale, s.w * scale, s.h * scale, s.jpeg))
        elif isinstance(s, Line):
            pts = [v for a, b in s.points for v in (a, h - b)]
            group.add(PolyLine(pts, strokeColor=HexColor(s.stroke), strokeWidth=s.width, strokeLineJoin=1,
                               strokeLineCap=1, strokeDashArray=list(s.dash) or None))
        elif isinstance(s, Polygon):
            pts = [v for a, b in s.points for v in (a, h - b)]
            group.add(RPolygon(pts, fillColor=HexColor(s.fill), strokeColor=HexColor(s.stroke) if s.stroke else None,
                               strokeWidth=s.width))
        elif isinstance(s, Rect):
            fill = None
            if s.fill:
                fill = HexColor(s.fill)
                if s.opacity < 1.0:  # the same colour over white, without PDF transparency
                    fill = HexColor("#{:02x}{:02x}{:02x}".format(*(
                        round(255 - (255 - c * 255) * s.opacity) for c in (fill.red, fill.green, fill.blue))))
            group.add(RRect(s.x, h - s.y - s.h, s.w, s.h, fillColor=fill,
                            strokeColor=HexColor(s.stroke) if s.stroke else None, strokeWidth=s.width))
        elif isinstance(s, Circle):
            group.add(RCircle(s.cx, h - s.cy, s.r, fillColor=HexColor(s.fill),
                              strokeColor=HexColor(s.stroke) if s.stroke else None, strokeWidth=s.width))
        else:
            group.add(String(s.x, h - s.y, fix_text(s.text), fontName=bold_font if s.bold else font, fontSize=s.size,
                             fillColor=HexColor(s.fill), textAnchor=s.anchor))
    group.scale(scale, scale)
    if pictures:
        drawing = _picture_drawing_class()(fig.width * scale, fig.height * scale)
        drawing.pictures = pictures
    else:
        drawing = Drawing(fig.width * scale, fig.height * scale)
    drawing.add(group)
    return drawing


@functools.cache
def _picture_drawing_class() -> type:  # a ReportLab class, made when a PDF is written (ReportLab is imported lazily)
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.attrmap import AttrMap, AttrMapValue
    from reportlab.lib.utils import ImageReader

    class PictureDrawing(Drawing):  # type: ignore[misc]  # ReportLab is untyped
        """A drawing with JPEG pictures under its shapes (``pictures``: x, y, w, h, bytes in points, y up)."""

        _attrMap = AttrMap(BASE=Drawing, pictures=AttrMapValue(None, desc="JPEG pictures drawn first"))  # noqa: N815 - ReportLab's name

        def draw(self, *args: object, **kwargs: object) -> None:
            for x, y, w, h, jpeg in self.pictures:
                self.canv.drawImage(ImageReader(io.BytesIO(jpeg)), x, y, w, h)
            super().draw(*args, **kwargs)

    return PictureDrawing
