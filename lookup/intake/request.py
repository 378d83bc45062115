"""One research request: every option a research run takes, checked once. Pure.

Every way to ask for research builds this record: the command line (``lookup
research``), a row of a CSV batch (``from_row``), an interview found in a calendar
export (``from_interview``) and the parameters of a flow run, from a deployment or
another process (``from_params``). The flow's parameters are its fields
(``to_params``; ``flows/research.py`` takes its signature from ``PARAMETERS``), so an
option cannot be dropped between two layers: a path that cannot honour one refuses
it in a sentence instead.

Building the record checks it (``make_interview``'s rules: the first problem raises
``BadInputError``) and normalises what the interview normalises (the name's spaces,
the whole panel with this person in it), so two entry points given the same
interview build equal records. ``with_defaults`` fills what the user left out from
their ``[followup]`` settings; it is called where the request is made and again on
the worker, which keeps what was filled.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from lookup.errors import BadInputError
from lookup.intake.interview import make_interview
from lookup.models import Interview
from lookup.slug import candidate_key

__all__ = [
    "INTERVIEW_FIELDS", "PARAMETERS", "RUN_OPTIONS", "ResearchRequest", "candidate_key",
    "check_proxy_choice", "panel_names",
]

# How the run is made, as opposed to what the interview was: they apply to every row of a batch.
RUN_OPTIONS = ("smtp", "smtp_proxy", "m365_https", "world")
# What the user's [followup] settings fill when a request leaves them out.
FOLLOWUP_DEFAULTS = ("recruiter", "tone", "language", "timezone", "candidate")


@dataclass(frozen=True, slots=True)
class ResearchRequest:
    """What one research run is asked to do; ``ResearchRequest(...)`` raises on bad input."""

    name: str
    company: str
    domain: str | None = None
    role: str | None = None
    interview_date: str | None = None  # YYYY-MM-DD
    interview_time: str | None = None  # 14:00 or 14:00-14:45, in ``timezone``
    timezone: str | None = None  # IANA; None: the [followup] setting, else the machine's
    recruiter: str | None = None  # "Sam Lee <sam@agency.test>", a name or an address
    notes: str | None = None
    panel: tuple[str, ...] = ()  # everyone on the panel, this person included; () alone
    honorific: str | None = None
    tone: str | None = None  # friendly | formal; None: the [followup] setting
    language: str | None = None  # a draft.<language>.toml phrasebook; None: the setting
    candidate: str | None = None  # whose research: their notes, rounds, cards (candidate_key)
    smtp: bool | None = None  # None: the smtp.enabled setting
    smtp_proxy: str | None = None  # a name in smtp.proxies, or socks5://host:port; turns smtp on
    m365_https: bool | None = None  # None: the m365.enabled setting
    world: str | None = None  # an offline world directory

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and f.name != "notes":
                value = value.strip() or None
            elif isinstance(value, str):
                value = value if value.strip() else None
            object.__setattr__(self, f.name, value)
        check_proxy_choice(self.smtp_proxy)
        if self.candidate is not None:
            object.__setattr__(self, "candidate", candidate_key(self.candidate))
        interview = self.interview()  # bad input raises here, before anything starts
        object.__setattr__(self, "name", interview.name)
        object.__setattr__(self, "company", interview.company)
        object.__setattr__(self, "panel", interview.panel)
        if self.smtp_proxy and self.smtp is None:
            object.__setattr__(self, "smtp", True)  # a proxy is only for probing
        if self.m365_https is False:
            object.__setattr__(self, "m365_https", None)  # off means: as the settings say

    # -- to and from the entry points --------------------------------------------

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ResearchRequest:
        """The request a flow run's parameters describe; a parameter the run does not take
        is refused (a sentence naming it), never ignored."""
        unknown = sorted(set(params) - set(PARAMETERS))
        if unknown:
            raise BadInputError(
                f"A research run has no option {', '.join(unknown)}; it takes "
                f"{', '.join(PARAMETERS)}."
            )
        values = dict(params)
        values["panel"] = _panel_tuple(values.get("panel"))
        return cls(**values)

    def to_params(self) -> dict[str, Any]:
        """The flow's parameters (JSON values only): every field, the panel as a list."""
        params = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        params["panel"] = list(self.panel) or None
        return params

    @classmethod
    def from_row(
        cls, row: Mapping[str, str | None], *, defaults: Mapping[str, Any] | None = None
    ) -> ResearchRequest:
        """A request from a batch file's row (its columns are field names); ``defaults``
        (the command's options) fill what the row leaves empty."""
        values: dict[str, Any] = {"name": None, "company": None}  # missing: the check says so
        values.update({k: v for k, v in (defaults or {}).items() if v is not None})
        values.update({k: v for k, v in row.items() if v not in (None, "")})
        values["panel"] = _panel_tuple(values.get("panel"))
        return cls(**values)

    @classmethod
    def from_interview(cls, interview: Interview, **options: Any) -> ResearchRequest:
        """The request for an interview read from a calendar (times on the user's clock);
        ``options`` are the run options (``RUN_OPTIONS``)."""
        recruiter = interview.recruiter or interview.recruiter_email
        if interview.recruiter and interview.recruiter_email:
            recruiter = f"{interview.recruiter} <{interview.recruiter_email}>"
        return cls(
            name=interview.name,
            company=interview.company,
            domain=interview.domain,
            role=interview.role,
            interview_date=interview.interview_date.isoformat() if interview.interview_date else None,
            interview_time=_clock_range(interview.starts_at, interview.ends_at),
            timezone=interview.timezone,
            recruiter=recruiter,
            notes=interview.notes,
            panel=interview.panel,
            honorific=interview.honorific,
            **options,
        )

    # -- what the request means ------------------------------------------------------

    def interview(self) -> Interview:
        """The checked interview this request is about (``BadInputError`` on bad input)."""
        return make_interview(
            self.name,
            self.company,
            domain=self.domain,
            role=self.role,
            interview_date=self.interview_date,
            recruiter=self.recruiter,
            notes=self.notes,
            interview_time=self.interview_time,
            timezone=self.timezone,
            panel=self.panel,
            honorific=self.honorific,
            tone=self.tone,
            language=self.language,
            candidate=self.candidate,
        )

    def for_panelist(self, name: str) -> ResearchRequest:
        """The same request about another member of its panel."""
        return replace(self, name=name)

    def with_defaults(
        self,
        *,
        recruiter: str = "",
        tone: str = "",
        language: str = "",
        timezone: str = "",
        candidate: str = "",
        languages: Collection[str] = ("en",),
    ) -> ResearchRequest:
        """What the request leaves out taken from the user's settings (``[followup]``;
        ``timezone`` the user's zone; ``candidate`` who the research is for); a language
        without a phrasebook is refused."""
        chosen = (self.language or language or "en").strip().lower()
        if chosen not in languages:
            raise BadInputError(
                f"There is no draft in the language {chosen!r}; available: "
                f"{', '.join(sorted(languages))} (add draft.<code>.toml to your templates "
                "folder for another)."
            )
        return replace(
            self,
            recruiter=self.recruiter or recruiter or None,
            tone=self.tone or tone or None,
            language=chosen,
            timezone=self.timezone or timezone or None,
            candidate=self.candidate or (candidate_key(candidate) if candidate else None),
        )

    def run_options(self) -> dict[str, Any]:
        """The options about how the run is made (``RUN_OPTIONS``)."""
        return {k: getattr(self, k) for k in RUN_OPTIONS}


