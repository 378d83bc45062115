"""With SMTP on, probing goes down the ranked list while the server refuses, within a budget."""

from __future__ import annotations

import datetime as dt

import pytest

from lookup.analysis import Analysis, probe_next
from lookup.models import Candidate, Profile, SmtpStep, Verification

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
RCPT = (SmtpStep("RCPT TO:<x>", 550, "5.1.1", "no such user"),)
ADDRESSES = [f"a{i}@acme.test" for i in range(8)]
FACTS = Analysis(Profile("A B", "Acme"), (), None,
                 tuple(Candidate(a, 0.5 / (i + 1), "{first}") for i, a in enumerate(ADDRESSES)))


def check(address: str, status: str, probed: bool = True) -> Verification:
    return Verification(address, status, ("r",), NOW, smtp=RCPT if probed else None)


@pytest.mark.parametrize(("statuses", "budget", "expected"), [
    (["undeliverable"] * 3, 8, ADDRESSES[3:6]),  # all refused: the next three
    (["undeliverable"] * 6, 8, ADDRESSES[6:8]),  # the budget leaves two
    (["undeliverable"] * 3, 4, ADDRESSES[3:4]),
    (["undeliverable", "deliverable", "undeliverable"], 8, []),  # one accepted: stop
    (["undeliverable", "risky", "undeliverable"], 8, []),  # a catch-all: probing proves nothing
    (["undeliverable", "unknown", "undeliverable"], 8, []),  # greylisted or blocked: stop
])
def test_probe_next(statuses: list[str], budget: int, expected: list[str]) -> None:
    """Only while every probed address was refused, and never past the budget."""
    checks = [check(a, s) for a, s in zip(ADDRESSES, statuses, strict=False)]
    assert probe_next(FACTS, checks, budget=budget) == expected


def test_without_an_smtp_probe_nothing_more_is_probed() -> None:
    """DNS-only verdicts (no SMTP dialogue) never start deeper probing."""
    checks = [check(a, "undeliverable", probed=False) for a in ADDRESSES[:3]]
    assert probe_next(FACTS, checks, budget=8) == []
