"""Probing that mail servers which check who is asking answer (issue 30): sender, HELO, pacing.

The verify-level tests run on tests/worlds/strictmail, whose mail servers refuse unknown
HELO names and sender domains (Postfix and Exim texts), the null sender, or more than two
RCPTs a session; each case ends in the verdict and the advice a user needs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import shutil
from pathlib import Path

import pytest

from lookup.errors import ConfigError
from lookup.intake.interview import make_interview
from lookup.mail.identity import (
    PublicIp,
    ReverseDns,
    address_literal,
    choose_helo,
    parse_echo,
)
from lookup.mail.pacing import SessionGaps, pacing_for
from lookup.mail.probeplan import next_address
from lookup.mail.rules import provider_named
from lookup.mail.verify import Verifier
from lookup.ratelimit import FakeClock
from lookup.research import run_pipeline
from lookup.settings import Settings, SmtpSettings, load_settings
from lookup.world import serve_world
from tests.conftest import ROOT

STRICT = ROOT / "tests" / "worlds" / "strictmail"
# What config/lookup.toml said before issue 30.
OLD = {"helo_name": "verify.interviewer-lookup.invalid",
       "mail_from": "verify@interviewer-lookup.invalid", "null_sender": False}
OWNED = "me@candidate.test"  # an address the user owns, in the world: its domain has an MX


@pytest.fixture(scope="module")
def strict():
    with serve_world(STRICT, latency=False) as world:
        yield world


def settings_for(world, **smtp) -> Settings:
    base = Settings().in_world(world.endpoints)
    return dataclasses.replace(base, smtp=dataclasses.replace(base.smtp, timeout_s=5.0, **smtp))


def verify(world, *addresses: str, clock=None, **smtp):
    verifier = Verifier(settings_for(world, **smtp), rng=random.Random(1), clock=clock)
    return asyncio.run(verifier.verify_many(list(addresses), smtp=True))


def sessions(world, since: int = 0) -> list[list[str]]:
    """The client commands of each SMTP session that got as far as MAIL FROM, after ``since``."""
    by_connection: dict[int, list[str]] = {}
    for line in world.smtp_log[since:]:
        if line.direction == "C":
            by_connection.setdefault(line.connection, []).append(line.line)
    return [c for c in by_connection.values() if any(x.startswith("MAIL") for x in c)]


# -- the defaults speak like a callout; the old settings were refused --------------------


def test_defaults_get_answers_where_the_old_settings_got_helo_refusals(strict):
    """Postfix checking HELO and sender domain: defaults give deliverable/undeliverable, the old
    settings unknown, saying it was our HELO name and what to change."""
    good, gone = verify(strict, "ines.moreau@quarrylabs.test", "nobody@quarrylabs.test")
    assert (good.status, gone.status) == ("deliverable", "undeliverable")
    assert good.reasons[1] == ("Asked as a mail server checking a recipient: MAIL FROM:<> with "
                               "EHLO mail.candidate.test (reverse DNS).")
    old = verify(strict, "ines.moreau@quarrylabs.test", "nobody@quarrylabs.test", **OLD)
    assert [v.status for v in old] == ["unknown", "unknown"]
    assert all("helo_refused" in v.flags for v in old)
    assert old[0].reasons[0] == (
        "mx.quarrylabs.test refused our HELO name verify.interviewer-lookup.invalid, not the "
        "address: it cannot tell whether the address exists (450 4.7.1 "
        "<verify.interviewer-lookup.invalid>: Helo command rejected: Host not found).")
    assert old[0].reasons[1].startswith("To get an answer, set smtp.helo_name to a name whose "
                                        "DNS points at this machine's public IP")


def test_an_unresolvable_sender_domain_is_about_the_sender(strict):
    """A good HELO name but the old sender: 450 4.1.8 is about our sender, with its advice."""
    (v,) = verify(strict, "ines.moreau@quarrylabs.test",
                  mail_from="verify@interviewer-lookup.invalid", null_sender=False)
    assert (v.status, v.flags) == ("unknown", ("sender_refused",))
    assert "refused our sender <verify@interviewer-lookup.invalid>, not the address" in v.reasons[0]
    assert "450 4.1.8 <verify@interviewer-lookup.invalid>: Sender address rejected: Domain not " \
           "found" in v.reasons[0]
    assert "set smtp.null_sender = true" in v.reasons[1]


def test_one_refusal_about_us_is_not_asked_again_for_each_address(strict):
    """After "Helo command rejected" the other top addresses are not asked: the same part."""
    before = len(strict.smtp_log)
    verdicts = verify(strict, "ines.moreau@quarrylabs.test", "a@quarrylabs.test",
                      "b@quarrylabs.test", **OLD)
    rcpts = [c for s in sessions(strict, before) for c in s if c.startswith("RCPT")]
    assert rcpts == ["RCPT TO:<ines.moreau@quarrylabs.test>"]
    assert {v.reasons[0].split(" (")[0] for v in verdicts} == {verdicts[0].reasons[0].split(" (")[0]}


def test_exim_sender_verification_is_not_read_as_no_such_user(strict):
    """Exim's "Unrouteable address ... Sender verify failed" is about our sender, not undeliverable."""
    (v,) = verify(strict, "ada.lind@slatework.test",
                  mail_from="verify@interviewer-lookup.invalid", null_sender=False)
    assert v.status == "unknown" and "sender_refused" in v.flags
    assert "Verification failed for <verify@interviewer-lookup.invalid> Unrouteable address " \
           "Sender verify failed" in v.reasons[0]
    (ok,) = verify(strict, "ada.lind@slatework.test")
    assert ok.status == "deliverable"


