"""The Segmenter: loading with checksum, prediction shapes, full-size masks, bad arrays."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from roadinspect.core.network import RoadDamageNet
from roadinspect.core.segmenter import (
    ModelError,
    ModelIntegrityError,
    Segmentation,
    Segmenter,
    decide,
    working_size,
)
from roadinspect.training.weights import export_weights


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "test-seg.safetensors"
    export_weights(RoadDamageNet().eval(), path, version="test", max_side=128)
    return path


def test_load_checks_and_predicts_any_size(random_weights: Path) -> None:
    seg = Segmenter.load(random_weights, device="cpu")
    assert seg.sha256 == json.loads(random_weights.with_suffix(".json").read_text())["sha256"]
    for h, w in [(1, 1), (37, 53), (300, 200)]:
        image = np.random.default_rng(h).integers(0, 255, (h, w, 3), dtype=np.uint8)
        result = seg.predict(image)
        assert result.image_size == (w, h)
        assert max(result.mask.shape) <= 128
        assert result.probs.shape == (3, *result.mask.shape)
        assert np.allclose(result.probs.sum(0), 1, atol=1e-4)
        assert result.full_mask().shape == (h, w)


def test_batch_equals_single(random_weights: Path) -> None:
    seg = Segmenter.load(random_weights, device="cpu")
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 255, (64, 96, 3), dtype=np.uint8) for _ in range(3)]
    images.append(rng.integers(0, 255, (50, 40, 3), dtype=np.uint8))
    batch = seg.predict_batch(images)
    for image, result in zip(images, batch, strict=True):
        single = seg.predict(image)
        assert np.allclose(single.probs, result.probs, atol=1e-4)


def test_tampered_weights_are_refused(random_weights: Path, tmp_path: Path) -> None:
    bad = tmp_path / random_weights.name
    data = bytearray(random_weights.read_bytes())
    data[-10] ^= 0xFF
    bad.write_bytes(bytes(data))
    bad.with_suffix(".json").write_text(random_weights.with_suffix(".json").read_text())
    with pytest.raises(ModelIntegrityError, match="checksum"):
        Segmenter.load(bad)


def test_missing_files_give_clear_errors(tmp_path: Path, random_weights: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        Segmenter.load(tmp_path / "nothing.safetensors")
    lonely = tmp_path / "lonely.safetensors"
    lonely.write_bytes(random_weights.read_bytes())
    with pytest.raises(ModelError, match="metadata"):
        Segmenter.load(lonely)


def test_wrong_array_is_rejected(random_weights: Path) -> None:
    seg = Segmenter.load(random_weights, device="cpu")
    with pytest.raises(ValueError, match="uint8"):
        seg.predict(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        seg.predict(np.zeros((10, 10, 3), np.float32))


def test_working_size_never_upscales() -> None:
    assert working_size(4000, 3000, 640) == (640, 480)
    assert working_size(300, 200, 640) == (300, 200)


def test_full_mask_upsamples_probabilities() -> None:
    probs = np.zeros((3, 2, 2), np.float32)
    probs[0] = 1
    probs[:, 0, 0] = (0, 0, 1)  # top-left working pixel is pothole
    seg = Segmentation(mask=decide(probs, {}), probs=probs, image_size=(8, 8))
    full = seg.full_mask()
    assert full.shape == (8, 8)
    assert full[0, 0] == 2 and full[7, 7] == 0
    assert (full[:3, :3] == 2).all() and (full[4:, :] == 0).all() and (full[:, 4:] == 0).all()
    assert seg.scale == (4.0, 4.0)


def test_thresholds_send_unsure_pixels_to_background() -> None:
    probs = np.array([[[0.3]], [[0.45]], [[0.25]]], np.float32)
    assert decide(probs, {})[0, 0] == 1
    assert decide(probs, {"crack": 0.5})[0, 0] == 0


def test_class_weights_shift_the_argmax() -> None:
    probs = np.array([[[0.3]], [[0.45]], [[0.25]]], np.float32)
    assert decide(probs, {"pothole_weight": 2.0})[0, 0] == 2  # 0.50 beats 0.45
    assert decide(probs, {"crack_weight": 0.6})[0, 0] == 0  # 0.27 loses to 0.30
    assert decide(probs, {"crack_weight": 0.6, "crack": 0.2})[0, 0] == 0


def test_devices_are_checked_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from roadinspect.core.segmenter import ModelError, resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto").type == "cpu" and resolve_device("cpu").type == "cpu"
    with pytest.raises(ModelError, match="no CUDA GPU is usable here .*use --device cpu or auto"):
        resolve_device("cuda")
    with pytest.raises(ModelError, match="unknown device 'gpu'"):
        resolve_device("gpu")
    with pytest.raises(ModelError, match="'meta' is not supported"):
        resolve_device("meta")
