"""Checking what the user typed before any work starts. Pure.

Bad input gets one clear sentence (``BadInputError``, exit code 2) and nothing
is searched, fetched or written.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo

from lookup.address.names import parse_name
from lookup.errors import BadInputError, InvalidDomainError, InvalidNameError
from lookup.models import Interview
from lookup.slug import candidate_key
from lookup.text import is_invisible

__all__ = [
    "HONORIFICS",
    "MAX_FIELD",
    "MAX_NAME",
    "clean_domain",
    "honorific_key",
    "make_interview",
    "parse_recruiter",
    "parse_time_range",
    "zone",
]

MAX_NAME = 200
MAX_FIELD = 300
MAX_NOTES = 4000
MAX_PANEL = 12
# How an honorific is written (any language) -> its key. Gender comes only from these words,
# given by the user or written in the name; it is never guessed from a first name.
HONORIFICS = {
    "ms": "ms", "frau": "ms", "mme": "ms", "madame": "ms", "sra": "ms", "signora": "ms",
    "mrs": "mrs", "miss": "miss", "mlle": "miss",
    "mr": "mr", "herr": "mr", "monsieur": "mr", "sr": "mr", "signor": "mr",
    "mx": "mx", "dr": "dr", "doctor": "dr", "doktor": "dr", "prof": "prof", "professor": "prof",
}
_GENDERED = ("ms", "mrs", "miss", "mr", "mx")
_ACADEMIC = ("prof", "dr")
TONES = ("friendly", "formal")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")
_TIME = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
# A recruiter's address as people type it: the common dot-atom characters only, so nothing
# in it can end a mailto: field or a mail header (no comma, semicolon, quote, space, CR/LF).
_LOCAL_PART = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._+'-]{0,62}[A-Za-z0-9_+'-])?$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$"
)


def _has_control(text: str, *, allow_newlines: bool = False) -> bool:
    for ch in text:
        if allow_newlines and ch in "\n\t":
            continue
        # ZWJ joins emoji and Indic letters; every other invisible one is refused
        if (unicodedata.category(ch) == "Cc" or is_invisible(ch)) and ch != "\u200d":
            return True
    return False


def _clean_text(
    label: str,
    value: str | None,
    *,
    limit: int,
    required: bool = False,
    allow_newlines: bool = False,
) -> str | None:
    text = " ".join((value or "").split()) if not allow_newlines else (value or "").strip()
    if not text:
        if required:
            raise BadInputError(
                f"The {label} is empty; give it as written, e.g. on the invitation."
            )
        return None
    if len(text) > limit:
        raise BadInputError(
            f"The {label} is {len(text):,} characters long; at most {limit:,} are accepted."
        )
    if _has_control(value or "", allow_newlines=allow_newlines or label == "notes"):
        raise BadInputError(f"The {label} contains control characters; type it as plain text.")
    return text


def clean_name(name: str | None) -> str:
    """The interviewer's name, whitespace-folded, or ``InvalidNameError`` with a reason."""
    raw = name or ""
    if _has_control(raw):
        raise InvalidNameError(
            "The interviewer's name contains control characters; type it as plain text."
        )
    text = " ".join(raw.split())
    if not text:
        raise InvalidNameError(
            "The interviewer's name is empty; give it as written, e.g. Jane Doe."
        )
    if len(text) > MAX_NAME:
        raise InvalidNameError(
            f"The interviewer's name is {len(text):,} characters long; at most {MAX_NAME} are accepted."
        )
    if not any(ch.isalpha() for ch in text):
        raise InvalidNameError(
            "The interviewer's name has no letters; give it as written, e.g. Jane Doe."
        )
    return text


def clean_domain(domain: str | None) -> str | None:
    """A lower-case domain without scheme, path or trailing dot, or ``InvalidDomainError``."""
    if domain is None or not domain.strip():
        return None
    text = domain.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/", 1)[0].removeprefix("www.").rstrip(".")
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidDomainError(f"The domain {domain!r} is not a valid domain name.") from exc
    if not _DOMAIN.match(text):
        raise InvalidDomainError(
            f"The domain {domain!r} is not a valid domain name, e.g. acme.com."
        )
    return text


