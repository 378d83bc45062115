"""Verification against a real offline world: DNS and SMTP servers on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import random

import httpx
import pytest

from lookup.mail.verify import Verifier, verification_to_json
from lookup.models import Verification
from lookup.ratelimit import FakeClock
from lookup.settings import Settings
from lookup.world import serve_world
from tests.worldkit import write_world

WORLD = """
name = "Verify World"

[dns."acme.test"]
mx = ["10 mx1.acme.test", "20 mx2.acme.test"]
[dns."mx1.acme.test"]
a = ["127.0.0.1"]
[dns."mx2.acme.test"]
a = ["127.0.0.1"]
[mail."acme.test"]
mailboxes = ["jane.doe", "info"]

[dns."catchall.test"]
mx = ["10 mx.catchall.test"]
[dns."mx.catchall.test"]
a = ["127.0.0.1"]
[mail."catchall.test"]
catch_all = true

[dns."grey.test"]
mx = ["10 mx.grey.test"]
[dns."mx.grey.test"]
a = ["127.0.0.1"]
[mail."grey.test"]
mailboxes = ["jane.doe"]
greylist = true
greylist_seconds = 0.2

[dns."slowgrey.test"]
mx = ["10 mx.slowgrey.test"]
[dns."mx.slowgrey.test"]
a = ["127.0.0.1"]
[mail."slowgrey.test"]
mailboxes = ["jane.doe"]
greylist = true
greylist_seconds = 3600

[dns."nomail.test"]
mx = ["0 ."]
a = ["127.0.0.1"]

[dns."afallback.test"]
a = ["127.0.0.1"]
[mail."afallback.test"]
mailboxes = ["jane.doe"]

[dns."empty.test"]
txt = ["v=spf1 -all"]

[dns."broken.test"]
mx = ["10 mx.broken.test"]
[dns."silent.test"]
mx = ["10 mx.silent.test"]

[dns."dropper.test"]
mx = ["10 mx.dropper.test"]
[dns."mx.dropper.test"]
a = ["127.0.0.1"]
[mail."dropper.test"]
mailboxes = ["jane.doe"]

[dns."failover.test"]
mx = ["10 mx1.failover.test", "20 mx2.failover.test"]
[dns."mx1.failover.test"]
a = ["127.0.0.2"]
[dns."mx2.failover.test"]
a = ["127.0.0.1"]
[mail."failover.test"]
mailboxes = ["jane.doe"]

[dns."closed.test"]
mx = ["10 mx.closed.test"]
[dns."mx.closed.test"]
a = ["127.0.0.2"]

[dns."blocked.test"]
mx = ["10 mx.blocked.test"]
[dns."mx.blocked.test"]
a = ["127.0.0.1"]
[mail."blocked.test"]
mailboxes = ["jane.doe"]

[dns."full.test"]
mx = ["10 mx.full.test"]
[dns."mx.full.test"]
a = ["127.0.0.1"]
[mail."full.test"]
mailboxes = ["jane.doe"]

[[fault]]
service = "smtp"
host = "blocked.test"
stage = "rcpt"
reply = "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org"

[[fault]]
service = "smtp"
host = "full.test"
stage = "rcpt"
reply = "452 4.2.2 Mailbox full"

[[fault]]
service = "dns"
host = "broken.test"
rcode = "SERVFAIL"

[[fault]]
service = "dns"
host = "silent.test"
drop = true

[[fault]]
service = "smtp"
host = "dropper.test"
stage = "rcpt"
reset = true
"""

AVATAR = hashlib.sha256(b"jane.doe@acme.test").hexdigest()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = write_world(
        tmp_path_factory.mktemp("verify"), WORLD,
        sites={f"avatars.test/avatar/{AVATAR}": "PNG"},
    )
    with serve_world(path, latency=False) as running:
        yield running


def settings_for(world, **smtp) -> Settings:
    base = Settings().in_world(world.endpoints)
    smtp_defaults = {"timeout_s": 2.0, "greylist_retry_s": (0.4,), "max_inline_wait_s": 1.0}
    return dataclasses.replace(
        base,
        dns=dataclasses.replace(base.dns, timeout_s=1.0),
        smtp=dataclasses.replace(base.smtp, **{**smtp_defaults, **smtp}),
    )


def verify(world, address, *, smtp=True, clock=None, **smtp_settings):
    verifier = Verifier(settings_for(world, **smtp_settings), rng=random.Random(7), clock=clock)
    return asyncio.run(verifier.verify(address, smtp=smtp))


def connections_for(world, address: str) -> set[int]:
    return {line.connection for line in world.smtp_log if address.lower() in line.line.lower()}


def test_existing_mailbox_is_deliverable(world):
    """A mailbox the server accepts, on a server that refuses random addresses, is deliverable."""
    v = verify(world, "jane.doe@acme.test")
    assert v.status == "deliverable", v.reasons
    assert v.mx == ("mx1.acme.test", "mx2.acme.test")
    assert v.provider == "self-hosted"
    assert any(s.command == "RCPT TO:<jane.doe@acme.test>" and s.code == 250 for s in v.smtp)
    assert "this mailbox exists" in v.reasons[0]


def test_unknown_mailbox_is_undeliverable(world):
    """A 550 5.1.1 for the address makes it undeliverable, with the server's words."""
    v = verify(world, "nobody.here@acme.test")
    assert v.status == "undeliverable"
    assert "5.1.1" in v.reasons[0] and "does not exist" in v.reasons[0]
    rcpt = [s for s in v.smtp if s.command.startswith("RCPT")]
    assert rcpt[0].enhanced == "5.1.1"


def test_catch_all_domain_is_risky(world):
    """When a random address is accepted too, the verdict is risky and flagged catch_all."""
    v = verify(world, "jane.doe@catchall.test")
    assert v.status == "risky"
    assert "catch_all" in v.flags
    assert "accepts any address" in v.reasons[0]


def test_catch_all_learned_once_per_domain(world):
    """A second address at a known catch-all domain is judged risky without asking the server."""
    verifier = Verifier(settings_for(world), rng=random.Random(1))

    async def both():
        first = await verifier.verify("a.one@catchall.test", smtp=True)
        second = await verifier.verify("a.two@catchall.test", smtp=True)
        return first, second

    first, second = asyncio.run(both())
    assert second.status == "risky" and "catch_all" in second.flags
    assert sum(s.command.startswith("RCPT") for s in first.smtp) == 2
    assert second.smtp is None
    assert "Not asked" in second.reasons[0] and "accepts any address" in second.reasons[0]
    assert not connections_for(world, "a.two@catchall.test")


def test_greylisting_resolved_inline(world):
    """A greylisted probe is retried on the schedule and then answered."""
    v = verify(world, "jane.doe@grey.test", greylist_retry_s=(0.4,), max_inline_wait_s=1.0)
    assert v.status == "deliverable", v.reasons
    codes = [s.code for s in v.smtp if s.command == "RCPT TO:<jane.doe@grey.test>"]
    assert codes == [451, 250]
    assert v.retry_after is None


def test_greylisting_with_long_delay_left_unknown(world):
    """A greylist whose next retry is beyond the inline wait stays unknown with retry_after."""
    clock = FakeClock()
    v = verify(world, "jane.doe@slowgrey.test", clock=clock, greylist_retry_s=(30.0,), max_inline_wait_s=1.0)
    assert v.status == "unknown"
    assert v.retry_after == v.checked_at + dt.timedelta(seconds=30)
    assert "greylisted" in v.reasons[0]
    assert clock.sleeps == []


def test_greylisting_retries_exhausted(world):
    """When every inline retry is greylisted again, the verdict is unknown with a retry time."""
    clock = FakeClock()
    v = verify(world, "other@slowgrey.test", clock=clock, greylist_retry_s=(0.1,), max_inline_wait_s=1.0)
    assert v.status == "unknown"
    assert clock.sleeps == [0.1]
    assert v.retry_after is not None and v.retry_after > v.checked_at


def test_null_mx_is_undeliverable_without_probe(world):
    """A null MX (RFC 7505) means no mail: undeliverable, and no SMTP connection is made."""
    v = verify(world, "jane.doe@nomail.test")
    assert v.status == "undeliverable"
    assert "null MX" in v.reasons[0]
    assert "no_mail" in v.flags
    assert v.smtp is None
    assert not connections_for(world, "nomail.test")


def test_no_mx_falls_back_to_a_record(world):
    """Without MX the domain's own A record is the implicit MX, and it is probed there."""
    v = verify(world, "jane.doe@afallback.test")
    assert v.mx == ("afallback.test",)
    assert "implicit MX" in " ".join(v.reasons)
    assert v.status == "deliverable", v.reasons


def test_no_mx_and_no_address_takes_no_mail(world):
    """A domain with neither MX nor A/AAAA records cannot receive mail."""
    v = verify(world, "jane.doe@empty.test")
    assert v.status == "undeliverable"
    assert "no MX, A or AAAA" in v.reasons[0]


def test_nxdomain_is_undeliverable(world):
    """A domain that does not exist makes the address undeliverable, saying NXDOMAIN."""
    v = verify(world, "jane.doe@ghost-company.test")
    assert v.status == "undeliverable"
    assert "NXDOMAIN" in v.reasons[0]


def test_servfail_is_unknown(world):
    """A SERVFAIL answer leaves the verdict unknown, never undeliverable."""
    v = verify(world, "jane.doe@broken.test")
    assert v.status == "unknown"
    assert "SERVFAIL" in v.reasons[0]


def test_dns_timeout_is_unknown(world):
    """A name server that never answers gives unknown with a timeout reason."""
    base = settings_for(world)
    settings = dataclasses.replace(base, dns=dataclasses.replace(base.dns, timeout_s=0.3))
    v = asyncio.run(Verifier(settings).verify("jane.doe@silent.test", smtp=True))
    assert v.status == "unknown"
    assert "timed out" in v.reasons[0]


def test_closed_dns_port_is_unknown(world):
    """A resolver pointed at a port nobody answers on gives unknown, not undeliverable."""
    base = settings_for(world)
    settings = dataclasses.replace(base, dns=dataclasses.replace(base.dns, port=9, timeout_s=0.3))
    v = asyncio.run(Verifier(settings).verify("jane.doe@acme.test", smtp=True))
    assert v.status == "unknown"


def test_connection_dropped_mid_dialogue_is_unknown(world):
    """A server that drops the connection at RCPT gives unknown with the reason."""
    v = verify(world, "jane.doe@dropper.test")
    assert v.status == "unknown"
    assert "RCPT TO:<jane.doe@dropper.test>" in v.reasons[0]
    assert "closed the connection" in v.reasons[0] or "dropped" in v.reasons[0]
    assert v.smtp[-1].command == "RCPT TO:<jane.doe@dropper.test>" and v.smtp[-1].code is None


def test_blocklist_refusal_is_unknown(world):
    """A Spamhaus refusal is about us, not the mailbox: unknown, with the server's words."""
    v = verify(world, "jane.doe@blocked.test")
    assert v.status == "unknown"
    assert "block list" in v.reasons[0] and "zen.spamhaus.org" in v.reasons[0]


def test_mailbox_full_is_risky(world):
    """A 452 4.2.2 mailbox-full answer means the mailbox exists but may bounce: risky."""
    v = verify(world, "jane.doe@full.test")
    assert v.status == "risky"
    assert "mailbox_full" in v.flags


def test_next_mx_tried_when_first_refuses(world):
    """When the preferred MX refuses the connection, the next one is asked."""
    v = verify(world, "jane.doe@failover.test")
    assert v.status == "deliverable", v.reasons
    assert v.smtp[0].command.startswith("CONNECT mx1.failover.test") and v.smtp[0].code is None
    assert any(s.command.startswith("CONNECT mx2.failover.test") and s.code == 220 for s in v.smtp)


def test_unreachable_port_is_unknown(world):
    """When no MX takes a connection, port 25 counts as blocked here: unknown, no dialogue."""
    v = verify(world, "jane.doe@closed.test")
    assert v.status == "unknown"
    assert v.reasons[0].startswith("Not probed: your network blocks outgoing mail connections")
    assert "mx.closed.test: connection refused" in v.reasons[0]
    assert "smtp_blocked" in v.flags and v.smtp is None


def test_smtp_off_by_default(world):
    """Without --smtp the mailbox is not probed: unknown, no SMTP steps, no connection."""
    before = len(world.smtp_log)
    verifier = Verifier(settings_for(world))
    v = asyncio.run(verifier.verify("info@acme.test"))
    assert v.status == "unknown"
    assert v.smtp is None
    assert "SMTP probing is off" in v.reasons[0]
    assert "role" in v.flags
    assert len(world.smtp_log) == before


def test_concurrent_lookups_share_one_query(world):
    """Twenty concurrent verifications at one domain send one MX query for it (in-flight dedupe)."""
    before = world.dns_queries.by_name.get("acme.test", 0)
    verifier = Verifier(settings_for(world))

    async def run():
        return await asyncio.gather(*(verifier.verify(f"p{i}@acme.test", smtp=False) for i in range(20)))

    out = asyncio.run(run())
    assert {v.status for v in out} == {"unknown"}
    assert world.dns_queries.by_name.get("acme.test", 0) - before == 1
    assert verifier.dns_cache.queries_sent == 1


def test_verify_many_keeps_input_order(world):
    """verify_many returns one verdict per address, in the order given, probing concurrently."""
    addresses = ["nobody@acme.test", "jane.doe@acme.test", "jane.doe@nomail.test", "bad@@acme.test"]
    verifier = Verifier(settings_for(world), rng=random.Random(2))
    out = asyncio.run(verifier.verify_many(addresses, smtp=True, concurrency=3))
    assert [v.status for v in out] == ["undeliverable", "deliverable", "undeliverable", "undeliverable"]
    assert out[0].address == "nobody@acme.test"


def test_dns_cache_shared_across_verifiers(world):
    """A DNS cache handed to a second verifier answers without a new query."""
    first = Verifier(settings_for(world))
    asyncio.run(first.check_domain("catchall.test"))
    before = world.dns_queries.total
    second = Verifier(settings_for(world), dns_cache=first.dns_cache)
    mail = asyncio.run(second.check_domain("catchall.test"))
    assert mail.status == "accepts"
    assert world.dns_queries.total == before


def test_rate_limit_leaves_unknown_with_retry_after(world):
    """Beyond the per-domain probe budget the address is left unknown with a retry time."""
    clock = FakeClock()
    verifier = Verifier(
        settings_for(world, probes_per_domain_per_minute=1, max_inline_wait_s=0.0), clock=clock
    )

    async def two():
        return [await verifier.verify(a, smtp=True) for a in ("jane.doe@acme.test", "info@acme.test")]

    first, second = asyncio.run(two())
    assert first.status == "deliverable"
    assert second.status == "unknown"
    assert "limit of 1 SMTP probes a minute" in second.reasons[0]
    assert second.retry_after == second.checked_at + dt.timedelta(seconds=60)


def test_data_is_never_sent(world):
    """No probe in this world ever sent DATA (checked in the server's own log)."""
    verify(world, "jane.doe@acme.test")
    assert world.smtp_log
    assert not [line for line in world.smtp_log if line.direction == "C" and line.line.startswith("DATA")]


def test_dialogue_order(world):
    """The probe speaks EHLO, MAIL FROM, RCPT (candidate, then random), RSET, QUIT; the
    evidence notes that the server's PIPELINING was used (tests/test_pipelining.py)."""
    v = verify(world, "jane.doe@acme.test")
    commands = [s.command.split(":")[0].split(" ")[0] for s in v.smtp]
    assert commands == ["CONNECT", "EHLO", "PIPELINING", "MAIL", "RCPT", "RCPT", "RSET", "QUIT"]


def test_check_domain_statuses(world):
    """check_domain tells accepts, null_mx, no_mail, nxdomain and unknown apart."""
    verifier = Verifier(settings_for(world))

    async def run():
        names = ["acme.test", "nomail.test", "empty.test", "ghost-company.test", "broken.test"]
        return [(await verifier.check_domain(n)).status for n in names]

    assert asyncio.run(run()) == ["accepts", "null_mx", "no_mail", "nxdomain", "unknown"]


def test_invalid_syntax_is_undeliverable(world):
    """An address that is not an address is undeliverable with email-validator's reason."""
    v = verify(world, "jane..doe@acme.test")
    assert v.status == "undeliverable"
    assert "invalid" in v.flags
    assert "not valid" in v.reasons[0]


def test_test_domains_only_allowed_in_world_mode():
    """Outside world mode a .test address is refused by the syntax check (no network used)."""
    v = asyncio.run(Verifier(Settings()).verify("jane.doe@acme.test", smtp=False))
    assert v.status == "undeliverable"
    assert "invalid" in v.flags


def test_gravatar_found_with_world_host(world):
    """A Gravatar hit on the world's avatar host adds the gravatar flag; a miss does not."""
    base = settings_for(world)
    settings = dataclasses.replace(base, gravatar=dataclasses.replace(base.gravatar, enabled=True))

    async def run():
        async with httpx.AsyncClient(transport=world.transport()) as client:
            verifier = Verifier(settings, http_client=client, gravatar_url="https://avatars.test")
            return (await verifier.verify("jane.doe@acme.test", smtp=False),
                    await verifier.verify("info@acme.test", smtp=False))

    hit, miss = asyncio.run(run())
    assert "gravatar" in hit.flags
    assert any("Gravatar profile exists" in r for r in hit.reasons)
    assert "gravatar" not in miss.flags


def test_verification_to_json_shape(world):
    """The JSON form has the documented keys and SMTP steps as dicts."""
    data = verification_to_json(verify(world, "jane.doe@acme.test"))
    assert set(data) == {"address", "status", "reasons", "checked_at", "mx", "provider", "smtp",
                         "flags", "retry_after"}
    assert data["smtp"][0].keys() == {"command", "code", "enhanced", "text"}


SLOW_DNS = """
name = "Slow DNS"
[latency_ms]
dns = 300
[dns."acme.test"]
mx = ["10 mx1.acme.test", "20 mx2.acme.test", "30 mx3.acme.test"]
[dns."mx1.acme.test"]
a = ["127.0.0.1"]
[dns."mx2.acme.test"]
a = ["127.0.0.2"]
[dns."mx3.acme.test"]
a = ["127.0.0.3"]
"""


def test_the_mail_servers_addresses_are_asked_at_once(tmp_path):
    """The A records of a domain's MX hosts are asked together (issue 31): every query reaches
    the world's DNS server before the first could be answered (300 ms each), and the hosts
    keep their preference order."""
    with serve_world(write_world(tmp_path, SLOW_DNS)) as running:
        verifier = Verifier(settings_for(running))
        hosts, missing = asyncio.run(verifier.mail_hosts(
            ("mx1.acme.test", "mx2.acme.test", "mx3.acme.test")))
        asked = [q.at for q in running.dns_log if q.name.startswith("mx") and q.type == "A"]
    assert hosts == [("mx1.acme.test", "127.0.0.1"), ("mx2.acme.test", "127.0.0.2"),
                     ("mx3.acme.test", "127.0.0.3")], missing
    assert len(asked) == 3
    assert max(asked) - min(asked) < 0.3


def test_what_a_probe_needs_first_is_looked_up_ahead_and_not_again(world):
    """``prepare_smtp`` (started while a run reads pages) looks up the mail servers' addresses
    and checks port 25 ahead; the probe then asks neither again and finds the same answer
    as without it. With SMTP off it starts nothing."""
    world.clear_logs()
    verifier = Verifier(settings_for(world), rng=random.Random(7))

    async def ahead_then_probe() -> tuple[int, int, Verification]:
        assert verifier.prepare_smtp("acme.test", smtp=False) is None
        task = verifier.prepare_smtp("acme.test", smtp=True)
        assert task is not None
        await verifier.finish()
        looked = len([q for q in world.dns_log if q.type == "A"])
        connected = len({line.connection for line in world.smtp_log})
        checked = await verifier.verify("jane.doe@acme.test", smtp=True)
        assert len([q for q in world.dns_log if q.type == "A"]) == looked  # not asked again
        return looked, connected, checked

    looked, connected, checked = asyncio.run(ahead_then_probe())
    assert looked >= 2 and connected >= 1  # the MX hosts' addresses; the port check
    assert checked.status == verify(world, "jane.doe@acme.test").status == "deliverable"



def _ahead_then(world, domain: str, address: str, *, clock=None, idle_s: float = 0.0):
    """A session greeted ahead for ``domain``, then ``address`` verified; the client lines
    of each connection."""
    world.clear_logs()
    verifier = Verifier(settings_for(world), rng=random.Random(7), clock=clock)

    async def go() -> Verification:
        await verifier.prepare_smtp(domain, smtp=True)
        if clock is not None:
            clock.advance(idle_s)
        checked = await verifier.verify(address, smtp=True)
        await verifier.finish()
        return checked

    checked = asyncio.run(go())
    lines: dict[int, list[str]] = {}
    for line in world.smtp_log:
        if line.direction == "C":
            lines.setdefault(line.connection, []).append(line.line)
    return checked, list(lines.values())


def test_the_first_session_is_greeted_ahead_and_the_probe_goes_on_with_it(world):
    """The session greeted while the run read its pages (banner, EHLO) carries the probe:
    one connection, one EHLO, and the verdict's evidence starts with that greeting."""
    checked, connections = _ahead_then(world, "acme.test", "jane.doe@acme.test")
    assert checked.status == "deliverable", checked.reasons
    (dialogue,) = connections
    assert dialogue[0].startswith("EHLO ") and "RCPT TO:<jane.doe@acme.test>" in dialogue
    assert dialogue[-1] == "QUIT"
    assert checked.smtp[0].command.startswith("CONNECT mx1.acme.test:")
    assert checked.smtp[1].command == dialogue[0]


def test_a_session_greeted_ahead_and_never_used_says_goodbye(world):
    """A run that asks nothing after all QUITs the session it greeted ahead."""
    world.clear_logs()
    verifier = Verifier(settings_for(world), rng=random.Random(7))

    async def go() -> None:
        await verifier.prepare_smtp("acme.test", smtp=True)
        await verifier.finish()

    asyncio.run(go())
    said = [line.line for line in world.smtp_log if line.direction == "C"]
    assert said[0].startswith("EHLO ") and said[-1] == "QUIT"
    assert not any(line.startswith(("MAIL", "RCPT")) for line in said)


HANGUP = """
name = "A server that hangs up at MAIL FROM"
[dns."hangup.test"]
mx = ["10 mx.hangup.test"]
[dns."mx.hangup.test"]
a = ["127.0.0.1"]
[mail."hangup.test"]
mailboxes = ["jane.doe"]
[[fault]]
service = "smtp"
stage = "mail"
reset = true
"""


def test_a_server_that_hung_up_on_the_greeted_session_is_asked_again(tmp_path):
    """When the first command on a session greeted ahead gets no answer (as from a server
    that hung up on an idle client), the host is connected to again: the verdict is the one
    a probe without it gets."""
    with serve_world(write_world(tmp_path, HANGUP), latency=False) as running:
        checked, connections = _ahead_then(running, "hangup.test", "jane.doe@hangup.test")
        plain = verify(running, "jane.doe@hangup.test")
    assert len(connections) == 2 and all(c[0].startswith("EHLO ") for c in connections)
    assert (checked.status, checked.reasons[0]) == (plain.status, plain.reasons[0])
    assert checked.status == "unknown"


def test_a_session_greeted_ahead_that_waited_too_long_is_not_trusted(world):
    """A greeted session idle past AHEAD_IDLE_S gets a QUIT; the probe connects afresh."""
    from lookup.mail.smtpcheck import AHEAD_IDLE_S

    checked, connections = _ahead_then(world, "acme.test", "jane.doe@acme.test",
                                       clock=FakeClock(), idle_s=AHEAD_IDLE_S + 1)
    assert checked.status == "deliverable"
    first, second = connections
    assert first[0].startswith("EHLO ") and first[-1] == "QUIT" and len(first) == 2
    assert "RCPT TO:<jane.doe@acme.test>" in second
