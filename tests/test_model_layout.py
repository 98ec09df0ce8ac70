"""The model's house: parts with one job each, imports running one way."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIM = ROOT / "sim"


def _imports(path: Path) -> set[str]:
    """Every sim module a file imports, type-only imports (TYPE_CHECKING) included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("sim."))
    return found


def test_the_model_modules_import_one_way():
    """No import circles among the model's modules, not even for type hints; only the
    entry points (run, snapshot) import sim.model, which composes the parts."""
    graph = {f"sim.{p.stem}": _imports(p) & {f"sim.{q.stem}" for q in SIM.glob("*.py")} for p in SIM.glob("*.py")}
    importers = {m for m, deps in graph.items() if "sim.model" in deps}
    assert importers <= {"sim.run", "sim.snapshot"}, importers
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as e:
        raise AssertionError(f"import circle: {' -> '.join(e.args[1])}") from None
