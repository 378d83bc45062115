"""Engines for the store: SQLite made atomic and safe to share, any other URL as given.

Also the boundary where SQLAlchemy errors become one ``StoreError`` sentence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from lookup.errors import StoreError

__all__ = ["make_engine", "redacted", "translating"]

P = ParamSpec("P")
R = TypeVar("R")


# user:password@ in a URL SQLAlchemy could not parse: everything after the colon goes.
_USERINFO = re.compile(r"(?<=://)([^/@:]*):[^/]*@")


def redacted(url: str) -> str:
    """The URL without its password, to show: ``***`` stands for it, even when SQLAlchemy
    cannot parse the URL (a bad port, a stray character), so no message echoes one."""
    try:
        parsed = make_url(url)
        if "@" not in (parsed.host or ""):  # an unescaped @ in a password ends in the host
            return parsed.render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        pass
    return _USERINFO.sub(r"\1:***@", url) if "@" in url else url


def translating(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
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


def make_engine(url: str) -> Engine:
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
