"""Estimate the size of the Windows bundle from the Linux bundle built here and the Windows wheels.

The bundle cannot be built for Windows on this Linux machine, but nearly all of it can be measured:

* platform-independent files (Python bytecode archives, ``.py`` sources, data, ``models/``, ``resources/``,
  Qt translations) are the same on Windows: counted as measured in the Linux bundle;
* every native file of a Python package (``.so`` extension modules, vendored ``<package>.libs/``) is replaced
  by what the package's ``win_amd64`` wheel holds (read from the wheel, nothing installed): the ``.pyd`` of
  the same extension modules, and the DLLs the wheel vendors for them; torch: every DLL of ``torch/lib``
  (PyInstaller's torch hook collects them all) and no CUDA library (PyPI's Windows torch is CPU-only);
  PySide6: the ``Qt6*.dll`` of the Qt libraries bundled here, the plugin folders bundled here plus Windows'
  ``styles``, the MSVC runtime DLLs; ``opengl32sw.dll`` is left out (the spec drops it);
* the Linux system libraries that PyInstaller copies next to the app (X11, xcb, glib, fontconfig, Kerberos,
  the GCC runtime...) have no counterpart in a Windows bundle (Windows provides those services): dropped;
* the interpreter (``libpython3.11.so`` and the standard library's compiled modules with the libraries they
  link: OpenSSL, SQLite, libffi, ...) is replaced by :data:`WINDOWS_PYTHON_MIB`, an estimate (the python.org
  Windows files are not available here).

Get the wheels with (the versions installed here)::

    pip download --no-deps --only-binary=:all: --platform win_amd64 --python-version 3.11 -d WHEELS \\
        torch==X numpy==X scipy==X pillow==X pyproj==X shapely==X pi-heif==X PySide6-Essentials==X \\
        shiboken6==X safetensors==X bottleneck==X

Usage: ``python packaging/estimate_windows.py --wheels WHEELS [--bundle dist/RoadInspect] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIB = 2**20
# python311.dll (~5.6 MiB for 3.11) + the DLLs folder files a bundle needs (_ssl/libssl/libcrypto ~6 MiB,
# sqlite3 ~1.6 MiB, unicodedata ~1.1 MiB, _decimal, pyexpat, _ctypes/libffi, _lzma, _bz2, ... ~2 MiB) +
# the MSVC runtime copied from the Python folder (~0.2 MiB). Not measured here: an estimate.
WINDOWS_PYTHON_MIB = 16.0
NATIVE = re.compile(r"\.so(\.\d+)*$")
EXT_SUFFIX = re.compile(r"\.(cpython-\d+[^.]*|abi3)\.so$")
CUDA = re.compile(r"(^|/)(nvidia/|libcu|libnv|libnccl|libtorch_cuda|libc10_cuda|libcaffe2_nvrtc|libtorch_nvshmem|"
                  r"cudnn|cublas|cufft|curand|cusparse|cusolver|nvrtc|nvjitlink|cupti)", re.I)
PYTHON_RUNTIME = re.compile(r"^(libpython3|python3\.\d+/lib-dynload/|lib-dynload/|libssl|libcrypto|libsqlite3|"
                            r"libffi|liblzma|libbz2|libexpat|libmpdec|libz\.so|libuuid|libreadline|libncurses"
                            r"|libtinfo)")
QT_LINUX_ONLY_PLUGINS = {"xcbglintegrations", "egldeviceintegrations", "platformthemes", "wayland-decoration-client",
                         "wayland-graphics-integration-client", "wayland-shell-integration"}
# Qt libraries bundled here for the X11/Wayland/EGL platform plugins (OpenGL: linked by the GL integrations).
QT_LINUX_ONLY_LIBRARIES = {"XcbQpa", "WaylandClient", "WlShellIntegration", "EglFSDeviceIntegration",
                           "EglFsKmsSupport", "OpenGL"}
QT_WINDOWS_ONLY_PLUGINS = {"styles"}  # qmodernwindowsstyle: PyInstaller's QtWidgets hook collects it on Windows
DROPPED_ON_WINDOWS = {"opengl32sw.dll"}


@dataclass
class Part:
    """One line of the estimate: bytes here (Linux), bytes on Windows, and how the latter was obtained."""

    linux: int = 0
    windows: int = 0
    how: str = ""
    missing: list[str] = field(default_factory=list)


class Wheel:
    """File sizes of one Windows wheel, by path inside the wheel."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as archive:
            self.sizes = {info.filename: info.file_size for info in archive.infolist() if not info.is_dir()}
        self.name = path.name
        self.distribution, self.version = _normal(path.name.split("-")[0]), path.name.split("-")[1]
        self.tops = {name.split("/")[0] for name in self.sizes}
        self.pyds = {n: s for n, s in self.sizes.items() if n.lower().endswith(".pyd")}

    def files(self, prefix: str, suffixes: tuple[str, ...]) -> dict[str, int]:
        """Files under ``prefix`` ending with one of ``suffixes`` (case-insensitive)."""
        return {n: s for n, s in self.sizes.items() if n.startswith(prefix) and n.lower().endswith(suffixes)}


