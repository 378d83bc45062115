"""The panel's index card: one line per interviewer, linking their cards. Pure.

A calendar event with several interviewers yields one card per person (each
with a draft of its own) and this short index, written next to them as
``panel-<company>-<date>.md``, with one note to the recruiter for the panel.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lookup.card.draft import Phrasebook, compose_recruiter_note
from lookup.card.markdown import Safe, english_date
from lookup.intake.followup import followup_deadline
from lookup.models import Interview
from lookup.slug import slugify

__all__ = ["PanelMember", "card_link", "panel_context", "panel_index_name"]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,120}$")


@dataclass(frozen=True, slots=True)
class PanelMember:
    """One interviewer on the panel, as their research left them."""

    name: str
    slug: str | None  # None when their research did not finish
    title: str | None = None
    address: str | None = None
    status: str | None = None
    problem: str | None = None  # why there is no card, in words


def panel_index_name(interview: Interview) -> str | None:
    """The index card's file name for a panel interview, None when it was not a panel."""
    if len(interview.panel) < 2:
        return None
    day = interview.interview_date.isoformat() if interview.interview_date else "undated"
    return f"panel-{slugify(interview.company)[:60]}-{day}.md"


def card_link(slug: str | None) -> Safe:
    """A relative link target to a person's card next to the index ("" for an odd slug)."""
    return Safe(f"{slug}.md") if slug and _SLUG.match(slug) else Safe("")


def panel_context(
    interview: Interview,
    members: Sequence[PanelMember],
    *,
    book: Phrasebook,
    sender: str | None,
    generated_at: dt.datetime,
) -> dict[str, Any]:
    """What the panel index template shows."""
    deadline = followup_deadline(interview)
    note = compose_recruiter_note(interview, book=book, sender=sender)
    due = deadline.due_local if deadline else None
    return {
        "interview": interview,
        "members": list(members),
        "when": english_date(interview.interview_date) if interview.interview_date else None,
        "deadline": f"{english_date(due.date())}, {due:%H:%M} {deadline.zone}"
        if due and deadline else None,
        "card_link": card_link,
        "recruiter_note": note,
        "recruiter_mailto": Safe(note.mailto) if note else None,
        "generated_at": generated_at,
    }
