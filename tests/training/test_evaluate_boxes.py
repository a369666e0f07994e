"""``roadinspect evaluate`` on box-labelled folders: components against damage boxes, bad boxes.json named."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from roadinspect.cli import main
from roadinspect.training.boxes import read_boxes
from roadinspect.training.evaluate_boxes import BoxCounts, score_photo, to_stored


def _folder(root: Path, entries: dict, size: tuple[int, int] = (64, 48)) -> Path:
    (root / "images").mkdir(parents=True)
    for name in entries:
        Image.fromarray(np.full((size[1], size[0], 3), 120, np.uint8)).save(root / "images" / name)
    doc = {"images": {n: {"width": size[0], "height": size[1], "boxes": b} for n, b in entries.items()}}
    (root / "boxes.json").write_text(json.dumps(doc), encoding="utf-8")
    return root


def test_boxes_found_components_on_damage_and_photos_without_a_box(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "rdd", {
        "a.jpg": [["D00", 10, 10, 20, 30], ["D40", 40, 5, 50, 15], ["D10", 2, 40, 8, 46]],
        "b.jpg": [["D50", 0, 0, 10, 10]],  # a manhole only: a photo without a damage box
    })
    a, b = read_boxes(folder)
    counts = BoxCounts()
    mask = np.zeros((48, 64), np.uint8)
    mask[12:14, 20:24] = 1  # crack touching the D00 box from the right (pixel 20 covers x = 20..21)
    mask[30:33, 30:33] = 2  # pothole far from every box: a false component
    mask[44, 8] = 2  # pothole touching the D10 box: on damage, but does not find a crack box
    score_photo(mask, a, counts)
    empty = np.zeros((48, 64), np.uint8)
    empty[2:4, 2:4] = 2  # on the manhole: still a finding on a photo without a damage box
    score_photo(empty, b, counts)
    s = counts.summary()
    assert (s["crack_boxes"], s["pothole_boxes"]) == (2, 1)
    assert s["crack_boxes_found"] == 0.5 and s["pothole_boxes_found"] == 0.0
    assert s["crack_components_on_damage"] == 1.0
    assert s["pothole_components_on_damage"] == pytest.approx(1 / 3, abs=1e-3)
    assert s["photos_without_box"] == 1 and s["no_box_with_pothole"] == 1.0 and s["no_box_with_crack"] == 0.0
    assert s["false_components_per_photo"] == 1.0  # two false potholes over two photos
    assert s["false_components_per_no_box_photo"] == 1.0


def test_a_component_one_pixel_away_from_a_box_does_not_touch_it(tmp_path: Path) -> None:
    (a,) = read_boxes(_folder(tmp_path / "rdd", {"a.jpg": [["D40", 10, 10, 20, 20]]}))
    counts = BoxCounts()
    mask = np.zeros((48, 64), np.uint8)
    mask[14, 21] = 2  # the box ends at x = 20; pixel 20 would touch it, pixel 21 leaves a gap
    score_photo(mask, a, counts)
    assert counts.summary()["pothole_boxes_found"] == 0.0


def test_an_upright_mask_goes_back_to_the_stored_pixels_of_a_rotated_photo() -> None:
    stored = np.zeros((4, 6), np.uint8)
    stored[0, 5] = 1
    upright = np.asarray(Image.fromarray(stored).transpose(Image.Transpose.ROTATE_270))  # what orientation 6 shows
    assert np.array_equal(to_stored(upright, 6), stored)
    assert np.array_equal(to_stored(stored, 1), stored)


@pytest.mark.parametrize(("content", "words"), [
    ("{not json", "not readable JSON"),
    (json.dumps({"images": {"a.jpg": {"width": 64, "height": 48, "boxes": [["D99", 1, 1, 5, 5]]}}}),
     "entry 'a.jpg', box 0: unknown class 'D99'"),
    (json.dumps({"images": {"gone.jpg": {"width": 64, "height": 48, "boxes": []}}}), "entry 'gone.jpg': image"),
])
def test_evaluate_names_the_file_and_entry_of_a_bad_boxes_json(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                               content: str, words: str) -> None:
    folder = _folder(tmp_path / "rdd", {"a.jpg": []})
    (folder / "boxes.json").write_text(content, encoding="utf-8")
    assert main(["evaluate", "--data", str(folder), "--weights", str(tmp_path / "no-model.safetensors")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert str(folder / "boxes.json") in err and words in err


@pytest.mark.parametrize("value", ["abc", "95"])
def test_a_bad_camera_pitch_is_a_clear_usage_error(value: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["evaluate", "--data", "x", "--camera-pitch", value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--camera-pitch" in err and "Traceback" not in err


def test_evaluate_boxes_scores_recorded_unfiltered_and_raw_masks_from_one_pass(tmp_path: Path) -> None:
    """A fake network marks a pothole in the box, a speck and a pothole above the horizon of every photo."""
    from roadinspect.core.geo import CameraModel
    from roadinspect.core.segmenter import Segmentation
    from roadinspect.training.evaluate_boxes import evaluate_boxes

    folder = _folder(tmp_path / "rdd", {"a.jpg": [["D40", 20, 30, 36, 44]], "b.jpg": []})
    calls = []

    class Net:
        max_side = 64

        def predict(self, image: np.ndarray) -> Segmentation:
            calls.append(image.shape)
            mask = np.zeros(image.shape[:2], np.uint8)
            mask[34:40, 24:32] = 2  # in the box (rows 30-44), on the road
            mask[2:8, 40:50] = 2  # in the sky: above the horizon of a level camera
            mask[20, 60] = 2  # a speck, under the size filter
            probs = np.stack([(mask == 0), np.zeros_like(mask, bool), (mask == 2)]).astype(np.float32)
            return Segmentation(mask=mask, probs=probs, image_size=(image.shape[1], image.shape[0]))

    result = evaluate_boxes(Net(), folder, "all", modes=("recorded", "no_region", "raw"),
                            camera=CameraModel(pitch_deg=0.0))
    assert len(calls) == 2  # one network pass per photo for the three masks
    rec, plain, raw = result["recorded"], result["no_region"], result["raw"]
    assert rec["pothole_boxes_found"] == plain["pothole_boxes_found"] == raw["pothole_boxes_found"] == 1.0
    assert (rec["pothole_components"], plain["pothole_components"], raw["pothole_components"]) == (2, 4, 6)
    assert rec["no_box_with_pothole"] == 1.0 and rec["false_components_per_no_box_photo"] == 1.0
    assert rec["findings_per_photo"] == 1.0 and plain["findings_per_photo"] == 2.0 and "findings_per_photo" not in raw


def test_the_horizon_estimated_from_the_photos_or_the_camera_pitch_only(tmp_path: Path) -> None:
    """Generated level street views (true horizon mid-frame) and a fake network that marks a pothole just
    above it (on the trees) and one low on the road: the estimated horizon removes the first, a pitch of
    12 deg (horizon higher up) keeps it; ``--horizon camera`` is that comparison."""
    from roadinspect.core.segmenter import Segmentation
    from roadinspect.core.synth import CameraRig, render_scene
    from roadinspect.training.evaluate_boxes import evaluate_boxes

    root = tmp_path / "street"
    (root / "images").mkdir(parents=True)
    entries = {}
    for i in range(4):
        name = f"s{i}.jpg"
        Image.fromarray(render_scene(320, 240, seed=i, rig=CameraRig(pitch_deg=0.0)).image).save(root / "images" / name)
        entries[name] = {"width": 320, "height": 240, "boxes": [["D40", 140, 180, 180, 220]]}
    (root / "boxes.json").write_text(json.dumps({"images": entries}), encoding="utf-8")

    class Net:
        max_side = 320

        def predict(self, image: np.ndarray) -> Segmentation:
            mask = np.zeros(image.shape[:2], np.uint8)
            mask[95:110, 40:60] = 2  # rows 0.40-0.46: under a pitch-12 horizon (0.30), over the true one (0.5)
            mask[190:205, 150:170] = 2  # in the box, on the road
            probs = np.stack([(mask == 0), np.zeros_like(mask, bool), (mask == 2)]).astype(np.float32)
            return Segmentation(mask=mask, probs=probs, image_size=(image.shape[1], image.shape[0]))

    estimated = evaluate_boxes(Net(), root, "all")
    camera = evaluate_boxes(Net(), root, "all", horizon_from_photos=False)
    (est_region,) = estimated["road_region"].values()
    (cam_region,) = camera["road_region"].values()
    assert est_region["horizon"] == "estimated" and abs(est_region["horizon_row"] - 0.48) < 0.03
    assert cam_region["horizon"] == "camera" and cam_region["horizon_row"] is None
    assert estimated["recorded"]["pothole_components"] == 4 and estimated["recorded"]["false_findings_per_photo"] == 0
    assert camera["recorded"]["pothole_components"] == 8 and camera["recorded"]["false_findings_per_photo"] == 1.0
    with pytest.raises(SystemExit) as stop:
        main(["evaluate", "--data", str(root), "--horizon", "sideways"])
    assert stop.value.code == 2
