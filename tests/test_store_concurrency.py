"""Concurrent writers on SQLite and on a real PostgreSQL: no duplicate rows, no card from another run."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, text

from lookup.card import write_briefing
from lookup.settings import load_settings
from lookup.store import Store
from tests.card_fixtures import dana_result, dana_verification, with_interview
from tests.conftest import CANDIDATE

NOW = dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.UTC)
WRITERS = 6


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """The same tests on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lookup.db'}"
    return request.getfixturevalue("pg_url")


def rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def run_together(jobs) -> None:
    """Start every job at the same instant on its own thread; re-raise the first failure."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def go(job):
        barrier.wait()
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]


def titled(title: str, minute: int):
    """Dana's research as one run saw it: its own title and its own check time."""
    result = dana_result()
    checked = dana_verification(at=NOW + dt.timedelta(minutes=minute))
    chosen = replace(result.candidates[0], verification=checked)
    return replace(result, profile=replace(result.profile, title=title),
                   candidates=(chosen, *result.candidates[1:]))


def test_runs_for_one_person_write_one_after_the_other(db_url, tmp_path):
    """Six runs for one person at once: one person, one interview, one run's candidates, and a card matching the rows."""
    Store.open(db_url, now=NOW).close()  # the schema exists before the race starts
    settings = load_settings(env={}, overrides={
        "general": {"data_dir": str(tmp_path / "data"), "candidate": CANDIDATE},
        "store": {"database_url": db_url}})
    jobs = [
        (lambda i=i: write_briefing(titled(f"Title number {i}", i), settings=settings, now=NOW))
        for i in range(WRITERS)
    ]
    run_together(jobs)
    assert rows(db_url, "SELECT slug FROM people") == [("dana-okafor",)]
    assert rows(db_url, "SELECT COUNT(*) FROM interviews") == [(1,)]
    assert rows(db_url, "SELECT COUNT(*) FROM candidate_addresses") == [(3,)]
    assert rows(db_url, "SELECT COUNT(*) FROM sources") == [(len(dana_result().sources),)]
    # every run's check of the chosen address is history; the refused one is recorded once
    assert rows(db_url, "SELECT COUNT(*) FROM verifications") == [(WRITERS + 1,)]
    (title,), = rows(db_url, "SELECT title FROM people")
    card = (tmp_path / "data" / "briefings" / CANDIDATE / "dana-okafor.md").read_text(encoding="utf-8")
    assert title in card
    assert sum(f"Title number {i}" in card for i in range(WRITERS)) == 1


def test_new_company_met_by_several_runs_at_once_is_stored_once(db_url):
    """Six people at one company not seen before, saved at once: one company row, six people."""
    Store.open(db_url, now=NOW).close()

    def save(i: int) -> None:
        result = with_interview(dana_result(), name=f"Person Number{chr(65 + i)}")
        with Store.open(db_url, now=NOW) as store:
            store.save_research(result, card_path=None, now=NOW)

    run_together([lambda i=i: save(i) for i in range(WRITERS)])
    assert rows(db_url, "SELECT COUNT(*) FROM companies") == [(1,)]
    assert rows(db_url, "SELECT COUNT(*) FROM people") == [(WRITERS,)]


def test_namesakes_saved_at_once_get_different_slugs(db_url, tmp_path):
    """Namesakes at six companies, written at once, each get their own slug and card."""
    Store.open(db_url, now=NOW).close()
    settings = load_settings(env={}, overrides={
        "general": {"data_dir": str(tmp_path / "data"), "candidate": CANDIDATE},
        "store": {"database_url": db_url}})
    jobs = [
        (lambda i=i: write_briefing(with_interview(dana_result(), company=f"Company {i}"),
                                    settings=settings, now=NOW))
        for i in range(WRITERS)
    ]
    run_together(jobs)
    slugs = [slug for (slug,) in rows(db_url, "SELECT slug FROM people")]
    assert len(slugs) == len(set(slugs)) == WRITERS
    assert len(list((tmp_path / "data" / "briefings" / CANDIDATE).glob("*.md"))) == WRITERS


def test_forget_waits_for_a_running_write_and_removes_it(db_url):
    """Forget takes the same lock as a writer: it removes the rows a concurrent save wrote."""
    with Store.open(db_url, now=NOW) as store:
        store.save_research(dana_result(), card_path=None, now=NOW)
    started = threading.Event()
    release = threading.Event()

    def slow_writer() -> None:
        with Store.open(db_url, now=NOW) as store, store.writing("Dana Okafor"):
            started.set()
            release.wait(10)
            store.save_research(with_interview(dana_result(), role="Changed"), card_path=None,
                                now=NOW)

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert started.wait(10)
    forgot: list = []
    forgetter = threading.Thread(
        target=lambda: forgot.append(Store.open(db_url, now=NOW).forget("dana-okafor")))
    forgetter.start()
    forgetter.join(0.5)
    assert forgetter.is_alive(), "forget must wait for the writer's lock"
    release.set()
    writer.join(10)
    forgetter.join(10)
    assert forgot[0].found and rows(db_url, "SELECT COUNT(*) FROM people") == [(0,)]
