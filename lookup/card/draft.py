"""The follow-up drafts: to the interviewer and to the recruiter, from a phrasebook. Pure.

A phrasebook (``config/templates/draft.<language>.toml``) holds every phrase;
this module chooses among them: the greeting by tone and a given honorific
(never a guessed one), the thank-you by round and panel, the personal line
from the candidate's notes (``notes.rephrase``), and an optional line about
the person's own public work. The drafts of one panel take different variants
of each sentence, so no two interviewers receive the same one.

Every ``mailto:`` link is built here: each part percent-encoded (RFC 6068), so
no note or name can end a field, add a recipient or inject a header.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from lookup.address.names import parse_name
from lookup.card.markdown import clean_text
from lookup.card.notes import NoteLine, items_for, note_items, rephrase
from lookup.errors import ConfigError, InvalidNameError
from lookup.models import Interview, Profile, Source, TalkingPoint

__all__ = [
    "Draft",
    "Phrasebook",
    "RecruiterNote",
    "compose_draft",
    "compose_recruiter_note",
    "long_date",
    "mailto",
    "research_line",
]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A recruiter's address as the input check lets it through; anything else (a calendar's
# odd attendee value, say) is not used as a recipient at all.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+'-]{0,63}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}")


def _recipient(address: str | None) -> str | None:
    text = clean_text(address)
    return text if _PLAIN_ADDRESS.fullmatch(text) else None


@dataclass(frozen=True, slots=True)
class Phrasebook:
    """A language's phrases (the parsed TOML) and where they came from, for error messages."""

    language: str
    phrases: Mapping[str, Any]
    where: str = ""

    def get(self, path: str) -> Any:
        """The phrase at a dotted path ("greeting.formal.ms"), or None."""
        node: Any = self.phrases
        for part in path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def text(self, path: str, variant: int = 0, **values: str) -> str:
        """The phrase at ``path`` (variant ``variant`` of a list) with its placeholders filled."""
        phrase = self.get(path)
        if isinstance(phrase, list) and phrase:
            phrase = phrase[variant % len(phrase)]
        if not isinstance(phrase, str):
            raise ConfigError(
                f"The draft phrasebook {self.where or self.language} has no phrase {path!r}; "
                "copy it from the shipped config/templates/ again."
            )
        return self.fill(phrase, path, values)

    def fill(self, phrase: str, path: str, values: Mapping[str, str]) -> str:
        def one(match: re.Match[str]) -> str:
            if match.group(1) not in values:
                raise ConfigError(
                    f"The phrase {path!r} in {self.where or self.language} uses "
                    f"{{{match.group(1)}}}, which that phrase does not have; "
                    f"it may use: {', '.join('{' + k + '}' for k in values) or 'none'}."
                )
            return values[match.group(1)]

        return _PLACEHOLDER.sub(one, phrase)


@dataclass(frozen=True, slots=True)
class Draft:
    """The follow-up to the interviewer: recipients, subject, body lines and how it was made."""

    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: tuple[str, ...]
    note: NoteLine | None  # the note the personal line came from; None: the card asks for one
    optional: str | None = None  # a line about the person's public work, not in the body
    optional_source: Source | None = None

    @property
    def mailto(self) -> str:
        return mailto(self.to, self.cc, self.subject, self.body)


@dataclass(frozen=True, slots=True)
class RecruiterNote:
    """The short note asking the recruiter whether a direct thank-you is welcome."""

    to: tuple[str, ...]
    subject: str
    body: tuple[str, ...]

    @property
    def mailto(self) -> str:
        return mailto(self.to, (), self.subject, self.body)


def mailto(to: Sequence[str], cc: Sequence[str], subject: str, body: Sequence[str]) -> str:
    """A ``mailto:`` URL with every part percent-encoded (RFC 6068): nothing can break out."""
    path = ",".join(quote(clean_text(a), safe="@") for a in to if clean_text(a))
    fields = []
    if any(clean_text(a) for a in cc):
        fields.append("cc=" + ",".join(quote(clean_text(a), safe="@") for a in cc if clean_text(a)))
    fields.append("subject=" + quote(clean_text(subject), safe=""))
    fields.append("body=" + quote("\r\n".join(clean_text(line) for line in body), safe=""))
    return f"mailto:{path}?{'&'.join(fields)}"


