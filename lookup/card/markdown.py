"""Markdown that stays inert and reads well raw: untrusted text escaped, URLs vetted. Pure.

The card's Jinja filters. Everything that came from the web is untrusted:
``md`` writes it as one line of Markdown text, ``code`` as a code span,
``link`` accepts only plain http(s) URLs, ``fenced`` writes a message as a
fenced block, and ``Safe`` marks what is already safe so it is not escaped twice.

The escaping is the least that keeps CommonMark + GFM (tables, autolinks) and
markdown-it's linkify inert, so the raw card reads as the rendered one:

* ``\\`` ``` ` ``` ``*`` ``_`` ``[`` ``]`` ``~`` are always escaped (emphasis, code,
  links, strike-through);
* ``<`` only before a letter, ``/``, ``!`` or ``?`` (a tag, comment or autolink can
  only start so), and at the end of a value (the next value could finish a tag);
* ``&`` only before ``#`` or an entity name (an entity could write a character);
* ``|`` only in a table cell (``cell=True``), or in a value that could be a
  table's delimiter row;
* a block starter (``#``, ``>``, ``-``, ``+``, ``=``, ``1.``) only at the start of
  the value, where it could start a line;
* anything a viewer could turn into a link by itself (a URL, a host name, an
  address) goes in a code span, where no viewer links: copied, it is the real text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from lookup.text import INVISIBLE

__all__ = [
    "MD_LIMIT",
    "Safe",
    "clean_text",
    "code",
    "english_date",
    "finalize",
    "fenced",
    "link",
    "md",
    "mdlink",
    "percent",
    "printable",
    "utc",
]

MD_LIMIT = 300
URL_LIMIT = 2000
# Bidirectional overrides and isolates can make text display differently from
# what it is (CVE-2021-42574, "Trojan Source"); zero-width marks hide content.
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
# ONE DOT LEADER (U+2024) looks like "." and makes a host name that is not one.
_LOOKALIKE = str.maketrans({"\u2024": "."})
# Every character of the Unicode categories Cc (C0 and C1 controls), Zl and Zp (the line
# and paragraph separators): one pass of a regex rather than a category lookup per
# character of every value a card shows (issue 31). Tested against unicodedata.
_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

_ALWAYS = re.compile(r"([\\`*_\[\]~])")
_LT = re.compile(r"<(?=[A-Za-z/!?])")
_AMP = re.compile(r"&(?=#|[A-Za-z][A-Za-z0-9]*;)")
# What starts a block when it begins a line: a heading, a quote, a list item, a thematic
# break or a setext underline (CommonMark 4.1-4.3, 5.1-5.2).
_LEADING = re.compile(
    r"^(?:(?P<hash>#)(?=#{0,5}(?:\s|$))|(?P<quote>>)|(?P<dash>[-+])(?=[\s-]|$)"
    r"|(?P<eq>=)(?==*\s*$)|(?P<num>\d{1,9})(?P<dot>[.)])(?=\s|$))"
)
_DELIMITER_ROW = re.compile(r"[\s|:-]*\|[\s|:-]*")

# What GFM viewers link by themselves (GitHub's extended autolinks; markdown-it's linkify in
# Obsidian and VS Code, which links any host with a two-letter or known top-level domain):
# a scheme, "//", an e-mail address, "www.", a host name, an IPv4 address. A superset, so a
# word holding any of them goes whole into a code span.
_LINKABLE = re.compile(
    r"(?i)//|\b(?:mailto|xmpp|tel|sms|callto|https?|ftp):\S"
    r"|[^\s@]@[^\s@]*\.[^\W_]|\bwww\."
    r"|(?<![\w-])(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[\w-]{1,59})(?![\w-])"
    r"|\b\d{1,3}(?:\.\d{1,3}){3}\b"
)
_OPENERS = "(\"'“‘«<"
_CLOSERS = ".,;:!?\"'”’»>)"
_URL_SAFE = "/:@!$'*+,;=%~-._"


class Safe(str):
    """Text already made safe for the card; the environment does not escape it again."""

    __slots__ = ()


def printable(value: Any) -> str:
    """The text with every control, bidi and zero-width character made a space or dropped,
    and look-alike dots made dots; spacing kept."""
    text = "" if value is None else str(value)
    return _BREAKING.sub(" ", _INVISIBLE.sub("", text).translate(_LOOKALIKE))


def clean_text(value: Any) -> str:
    """One line of printable text: no control, bidi or zero-width characters, no look-alike dots."""
    return " ".join(printable(value).split())


def _span(text: str, *, cell: bool) -> str:
    """``text`` as a code span: a fence longer than any run of backticks inside it."""
    if cell:  # GFM splits a row at "|" before it sees code spans; "\|" stays in the cell
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[:1] == "`" or text[-1:] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _escape(text: str, *, cell: bool, last: bool) -> str:
    """Escaped text; ``last`` when nothing of this value follows (the next value might)."""
    text = _ALWAYS.sub(r"\\\1", text)
    text = _LT.sub(r"\\<", text)
    text = _AMP.sub(r"\\&", text)
    if last and text[-1:] in ("<", "&"):
        text = text[:-1] + "\\" + text[-1]
    return text.replace("|", "\\|") if cell else text


def _split_word(word: str) -> tuple[str, str, str]:
    """Opening punctuation, the word, closing punctuation ("(www.x.test)." -> "(", ..., ").")."""
    start, end = 0, len(word)
    while start < end and word[start] in _OPENERS:
        start += 1
    while end > start and word[end - 1] in _CLOSERS:
        if word[end - 1] == ")" and word.count("(", start, end) >= word.count(")", start, end):
            break  # "…/Foo_(bar)": the parenthesis belongs to the URL
        end -= 1
    return word[:start], word[start:end], word[end:]


def _words(text: str, *, cell: bool) -> str:
    """The text escaped, with every word a viewer could link in a code span."""
    parts: list[tuple[str, bool]] = []  # (text, is a code span), plain runs merged
    for index, word in enumerate(text.split(" ")):
        before, core, after = _split_word(word)
        pieces = ([(before, False), (core, True), (after, False)]
                  if core and _LINKABLE.search(core) else [(word, False)])
        if index:
            pieces.insert(0, (" ", False))
        for piece, is_code in pieces:
            if parts and not is_code and not parts[-1][1]:
                parts[-1] = (parts[-1][0] + piece, False)
            elif piece:
                parts.append((piece, is_code))
    return "".join(
        _span(piece, cell=cell) if is_code
        else _escape(piece, cell=cell, last=n == len(parts) - 1)
        for n, (piece, is_code) in enumerate(parts)
    )


def _leading(match: re.Match[str]) -> str:
    if match.group("num"):
        return match.group("num") + "\\" + match.group("dot")
    return "\\" + match.group(0)


def md(value: Any, limit: int = MD_LIMIT, *, cell: bool = False) -> Safe:
    """Untrusted text as inert Markdown: one line, capped at ``limit`` characters, escaped
    only where Markdown needs it (see the module docstring); ``cell`` for a table cell."""
    if isinstance(value, Safe):
        return value
    text = clean_text(value)
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    if not text:
        return Safe("")
    escaped = _words(text, cell=cell)
    if not cell and _DELIMITER_ROW.fullmatch(text):
        escaped = escaped.replace("|", "\\|")
    if not escaped.startswith("`"):  # a code span starts no block
        escaped = _LEADING.sub(_leading, escaped, count=1)
    return Safe(escaped)


def link(value: Any) -> Safe:
    """An http(s) URL made safe as a Markdown link destination, or "" for anything else."""
    text = clean_text(value).strip()
    if not text or len(text) > URL_LIMIT:
        return Safe("")
    try:
        parts = urlsplit(text)
        port = parts.port  # raises on a malformed port
    except ValueError:
        return Safe("")
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        return Safe("")
    if parts.username is not None or not re.fullmatch(r"[A-Za-z0-9.\-_\[\]:]+", host):
        return Safe("")  # "https://bank.test@evil.test" style tricks
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    return Safe(urlunsplit((
        parts.scheme.lower(),
        netloc,
        quote(parts.path, safe=_URL_SAFE),
        quote(parts.query, safe=_URL_SAFE + "?&"),
        quote(parts.fragment, safe=_URL_SAFE + "?"),
    )))


def mdlink(text: Any, url: Any, limit: int = 120) -> Safe:
    """``[text](url)`` when the URL is a safe http(s) link, else the escaped text alone."""
    target = link(url)
    label = md(text, limit) if clean_text(text) else md(url, limit)
    return Safe(f"[{label}]({target})") if target else label


def code(value: Any, limit: int = 320, *, cell: bool = False) -> Safe:
    """A short token (an address, a domain) as an inline code span, exactly as written."""
    text = clean_text(value)[:limit]
    return Safe(_span(text, cell=cell)) if text else Safe("")


def fenced(lines: Any) -> Safe:
    """A message as a fenced block whose text is exactly the message: nothing in it is
    Markdown, and no line can close the fence (it is longer than any run of backticks)."""
    text = "\n".join(clean_text(line) for line in ([lines] if isinstance(lines, str) else lines))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return Safe(f"{fence}text\n{text}\n{fence}")


def percent(value: float | None) -> Safe:
    """0.873 -> "87%"; 0.002 -> "<1%", 0.998 -> ">99%": "0%" and "100%" only when certain."""
    if value is None:
        return Safe("?")
    shown = round(value * 100)
    if 0 < value < 1 and shown < 1:
        return Safe("<1%")
    if 0 < value < 1 and shown > 99:
        return Safe(">99%")
    return Safe(f"{shown}%")


def utc(value: dt.datetime) -> Safe:
    """A datetime as "YYYY-MM-DD HH:MM" in UTC (naive values are taken as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return Safe(f"{value:%Y-%m-%d %H:%M}")


def english_date(day: dt.date) -> str:
    """ "Monday 2 March 2026": the card's own dates are in English (drafts use a phrasebook)."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def finalize(value: Any) -> Any:
    """Escape every printed value that no filter has already made safe (as for a table
    cell, since a bare value may stand in one)."""
    if value is None:
        return ""
    if isinstance(value, Safe) or not isinstance(value, str):
        return value
    return md(value, limit=MD_LIMIT * 4, cell=True)
