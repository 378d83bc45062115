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

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.pool import StaticPool

from lookup._store_sql import (
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
from lookup.cardfiles import forget_files, write_card_atomic
from lookup.errors import StoreError
from lookup.migrations import migrate
from lookup.models import ResearchResult, Verification

__all__ = [
    "DueContact",
    "ForgetReport",
    "PersonSummary",
    "Store",
    "forget_files",
    "write_card_atomic",
]

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


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


def _redacted(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable URL>"


def _translating(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn SQLAlchemy errors raised by a Store method into one StoreError sentence."""

    def wrap(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except SQLAlchemyError as exc:
                store = args[0]
                reason = getattr(exc, "orig", None) or exc
                raise StoreError(
                    f"The database at {store.url} could not {action}: {reason}. "  # type: ignore[attr-defined]
                    "Check that it is reachable and writable, or set LOOKUP_DATABASE_URL."
                ) from exc

        return inner

    return wrap


# -- engine ---------------------------------------------------------------------


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 opens transactions only before DML, so DDL (migrations)
    # would autocommit; take over BEGIN so every transaction, DDL included, is
    # atomic (the recipe in SQLAlchemy's pysqlite documentation).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Concurrent flow runs write from several threads/processes: wait, don't fail.
    cursor.execute("PRAGMA busy_timeout=10000")
    # `lookup forget` must leave nothing behind: overwrite deleted rows with
    # zeros instead of leaving them readable in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    if database in ("", ":memory:"):
        engine = create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front: two writers queue on busy_timeout
    # instead of one failing when both try to upgrade a read lock.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


# -- the store ------------------------------------------------------------------


class Store:
    """Interviews, people, candidates, sources and verification history in one database."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self.url = _redacted(url)

    @classmethod
    def open(cls, url: str, *, now: dt.datetime | None = None) -> Store:
        """Connect to ``url`` and migrate its schema to the latest version."""
        try:
            engine = _make_engine(url)
        except (ArgumentError, ValueError) as exc:
            raise StoreError(
                f"The database URL {_redacted(url)!r} is not a valid SQLAlchemy URL: {exc}."
            ) from exc
        except OSError as exc:
            raise StoreError(f"The database folder for {_redacted(url)} "
                             f"could not be created: {exc}.") from exc
        store = cls(engine, url)
        try:
            store._migrate(now or dt.datetime.now(dt.UTC))
        except BaseException:
            engine.dispose()
            raise
        return store

    @_translating("be opened or migrated")
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

    @_translating("choose a slug")
    def slug_for(self, name: str, company: str) -> str:
        """The slug ``save_research`` will use for this person (existing or a new free one)."""
        with self._engine.connect() as conn:
            return choose_slug(conn, name, company)

    @_translating("save the research")
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

    @_translating("record the verification")
    def record_verification(self, v: Verification) -> None:
        """Append one verdict to the history (an identical one already there is kept once)."""
        with self._engine.begin() as conn:
            append_verification(conn, v)

    # -- reading ------------------------------------------------------------

    @_translating("read the verification history")
    def verification_history(self, address: str) -> list[Verification]:
        """Every verdict recorded for ``address``, oldest first."""
        query = (
            select(VERIFICATIONS)
            .where(func.lower(VERIFICATIONS.c.address) == address.lower())
            .order_by(VERIFICATIONS.c.checked_at, VERIFICATIONS.c.id)
        )
        with self._engine.connect() as conn:
            return [verification_from(row) for row in conn.execute(query)]

    @_translating("read the person's history")
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

    @_translating("list the stored people")
    def list_people(self) -> list[PersonSummary]:
        """Everyone stored, most recently updated interview first."""
        with self._engine.connect() as conn:
            return _summaries(conn, None)

    @_translating("look the person up")
    def find_person(self, name_or_slug: str) -> PersonSummary | None:
        """The person with this slug, or with this name (case and spacing ignored)."""
        with self._engine.connect() as conn:
            person_id = find_person_id(conn, name_or_slug)
            if person_id is None:
                return None
            found = _summaries(conn, person_id)
            return found[0] if found else None

    @_translating("list the contacts due for re-verification")
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

    @_translating("list the expired interviews")
    def expired(self, *, now: dt.datetime, retention_days: int) -> list[str]:
        """Slugs whose interview date (or, without one, first record) is past retention."""
        cutoff = to_db(now) - dt.timedelta(days=retention_days)
        query = (
            select(PEOPLE.c.slug, INTERVIEWS.c.interview_date, INTERVIEWS.c.created_at)
            .select_from(PEOPLE.join(INTERVIEWS, INTERVIEWS.c.person_id == PEOPLE.c.id))
            .order_by(PEOPLE.c.slug)
        )
        slugs: list[str] = []
        with self._engine.connect() as conn:
            for row in conn.execute(query):
                old = (row.interview_date < cutoff.date()) if row.interview_date else (
                    row.created_at < cutoff
                )
                if old and row.slug not in slugs:
                    slugs.append(row.slug)
        return slugs

    # -- forgetting ---------------------------------------------------------

    @_translating("forget the person")
    def forget(self, name_or_slug: str) -> ForgetReport:
        """Delete every row about one person; verdicts on addresses others share are kept."""
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


def _summaries(conn: Connection, person_id: int | None) -> list[PersonSummary]:
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
    return [_summary(row, latest.get((row.address or "").lower())) for row in rows]


def _summary(row: Any, check: Any) -> PersonSummary:
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
