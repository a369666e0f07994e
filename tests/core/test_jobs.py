"""The shared jobs (``roadinspect.core.jobs``): one reading of a project as ProjectData, one import, one model load,
called alike by the command line, the app and the benchmarks."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from roadinspect.core import backends
from roadinspect.core.jobs import import_photos, load_segmenter, project_data, read_project_data
from roadinspect.core.network import RoadDamageNet
from roadinspect.core.segmenter import ModelError
from roadinspect.core.store import CHANGED_REASON, Store
from roadinspect.core.types import DamageClass, Finding, Review, ReviewStatus, Severity
from roadinspect.training.weights import export_weights
from tests.core.photo_files import scene_jpeg


def _record(pid: int, *, usable: bool = True, replaced_by: int | None = None, analysis_id: int | None = 1):
    photo = SimpleNamespace(name=f"p{pid}") if usable or pid % 2 else None
    return SimpleNamespace(id=pid, photo=photo, usable=usable, replaced_by=replaced_by, analysis_id=analysis_id)


def _finding(fid: int, pid: int, review: Review | None = None):
    finding = Finding(DamageClass.CRACK, "POLYGON ((0 0, 1 0, 1 1, 0 0))", 0.9, "isolated", Severity.LOW, id=fid,
                      photo_id=pid)
    return SimpleNamespace(finding=finding, review=review)


def test_project_data_keeps_usable_photos_their_findings_and_latest_reviews() -> None:
    records = [_record(1), _record(2, replaced_by=5), _record(3, usable=False), _record(4, usable=False),
               _record(5, analysis_id=2), _record(6, analysis_id=None)]
    accepted = Review(10, ReviewStatus.ACCEPTED, reviewer="ann")
    findings = [_finding(10, 1, accepted), _finding(11, 2), _finding(12, 3, Review(12, ReviewStatus.REJECTED)),
                _finding(13, 4), _finding(14, 5)]
    analyses = [SimpleNamespace(id=1, model_name="seg-a"), SimpleNamespace(id=2, model_name="seg-b")]
    data = project_data(records, findings, analyses, name="tournée")
    assert sorted(data.photos) == [1, 2, 5, 6]  # a duplicate or an unreadable file is no photo of the survey
    assert [f.id for f in data.findings] == [10, 11, 14]  # a finding of a photo that is no longer usable: left out
    assert data.reviews == {10: accepted}
    assert data.changed == {2: CHANGED_REASON}  # its findings count; its file is not shown under them
    assert data.models == {"seg-a": 2, "seg-b": 1} and data.name == "tournée"


def _photos(folder: Path, count: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        scene_jpeg(folder / f"p{i}.jpg", seed=i + 1, index=i)
    return folder


def test_import_records_the_batch_with_its_track(tmp_path: Path) -> None:
    folder = _photos(tmp_path / "photos")
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    calls: list[tuple[int, int, str]] = []
    with Store.open(tmp_path / "p.roadinspect") as store:
        imported = import_photos(store, [folder], "ann", progress=lambda d, t, name="": calls.append((d, t, name)))
        assert imported.recorded and not imported.cancelled and not imported.empty
        assert len(imported.added.photo_ids) == 3 and imported.added.unreadable == 1
        assert all(p.heading_deg is not None for p in imported.photos)  # headings completed from the track
        assert calls and calls[-1][:2] == (4, 4)
        assert [e.action for e in store.audit_log() if e.action == "import"] == ["import"]
        assert len(read_project_data(store).photos) == 3


def test_a_cancelled_or_empty_import_records_nothing(tmp_path: Path) -> None:
    folder = _photos(tmp_path / "photos")
    (tmp_path / "empty").mkdir()
    with Store.open(tmp_path / "p.roadinspect") as store:
        cancelled = import_photos(store, [folder], is_cancelled=lambda: True)
        assert cancelled.cancelled and not cancelled.recorded and cancelled.added.photo_ids == []
        empty = import_photos(store, [tmp_path / "empty"])
        assert empty.empty and not empty.recorded
        assert store.photos(usable_only=False) == [] and not [e for e in store.audit_log() if e.action == "import"]


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(3)
    path = tmp_path_factory.mktemp("model") / "test-seg.safetensors"
    export_weights(RoadDamageNet().eval(), path, version="test", max_side=160)
    return path


def test_the_model_is_loaded_on_its_backend(weights: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROADINSPECT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ROADINSPECT_BACKEND", "torch")  # the default choice follows the environment
    segmenter = load_segmenter(weights, "cpu", threads=1, max_side=96)
    assert segmenter.backend == backends.Accelerated("torch", "fp32", 1) and segmenter.max_side == 96
    optional = [b for b in backends.available_backends() if b != "torch"]
    if optional:
        chosen = load_segmenter(weights, "cpu", backend=optional[0], precision="fp32", threads=1)
        assert (chosen.backend.backend, chosen.backend.precision) == (optional[0], "fp32")
        assert chosen.model is not chosen.torch_model
    with pytest.raises(ModelError, match="not found"):
        load_segmenter(tmp_path / "missing.safetensors", "cpu")
