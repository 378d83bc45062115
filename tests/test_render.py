"""The briefing card: golden files, missing parts, filters and hostile web text."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import markdown_it  # noqa: E402 - a declared test dependency: the card tests fail without it
import pytest

from lookup.card.panel import PanelMember
from lookup.card.render import (
    code,
    link,
    md,
    mdlink,
    percent,
    pick_address,
    render_card,
    render_history,
    render_panel,
)
from lookup.errors import ConfigError
from lookup.intake.interview import make_interview
from lookup.models import Link, ScoredCandidate, SetAside, Source, TalkingPoint
from tests.card_fixtures import (
    GENERATED,
    bare_result,
    dana_result,
    dana_verification,
    tanaka_result,
    with_interview,
)

SHIPPED = Path(__file__).resolve().parent.parent / "config" / "templates"
GOLDEN = Path(__file__).resolve().parent / "golden"
HISTORY = (
    dana_verification(at=dt.datetime(2026, 3, 3, 15, 30, tzinfo=dt.UTC)),
    dana_verification(at=dt.datetime(2026, 3, 17, 8, 0, tzinfo=dt.UTC), status="risky"),
)


def render(result, **kwargs) -> str:
    kwargs.setdefault("templates_dir", SHIPPED)
    kwargs.setdefault("generated_at", GENERATED)
    return render_card(result, **kwargs)


@functools.lru_cache(maxsize=4)
def tokens(markdown: str) -> list:
    # CommonMark + GFM tables + linkify, as GitHub, Obsidian and VS Code render a card:
    # a bare URL, www. name or e-mail address in web text would become a link there.
    parser = markdown_it.MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])
    return parser.parse(markdown)


def inline_children(markdown: str) -> list:
    return [child for tok in tokens(markdown) if tok.type == "inline"
            for child in (tok.children or [])]


def hrefs(markdown: str) -> list[str]:
    return [c.attrGet("href") for c in inline_children(markdown) if c.type == "link_open"]


def block_shape(markdown: str) -> list[str]:
    return [tok.type for tok in tokens(markdown) if tok.type != "inline"]


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"card differs from {path}"


# -- golden files ---------------------------------------------------------------


def test_golden_full_card():
    """The Dana Okafor card matches tests/golden/dana_okafor.md (UPDATE_GOLDEN=1 rewrites)."""
    check_golden("dana_okafor.md", render(dana_result(), history=HISTORY, sender_name="Alex Kim"))


def test_golden_bare_card():
    """A run that found nothing renders a card that says why (tests/golden/bare.md)."""
    check_golden("bare.md", render(bare_result()))


NOTES = "We discussed migrating their batch jobs to Flink and the on-call rotation"


def dana_interview(**kwargs):
    """Dana's interview as the command line builds it (times in her candidate's zone)."""
    kwargs.setdefault("role", "Senior Data Engineer")
    kwargs.setdefault("interview_date", "2026-03-02")
    return make_interview("Dana Okafor", "Brightwater Analytics", **kwargs)


def test_golden_notes_and_a_recruiter_with_an_address():
    """Notes drive the draft; the recruiter is copied and asked first (followup_notes.md)."""
    interview = dana_interview(interview_time="14:00-14:45", timezone="Europe/Lisbon",
                               recruiter="Sam Lee <sam@agency.test>", notes=NOTES)
    result = replace(dana_result(), interview=interview)
    check_golden("followup_notes.md", render(result, history=HISTORY, sender_name="Alex Kim",
                                             reminder="dana-okafor.ics"))


def test_golden_second_round():
    """A second round: the card lists both, the draft thanks for the latest (second_round.md)."""
    first = dana_interview(interview_time="14:00-14:45", timezone="Europe/Lisbon",
                           recruiter="Sam Lee", notes=NOTES)
    second = dana_interview(interview_date="2026-03-16", interview_time="10:00-11:00",
                            timezone="Europe/Lisbon", recruiter="Sam Lee",
                            notes="She walked me through their incident process")
    result = replace(dana_result(), interview=second)
    check_golden("second_round.md", render(result, rounds=[first, second], sender_name="Alex Kim",
                                           reminder="dana-okafor.ics"))


PANEL = ["Dana Okafor", "Priya Raman", "Jonas Weber"]
PANEL_NOTES = (NOTES + ".\nPriya: asked how I would explain streaming delays to utility "
               "customers.\nJonas walked me through their roll-out plan for Severn Vale Water.")


def test_golden_three_person_panel():
    """A panel: each card has its own draft; the index links them (panel_*.md)."""
    interview = dana_interview(interview_time="15:30-16:30", timezone="Europe/London",
                               recruiter="Sam Lee <sam@agency.test>", notes=PANEL_NOTES,
                               panel=PANEL)
    check_golden("panel_dana_okafor.md",
                 render(replace(dana_result(), interview=interview), sender_name="Alex Kim",
                        reminder="dana-okafor.ics"))
    members = [
        PanelMember("Dana Okafor", "dana-okafor", "Head of Data Platform",
                    "dana.okafor@brightwater.test", "deliverable"),
        PanelMember("Priya Raman", "priya-raman", "VP Marketing & Communications",
                    "praman@brightwater.test", "deliverable"),
        PanelMember("Jonas Weber", None, problem="research failed: every search failed"),
    ]
    check_golden("panel_index.md", render_panel(interview, members, templates_dir=SHIPPED,
                                                generated_at=GENERATED, sender_name="Alex Kim"))


def test_golden_formal_family_name_first():
    """ "TANAKA Hiroshi", formal, Mr.: "Dear Mr. Tanaka," (formal_family_first.md)."""
    interview = make_interview("TANAKA Hiroshi", "Kobe Precision Instruments",
                               interview_date="2026-03-02", interview_time="09:00-10:00",
                               timezone="Asia/Tokyo", tone="formal", honorific="Mr.",
                               notes="He explained how his team calibrates the sensors")
    result = replace(tanaka_result(), interview=interview)
    text = render(result, sender_name="Alex Kim", reminder="tanaka-hiroshi.ics")
    check_golden("formal_family_first.md", text)
    assert "```text\nDear Mr. Tanaka,\n" in text


def test_golden_german_draft():
    """The draft in German, formal with "Frau" given (german.md); the card stays English."""
    interview = dana_interview(interview_time="14:00-14:45", timezone="Europe/Berlin",
                               tone="formal", honorific="Frau", language="de",
                               recruiter="Sam Lee <sam@agency.test>",
                               notes="Wir haben über die Migration der Batch-Jobs zu Flink "
                                     "gesprochen")
    text = render(replace(dana_result(), interview=interview), sender_name="Alex Kim",
                  reminder="dana-okafor.ics")
    check_golden("german.md", text)
    assert "```text\nSehr geehrte Frau Okafor,\n" in text and "## Draft follow-up" in text


def test_sections_come_in_the_documented_order():
    """Who, address, talking points, background, timing, draft, sources, set aside, history."""
    text = render(dana_result(), history=HISTORY)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Who", "## Address to use", "## Talking points", "## Background",
        "## Timing and etiquette", "## Draft follow-up", "## Sources",
        "## Set aside as a possible namesake", "## Verification history",
    ]


# -- content --------------------------------------------------------------------


def test_chosen_address_shows_percentage_verdict_and_reasons():
    """The address to use is shown with its probability as a percentage and its reasons."""
    text = render(dana_result())
    assert "**`dana.okafor@brightwater.test`** — 87% likely, verdict **deliverable**." in text
    assert "- The mail server accepted the address" in text


def test_undeliverable_top_candidate_is_not_recommended():
    """A refused first candidate is skipped for the next one; all refused -> say so."""
    result = dana_result()
    refused = tuple(replace(c, status="undeliverable") for c in result.candidates)
    assert pick_address(result.candidates[::-1]).address == "dokafor@brightwater.test"
    text = render(replace(result, candidates=refused))
    assert "Every candidate address was refused by the company's mail server." in text
    assert [h for h in hrefs(text) if h.startswith("mailto:") and urlsplit(h).path] == []


def test_no_domain_says_why():
    """Without a domain the card gives the reason the domain could not be found."""
    text = render(bare_result())
    assert "No address to recommend. The company's email domain could not be determined" in text
    assert "no search result named a website for Nowhere Widgets" in text


def test_no_candidates_with_domain_gives_failures():
    """A known domain but no candidates: the card says no address could be built, and why."""
    result = replace(dana_result(), candidates=(), failures=("name has no letters",))
    assert "No candidate address could be built (name has no letters)." in render(result)


def test_no_talking_points_says_so():
    """A profile without talking points says so instead of an empty section."""
    result = dana_result()
    result = replace(result, profile=replace(result.profile, talking_points=()))
    text = render(result)
    assert "No talking points were found in public sources tied to Brightwater Analytics." in text
    assert "Optional second line" not in text


def test_recruiter_named_in_etiquette():
    """The etiquette sends the candidate to the recruiter first when one is given."""
    assert "Write to your recruiter, Sam Lee, first" in render(dana_result())
    text = render(with_interview(dana_result(), recruiter=None))
    assert "Check with your recruiter before contacting" in text
    assert "### Note to your recruiter" not in text


def test_late_follow_up_is_acknowledged():
    """Rendered after the deadline, the card says it has passed."""
    late = render(dana_result(), generated_at=dt.datetime(2026, 3, 9, tzinfo=dt.UTC))
    assert "That time has passed" in late
    assert "That time has passed" not in render(dana_result())


def test_mailto_link_carries_the_draft():
    """The interviewer's mailto: link decodes to the chosen address, the subject and the draft."""
    text = render(with_interview(dana_result(), notes="We discussed backfills"),
                  sender_name="Alex Kim")
    (mailto,) = [h for h in hrefs(text) if h.startswith("mailto:") and urlsplit(h).path]
    parts = urlsplit(mailto)
    query = parse_qs(parts.query)
    assert unquote(parts.path) == "dana.okafor@brightwater.test"
    assert query["subject"] == ["Thank you — Senior Data Engineer interview"]
    body = query["body"][0]
    assert "Monday 2 March 2026" in body and "Senior Data Engineer position" in body
    assert "I especially enjoyed discussing backfills." in body and body.endswith("Alex Kim")


