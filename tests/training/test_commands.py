"""``roadinspect train`` and ``roadinspect evaluate`` end to end on a tiny generated dataset."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from roadinspect.cli import main
from roadinspect.core.segmenter import Segmenter

ROOT = Path(__file__).resolve().parents[2]


def _dataset(root: Path, n: int = 4) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        image = rng.integers(90, 140, (96, 128, 3), dtype=np.uint8)
        mask = np.zeros((96, 128), np.uint8)
        image[40:42, 10:120] = 30
        mask[40:42, 10:120] = 1
        image[60:80, 20:45] = 20
        mask[60:80, 20:45] = 2
        Image.fromarray(image).save(root / "images" / f"img{i}.jpg")
        Image.fromarray(mask).save(root / "masks" / f"img{i}.png")
    return root


def test_train_exports_loadable_weights_and_resumes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = _dataset(tmp_path / "tiny")
    out = tmp_path / "run"
    weights = tmp_path / "tiny-seg.safetensors"
    args = ["train", "--data", str(data), "--out", str(out), "--steps", "2", "--batch", "2", "--crop", "64",
            "--init", "none", "--device", "cpu", "--checkpoint-every", "1", "--export", str(weights)]
    assert main(args) == 0
    assert (out / "last.ckpt").exists() and json.loads((out / "split.json").read_text())["tiny"]["train"] >= 1
    seg = Segmenter.load(weights, device="cpu")
    assert seg.predict(np.zeros((50, 60, 3), np.uint8)).full_mask().shape == (50, 60)
    assert main(args[:-2] + ["--steps", "3", "--resume"]) == 0
    assert "resumed from" in capsys.readouterr().err


_WORKER_CROPS = """
import sys
from pathlib import Path

import numpy as np

from roadinspect.cli import main
from roadinspect.training.train import crop_batches, load_training_samples

data, out = Path(sys.argv[1]), Path(sys.argv[2])
samples, weights, _ = load_training_samples([data], seed=1, log=lambda *a: None)
batches, close = crop_batches(samples, weights, crop=32, batch=3, seed=5, workers=2)
try:
    drawn = [next(batches) for _ in range(4)]
finally:
    close()
images, masks, annotated, _, _ = drawn[0]
assert tuple(images.shape) == (3, 32, 32, 3) and tuple(masks.shape) == (3, 32, 32) and annotated.shape[0] == 3
assert len({bytes(np.asarray(b[0])) for b in drawn}) == 4  # the two workers do not repeat each other
sys.exit(main(["train", "--data", str(data), "--out", str(out), "--steps", "2", "--batch", "2", "--crop", "64",
               "--init", "none", "--device", "cpu", "--loader-workers", "2"]))
"""


def test_crops_from_worker_processes_train_too(tmp_path: Path) -> None:
    """The GPU path's loader (``DataLoader`` worker processes, each with its own seed), run on the CPU.

    In a fresh interpreter, as ``roadinspect train`` runs: the loader forks its workers, and by this point
    the test process has loaded Ray (gRPC), Qt and OpenVINO, whose threads make a fork unsafe (the suite
    died here with SIGSEGV, silently, twice).
    """
    data = _dataset(tmp_path / "tiny")
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-c", _WORKER_CROPS, str(data), str(out)], capture_output=True,
                          text=True, timeout=600, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "crops: 2 worker processes" in done.stderr and (out / "last.ckpt").exists()


def test_train_names_a_missing_dataset(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["train", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "run"), "--steps", "1",
                 "--init", "none", "--device", "cpu"])
    assert code == 2
    assert "nope" in capsys.readouterr().err


def test_train_on_a_missing_gpu_says_so(tmp_path: Path, capsys: pytest.CaptureFixture,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code = main(["train", "--data", str(_dataset(tmp_path / "tiny")), "--out", str(tmp_path / "run"), "--steps", "1",
                 "--init", "none", "--device", "cuda"])
    assert code == 2
    assert "no CUDA GPU is usable here" in capsys.readouterr().err


def test_evaluate_prints_json_per_dataset(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import torch

    from roadinspect.core.network import RoadDamageNet
    from roadinspect.training.weights import export_weights

    torch.manual_seed(0)
    weights = tmp_path / "random-seg.safetensors"
    export_weights(RoadDamageNet().eval(), weights, version="test")
    data = _dataset(tmp_path / "tiny")
    assert main(["evaluate", "--data", str(data), "--weights", str(weights), "--json", "--device", "cpu"]) == 0
    report = json.loads(capsys.readouterr().out)
    (result,) = report["datasets"]
    assert result["dataset"] == "tiny" and result["images"] == 4
    for key in ("crack_f1", "crack_iou", "pothole_iou", "pothole_image_recall", "pothole_image_precision"):
        assert key in result
    assert report["sha256"] == json.loads(weights.with_suffix(".json").read_text())["sha256"]
