"""Box-labelled folders (RDD2022 layout): reading, one-line errors, the held-out split, weak samples."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from roadinspect.core.types import DamageClass
from roadinspect.training.boxes import BoxesError, is_held_out, rdd_split, read_boxes
from roadinspect.training.data import BOX_BITS, box_sample


def _folder(root: Path, entries: dict, size: tuple[int, int] = (64, 48)) -> Path:
    (root / "images").mkdir(parents=True)
    for name in entries:
        Image.fromarray(np.full((size[1], size[0], 3), 120, np.uint8)).save(root / "images" / name)
    doc = {"classes": {"D00": "longitudinal crack", "D40": "pothole"},
           "images": {n: {"width": size[0], "height": size[1], "boxes": b} for n, b in entries.items()}}
    (root / "boxes.json").write_text(json.dumps(doc), encoding="utf-8")
    return root


def test_boxes_are_read_with_their_model_class(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "rdd", {"a.jpg": [["D00", 1, 2, 10, 40], ["D40", 20, 20, 30, 30], ["D50", 0, 0, 5, 5]],
                                         "b.jpg": []})
    images = read_boxes(folder)
    assert [im.name for im in images] == ["a.jpg", "b.jpg"]
    a = images[0]
    assert [b.damage for b in a.boxes] == [DamageClass.CRACK, DamageClass.POTHOLE, None]  # D50 manhole: no damage
    assert [b.code for b in a.damage_boxes(DamageClass.POTHOLE)] == ["D40"]
    assert images[1].damage_boxes() == []


@pytest.mark.parametrize(("content", "words"), [
    ("{not json", "not readable JSON"),
    (json.dumps({"images": {"a.jpg": {"width": 64, "height": 48, "boxes": [["D99", 1, 1, 5, 5]]}}}),
     "unknown class 'D99'"),
    (json.dumps({"images": {"gone.jpg": {"width": 64, "height": 48, "boxes": []}}}), "'gone.jpg': image"),
    (json.dumps({"images": {"a.jpg": {"width": 64, "height": 48, "boxes": [["D00", 10, 1, 5, 5]]}}}),
     "empty or outside"),
    (json.dumps({"images": {"a.jpg": {"width": 64, "height": 48, "boxes": [["D00", 1, 1]]}}}), "expected [code"),
    (json.dumps([1, 2]), "expected an object"),
])
def test_a_malformed_boxes_file_is_one_line_naming_file_and_entry(tmp_path: Path, content: str, words: str) -> None:
    folder = _folder(tmp_path / "rdd", {"a.jpg": []})
    (folder / "boxes.json").write_text(content, encoding="utf-8")
    with pytest.raises(BoxesError) as caught:
        read_boxes(folder)
    message = str(caught.value)
    assert "\n" not in message and str(folder / "boxes.json") in message and words in message


def test_held_out_split_is_a_fixed_fifth_independent_of_order_and_of_other_photos() -> None:
    names = [f"Czech_{i:06d}.jpg" for i in range(2000)]
    parts = rdd_split(names)
    assert 0.17 < len(parts["val"]) / len(names) < 0.23
    assert set(parts["val"]).isdisjoint(parts["train"]) and len(parts["val"]) + len(parts["train"]) == 2000
    assert rdd_split(names[::-1])["val"] == parts["val"][::-1]
    assert rdd_split(names[:100])["val"] == [n for n in parts["val"] if n in names[:100]]
    assert all(is_held_out(n) for n in parts["val"]) and not any(is_held_out(n) for n in parts["train"])
    assert rdd_split(names, seed=1)["val"] != parts["val"]


def test_box_sample_teaches_background_outside_boxes_and_nothing_pixelwise_inside(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "rdd",
                     {"a.jpg": [["D00", 2, 3, 10, 40], ["D40", 20, 20, 30, 30], ["D50", 40, 0, 50, 5]]})
    im = read_boxes(folder)[0]
    sample = box_sample(im.path, im.width, im.height, list(im.boxes))
    assert sample.image.shape == (48, 64, 3) and sample.mask.shape == (48, 64)
    assert (sample.mask[3:40, 2:10] == 255).all() and (sample.mask[20:30, 20:30] == 255).all()
    assert (sample.boxes[3:40, 2:10] == BOX_BITS[DamageClass.CRACK]).all()
    assert (sample.boxes[20:30, 20:30] == BOX_BITS[DamageClass.POTHOLE]).all()
    assert sample.mask[0:5, 40:50].max() == 0 and sample.boxes[0:5, 40:50].max() == 0  # manhole: background
    assert sample.mask[45, 60] == 0 and sample.boxes[45, 60] == 0
    assert sample.annotated.all() and sample.pothole_pixels.shape == (2, 2)


def test_training_mixes_a_box_folder_and_never_loads_its_held_out_photos(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture) -> None:
    from roadinspect.cli import main
    from roadinspect.training.train import load_training_samples

    names = [f"p{i:03d}.jpg" for i in range(20)]
    folder = _folder(tmp_path / "rdd", {n: [["D40", 10, 10, 30, 30]] for n in names})
    held = rdd_split(names)["val"]
    assert held  # the fixture has held-out photos to leave out
    samples, weights, record = load_training_samples([folder], seed=1, log=lambda *a: None)
    assert len(samples) == 20 - len(held) == record["rdd"]["train"] and record["rdd"]["val"] == len(held)
    assert all(s.boxes is not None for s in samples) and np.isfinite(weights).all()
    out = tmp_path / "run"
    assert main(["train", "--data", str(folder), "--out", str(out), "--steps", "2", "--batch", "2",
                 "--crop", "32", "--init", "none", "--device", "cpu"]) == 0
    assert json.loads((out / "split.json").read_text())["rdd"]["val"] == len(held)


def test_a_box_folder_with_every_photo_held_out_is_a_one_line_error(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture) -> None:
    from roadinspect.cli import main

    names = [f"p{i:03d}.jpg" for i in range(40)]
    held = [n for n in names if is_held_out(n)][:2]
    folder = _folder(tmp_path / "rdd", {n: [] for n in held})
    assert main(["train", "--data", str(folder), "--out", str(tmp_path / "run"), "--steps", "1",
                 "--init", "none", "--device", "cpu"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and "held out" in err[-1] and str(folder) in err[-1]


def test_fine_tune_recipe_options_freeze_batch_norm_and_export_evaluable_snapshots(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import torch
    from safetensors.torch import load_file

    from roadinspect.cli import main
    from roadinspect.core.segmenter import Segmenter
    from roadinspect.training.weights import load_checkpoint_model

    names = [f"p{i:03d}.jpg" for i in range(20)]
    folder = _folder(tmp_path / "rdd", {n: [["D40", 10, 10, 30, 30]] for n in names})
    masks = tmp_path / "survey"
    (masks / "images").mkdir(parents=True)
    (masks / "masks").mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(masks / "images" / f"s{i}.jpg")
        m = np.zeros((48, 64), np.uint8)
        m[20:30, 20:30] = 2
        m[5, 5:60] = 1
        Image.fromarray(m).save(masks / "masks" / f"s{i}.png")
    out = tmp_path / "run"
    base = ["train", "--data", str(masks), str(folder), "--out", str(out), "--steps", "2", "--batch", "2",
            "--crop", "32", "--init", "none", "--device", "cpu", "--checkpoint-every", "1", "--seed", "3"]
    assert main(base + ["--weak-background", "1.0", "--projection-weight", "0.2", "--weak-share", "0.5",
                        "--freeze-bn", "--snapshots"]) == 0
    err = capsys.readouterr().err
    assert "background weight 1.0" in err and "projection weight 0.2" in err and "0.50 of each batch" in err
    recipe = json.loads((out / "recipe.json").read_text())
    assert recipe["weak_share"] == 0.5 and recipe["freeze_bn"] is True and recipe["projection_weight"] == 0.2
    for step in (1, 2):
        assert Segmenter.load(out / f"step-{step:06d}.safetensors", device="cpu").predict(
            np.zeros((40, 50, 3), np.uint8)).full_mask().shape == (40, 50)
    # frozen batch norm: the running statistics are those of the initial network (a fresh one here)
    fresh = {k: v for k, v in load_checkpoint_model(out / "last.ckpt").state_dict().items()
             if k.endswith("running_mean")}
    assert fresh and all(torch.allclose(v, torch.zeros_like(v)) for v in fresh.values())
    snap = load_file(str(out / "step-000002.safetensors"))
    assert all(torch.allclose(snap[k].float(), torch.zeros_like(snap[k].float())) for k in fresh)
    # without --freeze-bn the statistics move
    out2 = tmp_path / "run2"
    assert main([*base[:5], str(out2), *base[6:]]) == 0
    moved = load_checkpoint_model(out2 / "last.ckpt").state_dict()
    assert any(not torch.allclose(moved[k], torch.zeros_like(moved[k])) for k in fresh)


@pytest.mark.parametrize("option, value, words", [("--weak-share", "1.5", "--weak-share"),
                                                  ("--projection-weight", "-1", "--projection-weight"),
                                                  ("--weak-background", "0", "--weak-background"),
                                                  ("--warmup", "0", "--warmup")])
def test_a_bad_fine_tune_setting_is_one_line_naming_the_option(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                              option: str, value: str, words: str) -> None:
    from roadinspect.cli import main

    folder = _folder(tmp_path / "rdd", {f"p{i:03d}.jpg": [] for i in range(20)})
    assert main(["train", "--data", str(folder), "--out", str(tmp_path / "run"), "--steps", "1", "--init", "none",
                 "--device", "cpu", option, value]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and words in err[0]
    assert not (tmp_path / "run" / "split.json").exists()
