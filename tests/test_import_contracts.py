"""The layering of the package, read from the source (``ast``, nothing imported):

- ``roadinspect.core`` never imports the GUI, the training code, the command-line modules or the benchmarks
  (at any level, function-level imports included): core is the library the others are built on;
- ``roadinspect.gui`` and ``roadinspect.training`` never import each other;
- no import cycle between the modules of ``roadinspect/`` at module level (imports run when a module is
  loaded; those under ``if TYPE_CHECKING:`` and inside functions are not);
- importing ``roadinspect.core.pipeline`` does not load torch (checked in a fresh interpreter): the CLI's
  ``analyze`` and the app start without paying for it until the model is loaded;
- every module opens with a docstring saying what it is for.

``tests/core/test_no_qt.py`` checks that core never imports Qt.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "roadinspect"

CORE_MUST_NOT_IMPORT = ("roadinspect.gui", "roadinspect.training", "roadinspect.benchmarks", "roadinspect.cli",
                        "roadinspect.cli_*", "roadinspect.console", "roadinspect.__main__", "roadinspect.selftest",
                        "roadinspect.cluster")
"""What core may not import: the GUI, training, the benchmarks, every command-line module (``cli.py``,
``cli_*.py``, the terminal's ``console.py``, ``__main__``, the self-test command) and the cluster package (an
entry point of its own, over core)."""


@dataclass
class Imports:
    """The ``roadinspect`` modules one module imports: ``anywhere`` (function level too) and ``module_level``."""

    anywhere: set[str] = field(default_factory=set)
    module_level: set[str] = field(default_factory=set)


def module_names(package_dir: Path) -> dict[str, Path]:
    """``{dotted name: file}`` of every module of the package rooted at ``package_dir``."""
    names = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The known modules an import statement loads (``from a import b`` loads ``a.b`` when it is a module)."""
    if isinstance(node, ast.Import):
        found = {alias.name for alias in node.names}
    else:
        base = node.module or ""
        if node.level:
            here = module.split(".") if is_package else module.split(".")[:-1]
            here = here[:len(here) - (node.level - 1)]
            base = ".".join(here + ([base] if base else []))
        found = {base} | {f"{base}.{alias.name}" for alias in node.names}
    out = set()
    for name in found:
        while name and name not in known:  # `import a.b.c` of a package-level name: its nearest module
            name = name.rpartition(".")[0]
        if name:
            out.add(name)
    return out


def module_imports(name: str, path: Path, known: set[str]) -> Imports:
    """The modules of ``known`` that module ``name`` (file ``path``) imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imports = Imports()
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                targets = _targets(child, name, is_package, known) - {name}
                imports.anywhere |= targets
                if top:
                    imports.module_level |= targets
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), False)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), top)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(child, False)
            else:  # class bodies, if/try/with blocks at module level run at import
                visit(child, top)

    visit(tree, True)
    return imports


def collect_imports(package_dir: Path) -> dict[str, Imports]:
    """For each module of the package, the package's modules it imports."""
    modules = module_names(package_dir)
    return {name: module_imports(name, path, set(modules)) for name, path in modules.items()}


def _matches(module: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return module.startswith(pattern[:-1])
    return module == pattern or module.startswith(pattern + ".")


def forbidden_imports(graph: dict[str, Imports], importers: str, forbidden: tuple[str, ...]) -> list[str]:
    """``"a imports b"`` for every module under ``importers`` importing (anywhere) a module matching ``forbidden``."""
    return sorted(f"{module} imports {target}" for module, imports in graph.items() if _matches(module, importers)
                  for target in imports.anywhere if any(_matches(target, p) for p in forbidden))


def import_cycles(graph: dict[str, Imports]) -> list[list[str]]:
    """The module-level import cycles: each strongly connected component of more than one module (or a module
    importing itself), as a sorted list of names (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v].module_level):
            if w not in graph:
                continue
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v].module_level:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return cycles


@pytest.fixture(scope="module")
def graph() -> dict[str, Imports]:
    return collect_imports(PACKAGE)


def test_the_graph_sees_the_package(graph: dict[str, Imports]) -> None:
    assert {"roadinspect.core.pipeline", "roadinspect.gui.main_window", "roadinspect.cli"} <= set(graph)
    assert "roadinspect.core.store" in graph["roadinspect.core.pipeline"].module_level


def test_core_imports_no_gui_training_cli_or_benchmarks(graph: dict[str, Imports]) -> None:
    assert forbidden_imports(graph, "roadinspect.core", CORE_MUST_NOT_IMPORT) == []


def test_gui_and_training_do_not_import_each_other(graph: dict[str, Imports]) -> None:
    assert forbidden_imports(graph, "roadinspect.gui", ("roadinspect.training",)) == []
    assert forbidden_imports(graph, "roadinspect.training", ("roadinspect.gui",)) == []


def test_no_import_cycle_at_module_level(graph: dict[str, Imports]) -> None:
    assert import_cycles(graph) == []


def test_importing_the_pipeline_does_not_load_torch() -> None:
    code = ("import sys, roadinspect.core.pipeline; "
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_checks_catch_what_they_forbid(tmp_path: Path) -> None:
    """A small package breaking each rule: a cycle through a relative import, a function-level import of the GUI
    from core, and what must not count (a TYPE_CHECKING import, a function-level import back)."""
    pkg = tmp_path / "roadinspect"
    for folder in (pkg, pkg / "core", pkg / "gui", pkg / "training"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "core" / "a.py").write_text("from . import b\n\ndef f():\n    import roadinspect.gui.window\n",
                                       encoding="utf-8")
    (pkg / "core" / "b.py").write_text("from roadinspect.core.a import f\n", encoding="utf-8")
    (pkg / "core" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from roadinspect.core import d\n", encoding="utf-8")
    (pkg / "core" / "d.py").write_text("def g():\n    from roadinspect.core import c\n", encoding="utf-8")
    (pkg / "gui" / "window.py").write_text("import roadinspect.core.a\n", encoding="utf-8")
    (pkg / "training" / "train.py").write_text("from roadinspect.gui.window import *\n", encoding="utf-8")
    small = collect_imports(pkg)
    assert forbidden_imports(small, "roadinspect.core", CORE_MUST_NOT_IMPORT) == [
        "roadinspect.core.a imports roadinspect.gui.window"]
    assert forbidden_imports(small, "roadinspect.training", ("roadinspect.gui",)) == [
        "roadinspect.training.train imports roadinspect.gui.window"]
    assert import_cycles(small) == [["roadinspect.core.a", "roadinspect.core.b"]]


def test_every_module_says_what_it_is_for() -> None:
    """Each module of the package opens with a docstring (docs/ARCHITECTURE.md points to them)."""
    missing = [name for name, path in module_names(PACKAGE).items()
               if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert missing == []
