"""``report.pdf``: the report on A4 paper, made offline with ReportLab (BSD licence).

Why ReportLab: the core never imports Qt (so ``QPdfWriter``/``QTextDocument`` are out: the command
line and the GUI's worker call the same function), a browser is not something the app can count on,
and WeasyPrint needs Pango, which Windows lacks. ReportLab's Platypus lays out paragraphs and tables
over pages (table headers repeated, cards kept whole), its graphics draw the map and the profile from
the same shapes as the HTML's SVG (``report_figures.to_drawing``: vectors, not pictures), and it has
no network code in the paths used here and no telemetry. Its wheel is 2 MB and depends on Pillow
(already ours) and charset-normalizer; its C accelerator ``rl_accel`` (``reportlab[accel]``, BSD, 170 kB)
formats the numbers and measures the strings that the pure-Python fallback did at about 15 % of the
PDF's time. The compact table writes its text operators itself (see :func:`compact_table`).

Pages: A4 portrait, 15 mm margins; every page's footer carries the report's title and project on
the left and ``Page n / N`` on the right (two passes over the pages: the total is known at the end).
Page 1 is the glance (survey, counts, quantities); the map follows when it fits, then the profile
and the sections, the cards (kept whole), the compact table (header on every page), the rejected
findings when asked, the method.

The text font is DejaVu Sans (regular and bold, shipped in ``resources/fonts/`` with its licence, the
Bitstream Vera and Arev licences; from Debian's ``fonts-dejavu-core`` 2.37): Latin, Greek, Cyrillic,
Arabic and Hebrew letters among its 5,900 characters. ReportLab draws characters left to right as they
come, so text with right-to-left letters is first put in display order (:func:`visual_order`): Arabic
letters joined into their contextual forms (``arabic-reshaper``, MIT) and each line reordered by the
Unicode bidirectional algorithm with a left-to-right base (``python-bidi``, LGPL-3.0), as a PDF reader
then shows, searches and copies it. (ReportLab's own route, HarfBuzz shaping through ``uharfbuzz`` plus
``rlbidi`` for the order, is not used: ``rlbidi`` is not published on PyPI.) Notes long enough to wrap
are broken into lines in reading order first, then each line is reordered (:func:`pdf_lines`), so their
lines follow each other as written. A character the fonts lack (an emoji) becomes a visible placeholder
naming it, ``[U+1F6A7]`` (:func:`pdf_text`), never a silent empty box; invisible format characters they
lack are left out. The HTML shows all as typed.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from typing import Any
from xml.sax.saxutils import escape

from roadinspect import __version__
from roadinspect.core.report import (
    CONFIRMED,
    ReportContent,
    clean_text,
    kind_label,
    kpis,
    map_notes,
    measure_rows,
    position_text,
    rejected_header,
    rejected_rows,
    rest_header,
    rest_row,
    summary_tables,
    survey_rows,
    term_rows,
    user_text,
)
from roadinspect.core.report_figures import RATING_COLORS, SEVERITY_COLORS, to_drawing
from roadinspect.core.resources import resources_dir
from roadinspect.core.types import Severity

FONT, FONT_BOLD = "RoadInspectSans", "RoadInspectSans-Bold"
_REGISTERED = False


FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
"""The PDF's fonts in ``resources/fonts/``."""


def _register_fonts() -> None:
    global _REGISTERED
    if _REGISTERED:
        return
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = resources_dir() / "fonts"
    for name, file in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    for bold, italic, name in ((0, 0, FONT), (1, 0, FONT_BOLD), (0, 1, FONT), (1, 1, FONT_BOLD)):
        addMapping(FONT, bold, italic, name)
    _REGISTERED = True


@functools.cache
def covered() -> frozenset[int]:
    """The characters both PDF fonts draw (code points)."""
    from reportlab.pdfbase import pdfmetrics

    _register_fonts()
    sets = [set(pdfmetrics.getFont(name).face.charToGlyph) for name in FONT_FILES]
    return frozenset(set.intersection(*sets))


_SUBSTITUTES = {"\u202f": "\u00a0", "→": "–"}
"""Characters the report itself writes, and what stands in for them should the font lack them."""


def placeholder(char: str) -> str:
    """What the PDF shows for a character no font of the PDF has: ``[U+1F6A7]``."""
    return f"[U+{ord(char):04X}]"


