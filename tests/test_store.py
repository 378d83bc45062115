"""The database: migrations, saving research twice, history, queries, forgetting, card files."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from lookup.atomic import write_atomic as write_card_atomic
from lookup.errors import StoreError
from lookup.intake.interview import make_interview
from lookup.models import SmtpStep, Verification
from lookup.store import Store, forget_files
from lookup.store.migrations import LATEST, MIGRATIONS, current_version, migrate
from tests.card_fixtures import (
    CHECKED,
    bare_result,
    dana_result,
    dana_verification,
    with_interview,
)

NOW = dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'nested' / 'lookup.db'}"


@pytest.fixture
def store(db_url):
    with Store.open(db_url, now=NOW) as opened:
        yield opened


def count(db_url: str, table: str) -> int:
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


# -- schema ---------------------------------------------------------------------


def test_open_creates_the_latest_schema(store, db_url):
    """Opening a new database creates every table and records the latest version."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert current_version(conn) == LATEST == len(MIGRATIONS) >= 2
        names = set(inspect(conn).get_table_names())
    engine.dispose()
    assert {"interviews", "people", "companies", "candidate_addresses", "verifications",
            "sources", "schema_version"} <= names


def test_migrates_version_1_database_keeping_rows(db_url):
    """A database left at version 1 is migrated to the latest and keeps its rows."""
    engine = create_engine(db_url.replace("/nested/", "/"))
    with engine.begin() as conn:
        assert migrate(conn, now=NOW.replace(tzinfo=None), target=1) == 1
        conn.exec_driver_sql(
            "INSERT INTO verifications (address, status, reasons_json, mx_json, flags_json,"
            " checked_at) VALUES ('old@brightwater.test', 'unknown', '[]', '[]', '[]',"
            " '2026-01-01 00:00:00')"
        )
        columns = {c["name"] for c in inspect(conn).get_columns("candidate_addresses")}
        assert "published_source" not in columns
    engine.dispose()
    with Store.open(db_url.replace("/nested/", "/"), now=NOW) as store:
        history = store.verification_history("old@brightwater.test")
    assert [v.status for v in history] == ["unknown"]
    engine = create_engine(db_url.replace("/nested/", "/"))
    with engine.connect() as conn:
        assert current_version(conn) == LATEST
        columns = {c["name"] for c in inspect(conn).get_columns("candidate_addresses")}
        indexes = {i["name"] for i in inspect(conn).get_indexes("verifications")}
    engine.dispose()
    assert "published_source" in columns and "ix_verifications_address_checked" in indexes


def test_migrates_version_2_interviews_into_rounds(db_url):
    """A version-2 database keeps its interview row, which becomes round 1 of the person."""
    url = db_url.replace("/nested/", "/")
    engine = create_engine(url)
    with engine.begin() as conn:
        assert migrate(conn, now=NOW.replace(tzinfo=None), target=2) == 2
        columns = {c["name"] for c in inspect(conn).get_columns("interviews")}
        assert "starts_at" not in columns
        conn.exec_driver_sql("INSERT INTO companies (name, name_key) VALUES ('Brightwater "
                             "Analytics', 'brightwater analytics')")
        conn.exec_driver_sql("INSERT INTO people (slug, name, name_key, company_id) VALUES "
                             "('dana-okafor', 'Dana Okafor', 'dana okafor', 1)")
        conn.exec_driver_sql("INSERT INTO interviews (person_id, company_id, role, "
                             "interview_date, recruiter, notes, created_at, updated_at) VALUES "
                             "(1, 1, 'Data Engineer', '2026-03-02', 'Sam Lee', 'We discussed "
                             "Flink', '2026-03-02 18:00:00', '2026-03-02 18:00:00')")
    engine.dispose()
    with Store.open(url, now=NOW) as store:
        (old,) = store.interviews_for("dana-okafor")
        assert (old.role, old.interview_date, old.notes, old.starts_at) == (
            "Data Engineer", dt.date(2026, 3, 2), "We discussed Flink", None)
        store.save_research(with_interview(dana_result(), interview_date=dt.date(2026, 3, 16)),
                            card_path=None, now=NOW)
        assert [i.interview_date.day for i in store.interviews_for("dana-okafor")] == [2, 16]


