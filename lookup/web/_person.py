"""A person found on a page, before extraction turns them into a ``PersonMention``. Pure."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Person"]


@dataclass(frozen=True, slots=True)
class Person:
    """A person found on a page before it becomes a PersonMention."""

    name: str
    title: str | None
    context: str
    how: str
    email: str | None = None
    url: str | None = None
    talk: str | None = None  # the title of a talk the page has them give (speaker pages)
    team: str | None = None  # from a labelled field ("Department: ...")
    location: str | None = None  # likewise ("Office: ...")
