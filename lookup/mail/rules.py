"""Mail heuristics read from data tables: SMTP reply classes, providers, address flags.

The tables live in ``lookup/data/`` (``smtp_replies.toml``, ``providers.toml``,
``role.txt``, ``freemail.txt``) and are read once, on first use; the disposable
(throw-away) mail domains are the community-kept list of the
``disposable-email-domains`` package (about 10,000 domains, updated with it). Everything here is a pure function of its arguments and those
tables: no network, clock or randomness.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

__all__ = [
    "ABOUT_US",
    "CATEGORY_MEANING",
    "Provider",
    "Reply",
    "ReplyCategory",
    "address_flags",
    "classify_reply",
    "identify_provider",
    "parse_reply",
    "provider_named",
]

ReplyCategory = Literal[
    "accepted",
    "no_such_user",
    "disabled",
    "mailbox_full",
    "greylisted",
    "blocklisted",
    "helo_refused",
    "sender_refused",
    "too_many",
    "policy",
    "temporary",
    "rejected",
    "unknown",
]

# What each category means, as a sentence fragment for reasons.
CATEGORY_MEANING: dict[str, str] = {
    "accepted": "accepted the recipient",
    "no_such_user": "said the mailbox does not exist",
    "disabled": "said the mailbox is disabled",
    "mailbox_full": "said the mailbox is full",
    "greylisted": "greylisted the request (asked to come back later)",
    "blocklisted": (
        "refused us because our address is on a block list, which says nothing about the mailbox"
    ),
    "helo_refused": (
        "refused our HELO name (or this machine's reverse DNS), not the address, so it cannot "
        "tell whether the address exists"
    ),
    "sender_refused": (
        "refused our sender, not the address, so it cannot tell whether the address exists"
    ),
    "too_many": "refused more recipients in this session (a per-session limit)",
    "policy": "refused for a policy reason, which says nothing about the mailbox",
    "temporary": "answered with a temporary failure",
    "rejected": "refused the recipient without saying why (RFC 5321 allows 550 for policy too)",
    "unknown": "gave an answer we cannot read",
}

# Answers about the prober (its IP, HELO name or sender), never about the address: one
# such answer holds for every address at the domain, so asking on tells nothing.
ABOUT_US = frozenset({"blocklisted", "helo_refused", "sender_refused"})

_ENHANCED = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})(?=\s|$|[^\d.])")
_ENHANCED_ANYWHERE = re.compile(r"[(#\s]#?([245]\.\d{1,3}\.\d{1,3})\)?(?=\s|$|[^\d.])")


@dataclass(frozen=True, slots=True)
class Reply:
    """One SMTP reply: the code, the RFC 3463 enhanced code if any, and the text."""

    code: int | None
    enhanced: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Provider:
    """A mail provider recognised by its MX hosts, and how far its RCPT answers can be trusted."""

    name: str
    mx_suffixes: tuple[str, ...]
    rcpt: str  # "checks" | "may_accept" | "accepts_any"
    note: str = ""
    pacing: str = "normal"  # "strict": fewer RCPTs per session, longer gaps (smtp.strict_*)


@dataclass(frozen=True, slots=True)
class _Rule:
    category: str
    classes: frozenset[int]
    codes: frozenset[int]
    enhanced: tuple[str, ...]
    phrases: tuple[re.Pattern[str], ...]

    def matches(self, reply: Reply) -> bool:
        code = reply.code or 0
        if self.classes and code // 100 not in self.classes:
            return False
        if self.codes and code not in self.codes:
            return False
        if self.enhanced and not (reply.enhanced and reply.enhanced.startswith(self.enhanced)):
            return False
        return not self.phrases or any(p.search(reply.text) for p in self.phrases)


def parse_reply(lines: Sequence[str]) -> Reply:
    """Join a (possibly multi-line) reply such as ``550-5.1.1 ...`` into one ``Reply``."""
    if not lines:
        return Reply(None, None, "")
    code = int(lines[0][:3]) if lines[0][:3].isdigit() else None
    parts = [line[4:].strip() if line[:3].isdigit() else line.strip() for line in lines]
    text = " ".join(part for part in parts if part)
    return Reply(code, _enhanced_of(parts[0] if parts else ""), text)


def _enhanced_of(first: str) -> str | None:
    match = _ENHANCED.match(first)
    if match:
        return match.group(1)
    tail = _ENHANCED_ANYWHERE.search(first)  # Proofpoint: "Invalid recipient <x> (#5.1.1)"
    return tail.group(1) if tail else None


def classify_reply(reply: Reply) -> ReplyCategory:
    """The category of an RCPT TO reply, by the first matching rule of smtp_replies.toml."""
    for rule in _rules():
        if rule.matches(reply):
            return rule.category  # type: ignore[return-value]
    return "unknown"


def identify_provider(mx_hosts: Iterable[str], domain: str) -> Provider | None:
    """The provider running these MX hosts, a self-hosted marker, or None when unrecognised."""
    return _identify(tuple(h.lower().rstrip(".") for h in mx_hosts), domain.lower().rstrip("."))


def provider_named(name: str | None) -> Provider | None:
    """The table's provider of that name (or the self-hosted marker), else None."""
    if name == "self-hosted":
        return Provider("self-hosted", (), "checks", "The domain runs its own mail servers.")
    return next((p for p in _providers() if p.name == name), None)


