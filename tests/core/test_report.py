"""The report's content and rules: language and formats, order of the list, figures, bad input (no browser needed)."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from roadinspect.cli import main
from roadinspect.core import report_text
from roadinspect.core.geo import MetricFrame, offset_position
from roadinspect.core.maintenance import MaintenanceList, ProjectData, build_maintenance_list
from roadinspect.core.priority import rank_sites
from roadinspect.core.report import ReportOptions, build_report, order_sites, render_html, survey_rows
from roadinspect.core.report_figures import Line, Rect, Text, condition_profile, nice_length
from roadinspect.core.report_pdf import render_pdf
from roadinspect.core.report_text import Texts, resolve_language
from roadinspect.core.sections import build_sections, site_sections
from roadinspect.core.sites import Site
from roadinspect.core.types import DamageClass, Finding, Photo, Review, ReviewStatus, Severity
from tests.core.scenes import NANTES, export_scene


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    data = export_scene(tmp_path_factory.mktemp("photos"))
    return data, build_maintenance_list(data)


def _pages(pdf: bytes) -> int:
    return int(re.search(rb"/Count (\d+)", pdf).group(1))


# ----------------------------------------------------------------------------- language and formats
def test_numbers_and_dates_follow_the_language():
    fr, en = Texts("fr"), Texts("en")
    assert fr.num(1234.56, 1) == "1\u202f234,6" and en.num(1234.56, 1) == "1,234.6"
    assert fr.num(-1.55, 2) == "-1,55" and en.num(-1.55, 2) == "-1.55"
    assert fr.int(5000) == "5\u202f000" and en.int(5000) == "5,000"
    assert fr.pct(0.123) == "12\u202f%" and en.pct(0.123) == "12%"
    day = datetime(2026, 11, 29, 14, 5)
    assert fr.date(day) == "29/11/2026" and en.date(day) == "29 Nov 2026"
    assert fr.datetime(day) == "29/11/2026 14:05"
    assert fr.date_span(day, day + timedelta(hours=2)) == "29/11/2026"
    assert en.date_span(day, day + timedelta(days=1)) == "29 Nov 2026 – 30 Nov 2026"
    assert fr.kind("pothole") == "nid de poule" and en.kind("pothole") == "pothole"
    assert fr.rating("very poor") == "mauvais" and fr.severity(Severity.HIGH) == "élevée"
    with pytest.raises(ValueError, match="de"):
        Texts("de")


def test_language_setting_resolves_to_french_on_a_french_system(monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert resolve_language("system") == "fr" and resolve_language(None) == "fr" and resolve_language("en") == "en"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert resolve_language("system") == "en" and resolve_language("fr") == "fr"
    monkeypatch.setenv("LC_ALL", "fr_CA.UTF-8")
    assert report_text.system_language() == "fr"


def test_report_in_french_and_english(scene):
    data, mlist = scene
    fr = render_html(build_report(data, mlist, ReportOptions(lang="fr"))).decode()
    en = render_html(build_report(data, mlist, ReportOptions(lang="en"))).decode()
    assert '<html lang="fr">' in fr and "Rapport d&#x27;inspection" in fr and "Inspection report" not in fr
    assert "Profil d&#x27;état" in fr and "nid de poule" in fr and "12/05/2025" in fr
    assert '<html lang="en">' in en and "Inspection report" in en and "pothole" in en and "12 May 2025" in en
    assert "Rapport" not in en and "nid de poule" not in en


# ----------------------------------------------------------------------------- the list
def _with_pending(data: ProjectData, mlist: MaintenanceList, count: int) -> ProjectData:
    """The scene with the reviews of the ``count`` best-ranked sites removed (they become pending)."""
    reviews = dict(data.reviews)
    for r in mlist.ranked[:count]:
        for fid in r.site.finding_ids:
            reviews.pop(fid, None)
    return ProjectData(data.photos, data.findings, reviews, name=data.name)


def test_confirmed_sites_come_first_then_pending_each_in_rank_order(scene):
    data, mlist = scene
    pending = _with_pending(data, mlist, 2)
    plist = build_maintenance_list(pending)
    ordered = order_sites(plist.ranked)
    statuses = [r.site.status for r in ordered]
    assert statuses == [ReviewStatus.ACCEPTED] * 4 + [ReviewStatus.PENDING] * 2
    assert [r.rank for r in ordered] == [3, 4, 5, 6, 1, 2]
    content = build_report(pending, plist, ReportOptions(top=3))
    assert [r.rank for r in content.cards] == [3, 4, 5] and [r.rank for r in content.rest] == [6, 1, 2]
    html = render_html(content).decode()
    assert html.count("<article") == 3 and html.count("data:image/jpeg") == 3
    positions = [html.index(f'id="{r.site.id}"') for r in ordered]
    assert positions == sorted(positions)
    everything = build_report(pending, plist, ReportOptions(top=0))
    assert len(everything.cards) == 6 and everything.rest == []


def test_rejected_findings_only_when_asked(scene):
    data, mlist = scene
    rejected = [f for f, r in data.reviews.items() if r.status == ReviewStatus.REJECTED]
    assert rejected
    plain = render_html(build_report(data, mlist, ReportOptions(lang="en"))).decode()
    assert 'id="rejected"' not in plain and f"{len(rejected)} findings rejected by an inspector" in plain
    asked = build_report(data, mlist, ReportOptions(lang="en", include_rejected=True))
    assert sorted(f.id for f, _ in asked.rejected) == sorted(rejected)
    html = render_html(asked).decode()
    assert 'id="rejected"' in html and f"Rejected findings ({len(rejected)})" in html


def test_report_top_must_be_a_whole_number():
    with pytest.raises(ValueError, match="0 = all"):
        ReportOptions(top=-1)
    with pytest.raises(ValueError, match="language"):
        ReportOptions(lang="de")


def test_glance_counts_and_budget_quantities(scene):
    data, mlist = scene
    s = build_report(data, mlist).summary
    potholes = [r.site for r in mlist.ranked if r.site.kind == "pothole"]
    assert sum(s.by_type["pothole"].values()) == len(potholes)
    assert sum(s.quantities["pothole"].values()) == pytest.approx(sum(p.measures["area_m2"] for p in potholes))
    high = sum(p.measures["area_m2"] for p in potholes if p.severity == Severity.HIGH)
    assert s.quantities["pothole"][Severity.HIGH] == pytest.approx(high)
    cracks = [r.site for r in mlist.ranked if r.site.kind != "pothole" and r.site.kind != "alligator"]
    assert sum(s.quantities["cracks"].values()) == pytest.approx(sum(c.measures["length_m"] for c in cracks))
    assert sum(s.by_status.values()) == mlist.site_count
    assert s.km == pytest.approx(sum(sec.length_m for sec in mlist.sections) / 1000.0)
    assert s.photos == len(data.photos) and s.located == len(data.photos)
    [(who, counts)] = s.reviewers
    assert who == "Zoé" and sum(counts.values()) == len(data.reviews)


# ----------------------------------------------------------------------------- figures
def test_map_is_metric_north_up_with_a_true_scale_bar(scene):
    data, mlist = scene
    content = build_report(data, mlist)
    fig = content.map
    # The scale bar's two halves give points per metre; two photos' distance on the map must agree.
    bars = [s for s in fig.shapes if isinstance(s, Rect) and s.h == 3]
    bar_pt = sum(b.w for b in bars)
    label = [s.text for s in fig.shapes if isinstance(s, Text) and s.text.endswith("\u00a0m")][0]
    metres = float(label.split("\u00a0")[0].replace(",", "."))
    assert metres == nice_length(metres) and bar_pt > 20
    pts_per_m = bar_pt / metres
    track = next(s for s in fig.shapes if isinstance(s, Line))
    photos = sorted(data.photos.values(), key=lambda p: p.taken_at)
    frame = MetricFrame.around([p.position for p in photos])
    xy = frame.to_xy([photos[0].position, photos[-1].position])
    true_m = float(np.hypot(*(xy[1] - xy[0])))
    (x0, y0), (x1, y1) = track.points[0], track.points[-1]
    assert np.hypot(x1 - x0, y1 - y0) / pts_per_m == pytest.approx(true_m, rel=0.02)
    # The drive heads north-east (30 degrees): on the map it goes right and up (y down in the figure).
    assert x1 > x0 and y1 < y0 and (x1 - x0) / (y0 - y1) == pytest.approx(np.tan(np.radians(30)), rel=0.05)
    numbered = {s.text for s in fig.shapes if isinstance(s, Text) and s.bold and s.text.isdigit()}
    assert numbered == {str(r.rank) for r in mlist.ranked}
    assert "N" in {s.text for s in fig.shapes if isinstance(s, Text)}


def _section(run: int, index: int, start: float, end: float, score: float):
    from roadinspect.core.sections import Section, rating_for

    return Section(id=f"T{run}-{index:03d}", run=run, index=index, start_m=start, end_m=end, line=(), score=score,
                   rating=rating_for(score), deductions=(), site_ids=())


def test_profile_names_the_worst_sections_and_places_scores_on_the_axis():
    sections = [_section(1, 1, 0, 100, 100.0), _section(1, 2, 100, 200, 40.0), _section(1, 3, 200, 300, 90.0),
                _section(2, 1, 0, 100, 12.0), _section(2, 2, 100, 180, 70.0), _section(2, 3, 180, 280, 100.0)]
    fig = condition_profile(sections, Texts("en"), worst=3)
    labels = [s.text for s in fig.shapes if isinstance(s, Text) and s.text.startswith("T")]
    assert sorted(labels) == ["T1-002 (40.0)", "T2-001 (12.0)", "T2-002 (70.0)"]
    steps = [s for s in fig.shapes if isinstance(s, Line) and s.width == 1.4]
    assert len(steps) == 2  # one per run
    top, bottom = 10.0, 200.0 - 30.0
    ys = sorted({y for line in steps for _, y in line.points})
    expected = sorted({round(top + (100 - s.score) / 100 * (bottom - top), 1) for s in sections})
    assert ys == expected
    # The second run starts where the first ended (300 m of 580 m), with a dashed break there.
    dashed = [s for s in fig.shapes if isinstance(s, Line) and s.dash]
    assert len(dashed) == 1 and dashed[0].points[0][0] == pytest.approx(34 + 300 / 580 * (520 - 44), abs=0.1)
    assert condition_profile([], Texts("fr")) is None


# ----------------------------------------------------------------------------- bad input
def test_no_position_no_map_and_it_says_why(scene):
    data, _ = scene
    blind = ProjectData({k: replace(p, position=None) for k, p in data.photos.items()},
                        [replace(f, ground=None) for f in data.findings], data.reviews, name=data.name)
    mlist = build_maintenance_list(blind)
    content = build_report(blind, mlist)
    assert content.map is None and content.profile is None and mlist.sections == []
    html = render_html(content).decode()
    assert "Pas de carte : aucune photo de ce relevé n&#x27;a de position GPS" in html
    assert "Pas de profil" in html and "<svg" not in html
    assert render_pdf(content)[:5] == b"%PDF-"


def test_no_finding_is_a_short_report_saying_the_road_is_clean(scene):
    data, _ = scene
    clean = ProjectData(data.photos, [], {}, name="Route propre")
    mlist = build_maintenance_list(clean)
    content = build_report(clean, mlist)
    html = render_html(content).decode()
    assert "la route relevée est sans chantier d&#x27;entretien" in html and "<article" not in html
    assert "Son tronçon est noté 100/100." in html and 'id="profile"' not in html
    assert 'id="sites"' not in html and html.count("<svg") == 1  # the track is still mapped
    pdf = render_pdf(content)
    assert _pages(pdf) == 1


def test_one_section_only(scene):
    data, _ = scene
    first = dict(list(sorted(data.photos.items()))[:3])
    one = ProjectData(first, [f for f in data.findings if f.photo_id in first], data.reviews)
    mlist = build_maintenance_list(one)
    assert len(mlist.sections) == 1
    content = build_report(one, mlist)
    assert content.profile is not None and content.map is not None
    assert render_pdf(content)[:5] == b"%PDF-" and b"T1-001" in render_html(content)


def _big_survey(n_photos: int, n_sites: int) -> tuple[ProjectData, MaintenanceList]:
    """A straight 10 m-step drive of ``n_photos`` photos and ``n_sites`` pending sites along it (no files)."""
    t0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    photos = {i + 1: Photo(path=Path(f"/survey/IMG_{i:05d}.jpg"), sha256="", size_bytes=1, width=1024, height=768,
                           position=offset_position(NANTES, 60.0, 0.0, 10.0 * i), taken_at=t0 + timedelta(seconds=i))
              for i in range(n_photos)}
    rng = np.random.default_rng(3)
    sites = []
    for k in range(n_sites):
        pid = int(rng.integers(1, n_photos + 1))
        pothole = k % 3 == 0
        f = Finding(DamageClass.POTHOLE if pothole else DamageClass.CRACK,
                    "POLYGON((10 10, 50 10, 50 40, 10 40, 10 10))",
                    0.5 + 0.5 * rng.random(), "pothole" if pothole else "longitudinal",
                    [Severity.LOW, Severity.MEDIUM, Severity.HIGH][k % 3],
                    {"metric": 1.0, "area_m2": 0.3, "length_m": 1.5}, photos[pid].position, id=k + 1, photo_id=pid)
        sites.append(Site(id=f"S{k + 1}", damage=f.damage, kind=f.kind, severity=f.severity, confidence=f.confidence,
                          status=ReviewStatus.ACCEPTED if k % 7 == 0 else ReviewStatus.PENDING,
                          position=photos[pid].position, finding_ids=(f.id,), evidence_id=f.id, photo_ids=(pid,),
                          photo_files=(photos[pid].path.name,), first_seen=photos[pid].taken_at,
                          last_seen=photos[pid].taken_at, measures=f.measures, notes="<b>x</b> \u202e🚧" * (k % 2),
                          findings=(f,)))
    sections = build_sections(photos.values(), sites)
    data = ProjectData(photos, [s.findings[0] for s in sites], {}, name="grand relevé")
    return data, MaintenanceList(rank_sites(sites), sections, site_sections(sections))


def test_five_thousand_sites_fifty_cards_and_a_compact_table():
    data, mlist = _big_survey(2000, 5000)
    content = build_report(data, mlist)
    assert len(content.cards) == 50 and len(content.rest) == 4950
    html = render_html(content)
    assert html.count(b"<article") == 50 and html.count(b"<tr id=") == 4950
    assert b"Photo indisponible" in html  # the fabricated photos have no file: said on each card
    assert len(html) < 5_000_000
    # The PDF's compact table splits over pages, header on each (a part of it: the PDF of all 5,000 takes seconds).
    pdf = render_pdf(replace(content, rest=content.rest[:1500]))
    assert pdf[:5] == b"%PDF-" and _pages(pdf) > 40


# ----------------------------------------------------------------------------- the command
def test_export_command_report_options(tmp_path, monkeypatch, scene):
    data, _ = scene
    from roadinspect.core.store import Store

    path = tmp_path / "p.roadinspect"
    store = Store.open(path)
    try:
        ids = store.add_batch([data.photos[k] for k in sorted(data.photos)]).photo_ids
        analysis = store.start_analysis("seg-2026.11.26", "0" * 64)
        for old, pid in zip(sorted(data.photos), ids, strict=True):
            store.record_photo_result(pid, analysis, [f for f in data.findings if f.photo_id == old])
        store.finish_analysis(analysis, "done")
    finally:
        store.close()
    out = tmp_path / "out"
    assert main(["export", str(path), "--out", str(out), "--formats", "report", "--lang", "en",
                 "--report-top", "2"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and html.count("<article") == 2 and "seg-2026.11.26 (16)" in html
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-" and sorted(p.name for p in out.iterdir()) == [
        "report.html", "report.pdf"]
    monkeypatch.setattr("roadinspect.cli._app_language_setting", lambda: "system")
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert main(["export", str(path), "--out", str(out), "--formats", "report"]) == 0
    assert '<html lang="fr">' in (out / "report.html").read_text(encoding="utf-8")
    monkeypatch.setattr("roadinspect.cli._app_language_setting", lambda: "en")
    assert main(["export", str(path), "--out", str(out), "--formats", "report"]) == 0
    assert '<html lang="en">' in (out / "report.html").read_text(encoding="utf-8")


def test_export_command_rejects_a_negative_top(tmp_path, capsys):
    assert main(["export", str(tmp_path / "x.roadinspect"), "--out", str(tmp_path), "--report-top", "-1"]) == 2
    assert "report top" in capsys.readouterr().err



def test_a_note_longer_than_a_page_flows_on_in_the_pdf(scene):
    data, _ = scene
    long_note = "Très longue note de l'inspecteur. " * 2500  # about 25 pages of text
    reviews = {fid: replace(r, note=long_note) for fid, r in data.reviews.items()}
    noted = ProjectData(data.photos, data.findings, reviews, name=data.name)
    mlist = build_maintenance_list(noted)
    for top in (50, 1):  # the note on a card, then in the compact table (cut there; the HTML has it whole)
        content = build_report(noted, mlist, ReportOptions(top=top, include_rejected=True))
        pdf = render_pdf(content)
        assert pdf[:5] == b"%PDF-"
        assert html.escape(long_note.strip(), quote=True) in render_html(content).decode()


def test_many_reviewers_are_summed_up_on_the_first_page(scene):
    data, _ = scene
    reviews = {f.id: Review(f.id, ReviewStatus.ACCEPTED, reviewer=f"inspecteur {f.id:02d}") for f in data.findings}
    assert len(reviews) > 12
    many = ProjectData(data.photos, data.findings, reviews)
    content = build_report(many, build_maintenance_list(many))
    review_row = dict(survey_rows(content))["Revue"]
    assert review_row.count("inspecteur ") == 11 and f"… et {len(reviews) - 11} autres inspecteurs" in review_row
    assert render_pdf(content)[:5] == b"%PDF-"


def test_each_photo_is_decoded_once_for_all_its_cards(scene, monkeypatch):
    from roadinspect.core import report

    data, mlist = scene
    first = mlist.ranked[0]
    twin = replace(first, site=replace(first.site, id="S99"), rank=len(mlist.ranked) + 1)  # a second site on its photo
    both = MaintenanceList([*mlist.ranked, twin], mlist.sections, mlist.site_section)
    decoded = []
    real = report._decode_upright
    monkeypatch.setattr(report, "_decode_upright",
                        lambda photo, factor: decoded.append(photo.path) or real(photo, factor))
    content = build_report(data, both, ReportOptions(top=0))
    assert len(content.cards) == len(mlist.ranked) + 1
    assert sorted(decoded) == sorted({data.photos[r.site.evidence.photo_id].path for r in content.cards})
    assert content.crops["S99"].jpeg == content.crops[first.site.id].jpeg is not None
    assert all(c.jpeg for c in content.crops.values())
