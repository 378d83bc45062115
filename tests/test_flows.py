"""The flows end to end on offline worlds, under one Prefect test harness per session.

Logic is tested below the flows; these few tests prove the whole path runs
for real: CLI -> flow -> tasks -> world servers -> store -> card -> artifact.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import shutil
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import icalendar
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.privacy import forget_in_prefect
from tests.conftest import CANDIDATE, DEMO_WORLD, HARBOR_WORLD, ROOT

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
runner = CliRunner()


def _expected(world: Path) -> dict:
    return tomllib.loads((world / "expected.toml").read_text())["interview"][0]


def _research(world: Path, *extra: str) -> dict:
    case = _expected(world)
    result = runner.invoke(
        app,
        [
            "research",
            case["name"],
            "--company",
            case["company"],
            "--world",
            str(world),
            "--smtp",
            "--json",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_demo_research_finds_the_expected_address_and_writes_a_sourced_card(data_dir: Path) -> None:
    """`lookup research --world data/demo --json` picks expected.toml's domain, title and address."""
    case = _expected(DEMO_WORLD)
    summary = _research(
        DEMO_WORLD, "--role", "Senior Data Engineer", "--interview-date", "2026-11-20"
    )
    assert summary["domain"] == case["expect"]["domain"]
    assert summary["email"]["address"] == case["expect"]["email"]
    assert summary["email"]["status"] == case["expect"]["email_status"]
    assert summary["title"] == case["expect"]["title"]
    assert set(summary) >= {
        "name",
        "company",
        "domain",
        "email",
        "alternatives",
        "title",
        "card",
        "sources",
    }
    card = Path(summary["card"]).read_text(encoding="utf-8")
    assert case["expect"]["email"] in card
    assert all(url in card for url in summary["sources"]) and summary["sources"]
    assert "okafor-reyes.test" in card  # the namesake is listed as set aside, not used
    # robots.txt kept /internal/ out: its phone number and old-format addresses never appear
    assert "7700 900418" not in card and "helena.marsh@" not in card
    assert "disallowed by `robots.txt`" in card  # a file name in a code span, as in prose
    assert Path(summary["card"]).parent == data_dir / "briefings" / CANDIDATE