def test_every_source_url_is_listed_once_and_cited():
    """Sources are numbered once each, including ones only cited by a fact."""
    text = render(dana_result())
    section = text.split("## Sources")[1].split("##")[0]
    assert section.count("https://chess.test/players/dana-okafor") == 1  # only set aside cites it
    assert " [[3](https://www.brightwater.test/blog/streaming-joins)]" in text


def test_history_table_lists_each_check():
    """The verification history is a table row per check, newest first."""
    text = render(dana_result(), history=HISTORY)
    rows = [line for line in text.splitlines() if line.startswith("| 2026")]
    assert [r.split(" | ")[0] for r in rows] == ["| 2026-03-17 08:00", "| 2026-03-03 15:30"]


def test_render_history_is_the_cards_last_section():
    """render_history gives exactly the card's closing history section, for in-place refresh."""
    card = render(dana_result(), history=HISTORY)
    section = render_history(HISTORY[::-1], templates_dir=SHIPPED)
    assert section.startswith("## Verification history\n")
    assert card.endswith(section) and card[: -len(section)].endswith("\n\n")
    assert render_history((), templates_dir=SHIPPED).endswith("No earlier checks are recorded.\n")


# -- templates ------------------------------------------------------------------


def test_missing_user_template_falls_back_to_shipped(tmp_path):
    """A templates folder without briefing.md.j2 uses the shipped template."""
    assert render(dana_result(), templates_dir=tmp_path) == render(dana_result())


