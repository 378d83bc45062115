"""Is this text a person's name, or a job title? Word-level tests for reading pages. Pure.

Private to ``lookup.web``. A "name" must look like a person's name (two to
four capitalised words, none of them a common word or a job word), so that
navigation text ("Contact Us", "Read More") and headlines stay out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lookup.text import fold, inert

__all__ = [
    "HONORIFICS",
    "NAME_RUN",
    "PARTICLES",
    "STOPWORDS",
    "SUFFIXES",
    "TITLE_WORDS",
    "clean_title",
    "consistent",
    "field_title",
    "fold_space",
    "is_title",
    "looks_like_name",
    "names_in",
]

_SPACE = re.compile(r"\s+")
PARTICLES = frozenset("van von de der den da das dos du del della di la le bin ibn al ten ter "
                      "y e st".split())
HONORIFICS = frozenset("dr dr. prof prof. mr mr. ms ms. mrs mrs. mx mx. sir dame".split())
SUFFIXES = frozenset("jr jr. sr sr. ii iii iv phd ph.d. md mba esq esq.".split())
# Capitalised words that are not parts of names: navigation, headings, places, org words.
# (Jan, Jun and Mar are given names as often as months: "Jan Erik Brandt", "Mar Soler".)
STOPWORDS = frozenset("""
a about access accessibility account all an and any app apply april are as at august back
based best blog board book by call careers case center centre city click co college community
company contact contents cookie cookies copyright corporate customer customers data day december
demo department details digital directions directory donate download email english engineering
events explore faq february features find follow for friday from get global group guide help
here home how in inc info insights international investors is it january join july june keep
latest learn leadership legal limited llc llp ltd main manage march may me media meet menu
monday more my national network new news newsletter next no north not november now october of
office on online open or our out overview page partners people platform please policy posted
press previous pricing privacy product products program programme projects read register
related reserved resources results rights road saturday science search see september services
share show sign site sitemap skip solutions south spring start states street subscribe summer
sunday support team teams terms the this thursday to today top tuesday twitter university up
us use view vision we wednesday west east welcome what when where who why with winter work you
your analytics systems technologies technology labs solutions software consulting capital
ventures partners holdings foundation institute association society conference summit meetup
festival room hall street avenue lane united kingdom america europe african asia world
feb apr jul aug sep sept oct nov dec mon tue wed thu fri sat sun januar februar
märz juni juli oktober dezember author autor autorin authors archives updated editor editors
sponsored desk redaktion themes links navigation social image header footer comments comment
jobs woche week reply antworten veröffentlicht analyse von par por door und der die das mit
für was wie nach
neue neues über unter ihr wir sie du er es ein eine einer zum zur bei aus auf dem den des im am
""".split())
# Letters that may be followed by a capital inside one name: McDonald, MacKenzie, DeShawn, O'Neil.
_CAMEL_OK = re.compile(
    r"^(?:Mc|Mac|O['’]|D['’]|De|Di|Da|La|Le|Van|Von|St)?[^\W\d_][^\W\dA-ZÀ-ÖØ-ÞĀ-Ž_]*$"
)
# Words that make a phrase a job title (matched as whole words, case-insensitively).
TITLE_WORDS = re.compile(
    r"\b(?:engineer(?:ing)?|developer|programmer|manager|director|head|lead|leader|chief|officer|"
    r"president|vp|svp|evp|founder|co-?founder|partner|scientist|analyst|designer|architect|"
    r"consultant|specialist|coordinator|recruiter|editor|writer|journalist|reporter|researcher|"
    r"professor|lecturer|principal|staff|senior|junior|associate|intern|advisor|adviser|counsel|"
    r"attorney|lawyer|solicitor|owner|administrator|ceo|cto|cfo|coo|cmo|cio|ciso|cpo|cro|chair|"
    r"chairman|chairwoman|chairperson|secretary|treasurer|evangelist|advocate|strategist|producer|"
    r"accountant|technician|executive|supervisor|assistant|sre|devops|representative|fellow|"
    r"trustee|curator|librarian|teacher|physician|nurse|manager|marketing|operations|product|"
    r"sales|recruiting|people|talent|communications|success|"
    # teaching, research and training ("PhD Student in Network Security", "Trainer (MCT)")
    r"student|phd|doctoral|postdoc|post-?doctoral|candidate|trainer|coach|instructor|tutor|"
    r"facilitator|copywriter|translator|speaker|master|mentor|ambassador|"
    # the same jobs in the languages company sites are written in (de, nl, fr, es, it):
    # board cards ("Ondervoorzitter", "Secretaris"), German cards ("Prokura | Buchhaltung")
    r"gesch[aä]ftsf[uü]hr\w*|prokura|prokurist(?:in)?|inhaber(?:in)?|gr[uü]nder(?:in)?|"
    r"mitgr[uü]nder(?:in)?|vorstand|vorsitzende[rn]?|sachbearbeit\w*|buchhaltung|"
    r"personalwesen|disposition|disponent(?:in)?|assistenz|"
    r"\w*(?:leiter|leiterin|leitung|referent|referentin|berater|beraterin|entwickler|"
    r"entwicklerin|ingenieur|ingenieurin|managerin)|"
    r"voorzitter|ondervoorzitter|secretaris|penningmeester|bestuurder|bestuurslid|"
    r"zaakvoerder|directeur|directrice|medewerker|co[oö]rdinator|verantwoordelijke|"
    r"responsable|fondat(?:eur|rice)|cofondat(?:eur|rice)|co-fondat(?:eur|rice)|associ[eé]e?|"
    r"g[eé]rante?|charg[eé]e?|pr[eé]sidente?|secr[eé]taire|tr[eé]sori[eè]re?|"
    r"directora?|gerente|jefe|jefa|fundador(?:a)?|cofundador(?:a)?|socio|socia|presidenta?|"
    r"secretari[oa]|tesorer[oa]|direttore|direttrice|responsabile|fondatore|fondatrice|"
    r"ricercat(?:ore|rice)|dottorand[oa]|professore|professoressa)\b",
    re.I,
)
_CUT_TITLE = re.compile(
    r"\s*(?:[·•|—–()]|\s-\s|,\s|:\s|\s(?:at|@|in|on the|for)\s|;|\.\s|\.$"
    # a vCard link's text run on after the title ("Partner Download vCard")
    r"|\s(?i:(?:download\s+)?v-?card|add to (?:contacts|address book))\b)\s*"
)
_DETERMINER = re.compile(r"^(?:(?:the|a|an|our|its|their|his|her)\s+)?(?:\S+['’]s\s+)?", re.I)
_CAP = r"[A-ZÀ-ÖØ-ÞĀ-Ž](?:\.|[\w'’-]*)"
_PART = "|".join(sorted(PARTICLES))
NAME_RUN = re.compile(
    rf"(?<![\w'’-]){_CAP}(?:[ \t](?:(?:{_PART})[ \t])*{_CAP}){{1,4}}(?![\w'’-])"
)
_BAD_TITLE_START = re.compile(r"^(?:whose|who|which|that|and|or|but|is|was|has|had|will|with|"
                              r"when|where|while|as|so|if)\b", re.I)

def fold_space(text: str) -> str:
    """Collapse runs of whitespace (and non-breaking spaces) into one space; drop escapes,
    control, bidi and zero-width characters (text from the web is stored inert)."""
    return _SPACE.sub(" ", inert(text).replace("\xa0", " ")).strip()


def _name_token(word: str, last: bool) -> bool:
    core = word.strip("'’")
    if not core or not core[0].isupper():
        return False
    if len(core) == 1 or (len(core) == 2 and core.endswith(".")):
        return not last  # an initial, never the family name
    letters = core.replace("-", "").replace("'", "").replace("’", "").rstrip(".")
    if not letters.isalpha() or (letters.isupper() and len(letters) <= 3):
        return False
    if not letters.isupper() and not all(_CAMEL_OK.match(p) for p in re.split(r"-", core) if p):
        return False  # "YorkMarch": two words run together
    return fold(letters) not in STOPWORDS and not TITLE_WORDS.fullmatch(letters) \
        and not TITLE_WORDS.fullmatch(letters.removesuffix("s"))


def looks_like_name(text: str) -> bool:
    """True for text shaped like a person's name: 2-4 capitalised words, no common words."""
    words = text.split()
    if not 2 <= len(words) <= 7 or len(text) > 60 or any(c.isdigit() for c in text):
        return False
    while words and words[0].lower() in HONORIFICS:
        words = words[1:]
    while words and words[-1].lower().strip(",") in SUFFIXES:
        words = words[:-1]
    core = [w for w in words if w not in PARTICLES]
    if not 2 <= len(core) <= 4 or words[0] in PARTICLES:
        return False
    if len({fold(w) for w in core}) < len(core):
        return False  # "Jane Roe Jane Roe": a name written twice
    return all(_name_token(w, i == len(core) - 1) for i, w in enumerate(core))


