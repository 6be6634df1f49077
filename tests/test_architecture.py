"""The plugin's layers: the import graph has no cycle, nothing dodges one with an import inside a function,
every module imports on its own, and the models know nothing of the machinery above them."""

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "briefs"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    module_name(path): path
    for path in sorted(PLUGIN.rglob("*.py"))
    if "migrations" not in path.parts and "management" not in path.parts
}


def imported(path: Path, *, inside_functions: bool | None = None) -> set[str]:
    """The plugin modules ``path`` imports; only those inside (True) or outside (False) functions."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function |= {id(sub) for sub in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if inside_functions is not None and (id(node) in in_function) != inside_functions:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [f"{target}.{alias.name}" for alias in node.names] + [target]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        for candidate in candidates:
            if candidate in MODULES and candidate != "briefs":
                found.add(candidate)
                break
    return found - {name}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_the_module_graph_of_the_plugin_has_no_cycle():
    graph = {name: imported(path) for name, path in MODULES.items()}
    assert len(graph) > 20
    assert find_cycle(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


def test_no_module_imports_the_plugin_inside_a_function():
    """Except AppConfig.ready(), which runs once the models exist, as Django intends."""
    hidden = {name: imported(path, inside_functions=True) for name, path in MODULES.items()}
    assert {name: found for name, found in hidden.items() if found and name != "briefs.apps"} == {}


def test_the_models_import_no_write_or_read_machinery():
    assert imported(MODULES["briefs.models"]) <= {"briefs.conf", "briefs.tracking"}
    assert imported(MODULES["briefs.tracking"]) == set()
    # The revision logic reads the models and computes: it writes nothing and renders nothing.
    for name in ("state", "diff", "revert", "changes", "retention"):
        assert imported(MODULES[f"briefs.revisions.{name}"]) <= {
            "briefs.models",
            "briefs.text",
            "briefs.revisions.state",
            "briefs.revisions.diff",
        }, name


@pytest.mark.slow
def test_every_module_imports_alone_in_a_fresh_interpreter():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings", "PYTHONPATH": str(ROOT)}

    def load(name):
        code = f"import django; django.setup(); import {name}"
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        return name, result.returncode, result.stderr[-2000:]

    with ThreadPoolExecutor(max_workers=4) as pool:
        failures = [(name, err) for name, code, err in pool.map(load, sorted(MODULES)) if code]
    assert failures == []