def test_user_template_overrides_shipped(tmp_path):
    """A user's briefing.md.j2 is used, and its unfiltered values are still escaped."""
    (tmp_path / "briefing.md.j2").write_text("Hi {{ interview.name }}!\n", encoding="utf-8")
    result = with_interview(dana_result(), name="[x](javascript:alert(1))")
    assert render(result, templates_dir=tmp_path) == "Hi \\[x\\](javascript:alert(1))!\n"


def test_broken_user_template_is_a_config_error(tmp_path):
    """A template with a syntax error raises ConfigError naming the file and line."""
    shutil.copy(SHIPPED / "briefing.md.j2", tmp_path / "briefing.md.j2")
    (tmp_path / "briefing.md.j2").write_text("line\n{% if %}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"briefing.md.j2 at line 2 could not be rendered"):
        render(dana_result(), templates_dir=tmp_path)


# -- filters --------------------------------------------------------------------

MD_CASES = [
    ("Dana Okafor", "Dana Okafor"),
    ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
    ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)>"),
    ("</p> <!-- c --> <?php <!DOCTYPE x", "\\</p> \\<!-- c --> \\<?php \\<!DOCTYPE x"),
    ("<1% of them, 5 < 6", "<1% of them, 5 < 6"),  # "<" before a digit or space opens nothing
    ("ends with <", "ends with \\<"),  # the next value could finish the tag
    ("a\n# heading", "a # heading"),
    ("# heading", "\\# heading"),
    ("#112 – a podcast", "#112 – a podcast"),  # no space after "#": not a heading
    ("> quote", "\\> quote"),
    ("1. item", "1\\. item"),
    ("2) item", "2\\) item"),
    ("1.5 million", "1.5 million"),
    ("- item", "\\- item"),
    ("+ item", "\\+ item"),
    ("---", "\\---"),
    ("===", "\\==="),
    ("-5% since last year", "-5% since last year"),
    ("on-call, C++ and (x) = y > z #1", "on-call, C++ and (x) = y > z #1"),  # mid-line: text
    ("a|b", "a|b"),  # outside a table a pipe is text...
    ("| --- | --- |", "\\| --- \\| --- \\|"),  # ...unless it could be a table's delimiter row
    ("`tick` *em* _u_ ~s~ \\", "\\`tick\\` \\*em\\* \\_u\\_ \\~s\\~ \\\\"),
    ("AT&T & co {x}", "AT&T & co {x}"),
    ("&amp; &#x202E; &copy;", "\\&amp; \\&#x202E; \\&copy;"),  # an entity would write a character
    ("evil\u202etxt\u200b", "eviltxt"),
    ("tab\there\x00\x07", "tab here"),
    ("see http://evil.test/x and www.evil.test", "see `http://evil.test/x` and `www.evil.test`"),
    ("mail boss@evil.test, or (evil.test/contact).",
     "mail `boss@evil.test`, or (`evil.test/contact`)."),
    ("https://en.wikipedia.test/wiki/Foo_(bar)", "`https://en.wikipedia.test/wiki/Foo_(bar)`"),
    ("www\u2024evil\u2024com", "`www.evil.com`"),  # a look-alike dot is a dot, in a code span
    ("host www.a`b.test", "host ``www.a`b.test``"),
    ("`www.x.test`", "`` `www.x.test` ``"),
    ("Node.js, e.g. Ph.D.", "`Node.js`, e.g. Ph.D."),
    ("10.0.0.1 said no", "`10.0.0.1` said no"),
    # a superset of what viewers link: any name.letters word, so a file name is code too
    ("disallowed by robots.txt", "disallowed by `robots.txt`"),
]


