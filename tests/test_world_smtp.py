"""The offline world's SMTP server, driven with smtplib over loopback."""

from __future__ import annotations

import smtplib
import socket
import ssl

import pytest
from worldkit import SMALL_DOCS, SMALL_SITES, SMALL_WORLD, write_world

from lookup.world import RunningWorld, serve_world
from lookup.world._smtp import Greylist

SENDER = "verify@checker.test"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    toml = SMALL_WORLD + """
[mail."slowgrey.test"]
mailboxes = ["jane.doe"]
greylist = true
greylist_seconds = 3600

[mail."fragile.test"]
mailboxes = ["jane.doe"]

[[fault]]
service = "smtp"
host = "fragile.test"
reset = true
"""
    path = write_world(tmp_path_factory.mktemp("smtp"), toml, SMALL_DOCS, SMALL_SITES)
    with serve_world(path, latency=False) as running:
        yield running


def rcpt(world: RunningWorld, address: str, sender: str = SENDER) -> tuple[int, str]:
    with smtplib.SMTP("127.0.0.1", world.endpoints.smtp_port, timeout=5) as client:
        client.ehlo("checker.test")
        client.mail(sender)
        code, message = client.rcpt(address)
        return code, message.decode()


def test_known_mailbox_is_accepted(world: RunningWorld) -> None:
    """RCPT TO a listed mailbox answers 250 2.1.5."""
    assert rcpt(world, "jane.doe@acme.test") == (250, "2.1.5 OK")


def test_mailbox_match_ignores_case(world: RunningWorld) -> None:
    """Mailbox names match whatever their case."""
    assert rcpt(world, "Jane.Doe@ACME.test")[0] == 250


def test_unknown_mailbox_is_refused_with_5_1_1(world: RunningWorld) -> None:
    """RCPT TO an unlisted mailbox answers 550 5.1.1 with Gmail's wording."""
    assert rcpt(world, "john.smith@acme.test") == (
        550,
        "5.1.1 The email account that you tried to reach does not exist",
    )


def test_catch_all_accepts_anyone(world: RunningWorld) -> None:
    """A catch-all domain accepts an unlisted mailbox."""
    assert rcpt(world, "whoever@catchall.test")[0] == 250


def test_foreign_domain_is_relaying_denied(world: RunningWorld) -> None:
    """A domain without [mail] answers 550 5.7.1 relaying denied."""
    code, message = rcpt(world, "jane@elsewhere.test")
    assert code == 550
    assert message.startswith("5.7.1 Relaying denied")


def test_greylisting_defers_first_try_and_accepts_the_next(world: RunningWorld) -> None:
    """A greylisted pair gets 451 4.7.1 first, then 250 on the next try."""
    first = rcpt(world, "jane.doe@grey.test", sender="first@checker.test")
    second = rcpt(world, "jane.doe@grey.test", sender="first@checker.test")
    assert first == (451, "4.7.1 greylisted, try again later")
    assert second[0] == 250


def test_greylisting_is_per_sender_and_recipient(world: RunningWorld) -> None:
    """Another sender for the same recipient is greylisted afresh."""
    rcpt(world, "jane.doe@grey.test", sender="a@checker.test")
    assert rcpt(world, "jane.doe@grey.test", sender="b@checker.test")[0] == 451


def test_greylisting_holds_until_greylist_seconds_pass(world: RunningWorld) -> None:
    """With greylist_seconds = 3600 an immediate retry is still deferred."""
    rcpt(world, "jane.doe@slowgrey.test")
    assert rcpt(world, "jane.doe@slowgrey.test")[0] == 451


def test_greylist_lets_the_pair_through_after_the_wait() -> None:
    """The greylist passes a pair once its wait has elapsed on the given clock."""
    now = [100.0]
    greylist = Greylist(clock=lambda: now[0])
    results = [greylist.holds("s@a.test", "r@b.test", 60)]
    now[0] = 130.0
    results.append(greylist.holds("s@a.test", "r@b.test", 60))
    now[0] = 160.0
    results.append(greylist.holds("s@a.test", "r@b.test", 60))
    assert results == [True, True, False]


def test_data_is_refused(world: RunningWorld) -> None:
    """DATA after an accepted recipient answers 554 5.7.1: nothing is ever delivered."""
    with smtplib.SMTP("127.0.0.1", world.endpoints.smtp_port, timeout=5) as client:
        client.ehlo("checker.test")
        client.mail(SENDER)
        client.rcpt("jane.doe@acme.test")
        code, message = client.docmd("DATA")
    assert (code, message.decode()) == (554, "5.7.1 this world never delivers mail")


def test_sendmail_raises_data_error(world: RunningWorld) -> None:
    """A real sending attempt with smtplib fails at DATA."""
    with smtplib.SMTP("127.0.0.1", world.endpoints.smtp_port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPDataError):
            client.sendmail(SENDER, ["jane.doe@acme.test"], "Subject: hi\r\n\r\nhello")


def test_dialogue_is_logged(world: RunningWorld) -> None:
    """smtp_log holds the client's commands and the server's replies."""
    rcpt(world, "info@acme.test", sender="logged@checker.test")
    lines = [(entry.direction, entry.line) for entry in world.smtp_log]
    assert ("C", "MAIL FROM:<logged@checker.test>") in lines
    assert ("C", "RCPT TO:<info@acme.test>") in lines
    assert ("S", "250 2.1.5 OK") in lines


