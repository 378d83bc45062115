"""The rows the store hands back: people as `lookup list` shows them, contacts due, forget reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from lookup.store._sql import (
    CANDIDATES,
    COMPANIES,
    PEOPLE,
    from_db,
    interview_rows,
    latest_verifications,
)

__all__ = ["DueContact", "ForgetReport", "PersonSummary", "summaries"]


@dataclass(frozen=True, slots=True)
class PersonSummary:
    """One stored interviewer, as `lookup list` shows them."""

    slug: str
    name: str
    company: str
    domain: str | None
    title: str | None
    role: str | None  # the role interviewed for
    address: str | None  # the chosen address, None when no usable one was found
    probability: float | None
    status: str | None  # latest verdict on the chosen address
    last_checked: dt.datetime | None
    interview_date: dt.date | None  # of the latest round
    card_path: str | None
    followup_due: dt.datetime | None = None  # the latest round's follow-up deadline (UTC)
    rounds: int = 0  # interviews recorded with this person (by this candidate)
    candidate: str | None = None  # whose interviews these are (None: nobody's yet)


@dataclass(frozen=True, slots=True)
class DueContact:
    """A stored address whose latest check is older than the re-verification interval."""

    slug: str
    address: str
    domain: str
    last_checked: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What `forget` deleted about one person (``found`` is False when nobody matched)."""

    found: bool
    slug: str | None = None
    name: str | None = None
    people: int = 0
    interviews: int = 0
    candidates: int = 0
    sources: int = 0
    verifications: int = 0
    card_path: str | None = None
    cards: tuple[str, ...] = ()  # every card the deleted interviews pointed at
    candidate: str | None = None  # whose interviews went (None: every candidate's)
    shared_kept: bool = False  # other candidates' interviews remain: the public part stays
    files: tuple[str, ...] = ()  # files removed while the person's lock was held


def summaries(conn: Connection, person_id: int | None,
              candidate: str | None = None) -> list[PersonSummary]:
    """People with their chosen address, latest check and latest interview, most recent first:
    one summary per person and candidate (only ``candidate``'s people when given)."""
    chosen = CANDIDATES.alias("chosen")
    query = (
        select(
            PEOPLE.c.id, PEOPLE.c.slug, PEOPLE.c.name, PEOPLE.c.title,
            COMPANIES.c.name.label("company"), COMPANIES.c.domain,
            chosen.c.address, chosen.c.probability, chosen.c.status,
        )
        .select_from(
            PEOPLE.join(COMPANIES, PEOPLE.c.company_id == COMPANIES.c.id)
            .outerjoin(chosen, (chosen.c.person_id == PEOPLE.c.id) & chosen.c.chosen)
        )
    )
    if person_id is not None:
        query = query.where(PEOPLE.c.id == person_id)
    rows = list(conn.execute(query))
    rounds = interview_rows(conn, [r.id for r in rows], candidate)
    latest = latest_verifications(conn, [r.address for r in rows if r.address])
    people = [
        (max((i.updated_at for i in own), default=None),
         summary_row(row, latest.get((row.address or "").lower()), own, whose))
        for row in rows
        for whose, own in _by_candidate(rounds.get(row.id, []), everyone=candidate is None)
    ]
    people.sort(key=lambda item: item[1].slug)
    people.sort(key=lambda item: item[0] or dt.datetime.min, reverse=True)
    return [person for _, person in people]


def _by_candidate(rounds: Sequence[Any], *, everyone: bool) -> list[tuple[str | None, list[Any]]]:
    """A person's rounds grouped by candidate (each group oldest first); a person nobody has
    interviewed yet counts once when every candidate is asked for."""
    groups: dict[str, list[Any]] = {}
    for row in rounds:
        groups.setdefault(row.candidate, []).append(row)
    if not groups:
        return [(None, [])] if everyone else []
    return sorted(groups.items())


def summary_row(row: Any, check: Any, rounds: Sequence[Any],
                candidate: str | None = None) -> PersonSummary:
    last = rounds[-1] if rounds else None
    return PersonSummary(
        slug=row.slug,
        name=row.name,
        company=row.company,
        domain=row.domain,
        title=row.title,
        role=last.role if last is not None else None,
        address=row.address,
        probability=row.probability,
        status=check.status if check is not None else row.status,
        last_checked=from_db(check.checked_at) if check is not None else None,
        interview_date=last.interview_date if last is not None else None,
        card_path=next((r.card_path for r in reversed(rounds) if r.card_path), None),
        followup_due=from_db(last.followup_due_at) if last is not None else None,
        rounds=len(rounds),
        candidate=candidate,
    )
