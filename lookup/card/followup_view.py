"""What the card shows about the follow-up: rounds, deadline, drafts and their links. Pure.

``followup_context`` adds these to the template context that ``render`` builds;
the values are still untrusted text (the template escapes them), except the
``mailto:`` links, which ``draft.mailto`` percent-encodes completely.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lookup.card.draft import Phrasebook, compose_draft, compose_recruiter_note
from lookup.card.markdown import Safe, clean_text, english_date
from lookup.card.notes import note_items
from lookup.card.panel import panel_index_name
from lookup.intake.followup import followup_deadline, round_key
from lookup.models import Interview, ResearchResult

__all__ = ["followup_context"]

_ASSUMED = {
    "length": "no end time was given, so the interview is taken to have lasted an hour",
    "day end": "no time was given, so the interview is taken to have ended by 17:00",
}


def _clock(value: dt.datetime | None) -> str:
    return "" if value is None else f"{value:%H:%M}"


def _when(interview: Interview) -> str:
    """ "Monday 2 March 2026, 14:00–14:45 (Europe/Lisbon)" or just the date."""
    if interview.interview_date is None:
        return "date not given"
    text = english_date(interview.interview_date)
    start, end = _clock(interview.starts_at), _clock(interview.ends_at)
    if start:
        text += f", {start}" + (f"–{end}" if end else "") + f" {interview.timezone or 'UTC'}"
    return text


def _round_view(number: int, interview: Interview) -> dict[str, Any]:
    notes = note_items(interview.notes)
    return {
        "number": number,
        "when": _when(interview),
        "role": interview.role,
        "recruiter": interview.recruiter,
        "others": [p for p in interview.panel if p != interview.name],
        "notes": notes[0] if notes else None,
        "more_notes": max(len(notes) - 1, 0),
    }


def _timing(interview: Interview, generated_at: dt.datetime, reminder: str | None
            ) -> dict[str, Any]:
    deadline = followup_deadline(interview)
    if deadline is None:
        return {"deadline": None, "late": False, "assumed": None, "reminder": None}
    local = deadline.due_local
    return {
        "deadline": Safe(f"{english_date(local.date())}, {local:%H:%M} {deadline.zone}"),
        "late": generated_at > deadline.due,
        "assumed": _ASSUMED.get(deadline.assumed),
        "reminder": reminder,
    }


def followup_context(
    result: ResearchResult,
    *,
    rounds: Sequence[Interview],
    address: str | None,
    book: Phrasebook,
    sender: str | None,
    generated_at: dt.datetime,
    reminder: str | None,
) -> dict[str, Any]:
    """The follow-up's part of the card's template context."""
    ordered = sorted(rounds, key=round_key) if rounds else [result.interview]
    now = result.interview  # tone, language and honorific are this run's choices
    latest = replace(ordered[-1], tone=now.tone, language=now.language, honorific=now.honorific)
    draft = compose_draft(latest, profile=result.profile, address=address, book=book,
                          sender=sender, round_number=len(ordered))
    note = compose_recruiter_note(latest, book=book, sender=sender)
    return {
        "latest": latest,
        "rounds": [_round_view(i + 1, r) for i, r in enumerate(ordered)],
        "draft": draft,
        "subject": draft.subject,
        "body": list(draft.body),
        "mailto": Safe(draft.mailto),
        "recruiter_note": note,
        "recruiter_mailto": Safe(note.mailto) if note else None,
        "recruiter_name": clean_text(latest.recruiter) or None,
        "timing": _timing(latest, generated_at, reminder),
        "language": book.get("name") or book.language,
        "panel_index": panel_index_name(latest),
    }
