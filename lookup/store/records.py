"""The rows the store hands back: people as `lookup list` shows them, contacts due, forget reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from lookup.store._sql import (
    CANDIDATES,
    COMPANIES,
    INTERVIEWS,
    PEOPLE,
    from_db,
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
    interview_date: dt.date | None
    card_path: str | None


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


def summaries(conn: Connection, person_id: int | None) -> list[PersonSummary]:
    chosen = CANDIDATES.alias("chosen")
    query = (
        select(
            PEOPLE.c.slug, PEOPLE.c.name, PEOPLE.c.title,
            COMPANIES.c.name.label("company"), COMPANIES.c.domain,
            chosen.c.address, chosen.c.probability, chosen.c.status,
            INTERVIEWS.c.role, INTERVIEWS.c.interview_date, INTERVIEWS.c.card_path,
            INTERVIEWS.c.updated_at,
        )
        .select_from(
            PEOPLE.join(COMPANIES, PEOPLE.c.company_id == COMPANIES.c.id)
            .outerjoin(INTERVIEWS, INTERVIEWS.c.person_id == PEOPLE.c.id)
            .outerjoin(chosen, (chosen.c.person_id == PEOPLE.c.id) & chosen.c.chosen)
        )
        .order_by(INTERVIEWS.c.updated_at.desc(), PEOPLE.c.slug)
    )
    if person_id is not None:
        query = query.where(PEOPLE.c.id == person_id)
    rows = list(conn.execute(query))
    latest = latest_verifications(conn, [r.address for r in rows if r.address])
    return [summary_row(row, latest.get((row.address or "").lower())) for row in rows]


def summary_row(row: Any, check: Any) -> PersonSummary:
    return PersonSummary(
        slug=row.slug,
        name=row.name,
        company=row.company,
        domain=row.domain,
        title=row.title,
        role=row.role,
        address=row.address,
        probability=row.probability,
        status=check.status if check is not None else row.status,
        last_checked=from_db(check.checked_at) if check is not None else None,
        interview_date=row.interview_date,
        card_path=row.card_path,
    )
