"""The tree tells the pipeline: stage packages that say what they do, commands found by their
name, and no import cycle anywhere (docs/development.md says how the code is laid out)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = ["address", "web", "mail", "store", "card", "research", "intake", "network"]
MODULES = sorted(p for d in ("lookup", "flows") for p in (ROOT / d).rglob("*.py"))
# Each command group of the CLI and the module that holds it (flows/cli/__init__.py's table).
COMMANDS = {
    "people": ["research", "guess", "list", "show", "forget", "reverify"],
    "mail": ["verify", "doctor"],
    "operations": ["server start", "server stop", "server status", "serve", "deploy", "import",
                   "world serve", "demo"],
}


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_package_says_what_it_takes_and_gives(stage: str) -> None:
    """A stage's __init__ has a docstring naming the stage and what it turns into what."""
    doc = ast.get_docstring(ast.parse((ROOT / "lookup" / stage / "__init__.py").read_text()))
    assert doc is not None and f"Stage ``{stage}``" in doc and "→" in doc


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_exports_a_sorted_list_of_names_that_resolve(stage: str) -> None:
    """``lookup.<stage>.__all__`` is sorted and every name in it imports from its home module."""
    package = importlib.import_module(f"lookup.{stage}")
    assert package.__all__ == sorted(package.__all__) and package.__all__
    for name in package.__all__:
        value = getattr(package, name)
        assert value.__module__.startswith(f"lookup.{stage}."), (name, value.__module__)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports, anywhere in it (a lazy import is a dependency too)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path.parent / "x")
    package = package.rpartition(".")[0] if path.name != "__init__.py" else package
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            # `from pkg import module` depends on the module; `from pkg import name` on pkg
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                     for a in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_anywhere() -> None:
    """No two modules of lookup/ or flows/ import each other, directly or around a loop
    (imports inside functions count: a lazy import is still a dependency)."""
    known = {_module_name(p) for p in MODULES}
    graph = {_module_name(p): _imports(p, known) - {_module_name(p)} for p in MODULES}
    assert _cycles(graph) == []


def test_the_cycle_check_can_fail() -> None:
    """The check finds a loop of three modules and leaves a chain alone."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


@pytest.mark.parametrize("group", sorted(COMMANDS))
def test_each_command_lives_in_the_module_of_its_group(group: str) -> None:
    """`lookup <command>`'s code is in flows/cli/<group>.py, as the package's table says."""
    from flows.cli import app

    where: dict[str, str] = {}
    for command in app.registered_commands:
        name = command.name or command.callback.__name__.replace("_", "-")
        where[name] = command.callback.__module__
    for sub in app.registered_groups:
        for command in sub.typer_instance.registered_commands:
            where[f"{sub.name} {command.name}"] = command.callback.__module__
    assert {c: where.get(c) for c in COMMANDS[group]} == {
        c: f"flows.cli.{group}" for c in COMMANDS[group]}
    table = ast.get_docstring(ast.parse((ROOT / "flows" / "cli" / "__init__.py").read_text()))
    row = next(line for line in table.splitlines() if line.startswith(f"| ``{group}``"))
    assert all(f"``{c.split()[-1]}" in row or f"``{c}``" in row or c.split()[0] in row
               for c in COMMANDS[group])


def test_the_library_never_imports_prefect_or_the_flows() -> None:
    """No module under lookup/ imports prefect or flows (flows compose the library, not the reverse)."""
    bad = []
    for path in (ROOT / "lookup").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad += [f"{path.relative_to(ROOT)}: {n}" for n in names
                    if n.split(".")[0] in ("prefect", "flows")]
    assert bad == []


def test_only_the_world_package_and_its_callers_import_the_world() -> None:
    """Inside lookup/, only lookup/world/ imports lookup.world: edges get it through settings."""
    bad = []
    for path in (ROOT / "lookup").rglob("*.py"):
        if path.is_relative_to(ROOT / "lookup" / "world"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lookup.world"):
                bad.append(str(path.relative_to(ROOT)))
    assert bad == []
