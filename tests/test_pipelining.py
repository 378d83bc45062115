"""SMTP command pipelining (RFC 2920, issue 31): fewer round trips, the same answers.

Every scenario runs twice on the world's real loopback SMTP server: once offering
PIPELINING (the default, as real MX hosts do) and once with ``[smtp] pipelining =
false``. The verdicts must be the same; the server's log shows which client write
(``flight``) carried each command, so the round trips are counted where they happen.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from lookup.mail.probeplan import DomainProbe
from lookup.mail.smtpprobe import probe_session
from lookup.mail.smtpsession import PIPELINING_NOTE, UNANSWERED
from lookup.mail.verify import Verifier
from lookup.settings import Settings
from lookup.world import RunningWorld, serve_world
from tests.conftest import ROOT
from tests.socks5 import serve_socks5

STRICT = ROOT / "tests" / "worlds" / "strictmail"
OWNED = "me@candidate.test"  # an address the user owns, in the world
OLD = {"helo_name": "verify.interviewer-lookup.invalid",
       "mail_from": "verify@interviewer-lookup.invalid", "null_sender": False}
# Two more domains beside strictmail's own: a catch-all and a greylisting one.
EXTRA = """
[dns."anyone.test"]
mx = ["10 mx.anyone.test"]
[dns."mx.anyone.test"]
a = ["127.0.0.1"]
[mail."anyone.test"]
mailboxes = ["eva.holm"]
catch_all = true

[dns."slowpost.test"]
mx = ["10 mx.slowpost.test"]
[dns."mx.slowpost.test"]
a = ["127.0.0.1"]
[mail."slowpost.test"]
mailboxes = ["ivo.lang"]
greylist = true
"""
QUARRY = ["tomas.berg@quarrylabs.test", "nobody@quarrylabs.test", "ines.moreau@quarrylabs.test"]


def _world(tmp_path: Path, *, pipelining: bool, extra: str = "") -> Path:
    """strictmail with EXTRA (and ``extra``), offering PIPELINING or not."""
    world = tmp_path / f"pipelining-{pipelining}"
    shutil.copytree(STRICT, world)
    toml = world / "world.toml"
    smtp = "" if pipelining else "\n[smtp]\npipelining = false\n"
    toml.write_text(toml.read_text(encoding="utf-8") + EXTRA + smtp + extra, encoding="utf-8")
    return world


def _settings(world: RunningWorld, **smtp) -> Settings:
    base = Settings().in_world(world.endpoints)
    smtp = {"timeout_s": 3.0, "greylist_retry_s": (0.2,), "max_inline_wait_s": 2.0, **smtp}
    return dataclasses.replace(base, smtp=dataclasses.replace(base.smtp, **smtp))


@dataclass
class Run:
    verdicts: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]
    smtp: list  # each verdict's raw steps
    log: tuple

    def writes(self) -> int:
        """The client's writes that carried commands (round trips, the banner aside)."""
        return len({(x.connection, x.flight) for x in self.log if x.direction == "C"})

    def dialogue(self) -> list[tuple[str, str]]:
        """(command, reply) pairs in order, leaving out RCPTs refused for want of MAIL FROM."""
        pairs, command = [], None
        for line in self.log:
            if line.direction == "C":
                command = line.line
            elif line.direction == "S" and command and line.line[3:4] != "-":
                pairs.append((command, line.line))
                command = None
        return [p for p in pairs if not p[1].startswith("503")]


def _run(tmp_path: Path, addresses: list[str], *, pipelining: bool, extra: str = "",
         **smtp) -> Run:
    with serve_world(_world(tmp_path, pipelining=pipelining, extra=extra),
                     latency=False) as world:
        verifier = Verifier(_settings(world, **smtp), rng=random.Random(7))
        found = asyncio.run(verifier.verify_many(addresses, smtp=True))
        return Run([(v.address, v.status, v.reasons, v.flags) for v in found],
                   [v.smtp for v in found], world.smtp_log)


def _both(tmp_path: Path, addresses: list[str], extra: str = "", **smtp) -> tuple[Run, Run]:
    return (_run(tmp_path, addresses, pipelining=False, extra=extra, **smtp),
            _run(tmp_path, addresses, pipelining=True, extra=extra, **smtp))


