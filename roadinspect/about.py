"""What the About box says: version, the shipped model, and the licences (Qt-free, no torch import).

The GUI's About dialog formats these; the texts come from the shipped files so they can never disagree
with what is installed: the model's JSON sidecar (``models/<name>.json``) and the third-party notices
(``resources/licenses/NOTICE.md`` and the generated ``INDEX.md``, see ``packaging/collect_licenses.py``).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from roadinspect import __version__
from roadinspect.core.resources import models_dir, resources_dir

DEFAULT_MODEL = "roadinspect-seg"
# The components an About box names, in this order (the full list is in INDEX.md).
HEADLINE_COMPONENTS = ("PySide6_Essentials", "torch", "torchvision", "numpy", "scipy", "scikit-image", "pillow",
                       "shapely", "pyproj", "CPython")
DATASET_LICENCES = (
    ("Cracks and Potholes in Road Images (Passos et al., 2020)", "MIT"),
    ("PaveSeg preview (FuturePave)", "Apache-2.0"),
    ("Pothole segmentation (Roboflow user \u201cfarzad\u201d)", "CC BY 4.0"),
    ("CrackForest (Shi et al., 2016)", "non-commercial research use only"),
)


@dataclass(frozen=True)
class Component:
    """One third-party component: name, version, licence (from ``INDEX.md``)."""

    name: str
    version: str
    licence: str


def licenses_dir() -> Path:
    """The shipped third-party notices."""
    return resources_dir() / "licenses"


def notice_file() -> Path:
    """``NOTICE.md``: the notices that need attention (LGPL, training data)."""
    return licenses_dir() / "NOTICE.md"


def model_info(name: str = DEFAULT_MODEL) -> dict:
    """The model's JSON sidecar (name, version, sha256, ...); ``{}`` when it is missing or unreadable."""
    try:
        return json.loads((models_dir() / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def model_text(name: str = DEFAULT_MODEL) -> str:
    """``roadinspect-seg 2025.11 (sha256 1234abcd5678)``, or a clear note when no model is installed."""
    info = model_info(name)
    if not info:
        return f"{name}: not installed"
    version = f" {info['version']}" if info.get("version") else ""
    digest = f" (sha256 {str(info['sha256'])[:12]})" if info.get("sha256") else ""
    return f"{info.get('name', name)}{version}{digest}"


def third_party() -> list[Component]:
    """Every bundled component listed in ``INDEX.md`` (empty when the file is missing)."""
    try:
        text = (licenses_dir() / "INDEX.md").read_text(encoding="utf-8")
    except OSError:
        return []
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and line.startswith("| ") and cells[0] not in {"component", "---"} and \
                not re.fullmatch(r"-+", cells[0]):
            rows.append(Component(cells[0], cells[1], cells[2]))
    return rows


LICENCE_TEXTS = {
    "third_party": "Third-party software",
    "lgpl": "Qt and PySide6 are used under the GNU LGPL v3: they are unmodified, separate libraries in the "
            "install folder that you may replace; their source code is available from the Qt Project.",
    "training": "Model training data",
    "non_commercial": "non-commercial research use only",
    "crackforest": "CrackForest is licensed for non-commercial research only",
    "see_notices": "see the notices before any commercial use of the model.",
    "all": "All licence texts: {link}",
}
"""The English sentences of :func:`licences_html`; the GUI passes them translated (same keys)."""


def licences_html(texts: dict[str, str] | None = None) -> str:
    """An HTML block for the About box: main components with licences, the training data, where to read more.

    ``texts`` replaces the sentences of :data:`LICENCE_TEXTS` (the GUI's translations); names, versions and
    licence identifiers stay as shipped.
    """
    t = {**LICENCE_TEXTS, **(texts or {})}
    by_name = {c.name.lower(): c for c in third_party()}
    items = []
    for name in HEADLINE_COMPONENTS:
        component = by_name.get(name.lower())
        if component is not None:
            shown, licence = component.name, component.licence
            if name.startswith("PySide6"):  # offered under LGPL-3.0 or GPL; RoadInspect uses it under the LGPL
                shown, licence = "Qt / PySide6", "LGPL-3.0"
            items.append(f"{html.escape(shown)} {html.escape(component.version)}: {html.escape(licence)}")
    data = [f"{html.escape(n)}: "
            f"{html.escape(t['non_commercial'] if lic == DATASET_LICENCES[-1][1] else lic, quote=False)}"
            for n, lic in DATASET_LICENCES]
    notice = notice_file()
    link = f'<a href="{notice.as_uri()}">{html.escape(str(notice))}</a>' if notice.is_file() else "NOTICE.md"
    return (
        f"<p><b>{html.escape(t['third_party'], quote=False)}</b><br>" + "<br>".join(items) + "</p>"
        f"<p>{html.escape(t['lgpl'], quote=False)}</p>"
        f"<p><b>{html.escape(t['training'], quote=False)}</b><br>" + "<br>".join(data) + "<br>"
        f"<b>{html.escape(t['crackforest'], quote=False)}</b>: {html.escape(t['see_notices'], quote=False)}</p>"
        f"<p>{html.escape(t['all'], quote=False).replace('{link}', link)}</p>"
    )


def about_text() -> str:
    """Plain-text summary (for ``--version``-like output and logs)."""
    return f"RoadInspect {__version__}, model {model_text()}, {len(third_party())} third-party components"
