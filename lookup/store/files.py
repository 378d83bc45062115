"""Card files on disk, removed (with cached mentions) on request; ``lookup.atomic`` writes them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

__all__ = ["forget_files"]


def forget_files(data_dir: Path, slug: str, name: str) -> list[Path]:
    """Delete the person's card, reminder, panel index cards and every cached file naming them;
    return what was removed."""
    data_dir = Path(data_dir)
    removed: list[Path] = []
    needles = _name_needles(name)
    briefings = data_dir / "briefings"
    for own in (briefings / f"{slug}.md", briefings / f"{slug}.ics"):
        if own.is_file():
            own.unlink()
            removed.append(own)
    # A panel's index card names every panelist: it goes with any one of them.
    if briefings.is_dir() and needles:
        for index in sorted(briefings.glob("panel-*.md")):
            if _mentions(index, needles):
                index.unlink()
                removed.append(index)
    cache = data_dir / "cache"
    if cache.is_dir() and needles:
        for path in sorted(p for p in cache.rglob("*") if p.is_file()):
            if _mentions(path, needles):
                path.unlink()
                removed.append(path)
    return removed


def _name_needles(name: str) -> tuple[str, ...]:
    """The name as plain text and as JSON escapes it (caches are often JSON)."""
    plain = " ".join(name.split()).casefold()
    if not plain:
        return ()
    escaped = json.dumps(plain)[1:-1]
    return tuple(dict.fromkeys((plain, escaped)))


def _mentions(path: Path, needles: Sequence[str]) -> bool:
    try:
        text = path.read_bytes().decode("utf-8", errors="ignore")
    except OSError:
        return False
    folded = " ".join(text.split()).casefold()
    return any(needle in folded for needle in needles)
