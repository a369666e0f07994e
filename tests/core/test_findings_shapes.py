"""Findings on shapes that broke the extraction: local skeleton directions without a k-d tree.

``findings._local_directions`` once built a scipy ``cKDTree`` on the skeleton's points; on real
forward-view photos the tree's build recursed about 35,000 frames deep and overflowed the analysis
thread's stack (a segmentation fault, no message, every resume dying again). These tests run the shapes
that strain such code (long straight runs, big blobs, rings, a component covering the whole image) in a
thread with a small stack, in a child process so that a crash is a failure and not the end of pytest,
and check the directions on shapes whose answer is known.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from roadinspect.core.findings import _local_directions
from roadinspect.core.morphology import skeletonize

ROOT = Path(__file__).resolve().parents[2]


def _brute_force(sk: np.ndarray, radius: float = 4.0) -> np.ndarray:
    """The definition: principal axis of ``sum d d^T`` over the other points at most ``radius`` away."""
    d = (sk[None, :, :] - sk[:, None, :]).astype(float)
    near = (d ** 2).sum(axis=2) <= radius * radius
    trr = (d[..., 0] ** 2 * near).sum(axis=1)
    tcc = (d[..., 1] ** 2 * near).sum(axis=1)
    trc = (d[..., 0] * d[..., 1] * near).sum(axis=1)
    theta = 0.5 * np.arctan2(2.0 * trc, trr - tcc)
    return np.column_stack([np.cos(theta), np.sin(theta)])


def _axis_deg(t: np.ndarray) -> np.ndarray:
    """Angle of tangents ``(d row, d col)`` from the column axis, in [0, 180)."""
    return np.degrees(np.arctan2(t[:, 0], t[:, 1])) % 180.0


@pytest.mark.parametrize("seed", range(5))
def test_local_directions_follow_their_definition(seed):
    rng = np.random.default_rng(seed)
    image = rng.random((40, 50)) < rng.uniform(0.03, 0.5)
    sk = np.argwhere(image)
    np.testing.assert_allclose(_local_directions(sk), _brute_force(sk), atol=1e-12)


def test_local_directions_of_known_lines():
    n = 60
    cols = np.arange(n)
    horizontal = np.column_stack([np.full(n, 7), cols])
    vertical = np.column_stack([cols, np.full(n, 3)])
    diagonal = np.column_stack([cols, cols])
    anti = np.column_stack([cols, n - cols])
    np.testing.assert_allclose(np.abs(_local_directions(horizontal)), [[0.0, 1.0]] * n, atol=1e-9)
    np.testing.assert_allclose(_axis_deg(_local_directions(vertical)), 90.0, atol=1e-9)
    np.testing.assert_allclose(_axis_deg(_local_directions(diagonal)), 45.0, atol=1e-9)
    np.testing.assert_allclose(_axis_deg(_local_directions(anti)), 135.0, atol=1e-9)
    # A shallow staircase (1 row down every 4 columns) is about 14 degrees, not 0 or 45.
    stair = np.column_stack([cols // 4, cols])
    inner = _axis_deg(_local_directions(stair))[8:-8]
    assert np.all(np.abs(inner - math.degrees(math.atan(0.25))) < 4.0)


def test_local_directions_on_a_ring_are_tangent_to_it():
    yy, xx = np.mgrid[:301, :301]
    r = np.hypot(yy - 150, xx - 150)
    sk = np.argwhere(skeletonize((r >= 118) & (r <= 122)))
    t = _local_directions(sk)
    radial = (sk - 150) / np.hypot(*(sk - 150).T)[:, None]
    # the tangent is perpendicular to the radius, within the few degrees a pixel ring allows
    assert np.abs((t * radial).sum(axis=1)).max() < math.sin(math.radians(12))


def test_single_point_and_empty_skeletons():
    assert _local_directions(np.zeros((0, 2), int)).shape == (0, 2)
    np.testing.assert_array_equal(_local_directions(np.array([[5, 5]])), [[0.0, 1.0]])


def test_shapes_that_broke_the_tree_pass_in_a_thread_with_a_small_stack():
    """Long straight runs, big blobs, rings and a whole-image component in a 256 KiB thread stack."""
    script = textwrap.dedent("""
        import sys, threading
        import numpy as np
        from roadinspect.core import findings
        from roadinspect.core.types import DamageClass
        from tests.core.scenes import WORK_H, WORK_W, photo, segmentation

        def shapes():
            n = 200_000
            yield "long straight run", np.column_stack([np.full(n, 5), np.arange(n)])
            yield "long diagonal run", np.column_stack([np.arange(n // 2), np.arange(n // 2)])
            yield "big blob", np.argwhere(np.ones((400, 400), bool))
            t = np.linspace(0.0, 2.0 * np.pi, 100_000)
            ring = np.column_stack([2000 + 1900 * np.sin(t), 2000 + 1900 * np.cos(t)]).astype(int)
            yield "ring", np.unique(ring, axis=0)
            yield "repeated point", np.zeros((5_000, 2), int)

        errors = []

        def run():
            try:
                for name, sk in shapes():
                    t = findings._local_directions(sk)
                    assert t.shape == sk.shape and np.isfinite(t).all(), name
                for value in (DamageClass.CRACK, DamageClass.POTHOLE):
                    whole = np.full((WORK_H, WORK_W), int(value), np.uint8)
                    out = findings.extract_findings(segmentation(whole), photo())
                    assert len(out) == 1, (value, len(out))
            except BaseException as exc:  # reported to the parent
                errors.append(repr(exc))

        threading.stack_size(256 * 1024)
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
        print("ERRORS", errors)
        sys.exit(1 if errors else 0)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"exit {proc.returncode} (negative: killed by a signal)\n{proc.stdout}\n{proc.stderr}"


# ----------------------------------------------------------------------------- polygons in one pass
def _ring_by_ring(inst: np.ndarray, frame, r0: int, c0: int):
    """The former construction, as the reference: rings combined one by one, then simplified."""
    import shapely
    from shapely.geometry import Polygon

    from roadinspect.core.morphology import find_contours

    rings = []
    for contour in find_contours(np.pad(inst.astype(np.uint8), 1), 0.5):
        if len(contour) < 4:
            continue
        xs = frame.ox + (contour[:, 1] - 1 + c0 + 0.5) * frame.sx
        ys = frame.oy + (contour[:, 0] - 1 + r0 + 0.5) * frame.sy
        poly = Polygon(np.column_stack([xs, ys]))
        if poly.area > 0:
            rings.append(shapely.make_valid(poly))
    geom = rings[0]
    for other in rings[1:]:
        geom = geom.symmetric_difference(other)
    return shapely.simplify(geom, 0.25 * min(frame.sx, frame.sy), preserve_topology=True)


@pytest.mark.parametrize("seed", range(6))
def test_polygon_in_one_pass_is_the_region_of_the_ring_by_ring_construction(seed):
    from scipy import ndimage

    from roadinspect.core.findings import _Frame, _polygon

    rng = np.random.default_rng(seed)
    noise = ndimage.gaussian_filter(rng.random((90, 120)), 2.0)
    blobs = noise > np.quantile(noise, rng.uniform(0.3, 0.7))  # blobs with holes and islands in holes
    frame = _Frame(sx=6.5, sy=6.25, ox=0.0, oy=0.0, width=780, height=560)
    labels, n = ndimage.label(blobs, structure=np.ones((3, 3)))
    assert n >= 1
    checked = 0
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        inst = labels[sl] == i
        if inst.sum() < 3:
            continue
        new = _polygon(inst, frame, sl[0].start, sl[1].start)
        ref = _ring_by_ring(inst, frame, sl[0].start, sl[1].start)
        assert new.is_valid
        assert new.hausdorff_distance(ref) <= 0.5 * min(frame.sx, frame.sy)
        # the area of the mask's pixels, within the chamfer of the marching squares' corners
        assert new.area == pytest.approx(ref.area, rel=0.05, abs=2 * frame.sx * frame.sy)
        checked += 1
    assert checked >= 1


def test_an_island_inside_a_hole_is_a_part_of_its_own(monkeypatch):
    import shapely

    from roadinspect.core.findings import _Frame, _polygon

    def no_repair(geom):
        raise AssertionError(f"the one-pass polygon needed a repair: {shapely.is_valid_reason(geom)}")

    monkeypatch.setattr(shapely, "make_valid", no_repair)  # built valid, not repaired afterwards

    yy, xx = np.mgrid[:61, :61]
    r = np.hypot(yy - 30, xx - 30)
    # a disc, a ring-shaped hole, an island in the hole, and a hole in the island
    inst = (r <= 28) & ~((r > 16) & (r <= 22)) & ~(r <= 6)
    frame = _Frame(sx=1.0, sy=1.0, ox=0.0, oy=0.0, width=61, height=61)
    geom = _polygon(inst, frame, 0, 0)
    assert geom.is_valid and geom.geom_type == "MultiPolygon" and len(geom.geoms) == 2
    outer, island = sorted(geom.geoms, key=lambda g: -g.area)
    assert len(outer.interiors) == 1 and len(island.interiors) == 1  # each hole in the smallest shell around it
    assert outer.interiors[0].length > island.exterior.length > island.interiors[0].length
    assert island.centroid.distance(outer.centroid) < 1.0
    assert geom.area == pytest.approx(float(inst.sum()), rel=0.03)


def test_a_dense_mesh_is_one_alligator_crack_with_every_mesh_a_hole():
    """A damage-dense photo: 5,000+ meshes. The ring-by-ring construction took about 9 minutes here."""
    import shapely
    from scipy import ndimage

    from roadinspect.core.findings import extract_findings
    from roadinspect.core.types import DamageClass
    from tests.core.scenes import WORK_H, WORK_W, photo, segmentation

    grid = np.zeros((WORK_H, WORK_W), np.uint8)
    grid[::6, :] = DamageClass.CRACK
    grid[:, ::6] = DamageClass.CRACK
    (finding,) = extract_findings(segmentation(grid), photo())
    assert finding.kind == "alligator"
    geom = shapely.from_wkt(finding.polygon_wkt)
    background, n_bg = ndimage.label(grid == 0)  # 4-connected meshes
    edge = np.unique(np.concatenate([background[0], background[-1], background[:, 0], background[:, -1]]))
    enclosed = n_bg - int(np.count_nonzero(edge))  # the meshes that do not open on the photo's border
    assert enclosed > 5000
    assert geom.geom_type == "Polygon" and len(geom.interiors) == enclosed


def test_five_hundred_potholes_give_five_hundred_findings():
    import shapely

    from roadinspect.core.findings import extract_findings
    from roadinspect.core.types import DamageClass
    from tests.core.scenes import IMAGE_W, WORK_H, WORK_W, photo, segmentation

    mask = np.zeros((WORK_H, WORK_W), np.uint8)
    for r in range(20):
        for c in range(25):
            mask[r * 19 + 3:r * 19 + 12, c * 20 + 3:c * 20 + 12] = DamageClass.POTHOLE
    found = extract_findings(segmentation(mask), photo())
    assert len(found) == 500 and all(f.kind == "pothole" for f in found)
    scale = IMAGE_W / WORK_W
    for f in found[:: 50]:
        assert shapely.from_wkt(f.polygon_wkt).area == pytest.approx(81 * scale * scale, rel=0.05)


@pytest.mark.parametrize("value", [1, 2])
def test_one_finding_covering_the_whole_photo(value):
    import shapely

    from roadinspect.core.findings import extract_findings
    from tests.core.scenes import IMAGE_H, IMAGE_W, WORK_H, WORK_W, photo, segmentation

    (finding,) = extract_findings(segmentation(np.full((WORK_H, WORK_W), value, np.uint8)), photo())
    geom = shapely.from_wkt(finding.polygon_wkt)
    assert geom.is_valid and len(geom.interiors) == 0
    assert geom.area == pytest.approx(IMAGE_W * IMAGE_H, rel=0.01)


def _cyclic(ring: np.ndarray) -> tuple:
    """A closed ring as a tuple of its vertices from its smallest one (same orientation)."""
    points = [tuple(p) for p in ring[:-1]]
    k = points.index(min(points))
    return tuple(points[k:] + points[:k])


@pytest.mark.parametrize("seed", range(4))
def test_binary_rings_are_the_marching_squares_contours(seed):
    from scipy import ndimage

    from roadinspect.core.morphology import binary_rings, find_contours

    rng = np.random.default_rng(seed)
    for smooth in (0.0, 1.0, 2.5):
        image = rng.random((37, 53))
        mask = (ndimage.gaussian_filter(image, smooth) if smooth else image) > rng.uniform(0.4, 0.6)
        reference = sorted(_cyclic(c - 1) for c in find_contours(np.pad(mask.astype(np.uint8), 1), 0.5))
        points, ring = binary_rings(mask)
        assert np.all(np.diff(ring) >= 0)  # rings one after the other
        mine = sorted(_cyclic(points[ring == k]) for k in range(int(ring.max()) + 1))
        assert mine == reference
    assert binary_rings(np.zeros((4, 5), bool))[0].shape == (0, 2)
    points, ring = binary_rings(np.ones((3, 3), bool))  # touching the border: closed by the padding
    assert (points.min(), points.max(), int(ring.max())) == (-0.5, 2.5, 0)