def test_the_first_searches_go_out_while_prefect_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lookup research` sends the run's first round of queries before its flow starts (a
    world runs flat out); the run takes their answers: each query reaches the engine once."""
    import time

    from lookup.web.queries import plan_queries
    from lookup.world import serve_world, write_endpoints

    case = _expected(DEMO_WORLD)
    with serve_world(DEMO_WORLD) as running:
        write_endpoints(tmp_path / "world.json", running.endpoints)
        monkeypatch.setenv("LOOKUP_WORLD_ENDPOINTS", str(tmp_path / "world.json"))
        summary = _research(DEMO_WORLD)
        log = running.search_log
    offset = time.time() - time.monotonic()  # the world's clock to epoch seconds
    first = plan_queries(case["name"], case["company"])
    asked = [q.query for q in log if q.query]  # the network check's empty query aside
    early = [q.query for q in log if q.query and q.at + offset < summary["timings"]["started"]]
    assert sorted(early) == sorted(first), early
    assert sorted(asked) == sorted(set(asked)) and set(first) < set(asked)
    assert summary["email"]["address"] == case["expect"]["email"]


def test_running_the_same_interview_twice_updates_and_never_duplicates() -> None:
    """A second run of the same interview keeps one person, one card, and a longer history."""
    first = _research(DEMO_WORLD)
    second = _research(DEMO_WORLD)
    assert first["card"] == second["card"]
    listed = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert len(listed) == 1 and listed[0]["address"] == first["email"]["address"]
    shown = runner.invoke(app, ["show", listed[0]["slug"]])
    assert shown.exit_code == 0 and shown.stdout == Path(first["card"]).read_text(encoding="utf-8")


def test_any_world_works_and_catch_all_is_risky() -> None:
    """The harbor world (another format, a catch-all server) gives its expected address as risky."""
    case = _expected(HARBOR_WORLD)
    summary = _research(HARBOR_WORLD)
    assert summary["email"]["address"] == case["expect"]["email"]
    assert summary["email"]["status"] == "risky"


def test_reverify_detects_a_change_made_to_the_world(tmp_path: Path) -> None:
    """After the mailbox is removed from the world, `lookup reverify --all` reports it undeliverable."""
    world = tmp_path / "world"
    shutil.copytree(DEMO_WORLD, world)
    summary = _research(world)
    address = summary["email"]["address"]
    toml = (world / "world.toml").read_text()
    local = address.split("@")[0]
    (world / "world.toml").write_text(re.sub(rf'"{local}",?', "", toml))
    result = runner.invoke(app, ["reverify", "--all", "--smtp", "--world", str(world), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["checked"] >= 1
    assert any(c["address"] == address and c["after"] == "undeliverable" for c in report["changes"])
    (event,) = _events("lookup.contact.changed", f"lookup.person.{Path(summary['card']).stem}")
    assert event["payload"]["address"] == address
    assert any(c["after"] == "undeliverable" for c in event["payload"]["changes"])
    card = Path(summary["card"]).read_text(encoding="utf-8")
    assert "undeliverable" in card.split("## Verification history", 1)[1]
    (world / "world.toml").write_text(toml)  # the mailbox is back: compared with the latest check
    again = runner.invoke(app, ["reverify", "--all", "--smtp", "--world", str(world), "--json"])
    report = json.loads(again.stdout)
    assert any(c["address"] == address and (c["before"], c["after"]) == ("undeliverable", "deliverable")
               for c in report["changes"])


def _events(name: str, resource: str, timeout_s: float = 60.0) -> list[dict]:
    """The events named ``name`` about ``resource`` the Prefect server stored (it stores them
    a few seconds after they are emitted, so wait for the first)."""
    import time

    import httpx
    from prefect.settings import PREFECT_API_URL

    deadline = time.monotonic() + timeout_s
    while True:
        response = httpx.post(f"{PREFECT_API_URL.value()}/events/filter", trust_env=False, json={
            "filter": {"event": {"name": [name]}, "resource": {"id": [resource]}}, "limit": 50})
        response.raise_for_status()
        found = response.json()["events"]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(1.0)


def test_forget_leaves_nothing_behind(data_dir: Path) -> None:
    """`lookup forget` removes the rows, the card and cached searches naming the person."""
    summary = _research(DEMO_WORLD)
    result = runner.invoke(app, ["forget", summary["name"], "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(runner.invoke(app, ["list", "--json"]).stdout) == []
    needles = ("okafor",)
    leftovers = [
        p
        for p in data_dir.rglob("*")
        if p.is_file() and any(n.encode() in p.read_bytes().lower() for n in needles)
    ]
    assert leftovers == []


def test_forget_also_removes_the_runs_and_card_artifacts_prefect_kept() -> None:
    """Prefect's flow runs (parameters, logs) and the card artifact about a person can be deleted."""
    summary = _research(HARBOR_WORLD)
    slug = Path(summary["card"]).stem
    removed = asyncio.run(forget_in_prefect(summary["name"], slug, known=[CANDIDATE]))
    assert removed["flow_runs"] >= 1 and removed["artifacts"] >= 1
    assert asyncio.run(forget_in_prefect(summary["name"], slug, known=[CANDIDATE])) == {
        "flow_runs": 0, "artifacts": 0}


def test_forget_finds_runs_that_name_the_candidate_as_typed() -> None:
    """A run submitted with `--param candidate="Bea Moss"` (kept as typed) is cancelled and
    deleted by Bea's forget, and Alex's run on the same person is left alone."""
    from prefect.client.orchestration import get_client
    from prefect.states import Scheduled

    from flows.privacy import cancel_in_flight
    from flows.research import research_interviewer

    async def submit(candidate: str) -> str:
        async with get_client() as client:
            run = await client.create_flow_run(
                research_interviewer, state=Scheduled(),
                parameters={"name": "Ada Fenwick", "company": "Harbor", "candidate": candidate})
        return str(run.id)

    bea, alex = asyncio.run(submit("Bea  Moss")), asyncio.run(submit("Alex Kim"))
    assert asyncio.run(cancel_in_flight("ada fenwick", "bea-moss")) == [bea]
    removed = asyncio.run(forget_in_prefect("Ada Fenwick", "ada-fenwick", ["bea-moss"]))
    assert removed["flow_runs"] == 1
    assert asyncio.run(cancel_in_flight("Ada Fenwick", "alex-kim")) == [alex]
    assert asyncio.run(forget_in_prefect("Ada Fenwick", "ada-fenwick"))["flow_runs"] == 1


def test_reverify_purges_contacts_past_retention(data_dir: Path) -> None:
    """A contact whose interview is older than store.retention_days is forgotten by reverify."""
    summary = _research(HARBOR_WORLD, "--interview-date", "2025-01-06")
    result = runner.invoke(app, ["reverify", "--world", str(HARBOR_WORLD), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["purged"] == [Path(summary["card"]).stem]
    assert not Path(summary["card"]).exists()
    assert json.loads(runner.invoke(app, ["list", "--json"]).stdout) == []


def test_import_starts_one_research_run_per_new_interview(tmp_path: Path) -> None:
    """`lookup import` researches each new interview of a calendar once; a second import skips it."""
    day = dt.date.today().strftime("%Y%m%d")
    ics = tmp_path / "invite.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:1@test\r\nDTSTAMP:{day}T080000Z\r\nDTSTART:{day}T140000Z\r\n"
        "SUMMARY:Interview with Tomasz Wierzbicki (Harbor Lane Logistics)\r\n"
        "DESCRIPTION:Role: Fleet Analyst\\nRecruiter: Sam Lee\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    args = ["import", str(ics), "--world", str(HARBOR_WORLD), "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    (done,) = report["researched"]
    assert done["name"] == "Tomasz Wierzbicki" and Path(done["card"]).is_file()
    assert "Fleet Analyst" in Path(done["card"]).read_text(encoding="utf-8")
    again = json.loads(runner.invoke(app, args).stdout)
    assert again["researched"] == [] and len(again["skipped"]) == 1


def _mailtos(card: str) -> list[tuple[list[str], dict[str, list[str]]]]:
    """Every mailto: link of a card, parsed back to its recipients and fields."""
    found = []
    for url in re.findall(r"\]\((mailto:[^)\s]*)\)", card):
        parts = urlsplit(url)
        found.append(([unquote(a) for a in parts.path.split(",") if a],
                      parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)))
    return found


def test_the_follow_up_from_notes_recruiter_and_a_second_round(data_dir: Path) -> None:
    """The issue's command end to end: notes drive the draft, the recruiter is copied and asked,
    a reminder file holds the deadline; a second round adds an interview and the draft follows."""
    notes = "We discussed migrating their batch jobs to Flink and the on-call rotation"
    summary = _research(
        DEMO_WORLD, "--role", "Senior Data Engineer", "--recruiter", "Sam Lee <sam@agency.test>",
        "--notes", notes, "--interview-date", "2026-03-28", "--interview-time", "14:00-15:00",
        "--timezone", "Europe/Berlin",
    )
    card = Path(summary["card"]).read_text(encoding="utf-8")
    line = ("I especially enjoyed discussing migrating your batch jobs to Flink and the on-call "
            "rotation.")
    (to, fields), (note_to, note_fields) = _mailtos(card)
    assert (to, fields["cc"]) == ([summary["email"]["address"]], ["sam@agency.test"])
    assert line in fields["body"][0].split("\r\n") and set(fields) == {"cc", "subject", "body"}
    assert note_to == ["sam@agency.test"] and "would a direct message be welcome" in \
        note_fields["body"][0]
    reminder = Path(summary["reminder"])
    assert reminder == Path(summary["card"]).with_suffix(".ics")
    (event,) = icalendar.Calendar.from_ical(reminder.read_text(encoding="utf-8")).walk("VEVENT")
    # 15:00 in Berlin on 28 March 2026 (CET) is 14:00 UTC; clocks go forward that night.
    assert event.decoded("dtend") == dt.datetime(2026, 3, 29, 14, 0, tzinfo=dt.UTC)

    again = _research(
        DEMO_WORLD, "--interview-date", "2026-04-09", "--interview-time", "10:00",
        "--timezone", "Europe/Berlin", "--tone", "formal", "--honorific", "Ms.",
        "--language", "de", "--notes", "Wir haben über die Rufbereitschaft gesprochen",
    )
    card = Path(again["card"]).read_text(encoding="utf-8")
    assert "- Round 1: Saturday 28 March 2026, 14:00–15:00 Europe/Berlin" in card
    assert "- Round 2: Thursday 9 April 2026, 10:00 Europe/Berlin" in card
    (to, fields), _ = _mailtos(card)
    body = fields["body"][0].split("\r\n")
    assert body[0] == "Sehr geehrte Frau Okafor,"
    assert body[2].startswith("vielen Dank, dass Sie sich am Donnerstag, 9. April 2026 erneut")
    assert body[4] == "Besonders gefreut hat mich unser Gespräch über die Rufbereitschaft."
    assert fields["cc"] == ["sam@agency.test"]  # the recruiter carries over to the next round
    (listed,) = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert listed["rounds"] == 2 and listed["followup_due"] == "2026-04-10T09:00:00+00:00"


def test_import_of_a_panel_writes_a_card_per_interviewer_and_an_index(data_dir: Path) -> None:
    """A three-person panel from a calendar: three cards whose drafts share no sentence, and an
    index card linking them."""
    result = runner.invoke(app, ["import", str(ROOT / "tests" / "calendars" / "panel.ics"),
                                 "--max-age-days", "100000", "--world", str(DEMO_WORLD),
                                 "--smtp", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [r["name"] for r in report["researched"]] == ["Dana Okafor", "Priya Raman",
                                                         "Jonas Weber"]
    (index,) = report["panels"]
    text = Path(index).read_text(encoding="utf-8")
    for item in report["researched"]:
        assert f"]({Path(item['card']).name})" in text
    bodies = []
    for item in report["researched"]:
        (to, fields), _ = _mailtos(Path(item["card"]).read_text(encoding="utf-8"))
        assert fields["cc"] == ["sam@agency.test"]
        bodies.append([line for line in fields["body"][0].split("\r\n")[2:7] if line])
    sentences = [s for body in bodies for s in body]
    assert len(sentences) == len(set(sentences))
    assert "I appreciated your questions about how I would explain streaming delays to utility " \
           "customers." in bodies[1]
