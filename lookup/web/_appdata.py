"""People in the data a JavaScript site ships with its page. Pure.

Sites built with Next.js send an empty ``<div id="__next">`` and the page's content as
JSON in ``<script id="__NEXT_DATA__" type="application/json">``; Nuxt 3 sends
``<script id="__NUXT_DATA__">`` in the "devalue" format (a flat array whose objects
refer to other entries by index); Gatsby, Astro and many CMS themes send other
``application/json`` blocks. A team page's people live there as objects with a
name and a role (and sometimes an address). This module reads those blocks and
yields such objects; JSON-LD objects without a ``@type`` (an ``employee`` array of
plain ``{"name", "jobTitle"}``) go through the same reader.

Nothing is executed: Nuxt 2's ``window.__NUXT__=(function(a,b){...}(...))`` is
JavaScript and is skipped. Every walk is bounded (size, depth, node count), so a
hostile page cannot trap the CPU.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from selectolax.lexbor import LexborHTMLParser

__all__ = ["MAX_JSON_CHARS", "app_data", "person_records"]

MAX_JSON_CHARS = 2_000_000  # per block; a team page's data is far smaller
MAX_BLOCKS = 20
MAX_DEPTH = 16
MAX_NODES = 50_000
NAME_KEYS = ("name", "fullName", "full_name", "displayName", "display_name", "personName")
GIVEN_KEYS = ("firstName", "first_name", "givenName", "given_name", "firstname")
FAMILY_KEYS = ("lastName", "last_name", "familyName", "family_name", "surname", "lastname")
TITLE_KEYS = ("jobTitle", "job_title", "jobtitle", "position", "role", "designation",
              "title", "function", "headline")
EMAIL_KEYS = ("email", "mail", "emailAddress", "email_address", "e_mail")
_DEVALUE_WRAPPERS = frozenset({"Reactive", "ShallowReactive", "Ref", "ShallowRef", "EmptyRef",
                               "EmptyShallowRef", "NuxtError"})


def app_data(tree: LexborHTMLParser) -> list[Any]:
    """The JSON documents the page ships for its scripts (Next.js, Nuxt 3, others)."""
    found: list[Any] = []
    for node in tree.css('script[type="application/json"], script#__NEXT_DATA__, '
                         'script#__NUXT_DATA__')[:MAX_BLOCKS]:
        raw = node.text(deep=True) or ""
        if not raw.strip() or len(raw) > MAX_JSON_CHARS:
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        if (node.attributes.get("id") or "") == "__NUXT_DATA__" and isinstance(data, list):
            data = _devalue(data)
        found.append(data)
    return found


def _devalue(table: list[Any]) -> Any:
    """Nuxt 3's flat "devalue" array turned back into nested objects (bounded)."""
    budget = [MAX_NODES]

    def resolve(index: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH or not isinstance(index, int) \
                or isinstance(index, bool) or not 0 <= index < len(table):
            return None
        value = table[index]
        if isinstance(value, dict):
            return {k: resolve(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            if value and isinstance(value[0], str) and value[0] in _DEVALUE_WRAPPERS:
                return resolve(value[1], depth + 1) if len(value) > 1 else None
            if value and isinstance(value[0], str):  # Date, Set, Map...: not people
                return None
            return [resolve(v, depth + 1) for v in value]
        return value

    return resolve(0, 0)


def _text(obj: dict, keys: Sequence[str]) -> str | None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, dict):  # {"title": {"rendered": "..."}} (WordPress REST)
            value = value.get("rendered") or value.get("name")
        if isinstance(value, str) and value.strip() and len(value) <= 200:
            return " ".join(value.split())
    return None


def _name(obj: dict) -> str | None:
    given, family = _text(obj, GIVEN_KEYS), _text(obj, FAMILY_KEYS)
    if given and family:
        return f"{given} {family}"
    return _text(obj, NAME_KEYS)


def person_records(documents: Sequence[Any]) -> Iterator[dict[str, str | None]]:
    """Objects that look like a person: a name and a role or an address (bounded walk).

    Whether the name is a person's name and the role a job title is for the caller.
    """
    budget = MAX_NODES
    stack: list[tuple[Any, int]] = [(doc, 0) for doc in reversed(documents)]
    while stack and budget > 0:
        value, depth = stack.pop()
        budget -= 1
        if depth > MAX_DEPTH:
            continue
        if isinstance(value, dict):
            name = _name(value)
            title, email = _text(value, TITLE_KEYS), _text(value, EMAIL_KEYS)
            if name and (title or email):
                yield {"name": name, "title": title, "email": email,
                       "url": _text(value, ("url", "href", "link", "profileUrl"))}
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        stack.extend((child, depth + 1) for child in reversed(children)
                     if isinstance(child, dict | list))