@pytest.mark.parametrize(("raw", "expected"), MD_CASES)
def test_md_escapes_only_what_can_start_structure(raw, expected):
    """md() escapes where Markdown needs it and nowhere else; links go in code spans."""
    assert md(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a | b", "a \\| b"),
        ("mx.evil.test|x", "`mx.evil.test\\|x`"),
        ("self-hosted", "self-hosted"),
        ("- item", "\\- item"),
    ],
)
def test_md_in_a_table_cell_escapes_pipes(raw, expected):
    """In a table cell every "|" is escaped, inside code spans too (GFM splits cells first)."""
    assert md(raw, cell=True) == expected


def _plain(tokens_: list) -> str:
    """The text a viewer shows for inline tokens: text and code spans, nothing else."""
    return "".join(t.content for t in tokens_ if t.type in ("text", "code_inline"))


FIDELITY = [raw for raw, _ in MD_CASES] + [
    "a | b | c", "x`y``z```", "\\`*_[]~<>&#|", "- - -", "***", "12345678. x", "&", "`", "``"]


@pytest.mark.parametrize("raw", FIDELITY)
def test_md_shows_exactly_the_text_rendered(raw):
    """Rendered with CommonMark + GFM + linkify, md(text) shows the clean text itself, with no
    link or markup: every backslash it adds is consumed, none is shown."""
    from lookup.card.markdown import clean_text

    (paragraph,) = [t for t in tokens(f"Before\n\n{md(raw)}\n") if t.type == "inline"][1:]
    kinds = {t.type for t in paragraph.children}
    assert kinds <= {"text", "code_inline"}, kinds
    assert _plain(paragraph.children) == clean_text(raw)
    row = f"| h |\n|---|\n| {md(raw, cell=True)} |\n"
    cell = [t for t in tokens(row) if t.type == "inline"][-1]
    assert {t.type for t in cell.children} <= {"text", "code_inline"}
    assert _plain(cell.children) == clean_text(raw)


def test_md_caps_length():
    """md() cuts long text to its limit and marks the cut with an ellipsis."""
    capped = md("x" * 10_000, 50)
    assert len(capped) == 50 and capped.endswith("…")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.brightwater.test/team", "https://www.brightwater.test/team"),
        ("HTTP://brightwater.test/a b(c)", "http://brightwater.test/a%20b%28c%29"),
        ("https://brightwater.test/?q=a b&x=<y>", "https://brightwater.test/?q=a%20b&x=%3Cy%3E"),
        ("https://brightwater.test:8443/x", "https://brightwater.test:8443/x"),
        ("javascript:alert(1)", ""),
        ("JaVaScRiPt:alert(1)", ""),
        ("data:text/html,<script>", ""),
        ("vbscript:msgbox", ""),
        ("file:///etc/passwd", ""),
        ("//evil.test/x", ""),
        ("https://bank.test@evil.test/", ""),
        ("https://" + "a" * 3000 + ".test/", ""),
        ("https://exa mple.test/", ""),
        ("", ""),
    ],
)
def test_link_allows_only_http(raw, expected):
    """link() keeps http(s) URLs (percent-encoding spaces and parentheses) and drops the rest."""
    assert link(raw) == expected


