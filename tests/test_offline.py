"""Nothing leaves the PC (issue 12 points 4 and 5): ``analyze`` with the OpenVINO backend, OpenVINO's
own telemetry, and the app's start on a project, each in a child process under a network monitor
(``tests/network_monitor.py``: an audit hook on Python's sockets, a watch on Qt's network manager)
that records any attempt to reach a non-loopback address."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.photo_files import scene_jpeg

pytestmark = pytest.mark.slow  # child Pythons (OpenVINO, the app): deselect locally with -m "not slow"; CI runs them
ROOT = Path(__file__).resolve().parents[1]
MONITOR = ROOT / "tests" / "network_monitor.py"
needs_openvino = pytest.mark.skipif(importlib.util.find_spec("openvino") is None, reason="extra 'fast' not installed")


def _run(tmp_path: Path, *args: str, timeout: int = 600) -> tuple[dict, Path, subprocess.CompletedProcess]:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TF_BUILD", "JENKINS_URL")}  # OpenVINO stays
    # quiet by itself in CI: the monitor must see what an inspector's PC would do
    for name, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                      ("XDG_CACHE_HOME", ".cache"), ("LOCALAPPDATA", "AppData/Local"), ("APPDATA", "AppData/Roaming")):
        path = home / sub
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["ROADINSPECT_CACHE_DIR"] = str(tmp_path / "cache")
    out = tmp_path / "monitor.json"
    proc = subprocess.run([sys.executable, str(MONITOR), str(out), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    assert out.is_file(), proc.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), home, proc


def _no_violation(report: dict) -> None:
    assert report["violations"] == [], json.dumps(report["violations"], indent=1)


@needs_openvino
def test_analyze_with_openvino_contacts_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "card"
    for i in range(2):
        scene_jpeg(folder / f"IMG_{i:04d}.jpg", seed=i, index=i, size=(320, 240))
    report, home, proc = _run(tmp_path, "analyze", str(folder), "--project", str(tmp_path / "p.roadinspect"),
                              "--backend", "openvino")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert report["facts"]["openvino_imported"]  # the backend really ran
    assert report["facts"]["telemetry_usable"] is False
    _no_violation(report)
    assert not (home / "intel").exists()  # no consent file, no client id in the user's home


@needs_openvino
def test_openvino_telemetry_is_blocked_even_where_it_would_send(tmp_path: Path) -> None:
    report, home, proc = _run(tmp_path, "ovc", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert report["facts"]["telemetry_usable"] is False
    _no_violation(report)
    assert list(home.rglob("openvino_*")) == []


def test_the_app_opens_a_project_and_draws_the_map_without_any_request(tmp_path: Path) -> None:
    from roadinspect.core.store import Store
    from tests.core.scenes import export_scene

    folder = tmp_path / "survey"
    folder.mkdir()
    scene = export_scene(folder)
    project = folder / "survey.roadinspect"
    with Store.open(project) as store:
        store.add_batch([scene.photos[k] for k in sorted(scene.photos)])
    report, _, proc = _run(tmp_path, "app", str(project), "8", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    facts = report["facts"]
    assert facts.get("project_open") and facts.get("map_photos", 0) > 0, (facts, proc.stderr[-3000:])
    assert facts["tiles_enabled"] is False  # online tiles are opt-in
    _no_violation(report)
