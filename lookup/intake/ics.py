"""Interviews from a calendar export (.ics): who, where, when. Pure parsing.

``parse_interviews(text, today=...)`` reads every VEVENT that looks like an
interview and takes the interviewer and company from, in order: description
lines ("Interviewer: …", "Panel: A, B, C", "Company: …", "Role: …",
"Recruiter: …", "Domain: …"), the summary ("Interview with Dana Okafor
(Brightwater Analytics)", "Brightwater Analytics — technical interview with
Dana Okafor", "Call: Jane Roe @ Acme") and, for the interviewer, the
attendees' CN names (without the organizer, the candidate's own addresses,
rooms and free-mail accounts). A panel yields one interview per interviewer,
each knowing the whole panel. The start and end (in the user's zone when one
is given) set the follow-up deadline; a "Notes:" block in the description
(the candidate's own notes, added after the interview) becomes the notes, and
a recruiter who is also an attendee brings their address. Events that do not
look like interviews are counted, not reported; interview-like events that
cannot be used get one sentence each in ``problems``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import icalendar

from lookup.errors import BadInputError
from lookup.models import Interview
from lookup.slug import name_key

__all__ = ["ParseReport", "parse_interviews"]


@dataclass(frozen=True, slots=True)
class ParseReport:
    """The interviews found in a calendar, and a sentence for each event that could not be used."""

    interviews: list[Interview] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: int = 0  # events that are not interviews (dentist, stand-up, ...)


# Description lines "Label: value" and the Interview field each label fills.
LABELS = {
    "interviewer": "name", "interviewers": "name", "interviewer(s)": "name",
    "company": "company", "employer": "company", "organisation": "company",
    "organization": "company",
    "role": "role", "position": "role", "job": "role", "job title": "role",
    "recruiter": "recruiter", "domain": "domain",
    "panel": "name", "panelists": "name", "interview panel": "name",
}
# A notes block: this line's value and the lines after it, up to a blank line or a label.
NOTES_LABELS = {"notes", "my notes", "interview notes", "notizen"}
_LABEL_LINE = re.compile(r"^\s*([A-Za-z() ]{2,20}?)\s*[:：]\s*(.+?)\s*$")

_DASH = r"\s*[—–:|]\s*|\s+-\s+"
_KIND = r"(?:[\w-]+\s+){0,3}?"  # "technical ", "final round ", ...
# Summary shapes, tried in order; each names the interviewer and/or company.
SUMMARY_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"\binterview(?:ing)?\s+with\s+(?P<name>[^()@]+?)\s*\((?P<company>[^()]+)\)\s*$",
    r"\binterview(?:ing)?\s+with\s+(?P<name>[^()@]+?)\s+(?:at|@|from)\s+(?P<company>.+?)\s*$",
    rf"^(?P<company>[^—–:|]+?)(?:{_DASH}){_KIND}interview\s+with\s+(?P<name>.+?)\s*$",
    rf"^(?:{_KIND}(?:call|chat|interview|screen|screening|meeting))\s*(?:{_DASH})\s*"
    rf"(?P<name>[^@]+?)\s+(?:@|at)\s+(?P<company>.+?)\s*$",
    rf"^(?P<name>[^@()]+?)\s+(?:@|at)\s+(?P<company>.+?)(?:{_DASH}){_KIND}"
    rf"(?:call|chat|interview|screen|screening)\s*$",
    r"\binterview(?:ing)?\s+with\s+(?P<name>[^()@]+?)\s*$",
    rf"^(?P<company>.+?)\s+(?:{_KIND})?(?:interview|phone screen|screening call)\s*$",
    rf"^(?:{_KIND})?interview\s*(?:{_DASH})\s*(?P<company>.+?)\s*$",
))
_INTERVIEW_WORDS = re.compile(r"\binterview|\bphone screen|\bscreening call", re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*(?:,|&|\band\b|\+|/)\s*", re.IGNORECASE)
_NAME_SHAPE = re.compile(r"^[^\W\d_][\w.'’\- ]{1,80}$")
_TRAILING_ROLE = re.compile(r"\s*\((?:[^()]*)\)\s*$")

# Candidates usually attend from a personal mailbox; interviewers from the company's.
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com",
    "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net",
    "aol.com", "fastmail.com", "hey.com", "yandex.ru", "mail.com",
})
_NOT_PEOPLE = {"ROOM", "RESOURCE", "UNKNOWN"}


@dataclass(frozen=True, slots=True)
class _Attendee:
    name: str
    email: str
    organizer: bool


def parse_interviews(
    ics_text: str,
    *,
    today: dt.date,
    max_age_days: int = 30,
    candidate_emails: Collection[str] = (),
    tz: dt.tzinfo | None = None,
) -> ParseReport:
    """Interviews named in ``ics_text``; events older than ``max_age_days`` before ``today``
    are left out (counted in one problem sentence). ``tz`` converts timed events to the
    user's zone before taking their date (default: the event's own zone)."""
    calendars = _calendars(ics_text)
    mine = {e.strip().lower() for e in candidate_emails}
    found: dict[tuple[str, str, dt.date | None], Interview] = {}
    problems: list[str] = []
    skipped = too_old = 0
    for event in (e for cal in calendars for e in cal.walk("VEVENT")):
        outcome = _read_event(event, mine=mine, tz=tz)
        if outcome is None:
            skipped += 1
            continue
        if isinstance(outcome, str):
            problems.append(outcome)
            continue
        for interview in outcome:
            day = interview.interview_date
            if day is not None and (today - day).days > max_age_days:
                too_old += 1
                continue
            key = (name_key(interview.name), name_key(interview.company), day)
            found.setdefault(key, interview)
    if too_old:
        problems.append(
            f"{too_old} interview(s) more than {max_age_days} days before {today.isoformat()} "
            "were left out; raise --max-age-days to include them."
        )
    ordered = sorted(found.values(), key=lambda i: (i.interview_date or dt.date.max, i.name))
    return ParseReport(interviews=ordered, problems=problems, skipped=skipped)


def _calendars(ics_text: str) -> list[icalendar.Calendar]:
    ics_text = ics_text.lstrip("\ufeff")  # a byte-order mark, as some Windows apps write
    if "BEGIN:VCALENDAR" not in ics_text.upper():
        raise BadInputError("The file is not an iCalendar (.ics) file: it has no BEGIN:VCALENDAR.")
    try:
        return list(icalendar.Calendar.from_ical(ics_text, multiple=True))
    except (ValueError, KeyError, IndexError) as exc:
        raise BadInputError(
            f"The calendar file could not be read as iCalendar (RFC 5545): {exc}. "
            "Export it again from your calendar app."
        ) from exc


def _text(event: icalendar.Event, prop: str) -> str:
    value = event.get(prop)
    return "" if value is None else str(value)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _read_event(
    event: icalendar.Event, *, mine: set[str], tz: dt.tzinfo | None
) -> list[Interview] | str | None:
    """Interviews from one event, a problem sentence, or None when it is no interview."""
    summary = _one_line(_text(event, "summary"))
    labels = _labelled(_text(event, "description"))
    from_summary = _from_summary(summary)
    if not (labels.get("name") or from_summary or _INTERVIEW_WORDS.search(summary)):
        return None
    label = f"The event “{summary[:80] or 'untitled'}”"
    if _text(event, "status").upper() == "CANCELLED":
        return f"{label} was cancelled, so it was skipped."
    day = _start_date(event, tz)
    if isinstance(day, str):
        return f"{label} has an unreadable start time ({day}); fix DTSTART or add it by hand."
    attendees = _attendees(event)
    company = labels.get("company") or from_summary.get("company")
    names = _names(labels.get("name") or from_summary.get("name"))
    if not names:
        names = [a.name for a in _interviewer_attendees(attendees, mine, labels.get("recruiter"))]
    if not names:
        return (f"{label} does not say who the interviewer is; add a line "
                "“Interviewer: Name” to its description.")
    if not company:
        return (f"{label} names {', '.join(names)} but not the company; add a line "
                "“Company: Name” to its description.")
    starts, ends = _times(event, tz)
    recruiter = labels.get("recruiter")
    panel = tuple(dict.fromkeys(names)) if len(set(names)) > 1 else ()
    return [
        Interview(
            name=name,
            company=company,
            domain=labels.get("domain") or _domain_for(name, attendees),
            role=labels.get("role"),
            interview_date=day,
            recruiter=recruiter,
            notes=_notes(_text(event, "description")),
            recruiter_email=_address_of(recruiter, attendees),
            starts_at=starts,
            ends_at=ends,
            timezone=getattr(tz, "key", None),
            panel=panel,
        )
        for name in dict.fromkeys(names)
    ]


def _times(event: icalendar.Event, tz: dt.tzinfo | None) -> tuple[dt.datetime | None, ...]:
    """The event's start and end as aware datetimes (floating times read in ``tz``)."""
    found: list[dt.datetime | None] = []
    for prop in ("dtstart", "dtend"):
        try:
            value = event.decoded(prop) if event.get(prop) is not None else None
        except (ValueError, KeyError, TypeError):
            value = None
        if not isinstance(value, dt.datetime):
            found.append(None)
            continue
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz or dt.UTC)
        found.append(value.astimezone(tz) if tz is not None else value)
    start, end = found
    if start is not None and end is None and event.get("duration") is not None:
        try:
            end = start + event.decoded("duration")
        except (ValueError, TypeError):
            end = None
    if start is None or (end is not None and end <= start):
        end = None
    return start, end


