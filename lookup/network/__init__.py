"""Stage ``network``: this machine → what it can reach (DNS, the search engine, HTTPS, port 25).

``online`` is the quick look before a run (``check_reach``: no network means one
sentence within seconds, not every query's retries); ``doctor`` is the longer
look ``lookup doctor`` prints, which also rewrites the day's port-25 answer
(``lookup.mail.portcheck``).
"""

from __future__ import annotations

from lookup._exports import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Check": "doctor",
        "Reach": "online",
        "check_reach": "online",
        "diagnose": "doctor",
        "require_network": "online",
    },
)
