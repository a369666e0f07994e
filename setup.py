"""Build hook: ship the top-level ``models/`` and ``resources/`` folders inside the wheel.

All project metadata lives in ``pyproject.toml``; this file only exists for one thing setuptools cannot
express there without listing every data sub-folder by hand: copying the two data trees that sit at the
repository root into the built package as ``roadinspect/_data/models`` and ``roadinspect/_data/resources``,
where :func:`roadinspect.core.resources.data_root` looks for them in an installed wheel.

An editable install (``pip install -e .``) copies nothing: the resolver finds the folders in the checkout.
Caches and editor droppings are never copied (see :data:`IGNORED`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA_TREES = ("models", "resources")
IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.pyo", ".DS_Store", "Thumbs.db", "desktop.ini", "*~", ".*.swp", ".git*",
    "*.ckpt", "*.tmp",
)


class BuildPyWithData(build_py):
    """``build_py`` that also copies the repository's data folders into ``roadinspect/_data/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target_root = Path(self.build_lib) / "roadinspect" / "_data"
        for name in DATA_TREES:
            source = ROOT / name
            if not source.is_dir():
                raise FileNotFoundError(f"cannot build a wheel without the {source} folder")
            target = target_root / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(source, target, ignore=IGNORED)
            self.announce(f"copied {source} -> {target}", level=2)


setup(cmdclass={"build_py": BuildPyWithData})
