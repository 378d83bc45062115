"""How gently SMTP sessions ask a domain: RCPTs per session and the gap between sessions.

The provider table (``lookup/data/providers.toml``) marks the providers whose
anti-abuse systems score a sending IP by its connections and refused
recipients (Google, Microsoft 365, the big filtering gateways) ``pacing =
"strict"``; they get ``smtp.strict_rcpts_per_session`` RCPTs a session and
``smtp.strict_session_gap_s`` between two sessions to one domain, the others
``smtp.rcpts_per_session`` and ``smtp.session_gap_s``. A server's own answer
outranks the table: once it says "too many recipients" after N, the domain's
sessions ask at most N.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from lookup.mail.rules import Provider
from lookup.ratelimit import Clock
from lookup.settings import SmtpSettings

__all__ = ["Pacing", "SessionGaps", "pacing_for"]


@dataclass(frozen=True, slots=True)
class Pacing:
    """RCPT commands one session may send, and the least time between two sessions' starts."""

    rcpts_per_session: int
    gap_s: float
    strict: bool = False


def pacing_for(provider: Provider | None, smtp: SmtpSettings) -> Pacing:
    """The pacing a domain's mail provider calls for (pure)."""
    if provider is not None and provider.pacing == "strict":
        return Pacing(max(1, smtp.strict_rcpts_per_session), max(0.0, smtp.strict_session_gap_s),
                      strict=True)
    return Pacing(max(1, smtp.rcpts_per_session), max(0.0, smtp.session_gap_s))


class SessionGaps:
    """At least a gap between the starts of two sessions to one domain.

    Slots are reserved under a lock, so concurrent probes of one domain queue in
    the order they asked instead of all waking at once.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._next: dict[str, float] = {}  # domain -> the earliest start of its next session
        self._lock = threading.Lock()

    def reserve(self, key: str, gap_s: float, *, max_wait_s: float) -> float | None:
        """Book the next start for ``key``; the wait until it, or None when beyond ``max_wait_s``."""
        with self._lock:
            now = self.clock.monotonic()
            start = max(now, self._next.get(key.lower(), now))
            if start - now > max_wait_s:
                return None
            self._next[key.lower()] = start + gap_s
            return start - now

    def next_free_in(self, key: str) -> float:
        """Seconds until ``key`` may start another session (0 when it may now)."""
        return max(0.0, self._next.get(key.lower(), 0.0) - self.clock.monotonic())
