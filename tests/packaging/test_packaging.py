"""Packaging: the wheel carries the data folders, and the build's generated inputs are right.

The PyInstaller build itself is far too heavy for the test run (minutes, gigabytes): it is checked by
``python packaging/build.py``, which runs the frozen ``--self-test`` (see ``packaging/README.md``).
"""

from __future__ import annotations

import importlib.util
import os
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


def _spec_excludes() -> list[str]:
    """The ``EXCLUDES`` list of ``packaging/roadinspect.spec`` (evaluated alone: the spec needs PyInstaller)."""
    import ast

    tree = ast.parse((ROOT / "packaging" / "roadinspect.spec").read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "EXCLUDES")
    namespace: dict = {}
    exec(compile(ast.Module([node], []), "roadinspect.spec", "exec"), namespace)  # our own spec
    return namespace["EXCLUDES"]


_BLOCKED_SELFTEST = """
import sys
for name in {excludes!r}:
    sys.modules[name] = None  # as in the bundle: ``import name`` fails, importlib.util.find_spec gives None
from roadinspect.selftest import main
sys.exit(main())
"""


@pytest.mark.skipif(not any((ROOT / "models").glob("*.safetensors")), reason="no shipped model yet")
def test_the_self_test_passes_without_any_module_the_spec_excludes(tmp_path: Path) -> None:
    """What the frozen bundle leaves out (scikit-image, scipy.optimize, torch._dynamo...) is never needed."""
    excludes = _spec_excludes()
    assert {"skimage", "scipy.optimize", "scipy.stats", "torch._dynamo", "torchvision"} <= set(excludes)
    assert not {"scipy.ndimage", "scipy.spatial", "scipy.sparse", "scipy.special", "scipy.linalg", "torch",
                "torch.testing._internal", "torch.distributed", "roadinspect"} & set(excludes)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache")}

    proc = subprocess.run([sys.executable, "-c", _BLOCKED_SELFTEST.format(excludes=excludes)], capture_output=True,
                          text=True, timeout=600, cwd=tmp_path, env=env)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test passed" in proc.stdout


def test_scikit_image_is_a_test_dependency_only() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith("scikit-image")]
    assert [d for d in project["optional-dependencies"]["test"] if d.lower().startswith("scikit-image")]
    sources = [p for p in (ROOT / "roadinspect").rglob("*.py") if "training" not in p.parts]
    assert not [p for p in sources if re.search(r"^\s*(from|import) skimage", p.read_text(encoding="utf-8"), re.M)]
    # Its licence still ships: roadinspect/core/morphology.py carries its skeleton table.
    assert (ROOT / "packaging" / "third_party" / "scikit-image" / "LICENSE.txt").is_file()
    assert re.search(r"^\| scikit-image \| .*morphology\.py", (ROOT / "resources" / "licenses" / "INDEX.md").read_text(
        encoding="utf-8"), re.M)


_FAKE_GUI = """#!{python}
import os, sys
print("args", sys.argv[1:])
print("stdin", sys.stdin.read().strip())
print("console", os.environ.get("ROADINSPECT_CONSOLE"))
print("to stderr", file=sys.stderr)
sys.exit(7)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="the fake GUI program is a POSIX script")
def test_the_console_front_runs_the_gui_program_with_its_arguments_handles_and_exit_code(tmp_path: Path) -> None:
    fake = tmp_path / "RoadInspect"
    fake.write_text(_FAKE_GUI.format(python=sys.executable), encoding="utf-8")
    fake.chmod(0o755)
    # The front finds the program next to its own executable (sys.executable in the bundle).
    code = (f"import runpy, sys; sys.executable = {str(tmp_path / 'roadinspect-cli')!r}; "
            f"sys.argv = ['roadinspect-cli', 'export', 'a b', '--out', 'é']; "
            f"runpy.run_path({str(ROOT / 'packaging' / 'cli_launcher.py')!r}, run_name='__main__')")

    proc = subprocess.run([sys.executable, "-c", code], input="from the console\n", capture_output=True, text=True,
                          timeout=60)

    assert proc.returncode == 7
    assert proc.stdout.splitlines() == ["args ['export', 'a b', '--out', 'é']", "stdin from the console", "console 1"]
    assert proc.stderr.strip() == "to stderr"
    fake.unlink()
    missing = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "RoadInspect is missing" in missing.stderr


def test_the_console_front_imports_only_the_standard_library() -> None:
    import ast

    tree = ast.parse((ROOT / "packaging" / "cli_launcher.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported and imported <= set(sys.stdlib_module_names)
    spec = (ROOT / "packaging" / "roadinspect.spec").read_text(encoding="utf-8")
    assert 'cli_launcher.py")]' in spec and "cli_pyz = PYZ(cli.pure)" in spec  # its own, small archive


def test_the_windows_estimate_swaps_native_files_for_the_wheels_and_keeps_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.spec_from_file_location("roadinspect_estimate_windows",
                                                  ROOT / "packaging" / "estimate_windows.py")
    estimate_windows = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, estimate_windows)  # its dataclasses look their module up
    spec.loader.exec_module(estimate_windows)
    bundle = tmp_path / "RoadInspect"
    files = {  # Linux bundle: path -> size
        "RoadInspect": 1000, "_internal/models/m.safetensors": 500, "_internal/torch/_utils.py": 40,
        "_internal/numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so": 300,
        "_internal/numpy.libs/libscipy_openblas64_-abc.so": 900,
        "_internal/_pi_heif.cpython-311-x86_64-linux-gnu.so": 30,
        "_internal/libX11.so.6": 70, "_internal/libpython3.11.so.1.0": 2000,
        "_internal/nvidia/cudnn/lib/libcudnn.so.9": 9000, "_internal/torch/lib/libtorch_cuda.so": 8000,
        "_internal/scipy/optimize/_thing.cpython-311-x86_64-linux-gnu.so": 60,
    }
    for name, size in files.items():
        (bundle / name).parent.mkdir(parents=True, exist_ok=True)
        (bundle / name).write_bytes(b"x" * size)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for wheel, content in {
        "numpy-2.0.0-cp311-cp311-win_amd64.whl": {"numpy/_core/_multiarray_umath.cp311-win_amd64.pyd": 200,
                                                  "numpy/__init__.py": 10, "numpy.libs/openblas.dll": 700},
        "pi_heif-1.0.0-cp311-cp311-win_amd64.whl": {"_pi_heif.cp311-win_amd64.pyd": 20,
                                                    "pi_heif-1.0.0.data/platlib/heif.dll": 50},
    }.items():
        with zipfile.ZipFile(wheels / wheel, "w") as archive:
            for name, size in content.items():
                archive.writestr(name, b"y" * size)

    parts = estimate_windows.estimate(bundle, estimate_windows.load_wheels(wheels))

    assert parts["numpy"].linux == 1200 and parts["numpy"].windows == 900  # .pyd + vendored DLL
    assert parts["pi_heif"].linux == 30 and parts["pi_heif"].windows == 70
    assert parts["platform-independent files (as measured)"].windows == 1540
    assert parts["Linux system libraries (none on Windows)"].linux == 70
    assert parts["CUDA libraries (none on Windows)"].linux == 17000
    assert parts["Python interpreter and stdlib binaries"].windows == int(estimate_windows.WINDOWS_PYTHON_MIB * 2**20)
    kept = parts["scipy (no Windows wheel given: Linux size kept)"]
    assert kept.linux == kept.windows == 60
    assert sum(p.linux for p in parts.values()) == sum(files.values())
