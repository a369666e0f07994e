"""The report as a supervisor opens it: report.html in a real headless Chromium, report.pdf read back by poppler.

Chromium (Debian package ``chromium``) and poppler-utils (``pdftotext``, ``pdfimages``) are installed
by ``.ci/run`` when missing; these tests are skipped, saying so, only where they could not be installed.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace

import pytest

from roadinspect.core.exports.project import export_project
from roadinspect.core.maintenance import ProjectData, build_maintenance_list
from roadinspect.core.report import ReportOptions
from tests.core.browser import Browser, find_chromium
from tests.core.scenes import export_scene

HOSTILE_NOTE = ("<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> "
                "\u202egpj.exe Chaussée 🚧 طريق")
HOSTILE_NAME = "<b onmouseover=alert(1)>IMG 🚧 \u202eevil.jpg"  # no slash: a file name


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The export scene with an HTML/RTL/emoji note and photo name on the first site, exported (fr and en)."""
    folder = tmp_path_factory.mktemp("hostile")
    data = export_scene(folder)
    first = build_maintenance_list(data).ranked[0].site
    ev = first.evidence
    photo = data.photos[ev.photo_id]
    renamed = photo.path.with_name(HOSTILE_NAME)
    shutil.copyfile(photo.path, renamed)
    photos = {**data.photos, ev.photo_id: replace(photo, path=renamed)}
    fid = first.finding_ids[0]
    reviews = {**data.reviews, fid: replace(data.reviews[fid], note=HOSTILE_NOTE)}
    data = ProjectData(photos, data.findings, reviews, name="Tournée <i>test</i> \u202e🚧",
                       models={"seg-2026.11.26": 16})
    out = {}
    for lang in ("fr", "en"):
        target = folder / f"out-{lang}"
        result = export_project(data, target, formats=["report"], report=ReportOptions(lang=lang, top=3))
        assert result.ok, result.errors
        out[lang] = target
    return data, out, first.id


@pytest.fixture(scope="module")
def chromium():
    exe = find_chromium()
    if exe is None:
        pytest.skip("Chromium is not installed and could not be installed (.ci/run: apt-get install chromium)")
    return exe


def test_the_checker_sees_console_errors(chromium, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>console.error('broken'); undefined_fn();</script>"
                    "<img src='missing.png'>", encoding="utf-8")
    with Browser(chromium, tmp_path / "profile") as browser:
        session = browser.open(page.as_uri())
        errors = browser.errors(session)
    assert any("broken" in e for e in errors) and any("undefined_fn" in e for e in errors)
    assert any("missing.png" in e or "ERR_FILE_NOT_FOUND" in e for e in errors)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_report_renders_in_chromium_without_error_with_drawn_figures(chromium, hostile, tmp_path, lang):
    data, out, first_id = hostile
    with Browser(chromium, tmp_path / "profile") as browser:
        session = browser.open((out[lang] / "report.html").as_uri())
        errors = browser.errors(session)
        figures = browser.evaluate(session, """[...document.querySelectorAll('svg.figure')].map(s => {
            const r = s.getBoundingClientRect(), b = s.getBBox();
            return {cls: s.getAttribute('class'), w: r.width, h: r.height, bw: b.width, bh: b.height,
                    shapes: s.querySelectorAll('polyline,polygon,circle,rect').length,
                    lines: s.querySelectorAll('polyline').length}; })""")
        page = browser.evaluate(session, """({lang: document.documentElement.lang,
            pwned: window.__pwned === undefined ? null : window.__pwned,
            scripts: document.scripts.length,
            injected: document.querySelectorAll('img[onerror], b[onmouseover], i').length,
            cards: document.querySelectorAll('article.card').length,
            images: [...document.querySelectorAll('article.card img')]
                .filter(i => i.complete && i.naturalWidth > 0).length,
            text: document.body.innerText, title: document.title})""")
    assert errors == []
    by_class = {f["cls"]: f for f in figures}
    for name in ("figure map", "figure profile"):
        fig = by_class[name]
        assert fig["w"] > 300 and fig["h"] > 100 and fig["bw"] > 100 and fig["bh"] > 50 and fig["lines"] >= 1
    assert by_class["figure map"]["shapes"] > 10
    assert page["lang"] == lang and page["pwned"] is None and page["scripts"] == 0 and page["injected"] == 0
    assert page["cards"] == 3 and page["images"] == 3
    shown = HOSTILE_NOTE.replace("\u202e", "\\u202e")  # the override is shown, not obeyed
    assert shown in page["text"]
    assert HOSTILE_NAME.replace("\u202e", "\\u202e") in page["text"]
    assert "Tournée <i>test</i>" in page["title"]
    heading = "Rapport d'inspection" if lang == "fr" else "Inspection report"
    assert heading in page["text"]


@pytest.fixture(scope="module")
def poppler():
    if shutil.which("pdftotext") is None or shutil.which("pdfimages") is None:
        pytest.skip("poppler-utils is not installed and could not be installed "
                    "(.ci/run: apt-get install poppler-utils)")


def _pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


