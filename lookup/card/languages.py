"""The draft languages a templates folder offers: a phrasebook ``draft.<code>.toml`` each.

Apart from ``lookup.card.render`` so that checking a request's language (every run, before
it starts) does not load Jinja and the card's modules (issue 31).
"""

from __future__ import annotations

from pathlib import Path

from lookup import resources

__all__ = ["languages"]


def languages(templates_dir: Path) -> list[str]:
    """The draft languages available: the shipped phrasebooks and the user's."""
    found = set()
    for folder in (resources.templates_dir(), Path(templates_dir)):
        found |= {p.name[len("draft."):-len(".toml")] for p in folder.glob("draft.*.toml")}
    return sorted(found)
