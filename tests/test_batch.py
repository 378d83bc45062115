"""`lookup research --batch FILE.csv`: every row checked first, then one run per row.

The reading of the file is tested directly; one test runs a small batch through the
CLI with no Prefect server registered deployment, so the runs go here, a few at a time
(the multi-worker path, on a real server, is tests/test_team.py).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

from flows.batch import read_batch
from flows.cli import app
from lookup.errors import BadInputError
from lookup.intake.request import PARAMETERS
from lookup.settings import load_settings
from tests.conftest import DEMO_WORLD, HARBOR_WORLD

runner = CliRunner()


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "batch.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_become_research_parameters(tmp_path: Path) -> None:
    """Header names are folded (case, dashes, spaces); blank rows skipped; worlds made absolute."""
    path = _csv(tmp_path, (
        "Name,Company,Interview-Date,interview time,Timezone,Tone,world\n"
        "Ada Lovelace,Analytical Engines,2026-11-20,14:00-14:45,Europe/Berlin,formal,"
        f"{DEMO_WORLD}\n"
        ",,,,,,\n"
        "Grace Hopper,Cobol Works,,,,,\n"
    ))
    rows, notes = read_batch(path, settings=load_settings(),
                             options={"smtp": True, "world": str(HARBOR_WORLD)})
    assert [r.name for r in rows] == ["Ada Lovelace", "Grace Hopper"] and notes == ()
    first, second = rows
    assert first.interview_date == "2026-11-20" and first.interview_time == "14:00-14:45"
    assert first.timezone == "Europe/Berlin" and first.tone == "formal"
    assert first.world == str(DEMO_WORLD.resolve())
    assert second.world == str(HARBOR_WORLD.resolve())  # --world fills a row without one
    assert second.interview_date is None and second.smtp is True
    assert set(first.to_params()) == set(PARAMETERS)


def test_settings_fill_what_a_row_leaves_out(tmp_path: Path, monkeypatch) -> None:
    """The submitter's [followup] defaults apply to every row, as for one `lookup research`."""
    monkeypatch.setenv("LOOKUP_FOLLOWUP__RECRUITER", "Sam Lee <sam@agency.test>")
    monkeypatch.setenv("LOOKUP_FOLLOWUP__TONE", "formal")
    path = _csv(tmp_path, "name,company,tone\nAda Lovelace,Analytical Engines,\n"
                          "Grace Hopper,Cobol Works,friendly\n")
    rows, _ = read_batch(path, settings=load_settings())
    assert [r.recruiter for r in rows] == ["Sam Lee <sam@agency.test>"] * 2
    assert [r.tone for r in rows] == ["formal", "friendly"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs a header row with the columns name and company"),
        ("name,employer\nAda,X\n", "unknown column(s): employer"),
        ("name,role\nAda,Engineer\n", "it has: name, role"),
        ("name,company\n", "has no interviews under its header"),
        ("name,company\nAda Lovelace,Engines,extra\n", "Line 2 of"),
        ("name,company\nAda Lovelace,Engines\n,Engines\n", "Line 3 of"),
        ("name,company,interview_date\nAda Lovelace,Engines,20-11-2026\n", "Line 2 of"),
        ("name,company,tone\nAda Lovelace,Engines,rude\n", "Line 2 of"),
        ("name,company,world\nAda Lovelace,Engines,/no/such/world\n", "does not exist"),
    ],
)
def test_a_bad_file_or_row_stops_the_batch_naming_the_line(
    tmp_path: Path, text: str, message: str
) -> None:
    """Nothing is submitted when any row is wrong; the error names the file and line."""
    with pytest.raises(BadInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_batch(_csv(tmp_path, text), settings=load_settings())


def test_a_missing_or_undecodable_file_is_named(tmp_path: Path) -> None:
    """A missing file, and one that is no text at all, are named in a sentence."""
    with pytest.raises(BadInputError, match="does not exist"):
        read_batch(tmp_path / "nope.csv", settings=load_settings())
    bad = tmp_path / "binary.csv"
    bad.write_bytes(b"name,company\n\x81\x8d\x90,Acme\n")  # bytes Windows-1252 leaves undefined
    with pytest.raises(BadInputError, match="neither UTF-8 nor Windows-1252"):
        read_batch(bad, settings=load_settings())


def test_the_cli_refuses_a_name_together_with_a_batch(tmp_path: Path) -> None:
    """A name on the command line and a batch file: exit 2, saying to choose."""
    path = _csv(tmp_path, "name,company\nAda Lovelace,Engines\n")
    result = runner.invoke(app, ["research", "Ada Lovelace", "--batch", str(path)])
    assert result.exit_code == 2
    assert "not both" in result.output


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_batch_without_a_deployment_runs_here_and_reports_each_run(
    tmp_path: Path, data_dir: Path
) -> None:
    """No deployment registered: the rows run in this process, each reported as it ends;
    both cards are written with the expected addresses."""
    cases = [tomllib.loads((w / "expected.toml").read_text())["interview"][0]
             for w in (DEMO_WORLD, HARBOR_WORLD)]
    path = _csv(tmp_path, "name,company,world\n" + "".join(
        f"{c['name']},{c['company']},{w}\n" for c, w in zip(cases, (DEMO_WORLD, HARBOR_WORLD),
                                                             strict=True)))
    result = runner.invoke(app, ["research", "--batch", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 of 2 run(s) completed" in result.stderr
    assert result.stdout.count("completed: ") == 2 and len(result.stdout.splitlines()) == 2
    assert "Running 2 interview(s) here" in result.stderr
    listed = runner.invoke(app, ["list", "--json"])
    people = {p["name"]: p for p in json.loads(listed.stdout)}
    for case in cases:
        assert people[case["name"]]["address"] == case["expect"]["email"]


@pytest.mark.parametrize("name", ["contact-changed.yaml", "follow-up-reminder.yaml"])
def test_the_documented_automations_are_valid_prefect_automations(name: str) -> None:
    """The README's Automation files parse as Prefect's own model once a block id is filled in."""
    import uuid

    import yaml
    from prefect.events.schemas.automations import AutomationCore

    text = (Path(__file__).resolve().parent.parent / "docs" / "automations" / name).read_text()
    assert "REPLACE-WITH-YOUR-BLOCK-ID" in text
    automation = AutomationCore.model_validate(
        yaml.safe_load(text.replace("REPLACE-WITH-YOUR-BLOCK-ID", str(uuid.uuid4()))))
    assert automation.actions[0].type == "send-notification"
    if name == "contact-changed.yaml":
        assert automation.trigger.expect == {"lookup.contact.changed"}


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_import_submit_without_a_deployment_runs_each_new_interview_here(
    tmp_path: Path, data_dir: Path
) -> None:
    """`lookup import FILE.ics --submit`: the calendar's new interviews become one batch (here,
    with no deployment); the calendar's notes and recruiter travel with each run; a second
    submit finds nothing new and says so, as an import without --submit does."""
    import datetime as dt

    day = (dt.date.today() - dt.timedelta(days=1)).strftime("%Y%m%d")
    ics = tmp_path / "cal.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:1@test\r\nDTSTAMP:{day}T080000Z\r\nDTSTART:{day}T140000Z\r\n"
        f"DTEND:{day}T144500Z\r\n"
        "SUMMARY:Interview with Tomasz Wierzbicki (Harbor Lane Logistics)\r\n"
        "DESCRIPTION:Role: Fleet Analyst\\nRecruiter: Sam Lee <sam@agency.test>\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    args = ["import", str(ics), "--submit", "--world", str(HARBOR_WORLD), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (outcome,) = json.loads(result.stdout)["researched"]
    assert outcome["state"] == "COMPLETED" and outcome["name"] == "Tomasz Wierzbicki"
    card = Path(outcome["card"]).read_text(encoding="utf-8")
    assert "Fleet Analyst" in card
    mailtos = [unquote(u) for u in re.findall(r"\]\((mailto:[^)\s]*)\)", card)]
    assert any("cc=sam@agency.test" in u for u in mailtos), mailtos
    assert Path(outcome["card"]).with_suffix(".ics").is_file()  # the reminder, from DTEND
    again = runner.invoke(app, args)  # nothing new: as without --submit, a note and exit 0
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["researched"] == []
    assert "Nothing new to research" in again.stderr