def test_domain_scoped_reset_drops_the_connection_at_rcpt(world: RunningWorld) -> None:
    """An smtp fault naming a mail domain drops the connection at its RCPT TO."""
    with pytest.raises(smtplib.SMTPServerDisconnected):
        rcpt(world, "jane.doe@fragile.test")


def test_domain_scoped_fault_spares_other_domains(world: RunningWorld) -> None:
    """Other domains on the same server still answer."""
    assert rcpt(world, "jane.doe@acme.test")[0] == 250


@pytest.mark.parametrize("stage", ["banner", "ehlo", "mail", "rcpt"])
def test_server_wide_reset_at_each_stage(tmp_path, stage: str) -> None:
    """A server-wide reset fault drops the connection at its stage."""
    toml = SMALL_WORLD + f'\n[[fault]]\nservice = "smtp"\nstage = "{stage}"\nreset = true\n'
    with serve_world(write_world(tmp_path, toml), latency=False) as running:
        with pytest.raises(smtplib.SMTPServerDisconnected):
            rcpt(running, "jane.doe@acme.test")
        events = [e.line for e in running.smtp_log if e.direction == "*"]
    assert f"reset at {stage} (fault)" in events


def test_slow_banner_outlasts_a_short_client_timeout(tmp_path) -> None:
    """A server-wide delay_ms fault at the banner keeps the 220 greeting back."""
    toml = SMALL_WORLD + '\n[[fault]]\nservice = "smtp"\ndelay_ms = 5000\n'
    with serve_world(write_world(tmp_path, toml), latency=False) as running:
        with pytest.raises((socket.timeout, smtplib.SMTPServerDisconnected)):
            smtplib.SMTP("127.0.0.1", running.endpoints.smtp_port, timeout=0.3)


def test_starttls_is_offered_and_works(tmp_path) -> None:
    """With [smtp] starttls = true the server offers STARTTLS and RCPT works over TLS."""
    toml = SMALL_WORLD + "\n[smtp]\nstarttls = true\n"
    with serve_world(write_world(tmp_path, toml), latency=False) as running:
        with smtplib.SMTP("127.0.0.1", running.endpoints.smtp_port, timeout=5) as client:
            client.ehlo("checker.test")
            assert client.has_extn("starttls")
            client.starttls(context=ssl._create_unverified_context())  # self-signed on purpose
            client.ehlo("checker.test")
            client.mail(SENDER)
            assert client.rcpt("jane.doe@acme.test")[0] == 250


def test_starttls_is_not_offered_by_default(world: RunningWorld) -> None:
    """Without [smtp] starttls the server does not offer STARTTLS."""
    with smtplib.SMTP("127.0.0.1", world.endpoints.smtp_port, timeout=5) as client:
        client.ehlo("checker.test")
        assert not client.has_extn("starttls")


def test_reply_fault_replaces_the_rcpt_answer(tmp_path) -> None:
    """An smtp fault with reply answers RCPT for its domain with that line."""
    fault = 'service = "smtp"\nhost = "acme.test"\nreply = "452 4.2.2 Mailbox full"\n'
    toml = SMALL_WORLD + "\n[[fault]]\n" + fault
    with serve_world(write_world(tmp_path, toml), latency=False) as running:
        assert rcpt(running, "jane.doe@acme.test") == (452, "4.2.2 Mailbox full")
        assert rcpt(running, "whoever@catchall.test")[0] == 250


def test_421_banner_fault_closes_the_connection(tmp_path) -> None:
    """A 421 reply fault at the banner refuses the session and hangs up."""
    fault = 'service = "smtp"\nreply = "421 4.3.2 Service not available"\n'
    toml = SMALL_WORLD + "\n[[fault]]\n" + fault
    with serve_world(write_world(tmp_path, toml), latency=False) as running:
        with pytest.raises(smtplib.SMTPConnectError) as caught:
            smtplib.SMTP("127.0.0.1", running.endpoints.smtp_port, timeout=5)
    assert caught.value.smtp_code == 421


def test_smtp_sessions_by_domain_reads_each_connections_first_recipient() -> None:
    """A connection counts once, for the domain of its first RCPT TO, at its first line's time;
    a connection that asked about no recipient is left out."""
    from lookup.world import SmtpLine, smtp_sessions_by_domain

    lines = [
        SmtpLine(1, "S", "220 mx ready", at=1.0), SmtpLine(1, "C", "EHLO me", at=1.1),
        SmtpLine(1, "C", "RCPT TO:<a@Acme.test>", at=1.2),
        SmtpLine(1, "C", "RCPT TO:<b@other.test>", at=1.3),
        SmtpLine(2, "S", "220 mx ready", at=2.0), SmtpLine(2, "C", "QUIT", at=2.1),
        SmtpLine(3, "S", "RCPT TO:<x@server-said.test>", at=3.0),
        SmtpLine(3, "C", "rcpt to:<c@acme.test>", at=3.5),
    ]
    assert smtp_sessions_by_domain(lines) == {"acme.test": [1.0, 3.0]}
