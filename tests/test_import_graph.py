"""The apps import one another as a DAG (DESIGN.md "Shape"): no app imports, even inside a
function, an app that imports it back, directly or through others. A model pointed at by its
label ("registry.School") is not an import and is not counted (docs/decisions.md)."""

from __future__ import annotations

import ast
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


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph as [a, b, ..., a], or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_the_app_import_graph_has_no_cycle():
    cycle = find_cycle(app_graph())
    assert not cycle, "the apps import each other in a cycle: " + " → ".join(cycle)


def test_core_imports_no_other_app():
    assert app_graph()["core"] == set()


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []
