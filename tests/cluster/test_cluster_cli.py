"""The cluster path without a cluster: photo-root mapping, the model's identity read without torch, the options'
checks, and Ray missing (a message naming the extra). These run with or without Ray installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from roadinspect.cli import main
from roadinspect.cluster import worker
from roadinspect.cluster.driver import map_path, parse_photo_root
from roadinspect.cluster.session import ClusterError, import_ray, parse_address
from tests.core.photo_files import truth_batch


def test_photo_root_maps_whole_folder_names_longest_first() -> None:
    roots = [("/srv/survey", "/mnt/survey"), ("/srv/survey/2026", "/mnt/s2026")]
    assert map_path("/srv/survey/d1/IMG_1.jpg", roots) == "/mnt/survey/d1/IMG_1.jpg"
    assert map_path("/srv/survey/2026/IMG_1.jpg", roots) == "/mnt/s2026/IMG_1.jpg"
    assert map_path("/srv/surveys/IMG_1.jpg", roots) == "/srv/surveys/IMG_1.jpg"  # not a folder of /srv/survey
    assert map_path("/other/IMG_1.jpg", roots) == "/other/IMG_1.jpg"
    assert map_path("/srv/survey/IMG_1.jpg", [("/srv/survey/", "/mnt/x/")]) == "/mnt/x/IMG_1.jpg"
    assert map_path(r"S:\survey\d1\IMG_1.jpg", [("S:\\survey", "/mnt/survey")]) == "/mnt/survey/d1/IMG_1.jpg"


@pytest.mark.parametrize("text", ["/a", "=/b", "/a=", ""])
def test_a_malformed_photo_root_names_the_option(text: str) -> None:
    with pytest.raises(ValueError, match="--photo-root .*expected OLD=NEW"):
        parse_photo_root(text)
    assert parse_photo_root(" /a = /b ") == ("/a", "/b")


@pytest.mark.parametrize("address", ["10.0.0.1", "host:port", ":6379", "host:70000"])
def test_a_malformed_address_is_refused(address: str) -> None:
    with pytest.raises(ClusterError, match="expected auto or HOST:PORT"):
        parse_address(address)
    assert parse_address("10.1.2.3:6379") == ("10.1.2.3", 6379)


def test_the_model_identity_is_read_without_torch_and_matches_the_segmenter(tmp_path: Path) -> None:
    from roadinspect.core import segmenter

    assert (worker.DEFAULT_MODEL_NAME, worker.DEFAULT_MAX_SIDE) == (segmenter.DEFAULT_MODEL_NAME,
                                                                    segmenter.DEFAULT_MAX_SIDE)
    spec = worker.model_spec(None)
    weights = segmenter.default_weights()
    assert (spec.sha256, spec.name, spec.weights) == (segmenter.file_sha256(weights), "roadinspect-seg", None)
    copy = tmp_path / weights.name
    copy.write_bytes(weights.read_bytes()[:-1] + b"\0")
    copy.with_suffix(".json").write_bytes(weights.with_suffix(".json").read_bytes())
    with pytest.raises(worker.ModelSpecError, match="do not match their recorded checksum"):
        worker.model_spec(copy)
    with pytest.raises(worker.ModelSpecError, match="not found"):
        worker.model_spec(tmp_path / "none.safetensors")


def test_ray_not_installed_is_a_message_naming_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(ClusterError, match=r'Ray is not installed: --ray needs the cluster extra \(pip install '
                                           r'"roadinspect\[cluster\]"\)'):
        import_ray()
    truth_batch(tmp_path / "photos", 1)
    code = main(["analyze", str(tmp_path / "photos"), "--project", str(tmp_path / "p.roadinspect"), "--ray"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and 'pip install "roadinspect[cluster]"' in err


def test_cluster_options_need_ray(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyze", str(tmp_path), "--project", str(tmp_path / "p"), "--photo-root", "/a=/b"])
    assert code == 2 and "--photo-root and --workers need --ray" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["analyze", str(tmp_path), "--project", str(tmp_path / "p"), "--ray", "--photo-root", "nonsense"])
    assert "--photo-root 'nonsense': expected OLD=NEW" in capsys.readouterr().err


def test_bench_cluster_rates_count_the_photos_after_the_warm_up_over_their_own_time() -> None:
    from roadinspect.benchmarks import BENCHMARKS
    from roadinspect.benchmarks.cluster import _steady

    assert _steady([0.0, 1.0, 2.0, 3.0, 4.0], 2) == 1.0  # photos 3-5 between the 2nd and the 5th record
    assert _steady([10.0, 10.5, 11.0], 0) == 3.0
    assert _steady([1.0, 2.0], 2) == 0.0  # nothing after the warm-up
    assert "cluster" in BENCHMARKS
