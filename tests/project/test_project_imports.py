"""The package's structure: no import cycle between planner's modules, and the plan checker
(``planner.validation``) imports nothing from the optimiser it checks."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLANNER = ROOT / "planner"


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _top_level_imports(path: Path) -> set[str]:
    """Modules imported when ``path`` is imported: module-level statements, not those inside
    functions or ``if TYPE_CHECKING:`` blocks (which run later or never)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                base = ".".join(up[: len(up) - node.level + 1] + ([base] if base else []))
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in out if m.startswith("planner")}


def _graph() -> dict[str, set[str]]:
    """Each module of planner and the modules of planner it imports at import time."""
    modules = {_module(p): p for p in PLANNER.rglob("*.py") if "migrations" not in p.parts}
    return {
        name: {t for t in _top_level_imports(path) if t in modules and t != name}
        for name, path in modules.items()
    }


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_planner_has_no_import_cycle():
    """No module of planner imports (at import time) a module that imports it back; a
    package's ``__init__`` re-exporting its own submodules counts as the package."""
    graph = _graph()
    merged: dict[str, set[str]] = {}
    for name, targets in graph.items():
        merged.setdefault(name, set()).update(
            t for t in targets if not name.startswith(t + ".")  # a submodule and its package
        )
    try:
        TopologicalSorter(merged).prepare()
    except CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None


def test_the_checker_imports_nothing_from_the_optimiser():
    """``planner.validation`` checks a plan with its own code and the rules package."""
    reach = _reach(_graph(), "planner.validation")
    assert not {m for m in reach if m.startswith("planner.optimise")}
