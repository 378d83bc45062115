"""Verification parts on their own: the SMTP probe limiter, the DNS cache's TTL, the verdict JSON."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random

import pytest

from lookup.mail.dnscheck import DnsCache, check_mail_domain, make_resolver
from lookup.mail.smtpprobe import SmtpLimiter, random_local_part
from lookup.mail.verify import verification_to_json
from lookup.models import SmtpStep, Verification
from lookup.settings import Settings
from lookup.world import serve_world
from tests.worldkit import write_world


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t


def test_limiter_allows_budget_then_refuses():
    """Within one minute the limiter grants the budget, then refuses when the wait is too long."""
    clock = Clock()
    limiter = SmtpLimiter(3, clock=clock)
    assert [limiter.reserve("acme.test", max_wait_s=0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.reserve("acme.test", max_wait_s=10) is None
    assert limiter.next_free_in("acme.test") == pytest.approx(60.0)


def test_limiter_books_a_later_slot_when_allowed_to_wait():
    """With a long enough allowed wait the limiter books the slot that frees first."""
    clock = Clock()
    limiter = SmtpLimiter(1, clock=clock)
    limiter.reserve("acme.test", max_wait_s=0)
    clock.t = 45.0
    assert limiter.reserve("acme.test", max_wait_s=20) == pytest.approx(15.0)


def test_limiter_window_slides_and_domains_are_separate():
    """Slots free after 60 s, and each domain has its own budget (case-insensitive)."""
    clock = Clock()
    limiter = SmtpLimiter(1, clock=clock)
    assert limiter.reserve("Acme.test", max_wait_s=0) == 0.0
    assert limiter.reserve("acme.test", max_wait_s=0) is None
    assert limiter.reserve("other.test", max_wait_s=0) == 0.0
    clock.t = 60.0
    assert limiter.reserve("acme.test", max_wait_s=0) == 0.0


def test_random_local_part_is_seeded():
    """The catch-all probe's random local part comes from the rng passed in."""
    assert random_local_part(random.Random(4)) == random_local_part(random.Random(4))
    assert random_local_part(random.Random(4)) != random_local_part(random.Random(5))


