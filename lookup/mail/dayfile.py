"""A small JSON file of answers kept for the user's day (one entry per route), written atomically.

Workers may share the data folder: each write goes to a name no other writer has, then
replaces the file in one rename. A file that cannot be read counts as empty; one that
cannot be written costs a re-check, nothing more. (``reach``'s port-25 file predates
this module and keeps its own copy of these few lines.)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["day_of", "read_entries", "write_entry"]

log = logging.getLogger(__name__)


def day_of(epoch: float) -> str:
    """The local calendar day of an instant: "for the day" means the user's day."""
    return dt.datetime.fromtimestamp(epoch).date().isoformat()


def read_entries(path: Path | None) -> dict[str, Any]:
    """Every entry of the file, or {} when there is no readable file."""
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_entry(path: Path | None, key: str, entry: dict[str, Any]) -> None:
    """Replace one entry of the file (creating it), leaving the others as they are."""
    if path is None:
        return
    data = read_entries(path)
    data[key] = entry
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=path.parent, suffix=".tmp", prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(data, indent=2, sort_keys=True))
            os.replace(partial, path)
        finally:
            Path(partial).unlink(missing_ok=True)
    except OSError as exc:
        log.warning("Could not write %s: %s", path, exc)