def is_title(text: str) -> bool:
    """True for text shaped like a job title ("Director of Data Platform")."""
    return 2 < len(text) <= 100 and len(text.split()) <= 12 and bool(TITLE_WORDS.search(text)) \
        and "@" not in text and not looks_like_name(text)


def clean_title(text: str) -> str | None:
    """The job title at the start of a phrase, cut before a company, place or separator.

    A bare rank followed by a comma keeps what its comma introduces when that is a
    function or a region ("VP, Marketing", "Director, Customer Success", "General
    Manager, Overseas Sales"), and any title keeps a second role ("Solution Architect,
    Speaker at Acme"); "Director of Sales, Acme Corp" still ends at the comma.
    """
    text = fold_space(text)
    cut = _CUT_TITLE.search(text)
    head = (text[: cut.start()] if cut else text).strip(" ,.:;-")
    head = _DETERMINER.sub("", head)
    if cut and cut.group(0).strip() == "," and (_BARE_RANK.match(head) or is_title(head)):
        rest = text[cut.end():]
        end = _CUT_TITLE.search(rest)
        more = (rest[: end.start()] if end else rest).strip(" ,.:;-")
        if (_BARE_RANK.match(head) and _continues(more)) or _second_role(more):
            head = f"{head}, {more}"
    return head if is_title(head) and not _BAD_TITLE_START.match(head) else None