WORLD = """
name = "ttl"
[dns."acme.test"]
mx = ["10 mx1.acme.test"]
ttl = 120
[dns."broken.test"]
mx = ["10 mx1.broken.test"]
[[fault]]
service = "dns"
host = "broken.test"
rcode = "SERVFAIL"
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with serve_world(write_world(tmp_path_factory.mktemp("ttl"), WORLD), latency=False) as running:
        yield running


def test_dns_answers_kept_for_their_ttl(world):
    """An MX answer is reused until its TTL runs out, then asked again."""
    clock = Clock()
    cache = DnsCache(make_resolver(Settings().in_world(world.endpoints)), clock=clock)

    async def ask_at(*times: float) -> None:
        for t in times:
            clock.t = t
            await check_mail_domain("acme.test", cache=cache)

    asyncio.run(ask_at(0.0, 60.0, 119.0, 121.0))
    assert cache.queries_sent == 2
    assert cache.hits == 2


def test_server_failures_kept_briefly(world):
    """A SERVFAIL is remembered for the short failure TTL only."""
    clock = Clock()
    base = Settings().in_world(world.endpoints)
    settings = dataclasses.replace(base, dns=dataclasses.replace(base.dns, timeout_s=1.0))
    cache = DnsCache(make_resolver(settings), clock=clock, failure_ttl_s=30.0)

    async def ask_at(*times: float) -> list[str]:
        out = []
        for t in times:
            clock.t = t
            out.append((await check_mail_domain("broken.test", cache=cache)).status)
        return out

    assert asyncio.run(ask_at(0.0, 10.0, 31.0)) == ["unknown"] * 3
    assert cache.queries_sent == 2


def test_verification_json_without_smtp():
    """A verdict without a probe has smtp null and ISO timestamps."""
    when = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    v = Verification("jane@acme.test", "unknown", ("why",), when, retry_after=when)
    data = verification_to_json(v)
    assert data["smtp"] is None
    assert data["checked_at"] == "2026-03-02T10:00:00+00:00"
    assert data["retry_after"] == data["checked_at"]


def test_verification_json_steps():
    """SMTP steps become command/code/enhanced/text dicts."""
    when = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    step = SmtpStep("RCPT TO:<jane@acme.test>", 550, "5.1.1", "no such user")
    data = verification_to_json(Verification("jane@acme.test", "undeliverable", (), when, smtp=(step,)))
    assert data["smtp"] == [{"command": "RCPT TO:<jane@acme.test>", "code": 550, "enhanced": "5.1.1",
                             "text": "no such user"}]


# -- verdicts from probe results (pure) ------------------------------------

from lookup.mail.rules import Provider, parse_reply  # noqa: E402
from lookup.mail.smtpprobe import ProbeResult  # noqa: E402
from lookup.mail.verify import _judge  # noqa: E402

ACCEPTS_ANY = Provider("Yahoo", ("yahoodns.net",), "accepts_any", "Rejections come after DATA.")
MAY_ACCEPT = Provider("Microsoft 365", ("outlook.com",), "may_accept")


def probe(line: str, category: str, catch_all=None, failure="") -> ProbeResult:
    return ProbeResult((), "mx1.acme.test", category, parse_reply([line]), catch_all, None, failure)


@pytest.mark.parametrize(
    ("result", "catch_all", "provider", "status", "flag"),
    [
        (probe("250 2.1.5 OK", "accepted"), False, None, "deliverable", None),
        (probe("250 2.1.5 OK", "accepted"), True, None, "risky", "catch_all"),
        (probe("250 2.1.5 OK", "accepted"), False, ACCEPTS_ANY, "deliverable", None),
        (probe("250 2.1.5 OK", "accepted"), None, ACCEPTS_ANY, "risky", "accepts_any"),
        (probe("250 2.1.5 OK", "accepted"), None, MAY_ACCEPT, "risky", "catch_all_unknown"),
        (probe("250 2.1.5 OK", "accepted"), False, MAY_ACCEPT, "deliverable", None),
        (probe("550 5.1.1 no such user", "no_such_user"), None, None, "undeliverable", None),
        (probe("550 5.2.1 account disabled", "disabled"), None, None, "undeliverable", None),
        (probe("452 4.2.2 mailbox full", "mailbox_full"), None, None, "risky", "mailbox_full"),
        (probe("554 5.7.1 blocked using zen.spamhaus.org", "blocklisted"), None, None, "unknown", None),
        (probe("550 5.7.1 policy", "policy"), None, None, "unknown", None),
        (probe("421 4.3.2 try later", "temporary"), None, None, "unknown", None),
        (probe("550 Requested action not taken", "rejected"), None, None, "unknown", "smtp_rejected"),
    ],
)
def test_verdict_from_probe(result, catch_all, provider, status, flag):
    """Each RCPT answer, catch-all finding and provider trust level maps to its verdict."""
    out = _judge(result, catch_all, provider, "acme.test", ())
    assert out.status == status
    assert (flag in out.flags) if flag else not out.flags


def test_accept_any_provider_wins_over_unknown_catch_all():
    """Yahoo-style providers are risky even when a random address could not be tested."""
    out = _judge(probe("250 ok", "accepted"), None, ACCEPTS_ANY, "acme.test", ())
    assert "accepts every recipient" in out.reasons[0]


def test_probe_without_answer_is_unknown_with_reason():
    """A probe that never got a RCPT answer is unknown and says why."""
    result = ProbeResult((), failure="connecting to mx1.acme.test port 25 timed out after 10 s")
    out = _judge(result, None, None, "acme.test", ())
    assert out.status == "unknown"
    assert "timed out" in out.reasons[0]


def test_probe_never_contacts_private_addresses_live():
    """Outside world mode an MX on loopback or a private network is not contacted."""
    from lookup.mail.verify import _public

    usable, refused = _public(["127.0.0.1", "10.1.2.3", "192.0.2.10"], world_mode=False)
    assert usable == []
    assert refused == "non-public address: 127.0.0.1"
    assert _public(["127.0.0.1"], world_mode=True) == (["127.0.0.1"], "")
    assert _public(["9.9.9.9", "127.0.0.1"], world_mode=False) == (
        ["9.9.9.9"], "non-public address: 127.0.0.1"
    )


def test_negative_answers_live_for_the_soa_minimum():
    """A negative answer carrying an SOA is cached for min(SOA TTL, SOA minimum) (RFC 2308)."""
    import dns.message
    import dns.rrset

    from lookup.mail.dnscheck import NEGATIVE_TTL_S, _soa_ttl

    query = dns.message.make_query("ghost.acme.test", "MX")
    response = dns.message.make_response(query)
    assert _soa_ttl(response) == NEGATIVE_TTL_S
    response.authority.append(dns.rrset.from_text(
        "acme.test.", 3600, "IN", "SOA", "ns1.acme.test. admin.acme.test. 1 7200 900 1209600 60"
    ))
    assert _soa_ttl(response) == 60.0


def test_world_mode_allows_loopback_only():
    """In world mode 127.0.0.0/8 and ::1 pass; private and link-local addresses do not."""
    from lookup.mail.verify import _public

    assert _public(["127.0.0.2", "::1"], world_mode=True) == (["127.0.0.2", "::1"], "")
    assert _public(["10.1.2.3", "169.254.169.254"], world_mode=True) == (
        [], "non-loopback address in world mode: 10.1.2.3")
