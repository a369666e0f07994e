"""A weights sidecar (``<name>.json``) is checked field by field (issue 12 point 11): content that is
wrong even when the checksum matches is refused with one line naming the field, and a refusal of the
user's own ``--weights`` does not tell them to reinstall RoadInspect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from roadinspect.cli import main
from roadinspect.core.network import RoadDamageNet
from roadinspect.core.segmenter import ModelError, ModelIntegrityError, Segmenter, check_model_info, default_weights
from roadinspect.training.weights import export_weights


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "mine.safetensors"
    export_weights(RoadDamageNet().eval(), path, version="test", max_side=128)
    return path


def _with_sidecar(weights: Path, folder: Path, change: dict | list) -> Path:
    """A copy of ``weights`` whose sidecar (checksum still right) has ``change`` applied."""
    copy = folder / weights.name
    copy.write_bytes(weights.read_bytes())
    info = json.loads(weights.with_suffix(".json").read_text())
    data = change if isinstance(change, list) else {**info, **change}
    copy.with_suffix(".json").write_text(json.dumps(data))
    return copy


@pytest.mark.parametrize(("change", "field"), [
    ([1, 2], "the file"),
    ({"max_side": "big"}, "max_side"),
    ({"max_side": 0}, "max_side"),
    ({"max_side": 1e9}, "max_side"),
    ({"max_side": True}, "max_side"),
    ({"thresholds": "x"}, "thresholds"),
    ({"thresholds": {"crack": 7}}, "thresholds.crack"),
    ({"thresholds": {"pothole_weight": -1}}, "thresholds.pothole_weight"),
    ({"thresholds": {"crak": 0.5}}, "thresholds.crak"),
    ({"decoder_channels": [96, 64, 48]}, "decoder_channels"),
    ({"decoder_channels": [96, 64, "48", 32]}, "decoder_channels"),
    ({"decoder_channels": [96, 64, 48, -32]}, "decoder_channels"),
    ({"decoder_channels": {"a": 1}}, "decoder_channels"),
    ({"sha256": 5}, "sha256"),
    ({"arch": "resnet"}, "arch"),
    ({"name": ["x"]}, "name"),
])
def test_wrong_sidecar_content_is_refused_naming_the_field(weights: Path, tmp_path: Path, change, field: str) -> None:
    bad = _with_sidecar(weights, tmp_path, change)
    with pytest.raises(ModelError) as caught:
        Segmenter.load(bad, device="cpu")
    message = str(caught.value)
    assert "\n" not in message and field in message and str(bad.with_suffix(".json")) in message
    assert "reinstall" not in message  # the user's own file


def test_a_good_sidecar_with_calibrated_thresholds_loads(weights: Path, tmp_path: Path) -> None:
    good = _with_sidecar(weights, tmp_path, {"thresholds": {"crack": 0.3, "pothole": 0.5, "crack_weight": 1.4,
                                                            "pothole_weight": 0.8}, "calibration": {"grid": [1]}})
    assert Segmenter.load(good, device="cpu").info["thresholds"]["crack_weight"] == 1.4
    check_model_info(json.loads(default_weights().with_suffix(".json").read_text()), Path("shipped.json"))


def test_user_weights_checksum_refusal_does_not_say_reinstall(weights: Path, tmp_path: Path) -> None:
    bad = _with_sidecar(weights, tmp_path, {"sha256": "0" * 64})
    with pytest.raises(ModelIntegrityError) as caught:
        Segmenter.load(bad, device="cpu")
    assert "reinstall" not in str(caught.value) and "export the weights again" in str(caught.value)


def test_segment_command_names_the_field_in_one_line(weights: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    bad = _with_sidecar(weights, tmp_path, {"max_side": "big"})
    image = tmp_path / "x.png"
    from PIL import Image

    Image.new("RGB", (64, 48)).save(image)
    assert main(["segment", str(image), "--out", str(tmp_path / "out"), "--weights", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "max_side" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
