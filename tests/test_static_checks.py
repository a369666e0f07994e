"""The static checks CI runs through the test suite: ruff and mypy, configured in ``pyproject.toml``, each must
report nothing.

- ruff over the whole repository (``[tool.ruff]``: pycodestyle, pyflakes, isort, bugbear, pyupgrade,
  pep8-naming, blind except, unused ``noqa``);
- mypy over ``roadinspect/`` and ``packaging/`` (``[tool.mypy]``): strict on ``roadinspect.core``, the default
  checks plus unused ``type: ignore`` comments elsewhere.

Both tools are pinned in the ``test`` extra (a new release must not turn CI red on its own); a different installed
version is reported rather than checked. A ``noqa`` or ``type: ignore`` comment says why on its line.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _pinned(tool: str) -> str:
    """The version ``pyproject.toml`` pins ``tool`` to in the test extra."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    for requirement in extras["test"]:
        name, _, version = requirement.partition("==")
        if name.strip().lower() == tool:
            return version.strip()
    raise AssertionError(f"{tool} is not pinned in the test extra of pyproject.toml")


def _run(tool: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    version = subprocess.run([sys.executable, "-m", tool, "--version"], capture_output=True, text=True, cwd=ROOT)
    assert version.returncode == 0, (f"{tool} is not installed in {sys.executable}: pip install -e .[test] "
                                     f"(or python packaging/dev.py test) installs it\n{version.stderr}")
    found = re.search(r"\d+\.\d+(\.\d+)?", version.stdout)
    assert found and found.group(0) == _pinned(tool), (
        f"{tool} {found.group(0) if found else version.stdout!r} is installed, the project pins {_pinned(tool)}: "
        f"pip install -e .[test]")
    return subprocess.run([sys.executable, "-m", tool, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


@pytest.mark.slow
def test_ruff_reports_nothing() -> None:
    done = _run("ruff", "check", "--no-cache", "--output-format", "concise", ".", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_reports_nothing() -> None:
    done = _run("mypy", timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
