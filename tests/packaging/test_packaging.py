"""Packaging: the wheel carries the data folders, and the build's generated inputs are right.

The PyInstaller build itself is far too heavy for the test run (minutes, gigabytes): it is checked by
``python packaging/build.py``, which runs the frozen ``--self-test`` (see ``packaging/README.md``).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# packaging/build.py, loaded under its own name (``build`` is also the name of a PyPI package).
_spec = importlib.util.spec_from_file_location("roadinspect_packaging_build", ROOT / "packaging" / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

HAS_BDIST_WHEEL = bool(importlib.util.find_spec("setuptools.command.bdist_wheel") or importlib.util.find_spec("wheel"))


def _copy_source(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("roadinspect", "models", "resources"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, target / name)


@pytest.mark.skipif(not HAS_BDIST_WHEEL, reason="setuptools without bdist_wheel and no `wheel` package")
def test_the_wheel_carries_models_and_resources_under_the_package_and_no_caches(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    _copy_source(source)
    (source / "resources" / "__pycache__").mkdir()
    (source / "resources" / "__pycache__" / "junk.pyc").write_bytes(b"x")
    out = tmp_path / "wheels"

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(source),
                    "-w", str(out)], check=True, capture_output=True, cwd=tmp_path)

    (wheel,) = out.glob("roadinspect-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    expected = [
        f"roadinspect/_data/{path.relative_to(ROOT).as_posix()}"
        for tree in ("models", "resources") for path in (ROOT / tree).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert expected and not set(expected) - set(names)
    assert "roadinspect/core/resources.py" in names and "roadinspect/selftest.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".ckpt"))]


def test_windows_version_numbers_come_from_the_package_version() -> None:
    assert build.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert build.version_tuple("1.2.3rc1") == (1, 2, 3, 0)
    assert build.version_tuple("2.0.1.7.9") == (2, 0, 1, 7)
    from roadinspect import __version__

    assert build.package_version() == __version__
    text = build.version_info_text(__version__)
    assert f"StringStruct('ProductVersion', '{__version__}')" in text
    assert f"filevers={build.version_tuple(__version__)}" in text


def test_the_version_file_is_valid_for_pyinstaller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("PyInstaller", reason="PyInstaller is in the `package` extra only")
    import types

    import PyInstaller.compat

    monkeypatch.setitem(sys.modules, "pefile", types.ModuleType("pefile"))  # Windows-only imports of the module
    monkeypatch.setattr(PyInstaller.compat, "win32api", None, raising=False)
    from PyInstaller.utils.win32.versioninfo import load_version_info_from_text_file

    path = tmp_path / "version_info.txt"
    path.write_text(build.version_info_text("3.4.5"), encoding="utf-8")
    info = load_version_info_from_text_file(str(path))
    assert info.ffi.fileVersionMS == (3 << 16) | 4 and info.ffi.fileVersionLS == 5 << 16
    assert len(info.toRaw()) > 500


def test_the_icon_has_every_windows_size() -> None:
    from PIL import Image

    with Image.open(ROOT / "resources" / "icons" / "app.ico") as icon:
        sizes = set(icon.info["sizes"])
    assert {(s, s) for s in (16, 24, 32, 48, 64, 128, 256)} <= sizes
    assert (ROOT / "resources" / "icons" / "app.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_the_notices_cover_the_bundled_libraries_and_flag_the_non_commercial_dataset() -> None:
    licenses = ROOT / "resources" / "licenses"
    index = (licenses / "INDEX.md").read_text(encoding="utf-8")
    for component in ("torch", "PySide6", "shiboken6", "numpy", "CPython"):
        assert re.search(rf"^\| {component}", index, re.M | re.I), component
    for row in re.findall(r"`([^`]+)`", index):
        if row.startswith(("python/", "qt/")):
            assert (licenses / row).is_file(), row
    notice = (licenses / "NOTICE.md").read_text(encoding="utf-8")
    assert "LGPL" in notice and "non-commercial" in notice.lower()
    assert (licenses / "qt" / "LGPL-3.0.txt").stat().st_size > 5000
    assert "non-commercial research purposes only" in (licenses / "datasets" / "crackforest-TERMS.txt").read_text(
        encoding="utf-8")


def test_the_installer_matches_the_app() -> None:
    from roadinspect.gui.platform import APP_USER_MODEL_ID

    script = (ROOT / "packaging" / "installer.iss").read_text(encoding="utf-8")
    assert f'#define AppUserModelID "{APP_USER_MODEL_ID}"' in script
    assert "PrivilegesRequired=lowest" in script
    assert "DefaultDirName={userpf}" in script  # %LOCALAPPDATA%\Programs
    assert '#define ProjectExt ".roadinspect"' in script
    registry = [line for line in script.splitlines() if line.startswith("Root:")]
    assert registry and all(line.startswith('Root: HKCU; Subkey: "Software\\Classes\\') for line in registry)
    assert '""{app}\\{#AppExeName}"" gui ""%1""' in script  # the command line that opens a project
    spec = (ROOT / "packaging" / "roadinspect.spec").read_text(encoding="utf-8")
    assert 'name="RoadInspect"' in spec and "console=False" in spec
    assert "onefile" not in spec.lower().replace("one-file", "")


def test_gpl_binaries_are_flagged_but_lgpl_and_the_gcc_exception_are_not(tmp_path: Path) -> None:
    for name, text in {
        "heif-like": "Name: x265\nLicense: GPLv2\n",
        "fortran-like": "Name: libgfortran\nLicense: GPL-3.0-or-later WITH GCC-exception-3.1\n",
        "qt-like": "Name: libheif\nLicense: LGPLv3\n",
        "mit": "MIT License\n\nPermission is hereby granted...\n",
    }.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "LICENSES_bundled.txt").write_text(text, encoding="utf-8")

    assert build.gpl_components(tmp_path) == ["heif-like"]


def test_the_bundled_notices_declare_no_gpl_only_binary() -> None:
    """HEIC decoding comes from pi-heif (LGPL libheif/libde265), not pillow-heif (its wheels bundle GPL x265)."""
    licenses = ROOT / "resources" / "licenses" / "python"
    assert build.gpl_components(licenses) == []
    assert (licenses / "pi-heif" / "LICENSES_bundled.txt").is_file() and not (licenses / "pillow-heif").exists()
