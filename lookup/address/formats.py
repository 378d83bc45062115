"""The address format grammar: spell, render and induce local-part formats.

A format is spelled as a string, e.g. ``{first}.{last}``, ``{f}{last}~8``,
``ext-{first}{l:2}`` or ``{f}{l}{#}``::

    {first} {middle} {last}      the whole part (middle = the first middle name)
    {f} {m} {l}                  its initial
    {first:3} {last:2}           its first N letters
    . _ -                        separators, between parts
    ext- contractor_             a literal prefix, before the first part
    .ext .os                     a literal suffix, after the last part
    {#}                          digits at the end (a user id or a collision number)
    ~8                           the whole local part cut to 8 characters

Rendering a format for a name gives a local part (or ``None`` when the format
needs what cannot be known, like digits). Inducing goes the other way: from a
name and a known address, every format that writes that address. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lookup.address.names import NameForm

__all__ = ["Format", "explains", "induce", "parse_format", "render"]

SEPARATORS = "._-"
_TOKEN = re.compile(r"\{(first|middle|last|f|m|l|#)(?::(\d+))?\}|([a-z0-9._-]+)")
_ROLE = {"first": "first", "f": "first", "middle": "middle", "m": "middle", "last": "last",
         "l": "last"}
_INITIAL = {"first": "f", "middle": "m", "last": "l"}
_PREFIX = re.compile(r"([a-z0-9]{1,8}[._-])")
_SUFFIX = re.compile(r"[a-z]{2,5}")
MIN_TRUNCATION = 5  # shorter cuts are read as {first:N}/{last:N} parts, not a length limit
# The cached functions are wrapped by assignment (`render = lru_cache(...)(_render)`), not
# decorated: mutmut skips decorated functions, and this keeps them in reach (docs/testing.md).


@dataclass(frozen=True, slots=True)
class Format:
    """A parsed format: its tokens (role, length) or literals, and an optional cut."""

    spelling: str
    tokens: tuple[tuple[str, int], ...]  # (role, n) with n=0 for whole; ("lit", 0) pieces
    literals: tuple[str, ...]  # literal text for "lit" tokens, in order
    cut: int | None

    @property
    def needs_digits(self) -> bool:
        """True when the format ends in digits nobody can guess."""
        return any(role == "#" for role, _ in self.tokens)

    @property
    def simple(self) -> bool:
        """True for formats without prefix, digits or length limit."""
        return self.cut is None and not self.needs_digits and all(
            role != "lit" or lit in SEPARATORS for (role, _), lit in _zip_lits(self))


def _zip_lits(fmt: Format) -> list[tuple[tuple[str, int], str]]:
    lits = iter(fmt.literals)
    return [(tok, next(lits) if tok[0] == "lit" else "") for tok in fmt.tokens]


def _parse_format(spelling: str) -> Format:
    """Parse a format's spelling; raise ValueError when it is not in the grammar."""
    body, _, cut = spelling.partition("~")
    tokens, literals, pos = [], [], 0
    for match in _TOKEN.finditer(body):
        if match.start() != pos:
            break
        pos = match.end()
        name, n, lit = match.groups()
        if lit:
            tokens.append(("lit", 0))
            literals.append(lit)
        elif name == "#":
            tokens.append(("#", 0))
        else:
            tokens.append((_ROLE[name], 1 if name in _INITIAL.values() else int(n or 0)))
    if pos != len(body) or not body or (cut and not cut.isdigit()):
        raise ValueError(f"{spelling!r} is not a format this tool understands.")
    if not any(role in ("first", "last") for role, _ in tokens):
        raise ValueError(f"{spelling!r} uses neither the given nor the family name.")
    return Format(spelling, tuple(tokens), tuple(literals), int(cut) if cut else None)


parse_format = lru_cache(maxsize=4096)(_parse_format)


def _part(form: NameForm, role: str) -> str:
    if role == "first":
        return form.first
    if role == "last":
        return form.last
    return form.middle[0] if form.middle else ""


def _collapse(pieces: list[tuple[bool, str]]) -> str:
    """Join pieces, dropping separators left next to an empty part."""
    out: list[str] = []
    for is_sep, text in pieces:
        if is_sep:
            if out and out[-1] and out[-1][-1] not in SEPARATORS:
                out.append(text)
        elif text:
            out.append(text)
    local = "".join(out)
    while local and local[-1] in SEPARATORS:
        local = local[:-1]
    return local


