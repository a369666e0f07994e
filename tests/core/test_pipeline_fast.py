"""The fast analysis path gives the reference path's results on the same photos.

Reference: ``analyze(..., workers=0)`` (every step on one thread, one photo after the other) with the
torch segmenter. Fast: decode and findings in worker threads, optional batching, and the fastest
installed backend (``accelerate``). Stated tolerance (fp32): the same findings per photo and class;
polygons overlapping at IoU >= 0.95; masks equal on >= 99.99 % of pixels (test_backends.py checks
the probabilities). With bf16 (OpenVINO on a CPU with native bf16 units, the default there) the masks still
agree on >= 99.5 % of pixels; findings may differ at the margin and are not compared.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shapely import wkt

from roadinspect.core.backends import accelerate, available_backends
from roadinspect.core.photos import load_image, scan
from roadinspect.core.pipeline import analyze
from roadinspect.core.store import Store
from roadinspect.core.track import complete_track
from tests.core.photo_files import TruthSegmenter, truth_batch

ROOT = Path(__file__).resolve().parents[2]
HAVE_WEIGHTS = bool(sorted((ROOT / "models").glob("*.safetensors")))


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROADINSPECT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROADINSPECT_BACKEND", raising=False)
    monkeypatch.delenv("ROADINSPECT_PRECISION", raising=False)


def _project(folder: Path, pairs_folder: Path, name: str) -> tuple[Store, list[int]]:
    result = scan([pairs_folder])
    store = Store.open(folder / name)
    added = store.add_batch(complete_track(result.photos), result.unreadable, result.duplicates)
    return store, added.photo_ids


def _findings_by_photo(store: Store) -> dict[str, list[tuple[int, str, str, str]]]:
    names = {r.id: r.path.name for r in store.photos()}
    out: dict[str, list[tuple[int, str, str, str]]] = {name: [] for name in names.values()}
    for rf in store.findings():
        f = rf.finding
        out[names[f.photo_id]].append((int(f.damage), f.kind, str(f.severity), f.polygon_wkt))
    return {k: sorted(v) for k, v in out.items()}


@pytest.mark.parametrize("workers,batch", [(1, 1), (2, 1), (2, 3), (4, 2)])  # 4: two findings threads
def test_threads_and_batches_record_exactly_what_the_reference_path_records(
        tmp_path: Path, workers: int, batch: int) -> None:
    pairs = truth_batch(tmp_path / "photos", 7)
    reference, ref_ids = _project(tmp_path, tmp_path / "photos", "ref.roadinspect")
    fast, fast_ids = _project(tmp_path, tmp_path / "photos", "fast.roadinspect")
    done: list[int] = []
    a = analyze(reference, ref_ids, TruthSegmenter(pairs), workers=0)
    b = analyze(fast, fast_ids, TruthSegmenter(pairs), progress=lambda d, t, m: done.append(d),
                workers=workers, batch=batch)
    assert (a.analysed, a.findings) == (b.analysed, b.findings) == (7, a.findings) and a.findings > 0
    assert done == list(range(1, 8))  # progress in photo order
    assert _findings_by_photo(reference) == _findings_by_photo(fast)
    digests = [[r.photo.sha256 for r in store.photos()] for store in (reference, fast)]  # type: ignore[union-attr]
    assert digests[0] == digests[1]
    reference.close()
    fast.close()


def test_bad_files_among_good_ones_keep_their_place_with_workers(tmp_path: Path) -> None:
    pairs = truth_batch(tmp_path / "photos", 5)
    store, ids = _project(tmp_path, tmp_path / "photos", "p.roadinspect")
    pairs[1][0].unlink()
    messages: list[str] = []
    summary = analyze(store, ids, TruthSegmenter([pairs[0], *pairs[2:]]),
                      progress=lambda d, t, m: messages.append(m), workers=2)
    assert summary.analysed == 4 and [f.path.name for f in summary.failed] == ["IMG_0001.jpg"]
    assert messages[0] == "IMG_0000.jpg" and messages[1].startswith("IMG_0001.jpg: file not found")
    store.close()


@pytest.mark.skipif(not HAVE_WEIGHTS, reason="no models/*.safetensors yet: the shipped model is still being trained")
def test_fast_path_with_the_shipped_model_matches_the_reference_path(tmp_path: Path) -> None:
    from roadinspect.core.segmenter import Segmenter

    truth_batch(tmp_path / "photos", 3, size=(800, 600), seed=21)
    ref_seg = Segmenter.load(device="cpu", threads=1)
    fast_seg = Segmenter.load(device="cpu", threads=1)
    chosen = accelerate(fast_seg, precision="fp32")  # the fp32 tolerance; bf16 is checked below
    reference, ref_ids = _project(tmp_path, tmp_path / "photos", "ref.roadinspect")
    fast, fast_ids = _project(tmp_path, tmp_path / "photos", "fast.roadinspect")
    analyze(reference, ref_ids, ref_seg, workers=0)
    analyze(fast, fast_ids, fast_seg, workers=2)
    ref_f, fast_f = _findings_by_photo(reference), _findings_by_photo(fast)
    assert sum(len(v) for v in ref_f.values()) > 0  # the comparison is not vacuous
    for name in ref_f:
        assert [f[:3] for f in ref_f[name]] == [f[:3] for f in fast_f[name]], (name, chosen)
        for a, b in zip(ref_f[name], fast_f[name], strict=True):
            pa, pb = wkt.loads(a[3]), wkt.loads(b[3])
            union = pa.union(pb).area
            assert union == 0 or pa.intersection(pb).area / union >= 0.95
    for path in sorted((tmp_path / "photos").glob("*.jpg")):
        image = load_image(path, max_side=ref_seg.max_side)
        assert (ref_seg.predict(image).mask == fast_seg.predict(image).mask).mean() >= 0.9999
    reference.close()
    fast.close()


@pytest.mark.skipif(not HAVE_WEIGHTS or "openvino" not in available_backends(),
                    reason="needs the shipped model and OpenVINO")
def test_bf16_masks_stay_close_to_fp32(tmp_path: Path) -> None:
    from roadinspect.core.segmenter import Segmenter

    pairs = truth_batch(tmp_path / "photos", 2, size=(800, 600), seed=31)
    reference = Segmenter.load(device="cpu", threads=1)
    bf16 = Segmenter.load(device="cpu", threads=1)
    chosen = accelerate(bf16, backend="openvino", precision="bf16")
    if chosen.precision != "bf16":
        pytest.skip(f"this CPU has no native bf16 ({chosen.note})")
    for path, _ in pairs:
        image = load_image(path, max_side=reference.max_side)
        a, b = reference.predict(image), bf16.predict(image)
        assert (a.mask == b.mask).mean() >= 0.995
        assert np.abs(a.probs - b.probs).mean() <= 0.01
