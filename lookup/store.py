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

import dataclasses
import datetime as dt
import functools
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
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

from lookup.errors import StoreError
from lookup.migrations import TABLES, migrate
from lookup.models import ResearchResult, SmtpStep, Verification
from lookup.render import pick_address
from lookup.slug import name_key, slugify

__all__ = [
    "DueContact",
    "ForgetReport",
    "PersonSummary",
    "Store",
    "forget_files",
    "write_card_atomic",
]

log = logging.getLogger(__name__)

COMPANIES = TABLES.tables["companies"]
PEOPLE = TABLES.tables["people"]
INTERVIEWS = TABLES.tables["interviews"]
CANDIDATES = TABLES.tables["candidate_addresses"]
VERIFICATIONS = TABLES.tables["verifications"]
SOURCES = TABLES.tables["sources"]

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


# -- time and JSON helpers ------------------------------------------------------


def _to_db(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _from_db(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.replace(tzinfo=dt.UTC)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _verification_row(v: Verification) -> dict[str, Any]:
    smtp = None if v.smtp is None else [dataclasses.asdict(step) for step in v.smtp]
    return {
        "address": v.address,
        "status": v.status,
        "reasons_json": _dumps(list(v.reasons)),
        "mx_json": _dumps(list(v.mx)),
        "provider": v.provider,
        "smtp_json": None if smtp is None else _dumps(smtp),
        "flags_json": _dumps(list(v.flags)),
        "checked_at": _to_db(v.checked_at),
        "retry_after": _to_db(v.retry_after),
    }


def _verification_from(row: Any) -> Verification:
    smtp = None if row.smtp_json is None else tuple(
        SmtpStep(**step) for step in json.loads(row.smtp_json)
    )
    return Verification(
        address=row.address,
        status=row.status,
        reasons=tuple(json.loads(row.reasons_json)),
        checked_at=_from_db(row.checked_at),
        mx=tuple(json.loads(row.mx_json)),
        provider=row.provider,
        smtp=smtp,
        flags=tuple(json.loads(row.flags_json)),
        retry_after=_from_db(row.retry_after),
    )


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
                    migrate(conn, now=_to_db(now))
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
            return _slug_for(conn, name, company)

    @_translating("save the research")
    def save_research(
        self, result: ResearchResult, *, card_path: str | None, now: dt.datetime
    ) -> int:
        """Write one research run in one transaction and return the person's id."""
        interview = result.interview
        with self._engine.begin() as conn:
            company_id = _upsert_company(conn, interview.company, result.domain)
            person_id = _upsert_person(conn, result, company_id)
            _upsert_interview(conn, result, person_id, company_id, card_path, _to_db(now))
            _replace_candidates(conn, result, person_id)
            _replace_sources(conn, result, person_id)
            for candidate in result.candidates:
                if candidate.verification is not None:
                    _append_verification(conn, candidate.verification)
        return person_id

    @_translating("record the verification")
    def record_verification(self, v: Verification) -> None:
        """Append one verdict to the history (an identical one already there is kept once)."""
        with self._engine.begin() as conn:
            _append_verification(conn, v)

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
            return [_verification_from(row) for row in conn.execute(query)]

    @_translating("read the person's history")
    def history_for_person(self, slug: str) -> list[Verification]:
        """Every verdict on any of the person's candidate addresses, oldest first."""
        with self._engine.connect() as conn:
            addresses = _addresses_of(conn, slug)
            if not addresses:
                return []
            query = (
                select(VERIFICATIONS)
                .where(VERIFICATIONS.c.address.in_(addresses))
                .order_by(VERIFICATIONS.c.checked_at, VERIFICATIONS.c.id)
            )
            return [_verification_from(row) for row in conn.execute(query)]

    @_translating("list the stored people")
    def list_people(self) -> list[PersonSummary]:
        """Everyone stored, most recently updated interview first."""
        with self._engine.connect() as conn:
            return _summaries(conn, None)

    @_translating("look the person up")
    def find_person(self, name_or_slug: str) -> PersonSummary | None:
        """The person with this slug, or with this name (case and spacing ignored)."""
        with self._engine.connect() as conn:
            person_id = _find_person_id(conn, name_or_slug)
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
        now_db = _to_db(now)
        cutoff = now_db - interval
        due: list[tuple[dt.datetime | None, DueContact]] = []
        with self._engine.connect() as conn:
            pairs = _tracked_addresses(conn)
            latest = _latest_verifications(conn, [address for _, address in pairs])
        for slug, address in pairs:
            row = latest.get(address.lower())
            checked = row.checked_at if row else None
            retry = row.retry_after if row else None
            if checked is None or checked < cutoff or (retry is not None and retry <= now_db):
                domain = address.rpartition("@")[2].lower()
                due.append((checked, DueContact(slug, address, domain, _from_db(checked))))
        due.sort(key=lambda item: (item[0] is not None, item[0] or dt.datetime.min))
        return [contact for _, contact in due[: max(limit, 0)]]

    @_translating("list the expired interviews")
    def expired(self, *, now: dt.datetime, retention_days: int) -> list[str]:
        """Slugs whose interview date (or, without one, first record) is past retention."""
        cutoff = _to_db(now) - dt.timedelta(days=retention_days)
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
            person_id = _find_person_id(conn, name_or_slug)
            if person_id is None:
                return ForgetReport(found=False)
            person = conn.execute(select(PEOPLE).where(PEOPLE.c.id == person_id)).one()
            card = conn.execute(
                select(INTERVIEWS.c.card_path).where(INTERVIEWS.c.person_id == person_id)
            ).scalars().first()
            own = _addresses_of(conn, person.slug)
            shared = set(conn.execute(
                select(func.lower(CANDIDATES.c.address))
                .where(CANDIDATES.c.person_id != person_id)
                .where(func.lower(CANDIDATES.c.address).in_(own))
            ).scalars())
            private = [a for a in own if a not in shared]
            counts = {
                "verifications": _delete(conn, VERIFICATIONS,
                                         func.lower(VERIFICATIONS.c.address).in_(private)),
                "candidates": _delete(conn, CANDIDATES, CANDIDATES.c.person_id == person_id),
                "sources": _delete(conn, SOURCES, SOURCES.c.person_id == person_id),
                "interviews": _delete(conn, INTERVIEWS, INTERVIEWS.c.person_id == person_id),
                "people": _delete(conn, PEOPLE, PEOPLE.c.id == person_id),
            }
        return ForgetReport(found=True, slug=person.slug, name=person.name, card_path=card,
                            **counts)


# -- private query helpers --------------------------------------------------------


def _delete(conn: Connection, table: Any, where: Any) -> int:
    return conn.execute(delete(table).where(where)).rowcount or 0


def _slug_taken(conn: Connection, slug: str) -> bool:
    return conn.execute(select(PEOPLE.c.id).where(PEOPLE.c.slug == slug)).first() is not None


def _slug_for(conn: Connection, name: str, company: str) -> str:
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
        if not _slug_taken(conn, candidate):
            return candidate
    number = 2
    while _slug_taken(conn, f"{base}-{number}"):
        number += 1
    return f"{base}-{number}"


def _upsert_company(conn: Connection, name: str, domain: str | None) -> int:
    key = name_key(name)
    row = conn.execute(select(COMPANIES).where(COMPANIES.c.name_key == key)).first()
    if row is None:
        return conn.execute(
            insert(COMPANIES).values(name=name.strip(), name_key=key, domain=domain)
        ).inserted_primary_key[0]
    if domain and domain != row.domain:
        conn.execute(update(COMPANIES).where(COMPANIES.c.id == row.id).values(domain=domain))
    return row.id


def _profile_json(result: ResearchResult) -> str | None:
    return None if result.profile is None else _dumps(dataclasses.asdict(result.profile))


def _upsert_person(conn: Connection, result: ResearchResult, company_id: int) -> int:
    interview = result.interview
    values = {
        "name": interview.name.strip(),
        "name_key": name_key(interview.name),
        "title": result.profile.title if result.profile else None,
        "company_id": company_id,
        "profile_json": _profile_json(result),
    }
    existing = conn.execute(
        select(PEOPLE.c.id)
        .where(PEOPLE.c.name_key == values["name_key"])
        .where(PEOPLE.c.company_id == company_id)
    ).scalar()
    if existing is not None:
        conn.execute(update(PEOPLE).where(PEOPLE.c.id == existing).values(**values))
        return existing
    slug = _slug_for(conn, interview.name, interview.company)
    return conn.execute(insert(PEOPLE).values(slug=slug, **values)).inserted_primary_key[0]


def _upsert_interview(
    conn: Connection,
    result: ResearchResult,
    person_id: int,
    company_id: int,
    card_path: str | None,
    now: dt.datetime,
) -> None:
    interview = result.interview
    values = {
        "company_id": company_id,
        "role": interview.role,
        "interview_date": interview.interview_date,
        "recruiter": interview.recruiter,
        "notes": interview.notes,
        "updated_at": now,
        "card_path": card_path,
    }
    existing = conn.execute(
        select(INTERVIEWS.c.id).where(INTERVIEWS.c.person_id == person_id)
    ).scalar()
    if existing is None:
        conn.execute(insert(INTERVIEWS).values(person_id=person_id, created_at=now, **values))
    else:
        conn.execute(update(INTERVIEWS).where(INTERVIEWS.c.id == existing).values(**values))


def _replace_candidates(conn: Connection, result: ResearchResult, person_id: int) -> None:
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
            "reasons_json": _dumps(list(c.reasons)),
            "chosen": c is chosen,
            "published_source": c.published.url if c.published else None,
        }
        for c in result.candidates
    ]
    if rows:
        conn.execute(insert(CANDIDATES), rows)


