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
from lookup.errors import ForgottenError, StoreError
from lookup.intake.followup import followup_deadline, place_round
from lookup.models import Interview, ResearchResult, Verification
from lookup.settings import Settings, default_candidate
from lookup.slug import candidate_key
from lookup.store import PersonSummary, Store

__all__ = [
    "HISTORY_HEADING",
    "WORLD_INTO_REAL",
    "card_path_for",
    "own_candidate",
    "refresh_history",
    "signature",
    "write_briefing",
    "write_panel_index",
]


WORLD_INTO_REAL = (
    "The store at {url} holds real contacts, and a run in an offline world never writes "
    "into it: give world runs a data folder and database of their own (LOOKUP_DATA_DIR, "
    "LOOKUP_DATABASE_URL)."
)


def card_path_for(settings: Settings, slug: str, candidate: str | None = None) -> Path:
    """Where a candidate's briefing card on the person with this slug lives."""
    return settings.briefings_dir / (candidate or own_candidate(settings)) / f"{slug}.md"


def own_candidate(settings: Settings) -> str:
    """The candidate a run is for when its interview names none (``default_candidate``)."""
    return candidate_key(default_candidate(settings))


def signature(settings: Settings, candidate: str) -> str | None:
    """The name that signs a candidate's drafts: ``followup.sender_name`` for this machine's
    own candidate only; a worker researching for someone else leaves "[Your name]" rather
    than sign with its user's name."""
    if candidate != own_candidate(settings):
        return None
    return settings.followup.sender_name.strip() or None


def write_briefing(
    result: ResearchResult, *, settings: Settings, now: dt.datetime,
    started: dt.datetime | None = None,
) -> Path:
    """Save the run's rows and write its card (and its reminder file); return the card's path.

    The interview, its notes, recruiter and rounds, and the card are the candidate's
    (``result.interview.candidate``): another candidate's never reach this card. An
    interview already stored (same date and start) is updated, taking what this run
    leaves out (notes, times, recruiter) from the candidate's stored record; another
    date adds a round. Concurrent writers of one person (workers on several machines)
    take the store's lock for that person, so rows are never duplicated and a card is
    never interleaved. Under that lock, nothing is written when the person was forgotten
    after ``started`` (``ForgottenError``), nor when a world run meets a store of real
    contacts (``StoreError``).
    """
    whose = result.interview.candidate or own_candidate(settings)
    name = result.interview.name
    with Store.for_settings(settings) as store, store.writing(name):
        if started is not None and store.forgotten_since(name, whose, started):
            raise ForgottenError(f"{name} was forgotten while this run was researching them; "
                                 "it wrote nothing.")
        if settings.world_mode and store.holds_real_contacts():
            raise StoreError(WORLD_INTO_REAL.format(url=store.url))
        slug = store.slug_for(result.interview.name, result.interview.company)
        path = card_path_for(settings, slug, whose)
        before = store.find_person(slug, whose)
        interview, rounds = place_round(result.interview, store.interviews_for(slug, whose))
        result = replace(result, interview=replace(interview, candidate=whose))
        latest = rounds[-1]
        deadline = followup_deadline(latest)
        reminder = path.with_suffix(".ics") if deadline else None
        fresh = [c.verification for c in result.candidates if c.verification is not None]
        history = _merged_history(store.history_for_person(slug), fresh)
        sender = signature(settings, whose)
        text = render_card(
            result, history=history, templates_dir=settings.templates_dir, generated_at=now,
            sender_name=sender, rounds=rounds, reminder=reminder.name if reminder else None,
            shared_with=len(set(store.candidates()) - {whose}),
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
        store.save_research(result, card_path=str(path), now=now, candidate=whose,
                            world=settings.world_mode)
        write_card_atomic(path, text)
        if reminder is not None and calendar is not None:
            write_card_atomic(reminder, calendar)
        if before is not None and before.card_path and Path(before.card_path) != path:
            _remove_moved(Path(before.card_path), settings)  # from before candidates' folders
    return path


def _remove_moved(old: Path, settings: Settings) -> None:
    """Remove a card (and reminder) the person's rows pointed at before, if it is one of ours."""
    if not old.resolve().is_relative_to(settings.briefings_dir):
        return
    for stale in (old, old.with_suffix(".ics")):
        stale.unlink(missing_ok=True)


def write_panel_index(
    interview: Interview, members: Sequence[PanelMember], *, settings: Settings,
    now: dt.datetime,
) -> Path | None:
    """Write the panel's index card next to the panelists' cards; None when not a panel."""
    name = panel_index_name(interview)
    if name is None:
        return None
    whose = interview.candidate or own_candidate(settings)
    text = render_panel(interview, members, templates_dir=settings.templates_dir,
                        generated_at=now, sender_name=signature(settings, whose))
    path = settings.briefings_dir / whose / name
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
    """Rewrite the verification section of every candidate's card on a stored person; False
    when there is no card."""
    person = store.find_person(slug)
    if person is None:
        return False
    with store.writing(person.name):
        return any([_refresh(store, own, slug, settings) for own in store.cards_of(slug)])


def _refresh(store: Store, person: PersonSummary, slug: str, settings: Settings) -> bool:
    path = Path(person.card_path or card_path_for(settings, slug, person.candidate))
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
