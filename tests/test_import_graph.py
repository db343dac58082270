"""The apps import one another as a DAG (DESIGN.md "Shape"): no app imports, even inside a
function, an app that imports it back, directly or through others. A model pointed at by its
label ("registry.School") is not an import and is not counted (docs/decisions.md)."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "qamqor"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2 or "tests" in parts or "migrations" in parts:
            continue
        yield path, parts


def _imported(path: Path, parts: tuple[str, ...]):
    """Dotted names of qamqor modules `path` imports (relative imports resolved)."""
    package = ["qamqor", *parts[:-1]]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                yield ".".join([*base, node.module] if node.module else base)
            elif node.module:
                yield node.module


def app_graph() -> dict[str, set[str]]:
    apps = {p.parent.name for p in PACKAGE.glob("*/apps.py")}
    graph: dict[str, set[str]] = {app: set() for app in apps}
    for path, parts in _modules():
        app = parts[0]
        if app not in apps:
            continue
        for name in _imported(path, parts):
            bits = name.split(".")
            if bits[0] == "qamqor" and len(bits) > 1 and bits[1] in apps and bits[1] != app:
                graph[app].add(bits[1])
    return graph


def test_the_app_import_graph_has_no_cycle():
    try:
        tuple(TopologicalSorter(app_graph()).static_order())
    except CycleError as exc:
        raise AssertionError(
            "the apps import each other in a cycle: " + " → ".join(exc.args[1])
        ) from None


def test_core_imports_no_other_app():
    assert app_graph()["core"] == set()