FAULT = '\n[[fault]]\nservice = "smtp"\n'
SCENARIOS = {
    "accepted (and the catch-all check), refused, accepted": (QUARRY, "", {}),
    "a catch-all domain": (["eva.holm@anyone.test", "x.y@anyone.test"], "", {}),
    "greylisted, then answered": (["ivo.lang@slowpost.test", "nobody@slowpost.test"], "", {}),
    "null sender refused at RCPT, retried as smtp.mail_from":
        (["ola.ek@nobounce.test", "nobody@nobounce.test"], "", {"mail_from": OWNED}),
    "null sender refused, no fallback": (["ola.ek@nobounce.test"], "", {}),
    "too many recipients": (["kai.roth@fewrcpt.test", *(f"x{i}@fewrcpt.test" for i in range(4))],
                            "", {}),
    "the catch-all RCPT is the one too many": (["x9@fewrcpt.test", "kai.roth@fewrcpt.test"],
                                               "", {}),
    "HELO refused at RCPT (Postfix)": (QUARRY[:2], "", OLD),
    "sender verification refused (Exim)": (["ada.lind@slatework.test"], "", OLD),
    "MAIL FROM:<> refused, retried": (
        QUARRY[2:], FAULT + 'stage = "mail"\ntimes = 1\n'
        'reply = "553 5.1.7 <>: the null sender is not accepted here"\n', {"mail_from": OWNED}),
    "MAIL FROM refused about our IP": (
        QUARRY[2:], FAULT + 'stage = "mail"\nreply = "554 5.7.1 Service unavailable; Client '
        'host [203.0.113.25] blocked using zen.spamhaus.org"\n', {}),
    "421 at MAIL FROM": (QUARRY[2:], FAULT + 'stage = "mail"\nreply = "421 4.7.0 closing"\n', {}),
    "421 at RCPT": (QUARRY, FAULT + 'host = "quarrylabs.test"\nreply = "421 4.3.2 shutting down"\n',
                    {}),
    "reset at MAIL FROM": (QUARRY[2:], FAULT + 'stage = "mail"\nreset = true\n', {}),
    "reset at RCPT": (QUARRY, FAULT + 'host = "quarrylabs.test"\nreset = true\ntimes = 1\n', {}),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_same_verdicts_with_and_without_pipelining(tmp_path: Path, name: str) -> None:
    """Each SMTP scenario gives the same verdicts and the same dialogue (bar RCPTs answered 503
    "need MAIL") whether the server offers PIPELINING or not, in no more round trips."""
    addresses, extra, smtp = SCENARIOS[name]
    plain, piped = _both(tmp_path, addresses, extra, **smtp)
    assert piped.verdicts == plain.verdicts
    assert piped.dialogue() == plain.dialogue()
    assert piped.writes() <= plain.writes()
    assert not any(s.command == "PIPELINING" for steps in plain.smtp for s in steps or ())


def test_three_addresses_take_seven_round_trips_instead_of_thirteen(tmp_path: Path) -> None:
    """The demo's session (three addresses, the catch-all check): 13 round trips one command at
    a time, 7 pipelined: banner, EHLO, [MAIL, RCPT], [RCPT], [RSET, MAIL, RCPT] twice, [RSET, QUIT]."""
    plain, piped = _both(tmp_path, QUARRY)
    assert plain.writes() + 1 == 13
    assert piped.writes() + 1 == 7
    groups: dict[int, list[str]] = {}
    for line in piped.log:
        if line.direction == "C":
            groups.setdefault(line.flight, []).append(line.line.split(":")[0].split(" ")[0])
    assert list(groups.values()) == [["EHLO"], ["MAIL", "RCPT"], ["RCPT"], ["RSET", "MAIL", "RCPT"],
                                     ["RSET", "MAIL", "RCPT"], ["RSET", "QUIT"]]


def test_each_verdict_shows_its_own_transaction_with_the_rset_that_ended_it(tmp_path: Path) -> None:
    """Pipelined, each address's evidence is its own MAIL FROM, RCPT TO (the catch-all RCPT for
    the accepted one), the RSET ending it (sent with the next group) and QUIT, with a note."""
    _, piped = _both(tmp_path, QUARRY)
    for (address, *_), steps in zip(piped.verdicts, piped.smtp, strict=True):
        commands = [s.command for s in steps]
        rcpts = [c for c in commands if c.startswith("RCPT")]
        assert commands[0].startswith("CONNECT mx.quarrylabs.test:")
        assert commands[1:3] == ["EHLO mail.candidate.test", "PIPELINING"]
        assert commands[3] == "MAIL FROM:<>" and rcpts[0] == f"RCPT TO:<{address}>"
        assert commands[-2:] == ["RSET", "QUIT"]
        assert len(rcpts) == (2 if address == QUARRY[0] else 1)  # the first accepted one
        assert all(s.code is not None for s in steps if s.command != "PIPELINING")
    note = next(s for s in piped.smtp[0] if s.command == "PIPELINING")
    assert note.text == PIPELINING_NOTE


def test_a_refused_mail_from_gets_its_rcpt_answered_need_mail_and_not_read_as_an_answer(
        tmp_path: Path) -> None:
    """Pipelined, the RCPT sent with a refused MAIL FROM:<> gets 503; it is kept in the evidence,
    the retry as smtp.mail_from answers, and the address is deliverable."""
    extra = SCENARIOS["MAIL FROM:<> refused, retried"][1]
    run = _run(tmp_path, QUARRY[2:], pipelining=True, extra=extra, mail_from=OWNED)
    assert run.verdicts[0][1] == "deliverable"
    codes = [(s.command.split(":")[0], s.code) for s in run.smtp[0]]
    assert codes[3:8] == [("MAIL FROM", 553), ("RCPT TO", 503), ("MAIL FROM", 250),
                          ("RCPT TO", 250), ("RCPT TO", 550)]  # the random one: no catch-all


def test_a_connection_reset_mid_group_records_the_unanswered_commands(tmp_path: Path) -> None:
    """The server drops the connection at MAIL FROM: the RCPT sent in the same write is in the
    evidence as sent and never answered; the verdict stays unknown, saying where it ended."""
    run = _run(tmp_path, QUARRY[2:], pipelining=True, extra=SCENARIOS["reset at MAIL FROM"][1])
    (address, status, reasons, _), steps = run.verdicts[0], run.smtp[0]
    assert status == "unknown"
    assert "MAIL FROM:<>" in reasons[0]
    tail = [(s.command, s.code, s.text) for s in steps][-2:]
    assert tail[0][:2] == ("MAIL FROM:<>", None) and tail[0][2].startswith("no reply")
    assert tail[1] == (f"RCPT TO:<{address}>", None, UNANSWERED)


def test_no_pipelining_across_starttls(tmp_path: Path) -> None:
    """With STARTTLS, EHLO and STARTTLS each travel alone; the EHLO after the handshake decides
    PIPELINING again, and only then do MAIL FROM and RCPT TO share a write."""
    extra = '\n[smtp]\nstarttls = true\nhostname = "mx.quarrylabs.test"\n'
    run = _run(tmp_path, QUARRY[2:], pipelining=True, extra=extra)
    assert run.verdicts[0][1] == "deliverable"
    commands = [s.command.split(" ")[0] for s in run.smtp[0]]
    assert commands[:6] == ["CONNECT", "EHLO", "STARTTLS", "EHLO", "PIPELINING", "MAIL"]
    flights = [(x.flight, x.line.split(" ")[0]) for x in run.log if x.direction == "C"]
    assert [c for f, c in flights if f <= 3] == ["EHLO", "STARTTLS", "EHLO"]
    assert [f for f, _ in flights] == [1, 2, 3, 4, 4, 5, 6, 6]  # [MAIL, RCPT], [RSET, QUIT]


def test_through_a_socks5_proxy_the_groups_arrive_whole(tmp_path: Path) -> None:
    """Through a loopback SOCKS5 proxy the pipelined groups arrive as they were sent."""
    with serve_world(_world(tmp_path, pipelining=True), latency=False) as world, \
            serve_socks5() as proxy:
        verifier = Verifier(_settings(world, proxy=proxy.url), rng=random.Random(7))
        found = asyncio.run(verifier.verify_many(QUARRY, smtp=True))
        log = world.smtp_log
    assert [v.status for v in found] == ["deliverable", "undeliverable", "deliverable"]
    assert len({x.flight for x in log if x.direction == "C"}) == 6


def test_probe_session_counts_its_writes(tmp_path: Path) -> None:
    """probe_session on a server without PIPELINING sends one command per write."""
    with serve_world(_world(tmp_path, pipelining=False), latency=False) as world:
        probe = DomainProbe(QUARRY[2:], 1, 1, "nx-random@quarrylabs.test")
        settings = _settings(world).smtp
        failure = asyncio.run(probe_session(probe, [("mx.quarrylabs.test", "127.0.0.1")],
                                            settings, helo="mail.candidate.test", world_mode=True))
        log = world.smtp_log
    assert failure == ""
    commands = [x for x in log if x.direction == "C"]
    assert [x.flight for x in commands] == list(range(1, len(commands) + 1))
    assert probe.results[QUARRY[2]].category == "accepted" and probe.catch_all is False


# -- the world's server: what it offers, and what it refuses ----------------------------


def _talk(port: int, *writes: str) -> list[str]:
    """Send each string in one write, read all the reply lines that come back for it."""
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        stream = sock.makefile("rb")
        lines = [stream.readline().decode().rstrip("\r\n")]
        for chunk in writes:
            sock.sendall(chunk.encode())
            for _ in range(chunk.count("\r\n")):
                while True:
                    line = stream.readline().decode().rstrip("\r\n")
                    lines.append(line)
                    if not line or line[3:4] != "-":
                        break
                if not line:
                    return lines
        return lines


@pytest.mark.parametrize("pipelining", [True, False])
def test_the_world_offers_pipelining_unless_told_not_to(tmp_path: Path, pipelining: bool) -> None:
    """The EHLO reply lists PIPELINING by default, and not with [smtp] pipelining = false."""
    with serve_world(_world(tmp_path, pipelining=pipelining), latency=False) as world:
        lines = _talk(world.endpoints.smtp_port, "EHLO client.test\r\n", "QUIT\r\n")
    assert ("250-PIPELINING" in lines) is pipelining
    assert lines[-1].startswith("221")


def test_the_world_answers_a_pipelined_group_in_order(tmp_path: Path) -> None:
    """RSET, MAIL FROM, RCPT TO, RCPT TO in one write: four replies, in order."""
    with serve_world(_world(tmp_path, pipelining=True), latency=False) as world:
        lines = _talk(world.endpoints.smtp_port, "EHLO mail.candidate.test\r\n",
                      "RSET\r\nMAIL FROM:<>\r\nRCPT TO:<info@quarrylabs.test>\r\n"
                      "RCPT TO:<nobody@quarrylabs.test>\r\n", "QUIT\r\n")
        flights = [x.flight for x in world.smtp_log if x.direction == "C"]
    replies = [line[:3] for line in lines if line[3:4] == " "][2:]  # after banner and EHLO
    assert replies == ["250", "250", "250", "550", "221"]
    assert flights == [1, 2, 2, 2, 2, 3]


@pytest.mark.parametrize(("pipelining", "writes"), [
    (False, ["EHLO mail.candidate.test\r\n", "MAIL FROM:<>\r\nRCPT TO:<info@quarrylabs.test>\r\n"]),
    (True, ["EHLO mail.candidate.test\r\nMAIL FROM:<>\r\n"]),  # EHLO must end a group
    (True, ["EHLO mail.candidate.test\r\n", "NOOP\r\nMAIL FROM:<>\r\n"]),
])
def test_the_world_refuses_commands_sent_out_of_turn(tmp_path: Path, pipelining: bool,
                                                     writes: list[str]) -> None:
    """Sending ahead where RFC 2920 does not allow it gets 554 5.5.0 and a hang-up, as with
    Postfix's smtpd_forbid_unauth_pipelining, so a client bug shows in tests."""
    with serve_world(_world(tmp_path, pipelining=pipelining), latency=False) as world:
        lines = _talk(world.endpoints.smtp_port, *writes)
        events = [x.line for x in world.smtp_log if x.direction == "*"]
    assert "554 5.5.0 Error: SMTP protocol synchronization" in lines
    assert lines[-1] == ""  # the server hung up
    assert any(e.startswith("improper pipelining") for e in events)
