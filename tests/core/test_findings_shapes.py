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
