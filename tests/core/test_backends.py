"""Optional CPU backends (ONNX Runtime, OpenVINO): same answers as torch within the stated tolerance,
fallback to torch when one cannot be used, the exported ONNX cached per weights.

Tolerance (fp32, also stated in ``docs/performance.md``): class probabilities within 1e-3 of torch's,
and at least 99.99 % of mask pixels equal. bf16 (OpenVINO on CPUs with native bf16 only) is looser:
see ``test_pipeline_fast.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from roadinspect.core import backends
from roadinspect.core.backends import accelerate, available_backends
from roadinspect.core.network import RoadDamageNet
from roadinspect.core.segmenter import Segmenter
from roadinspect.training.weights import export_weights

OPTIONAL = [b for b in available_backends() if b != "torch"]  # preference order
PROB_TOL = 1e-3
MASK_AGREEMENT = 0.9999


@pytest.fixture(scope="module", params=["plain", "gated"])
def weights(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A network without and one with the forward-view gate (replicate padding, a middle layer)."""
    torch.manual_seed(3)
    path = tmp_path_factory.mktemp("model") / "test-seg.safetensors"
    net = RoadDamageNet(gate=16, gate_kernel=3, gate_depth=2) if request.param == "gated" else RoadDamageNet()
    export_weights(net.eval(), path, version="test", max_side=160)
    return path


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROADINSPECT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROADINSPECT_BACKEND", raising=False)
    monkeypatch.delenv("ROADINSPECT_PRECISION", raising=False)
    return tmp_path / "cache"


def _images() -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    return [rng.integers(0, 255, (h, w, 3), dtype=np.uint8) for h, w in ((120, 160), (97, 131), (160, 64))]


@pytest.mark.skipif(not OPTIONAL, reason="neither onnxruntime nor openvino is installed (extra 'fast')")
@pytest.mark.parametrize("name", OPTIONAL)
def test_backend_matches_torch_on_any_size(weights: Path, name: str) -> None:
    reference = Segmenter.load(weights, device="cpu", threads=1)
    fast = Segmenter.load(weights, device="cpu", threads=1)
    chosen = accelerate(fast, backend=name, threads=1, precision="fp32")
    assert (chosen.backend, chosen.precision) == (name, "fp32")
    for image in _images():
        a, b = reference.predict(image), fast.predict(image)
        assert a.mask.shape == b.mask.shape and a.image_size == b.image_size
        assert np.abs(a.probs - b.probs).max() <= PROB_TOL
        assert (a.mask == b.mask).mean() >= MASK_AGREEMENT
    batch = fast.predict_batch(_images()[:2])
    assert [r.image_size for r in batch] == [(160, 120), (131, 97)]


def test_auto_chooses_by_measurement_and_torch_is_the_reference(weights: Path) -> None:
    seg = Segmenter.load(weights, device="cpu", threads=1)
    chosen = accelerate(seg)  # measured here (tests/core/test_backend_choice.py pins the rule)
    assert chosen.backend in available_backends() and "chosen by measurement" in chosen.note
    assert seg.torch_model is not None
    back = accelerate(seg, backend="torch", threads=1)
    assert back.backend == "torch" and seg.model is seg.torch_model
    with pytest.raises(ValueError, match="unknown inference backend"):
        accelerate(seg, backend="tensorrt")
    with pytest.raises(ValueError, match="unknown precision"):
        accelerate(seg, precision="int8")


def test_a_backend_that_fails_falls_back_to_torch_and_says_why(weights: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(model: object) -> bytes:
        raise RuntimeError("exporter exploded")

    monkeypatch.setattr(backends, "export_onnx", broken)
    monkeypatch.setattr(backends, "available_backends", lambda: ["openvino", "onnxruntime", "torch"])
    seg = Segmenter.load(weights, device="cpu", threads=1)
    chosen = accelerate(seg)
    assert chosen.backend == "torch"
    assert "openvino unavailable (RuntimeError: exporter exploded)" in chosen.note
    assert "onnxruntime unavailable" in chosen.note
    image = _images()[0]
    assert np.array_equal(seg.predict(image).mask, Segmenter.load(weights, device="cpu", threads=1).predict(image).mask)


@pytest.mark.skipif("openvino" not in OPTIONAL, reason="openvino is not installed (extra 'fast')")
def test_auto_precision_is_bf16_exactly_where_the_cpu_has_native_bf16(weights: Path) -> None:
    import openvino as ov

    native = "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    seg = Segmenter.load(weights, device="cpu", threads=1)
    chosen = accelerate(seg, backend="openvino", threads=1)  # the default precision is "auto"
    assert chosen.precision == ("bf16" if native else "fp32") and chosen.note == ""
    assert accelerate(seg, backend="openvino", threads=1, precision="fp32").precision == "fp32"
    if "onnxruntime" in OPTIONAL:  # auto never asks a backend without bf16 for it, and says nothing
        assert accelerate(seg, backend="onnxruntime", threads=1) == backends.Accelerated("onnxruntime", "fp32", 1)


@pytest.mark.skipif(not OPTIONAL, reason="neither onnxruntime nor openvino is installed (extra 'fast')")
def test_the_export_is_cached_per_weights(weights: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    accelerate(Segmenter.load(weights, device="cpu", threads=1), backend=OPTIONAL[0])
    cached = list(private_cache.glob("*.onnx"))
    assert len(cached) == 1 and cached[0].stat().st_size > 100_000

    def must_not_export(model: object) -> bytes:
        raise AssertionError("the cached export should have been used")

    monkeypatch.setattr(backends, "export_onnx", must_not_export)
    chosen = accelerate(Segmenter.load(weights, device="cpu", threads=1), backend=OPTIONAL[0])
    assert chosen.backend == OPTIONAL[0] and chosen.note == ""


def test_the_backend_is_a_declared_part_of_the_segmenter(weights: Path) -> None:
    seg = Segmenter.load(weights, device="cpu", threads=1)
    assert seg.model is seg.torch_model  # torch, the reference, until a backend is chosen
    assert (seg.backend.backend, seg.backend.precision) == (backends.Backend.TORCH, backends.Precision.FP32)
    image = _images()[0]
    expected = seg.predict(image)
    calls: list[tuple[int, ...]] = []

    def injected(x: torch.Tensor) -> torch.Tensor:  # another backend's network: the same function of x
        calls.append(tuple(x.shape))
        return seg.torch_model(x)

    chosen = backends.Accelerated(backends.Backend.ONNXRUNTIME, backends.Precision.FP32, 1, "injected")
    assert seg.use_network(injected, chosen) is chosen and seg.backend is chosen
    got = seg.predict(image)
    assert calls and np.array_equal(got.mask, expected.mask)  # run() calls the injected network
    back = accelerate(seg, backend="torch", threads=1)
    assert seg.model is seg.torch_model and seg.backend == back == backends.Accelerated("torch", "fp32", 1)
    chosen_at_load = Segmenter.load(weights, device="cpu", threads=1, backend="torch")
    assert chosen_at_load.backend == backends.Accelerated("torch", "fp32", 1)


def test_the_command_line_offers_the_backend_and_precision_names_defined_once() -> None:
    from roadinspect.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices
    for command in ("analyze", "evaluate", "bench"):
        options = {a.dest: a for a in sub[command]._actions}
        assert list(options["backend"].choices) == list(backends.BACKEND_CHOICES)
        assert list(options["precision"].choices) == list(backends.PRECISIONS)
    assert backends.BACKEND_CHOICES == ("auto", "openvino", "onnxruntime", "torch")
    assert backends.PRECISIONS == ("auto", "fp32", "bf16")