def test_mdlink_without_safe_url_is_plain_text():
    """mdlink() falls back to escaped text when the URL is not http(s)."""
    assert mdlink("click", "javascript:alert(1)") == "click"
    assert mdlink("a]b", "https://x.test/") == "[a\\]b](https://x.test/)"


def test_code_and_percent():
    """code() keeps the text exactly (a longer fence around backticks, "\\|" only in a cell);
    percent() never rounds to 0% or 100% when unsure, and is not escaped."""
    assert code("a`b|c@x.test") == "``a`b|c@x.test``"
    assert code("`x") == "`` `x ``"
    assert code("a|b@x.test", cell=True) == "`a\\|b@x.test`"
    assert (percent(0.873), percent(0.001), percent(0.9996), percent(1.0)) == (
        "87%", "<1%", ">99%", "100%")


def test_fenced_is_the_message_and_cannot_be_closed_from_inside():
    """fenced() writes the lines as they are, inside a fence longer than any backtick run."""
    from lookup.card.markdown import fenced

    block = fenced(["Hi,", "", "```", "[Your name]"])
    assert block == "````text\nHi,\n\n```\n[Your name]\n````"
    (fence,) = [t for t in tokens(block + "\n\nafter\n") if t.type == "fence"]
    assert fence.content == "Hi,\n\n```\n[Your name]\n"


# -- hostile web text in every field ----------------------------------------------------

HOSTILE = [
    "](javascript:alert(1))",
    "see http://evil.com/pixel.png and www.evil.com",
    "write to boss@evil.com, or evil.com/contact",
    "\x1b[31mred\x1b]8;;http://evil.com\x07click\x1b]8;;\x07\x9b2J",
    "<img src=x onerror=alert(1)>",
    "![x](http://evil.test/pixel.png)",
    "ok\n\n# injected heading\n\n- injected item",
    "a | b | c | d | e",
    "T" * 10_000,
    "[click me](http://evil.test/)",
    "<script>alert(1)</script>",
    "```\ncode fence\n```",
    "\u202egnp.exe\u202c",
    "1. list\n> quote\n---\n| x | y |\n|---|---|",
    # each rule the minimal escaping relaxed (issue 28), and look-alikes of what it removed
    "<b>bold</b> <a href=x>link</a> <http://evil.test> <1% </x",
    "&amp; &lt;script&gt; &#x202E; &#8203; &ZeroWidthSpace; AT&T &",
    "cell | splitter | here",
    "- a leading dash",
    "1. a leading number",
    "see `www.evil.test`, www.ev`il.test and ``x`` www.e``v```il.test",
    "+ plus ### hash > quote === ---",
    "www\u2024evil\u2024com and boss\u200b@evil.test",
]


def _profile_field(name):
    def apply(result, value):
        return replace(result, profile=replace(result.profile, **{name: value}))
    return apply


def _first(field_path):
    """Replace one attribute of the first element of a profile tuple field."""
    container, attr = field_path

    def apply(result, value):
        items = getattr(result.profile, container)
        first = replace(items[0], **{attr: value})
        return replace(result, profile=replace(result.profile, **{container: (first, *items[1:])}))
    return apply


def _source(attr):
    def apply(result, value):
        sources = (replace(result.sources[0], **{attr: value}), *result.sources[1:])
        return replace(result, sources=sources)
    return apply


def _candidate(attr, index=0):
    def apply(result, value):
        items = list(result.candidates)
        items[index] = replace(items[index], **{attr: value})
        return replace(result, candidates=tuple(items))
    return apply


