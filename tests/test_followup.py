"""The follow-up deadline, its reminder file, `lookup list`'s due/overdue, and interview rounds."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import icalendar
import pytest

from lookup.card.reminder import reminder_ics
from lookup.errors import BadInputError
from lookup.intake.followup import (
    find_round,
    followup_deadline,
    followup_state,
    place_round,
    state_phrase,
)
from lookup.intake.interview import make_interview

UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "time", "due"),
    [
        # Berlin: the clocks go forward overnight; 24 elapsed hours end at 16:00 local.
        ("Europe/Berlin", "2026-03-28", "14:00-15:00", at(2026, 3, 29, 14, 0)),
        # New York: the clocks go back overnight (EDT -> EST).
        ("America/New_York", "2026-10-31", "17:00-18:00", at(2026, 11, 1, 22, 0)),
        # Sydney: summer time ends on 5 April 2026 (AEDT +11 -> AEST +10).
        ("Australia/Sydney", "2026-04-04", "10:00-11:00", at(2026, 4, 5, 0, 0)),
        # Kolkata: +05:30, no summer time.
        ("Asia/Kolkata", "2026-03-02", "10:00-11:00", at(2026, 3, 3, 5, 30)),
        # Only a start: the interview is taken to last an hour.
        ("Europe/Lisbon", "2026-07-01", "09:30", at(2026, 7, 2, 9, 30)),
        # Only a date: taken to end by 17:00 local (BST, UTC+1).
        ("Europe/London", "2026-07-01", None, at(2026, 7, 2, 16, 0)),
    ],
)
def test_the_reminder_file_opens_and_holds_the_right_utc_instant(zone, day, time, due) -> None:
    """The .ics opens with icalendar; its event ends at the deadline, its alarms ring before."""
    interview = make_interview("Dana Okafor", "Brightwater Analytics", interview_date=day,
                               interview_time=time, timezone=zone)
    deadline = followup_deadline(interview)
    assert deadline is not None and deadline.due == due
    text = reminder_ics(interview, deadline, slug="dana-okafor", address="dokafor@brightwater.test",
                        card_name="dana-okafor.md", generated_at=at(2026, 1, 1),
                        lead=dt.timedelta(hours=3))
    assert "\r\n" in text and text.startswith("BEGIN:VCALENDAR")
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert event.decoded("dtend") == due
    start = event.decoded("dtstart")
    rings = sorted(start + alarm.decoded("trigger") for alarm in event.walk("VALARM"))
    assert rings == [due - dt.timedelta(hours=3), due - dt.timedelta(minutes=15)]
    assert str(event["summary"]) == "Send your thank-you to Dana Okafor"
    assert "dokafor@brightwater.test" in str(event["description"])


def test_the_reminder_uid_is_stable_per_interview() -> None:
    """Importing the file again updates the calendar's event instead of adding another."""
    def uid(day: str) -> str:
        interview = make_interview("Dana Okafor", "B", interview_date=day, timezone="UTC")
        text = reminder_ics(interview, followup_deadline(interview), slug="dana-okafor",
                            address=None, card_name="x.md", generated_at=at(2026, 1, 1))
        return str(icalendar.Calendar.from_ical(text).walk("VEVENT")[0]["uid"])

    assert uid("2026-03-02") == uid("2026-03-02") != uid("2026-03-16")


def test_hostile_names_stay_inside_their_calendar_property() -> None:
    """A name with CR/LF and iCalendar syntax cannot add properties or components."""
    interview = make_interview("Dana Okafor", "Brightwater", interview_date="2026-03-02",
                               timezone="UTC")
    hostile = replace(interview, name="Dana\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:x")
    text = reminder_ics(hostile, followup_deadline(hostile), slug="dana-okafor", address=None,
                        card_name="x.md", generated_at=at(2026, 1, 1))
    calendar = icalendar.Calendar.from_ical(text)
    assert len(calendar.walk("VEVENT")) == 1
    starts = [line for line in text.split("\r\n") if line.startswith(("BEGIN:", "END:"))]
    assert starts == ["BEGIN:VCALENDAR", "BEGIN:VEVENT", "BEGIN:VALARM", "END:VALARM",
                      "BEGIN:VALARM", "END:VALARM", "END:VEVENT", "END:VCALENDAR"]


