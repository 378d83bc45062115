"""SMTP through a SOCKS5 proxy: a real server on loopback (pproxy), the world's mail behind it."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import socket

import pytest
from typer.testing import CliRunner

from flows.cli import app
from lookup.errors import ConfigError
from lookup.mail.portcheck import REACH_FILE
from lookup.mail.verify import Verifier
from lookup.settings import Settings
from lookup.world import serve_world
from tests.netkit import closed_port
from tests.socks5 import serve_socks5
from tests.test_verify import WORLD as VERIFY_WORLD
from tests.worldkit import write_world

runner = CliRunner()

# The held-out-style cases of tests/test_verify.py, one per kind of answer.
CASES = [
    "jane.doe@acme.test",  # deliverable
    "nobody.here@acme.test",  # undeliverable, 550 5.1.1
    "jane.doe@catchall.test",  # risky, catch-all
    "jane.doe@grey.test",  # greylisted, then deliverable
    "jane.doe@blocked.test",  # a block-list refusal: unknown
    "jane.doe@full.test",  # mailbox full: risky
    "jane.doe@failover.test",  # the first MX refuses, the second answers
    "jane.doe@nomail.test",  # null MX: no probe at all
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with serve_world(write_world(tmp_path_factory.mktemp("proxy"), VERIFY_WORLD),
                     latency=False) as running:
        yield running


@pytest.fixture(scope="module")
def proxy():
    with serve_socks5() as running:
        yield running


def settings_for(world, proxy_url: str = "", **smtp) -> Settings:
    base = Settings().in_world(world.endpoints)
    smtp = {"timeout_s": 2.0, "greylist_retry_s": (0.4,), "max_inline_wait_s": 1.0,
            "proxy": proxy_url, **smtp}
    return dataclasses.replace(base, smtp=dataclasses.replace(base.smtp, **smtp))


def verdicts(settings: Settings) -> list[tuple[str, str, tuple[str, ...]]]:
    verifier = Verifier(settings, rng=random.Random(3))
    out = asyncio.run(verifier.verify_many(CASES, smtp=True))
    return [(v.address, v.status, tuple(sorted(v.flags))) for v in out]


def test_the_same_verdicts_through_the_proxy_as_direct(world, proxy):
    """Every case gets the same verdict through the SOCKS5 proxy as directly, and went through it."""
    direct = verdicts(settings_for(world))
    before = len(proxy.relayed())
    proxied = verdicts(settings_for(world, proxy.url))
    assert proxied == direct
    assert [s for _, s, _ in direct].count("deliverable") == 3
    relayed = proxy.relayed()[before:]
    smtp_port = world.endpoints.smtp_port
    assert relayed and all(line.endswith(f"-> 127.0.0.1:{smtp_port}") or
                           line.endswith(f"-> 127.0.0.2:{smtp_port}") for line in relayed)


def test_starttls_goes_through_the_proxy(tmp_path, proxy):
    """The whole dialogue, STARTTLS included, runs through the proxy."""
    tls = write_world(tmp_path, 'name = "tls"\n[smtp]\nstarttls = true\nhostname = "mx1.acme.test"\n'
                                '[dns."acme.test"]\nmx = ["10 mx1.acme.test"]\n'
                                '[dns."mx1.acme.test"]\na = ["127.0.0.1"]\n'
                                '[mail."acme.test"]\nmailboxes = ["jane.doe"]\n')
    with serve_world(tls, latency=False) as running:
        before = len(proxy.relayed())
        verifier = Verifier(settings_for(running, proxy.url), rng=random.Random(1))
        v = asyncio.run(verifier.verify("jane.doe@acme.test", smtp=True))
    assert v.status == "deliverable", v.reasons
    assert [s.command.split(" ")[0] for s in v.smtp][:4] == ["CONNECT", "EHLO", "STARTTLS", "EHLO"]
    assert len(proxy.relayed()) > before


def test_world_mode_refuses_a_proxy_beyond_loopback_before_any_socket(world, monkeypatch):
    """In a world the proxy must be on loopback: refused with a sentence, no socket opened."""
    opened: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda *a: opened.append(a))
    with pytest.raises(ConfigError, match="must listen on loopback"):
        Verifier(settings_for(world, "socks5://10.1.2.3:1080"))
    assert opened == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "socks5://127.0.0.1", "127.0.0.1:1080"])
def test_a_malformed_proxy_is_bad_input(url, data_dir):
    """`--smtp-proxy` with something that is not socks5://host:port: exit 2, one sentence."""
    result = runner.invoke(app, ["verify", "jane@acme.test", "--smtp-proxy", url])
    assert result.exit_code == 2, result.output
    assert "not a SOCKS5 address; write it as socks5://host:port" in result.output


def test_a_proxy_that_is_down_is_said_and_not_remembered_as_a_block(world, tmp_path):
    """A proxy nobody answers on: unknown, the proxy named, and no day-long block written."""
    day = tmp_path / REACH_FILE
    verifier = Verifier(settings_for(world, f"socks5://127.0.0.1:{closed_port()}"), day_cache=day)
    v = asyncio.run(verifier.verify("jane.doe@acme.test", smtp=True))
    assert v.status == "unknown"
    assert "the SMTP proxy could not be used" in v.reasons[0]
    assert not day.exists()


def test_verify_cli_through_the_proxy(world, proxy):
    """`lookup verify --smtp-proxy socks5://127.0.0.1:PORT --world W`: probes, through the proxy."""
    before = len(proxy.relayed())
    result = runner.invoke(app, ["verify", "jane.doe@acme.test", "--smtp-proxy", proxy.url,
                                 "--world", world.endpoints.directory])
    assert result.exit_code == 0, result.output
    assert "jane.doe@acme.test: deliverable" in result.output
    assert len(proxy.relayed()) > before


def test_doctor_checks_the_proxy(world, proxy):
    """`lookup doctor --smtp-proxy URL` says port 25 answers through the proxy."""
    result = runner.invoke(app, ["doctor", "--smtp-proxy", proxy.url, "--world",
                                 world.endpoints.directory])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "SMTP proxy" in x)
    assert "works" in line and proxy.url in line
