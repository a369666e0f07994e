"""Dataset folders: annotated classes, the stretch-wise validation split, augmented crops."""

import json
from pathlib import Path

import numpy as np
from PIL import Image

from roadinspect.core.types import DamageClass
from roadinspect.training.data import BUFFER, CropSampler, Sample, open_dataset, split


def _write_dataset(root: Path, stems: list[str], pothole: bool = True, crack: bool = True) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for stem in stems:
        Image.fromarray(rng.integers(0, 255, (32, 48, 3), dtype=np.uint8)).save(root / "images" / f"{stem}.jpg")
        mask = np.zeros((32, 48), np.uint8)
        if crack:
            mask[5, :] = 1
        if pothole:
            mask[10:14, 10:14] = 2
        Image.fromarray(mask).save(root / "masks" / f"{stem}.png")
    return root


def test_classes_without_any_pixel_are_not_annotated(tmp_path: Path) -> None:
    info = open_dataset(_write_dataset(tmp_path / "potholes", ["a", "b"], crack=False))
    assert info.annotated == frozenset({DamageClass.POTHOLE})
    assert info.stems == ("a", "b")


def test_declared_classes_override_the_guess(tmp_path: Path) -> None:
    root = _write_dataset(tmp_path / "local", ["a"], pothole=False)
    (root / "roadinspect-dataset.json").write_text(json.dumps({"annotated": ["crack", "pothole"]}))
    assert open_dataset(root).annotated == frozenset({DamageClass.CRACK, DamageClass.POTHOLE})


def test_survey_frames_split_by_stretch_with_a_buffer(tmp_path: Path) -> None:
    stems = [f"{1000 + i}_RS_1_SEG{s}_{pos}" for s in (1, 2) for i, pos in enumerate(range(0, 5000, 5))]
    info = open_dataset(_write_dataset(tmp_path / "survey", stems))
    parts = split(info, seed=1, val_fraction=0.3)
    assert parts["val"] and parts["train"]
    assert not set(parts["val"]) & set(parts["train"])

    def key(stem: str) -> tuple[str, int]:
        seg, pos = stem.split("_", 1)[1].rsplit("_", 1)
        return seg, int(pos)

    val = [key(s) for s in parts["val"]]
    # whole 500-unit stretches go to validation
    stretches = {(seg, pos // 500) for seg, pos in val}
    assert len(val) == sum(1 for s in stems if (key(s)[0], key(s)[1] // 500) in stretches)
    # no training frame within the buffer of a validation frame of the same segment
    for seg, pos in map(key, parts["train"]):
        assert all(not (vs == seg and abs(vp - pos) <= BUFFER) for vs, vp in val)
    assert split(info, seed=1, val_fraction=0.3) == parts


def test_crops_have_the_requested_size_and_keep_labels(tmp_path: Path) -> None:
    image = np.full((100, 120, 3), 128, np.uint8)
    mask = np.zeros((100, 120), np.uint8)
    mask[40:60, 40:60] = 2
    pothole = np.argwhere(mask == 2)
    sample = Sample(image, mask, np.array([True, True, True]), pothole)
    sampler = CropSampler([sample], np.ones(1), crop=64, seed=3)
    images, masks, annotated, boxes, weak = sampler.batch(6)
    assert images.shape == (6, 64, 64, 3) and masks.shape == (6, 64, 64)
    assert set(np.unique(masks)) <= {0, 2, 255}
    assert (masks == 2).any()
    assert annotated.shape == (6, 3)


def test_weak_share_puts_a_fixed_number_of_box_labelled_crops_in_every_batch() -> None:
    """``--weak-share``: every batch holds round(share x batch) box-labelled crops, the rest pixel-labelled,
    whatever the sampling weights say (here they favour the weak photos 100 to 1)."""
    from roadinspect.training.data import box_sample  # noqa: F401  (weak samples are Sample with boxes)

    image = np.full((80, 80, 3), 128, np.uint8)
    full = Sample(image, np.zeros((80, 80), np.uint8), np.array([True, True, True]), None)
    weak = Sample(image, np.zeros((80, 80), np.uint8), np.array([True, True, True]), None,
                  np.zeros((80, 80), np.uint8))
    samples = [full, full, weak, weak, weak]
    weights = np.array([1.0, 1.0, 100.0, 100.0, 100.0])
    sampler = CropSampler(samples, weights, crop=32, seed=1, weak_share=1 / 3)
    assert sampler.weak_count(6) == 2 and sampler.weak_count(2) == 1
    for _ in range(5):
        *_, flags = sampler.batch(6)
        assert int(flags.sum()) == 2
    assert CropSampler(samples, weights, crop=32, seed=1, weak_share=0.0).batch(4)[-1].sum() == 0
    # without a share the weights decide: nearly every crop is weak here
    assert CropSampler(samples, weights, crop=32, seed=1).batch(40)[-1].sum() > 30
    # a share with no pixel-labelled sample to mix in falls back to the weights (no empty pool drawn from)
    assert CropSampler([weak, weak], np.ones(2), crop=32, seed=1, weak_share=0.5).batch(4)[-1].all()