# A rank that says nothing of what its holder does: the comma after it usually says it.
_BARE_RANK = re.compile(
    r"^(?:(?:senior|executive|associate|assistant|deputy|global|regional|group|general|"
    r"managing|interim|acting|area|country|first)\s+)*(?:vice\s+president|president|vp|svp|"
    r"evp|avp|director|head|manager|lead|leader|chief|officer|partner|principal|counsel|"
    r"consultant|specialist|engineer|architect|analyst|coordinator|administrator|"
    r"representative|advisor|adviser)$",
    re.I,
)
# Functions and regions a comma after a bare rank introduces ("VP, EMEA Sales").
_FUNCTION = re.compile(
    r"\b(?:finance|financial|legal|hr|human resources|research|data|platform|infrastructure|"
    r"security|partnerships?|business development|strategy|strategic|design|customers?|"
    r"clinical|it|growth|revenue|brand|supply chain|procurement|"
    r"quality|compliance|risk|investor relations|public affairs|policy|support|"
    r"programs?|programmes?|education(?:al)?|academic|affairs|admissions|outreach|training|"
    r"learning|development|services|technology|relations|administration|curriculum|"
    r"alumni|advancement|enrollment|operations|communications|engineering|"
    r"emea|apac|americas|north america|latin america|latam|europe|dach|nordics|benelux|"
    r"overseas|international|global|asia|africa|middle east|uk|us|worldwide)\b",
    re.I,
)
_LEGAL_FORM = re.compile(r"\b(?:inc|ltd|llc|llp|gmbh|ag|plc|corp|s\.?a|b\.?v|co)\b\.?", re.I)


def _continues(segment: str) -> bool:
    """True when ``segment`` reads as the function or region of the rank before its comma."""
    words = segment.split()
    return (0 < len(words) <= 6 and len(segment) <= 60 and segment[:1].isupper()
            and not _LEGAL_FORM.search(segment)
            and bool(TITLE_WORDS.search(segment) or _FUNCTION.search(segment)))


# Where a field holding a title stops: an organisation after "@" or " at ", a second
# element run into the same text (a sentence, a phone number), a heading's anchor mark.
_FIELD_END = re.compile(r"\s*(?:\s@\s*|@\s|\sat\s|;\s|\.\s+[A-Z]|\s[-–—·•]\s|\s*\((?![A-Z0-9&./ -]{2,12}\)))")
_FIELD_SPLIT = re.compile(r"\s*(?:,|\s\|)\s+")
_ANCHOR_MARKS = " #¶§🔗"
_PHONE = re.compile(r"\d[\d ()/.-]{5,}\d")


def field_title(text: str, *, trusted: bool = False) -> str | None:
    """The job title an element given to it holds, read whole, or None.

    A card's role line, the heading under a name, a title column or a labelled "Position:"
    field holds the title and nothing else, so it is not cut at "for", "in" or "|" as a
    sentence is: "Director for Japan and Korea Relationships", "PhD Student in Network
    Security @ University of Alderbrook" (the organisation after "@" goes), "Prokura |
    Buchhaltung | Einkauf" and "Cloud Consultant, Trainer (MCT)" (several roles) stay
    whole. A comma still ends it before a company or a place ("Director, Acme Inc.",
    "Managing Director, Hamburg"). ``trusted``: the element is marked as a title (a class or
    itemprop saying so), so a role in a word our lists lack ("Ondervoorzitter") counts.
    """
    text = fold_space(text).strip(_ANCHOR_MARKS)
    cut = _FIELD_END.search(text)
    text = (text[: cut.start()] if cut else text).strip(" ,.:;-–—|")
    text = _DETERMINER.sub("", text) if _DETERMINER.match(text).group(0).strip() else text
    parts = _FIELD_SPLIT.split(text)
    kept = [parts[0]]
    for part in parts[1:]:
        joined = text[text.index(part, len(kept[-1])) - 3: text.index(part, len(kept[-1]))]
        if "|" in joined or _another_role(part) or (_BARE_RANK.match(kept[-1].split(", ")[-1])
                                                    and _continues(part)):
            kept.append(part)
        else:
            break
    head = _join_roles(text, kept)
    if not head or _PHONE.search(head) or "@" in head or len(head) > 100 \
            or len(head.split()) > 12 or looks_like_name(head) or _BAD_TITLE_START.match(head):
        return None
    if TITLE_WORDS.search(head):
        return head
    return head if trusted and _role_words(head) else None