def test_a_time_the_clocks_skip_is_refused() -> None:
    """02:30 on 29 March 2026 does not exist in Berlin: one sentence, nothing assumed."""
    with pytest.raises(BadInputError, match="does not exist on 2026-03-29 in Europe/Berlin"):
        make_interview("Dana Okafor", "B", interview_date="2026-03-29", interview_time="02:30",
                       timezone="Europe/Berlin")


def test_no_date_no_deadline() -> None:
    """Without a date there is no deadline (and so no reminder file)."""
    assert followup_deadline(make_interview("Dana Okafor", "B")) is None


@pytest.mark.parametrize(
    ("now", "state", "phrase"),
    [
        (at(2026, 3, 3, 9, 0), "due", "follow-up due in 5 h"),
        (at(2026, 3, 3, 13, 30), "due", "follow-up due in 30 min"),
        (at(2026, 3, 3, 16, 0), "overdue", "follow-up overdue by 2 h"),
        (at(2026, 3, 8, 14, 0), "overdue", "follow-up overdue by 5 d"),
        (at(2026, 3, 20, 14, 0), None, ""),
    ],
)
def test_list_says_due_or_overdue(now, state, phrase) -> None:
    """Before the deadline "due", for a week after it "overdue", then nothing."""
    due = at(2026, 3, 3, 14, 0)
    assert followup_state(due, now) == state
    assert state_phrase(due, now) == phrase
    assert followup_state(None, now) is None


def test_a_second_round_is_a_new_record_and_a_rerun_updates_its_own() -> None:
    """Another date adds a round (role and recruiter carried over); the same date updates it."""
    first = make_interview("Dana Okafor", "B", interview_date="2026-03-02", role="Data Engineer",
                           recruiter="Sam Lee <sam@agency.test>", notes="We discussed Flink")
    second = make_interview("Dana Okafor", "B", interview_date="2026-03-16")
    current, rounds = place_round(second, [first])
    assert [r.interview_date for r in rounds] == [dt.date(2026, 3, 2), dt.date(2026, 3, 16)]
    assert (current.role, current.recruiter_email, current.notes) == (
        "Data Engineer", "sam@agency.test", None)
    rerun = make_interview("Dana Okafor", "B", interview_date="2026-03-02")
    current, rounds = place_round(rerun, [first, second])
    assert len(rounds) == 2 and current.notes == "We discussed Flink"
    undated = make_interview("Dana Okafor", "B")
    assert find_round(undated, [first, second]) == 1  # a run without a date refreshes the latest


def test_settings_give_the_follow_up_defaults() -> None:
    """[followup] in settings fills what the command line leaves out; the line wins."""
    from flows.runtime import with_settings
    from lookup.intake.request import ResearchRequest
    from lookup.settings import load_settings

    settings = load_settings(env={"LOOKUP_FOLLOWUP__RECRUITER": "Sam Lee <sam@agency.test>",
                                  "LOOKUP_FOLLOWUP__TONE": "formal",
                                  "LOOKUP_FOLLOWUP__TIMEZONE": "Asia/Kolkata",
                                  "LOOKUP_CONFIG": ""})
    asked = ResearchRequest("Dana Okafor", "B", language="DE")
    filled = with_settings(asked, settings)
    assert (filled.recruiter, filled.tone, filled.timezone, filled.language) == (
        "Sam Lee <sam@agency.test>", "formal", "Asia/Kolkata", "de")
    assert with_settings(ResearchRequest("Dana Okafor", "B", tone="friendly"), settings).tone == "friendly"
    with pytest.raises(BadInputError, match="no draft in the language 'xx'"):
        with_settings(ResearchRequest("Dana Okafor", "B", language="xx"), settings)
