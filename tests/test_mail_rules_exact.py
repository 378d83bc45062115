"""Mail rules, exactly: a reply's parts, the class of its code, providers and address flags."""

from __future__ import annotations

import pytest

from lookup.mail.rules import (
    Provider,
    Reply,
    address_flags,
    classify_reply,
    identify_provider,
    parse_reply,
    provider_named,
)

SELF_HOSTED = "The domain runs its own mail servers."


@pytest.mark.parametrize(("lines", "reply"), [
    ([], Reply(None, None, "")),
    (["User unknown"], Reply(None, None, "User unknown")),  # no code: the whole line is text
    (["550-5.1.1 The email account", "550-5.1.1 does not exist.", "550 5.1.1 Try again"],
     Reply(550, "5.1.1", "5.1.1 The email account 5.1.1 does not exist. 5.1.1 Try again")),
    (["250 2.1.5 Ok"], Reply(250, "2.1.5", "2.1.5 Ok")),
    (["550 Invalid recipient <ada@quillworks.test> (#5.1.1)"],
     Reply(550, "5.1.1", "Invalid recipient <ada@quillworks.test> (#5.1.1)")),
])
def test_parse_reply_exactly(lines: list[str], reply: Reply) -> None:
    """Code, enhanced code (leading or in a trailer) and the lines' text joined by spaces."""
    assert parse_reply(lines) == reply


@pytest.mark.parametrize(("line", "category"), [
    ("200 ok", "accepted"),  # the class is the first digit: 200 is a 2xx
    ("500 Syntax error", "rejected"),  # ... and 500 a 5xx that says nothing we know
    ("501 5.1.3 Invalid recipient address", "no_such_user"),
    ("550 USER UNKNOWN", "no_such_user"),  # phrases are matched whatever the case
])
def test_the_class_of_a_reply_is_its_first_digit(line: str, category: str) -> None:
    """Codes at the bottom of their hundred belong to that class too."""
    assert classify_reply(parse_reply([line])) == category


def test_an_own_mail_server_with_trailing_dots_is_self_hosted() -> None:
    """MX hosts under the domain (DNS spelling, trailing dot and capitals) are self-hosted."""
    assert identify_provider(["MX1.Acme.Test."], "Acme.Test.") == Provider(
        "self-hosted", ("acme.test",), "checks", SELF_HOSTED)
    assert identify_provider(["mx.acme.test", "mx.elsewhere.test"], "acme.test") is None


def test_provider_named() -> None:
    """The self-hosted marker, a table provider by its exact name, else None."""
    assert provider_named("self-hosted") == Provider("self-hosted", (), "checks", SELF_HOSTED)
    zoho = provider_named("Zoho Mail")
    assert zoho == Provider("Zoho Mail", ("zoho.com", "zoho.eu", "zoho.in", "zohomail.com"),
                            "checks", "")
    assert provider_named("Microsoft 365").rcpt == "may_accept"
    assert provider_named("Google Workspace").note == (
        "Gmail rejects unknown recipients at RCPT with 550 5.1.1.")
    assert provider_named("zoho mail") is None
    assert provider_named(None) is None


@pytest.mark.parametrize(("local", "domain", "flags"), [
    ("info+a+b", "quillworks.test", ("role",)),  # only what comes before the first "+"
    ("Jobs", "Gmail.com", ("role", "free")),
    ("ada", "mailinator.com.", ("disposable",)),  # the DNS spelling with its trailing dot
    ("ada", "eu.mailinator.com", ("disposable",)),  # a subdomain of a listed domain
    ("ada", "quillworks.test", ()),
])
def test_address_flags_exactly(local: str, domain: str, flags: tuple[str, ...]) -> None:
    """Role local parts, disposable and free-mail domains, in that order."""
    assert address_flags(local, domain) == flags
