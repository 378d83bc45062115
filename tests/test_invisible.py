"""One set of invisible characters, honoured alike by the terminal, the card and the input checks."""

from __future__ import annotations

import pytest

from lookup.address.names import parse_name
from lookup.card.markdown import clean_text
from lookup.errors import BadInputError
from lookup.intake.interview import make_interview
from lookup.text import inert, is_invisible

# One of each kind: a bidi mark, a zero-width space, an override, a line separator, a word
# joiner, an isolate, a deprecated format character, the BOM, an annotation mark, a tag.
SAMPLES = ["\u061c", "\u200b", "\u202e", "\u2028", "\u2060", "\u2066", "\u206a", "\ufeff",
           "\ufff9", "\U000e0041"]


@pytest.mark.parametrize("ch", SAMPLES, ids=lambda c: f"U+{ord(c):04X}")
def test_every_place_treats_the_character_the_same(ch: str) -> None:
    """The terminal and the card drop it; a name or a company holding it is refused."""
    assert is_invisible(ch)
    assert inert(f"Dana{ch}Okafor") == "DanaOkafor" == clean_text(f"Dana{ch}Okafor")
    with pytest.raises(BadInputError):
        parse_name(f"Dana{ch} Okafor")
    with pytest.raises(BadInputError, match="control characters"):
        make_interview("Dana Okafor", f"Bright{ch}water")


def test_visible_text_and_the_emoji_joiner_pass() -> None:
    """Letters, accents and a zero-width joiner inside notes (emoji, Indic scripts) are kept."""
    assert not any(is_invisible(c) for c in "Zoë Ørsted-Müller 李")
    interview = make_interview("Dana Okafor", "B", notes="Great chat 👩\u200d💻")
    assert interview.notes == "Great chat 👩\u200d💻"


def test_the_breaking_characters_are_exactly_the_control_and_separator_categories() -> None:
    """``printable``'s one regex turns into spaces exactly the characters of the Unicode
    categories Cc, Zl and Zp, the ones a per-character category test turned (issue 31)."""
    import sys
    import unicodedata

    from lookup.card import markdown

    every = (chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    breaking = "".join(ch for ch in every if unicodedata.category(ch) in ("Cc", "Zl", "Zp"))
    assert markdown._BREAKING.sub("", breaking) == ""  # noqa: SLF001
    assert len(markdown._BREAKING.findall(breaking)) == len(breaking) == 67  # noqa: SLF001
    sample = "a\x00b\u2028c\x85d\u00a0e\u200bf\u2024g\x7fh\ti\nj"
    by_category = "".join(  # the per-character test printable made before
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in markdown._INVISIBLE.sub("", sample).translate(markdown._LOOKALIKE))  # noqa: SLF001
    assert markdown.printable(sample) == by_category == "a bc d\u00a0ef.g h i j"
