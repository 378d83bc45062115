"""Labelled fields on a page: a value beside the word or icon that says what it is. Pure.

Private to ``lookup.web``. Per-person pages write their facts as label and value rather than
in sentences: a table row whose first cell is the label (``<th><em>email</em></th><th>…</th>``),
a ``<dl>``, a line "Email: …" or "Abteilung: …", an icon before the value (``<i class="fa
fa-envelope">``). ``page_fields`` reads them into one value per kind (email, title, team,
location). A kind the page labels twice with different values (a listing of several
people, each with a "Title:" row) is nobody's in particular and is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from selectolax.lexbor import LexborHTMLParser, LexborNode

from lookup.text import fold
from lookup.web._words import fold_space

__all__ = ["FIELD_LABELS", "FIELD_ICONS", "label_kind", "page_fields"]

# Label words by kind, in the languages company sites are written in (whole label, folded).
FIELD_LABELS: tuple[tuple[str, str], ...] = (
    ("email", "email|e-mail|e mail|mail|mail address|email address|courriel|correo|"
              "correo electronico|e-post|epost|posta"),
    ("title", "title|job title|position|role|function|funktion|functie|fonction|poste|cargo|"
              "puesto|ruolo|stelle|job"),
    ("team", "team|department|dept|division|unit|group|abteilung|bereich|afdeling|dienst|"
             "departement|service|departamento|area|reparto|research group|lab"),
    ("location", "location|office|based in|city|site|standort|ort|buro|locatie|vestiging|"
                 "kantoor|lieu|bureau|ville|ubicacion|oficina|sede|citta"),
)
# Icon classes by kind (Font Awesome, Bootstrap Icons, theme icon fonts).
FIELD_ICONS: tuple[tuple[str, str], ...] = (
    ("email", r"envelope|(?:^|[\s_-])e?-?mail(?:$|[\s_-])|\bat\b"),
    ("location", r"map-marker|map-pin|location|marker|place"),
    ("title", r"briefcase|id-badge|user-tie|suitcase"),
    ("team", r"users|sitemap|building|people-group"),
)
_LABELS = {kind: frozenset(labels.split("|")) for kind, labels in FIELD_LABELS}
_ICONS = tuple((kind, re.compile(pattern, re.I)) for kind, pattern in FIELD_ICONS)
_LINE = re.compile(r"^\s*(?P<label>[^\W\d][\w .-]{0,28}?)\s*[:：]\s*(?P<value>\S.{0,150})$")
MAX_VALUE = 150


def label_kind(label: str) -> str | None:
    """Which kind a label names ("E-Mail:" -> email, "Abteilung" -> team), or None."""
    key = " ".join(re.sub(r"[^a-z -]+", " ", fold(label)).split())
    for kind, labels in _LABELS.items():
        if key in labels or key.replace("-", " ") in labels:
            return kind
    return None


def page_fields(tree: LexborHTMLParser, lines: Sequence[str]) -> dict[str, str]:
    """One value per kind the page labels once (email, title, team, location)."""
    seen: dict[str, set[str]] = {}
    for kind, value in _pairs(tree, lines):
        value = fold_space(value)
        if value and len(value) <= MAX_VALUE:
            seen.setdefault(kind, set()).add(value)
    return {kind: values.pop() for kind, values in seen.items() if len(values) == 1}


def _text(node: LexborNode) -> str:
    return fold_space(node.text(deep=True))


def _pairs(tree: LexborHTMLParser, lines: Sequence[str]) -> Iterator[tuple[str, str]]:
    for row in tree.css("tr")[:400]:
        cells = row.css("th,td")
        if len(cells) == 2 and (kind := label_kind(_text(cells[0]).rstrip(":"))):
            yield kind, _text(cells[1])
    for term in tree.css("dt")[:200]:
        value = term.next
        while value is not None and not value.is_element_node:
            value = value.next
        if value is not None and value.tag == "dd" and (kind := label_kind(_text(term).rstrip(":"))):
            yield kind, _text(value)
    for line in lines[:3000]:
        if len(line) <= 180 and (m := _LINE.match(line)) and (kind := label_kind(m["label"])):
            yield kind, m["value"]
    yield from _icon_pairs(tree)
    yield from _class_fields(tree)


# A CMS field named by its class, with no label shown: Drupal's "field--name-field-job-title",
# "views-field-field-position", WordPress profile plugins' "profile-field-department".
_FIELD_CLASS = re.compile(r"(?:^|\s)(?:views-)?field[\w-]*?[-_](?:job[-_]?)?(?P<what>title|position|"
                          r"role|function|department|unit|division|location|office|city)\b", re.I)
_CLASS_KIND = {"title": "title", "position": "title", "role": "title", "function": "title",
               "department": "team", "unit": "team", "division": "team", "location": "location",
               "office": "location", "city": "location"}


def _class_fields(tree: LexborHTMLParser) -> Iterator[tuple[str, str]]:
    for node in tree.css('[class*="field"]')[:600]:
        m = _FIELD_CLASS.search(node.attributes.get("class") or "")
        if m and not node.css_first('[class*="field"] [class*="field-label"], .field__label'):
            yield _CLASS_KIND[m["what"].lower()], _text(node)


def _icon_pairs(tree: LexborHTMLParser) -> Iterator[tuple[str, str]]:
    """An icon element with no text of its own, and the text beside it (same parent, or the
    next cell)."""
    for icon in tree.css("i[class], span[class], svg[class]")[:600]:
        if _text(icon):
            continue
        kind = next((k for k, rx in _ICONS if rx.search(icon.attributes.get("class") or "")), None)
        if kind is None:
            continue
        holder = icon.parent
        value = _text(holder) if holder is not None else ""
        if not value and holder is not None and holder.tag in ("td", "th"):
            sibling = holder.next
            while sibling is not None and not sibling.is_element_node:
                sibling = sibling.next
            value = _text(sibling) if sibling is not None else ""
        if value and holder is not None and holder.tag != "a":
            yield kind, value
