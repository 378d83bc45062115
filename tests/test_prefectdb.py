"""Prefect's SQLite database made from the shipped schema (flows/prefectdb.py), and one world
per process (flows/runtime.py world_settings): the start-up savings of issue 31.

Real SQLite files and a real world on loopback; the database's use by a real Prefect server is
covered where one starts on it (tests/test_install.py: `lookup demo` from the wheel).
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from flows import prefectdb
from flows.runtime import world_settings
from lookup.settings import load_settings
from tests.conftest import DEMO_WORLD


def test_the_shipped_schema_is_the_installed_prefects_migration_head() -> None:
    """A Prefect upgrade with new migrations fails here: regenerate the schema with
    `python -m flows.prefectdb` (until then, new databases are migrated as before)."""
    head = prefectdb.migration_head()
    shipped = sorted(p.name for p in prefectdb.SCHEMA_DIR.glob("sqlite-*.sql"))
    assert head is not None
    assert shipped == [f"sqlite-{head}.sql"]


def test_a_new_database_is_made_at_the_head_and_not_migrated_on_start(tmp_path: Path) -> None:
    """No prefect.db: it is created with Prefect's tables at the head revision, and the
    server is told to skip its empty upgrade; the next start finds it current."""
    env: dict[str, str] = {}
    assert prefectdb.prepare_sqlite(tmp_path, env) == "created"
    database = tmp_path / "prefect.db"
    assert prefectdb.revision_of(database) == prefectdb.migration_head()
    with contextlib.closing(sqlite3.connect(database)) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master "
                                                  "WHERE type = 'table'")}
    assert {"flow_run", "task_run", "artifact", "concurrency_limit_v2", "variable"} <= tables
    assert env == {prefectdb.MIGRATE_ON_START: "false"}
    again: dict[str, str] = {}
    assert prefectdb.prepare_sqlite(tmp_path, again) == "current"
    assert again == {prefectdb.MIGRATE_ON_START: "false"}
    assert [p.name for p in tmp_path.iterdir()] == ["prefect.db"]  # no temporary file left


def test_a_database_at_another_revision_is_left_to_prefects_migrations(tmp_path: Path) -> None:
    """A database an older Prefect left: nothing is touched and Prefect migrates on start."""
    database = tmp_path / "prefect.db"
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version VALUES ('0123456789ab')")
        db.commit()
    env: dict[str, str] = {}
    assert prefectdb.prepare_sqlite(tmp_path, env) == "migrate"
    assert env == {} and prefectdb.revision_of(database) == "0123456789ab"


def test_a_user_setting_for_the_migration_wins(tmp_path: Path) -> None:
    """PREFECT_SERVER_DATABASE_MIGRATE_ON_START set by the user is kept."""
    env = {prefectdb.MIGRATE_ON_START: "true"}
    assert prefectdb.prepare_sqlite(tmp_path, env) == "created"
    assert env == {prefectdb.MIGRATE_ON_START: "true"}


@pytest.mark.parametrize("name", ["PREFECT_SERVER_DATABASE_CONNECTION_URL",
                                  "PREFECT_API_DATABASE_CONNECTION_URL"])
def test_a_database_set_elsewhere_is_not_ours(tmp_path: Path, name: str) -> None:
    """With Prefect's database named by a connection URL, no file is made in PREFECT_HOME."""
    env = {name: "postgresql+asyncpg://prefect@127.0.0.1/prefect"}
    assert prefectdb.prepare_sqlite(tmp_path, env) == "elsewhere"
    assert list(tmp_path.iterdir()) == []


def test_the_schema_writer_refuses_a_used_database(tmp_path: Path) -> None:
    """Only an unused database's schema is shipped: rows other than its revision are refused."""
    prefectdb.prepare_sqlite(tmp_path, {})
    with contextlib.closing(sqlite3.connect(tmp_path / "prefect.db")) as db:
        db.execute("INSERT INTO variable (id, name, value) VALUES ('x', 'secret', '\"v\"')")
        db.commit()
    with pytest.raises(SystemExit, match="holds rows"):
        prefectdb.write_schema(tmp_path / "prefect.db", tmp_path / "out")


def test_the_written_schema_makes_the_same_database(tmp_path: Path) -> None:
    """Writing the schema of a database made from it gives the shipped text back."""
    prefectdb.prepare_sqlite(tmp_path / "home", {})
    written = prefectdb.write_schema(tmp_path / "home" / "prefect.db", tmp_path / "out")
    shipped = prefectdb.SCHEMA_DIR / written.name
    assert written.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")


def test_a_run_inside_a_served_world_uses_that_world() -> None:
    """world_settings within world_settings for the same directory serves nothing new: the
    command's looks and the flow's run meet the same servers (one world per process)."""
    settings = load_settings({"LOOKUP_WORLD": str(DEMO_WORLD), "LOOKUP_CONFIG": ""})
    with world_settings(settings) as outer:
        with world_settings(settings) as inner:
            assert inner.world == outer.world and inner.world is not None
