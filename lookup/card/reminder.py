"""The follow-up deadline as a calendar reminder file (RFC 5545), next to the card. Pure.

One VEVENT that ends at the deadline (its start a quarter of an hour before),
with two alarms: one ``lead`` before the deadline and one when the event
starts. Every instant is written in UTC ("…Z"), so no calendar has to know
the user's zone rules to ring at the right moment; the event's UID is stable
per person and interview, so importing the file again updates the event.
"""

from __future__ import annotations

import datetime as dt

import icalendar

from lookup.card.markdown import clean_text
from lookup.intake.followup import Deadline
from lookup.models import Interview

__all__ = ["EVENT_LENGTH", "reminder_ics"]

EVENT_LENGTH = dt.timedelta(minutes=15)
PRODID = "-//interviewer-lookup//follow-up reminder//EN"


def _uid(slug: str, interview: Interview) -> str:
    when = interview.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ") if interview.starts_at \
        else (interview.interview_date.isoformat() if interview.interview_date else "undated")
    return f"followup-{slug}-{when}@interviewer-lookup"


def reminder_ics(
    interview: Interview,
    deadline: Deadline,
    *,
    slug: str,
    address: str | None,
    card_name: str,
    generated_at: dt.datetime,
    lead: dt.timedelta = dt.timedelta(hours=3),
) -> str:
    """The reminder file's text (CRLF line ends, as RFC 5545 asks)."""
    name = clean_text(interview.name)[:200]
    company = clean_text(interview.company)[:200]
    local = deadline.due_local
    start = deadline.due - EVENT_LENGTH
    to = f" at {clean_text(address)}" if address else ""
    description = (
        f"Send your thank-you to {name} ({company}){to} by {local:%A %d %B %Y, %H:%M} "
        f"{deadline.zone}: 24 hours after your interview. The draft is in your briefing card "
        f"{card_name}; if a recruiter arranged the interview, check with them first."
    )
    event = icalendar.Event()
    event.add("uid", _uid(slug, interview))
    event.add("dtstamp", generated_at.astimezone(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", deadline.due)
    event.add("summary", f"Send your thank-you to {name}")
    event.add("description", description)
    event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: it does not block time
    for before in sorted({max(lead, EVENT_LENGTH), EVENT_LENGTH}, reverse=True):
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Follow-up to {name} due at {local:%H:%M} {deadline.zone}")
        alarm.add("trigger", EVENT_LENGTH - before)  # relative to the start
        event.add_component(alarm)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
