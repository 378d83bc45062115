"""Locks that keep concurrent writers of one person in line, across threads, processes and machines.

A research run writes a person's rows and then their card; two runs for the same
person (two workers, a re-submitted batch) must not interleave those writes. The
lock is keyed by the person's slug base (``slugify(name)``), which also covers
choosing a free slug for namesakes.

- PostgreSQL: a session advisory lock (``pg_advisory_lock``) on a connection held for
  the block; the server drops it if the holder dies, so a killed worker never leaves
  it taken. Waiting is bounded by ``lock_timeout``.
- SQLite: an exclusive ``flock`` on ``<database>.lock`` next to the file (SQLite
  writers queue on one lock anyway); in-memory databases use a thread lock.
- PostgreSQL row writes that other people's runs may share (verification history)
  take a transaction advisory lock per address (``address_xact_lock``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from lookup.atomic import locked, write_atomic

__all__ = ["SHARED_WINDOW", "address_xact_lock", "advisory_key", "one_machine", "person_lock"]

LOCK_TIMEOUT = "60s"  # a card is written in well under a second; longer means something is stuck
# Two machines opening one SQLite file within this long of each other are sharing it.
SHARED_WINDOW = dt.timedelta(minutes=15)


def advisory_key(kind: str, value: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` from a kind and a value."""
    digest = hashlib.blake2b(f"interviewer-lookup:{kind}:{value}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _is_postgres(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "postgresql"


@contextlib.contextmanager
def person_lock(engine: Engine, slug_base: str, *, fallback: threading.RLock) -> Iterator[None]:
    """Hold the writers' lock for one person (see the module docstring) for the block."""
    if _is_postgres(engine):
        with _advisory(engine, advisory_key("person", slug_base)):
            yield
        return
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:"):
        with fallback:
            yield
        return
    with fallback, locked(Path(database).expanduser().with_name(Path(database).name + ".lock")):
        yield


@contextlib.contextmanager
def _advisory(engine: Engine, key: int) -> Iterator[None]:
    with engine.connect() as conn:
        conn.execute(text(f"SET lock_timeout = '{LOCK_TIMEOUT}'"))
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        conn.commit()  # the lock belongs to the session, not to this transaction
        try:
            yield
        finally:
            # A dead connection already released the lock with its session.
            with contextlib.suppress(SQLAlchemyError):
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()


def address_xact_lock(conn: Connection, address: str) -> None:
    """On PostgreSQL, lock one address's history until the transaction ends (else nothing)."""
    if _is_postgres(conn):
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": advisory_key("address", address.strip().lower())},
        )


def one_machine(database: Path, machine: str, now: dt.datetime) -> None:
    """StoreError when another machine used the SQLite file ``database`` in the last
    ``SHARED_WINDOW``: a data folder shared by workers on several machines (a network share),
    where SQLite's and ``flock``'s locking cannot be trusted. Each opening is noted in
    ``<database>.machines`` (machine name -> when), under the file's lock."""
    from lookup.errors import StoreError

    record = database.with_name(database.name + ".machines")
    with locked(database.with_name(database.name + ".lock")):
        try:
            seen = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            seen = {}
        seen = seen if isinstance(seen, dict) else {}
        others = sorted(m for m, at in seen.items() if m != machine and isinstance(at, str)
                        and now - _when(at) < SHARED_WINDOW)
        if others:
            raise StoreError(
                f"The SQLite store {database} is used from several machines ({machine} and "
                f"{', '.join(others)}, in the last {SHARED_WINDOW.seconds // 60} minutes); "
                "SQLite and its file locks are not safe on a shared folder, so give every "
                "worker LOOKUP_DATABASE_URL=postgresql+psycopg://USER:PASSWORD@HOST/DB (one "
                "PostgreSQL for the team)."
            )
        seen[machine] = now.isoformat()
        write_atomic(record, json.dumps(seen, indent=2, sort_keys=True))


def _when(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
