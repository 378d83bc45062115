"""One record for a research request: checked once, built alike by every entry point.

The command line, a CSV batch, a calendar import and a flow run's parameters (a deployment,
``prefect deployment run --param``) all build ``ResearchRequest``; the same interview asked
for each way gives the same record, and the flow's parameters are the record's fields.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from lookup.errors import BadInputError
from lookup.intake.request import PARAMETERS, ResearchRequest
from tests.conftest import DEMO_WORLD

runner = CliRunner()
WORLD = str(DEMO_WORLD.resolve())


def test_building_the_record_checks_it() -> None:
    """Bad input raises on construction, with the interview's own sentence."""
    with pytest.raises(BadInputError, match="name is empty"):
        ResearchRequest("", "Brightwater Analytics")
    with pytest.raises(BadInputError, match="at most 12 are accepted"):
        ResearchRequest("Dana Okafor", "B", panel=tuple(f"Person {c}" for c in "ABCDEFGHIJKLMN"))
    with pytest.raises(BadInputError, match="ends before it starts"):
        ResearchRequest("Dana Okafor", "B", interview_date="2026-11-20",
                        interview_time="15:00-14:00")


def test_the_record_normalises_what_the_interview_does() -> None:
    """Spaces are folded, the panel holds everyone with this person first, a proxy turns SMTP
    on, and --m365-https off means the settings decide."""
    request = ResearchRequest("  Dana   Okafor ", " Brightwater  Analytics ", panel=("Lee Park",),
                              smtp_proxy="socks5://127.0.0.1:1080", m365_https=False)
    assert (request.name, request.company) == ("Dana Okafor", "Brightwater Analytics")
    assert request.panel == ("Dana Okafor", "Lee Park")
    assert (request.smtp, request.m365_https) == (True, None)
    assert request.for_panelist("Lee Park").panel == request.panel


def test_parameters_round_trip_and_an_unknown_one_is_refused() -> None:
    """to_params → from_params gives the record back; a parameter the run lacks is named."""
    request = ResearchRequest("Dana Okafor", "B", panel=("Lee Park",), notes="two\nlines",
                              smtp=True, world=WORLD)
    params = request.to_params()
    assert json.loads(json.dumps(params)) == params and params["panel"] == ["Dana Okafor", "Lee Park"]
    assert ResearchRequest.from_params(params) == request
    with pytest.raises(BadInputError, match="has no option smpt"):
        ResearchRequest.from_params({**params, "smpt": True})


def test_the_flow_takes_exactly_the_record_s_fields() -> None:
    """The research flow's signature is the record's: names, order and defaults."""
    from flows.research import research_interviewer

    signature = inspect.signature(research_interviewer.fn)
    assert tuple(signature.parameters) == PARAMETERS
    for f in dataclasses.fields(ResearchRequest):
        default = signature.parameters[f.name].default
        expected = None if f.default == () else f.default
        assert default == (inspect.Parameter.empty if f.default is dataclasses.MISSING
                           else expected), f.name


def _calendar(tmp_path: Path) -> Path:
    path = tmp_path / "invite.ics"
    path.write_text("\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", "UID:1@test",
        "DTSTAMP:20261101T090000Z", "DTSTART:20261120T140000Z", "DTEND:20261120T144500Z",
        "SUMMARY:Interview with Dana Okafor (Brightwater Analytics)",
        "DESCRIPTION:Role: Senior Data Engineer\\nRecruiter: Sam Lee\\n"
        "Domain: brightwater.test\\nNotes: We discussed Flink",
        "END:VEVENT", "END:VCALENDAR", ""]), encoding="utf-8")
    return path


