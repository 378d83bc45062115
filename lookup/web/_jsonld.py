"""People in a page's JSON-LD (schema.org ``Person``), and walking JSON-LD objects. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from lookup.web._person import Person
from lookup.web._words import fold_space

__all__ = ["jsonld_people", "jsonld_types", "walk_jsonld"]



def jsonld_types(obj: dict) -> set[str]:
    """The schema.org types of a JSON-LD object, without their URL prefix."""
    kind = obj.get("@type", ())
    kinds = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else []
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def walk_jsonld(objs: Sequence, depth: int = 0) -> Iterator[dict]:
    """Every JSON-LD object, nested ones included (authors, performers, employers)."""
    if depth > 6:
        return
    for obj in objs:
        if isinstance(obj, dict):
            yield obj
            for value in obj.values():
                if isinstance(value, dict | list):
                    yield from walk_jsonld(value if isinstance(value, list) else [value],
                                           depth + 1)


def _text(value: object) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        value = value.get("name")
    return fold_space(value) if isinstance(value, str) and value.strip() else None


def jsonld_people(jsonld: Sequence[dict]) -> Iterator[Person]:
    authors = {id(a) for obj in walk_jsonld(jsonld) for key in ("author", "creator")
               for a in (obj.get(key) if isinstance(obj.get(key), list) else [obj.get(key)])
               if isinstance(a, dict)}
    for obj in walk_jsonld(jsonld):
        name = _text(obj.get("name"))
        if "Person" not in jsonld_types(obj) or not name or len(name.split()) < 2:
            continue
        title = _text(obj.get("jobTitle"))
        org = _text(obj.get("worksFor") or obj.get("affiliation"))
        email = _text(obj.get("email"))
        url = _text(obj.get("url")) or _text(obj.get("sameAs"))
        context = ", ".join(p for p in (name, title, org) if p)
        how = "byline" if id(obj) in authors else "jsonld"
        yield Person(name, title, context, how,
                     email.lower().removeprefix("mailto:") if email else None, url)