def _replace_sources(conn: Connection, result: ResearchResult, person_id: int) -> None:
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


def _append_verification(conn: Connection, v: Verification) -> None:
    row = _verification_row(v)
    duplicate = conn.execute(
        select(VERIFICATIONS.c.id)
        .where(VERIFICATIONS.c.address == row["address"])
        .where(VERIFICATIONS.c.checked_at == row["checked_at"])
        .where(VERIFICATIONS.c.status == row["status"])
    ).first()
    if duplicate is None:
        conn.execute(insert(VERIFICATIONS).values(**row))


def _find_person_id(conn: Connection, name_or_slug: str) -> int | None:
    text = name_or_slug.strip()
    recent = select(PEOPLE.c.id).select_from(
        PEOPLE.outerjoin(INTERVIEWS, INTERVIEWS.c.person_id == PEOPLE.c.id)
    ).order_by(INTERVIEWS.c.updated_at.desc(), PEOPLE.c.id.desc())
    for where in (
        PEOPLE.c.slug == text,
        PEOPLE.c.name_key == name_key(text),
        PEOPLE.c.slug == slugify(text),
    ):
        found = conn.execute(recent.where(where)).scalar()
        if found is not None:
            return found
    return None


def _addresses_of(conn: Connection, slug: str) -> list[str]:
    query = (
        select(func.lower(CANDIDATES.c.address))
        .select_from(CANDIDATES.join(PEOPLE, CANDIDATES.c.person_id == PEOPLE.c.id))
        .where(PEOPLE.c.slug == slug)
    )
    return list(dict.fromkeys(conn.execute(query).scalars()))


