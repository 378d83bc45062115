"""Which address an SMTP session asks next, down a ranked list (pure).

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

from lookup.mail.rules import ABOUT_US

__all__ = ["REFUSED", "budgeted", "next_address", "walk_note"]

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
