"""Input checks: bad input gets one clear sentence and nothing else happens."""

from __future__ import annotations

import datetime as dt

import pytest

from lookup.errors import BadInputError, InvalidDomainError, InvalidNameError
from lookup.intake.interview import clean_domain, make_interview


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("x" * 5000, "5,000 characters long"),
        ("Dana\x00Okafor", "control characters"),
        ("Dana\u202eOkafor", "control characters"),
        ("Dana\nOkafor", "control characters"),
        ("12345 !!", "has no letters"),
    ],
)
def test_bad_names_are_refused_with_a_sentence(name: str, words: str) -> None:
    """Empty, huge, control-character and letterless names raise InvalidNameError naming the problem."""
    with pytest.raises(InvalidNameError, match=words):
        make_interview(name, "Brightwater Analytics")


def test_bad_company_and_date_are_refused() -> None:
    """An empty company and a malformed date are bad input (exit code 2)."""
    with pytest.raises(BadInputError, match="company is empty"):
        make_interview("Dana Okafor", " ")
    with pytest.raises(BadInputError, match="YYYY-MM-DD"):
        make_interview("Dana Okafor", "Brightwater", interview_date="20/11/2026")
    assert BadInputError("x").exit_code == 2


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("brightwater.test", "brightwater.test"),
        ("https://www.Brightwater.test/about", "brightwater.test"),
        ("jane@Brightwater.test", "brightwater.test"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("", None),
    ],
)
def test_domains_are_normalised(given: str, expected: str | None) -> None:
    """Schemes, paths, www., case and IDNs are normalised to a bare ASCII domain."""
    assert clean_domain(given) == expected


@pytest.mark.parametrize("bad", ["not a domain", "-bad-.test", "a..b", "localhost"])
def test_invalid_domains_are_refused(bad: str) -> None:
    """Strings that are not domain names raise InvalidDomainError."""
    with pytest.raises(InvalidDomainError):
        clean_domain(bad)


def test_a_good_interview_is_cleaned() -> None:
    """Whitespace is folded and every field lands in the Interview record."""
    interview = make_interview(
        "  Dana   Okafor ",
        "Brightwater Analytics",
        domain="www.brightwater.test",
        role="Data Engineer",
        interview_date="2026-11-20",
        recruiter="Sam Lee",
        notes="Kafka\nFlink",
    )
    assert interview.name == "Dana Okafor"
    assert interview.domain == "brightwater.test"
    assert interview.interview_date == dt.date(2026, 11, 20)
    assert interview.notes == "Kafka\nFlink"
