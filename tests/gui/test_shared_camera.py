"""The camera of a project is read one way (``core.camera.read_camera``) by the command line (``analyze``, ``place``,
``review``) and by the app: a project that records its camera gets that camera from both, whatever the user's
settings say. (They used to merge differently: the app the project's keys over the user's settings, the command line
the project's keys over the defaults, or no camera at all when the project recorded none.)"""

from __future__ import annotations

from pathlib import Path

from roadinspect import cli_inspect
from roadinspect.core.camera import pin_camera
from roadinspect.core.geo import CameraModel
from roadinspect.core.settings import SETTINGS
from roadinspect.core.store import Store
from roadinspect.gui.project import project_camera

USER = {s.key: s.default for s in SETTINGS} | {"camera/height_m": 3.0, "camera/pitch_deg": 5.0,
                                                 "camera/hfov_deg": 90.0}


def test_the_command_line_and_the_app_read_the_same_camera_of_a_project(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p.roadinspect") as store:
        assert cli_inspect._camera_from_project(store) is None  # none recorded: the analysis's default camera
        assert project_camera(store, USER).height_m == 3.0  # the app proposes the user's settings until the import
        pin_camera(store, CameraModel(height_m=2.2, pitch_deg=20.0, hfov_deg=60.0))
        cli, app = cli_inspect._camera_from_project(store), project_camera(store, USER)
    assert cli == app
    assert (cli.height_m, cli.pitch_deg, cli.hfov_deg) == (2.2, 20.0, 60.0)
