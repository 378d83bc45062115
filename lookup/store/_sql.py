"""The SQL behind ``Store``: one function per query or write, inside the caller's transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zoneinfo
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from lookup.card.render import pick_address
from lookup.intake.followup import find_round, followup_deadline
from lookup.models import Interview, ResearchResult, SmtpStep, Verification
from lookup.slug import name_key, slugify
from lookup.store.locks import address_xact_lock
from lookup.store.migrations import TABLES

COMPANIES = TABLES.tables["companies"]
PEOPLE = TABLES.tables["people"]
INTERVIEWS = TABLES.tables["interviews"]
CANDIDATES = TABLES.tables["candidate_addresses"]
VERIFICATIONS = TABLES.tables["verifications"]
SOURCES = TABLES.tables["sources"]
FORGOTTEN = TABLES.tables["forgotten"]


def to_db(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def from_db(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.replace(tzinfo=dt.UTC)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def verification_row(v: Verification) -> dict[str, Any]:
    smtp = None if v.smtp is None else [dataclasses.asdict(step) for step in v.smtp]
    return {
        "address": v.address,
        "status": v.status,
        "reasons_json": dumps(list(v.reasons)),
        "mx_json": dumps(list(v.mx)),
        "provider": v.provider,
        "smtp_json": None if smtp is None else dumps(smtp),
        "flags_json": dumps(list(v.flags)),
        "checked_at": to_db(v.checked_at),
        "retry_after": to_db(v.retry_after),
    }


def verification_from(row: Any) -> Verification:
    smtp = None if row.smtp_json is None else tuple(
        SmtpStep(**step) for step in json.loads(row.smtp_json)
    )
    return Verification(
        address=row.address,
        status=row.status,
        reasons=tuple(json.loads(row.reasons_json)),
        checked_at=from_db(row.checked_at),
        mx=tuple(json.loads(row.mx_json)),
        provider=row.provider,
        smtp=smtp,
        flags=tuple(json.loads(row.flags_json)),
        retry_after=from_db(row.retry_after),
    )


def delete_rows(conn: Connection, table: Any, where: Any) -> int:
    return conn.execute(delete(table).where(where)).rowcount or 0


def slug_taken(conn: Connection, slug: str) -> bool:
    return conn.execute(select(PEOPLE.c.id).where(PEOPLE.c.slug == slug)).first() is not None


def choose_slug(conn: Connection, name: str, company: str) -> str:
    existing = conn.execute(
        select(PEOPLE.c.slug)
        .select_from(PEOPLE.join(COMPANIES, PEOPLE.c.company_id == COMPANIES.c.id))
        .where(PEOPLE.c.name_key == name_key(name))
        .where(COMPANIES.c.name_key == name_key(company))
    ).scalar()
    if existing:
        return existing
    # A namesake at another company keeps "jane-doe"; this one becomes "jane-doe-acme".
    base = slugify(name)
    for candidate in (base, f"{base}-{slugify(company)}"):
        if not slug_taken(conn, candidate):
            return candidate
    number = 2
    while slug_taken(conn, f"{base}-{number}"):
        number += 1
    return f"{base}-{number}"


def insert_unless_present(conn: Connection, table: Any, values: dict[str, Any], keys: list[str]) -> None:
    """INSERT that does nothing when a row with the same unique ``keys`` exists (or is being
    inserted by a concurrent transaction, which it waits for): PostgreSQL's and SQLite's
    ``ON CONFLICT DO NOTHING``, so two workers meeting a new company never collide."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        exists = select(table.c.id).where(*(table.c[k] == values[k] for k in keys))
        if conn.execute(exists).first() is None:
            conn.execute(insert(table).values(**values))
        return
    conn.execute(dialect_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys))


def upsert_company(conn: Connection, name: str, domain: str | None) -> int:
    key = name_key(name)
    insert_unless_present(conn, COMPANIES, {"name": name.strip(), "name_key": key, "domain": domain},
                          ["name_key"])
    row = conn.execute(select(COMPANIES).where(COMPANIES.c.name_key == key)).one()
    if domain and domain != row.domain:
        conn.execute(update(COMPANIES).where(COMPANIES.c.id == row.id).values(domain=domain))
    return row.id


