"""Bytes to text, and text to markup the parser can afford: charset detection, depth limits.

``decode_html`` picks the charset the way a browser does (BOM, header, meta).
``tame`` cuts the markup at ``MAX_HTML_CHARS``, flattens nesting deeper than
``MAX_DEPTH`` (lexbor's tree builder is quadratic in depth) and puts a line
break before block tags so the visible text keeps its paragraphs. Pure.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["MAX_DEPTH", "MAX_HTML_CHARS", "decode_html", "tame"]

MAX_HTML_CHARS = 3_000_000
MAX_DEPTH = 256


# ------------------------------------------------------------------ decoding

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(
    rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I
)
# WHATWG Encoding Standard: these labels mean windows-1252 in a browser.
_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
            "us-ascii": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252",
            "x-sjis": "shift_jis", "gb2312": "gb18030", "gbk": "gb18030"}


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = _ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return name


def decode_html(body: bytes, content_type: str = "") -> str:
    """Decode a fetched page: BOM, then the Content-Type charset, then <meta>, then UTF-8.

    Undecodable bytes become U+FFFD. With no declaration at all, UTF-8 is tried and
    windows-1252 (what browsers fall back to) is used when it fails.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace")
    header = _HEADER_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(body[:4096])
    for label in (header.group(1) if header else None, meta.group(1).decode("ascii", "ignore")
                  if meta else None):
        name = _codec(label)
        if name and not name.startswith("utf-16"):  # a <meta> saying utf-16 is a lie (WHATWG)
            return body.decode(name, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


# ------------------------------------------------------------------ taming the markup

# [^<>] keeps every attempt from running past the next "<": linear even on tag soup.
_TAG = re.compile(r"<!--|<(/?)([a-zA-Z][\w:-]*)[^<>]*>", re.I)
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp"})  # no tags inside
# Tags that never nest or that the parser closes on its own: not counted as depth.
_FLAT = frozenset(
    "area base br col embed hr img input link meta param source track wbr p li dt dd tr td th "
    "option optgroup tbody thead tfoot colgroup rb rt rp html head body".split()
)
_BLOCK = re.compile(
    r"<(/?(?:p|div|li|ul|ol|dl|dt|dd|tr|td|th|table|h[1-6]|br|hr|section|article|header|"
    r"footer|nav|aside|main|figure|figcaption|blockquote|address|pre|form|caption)\b)",
    re.I,
)


def _skip(html: str, start: int, name: str) -> int:
    """Where scanning resumes after a comment or a raw-text element: its end, or the end."""
    closing = "-->" if name == "!--" else f"</{name}"
    match = re.compile(re.escape(closing), re.I).search(html, start)
    return match.end() if match else len(html)


def _flatten(html: str) -> str:
    """Drop the tags that nest deeper than MAX_DEPTH, keeping their text.

    One left-to-right pass: comments and raw-text elements (script, style...) are
    skipped to their end with one search each, so unclosed ones cost linear time.
    """
    if html.count("<") < MAX_DEPTH:
        return html
    stack: list[str] = []
    dropped: dict[str, int] = {}
    cuts: list[tuple[int, int]] = []
    pos = 0
    while (m := _TAG.search(html, pos)) is not None:
        pos = m.end()
        opener, name = m.group(1), (m.group(2) or "").lower()
        if m.group(0) == "<!--":
            pos = _skip(html, pos, "!--")
            continue
        if not name or name in _FLAT or m.group(0).endswith("/>"):
            continue
        if opener != "/" and name in _RAW_TEXT:
            pos = _skip(html, pos, name)
            continue
        if opener != "/":
            if len(stack) >= MAX_DEPTH:
                dropped[name] = dropped.get(name, 0) + 1
                cuts.append(m.span())
            else:
                stack.append(name)
        elif dropped.get(name):
            dropped[name] -= 1
            cuts.append(m.span())
        elif name in stack:
            del stack[len(stack) - 1 - stack[::-1].index(name):]
    if not cuts:
        return html
    parts, last = [], 0
    for start, end in cuts:
        parts.append(html[last:start])
        last = end
    parts.append(html[last:])
    return "".join(parts)


def tame(html: str) -> str:
    """Cut, flatten, and put a line break before every block tag so text keeps its paragraphs."""
    return _BLOCK.sub(r"\n<\1", _flatten(html[:MAX_HTML_CHARS]))
