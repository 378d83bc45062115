"""When the follow-up is due: 24 hours after the interview ended, in the user's zone. Pure.

The advice the tool follows: thank the interviewer soon after a first phone or
video interview, within a day. The deadline is 24 hours of elapsed time after
the interview's end (so across a change to or from summer time the clock
reading moves by an hour). When only a start time is known the interview is
taken to last an hour; when only the date is known, to end by 17:00 that day
in the user's time zone. Without a date there is no deadline.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, replace

from lookup.models import Interview

__all__ = [
    "DAY_END",
    "DEFAULT_LENGTH",
    "OVERDUE_SHOWN",
    "WINDOW",
    "Deadline",
    "find_round",
    "followup_deadline",
    "followup_state",
    "merge_round",
    "place_round",
    "round_key",
    "state_phrase",
]

WINDOW = dt.timedelta(hours=24)
DEFAULT_LENGTH = dt.timedelta(hours=1)
DAY_END = dt.time(17, 0)
# A week after the deadline `lookup list` stops calling a follow-up overdue.
OVERDUE_SHOWN = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Deadline:
    """When the follow-up is due (UTC), when the interview ended, and what was assumed."""

    due: dt.datetime  # aware, UTC
    ended: dt.datetime  # aware, in the user's zone
    zone: str
    assumed: str = ""  # "" (the end was given), "length" (start + an hour) or "day end"

    @property
    def due_local(self) -> dt.datetime:
        """The deadline on the user's clock."""
        return self.due.astimezone(_zone(self.zone))


def _zone(name: str | None) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name) if name else dt.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def followup_deadline(interview: Interview) -> Deadline | None:
    """The follow-up deadline for ``interview``, or None when its date is unknown."""
    tz = _zone(interview.timezone)
    zone_name = interview.timezone or "UTC"
    if interview.ends_at is not None:
        ended, assumed = interview.ends_at, ""
    elif interview.starts_at is not None:
        ended, assumed = interview.starts_at + DEFAULT_LENGTH, "length"
    elif interview.interview_date is not None:
        ended, assumed = dt.datetime.combine(interview.interview_date, DAY_END, tzinfo=tz), "day end"
    else:
        return None
    if ended.tzinfo is None:
        ended = ended.replace(tzinfo=tz)
    due = ended.astimezone(dt.UTC) + WINDOW  # elapsed time: add in UTC, never on a local clock
    return Deadline(due=due, ended=ended.astimezone(tz), zone=zone_name, assumed=assumed)


def followup_state(due: dt.datetime | None, now: dt.datetime) -> str | None:
    """ "due" before the deadline, "overdue" for a week after it, else None."""
    if due is None:
        return None
    due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
    if now < due:
        return "due"
    if now - due <= OVERDUE_SHOWN:
        return "overdue"
    return None


def state_phrase(due: dt.datetime | None, now: dt.datetime) -> str:
    """ "follow-up due in 5 h", "follow-up overdue by 2 d", or "" when nothing is pending."""
    state = followup_state(due, now)
    if state is None or due is None:
        return ""
    due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
    gap = abs(due - now)
    span = f"{gap.days} d" if gap >= dt.timedelta(days=2) else (
        f"{int(gap.total_seconds() // 3600)} h" if gap >= dt.timedelta(hours=1)
        else f"{max(int(gap.total_seconds() // 60), 1)} min")
    return f"follow-up due in {span}" if state == "due" else f"follow-up overdue by {span}"


# -- rounds: an interview is its own record ------------------------------------


def round_key(interview: Interview) -> tuple[dt.date, dt.datetime]:
    """Sort key: by date, then start time (undated interviews first)."""
    start = interview.starts_at.astimezone(dt.UTC) if interview.starts_at else _MIN_TIME
    return interview.interview_date or dt.date.min, start


_MIN_TIME = dt.datetime.min.replace(tzinfo=dt.UTC)


def find_round(current: Interview, stored: list[Interview]) -> int | None:
    """Which stored interview ``current`` is (a re-run of the same one), or None for a new round.

    Same date and, when both have one, the same start: the same interview. A run without a
    date refers to the latest stored interview: re-running research refreshes it.
    """
    if not stored:
        return None
    if current.interview_date is None:
        return max(range(len(stored)), key=lambda i: round_key(stored[i]))
    for index, old in enumerate(stored):
        if old.interview_date != current.interview_date:
            continue
        if current.starts_at is None or old.starts_at is None or current.starts_at == old.starts_at:
            return index
    return None


_KEPT = ("role", "interview_date", "recruiter", "recruiter_email", "notes", "starts_at",
         "ends_at", "domain")


def merge_round(current: Interview, old: Interview) -> Interview:
    """``current`` with what it leaves out taken from the stored record of the same interview."""
    kept = {f: getattr(old, f) for f in _KEPT if getattr(current, f) in (None, "")}
    if not current.panel and old.panel:
        kept["panel"] = old.panel
    if current.starts_at is None and old.starts_at is not None and current.timezone != old.timezone:
        kept["timezone"] = old.timezone
    return replace(current, **kept)


# A new round with the same person keeps the process's context unless given again.
_INHERITED = ("role", "recruiter", "recruiter_email")


def place_round(current: Interview, stored: list[Interview]) -> tuple[Interview, list[Interview]]:
    """The current interview merged with its stored record, and every round sorted by date.

    A new round takes the role and the recruiter from the latest earlier round when
    this run does not give them (the same hiring process, as a rule).
    """
    index = find_round(current, stored)
    others = list(stored)
    if index is not None:
        current = merge_round(current, others.pop(index))
    elif others:
        earlier = [o for o in others if round_key(o) <= round_key(current)] or others
        previous = max(earlier, key=round_key)
        current = replace(current, **{f: getattr(previous, f) for f in _INHERITED
                                      if getattr(current, f) in (None, "")})
    return current, sorted([*others, current], key=round_key)
