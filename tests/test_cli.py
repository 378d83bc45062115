"""The `lookup` command line: exit codes, JSON output, and nothing written on bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import DEMO_WORLD, ROOT

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["research", "", "--company", "Brightwater Analytics"], "name is empty"),
        (["research", "x" * 5000, "--company", "Brightwater Analytics"], "characters long"),
        (
            ["research", "Dana\x07Okafor", "--company", "Brightwater Analytics"],
            "control characters",
        ),
        (["research", "Dana Okafor", "--company", ""], "company is empty"),
        (
            ["research", "Dana Okafor", "--company", "B", "--domain", "not a domain"],
            "not a valid domain",
        ),
        (["research", "Dana Okafor", "--company", "B", "--interview-date", "soon"], "YYYY-MM-DD"),
        (
            ["research", "Dana Okafor", "--company", "B", "--world", "/nonexistent/world"],
            "does not exist",
        ),
        (["research", "Dana Okafor", "--company", "B", "--recruiter",
          "Sam <sam@agency.test>, evil@evil.test"], "not in the form Name <name@agency.com>"),
        (["research", "Dana Okafor", "--company", "B", "--recruiter", "Sam <sam@agency.test\r\n"
          "Bcc: evil@evil.test>"], "control characters"),
        (["research", "Dana Okafor", "--company", "B", "--interview-date", "2026-03-29",
          "--interview-time", "02:30", "--timezone", "Europe/Berlin"], "does not exist"),
        (["research", "Dana Okafor", "--company", "B", "--interview-time", "14:00"],
         "needs the date too"),
        (["research", "Dana Okafor", "--company", "B", "--interview-date", "2026-03-02",
          "--interview-time", "15:00-14:00"], "ends before it starts"),
        (["research", "Dana Okafor", "--company", "B", "--timezone", "Mars/Olympus"],
         "is not known"),
        (["research", "Dana Okafor", "--company", "B", "--tone", "grovelling"], "is not one of"),
        (["research", "Dana Okafor", "--company", "B", "--honorific", "Your Majesty"],
         "not one this tool knows"),
        (["research", "Dana Okafor", "--company", "B", "--language", "fr"],
         "no draft in the language 'fr'"),
        (["research", "Dana Okafor", "--company", "B", "--panel", "Lee Park, 12345"],
         "has no letters"),
        (["guess", "", "--domain", "brightwater.test"], "name is empty"),
        (["show", "Nobody Here"], "Nobody called"),
        (["forget", "Nobody Here"], "Nobody called"),
    ],
)
def test_bad_input_exits_2_with_one_sentence_and_writes_nothing(
    args: list[str], words: str, data_dir: Path
) -> None:
    """Bad input: exit code 2, one 'Error:' line naming the problem, no data folder files."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and words in errors[0]
    written = (
        # the store opened to look (lookup.db, its lock and its openers' registry) is no data
        [p for p in data_dir.rglob("*") if p.is_file() and not p.name.startswith("lookup.db")]
        if data_dir.exists()
        else []
    )
    assert written == []


