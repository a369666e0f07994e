"""The Windows bundle ships ONNX Runtime with the model's ONNX export made at build time."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.packaging.test_packaging import _spec_excludes

ROOT = Path(__file__).resolve().parents[2]


def test_the_spec_bundles_onnx_runtime_but_not_the_exporter_nor_openvino() -> None:
    excludes = set(_spec_excludes())
    assert "onnxruntime" not in excludes
    assert {"onnx", "torch.onnx", "openvino", "openvino_telemetry"} <= excludes
    spec = (ROOT / "packaging" / "roadinspect.spec").read_text(encoding="utf-8")
    assert '_data_tree(ROOT / "build" / "onnx", "models")' in spec


@pytest.mark.skipif(importlib.util.find_spec("onnxruntime") is None, reason="onnxruntime is not installed")
@pytest.mark.skipif(not any((ROOT / "models").glob("*.safetensors")), reason="no shipped model yet")
def test_the_build_export_is_the_file_the_app_looks_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from roadinspect.core import backends, resources
    from roadinspect.core.segmenter import Segmenter
    from tests.packaging.test_packaging import build

    monkeypatch.setattr(build, "ONNX_DIR", tmp_path / "onnx")
    exported = build.export_shipped_onnx()
    monkeypatch.setattr(resources, "models_dir", lambda: tmp_path / "onnx")  # where the spec puts it: models/
    segmenter = Segmenter.load(device="cpu")
    assert backends.shipped_onnx(segmenter) == exported
    monkeypatch.setattr(backends, "export_onnx", lambda model: (_ for _ in ()).throw(ImportError("torch.onnx")))
    monkeypatch.setenv("ROADINSPECT_CACHE_DIR", str(tmp_path / "cache"))
    assert backends.accelerate(segmenter, backend="onnxruntime", threads=1).backend == "onnxruntime"
