"""Card files on disk, removed (with cached mentions) on request; ``lookup.atomic`` writes them.

Cards live under ``briefings/<candidate>/``; cards written before candidates existed lie in
``briefings/`` itself until their person is researched again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

__all__ = ["forget_files"]


def forget_files(
    data_dir: Path, slug: str, name: str, *, candidate: str | None = None,
    cards: Sequence[str] = (), shared: bool = True,
) -> list[Path]:
    """Delete the person's cards, reminders and panel index cards (``candidate``'s, or every
    candidate's when None; ``cards`` are the paths the deleted interviews recorded), and with
    ``shared`` every cached file naming them; return what was removed."""
    data_dir = Path(data_dir)
    removed: list[Path] = []
    needles = _name_needles(name)
    briefings = data_dir / "briefings"
    folders = [briefings / candidate] if candidate else [briefings, *_subfolders(briefings)]
    recorded = [Path(c) for c in cards if Path(c).resolve().is_relative_to(briefings.resolve())]
    own = recorded + [f / f"{slug}.md" for f in folders]
    for card in dict.fromkeys(p for c in own for p in (c, c.with_suffix(".ics"))):
        if card.is_file():
            card.unlink()
            removed.append(card)
    # A panel's index card names every panelist: it goes with any one of them.
    for folder in folders if needles else []:
        for index in sorted(folder.glob("panel-*.md")):
            if _mentions(index, needles):
                index.unlink()
                removed.append(index)
    cache = data_dir / "cache"
    if shared and cache.is_dir() and needles:
        for path in sorted(p for p in cache.rglob("*") if p.is_file()):
            if _mentions(path, needles):
                path.unlink()
                removed.append(path)
    return removed


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


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
