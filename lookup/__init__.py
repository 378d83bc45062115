"""interviewer-lookup: research an interviewer, infer and verify their work address.

The library's public API, importable from ``lookup`` directly::

    from lookup import predict, parse_name, extract, Verifier, load_settings

Names are resolved lazily (PEP 562), so ``import lookup.settings`` stays cheap
for the command line; submodules remain importable as before.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Candidate": "lookup.models",
    "Evidence": "lookup.models",
    "Interview": "lookup.models",
    "LookupToolError": "lookup.errors",
    "ResearchResult": "lookup.models",
    "Settings": "lookup.settings",
    "Verification": "lookup.models",
    "Verifier": "lookup.verify",
    "extract": "lookup.extract",
    "load_settings": "lookup.settings",
    "make_interview": "lookup.interview",
    "parse_name": "lookup.names",
    "predict": "lookup.patterns",
    "render_card": "lookup.render",
    "run_pipeline": "lookup.research",
    "serve_world": "lookup.world",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lookup' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
