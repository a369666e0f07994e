"""``backend="auto"`` chooses by measurement at first use on a CPU, cached per CPU model and weights.

The timings are replaced by known ones (speed figures come from ``roadinspect bench``, never from
tests): the fastest candidate must win, the choice must be cached and reused without measuring, a
corrupt cache must be ignored and rewritten, and a CPU without bf16 units must get fp32.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from roadinspect.core import backends
from roadinspect.core.backends import accelerate, available_backends
from roadinspect.core.network import RoadDamageNet
from roadinspect.core.segmenter import Segmenter
from roadinspect.training.weights import export_weights

OPTIONAL = [b for b in available_backends() if b != "torch"]


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(3)
    path = tmp_path_factory.mktemp("model") / "test-seg.safetensors"
    export_weights(RoadDamageNet().eval(), path, version="test", max_side=96)
    return path


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROADINSPECT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROADINSPECT_BACKEND", raising=False)
    monkeypatch.delenv("ROADINSPECT_PRECISION", raising=False)
    return tmp_path / "cache"


def _fake_times(monkeypatch: pytest.MonkeyPatch, ms: dict[str, float], calls: list[str]) -> None:
    """``time_network`` answers ``ms["backend precision"]`` (and records which candidates were timed)."""
    def fake(net, x, runs=backends.AUTO_RUNS):
        name = getattr(net, "backend", "torch")
        key = f"{name} {getattr(net, 'precision', 'fp32')}"
        calls.append(key)
        return ms[key] / 1000.0

    monkeypatch.setattr(backends, "time_network", fake)


ALL_MS = {"openvino bf16": 50.0, "openvino fp32": 90.0, "onnxruntime fp32": 70.0, "torch fp32": 200.0}


@pytest.mark.skipif(not OPTIONAL, reason="neither onnxruntime nor openvino is installed (extra 'fast')")
def test_the_fastest_measured_candidate_wins_and_the_choice_is_cached(weights, private_cache, monkeypatch):
    ms = dict(ALL_MS)
    ms["onnxruntime fp32"] = 40.0  # faster than OpenVINO here: chosen although OpenVINO comes first
    calls: list[str] = []
    _fake_times(monkeypatch, ms, calls)
    chosen = accelerate(Segmenter.load(weights, device="cpu", threads=1), threads=1)
    fastest = min((k for k in calls), key=lambda k: ms[k])
    assert f"{chosen.backend} {chosen.precision}" == fastest
    assert "torch fp32" in calls and len(calls) == len(set(calls)) >= 2
    assert "chosen by measurement" in chosen.note
    cached = json.loads((private_cache / backends.CHOICE_FILE).read_text(encoding="utf-8"))
    (entry,) = cached.values()
    assert (entry["backend"], entry["precision"]) == (chosen.backend, chosen.precision)

    calls.clear()  # next start: the cached choice, nothing measured
    again = accelerate(Segmenter.load(weights, device="cpu", threads=1), threads=1)
    assert calls == [] and (again.backend, again.precision) == (chosen.backend, chosen.precision)

    calls.clear()  # another CPU model (the same profile on another PC): measured again
    monkeypatch.setattr(backends, "cpu_model", lambda: "Other CPU 9000")
    accelerate(Segmenter.load(weights, device="cpu", threads=1), threads=1)
    assert calls and len(json.loads((private_cache / backends.CHOICE_FILE).read_text(encoding="utf-8"))) == 2


@pytest.mark.parametrize("content", [b"\x00\xffnot json", b"[1, 2]", b'{"k": {"backend": "tensorrt"}}', b""])
def test_a_corrupt_choice_cache_is_ignored_and_rewritten(weights, private_cache, monkeypatch, content):
    calls: list[str] = []
    _fake_times(monkeypatch, ALL_MS, calls)
    private_cache.mkdir(parents=True, exist_ok=True)
    (private_cache / backends.CHOICE_FILE).write_bytes(content)
    chosen = accelerate(Segmenter.load(weights, device="cpu", threads=1), threads=1)
    assert calls  # measured
    if OPTIONAL:
        data = json.loads((private_cache / backends.CHOICE_FILE).read_text(encoding="utf-8"))
        assert [(v["backend"], v["precision"]) for v in data.values()] == [(chosen.backend, chosen.precision)]


def test_a_cpu_without_bf16_gets_fp32(weights, monkeypatch):
    calls: list[str] = []
    _fake_times(monkeypatch, ALL_MS, calls)
    monkeypatch.setattr(backends, "openvino_native_bf16", lambda: False)
    chosen = accelerate(Segmenter.load(weights, device="cpu", threads=1), threads=1)
    assert "openvino bf16" not in calls and chosen.precision == "fp32"
    # the fastest fp32 candidate installed here (ALL_MS: ONNX Runtime, then OpenVINO, then torch)
    expected = ("onnxruntime fp32" if "onnxruntime" in OPTIONAL else
                "openvino fp32" if "openvino" in OPTIONAL else "torch fp32")
    assert f"{chosen.backend} {chosen.precision}" == expected


@pytest.mark.skipif("openvino" not in OPTIONAL, reason="openvino is not installed (extra 'fast')")
def test_precision_fp32_never_measures_bf16(weights, monkeypatch):
    calls: list[str] = []
    _fake_times(monkeypatch, ALL_MS, calls)
    monkeypatch.setattr(backends, "openvino_native_bf16", lambda: True)
    chosen = accelerate(Segmenter.load(weights, device="cpu", threads=1), threads=1, precision="fp32")
    assert "openvino bf16" not in calls and chosen.precision == "fp32"


@pytest.mark.skipif("onnxruntime" not in OPTIONAL, reason="onnxruntime is not installed (extra 'fast')")
def test_the_bundle_runs_onnx_runtime_from_its_shipped_export_without_the_exporter(weights, tmp_path, monkeypatch):
    """The Windows bundle leaves torch's ONNX exporter out: the export made at build time is used."""
    from roadinspect.core import resources

    seg = Segmenter.load(weights, device="cpu", threads=1)
    models = tmp_path / "bundle" / "models"
    models.mkdir(parents=True)
    (models / f"{seg.name}-{seg.sha256[:16]}.onnx").write_bytes(backends.export_onnx(seg.model))

    def no_exporter(model):
        raise ModuleNotFoundError("No module named 'torch.onnx'")

    monkeypatch.setattr(backends, "export_onnx", no_exporter)
    monkeypatch.setattr(resources, "models_dir", lambda: models)
    chosen = accelerate(seg, backend="onnxruntime", threads=1)
    assert (chosen.backend, chosen.precision, chosen.note) == ("onnxruntime", "fp32", "")
    other = Segmenter.load(weights, device="cpu", threads=1)  # weights of another sha: no shipped export
    other.sha256 = "f" * 64
    assert accelerate(other, backend="onnxruntime", threads=1).backend == "torch"