def long_date(day: dt.date, book: Phrasebook) -> str:
    """ "Monday 2 March 2026" / "Montag, 2. März 2026", from the phrasebook's names."""
    weekdays, months = book.get("weekdays") or [], book.get("months") or []
    if len(weekdays) != 7 or len(months) != 12:
        raise ConfigError(f"The draft phrasebook {book.where or book.language} needs 7 weekdays "
                          "and 12 months.")
    return book.text("date", weekday=weekdays[day.weekday()], day=str(day.day),
                     month=months[day.month - 1], year=str(day.year))


# -- names as a letter addresses them --------------------------------------------


@dataclass(frozen=True, slots=True)
class _Names:
    given: str
    family: str
    full: str
    ambiguous: bool  # the order of the parts cannot be told ("Wang Wei")


def _display(word: str) -> str:
    """ "TANAKA" -> "Tanaka", "OKAFOR-REYES" -> "Okafor-Reyes"; other words as written."""
    if len(word) > 1 and word.isupper():
        return "-".join(part.capitalize() for part in word.split("-"))
    return word


def _names(name: str) -> _Names:
    text = clean_text(name)[:200]
    try:
        parsed = parse_name(text)
    except InvalidNameError:
        return _Names(text, text, text, True)
    family = " ".join((*parsed.particles, _display(parsed.family))).strip()
    if "," in text:  # "Okafor, Dana": a list's order, not the person's
        full = " ".join(p for p in (parsed.given, *parsed.middle, family) if p)
    else:
        titles = {w.lower().strip(".") for w in parsed.title.split()}
        full = " ".join(_display(w) for w in text.split() if w.lower().strip(".") not in titles)
    given = _display(parsed.given)
    return _Names(given, family or given, full or given, parsed.order_ambiguous or not family)


def _greeting(interview: Interview, book: Phrasebook) -> str:
    names = _names(interview.name)
    if interview.tone != "formal":
        given = names.full if names.ambiguous else names.given
        return book.text("greeting.friendly", given=given, family=names.family, full=names.full)
    keys = [k for k in (interview.honorific or "").split("+") if k]
    tried = ([interview.honorific] if len(keys) > 1 else []) + [
        k for k in ("prof", "dr", "ms", "mrs", "miss", "mr", "mx") if k in keys]
    family = names.full if names.ambiguous else names.family
    for key in tried:
        if isinstance(book.get(f"greeting.formal.{key}"), str):
            return book.text(f"greeting.formal.{key}", given=names.given, family=family,
                             full=names.full)
    return book.text("greeting.formal.none", given=names.given, family=family, full=names.full)


# -- the draft to the interviewer -----------------------------------------------

_OWN_WORK = re.compile(r"^(Talk|Post|Podcast|Paper|Project) (“[^”]{1,200}”)(.*)$")
_POSSESSIVE_WORK = re.compile(
    r"^(?:Her|His|Their) (.{0,80}?\b(talk|post|podcast|paper|project|article|keynote)\b.*)$")
_TRAILING_PARENS = re.compile(r"(?:\s*\([^()]{1,60}\))+$")


def research_line(points: Sequence[TalkingPoint], book: Phrasebook, variant: int = 0
                  ) -> tuple[str, Source] | None:
    """An optional line about the person's own public work (a talk, post, podcast, paper or
    project; never a press release or a quote), with its source; None when there is none."""
    for point in points:
        text = clean_text(point.text).rstrip(".")[:300]
        own = _OWN_WORK.match(text)
        if own:
            kind = own.group(1).lower()
            rest = _TRAILING_PARENS.sub("", own.group(3)).rstrip(" .,")
            work = book.text(f"research.{kind}", title=own.group(2), rest=rest)
        elif (possessive := _POSSESSIVE_WORK.match(text)) and book.language == "en":
            work = f"your {possessive.group(1)}"
        else:
            continue
        return book.text("research.line", variant, work=work), point.source
    return None


