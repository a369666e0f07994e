"""roadinspect.core.morphology: the same skeletons and contours as scikit-image, without it at run time.

scikit-image is only in the ``test`` extra: the comparisons skip when it is missing, the geometry
checks below them do not.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import ndimage

from roadinspect.core.morphology import find_contours, skeletonize


def _blobs(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Smooth random blobs (holes, touching parts, one-pixel necks)."""
    return ndimage.gaussian_filter(rng.random(shape), rng.uniform(0.7, 4.0)) > rng.uniform(0.47, 0.53)


def _lines(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Random straight lines (crack-like), some thickened, crossing each other and the image border."""
    out = np.zeros(shape, dtype=bool)
    rows, cols = shape
    for _ in range(int(rng.integers(1, 6))):
        (r0, r1), (c0, c1) = rng.integers(0, rows, 2), rng.integers(0, cols, 2)
        n = max(abs(int(r1) - int(r0)), abs(int(c1) - int(c0))) + 1
        out[np.linspace(r0, r1, n).round().astype(int), np.linspace(c0, c1, n).round().astype(int)] = True
    iterations = int(rng.integers(0, 4))
    return ndimage.binary_dilation(out, iterations=iterations) if iterations else out


def _random_masks(seed: int, count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    masks = []
    for index in range(count):
        shape = (int(rng.integers(2, 70)), int(rng.integers(2, 70)))
        kind = index % 3
        masks.append(_blobs(rng, shape) if kind == 0 else _lines(rng, shape) if kind == 1 else rng.random(shape) > 0.5)
    return masks


def test_skeletons_are_identical_to_scikit_image_on_random_blobs_lines_and_noise() -> None:
    skimage_morphology = pytest.importorskip("skimage.morphology")
    masks = _random_masks(seed=6, count=150)
    for index, mask in enumerate(masks):
        ours, theirs = skeletonize(mask), skimage_morphology.skeletonize(mask)
        assert ours.dtype == bool and ours.shape == mask.shape
        assert np.array_equal(ours, theirs), f"mask {index} {mask.shape}"
    assert sum(int(m.sum()) for m in masks) > 10_000  # the masks are not trivially empty


def test_skeletons_are_identical_for_every_3x3_pattern_and_non_bool_input() -> None:
    skimage_morphology = pytest.importorskip("skimage.morphology")
    for bits in itertools.product((0, 1), repeat=9):
        mask = np.zeros((5, 5), dtype=np.uint8)
        mask[1:4, 1:4] = np.array(bits).reshape(3, 3) * 7  # any non-zero value is foreground
        assert np.array_equal(skeletonize(mask), skimage_morphology.skeletonize(mask)), bits


def test_contours_are_identical_to_scikit_image_vertex_for_vertex() -> None:
    skimage_measure = pytest.importorskip("skimage.measure")
    rng = np.random.default_rng(7)
    for index, mask in enumerate(_random_masks(seed=8, count=90)):
        padded = np.pad(mask.astype(np.uint8), 1)  # how findings.py calls it: closed rings
        fields = [(padded, 0.5), (mask.astype(float), 0.5)]
        smooth = ndimage.gaussian_filter(rng.random(mask.shape), 1.5)
        fields.append((smooth, float(np.median(smooth))))
        for array, level in fields:
            ours, theirs = find_contours(array, level), skimage_measure.find_contours(array, level)
            assert len(ours) == len(theirs), f"mask {index}"
            for a, b in zip(ours, theirs, strict=True):
                assert np.array_equal(a, b), f"mask {index}"


def test_contours_match_scikit_image_with_values_on_the_level_and_nan() -> None:
    skimage_measure = pytest.importorskip("skimage.measure")
    rng = np.random.default_rng(9)
    integers = rng.integers(0, 3, (30, 40)).astype(float)  # vertices exactly on level 1: degenerate segments
    with_nan = ndimage.gaussian_filter(rng.random((30, 40)), 2.0)
    with_nan[rng.random(with_nan.shape) < 0.05] = np.nan  # squares touching NaN are skipped
    for array, level in ((integers, 1.0), (with_nan, float(np.nanmedian(with_nan)))):
        ours, theirs = find_contours(array, level), skimage_measure.find_contours(array, level)
        assert len(ours) == len(theirs) > 3
        assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))


def test_a_thick_bar_thins_to_a_one_pixel_line_inside_it() -> None:
    bar = np.zeros((11, 40), dtype=bool)
    bar[3:8, 2:38] = True
    skeleton = skeletonize(bar)
    rows, cols = np.nonzero(skeleton)
    assert np.mean(rows == 5) > 0.9 and set(rows) <= {4, 5, 6}  # the middle row (a short hook at an end)
    assert cols.max() - cols.min() >= 28 and np.bincount(cols).max() == 1  # one pixel per column
    assert not (skeleton & ~bar).any()
    assert ndimage.label(skeleton, structure=np.ones((3, 3)))[1] == 1
    assert not skeletonize(np.zeros((4, 4))).any()


def test_skeleton_keeps_a_ring_closed_and_one_piece() -> None:
    rows, cols = np.ogrid[:41, :41]
    radius = np.hypot(rows - 20, cols - 20)
    ring = (radius >= 10) & (radius <= 15)
    skeleton = skeletonize(ring)
    _, pieces = ndimage.label(skeleton, structure=np.ones((3, 3)))
    _, holes = ndimage.label(~skeleton)  # background 4-connected: outside + the hole
    assert pieces == 1 and holes == 2 and skeleton.sum() < ring.sum() / 3


def test_the_contour_of_a_pixel_is_a_closed_diamond_with_the_low_side_on_the_left() -> None:
    image = np.zeros((3, 3))
    image[1, 1] = 1
    (contour,) = find_contours(image, 0.5)
    assert contour.tolist() == [[1.5, 1.0], [1.0, 0.5], [0.5, 1.0], [1.0, 1.5], [1.5, 1.0]]
    # Low values on the left of the way: seen on screen (rows down) the ring turns clockwise around the
    # high pixel, i.e. its shoelace area in (col, row) coordinates is positive.
    x, y = contour[:, 1], contour[:, 0]
    assert np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]) / 2 == pytest.approx(0.5)


def test_open_contours_end_on_the_border_and_flat_images_have_none() -> None:
    image = np.zeros((4, 6))
    image[:, 3:] = 1
    (contour,) = find_contours(image, 0.5)
    assert contour[:, 1].tolist() == [2.5] * 4 and {contour[0, 0], contour[-1, 0]} == {0.0, 3.0}
    assert find_contours(np.ones((5, 5)), 0.5) == []


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="2-D"):
        skeletonize(np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match="2-D"):
        find_contours(np.zeros(5), 0.5)
    with pytest.raises(ValueError, match="2x2"):
        find_contours(np.zeros((1, 5)), 0.5)
