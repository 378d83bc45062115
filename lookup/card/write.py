"""Storing a research result and writing its briefing card (the render + store edge).

Order matters for crash safety: the card is rendered first (nothing written),
then the rows are saved in one transaction, then the card replaces the old
one atomically. A crash before the commit leaves the old rows and card; a
crash between commit and rename leaves the new rows and the old card, which
the next run (or ``lookup reverify``) rewrites.

Concurrency: all of it happens under the person's writing lock
(``Store.writing``), so two runs for one person on two workers write one after
the other: the card on disk always belongs to the rows in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from lookup.card.render import render_card, render_history
from lookup.models import ResearchResult, Verification
from lookup.settings import Settings
from lookup.store import PersonSummary, Store, write_card_atomic

__all__ = ["HISTORY_HEADING", "card_path_for", "refresh_history", "write_briefing"]


def card_path_for(settings: Settings, slug: str) -> Path:
    """Where the briefing card of a person with this slug lives."""
    return settings.briefings_dir / f"{slug}.md"


def write_briefing(result: ResearchResult, *, settings: Settings, now: dt.datetime) -> Path:
    """Save the run's rows and write its card; return the card's path."""
    with Store.open(settings.database_url) as store, store.writing(result.interview.name):
        slug = store.slug_for(result.interview.name, result.interview.company)
        path = card_path_for(settings, slug)
        fresh = [c.verification for c in result.candidates if c.verification is not None]
        history = _merged_history(store.history_for_person(slug), fresh)
        text = render_card(
            result, history=history, templates_dir=settings.templates_dir, generated_at=now
        )
        store.save_research(result, card_path=str(path), now=now)
        write_card_atomic(path, text)
    return path


def _merged_history(
    stored: Sequence[Verification], fresh: Sequence[Verification]
) -> list[Verification]:
    """Stored history plus this run's checks, newest first, without duplicates."""
    seen: set[tuple[str, str]] = set()
    merged: list[Verification] = []
    for v in [*fresh, *stored]:
        key = (v.address, v.checked_at.isoformat())
        if key not in seen:
            seen.add(key)
            merged.append(v)
    return sorted(merged, key=lambda v: v.checked_at, reverse=True)


HISTORY_HEADING = "## Verification history"


def refresh_history(store: Store, slug: str, *, settings: Settings) -> bool:
    """Rewrite the verification section of a stored person's card; False when there is no card."""
    person = store.find_person(slug)
    if person is None:
        return False
    with store.writing(person.name):
        return _refresh(store, person, slug, settings)


def _refresh(store: Store, person: PersonSummary, slug: str, settings: Settings) -> bool:
    path = Path(person.card_path or card_path_for(settings, slug))
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    history = _merged_history(store.history_for_person(slug), [])
    section = render_history(history, templates_dir=settings.templates_dir)
    head, found, _ = text.partition(HISTORY_HEADING)
    updated = (head if found else text.rstrip() + "\n\n") + section
    if updated != text:
        write_card_atomic(path, updated)
    return True
