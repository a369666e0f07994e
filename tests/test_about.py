"""The About box's content comes from the shipped model sidecar and licence notices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roadinspect import __version__, about
from roadinspect.core import resources


def test_licences_name_qt_lgpl_pytorch_and_flag_crackforest() -> None:
    text = about.licences_html()
    assert "Qt / PySide6" in text and "LGPL-3.0" in text
    assert "torch " in text and "BSD" in text
    assert "CrackForest" in text and "non-commercial research only" in text
    assert about.notice_file().as_uri() in text


def test_third_party_rows_come_from_the_index() -> None:
    names = {c.name for c in about.third_party()}
    assert {"torch", "numpy", "CPython", "PySide6_Essentials"} <= names
    assert "component" not in names


def test_model_text_reads_the_sidecar_without_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "roadinspect-seg.json").write_text(
        json.dumps({"name": "roadinspect-seg", "version": "2025.11", "sha256": "ab" * 32}), encoding="utf-8")
    monkeypatch.setattr(resources, "data_root", lambda: tmp_path)
    monkeypatch.setattr(about, "models_dir", lambda: tmp_path / "models")

    assert about.model_text() == "roadinspect-seg 2025.11 (sha256 abababababab)"
    (tmp_path / "models" / "roadinspect-seg.json").unlink()
    assert about.model_text() == "roadinspect-seg: not installed"
    assert about.about_text().startswith(f"RoadInspect {__version__}, model roadinspect-seg: not installed")
