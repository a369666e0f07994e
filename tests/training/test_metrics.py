"""The evaluation metrics on hand-made masks with known answers."""

import numpy as np
import pytest

from roadinspect.training.metrics import Counts, score_image


def _blank(h: int = 40, w: int = 40) -> np.ndarray:
    return np.zeros((h, w), dtype=np.uint8)


def test_crack_shifted_by_two_pixels_counts_as_found() -> None:
    true, pred = _blank(), _blank()
    true[20, 5:35] = 1
    pred[22, 5:35] = 1
    s = score_image(pred, true).summary(pothole=False)
    assert s["crack_f1"] == pytest.approx(1.0)
    assert s["crack_iou"] == 0.0


def test_crack_shifted_by_three_pixels_is_missed() -> None:
    true, pred = _blank(), _blank()
    true[20, 5:35] = 1
    pred[23, 5:35] = 1
    s = score_image(pred, true).summary(pothole=False)
    assert s["crack_f1"] == 0.0


def test_half_predicted_crack_gives_known_recall_and_precision() -> None:
    true, pred = _blank(), _blank()
    true[10, 0:40] = 1
    pred[10, 0:20] = 1
    pred[30, 0:20] = 1  # far from any true crack: false positives
    s = score_image(pred, true).summary(pothole=False)
    # recall: true pixels within 2 px of a prediction = columns 0..21 -> 22 of 40
    assert s["crack_recall"] == pytest.approx(22 / 40)
    assert s["crack_precision"] == pytest.approx(20 / 40)
    assert s["crack_iou"] == pytest.approx(20 / 60)


def test_ignore_pixels_are_not_scored() -> None:
    true, pred = _blank(), _blank()
    true[:, :20] = 255
    pred[5, 0:20] = 1  # only inside the ignored part
    s = score_image(pred, true).summary(pothole=False)
    assert s["crack_precision"] is None and s["crack_recall"] is None


def test_pothole_iou_and_image_level_decision() -> None:
    true, pred = _blank(100, 100), _blank(100, 100)
    true[10:30, 10:30] = 2  # 400 px = 4 % of the image
    pred[20:40, 10:30] = 2
    s = score_image(pred, true, crack=False).summary(crack=False)
    assert s["pothole_iou"] == pytest.approx(200 / 600)
    assert s["pothole_image_recall"] == 1.0 and s["pothole_image_precision"] == 1.0
    assert s["crack_f1"] is None


def test_image_level_threshold_is_a_tenth_of_a_percent() -> None:
    true = _blank(100, 100)
    pred = _blank(100, 100)
    pred[0, 0:9] = 2  # 9 px < 0.1 % of 10,000: no pothole in this image
    c = score_image(pred, true)
    assert c.images_pothole_fp == 0
    pred[0, 9] = 2  # 10 px = 0.1 %: a pothole is claimed
    c = score_image(pred, true)
    assert c.images_pothole_fp == 1


def test_counts_pool_over_images() -> None:
    true, pred = _blank(), _blank()
    true[10:20, 10:20] = 2
    pred[10:20, 10:20] = 2
    total = Counts()
    total += score_image(pred, true)
    total += score_image(_blank(), true)
    s = total.summary()
    assert s["images"] == 2
    assert s["pothole_iou"] == pytest.approx(100 / 200)
    assert s["pothole_image_recall"] == pytest.approx(0.5)


def test_shapes_must_match() -> None:
    with pytest.raises(ValueError, match="differ"):
        score_image(_blank(10, 10), _blank(10, 12))
