"""With SMTP on, probing goes down the ranked list in one session while the server refuses."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest

from lookup.intake.interview import make_interview
from lookup.mail.probeplan import next_address
from lookup.research.pipeline import PipelineRun, run_pipeline
from lookup.settings import load_settings
from lookup.world import RunningWorld, serve_world
from tests.conftest import ROOT

DEEP = ROOT / "tests" / "worlds" / "deepprobe"
RANKED = [f"a{i}@acme.test" for i in range(10)]
NO = "no_such_user"


@pytest.mark.parametrize(("answers", "asked", "catch_all", "expected"), [
    ({}, set(), None, "a0@acme.test"),  # nothing asked yet: the top one
    ({"a0@acme.test": "accepted"}, set(), None, "a1@acme.test"),  # the top three are always asked
    ({f"a{i}@acme.test": NO for i in range(3)}, set(), None, "a3@acme.test"),  # all refused: on
    ({"a0@acme.test": NO, "a1@acme.test": "accepted", "a2@acme.test": NO}, set(), None, None),
    ({"a0@acme.test": NO, "a1@acme.test": "policy", "a2@acme.test": NO}, set(), None, None),
    ({f"a{i}@acme.test": NO for i in range(8)}, set(), None, None),  # the budget of 8 is spent
    ({"a0@acme.test": "accepted"}, set(), True, None),  # a catch-all: nothing more to learn
    # greylisted answers are asked again in the next session, and the rest primed meanwhile
    ({"a0@acme.test": "greylisted"}, {"a0@acme.test"}, None, "a1@acme.test"),
    ({f"a{i}@acme.test": "greylisted" for i in range(3)}, {f"a{i}@acme.test" for i in range(3)},
     None, "a3@acme.test"),
    ({"a0@acme.test": "greylisted"}, set(), None, "a0@acme.test"),
])
def test_next_address(answers, asked, catch_all, expected) -> None:
    """The walk asks the top three, then goes on only while every answer was a refusal."""
    got = next_address(RANKED, answers, must=3, budget=8, catch_all=catch_all, asked=asked)
    assert got == expected


def _variant(tmp_path: Path, mail: str) -> Path:
    """The deepprobe world (Vellum Analytics) with another [mail."vellum.test"] table."""
    world = tmp_path / "world"
    shutil.copytree(DEEP, world)
    toml = (world / "world.toml").read_text(encoding="utf-8")
    head = toml[: toml.index('[mail."vellum.test"]')]
    (world / "world.toml").write_text(head + '[mail."vellum.test"]\n' + mail, encoding="utf-8")
    return world


def _research(world_dir: Path, data: Path, **env: str) -> tuple[PipelineRun, RunningWorld]:
    with serve_world(world_dir, latency=False) as world:
        settings = load_settings({"LOOKUP_DATA_DIR": str(data), **env}).in_world(world.endpoints)
        interview = make_interview("Nadia Petrov", "Vellum Analytics")
        run = asyncio.run(run_pipeline(interview, settings, smtp=True, transport=world.transport()))
        return run, world


def _sessions(world: RunningWorld) -> list[list[str]]:
    """The commands of each SMTP session that got as far as MAIL FROM."""
    by_connection: dict[int, list[str]] = {}
    for line in world.smtp_log:
        if line.direction == "C":
            by_connection.setdefault(line.connection, []).append(line.line)
    return [c for c in by_connection.values() if any(x.startswith("MAIL") for x in c)]


def _rcpts(session: list[str]) -> list[str]:
    return [re.sub(r"^RCPT TO:<(.*)>$", r"\1", c) for c in session if c.startswith("RCPT")]


def test_the_fourth_address_is_found_in_one_session_and_recommended(tmp_path: Path) -> None:
    """{first}{l} is 4th by inference; the top three are refused, the 4th accepted: deliverable."""
    run, world = _research(DEEP, tmp_path / "data")
    best = run.result.candidates[0]
    assert (best.address, best.status) == ("nadiap@vellum.test", "deliverable")
    assert best.probability > 0.5
    (session,) = _sessions(world)
    assert _rcpts(session)[:4] == ["nadia.petrov@vellum.test", "npetrov@vellum.test",
                                   "nadia@vellum.test", "nadiap@vellum.test"]
    assert len(_rcpts(session)) == 5  # and the random address, once, for the catch-all test
    verbs = [c.split(":")[0].split(" ")[0] for c in session]
    assert verbs[1:] == ["MAIL", "RCPT", "RSET"] * 3 + ["MAIL", "RCPT", "RCPT", "RSET", "QUIT"]
    card = Path(run.card).read_text(encoding="utf-8")
    assert "**`nadiap@vellum.test`** — " in card and "verdict **deliverable**" in card


def test_greylisting_is_waited_out_once_for_the_whole_walk(tmp_path: Path) -> None:
    """Under greylisting the first session primes the list; one retry finds the 5th address."""
    world_dir = _variant(tmp_path, 'mailboxes = ["n.petrov"]\ngreylist = true\n')
    run, world = _research(world_dir, tmp_path / "data", LOOKUP_SMTP__GREYLIST_RETRY_S="0.2",
                           LOOKUP_SMTP__MAX_INLINE_WAIT_S="5")
    best = run.result.candidates[0]
    assert (best.address, best.status) == ("n.petrov@vellum.test", "deliverable")
    first, second = _sessions(world)
    assert len(_rcpts(first)) == 9  # eight candidates and the random address, all greylisted
    assert _rcpts(second)[-2:][0] == "n.petrov@vellum.test"
    assert "nadiap@vellum.test" in _rcpts(second)  # the 4th, refused, before the 5th


def test_a_catch_all_ends_the_walk_at_once(tmp_path: Path) -> None:
    """Once a random address is accepted too, no further address is asked."""
    run, world = _research(_variant(tmp_path, "catch_all = true\n"), tmp_path / "data")
    (session,) = _sessions(world)
    assert len(_rcpts(session)) == 2  # the top candidate, then the random address
    statuses = {c.address: c.status for c in run.result.candidates if c.verification}
    assert set(statuses.values()) == {"risky"}
    assert len(statuses) == 3  # the top three still get a verdict, without being asked


def test_the_budget_caps_the_walk(tmp_path: Path) -> None:
    """When every address is refused, no more than smtp.max_probes_per_domain are asked."""
    world_dir = _variant(tmp_path, 'mailboxes = ["info"]\n')
    run, world = _research(world_dir, tmp_path / "data", LOOKUP_SMTP__MAX_PROBES_PER_DOMAIN="5")
    asked = [a for s in _sessions(world) for a in _rcpts(s)]
    assert len(asked) == 5 and len(set(asked)) == 5
    refused = [c for c in run.result.candidates if c.status == "undeliverable"]
    assert len(refused) == 5