FIELDS = {
    "interview.name": lambda r, v: with_interview(r, name=v),
    "interview.company": lambda r, v: with_interview(r, company=v),
    "interview.role": lambda r, v: with_interview(r, role=v),
    "interview.recruiter": lambda r, v: with_interview(r, recruiter=v),
    "interview.notes": lambda r, v: with_interview(r, notes=v),
    "interview.recruiter_email": lambda r, v: with_interview(r, recruiter_email=v),
    "interview.panel": lambda r, v: with_interview(r, panel=("Dana Okafor", v)),
    "domain": lambda r, v: replace(r, domain=v),
    "profile.title": _profile_field("title"),
    "profile.team": _profile_field("team"),
    "profile.location": _profile_field("location"),
    "profile.bio": _profile_field("bio"),
    "link.text": _first(("links", "text")),
    "link.url": _first(("links", "url")),
    "link.kind": _first(("links", "kind")),
    "talking_point.text": _first(("talking_points", "text")),
    "talking_point.date": _first(("talking_points", "date")),
    "work.text": _first(("work", "text")),
    "set_aside.name": _first(("set_aside", "name")),
    "set_aside.reason": _first(("set_aside", "reason")),
    "source.title": _source("title"),
    "source.snippet": _source("snippet"),
    "source.url": _source("url"),
    "candidate.address": _candidate("address"),
    "candidate.reasons": lambda r, v: _candidate("reasons")(r, (v, "second reason")),
    "alternative.address": _candidate("address", 1),
    "alternative.reasons": lambda r, v: _candidate("reasons", 1)(r, (v,)),
    "alternative.status": _candidate("status", 1),
}
HISTORY_FIELDS = {
    "history.reasons": lambda v: replace(HISTORY[0], reasons=(v,)),
    "history.provider": lambda v: replace(HISTORY[0], provider=v),
    "history.address": lambda v: replace(HISTORY[0], address=v),
}


@functools.cache
def baseline_card() -> str:
    return render(dana_result(), history=HISTORY)


def _intended_mailto(href: str) -> bool:
    """A mailto: link to the chosen address or to nobody, with only cc, subject and body."""
    if not href.startswith("mailto:"):
        return False
    parts = urlsplit(href)
    fields = parse_qs(parts.query, keep_blank_values=True)
    return (unquote(parts.path) in ("", "dana.okafor@brightwater.test")
            and set(fields) <= {"cc", "subject", "body"}
            and all(len(v) == 1 for v in fields.values()))


def assert_inert(card: str, baseline: str) -> None:
    """No HTML, images or new links (none by linkify either), the block structure of the
    baseline, drafts whose fenced text is their mailto: body, no look-alike or hidden marks."""
    children = inline_children(card)
    kinds = {c.type for c in children} | {t.type for t in tokens(card)}
    assert not kinds & {"html_inline", "html_block", "image", "code_block", "hr"}
    assert not [c for c in children if c.type == "link_open" and c.markup in ("linkify", "autolink")]
    allowed = set(hrefs(baseline))
    for href in hrefs(card):
        assert href in allowed or _intended_mailto(href), href
    assert block_shape(card) == block_shape(baseline)  # the same fences, tables and lists
    assert max(len(line) for line in card.splitlines()) < 12_000
    assert "\u2024" not in card and "\u200b" not in card
    fences = [t.content for t in tokens(card) if t.type == "fence"]
    for href in hrefs(card):
        if href.startswith("mailto:"):
            assert mailto_body(href) + "\n" in fences, href


def mailto_body(href: str) -> str:
    """A mailto: link's body as the mail app shows it (RFC 6068 line breaks are CRLF)."""
    return parse_qs(urlsplit(href).query)["body"][0].replace("\r\n", "\n")


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_hostile_text_cannot_inject(field, hostile):
    """Hostile web text in any result field adds no link, image, HTML or structure."""
    baseline = baseline_card()
    if field == "interview.panel":  # a panel card has a section more: compare with a benign one
        baseline = render(FIELDS[field](dana_result(), "Lee Park"), history=HISTORY)
    card = render(FIELDS[field](dana_result(), hostile), history=HISTORY)
    if field == "candidate.address":  # the mailto link is rebuilt around the new address
        # (every character of the address is percent-encoded, so none can end the path)
        card = re.sub(r"\]\(mailto:[^?)\s]+\?", "](mailto:dana.okafor@brightwater.test?", card)
    assert_inert(card, baseline)


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("field", sorted(HISTORY_FIELDS))
def test_hostile_history_cannot_inject(field, hostile):
    """Hostile text in a stored verification adds nothing to the history table's structure."""
    baseline = baseline_card()
    card = render(dana_result(), history=(HISTORY_FIELDS[field](hostile), HISTORY[1]))
    assert_inert(card, baseline)


def test_hostile_sender_name_stays_in_the_draft():
    """A hostile sender name stays inert inside the draft quote."""
    baseline = render(dana_result(), sender_name="Alex Kim")
    for hostile in HOSTILE:
        assert_inert(render(dana_result(), sender_name=hostile), baseline)


def test_unsafe_link_url_keeps_its_text_only():
    """A javascript: profile link is shown as text without a link."""
    result = _first(("links", "url"))(dana_result(), "javascript:alert(1)")
    text = render(result)
    assert "- github: danaokafor on `code.test`" in text
    assert "javascript" not in "".join(hrefs(text))