def test_exim_refuses_a_non_fqdn_helo_name(strict):
    """cPanel's Exim answers an unqualified name with its "Invalid HELO name" line: helo_refused."""
    (v,) = verify(strict, "ada.lind@slatework.test", helo_name="laptop")
    assert (v.status, v.flags) == ("unknown", ("helo_refused",))
    assert "550 Access denied - Invalid HELO name (See RFC2821 4.1.3)" in v.reasons[0]
    assert "our HELO name laptop" in v.reasons[0]


def test_a_refused_null_sender_is_retried_once_with_smtp_mail_from(strict):
    """nobody accepts bounces at nobounce.test: the one retry as smtp.mail_from answers, and the
    verdict says which sender was used."""
    before = len(strict.smtp_log)
    good, gone = verify(strict, "ola.ek@nobounce.test", "nobody@nobounce.test", mail_from=OWNED)
    assert (good.status, gone.status) == ("deliverable", "undeliverable")
    assert good.reasons[1] == (
        "The server refused the null sender (554 5.7.1 <>: Sender address rejected: Access "
        f"denied), so it was asked once more as MAIL FROM:<{OWNED}> (smtp.mail_from), with "
        "EHLO mail.candidate.test (reverse DNS).")
    mails = [c for s in sessions(strict, before) for c in s if c.startswith("MAIL")]
    assert mails[0] == "MAIL FROM:<>" and set(mails[1:]) == {f"MAIL FROM:<{OWNED}>"}


def test_a_refused_null_sender_without_a_fallback_asks_for_one(strict):
    """Without smtp.mail_from the refusal of <> stays unknown, advising to set it."""
    (v,) = verify(strict, "ola.ek@nobounce.test")
    assert (v.status, v.flags) == ("unknown", ("sender_refused",))
    assert "refused our sender <>, not the address" in v.reasons[0]
    assert "set smtp.mail_from to an address you own" in v.reasons[1]


def test_too_many_recipients_ends_a_session_and_the_next_asks_fewer(strict):
    """fewrcpt.test takes two RCPTs a session: every address still gets its answer, in sessions
    of at most two RCPTs after the first refusal."""
    before = len(strict.smtp_log)
    addresses = ["kai.roth@fewrcpt.test", *(f"x{i}@fewrcpt.test" for i in range(4))]
    verdicts = verify(strict, *addresses)
    assert [v.status for v in verdicts] == ["deliverable", *["undeliverable"] * 4]
    counts = [sum(c.startswith("RCPT") for c in s) for s in sessions(strict, before)]
    assert counts == [3, 2, 2]  # the third RCPT was refused, then asked again in session two
    # five addresses, the random one, and the one refusal asked again: 7 RCPTs in all


def test_a_catch_all_test_refused_as_too_many_is_asked_in_the_next_session(strict):
    """When the random address is the RCPT over the limit, the next session asks it: the
    accepted address still ends deliverable (the catch-all test finished)."""
    before = len(strict.smtp_log)
    refused, good = verify(strict, "x9@fewrcpt.test", "kai.roth@fewrcpt.test")
    assert (refused.status, good.status) == ("undeliverable", "deliverable")
    counts = [sum(c.startswith("RCPT") for c in s) for s in sessions(strict, before)]
    assert counts == [3, 1]


