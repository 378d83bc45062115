"""Calendar import: interviews from Google, Outlook and Apple exports, and what cannot be read."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from lookup.errors import BadInputError
from lookup.intake.ics import parse_interviews

CALENDARS = Path(__file__).resolve().parent / "calendars"
TODAY = dt.date(2026, 3, 5)


def parse(name: str, **kwargs):
    kwargs.setdefault("today", TODAY)
    return parse_interviews((CALENDARS / name).read_text(encoding="utf-8"), **kwargs)


def test_google_export_with_folded_lines():
    """A Google export yields the interviewer, company, role, recruiter and work domain."""
    report = parse("google.ics")
    dana = report.interviews[0]
    assert (dana.name, dana.company, dana.domain, dana.role, dana.recruiter) == (
        "Dana Okafor", "Brightwater Analytics", "brightwater.test", "Senior Data Engineer",
        "Sam Lee")
    assert dana.interview_date == dt.date(2026, 3, 2)
    assert report.problems == []


def test_call_at_company_summary():
    """"Call: Jane Roe @ Acme Robotics" names the interviewer and the company."""
    jane = parse("google.ics").interviews[1]
    assert (jane.name, jane.company, jane.interview_date) == (
        "Jane Roe", "Acme Robotics", dt.date(2026, 3, 4))


def test_events_that_are_not_interviews_are_counted_not_reported():
    """The dentist and an all-day offsite are skipped without a problem sentence."""
    report = parse("google.ics")
    assert report.skipped == 2 and len(report.interviews) == 2


def test_outlook_export_with_crlf_and_windows_time_zone():
    """An Outlook export ("Company — technical interview with Name") parses, CN "Last, First"."""
    report = parse("outlook.ics")
    (dana,) = report.interviews
    assert (dana.name, dana.company, dana.domain, dana.role, dana.interview_date) == (
        "Dana Okafor", "Brightwater Analytics", "brightwater.test", "Senior Data Engineer",
        dt.date(2026, 3, 2))
    # The recruiter is on the invitation: their address comes with them.
    assert (dana.recruiter, dana.recruiter_email) == ("Sam Lee", "sam.lee@brightwater.test")
    # The invitation's text is the organiser's, not the candidate's notes.
    assert dana.notes is None
    assert (dana.starts_at.astimezone(dt.UTC), dana.ends_at.astimezone(dt.UTC)) == (
        dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC))
    assert report.skipped == 1


def test_outlook_attendees_give_the_interviewer_when_the_summary_does_not():
    """Without a name in the summary, the attendee who is not organizer, room or me is used."""
    text = (CALENDARS / "outlook.ics").read_text(encoding="utf-8").replace(
        "technical interview with Dana\r\n  Okafor", "technical interview")
    report = parse_interviews(text, today=TODAY, candidate_emails=["Alex.Kim@candidate-mail.test"])
    assert [(i.name, i.domain) for i in report.interviews] == [("Dana Okafor", "brightwater.test")]


def test_apple_export_description_labels():
    """Apple's "Phone screen" with "Interviewer:/Company:/Position:/Domain:" lines parses."""
    jane = parse("apple.ics").interviews[0]
    assert (jane.name, jane.company, jane.role, jane.domain) == (
        "Jane Roe", "Acme Robotics", "Platform Engineer", "acmerobotics.test")


def test_time_zone_decides_the_date():
    """23:30 in New York is 2 March there and 3 March in UTC when the user asks for UTC."""
    assert parse("apple.ics").interviews[0].interview_date == dt.date(2026, 3, 2)
    in_utc = parse("apple.ics", tz=dt.UTC).interviews[0]
    assert in_utc.interview_date == dt.date(2026, 3, 3)


def test_panel_interview_yields_one_interview_per_interviewer():
    """"… interview with Lee Park & Ana Silva" gives two interviews at the same company."""
    panel = [i for i in parse("apple.ics").interviews if i.company == "Harbor Freight Labs"]
    assert sorted(i.name for i in panel) == ["Ana Silva", "Lee Park"]


def test_interview_without_interviewer_is_a_problem():
    """An "Interview" event naming nobody gets one sentence saying what to add."""
    assert parse("apple.ics").problems == [
        "The event “Interview” does not say who the interviewer is; add a line "
        "“Interviewer: Name” to its description."
    ]


def test_broken_events_each_get_one_sentence():
    """Unreadable start, missing company, cancelled and too-old events are each reported."""
    report = parse("broken.ics")
    assert [i.name for i in report.interviews] == ["Priya Natarajan"]
    assert report.problems == [
        "The event “Interview with Robin Vale (Nowhere Widgets)” has an unreadable start time "
        "('2026-13-45'); fix DTSTART or add it by hand.",
        "The event “Interview with Morgan Blake” names Morgan Blake but not the company; "
        "add a line “Company: Name” to its description.",
        "The event “Interview with Kai Moreno (Tidewell)” was cancelled, so it was skipped.",
        "1 interview(s) more than 30 days before 2026-03-05 were left out; raise --max-age-days "
        "to include them.",
    ]