def test_models_used_by_fixture_are_the_shared_ones():
    """The fixture builds the shared records, so field names in FIELDS stay honest."""
    profile = dana_result().profile
    assert isinstance(profile.links[0], Link) and isinstance(profile.set_aside[0], SetAside)
    assert isinstance(profile.work[0], TalkingPoint)
    assert isinstance(dana_result().sources[0], Source)
    assert isinstance(dana_result().candidates[0], ScoredCandidate)


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_reasons_in_a_bare_card_cannot_inject(hostile):
    """Hostile domain reasons and failure messages stay inert in a card without an address."""
    baseline = render(bare_result())
    card = render(replace(bare_result(), domain_reasons=(hostile,), failures=(hostile,)))
    assert_inert(card, baseline)


def test_the_card_names_the_web_site_and_the_mail_domain_when_they_differ() -> None:
    """A company whose site and mail live apart: the Who table says which is which."""
    result = replace(dana_result(), domain="bwmail.test", site_domain="brightwater.test")
    text = render(result)
    assert "(web site `brightwater.test`, mail domain `bwmail.test`)" in text
    assert "mail domain" not in render(dana_result())


def test_the_card_shows_the_company_s_own_spelling_of_the_name() -> None:
    """When the company writes the name differently, the card says so, with its source."""
    source = Source("https://www.brightwater.test/team", "Team", "Dana Okafor-Reyes, Director")
    profile = replace(dana_result().profile, written_name="Dana Okafor-Reyes",
                      written_name_source=source)
    text = render(replace(dana_result(), profile=profile))
    assert "| **Written as** | Dana Okafor-Reyes [[" in text
    assert "the company's own spelling, which the address follows" in text


# -- the card read raw (issue 28) ----------------------------------------------------------

NEEDLESS = re.compile(r"\\[-()+.&]")  # escapes CommonMark never needs mid-line
CODE = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)")


def prose_lines(card: str) -> list[str]:
    """The card's lines outside fenced blocks, with inline code spans cut out."""
    lines, fence = [], ""
    for line in card.splitlines():
        opener = re.match(r"`{3,}", line)
        if opener and (not fence or opener.group(0) == fence):
            fence = "" if fence else opener.group(0)
        elif not fence:
            lines.append(CODE.sub("", line))
    return lines


def fence_after(card: str, heading: str) -> str:
    """The text of the first fenced block after ``heading``."""
    section = card.split(heading, 1)[1]
    return next(t.content for t in tokens(section) if t.type == "fence")


def mailto_after(card: str, heading: str) -> str:
    """The body of the first mailto: link after ``heading``."""
    return mailto_body(next(h for h in hrefs(card.split(heading, 1)[1]) if h.startswith("mailto:")))


def check_raw(card: str) -> None:
    """The raw card has no needless escape outside code, and no look-alike or hidden mark."""
    assert [line for line in prose_lines(card) if NEEDLESS.search(line)] == []
    assert "\u2024" not in card and "\u200b" not in card
    if any(h.startswith("mailto:") for h in hrefs(card)):  # no address, no recruiter: no link
        heading = "## Draft follow-up"
        assert fence_after(card, heading) == mailto_after(card, heading) + "\n"


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.glob("*.md")
                                        if "panel_index" not in p.name))
def test_golden_cards_read_raw_as_they_render(name):
    """Every golden card: no needless backslash outside code, drafts exactly their mailto: body."""
    check_raw((GOLDEN / name).read_text(encoding="utf-8"))


def test_the_panel_index_s_recruiter_note_is_its_mailto_body():
    """The panel index's note to the recruiter is a fenced block equal to its mailto: body."""
    card = (GOLDEN / "panel_index.md").read_text(encoding="utf-8")
    assert [line for line in prose_lines(card) if NEEDLESS.search(line)] == []
    heading = "## Note to your recruiter"
    assert fence_after(card, heading) == mailto_after(card, heading) + "\n"