def test_pdf_has_the_french_headings_page_numbers_and_vector_figures(poppler, hostile):
    data, out, _ = hostile
    pdf = out["fr"] / "report.pdf"
    text = _pdftotext(pdf)
    for heading in ("Rapport d'inspection", "En bref", "Chantiers par type et gravité", "Quantités (pour le budget)",
                    "Carte du relevé", "Profil d'état", "Tronçons", "Chantiers par ordre de priorité",
                    "Autres chantiers", "Méthode"):
        assert heading in text, heading
    pages = text.count("\f")
    assert pages >= 3 and f"Page 1 / {pages}" in text and f"Page {pages} / {pages}" in text
    assert "nid de poule" in text and "12/05/2025" in text
    # Map and profile are vectors: their labels are text, and the only pictures are the 3 card crops.
    assert "très mauvais" in text and "distance le long du parcours" in text
    images = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True).stdout
    rows = [line for line in images.splitlines()[2:] if line.strip()]
    assert len(rows) == 3 and all(" jpeg " in r for r in rows)
    # Hostile text is text: the markup is printed as typed.
    assert "<script>window.__pwned = 1</script>" in text.replace("\n", " ")
    size = pdf.stat().st_size
    assert 10_000 < size < 2_000_000


def test_pdf_in_english(poppler, hostile):
    text = _pdftotext(hostile[1]["en"] / "report.pdf")
    for heading in ("Inspection report", "At a glance", "Map of the survey", "Condition profile",
                    "Maintenance sites in priority order"):
        assert heading in text
    assert "Page 1 of" in text and "pothole" in text and "12 May 2025" in text


def test_pdf_keeps_arabic_text_and_names_the_emoji(poppler, hostile):
    """DejaVu Sans draws Arabic, in display order and joined: pdftotext reads the words back as typed; the
    emoji no font of the PDF has is a visible placeholder, not a box."""
    import unicodedata

    text = unicodedata.normalize("NFKC", _pdftotext(hostile[1]["fr"] / "report.pdf"))
    marks = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u200e\u200f"))  # the bidi marks pdftotext adds
    flat = " ".join(text.translate(marks).split())
    assert "Chaussée [U+1F6A7] طريق" in flat
    assert "Tournée <i>test</i> \\u202e[U+1F6A7]" in text  # the project name: the override shown, the emoji named
    assert "\ufffd" not in text and "\u25a1" not in text


def test_pdf_compact_table_lists_every_other_site_with_its_score(poppler, hostile):
    """The compact table is drawn straight on the canvas (its own text operators): each row is there, readable."""
    import re

    out = hostile[1]["fr"]
    html = (out / "report.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr id="(S\d+)"><td class="n">(\d+)</td>.*?<td class="n">([\d,]+)</td>', html)
    assert len(rows) == 3
    text = _pdftotext(out / "report.pdf")
    for site, rank, score in rows:
        assert re.search(rf"^\s*{rank}\s+{site}\s.*\s{re.escape(score)}\s", text, re.M), (site, rank, score)


def test_a_long_right_to_left_note_wraps_in_reading_order(poppler, tmp_path):
    """Broken into lines in reading order, then each line put in display order: the note's first words are on
    its first line on paper, in the card and in the compact table."""
    import unicodedata

    from roadinspect.core.report import build_report
    from roadinspect.core.report_pdf import render_pdf

    (tmp_path / "photos").mkdir()
    data = export_scene(tmp_path / "photos")
    ranked = build_maintenance_list(data).ranked
    note = "بداية " + "طريق مكسور قرب المدرسة " * 12 + "نهاية"
    reviews = dict(data.reviews)
    for r in (ranked[0], ranked[-1]):  # a card, and a site of the compact table (top=1)
        fid = r.site.finding_ids[0]
        reviews[fid] = replace(reviews[fid], note=note)
    data = ProjectData(data.photos, data.findings, reviews, name="x")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render_pdf(build_report(data, build_maintenance_list(data), ReportOptions(top=1))))
    lines = unicodedata.normalize("NFKC", _pdftotext(pdf)).splitlines()
    starts = [i for i, line in enumerate(lines) if "بداية" in line]
    ends = [i for i, line in enumerate(lines) if "نهاية" in line]
    assert len(starts) == len(ends) == 2
    assert all(s < e for s, e in zip(starts, ends, strict=True)), (starts, ends)


def test_report_with_a_base_map_renders_in_chromium_without_error(chromium, tmp_path):
    """The base map is a data: picture inside the map's SVG: the page's policy allows it, nothing is fetched."""
    from tests.core.test_report_basemap import dot_tiles
    from tests.core.test_tiles import make_mbtiles

    (tmp_path / "photos").mkdir()
    data = export_scene(tmp_path / "photos")
    first = min((p for p in data.photos.values() if p.position is not None), key=lambda p: p.taken_at).position
    tiles = make_mbtiles(tmp_path / "fond.mbtiles", dot_tiles(first.lat, first.lon, z=18, around=3))
    out = tmp_path / "out"
    result = export_project(data, out, formats=["report"], report=ReportOptions(lang="fr", top=2,
                                                                                base_map=str(tiles)))
    assert result.ok, result.errors
    with Browser(chromium, tmp_path / "profile") as browser:
        session = browser.open((out / "report.html").as_uri())
        errors = browser.errors(session)
        picture = browser.evaluate(session, """(() => { const i = document.querySelector('svg.map image');
            const b = i.getBBox(); return {w: b.width, h: b.height, href: i.getAttribute('href').slice(0, 23),
            images: document.querySelectorAll('svg image').length}; })()""")
    assert errors == []
    assert picture["images"] == 1 and picture["href"] == "data:image/jpeg;base64," and picture["w"] > 300
