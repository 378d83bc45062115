"""The offline world's DNS server, queried with dnspython's resolver over UDP and TCP."""

from __future__ import annotations

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.resolver
import pytest
from worldkit import SMALL_DOCS, SMALL_SITES, SMALL_WORLD, write_world

from lookup.world import RunningWorld, serve_world

LONG_TXT = ", ".join(f'"record {i:02d} ' + "x" * 60 + '"' for i in range(12))

DNS_WORLD = SMALL_WORLD + f"""
[dns."big.test"]
txt = [{LONG_TXT}]

[dns."ttl.test"]
a = ["10.0.0.7"]
ttl = 60

[dns."www.acme.test"]
aaaa = ["::1"]

[[fault]]
service = "dns"
host = "broken.acme.test"
rcode = "SERVFAIL"

[[fault]]
service = "dns"
host = "silent.acme.test"
drop = true

[[fault]]
service = "dns"
host = "once.acme.test"
type = "A"
rcode = "SERVFAIL"
times = 1
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    sites = {**SMALL_SITES, "once.acme.test/index.html": "<p>once</p>"}
    path = write_world(tmp_path_factory.mktemp("dns"), DNS_WORLD, SMALL_DOCS, sites)
    with serve_world(path, latency=False) as running:
        yield running


def resolver(world: RunningWorld, lifetime: float = 3.0) -> dns.resolver.Resolver:
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = world.endpoints.dns_port
    res.lifetime = lifetime
    res.cache = None
    return res


def answers(world: RunningWorld, name: str, kind: str) -> list[str]:
    return sorted(r.to_text() for r in resolver(world).resolve(name, kind))


def test_mx_records_in_preference_order(world: RunningWorld) -> None:
    """MX answers carry preference and exchange from world.toml."""
    assert answers(world, "acme.test", "MX") == ["10 mx1.acme.test.", "20 mx2.acme.test."]


def test_a_record(world: RunningWorld) -> None:
    """A answers come from world.toml."""
    assert answers(world, "mx1.acme.test", "A") == ["127.0.0.1"]


def test_aaaa_record(world: RunningWorld) -> None:
    """AAAA answers come from world.toml."""
    assert answers(world, "acme.test", "AAAA") == ["::1"]


def test_txt_record(world: RunningWorld) -> None:
    """TXT answers come back as quoted strings."""
    assert answers(world, "acme.test", "TXT") == ['"v=spf1 -all"']


def test_ttl_defaults_to_300_and_can_be_set(world: RunningWorld) -> None:
    """Records carry TTL 300 unless the name sets ttl."""
    assert resolver(world).resolve("acme.test", "MX").rrset.ttl == 300
    assert resolver(world).resolve("ttl.test", "A").rrset.ttl == 60


def test_null_mx(world: RunningWorld) -> None:
    """A null MX (RFC 7505) is answered as 0 with the root as exchange."""
    assert answers(world, "nomail.test", "MX") == ["0 ."]


def test_unknown_name_is_nxdomain(world: RunningWorld) -> None:
    """A name the world does not know answers NXDOMAIN."""
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver(world).resolve("nobody.test", "A")


def test_known_name_without_that_type_is_an_empty_answer(world: RunningWorld) -> None:
    """A known name without MX answers NOERROR with no records."""
    with pytest.raises(dns.resolver.NoAnswer):
        resolver(world).resolve("mx1.acme.test", "MX")


def test_site_host_answers_loopback_a(world: RunningWorld) -> None:
    """A host with a site folder and no DNS entry answers A 127.0.0.1."""
    assert answers(world, "blog.acme.test", "A") == ["127.0.0.1"]


def test_site_host_with_records_still_gets_loopback_a(world: RunningWorld) -> None:
    """A site host whose entry gives no A still answers A 127.0.0.1 beside its own records."""
    assert answers(world, "www.acme.test", "A") == ["127.0.0.1"]
    assert answers(world, "www.acme.test", "AAAA") == ["::1"]


def test_empty_non_terminal_is_not_nxdomain(world: RunningWorld) -> None:
    """A name above a world name exists (RFC 8020) and answers no records."""
    query = dns.message.make_query("test", "A")
    response = dns.query.udp(query, "127.0.0.1", port=world.endpoints.dns_port, timeout=2)
    assert response.rcode() == dns.rcode.NOERROR
    assert response.answer == []


def test_large_answer_is_truncated_over_udp_and_completed_over_tcp(world: RunningWorld) -> None:
    """An answer over 512 bytes comes back truncated on UDP and whole on TCP."""
    records = answers(world, "big.test", "TXT")
    assert len(records) == 12
    seen = [(q.transport, q.truncated) for q in world.dns_log if q.name == "big.test"]
    assert ("udp", True) in seen
    assert ("tcp", False) in seen


def test_edns_client_gets_the_large_answer_over_udp(world: RunningWorld) -> None:
    """A client announcing a 4096-byte EDNS payload gets the whole answer on UDP."""
    query = dns.message.make_query("big.test", "TXT", use_edns=0, payload=4096)
    response = dns.query.udp(query, "127.0.0.1", port=world.endpoints.dns_port, timeout=2)
    assert not response.flags & dns.flags.TC
    assert len(response.answer[0]) == 12


def test_servfail_fault(world: RunningWorld) -> None:
    """A dns fault with rcode = SERVFAIL makes the name fail."""
    query = dns.message.make_query("broken.acme.test", "A")
    response = dns.query.udp(query, "127.0.0.1", port=world.endpoints.dns_port, timeout=2)
    assert response.rcode() == dns.rcode.SERVFAIL


def test_servfail_fault_fails_the_resolver(world: RunningWorld) -> None:
    """The resolver gives up on a SERVFAIL name instead of answering."""
    with pytest.raises(dns.resolver.NoNameservers):
        resolver(world).resolve("broken.acme.test", "A")


def test_drop_fault_times_out(world: RunningWorld) -> None:
    """A dns fault with drop = true never answers."""
    with pytest.raises(dns.exception.Timeout):
        resolver(world, lifetime=0.3).resolve("silent.acme.test", "A")


def test_fault_with_times_fails_only_the_first_query(world: RunningWorld) -> None:
    """times = 1 makes the first A query fail and the next one succeed."""
    query = dns.message.make_query("once.acme.test", "A")
    port = world.endpoints.dns_port
    first = dns.query.udp(query, "127.0.0.1", port=port, timeout=2)
    second = dns.query.udp(query, "127.0.0.1", port=port, timeout=2)
    assert (first.rcode(), second.rcode()) == (dns.rcode.SERVFAIL, dns.rcode.NOERROR)


def test_queries_are_counted_per_name(world: RunningWorld) -> None:
    """dns_queries counts every query in total and per name."""
    before = world.dns_queries
    resolver(world).resolve("ttl.test", "A")
    after = world.dns_queries
    assert after.total == before.total + 1
    assert after.by_name["ttl.test"] == before.by_name.get("ttl.test", 0) + 1
