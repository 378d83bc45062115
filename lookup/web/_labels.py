"""Does a domain's first label spell the company's name? Pure.

Private to ``lookup.web.company``: "exact" (brightwater for Brightwater), "prefix" (the
first word, an abbreviation, each hyphenated part one word, or the name of the
organisation the company is a unit of), or "".
"""

from __future__ import annotations

__all__ = ["UNIT_WORDS", "label_match"]


def _label_match(domain: str, key: str) -> str:
    """How the domain's first label spells the company: "exact", "prefix" or ""."""
    label = domain.split(".", 1)[0].replace("-", "")
    # "Quill & Vance" is quillvance as often as quillandvance (and "pg" for Procter & Gamble)
    words = key.split()
    spellings = [words] + ([[w for w in words if w != "and"]] if "and" in words[1:-1] else [])
    found = ""
    for parts in spellings:
        compact = "".join(parts)
        if label == compact:
            return "exact"
        if label == parts[0] or (compact.startswith(label) and len(label) >= 4) \
                or _abbreviates(label, parts):
            found = "prefix"  # "hpe" for Hewlett Packard Enterprise, "examplehs" likewise
    if not found and (_hyphen_abbreviates(domain.split(".", 1)[0], words)
                      or _names_parent(label, words)):
        found = "prefix"
    return found


# Words that are left out of a domain spelling the name: "tl-haberl" for Translogistik
# Haberl, "harborview" for the Harborview University School of Management.
_LINK_WORDS = frozenset("of and the for de des du der die das und fur di da del la le van von "
                        "y e et".split())
# Words that start an organisation's unit: what comes before them is the parent's name.
_UNIT_WORDS = frozenset("school faculty department dept institute college centre center "
                        "laboratory lab division graduate business medical law".split())


def _hyphen_abbreviates(label: str, words: list[str]) -> bool:
    """True when each hyphenated part of the label spells one word of the name, in order: the
    word itself, or its first letter and more of its letters in order ("tl" for
    "translogistik"), the short link words left out ("tl-haberl")."""
    parts = label.split("-")
    words = [w for w in words if w not in _LINK_WORDS]
    if len(parts) < 2 or len(parts) != len(words):
        return False
    return all(part == word or (len(part) >= 2 and _letters_in_order(part, word))
               for part, word in zip(parts, words, strict=True))


def _letters_in_order(short: str, word: str) -> bool:
    """True when ``short`` starts ``word`` and its other letters appear in it, in order."""
    if not short or short[0] != word[:1]:
        return False
    rest = iter(word[1:])
    return all(letter in rest for letter in short[1:])


def _names_parent(label: str, words: list[str]) -> bool:
    """True when the label spells the organisation a unit belongs to: "harborview" or "hu" for
    the Harborview University School of Management (the unit's people use its domain)."""
    cut = next((i for i, w in enumerate(words) if i and w in _UNIT_WORDS), None)
    if cut is None:
        return False
    parent = [w for w in words[:cut] if w not in _LINK_WORDS]
    return bool(parent) and (label == "".join(parent) or _abbreviates(label, parent)
                             or (len(parent) > 1 and label == parent[0]))


def _abbreviates(label: str, words: list[str]) -> bool:
    """True when ``label`` is, in order, a non-empty prefix of every word ("mgh", "acmehs")."""
    if len(words) < 2 or len(label) < 3:
        return False
    ends = {0}  # how much of the label the words so far can spell
    for word in words:
        ends = {end + cut for end in ends for cut in range(1, len(word) + 1)
                if label[end:end + cut] == word[:cut] and end + cut <= len(label)}
    return len(label) in ends


label_match = _label_match
UNIT_WORDS = _UNIT_WORDS
