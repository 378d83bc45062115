"""Records shared across the pipeline: frozen, slotted dataclasses.

Dicts stop at the adapter that received them; from there on, data travels as
these records, and every fact carries the ``Source`` it came from.
Module-private records (a parser's intermediate state, say) live beside the
code that uses them; only what crosses a module boundary is defined here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Candidate",
    "Evidence",
    "FetchResult",
    "FoundEmail",
    "Interview",
    "Link",
    "PageFacts",
    "PersonMention",
    "Profile",
    "ResearchResult",
    "ScoredCandidate",
    "SearchHit",
    "SetAside",
    "SmtpStep",
    "Source",
    "Status",
    "TalkingPoint",
    "Verification",
]

Status = Literal["deliverable", "risky", "undeliverable", "unknown"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact came from: the page (or search result) and the words that support it."""

    url: str
    title: str = ""
    snippet: str = ""
    kind: str = "page"  # "page" | "search" | "user" | "dns" | "smtp"


@dataclass(frozen=True, slots=True)
class Interview:
    """What the candidate tells us: who interviewed them, where, when, and the context.

    Times are aware datetimes; ``timezone`` is the user's IANA zone, in which a date
    without a time is read. ``panel`` lists everyone on the panel (this person included)
    when several people interviewed together; ``honorific`` is a key such as "ms" or
    "mr+dr", only ever given (or written in the name), never guessed.
    """

    name: str
    company: str
    domain: str | None = None
    role: str | None = None
    interview_date: dt.date | None = None
    recruiter: str | None = None
    notes: str | None = None
    recruiter_email: str | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    timezone: str | None = None
    panel: tuple[str, ...] = ()
    honorific: str | None = None
    tone: str = "friendly"  # "friendly" | "formal"
    language: str = "en"  # the draft's language: a draft.<language>.toml phrasebook
    candidate: str | None = None  # who was interviewed (a key); their notes and rounds alone


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result, from any backend."""

    title: str
    url: str
    snippet: str
    query: str = ""
    rank: int = 0
    backend: str = ""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One fetch attempt: the page text when it worked, the reason when it did not."""

    url: str
    final_url: str
    ok: bool
    status: int | None = None
    text: str | None = None
    content_type: str = ""
    reason: str = ""  # why it was skipped or failed, in words; "" when ok
    elapsed_ms: float = 0.0
    body: bytes | None = None  # a document's bytes (vCard, PDF, sitemap); pages come as text
    hops: tuple[tuple[int, str], ...] = ()  # redirects followed: (status, the URL it led to)


@dataclass(frozen=True, slots=True)
class Link:
    """An outgoing link worth keeping (a profile, a talk, a paper, a post)."""

    url: str
    text: str = ""
    kind: str = "other"  # "github" | "linkedin" | "personal" | "talk" | "paper" | "post" | "other"


@dataclass(frozen=True, slots=True)
class FoundEmail:
    """An address seen on a page, with how it was written and the name near it."""

    address: str
    source: Source
    how: str = "text"  # "mailto" | "link" (compose, chat) | "text" | "obfuscated" | "entity" | "jsonld" | "data"
    name: str | None = None


@dataclass(frozen=True, slots=True)
class PersonMention:
    """A person named on a page, with their job title when the page gives one."""

    name: str
    source: Source
    title: str | None = None
    email: str | None = None
    url: str | None = None
    how: str = "text"  # "card" | "table" | "list" | "text" | "byline" | "jsonld" | "data" | "imprint"
    talk: str | None = None  # a talk the page has them give (speaker cards, schedules)
    team: str | None = None  # a labelled field of their own ("Department: Data Platform")
    location: str | None = None  # likewise ("Office: Bristol")


