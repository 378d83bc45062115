"""The card for a terminal (issue 28): headings, aligned tables, links as "text (url)", drafts
line for line, nothing from the web read as markup; `lookup show` renders only for a terminal."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from lookup.card.render import render_card
from lookup.card.terminal import BOLD, ITALIC, RESET, to_terminal, width
from tests.card_fixtures import GENERATED, dana_result, with_interview
from tests.test_render import FIELDS, HISTORY, HOSTILE, SHIPPED, mailto_body

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def card(result=None, **kwargs) -> str:
    kwargs.setdefault("history", HISTORY)
    kwargs.setdefault("sender_name", "Alex Kim")
    return render_card(result or dana_result(), templates_dir=SHIPPED, generated_at=GENERATED,
                       **kwargs)


def section(text: str, title: str) -> list[str]:
    """The lines under a heading of the terminal text, up to the next heading."""
    lines = text.splitlines()
    start = lines.index(title) + 2
    end = next((i - 1 for i in range(start + 1, len(lines))
                if lines[i] and set(lines[i]) <= set("=-·") and lines[i - 1]), len(lines))
    found = lines[start:end]
    while found and not found[0]:
        found = found[1:]
    return found


def test_headings_are_underlined_and_markup_is_gone():
    """Headings get a rule of their width; no "#", "**", "|---|" or backslash is left."""
    text = to_terminal(card())
    lines = text.splitlines()
    assert lines[:2] == ["Dana Okafor — Brightwater Analytics", "=" * 35]
    assert "Who\n---\n" in text and "Alternatives\n············\n" in text
    assert not [line for line in lines if line.startswith("#") or "**" in line or "|---" in line]
    assert "\\" not in text


def test_tables_are_aligned_columns():
    """Each table column starts at one offset on every row; the probability column is
    right-aligned; the header is ruled off; a header of empty cells is left out."""
    text = to_terminal(card(), columns=100)
    who = [line for line in section(text, "Who") if line]
    assert who[0].startswith("Name ") and all(line[13:14] != " " for line in who)
    assert {line.index(line.split("  ")[-1].strip()) for line in who if "  " in line} == {13}
    rows = [line for line in section(text, "Alternatives") if line]
    header, rule, first, second = rows[:4]
    assert header.split() == ["Address", "Probability", "Verdict", "Why"]
    assert set(rule) <= {"─", " "}
    verdict = header.index("Verdict")
    assert first[verdict:].startswith("unknown") and second[verdict:].startswith("undeliverable")
    assert first[:verdict].rstrip().endswith(" 8%") and second[:verdict].rstrip().endswith(" 3%")
    assert len(first[:verdict].rstrip()) == len(second[:verdict].rstrip())  # right-aligned


def test_links_read_text_then_url_and_citations_keep_their_number():
    """A link is "text (url)"; a citation is "[n]", its URL being in the sources list."""
    text = to_terminal(card(), columns=100)
    assert "- github: danaokafor on code.test (https://code.test/danaokafor)" in text
    assert "Head of Data Platform [2]" in text
    assert "1. search: \"Dana Okafor\" Brightwater (https://search.test/" in text
    assert "[[" not in text


def test_the_draft_is_printed_line_for_line_between_rules():
    """The draft's lines are the mailto: body's lines, unwrapped, between two rules."""
    markdown = card(with_interview(dana_result(), notes="We talked about the on-call rotation"))
    text = to_terminal(markdown, columns=60)
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if line == "Dear Dana,") - 1
    bottom = lines.index("Alex Kim", top)
    assert set(lines[top]) == {"─"} and set(lines[bottom + 1]) == {"─"}
    href = next(h for h in re.findall(r"\((mailto:[^)\s]+)\)", markdown))
    assert "\n".join(lines[top + 1:bottom + 1]) == mailto_body(href)
    assert any(len(line) > 60 for line in lines[top + 1:bottom])  # not wrapped


def test_prose_wraps_to_the_width_with_a_hanging_indent():
    """Paragraphs and list items wrap at the given width; a list item's lines hang under it."""
    text = to_terminal(card(), columns=50)
    timing = section(text, "Timing and etiquette")
    assert all(width(line) <= 50 for line in timing)
    assert timing[0].startswith("- Send your follow-up") and timing[1].startswith("  ")