def _identify_hosts(hosts: tuple[str, ...], domain: str) -> Provider | None:
    by_suffix = _suffix_index()
    found = [by_suffix[s] for h in hosts for s in _suffixes(h) if s in by_suffix]
    if found:
        return min(found, key=lambda pair: pair[0])[1]  # the first provider in file order
    if hosts and all(h == domain or h.endswith("." + domain) for h in hosts):
        return Provider("self-hosted", (domain,), "checks", "The domain runs its own mail servers.")
    return None


# cached by assignment, not decorated, so mutmut can mutate it (docs/testing.md)
_identify = lru_cache(maxsize=4096)(_identify_hosts)


def address_flags(local: str, domain: str) -> tuple[str, ...]:
    """Flags from the tables: "role" local part, "disposable" or "free" domain."""
    base = local.lower().split("+", 1)[0]
    role = ("role",) if base in _word_list("role.txt") else ()
    return role + _domain_flags(domain.lower().rstrip("."))


def _flags_of_domain(domain: str) -> tuple[str, ...]:
    flags = []
    if _in_domain_list(domain, DISPOSABLE):
        flags.append("disposable")
    if _in_domain_list(domain, "freemail.txt"):
        flags.append("free")
    return tuple(flags)


# cached by assignment, not decorated, so mutmut can mutate it (docs/testing.md)
_domain_flags = lru_cache(maxsize=16_384)(_flags_of_domain)


def _in_domain_list(domain: str, name: str) -> bool:
    table = _word_list(name)
    labels = domain.split(".")
    return any(".".join(labels[i:]) in table for i in range(len(labels) - 1))


DISPOSABLE = "disposable-email-domains"  # the package's list, not a file of ours


def _load_word_list(name: str) -> frozenset[str]:
    if name == DISPOSABLE:
        from disposable_email_domains import blocklist

        return frozenset(blocklist)
    text = resources.files("lookup").joinpath("data", name).read_text(encoding="utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


# cached by assignment, not decorated, so mutmut can mutate it (docs/testing.md)
_word_list = cache(_load_word_list)


def _load_rules() -> tuple[_Rule, ...]:
    text = resources.files("lookup").joinpath("data", "smtp_replies.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return tuple(
        _Rule(
            category=row["category"],
            classes=frozenset(row.get("classes", ())),
            codes=frozenset(row.get("codes", ())),
            enhanced=tuple(row.get("enhanced", ())),
            phrases=tuple(re.compile(p, re.IGNORECASE) for p in row.get("phrases", ())),
        )
        for row in data["rule"]
    )


# cached by assignment, not decorated, so mutmut can mutate it (docs/testing.md)
_rules = cache(_load_rules)


def _suffixes(host: str) -> list[str]:
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def _build_suffix_index() -> dict[str, tuple[int, Provider]]:
    index: dict[str, tuple[int, Provider]] = {}
    for rank, provider in enumerate(_providers()):
        for suffix in provider.mx_suffixes:
            index.setdefault(suffix, (rank, provider))
    return index


# cached by assignment, not decorated, so mutmut can mutate it (docs/testing.md)
_suffix_index = cache(_build_suffix_index)


def _load_providers() -> tuple[Provider, ...]:
    data = tomllib.loads(resources.files("lookup").joinpath("data", "providers.toml").read_text())
    return tuple(
        Provider(
            name=row["name"],
            mx_suffixes=tuple(s.lower() for s in row["mx_suffixes"]),
            rcpt=row.get("rcpt", "checks"),
            note=row.get("note", ""),
            pacing=row.get("pacing", "normal"),
        )
        for row in data["provider"]
    )


# cached by assignment, not decorated, so mutmut can mutate it (docs/testing.md)
_providers = cache(_load_providers)
