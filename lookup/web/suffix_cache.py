"""The Public Suffix List parsed once per machine, not once per process (issue 31).

``lookup.web.suffixes`` parses the bundled list at first use: ~60 ms of every process that
looks up a domain. ``load`` hands it the lists parsed by an earlier process, kept where
Python keeps that module's bytecode and when it does (``__pycache__``, or under
``PYTHONPYCACHEPREFIX``; nothing with ``PYTHONDONTWRITEBYTECODE``), named by the list's
text and the parser's version: a new list or parser is parsed again. Unreadable or
foreign files are ignored. The research flow calls it as it loads (``flows/research.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import pickle
import sys
from pathlib import Path

from publicsuffixlist import PublicSuffixList

from lookup.atomic import write_atomic
from lookup.web import suffixes

__all__ = ["cache_file", "load"]

# Bump when suffixes.parse_lists changes what it builds: the kept lists are built again.
PARSER_VERSION = "1"


def cache_file(text: str) -> Path | None:
    """Where the lists parsed from ``text`` are kept; None when Python writes no bytecode."""
    if sys.dont_write_bytecode:
        return None
    key = hashlib.sha256(f"{PARSER_VERSION}\n{text}".encode()).hexdigest()[:20]
    pyc = Path(importlib.util.cache_from_source(suffixes.__file__))
    return pyc.with_name(f"suffixes.psl-{key}.pickle")


def load() -> bool:
    """Give ``suffixes`` its parsed lists: the kept ones, else parsed now and kept (where
    that can be written). True when the kept ones were used."""
    text = suffixes.list_text()
    path = cache_file(text)
    if path is not None:
        with contextlib.suppress(Exception):  # missing, unreadable, not ours: parse
            lists = pickle.loads(path.read_bytes())
            if _sound(lists):
                suffixes.adopt(lists)
                return True
    lists = suffixes.parse_lists(text)
    suffixes.adopt(lists)
    if path is not None:
        with contextlib.suppress(OSError):  # a read-only install parses each time
            write_atomic(path, pickle.dumps(lists, protocol=pickle.HIGHEST_PROTOCOL))
    return False


def _sound(lists: object) -> bool:
    return (isinstance(lists, tuple) and len(lists) == 2
            and all(isinstance(x, PublicSuffixList) for x in lists))