def test_newer_schema_is_refused(db_url):
    """A database from a newer version of the tool is refused with a sentence."""
    Store.open(db_url, now=NOW).close()
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, '2026-01-01 00:00:00')")
    with pytest.raises(StoreError, match="newer than this tool knows"):
        Store.open(db_url, now=NOW)


def test_bad_url_is_a_store_error():
    """A URL SQLAlchemy cannot parse becomes a StoreError, not a traceback."""
    with pytest.raises(StoreError, match="is not a valid SQLAlchemy URL"):
        Store.open("not a url at all")


def test_unreachable_database_is_a_store_error(tmp_path):
    """A database file that cannot be opened becomes a StoreError naming the database."""
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError, match="could not be opened or migrated"):
        Store.open(f"sqlite:///{tmp_path / 'dir.db'}")


def test_in_memory_database_works():
    """sqlite:// (in memory) keeps its data across calls of one Store."""
    with Store.open("sqlite://", now=NOW) as store:
        store.save_research(dana_result(), card_path=None, now=NOW)
        assert [p.slug for p in store.list_people()] == ["dana-okafor"]


# -- saving ---------------------------------------------------------------------


def test_save_twice_updates_never_duplicates(store, db_url):
    """Saving the same interview twice keeps one person, interview and candidate set."""
    first = store.save_research(dana_result(), card_path="a.md", now=NOW)
    later = NOW + dt.timedelta(days=1)
    second = store.save_research(
        with_interview(dana_result(), role="Staff Data Engineer"), card_path="b.md", now=later
    )
    assert first == second
    assert [count(db_url, t) for t in ("people", "interviews", "companies")] == [1, 1, 1]
    assert count(db_url, "candidate_addresses") == 3 and count(db_url, "sources") == 4
    assert store.find_person("dana-okafor").card_path == "b.md"


def test_a_second_round_adds_an_interview_and_the_same_round_updates_it(store, db_url):
    """Another date is another interview row; the same date again updates that row."""
    first = make_interview("Dana Okafor", "Brightwater Analytics", interview_date="2026-03-02",
                           interview_time="14:00-14:45", timezone="Europe/Lisbon",
                           recruiter="Sam Lee <sam@agency.test>", notes="We discussed Flink",
                           panel=["Lee Park"])
    second = replace(first, interview_date=dt.date(2026, 3, 16), panel=(),
                     starts_at=first.starts_at + dt.timedelta(days=14),
                     ends_at=first.ends_at + dt.timedelta(days=14), notes="Round two")
    store.save_research(replace(dana_result(), interview=first), card_path="a.md", now=NOW)
    store.save_research(replace(dana_result(), interview=second), card_path="a.md", now=NOW)
    store.save_research(replace(dana_result(), interview=second), card_path="a.md", now=NOW)
    assert count(db_url, "interviews") == 2 and count(db_url, "people") == 1
    rounds = store.interviews_for("dana-okafor")
    assert [(r.interview_date.day, r.notes) for r in rounds] == [(2, "We discussed Flink"),
                                                                 (16, "Round two")]
    assert rounds[0].starts_at == first.starts_at and str(rounds[0].starts_at.tzinfo) == \
        "Europe/Lisbon"
    assert (rounds[0].recruiter_email, rounds[0].panel) == ("sam@agency.test",
                                                           ("Dana Okafor", "Lee Park"))
    person = store.find_person("dana-okafor")
    assert (person.rounds, person.interview_date) == (2, dt.date(2026, 3, 16))
    # 14:45 Lisbon (WET, UTC+0) on 16 March, plus 24 hours.
    assert person.followup_due == dt.datetime(2026, 3, 17, 14, 45, tzinfo=dt.UTC)
    assert store.has_interview(second) and not store.has_interview(
        replace(second, interview_date=dt.date(2026, 4, 1), starts_at=None, ends_at=None))