_RTL = frozenset(("R", "AL"))
_OPEN = {"(": ")", "[": "]", "{": "}", "«": "»", "‹": "›"}
_CLOSE = {v: k for k, v in _OPEN.items()}


def _mirror_reversed_pairs(line: str) -> str:
    """Brackets of a pair that the reordering reversed (``)2(``: the pair was in a right-to-left run) get
    the mirrored glyph, as rule L4 of the bidi algorithm asks (python-bidi's reordering leaves it out)."""
    chars = list(line)
    stack: list[tuple[int, str, bool]] = []  # (index, char, reversed: a closing bracket seen first)
    for i, c in enumerate(chars):
        if c in _OPEN:
            if stack and stack[-1][2] and stack[-1][1] == _OPEN[c]:  # closes a reversed pair ")...("
                j = stack.pop()[0]
                chars[i], chars[j] = _OPEN[c], _CLOSE[chars[j]]
            else:
                stack.append((i, c, False))
        elif c in _CLOSE:
            if stack and not stack[-1][2] and stack[-1][1] == _CLOSE[c]:
                stack.pop()  # an ordinary pair, left to right
            else:
                stack.append((i, c, True))
    return "".join(chars)


def visual_order(text: str) -> str:
    """``text`` (logical order) in display order for a left-to-right page, line by line, Arabic joined."""
    if not any(unicodedata.bidirectional(c) in _RTL for c in text):
        return text
    import arabic_reshaper
    from bidi import get_display

    return "\n".join(_mirror_reversed_pairs(get_display(arabic_reshaper.reshape(line), base_dir="L"))
                      for line in text.split("\n"))


def pdf_text(text: object) -> str:
    """Text the PDF fonts can draw, in display order (:func:`visual_order`); a character the fonts lack
    becomes :func:`placeholder` (invisible format characters go)."""
    s = str(text)
    if s.isascii():
        return s
    return _drawable(visual_order(s))


def pdf_lines(text: object, width: float, size: float) -> str:
    """:func:`pdf_text` broken into lines of ``width`` points (:func:`wrap`): text with right-to-left letters
    is broken in reading order first, then each line is put in display order, so its lines follow each other
    as written (reordered first, the first line on paper would hold the end of the text)."""
    s = str(text)
    if s.isascii() or not any(unicodedata.bidirectional(c) in _RTL for c in s):
        return wrap(pdf_text(s), width, size)
    import arabic_reshaper

    lines = wrap(_drawable(arabic_reshaper.reshape(s)), width, size).split("\n")  # joined forms: true widths
    return "\n".join(visual_order(line) for line in lines)


def _drawable(s: str) -> str:
    """``s`` with each character the fonts lack replaced by :func:`placeholder` (format characters left out)."""
    have = covered()
    if all(ord(c) in have for c in s):
        return s
    out = []
    for c in s:
        if ord(c) in have or c in "\n\t":
            out.append(c)
        elif c in _SUBSTITUTES and all(ord(x) in have for x in _SUBSTITUTES[c]):
            out.append(_SUBSTITUTES[c])
        elif unicodedata.category(c) == "Cf":
            continue  # invisible: a zero-width joiner, a variation selector (bidi controls are shown by printable)
        else:
            out.append(placeholder(c))
    return "".join(out)


MAX_CELL_LINES = 30
"""Lines of one compact-table cell on paper (a row must fit on a page; report.html has the whole text)."""


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (table cells on paper; the HTML has it whole)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _x(text: object, width: float = 0.0, size: float = 0.0) -> str:
    """Paragraph markup of plain text: escaped, line breaks kept; with ``width`` (points) and ``size``, broken
    into lines first by :func:`pdf_lines` (right-to-left text wrapped in reading order)."""
    shown = pdf_lines(text, width, size) if width > 0 else pdf_text(text)
    return escape(shown).replace("\n", "<br/>")