def _render(spelling: str, form: NameForm) -> str | None:
    """The local part ``spelling`` writes for ``form``, or None when it cannot be written."""
    fmt = parse_format(spelling)
    if fmt.needs_digits:
        return None
    pieces: list[tuple[bool, str]] = []
    for (role, n), lit in _zip_lits(fmt):
        if role == "lit":
            pieces.append((lit in SEPARATORS, lit))
        else:
            text = _part(form, role)
            pieces.append((False, text[:n] if n else text))
    local = _collapse(pieces)
    if fmt.cut:
        local = local[: fmt.cut].rstrip(SEPARATORS)
    if any(role in ("first", "last") and not _part(form, role) for role, _ in fmt.tokens):
        return None  # a one-word name cannot fill a format that needs both names
    return local or None


render = lru_cache(maxsize=200_000)(_render)


def _token_spelling(role: str, n: int, full: int) -> str:
    if n == 0 or n >= full:
        return "{" + role + "}"
    if n == 1:
        return "{" + _INITIAL[role] + "}"
    return "{" + role + ":" + str(n) + "}"


def _parts(form: NameForm) -> tuple[tuple[str, str], ...]:
    parts = [("first", form.first), ("last", form.last)]
    if form.middle:
        parts.append(("middle", form.middle[0]))
    return tuple((role, text) for role, text in parts if text)


def _steps(local: str, pos: int, parts, used: frozenset[str]):
    """Each (spelling piece, next position, role used, cut-able) that can start at ``pos``."""
    for role, text in parts:
        if role in used:
            continue
        for n in range(len(text), 0, -1):
            if local.startswith(text[:n], pos):
                yield _token_spelling(role, n, len(text)), pos + n, role, 1 < n < len(text)


def _parse_uncached(local: str, pos: int, parts, used: frozenset[str], after_part: bool) -> tuple:
    """Every way to write ``local[pos:]``: tuples of (spelling, cut-able last part)."""
    if pos == len(local):
        return (("", False),) if after_part else ()
    out: list[tuple[str, bool]] = []
    if after_part and local[pos] in SEPARATORS:
        for rest, cut in _parse(local, pos + 1, parts, used, False):
            if rest:
                out.append((local[pos] + rest, cut))
        tail = local[pos + 1:]
        if tail.isdigit():  # "yang_1"
            out.append((local[pos] + "{#}", False))
        elif _SUFFIX.fullmatch(tail) and not any(
                text.startswith(tail) or tail.startswith(text) for _, text in parts):
            out.append((local[pos:], False))  # a literal suffix: ".ext", ".os"
    if after_part and local[pos:].isdigit():
        out.append(("{#}", False))
    for piece, nxt, role, cutable in _steps(local, pos, parts, used):
        for rest, cut in _parse(local, nxt, parts, used | {role}, True):
            out.append((piece + rest, cutable if rest == "" else cut))
    return tuple(out)


_parse = lru_cache(maxsize=100_000)(_parse_uncached)


def _induce(form: NameForm, local: str) -> frozenset[str]:
    """Every format that writes ``local`` for ``form`` (with a prefix, digits or a cut)."""
    parts = _parts(form)
    found: set[str] = set()
    starts = [("", 0)]
    prefix = _PREFIX.match(local)
    if prefix and not any(text.startswith(prefix.group(1)[:-1]) for _, text in parts):
        starts.append((prefix.group(1), prefix.end()))
    for lit, start in starts:
        for spelling, cutable in _parse(local, start, parts, frozenset(), False):
            if "{first" not in spelling and "{f}" not in spelling and "{l" not in spelling:
                continue
            found.add(lit + spelling)
            if cutable and len(local) >= MIN_TRUNCATION:
                found.add(_uncut(lit + spelling) + f"~{len(local)}")
    return frozenset(found)


induce = lru_cache(maxsize=100_000)(_induce)


_LAST_PREFIX = re.compile(r"\{(first|middle|last):\d+\}$")


def _uncut(spelling: str) -> str:
    return _LAST_PREFIX.sub(lambda m: "{" + m.group(1) + "}", spelling)


def explains(spelling: str, induced: frozenset[str], local: str) -> bool:
    """True when a format writes ``local``, given the formats induced from it."""
    if spelling in induced:
        return True
    body, sep, cut = spelling.partition("~")
    return bool(sep) and body in induced and len(local) <= int(cut)
