"""Every committed world's expected.toml holds: the real pipeline gets each interview fully right.

The worlds under tests/worlds/ each show one class of real company that the pipeline once got
wrong (mail domain apart from the web site, third-party pages naming the company, people on
pages linked only from the menu, names written differently by the company); data/demo and
tests/worlds/harbor are the first two worlds. "Fully right" is the domain, the address, its
verdict and the title, as bench/research.py counts it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.conftest import DEMO_WORLD, ROOT
from tests.fully_right import fields, research_in_world

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
    # an interview may name settings the user would pass (e.g. --m365-https)
    result = research_in_world(world, interview, tmp_path, interview.get("settings"))
    got = fields(result)
    assert got == {key: expect.get(key) for key in got}
    if "notice" in expect:  # a world may also name a sentence the card's notes must hold
        assert any(expect["notice"] in n for n in result.notices), result.notices
    if "talk" in expect:  # a world may also name a talk the card must offer
        points = [t.text for t in result.profile.talking_points] if result.profile else []
        assert any(expect["talk"] in text for text in points), points
