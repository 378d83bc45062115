"""Every interview of the real-page worlds (../shared/real-worlds) through the real pipeline.

Those worlds are real organisations' published pages (domains renamed to .test, each
interviewer's own address removed): they are read from ../shared (next to the repository,
as CI lays it), else /work/shared, else the folder LOOKUP_REAL_WORLDS names, and never
copied into the project. Without them the tests skip, saying why. "Fully right" is the
domain, the address, its verdict and the title, as bench/research.py counts it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fully_right import fields, research_in_world


def real_worlds_dir() -> Path | None:
    """Where the real-page worlds are: $LOOKUP_REAL_WORLDS, ../shared, or /work/shared."""
    for candidate in (os.environ.get("LOOKUP_REAL_WORLDS"),
                      ROOT.parent / "shared" / "real-worlds", "/work/shared/real-worlds"):
        if candidate and (path := Path(candidate)).is_dir():
            return path
    return None


REAL = real_worlds_dir()
WORLDS = sorted(p.parent for p in REAL.glob("*/expected.toml")) if REAL else []
CASES = [
    pytest.param(world, interview, id=f"{world.name}:{interview['name']}")
    for world in WORLDS
    for interview in tomllib.loads((world / "expected.toml").read_text())["interview"]
] or [pytest.param(None, None, id="absent", marks=pytest.mark.skip(
    reason="the real-page worlds are not here: put them at ../shared/real-worlds (beside the "
           "repository) or name their folder in LOOKUP_REAL_WORLDS"))]


@pytest.mark.parametrize(("world", "interview"), CASES)
def test_a_real_page_interview_is_fully_right(world: Path, interview: dict, tmp_path: Path) -> None:
    """Domain, address, verdict and title are the ones the world's expected.toml names."""
    got = fields(research_in_world(world, interview, tmp_path))
    assert got == {key: interview["expect"].get(key) for key in got}