def _notes(description: str) -> str | None:
    """The candidate's own notes: a "Notes:" block in the description, else None.

    Other description text (the invitation, a meeting link) is the organiser's, not notes.
    """
    lines: list[str] = []
    taking = False
    for line in description.splitlines():
        match = _LABEL_LINE.match(line)
        label = _one_line(match.group(1)).lower() if match else ""
        if match and label in NOTES_LABELS:
            taking = True
            lines.append(match.group(2))
        elif taking and (not line.strip() or (match and label in LABELS)):
            taking = False
        elif taking:
            lines.append(line.strip())
    text = "\n".join(line for line in lines if line.strip())
    return text[:4000] or None


def _address_of(recruiter: str | None, attendees: Iterable[_Attendee]) -> str | None:
    """The recruiter's address, when they are on the invitation under the same name."""
    if not recruiter:
        return None
    for a in attendees:
        if a.name and name_key(a.name) == name_key(recruiter) and "@" in a.email:
            return a.email
    return None


def _labelled(description: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in description.splitlines():
        match = _LABEL_LINE.match(line)
        if match:
            field_name = LABELS.get(_one_line(match.group(1)).lower())
            if field_name and field_name not in found:
                found[field_name] = _one_line(match.group(2))
    return found


def _from_summary(summary: str) -> dict[str, str]:
    for pattern in SUMMARY_PATTERNS:
        match = pattern.search(summary)
        if match:
            return {k: _one_line(v) for k, v in match.groupdict().items() if v}
    return {}


def _names(text: str | None) -> list[str]:
    """'Dana Okafor and Lee Park (Engineering)' -> ['Dana Okafor', 'Lee Park']."""
    if not text:
        return []
    text = _TRAILING_ROLE.sub("", text)
    parts = [_one_line(p) for p in _NAME_SPLIT.split(text)]
    if len(parts) == 2 and all(" " not in p for p in parts) and "," in text:
        parts = [f"{parts[1]} {parts[0]}"]  # "Okafor, Dana"
    return [p for p in parts if _NAME_SHAPE.match(p)]


def _start_date(event: icalendar.Event, tz: dt.tzinfo | None) -> dt.date | None | str:
    if event.get("dtstart") is None:
        return None
    value = event.decoded("dtstart")
    if isinstance(value, dt.datetime):
        if tz is not None and value.tzinfo is not None:
            value = value.astimezone(tz)
        return value.date()
    if isinstance(value, dt.date):
        return value
    return repr(_one_line(str(value))[:40])


def _attendees(event: icalendar.Event) -> list[_Attendee]:
    found: list[_Attendee] = []
    organizer = event.get("organizer")
    raw = event.get("attendee") or []
    for value, is_org in [(organizer, True)] * (organizer is not None) + [
        (a, False) for a in (raw if isinstance(raw, list) else [raw])
    ]:
        params = getattr(value, "params", {})
        if str(params.get("CUTYPE", "INDIVIDUAL")).upper() in _NOT_PEOPLE:
            continue
        email = re.sub(r"^mailto:", "", str(value), flags=re.IGNORECASE).strip().lower()
        names = _names(_one_line(str(params.get("CN", ""))).strip('"'))
        found.append(_Attendee(names[0] if names else "", email, is_org))
    return found


def _interviewer_attendees(
    attendees: Iterable[_Attendee], mine: set[str], recruiter: str | None
) -> list[_Attendee]:
    organizer = {a.email for a in attendees if a.organizer}
    skip_names = {name_key(recruiter)} if recruiter else set()
    return [
        a for a in attendees
        if a.name and not a.organizer and a.email not in organizer and a.email not in mine
        and a.email.rpartition("@")[2] not in FREE_MAIL and name_key(a.name) not in skip_names
    ]


def _domain_for(name: str, attendees: Iterable[_Attendee]) -> str | None:
    """The interviewer's own company domain when the invite lists their work address."""
    for a in attendees:
        domain = a.email.rpartition("@")[2]
        if name_key(a.name) == name_key(name) and domain and domain not in FREE_MAIL:
            return domain
    return None
