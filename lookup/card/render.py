"""The briefing card: a Jinja2 Markdown template over a research result. Pure.

Everything that came from the web is untrusted. The template environment
escapes every ``{{ … }}`` value as Markdown text unless a filter marked it
safe (``md``, ``link``, ``code``, ``cite``, ``cites``, ``mdlink``), so a user template
that forgets a filter still cannot let a hostile page inject links, images,
HTML or structure. The card is plain CommonMark plus GFM tables, which
GitHub, Obsidian and Prefect's artifact view all render.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from lookup import resources
from lookup.card.draft import Phrasebook
from lookup.card.followup_view import followup_context
from lookup.card.languages import languages
from lookup.card.markdown import (
    Safe,
    clean_text,
    code,
    english_date,
    fenced,
    finalize,
    link,
    md,
    mdlink,
    percent,
    utc,
)
from lookup.card.panel import PanelMember, panel_context
from lookup.errors import ConfigError
from lookup.models import (
    Interview,
    ResearchResult,
    ScoredCandidate,
    SetAside,
    Source,
    Verification,
)

__all__ = [
    "SHIPPED_TEMPLATES",
    "TEMPLATE_NAME",
    "Safe",
    "code",
    "fenced",
    "languages",
    "link",
    "md",
    "mdlink",
    "phrasebook",
    "pick_address",
    "render_card",
    "render_history",
    "render_panel",
]

TEMPLATE_NAME = "briefing.md.j2"
ALTERNATIVES_SHOWN = 5  # the card lists the best few; --json lists every candidate
HISTORY_TEMPLATE = "history.md.j2"  # the last section, re-rendered alone by re-verification
PANEL_TEMPLATE = "panel.md.j2"
SHIPPED_TEMPLATES = resources.templates_dir()  # config/templates/, in the wheel or the checkout

# -- view model -----------------------------------------------------------------


def pick_address(candidates: Sequence[ScoredCandidate]) -> ScoredCandidate | None:
    """The address to use: the best-ranked candidate that was not found undeliverable."""
    for candidate in candidates:
        if candidate.status != "undeliverable":
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class _SourceIndex:
    """Numbers every source URL once, in order of first use."""

    urls: tuple[str, ...]
    by_url: dict[str, Source]

    @classmethod
    def build(cls, result: ResearchResult) -> _SourceIndex:
        found: dict[str, Source] = {}
        for source in (*result.sources, *_fact_sources(result)):
            if source.url and source.url not in found:
                found[source.url] = source
        return cls(tuple(found), found)

    def number(self, source: Source | None) -> int | None:
        if source is None or source.url not in self.by_url:
            return None
        return self.urls.index(source.url) + 1


def _fact_sources(result: ResearchResult) -> list[Source]:
    profile = result.profile
    found: list[Source] = []
    if profile is not None:
        found += [
            s for s in (profile.title_source, profile.team_source, profile.location_source,
                        profile.bio_source) if s is not None
        ]
        found += [p.source for p in (*profile.talking_points, *profile.work)]
        found += [s.source for s in profile.set_aside]
    found += [c.published for c in result.candidates if c.published is not None]
    found += [s for c in result.candidates for s in c.claimed_by]
    return found


def _long_date(day: dt.date) -> str:
    return english_date(day)


def _no_address_reason(result: ResearchResult) -> str:
    if not result.domain:
        why = "; ".join(result.domain_reasons) or "no search result or page tied it to the name"
        return f"The company's email domain could not be determined ({why})."
    if result.candidates:
        return "Every candidate address was refused by the company's mail server."
    why = "; ".join(result.failures)
    return "No candidate address could be built" + (f" ({why})." if why else ".")


def _summary_line(result: ResearchResult) -> str:
    profile = result.profile
    if profile and profile.bio:
        sentence = re.split(r"(?<=[.!?])\s", clean_text(profile.bio), maxsplit=1)[0]
        return sentence[:200]
    title = profile.title if profile else None
    company = result.interview.company
    return f"{title} at {company}." if title else f"Works at {company}, as far as we found."


def build_context(
    result: ResearchResult,
    *,
    history: Sequence[Verification],
    generated_at: dt.datetime,
    sender_name: str | None,
    book: Phrasebook,
    rounds: Sequence[Interview] = (),
    reminder: str | None = None,
) -> dict[str, Any]:
    """Everything the template shows, as plain values (still untrusted: the template escapes)."""
    sources = _SourceIndex.build(result)
    chosen = pick_address(result.candidates)
    alternatives = [c for c in result.candidates if c is not chosen][:ALTERNATIVES_SHOWN]
    followup = followup_context(
        result, rounds=rounds, address=chosen.address if chosen else None, book=book,
        sender=sender_name, generated_at=generated_at, reminder=reminder,
    )
    return {
        "result": result,
        "interview": result.interview,
        "profile": result.profile,
        "summary": _summary_line(result),
        "chosen": chosen,
        "alternatives": alternatives,
        "shared_reasons": shared_reasons(alternatives),
        "set_aside": set_aside_groups(result.profile.set_aside if result.profile else ()),
        "notices": [_notice(n) for n in result.notices],
        "no_address_reason": None if chosen else _no_address_reason(result),
        "source_urls": [sources.by_url[url] for url in sources.urls],
        "cite": lambda source: _cite(sources, source),
        "cites": lambda found: Safe("".join(_cite(sources, s) for s in found)),
        **followup,
        "history": _newest_first(history),
        "generated_at": generated_at,
        "long_date": _long_date,
    }


def shared_reasons(candidates: Sequence[ScoredCandidate]) -> list[str]:
    """The reasons every one of two or more candidates gives: the card says them once."""
    if len(candidates) < 2:
        return []
    return [r for r in candidates[0].reasons if all(r in c.reasons for c in candidates[1:])]


@dataclass(frozen=True, slots=True)
class _AsideGroup:
    """Pages set aside for the same name and the same reason: one line, every source cited."""

    name: str
    reason: str
    sources: tuple[Source, ...]


def set_aside_groups(items: Sequence[SetAside]) -> list[_AsideGroup]:
    """The set-aside pages, one entry per (name, reason), in order of first appearance."""
    groups: dict[tuple[str, str], list[Source]] = {}
    for item in items:
        groups.setdefault((item.name, item.reason), []).append(item.source)
    return [_AsideGroup(name, reason, tuple(found)) for (name, reason), found in groups.items()]


def _notice(text: str) -> Safe:
    """A run-wide note as Markdown: `backticked` words as code spans, the rest escaped."""
    parts = text.split("`")
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(str(code(part)))
        else:
            lead = " " if part[:1] == " " and index else ""
            tail = " " if part[-1:] == " " and index < len(parts) - 1 else ""
            out.append(lead + str(md(part, 300)) + tail)
    return Safe("".join(out))


def _newest_first(history: Sequence[Verification]) -> list[Verification]:
    return sorted(history, key=lambda v: _as_utc(v.checked_at), reverse=True)


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _cite(sources: _SourceIndex, source: Source | None) -> Safe:
    number = sources.number(source)
    target = link(source.url) if source is not None else ""
    if number is None:
        return Safe("")
    # "[[3](url)]": the brackets around the link, not in its text, so neither Markdown nor
    # an Obsidian-style wiki link ("[[3]]") reads them as syntax, and none needs a backslash.
    return Safe(f" [[{number}]({target})]" if target else f" [{number}]")


# -- rendering ------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _environment(templates_dir: Path) -> jinja2.Environment:
    """One environment per templates folder; Jinja re-reads a template when its file changes."""
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(templates_dir)),
        jinja2.FileSystemLoader(str(SHIPPED_TEMPLATES)),
    ])
    env = jinja2.Environment(
        loader=loader,
        autoescape=False,  # Markdown, not HTML: finalize escapes instead
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md, link=link, mdlink=mdlink, code=code, percent=percent, utc=utc,
                       fenced=fenced)
    return env


def _render(templates_dir: Path, name: str, context: dict[str, Any]) -> str:
    env = _environment(Path(templates_dir))
    try:
        text = env.get_template(name).render(context)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or name
        line = getattr(exc, "lineno", None)
        at = f" at line {line}" if line else ""
        raise ConfigError(
            f"The briefing template {where}{at} could not be rendered: {exc}. "
            "Fix it or copy config/templates/ again."
        ) from exc
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def compile_templates(templates_dir: Path) -> None:
    """Compile the card's templates now (the environment keeps them): the first card of a
    process then does not wait for Jinja's compiler (``lookup.research.steps.preload_card``)."""
    env = _environment(Path(templates_dir))
    for name in (TEMPLATE_NAME, HISTORY_TEMPLATE):
        env.get_template(name)