@functools.lru_cache(maxsize=4096)
def _width(text: str, font: str, size: float) -> float:
    """Width of a string in points (cached: table cells repeat the same words)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, font, size))


def wrap(text: str, width: float, size: float) -> str:
    """``text`` broken into lines that fit ``width`` points in the PDF font (long words cut)."""
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if not text or ("\n" not in text and (
            (len(text) * size <= width and text.isascii())  # no ASCII glyph of the font is wider than 1 em
            or _width(text, FONT, size) <= width)):
        return text
    out = []
    for line in simpleSplit(text, FONT, size, width):
        while stringWidth(line, FONT, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and stringWidth(line[:cut], FONT, size) > width:
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return "\n".join(out)


def compact_table(header: list[list[str]], rows: list[list[list[str]]], widths: list[float],
                  right: tuple[int, ...] = (), size: float = 7.0) -> Any:  # a ReportLab Flowable (untyped)
    """A long table of plain text cells (each a list of lines), drawn straight on the canvas.

    Splits between rows across pages and repeats the header on each; one text object per page part,
    so thousands of rows take about a second instead of most of a minute with Platypus' ``Table``.
    """
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Flowable

    leading, pad = size * 1.2, 2.0

    def height(cells: list[list[str]]) -> float:
        return max(len(lines) for lines in cells) * leading + 2 * pad

    class CompactTable(Flowable):  # type: ignore[misc]  # ReportLab is untyped
        def __init__(self, body: list[list[list[str]]], heights: list[float] | None = None) -> None:
            super().__init__()
            self.body = body
            self.heights = heights if heights is not None else [height(r) for r in body]
            self.head_h = height(header)
            self.total_h = self.head_h + sum(self.heights)

        def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
            return sum(widths), self.total_h

        def split(self, avail_w: float, avail_h: float) -> list[Any]:
            used, k = self.head_h, 0
            while k < len(self.body) and used + self.heights[k] <= avail_h:
                used += self.heights[k]
                k += 1
            if k == 0:
                return []
            return [CompactTable(self.body[:k], self.heights[:k]), CompactTable(self.body[k:], self.heights[k:])]

        def draw(self) -> None:
            canv = self.canv
            total_w = sum(widths)
            y = self.total_h
            canv.setFillColor(HexColor("#eef0f3"))
            canv.rect(0, y - self.head_h, total_w, self.head_h, stroke=0, fill=1)
            canv.setStrokeColor(HexColor("#c8ccd1"))
            canv.setLineWidth(0.4)
            text = canv.beginText()
            text.setFillColor(HexColor("#1f2328"))
            code = text._code  # the text object's operators (see below)
            lines_y = [y]
            for cells, h, font in [(header, self.head_h, FONT_BOLD)] + [(r, hh, FONT) for r, hh in
                                                                          zip(self.body, self.heights, strict=True)]:
                text.setFont(font, size)
                x = 0.0
                for i, (lines, w) in enumerate(zip(cells, widths, strict=True)):
                    for j, line in enumerate(lines):
                        if not line:
                            continue
                        tx = x + w - pad - _width(line, font, size) if i in right else x + pad
                        # The text matrix and the string without ReportLab's textOut, which formats numbers in
                        # pure Python and measures every string to move a cursor this table never uses: thousands
                        # of cells took most of the PDF's time.
                        code.append(f"1 0 0 1 {tx:.2f} {y - pad - size - j * leading + 1:.2f} Tm")
                        text._textOut(line)
                    x += w
                y -= h
                lines_y.append(y)
            canv.drawText(text)
            for ly in lines_y:
                canv.line(0, ly, total_w, ly)
            x = 0.0
            for w in [*widths[:-1], widths[-1]]:
                canv.line(x, lines_y[0], x, lines_y[-1])
                x += w
            canv.line(total_w, lines_y[0], total_w, lines_y[-1])

    return CompactTable(rows)


def render_pdf(c: ReportContent) -> bytes:
    """The bytes of ``report.pdf``."""
    from reportlab import rl_config
    from reportlab.lib import colors
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas
    from reportlab.platypus import (
        BaseDocTemplate,
        CondPageBreak,
        Frame,
        Image,
        KeepTogether,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
        TableStyle,
    )

    rl_config.useA85 = 0  # binary streams: ASCII85 would re-encode every photo crop in pure Python (2 s, +25 % size)
    _register_fonts()
    t = c.t
    name = user_text(c.data.name)
    footer_left = f"{t('title')} — {name}" if name else t("title")

    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=11.5)
    small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.2)
    muted = ParagraphStyle("muted", parent=small, textColor=HexColor("#5f6670"))
    h1 = ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=17, leading=21, spaceAfter=2)
    h2 = ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=13, leading=16, spaceBefore=8, spaceAfter=5,
                        keepWithNext=1)
    h3 = ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=5, spaceAfter=3,
                        keepWithNext=1)
    cell = ParagraphStyle("cell", parent=base, fontSize=8, leading=9.6)
    cell_small = ParagraphStyle("cell_small", parent=base, fontSize=7, leading=8.4)
    kpi_value = ParagraphStyle("kpi", parent=base, fontName=FONT_BOLD, fontSize=15, leading=18)
    width = A4[0] - 30 * mm

    grid = [("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.4, HexColor("#c8ccd1")), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    header = [("BACKGROUND", (0, 0), (-1, 0), HexColor("#eef0f3")), ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD)]

    def table(head: list[str], rows: list[list[str]], widths: list[float] | None = None, numeric_from: int = 1,
              style: ParagraphStyle = cell) -> Table:
        data = [[Paragraph(_x(h), ParagraphStyle("hd", parent=style, fontName=FONT_BOLD)) for h in head]]
        data += [[Paragraph(_x(v), style) if isinstance(v, str) and i < numeric_from else
                  (pdf_text(v) if isinstance(v, str) else v) for i, v in enumerate(row)] for row in rows]
        tbl = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        tbl.setStyle(TableStyle([*grid, *header, ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
                                 ("FONTSIZE", (0, 0), (-1, -1), style.fontSize)]))
        return tbl

    story: list[Any] = []
    story.append(Paragraph(_x(t("title")) + (f" — {_x(name)}" if name else ""), h1))
    story.append(Paragraph(_x(t("generated", date=t.datetime(c.generated), version=__version__)), muted))
    # ---- at a glance
    kp = kpis(c)
    kpi_table = Table([[Paragraph(_x(v), kpi_value) for v, _ in kp], [Paragraph(_x(lbl), small) for _, lbl in kp]],
                      colWidths=[width / len(kp)] * len(kp), hAlign="LEFT")
    kpi_table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, HexColor("#c8ccd1")),
                                   ("LINEAFTER", (0, 0), (-2, -1), 0.5, HexColor("#c8ccd1")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Paragraph(_x(t("glance")), h2), kpi_table, Paragraph(_x(t("survey")), h3)]
    facts = Table([[Paragraph(_x(k), ParagraphStyle("k", parent=cell, fontName=FONT_BOLD)), Paragraph(_x(v), cell)]
                   for k, v in survey_rows(c)], colWidths=[32 * mm, width - 32 * mm], hAlign="LEFT")
    facts.setStyle(TableStyle([*grid, ("BACKGROUND", (0, 0), (0, -1), HexColor("#eef0f3"))]))
    story.append(facts)
    if c.mlist.site_count:
        tables = summary_tables(c)
        head, rows = tables["by_type"]
        by_type = table(head, rows, [48 * mm, 17 * mm, 19 * mm, 17 * mm, 15 * mm])
        head, rows = tables["by_status"]
        by_status = table(head, rows, [28 * mm, 22 * mm])
        side = Table([[[Paragraph(_x(t("by_type")), h3), by_type], [Paragraph(_x(t("by_status")), h3), by_status]]],
                     colWidths=[122 * mm, width - 122 * mm], hAlign="LEFT")
        side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(side)
        head, rows = tables["totals"]
        story += [Paragraph(_x(t("totals")), h3), table(head, rows, [48 * mm, 24 * mm, 24 * mm, 24 * mm, 24 * mm])]
    else:
        story += [Spacer(1, 6 * mm), Paragraph(_x(clean_text(c)), ParagraphStyle("clean", parent=h3, textColor=HexColor(
            "#1a6b3a")))]
    if c.summary.unmeasured:
        story.append(Paragraph(_x(t("unmeasured", n=t.int(c.summary.unmeasured))), muted))
    if c.summary.rejected_findings and not c.options.include_rejected:
        story.append(Paragraph(_x(t("rejected_count", n=t.int(c.summary.rejected_findings))), muted))
    # ---- map
    if c.map is None:
        story += [Paragraph(_x(t("map")), h2), Paragraph(_x(t("no_map")), base)]
    else:
        # At most 105 mm high: with the glance it usually fits on the first page. A tall survey makes a
        # narrower map, drawn again at that width so that its legend and labels keep their size on paper.
        figure = c.map
        scale = min(width / figure.width, 105 * mm / figure.height)
        if scale < 0.95 and c.make_map is not None:
            figure = c.make_map(max(260.0, figure.width * scale)) or figure
            scale = min(width / figure.width, 105 * mm / figure.height)
        drawing = to_drawing(figure, FONT, FONT_BOLD, scale=scale, fix_text=pdf_text)
        drawing.hAlign = "CENTER"
        story.append(CondPageBreak(drawing.height + 22 * mm))
        story.append(KeepTogether([Paragraph(_x(t("map")), h2), drawing, Spacer(1, 2 * mm),
                                   *[Paragraph(_x(user_text(line)), muted) for line in map_notes(c)]]))
    # ---- profile and sections (none for a clean road: every section scores 100, the glance says so)
    if not c.mlist.site_count and c.mlist.sections:
        pass
    elif c.profile is None:
        story.append(Paragraph(_x(t("profile")), h2))
        story.append(Paragraph(_x(t("no_profile")), base))
    else:
        drawing = to_drawing(c.profile, FONT, FONT_BOLD, scale=width / c.profile.width, fix_text=pdf_text)
        story += [Paragraph(_x(t("profile")), h2), drawing, Paragraph(_x(t("profile_legend")), muted)]
        mean = c.summary.mean_condition or 0.0
        mean_text = t("mean_condition", n=t.int(len(c.mlist.sections)), mean=t.num(mean))
        story.append(Paragraph(_x(f"{t('sections')} — {mean_text}"), h3))
        rows = [[s.id, f"{t.num(s.start_m, 0)}–{t.num(s.end_m, 0)} m", t.num(s.score, 1), t.rating(s.rating),
                 clip(" ".join(s.site_ids), 1200) or "—"] for s in c.mlist.sections]
        tbl = table([t("section"), t("extent"), t("score"), t("rating"), t("sites")],
                    [[r[0], r[1], r[2], r[3], Paragraph(_x(r[4]), cell_small)] for r in rows],
                    [20 * mm, 26 * mm, 14 * mm, 26 * mm, width - 86 * mm], numeric_from=2)
        tbl.setStyle(TableStyle([("ALIGN", (3, 0), (-1, -1), "LEFT")] + [
            ("BACKGROUND", (3, i + 1), (3, i + 1), HexColor(RATING_COLORS[s.rating]))
            for i, s in enumerate(c.mlist.sections)] + [
            ("TEXTCOLOR", (3, i + 1), (3, i + 1), colors.white)
            for i, s in enumerate(c.mlist.sections) if s.rating in ("serious", "failed", "good")]))
        story.append(tbl)
    # ---- cards
    if c.ordered:
        intro = t("list_intro", n=t.int(len(c.cards))) if c.rest else t("list_intro_all")
        story += [Paragraph(_x(t("list")), h2), Paragraph(_x(intro), muted)]
    colon = "\u00a0:" if t.lang == "fr" else ":"
    for r in c.cards:
        s = r.site
        sev = Severity(s.severity)
        title = (f'<font backColor="#1f2328" color="#ffffff"> {r.rank} </font>  {_x(kind_label(t, s.kind))} — '
                 f'{_x(s.id)} — <font color="{SEVERITY_COLORS[sev]}">{_x(t.severity(sev))}</font> — '
                 f'{_x(t("score"))} {_x(t.num(r.score, 1))}')
        crop = c.crops.get(s.id)
        if crop is not None and crop.jpeg is not None:
            image = Image(io.BytesIO(crop.jpeg))
            k = min(62 * mm / image.imageWidth, 62 * mm / image.imageHeight)
            image.drawWidth, image.drawHeight = image.imageWidth * k, image.imageHeight * k
            left: object = image
        else:
            left = Paragraph(_x(crop.error if crop else t("no_photo")), muted)
        status = t.status(s.status.value) + ("" if s.status in CONFIRMED else "")
        pos = position_text(t, s.position.lat, s.position.lon) if s.position is not None else t("unknown_position")
        details: list[Any] = [
            Paragraph(_x(f"{t('status')}{colon} {status} · {t('confidence')} {t.num(s.confidence, 2)} · "
                         f"{t('section_of_site')} {c.mlist.site_section.get(s.id, '—')}"), cell),
            Paragraph(_x(f"{t('position')}{colon} {pos}"), cell), Spacer(1, 1.5 * mm)]
        mrows = measure_rows(t, s.measures)
        m_tbl = Table([[Paragraph(_x(a), cell_small), pdf_text(b)] for a, b in mrows], hAlign="LEFT",
                      colWidths=[40 * mm, 30 * mm] if any(b for _, b in mrows) else [70 * mm, 1 * mm])
        m_tbl.setStyle(TableStyle([*grid, ("FONTSIZE", (0, 0), (-1, -1), 7)]))
        details += [m_tbl, Spacer(1, 1.5 * mm), Paragraph(f"<b>{_x(t('score_terms'))}</b>", cell_small)]
        terms = table([t("term"), "×", t("points"), ""], [[a, b, p, Paragraph(_x(d), cell_small)]
                                                          for a, b, p, d in term_rows(t, r)],
                      [22 * mm, 20 * mm, 13 * mm, 48 * mm], style=cell_small)
        terms.setStyle(TableStyle([("ALIGN", (3, 0), (3, -1), "LEFT")]))
        details.append(terms)
        body = Table([[left, details]], colWidths=[66 * mm, width - 66 * mm], hAlign="LEFT")
        body.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0),
                                  ("BOX", (0, 0), (-1, -1), 0.5, HexColor("#c8ccd1"))]))
        # Photos and notes below the box, full width: a long list or note flows on to the next page
        # (inside the box it would make a row taller than a page, which cannot be laid out).
        below = [Spacer(1, 1 * mm), Paragraph(
            _x(f"{t('photos_of_site')} ({len(s.photo_files)}){colon} " + ", ".join(user_text(p) for p in s.photo_files)
               + (f"\n{t.datetime(s.first_seen)} → {t.datetime(s.last_seen)}" if s.first_seen else "")), cell_small)]
        if s.notes:
            label = f"{t('notes')}{colon} "
            room = width - _width(pdf_text(label), FONT_BOLD, cell.fontSize) - 2
            below.append(Paragraph(f"<b>{_x(label)}</b>{_x(user_text(s.notes), room, cell.fontSize)}", cell))
        story.append(KeepTogether([Paragraph(title, h3), body, *below[:2]]))
        story += [*below[2:], Spacer(1, 3 * mm)]
    # ---- the rest
    if c.rest:
        story.append(Paragraph(_x(f"{t('rest')} ({t.int(len(c.rest))})"), h3))
        widths = [10 * mm, 13 * mm, 26 * mm, 14 * mm, 11 * mm, 15 * mm, 15 * mm, 29 * mm, 24 * mm]
        widths.append(width - sum(widths))
        # Drawn by CompactTable, not Platypus' Table: 5,000 rows would otherwise take most of a minute.
        inner = [w - 4 for w in widths]
        cells: list[list[list[str]]] = []
        for r in c.rest:
            v = rest_row(c, r)
            v[7] = v[7].replace(" ; ", "\n").replace(", ", "\n")
            cells.append([pdf_lines(x, inner[i], 7).split("\n")[:MAX_CELL_LINES] for i, x in enumerate(v)])
        head_cells = [wrap(pdf_text(h), inner[i], 7).split("\n") for i, h in enumerate(rest_header(t))]
        story.append(compact_table(head_cells, cells, widths, right=(0, 4)))
    # ---- rejected, method
    if c.options.include_rejected:
        story += [Paragraph(_x(f"{t('rejected')} ({t.int(len(c.rejected))})"), h2),
                  Paragraph(_x(t("rejected_intro")), muted)]
        if c.rejected:
            col_widths = [16 * mm, 40 * mm, 30 * mm, 18 * mm, 28 * mm, width - 132 * mm]
            rows = [[Paragraph(_x(clip(v, 1500), w - 13, cell_small.fontSize), cell_small)  # 12 pt of cell padding
                     for v, w in zip(row, col_widths, strict=True)] for row in rejected_rows(c)]
            story.append(table(rejected_header(t), rows, col_widths, numeric_from=99, style=cell_small))
    story += [Paragraph(_x(t("method")), h2), Paragraph(_x(t("method_text")), muted)]

    page_text = t("page", page="{page}", pages="{pages}")

    class NumberedCanvas(canvas.Canvas):  # type: ignore[misc]  # ReportLab is untyped
        """Keeps every page until the end, then writes ``Page n / N`` on each."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(FONT, 7.5)
                self.setFillColor(HexColor("#5f6670"))
                self.drawString(15 * mm, 9 * mm, pdf_text(footer_left[:110]))
                self.drawRightString(A4[0] - 15 * mm, 9 * mm, page_text.format(page=number, pages=total))
                super().showPage()
            super().save()

    out = io.BytesIO()
    doc = BaseDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                          bottomMargin=16 * mm, title=footer_left, author="RoadInspect",
                          creator=f"RoadInspect {__version__}",
                          subject=t("title"), lang=t.lang)
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story, canvasmaker=NumberedCanvas)
    return out.getvalue()
