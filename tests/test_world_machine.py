"""A world's [machine] table and its mail servers' checks of the client (issue 30)."""

from __future__ import annotations

import dns.resolver
import dns.reversename
import httpx
import pytest

from lookup.world import load_world, serve_world
from lookup.world._smtp import policy_reply
from lookup.world.format import DnsRecords, MailDomain
from tests.conftest import ROOT
from tests.worldkit import write_world

STRICT = ROOT / "tests" / "worlds" / "strictmail"
ZONE = {"mail.candidate.test": DnsRecords(a=("203.0.113.25",)),
        "candidate.test": DnsRecords(a=(), mx=((10, "mail.candidate.test"),)),
        "bare.test": DnsRecords(a=(), txt=("v=spf1 -all",))}


@pytest.mark.parametrize(("config", "helo", "sender", "count", "expected"), [
    # Postfix, smtpd_delay_reject = yes: every check answers the RCPT
    (MailDomain("q.test", helo="fqdn"), "laptop", "<>", 1,
     "504 5.5.2 <laptop>: Helo command rejected: need fully-qualified hostname"),
    (MailDomain("q.test", helo="fqdn"), "no.such.test", "<>", 1, None),
    (MailDomain("q.test", helo="known"), "no.such.test", "<>", 1,
     "450 4.7.1 <no.such.test>: Helo command rejected: Host not found"),
    (MailDomain("q.test", helo="known"), "mail.candidate.test", "<>", 1, None),
    (MailDomain("q.test", helo="known"), "[203.0.113.25]", "<>", 1, None),  # literals pass
    (MailDomain("q.test", helo="known"), "[IPv6:2001:db8::1]", "<>", 1, None),
    (MailDomain("q.test", helo="known"), "[999.0.2.1]", "<>", 1,
     "450 4.7.1 <[999.0.2.1]>: Helo command rejected: Host not found"),
    (MailDomain("q.test", sender="known"), "x.test", "me@candidate.test", 1, None),  # MX
    (MailDomain("q.test", sender="known"), "x.test", "me@bare.test", 1,  # no A or MX
     "450 4.1.8 <me@bare.test>: Sender address rejected: Domain not found"),
    (MailDomain("q.test", sender="known"), "x.test", "<>", 1, None),  # not for the null sender
    (MailDomain("q.test", null_sender=False), "x.test", "<>", 1,
     "554 5.7.1 <>: Sender address rejected: Access denied"),
    (MailDomain("q.test", null_sender=False), "x.test", "me@candidate.test", 1, None),
    (MailDomain("q.test", max_rcpts_per_session=2), "x.test", "<>", 2, None),
    (MailDomain("q.test", max_rcpts_per_session=2), "x.test", "<>", 3,
     "452 4.5.3 Error: too many recipients"),
    # Exim's words
    (MailDomain("q.test", helo="fqdn", software="exim"), "laptop", "<>", 1,
     "550 Access denied - Invalid HELO name (See RFC2821 4.1.3)"),
    (MailDomain("q.test", sender="known", software="exim"), "x.test", "me@bare.test", 1,
     "550-Verification failed for <me@bare.test>\r\n550-Unrouteable address\r\n"
     "550 Sender verify failed"),
    (MailDomain("q.test", max_rcpts_per_session=1, software="exim"), "x.test", "<>", 2,
     "452 too many recipients"),
])
def test_policy_reply(config, helo, sender, count, expected):
    """Each check refuses with its server's own reply text, and only when it should."""
    assert policy_reply(config, helo=helo, sender=sender, count=count, zone=ZONE) == expected


def test_the_world_answers_ptr_echo_and_blocklist_queries(tmp_path):
    """[machine] gives a PTR record, an echo at myip.world.test and the listed zones' entries."""
    path = write_world(tmp_path, """
[machine]
public_ip = "198.51.100.7"
reverse_dns = "gw.example.test"
listed_on = ["bl.spamcop.net"]
""")
    with serve_world(path, latency=False) as world:
        res = dns.resolver.Resolver(configure=False)
        res.nameservers, res.port, res.lifetime = ["127.0.0.1"], world.endpoints.dns_port, 3.0
        ptr = res.resolve(dns.reversename.from_address("198.51.100.7"), "PTR")
        listed = res.resolve("7.100.51.198.bl.spamcop.net", "A")
        with pytest.raises(dns.resolver.NXDOMAIN):
            res.resolve("7.100.51.198.zen.spamhaus.org", "A")
        with httpx.Client(transport=world.sync_transport()) as client:
            echo = client.get("http://myip.world.test/")
    assert [r.to_text() for r in ptr] == ["gw.example.test."]
    assert [r.to_text() for r in listed] == ["127.0.0.2"]
    assert echo.status_code == 200 and echo.text.strip() == "198.51.100.7"


def test_mail_checks_are_read_and_checked(tmp_path):
    """The new [mail] keys load; a wrong value names its key."""
    world = load_world(STRICT)
    assert world.mail["slatework.test"].software == "exim"
    assert world.mail["fewrcpt.test"].max_rcpts_per_session == 2
    bad = write_world(tmp_path, '[mail."a.test"]\nhelo = "strict"\n')
    with pytest.raises(Exception, match=r'helo is .strict.; use one of any, fqdn, known'):
        load_world(bad)
