"""``roadinspect segment``: masks at the upright size of each input, bad inputs named, others written."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from roadinspect.cli import main
from roadinspect.core.segmenter import default_weights

pytestmark = pytest.mark.skipif(not default_weights().exists(), reason="shipped model weights not present")


def _jpeg(path: Path, size: tuple[int, int], orientation: int = 1) -> Path:
    image = Image.fromarray(np.random.default_rng(0).integers(60, 160, (size[1], size[0], 3), dtype=np.uint8))
    exif = Image.Exif()
    exif[0x0112] = orientation
    image.save(path, exif=exif.tobytes())
    return path


def test_masks_match_the_upright_input_and_bad_files_are_named(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture) -> None:
    src = tmp_path / "in dir é"
    src.mkdir()
    _jpeg(src / "plain.jpg", (120, 80))
    _jpeg(src / "rotated.jpg", (120, 80), orientation=6)
    (src / "broken.jpg").write_bytes(b"not a jpeg at all")
    out = tmp_path / "masks"
    code = main(["segment", str(src), "--out", str(out), "--device", "cpu"])
    assert code == 1  # some inputs were unreadable, the others were written
    err = capsys.readouterr().err
    assert "broken.jpg" in err
    plain = np.asarray(Image.open(out / "plain.png"))
    rotated = np.asarray(Image.open(out / "rotated.png"))
    assert plain.shape == (80, 120) and plain.dtype == np.uint8
    assert rotated.shape == (120, 80)
    assert set(np.unique(plain)) <= {0, 1, 2}
    assert not (out / "broken.png").exists()


def test_a_missing_model_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _jpeg(tmp_path / "a.jpg", (40, 30))
    code = main(["segment", str(tmp_path / "a.jpg"), "--out", str(tmp_path / "o"),
                 "--weights", str(tmp_path / "none.safetensors")])
    assert code == 2
    assert "not found" in capsys.readouterr().err


@pytest.mark.slow
def test_segment_writes_the_recorded_findings_by_default_and_the_network_with_raw(tmp_path: Path) -> None:
    src = tmp_path / "batch"
    src.mkdir()
    _jpeg(src / "a.jpg", (120, 80))
    _jpeg(src / "b.jpg", (120, 80), orientation=6)
    assert main(["segment", str(src), "--out", str(tmp_path / "rec"), "--device", "cpu"]) == 0
    assert main(["segment", str(src), "--out", str(tmp_path / "raw"), "--device", "cpu", "--raw"]) == 0
    for name, shape in (("a.png", (80, 120)), ("b.png", (120, 80))):
        rec = np.asarray(Image.open(tmp_path / "rec" / name))
        raw = np.asarray(Image.open(tmp_path / "raw" / name))
        assert rec.shape == raw.shape == shape
        assert ((rec == 0) | (rec == raw)).all()  # recorded pixels are network pixels, never new ones
