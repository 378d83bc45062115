"""The database of interviews, people, candidate addresses, sources and check history.

SQLAlchemy Core over any URL (SQLite by default, PostgreSQL for teams).
``Store.open(url)`` creates or migrates the schema; ``save_research`` writes a
research run in one transaction (running the same interview twice updates the
person's rows, never duplicates them); verifications are history and only
ever appended. SQLAlchemy errors become ``StoreError`` at this boundary.

Times are stored in UTC: aware datetimes are converted, naive ones are taken
as UTC, and every datetime read back is aware (UTC).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, false, func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)

from lookup.errors import StoreError
from lookup.intake.followup import find_round
from lookup.models import Interview, ResearchResult, Verification
from lookup.slug import name_key, slugify
from lookup.store._sql import (
    CANDIDATES,
    COMPANIES,
    FORGOTTEN,
    INTERVIEWS,
    PEOPLE,
    SOURCES,
    VERIFICATIONS,
    addresses_of,
    append_verification,
    choose_slug,
    delete_rows,
    find_person_id,
    from_db,
    interview_from,
    interview_rows,
    latest_verifications,
    replace_candidates,
    replace_sources,
    to_db,
    tracked_addresses,
    upsert_company,
    upsert_interview,
    upsert_person,
    verification_from,
)
from lookup.store.engine import make_engine, redacted, translating
from lookup.store.locks import one_machine, person_lock
from lookup.store.migrations import DEFAULT_CANDIDATE, migrate
from lookup.store.records import DueContact, ForgetReport, PersonSummary, summaries

__all__ = ["Store"]

log = logging.getLogger(__name__)

# A tombstone stops runs that began before it; none runs this long, so older ones go.
TOMBSTONE_KEPT = dt.timedelta(days=2)


class Store:
    """Interviews, people, candidates, sources and verification history in one database."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self.url = redacted(url)
        self._thread_lock = threading.RLock()

    @classmethod
    def open(cls, url: str, *, now: dt.datetime | None = None,
             owner: str = DEFAULT_CANDIDATE) -> Store:
        """Connect to ``url`` and migrate its schema to the latest version (interviews stored
        before candidates existed go to ``owner``)."""
        try:
            engine = make_engine(url)
        except (ArgumentError, ValueError) as exc:  # its text may quote the URL: not said
            raise StoreError(
                f"The database URL {redacted(url)!r} is not a valid SQLAlchemy URL; write it as "
                "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE or sqlite:///PATH."
            ) from exc
        except OSError as exc:
            raise StoreError(f"The database folder for {redacted(url)} "
                             f"could not be created: {exc}.") from exc
        store = cls(engine, url)
        try:
            store._migrate(now or dt.datetime.now(dt.UTC), owner)
        except BaseException:
            engine.dispose()
            raise
        return store

    @classmethod
    def for_settings(cls, settings: Any) -> Store:
        """The store ``settings`` name (``database_url``); interviews from before candidates
        existed go to the settings' own candidate (``lookup.settings.default_candidate``). A
        SQLite file another machine used in the last minutes is refused (a shared folder)."""
        from lookup.settings import default_candidate, machine_name
        from lookup.slug import candidate_key

        url = settings.database_url
        database = make_url(url).database if url.startswith("sqlite") else None
        if database and database != ":memory:":  # one machine per SQLite file (locks.one_machine)
            one_machine(Path(database).expanduser(), machine_name(settings), dt.datetime.now(dt.UTC))
        return cls.open(url, owner=candidate_key(default_candidate(settings)))

    @translating("be opened or migrated")
    def _migrate(self, now: dt.datetime, owner: str) -> None:
        for attempt in range(3):
            try:
                with self._engine.begin() as conn:
                    migrate(conn, now=to_db(now), owner=owner)
                return
            except (OperationalError, IntegrityError, ProgrammingError):
                # Another process may have migrated at the same moment: look again.
                if attempt == 2:
                    raise

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- writing ------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self, name: str) -> Iterator[None]:
        """Hold the lock of the person called ``name`` while their rows and card are written.

        Every writer of a person (research, card refresh, forget) takes it, across threads,
        processes and machines (``lookup.store.locks``): two runs for one person then never
        interleave their rows or their card, and a namesake's slug is chosen once.
        """
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(
                person_lock(self._engine, slugify(name), fallback=self._thread_lock)
            )
        except SQLAlchemyError as exc:
            raise StoreError(
                f"The database at {self.url} could not lock the records of {name} for "
                f"writing: {getattr(exc, 'orig', None) or exc}. Another run may be stuck "
                "writing them; try again."
            ) from exc
        with stack:
            yield

    @translating("choose a slug")
    def slug_for(self, name: str, company: str) -> str:
        """The slug ``save_research`` will use for this person (existing or a new free one)."""
        with self._engine.connect() as conn:
            return choose_slug(conn, name, company)

    @translating("save the research")
    def save_research(
        self, result: ResearchResult, *, card_path: str | None, now: dt.datetime,
        candidate: str = DEFAULT_CANDIDATE, world: bool = False,
    ) -> int:
        """Write one research run in one transaction and return the person's id: the public
        part (person, addresses, sources, verdicts) shared, the interview ``candidate``'s."""
        interview = result.interview
        with self._engine.begin() as conn:
            company_id = upsert_company(conn, interview.company, result.domain)
            person_id = upsert_person(conn, result, company_id, world=world)
            upsert_interview(conn, result, person_id, company_id, card_path, to_db(now),
                             candidate)
            replace_candidates(conn, result, person_id)
            replace_sources(conn, result, person_id)
            for candidate in result.candidates:
                if candidate.verification is not None:
                    append_verification(conn, candidate.verification)
        return person_id

    @translating("record the verification")
    def record_verification(self, v: Verification) -> None:
        """Append one verdict to the history (an identical one already there is kept once)."""
        with self._engine.begin() as conn:
            append_verification(conn, v)

    # -- reading ------------------------------------------------------------

    @translating("read the verification history")
    def verification_history(self, address: str) -> list[Verification]:
        """Every verdict recorded for ``address``, oldest first."""
        query = (
            select(VERIFICATIONS)
            .where(func.lower(VERIFICATIONS.c.address) == address.lower())
            .order_by(VERIFICATIONS.c.checked_at, VERIFICATIONS.c.id)
        )
        with self._engine.connect() as conn:
            return [verification_from(row) for row in conn.execute(query)]

    @translating("read the person's history")
    def history_for_person(self, slug: str) -> list[Verification]:
        """Every verdict on any of the person's candidate addresses, oldest first."""
        with self._engine.connect() as conn:
            addresses = addresses_of(conn, slug)
            if not addresses:
                return []
            query = (
                select(VERIFICATIONS)
                .where(VERIFICATIONS.c.address.in_(addresses))
                .order_by(VERIFICATIONS.c.checked_at, VERIFICATIONS.c.id)
            )
            return [verification_from(row) for row in conn.execute(query)]

    @translating("list the stored people")
    def list_people(self, candidate: str | None = None) -> list[PersonSummary]:
        """Everyone ``candidate`` researched (everyone, once per candidate, when None), most
        recently updated interview first."""
        with self._engine.connect() as conn:
            return summaries(conn, None, candidate)

    @translating("look the person up")
    def find_person(self, name_or_slug: str, candidate: str | None = None) -> PersonSummary | None:
        """The person with this slug, or with this name (case and spacing ignored), among
        ``candidate``'s (anyone's when None: their most recent interview's)."""
        with self._engine.connect() as conn:
            person_id = find_person_id(conn, name_or_slug, candidate)
            if person_id is None:
                return None
            found = summaries(conn, person_id, candidate)
            return found[0] if found else None

    @translating("look the person's cards up")
    def cards_of(self, slug: str) -> list[PersonSummary]:
        """The person as each candidate who interviewed them has them (card path included)."""
        with self._engine.connect() as conn:
            person_id = find_person_id(conn, slug)
            if person_id is None:
                return []
            return [p for p in summaries(conn, person_id, None) if p.candidate is not None]

    @translating("list the candidates")
    def candidates(self) -> list[str]:
        """Every candidate with an interview stored."""
        with self._engine.connect() as conn:
            return sorted(conn.execute(select(INTERVIEWS.c.candidate).distinct()).scalars())

    @translating("look for real contacts")
    def holds_real_contacts(self) -> bool:
        """True when a person was found on the real web (not in an offline world)."""
        with self._engine.connect() as conn:
            return conn.execute(
                select(PEOPLE.c.id).where(PEOPLE.c.world == false()).limit(1)).first() is not None

    @translating("read the tombstones")
    def forgotten_since(self, name: str, candidate: str, since: dt.datetime) -> bool:
        """True when ``name`` was forgotten (for ``candidate``, or for everyone) at or after
        ``since``: a run that began before must write nothing."""
        query = (select(FORGOTTEN.c.id).where(FORGOTTEN.c.name_hash == name_hash(name))
                 .where(FORGOTTEN.c.forgotten_at >= to_db(since))
                 .where(or_(FORGOTTEN.c.candidate.is_(None), FORGOTTEN.c.candidate == candidate)))
        with self._engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None

    @translating("list the contacts due for re-verification")
    def due_for_reverification(
        self, *, now: dt.datetime, interval: dt.timedelta, limit: int
    ) -> list[DueContact]:
        """Chosen addresses (or the top candidate when none is chosen) not checked recently.

        An address is due when it was never checked, when its latest check is
        older than ``interval``, or when that check asked to be retried (a
        greylisting ``retry_after``) and the time has come. Oldest first.
        """
        now_db = to_db(now)
        cutoff = now_db - interval
        due: list[tuple[dt.datetime | None, DueContact]] = []
        with self._engine.connect() as conn:
            pairs = tracked_addresses(conn)
            latest = latest_verifications(conn, [address for _, address in pairs])
        for slug, address in pairs:
            row = latest.get(address.lower())
            checked = row.checked_at if row else None
            retry = row.retry_after if row else None
            if checked is None or checked < cutoff or (retry is not None and retry <= now_db):
                domain = address.rpartition("@")[2].lower()
                due.append((checked, DueContact(slug, address, domain, from_db(checked))))
        due.sort(key=lambda item: (item[0] is not None, item[0] or dt.datetime.min))
        return [contact for _, contact in due[: max(limit, 0)]]

    @translating("list the expired interviews")
    def expired(self, *, now: dt.datetime, retention_days: int) -> list[str]:
        """Slugs whose every interview (its date, or without one its first record) is past
        retention: a later round keeps the person."""
        cutoff = to_db(now) - dt.timedelta(days=retention_days)
        query = (
            select(PEOPLE.c.slug, INTERVIEWS.c.interview_date, INTERVIEWS.c.created_at)
            .select_from(PEOPLE.join(INTERVIEWS, INTERVIEWS.c.person_id == PEOPLE.c.id))
            .order_by(PEOPLE.c.slug)
        )
        old: dict[str, bool] = {}
        with self._engine.connect() as conn:
            for row in conn.execute(query):
                past = (row.interview_date < cutoff.date()) if row.interview_date else (
                    row.created_at < cutoff
                )
                old[row.slug] = old.get(row.slug, True) and past
        return [slug for slug, past in old.items() if past]

    @translating("read the person's interviews")
    def interviews_for(self, slug: str, candidate: str | None = None) -> list[Interview]:
        """Every interview ``candidate`` (anyone, when None) recorded with the person, oldest
        round first ([] for nobody)."""
        with self._engine.connect() as conn:
            person = conn.execute(
                select(PEOPLE.c.id, PEOPLE.c.name, COMPANIES.c.name.label("company"))
                .select_from(PEOPLE.join(COMPANIES, PEOPLE.c.company_id == COMPANIES.c.id))
                .where(PEOPLE.c.slug == slug)
            ).first()
            if person is None:
                return []
            rows = interview_rows(conn, [person.id], candidate).get(person.id, [])
            return [interview_from(r, person.name, person.company) for r in rows]

    @translating("look the interview up")
    def has_interview(self, interview: Interview, candidate: str | None = None) -> bool:
        """True when this interview (same person, company, date and start) is already stored
        (for ``candidate``, when given)."""
        with self._engine.connect() as conn:
            slug = choose_slug(conn, interview.name, interview.company)
        stored = self.interviews_for(slug, candidate)  # [] for a fresh slug: nobody stored
        if not stored:
            return False
        if interview.interview_date is None:
            return True
        return find_round(interview, stored) is not None

    # -- forgetting ---------------------------------------------------------

    def forget(
        self,
        name_or_slug: str,
        *,
        candidate: str | None = None,
        now: dt.datetime | None = None,
        while_locked: Callable[[ForgetReport], Sequence[str]] | None = None,
    ) -> ForgetReport:
        """Forget one person, for ``candidate`` (their interviews, notes, rounds and cards) or
        for everyone (None), under the person's writing lock.

        A tombstone is written first, in the same transaction, so a run that began before
        writes nothing when it ends (``forgotten_since``). The public part (the person,
        addresses, sources, verdicts no one else shares) goes when no other candidate's
        interview remains. ``while_locked(report)`` runs before the lock is let go (removing
        the files, which no writer can then put back); the paths it returns are reported.
        """
        found = self.find_person(name_or_slug, candidate)
        if found is None:
            return ForgetReport(found=False)
        with self.writing(found.name):
            report = self._forget(found.slug, candidate, to_db(now or dt.datetime.now(dt.UTC)))
            if while_locked is not None and report.found:
                report = replace(report, files=tuple(str(f) for f in while_locked(report)))
        return report

    def tombstone(self, name: str, candidate: str | None = None,
                  now: dt.datetime | None = None) -> None:
        """Only the tombstone, under the person's lock: for a person nothing is stored about
        yet, whose first run is still going (it then writes nothing)."""
        with self.writing(name):
            self._tombstone(name, candidate, to_db(now or dt.datetime.now(dt.UTC)))

    @translating("write the tombstone")
    def _tombstone(self, name: str, candidate: str | None, now: dt.datetime) -> None:
        with self._engine.begin() as conn:
            _tombstone(conn, name, candidate, now)

    @translating("forget the person")
    def _forget(self, slug: str, candidate: str | None, now: dt.datetime) -> ForgetReport:
        with self._engine.begin() as conn:
            person_id = find_person_id(conn, slug)
            if person_id is None:
                return ForgetReport(found=False)
            person = conn.execute(select(PEOPLE).where(PEOPLE.c.id == person_id)).one()
            _tombstone(conn, person.name, candidate, now)
            mine = INTERVIEWS.c.person_id == person_id
            if candidate is not None:
                mine = mine & (INTERVIEWS.c.candidate == candidate)
            cards = tuple(sorted({c for c in conn.execute(
                select(INTERVIEWS.c.card_path).where(mine)).scalars() if c}))
            interviews = delete_rows(conn, INTERVIEWS, mine)
            others = conn.execute(select(func.count()).select_from(INTERVIEWS)
                                  .where(INTERVIEWS.c.person_id == person_id)).scalar() or 0
            counts = {"interviews": interviews}
            if not others:
                counts |= _delete_person(conn, person_id, person.slug)
        return ForgetReport(found=True, slug=person.slug, name=person.name,
                            card_path=cards[0] if cards else None, cards=cards,
                            candidate=candidate, shared_kept=bool(others), **counts)