def render_history(history: Sequence[Verification], *, templates_dir: Path) -> str:
    """The "## Verification history" section alone, newest check first (ends the card)."""
    return _render(templates_dir, HISTORY_TEMPLATE, {"history": _newest_first(history)})


def phrasebook(templates_dir: Path, language: str) -> Phrasebook:
    """The draft phrases for ``language``: the user's draft.<language>.toml over the shipped one."""
    name = f"draft.{language}.toml"
    merged: dict[str, Any] = {}
    found = []
    for folder in dict.fromkeys((Path(SHIPPED_TEMPLATES), Path(templates_dir))):
        loader = jinja2.FileSystemLoader(str(folder))
        try:
            source, filename, _ = loader.get_source(_environment(Path(templates_dir)), name)
        except jinja2.TemplateNotFound:
            continue
        try:
            _deep_merge(merged, tomllib.loads(source))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"The draft phrasebook {filename} could not be read: {exc}.") from exc
        found.append(filename or name)
    if not found:
        raise ConfigError(
            f"There is no draft phrasebook for the language {language!r}: add {name} to your "
            "templates folder (a translated copy of config/templates/draft.en.toml)."
        )
    return Phrasebook(language, merged, found[-1])


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_merge(base[key], value)
        else:
            base[key] = value


def render_panel(
    interview: Interview,
    members: Sequence[PanelMember],
    *,
    templates_dir: Path,
    generated_at: dt.datetime,
    sender_name: str | None = None,
) -> str:
    """The panel's index card: every interviewer with a link to their card."""
    context = panel_context(
        interview, members, book=phrasebook(templates_dir, interview.language),
        sender=sender_name, generated_at=generated_at,
    )
    return _render(templates_dir, PANEL_TEMPLATE, context)


def render_card(
    result: ResearchResult,
    *,
    history: Sequence[Verification] = (),
    templates_dir: Path,
    generated_at: dt.datetime,
    sender_name: str | None = None,
    rounds: Sequence[Interview] = (),
    reminder: str | None = None,
    shared_with: int = 0,
) -> str:
    """The briefing card for one research run, as Markdown.

    ``rounds`` are every interview with this person (the draft refers to the latest);
    ``reminder`` is the name of the calendar reminder file written next to the card;
    ``shared_with`` counts the other candidates using the same store (the card then says
    which part of it they share).
    """
    language = result.interview.language  # the draft's preferences are this run's
    context = build_context(
        result, history=history, generated_at=generated_at, sender_name=sender_name,
        book=phrasebook(templates_dir, language), rounds=rounds, reminder=reminder,
    )
    context["shared_with"] = shared_with
    return _render(templates_dir, TEMPLATE_NAME, context)

