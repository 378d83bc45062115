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
    "AskedAs",
    "SmtpPart",
    "blocked",
    "catch_all_known",
    "flag_reasons",
    "judge",
    "listed",
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


@dataclass(frozen=True, slots=True)
class AskedAs:
    """How the probe presented itself for one answer: its HELO name and sender."""

    helo: str
    helo_source: str  # "smtp.helo_name", "reverse DNS", "address literal", "this machine's name"
    sender: str  # the MAIL FROM of the answer; "" is the null sender <>
    null_refused: str = ""  # the reply that refused <> before the one retry as ``sender``
    fallback_set: bool = False  # smtp.mail_from is set (a refused <> can be retried)

    def line(self) -> str:
        """One reason saying which sender (and HELO name) the server answered."""
        helo = f"EHLO {self.helo} ({self.helo_source})"
        if self.null_refused:
            return (f"The server refused the null sender ({self.null_refused}), so it was asked "
                    f"once more as MAIL FROM:<{self.sender}> (smtp.mail_from), with {helo}.")
        if self.sender:
            return f"Asked as MAIL FROM:<{self.sender}> (smtp.mail_from), with {helo}."
        return f"Asked as a mail server checking a recipient: MAIL FROM:<> with {helo}."


def listed(sentence: str) -> SmtpPart:
    """Not probed because this machine's public IP is on a DNS blocklist today."""
    return SmtpPart("unknown", [sentence], flags=["ip_listed"])


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
    asked_as: AskedAs | None = None,
) -> SmtpPart:
    """The verdict from one address's RCPT answer (``category`` None: no answer, see ``failure``).

    ``asked_as`` (the HELO name and sender used) adds the reason saying which sender the
    server answered, and the advice when it refused our HELO name or sender.
    """
    if category is None:
        return SmtpPart("unknown", [f"The SMTP probe was inconclusive: {failure}."], steps or None)
    if category in ("helo_refused", "sender_refused"):
        return _about_us(category, said, host, steps, asked_as)
    part = _answered(category, said, host, failure, catch_all, provider, domain, steps)
    if asked_as is not None and category != "blocklisted":
        part.reasons.append(asked_as.line())
    return part


def _answered(
    category: str, said: str, host: str | None, failure: str, catch_all: bool | None,
    provider: Provider | None, domain: str, steps: tuple[SmtpStep, ...],
) -> SmtpPart:
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


_HELO_ADVICE = {
    "smtp.helo_name": "set smtp.helo_name to a name whose DNS points at this machine's public "
                      "IP, or leave it empty to use the IP's reverse DNS name",
    "reverse DNS": "probe through a server whose IP has a proper reverse DNS name "
                   "(--smtp-proxy), or set smtp.helo_name",
    "address literal": "this machine's public IP has no reverse DNS name that resolves, so the "
                       "probe greeted with its address; probe through a server that has one "
                       "(--smtp-proxy), or set smtp.helo_name to a name that resolves to this IP",
    "this machine's name": "the public IP could not be learned (smtp.public_ip_url), so the "
                           "probe greeted with this machine's own name; set smtp.helo_name to a "
                           "fully qualified name that resolves",
}


def _about_us(
    category: str, said: str, host: str | None, steps: tuple[SmtpStep, ...],
    asked_as: AskedAs | None,
) -> SmtpPart:
    """Our HELO name or sender refused: the verdict is unknown, with what to change."""
    if category == "helo_refused":
        what = f"our HELO name {asked_as.helo}" if asked_as else "our HELO name"
        advice = _HELO_ADVICE.get(asked_as.helo_source, "") if asked_as else ""
    else:
        what = f"our sender <{asked_as.sender}>" if asked_as else "our sender"
        advice = _sender_advice(asked_as)
    reasons = [
        f"{host} refused {what}, not the address: it cannot tell whether the address exists "
        f"({said})."
    ]
    if advice:
        reasons.append(f"To get an answer, {advice}; `lookup doctor` shows what servers see.")
    return SmtpPart("unknown", reasons, steps, [category])


def _sender_advice(asked_as: AskedAs | None) -> str:
    if asked_as is None:
        return ""
    if asked_as.null_refused:
        return ("the server refused the null sender and smtp.mail_from too: use an address you "
                "own whose domain exists in the DNS (and whose SPF allows this machine)")
    if not asked_as.sender:
        return ("set smtp.mail_from to an address you own (its domain must exist in the DNS): "
                "a server that refuses the null sender is then asked once more with it")
    return ("set smtp.null_sender = true (MAIL FROM:<>, as mail servers' own callouts), or use "
            "an address whose domain exists in the DNS")


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
    verifications = list(verifications)
    said = [v.reasons[0] for v in verifications if "ip_listed" in v.flags and v.reasons]
    if said:
        return (said[0],)
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