def parse_date(text: str | dt.date | None) -> dt.date | None:
    """An ISO date (YYYY-MM-DD), or ``BadInputError`` naming the expected form."""
    if text is None or isinstance(text, dt.date):
        return text
    if not str(text).strip():
        return None
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError as exc:
        raise BadInputError(
            f"The interview date {text!r} is not a date in the form YYYY-MM-DD."
        ) from exc


def parse_recruiter(text: str | None) -> tuple[str | None, str | None]:
    """ "Sam Lee <sam@agency.com>", "sam@agency.com" or "Sam Lee" -> (name, address)."""
    raw = " ".join((text or "").split())
    if not raw:
        return None, None
    if _has_control(text or ""):
        raise BadInputError("The recruiter contains control characters; type it as plain text.")
    name, address = raw, None
    if "<" in raw or ">" in raw:
        match = re.fullmatch(r"([^<>]*)<([^<>]*)>", raw)
        if match is None:
            raise BadInputError(
                f"The recruiter {raw[:80]!r} is not in the form Name <name@agency.com>."
            )
        name, address = match.group(1).strip().strip('"').strip(), match.group(2).strip()
    elif "@" in raw:
        name, address = "", raw
    if address is not None:
        address = _recruiter_address(address)
    if "@" in name:
        raise BadInputError(
            f"The recruiter {raw[:80]!r} holds more than one address; give one, "
            "as Name <name@agency.com>."
        )
    if len(name) > MAX_NAME:
        raise BadInputError(f"The recruiter's name is longer than {MAX_NAME} characters.")
    return name or None, address


