"""The briefing card for a terminal: headings, aligned tables, links as "text (url)". Pure.

``to_terminal`` parses the card with markdown-it (CommonMark and GFM tables, the
dialect the card is written in; raw HTML off, no linkify) and writes plain
text. What came from the web is inert in the card, so it reaches this renderer
as text, and text is all it writes: no character is read as a markup language
of the terminal's either (every control, bidi and zero-width character is
dropped), and ANSI bold is the renderer's own, for headings and bold text, when
``style`` is on.

Fenced blocks (the drafts) are written line for line, unwrapped, between two
rules, so a draft copied from the terminal is the message; a citation
``[[3](url)]`` is written ``[3]`` (the sources list gives the URL).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from lookup.card.markdown import printable

__all__ = ["to_terminal"]

BOLD, ITALIC, RESET = "\x1b[1m", "\x1b[3m", "\x1b[0m"
_SGR = re.compile(r"\x1b\[[0-9;]*m")
_UNDERLINE = {1: "=", 2: "-"}  # h3 and below: "·"
_RULE_WIDTH = 72
_MIN_COLUMN = 10
_CITATION = re.compile(r"\d{1,4}")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (East Asian) characters 2, combining 0."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in _SGR.sub("", text)
    )


def to_terminal(markdown: str, *, columns: int = 100, style: bool = False) -> str:
    """The card as terminal text, wrapped to ``columns`` (at least 40)."""
    root = SyntaxTreeNode(_parser().parse(markdown))
    renderer = _Renderer(max(columns, 40), style)
    lines = renderer.blocks(root.children, max(columns, 40))
    return "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"


class _Renderer:
    """Walks the syntax tree: blocks become lists of lines, inline runs become strings."""

    def __init__(self, columns: int, style: bool) -> None:
        self.columns = columns
        self.style = style

    # -- inline ---------------------------------------------------------------------

    def _styled(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.style and text else text

    def inline(self, node: SyntaxTreeNode) -> str:
        children = node.children
        out = []
        for index, child in enumerate(children):
            before = children[index - 1] if index else None
            after = children[index + 1] if index + 1 < len(children) else None
            out.append(self._one(child, before, after))
        return "".join(out)

    def _one(self, node: SyntaxTreeNode, before: SyntaxTreeNode | None,
             after: SyntaxTreeNode | None) -> str:
        kind = node.type
        if kind in ("text", "code_inline", "html_inline"):
            return printable(node.content)
        if kind == "softbreak":
            return " "
        if kind == "hardbreak":
            return "\n"
        if kind == "strong":
            return self._styled(BOLD, self.inline(node))
        if kind == "em":
            return self._styled(ITALIC, self.inline(node))
        if kind in ("link", "image"):
            return self._link(node, before, after)
        return self.inline(node)

    def _link(self, node: SyntaxTreeNode, before: SyntaxTreeNode | None,
              after: SyntaxTreeNode | None) -> str:
        label = self.inline(node) if node.type == "link" else printable(node.content)
        href = printable(str(node.attrs.get("href") or node.attrs.get("src") or ""))
        cited = (_CITATION.fullmatch(label) and before is not None and after is not None
                 and before.type == "text" and before.content.endswith("[")
                 and after.type == "text" and after.content.startswith("]"))
        if cited or not href:
            return label  # the sources list gives a citation's URL
        if _SGR.sub("", label) in (href, href.removeprefix("mailto:")) or not label:
            return href
        return f"{label} ({href})"

    # -- blocks ---------------------------------------------------------------------

    def blocks(self, nodes: Iterable[SyntaxTreeNode], room: int) -> list[str]:
        lines: list[str] = []
        for node in nodes:
            block = self.block(node, room)
            if block:
                if lines:
                    lines.append("")
                lines.extend(block)
        return lines

    def block(self, node: SyntaxTreeNode, room: int) -> list[str]:
        kind = node.type
        if kind == "heading":
            return self._heading(node)
        if kind == "paragraph":
            return _wrap(self.inline(node.children[0]), room)
        if kind in ("bullet_list", "ordered_list"):
            return self._list(node, room)
        if kind == "blockquote":
            return ["│ " + line for line in self.blocks(node.children, room - 2)]
        if kind in ("fence", "code_block"):
            rule = "─" * min(room, _RULE_WIDTH)
            body = [printable(line) for line in node.content.rstrip("\n").split("\n")]
            return [rule, *body, rule]
        if kind == "hr":
            return ["─" * min(room, _RULE_WIDTH)]
        if kind == "table":
            return self._table(node, room)
        if kind == "inline":
            return _wrap(self.inline(node), room)
        return self.blocks(node.children, room)

    def _heading(self, node: SyntaxTreeNode) -> list[str]:
        text = self.inline(node.children[0])
        level = int(node.tag[1:])
        underline = _UNDERLINE.get(level, "·") * min(width(text), self.columns)
        return [self._styled(BOLD, text), underline]

    def _list(self, node: SyntaxTreeNode, room: int) -> list[str]:
        ordered = node.type == "ordered_list"
        start = int(node.attrs.get("start", 1)) if ordered else 1
        count = len(node.children)
        marks = ([f"{start + i}." for i in range(count)] if ordered else ["-"] * count)
        pad = max(len(m) for m in marks) + 1 if marks else 2
        loose = any(not p.hidden for item in node.children for p in item.children
                    if p.type == "paragraph")
        lines: list[str] = []
        for mark, item in zip(marks, node.children, strict=True):
            body = self.blocks(item.children, room - pad) or [""]
            if loose and lines:
                lines.append("")
            lines.append(mark.rjust(pad - 1) + " " + body[0])
            lines.extend((" " * pad + line) if line else "" for line in body[1:])
        return lines

    def _table(self, node: SyntaxTreeNode, room: int) -> list[str]:
        rows: list[list[str]] = []
        aligns: list[str] = []
        header = False
        for section in node.children:
            for row in section.children:
                cells = [self.inline(cell.children[0]) if cell.children else ""
                         for cell in row.children]
                if section.type == "thead":
                    header = any(c.strip() for c in cells)
                    aligns = ["right" if "right" in str(cell.attrs.get("style", "")) else "left"
                              for cell in row.children]
                    if not header:
                        continue
                rows.append(cells)
        if not rows:
            return []
        sizes = _column_sizes(rows, room)
        wrapped = [[_wrap(cell, size, hard=True) or [""] for cell, size in zip(row, sizes,
                                                                               strict=False)]
                   for row in rows]
        first = 1 if header else 0  # the first body row
        tall = [max(len(cell) for cell in row) > 1 for row in wrapped]
        lines: list[str] = []
        for index, row in enumerate(wrapped):
            if index > first and (tall[index] or tall[index - 1]):  # a row of several lines
                lines.append("")  # stands apart from its neighbours
            lines.extend(_row_lines(row, sizes, aligns))
            if header and index == 0:
                lines.append("  ".join("─" * size for size in sizes))
        return lines


def _column_sizes(rows: list[list[str]], room: int) -> list[int]:
    """Each column's width: its widest cell; until the row fits, the widest column is
    narrowed, first down to its longest word (an address stays whole), then further."""
    count = max(len(row) for row in rows)
    cells = [[row[i] for row in rows if i < len(row)] for i in range(count)]
    sizes = [max((width(c) for c in column), default=0) for column in cells]
    words = [max((width(w) for c in column for w in c.split()), default=0) for column in cells]
    for floor in ([max(w, _MIN_COLUMN) for w in words], [_MIN_COLUMN] * count):
        while sum(sizes) + 2 * (count - 1) > room:
            shrinkable = [i for i in range(count) if sizes[i] > floor[i]]
            if not shrinkable:
                break
            sizes[max(shrinkable, key=lambda i: sizes[i])] -= 1
    return sizes


def _row_lines(row: list[list[str]], sizes: list[int], aligns: list[str]) -> list[str]:
    height = max(len(cell) for cell in row)
    lines = []
    for n in range(height):
        parts = []
        for i, size in enumerate(sizes):
            text = row[i][n] if i < len(row) and n < len(row[i]) else ""
            gap = " " * max(size - width(text), 0)
            right = i < len(aligns) and aligns[i] == "right"
            parts.append(gap + text if right else text + gap)
        lines.append("  ".join(parts))
    return lines


def _wrap(text: str, room: int, *, hard: bool = False) -> list[str]:
    """Words filled into lines of at most ``room`` columns; a longer word has a line of its
    own (a URL stays whole), or is cut when ``hard`` (a table cell)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            pieces = _cut(word, room) if hard else [word]
            for piece in pieces:
                if line and width(line) + 1 + width(piece) > room:
                    lines.append(line)
                    line = piece
                else:
                    line = f"{line} {piece}" if line else piece
        lines.append(line)
    return _carry_styles(lines)


def _cut(word: str, room: int) -> list[str]:
    if width(word) <= room or _SGR.search(word):
        return [word]
    pieces, piece = [], ""
    for ch in word:
        if piece and width(piece + ch) > room:
            pieces.append(piece)
            piece = ""
        piece += ch
    return [*pieces, piece]


def _carry_styles(lines: list[str]) -> list[str]:
    """Bold that a wrap splits is closed at each line's end and reopened on the next line,
    so a table's next column or the margin is never drawn bold."""
    out, open_codes = [], ""
    for line in lines:
        text = open_codes + line
        for code in _SGR.findall(line):
            open_codes = "" if code == RESET else open_codes + code
        out.append(text + RESET if open_codes else text)
    return out