@pytest.fixture(scope="module")
def demo_card(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The card of a real research run on the demo world (the pipeline without Prefect)."""
    import asyncio

    from lookup.research import run_pipeline
    from lookup.settings import load_settings
    from lookup.world import serve_world
    from tests.conftest import DEMO_WORLD

    data = tmp_path_factory.mktemp("demo")
    interview = make_interview(
        "Dana Okafor", "Brightwater Analytics", role="Senior Data Engineer",
        interview_date="2026-03-02", recruiter="Sam Lee <sam@agency.test>",
        notes="We talked about the on-call rotation for the ingestion team")
    with serve_world(DEMO_WORLD, latency=False) as running:
        settings = load_settings({"LOOKUP_DATA_DIR": str(data)}).in_world(running.endpoints)
        run = asyncio.run(run_pipeline(interview, settings, smtp=True,
                                       transport=running.transport()))
    return render(run.result)


def test_the_demo_card_s_draft_is_its_mailto_body_character_for_character(demo_card):
    """The demo's draft and recruiter note, as raw text, are exactly what their links carry;
    the personal line and the signature placeholder are plain."""
    draft = fence_after(demo_card, "## Draft follow-up")
    assert draft == mailto_after(demo_card, "## Draft follow-up") + "\n"
    assert "I especially enjoyed talking about the on-call rotation for the ingestion team.\n" in draft
    assert draft.endswith("\n[Your name]\n")
    heading = "### Note to your recruiter"
    assert fence_after(demo_card, heading) == mailto_after(demo_card, heading) + "\n"
    assert "**Subject:** Thank-you note to Dana Okafor" in demo_card


def test_the_demo_card_reads_raw_without_needless_escapes_or_hidden_marks(demo_card):
    """No line outside code holds \\- \\( \\) \\+ \\. \\&; no U+2024 or U+200B anywhere; the
    web's hosts and addresses are code spans, so nothing in the card is linked by a viewer."""
    check_raw(demo_card)
    assert "`www.brightwater.test`" in demo_card or "`mx1.brightwater.test`" in demo_card
    assert "`abrennan@brightwater.test`" in demo_card
    assert "\\<1%" not in demo_card and "| <1% |" in demo_card
    links = [c for c in inline_children(demo_card) if c.type == "link_open"]
    assert links and all(c.markup not in ("linkify", "autolink") for c in links)


def test_the_alternatives_say_a_reason_they_share_once():
    """A reason every alternative gives is said once, under the table, not on every row."""
    result = dana_result()
    shared = "Not verified, so the probability rests on the inference alone."
    candidates = (result.candidates[0], *(replace(c, reasons=(*c.reasons, shared))
                                          for c in result.candidates[1:]))
    text = render(replace(result, candidates=candidates))
    table = text.split("### Alternatives", 1)[1].split("## Talking points", 1)[0]
    assert text.count(shared) == 1
    assert f"For all 2 addresses above: {shared}" in table
    assert "| 1 of 4 colleagues use first-initial + last |" in table


def test_pages_set_aside_for_the_same_reason_are_one_line_citing_each():
    """Two pages naming the same namesake for the same reason make one line with two sources."""
    result = dana_result()
    first = result.profile.set_aside[0]
    other = replace(first, source=Source("https://chess.test/club", "Club", "Dana Okafor"))
    text = render(replace(result, profile=replace(result.profile, set_aside=(first, other))))
    section = text.split("## Set aside as a possible namesake", 1)[1].split("##", 1)[0]
    (line,) = [line for line in section.splitlines() if line.startswith("- ")]
    assert line.endswith("(https://chess.test/players/dana-okafor)] [[6](https://chess.test/club)]")


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_in_the_panel_index_cannot_inject(hostile):
    """A panelist's name, title, address or problem from the web adds no cell, link or block to
    the index; its recruiter note stays a fenced block equal to its mailto: body."""
    interview = dana_interview(recruiter="Sam Lee <sam@agency.test>",
                               panel=["Dana Okafor", "Priya Raman"])

    def index(name, title, address, problem):
        members = [PanelMember("Dana Okafor", "dana-okafor", "Head of Data Platform",
                               "dana.okafor@brightwater.test", "deliverable"),
                   PanelMember(name, None, title, address, "unknown", problem)]
        return render_panel(interview, members, templates_dir=SHIPPED, generated_at=GENERATED)

    baseline = index("Priya Raman", "VP", "praman@brightwater.test", "no card")
    card = index(hostile, hostile, hostile, hostile)
    assert block_shape(card) == block_shape(baseline)
    from lookup.card.markdown import clean_text

    inlines = [t for t in tokens(card) if t.type == "inline"]
    name_cell = inlines[[t.content for t in inlines].index("Dana Okafor") + 4]  # next row
    shown = clean_text(hostile)
    assert _plain(name_cell.children) == (shown if len(shown) <= 120 else shown[:119] + "…")
    assert set(hrefs(card)) <= set(hrefs(baseline)) | {h for h in hrefs(card) if _intended_mailto(h)}
    kinds = {c.type for c in inline_children(card)}
    assert not kinds & {"html_inline", "image"}
    assert not [c for c in inline_children(card) if c.type == "link_open" and c.markup == "linkify"]
