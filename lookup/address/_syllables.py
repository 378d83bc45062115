"""Does a word read as a romanised East Asian given name? Pure.

Names from family-first cultures are written in either order in Latin script ("Guo
Minrui", "Minrui Guo"). When one word is a common family name and the other reads as
syllables of pinyin, romaji or Revised Romanisation ("min-rui", "to-mo-yu-ki",
"ji-hoon"), the order is known whichever way it was written (``lookup.address.names``).
"""

from __future__ import annotations

import re

__all__ = ["is_syllabic"]

# A romanised Chinese, Japanese or Korean syllable: an onset, one to three vowels, a final
# n or ng. Every syllable after the first has its onset ("min-rui", "to-mo-yu-ki"), which
# keeps the match linear; Western given names mostly fail on a cluster ("tr", "ph", "rl").
_SYLLABLE_ONSET = r"(?:zh|ch|sh|ts|[bpmfdtnlgkhjqxrzcsyw])y?"
_SYLLABIC = re.compile(rf"(?:{_SYLLABLE_ONSET}|y)?[aeiouv]{{1,3}}(?:ng|n)?"
                       rf"(?:{_SYLLABLE_ONSET}[aeiouv]{{1,3}}(?:ng|n)?)*")
_MAX_SYLLABIC = 16  # letters; longer words are not read as given names of this kind


def is_syllabic(word: str) -> bool:
    """True when ``word`` (folded) reads as romanised East Asian syllables ("minrui",
    "tomoyuki", "jihoon"), as the given names of family-first cultures do."""
    return 0 < len(word) <= _MAX_SYLLABIC and bool(_SYLLABIC.fullmatch(word))