def test_save_appends_new_verifications_to_history(store):
    """A second run with new checks appends to the history; identical checks are kept once."""
    store.save_research(dana_result(), card_path=None, now=NOW)
    store.save_research(dana_result(), card_path=None, now=NOW)
    later = dana_verification(at=CHECKED + dt.timedelta(days=7), status="risky")
    result = dana_result()
    rechecked = replace(result.candidates[0], verification=later)
    store.save_research(replace(result, candidates=(rechecked, *result.candidates[1:])),
                        card_path=None, now=NOW)
    history = store.verification_history("dana.okafor@brightwater.test")
    assert [v.status for v in history] == ["deliverable", "risky"]


def test_same_name_at_another_company_is_another_person(store):
    """A namesake at another company gets their own row and a company-suffixed slug."""
    store.save_research(dana_result(), card_path=None, now=NOW)
    other = with_interview(dana_result(), company="Harbor Freight Labs")
    assert store.slug_for("Dana Okafor", "Harbor Freight Labs") == "dana-okafor-harbor-freight-labs"
    store.save_research(other, card_path=None, now=NOW)
    assert sorted(p.slug for p in store.list_people()) == [
        "dana-okafor", "dana-okafor-harbor-freight-labs"]
    assert store.slug_for("  dana  OKAFOR ", "brightwater analytics") == "dana-okafor"


def test_failure_mid_save_rolls_back(store, db_url):
    """An error inside save_research leaves nothing half-written."""
    result = dana_result()
    broken = replace(result.candidates[0], address=None)  # NOT NULL violation mid-transaction
    with pytest.raises(StoreError, match="could not save the research"):
        store.save_research(replace(result, candidates=(broken,)), card_path=None, now=NOW)
    assert [count(db_url, t) for t in ("people", "companies", "interviews")] == [0, 0, 0]


def test_verification_round_trips(store):
    """A recorded verification reads back equal, with aware UTC times and SMTP steps."""
    v = Verification(
        address="dana.okafor@brightwater.test", status="unknown",
        reasons=("greylisted (451 4.7.1)",), checked_at=CHECKED,
        mx=("10 mx1.brightwater.test",), provider=None,
        smtp=(SmtpStep("RCPT TO:<dana.okafor@brightwater.test>", 451, "4.7.1", "try later"),),
        flags=("catch_all",), retry_after=CHECKED + dt.timedelta(minutes=5),
    )
    store.record_verification(v)
    assert store.verification_history("Dana.Okafor@brightwater.test") == [v]


def test_naive_and_other_zone_times_are_stored_as_utc(store):
    """An aware non-UTC time reads back as the same instant in UTC."""
    zone = dt.timezone(dt.timedelta(hours=2))
    store.record_verification(dana_verification(at=dt.datetime(2026, 3, 3, 17, 30, tzinfo=zone)))
    (back,) = store.verification_history("dana.okafor@brightwater.test")
    assert back.checked_at == CHECKED and back.checked_at.tzinfo == dt.UTC


# -- reading ----------------------------------------------------------------------


def test_list_people_summarises_chosen_address_and_latest_status(store):
    """list_people shows the chosen address with its latest verdict and check time."""
    store.save_research(dana_result(), card_path="data/briefings/dana-okafor.md", now=NOW)
    store.record_verification(dana_verification(at=CHECKED + dt.timedelta(days=3),
                                                status="risky"))
    (person,) = store.list_people()
    assert (person.slug, person.name, person.company, person.domain) == (
        "dana-okafor", "Dana Okafor", "Brightwater Analytics", "brightwater.test")
    assert (person.address, person.probability, person.status) == (
        "dana.okafor@brightwater.test", 0.87, "risky")
    assert person.last_checked == CHECKED + dt.timedelta(days=3)
    assert person.interview_date == dt.date(2026, 3, 2) and person.title == "Head of Data Platform"
    assert person.role == "Senior Data Engineer"


def test_person_without_address_is_listed(store):
    """Someone with no candidates is listed with no address and no status."""
    store.save_research(bare_result(), card_path=None, now=NOW)
    (person,) = store.list_people()
    assert (person.slug, person.address, person.status, person.domain) == (
        "robin-vale", None, None, None)


@pytest.mark.parametrize("query", ["dana-okafor", "Dana Okafor", "  dana   okafor ", "DANA OKAFOR"])
def test_find_person_by_name_or_slug(store, query):
    """find_person accepts the slug or the name in any case and spacing."""
    store.save_research(dana_result(), card_path=None, now=NOW)
    assert store.find_person(query).slug == "dana-okafor"


def test_find_unknown_person_is_none(store):
    """An unknown name finds nobody."""
    assert store.find_person("Nobody Here") is None


def test_history_for_person_covers_all_their_addresses(store):
    """history_for_person returns checks of every candidate address, oldest first."""
    store.save_research(dana_result(), card_path=None, now=NOW)
    store.record_verification(dana_verification("someone.else@brightwater.test"))
    history = store.history_for_person("dana-okafor")
    assert sorted(v.address for v in history) == [
        "dana.okafor@brightwater.test", "dana@brightwater.test"]
    assert store.history_for_person("nobody") == []


def test_due_for_reverification(store):
    """Chosen addresses whose latest check is older than the interval are due, oldest first."""
    store.save_research(dana_result(), card_path=None, now=NOW)
    store.save_research(bare_result(), card_path=None, now=NOW)
    interval = dt.timedelta(days=14)
    assert store.due_for_reverification(now=CHECKED + dt.timedelta(days=13), interval=interval,
                                        limit=10) == []
    (due,) = store.due_for_reverification(now=CHECKED + dt.timedelta(days=15), interval=interval,
                                          limit=10)
    assert (due.slug, due.address, due.domain, due.last_checked) == (
        "dana-okafor", "dana.okafor@brightwater.test", "brightwater.test", CHECKED)
    assert store.due_for_reverification(now=CHECKED + dt.timedelta(days=15), interval=interval,
                                        limit=0) == []


def test_never_checked_and_retry_after_are_due(store):
    """An address never checked, or whose retry time has come, is due at once."""
    result = dana_result()
    unchecked = replace(result.candidates[0], verification=None)
    store.save_research(replace(result, candidates=(unchecked,)), card_path=None, now=NOW)
    (due,) = store.due_for_reverification(now=NOW, interval=dt.timedelta(days=14), limit=5)
    assert due.last_checked is None
    store.record_verification(replace(dana_verification(at=NOW), status="unknown",
                                      retry_after=NOW + dt.timedelta(minutes=10)))
    assert store.due_for_reverification(now=NOW, interval=dt.timedelta(days=14), limit=5) == []
    later = NOW + dt.timedelta(minutes=11)
    assert len(store.due_for_reverification(now=later, interval=dt.timedelta(days=14),
                                            limit=5)) == 1


def test_expired_uses_interview_date_then_created_at(store):
    """Interviews older than retention are expired; without a date, the first save counts."""
    store.save_research(dana_result(), card_path=None, now=NOW)  # interview 2026-03-02
    store.save_research(bare_result(), card_path=None, now=NOW)  # no date: created 2026-03-03
    day = dt.timedelta(days=1)
    assert store.expired(now=NOW + 179 * day, retention_days=180) == []
    assert store.expired(now=NOW + 180 * day, retention_days=180) == ["dana-okafor"]
    assert store.expired(now=NOW + 181 * day, retention_days=180) == ["dana-okafor", "robin-vale"]


def test_a_later_round_keeps_a_person_past_retention(store):
    """Retention counts from the latest interview: an old first round alone expires nobody."""
    store.save_research(dana_result(), card_path=None, now=NOW)  # 2026-03-02
    store.save_research(with_interview(dana_result(), interview_date=dt.date(2026, 6, 1)),
                        card_path=None, now=NOW)
    day = dt.timedelta(days=1)
    assert store.expired(now=NOW + 200 * day, retention_days=180) == []
    assert store.expired(now=NOW + 300 * day, retention_days=180) == ["dana-okafor"]


