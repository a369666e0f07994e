"""The offline base map under the report's map (issue 19): the user's tile file, in place, credited, once, offline."""

from __future__ import annotations

import base64
import io
import math
import re
import shutil
import socket
import subprocess

import numpy as np
import pytest
from PIL import Image

from roadinspect.core import report_basemap
from roadinspect.core.maintenance import build_maintenance_list
from roadinspect.core.report import ReportOptions, build_report, render_html
from roadinspect.core.report_figures import Line, Picture, to_svg
from roadinspect.core.report_pdf import render_pdf
from tests.core.scenes import export_scene
from tests.core.test_tiles import make_gpkg_tiles, make_mbtiles

CREDIT = "© Département test, Plan IGN"
ZOOM = 17
DOT_M = 6.0  # radius of the black dot drawn in the tiles at the first photo's position


def _global_px(lat: float, lon: float, z: int) -> tuple[float, float]:
    size = 256 * (1 << z)
    phi = math.radians(lat)
    return (lon + 180.0) / 360.0 * size, (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2.0 * size


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def dot_tiles(lat: float, lon: float, z: int = ZOOM, around: int = 6,
              more: tuple[tuple[float, float], ...] = ()) -> dict[tuple[int, int, int], bytes]:
    """White XYZ tiles around (lat, lon) with a black dot of DOT_M metres radius centred exactly on it
    (and on each of ``more``)."""
    cx, cy = _global_px(lat, lon, z)
    centres = [(cx, cy)] + [_global_px(a, o, z) for a, o in more]
    metres_per_px = 2 * math.pi * 6378137.0 * math.cos(math.radians(lat)) / (256 * (1 << z))
    r = DOT_M / metres_per_px
    tx, ty = int(cx // 256), int(cy // 256)
    tiles = {}
    yy, xx = np.mgrid[0:256, 0:256] + 0.5
    for x in range(tx - around, tx + around + 1):
        for y in range(ty - around, ty + around + 1):
            inside = np.zeros((256, 256), dtype=bool)
            for ccx, ccy in centres:
                inside |= (xx + x * 256 - ccx) ** 2 + (yy + y * 256 - ccy) ** 2 <= r * r
            pixels = np.where(inside, 0, 255).astype(np.uint8)
            tiles[(z, x, y)] = _png(Image.fromarray(pixels).convert("RGB"))
    return tiles


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    data = export_scene(tmp_path_factory.mktemp("photos"))
    return data, build_maintenance_list(data)


@pytest.fixture(scope="module")
def first_photo(scene):
    data, _ = scene
    return min((p for p in data.photos.values() if p.position is not None), key=lambda p: p.taken_at)


@pytest.fixture(scope="module")
def last_photo(scene):
    data, _ = scene
    return max((p for p in data.photos.values() if p.position is not None), key=lambda p: p.taken_at)


@pytest.fixture(scope="module")
def mbtiles(tmp_path_factory, first_photo, last_photo):
    path = tmp_path_factory.mktemp("tiles") / "fond.mbtiles"
    end = last_photo.position
    tiles = dot_tiles(first_photo.position.lat, first_photo.position.lon, z=19, more=((end.lat, end.lon),))
    return make_mbtiles(path, tiles, attribution=CREDIT)


def _picture(fig) -> Picture:
    pictures = [s for s in fig.shapes if isinstance(s, Picture)]
    assert len(pictures) == 1
    return pictures[0]


def _dark_centroid(jpeg: bytes, near: tuple[float, float] | None = None) -> tuple[float, float, Image.Image]:
    """Centroid (picture pixels) of the dark pixels, or of those within 40 px of ``near`` (picture pixels)."""
    img = Image.open(io.BytesIO(jpeg)).convert("L")
    a = np.asarray(img, dtype=np.float64)
    ys, xs = np.nonzero(a < 128)
    if near is not None:
        keep = np.hypot(xs - near[0], ys - near[1]) < 40
        xs, ys = xs[keep], ys[keep]
    assert len(xs) > 10, "the dot of the base map is not in the picture"
    return float(xs.mean()), float(ys.mean()), img


def test_base_map_is_drawn_under_the_track_in_place_and_credited(scene, mbtiles):
    data, mlist = scene
    plain = build_report(data, mlist)
    content = build_report(data, mlist, ReportOptions(base_map=str(mbtiles)))
    fig = content.map
    pic = _picture(fig)
    assert fig.shapes.index(pic) == 0 and (pic.x, pic.y, pic.w) == (0, 0, fig.width)
    assert fig.credit == CREDIT and not fig.note
    # The same map otherwise: the track, the sites and the scale bar sit where they sat without the base map.
    plain_lines = [s for s in plain.map.shapes if isinstance(s, Line)]
    assert [s for s in fig.shapes if isinstance(s, Line)] == plain_lines
    # The dot the tiles draw at the first photo's position lies under the track's first point (rows not
    # flipped, coordinates not swapped, the right tile and the right scale): within 1.5 points.
    k = 2.0  # picture pixels per point
    for point in (plain_lines[0].points[0], plain_lines[0].points[-1]):  # the first and the last photo
        x, y, img = _dark_centroid(pic.jpeg, near=(point[0] * k, point[1] * k))
        assert img.width == round(pic.w * k)
        assert abs(x / k - point[0]) < 1.0 and abs(y / k - point[1]) < 1.0
    # ... and its size is the true size at the map's scale (a dot of DOT_M metres radius).
    bars = [s for s in fig.shapes if type(s).__name__ == "Rect" and s.h == 3]
    label = [s.text for s in fig.shapes if type(s).__name__ == "Text" and s.text.endswith("\u00a0m")][0]
    pts_per_m = sum(b.w for b in bars) / float(label.split("\u00a0")[0].replace(",", "."))
    dark = np.count_nonzero(np.asarray(img) < 128) / (k * k) / 2  # dark area of one dot in square points
    assert dark == pytest.approx(math.pi * (DOT_M * pts_per_m) ** 2, rel=0.25)
    # ... and round, pixel for pixel: the dark pixels are those within its radius of its true place (a
    # resampling that flips or shifts the mesh cells leaves its edge ragged).
    a = np.asarray(img) < 128
    ys, xs = np.mgrid[0:a.shape[0], 0:a.shape[1]]
    disc = np.zeros_like(a)
    for point in (plain_lines[0].points[0], plain_lines[0].points[-1]):
        disc |= np.hypot(xs + 0.5 - point[0] * k, ys + 0.5 - point[1] * k) < DOT_M * pts_per_m * k
    assert np.count_nonzero(a ^ disc) < 0.04 * np.count_nonzero(disc)  # 1.5 % when right, 10 % with cells flipped
    # Lightened so that the track reads over it, and bounded in size.
    assert 200 <= np.asarray(img).max() and np.percentile(np.asarray(img), 50) > 240
    assert len(pic.jpeg) < 400_000 and img.width <= 2 * fig.width + 1


def test_the_zoom_is_the_coarsest_as_sharp_as_the_picture_within_the_file():
    class Levels:
        min_zoom, max_zoom = 10, 19

    at_47 = 2 * math.pi * 6378137.0 * math.cos(math.radians(47.2)) / 256  # metres per tile pixel at zoom 0
    for z in (12, 15, 18):
        res = at_47 / (1 << z)
        assert report_basemap._zoom_for(res, 47.2, Levels) == z  # exactly as fine
        assert report_basemap._zoom_for(res * 1.3, 47.2, Levels) == z  # a little coarser picture: same level
        assert report_basemap._zoom_for(res * 0.9, 47.2, Levels) == z + 1  # finer: the next level
    assert report_basemap._zoom_for(0.01, 47.2, Levels) == 19 and report_basemap._zoom_for(5000, 47.2, Levels) == 10


def test_html_embeds_the_base_map_once_with_its_credit_and_no_address(scene, mbtiles):
    data, mlist = scene
    html = render_html(build_report(data, mlist, ReportOptions(base_map=str(mbtiles), lang="fr"))).decode()
    assert html.count("<image ") == 1 and html.count("data:image/jpeg;base64,") == 1 + html.count("<img ")
    assert "Fond de carte : © Département test, Plan IGN (fichier fond.mbtiles)." in html
    assert CREDIT in re.search(r'<svg[^>]*class="figure map".*?</svg>', html, re.S).group(0)
    assert "default-src 'none'; img-src data:" in html  # the base map is a data: picture, nothing is fetched
    plain = render_html(build_report(data, mlist)).decode()
    assert "<image " not in plain and "Fond de carte" not in plain


def test_pdf_embeds_the_base_map_once_as_the_jpeg(scene, mbtiles):
    data, mlist = scene
    content = build_report(data, mlist, ReportOptions(base_map=str(mbtiles), top=0))
    pdf = render_pdf(content)
    plain = render_pdf(build_report(data, mlist, ReportOptions(top=0)))
    images = len(re.findall(rb"/Subtype /Image", pdf))
    assert images == len(re.findall(rb"/Subtype /Image", plain)) + 1
    jpeg = _picture(content.map).jpeg
    assert len(pdf) - len(plain) < len(jpeg) + 20_000  # the JPEG as it is, once (not re-encoded, not twice)


def test_base_map_from_a_geopackage(scene, first_photo, tmp_path):
    data, mlist = scene
    lat, lon = first_photo.position.lat, first_photo.position.lon
    tiles = dot_tiles(lat, lon, around=3)
    col0, row0 = min(x for _, x, _ in tiles), min(y for _, _, y in tiles)
    path = make_gpkg_tiles(tmp_path / "plan.gpkg", ZOOM, col0, row0,
                           {(x - col0, y - row0): v for (_, x, y), v in tiles.items()}, width=7, height=7)
    fig = build_report(data, mlist, ReportOptions(base_map=str(path))).map
    x, y, img = _dark_centroid(_picture(fig).jpeg)
    plain = build_report(data, mlist).map
    start = next(s for s in plain.shapes if isinstance(s, Line)).points[0]
    k = img.width / fig.width
    assert abs(x / k - start[0]) < 1.5 and abs(y / k - start[1]) < 1.5
    assert fig.credit == "Plan IGN (extrait)"


def test_a_missing_tile_is_taken_from_a_coarser_level(scene, first_photo, tmp_path):
    data, mlist = scene
    lat, lon = first_photo.position.lat, first_photo.position.lon
    coarse = dot_tiles(lat, lon, z=ZOOM - 2, around=2)
    fine = {k: v for k, v in dot_tiles(lat, lon).items()}
    cx, cy = _global_px(lat, lon, ZOOM)
    del fine[(ZOOM, int(cx // 256), int(cy // 256))]  # the tile under the dot is missing at the fine level
    path = make_mbtiles(tmp_path / "holes.mbtiles", {**coarse, **fine})
    fig = build_report(data, mlist, ReportOptions(base_map=str(path))).map
    x, y, img = _dark_centroid(_picture(fig).jpeg)
    start = next(s for s in fig.shapes if isinstance(s, Line)).points[0]
    k = img.width / fig.width
    assert abs(x / k - start[0]) < 3 and abs(y / k - start[1]) < 3


@pytest.mark.parametrize("case", ["missing", "not_a_tile_file", "elsewhere", "vector"])
def test_an_unusable_base_map_leaves_the_plain_map_and_says_why(scene, tmp_path, case):
    data, mlist = scene
    path = tmp_path / "fond.mbtiles"
    if case == "not_a_tile_file":
        path.write_bytes(b"not sqlite at all" * 100)
    elif case == "elsewhere":  # a tile file of Strasbourg for a survey in Nantes
        make_mbtiles(path, dot_tiles(48.58, 7.75, around=1))
    elif case == "vector":
        make_mbtiles(path, {(ZOOM, 1, 1): b"\x1a\x00"}, fmt="pbf")
    content = build_report(data, mlist, ReportOptions(base_map=str(path), lang="en"))
    fig = content.map
    assert not [s for s in fig.shapes if isinstance(s, Picture)] and not fig.credit
    assert str(path) in fig.note and "\n" not in fig.note
    html = render_html(content).decode()
    assert "Base map not drawn: " in html and "<image " not in html
    assert render_pdf(content)[:5] == b"%PDF-"


def test_the_base_map_reaches_no_network(scene, mbtiles, monkeypatch):
    data, mlist = scene

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access while drawing the report: {args!r}")

    for name in ("create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    content = build_report(data, mlist, ReportOptions(base_map=str(mbtiles)))
    assert _picture(content.map) and render_pdf(content)[:5] == b"%PDF-"


def test_too_many_tiles_at_the_coarsest_level_is_one_line(scene, first_photo, tmp_path, monkeypatch):
    data, mlist = scene
    monkeypatch.setattr(report_basemap, "MAX_TILES", 1)
    path = make_mbtiles(tmp_path / "fine.mbtiles", dot_tiles(first_photo.position.lat, first_photo.position.lon, z=19,
                                                             around=1))
    fig = build_report(data, mlist, ReportOptions(base_map=str(path))).map
    assert "coarsest level (zoom 19)" in fig.note and not fig.credit


def test_export_command_takes_the_base_map(tmp_path, scene, mbtiles, monkeypatch):
    from roadinspect.cli import main
    from roadinspect.core.store import Store

    data = scene[0]
    project = tmp_path / "p.roadinspect"
    store = Store.open(project)
    try:
        ids = store.add_batch([data.photos[k] for k in sorted(data.photos)]).photo_ids
        analysis = store.start_analysis("seg-2026.11.26", "0" * 64)
        for old, pid in zip(sorted(data.photos), ids, strict=True):
            store.record_photo_result(pid, analysis, [f for f in data.findings if f.photo_id == old])
        store.finish_analysis(analysis, "done")
    finally:
        store.close()
    monkeypatch.setattr("roadinspect.cli._app_base_map_setting", lambda: str(mbtiles))
    out = tmp_path / "out"
    assert main(["export", str(project), "--out", str(out), "--formats", "report", "--lang", "en"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<image ") == 1 and "Base map: " + CREDIT in html
    assert main(["export", str(project), "--out", str(out), "--formats", "report", "--base-map", ""]) == 0
    assert "<image " not in (out / "report.html").read_text(encoding="utf-8")


def test_svg_picture_is_a_data_image():
    from roadinspect.core.report_figures import Figure
    from roadinspect.core.report_text import Texts

    data = b"\xff\xd8jpeg"
    svg = to_svg(Figure(100, 50, "map", Texts("en"), [Picture(0, 0, 100, 50, data)]))
    encoded = base64.b64encode(data).decode()
    assert (f'<image x="0" y="0" width="100" height="50" preserveAspectRatio="none" '
            f'href="data:image/jpeg;base64,{encoded}"/>') in svg


@pytest.mark.skipif(shutil.which("pdfimages") is None, reason="poppler-utils is not installed (.ci/run installs it)")
def test_pdfimages_lists_the_base_map_as_one_jpeg(scene, mbtiles, tmp_path):
    data, mlist = scene
    content = build_report(data, mlist, ReportOptions(base_map=str(mbtiles), top=1))
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render_pdf(content))
    rows = [r.split() for r in subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True,
                                              text=True).stdout.splitlines()[2:] if r.strip()]
    # The crop and the base map, both JPEG as they were encoded; the map's picture at 2 px per point of the
    # map as the PDF draws it (redrawn narrower for a tall survey), about 150 dpi on paper.
    assert len(rows) == 2 and all(r[8] == "jpeg" for r in rows), rows
    assert max(int(r[3]) for r in rows) >= 600
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Fond de carte : " + CREDIT in text


def test_damaged_and_oversized_tiles_are_left_out(scene, first_photo, tmp_path):
    data, mlist = scene
    lat, lon = first_photo.position.lat, first_photo.position.lon
    tiles = dot_tiles(lat, lon, z=19, around=2)
    cx, cy = _global_px(lat, lon, 19)
    under = (19, int(cx // 256), int(cy // 256))
    neighbour = (19, under[1] + 1, under[2])
    tiles[neighbour] = b"\x89PNG\r\n\x1a\n broken"
    tiles[under] = _png(Image.new("RGB", (4096, 4096), "black"))  # not a tile: the one under the first photo
    path = make_mbtiles(tmp_path / "damaged.mbtiles", tiles)
    fig = build_report(data, mlist, ReportOptions(base_map=str(path))).map
    pic = _picture(fig)  # still drawn, from the good tiles
    a = np.asarray(Image.open(io.BytesIO(pic.jpeg)).convert("L"))
    assert np.count_nonzero(a < 110) < 0.1 * a.size  # the 4096 px black tile: not drawn