def test_a_refused_greeting_is_about_our_helo(tmp_path):
    """EHLO and HELO both refused (Postfix with smtpd_delay_reject = no): helo_refused at once,
    the other MX hosts not tried."""
    world = _with(tmp_path, '[[fault]]\nservice = "smtp"\nstage = "ehlo"\n'
                  'reply = "504 5.5.2 <laptop>: Helo command rejected: need fully-qualified hostname"\n')
    with serve_world(world, latency=False) as running:
        (v,) = verify(running, "ines.moreau@quarrylabs.test")
    assert (v.status, v.flags) == ("unknown", ("helo_refused",))
    assert "need fully-qualified hostname" in v.reasons[0]


def test_a_null_sender_refused_at_mail_from_is_retried(tmp_path):
    """A server refusing MAIL FROM:<> itself (not at RCPT) is asked again as smtp.mail_from."""
    world = _with(tmp_path, '[[fault]]\nservice = "smtp"\nstage = "mail"\ntimes = 1\n'
                  'reply = "553 5.1.7 <>: the null sender is not accepted here"\n')
    with serve_world(world, latency=False) as running:
        (v,) = verify(running, "ines.moreau@quarrylabs.test", mail_from=OWNED)
    assert v.status == "deliverable"
    assert "refused the null sender (553 5.1.7" in v.reasons[1]
    assert [s.command for s in v.smtp if s.command.startswith("MAIL")] == [
        "MAIL FROM:<>", f"MAIL FROM:<{OWNED}>"]


def test_a_blocklisted_greeting_is_about_our_ip(tmp_path):
    """A 554 banner naming a block list: unknown, blocklisted, quoting the server."""
    world = _with(tmp_path, '[[fault]]\nservice = "smtp"\nstage = "banner"\nreply = "554 5.7.1 '
                  'Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org"\n')
    with serve_world(world, latency=False) as running:
        (v,) = verify(running, "ines.moreau@quarrylabs.test")
    assert v.status == "unknown"
    assert "blocked using zen.spamhaus.org" in v.reasons[0] and "block list" in v.reasons[0]


def _with(tmp_path: Path, extra: str) -> Path:
    """A copy of the strictmail world with ``extra`` appended to its world.toml."""
    world = tmp_path / "strict"
    shutil.copytree(STRICT, world)
    with (world / "world.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n" + extra)
    return world


# -- pacing -------------------------------------------------------------------------------


def test_strict_providers_get_fewer_rcpts_and_longer_gaps(tmp_path):
    """Microsoft 365 (pacing = strict): 4 RCPTs a session, 15 s between sessions (fake clock)."""
    clock = FakeClock()
    with serve_world(_m365_with_mailboxes(tmp_path), latency=False) as running:
        before = len(running.smtp_log)
        addresses = [f"p{i}@vellum.test" for i in range(6)]
        verdicts = verify(running, *addresses, clock=clock, strict_session_gap_s=15.0)
        counts = [sum(c.startswith("RCPT") for c in s) for s in sessions(running, before)]
    assert {v.status for v in verdicts} == {"undeliverable"}
    assert counts == [4, 2]  # six refused addresses (no random one: nothing was accepted)
    assert clock.sleeps == [15.0]


def test_a_gap_beyond_the_inline_wait_leaves_the_rest_for_later(tmp_path):
    """A strict gap of 30 s (over smtp.max_inline_wait_s, 20 s): the first session's answers
    stand, the addresses left are unknown with a retry time, and nothing was slept."""
    clock = FakeClock()
    with serve_world(_m365_with_mailboxes(tmp_path), latency=False) as running:
        addresses = [f"p{i}@vellum.test" for i in range(6)]
        verdicts = verify(running, *addresses, clock=clock, strict_session_gap_s=30.0,
                          max_inline_wait_s=20.0)
    assert clock.sleeps == []
    assert [v.status for v in verdicts] == ["undeliverable"] * 4 + ["unknown"] * 2
    assert verdicts[4].retry_after is not None
    assert verdicts[4].reasons[0] == (
        "Not probed now: the next SMTP session to vellum.test is due in 30 s (the pacing of "
        "smtp.session_gap_s), longer than smtp.max_inline_wait_s; re-verify later.")


def _m365_with_mailboxes(tmp_path: Path) -> Path:
    """The m365 world with Directory-Based Edge Blocking on: unknown recipients are refused."""
    world = tmp_path / "m365"
    shutil.copytree(ROOT / "tests" / "worlds" / "m365", world)
    toml = (world / "world.toml").read_text(encoding="utf-8")
    (world / "world.toml").write_text(toml.replace("catch_all = true", 'mailboxes = ["n.petrov"]'),
                                      encoding="utf-8")
    return world


@pytest.mark.parametrize(("provider", "expected"), [
    ("Google Workspace", (4, 15.0, True)),
    ("Mimecast", (4, 15.0, True)),
    ("Fastmail", (9, 1.0, False)),
    (None, (9, 1.0, False)),
])
def test_pacing_comes_from_the_provider_table(provider, expected):
    """Google, Microsoft 365 and the gateways are strict; the others and unknown hosts normal."""
    pacing = pacing_for(provider_named(provider), SmtpSettings())
    assert (pacing.rcpts_per_session, pacing.gap_s, pacing.strict) == expected


def test_session_gaps_queue_in_order():
    """Three sessions booked at once start 0, 15 and 30 s later; beyond the wait: None."""
    gaps = SessionGaps(FakeClock())
    assert [gaps.reserve("a.test", 15.0, max_wait_s=40) for _ in range(3)] == [0.0, 15.0, 30.0]
    assert gaps.reserve("a.test", 15.0, max_wait_s=40) is None
    assert gaps.reserve("b.test", 15.0, max_wait_s=40) == 0.0


def test_an_answer_about_us_ends_the_walk_at_once():
    """The walk stops on a sender, HELO or block-list refusal, even before the top three."""
    ranked = ["a@x.test", "b@x.test", "c@x.test"]
    for kind in ("sender_refused", "helo_refused", "blocklisted"):
        assert next_address(ranked, {"a@x.test": kind}, must=3, budget=8, catch_all=None) is None
    assert next_address(ranked, {"a@x.test": "policy"}, must=3, budget=8,
                        catch_all=None) == "b@x.test"


# -- the identity: HELO name and public IP -------------------------------------------------

IP = PublicIp("203.0.113.25", "as asked")
CONFIRMED = ReverseDns("mail.candidate.test", resolves=True, confirms=True)


@pytest.mark.parametrize(("configured", "public", "reverse", "expected"), [
    ("mx.mine.example", IP, CONFIRMED, ("mx.mine.example", "smtp.helo_name")),
    ("", IP, CONFIRMED, ("mail.candidate.test", "reverse DNS")),
    ("", IP, ReverseDns("dangling.test", resolves=False), ("[203.0.113.25]", "address literal")),
    ("", IP, ReverseDns(None), ("[203.0.113.25]", "address literal")),
    ("", PublicIp("2001:db8::7", "as asked"), None, ("[IPv6:2001:db8::7]", "address literal")),
    ("", PublicIp(None, "no echo"), None, ("box", "this machine's name")),
])
def test_choose_helo(configured, public, reverse, expected):
    """The setting, else the reverse DNS name that resolves, else [IP], else the host name."""
    assert choose_helo(configured, public, reverse, "box") == expected


@pytest.mark.parametrize(("raw", "expected"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n203.0.113.25\n", "203.0.113.25"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nc\r\n198.51.100.1\r\n0\r\n\r\n",
     "198.51.100.1"),
    (b"HTTP/1.1 200 OK\r\n\r\n2001:DB8::1\n", "2001:db8::1"),
])
def test_parse_echo(raw, expected):
    """An echo's plain-text answer gives the IP, chunked or not."""
    assert parse_echo(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [
    (b"HTTP/1.1 503 Busy\r\n\r\n", "it answered HTTP 503"),
    (b"HTTP/1.1 200 OK\r\n\r\n<html>your ip</html>", "is not an IP address"),
    (b"SSH-2.0-OpenSSH", "it did not answer HTTP"),
])
def test_parse_echo_says_why_not(raw, message):
    """An answer that is not an IP is a sentence, never a guess."""
    with pytest.raises(ValueError, match=message):
        parse_echo(raw)


def test_address_literal_forms():
    """RFC 5321 4.1.3 literals for both families."""
    assert (address_literal("192.0.2.1"), address_literal("2001:db8::1")) == (
        "[192.0.2.1]", "[IPv6:2001:db8::1]")


