"""The library's public API: a small, sorted, pinned list of names that all resolve."""

from __future__ import annotations

import importlib
import subprocess
import sys

import lookup

PINNED = [
    "Candidate", "Evidence", "Interview", "LookupToolError", "ResearchResult", "Settings",
    "Verification", "Verifier", "__version__", "extract", "load_settings", "make_interview",
    "parse_name", "predict", "render_card", "run_pipeline", "serve_world",
]


def test_all_is_sorted_and_pinned() -> None:
    """`lookup.__all__` is exactly the pinned list, sorted; a change here is a deliberate API change."""
    assert lookup.__all__ == sorted(lookup.__all__) == sorted(PINNED)


def test_every_public_name_resolves() -> None:
    """Each exported name imports and is the very object its home module defines."""
    for name in (n for n in lookup.__all__ if n != "__version__"):
        value = getattr(lookup, name)
        home = importlib.import_module(value.__module__)
        assert getattr(home, name) is value and value.__module__.startswith("lookup."), name


def test_importing_settings_does_not_import_the_heavy_modules() -> None:
    """`import lookup.settings` (the CLI's first import) loads neither Prefect nor httpx."""
    code = "import sys, lookup.settings; print(sorted(m for m in ('prefect', 'httpx', 'selectolax') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
