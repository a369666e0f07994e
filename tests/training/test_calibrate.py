"""``roadinspect calibrate``: the class-weight search on hand-made probabilities, and the command end to end."""

import json
from pathlib import Path

import numpy as np
import pytest

from roadinspect.cli import main
from roadinspect.core.segmenter import Segmenter, decide
from roadinspect.training.calibrate import (
    ScoredImage,
    crack_objective,
    halves,
    pothole_objective,
    score,
    search,
)
from tests.training.test_commands import _dataset


def _timid_pothole_image() -> ScoredImage:
    """A pothole the network sees at probability 0.4 against 0.6 background: plain argmax misses it."""
    truth = np.zeros((40, 40), np.uint8)
    truth[10:30, 10:30] = 2
    probs = np.zeros((3, 40, 40), np.float32)
    probs[0] = 0.9
    probs[2] = 0.1
    probs[0, 10:30, 10:30] = 0.6
    probs[2, 10:30, 10:30] = 0.4
    return ScoredImage("roads", probs.astype(np.float16), truth, crack=False, pothole=True)


def test_search_finds_the_weight_that_recovers_a_timid_class() -> None:
    items = [_timid_pothole_image()]
    assert score(items, {})["roads"]["pothole_iou"] == 0.0
    best = search(items, log=lambda _m: None)
    assert 1.5 < best["pothole_weight"] < 6.0  # 0.4 * w must beat 0.6, and 0.1 * w must not beat 0.9
    after = score(items, best)["roads"]
    assert after["pothole_iou"] == 1.0 and after["pothole_image_recall"] == 1.0
    assert best["crack_weight"] == 1.0  # no crack data: the neutral weight stays
    assert pothole_objective(score(items, best)) == 1.0 and crack_objective(score(items, best)) == 0.0


def test_halves_keep_neighbouring_images_together() -> None:
    items = [ScoredImage(name, np.zeros((3, 1, 1), np.float16), np.zeros((1, 1), np.uint8), True, True)
             for name in ("a",) * 4 + ("b",) * 3]
    for i, item in enumerate(items):
        item.truth = np.full((1, 1), i, np.uint8)
    first, second = halves(items)
    assert [int(i.truth[0, 0]) for i in first] == [0, 1, 4] and [int(i.truth[0, 0]) for i in second] == [2, 3, 5, 6]


def test_decide_with_calibrated_weights_matches_the_search() -> None:
    item = _timid_pothole_image()
    mask = decide(item.probs.astype(np.float32), {"pothole_weight": 2.0})
    assert (mask == item.truth).all()


def test_calibrate_command_writes_the_weights_into_the_sidecar(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture) -> None:
    import torch

    from roadinspect.core.network import RoadDamageNet
    from roadinspect.training.weights import export_weights

    torch.manual_seed(0)
    weights = tmp_path / "random-seg.safetensors"
    export_weights(RoadDamageNet().eval(), weights, version="test")
    data = _dataset(tmp_path / "tiny")
    code = main(["calibrate", "--data", str(data), "--split", "all", "--weights", str(weights), "--device", "cpu",
                 "--write"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["weights"]) == {"crack_weight", "pothole_weight"}
    assert len(report["cross_check"]) == 2 and all(c["after"] and c["before"] for c in report["cross_check"])
    sidecar = json.loads(weights.with_suffix(".json").read_text())
    assert sidecar["thresholds"] == report["weights"] and sidecar["calibration"]["split"] == "all"
    assert Segmenter.load(weights, device="cpu").info["thresholds"] == report["weights"]  # still loads


def test_calibrate_names_a_missing_dataset(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["calibrate", "--data", str(tmp_path / "nope"), "--device", "cpu"]) == 2
    assert "nope" in capsys.readouterr().err