@dataclass(frozen=True, slots=True)
class PageFacts:
    """Everything extraction pulls out of one page. Pure data, no HTML kept."""

    url: str
    title: str = ""
    description: str = ""
    canonical: str | None = None
    text: str = ""  # visible text, whitespace-folded and capped
    published: str | None = None  # ISO date when the page says one
    jsonld: tuple[dict, ...] = ()
    opengraph: tuple[tuple[str, str], ...] = ()
    people: tuple[PersonMention, ...] = ()
    emails: tuple[FoundEmail, ...] = ()
    links: tuple[Link, ...] = ()
    organization: str | None = None  # the organisation the page says it belongs to
    site_links: tuple[Link, ...] = ()  # links to the page's own site (kind "site"), with text


@dataclass(frozen=True, slots=True)
class Evidence:
    """A known (name, address) pair at a domain: the inference engine's input."""

    name: str
    address: str
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One inferred address with its probability and the support behind it."""

    address: str
    probability: float
    format: str  # the format grammar's spelling, e.g. "{first}.{last}"
    support: int = 0  # evidence pairs this format explains
    evidence_total: int = 0  # evidence pairs seen at the domain
    explanation: str = ""
    claimed_by: tuple[Source, ...] = ()  # search results whose snippets name this format


@dataclass(frozen=True, slots=True)
class SmtpStep:
    """One step of an SMTP dialogue: the command sent and the reply read."""

    command: str
    code: int | None
    enhanced: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict on one address, with every reason in words and the raw evidence."""

    address: str
    status: Status
    reasons: tuple[str, ...]
    checked_at: dt.datetime
    mx: tuple[str, ...] = ()
    provider: str | None = None
    smtp: tuple[SmtpStep, ...] | None = None
    flags: tuple[str, ...] = ()  # "role" | "disposable" | "free" | "catch_all" | "gravatar"
    retry_after: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ScoredCandidate:
    """A candidate after verification: the final probability and why."""

    address: str
    probability: float
    inference_probability: float
    status: Status
    reasons: tuple[str, ...]
    format: str = ""
    published: Source | None = None  # set when the address itself was found published
    verification: Verification | None = None
    claimed_by: tuple[Source, ...] = ()  # search results whose snippets name its format


@dataclass(frozen=True, slots=True)
class TalkingPoint:
    """Something specific and professional a candidate could mention, with its source."""

    text: str
    source: Source
    date: str | None = None


@dataclass(frozen=True, slots=True)
class SetAside:
    """A fact not used because it may be about a namesake, and why."""

    name: str
    reason: str
    source: Source


@dataclass(frozen=True, slots=True)
class Profile:
    """Who the interviewer is, built only from facts tied to this company."""

    name: str
    company: str
    title: str | None = None
    title_source: Source | None = None
    team: str | None = None
    team_source: Source | None = None
    location: str | None = None  # city level only
    location_source: Source | None = None
    bio: str | None = None
    bio_source: Source | None = None
    links: tuple[Link, ...] = ()
    work: tuple[TalkingPoint, ...] = ()  # talks, posts, papers, projects
    talking_points: tuple[TalkingPoint, ...] = ()
    set_aside: tuple[SetAside, ...] = ()
    # The name as the company's own pages write it, when that differs from the name given
    # ("Robert Kaminski" for Bob; "Hiroshi Tanaka" for TANAKA Hiroshi): addresses follow it.
    written_name: str | None = None
    written_name_source: Source | None = None


@dataclass(frozen=True, slots=True)
class ResearchResult:
    """Everything one research run found, ready to score, render and store."""

    interview: Interview
    domain: str | None  # where the company's addresses are (the mail domain)
    domain_reasons: tuple[str, ...] = ()
    profile: Profile | None = None
    candidates: tuple[ScoredCandidate, ...] = ()
    sources: tuple[Source, ...] = ()
    failures: tuple[str, ...] = ()
    stats: dict[str, int] = field(default_factory=dict)
    site_domain: str | None = None  # the company's web site, when not at the mail domain
    notices: tuple[str, ...] = ()  # run-wide sentences said once (e.g. port 25 blocked here)
