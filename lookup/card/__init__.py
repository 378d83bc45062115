"""Stage ``card``: a research result → the Markdown briefing card.

``render`` is pure (a result and its history → Markdown, through the Jinja
templates in ``config/templates``, with every untrusted string escaped by
``markdown``); ``terminal`` renders a card for ``lookup show``; ``write`` is the
edge that saves the rows and writes the card.
"""

from __future__ import annotations

from lookup._exports import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "card_path_for": "write",
        "refresh_history": "write",
        "render_card": "render",
        "render_history": "render",
        "to_terminal": "terminal",
        "write_briefing": "write",
        "write_panel_index": "write",
    },
)
