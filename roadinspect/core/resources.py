"""Find the shipped ``models/`` and ``resources/`` folders wherever the app runs.

Three layouts are supported, tried in this order:

1. a frozen PyInstaller bundle: the folders sit under ``sys._MEIPASS``;
2. an installed wheel: the build copies them into the package as ``roadinspect/_data/``;
3. a source checkout: they sit at the repository root, two levels above this file.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parents[1]


@cache
def data_root() -> Path:
    """Return the folder that holds ``models/`` and ``resources/``.

    Raises:
        FileNotFoundError: when none of the known layouts has them (a broken install).
    """
    candidates: list[Path] = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(Path(frozen))
    try:
        candidates.append(Path(str(importlib_resources.files("roadinspect") / "_data")))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - namespace oddities
        pass
    candidates.append(_PACKAGE_ROOT.parent)
    for root in candidates:
        if (root / "models").is_dir() and (root / "resources").is_dir():
            return root
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"RoadInspect data folders (models/, resources/) not found; looked in: {tried}")


def models_dir() -> Path:
    """The folder of shipped model weights and model cards."""
    return data_root() / "models"


def resources_dir() -> Path:
    """The folder of icons, translations and sample photos."""
    return data_root() / "resources"


def samples_dir() -> Path:
    """The bundled sample road photos (made by ``roadinspect.core.synth``)."""
    return resources_dir() / "samples"


def translations_dir() -> Path:
    """Qt Linguist catalogues (``.ts`` sources and compiled ``.qm``)."""
    return resources_dir() / "translations"


def icons_dir() -> Path:
    """Application and action icons (SVG)."""
    return resources_dir() / "icons"
