"""GPX files are streamed (issue 12 point 13): memory follows the points kept, not the XML tree, and
the reader keeps what gpxpy read (GPX 1.0 and 1.1, times with zones or fractions, elevation)."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roadinspect.core.track import TrackError, load_gpx

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def test_memory_follows_the_points_not_the_xml_tree(tmp_path: Path) -> None:
    path = tmp_path / "long.gpx"
    n = 40_000
    with open(path, "w", encoding="utf-8") as f:
        f.write('<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>')
        for i in range(n):
            f.write(f'<trkpt lat="47.2" lon="-1.5"><ele>12.5</ele><time>{(T0 + timedelta(seconds=i)).isoformat()}'
                    "</time><extensions><speed>3.1</speed><course>12</course></extensions></trkpt>\n")
        f.write("</trkseg></trk></gpx>")
    tracemalloc.start()
    try:
        track = load_gpx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(track.points) == n
    # about 180 bytes a point when each element is dropped once read; over 1 KB when the tree is kept
    assert peak / n < 400, f"{peak / n:.0f} bytes per point"


def test_points_times_and_namespaces(tmp_path: Path) -> None:
    path = tmp_path / "mixed.gpx"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.0" xmlns="http://www.topografix.com/GPX/1/0">'
        '<wpt lat="1" lon="1"><time>2026-11-20T07:00:00Z</time></wpt>'
        '<rte><rtept lat="2" lon="2"><time>2026-11-20T07:00:01Z</time></rtept></rte>'
        "<trk><name>RD 1029</name><trkseg>"
        '<trkpt lat="47.3" lon="-1.6"><time>2026-11-20T09:00:02.500+01:00</time><ele>15.2</ele></trkpt>'
        '<trkpt lat="47.1" lon="-1.5"><ele>bad</ele><time>2026-11-20T08:00:00Z</time></trkpt>'
        '<trkpt lat="47.2" lon="-1.55"><time>2026-11-20T08:00:01</time></trkpt>'
        '<trkpt lat="95" lon="-1.55"><time>2026-11-20T08:00:03Z</time></trkpt>'
        '<trkpt lat="47.2" lon="-1.55"><time>yesterday</time></trkpt>'
        '<trkpt lat="47.2" lon="-1.55"/>'
        "</trkseg></trk></gpx>", encoding="utf-8")
    track = load_gpx(path)
    t = T0.timestamp()
    assert [(p.t - t, p.lat, p.ele) for p in track.points] == [(0.0, 47.1, None), (1.0, 47.2, None),
                                                               (2.5, 47.3, 15.2)]


@pytest.mark.parametrize(("text", "words"), [
    ("<kml><Document/></kml>", "not a GPX file"),
    ('<gpx><trk><trkseg><trkpt lat="1" lon="1"><time>2026-11-20T08:00:00Z</time>', "not a readable GPX"),
    ("\ufeffnot xml at all", "not a readable GPX"),
])
def test_not_gpx_is_one_line_naming_the_file(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "trace vélo.gpx"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TrackError) as caught:
        load_gpx(path)
    assert str(path) in str(caught.value) and words in str(caught.value) and "\n" not in str(caught.value)
