"""The layers import downwards only: no cycle among services/ or storage/ modules, counting the
imports made inside functions too (a lazy import that closes a cycle is still a cycle), and each
module imports on its own, in a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "bookctl"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The bookctl modules `path` imports anywhere in it (TYPE_CHECKING blocks aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checking = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            checking.update(id(n) for n in ast.walk(node))
    found = set()
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bookctl."))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bookctl"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").exists()
                          or (PACKAGE.parent / candidate.replace(".", "/")).is_dir() else node.module)
    return found


def graph(layer: str) -> dict[str, set[str]]:
    modules = {module_name(p): p for p in (PACKAGE / layer).rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def cycle_in(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


@pytest.mark.parametrize("layer", ["storage", "services", "domain"])
def test_no_import_cycle_within_the_layer(layer):
    assert cycle_in(graph(layer)) is None


def test_the_checker_finds_a_cycle():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) is None


def test_storage_and_domain_never_import_services_or_commands():
    for layer in ("storage", "domain"):
        for path in (PACKAGE / layer).rglob("*.py"):
            upward = {m for m in imports_of(path) if m.startswith(("bookctl.services", "bookctl.commands"))}
            assert not upward, f"{path}: {sorted(upward)}"


def test_each_service_and_storage_module_imports_alone():
    names = sorted(module_name(p) for layer in ("services", "storage") for p in (PACKAGE / layer).rglob("*.py"))
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    for name in names:  # each in a fresh interpreter: an import that works only after another fails here
        result = subprocess.run([sys.executable, "-c", script, name], capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{name}: {result.stderr.strip().splitlines()[-1:]}"