def test_wide_characters_are_counted_as_two_columns():
    """A table with CJK text stays aligned by display width, not by characters."""
    text = to_terminal("| a | b |\n|---|---|\n| 東京都 | x |\n| abc | y |\n", columns=40)
    rows = text.splitlines()[2:]
    assert [width(row[: row.rindex(" ") + 1]) for row in rows] == [8, 8]


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("field", ["profile.title", "profile.bio", "source.snippet",
                                   "alternative.reasons", "interview.notes", "set_aside.reason"])
def test_web_text_is_printed_as_text(field, hostile):
    """Hostile web text prints as the text it is: no escape sequence but the renderer's own
    bold, no link made of it, its Markdown characters shown as written."""
    from lookup.card.markdown import clean_text

    text = to_terminal(card(FIELDS[field](dana_result(), hostile)), style=True)
    assert set(ESCAPE.findall(text)) <= {BOLD, ITALIC, RESET}
    assert "\x1b" not in ESCAPE.sub("", text) and "\x07" not in text and "\x9b" not in text
    plain = " ".join(ESCAPE.sub("", text).split())
    shown = clean_text(hostile)[:40]
    if field not in ("alternative.reasons", "interview.notes") and len(shown) > 1:
        assert shown in plain  # as written: "[click me](http://evil.test/)", "<script>"...
    assert " (http://evil" not in plain  # how a link would print: "text (url)"


def test_a_hand_edited_card_cannot_reach_the_terminal_either():
    """Raw HTML, entities and escape characters in a card file are printed inert."""
    text = to_terminal("# T\x1b[2J\n\n<b>x</b> &#27;[31m &#x202E;\u200b evil \x9b2J\n\n"
                       "[a](javascript:alert(1))\n", style=True)
    assert set(ESCAPE.findall(text)) <= {BOLD, RESET}
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e\u200b]", ESCAPE.sub("", text))
    assert "<b>x</b>" in text and "[a](javascript:alert(1))" in text  # markdown-it refuses it


def test_style_is_bold_headings_and_bold_text_closed_on_every_line():
    """With style, headings and bold text are bold; a style never runs past its line."""
    text = to_terminal(card(), columns=60, style=True)
    assert f"{BOLD}Who{RESET}" in text and f"{BOLD}Title{RESET}" in text
    for line in text.splitlines():
        codes = ESCAPE.findall(line)
        assert not codes or codes[-1] == RESET, line
    assert "\x1b" not in to_terminal(card())


# -- `lookup show` --------------------------------------------------------------------------


@pytest.fixture()
def stored(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A data folder holding Dana's card, and the environment that points `lookup` at it."""
    from lookup.card.write import write_briefing
    from lookup.settings import load_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LOOKUP_"))}
    env |= {"LOOKUP_DATA_DIR": str(tmp_path / "data"), "LOOKUP_CONFIG": "", "COLUMNS": "90"}
    env.pop("NO_COLOR", None)
    settings = load_settings({"LOOKUP_DATA_DIR": env["LOOKUP_DATA_DIR"], "LOOKUP_CONFIG": ""})
    result = replace(dana_result(), interview=replace(dana_result().interview, notes="Flink"))
    path = write_briefing(result, settings=settings, now=GENERATED)
    return env, path


def _lookup(*args: str, env: dict[str, str], tty: bool) -> str:
    """What `lookup ARGS` prints to a pipe, or to a terminal (a pseudo-terminal) when ``tty``."""
    command = [str(Path(sys.executable).with_name("lookup")), *args]
    if not tty:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout
    main, child = pty.openpty()
    with subprocess.Popen(command, stdout=child, stderr=subprocess.PIPE, env=env) as process:
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal closed: the command is done
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0
    os.close(main)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_lookup_show_renders_for_a_terminal_and_keeps_markdown_for_a_pipe(stored):
    """`lookup show` in a terminal prints the rendered card; piped, or with --raw, the file."""
    env, path = stored
    markdown = path.read_text(encoding="utf-8")
    assert _lookup("show", "Dana Okafor", env=env, tty=False) == markdown
    assert _lookup("show", "Dana Okafor", "--raw", env=env, tty=True) == markdown
    shown = _lookup("show", "Dana Okafor", env=env, tty=True)
    assert ESCAPE.sub("", shown) == to_terminal(markdown, columns=90)
    assert f"{BOLD}Who{RESET}" in shown
    assert _lookup("show", "Dana Okafor", env=env | {"NO_COLOR": "1"}, tty=True) == (
        to_terminal(markdown, columns=90))
