"""PostgreSQL for the Prefect server: the URL it needs, and a check before the server starts.

Prefect's server is asynchronous and talks to PostgreSQL through asyncpg (which
ships with Prefect), so its URL is ``postgresql+asyncpg://user:password@host:port/db``;
plain ``postgresql://``, ``postgres://`` and ``postgresql+psycopg://`` URLs are
accepted and rewritten. Before the server starts, ``check_prefect_database``
connects once and says in one sentence what is wrong, if anything: nothing
listening, the role refused, the database missing, or the ``pg_trgm`` extension
that Prefect's migrations create neither installed nor creatable by the role
(it is a trusted extension: the database's owner, or any role with CREATE on
it, may create it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from lookup.errors import BadInputError, ServerError
from lookup.store.engine import redacted

__all__ = ["check_prefect_database", "prefect_database_url"]

CONNECT_TIMEOUT_S = 10.0
_SCHEMES = {"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg",
            "postgresql+psycopg2"}


def prefect_database_url(given: str) -> str:
    """The asyncpg form of a PostgreSQL URL, or BadInputError saying what is wrong with it."""
    text = given.strip()
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://"):]
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:  # its text quotes the URL: not said
        raise BadInputError(
            f"The PostgreSQL URL {redacted(given)!r} is not a URL; write it as "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE."
        ) from exc
    if url.drivername not in _SCHEMES:
        raise BadInputError(
            f"The Prefect server's database must be PostgreSQL (postgresql+asyncpg://user:"
            f"password@host/database), not {url.drivername}://."
        )
    if not url.database:
        raise BadInputError(f"The PostgreSQL URL {redacted(text)} names no database.")
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def check_prefect_database(url: str) -> None:
    """Connect once; ServerError in one sentence when Prefect could not use this database."""
    asyncio.run(_check(url))


async def _check(url: str) -> None:
    import asyncpg

    parsed = make_url(url)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), CONNECT_TIMEOUT_S)
    except asyncpg.InvalidCatalogNameError as exc:
        raise ServerError(
            f"The database {parsed.database!r} does not exist on the PostgreSQL server at "
            f"{where}; create it first (createdb -h {parsed.host} -U {parsed.username} "
            f"{parsed.database})."
        ) from exc
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
        raise ServerError(
            f"The PostgreSQL server at {where} refused the role {parsed.username!r}: {exc}."
        ) from exc
    except (OSError, TimeoutError) as exc:
        raise ServerError(
            f"No PostgreSQL server answers at {where} ({type(exc).__name__}: {exc}); "
            "check the host and port in the URL, and that the server accepts TCP connections."
        ) from exc
    except asyncpg.PostgresError as exc:
        raise ServerError(f"The PostgreSQL server at {where} said: {exc}.") from exc
    try:
        await _check_trigram(conn, parsed, where)
    finally:
        await conn.close()


async def _check_trigram(conn: Any, parsed: Any, where: str) -> None:
    installed = await conn.fetchval("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
    if installed:
        return
    available = await conn.fetchval(
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")
    if not available:
        raise ServerError(
            f"The PostgreSQL server at {where} lacks the pg_trgm extension that Prefect "
            "needs; install PostgreSQL's contrib package on it."
        )
    may_create = await conn.fetchval(
        "SELECT has_database_privilege(current_user, current_database(), 'CREATE')")
    if not may_create:
        raise ServerError(
            f"The role {parsed.username!r} may not create the pg_trgm extension in "
            f"{parsed.database!r} at {where}; run CREATE EXTENSION pg_trgm there as its "
            f"owner, or GRANT CREATE ON DATABASE {parsed.database} TO {parsed.username}."
        )
