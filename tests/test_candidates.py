"""Candidates kept apart: two candidates research one interviewer in one store, through the CLI.

One candidate's notes, recruiter and rounds never reach the other's card; `list`, `show` and
`forget` act within one candidate unless --all-candidates; the public part is shared and the
card says so. Also: rows from before candidates existed go to the opener's candidate, a world
run never writes into a store of real contacts, and a forgotten person's late run writes
nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from flows.cli import app
from lookup.card.write import write_briefing
from lookup.errors import ForgottenError, StoreError
from lookup.settings import load_settings
from lookup.store import Store, forget_files
from lookup.store.migrations import migrate
from tests.card_fixtures import dana_result
from tests.conftest import DEMO_WORLD

runner = CliRunner()
NOTES = "They asked for 150k and a start in March"
ALEX, BEA = "Alex Kim", "Bea Moss"


def _run(*args: str, ok: int = 0):
    done = runner.invoke(app, list(args))
    assert done.exit_code == ok, done.output
    return done


def _research(candidate: str, *extra: str) -> dict:
    done = _run("research", "Dana Okafor", "--company", "Brightwater Analytics", "--world",
                str(DEMO_WORLD), "--candidate", candidate, "--json", *extra)
    return json.loads(done.stdout)


def _list(*args: str) -> list[dict]:
    return json.loads(_run("list", "--json", *args).stdout)


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_two_candidates_never_see_each_other_s_notes_recruiter_or_rounds(data_dir: Path):
    """Alex's notes, recruiter and round stay on Alex's card; Bea, researching the same
    interviewer a week later, gets a first-round card of her own that says what is shared;
    list, show and forget act for one candidate unless --all-candidates."""
    alex = _research(ALEX, "--notes", NOTES, "--recruiter", "Sam Lee <sam@agency.test>",
                     "--interview-date", "2026-11-20")
    bea = _research(BEA, "--interview-date", "2026-11-27")
    assert alex["candidate"] == "alex-kim" and bea["candidate"] == "bea-moss"
    alex_card, bea_card = Path(alex["card"]), Path(bea["card"])
    assert alex_card == data_dir / "briefings" / "alex-kim" / "dana-okafor.md"
    assert bea_card == data_dir / "briefings" / "bea-moss" / "dana-okafor.md"
    bea_text = bea_card.read_text(encoding="utf-8")
    assert "150k" not in bea_text and "Sam Lee" not in bea_text and "sam@agency.test" not in bea_text
    assert "speaking with me again" not in bea_text and "Round 2" not in bea_text
    assert "_Prepared for `bea-moss`: the notes, recruiter, rounds and draft here are yours" in bea_text
    assert "150k" in alex_card.read_text(encoding="utf-8")
    # the public part is one: the same chosen address on both cards
    assert alex["email"]["address"] == bea["email"]["address"]
    assert f"`{bea['email']['address']}`" in bea_text or bea["email"]["address"] in bea_text

    (mine,) = _list("--candidate", BEA)
    assert (mine["candidate"], mine["rounds"], mine["interview_date"]) == ("bea-moss", 1,
                                                                           "2026-11-27")
    (theirs,) = _list("--candidate", ALEX)
    assert (theirs["candidate"], theirs["rounds"]) == ("alex-kim", 1)
    assert sorted(p["candidate"] for p in _list("--all-candidates")) == ["alex-kim", "bea-moss"]
    assert _list() == []  # the tests' own candidate researched nobody
    assert _run("show", "Dana Okafor", "--candidate", BEA).stdout == bea_text
    _run("show", "Dana Okafor", ok=2)
    _run("list", "--candidate", BEA, "--all-candidates", ok=2)

    # Bea forgets: her card and rows go, Alex keeps the interviewer and the public part
    gone = json.loads(_run("forget", "Dana Okafor", "--candidate", BEA, "--json").stdout)
    assert gone["shared_kept"] is True and gone["rows"]["interviews"] == 1
    assert gone["rows"]["people"] == 0 and str(bea_card) in gone["files"]
    assert not bea_card.exists() and alex_card.exists()
    assert [p["candidate"] for p in _list("--all-candidates")] == ["alex-kim"]
    # Alex forgets for everyone: nothing is left
    _run("forget", "Dana Okafor", "--all-candidates", "--json")
    assert _list("--all-candidates") == [] and not alex_card.exists()


def _v3_store(path: Path) -> str:
    """A store at schema version 3 with one interview, as before candidates existed."""
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.begin() as conn:
        migrate(conn, now=dt.datetime(2026, 1, 1), target=3)
        conn.execute(text("INSERT INTO companies (name, name_key, domain) VALUES "
                          "('Brightwater', 'brightwater', 'brightwater.test')"))
        conn.execute(text("INSERT INTO people (slug, name, name_key, company_id) VALUES "
                          "('dana-okafor', 'Dana Okafor', 'dana okafor', 1)"))
        conn.execute(text("INSERT INTO interviews (person_id, company_id, notes, created_at, "
                          "updated_at) VALUES (1, 1, :notes, '2026-01-01', '2026-01-01')"),
                     {"notes": NOTES})
    engine.dispose()
    return url


def test_rows_from_before_candidates_go_to_the_opener_s_candidate(tmp_path):
    """Migrating a version-3 store gives its interviews to the candidate of whoever opens it
    first (on one's own machine, oneself); a person under .test is marked a world's."""
    url = _v3_store(tmp_path / "old.db")
    with Store.open(url, owner="alex-kim") as store:
        (person,) = store.list_people("alex-kim")
        assert person.slug == "dana-okafor" and person.rounds == 1
        assert store.list_people("bea-moss") == []
        assert store.holds_real_contacts() is False  # brightwater.test: a world's
    with sqlite3.connect(tmp_path / "old.db") as db:
        assert db.execute("SELECT candidate, notes FROM interviews").fetchall() == [
            ("alex-kim", NOTES)]


def _settings(tmp_path: Path, **general: str):
    return load_settings(env={}, overrides={"general": {"data_dir": str(tmp_path / "data"),
                                                         "candidate": "alex-kim", **general}})


def test_a_world_run_never_writes_into_a_store_of_real_contacts(tmp_path):
    """Once the store holds a person found on the real web, a run in a world is refused
    before it writes anything (rows or card), in a sentence saying what to do."""
    from lookup.settings import WorldEndpoints

    settings = _settings(tmp_path)
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    real = write_briefing(dana_result(), settings=settings, now=now)  # not in a world
    world = settings.in_world(WorldEndpoints(str(DEMO_WORLD), 1, 2, 3, "http://127.0.0.1:4"))
    other = replace(dana_result(), interview=replace(dana_result().interview, name="Priya Raman"))
    with pytest.raises(StoreError, match="holds real contacts, and a run in an offline world "
                                         "never writes into it"):
        write_briefing(other, settings=world, now=now)
    with Store.for_settings(settings) as store:
        assert [p.name for p in store.list_people(None)] == ["Dana Okafor"]
    assert {p.stem for p in real.parent.iterdir()} == {"dana-okafor"}


def test_a_run_that_began_before_a_forget_writes_nothing(tmp_path):
    """A tombstone written after a run began stops its write under the person's lock; a run
    that begins after the forget writes as usual; the tombstone does not name the person."""
    settings = _settings(tmp_path)
    began = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    first = write_briefing(dana_result(), settings=settings, now=began)
    def files(report):
        return forget_files(settings.data_dir, report.slug, report.name,
                            candidate=report.candidate, cards=report.cards)

    with Store.for_settings(settings) as store:
        assert store.forget("Dana Okafor", candidate="alex-kim", while_locked=files).files
    with pytest.raises(ForgottenError, match="Dana Okafor was forgotten while this run"):
        write_briefing(dana_result(), settings=settings, now=dt.datetime.now(dt.UTC),
                       started=began)
    assert not first.exists()
    with Store.for_settings(settings) as store:
        assert store.list_people(None) == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    assert write_briefing(dana_result(), settings=settings, now=later, started=later).exists()
    with Store.for_settings(settings) as store:
        store.forget("Dana Okafor")
    raw = (tmp_path / "data" / "lookup.db").read_bytes().lower()
    assert b"okafor" not in raw


def test_a_draft_is_signed_with_the_sender_name_only_for_the_machine_s_own_candidate(tmp_path):
    """followup.sender_name signs the drafts of this machine's own candidate; a card written
    for another candidate (a worker researching for Bea) is left "[Your name]"."""
    settings = load_settings(env={}, overrides={
        "general": {"data_dir": str(tmp_path / "data"), "candidate": ALEX},
        "followup": {"sender_name": "Alex Kim"}})
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    mine = write_briefing(dana_result(), settings=settings, now=now).read_text(encoding="utf-8")
    bea = replace(dana_result(), interview=replace(dana_result().interview, candidate="bea-moss"))
    theirs = write_briefing(bea, settings=settings, now=now).read_text(encoding="utf-8")
    assert "Best regards,\nAlex Kim" in mine
    assert "Alex Kim" not in theirs and "Best regards,\n[Your name]" in theirs