PARAMETERS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ResearchRequest))
INTERVIEW_FIELDS: tuple[str, ...] = tuple(p for p in PARAMETERS if p not in RUN_OPTIONS)


_PROXY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_proxy_choice(choice: str | None) -> None:
    """A run's SMTP proxy is a name from ``smtp.proxies`` or an address without credentials:
    a password in a run's options would be recorded with the run (Prefect keeps its
    parameters), so it is refused, in a sentence saying where it goes instead."""
    if not choice:
        return
    scheme, sep, rest = choice.partition("://")
    if not sep:
        if not _PROXY_NAME.fullmatch(choice):
            raise BadInputError(
                f"The SMTP proxy {choice!r} is not a SOCKS5 address; write it as "
                "socks5://host:port, or give the name of one in your settings (smtp.proxies)."
            )
        return
    if "@" in rest.split("/", 1)[0]:
        raise BadInputError(
            f"The SMTP proxy {scheme}://…@{rest.split('/', 1)[0].rpartition('@')[2]} carries a "
            "user name or password, which would be recorded with the run: name it in your "
            'settings instead (smtp.proxies.NAME = "socks5://USER:${PASSWORD_VARIABLE}@HOST:PORT", '
            "the password in that environment variable) and give --smtp-proxy NAME."
        )


def panel_names(text: str | None) -> tuple[str, ...]:
    """ "Lee Park, Ana Silva" -> ("Lee Park", "Ana Silva"): a panel as typed in one field."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _panel_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return panel_names(value)
    return tuple(str(v) for v in value)


def _clock_range(start: dt.datetime | None, end: dt.datetime | None) -> str | None:
    """ "14:00" or "14:00-14:45" (an end on another day is left out)."""
    if start is None:
        return None
    same_day = end is not None and end.date() == start.date()
    return f"{start:%H:%M}" + (f"-{end:%H:%M}" if same_day and end else "")