# -- forgetting ---------------------------------------------------------------------


def test_forget_deletes_every_row_about_the_person(store, db_url):
    """forget removes the person, interview, candidates, sources and their history."""
    store.save_research(dana_result(), card_path="data/briefings/dana-okafor.md", now=NOW)
    store.save_research(bare_result(), card_path=None, now=NOW)
    report = store.forget("Dana Okafor")
    assert report.found and report.slug == "dana-okafor"
    assert (report.people, report.interviews, report.candidates, report.sources,
            report.verifications) == (1, 1, 3, 4, 2)
    assert report.card_path == "data/briefings/dana-okafor.md"
    assert store.find_person("dana-okafor") is None
    assert count(db_url, "verifications") == 0 and count(db_url, "sources") == 0
    assert [p.slug for p in store.list_people()] == ["robin-vale"]


def test_forget_keeps_history_of_addresses_shared_with_others(store):
    """A verdict on an address another stored person also has is kept."""
    store.save_research(dana_result(), card_path=None, now=NOW)
    store.save_research(with_interview(dana_result(), name="Dana Okafor-Smith"),
                        card_path=None, now=NOW)
    report = store.forget("dana-okafor")
    assert report.verifications == 0
    assert len(store.verification_history("dana.okafor@brightwater.test")) == 1


def test_forget_unknown_person_reports_not_found(store):
    """Forgetting someone not stored deletes nothing and says so."""
    assert store.forget("Nobody Here").found is False


def test_forget_files_removes_card_and_cache_mentions(tmp_path):
    """forget_files deletes the card, its reminder, panel indexes and cached files naming the
    person, nothing else."""
    card = tmp_path / "briefings" / "dana-okafor.md"
    reminder = tmp_path / "briefings" / "dana-okafor.ics"
    panel = tmp_path / "briefings" / "panel-brightwater-analytics-2026-03-02.md"
    other_panel = tmp_path / "briefings" / "panel-harbor-lane-2026-03-02.md"
    other_card = tmp_path / "briefings" / "robin-vale.md"
    page = tmp_path / "cache" / "pages" / "a1.html"
    search = tmp_path / "cache" / "search" / "b2.json"
    unrelated = tmp_path / "cache" / "pages" / "c3.html"
    for path, text in [
        (card, "# Dana"), (other_card, "# Robin"), (reminder, "BEGIN:VCALENDAR"),
        (panel, "| Dana Okafor | Head of Data Platform |"), (other_panel, "| Robin Vale |"),
        (page, "<p>DANA\n  OKAFOR leads data</p>"),
        (search, json.dumps({"title": "Zoë about Dana Okafor"})),
        (unrelated, "<p>Robin Vale</p>"),
    ]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    removed = forget_files(tmp_path, "dana-okafor", "Dana Okafor")
    assert sorted(removed) == sorted([card, reminder, panel, page, search])
    assert other_card.exists() and unrelated.exists() and not page.exists()
    assert other_panel.exists()


def test_forget_files_finds_json_escaped_names(tmp_path):
    """A cache that JSON-escaped a non-ASCII name is still found."""
    cached = tmp_path / "cache" / "x.json"
    cached.parent.mkdir()
    cached.write_text(json.dumps({"name": "Zoë Brandt"}), encoding="ascii")
    assert forget_files(tmp_path, "zoe-brandt", "Zoë Brandt") == [cached]


# -- card files -------------------------------------------------------------------


def test_write_card_atomic_replaces_content(tmp_path):
    """write_card_atomic creates folders, writes, and replaces an old card entirely."""
    path = tmp_path / "briefings" / "dana-okafor.md"
    write_card_atomic(path, "old card\n")
    write_card_atomic(path, "new card\n")
    assert path.read_text(encoding="utf-8") == "new card\n"
    assert [p.name for p in path.parent.iterdir()] == ["dana-okafor.md"]


