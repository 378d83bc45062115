"""Which address an SMTP session asks next, down a ranked list, and what was said (pure).

A research run ranks candidate addresses by probability. With SMTP on, the
first ``must`` of them (the top few, and any published one) are always asked;
after those, asking goes on down the list only while every answer so far was
"no such mailbox" (550 5.1.1 and the like), and never past ``budget``
candidates: the right address is often fourth or fifth when the domain's
format is not the most common one. An accepted address, a catch-all server,
or an answer that proves nothing (a policy refusal, a block list) ends the
walk; an answer about us (our IP on a block list, our HELO name or sender
refused) ends it at once, even before the top few: it holds for every address. Greylisted answers are not final: they are asked again in the next
session, and while one is pending the walk goes on "priming" the rest of the
budget, so that a single greylisting delay answers them all (RFC 6647
greylisting holds back each (sender, recipient) pair on its first try).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from lookup.mail.rules import ABOUT_US, Reply, ReplyCategory
from lookup.models import SmtpStep

__all__ = [
    "RANDOM",
    "REFUSED",
    "DomainProbe",
    "ProbeResult",
    "budgeted",
    "next_address",
    "walk_note",
]

# Answers that say the mailbox does not exist: the walk may go on past them.
REFUSED = frozenset({"no_such_user", "disabled"})
PENDING = frozenset({"greylisted"})


def budgeted(ranked: Sequence[str], budget: int, must: int) -> list[str]:
    """The addresses the walk may ask: the ``must`` first always, then up to ``budget`` in all."""
    return list(ranked[: max(budget, must, 0)])


def next_address(
    ranked: Sequence[str],
    answers: Mapping[str, str | None],
    *,
    must: int,
    budget: int,
    catch_all: bool | None,
    asked: Collection[str] = (),
) -> str | None:
    """The next address to ask in this session, or None when the session should stop.

    ``answers`` maps an address asked before to its reply category (None: no
    answer, e.g. the connection dropped); ``asked`` holds the addresses already
    asked in this session, each asked at most once per session.
    """
    if catch_all:
        return None  # every address would be accepted: asking tells nothing more
    if any(category in ABOUT_US for category in answers.values()):
        return None  # the server refused us (our IP, HELO or sender): it would refuse again
    for index, address in enumerate(budgeted(ranked, budget, must)):
        if address in asked:
            continue
        category = answers.get(address)
        if category is not None and category not in PENDING:
            continue  # a final answer
        if index < must:
            return address
        return address if _all_refused(answers, ranked) else None
    return None


def _all_refused(answers: Mapping[str, str | None], ranked: Sequence[str]) -> bool:
    finals = [answers[a] for a in ranked if answers.get(a) not in (None, *PENDING)]
    return all(category in REFUSED for category in finals)


def walk_note(asked: int, must: int, found: bool) -> str:
    """One sentence on how far down the list the probe went (for the run's log)."""
    if asked <= must:
        return f"Asked the mail server about {asked} address(es)."
    tail = "until one was accepted" if found else "and every one was refused"
    return f"Asked the mail server about {asked} addresses down the ranked list, {tail}."


# -- the state of one domain's walk, across its sessions (pure records) -------------------

RANDOM = "(random)"  # the catch-all test's address, in a session's set of addresses asked


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What probing learned about one address: its reply class, catch-all evidence, raw steps."""

    steps: tuple[SmtpStep, ...]
    host: str | None = None  # the MX host that answered RCPT
    category: ReplyCategory | None = None  # the address's RCPT reply; None when never answered
    reply: Reply | None = None
    catch_all: bool | None = None  # True: a random address was accepted too; None: not known
    catch_all_reply: Reply | None = None
    failure: str = ""  # why no RCPT answer was obtained (or why the catch-all test failed)
    sender: str | None = None  # the MAIL FROM this answer was given to ("" = <>); None: none


@dataclass(slots=True)
class DomainProbe:
    """Probing one domain across sessions (greylisting retries): what to ask, what was said."""

    ranked: list[str]
    must: int
    budget: int
    random_address: str | None  # None: the catch-all answer is known, or not wanted
    catch_all: bool | None = None
    catch_all_host: str | None = None
    catch_all_failure: str = ""
    results: dict[str, ProbeResult] = field(default_factory=dict)
    attempts: list[SmtpStep] = field(default_factory=list)  # failed connections, kept for all
    random_pending: bool = False  # the random address is still to be asked (greylisted, or
    #                               no RCPT was left in its session)
    sender: str = ""  # the MAIL FROM of the next transaction; "" is the null sender <>
    fallback: str = ""  # the one retry after a refused null sender ("" = none, or used)
    null_refused: str = ""  # the reply that refused the null sender, once the retry was made
    about_us: ProbeResult | None = None  # the banner, EHLO or MAIL FROM refused us
    session_limit: int | None = None  # a server said "too many recipients" after this many

    def answers(self) -> dict[str, str | None]:
        return {a: r.category for a, r in self.results.items()}

    def refusal(self) -> ProbeResult | None:
        """The first answer about us (the banner, greeting, sender refused), if any."""
        if self.about_us is not None:
            return self.about_us
        return next((r for r in self.results.values() if r.category in ABOUT_US), None)

    def next(self, asked: set[str]) -> str | None:
        if self.about_us is not None:
            return None  # the server refused us: no address can be asked
        return next_address(self.ranked, self.answers(), must=self.must, budget=self.budget,
                            catch_all=self.catch_all, asked=asked)

    def greylisted(self) -> list[str]:
        """Addresses (and the random one) still waiting for an answer after greylisting."""
        waiting = [a for a, r in self.results.items() if r.category == "greylisted"]
        return waiting + ([RANDOM] if self.random_pending else [])
