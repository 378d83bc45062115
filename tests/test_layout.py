"""The tree tells the pipeline: stage packages that say what they do, and no oversized module."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = ["address", "web", "mail", "store", "card", "research", "intake", "network"]
MAX_LINES = 400  # STYLE.md: a module over ~400 lines probably holds two ideas
MODULES = sorted(p for d in ("lookup", "flows") for p in (ROOT / d).rglob("*.py"))


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


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_the_size_habit(path: Path) -> None:
    """No module in lookup/ or flows/ is longer than 400 lines."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


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
