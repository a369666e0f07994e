"""The forward-view gate (``roadinspect train-gate``): cells, labels, fitting, folding, loading.

The folded network must compute exactly what the trained gate decided (a sign or a swapped mean/std in the
folding would silently turn "damage here" into "no damage here"), a box must land on the cells it covers
(x and y not swapped), and the exported file must load through the path every command uses.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file

from roadinspect.cli import main
from roadinspect.core.network import RoadDamageNet, network_for
from roadinspect.core.segmenter import Segmenter
from roadinspect.training.boxes import Box, BoxedImage
from roadinspect.training.gate import (
    CellData,
    GateFit,
    box_cells,
    fold_gate,
    gate_input,
    gate_layers,
    mask_cells,
    pooled_view_input,
    train_gate,
)
from roadinspect.training.gate_options import GateOptions
from roadinspect.training.weights import export_weights


def _base() -> RoadDamageNet:
    torch.manual_seed(11)
    net = RoadDamageNet().eval()
    for m in net.modules():  # non-trivial batch-norm statistics, as in trained weights
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    return net


def test_box_cells_put_each_box_on_its_rows_and_columns() -> None:
    item = BoxedImage("a.jpg", Path("a.jpg"), 600, 600,
                      (Box("D00", 0, 300, 100, 320), Box("D40", 500, 40, 530, 60), Box("D50", 0, 0, 599, 599)))
    cells, outside = box_cells(item, (600, 600), (38, 38))
    assert cells == [(0, 18, 0, 20, 7), (1, 2, 31, 4, 34)]  # (class, r0, c0, r1, c1): rows from y, columns from x
    assert not outside[18:20, 0:7].any() and not outside[2:4, 31:34].any()
    assert outside.sum() == 38 * 38 - 2 * 7 - 2 * 3  # the manhole (D50) is not damage: outside
    # a photo stored at twice the working size: coordinates scale with it
    big = BoxedImage("b.jpg", Path("b.jpg"), 1200, 600, (Box("D10", 640, 0, 660, 30),))
    assert box_cells(big, (600, 300), (19, 38))[0] == [(0, 0, 20, 1, 21)]


def test_mask_cells_count_each_class_per_cell() -> None:
    mask = np.zeros((40, 40), np.uint8)
    mask[0:2, 0:3] = 1  # 6 crack pixels in cell (0, 0)
    mask[20:36, 16:32] = 2  # a whole pothole cell (1, 1)
    mask[0:16, 20:24] = 255  # 64 unscored pixels in cell (0, 1)
    counts = mask_cells(mask, (40, 40), (3, 3))
    assert counts[0, 0, 0] == 6 and counts[0].sum() == 6
    assert counts[1, 1, 1] == 12 * 16 and counts[1, 2, 1] == 4 * 16
    assert counts[2, 0, 1] == 64
    assert counts[2, 2, 2] == 16 * 16 - 8 * 8  # the padding beyond the 40x40 image is unscored


def test_the_gate_input_is_what_the_network_computes() -> None:
    net = RoadDamageNet(gate=8).eval()
    image = np.random.default_rng(1).integers(0, 255, (70, 90, 3), dtype=np.uint8)
    cells, size = gate_input(net, image, 640)
    assert size == (90, 70) and cells.shape == (96 + 320, 6, 6) and cells.dtype == np.float16
    captured: dict[str, torch.Tensor] = {}
    assert net.gate is not None
    net.gate.register_forward_hook(lambda m, args, out: captured.update(d16=args[0], s32=args[1]))
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float()
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1) * 255
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1) * 255
    with torch.no_grad():
        net(F.pad((x - mean) / std, (0, 6, 0, 26), mode="replicate"))
    expected = torch.cat([captured["d16"], F.interpolate(captured["s32"], scale_factor=2.0, mode="nearest")], 1)[0]
    assert np.allclose(cells.astype(np.float32), expected.numpy(), atol=2e-2, rtol=1e-2)


@pytest.mark.parametrize("kernel,depth", [(1, 1), (3, 2)])
def test_the_folded_gate_adds_exactly_the_trained_evidence(kernel: int, depth: int) -> None:
    base = _base()
    options = GateOptions(hidden=8, kernel=kernel, depth=depth, thresholds=(0.8, 0.3), scale=(2.5, 6.0),
                          view_center=0.2, view_sharpness=2.0)
    torch.manual_seed(2)
    layers = gate_layers(416, options).eval()
    rng = np.random.default_rng(4)
    view = torch.nn.Linear(320, 1).eval()
    fit = GateFit(layers, rng.normal(0.5, 1.0, 416).astype(np.float32),
                  rng.uniform(0.5, 2.0, 416).astype(np.float32), options,
                  view, rng.normal(0.2, 1.0, 320).astype(np.float32), rng.uniform(0.5, 2.0, 320).astype(np.float32))
    folded = fold_gate(base, fit)
    x = torch.randn(1, 3, 64, 96)
    captured: dict[str, torch.Tensor] = {}
    assert folded.gate is not None
    folded.gate.register_forward_hook(lambda m, args, out: captured.update(d16=args[0], s32=args[1]))
    with torch.no_grad():
        plain, gated = base(x), folded(x)
        inputs = torch.cat([captured["d16"], F.interpolate(captured["s32"], scale_factor=2.0, mode="nearest")], 1)
        mean, std = torch.from_numpy(fit.mean).view(1, -1, 1, 1), torch.from_numpy(fit.std).view(1, -1, 1, 1)
        z = layers((inputs - mean) / std)
        offset = torch.tensor([math.log(0.8 / 0.2), math.log(0.3 / 0.7)]).view(1, 2, 1, 1)
        pooled = captured["s32"].mean(dim=(2, 3))
        view_logit = view((pooled - torch.from_numpy(fit.view_mean)) / torch.from_numpy(fit.view_std))
        seen = torch.sigmoid(2.0 * (view_logit - 0.2))
        assert 0.01 < float(seen) < 0.99  # the test would not see a wrong view otherwise
        evidence = torch.tensor([2.5, 6.0]).view(1, 2, 1, 1) * (z - offset) * seen.view(1, 1, 1, 1)
        up = F.interpolate(F.interpolate(evidence, size=(32, 48), mode="bilinear", align_corners=False),
                           size=(64, 96), mode="bilinear", align_corners=False)
    assert torch.allclose(gated[:, 0], plain[:, 0])  # background untouched
    assert torch.allclose(gated[:, 1:] - plain[:, 1:], up, atol=1e-4)
    # where the gate is sure of damage the class's logit rises, where it is sure of none it falls
    assert ((gated[:, 1:] - plain[:, 1:]) * (z.mean() - offset).sign()).mean() != 0


def test_weights_with_a_gate_round_trip_through_the_loader(tmp_path: Path) -> None:
    net = RoadDamageNet(gate=8, gate_kernel=3, gate_depth=2).eval()
    path = tmp_path / "gated.safetensors"
    info = export_weights(net, path, version="t", max_side=96)
    assert info["gate"] == 8
    seg = Segmenter.load(path, device="cpu", threads=1)
    assert seg.torch_model.gate is not None and len(seg.torch_model.gate.mid) == 1
    image = np.random.default_rng(0).integers(0, 255, (80, 96, 3), dtype=np.uint8)
    with torch.no_grad():
        x = (seg.preprocess(image) - seg._mean) / seg._std
        ref = torch.softmax(net(torch.nn.functional.pad(x, (0, 0, 0, 16), mode="replicate"))[..., :80, :], 1)
    assert np.allclose(seg.predict(image).probs, ref[0].numpy(), atol=2e-3)  # fp16 file, folded batch norm
    plain = tmp_path / "plain.safetensors"
    export_weights(RoadDamageNet().eval(), plain, version="t", max_side=96)
    assert Segmenter.load(plain, device="cpu").torch_model.gate is None
    assert network_for(RoadDamageNet(gate=4, gate_kernel=1).state_dict()).gate is not None


def test_train_gate_learns_which_cells_hold_damage() -> None:
    """Boxes whose cells carry a signal in one channel: on photos it never saw, the fitted gate's strongest
    cell of each box ranks above every cell outside the box (the multiple-instance loss asks for no more)."""
    rng = np.random.default_rng(0)
    data = []
    for i in range(70):
        f = np.zeros((416, 10, 10), np.float16)  # noise in a few channels: a gate of 416 inputs fitted on 60
        f[:8] = rng.normal(0, 1, (8, 10, 10))  # photos of pure noise would learn the noise
        r, c = rng.integers(0, 8, 2)
        f[3, r:r + 2, c:c + 2] += 4  # the damage signal
        outside = np.ones((10, 10), bool)
        outside[r:r + 2, c:c + 2] = False
        data.append(CellData(f"p{i}", f, boxes=[(0, int(r), int(c), int(r) + 2, int(c) + 2)], outside=outside))
    fit = train_gate(data[:60], GateOptions(hidden=8, kernel=1, depth=1, steps=300, batch=8, lr=1e-2))
    for cell in data[60:]:
        x = (torch.from_numpy(cell.features).float()[None] - torch.from_numpy(fit.mean).view(1, -1, 1, 1)) \
            / torch.from_numpy(fit.std).view(1, -1, 1, 1)
        with torch.no_grad():
            p = torch.sigmoid(fit.layers(x))[0, 0].numpy()
        assert cell.outside is not None
        assert p[~cell.outside].max() > p[cell.outside].max()


def test_the_view_tells_street_photos_from_the_training_frames() -> None:
    """Box-labelled photos (street views) score near 1, pixel-labelled ones near 0, by their stride-32 features."""
    rng = np.random.default_rng(1)
    data = []
    for i in range(20):
        f = rng.normal(0, 1, (416, 4, 4)).astype(np.float16)
        street = i % 2 == 0
        f[96 + 7] += 2.0 if street else -2.0  # one stride-32 channel differs between the views
        data.append(CellData(f"v{i}", f, outside=np.ones((4, 4), bool)) if street
                    else CellData(f"v{i}", f, counts=np.zeros((3, 4, 4), np.int16)))
    fit = train_gate(data, GateOptions(hidden=4, kernel=1, depth=1, steps=2, batch=4))
    x = np.stack([(pooled_view_input(d) - fit.view_mean) / fit.view_std for d in data])
    with torch.no_grad():
        p = torch.sigmoid(fit.view(torch.from_numpy(x).float()))[:, 0].numpy()
    assert (p[0::2] > 0.9).all() and (p[1::2] < 0.1).all()


def _box_folder(root: Path) -> Path:
    rng = np.random.default_rng(3)
    (root / "images").mkdir(parents=True)
    entries = {}
    for i in range(12):
        name = f"s{i:02d}.jpg"
        Image.fromarray(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)).save(root / "images" / name)
        entries[name] = {"width": 128, "height": 96, "boxes": [["D00", 10, 50, 60, 70], ["D40", 80, 60, 100, 90]]}
    (root / "boxes.json").write_text(json.dumps({"images": entries}), encoding="utf-8")
    return root


def _mask_folder(root: Path) -> Path:
    rng = np.random.default_rng(4)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(6):
        Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(root / "images" / f"m{i}.png")
        mask = np.zeros((64, 64), np.uint8)
        mask[10:12, 5:50] = 1
        mask[30:50, 30:50] = 2
        Image.fromarray(mask).save(root / "masks" / f"m{i}.png")
    return root


def test_the_command_trains_folds_and_exports_a_loadable_model(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base.safetensors"
    export_weights(_base(), base, version="base", max_side=128)
    out = tmp_path / "run"
    exported = tmp_path / "gated.safetensors"
    code = main(["train-gate", "--data", str(_box_folder(tmp_path / "boxes")), str(_mask_folder(tmp_path / "masks")),
                 "--out", str(out), "--weights", str(base), "--export", str(exported), "--steps", "3",
                 "--batch", "4", "--hidden", "8", "--version", "test-gate", "--thresholds", "0.7,0.6"])
    assert code == 0, capsys.readouterr()
    record = json.loads((out / "record.json").read_text())
    assert record["data"]["boxes"]["train"] + record["data"]["boxes"]["held_out"] == 12
    assert record["data"]["boxes"]["held_out"] >= 1  # the held-out photos are never loaded
    assert record["options"]["thresholds"] == [0.7, 0.6]
    info = json.loads(exported.with_suffix(".json").read_text())
    assert info["version"] == "test-gate" and info["gate"] == 8 and info["max_side"] == 128
    assert info["training"]["gate"]["base_weights"]["version"] == "base"
    seg = Segmenter.load(exported, device="cpu")
    assert seg.torch_model.gate is not None
    assert seg.predict(np.zeros((96, 128, 3), np.uint8)).mask.shape == (96, 128)
    # --reuse folds the same trained gate with other decision settings: only the last layer and the view move
    again = tmp_path / "again.safetensors"
    code = main(["train-gate", "--data", str(tmp_path / "boxes"), "--out", str(out), "--weights", str(base), "--reuse",
                 "--export", str(again), "--thresholds", "0.5", "--view-center", "0"])
    assert code == 0, capsys.readouterr()
    first, second = load_file(str(exported)), load_file(str(again))
    changed = {k for k in first if not torch.equal(first[k], second[k])}
    assert changed == {"gate.conv2.bias", "gate.view.bias"}
    recorded = json.loads((out / "record.json").read_text())["options"]
    assert recorded["thresholds"] == [0.5, 0.5] and recorded["view_center"] == 0
    assert recorded["steps"] == 3 and recorded["hidden"] == 8  # how the gate was trained, not this call's defaults


def test_thresholds_outside_zero_and_one_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train-gate", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--thresholds", "1.5"])
    assert code == 2
    assert "--thresholds" in capsys.readouterr().out


def test_bad_folders_get_one_line_and_an_unreadable_photo_is_skipped(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base.safetensors"
    export_weights(_base(), base, version="base", max_side=128)
    common = ["--out", str(tmp_path / "run"), "--weights", str(base), "--steps", "2", "--batch", "2", "--hidden", "4"]
    assert main(["train-gate", "--data", str(tmp_path / "nowhere"), *common]) == 2
    assert "nowhere" in capsys.readouterr().out
    missing = ["--out", str(tmp_path / "run"), "--weights", str(tmp_path / "missing.safetensors")]
    assert main(["train-gate", "--data", str(tmp_path), *missing]) == 2
    assert capsys.readouterr().out.strip() == f"train-gate: model weights not found: {tmp_path / 'missing.safetensors'}"
    boxes = _box_folder(tmp_path / "boxes")
    entry = {"width": 128, "height": 96, "boxes": [["D99", 0, 0, 1, 1]]}
    (boxes / "boxes.json").write_text(json.dumps({"images": {"s00.jpg": entry}}))
    assert main(["train-gate", "--data", str(boxes), *common]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and "boxes.json" in out[-1] and "Traceback" not in out[-1]
    masks = _mask_folder(tmp_path / "masks")
    (masks / "images" / "m2.png").write_bytes(b"not a png")  # m2 is in the training part (m0, m1 held out)
    assert main(["train-gate", "--data", str(masks), *common]) == 0
    assert "masks/m2: skipped" in capsys.readouterr().out
    assert json.loads((tmp_path / "run" / "record.json").read_text())["data"]["skipped"] == ["masks/m2"]