def load_wheels(folder: Path) -> list[Wheel]:
    """Every ``*win_amd64.whl`` in ``folder``."""
    return [Wheel(p) for p in sorted(folder.glob("*win_amd64.whl"))]


def _normal(name: str) -> str:
    return name.lower().replace("-", "_")


def _module_of_pyd(name: str) -> str:
    """``scipy/ndimage/_nd_image.cp311-win_amd64.pyd`` -> ``scipy/ndimage/_nd_image``."""
    return re.sub(r"(\.(cp\d+-win_amd64|abi3))?\.pyd$", "", name, flags=re.I)


def _extension_name(relative: str) -> str | None:
    """``scipy/ndimage/_nd_image.cpython-311-x86_64-linux-gnu.so`` -> ``scipy/ndimage/_nd_image``."""
    return EXT_SUFFIX.sub("", relative) if EXT_SUFFIX.search(relative) else None


def owner_of(relative: str, wheels: list[Wheel]) -> Wheel | None:
    """The Windows wheel of the distribution that put this native file in the bundle (None: not a package's)."""
    top = relative.split("/")[0]
    if "/" not in relative:  # a top-level extension module (``_pi_heif``) or a system library
        module = _extension_name(relative)
        return next((w for w in wheels if module and any(_module_of_pyd(n) == module for n in w.pyds)), None)
    if top.endswith(".libs"):  # auditwheel's vendored libraries of a Linux wheel
        package = _normal(top.removesuffix(".libs"))
        return next((w for w in wheels if w.distribution == package or package in map(_normal, w.tops)), None)
    return next((w for w in wheels if top in w.tops), None)


def estimate(bundle: Path, wheels: list[Wheel]) -> dict[str, Part]:
    """The parts of the Windows estimate (see the module docstring)."""
    internal = bundle / "_internal"
    parts: dict[str, Part] = defaultdict(Part)
    owned: dict[str, list[tuple[str, int]]] = defaultdict(list)
    by_name = {w.name: w for w in wheels}
    for file in sorted(p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()):
        size = file.stat().st_size
        relative = file.relative_to(internal).as_posix() if file.is_relative_to(internal) else file.name
        if CUDA.search(relative):
            parts["CUDA libraries (none on Windows)"].linux += size
        elif not NATIVE.search(relative):
            parts["platform-independent files (as measured)"].linux += size
            parts["platform-independent files (as measured)"].windows += size
        elif PYTHON_RUNTIME.search(relative):
            parts["Python interpreter and stdlib binaries"].linux += size
        else:
            wheel = owner_of(relative, wheels)
            if wheel is None and "/" not in relative:
                parts["Linux system libraries (none on Windows)"].linux += size
            elif wheel is None:
                part = parts[f"{relative.split('/')[0]} (no Windows wheel given: Linux size kept)"]
                part.linux += size
                part.windows += size
            else:
                owned[wheel.name].append((relative, size))
    python = parts["Python interpreter and stdlib binaries"]
    python.windows, python.how = int(WINDOWS_PYTHON_MIB * MIB), "estimate (python311.dll + DLLs folder)"
    parts["platform-independent files (as measured)"].how = "measured here"
    parts["CUDA libraries (none on Windows)"].how = "PyPI's Windows torch is CPU-only"
    parts["Linux system libraries (none on Windows)"].how = "provided by Windows"

    for name, files in sorted(owned.items()):
        wheel = by_name[name]
        qt = wheel.distribution in ("pyside6_essentials", "shiboken6")
        part = parts["PySide6 + shiboken6 (Qt)" if qt else wheel.distribution]
        part.linux += sum(size for _, size in files)
        part.how = "Windows wheels " + ", ".join(sorted({*part.how.removeprefix("Windows wheels ").split(", "),
                                                          f"{wheel.distribution} {wheel.version}"} - {""}))
        if wheel.distribution == "pyside6_essentials":
            part.windows += _qt_windows(files, wheel, part)
            continue
        for relative, size in files:
            module = _extension_name(relative)
            if module is None:
                continue  # a library vendored by the Linux wheel: the Windows wheel's own DLLs are added below
            found = [s for n, s in wheel.pyds.items() if _module_of_pyd(n) == module]
            if found:
                part.windows += found[0]
            else:
                part.missing.append(module)
                part.windows += size  # unknown on Windows: count the Linux size
        part.windows += sum(s for n, s in wheel.sizes.items() if n.lower().endswith(".dll"))
    return dict(parts)


