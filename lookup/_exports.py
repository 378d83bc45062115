"""Lazy re-exports for package facades (PEP 562).

A package names its public objects and the private module each lives in;
the module is imported on first use, so importing one pure module of a stage
never drags in the stage's I/O edges (``lookup.web.extract`` stays free of
httpx, ``lookup.mail.rules`` of dnspython).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str], *extra: str
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package``, resolving names lazily.

    ``exports`` maps a public name to the module (relative to ``package``, or
    absolute when it starts with ``lookup``) that defines it.
    """
    public = sorted([*exports, *extra])
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        home = module if module.startswith("lookup") else f"{package}.{module}"
        value = getattr(importlib.import_module(home), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return public

    return public, __getattr__, __dir__
