"""The functional core imports nothing that does I/O, reads the clock or draws randomness."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The pure core, by stage (``lookup/<stage>/<module>.py``; top-level modules under "").
CORE = {
    "address": ["names", "formats", "inference", "observations", "patterns", "evidence",
                "namematch"],
    "web": ["extract", "_markup", "_people", "_words", "_addresses", "profile", "_ties", "_work",
            "company", "plan", "queries", "robots", "_http", "documents", "vcard", "pdf",
            "textdoc", "sitemap", "walls", "identity", "history", "suffixes"],
    "mail": ["rules", "syntax", "scoring", "changes", "probeplan", "verdicts"],
    "card": ["render", "markdown", "notes", "draft", "followup_view", "panel", "reminder",
             "terminal"],
    "research": ["analysis"],
    "intake": ["interview", "followup", "ics", "request", "sheet", "policy"],
    "": ["text"],
}
CORE_FILES = [ROOT / "lookup" / stage / f"{m}.py" for stage, modules in CORE.items()
              for m in modules]
# Shared records and errors are pure by construction; the walk does not need to enter them.
ALLOWED_INTERNAL = {"lookup.models", "lookup.errors"}

FORBIDDEN_MODULES = {
    "socket", "ssl", "http", "httpx", "requests", "urllib.request", "urllib3", "dns", "smtplib",
    "asyncio", "subprocess", "sqlalchemy", "prefect", "random", "secrets", "time", "shutil",
    "tempfile", "ddgs", "aiosmtpd", "multiprocessing", "threading", "sqlite3", "selectors",
    # the orchestration layer and the offline world reach the core only as injected clients
    "flows", "lookup.world",
}
FORBIDDEN_CALLS = {
    "os.environ", "os.getenv", "os.system", "os.popen", "time.sleep", "time.time",
    "datetime.now", "datetime.today", "date.today", "datetime.utcnow", "open", "input",
    "Path.read_text", "Path.open", "random.random", "uuid.uuid4", "uuid.uuid1",
}


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = ("lookup." if node.level else "") + (node.module or "")
            module = module.rstrip(".")
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _uses(tree: ast.AST) -> set[str]:
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name):
            used.add(_dotted(node))
    return used


def _internal_file(module: str) -> Path | None:
    """The file of a ``lookup.*`` module, or None for third-party and stdlib modules."""
    if not module.startswith("lookup.") or module in ALLOWED_INTERNAL:
        return None
    rel = Path(*module.split("."))
    for candidate in (ROOT / rel.with_suffix(".py"), ROOT / rel / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _walk(path: Path) -> dict[Path, ast.AST]:
    """The module at ``path`` and every ``lookup`` module it imports, transitively."""
    seen: dict[Path, ast.AST] = {}
    todo = [path]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen[current] = tree = ast.parse(current.read_text("utf-8"))
        todo += [f for name in _imports(tree) if (f := _internal_file(name))]
        # importing lookup.web.extract runs lookup/web/__init__.py first: walk it too
        todo += [d / "__init__.py" for d in current.parents
                 if d.is_relative_to(ROOT / "lookup") and (d / "__init__.py").is_file()]
    return seen


def _forbidden_import(name: str) -> bool:
    return any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_MODULES)


def _forbidden_use(name: str) -> bool:
    return any(name == bad or name.endswith("." + bad) for bad in FORBIDDEN_CALLS)


def test_core_modules_exist():
    """Every module the purity walk is told about exists (a rename cannot drop one silently)."""
    assert [p for p in CORE_FILES if not p.is_file()] == []


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT / "lookup")))
def test_core_module_imports_no_io(path):
    """A core module, and the lookup modules it imports, import no I/O, clock or randomness."""
    bad = {f"{p.stem}: {n}" for p, tree in _walk(path).items()
           for n in _imports(tree) if _forbidden_import(n)}
    assert sorted(bad) == []


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT / "lookup")))
def test_core_module_calls_no_io(path):
    """A core module, and the lookup modules it imports, read no environment, files or clock."""
    bad = {f"{p.stem}: {n}" for p, tree in _walk(path).items()
           for n in _uses(tree) if _forbidden_use(n)}
    assert sorted(bad) == []


def test_the_walk_follows_lookup_imports():
    """The walk enters the lookup modules a core module imports."""
    assert {p.stem for p in _walk(ROOT / "lookup" / "address" / "patterns.py")} >= {
        "patterns", "names", "formats", "inference"}


@pytest.mark.parametrize("bad", ["import socket", "from urllib.request import urlopen",
                                 "import dns.resolver", "from prefect import flow",
                                 "from flows.runtime import world_settings",
                                 "from lookup.world import serve_world"])
def test_the_import_check_can_fail(bad):
    """The import check flags a module that does I/O."""
    assert any(_forbidden_import(n) for n in _imports(ast.parse(bad)))


@pytest.mark.parametrize("bad", ["import os\nx = os.environ['X']", "import time\ntime.sleep(1)",
                                 "open('f')", "import datetime\ndatetime.datetime.now()"])
def test_the_call_check_can_fail(bad):
    """The call check flags environment, sleeping, files and the clock."""
    assert any(_forbidden_use(n) for n in _uses(ast.parse(bad)))