def _qt_windows(files: list[tuple[str, int]], wheel: Wheel, part: Part) -> int:
    """Windows bytes of the Qt part: libraries, plugins and bindings matching those bundled here."""
    total = 0
    plugin_dirs = set()
    for relative, _size in files:
        name = relative.rsplit("/", 1)[-1]
        if "/plugins/" in relative:
            plugin_dirs.add(relative.split("/plugins/")[1].split("/")[0])
            continue
        match = re.match(r"libQt6(\w+)\.so", name)
        if match and match[1] in QT_LINUX_ONLY_LIBRARIES:
            continue
        if match:
            dll = f"PySide6/Qt6{match[1]}.dll"
            total += wheel.sizes.get(dll, 0)
            if dll not in wheel.sizes:
                part.missing.append(dll)
            continue
        module = _extension_name(relative)
        if module is not None:
            found = [s for n, s in wheel.pyds.items() if _module_of_pyd(n) == module]
            total += found[0] if found else 0
            if not found:
                part.missing.append(module)
        elif name.startswith("libpyside6"):
            total += wheel.sizes.get("PySide6/pyside6.abi3.dll", 0)
        # (ICU, libicu*.so: Qt on Windows uses the system's ICU, icu.dll, so it has no counterpart.)
    for folder in sorted((plugin_dirs - QT_LINUX_ONLY_PLUGINS) | QT_WINDOWS_ONLY_PLUGINS):
        total += sum(wheel.files(f"PySide6/plugins/{folder}/", (".dll",)).values())
    runtime = {n: s for n, s in wheel.files("PySide6/", (".dll",)).items()
               if n.count("/") == 1 and not n.split("/")[1].startswith(("Qt6", "pyside6"))
               and n.split("/")[1] not in DROPPED_ON_WINDOWS}
    return total + sum(runtime.values())


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "RoadInspect")
    parser.add_argument("--wheels", type=Path, required=True, help="folder of win_amd64 wheels")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    wheels = load_wheels(args.wheels)
    if not (args.bundle / "_internal").is_dir() or not wheels:
        print(f"need a built bundle at {args.bundle} and win_amd64 wheels in {args.wheels}", file=sys.stderr)
        return 2
    parts = estimate(args.bundle, wheels)
    linux = sum(p.linux for p in parts.values())
    windows = sum(p.windows for p in parts.values())
    print(f"{'part':48s} {'here MiB':>9s} {'Windows MiB':>12s}  how")
    for name, part in sorted(parts.items(), key=lambda item: -item[1].windows):
        print(f"{name:48s} {part.linux / MIB:9.1f} {part.windows / MIB:12.1f}  {part.how}")
        if part.missing:
            print(f"{'':48s} no Windows counterpart found for: {', '.join(sorted(part.missing))}")
    print(f"{'total':48s} {linux / MIB:9.1f} {windows / MIB:12.1f}  = {windows / 1e6:.0f} MB "
          f"(goal: under 700 MB = {700e6 / MIB:.0f} MiB)")
    if args.json:
        args.json.write_text(json.dumps({
            "bundle_bytes": linux, "windows_estimate_bytes": windows,
            "parts": {k: {"linux": p.linux, "windows": p.windows, "how": p.how, "missing": p.missing}
                      for k, p in parts.items()},
        }, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