def profile_json(result: ResearchResult) -> str | None:
    return None if result.profile is None else dumps(dataclasses.asdict(result.profile))


def upsert_person(conn: Connection, result: ResearchResult, company_id: int, *,
                  world: bool = False) -> int:
    interview = result.interview
    values = {
        "name": interview.name.strip(),
        "name_key": name_key(interview.name),
        "title": result.profile.title if result.profile else None,
        "company_id": company_id,
        "profile_json": profile_json(result),
        "world": world,
    }
    existing = conn.execute(
        select(PEOPLE.c.id)
        .where(PEOPLE.c.name_key == values["name_key"])
        .where(PEOPLE.c.company_id == company_id)
    ).scalar()
    if existing is not None:
        conn.execute(update(PEOPLE).where(PEOPLE.c.id == existing).values(**values))
        return existing
    slug = choose_slug(conn, interview.name, interview.company)
    return conn.execute(insert(PEOPLE).values(slug=slug, **values)).inserted_primary_key[0]


def interview_rows(conn: Connection, person_ids: Iterable[int],
                   candidate: str | None = None) -> dict[int, list[Any]]:
    """Every interview row of these people (of one candidate, or of all when None), oldest
    round first (by date, start, id)."""
    wanted = sorted(set(person_ids))
    found: dict[int, list[Any]] = {}
    for start in range(0, len(wanted), 500):
        query = select(INTERVIEWS).where(INTERVIEWS.c.person_id.in_(wanted[start:start + 500]))
        if candidate is not None:
            query = query.where(INTERVIEWS.c.candidate == candidate)
        for row in conn.execute(query):
            found.setdefault(row.person_id, []).append(row)
    for rows in found.values():
        rows.sort(key=lambda r: (r.interview_date or dt.date.min,
                                 r.starts_at or dt.datetime.min, r.id))
    return found


def _zone(name: str | None) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name) if name else dt.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def interview_from(row: Any, name: str, company: str) -> Interview:
    """An interview row as the record the pipeline uses (times back in the user's zone)."""
    tz = _zone(row.time_zone)

    def local(value: dt.datetime | None) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC).astimezone(tz)

    return Interview(
        name=name,
        company=company,
        role=row.role,
        interview_date=row.interview_date,
        recruiter=row.recruiter,
        notes=row.notes,
        recruiter_email=row.recruiter_email,
        starts_at=local(row.starts_at),
        ends_at=local(row.ends_at),
        timezone=row.time_zone,
        panel=tuple(json.loads(row.panel_json)) if row.panel_json else (),
    )


def upsert_interview(
    conn: Connection,
    result: ResearchResult,
    person_id: int,
    company_id: int,
    card_path: str | None,
    now: dt.datetime,
    candidate: str,
) -> None:
    """Update the candidate's stored record of this interview, or add it as a new round."""
    interview = result.interview
    deadline = followup_deadline(interview)
    values = {
        "company_id": company_id,
        "role": interview.role,
        "interview_date": interview.interview_date,
        "recruiter": interview.recruiter,
        "notes": interview.notes,
        "updated_at": now,
        "card_path": card_path,
        "starts_at": to_db(interview.starts_at),
        "ends_at": to_db(interview.ends_at),
        "time_zone": interview.timezone,
        "recruiter_email": interview.recruiter_email,
        "panel_json": dumps(list(interview.panel)) if interview.panel else None,
        "followup_due_at": to_db(deadline.due) if deadline else None,
    }
    rows = interview_rows(conn, [person_id], candidate).get(person_id, [])
    stored = [interview_from(r, interview.name, interview.company) for r in rows]
    index = find_round(interview, stored)
    if index is None:
        conn.execute(insert(INTERVIEWS).values(person_id=person_id, created_at=now,
                                               candidate=candidate, **values))
    else:
        conn.execute(update(INTERVIEWS).where(INTERVIEWS.c.id == rows[index].id).values(**values))
    # One card per person and candidate: every round of theirs points at it.
    conn.execute(update(INTERVIEWS).where(INTERVIEWS.c.person_id == person_id)
                 .where(INTERVIEWS.c.candidate == candidate).values(card_path=card_path))


