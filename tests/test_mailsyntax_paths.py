"""Address syntax: both of check_syntax's paths give the same, exact answer, and the fast one
validates each domain once (the reason it exists)."""

from __future__ import annotations

import sys

import pytest
from email_validator import validate_email

from lookup.mail import syntax
from lookup.mail.syntax import Parsed, check_syntax


@pytest.mark.parametrize(("address", "world", "expected"), [
    ("jane@acme.test", True, Parsed("jane@acme.test", "jane", "acme.test")),
    ("  Jane.Doe@Bücher.TEST ", True,
     Parsed("Jane.Doe@xn--bcher-kva.test", "Jane.Doe", "xn--bcher-kva.test")),
    ("o'neil+cv@Mail.Example.com", False,
     Parsed("o'neil+cv@mail.example.com", "o'neil+cv", "mail.example.com")),
])
def test_the_fast_path_and_the_full_check_give_the_same_parsed_address(
    address: str, world: bool, expected: Parsed,
) -> None:
    """A valid address parses to its exact parts whichever path settles it."""
    assert check_syntax(address, test_environment=world) == expected
    assert syntax._full(address.strip(), world) == expected


def _sized(total: int) -> str:
    """A valid world-mode address exactly ``total`` characters long (labels of at most 60)."""
    room = total - len("a" * 40 + "@acme.test")  # filled by "b…b." labels
    sizes = [60] * (room // 61) + ([room % 61 - 1] if room % 61 > 1 else [])
    assert sum(size + 1 for size in sizes) == room
    return "a" * 40 + "@" + "".join("b" * size + "." for size in sizes) + "acme.test"


def test_the_length_limit_is_254_characters_on_the_whole_address() -> None:
    """254 characters pass; 255 get email-validator's sentence naming the excess."""
    assert len(_sized(254)) == 254 and len(_sized(255)) == 255
    assert check_syntax(_sized(254), test_environment=True) == Parsed(
        _sized(254), "a" * 40, _sized(254).split("@")[1])
    reason = check_syntax(_sized(255), test_environment=True)
    assert reason == (f"The address {_sized(255)!r} is not valid: "
                      "The email address is too long (1 character too many).")


def test_a_too_long_world_address_is_refused_for_its_length_not_its_domain() -> None:
    """In world mode the .test domain is fine, so the sentence names the real fault."""
    address = "a" * 250 + "@acme.test"
    assert check_syntax(address, test_environment=True) == (
        f"The address {address!r} is not valid: "
        "The email address is too long (6 characters too many).")


@pytest.fixture()
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address handed to email-validator, with syntax's domain cache emptied."""
    seen: list[str] = []

    def counting(address: str, **kwargs):
        seen.append(address)
        return validate_email(address, **kwargs)

    syntax._domain.cache_clear()
    monkeypatch.setattr(syntax, "validate_email", counting)
    yield seen
    syntax._domain.cache_clear()


def test_a_batch_validates_its_domain_once(calls: list[str]) -> None:
    """Three people at one domain: one domain check and three local-part checks, no full one."""
    for local in ("ada", "grace", "alan"):
        assert isinstance(check_syntax(f"{local}@acme.test", test_environment=True), Parsed)
    assert calls == ["a@acme.test", "ada@a.com", "grace@a.com", "alan@a.com"]


def test_an_address_of_exactly_the_limit_needs_no_full_check(calls: list[str]) -> None:
    """The fast path applies the same 254-character limit as email-validator, boundary included."""
    address = _sized(254)
    assert isinstance(check_syntax(address, test_environment=True), Parsed)
    assert calls == [f"a@{address.split('@')[1]}", f"{'a' * 40}@a.com"]


_SOCKET_EVENTS: list[str] | None = None  # set by the test below while it runs


def _record_sockets(event: str, args: tuple) -> None:
    if _SOCKET_EVENTS is not None and event.startswith("socket."):
        _SOCKET_EVENTS.append(event)


sys.addaudithook(_record_sockets)


def test_the_syntax_check_opens_no_socket_in_live_mode() -> None:
    """Pure: no deliverability (DNS) lookup on either path, even for a real-looking domain.

    email-validator swallows a failed DNS query, so only watching the sockets shows one."""
    global _SOCKET_EVENTS
    _SOCKET_EVENTS = []
    try:
        for address in ("ada@quillworks.com", "  Ada.Quill@QuillWorks.com "):
            assert isinstance(check_syntax(address, test_environment=False), Parsed)
            assert isinstance(syntax._full(address.strip(), False), Parsed)
        assert _SOCKET_EVENTS == []
    finally:
        _SOCKET_EVENTS = None
