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