def test_write_card_crash_keeps_previous_card(tmp_path, monkeypatch):
    """A crash before the rename leaves the previous card intact and no temp file behind."""
    path = tmp_path / "dana-okafor.md"
    write_card_atomic(path, "previous\n")

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_card_atomic(path, "half-written\n")
    assert path.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dana-okafor.md"]


def test_default_sqlite_folder_is_created(tmp_path):
    """A SQLite URL in a folder that does not exist yet creates the folder."""
    url = f"sqlite:///{tmp_path / 'a' / 'b' / 'lookup.db'}"
    Store.open(url).close()
    assert Path(tmp_path / "a" / "b" / "lookup.db").is_file()


def test_migrations_are_transactional_on_sqlite(tmp_path):
    """A migration that fails half-way leaves no table behind (DDL runs inside the transaction)."""
    from lookup.store.engine import make_engine as _make_engine

    engine = _make_engine(f"sqlite:///{tmp_path / 'lookup.db'}")
    with pytest.raises(RuntimeError), engine.begin() as conn:
        migrate(conn, now=NOW.replace(tzinfo=None), target=1)
        raise RuntimeError("crash after the first migration")
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()


def test_concurrent_opens_of_a_new_database_both_succeed(tmp_path):
    """Two processes' worth of Store.open on one new SQLite file both end at the latest schema."""
    import threading

    url = f"sqlite:///{tmp_path / 'lookup.db'}"
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def open_one():
        barrier.wait()
        try:
            with Store.open(url, now=NOW) as store:
                store.save_research(dana_result(), card_path=None, now=NOW)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(url, "people") == 1 and count(url, "schema_version") == LATEST


def test_postgresql_round_trip(pg_url):
    """On a real PostgreSQL: migrate, save twice, list, history, due, expire and forget all work."""
    url = pg_url
    engine = create_engine(url)
    with engine.begin() as conn:  # start from an empty database
        for table in ("verifications", "sources", "candidate_addresses", "interviews",
                      "people", "companies", "schema_version"):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table} CASCADE")
    engine.dispose()
    with Store.open(url, now=NOW) as store:
        store.save_research(dana_result(), card_path="a.md", now=NOW)
        store.save_research(dana_result(), card_path="b.md", now=NOW)
        store.save_research(bare_result(), card_path=None, now=NOW)
        assert [p.slug for p in store.list_people()] == ["dana-okafor", "robin-vale"]
        assert store.find_person("DANA okafor").card_path == "b.md"
        assert len(store.history_for_person("dana-okafor")) == 2
        later = CHECKED + dt.timedelta(days=15)
        assert [d.slug for d in store.due_for_reverification(
            now=later, interval=dt.timedelta(days=14), limit=5)] == ["dana-okafor"]
        assert store.expired(now=NOW + dt.timedelta(days=181), retention_days=180) == [
            "dana-okafor", "robin-vale"]
        later_round = with_interview(dana_result(), interview_date=dt.date(2026, 3, 16),
                                     recruiter_email="sam@agency.test")
        store.save_research(later_round, card_path="b.md", now=NOW)
        found = store.find_person("dana-okafor")
        assert (found.rounds, found.interview_date) == (2, dt.date(2026, 3, 16))
        assert found.followup_due == dt.datetime(2026, 3, 17, 17, 0, tzinfo=dt.UTC)
        assert [i.recruiter_email for i in store.interviews_for("dana-okafor")] == [
            None, "sam@agency.test"]
        assert store.has_interview(later_round.interview)
        report = store.forget("dana-okafor")
        assert (report.people, report.interviews, report.candidates, report.verifications) == (
            1, 2, 3, 2)
    with Store.open(url, now=NOW) as store:  # reopening an up-to-date schema is a no-op
        assert [p.slug for p in store.list_people()] == ["robin-vale"]