def replace_candidates(conn: Connection, result: ResearchResult, person_id: int) -> None:
    conn.execute(delete(CANDIDATES).where(CANDIDATES.c.person_id == person_id))
    chosen = pick_address(result.candidates)
    rows = [
        {
            "person_id": person_id,
            "address": c.address,
            "probability": c.probability,
            "inference_probability": c.inference_probability,
            "format": c.format,
            "status": c.status,
            "reasons_json": dumps(list(c.reasons)),
            "chosen": c is chosen,
            "published_source": c.published.url if c.published else None,
        }
        for c in result.candidates
    ]
    if rows:
        conn.execute(insert(CANDIDATES), rows)


def replace_sources(conn: Connection, result: ResearchResult, person_id: int) -> None:
    conn.execute(delete(SOURCES).where(SOURCES.c.person_id == person_id))
    seen: set[str] = set()
    rows = []
    for source in result.sources:
        if source.url in seen:
            continue
        seen.add(source.url)
        rows.append({"person_id": person_id, "url": source.url, "title": source.title,
                     "snippet": source.snippet, "kind": source.kind})
    if rows:
        conn.execute(insert(SOURCES), rows)


def append_verification(conn: Connection, v: Verification) -> None:
    row = verification_row(v)
    address_xact_lock(conn, v.address)  # two workers recording one verdict keep one row
    duplicate = conn.execute(
        select(VERIFICATIONS.c.id)
        .where(VERIFICATIONS.c.address == row["address"])
        .where(VERIFICATIONS.c.checked_at == row["checked_at"])
        .where(VERIFICATIONS.c.status == row["status"])
    ).first()
    if duplicate is None:
        conn.execute(insert(VERIFICATIONS).values(**row))


def find_person_id(conn: Connection, name_or_slug: str, candidate: str | None = None) -> int | None:
    """The person with this slug or name; with ``candidate``, only one they interviewed."""
    text = name_or_slug.strip()
    recent = select(PEOPLE.c.id).select_from(
        PEOPLE.outerjoin(INTERVIEWS, INTERVIEWS.c.person_id == PEOPLE.c.id)
    ).order_by(INTERVIEWS.c.updated_at.desc(), PEOPLE.c.id.desc())
    if candidate is not None:
        recent = recent.where(INTERVIEWS.c.candidate == candidate)
    for where in (
        PEOPLE.c.slug == text,
        PEOPLE.c.name_key == name_key(text),
        PEOPLE.c.slug == slugify(text),
    ):
        found = conn.execute(recent.where(where)).scalar()
        if found is not None:
            return found
    return None


def addresses_of(conn: Connection, slug: str) -> list[str]:
    query = (
        select(func.lower(CANDIDATES.c.address))
        .select_from(CANDIDATES.join(PEOPLE, CANDIDATES.c.person_id == PEOPLE.c.id))
        .where(PEOPLE.c.slug == slug)
    )
    return list(dict.fromkeys(conn.execute(query).scalars()))


def latest_verifications(conn: Connection, addresses: Iterable[str]) -> dict[str, Any]:
    """The most recent history row per address (keys lower-cased)."""
    wanted = sorted({a.lower() for a in addresses})
    latest: dict[str, Any] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        query = (
            select(VERIFICATIONS)
            .where(func.lower(VERIFICATIONS.c.address).in_(chunk))
            .order_by(VERIFICATIONS.c.checked_at, VERIFICATIONS.c.id)
        )
        for row in conn.execute(query):
            latest[row.address.lower()] = row
    return latest


def tracked_addresses(conn: Connection) -> list[tuple[str, str]]:
    """(slug, address) of each person's chosen address, else their top candidate."""
    query = (
        select(PEOPLE.c.slug, CANDIDATES.c.address, CANDIDATES.c.chosen)
        .select_from(PEOPLE.join(CANDIDATES, CANDIDATES.c.person_id == PEOPLE.c.id))
        .order_by(PEOPLE.c.slug, CANDIDATES.c.chosen.desc(), CANDIDATES.c.id)
    )
    picked: dict[str, str] = {}
    for row in conn.execute(query):
        picked.setdefault(row.slug, row.address)
    return list(picked.items())
