"""The database schema and the ordered migrations that build it.

``define_tables(metadata, version=...)`` describes the tables as they are at a
given schema version; ``MIGRATIONS[i]`` takes a database from version ``i`` to
``i + 1``. ``migrate(conn)`` applies the missing ones, in order, inside the
caller's transaction, and records each in ``schema_version``. The SQL is
portable: SQLite by default, PostgreSQL (or any SQLAlchemy backend) by URL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    inspect,
    select,
    text,
)

from lookup.errors import StoreError

__all__ = [
    "DEFAULT_CANDIDATE", "LATEST", "MIGRATIONS", "TABLES", "current_version", "define_tables",
    "migrate",
]

URL_LEN = 2048
CANDIDATE_LEN = 200
# Whose the interviews stored before candidates existed are (schema version 4): one user's
# own store, so `lookup` run without --candidate on that machine finds them (see
# lookup.intake.request: the default candidate when settings name nobody).
DEFAULT_CANDIDATE = "me"
# Version 3: an interview is its own record (rounds, panels), with its times (UTC), the
# user's zone, the recruiter's address and the follow-up deadline (UTC).
INTERVIEW_V3_COLUMNS = (
    ("starts_at", DateTime),
    ("ends_at", DateTime),
    ("time_zone", String(64)),
    ("recruiter_email", String(320)),
    ("panel_json", Text),
    ("followup_due_at", DateTime),
)


def define_tables(metadata: MetaData, *, version: int) -> MetaData:
    """Add every table, as it stands at schema ``version``, to ``metadata``."""
    Table(
        "schema_version", metadata,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("applied_at", DateTime, nullable=False),
    )
    Table(
        "companies", metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(300), nullable=False),
        Column("name_key", String(300), nullable=False, unique=True),
        Column("domain", String(255)),
    )
    Table(
        "people", metadata,
        Column("id", Integer, primary_key=True),
        Column("slug", String(200), nullable=False, unique=True),
        Column("name", String(300), nullable=False),
        Column("name_key", String(300), nullable=False, index=True),
        Column("title", Text),
        Column("company_id", Integer, ForeignKey("companies.id"), nullable=False),
        Column("profile_json", Text),
        UniqueConstraint("name_key", "company_id", name="uq_people_name_company"),
        *([Column("world", Boolean, nullable=False, server_default=text("false"))]
          if version >= 4 else []),
    )
    interview_columns = [
        Column("id", Integer, primary_key=True),
        Column("person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
        Column("company_id", Integer, ForeignKey("companies.id"), nullable=False),
        Column("role", Text),
        Column("interview_date", Date),
        Column("recruiter", Text),
        Column("notes", Text),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("card_path", Text),
    ]
    if version >= 3:
        interview_columns += [Column(name, kind) for name, kind in INTERVIEW_V3_COLUMNS]
    if version >= 4:
        interview_columns.append(Column("candidate", String(CANDIDATE_LEN), nullable=False,
                                        server_default=DEFAULT_CANDIDATE))
    interviews = Table("interviews", metadata, *interview_columns)
    if version >= 4:
        Index("ix_interviews_person_candidate", interviews.c.person_id, interviews.c.candidate)
        Table(
            "forgotten", metadata,  # tombstones: a run that began before one writes nothing
            Column("id", Integer, primary_key=True),
            # a hash of the name, not the name: what is forgotten leaves no trace
            Column("name_hash", String(64), nullable=False, index=True),
            Column("candidate", String(CANDIDATE_LEN)),  # NULL: for every candidate
            Column("forgotten_at", DateTime, nullable=False),
        )
    candidate_columns = [
        Column("id", Integer, primary_key=True),
        Column("person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
        Column("address", String(320), nullable=False),
        Column("probability", Float, nullable=False),
        Column("inference_probability", Float, nullable=False),
        Column("format", String(100)),
        Column("status", String(20), nullable=False),
        Column("reasons_json", Text, nullable=False),
        Column("chosen", Boolean, nullable=False, default=False),
    ]
    if version >= 2:
        candidate_columns.append(Column("published_source", String(URL_LEN)))
    Table("candidate_addresses", metadata, *candidate_columns)
    verifications = Table(
        "verifications", metadata,
        Column("id", Integer, primary_key=True),
        Column("address", String(320), nullable=False),
        Column("status", String(20), nullable=False),
        Column("reasons_json", Text, nullable=False),
        Column("mx_json", Text, nullable=False),
        Column("provider", String(100)),
        Column("smtp_json", Text),
        Column("flags_json", Text, nullable=False),
        Column("checked_at", DateTime, nullable=False),
        Column("retry_after", DateTime),
    )
    if version >= 2:
        Index("ix_verifications_address_checked", verifications.c.address,
              verifications.c.checked_at)
    Table(
        "sources", metadata,
        Column("id", Integer, primary_key=True),
        Column("person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
        Column("url", String(URL_LEN), nullable=False),
        Column("title", Text),
        Column("snippet", Text),
        Column("kind", String(20)),
    )
    return metadata


def _v1_initial(conn: Connection) -> None:
    """Create the first schema: interviews, people, companies, candidates, history, sources."""
    define_tables(MetaData(), version=1).create_all(conn)


def _v2_published_source_and_history_index(conn: Connection) -> None:
    """Remember where a published address was seen; index the history by address and time."""
    conn.execute(text(
        f"ALTER TABLE candidate_addresses ADD COLUMN published_source VARCHAR({URL_LEN})"
    ))
    v2 = define_tables(MetaData(), version=2).tables["verifications"]
    (index,) = (i for i in v2.indexes if i.name == "ix_verifications_address_checked")
    index.create(conn)


def _v3_interview_rounds(conn: Connection) -> None:
    """Interviews become their own records: a second round adds a row instead of overwriting.

    New columns only (``ALTER TABLE … ADD COLUMN`` with each type compiled for the
    connection's dialect), so SQLite and PostgreSQL take the same path; existing rows
    keep their values and get NULL in the new columns.
    """
    table = define_tables(MetaData(), version=3).tables["interviews"]
    for name, _ in INTERVIEW_V3_COLUMNS:
        kind = table.c[name].type.compile(dialect=conn.dialect)
        conn.execute(text(f"ALTER TABLE interviews ADD COLUMN {name} {kind}"))


def _v4_candidates_worlds_and_tombstones(conn: Connection) -> None:
    """Candidates kept apart, world people marked, forgetting that sticks.

    Each interview (its notes, recruiter, round and card) belongs to a candidate: the rows
    that were there before go to the default candidate (``DEFAULT_CANDIDATE``). A person
    found in an offline world is marked (``people.world``; the rows before were a world's
    when their company's domain or an address is under ``.test``, the only suffix worlds
    use), so a world run never writes into a store of real contacts. ``forgotten`` holds
    the tombstones `lookup forget` writes.
    """
    tables = define_tables(MetaData(), version=4).tables
    for table, name in (("interviews", "candidate"), ("people", "world")):
        column = tables[table].c[name]
        kind = column.type.compile(dialect=conn.dialect)
        default = column.server_default.arg  # type: ignore[union-attr]
        default = default.text if hasattr(default, "text") else f"'{default}'"
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind} NOT NULL "
                          f"DEFAULT {default}"))
    (index,) = (i for i in tables["interviews"].indexes
                if i.name == "ix_interviews_person_candidate")
    index.create(conn)
    tables["forgotten"].create(conn)
    conn.execute(text(
        "UPDATE people SET world = :yes WHERE company_id IN "
        "(SELECT id FROM companies WHERE lower(domain) LIKE '%.test') "
        "OR id IN (SELECT person_id FROM candidate_addresses WHERE lower(address) LIKE '%.test')"
    ), {"yes": True})


# Position i takes the schema from version i to version i + 1. Append only.
MIGRATIONS: tuple[Callable[[Connection], None], ...] = (
    _v1_initial,
    _v2_published_source_and_history_index,
    _v3_interview_rounds,
    _v4_candidates_worlds_and_tombstones,
)
LATEST = len(MIGRATIONS)
TABLES = define_tables(MetaData(), version=LATEST)


def current_version(conn: Connection) -> int:
    """The schema version recorded in the database (0 for an empty database)."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    version_table = TABLES.tables["schema_version"]
    return conn.execute(select(func.max(version_table.c.version))).scalar() or 0


def migrate(conn: Connection, *, now: dt.datetime, target: int = LATEST,
            owner: str = DEFAULT_CANDIDATE) -> int:
    """Apply the missing migrations up to ``target`` and return the version reached.

    ``owner`` is the candidate the interviews stored before version 4 go to: the default
    candidate of the process that opens the store first (on one's own machine, oneself).
    """
    version = current_version(conn)
    if version > LATEST:
        raise StoreError(
            f"The database has schema version {version}, newer than this tool knows "
            f"({LATEST}); upgrade interviewer-lookup or point LOOKUP_DATABASE_URL elsewhere."
        )
    version_table = TABLES.tables["schema_version"]
    for step in range(version, target):
        MIGRATIONS[step](conn)
        if MIGRATIONS[step] is _v4_candidates_worlds_and_tombstones and owner != DEFAULT_CANDIDATE:
            conn.execute(text("UPDATE interviews SET candidate = :owner"), {"owner": owner})
        conn.execute(version_table.insert().values(version=step + 1, applied_at=now))
    return max(version, target)
