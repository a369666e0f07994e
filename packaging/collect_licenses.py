"""Gather the third-party licence texts that ship with RoadInspect into ``resources/licenses/``.

What it writes (every file here is generated; ``resources/licenses/NOTICE.md`` and
``resources/licenses/datasets/`` are written by hand and left alone):

* ``python/<distribution>/``: the licence files that each installed runtime dependency of ``roadinspect``
  declares in its wheel metadata (the dependency closure is read from the installed metadata with
  environment markers evaluated for *this* platform, so a Windows build lists the Windows set);
* ``python/CPython/LICENSE.txt``: the interpreter's own licence (the bundle carries the interpreter);
* ``python/<distribution>/`` for code adapted from a package that is not a run-time dependency
  (:data:`ADAPTED_CODE`: scikit-image's skeleton table in ``roadinspect/core/morphology.py``), copied from
  ``packaging/third_party/<distribution>/``;
* ``qt/LGPL-3.0.txt`` and ``qt/GPL-3.0.txt``: Qt and PySide6 are used under the LGPL v3, which is
  the GPL v3 plus extra permissions, so both texts ship (PySide6's wheels carry no licence file);
* ``INDEX.md``: one table row per component: name, version, licence expression, files.

``packaging/build.py`` runs it before every bundle build so the notices match what is bundled.
Usage: ``python packaging/collect_licenses.py [--out DIR]``.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import sysconfig
from email.message import Message
from importlib import metadata
from pathlib import Path
from typing import cast

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "licenses"
LICENSE_WORDS = ("licen", "copying", "notice", "authors")
# PySide6/shiboken6 wheels carry no licence file: these are the texts of the licence they are used under.
LGPL_SOURCES = {
    "LGPL-3.0.txt": [Path("/usr/share/common-licenses/LGPL-3")],
    "GPL-3.0.txt": [Path("/usr/share/common-licenses/GPL-3")],
}
QT_DISTRIBUTIONS = {"pyside6-essentials", "shiboken6", "pyside6"}
# Not in the bundle: build tools, the app itself, and triton (a CUDA compiler the spec excludes).
NOT_BUNDLED = {"setuptools", "pip", "wheel", "roadinspect", "triton"}
# Code adapted into RoadInspect from packages it does not depend on at run time: distribution ->
# (version the code comes from, licence, where it is). Their licence texts live in packaging/third_party/.
ADAPTED_CODE = {
    "scikit-image": ("0.26.0", "BSD-3-Clause", "roadinspect/core/morphology.py"),
}
THIRD_PARTY = ROOT / "packaging" / "third_party"


def project_requirements() -> list[str]:
    """The run-time dependencies declared in ``pyproject.toml`` (markers evaluated for this platform).

    Read from the source, not from the installed ``roadinspect`` metadata, which an editable install
    does not refresh when a dependency is added.
    """
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return [r.name for r in map(Requirement, declared) if r.marker is None or r.marker.evaluate({"extra": ""})]


def runtime_closure(roots: list[str] | None = None) -> dict[str, metadata.Distribution]:
    """Every installed distribution that the project needs at run time (extras not included)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = list(roots if roots is not None else project_requirements())
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            todo.append(req.name)
    return {name: dist for name, dist in seen.items() if name not in NOT_BUNDLED}


def licence_expression(dist: metadata.Distribution) -> str:
    """The SPDX expression, the ``License`` field or the licence classifiers, whichever says most."""
    meta = cast(Message, dist.metadata)  # an email.message.Message at run time (PackageMetadata has no get())
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    field = (meta.get("License") or "").strip()
    if field and len(field) <= 80 and "\n" not in field and "copyright" not in field.lower():
        return field
    if classifiers:
        return " / ".join(classifiers)
    if "redistribution and use in source and binary forms" in field.lower():
        return "BSD-style (full text in the files)"
    return "see files"


