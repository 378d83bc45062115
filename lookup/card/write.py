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
from dataclasses import replace
from pathlib import Path

from lookup.atomic import write_atomic as write_card_atomic
from lookup.card.panel import PanelMember, panel_index_name
from lookup.card.reminder import reminder_ics
from lookup.card.render import pick_address, render_card, render_history, render_panel
from lookup.intake.followup import followup_deadline, place_round
from lookup.models import Interview, ResearchResult, Verification
from lookup.settings import Settings
from lookup.store import PersonSummary, Store

__all__ = [
    "HISTORY_HEADING",
    "card_path_for",
    "refresh_history",
    "write_briefing",
    "write_panel_index",
]


def card_path_for(settings: Settings, slug: str) -> Path:
    """Where the briefing card of a person with this slug lives."""
    return settings.briefings_dir / f"{slug}.md"


def write_briefing(result: ResearchResult, *, settings: Settings, now: dt.datetime) -> Path:
    """Save the run's rows and write its card (and its reminder file); return the card's path.

    An interview already stored (same date and start) is updated, taking what this run
    leaves out (notes, times, recruiter) from the stored record; another date adds a round.
    Concurrent writers of one person (workers on several machines) take the store's lock
    for that person, so rows are never duplicated and a card is never interleaved.
    """
    with Store.open(settings.database_url) as store, store.writing(result.interview.name):
        slug = store.slug_for(result.interview.name, result.interview.company)
        path = card_path_for(settings, slug)
        interview, rounds = place_round(result.interview, store.interviews_for(slug))
        result = replace(result, interview=interview)
        latest = rounds[-1]
        deadline = followup_deadline(latest)
        reminder = path.with_suffix(".ics") if deadline else None
        fresh = [c.verification for c in result.candidates if c.verification is not None]
        history = _merged_history(store.history_for_person(slug), fresh)
        sender = settings.followup.sender_name or None
        text = render_card(
            result, history=history, templates_dir=settings.templates_dir, generated_at=now,
            sender_name=sender, rounds=rounds, reminder=reminder.name if reminder else None,
        )
        calendar = None
        if deadline is not None:
            chosen = pick_address(result.candidates)
            calendar = reminder_ics(
                replace(latest, tone=interview.tone), deadline, slug=slug,
                address=chosen.address if chosen else None, card_name=path.name,
                generated_at=now,
                lead=dt.timedelta(hours=max(settings.followup.remind_hours_before, 0.0)),
            )
        store.save_research(result, card_path=str(path), now=now)
        write_card_atomic(path, text)
        if reminder is not None and calendar is not None:
            write_card_atomic(reminder, calendar)
    return path


def write_panel_index(
    interview: Interview, members: Sequence[PanelMember], *, settings: Settings,
    now: dt.datetime,
) -> Path | None:
    """Write the panel's index card next to the panelists' cards; None when not a panel."""
    name = panel_index_name(interview)
    if name is None:
        return None
    text = render_panel(interview, members, templates_dir=settings.templates_dir,
                        generated_at=now, sender_name=settings.followup.sender_name or None)
    path = settings.briefings_dir / name
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