def test_max_age_days_includes_old_interviews():
    """Raising max_age_days brings back an old interview."""
    report = parse("broken.ics", max_age_days=500)
    assert "Old Contact" in [i.name for i in report.interviews]


@pytest.mark.parametrize(
    ("summary", "name", "company"),
    [
        ("Interview with Dana Okafor (Brightwater Analytics)", "Dana Okafor",
         "Brightwater Analytics"),
        ("Brightwater Analytics — technical interview with Dana Okafor", "Dana Okafor",
         "Brightwater Analytics"),
        ("Brightwater Analytics - interview with Dana Okafor", "Dana Okafor",
         "Brightwater Analytics"),
        ("Call: Jane Roe @ Acme", "Jane Roe", "Acme"),
        ("Video call – Jane Roe at Acme", "Jane Roe", "Acme"),
        ("Jane Roe @ Acme - phone screen", "Jane Roe", "Acme"),
        ("Interviewing with Zoë O'Brien at Tidewell Systems", "Zoë O'Brien", "Tidewell Systems"),
    ],
)
def test_summary_shapes(summary, name, company):
    """Common summary wordings give the interviewer and the company."""
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:x\r\n"
        f"DTSTAMP:20260301T000000Z\r\nDTSTART:20260302T100000Z\r\nSUMMARY:{summary}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (interview,) = parse_interviews(text, today=TODAY).interviews
    assert (interview.name, interview.company) == (name, company)


def test_not_a_calendar_is_bad_input():
    """Text that is not iCalendar raises BadInputError with a sentence."""
    with pytest.raises(BadInputError, match="is not an iCalendar"):
        parse_interviews("name,company\nDana,Brightwater\n", today=TODAY)


PANEL_NOTES = (
    "We discussed migrating their batch jobs to Flink and the on-call rotation.\n"
    "Priya: asked how I would explain streaming delays to utility customers.\n"
    "Jonas walked me through their roll-out plan for Severn Vale Water."
)


def test_panel_line_yields_one_interview_per_panelist_knowing_the_whole_panel():
    """ "Panel: A, B, C" gives three interviews, each with the panel in its written order."""
    report = parse("panel.ics", today=dt.date(2026, 3, 28))
    assert sorted(i.name for i in report.interviews) == ["Dana Okafor", "Jonas Weber",
                                                         "Priya Raman"]
    assert {i.panel for i in report.interviews} == {("Dana Okafor", "Priya Raman", "Jonas Weber")}
    assert {i.domain for i in report.interviews} == {"brightwater.test"}
    assert report.problems == [] and report.skipped == 0


def test_a_notes_block_in_the_description_becomes_the_notes():
    """Only the "Notes:" block is taken as notes, not the invitation text or the join link."""
    dana = parse("panel.ics", today=dt.date(2026, 3, 28)).interviews[0]
    assert dana.notes == PANEL_NOTES
    assert (dana.recruiter, dana.recruiter_email) == ("Sam Lee", "sam@agency.test")


def test_event_times_are_given_in_the_user_s_zone():
    """15:30–16:30 London (GMT on 27 March 2026) is 16:30–17:30 in Berlin, the same instants."""
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    dana = parse("panel.ics", today=dt.date(2026, 3, 28), tz=berlin).interviews[0]
    assert (dana.starts_at.hour, dana.starts_at.minute, dana.ends_at.hour) == (16, 30, 17)
    assert dana.starts_at.astimezone(dt.UTC) == dt.datetime(2026, 3, 27, 15, 30, tzinfo=dt.UTC)
    assert dana.timezone == "Europe/Berlin"


def test_attendees_alone_make_a_panel():
    """Without a Panel: line, the attendees who are not organizer, recruiter, me or a room."""
    text = (CALENDARS / "panel.ics").read_text(encoding="utf-8").replace(
        "Panel: Dana Okafor\\, Priya Raman\\, Jonas Weber\\n", "")
    assert "Panel:" not in text
    report = parse_interviews(text, today=dt.date(2026, 3, 28))
    assert sorted(i.name for i in report.interviews) == ["Dana Okafor", "Jonas Weber",
                                                         "Priya Raman"]
    assert all(len(i.panel) == 3 for i in report.interviews)


@pytest.mark.parametrize("name", ["google.ics", "outlook.ics", "apple.ics"])
def test_a_byte_order_mark_changes_nothing(name: str):
    """The same export saved with a UTF-8 byte-order mark (Windows tools) gives the same interviews."""
    text = (CALENDARS / name).read_text(encoding="utf-8")
    plain = parse_interviews(text, today=TODAY)
    marked = parse_interviews("\ufeff" + text, today=TODAY)
    assert marked == plain and plain.interviews
