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
import logging
import threading
from collections.abc import Iterator

from sqlalchemy import Engine, func, select
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
from lookup.slug import slugify
from lookup.store._sql import (
    CANDIDATES,
    COMPANIES,
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
from lookup.store.locks import person_lock
from lookup.store.migrations import migrate
from lookup.store.records import DueContact, ForgetReport, PersonSummary, summaries

__all__ = ["Store"]

log = logging.getLogger(__name__)


class Store:
    """Interviews, people, candidates, sources and verification history in one database."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self.url = redacted(url)
        self._thread_lock = threading.RLock()

    @classmethod
    def open(cls, url: str, *, now: dt.datetime | None = None) -> Store:
        """Connect to ``url`` and migrate its schema to the latest version."""
        try:
            engine = make_engine(url)
        except (ArgumentError, ValueError) as exc:
            raise StoreError(
                f"The database URL {redacted(url)!r} is not a valid SQLAlchemy URL: {exc}."
            ) from exc
        except OSError as exc:
            raise StoreError(f"The database folder for {redacted(url)} "
                             f"could not be created: {exc}.") from exc
        store = cls(engine, url)
        try:
            store._migrate(now or dt.datetime.now(dt.UTC))
        except BaseException:
            engine.dispose()
            raise
        return store

    @translating("be opened or migrated")
    def _migrate(self, now: dt.datetime) -> None:
        for attempt in range(3):
            try:
                with self._engine.begin() as conn:
                    migrate(conn, now=to_db(now))
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
        self, result: ResearchResult, *, card_path: str | None, now: dt.datetime
    ) -> int:
        """Write one research run in one transaction and return the person's id."""
        interview = result.interview
        with self._engine.begin() as conn:
            company_id = upsert_company(conn, interview.company, result.domain)
            person_id = upsert_person(conn, result, company_id)
            upsert_interview(conn, result, person_id, company_id, card_path, to_db(now))
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
    def list_people(self) -> list[PersonSummary]:
        """Everyone stored, most recently updated interview first."""
        with self._engine.connect() as conn:
            return summaries(conn, None)

    @translating("look the person up")
    def find_person(self, name_or_slug: str) -> PersonSummary | None:
        """The person with this slug, or with this name (case and spacing ignored)."""
        with self._engine.connect() as conn:
            person_id = find_person_id(conn, name_or_slug)
            if person_id is None:
                return None
            found = summaries(conn, person_id)
            return found[0] if found else None

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
    def interviews_for(self, slug: str) -> list[Interview]:
        """Every interview recorded with the person, oldest round first ([] for nobody)."""
        with self._engine.connect() as conn:
            person = conn.execute(
                select(PEOPLE.c.id, PEOPLE.c.name, COMPANIES.c.name.label("company"))
                .select_from(PEOPLE.join(COMPANIES, PEOPLE.c.company_id == COMPANIES.c.id))
                .where(PEOPLE.c.slug == slug)
            ).first()
            if person is None:
                return []
            rows = interview_rows(conn, [person.id]).get(person.id, [])
            return [interview_from(r, person.name, person.company) for r in rows]

    @translating("look the interview up")
    def has_interview(self, interview: Interview) -> bool:
        """True when this interview (same person, company, date and start) is already stored."""
        with self._engine.connect() as conn:
            slug = choose_slug(conn, interview.name, interview.company)
        stored = self.interviews_for(slug)  # [] when the slug is a fresh one: nobody stored
        if not stored:
            return False
        if interview.interview_date is None:
            return True
        return find_round(interview, stored) is not None

    # -- forgetting ---------------------------------------------------------

    def forget(self, name_or_slug: str) -> ForgetReport:
        """Delete every row about one person; verdicts on addresses others share are kept."""
        found = self.find_person(name_or_slug)
        if found is None:
            return ForgetReport(found=False)
        with self.writing(found.name):
            return self._forget(found.slug)

    @translating("forget the person")
    def _forget(self, name_or_slug: str) -> ForgetReport:
        with self._engine.begin() as conn:
            person_id = find_person_id(conn, name_or_slug)
            if person_id is None:
                return ForgetReport(found=False)
            person = conn.execute(select(PEOPLE).where(PEOPLE.c.id == person_id)).one()
            card = conn.execute(
                select(INTERVIEWS.c.card_path).where(INTERVIEWS.c.person_id == person_id)
            ).scalars().first()
            own = addresses_of(conn, person.slug)
            shared = set(conn.execute(
                select(func.lower(CANDIDATES.c.address))
                .where(CANDIDATES.c.person_id != person_id)
                .where(func.lower(CANDIDATES.c.address).in_(own))
            ).scalars())
            private = [a for a in own if a not in shared]
            counts = {
                "verifications": delete_rows(conn, VERIFICATIONS,
                                         func.lower(VERIFICATIONS.c.address).in_(private)),
                "candidates": delete_rows(conn, CANDIDATES, CANDIDATES.c.person_id == person_id),
                "sources": delete_rows(conn, SOURCES, SOURCES.c.person_id == person_id),
                "interviews": delete_rows(conn, INTERVIEWS, INTERVIEWS.c.person_id == person_id),
                "people": delete_rows(conn, PEOPLE, PEOPLE.c.id == person_id),
            }
        return ForgetReport(found=True, slug=person.slug, name=person.name, card_path=card,
                            **counts)
