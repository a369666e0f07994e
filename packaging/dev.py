"""Set up a development environment and run RoadInspect or its tests: needs only Python 3.11 and git.

    python packaging/dev.py app     # .venv + dependencies, then the app on the bundled sample photos
    python packaging/dev.py test    # .venv + dependencies, then the whole test suite (pytest)

Both commands first make sure ``.venv`` exists at the repository root (``venv`` with pip) and holds
the project installed in editable mode with its test, fast (OpenVINO, ONNX Runtime), postgis and cluster (Ray)
extras and the pinned PyTorch build
(:data:`PINS`). The installation is skipped when nothing changed since the last one: a stamp file
in ``.venv`` records the sha256 of ``pyproject.toml`` (and ``setup.py``), the pins and the Python
version. Anything after ``test`` goes to pytest (``python packaging/dev.py test -k store -x``); without
anything, the tests that start Ray in-process run in a second pytest process (see ``main``).

Standard library only; works on Windows (``.venv\\Scripts\\python.exe``) and on Linux/macOS
(``.venv/bin/python``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
STAMP = VENV / "roadinspect-dev.json"
PINS = ("torch==2.14.1", "torchvision==0.29.1")
"""The PyTorch build the project is tested with."""
EXTRAS = "test,fast,postgis,cluster"
"""Extras installed with the project: the test tools, the faster CPU backends (OpenVINO, ONNX Runtime), the
PostGIS driver (psycopg) that ``roadinspect publish`` uses, and Ray for ``analyze --ray`` (its tests start a
local Ray)."""
MIN_PYTHON = (3, 11)


def venv_python(venv_dir: Path = VENV) -> Path:
    """The virtual environment's interpreter."""
    if os.name == "nt":
        return venv_dir / "Scripts" / "python.exe"
    return venv_dir / "bin" / "python"


def setup_key() -> dict:
    """What the installed environment depends on; a change means installing again."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "setup.py"):
        path = ROOT / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return {"project_files_sha256": digest.hexdigest(), "pins": list(PINS), "extras": EXTRAS,
            "python": ".".join(str(v) for v in sys.version_info[:3])}


def _run(command: list[str], **kwargs: object) -> None:
    print("+ " + " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]  # kwargs: run()'s own


def ensure_environment() -> Path:
    """Create ``.venv`` and install the project when needed; return the venv's Python."""
    if sys.version_info[:2] < MIN_PYTHON:
        raise SystemExit(f"RoadInspect needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer; this is "
                         f"{sys.version.split()[0]} ({sys.executable})")
    python = venv_python()
    if not python.exists():
        print(f"Creating the virtual environment {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False, upgrade_deps=False).create(VENV)
    key = setup_key()
    try:
        installed = json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        installed = None
    if installed == key:
        print(f"Environment up to date ({VENV}).", flush=True)
        return python
    print("Installing RoadInspect and its dependencies (the first time downloads PyTorch) ...", flush=True)
    _run([str(python), "-m", "pip", "install", *PINS, "-e", f".[{EXTRAS}]"])
    STAMP.write_text(json.dumps(key, indent=1) + "\n", encoding="utf-8")
    return python


RAY_TESTS = "tests/cluster/test_cluster_ray.py"
"""The tests that run Ray inside the test process (see :func:`main`)."""


def main(argv: list[str] | None = None) -> int:
    """``app`` or ``test`` (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("app", "test"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    python = ensure_environment()
    if command == "app":
        return subprocess.call([str(python), "-m", "roadinspect", *rest], cwd=ROOT)
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    pytest = [str(python), "-m", "pytest"]
    if rest:
        return subprocess.call([*pytest, *rest], cwd=ROOT, env=env)
    # The whole suite: the tests that start Ray inside the test process run in a pytest process of their own.
    # Ray (its gRPC and core-worker threads, its signal handlers) stays in a process after ray.shutdown(), and
    # the suite then died later with a silent SIGSEGV in unrelated tests (a DataLoader fork, a Qt worker test).
    # `roadinspect analyze --ray` is always a process of its own, so this only concerns the tests.
    first = subprocess.call([*pytest, "--ignore", RAY_TESTS], cwd=ROOT, env=env)
    second = subprocess.call([*pytest, RAY_TESTS], cwd=ROOT, env=env)
    return first or second


if __name__ == "__main__":
    sys.exit(main())