def _recruiter_address(address: str) -> str:
    local, at, domain = address.rpartition("@")
    try:
        ascii_domain = domain.strip().lower().encode("idna").decode("ascii")
    except UnicodeError:
        ascii_domain = ""
    if not at or not _LOCAL_PART.match(local) or ".." in local or not _DOMAIN.match(ascii_domain):
        raise BadInputError(
            f"The recruiter's address {address[:80]!r} is not an email address; "
            "give one address, e.g. Sam Lee <sam@agency.com>."
        )
    return f"{local}@{ascii_domain}"


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The IANA time zone called ``name`` (UTC when empty), or a sentence saying it is unknown."""
    text = (name or "").strip() or "UTC"
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise BadInputError(
            f"The time zone {text!r} is not known; use an IANA name such as Europe/Berlin."
        ) from exc


def parse_time_range(text: str | None) -> tuple[dt.time | None, dt.time | None]:
    """ "14:00" -> (14:00, None); "14:00-14:45" -> (14:00, 14:45); or a sentence."""
    raw = (text or "").strip()
    if not raw:
        return None, None
    parts = [p.strip() for p in re.split(r"\s*[-–—]\s*|\s+to\s+", raw) if p.strip()]
    times = [_clock(p, raw) for p in parts]
    if len(times) not in (1, 2):
        raise BadInputError(f"The interview time {raw!r} is not HH:MM or HH:MM-HH:MM.")
    if len(times) == 2 and times[1] <= times[0]:
        raise BadInputError(f"The interview time {raw!r} ends before it starts.")
    return times[0], times[1] if len(times) == 2 else None


def _clock(part: str, raw: str) -> dt.time:
    match = _TIME.match(part)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise BadInputError(f"The interview time {raw!r} is not HH:MM or HH:MM-HH:MM (24-hour).")
    return dt.time(int(match.group(1)), int(match.group(2)))


def _local(day: dt.date, clock: dt.time, tz: zoneinfo.ZoneInfo, label: str) -> dt.datetime:
    """``day`` at ``clock`` in ``tz``; a time the clocks skip (spring forward) is refused."""
    value = dt.datetime.combine(day, clock, tzinfo=tz)
    back = value.astimezone(dt.UTC).astimezone(tz)
    if back.replace(tzinfo=None) != value.replace(tzinfo=None):
        raise BadInputError(
            f"{clock:%H:%M} does not exist on {day.isoformat()} in {label}: the clocks "
            "go forward then; give the time as shown in your calendar."
        )
    return value


def honorific_key(text: str | None) -> str | None:
    """ "Ms." -> "ms"; "Frau Dr." -> "ms+dr"; None when empty; a sentence when unknown."""
    words = [w.strip(".").lower() for w in re.split(r"[\s+/,]+", (text or "").strip()) if w.strip(".")]
    if not words:
        return None
    keys = []
    for word in words:
        if word not in HONORIFICS:
            raise BadInputError(
                f"The honorific {text!r} is not one this tool knows; use Ms., Mrs., Miss, Mr., "
                "Mx., Dr. or Prof. (or leave it out: the greeting then uses the full name)."
            )
        keys.append(HONORIFICS[word])
    if sum(k in _GENDERED for k in set(keys)) > 1:
        raise BadInputError(f"The honorific {text!r} combines two forms of address; give one.")
    return "+".join(k for k in (*_GENDERED, *_ACADEMIC) if k in keys)


def _name_honorific(title: str) -> str | None:
    """The honorific a name carries ("Dr. Dana Okafor"), when it is one of the known words."""
    keys = [HONORIFICS[w] for w in title.lower().replace(".", " ").split() if w in HONORIFICS]
    return honorific_key(" ".join(keys)) if keys else None


def _panel(name: str, panel: tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    names = [clean_name(p) for p in panel or ()]
    if not names:
        return ()
    if len(names) > MAX_PANEL:
        raise BadInputError(f"The panel names {len(names)} people; at most {MAX_PANEL} are accepted.")
    if name not in names:
        names.insert(0, name)
    unique = tuple(dict.fromkeys(names))
    return unique if len(unique) > 1 else ()


def make_interview(
    name: str | None,
    company: str | None,
    *,
    domain: str | None = None,
    role: str | None = None,
    interview_date: str | dt.date | None = None,
    recruiter: str | None = None,
    notes: str | None = None,
    interview_time: str | None = None,
    timezone: str | None = None,
    panel: tuple[str, ...] | list[str] | None = None,
    honorific: str | None = None,
    tone: str | None = None,
    language: str | None = None,
    candidate: str | None = None,
) -> Interview:
    """Validate every field and build the ``Interview``; the first problem raises.

    ``interview_time`` ("14:00" or "14:00-14:45") is read in ``timezone`` (an IANA
    name; UTC when not given) on ``interview_date``.
    """
    clean = clean_name(name)
    parsed = parse_name(clean)  # the inference engine's parser knows titles, particles, orders
    day = parse_date(interview_date)
    tz = zone(timezone)
    start, end = parse_time_range(interview_time)
    if start is not None and day is None:
        raise BadInputError("An interview time needs the date too: give --interview-date.")
    recruiter_name, recruiter_email = parse_recruiter(recruiter)
    chosen_tone = (tone or "friendly").strip().lower()
    if chosen_tone not in TONES:
        raise BadInputError(f"The tone {tone!r} is not one of: {', '.join(TONES)}.")
    chosen_language = (language or "en").strip().lower()
    if not _LANGUAGE.match(chosen_language):
        raise BadInputError(
            f"The language {language!r} is not a language code such as en or de."
        )
    notes_text = (notes or "").replace("\r\n", "\n").replace("\r", "\n")
    return Interview(
        name=clean,
        company=_clean_text("company", company, limit=MAX_FIELD, required=True) or "",
        domain=clean_domain(domain),
        role=_clean_text("role", role, limit=MAX_FIELD),
        interview_date=day,
        recruiter=recruiter_name,
        notes=_clean_text("notes", notes_text, limit=MAX_NOTES, allow_newlines=True),
        recruiter_email=recruiter_email,
        starts_at=_local(day, start, tz, str(tz.key)) if day and start else None,
        ends_at=_local(day, end, tz, str(tz.key)) if day and end else None,
        timezone=str(tz.key),
        panel=_panel(clean, panel),
        honorific=honorific_key(honorific) or _name_honorific(parsed.title),
        tone=chosen_tone,
        language=chosen_language,
        candidate=candidate_key(candidate) if candidate else None,
    )
