"""Port 25 blocked from here: found once before the first probe, remembered for the day, said once."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from lookup.intake.interview import make_interview
from lookup.mail.portcheck import REACH_FILE, PortAnswer, PortCheck
from lookup.mail.verify import Verifier
from lookup.ratelimit import FakeClock
from lookup.research.pipeline import run_pipeline
from lookup.settings import Settings, load_settings
from lookup.world import serve_world
from tests.conftest import ROOT
from tests.netkit import black_hole, closed_port
from tests.worldkit import write_world

runner = CliRunner()
NOTICE = "Your network blocks outgoing mail connections; verdicts are from DNS and inference"

WORLD = """
name = "reach"
[dns."acme.test"]
mx = ["10 mx1.acme.test", "20 mx2.acme.test"]
[dns."mx1.acme.test"]
a = ["127.0.0.1"]
[dns."mx2.acme.test"]
a = ["127.0.0.1"]
[mail."acme.test"]
mailboxes = ["jane.doe"]
[dns."beta.test"]
mx = ["10 mx.beta.test"]
[dns."mx.beta.test"]
a = ["127.0.0.1"]
[mail."beta.test"]
mailboxes = ["li.wei"]
"""
# The same mail domains, but every MX answers from 127.0.0.2, where nothing listens.
BLOCKED = WORLD.replace('a = ["127.0.0.1"]', 'a = ["127.0.0.2"]')


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with serve_world(write_world(tmp_path_factory.mktemp("reach"), WORLD), latency=False) as w:
        yield w


def settings_at(world, port: int, **smtp) -> Settings:
    base = Settings().in_world(world.endpoints)
    smtp = {"port": port, "timeout_s": 5.0, "connect_timeout_s": 0.3, **smtp}
    return dataclasses.replace(base, smtp=dataclasses.replace(base.smtp, **smtp))


ADDRESSES = [f"p{i}@{d}" for i in range(10) for d in ("acme.test", "beta.test")]


def test_a_black_holed_port_is_found_once_and_remembered_for_the_day(world, tmp_path):
    """20 probes at 2 domains: one check (0.3 s), then every verdict says so; the next run reads it."""
    day = tmp_path / "cache" / REACH_FILE
    with black_hole() as port:
        verifier = Verifier(settings_at(world, port), day_cache=day, rng=random.Random(1))
        out = asyncio.run(verifier.verify_many(ADDRESSES, smtp=True))
        assert {v.status for v in out} == {"unknown"}
        assert all("smtp_blocked" in v.flags and v.smtp is None for v in out)
        assert out[0].reasons[0].startswith("Not probed: your network blocks outgoing mail")
        assert "timed out after 0.3 s" in out[0].reasons[0]
        answer = verifier.port_check.answer
        assert answer is not None and answer.blocked and not answer.from_cache
        saved = json.loads(day.read_text(encoding="utf-8"))
        assert [entry["blocked"] for entry in saved.values()] == [True]
        # A later run the same day: no check at all, even with a long timeout.
        later = Verifier(settings_at(world, port, connect_timeout_s=60.0), day_cache=day)
        again = asyncio.run(later.verify("jane.doe@acme.test", smtp=True))
    assert later.port_check.answer is not None and later.port_check.answer.from_cache
    assert again.status == "unknown" and "remembered for the day" in again.reasons[0]


def test_a_refused_port_counts_as_blocked(world, tmp_path):
    """Refused on every MX host (a TCP reset) while DNS answers: blocked here."""
    verifier = Verifier(settings_at(world, closed_port()), day_cache=tmp_path / REACH_FILE)
    v = asyncio.run(verifier.verify("jane.doe@acme.test", smtp=True))
    assert "smtp_blocked" in v.flags
    assert "mx1.acme.test: connection refused" in v.reasons[0]
    assert "mx2.acme.test: connection refused" in v.reasons[0]


def test_a_reachable_port_is_probed_and_not_remembered(world, tmp_path):
    """When one MX host takes the connection, probing goes on; only blocks are kept for the day."""
    day = tmp_path / REACH_FILE
    verifier = Verifier(settings_at(world, world.endpoints.smtp_port), day_cache=day)
    v = asyncio.run(verifier.verify("jane.doe@acme.test", smtp=True))
    assert v.status == "deliverable", v.reasons
    assert not day.exists()


def test_the_day_s_answer_expires_with_the_day(tmp_path):
    """A block found yesterday is not read today."""
    day, clock = tmp_path / REACH_FILE, FakeClock(epoch=1_800_000_000.0)
    PortCheck(port=25, timeout_s=1, cache_file=day, clock=clock).remember(
        PortAnswer(True, "refused", clock.time())
    )
    assert PortCheck(port=25, timeout_s=1, cache_file=day, clock=clock).cached() is not None
    clock.advance(86_400)
    assert PortCheck(port=25, timeout_s=1, cache_file=day, clock=clock).cached() is None


def test_verify_says_it_once_on_the_terminal(tmp_path):
    """`lookup verify --smtp` for two addresses on a blocked network: one note, not one per address."""
    blocked = write_world(tmp_path, BLOCKED)
    result = runner.invoke(app, ["verify", "jane.doe@acme.test", "li.wei@beta.test", "--smtp",
                                 "--world", str(blocked)])
    assert result.exit_code == 0, result.output
    assert result.output.count(f"Note: {NOTICE}; see `--smtp-proxy`.") == 1
    assert result.output.count("jane.doe@acme.test: unknown") == 1


def test_the_card_says_it_once(tmp_path):
    """A research run on a blocked network: the card carries the note once, the verdicts stay unknown."""
    world_dir = tmp_path / "world"
    shutil.copytree(ROOT / "tests" / "worlds" / "deepprobe", world_dir)
    toml = world_dir / "world.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('[dns."mx.vellum.test"]\na = ["127.0.0.1"]',
                                 '[dns."mx.vellum.test"]\na = ["127.0.0.2"]'), encoding="utf-8")
    with serve_world(world_dir, latency=False) as world:
        settings = load_settings({"LOOKUP_DATA_DIR": str(tmp_path / "data")}).in_world(
            world.endpoints)
        interview = make_interview("Nadia Petrov", "Vellum Analytics")
        run = asyncio.run(run_pipeline(interview, settings, smtp=True, transport=world.transport()))
    card = Path(run.card).read_text(encoding="utf-8")
    assert card.count("**Note:** Your network blocks outgoing mail connections") == 1
    assert run.result.notices == (f"{NOTICE}; see `--smtp-proxy`.",)
    assert {c.status for c in run.result.candidates} == {"unknown"}
    assert (tmp_path / "data" / "cache" / REACH_FILE).is_file()


def test_doctor_says_what_works_and_rewrites_the_day_s_answer(tmp_path):
    """`lookup doctor` checks DNS, HTTPS and port 25; a later verify reads the block it found."""
    blocked = write_world(tmp_path, BLOCKED, sites={"www.acme.test/index.html": "<h1>Acme</h1>"})
    result = runner.invoke(app, ["doctor", "--world", str(blocked), "--json"])
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["DNS"]["works"] and checks["HTTPS"]["works"]
    assert checks["Port 25"]["works"] is False and "blocked" in checks["Port 25"]["detail"]
    assert checks["SMTP proxy"]["works"] is None
    verified = runner.invoke(app, ["verify", "jane.doe@acme.test", "--smtp", "--world",
                                   str(blocked)])
    assert "remembered for the day" in verified.output


def test_doctor_on_a_working_network(world, tmp_path):
    """On a world whose mail servers answer, port 25 works."""
    result = runner.invoke(app, ["doctor", "--world", world.endpoints.directory])
    assert result.exit_code == 0, result.output
    assert "Port 25" in result.output and "works" in result.output.split("Port 25", 1)[1][:20]
