"""This machine's public IP on a DNS blocklist: `lookup doctor --blocklists` says so, and probing
then refuses to start, in one sentence (issue 30). Only the world's DNS is ever asked."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from lookup.errors import WorldError
from lookup.intake.interview import make_interview
from lookup.mail.blocklists import (
    BlocklistMemory,
    Listing,
    Remembered,
    query_name,
    read_listing,
    refusal,
)
from lookup.mail.dnscheck import DnsAnswer
from lookup.mail.portcheck import REACH_FILE
from lookup.mail.verify import Verifier
from lookup.network.doctor import identity_checks
from lookup.research import run_pipeline
from lookup.settings import Settings, load_settings
from lookup.world import load_world, serve_world
from tests.conftest import ROOT
from tests.socks5 import serve_socks5
from tests.worldkit import write_world

runner = CliRunner()
STRICT = ROOT / "tests" / "worlds" / "strictmail"
REFUSED = "SMTP probing refused: this machine's public IP 203.0.113.25 (directly) is listed on"


def listed_world(tmp_path: Path) -> Path:
    """The strictmail world whose machine is listed on zen.spamhaus.org (in the world's DNS)."""
    world = tmp_path / "listed"
    shutil.copytree(STRICT, world)
    toml = (world / "world.toml").read_text(encoding="utf-8")
    toml = toml.replace('reverse_dns = "mail.candidate.test"\n',
                        'reverse_dns = "mail.candidate.test"\nlisted_on = ["zen.spamhaus.org"]\n')
    (world / "world.toml").write_text(toml, encoding="utf-8")
    return world


def test_doctor_lists_the_ip_and_then_verify_refuses_in_one_sentence(tmp_path, data_dir):
    """`lookup doctor --blocklists` names the listing; `lookup verify --smtp` then exits 1 with one
    sentence, sending nothing to the mail server; smtp.ignore_blocklists lets it probe."""
    world = listed_world(tmp_path)
    result = runner.invoke(app, ["doctor", "--blocklists", "--world", str(world), "--json"])
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["Public IP"]["works"] and "203.0.113.25" in checks["Public IP"]["detail"]
    line = checks["Blocklists"]
    assert line["works"] is False
    assert line["detail"].startswith("203.0.113.25 (directly) is listed on zen.spamhaus.org "
                                     "(127.0.0.2: Listed by zen.spamhaus.org")
    assert "SMTP probing refuses to start today" in line["detail"]
    assert "bl.spamcop.net" not in line["detail"]  # the clean lists are not named as listings
    verified = runner.invoke(app, ["verify", "ines.moreau@quarrylabs.test", "--smtp", "--world",
                                   str(world)])
    assert verified.exit_code == 1
    (said,) = [x for x in verified.output.splitlines() if x.strip()]
    assert said.startswith(f"Error: {REFUSED} zen.spamhaus.org (checked at ")
    assert said.endswith("or set smtp.ignore_blocklists = true to probe anyway.")
    assert said.count(". ") == 0  # one sentence
    plain = runner.invoke(app, ["verify", "ines.moreau@quarrylabs.test", "--world", str(world)])
    assert plain.exit_code == 0  # without --smtp nothing is refused
    override = runner.invoke(app, ["verify", "ines.moreau@quarrylabs.test", "--smtp", "--world",
                                   str(world)], env={"LOOKUP_SMTP__IGNORE_BLOCKLISTS": "1"})
    assert "ines.moreau@quarrylabs.test: deliverable" in override.output


def test_research_refuses_before_any_run(tmp_path, data_dir):
    """`lookup research --smtp` on the listed world refuses before starting (no Prefect run)."""
    world = listed_world(tmp_path)
    runner.invoke(app, ["doctor", "--blocklists", "--world", str(world)])
    result = runner.invoke(app, ["research", "Ines Moreau", "--company", "Quarry Labs",
                                 "--world", str(world), "--smtp"])
    assert result.exit_code == 1
    assert f"Error: {REFUSED} zen.spamhaus.org" in result.output
    assert not (data_dir / "briefings").exists()


@pytest.mark.parametrize("command", [
    ["verify", "ines.moreau@quarrylabs.test", "--smtp"],
    ["research", "Ines Moreau", "--company", "Quarry Labs", "--smtp"],
    ["reverify", "--all", "--smtp"],
])
def test_a_refusal_keeps_the_cli_convention(tmp_path, data_dir, command):
    """A listed IP's refusal, with --json too: exit 1, stdout empty (no data, no partial
    document), one Error sentence on stderr (flows/cli/_output.py)."""
    world = listed_world(tmp_path)
    runner.invoke(app, ["doctor", "--blocklists", "--world", str(world)])
    for extra in ([], ["--json"]):
        result = runner.invoke(app, [*command, "--world", str(world), *extra])
        assert result.exit_code == 1, result.output
        assert result.stdout == ""
        (said,) = result.stderr.splitlines()
        assert said.startswith(f"Error: {REFUSED} zen.spamhaus.org (checked at ")
        assert said.count(". ") == 0  # one sentence


def test_a_clean_ip_is_said_and_probing_goes_on(tmp_path, data_dir):
    """On the world whose IP no list names, doctor says "not listed" and --smtp probes."""
    result = runner.invoke(app, ["doctor", "--blocklists", "--world", str(STRICT)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "Blocklists" in x)
    assert "works" in line and "203.0.113.25 is not listed on zen.spamhaus.org, bl.spamcop.net, " \
                                "b.barracudacentral.org" in line
    verified = runner.invoke(app, ["verify", "ines.moreau@quarrylabs.test", "--smtp", "--world",
                                   str(STRICT)])
    assert "ines.moreau@quarrylabs.test: deliverable" in verified.output


def test_doctor_says_who_the_probe_is(tmp_path, data_dir):
    """Without --blocklists: the public IP, its reverse DNS and the EHLO name that matches it;
    the lists are not asked (no query under a blocklist zone in the world's DNS log)."""
    with serve_world(STRICT, latency=False) as world:
        settings = Settings().in_world(world.endpoints)
        checks = asyncio.run(identity_checks(Verifier(settings)))
        asked = [q.name for q in world.dns_log if "spamhaus" in q.name]
    by_name = {c.name: c for c in checks}
    assert by_name["Reverse DNS"].detail == ("203.0.113.25 is mail.candidate.test, which resolves "
                                             "back to it")
    assert by_name["EHLO name"].works is True
    assert by_name["EHLO name"].detail == ("EHLO mail.candidate.test (reverse DNS) matches the "
                                           "reverse DNS")
    assert by_name["Blocklists"].works is None and asked == []


def test_doctor_flags_a_helo_name_that_does_not_resolve(tmp_path):
    """The old EHLO name: does not resolve, and is not the reverse DNS name."""
    with serve_world(STRICT, latency=False) as world:
        base = Settings().in_world(world.endpoints)
        settings = dataclasses.replace(base, smtp=dataclasses.replace(
            base.smtp, helo_name="verify.interviewer-lookup.invalid"))
        checks = asyncio.run(identity_checks(Verifier(settings)))
    ehlo = next(c for c in checks if c.name == "EHLO name")
    assert ehlo.works is False
    assert ehlo.detail.startswith("EHLO verify.interviewer-lookup.invalid (smtp.helo_name) does "
                                  "not resolve; the reverse DNS says mail.candidate.test")


def test_the_public_ip_is_asked_through_the_proxy(tmp_path):
    """With a SOCKS5 proxy the echo request goes through it (the IP mail servers then see)."""
    with serve_world(STRICT, latency=False) as world, serve_socks5() as proxy:
        base = Settings().in_world(world.endpoints)
        settings = dataclasses.replace(base, smtp=dataclasses.replace(base.smtp, proxy=proxy.url))
        checks = asyncio.run(identity_checks(Verifier(settings)))
        relayed = proxy.relayed()
    ip = next(c for c in checks if c.name == "Public IP")
    assert ip.works and "asked through the proxy socks5://127.0.0.1" in ip.detail
    assert any(line.endswith(f":{world.endpoints.http_port}") for line in relayed)


def test_a_listing_found_today_refuses_probing_in_a_research_run(tmp_path):
    """The library refuses too (a flow, a batch): every verdict unknown, the sentence said once
    in the card; no SMTP session reaches MAIL FROM."""
    world = listed_world(tmp_path)
    data = tmp_path / "data"
    with serve_world(world, latency=False) as running:
        settings = load_settings({"LOOKUP_DATA_DIR": str(data)}).in_world(running.endpoints)
        asyncio.run(identity_checks(Verifier(settings, day_cache=settings.cache_dir / REACH_FILE),
                                    blocklists=True))
        run = asyncio.run(run_pipeline(make_interview("Ines Moreau", "Quarry Labs"), settings,
                                       smtp=True, transport=running.transport()))
        mails = [x for x in running.smtp_log if x.line.startswith("MAIL")]
    assert {c.status for c in run.result.candidates} == {"unknown"}
    assert run.result.notices and run.result.notices[0].startswith(REFUSED)
    card = Path(run.card).read_text(encoding="utf-8")
    assert card.count("**Note:** SMTP probing refused") == 1
    assert mails == []


def test_smtp_check_blocklists_asks_before_probing(tmp_path):
    """With smtp.check_blocklists a run asks the lists itself (no doctor first) and refuses."""
    world = listed_world(tmp_path)
    with serve_world(world, latency=False) as running:
        base = Settings().in_world(running.endpoints)
        settings = dataclasses.replace(base, smtp=dataclasses.replace(base.smtp,
                                                                      check_blocklists=True))
        v = asyncio.run(Verifier(settings).verify("ines.moreau@quarrylabs.test", smtp=True))
    assert (v.status, v.flags) == ("unknown", ("ip_listed",))
    assert v.reasons[0].startswith(REFUSED)


# -- pure parts ----------------------------------------------------------------------------


@pytest.mark.parametrize(("ip", "expected"), [
    ("203.0.113.25", "25.113.0.203.zen.spamhaus.org"),
    ("2001:db8::1", "1." + "0." * 23 + "8.b.d.0.1.0.0.2.zen.spamhaus.org"),
])
def test_query_name(ip, expected):
    """RFC 5782: reversed octets, or reversed nibbles for IPv6, under the zone."""
    assert query_name(ip, "zen.spamhaus.org.") == expected


@pytest.mark.parametrize(("answer", "status"), [
    (DnsAnswer("q", "A", "ok", ("127.0.0.2",)), "listed"),
    (DnsAnswer("q", "A", "nxdomain"), "clean"),
    (DnsAnswer("q", "A", "ok", ("127.255.255.254",)), "refused"),  # Spamhaus: public resolver
    (DnsAnswer("q", "A", "timeout"), "failed"),
    (DnsAnswer("q", "A", "ok", ("203.0.113.9",)), "failed"),  # a wildcarding resolver
])
def test_read_listing(answer, status):
    """Only 127.0.0.x is a listing; Spamhaus' 127.255.255.x refusals are "could not check"."""
    assert read_listing("zen.spamhaus.org", answer).status == status


def test_a_listing_for_another_ip_does_not_refuse():
    """After a move to another network (another public IP), today's listing does not hold."""
    remembered = Remembered("203.0.113.25", (Listing("zen.spamhaus.org", "listed", "127.0.0.2"),),
                            1_800_000_000.0)
    assert refusal(remembered, current_ip="198.51.100.7", route_label="directly") is None
    assert refusal(remembered, current_ip="203.0.113.25", route_label="directly")
    assert refusal(dataclasses.replace(remembered, listed=()), current_ip=None,
                   route_label="directly") is None


def test_the_day_memory_is_per_day(tmp_path):
    """An answer is read back the same day only."""
    memory = BlocklistMemory(tmp_path / "b.json", "direct live")
    memory.remember("203.0.113.25", [Listing("zen.spamhaus.org", "listed", "127.0.0.2")],
                    1_800_000_000.0)
    assert memory.today(1_800_000_000.0 + 60).listed[0].zone == "zen.spamhaus.org"
    assert memory.today(1_800_000_000.0 + 3 * 86_400) is None


@pytest.mark.parametrize(("machine", "message"), [
    ('public_ip = "8.8.8.8"', "must be a documentation address"),
    ('public_ip = "not-an-ip"', "is not an IP address"),
    ('reverse_dns = "x.test"', "needs public_ip"),
])
def test_a_world_machine_never_names_a_real_address(tmp_path, machine, message):
    """[machine] takes only documentation or loopback addresses."""
    with pytest.raises(WorldError, match=message):
        load_world(write_world(tmp_path, f"[machine]\n{machine}\n"))


def test_a_proxy_password_is_never_written(tmp_path):
    """Sentences, the day files' keys and refusals name the proxy without its credentials."""
    from lookup.mail.smtpconnect import SmtpRoute

    route = SmtpRoute("socks5://bob:s3cret@127.0.0.1:1080")
    assert route.label == "through the proxy socks5://127.0.0.1:1080"
    remembered = Remembered("203.0.113.25", (Listing("zen.spamhaus.org", "listed", "x"),), 0.0)
    sentence = refusal(remembered, current_ip=None, route_label=route.label)
    assert sentence is not None and "s3cret" not in sentence and "bob" not in sentence
    base = Settings()
    settings = dataclasses.replace(base, smtp=dataclasses.replace(base.smtp, proxy=route.proxy))
    verifier = Verifier(settings, day_cache=tmp_path / REACH_FILE)
    assert "s3cret" not in verifier.smtp.memory.key and "s3cret" not in verifier.port_check.key
