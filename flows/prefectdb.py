"""Prefect's SQLite database, made at its migration head from a shipped schema instead of migrated.

A fresh Prefect database is built by running Prefect's ~115 Alembic migrations, one
after another: 20-25 s on a 2-core machine, the larger part of a first ``lookup demo``
(docs/prefect.md). The schema those migrations end in ships with the tool as SQL text
(``flows/prefect_schema/sqlite-<revision>.sql``, Prefect's own tables and indexes and its
``alembic_version`` row, written by ``python -m flows.prefectdb``); a missing
database is created from it in about 0.1 s.

The schema is used only when its revision is the installed Prefect's migration head
(read from Prefect's migration scripts, without importing Prefect); otherwise Prefect
migrates as it always does. When the database is already at that head, Prefect's
server is told not to run its (empty) upgrade on start
(``PREFECT_SERVER_DATABASE_MIGRATE_ON_START=false``): Alembic loading every script
to find nothing to do costs a second or more per start. Prefect's own server, schema
and migrations stay in charge: a database left behind by an older Prefect is
upgraded by Prefect on the next start.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sqlite3
import sys
from pathlib import Path

__all__ = ["SCHEMA_DIR", "migration_head", "prepare_sqlite", "revision_of", "write_schema"]

SCHEMA_DIR = Path(__file__).with_name("prefect_schema")
DATABASE = "prefect.db"
MIGRATE_ON_START = "PREFECT_SERVER_DATABASE_MIGRATE_ON_START"
# Settings that put Prefect's database elsewhere than PREFECT_HOME/prefect.db: then it is not ours.
_ELSEWHERE = ("PREFECT_SERVER_DATABASE_CONNECTION_URL", "PREFECT_API_DATABASE_CONNECTION_URL")
_REVISION = re.compile(r'^(down_revision|revision)\s*(?::[^=]*)?=\s*(.*)$', re.MULTILINE)
_QUOTED = re.compile(r'["\']([0-9a-f]+)["\']')


def migration_head() -> str | None:
    """The installed Prefect's SQLite migration head (its newest Alembic revision), or None.

    Read from the migration scripts' ``revision``/``down_revision`` lines: the head is the
    revision no other script names as its predecessor. Prefect is not imported (2 s).
    """
    spec = importlib.util.find_spec("prefect")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    versions = folder / "server" / "database" / "_migrations" / "versions" / "sqlite"
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        for kind, value in _REVISION.findall(script.read_text(encoding="utf-8")):
            found = set(_QUOTED.findall(value))
            (revisions if kind == "revision" else parents).update(found)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def revision_of(database: Path) -> str | None:
    """The Alembic revision a Prefect SQLite database is at, or None (no file, no table)."""
    if not database.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True,
                                                timeout=5)) as db:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def prepare_sqlite(home: Path, env: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """Make Prefect's database under ``home`` ready before a server starts on it; what was done.

    "elsewhere": Prefect's database is not ``home/prefect.db`` (a connection URL is set);
    "created": there was none, and the shipped schema is the installed Prefect's head;
    "current": it is at the head already; "migrate": Prefect migrates it on start.
    With "created" and "current", ``env`` gets ``PREFECT_SERVER_DATABASE_MIGRATE_ON_START=false``
    unless it says otherwise.
    """
    if any(env.get(name) for name in _ELSEWHERE):
        return "elsewhere"
    database = home / DATABASE
    head = migration_head()
    done = "current"
    if head is None:
        return "migrate"
    if not database.exists():
        if not _create(database, SCHEMA_DIR / f"sqlite-{head}.sql"):
            return "migrate"
        done = "created"
    if revision_of(database) != head:
        return "migrate"
    env.setdefault(MIGRATE_ON_START, "false")
    return done


def _create(database: Path, schema: Path) -> bool:
    """Build ``database`` from ``schema`` under a temporary name, then link it into place
    (another process may be doing the same: the first link wins, the database is whole)."""
    if not schema.is_file():
        return False
    database.parent.mkdir(parents=True, exist_ok=True)
    temporary = database.with_name(f".{database.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(temporary)) as db:
            db.executescript(schema.read_text(encoding="utf-8"))
        with contextlib.suppress(FileExistsError):
            os.link(temporary, database)
    except (OSError, sqlite3.Error):
        return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def write_schema(database: Path, folder: Path = SCHEMA_DIR) -> Path:
    """Write the schema of a freshly migrated, unused Prefect database as SQL (maintainers:
    ``python -m flows.prefectdb``); the file is named after its revision."""
    revision = revision_of(database)
    if revision is None:
        raise SystemExit(f"{database} is not a migrated Prefect database.")
    with contextlib.closing(sqlite3.connect(database)) as db:
        rows = [table for (table,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'")
            if db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()]
        if rows:
            raise SystemExit(f"{database} holds rows ({', '.join(rows)}); use an unused one.")
        text = "\n".join(db.iterdump()) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"sqlite-{revision}.sql"
    header = (f"-- Prefect's SQLite schema at Alembic revision {revision}, as its migrations "
              "leave it.\n-- Written by `python -m flows.prefectdb` (flows/prefectdb.py); "
              "do not edit.\n")
    target.write_text(header + text, encoding="utf-8")
    return target


def _main() -> None:
    """Migrate a new database in a temporary PREFECT_HOME and write its schema."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env |= {"PREFECT_HOME": home, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        prefect = Path(sys.executable).with_name("prefect")
        subprocess.run([str(prefect), "server", "database", "upgrade", "-y"], env=env,
                       check=True, capture_output=True)
        target = write_schema(Path(home) / DATABASE)
    for old in SCHEMA_DIR.glob("sqlite-*.sql"):
        if old != target:
            old.unlink()
    print(f"wrote {target}")


if __name__ == "__main__":
    _main()
