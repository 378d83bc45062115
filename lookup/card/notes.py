"""The candidate's notes -> the personal line of the draft, by rules. Pure.

No fact is invented: the line is the candidate's own words behind a short
frame ("I especially enjoyed discussing …"), with the pronouns that point at
the interviewer or their company turned towards the reader ("their batch
jobs" -> "your batch jobs") where that is safe. Where a rule cannot apply
safely — another person or company named before the pronoun, "she" followed
by a word that is not a known verb form, two people of different pronouns —
the words stay exactly as written. "I", "my", "we" and "our" (the candidate,
or the candidate and the interviewer) never change.

The frames are data (``FRAMES``, one table per language); the sentences they
lead to live in the draft phrasebook (``config/templates/draft.<lang>.toml``).
German notes are framed but their pronouns are left alone: "ihr" is "her",
"their" and "your" at once, and every German noun is capitalised, so the
antecedent cannot be told safely.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lookup.card.markdown import clean_text

__all__ = ["FRAMES", "MAX_TOPIC", "NoteLine", "items_for", "note_items", "rephrase"]

MAX_TOPIC = 300


@dataclass(frozen=True, slots=True)
class NoteLine:
    """One note, ready for the draft: the phrasebook key, the words after the frame."""

    kind: str  # a key of [personal] in the phrasebook; "as_written" when no frame applied
    topic: str  # the candidate's words (pronouns shifted when ``shifted``)
    original: str  # the note as written
    shifted: bool = False  # pronouns were turned towards the reader
    cut: bool = False  # the note was longer than MAX_TOPIC and was cut at a word


_SUBJECT = r"(?:she|he|they|{name})"
# (pattern, kind): tried in order against the start of a note, case-insensitively. A pattern
# with a named group "topic" takes it from there (German puts the verb last); otherwise the
# topic is everything after the match.
FRAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        (r"(?:we|i)\s+(?:discussed|covered|went over|went through|explored|dug into|got into)\s+",
         "discussing"),
        (r"(?:we|i)\s+(?:talked|spoke|chatted)\s+(?:(?:a lot|mostly|mainly|at length)\s+)?"
         r"about\s+", "talking"),
        (r"(?:we|i)\s+had\s+an?\s+(?:[\w-]+\s+){0,2}?(?:discussion|conversation|chat|talk)\s+"
         r"(?:about|on)\s+", "talking"),
        (r"(?:discussed|covered|went over|went through|explored)\s+", "discussing"),
        (r"(?:talked|spoke|chatted)\s+about\s+", "talking"),
        (r"(?:an?\s+|the\s+)?(?:(?:good|great|long|interesting)\s+)?(?:discussion|conversation|chat)"
         r"\s+(?:about|on)\s+", "talking"),
        (rf"(?:{_SUBJECT}\s+)?(?:explained|described)\s+(?:to me\s+)?", "explaining"),
        (rf"(?:{_SUBJECT}\s+)?walked me through\s+", "walking"),
        (rf"(?:{_SUBJECT}\s+)?(?:told me|talked|spoke)\s+about\s+", "telling"),
        (rf"(?:{_SUBJECT}\s+)?(?:showed me|demoed|presented)\s+", "showing"),
        (rf"(?:{_SUBJECT}\s+)?asked\s+(?:me\s+)?(?:about\s+)?", "questions"),
        (r"(?:i\s+)?learned(?:\s+a lot)?\s+about\s+", "learning"),
    ),
    "de": (
        (r"wir haben (?:uns\s+)?(?:viel\s+|lange\s+|ausführlich\s+)?über\s+(?P<topic>.+?)\s+"
         r"(?:gesprochen|geredet|unterhalten|diskutiert)$", "talking"),
        (r"wir haben\s+(?P<topic>.+?)\s+(?:besprochen|diskutiert)$", "discussing"),
        (r"(?:ein\s+)?(?:gespräch|austausch|diskussion)\s+über\s+", "talking"),
        (r"(?:sie|er|{name})\s+hat\s+(?:mir\s+)?(?P<topic>.+?)\s+erklärt$", "explaining"),
        (r"(?:sie|er|{name})\s+hat\s+(?:mich\s+)?nach\s+(?P<topic>.+?)\s+gefragt$", "questions"),
    ),
}

# Topics a frame would misread: "asked me to send…" is a request, not a question about it.
_NOT_A_TOPIC = {"questions": re.compile(r"^(?:me|to|for|if|whether|him|her|them|us)\b", re.I)}
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])|;\s*")
_TOKEN = re.compile(r"\w+(?:['’]\w+)?|[^\w\s]|\s+")


def note_items(notes: str | None) -> list[str]:
    """The notes as separate points: one per line, bullet or sentence, without end marks."""
    items: list[str] = []
    for line in (notes or "").splitlines():
        line = _BULLET.sub("", line)
        for sentence in _SENTENCE.split(line):
            text = clean_text(sentence).strip(" .;:!,")
            if text:
                items.append(text)
    return items


def _given(name: str) -> str:
    words = [w for w in name.split() if w.strip(".").lower() not in _TITLE_WORDS]
    return words[0] if words else name


_TITLE_WORDS = {"dr", "prof", "mr", "ms", "mrs", "mx", "miss", "herr", "frau"}


def _owner(item: str, panel: Sequence[str]) -> tuple[str | None, str]:
    """Which panelist a note is about ("Lee: …", "With Lee Park, …"), and the note without it."""
    for person in panel:
        for label in (person, _given(person)):
            prefix = re.match(rf"(?:with\s+)?{re.escape(label)}\s*[:,–—-]\s*", item, re.I)
            if prefix:
                return person, item[prefix.end():]
            if re.match(rf"{re.escape(label)}\b(?!['’]s)", item, re.I):
                return person, item
    return None, item


def items_for(items: Sequence[str], name: str, panel: Sequence[str]) -> list[str]:
    """The notes for ``name``: those about them first, then the shared ones, rotated by their
    place on the panel so two panelists do not get the same point first."""
    if not panel or name not in panel:
        return list(items)
    mine: list[str] = []
    shared: list[str] = []
    for item in items:
        owner, rest = _owner(item, panel)
        if owner == name and rest:
            mine.append(rest)
        elif owner is None:
            shared.append(item)
    if shared:
        turn = panel.index(name) % len(shared)
        shared = shared[turn:] + shared[:turn]
    return mine + shared


def rephrase(item: str, *, language: str, name: str, company: str = "") -> NoteLine:
    """One note as a frame key and the words that follow it (see the module docstring)."""
    text, cut = _capped(clean_text(item).strip(" .;:!,"))
    names = _name_forms(name)
    name_pattern = "|".join(re.escape(n) for n in names) or "(?!)"
    for pattern, kind in FRAMES.get(language, ()):
        match = re.match(pattern.replace("{name}", name_pattern), text, re.I)
        if match is None:
            continue
        topic = (match.group("topic") if "topic" in match.groupdict() else text[match.end():])
        topic = topic.strip(" ,;:")
        guard = _NOT_A_TOPIC.get(kind)
        if len(topic) < 2 or (guard is not None and guard.match(topic)):
            continue
        shifted = False
        if language == "en":
            turned = _shift(topic, names=names, company=company)
            shifted, topic = turned is not None and turned != topic, turned or topic
        return NoteLine(kind, _lower_first(topic), item, shifted, cut)
    return NoteLine("as_written", text, item, False, cut)


def _capped(text: str) -> tuple[str, bool]:
    if len(text) <= MAX_TOPIC:
        return text, False
    return text[:MAX_TOPIC].rsplit(" ", 1)[0].rstrip(" ,;:") + "…", True


def _lower_first(topic: str) -> str:
    """ "The on-call rotation" -> "the on-call rotation"; names and acronyms keep their case."""
    first = topic.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower() and first.lower() in _LOWERABLE:
        return topic[0].lower() + topic[1:]
    return topic


_LOWERABLE = {
    "the", "a", "an", "how", "why", "what", "when", "where", "which", "who", "whether", "their",
    "your", "my", "our", "his", "her", "its", "some", "migrating", "moving", "building",
    "running", "scaling", "hiring", "working", "using", "designing", "testing", "on-call",
    "this", "that", "these", "those", "ways", "plans", "lessons",
}


def _name_forms(name: str) -> list[str]:
    words = [w for w in name.split() if w.strip(".").lower() not in _TITLE_WORDS]
    forms = [" ".join(words)] if words else []
    if len(words) > 1:
        forms += [words[0], words[-1]]
    return [f for f in dict.fromkeys(forms) if f]


# -- turning pronouns towards the reader (English) -------------------------------

_POSSESSIVE = {"their": "your", "theirs": "yours", "hers": "yours"}
_OBJECT = {"them": "you", "him": "you", "themselves": "yourselves", "himself": "yourself",
           "herself": "yourself"}
_SUBJECTS = {"she", "he", "they"}
_THEY = {"they're": "you're", "they've": "you've", "they'd": "you'd", "they'll": "you'll"}
_FEMININE = {"she", "her", "hers", "herself"}
_MASCULINE = {"he", "his", "him", "himself"}
# After "her"/"his", these words mean the pronoun is an object or stands alone.
_NOT_A_NOUN_NEXT = {
    "about", "for", "to", "and", "or", "but", "that", "if", "how", "what", "why", "when",
    "where", "with", "on", "in", "at", "from", "a", "an", "the", "some", "any", "this", "those",
    "these", "my", "our", "your", "it", "up", "out", "over", "back", "again", "as", "than", "so",
    "too", "by", "into", "through", "is", "was", "were", "are",
}
# Plural people or organisations "their" may point back to: a pronoun after one stays.
_PLURAL_ANTECEDENTS = {
    "customers", "users", "clients", "engineers", "developers", "colleagues", "partners",
    "stakeholders", "people", "candidates", "managers", "teams", "companies", "utilities",
    "vendors", "analysts", "operators", "students", "folks", "others", "members", "interns",
    "recruiters", "founders", "investors", "competitors", "suppliers", "contractors",
}
_BE = {"is": "are", "was": "were", "isn't": "aren't", "wasn't": "weren't", "has": "have",
       "hasn't": "haven't", "does": "do", "doesn't": "don't"}
_UNCHANGED = {
    "will", "would", "can", "could", "should", "might", "must", "may", "had", "did", "didn't",
    "won't", "wouldn't", "can't", "couldn't", "shouldn't", "hadn't",
    "said", "told", "built", "led", "ran", "made", "went", "took", "gave", "wrote", "spoke",
    "saw", "thought", "knew", "grew", "began", "brought", "found", "got", "kept", "left", "lost",
    "meant", "met", "paid", "put", "set", "sent", "spent", "taught", "understood", "won",
    "chose", "drove", "felt", "held", "heard", "let", "read", "became", "came", "drew", "sold",
    "shot", "shown", "do", "am",
}
_ADVERBS = {"also", "always", "often", "usually", "now", "still", "currently", "recently",
            "really", "already", "just", "mostly", "clearly", "personally", "actually", "then",
            "once", "never", "even", "both", "all", "only", "previously", "first"}
_IRREGULAR_S = {"focuses": "focus", "biases": "bias", "goes": "go"}


def _shift(topic: str, *, names: Sequence[str], company: str) -> str | None:
    """The topic with pronouns turned to "you"/"your", or None when that is not safe."""
    tokens = _TOKEN.findall(topic)
    words = [(i, t) for i, t in enumerate(tokens) if t[:1].isalnum()]
    lowered = {t.lower() for _, t in words}
    if lowered & _FEMININE and lowered & _MASCULINE:
        return None  # two people: which one is the reader cannot be told
    allowed = {w.lower() for n in (*names, company) for w in n.split()} | {"i"}
    given = {n.lower() for n in names}
    owners = given | ({company.split()[0].lower()} if company.split() else set())
    out = list(tokens)
    antecedent = False  # someone else was named first: later pronouns may be theirs
    for position, (index, token) in enumerate(words):
        low = token.lower()
        following = [t for _, t in words[position + 1:]]
        replacement = _replacement(low, following, tokens, index, given, owners)
        if replacement is False:
            return None
        if replacement is None:
            antecedent = antecedent or _is_antecedent(token, low, allowed, position)
            continue
        if antecedent:
            continue
        out[index] = _same_case(token, replacement)
        previous = words[position - 1][1].lower() if position else ""
        subject = low in _SUBJECTS or (low in given and previous not in _PREPOSITIONS)
        if subject and not _agree(out, words, position):
            return None
    return "".join(out)


_PREPOSITIONS = {"with", "to", "for", "from", "by", "about", "and", "of", "like", "than"}


def _replacement(low: str, following: list[str], tokens: list[str], index: int,
                 given: set[str], owners: set[str]) -> str | None | bool:
    """What a word becomes: a string, None to keep it, False when the shift must stop."""
    if low in _POSSESSIVE:
        return _POSSESSIVE[low]
    if low in _OBJECT:
        return _OBJECT[low]
    if low in ("her", "his"):
        nxt = following[0].lower() if following else ""
        noun_next = bool(nxt) and nxt not in _NOT_A_NOUN_NEXT and _adjacent(tokens, index)
        if low == "her":
            return "your" if noun_next else "you"
        return "your" if noun_next else "yours"
    if low in _THEY:
        return _THEY[low]
    if low in ("she's", "he's", "she’s", "he’s"):
        return False  # "is" or "has": cannot tell
    if low in _SUBJECTS:
        return "you"
    stem = re.sub(r"['’]s$", "", low)
    if stem != low and stem in owners:
        return "your"
    if low in given:
        return "you"
    return None


def _adjacent(tokens: list[str], index: int) -> bool:
    """The next token after ``index`` is a word after one space (not a comma or a full stop)."""
    return index + 2 < len(tokens) and tokens[index + 1] == " " and tokens[index + 2][:1].isalnum()


def _is_antecedent(token: str, low: str, allowed: set[str], position: int) -> bool:
    if low in _PLURAL_ANTECEDENTS:
        return True
    return token[:1].isupper() and low not in allowed and not (position == 0 and low in _LOWERABLE)


def _agree(out: list[str], words: list[tuple[int, str]], position: int) -> bool:
    """Make the verb after a subject turned into "you" agree ("she leads" -> "you lead")."""
    subject = words[position][1].lower()
    for index, token in words[position + 1:]:
        low = token.lower()
        if low in _ADVERBS:
            continue
        if subject == "they" or low in _UNCHANGED or low.endswith("ed"):
            return True
        if low in _BE:
            out[index] = _same_case(token, _BE[low])
            return True
        plain = _plain_form(low)
        if plain is None:
            return False
        out[index] = _same_case(token, plain)
        return True
    return False


def _plain_form(verb: str) -> str | None:
    """ "leads" -> "lead", "tries" -> "try", "watches" -> "watch"; None when not a verb in -s."""
    if verb in _IRREGULAR_S:
        return _IRREGULAR_S[verb]
    if not verb.isalpha() or len(verb) < 3 or not verb.endswith("s") or verb.endswith("ss"):
        return None
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if re.search(r"(?:ss|ch|sh|x|z|o)es$", verb):
        return verb[:-2]
    return verb[:-1]


def _same_case(original: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement
