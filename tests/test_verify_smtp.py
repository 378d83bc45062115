"""SMTP probing against worlds with server-wide behaviour: slow banners, STARTTLS."""

from __future__ import annotations

import asyncio
import dataclasses
import random

from lookup.mail.smtpprobe import probe_address
from lookup.mail.verify import Verifier
from lookup.settings import Settings
from lookup.world import serve_world
from tests.worldkit import write_world

MAIL = """
[dns."acme.test"]
mx = ["10 mx1.acme.test"]
[dns."mx1.acme.test"]
a = ["127.0.0.1"]
[mail."acme.test"]
mailboxes = ["jane.doe"]
"""


def verify(path, address, *, timeout_s=2.0):
    with serve_world(path, latency=False) as world:
        base = Settings().in_world(world.endpoints)
        settings = dataclasses.replace(base, smtp=dataclasses.replace(base.smtp, timeout_s=timeout_s))
        verdict = asyncio.run(Verifier(settings, rng=random.Random(1)).verify(address, smtp=True))
        return verdict, world.smtp_log


def test_slow_banner_times_out_as_unknown(tmp_path):
    """A server that greets slower than the timeout gives unknown, saying it did not answer."""
    slow = 'name = "slow"\n' + MAIL + '[[fault]]\nservice = "smtp"\nstage = "banner"\ndelay_ms = 3000\n'
    v, _ = verify(write_world(tmp_path, slow), "jane.doe@acme.test", timeout_s=0.3)
    assert v.status == "unknown"
    assert "did not answer CONNECT mx1.acme.test" in v.reasons[0]
    assert "0.3 s" in v.reasons[0]


def test_starttls_used_when_offered(tmp_path):
    """When the server offers STARTTLS the probe upgrades (self-signed cert accepted in world mode)."""
    tls = 'name = "tls"\n[smtp]\nstarttls = true\nhostname = "mx1.acme.test"\n' + MAIL
    v, log = verify(write_world(tmp_path, tls), "jane.doe@acme.test")
    assert v.status == "deliverable", v.reasons
    commands = [s.command.split(" ")[0] for s in v.smtp]
    assert commands[:4] == ["CONNECT", "EHLO", "STARTTLS", "EHLO"]
    assert any(s.command == "STARTTLS" and s.code == 220 for s in v.smtp)


def test_refusing_banner_is_unknown(tmp_path):
    """A 421 greeting that hangs up leaves the verdict unknown, quoting the greeting."""
    busy = 'name = "busy"\n' + MAIL + (
        '[[fault]]\nservice = "smtp"\nstage = "banner"\n'
        'reply = "421 4.7.0 Try again later, closing connection"\n'
    )
    v, _ = verify(write_world(tmp_path, busy), "jane.doe@acme.test")
    assert v.status == "unknown"
    assert "refused the connection: 421 4.7.0 Try again later" in v.reasons[0]


def test_unverifiable_certificate_falls_back_to_plain(tmp_path):
    """When the certificate does not verify, the same host is asked again without TLS."""
    tls = 'name = "tls"\n[smtp]\nstarttls = true\nhostname = "mx1.acme.test"\n' + MAIL
    with serve_world(write_world(tmp_path, tls), latency=False) as world:
        smtp = dataclasses.replace(Settings().in_world(world.endpoints).smtp, timeout_s=2.0)
        result = asyncio.run(probe_address(
            "jane.doe@acme.test", "nx-random@acme.test",
            hosts=[("mx1.acme.test", "127.0.0.1")], settings=smtp, verify_tls=True,
        ))
    assert result.category == "accepted"
    assert result.catch_all is False
    failed = [s for s in result.steps if s.command == "TLS handshake"]
    assert failed and "certificate" in failed[0].text.lower()
    assert [s.command for s in result.steps].count("STARTTLS") == 1