def test_every_entry_point_builds_the_same_request(tmp_path: Path, monkeypatch) -> None:
    """The command line, a CSV row, a calendar event and a flow run's parameters, each asking
    for the same interview, give equal requests (seen through each one's --dry-run)."""
    monkeypatch.setenv("LOOKUP_FOLLOWUP__TIMEZONE", "Europe/Lisbon")
    fields = {"domain": "brightwater.test", "role": "Senior Data Engineer",
              "interview_date": "2026-11-20", "interview_time": "14:00-14:45",
              "recruiter": "Sam Lee", "notes": "We discussed Flink"}
    typed = runner.invoke(app, ["research", "Dana Okafor", "--company", "Brightwater Analytics",
                                *[a for k, v in fields.items()
                                  for a in (f"--{k.replace('_', '-')}", v)],
                                "--smtp", "--world", WORLD, "--dry-run", "--json"])
    assert typed.exit_code == 0, typed.output
    csv = tmp_path / "batch.csv"
    csv.write_text("name,company," + ",".join(fields) + "\r\nDana Okafor,Brightwater Analytics,"
                   + ",".join(fields.values()) + "\r\n", encoding="utf-8")
    rows = runner.invoke(app, ["research", "--batch", str(csv), "--smtp", "--world", WORLD,
                               "--dry-run", "--json"])
    assert rows.exit_code == 0, rows.output
    events = runner.invoke(app, ["import", str(_calendar(tmp_path)), "--smtp", "--world", WORLD,
                                 "--max-age-days", "100000", "--dry-run", "--json"])
    assert events.exit_code == 0, events.output
    (from_cli,) = json.loads(typed.stdout)
    (from_csv,) = json.loads(rows.stdout)
    (from_calendar,) = [r["parameters"] for r in json.loads(events.stdout)["researched"]]
    from_deployment = ResearchRequest.from_params(from_cli).to_params()
    assert from_cli == from_csv == from_calendar == from_deployment
    assert from_cli["timezone"] == "Europe/Lisbon" and from_cli["smtp"] is True
    assert from_cli["tone"] == "friendly" and from_cli["language"] == "en"  # settings filled


def test_batch_refuses_what_describes_one_interview_and_keeps_the_rest(tmp_path: Path) -> None:
    """--role with --batch is refused (exit 2, naming the column); --smtp-proxy and
    --m365-https, once dropped silently, reach every row."""
    csv = tmp_path / "batch.csv"
    csv.write_text("name,company\nDana Okafor,B\nLee Park,B\n", encoding="utf-8")
    refused = runner.invoke(app, ["research", "--batch", str(csv), "--role", "Engineer"])
    assert refused.exit_code == 2
    assert "Error: --role describes one interview; with --batch, give it in the batch file's " \
           "role column." in refused.stderr
    kept = runner.invoke(app, ["research", "--batch", str(csv), "--smtp-proxy",
                               "socks5://127.0.0.1:1080", "--m365-https", "--dry-run", "--json"])
    assert kept.exit_code == 0, kept.output
    rows = json.loads(kept.stdout)
    assert [(r["smtp_proxy"], r["smtp"], r["m365_https"]) for r in rows] == [
        ("socks5://127.0.0.1:1080", True, True)] * 2


def test_import_checks_each_interview_as_a_batch_row_is(tmp_path: Path) -> None:
    """A calendar panel of 14 is reported as unusable by --dry-run, not passed on to fail later."""
    names = ", ".join(f"Person {c}" for c in "ABCDEFGHIJKLMN")
    path = tmp_path / "panel.ics"
    path.write_text("\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", "UID:9@test",
        "DTSTAMP:20261101T090000Z", "DTSTART:20261120T140000Z",
        "SUMMARY:Interview (Brightwater Analytics)", f"DESCRIPTION:Panel: {names}\\n"
        "Company: Brightwater Analytics", "END:VEVENT", "END:VCALENDAR", ""]), encoding="utf-8")
    for extra in ([], ["--submit"]):
        done = runner.invoke(app, ["import", str(path), "--max-age-days", "100000", "--dry-run",
                                   "--json", *extra])
        assert done.exit_code == 0, done.output
        report = json.loads(done.stdout)
        assert report["researched"] == []
        assert any("at most 12 are accepted" in p for p in report["problems"])
