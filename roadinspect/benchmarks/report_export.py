"""``roadinspect bench report``: time and size of the supervisor's report (report.html + report.pdf) of a large survey.

The survey: ``--count`` photos (default 2,000) every 4.5 m along the sample road and 1.6 maintenance
sites per photo (the ratio of a real 128-photo survey that gave 205 sites), a third of them confirmed
by an inspector, types and severities mixed, metric measures. The evidence photos of the first 50
sites of the list (the cards) are real 12-megapixel geotagged JPEGs rendered by ``core.synth`` (one
scene encoded once, as ``bench ingest`` does), each with a 700 x 450 px pothole outline; the other
photos need no file, since the report reads only the cards' photos. The maintenance list is built
once; each repeat times ``exports.project.export_project(formats=["report"])``: the content (crops decoded and
encoded, map, profile), ``report.html`` and ``report.pdf`` written atomically. The median repeat is
reported with both files' sizes. Goals (issue 19): under 20 MB, under 10 s.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from roadinspect.benchmarks import BenchOptions

SITES_PER_PHOTO = 205 / 128
DEFAULT_COUNT = 2000
GOAL_MB = 20.0
GOAL_S = 10.0


def make_survey(folder: Path, count: int, cards: int = 50):  # (ProjectData, MaintenanceList)
    """The benchmark survey (see the module docstring); the cards' photos are written into ``folder``."""
    import numpy as np

    from roadinspect.core.maintenance import MaintenanceList, ProjectData
    from roadinspect.core.priority import rank_sites
    from roadinspect.core.report import order_sites
    from roadinspect.core.sections import build_sections, site_sections
    from roadinspect.core.sites import Site
    from roadinspect.core.synth import SAMPLE_START, make_benchmark_batch, road_track
    from roadinspect.core.types import DamageClass, Finding, Photo, ReviewStatus, Severity

    photos = {}
    for i, (position, heading) in enumerate(road_track(count, 4.5)):
        photos[i + 1] = Photo(path=folder / f"IMG_{i:05d}.jpg", sha256="", size_bytes=0, width=4000, height=3000,
                              position=position, heading_deg=heading,
                              taken_at=SAMPLE_START + timedelta(seconds=i * 4.5 / 13.9))
    rng = np.random.default_rng(19)
    kinds = ("pothole", "longitudinal", "transverse", "alligator", "isolated")
    sites = []
    for k in range(round(count * SITES_PER_PHOTO)):
        pid = int(rng.integers(1, count + 1))
        kind = kinds[int(rng.integers(0, len(kinds)))]
        x, y = float(rng.uniform(600, 2800)), float(rng.uniform(1500, 2400))
        polygon = f"POLYGON(({x} {y}, {x + 700} {y}, {x + 750} {y + 450}, {x - 50} {y + 400}, {x} {y}))"
        measures = {"metric": 1.0, "area_m2": float(rng.uniform(0.05, 2.0)), "length_m": float(rng.uniform(0.5, 8.0)),
                    "uncertainty_rel": 0.3}
        f = Finding(DamageClass.POTHOLE if kind == "pothole" else DamageClass.CRACK, polygon,
                    float(rng.uniform(0.4, 0.99)), kind, (Severity.LOW, Severity.MEDIUM, Severity.HIGH)[k % 3],
                    measures, photos[pid].position, id=k + 1, photo_id=pid)
        sites.append(Site(id=f"S{k + 1}", damage=f.damage, kind=kind, severity=f.severity, confidence=f.confidence,
                          status=ReviewStatus.ACCEPTED if k % 3 == 0 else ReviewStatus.PENDING,
                          position=photos[pid].position, finding_ids=(k + 1,), evidence_id=k + 1, photo_ids=(pid,),
                          photo_files=(photos[pid].path.name,), first_seen=photos[pid].taken_at,
                          last_seen=photos[pid].taken_at, measures=measures, notes="", findings=(f,)))
    sections = build_sections(photos.values(), sites)
    mlist = MaintenanceList(rank_sites(sites), sections, site_sections(sections))
    card_photos = sorted({shown for r in order_sites(mlist.ranked)[:cards]
                          if (shown := r.site.evidence.photo_id) is not None})
    written = make_benchmark_batch(folder / "cards", len(card_photos))
    for pid, path in zip(card_photos, written, strict=True):
        photos[pid] = replace(photos[pid], path=path)
    data = ProjectData(photos, [s.findings[0] for s in sites], {}, name="benchmark")
    return data, mlist


def run(args: BenchOptions) -> dict:
    """Build the survey, time the report export ``--repeats`` times (default 3); sizes and the median time."""
    from roadinspect.core.exports.project import export_project
    from roadinspect.core.report import ReportOptions

    count = args.count or DEFAULT_COUNT
    repeats = args.repeats or 3
    with tempfile.TemporaryDirectory(prefix="roadinspect-bench-report-", dir=args.dir) as tmp:
        folder = Path(tmp)
        data, mlist = make_survey(folder, count)
        times = []
        for i in range(repeats):
            out = folder / f"out{i}"
            start = time.perf_counter()
            result = export_project(data, out, formats=["report"], mlist=mlist, report=ReportOptions(lang="fr"))
            times.append(time.perf_counter() - start)
            if not result.ok:
                raise RuntimeError("; ".join(str(e) for e in result.errors))
        html_mb = (out / "report.html").stat().st_size / 1e6
        pdf_mb = (out / "report.pdf").stat().st_size / 1e6
    seconds = statistics.median(times)
    return {"photos": count, "sites": mlist.site_count, "sections": len(mlist.sections), "cards": 50,
            "seconds": round(seconds, 2), "all_seconds": [round(t, 2) for t in times],
            "html_mb": round(html_mb, 2), "pdf_mb": round(pdf_mb, 2),
            "goal_mb": GOAL_MB, "goal_s": GOAL_S, "ok": seconds < GOAL_S and max(html_mb, pdf_mb) < GOAL_MB}


def format_result(r: dict) -> str:
    """Human-readable lines."""
    return (f"report of {r['photos']:,} photos, {r['sites']:,} sites, {r['sections']} sections, {r['cards']} cards: "
            f"{r['seconds']:.1f} s median of {r['all_seconds']} (goal < {r['goal_s']:g} s); "
            f"report.html {r['html_mb']:.1f} MB, report.pdf {r['pdf_mb']:.1f} MB (goal < {r['goal_mb']:g} MB)")