def _thanks(interview: Interview, book: Phrasebook, *, round_number: int, variant: int) -> str:
    when = (book.text("on_date", date=long_date(interview.interview_date, book))
            if interview.interview_date else "")
    role = clean_text(interview.role)[:120]
    position = book.text("position", role=role) if role else book.text("position_unknown")
    key = "thanks.again" if round_number > 1 else "thanks.panel" if interview.panel else "thanks.first"
    return book.text(key, variant, when=when, position=position,
                     company=clean_text(interview.company)[:120])


def _personal(interview: Interview, book: Phrasebook, variant: int) -> tuple[str, NoteLine | None]:
    items = items_for(note_items(interview.notes), interview.name, interview.panel)
    if not items:
        names = _names(interview.name)
        return book.text("personal.ask", variant, given=names.given), None
    line = rephrase(items[0], language=book.language, name=interview.name,
                    company=interview.company)
    if not isinstance(book.get(f"personal.{line.kind}"), list | str):
        line = NoteLine("as_written", clean_text(line.original), line.original, False, line.cut)
    return book.text(f"personal.{line.kind}", variant, topic=line.topic), line


def compose_draft(
    interview: Interview,
    *,
    profile: Profile | None,
    address: str | None,
    book: Phrasebook,
    sender: str | None = None,
    round_number: int = 1,
) -> Draft:
    """The follow-up to the interviewer (see the module docstring)."""
    variant = interview.panel.index(interview.name) if interview.name in interview.panel else 0
    role = clean_text(interview.role)[:120]
    company = clean_text(interview.company)[:120]
    subject = (book.text("subject.role", role=role, company=company) if role
               else book.text("subject.no_role", role="", company=company))
    personal, note = _personal(interview, book, variant)
    tone = "formal" if interview.tone == "formal" else "friendly"
    body = (
        _greeting(interview, book), "",
        _thanks(interview, book, round_number=round_number, variant=variant), "",
        personal, "",
        book.text("interest.variants", variant), "",
        book.text(f"closing.{tone}"),
        clean_text(sender)[:120] or book.text("closing.sender"),
    )
    optional = research_line(profile.talking_points if profile else (), book, variant)
    recruiter = _recipient(interview.recruiter_email)
    cc = (recruiter,) if recruiter and address else ()
    return Draft(
        to=(address,) if address else (),
        cc=cc,
        subject=subject,
        body=body,
        note=note,
        optional=optional[0] if optional else None,
        optional_source=optional[1] if optional else None,
    )


# -- the note to the recruiter --------------------------------------------------


def _list(names: Sequence[str], book: Phrasebook) -> str:
    shown = [clean_text(n)[:120] for n in names]
    if len(shown) < 2:
        return "".join(shown)
    return ", ".join(shown[:-1]) + book.text("list_and") + shown[-1]


def compose_recruiter_note(
    interview: Interview, *, book: Phrasebook, sender: str | None = None,
) -> RecruiterNote | None:
    """The note asking the recruiter whether a direct thank-you is welcome (None without one).

    For a panel (``interview.panel``) the note covers every interviewer at once.
    """
    address = _recipient(interview.recruiter_email)
    if not (interview.recruiter or address):
        return None
    recruiter = _names(interview.recruiter) if interview.recruiter else None
    tone = "formal" if interview.tone == "formal" else "friendly"
    if recruiter is None:
        greeting = book.text("recruiter.greeting_none")
    else:
        greeting = book.text(f"recruiter.greeting_{tone}", recruiter_given=recruiter.given,
                             recruiter_full=recruiter.full)
    when = (book.text("on_date", date=long_date(interview.interview_date, book))
            if interview.interview_date else "")
    company = clean_text(interview.company)[:120]
    person = _names(interview.name)
    given = person.given if tone == "friendly" and not person.ambiguous else person.full
    values = {"interviewer": person.full, "interviewer_given": given, "company": company,
              "when": when, "interviewers": _list(interview.panel, book)}
    panel = len(interview.panel) > 1
    subject = book.text("recruiter.panel_subject" if panel else "recruiter.subject", **values)
    ask = book.text("recruiter.panel_ask" if panel else "recruiter.ask", **values)
    body = (greeting, "", ask, "", book.text(f"closing.{tone}"),
            clean_text(sender)[:120] or book.text("closing.sender"))
    return RecruiterNote(to=(address,) if address else (), subject=subject, body=body)