def _another_role(segment: str) -> bool:
    """True for a second role after a comma: "Trainer (MCT)", "Research Associate"."""
    words = segment.split()
    return 0 < len(words) <= 6 and segment[:1].isupper() and bool(TITLE_WORDS.search(segment)) \
        and not _LEGAL_FORM.search(segment)


# Words that end a title as its area, not as a role of its own ("Head of Data, Marketing").
_AREAS = frozenset("engineering marketing operations product sales recruiting people talent "
                   "communications success staff senior junior".split())


def _second_role(segment: str) -> bool:
    """True for a role of its own after a title's comma, ending in a role noun ("Speaker",
    "Scrum Master"): a person holding two roles, written in prose as on a card."""
    last = segment.split()[-1] if segment.split() else ""
    return _another_role(segment) and bool(TITLE_WORDS.fullmatch(last)) \
        and last.lower() not in _AREAS


def _join_roles(text: str, kept: list[str]) -> str:
    """The kept parts with the separators the text wrote between them."""
    if len(kept) == 1:
        return kept[0].strip()
    end = text.index(kept[-1], sum(len(k) for k in kept[:-1])) + len(kept[-1])
    return text[:end].strip()


def _role_words(text: str) -> bool:
    """Up to six words, each capitalised or a short joining word, no sentence: a role in a
    language our title words miss ("Ondervoorzitter", "Ledenadministratie")."""
    words = [w for w in re.split(r"\s*[|/&+]\s*|\s+", text) if w]
    return 0 < len(words) <= 6 and words[0][:1].isupper() and not text.endswith(".") and \
        all(w[:1].isupper() or len(w) <= 4 or w in {"und", "and", "en", "et"} for w in words)


def names_in(text: str) -> Iterator[tuple[int, str]]:
    """(position, name) for every name-shaped run of words in ``text``."""
    for m in NAME_RUN.finditer(text):
        words = m.group(0).split()
        start = m.start()
        while len(words) > 2 and not looks_like_name(" ".join(words)):
            start += len(words[0]) + 1
            words = words[1:]
        candidate = " ".join(words).rstrip(".")
        if looks_like_name(candidate):
            yield start, candidate


# Letters that addresses also write expanded (Jäger -> jaeger, Søren -> soeren).
_EXPANDED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ø": "oe", "å": "aa",
                           "æ": "ae", "œ": "oe"})
# Letters that do not decompose into a base letter: addresses write Ørjan as orjan, Sæther as
# saether, Łukasz as lukasz (the plain spelling; _EXPANDED gives the other one).
_PLAIN = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d",
                        "þ": "th", "ı": "i"})


def consistent(address: str, name: str) -> bool:
    """True when the local part plausibly spells the name (a name part or the initials).

    Either spelling of an umlaut counts: t.jaeger@ spells Till Jäger as t.jager@ would.
    """
    raw = fold(address.split("@", 1)[0])
    local = re.sub(r"[^a-z]", "", raw)
    tokens = {t for t in re.split(r"[^a-z]+", raw) if t}
    # particles ("van", "de") say nothing on their own: "daan_vanderberg" is not Pieter van Dijk
    words = [w for w in name.split() if w.lower() not in HONORIFICS and w.lower() not in PARTICLES]
    for spelled in ([fold(w.lower().translate(_PLAIN)) for w in words],
                    [fold(w.lower().translate(_EXPANDED)) for w in words]):
        parts = [p for p in (re.sub(r"[^a-z]", "", w) for w in spelled) if p]
        if local and parts and _spells(local, tokens, parts):
            return True
    return False


def _spells(local: str, tokens: set[str], parts: list[str]) -> bool:
    """A name part (3+ letters) is a token of the local part, or begins or ends it
    (jdoe, johnd, doe.j), or the local part is the initials; "ben" inside "norabennett" is not."""
    initials = "".join(p[0] for p in parts)
    whole = any(len(p) >= 3 and (p in tokens or local.startswith(p) or local.endswith(p))
                for p in parts)
    return whole or local in (initials, initials[::-1]) \
        or (len(parts[0]) >= 3 and local.startswith(parts[0][:3]) and local[-1] == parts[-1][0])