def test_guess_ranks_the_colleagues_format_first() -> None:
    """`lookup guess --known` puts the format shown by colleagues' addresses first, as JSON."""
    result = runner.invoke(
        app,
        [
            "guess",
            "Dana Okafor",
            "--domain",
            "example.com",
            "--json",
            "--known",
            "Priya Raman <praman@example.com>",
            "--known",
            "Jonas Weber <jweber@example.com>",
            "--known",
            "Marcus Oyelaran <moyelaran@example.com>",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["candidates"]
    assert rows[0]["address"] == "dokafor@example.com"
    assert 0 < rows[0]["probability"] <= 1 and sum(r["probability"] for r in rows) <= 1.0001


def test_guess_explain_names_the_site_of_a_pasted_search_result() -> None:
    """A snippet pasted after its result's URL is that site's claim: --explain names the site
    and the URL, the ranked reason says a search result from it, the JSON keeps the URL."""
    url = "https://formats.test/c/brightwater"
    hint = (f"{url} The most common Brightwater email format is last.first "
            "(ex. smith.john@brightwater.test), used 71% of the time.")
    args = ["guess", "Dana Okafor", "--domain", "brightwater.test", "--world", str(DEMO_WORLD),
            "--hint", hint]
    result = runner.invoke(app, [*args, "--explain", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert (f"  + formats.test says the format is {{last}}.{{first}} (71%): \u201clast.first\u201d "
            f"[{url}]") in result.output
    ranked = result.output.split("Ranked:", 1)[1]
    assert "okafor.dana@brightwater.test" in ranked.splitlines()[1]
    assert "A search result from formats.test says" in ranked
    rows = json.loads(runner.invoke(app, [*args, "--json"]).stdout)["candidates"]
    assert rows[0]["claimed_by"] == [url] and rows[1]["claimed_by"] == []


def test_guess_explain_marks_a_typed_hint_as_the_user_s() -> None:
    """A hint typed without a URL is the user's own claim, and --explain says so."""
    result = runner.invoke(app, ["guess", "Dana Okafor", "--domain", "brightwater.test",
                                 "--world", str(DEMO_WORLD), "--hint", "flast", "--explain"])
    assert result.exit_code == 0, result.output
    assert "  + your hint \u201cflast\u201d: the format is {f}{last} [given by the user]" in result.output


def test_verify_against_the_demo_world_prints_one_json_array() -> None:
    """`lookup verify --world --smtp --json`: one array, an object per address in order; a
    mailbox is deliverable, a wrong one undeliverable."""
    result = runner.invoke(
        app,
        [
            "verify",
            "dokafor@brightwater.test",
            "dana.okafor@brightwater.test",
            "--smtp",
            "--world",
            str(DEMO_WORLD),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["status"] for r in rows] == ["deliverable", "undeliverable"]
    assert set(rows[0]) >= {"address", "status", "reasons", "mx", "provider", "smtp", "flags"}
    assert rows[0]["mx"][0] == "mx1.brightwater.test"


def test_list_on_an_empty_store_is_an_empty_json_list() -> None:
    """`lookup list --json` on a fresh data folder prints []."""
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []


def test_every_command_is_documented_in_the_readme() -> None:
    """Each CLI command (and sub-command) appears in README.md as `lookup <command>`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    def name(c: object) -> str:
        return c.name or c.callback.__name__.replace("_", "-")  # type: ignore[attr-defined]

    commands = [name(c) for c in app.registered_commands]
    commands += [
        f"{g.name} {name(c)}"
        for g in app.registered_groups
        for c in g.typer_instance.registered_commands
    ]
    missing = [c for c in commands if not re.search(rf"lookup {re.escape(c)}\b", readme)]
    assert missing == []


def test_import_dry_run_lists_the_interviews_and_the_problems(tmp_path: Path) -> None:
    """`lookup import --dry-run` names each new interview found and each event it could not read."""
    calendars = ROOT / "tests" / "calendars"
    ics = next(p for p in sorted(calendars.glob("*.ics")) if "broken" not in p.name)
    result = runner.invoke(app, ["import", str(ics), "--dry-run", "--max-age-days", "100000", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["researched"] and all(r["card"] is None for r in report["researched"])
    assert all(r["name"] and r["company"] for r in report["researched"])
    missing = runner.invoke(app, ["import", str(tmp_path / "none.ics")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_list_shows_follow_ups_due_and_overdue(data_dir: Path) -> None:
    """`lookup list` says which follow-ups are due (and in how long) or overdue."""
    import datetime as dt
    from dataclasses import replace

    from lookup.intake.interview import make_interview
    from lookup.store import Store
    from tests.card_fixtures import dana_result

    now = dt.datetime.now(dt.UTC)
    soon = now - dt.timedelta(hours=2)  # ended two hours ago: due in about 22 h
    late = now - dt.timedelta(days=2)  # due a day ago: overdue
    with Store.open(f"sqlite:///{data_dir / 'lookup.db'}") as store:
        for name, ended in (("Dana Okafor", soon), ("Jonas Weber", late)):
            start = ended - dt.timedelta(hours=1)  # a start alone: taken to last an hour
            interview = make_interview(name, "Brightwater Analytics",
                                       interview_date=start.date().isoformat(),
                                       interview_time=f"{start:%H:%M}", timezone="UTC")
            store.save_research(replace(dana_result(), interview=interview), card_path=None,
                                now=now)
    text = runner.invoke(app, ["list"])
    assert text.exit_code == 0, text.output
    lines = {line.split()[0]: line for line in text.stdout.splitlines()}
    assert re.search(r"follow-up due in 2[12] h$", lines["dana-okafor"])
    assert re.search(r"follow-up overdue by 2[34] h$", lines["jonas-weber"])
    listed = {p["slug"]: p for p in json.loads(runner.invoke(app, ["list", "--json"]).stdout)}
    assert (listed["dana-okafor"]["followup"], listed["jonas-weber"]["followup"]) == (
        "due", "overdue")
    assert listed["dana-okafor"]["followup_due"].startswith((soon + dt.timedelta(days=1))
                                                            .date().isoformat())