def _tombstone(conn: Any, name: str, candidate: str | None, now: dt.datetime) -> None:
    conn.execute(delete(FORGOTTEN).where(FORGOTTEN.c.forgotten_at < now - TOMBSTONE_KEPT))
    conn.execute(FORGOTTEN.insert().values(name_hash=name_hash(name), candidate=candidate,
                                           forgotten_at=now))


def name_hash(name: str) -> str:
    """A tombstone's key: the name's key, hashed (the tombstone must not name who it is for)."""
    return hashlib.blake2b(name_key(name).encode("utf-8"), digest_size=16,
                           person=b"lookup-forgotten").hexdigest()


def _delete_person(conn: Any, person_id: int, slug: str) -> dict[str, int]:
    """The public part of a person: their row, addresses, sources, and the verdicts on
    addresses no one else stored has."""
    own = addresses_of(conn, slug)
    shared = set(conn.execute(
        select(func.lower(CANDIDATES.c.address))
        .where(CANDIDATES.c.person_id != person_id)
        .where(func.lower(CANDIDATES.c.address).in_(own))
    ).scalars())
    private = [a for a in own if a not in shared]
    return {
        "verifications": delete_rows(conn, VERIFICATIONS,
                                     func.lower(VERIFICATIONS.c.address).in_(private)),
        "candidates": delete_rows(conn, CANDIDATES, CANDIDATES.c.person_id == person_id),
        "sources": delete_rows(conn, SOURCES, SOURCES.c.person_id == person_id),
        "people": delete_rows(conn, PEOPLE, PEOPLE.c.id == person_id),
    }
