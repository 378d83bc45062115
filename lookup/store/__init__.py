"""Stage ``store``: results → database rows, verification history and card files; forgetting.

``db`` holds the ``Store`` (SQLAlchemy; SQLite by default, PostgreSQL for a
team), ``_sql`` its queries, ``migrations`` the schema versions, ``records`` the
rows it hands back, ``files`` the card files and cached files that name a
person (cards are written with ``lookup.atomic``).
"""

from __future__ import annotations

from lookup._exports import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DueContact": "records",
        "ForgetReport": "records",
        "PersonSummary": "records",
        "Store": "db",
        "forget_files": "files",
    },
)
