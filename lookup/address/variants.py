"""The other spellings of the name in the likeliest format: what to ask next. Pure.

When the mail server refuses the top candidates, the right address is most often the same
format with the name spelled another way: a second given name as an initial or in full
(``lars.e.odegard``), two given names joined or hyphenated (``anna-lena.roth``), a letter
transliterated the other way (``anke.hoefling`` after ``anke.hofling``). ``with_variants``
moves those right behind the candidates verified first, so that the SMTP walk down the
list (``smtp.max_probes_per_domain``) reaches them before formats nobody shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from lookup.address.formats import SEPARATORS, parse_format, render
from lookup.address.names import ParsedName, parse_name
from lookup.errors import BadInputError
from lookup.models import Candidate

__all__ = ["MAX_VARIANTS", "spellings_in_format", "with_variants"]

MAX_VARIANTS = 3  # variants moved up; the rest of the ranked list keeps its order


def spellings_in_format(parsed: ParsedName, spelling: str) -> list[str]:
    """Local parts the format writes for the name's other spellings, likeliest first; with a
    second given name, its initial and the whole of it after the given name come first."""
    try:
        parse_format(spelling)
    except ValueError:
        return []
    found: list[str] = []
    primary = parsed.primary
    if parsed.middle:
        for extra in _with_middle(spelling):
            if (local := render(extra, primary)) is not None:
                found.append(local)
    for form in parsed.forms[1:]:  # spellings, not the name read in the other order
        if not form.kind.startswith("swapped") and (local := render(spelling, form)) is not None:
            found.append(local)
    own = render(spelling, primary)
    return [local for local in dict.fromkeys(found) if local and local != own]


def _with_middle(spelling: str) -> list[str]:
    """``{first}.{last}`` -> ``{first}.{m}.{last}`` and ``{first}.{middle}.{last}``."""
    for sep in SEPARATORS:
        if f"{{first}}{sep}" in spelling and "{m" not in spelling and "{middle" not in spelling:
            return [spelling.replace(f"{{first}}{sep}", f"{{first}}{sep}{part}{sep}", 1)
                    for part in ("{m}", "{middle}")]
    return []


def with_variants(candidates: Sequence[Candidate], name: str, *, after: int,
                  keep: int) -> list[Candidate]:
    """The ranked candidates with the top format's other spellings of the name moved (or
    added) right behind the first ``after``; at most ``keep`` in all."""
    if not candidates or candidates[0].format in ("known", "published"):
        return list(candidates)
    try:
        parsed = parse_name(name)
    except BadInputError:
        return list(candidates)
    top = candidates[0]
    domain = top.address.rsplit("@", 1)[-1]
    head = list(candidates[:after])
    taken = {c.address for c in head}
    wanted = [f"{local}@{domain}" for local in spellings_in_format(parsed, top.format)]
    wanted = [a for a in wanted if a not in taken][:MAX_VARIANTS]
    by_address = {c.address: c for c in candidates}
    moved = [by_address.get(a) or _variant(a, top) for a in wanted]
    rest = [c for c in candidates[after:] if c.address not in set(wanted)]
    return (head + moved + rest)[:keep]


def _variant(address: str, top: Candidate) -> Candidate:
    return Candidate(
        address=address,
        probability=0.0,
        format=top.format,
        explanation=f"The likeliest format, {top.format}, with the name spelled another way "
                    "(a second given name, a joined or hyphenated given name, a letter "
                    "transliterated): asked when the first spellings are refused.",
    )
