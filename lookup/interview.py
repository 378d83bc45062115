"""Checking what the user typed before any work starts. Pure.

Bad input gets one clear sentence (``BadInputError``, exit code 2) and nothing
is searched, fetched or written.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from lookup.address.names import parse_name
from lookup.errors import BadInputError, InvalidDomainError, InvalidNameError
from lookup.models import Interview

__all__ = ["MAX_FIELD", "MAX_NAME", "clean_domain", "make_interview"]

MAX_NAME = 200
MAX_FIELD = 300
MAX_NOTES = 4000
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$"
)


def _has_control(text: str, *, allow_newlines: bool = False) -> bool:
    for ch in text:
        if allow_newlines and ch in "\n\t":
            continue
        if unicodedata.category(ch) in {"Cc", "Cf"} and ch not in "\u200d":
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


def make_interview(
    name: str | None,
    company: str | None,
    *,
    domain: str | None = None,
    role: str | None = None,
    interview_date: str | dt.date | None = None,
    recruiter: str | None = None,
    notes: str | None = None,
) -> Interview:
    """Validate every field and build the ``Interview``; the first problem raises."""
    clean = clean_name(name)
    parse_name(clean)  # the inference engine's parser knows titles, particles and name orders
    return Interview(
        name=clean,
        company=_clean_text("company", company, limit=MAX_FIELD, required=True) or "",
        domain=clean_domain(domain),
        role=_clean_text("role", role, limit=MAX_FIELD),
        interview_date=parse_date(interview_date),
        recruiter=_clean_text("recruiter's name", recruiter, limit=MAX_NAME),
        notes=_clean_text("notes", notes, limit=MAX_NOTES, allow_newlines=True),
    )
