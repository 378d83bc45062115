"""A small JSON file of answers kept for the user's day, one entry per route.

Two answers live in such files: whether port 25 is blocked (``portcheck``,
``smtp-reach.json``) and whether this machine's IP is on a DNS blocklist
(``blocklists``, ``smtp-blocklists.json``). Workers may share the data folder, so
each write replaces the whole file at once (``lookup.atomic``). A file that cannot
be read counts as empty; one that cannot be written costs a re-check, nothing more.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

from lookup.atomic import locked, write_atomic

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
    """Replace one entry of the file (creating it), leaving the others as they are: under the
    file's lock, so two workers writing at once each keep the other's entry."""
    if path is None:
        return
    try:
        with locked(path.with_name(path.name + ".lock")):
            data = read_entries(path)
            data[key] = entry
            # readers, who take no lock, see the whole old file or the whole new one
            write_atomic(path, json.dumps(data, indent=2, sort_keys=True))
    except OSError as exc:  # a read-only data folder costs a re-check, nothing more
        log.warning("Could not remember today's answer in %s: %s", path, exc)