def licence_files(dist: metadata.Distribution) -> list[Path]:
    """The licence-like files a distribution installed (``*.dist-info/licenses/...``, ``LICENSE*``...)."""
    found = []
    for entry in dist.files or []:
        parts = [p.lower() for p in entry.parts]
        if not parts[0].endswith(".dist-info"):
            continue
        if "licenses" in parts[1:-1] or any(w in parts[-1] for w in LICENSE_WORDS):
            path = Path(str(dist.locate_file(entry)))
            if path.is_file():
                found.append(path)
    return sorted(found)


def _dist_info_relative(path: Path) -> Path:
    for index, part in enumerate(path.parts):
        if part.endswith(".dist-info"):
            rest = path.parts[index + 1:]
            if rest and rest[0] == "licenses" and len(rest) > 1:
                rest = rest[1:]
            return Path(*rest)
    return Path(path.name)


def _qt_texts(target: Path) -> list[str]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, candidates in LGPL_SOURCES.items():
        source = next((c for c in candidates if c.is_file()), None)
        if source is None:
            if (target / name).is_file():  # keep the committed copy (e.g. on Windows)
                written.append(name)
                continue
            raise FileNotFoundError(f"no copy of {name} found (looked in {', '.join(map(str, candidates))})")
        shutil.copyfile(source, target / name)
        written.append(name)
    return written


def collect(out: Path = OUT) -> list[tuple[str, str, str, list[str]]]:
    """Write the generated notices under ``out``; return the index rows (name, version, licence, files)."""
    python_dir = out / "python"
    if python_dir.exists():
        shutil.rmtree(python_dir)
    rows: list[tuple[str, str, str, list[str]]] = []
    for name, dist in sorted(runtime_closure().items()):
        folder = python_dir / name
        files = []
        for source in licence_files(dist):
            relative = _dist_info_relative(source)
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, folder / relative)
            files.append(f"python/{name}/{relative.as_posix()}")
        if name in QT_DISTRIBUTIONS:
            files += [f"qt/{n}" for n in _qt_texts(out / "qt")]
        rows.append((dist.metadata["Name"], dist.version, licence_expression(dist), files))
    for name, (version, licence, where) in ADAPTED_CODE.items():
        if canonicalize_name(name) in {canonicalize_name(r[0]) for r in rows}:
            continue  # a run-time dependency again: its own row covers it
        files = []
        for source in sorted(p for p in (THIRD_PARTY / name).rglob("*") if p.is_file()):
            relative = source.relative_to(THIRD_PARTY / name)
            (python_dir / name / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, python_dir / name / relative)
            files.append(f"python/{name}/{relative.as_posix()}")
        rows.append((name, version, f"{licence} (code adapted in {where})", files))
    rows.sort(key=lambda row: row[0].lower())
    cpython = Path(sysconfig.get_path("stdlib")) / "LICENSE.txt"
    if cpython.is_file():
        (python_dir / "CPython").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cpython, python_dir / "CPython" / "LICENSE.txt")
        rows.insert(0, ("CPython", platform.python_version(), "PSF-2.0", ["python/CPython/LICENSE.txt"]))
    _write_index(out / "INDEX.md", rows)
    return rows


def _write_index(path: Path, rows: list[tuple[str, str, str, list[str]]]) -> None:
    lines = [
        "# Third-party components bundled with RoadInspect",
        "",
        f"Generated by `packaging/collect_licenses.py` on {sys.platform} ({platform.machine()}), "
        "from the installed runtime dependencies of `roadinspect`. Read `NOTICE.md` first: it explains the",
        "licences that need attention (Qt/PySide6 LGPL-3.0, the model's training data).",
        "",
        "| component | version | licence | files |",
        "|---|---|---|---|",
    ]
    for name, version, licence, files in rows:
        shown = ", ".join(f"`{f}`" for f in files[:4]) + (f" (+{len(files) - 4} more)" if len(files) > 4 else "")
        lines.append(f"| {name} | {version} | {licence.replace('|', '/')} | {shown or 'none shipped by the wheel'} |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows = collect(args.out)
    print(f"wrote notices for {len(rows)} components under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