def test_the_identity_is_learned_from_the_world(strict):
    """The world's echo answers the [machine] IP, its PTR names mail.candidate.test, which
    resolves back: the HELO name; the echo is asked once a run."""
    verifier = Verifier(settings_for(strict))
    first = asyncio.run(verifier.identity.ensure())
    assert (first.public.ip, first.helo, first.helo_source) == (
        "203.0.113.25", "mail.candidate.test", "reverse DNS")
    assert first.reverse is not None and first.reverse.confirms
    hits = [h for h in strict.http_log if h.host == "myip.world.test"]
    asyncio.run(verifier.identity.ensure())
    assert len([h for h in strict.http_log if h.host == "myip.world.test"]) == len(hits)


def test_a_configured_helo_name_asks_no_echo(strict):
    """With smtp.helo_name set, probing sends no request to the echo service."""
    before = len([h for h in strict.http_log if h.host == "myip.world.test"])
    (v,) = verify(strict, "ines.moreau@quarrylabs.test", helo_name="mail.candidate.test")
    assert v.status == "deliverable"
    assert len([h for h in strict.http_log if h.host == "myip.world.test"]) == before


@pytest.mark.parametrize(("smtp", "message"), [
    ({"mail_from": "not an address"}, "smtp.mail_from 'not an address' is not an email address"),
    ({"mail_from": "", "null_sender": False}, "smtp.null_sender is false but smtp.mail_from"),
])
def test_a_bad_sender_setting_is_a_sentence(smtp, message):
    """A sender that would break MAIL FROM is refused when the verifier is built."""
    base = Settings()
    with pytest.raises(ConfigError, match=message):
        Verifier(dataclasses.replace(base, smtp=dataclasses.replace(base.smtp, **smtp)))


# -- the research run, on the world (the first "done when") ----------------------


def _research(data: Path, **env: str):
    with serve_world(STRICT, latency=False) as world:
        settings = load_settings({"LOOKUP_DATA_DIR": str(data), **env}).in_world(world.endpoints)
        interview = make_interview("Ines Moreau", "Quarry Labs")
        return asyncio.run(run_pipeline(interview, settings, smtp=True, transport=world.transport()))


def test_research_gets_answers_with_the_defaults_and_unknown_with_the_old_settings(tmp_path):
    """The same world: deliverable for ines.moreau@ with the defaults; unknown, about our HELO
    name, with the settings before issue 30; the card says so in words."""
    run = _research(tmp_path / "new")
    best = run.result.candidates[0]
    assert (best.address, best.status) == ("ines.moreau@quarrylabs.test", "deliverable")
    asked = [c for c in run.result.candidates if c.status == "undeliverable"]
    assert asked  # the other top candidates were asked and refused (550 5.1.1)
    old = _research(tmp_path / "old", LOOKUP_SMTP__HELO_NAME=OLD["helo_name"],
                    LOOKUP_SMTP__MAIL_FROM=OLD["mail_from"], LOOKUP_SMTP__NULL_SENDER="false")
    first = old.result.candidates[0]
    assert (first.address, first.status) == ("ines.moreau@quarrylabs.test", "unknown")
    assert {c.status for c in old.result.candidates} == {"unknown"}
    card = Path(old.card).read_text(encoding="utf-8")
    assert "refused our HELO name `verify.interviewer-lookup.invalid`" in card  # a host: code


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_lookup_research_smtp_with_the_defaults_and_with_the_old_settings(monkeypatch):
    """`lookup research … --smtp` (CLI, flow, card) on strictmail: deliverable with the defaults,
    unknown with the settings before issue 30."""
    import json

    from typer.testing import CliRunner

    from flows.cli import app

    args = ["research", "Ines Moreau", "--company", "Quarry Labs", "--world", str(STRICT),
            "--smtp", "--json"]
    new = CliRunner().invoke(app, args)
    assert new.exit_code == 0, new.output
    summary = json.loads(new.stdout[new.stdout.index("{"):])
    assert (summary["email"]["address"], summary["email"]["status"]) == (
        "ines.moreau@quarrylabs.test", "deliverable")
    monkeypatch.setenv("LOOKUP_SMTP__HELO_NAME", OLD["helo_name"])
    monkeypatch.setenv("LOOKUP_SMTP__MAIL_FROM", OLD["mail_from"])
    monkeypatch.setenv("LOOKUP_SMTP__NULL_SENDER", "false")
    old = CliRunner().invoke(app, args)
    assert old.exit_code == 0, old.output
    summary = json.loads(old.stdout[old.stdout.index("{"):])
    assert (summary["email"]["address"], summary["email"]["status"]) == (
        "ines.moreau@quarrylabs.test", "unknown")