def _latest_verifications(conn: Connection, addresses: Iterable[str]) -> dict[str, Any]:
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


def _tracked_addresses(conn: Connection) -> list[tuple[str, str]]:
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
    latest = _latest_verifications(conn, [r.address for r in rows if r.address])
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
        last_checked=_from_db(check.checked_at) if check is not None else None,
        interview_date=row.interview_date,
        card_path=row.card_path,
    )


# -- files ----------------------------------------------------------------------


def write_card_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so a crash half-way leaves the previous card intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open folders; the rename is still atomic there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def forget_files(data_dir: Path, slug: str, name: str) -> list[Path]:
    """Delete the person's card and every cached file naming them; return what was removed."""
    data_dir = Path(data_dir)
    removed: list[Path] = []
    card = data_dir / "briefings" / f"{slug}.md"
    if card.is_file():
        card.unlink()
        removed.append(card)
    cache = data_dir / "cache"
    needles = _name_needles(name)
    if cache.is_dir() and needles:
        for path in sorted(p for p in cache.rglob("*") if p.is_file()):
            if _mentions(path, needles):
                path.unlink()
                removed.append(path)
    return removed


def _name_needles(name: str) -> tuple[str, ...]:
    """The name as plain text and as JSON escapes it (caches are often JSON)."""
    plain = " ".join(name.split()).casefold()
    if not plain:
        return ()
    escaped = json.dumps(plain)[1:-1]
    return tuple(dict.fromkeys((plain, escaped)))


def _mentions(path: Path, needles: Sequence[str]) -> bool:
    try:
        text = path.read_bytes().decode("utf-8", errors="ignore")
    except OSError:
        return False
    folded = " ".join(text.split()).casefold()
    return any(needle in folded for needle in needles)
