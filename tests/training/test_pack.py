"""Packing dataset folders into tar shards for a remote GPU machine: whole pairs per shard, every shard
under its size limit, masks exact, the same stems, classes and validation split once extracted."""

import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from roadinspect.core.types import DamageClass
from roadinspect.training.data import open_dataset, split
from roadinspect.training.pack import main, pack_datasets


def _dataset(root: Path, stems: list[str], pothole: bool, seed: int) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(seed)
    for stem in stems:
        # smooth noise: compresses like a photo, not like random bytes
        small = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
        Image.fromarray(small).resize((160, 120), Image.BILINEAR).save(root / "images" / f"{stem}.jpg", quality=95)
        mask = np.zeros((120, 160), np.uint8)
        mask[rng.integers(0, 120), :] = 1
        if pothole:
            mask[40:60, 50:80] = 2
        mask[0, 0] = 255
        Image.fromarray(mask).save(root / "masks" / f"{stem}.png")
    return root


def test_shards_extract_to_the_same_datasets(tmp_path: Path) -> None:
    survey = _dataset(tmp_path / "src" / "survey", [f"{i}_RS_A_{100 * i}" for i in range(12)], True, 1)
    cracks = _dataset(tmp_path / "src" / "cracks", [f"{i:03d}" for i in range(6)], False, 2)
    seen: list[tuple] = []
    result = pack_datasets([survey, cracks], tmp_path / "shards", max_mb=0.03, progress=lambda *a: seen.append(a))
    assert len(result.shards) >= 3 and result.pairs == {"survey": 12, "cracks": 6}
    assert seen[-1][:2] == (18, 18)
    extracted = tmp_path / "data"
    for shard in result.shards:
        assert shard.stat().st_size <= 30_000
        with tarfile.open(shard) as tar:
            names = tar.getnames()
            images = {n.split("/images/")[1][:-5] for n in names if "/images/" in n}
            masks = {n.split("/masks/")[1][:-4] for n in names if "/masks/" in n}
            assert images == masks  # whole pairs only
            assert all(n.split("/")[0] + "/roadinspect-dataset.json" in names for n in names)  # each shard declares
            tar.extractall(extracted, filter="data")
    for source in (survey, cracks):
        before, after = open_dataset(source), open_dataset(extracted / source.name)
        assert after.stems == before.stems and after.annotated == before.annotated
        assert split(after) == split(before)
        for stem in before.stems:
            assert np.array_equal(np.asarray(Image.open(after.mask_path(stem))),
                                  np.asarray(Image.open(before.mask_path(stem))))
            original = np.asarray(Image.open(before.image_path(stem)).convert("RGB"), dtype=float)
            packed = np.asarray(Image.open(after.image_path(stem)), dtype=float)
            assert after.image_path(stem).suffix == ".webp" and np.abs(packed - original).mean() < 4
    assert open_dataset(extracted / "cracks").annotated == frozenset({DamageClass.CRACK})


def test_bad_input_gets_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _dataset(tmp_path / "survey", ["a", "b"], True, 3)
    assert main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]) == 2
    assert "nowhere is not a dataset folder" in capsys.readouterr().err
    assert main([str(data), "--out", str(tmp_path / "o")]) == 0
    assert "2 pairs (2 survey)" in capsys.readouterr().out
    assert main([str(data), "--out", str(tmp_path / "o")]) == 2  # would mix old and new shards
    assert "already holds shard" in capsys.readouterr().err
    assert main([str(data), "--out", str(tmp_path / "tiny"), "--max-mb", "0.001"]) == 2
    assert "does not fit in a shard" in capsys.readouterr().err
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(data / "masks" / "a.png")
    assert main([str(data), "--out", str(tmp_path / "rgb")]) == 2
    assert "a.png: a mask must be a single-channel" in capsys.readouterr().err


def test_every_shard_stays_under_its_limit_with_declarations_and_a_cancel_stops(tmp_path: Path) -> None:
    folders = [_dataset(tmp_path / "src" / f"set{k}", [f"{k}{i:02d}" for i in range(3)], k % 2 == 0, k)
               for k in range(5)]
    result = pack_datasets(folders, tmp_path / "shards", max_mb=0.024)
    assert sum(result.pairs.values()) == 15 and not result.cancelled
    for shard in result.shards:
        assert shard.stat().st_size <= 24_000
        with tarfile.open(shard) as tar:
            names = tar.getnames()
            assert all(n.split("/")[0] + "/roadinspect-dataset.json" in names for n in names)
    calls: list[int] = []
    stopped = pack_datasets(folders, tmp_path / "stopped", progress=lambda done, *a: calls.append(done),
                            is_cancelled=lambda: len(calls) >= 4)
    assert stopped.cancelled and sum(stopped.pairs.values()) == 4
