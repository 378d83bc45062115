"""Every committed world's expected.toml holds: the real pipeline gets each interview fully right.

The worlds under tests/worlds/ each show one class of real company that the pipeline once got
wrong (mail domain apart from the web site, third-party pages naming the company, people on
pages linked only from the menu, names written differently by the company); data/demo and
tests/worlds/harbor are the first two worlds. "Fully right" is the domain, the address, its
verdict and the title, as bench/research.py counts it.
"""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

import pytest

from lookup.intake.interview import make_interview
from lookup.research.pipeline import run_pipeline
from lookup.settings import load_settings
from lookup.world import serve_world
from tests.conftest import DEMO_WORLD, ROOT

WORLDS = [DEMO_WORLD, *sorted(p.parent for p in (ROOT / "tests" / "worlds").glob("*/expected.toml"))]
CASES = [
    pytest.param(world, interview, id=f"{world.name}:{interview['name']}")
    for world in WORLDS
    for interview in tomllib.loads((world / "expected.toml").read_text())["interview"]
]


@pytest.mark.parametrize(("world", "interview"), CASES)
def test_the_world_s_interview_is_fully_right(world: Path, interview: dict, tmp_path: Path) -> None:
    """Domain, address, verdict and title are the ones the world's expected.toml names."""
    expect = interview["expect"]
    with serve_world(world, latency=False) as running:
        # an interview may name settings the user would pass (e.g. --m365-https)
        settings = load_settings({"LOOKUP_DATA_DIR": str(tmp_path)},
                                 overrides=interview.get("settings")).in_world(running.endpoints)
        run = asyncio.run(run_pipeline(
            make_interview(interview["name"], interview["company"]), settings, smtp=True,
            transport=running.transport()))
    result = run.result
    best = result.candidates[0] if result.candidates else None
    got = {
        "domain": result.domain,
        "email": best.address if best else None,
        "email_status": best.status if best else None,
        "title": result.profile.title if result.profile else None,
    }
    assert got == {key: expect.get(key) for key in got}
    if "notice" in expect:  # a world may also name a sentence the card's notes must hold
        assert any(expect["notice"] in n for n in result.notices), result.notices
    if "talk" in expect:  # a world may also name a talk the card must offer
        points = [t.text for t in result.profile.talking_points] if result.profile else []
        assert any(expect["talk"] in text for text in points), points
