"""From what the checks learned to a verdict with reasons in words (pure).

``judge`` reads one address's SMTP answer, the domain's catch-all finding and
the provider's trust level; ``blocked``, ``catch_all_known`` and friends give
the verdicts of addresses that were not asked, and why. Every sentence a
user reads about an SMTP or OneDrive check is written here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lookup.mail.rules import CATEGORY_MEANING, Provider
from lookup.models import SmtpStep, Status, Verification

__all__ = [
    "BLOCKED_NOTICE",
    "NOT_PROBED",
    "SmtpPart",
    "blocked",
    "catch_all_known",
    "flag_reasons",
    "judge",
    "notices",
    "verification_to_json",
]

NOT_PROBED = (
    "The mailbox itself was not checked: SMTP probing is off (turn it on with --smtp or "
    "smtp.enabled), so whether this exact address exists is unknown."
)
BLOCKED_NOTICE = (
    "Your network blocks outgoing mail connections; verdicts are from DNS and inference; "
    "see `--smtp-proxy`."
)


@dataclass(slots=True)
class SmtpPart:
    """The SMTP (or OneDrive) part of a verdict while it is being assembled."""

    status: Status
    reasons: list[str]
    steps: tuple[SmtpStep, ...] | None = None
    flags: list[str] = field(default_factory=list)
    retry_after: dt.datetime | None = None


def blocked(detail: str) -> SmtpPart:
    """Not probed because port 25 (or the proxy's way to it) is blocked from here."""
    notice = BLOCKED_NOTICE[0].lower() + BLOCKED_NOTICE[1:]
    return SmtpPart("unknown", [f"Not probed: {notice} ({detail})"], flags=["smtp_blocked"])


def catch_all_known(domain: str, host: str | None) -> SmtpPart:
    """Not asked: the server already accepted a random address at the domain."""
    where = f"{host} accepts" if host else "the mail server accepts"
    return SmtpPart("risky", [
        f"Not asked: {where} any address at {domain} (a random address was accepted), so its "
        "answer about this one would say nothing."
    ], flags=["catch_all"])


def judge(
    category: str | None,
    said: str,
    host: str | None,
    failure: str,
    catch_all: bool | None,
    provider: Provider | None,
    domain: str,
    steps: tuple[SmtpStep, ...],
) -> SmtpPart:
    """The verdict from one address's RCPT answer (``category`` None: no answer, see ``failure``)."""
    if category is None:
        return SmtpPart("unknown", [f"The SMTP probe was inconclusive: {failure}."], steps or None)
    if category == "accepted":
        return _accepted(said, host, failure, catch_all, provider, domain, steps)
    meaning = CATEGORY_MEANING[category]
    if category in ("no_such_user", "disabled"):
        return SmtpPart("undeliverable", [f"{host} {meaning}: {said}"], steps)
    if category == "mailbox_full":
        return SmtpPart("risky", [f"{host} {meaning}: {said}; mail may bounce until it is emptied."],
                        steps, ["mailbox_full"])
    flags = ["smtp_rejected"] if category == "rejected" else []
    return SmtpPart("unknown", [f"{host} {meaning}: {said}"], steps, flags)


def _accepted(
    said: str,
    host: str | None,
    failure: str,
    catch_all: bool | None,
    provider: Provider | None,
    domain: str,
    steps: tuple[SmtpStep, ...],
) -> SmtpPart:
    if catch_all:
        return SmtpPart("risky", [
            f"{host} accepts any address at {domain} (a random address was accepted too), "
            f"so its {said} says nothing about this one."
        ], steps, ["catch_all"])
    if catch_all is False:  # the server's own answer outranks what the table expects of it
        return SmtpPart("deliverable", [
            f"{host} accepted the recipient ({said}) and refused a random address at {domain}, "
            "so this mailbox exists."
        ], steps)
    if provider is not None and provider.rcpt == "accepts_any":
        return SmtpPart("risky", [
            f"{host} accepted the recipient ({said}), but {provider.name} accepts every recipient "
            f"at this stage. {provider.note}"
        ], steps, ["accepts_any"])
    why = failure or "the random address got an answer that tells neither way"
    return SmtpPart("risky", [
        f"{host} accepted the recipient ({said}), but whether it accepts every address could not "
        f"be tested ({why})."
    ], steps, ["catch_all_unknown"])


_FLAG_TEXT = {
    "role": "The local part names a function (like info@ or press@), not a person.",
    "disposable": "The domain is a disposable (throw-away) mail service.",
    "free": "The domain is a free consumer mail service, not a company's own.",
}


def flag_reasons(flags: Iterable[str]) -> list[str]:
    """The sentences for an address's table flags (role, disposable, free)."""
    return [_FLAG_TEXT[f] for f in flags if f in _FLAG_TEXT]


def notices(verifications: Iterable[Verification]) -> tuple[str, ...]:
    """Run-wide sentences to say once (on the terminal and in the card), not per address."""
    if any("smtp_blocked" in v.flags for v in verifications):
        return (BLOCKED_NOTICE,)
    return ()


def verification_to_json(v: Verification) -> dict[str, Any]:
    """A JSON-ready dict of a verdict, with the raw SMTP steps."""
    return {
        "address": v.address,
        "status": v.status,
        "reasons": list(v.reasons),
        "checked_at": v.checked_at.isoformat(),
        "mx": list(v.mx),
        "provider": v.provider,
        "smtp": None if v.smtp is None else [
            {"command": s.command, "code": s.code, "enhanced": s.enhanced, "text": s.text}
            for s in v.smtp
        ],
        "flags": list(v.flags),
        "retry_after": v.retry_after.isoformat() if v.retry_after else None,
    }
