"""The scenario generator writes valid, reproducible worlds, and the pipeline gets them right."""

from __future__ import annotations

import asyncio
import filecmp
import tomllib
from pathlib import Path

import pytest

from lookup.intake.interview import make_interview
from lookup.research.pipeline import run_pipeline
from lookup.settings import load_settings
from lookup.world import load_world, serve_world
from lookup.world.scenarios import TRAITS, generate


def _same_tree(a: Path, b: Path) -> bool:
    compare = filecmp.dircmp(a, b)
    if compare.left_only or compare.right_only or compare.diff_files or compare.funny_files:
        return False
    return all(_same_tree(a / d, b / d) for d in compare.common_dirs)


def test_the_same_seed_writes_the_same_world(tmp_path: Path) -> None:
    """Seed in, world out: byte for byte the same; another seed, another world."""
    generate(tmp_path / "a", seed=21, count=6)
    generate(tmp_path / "b", seed=21, count=6)
    generate(tmp_path / "c", seed=22, count=6)
    assert _same_tree(tmp_path / "a", tmp_path / "b")
    assert not _same_tree(tmp_path / "a", tmp_path / "c")


def test_a_generated_world_follows_the_documented_format(tmp_path: Path) -> None:
    """load_world accepts it, and expected.toml names one interview per company, all .test."""
    interviews = generate(tmp_path, seed=3, count=20)
    world = load_world(tmp_path)
    expected = tomllib.loads((tmp_path / "expected.toml").read_text())["interview"]
    assert [i["name"] for i in expected] == [i.name for i in interviews]
    assert all(i["expect"]["domain"].endswith(".test") for i in expected)
    assert all(r.a in ((), None) or set(r.a) == {"127.0.0.1"} for r in world.dns.values())


def test_every_trait_is_drawn_and_each_can_be_forced(tmp_path: Path) -> None:
    """Over a few small worlds every trait appears; a forced trait is on every company."""
    seen = {t for seed in range(6) for i in generate(tmp_path / str(seed), seed=seed, count=12)
            for t in i.traits}
    assert seen == set(TRAITS)
    forced = generate(tmp_path / "forced", seed=1, count=5, traits=("mail_domain", "team_nextjs"))
    assert all({"mail_domain", "team_nextjs"} <= set(i.traits) for i in forced)
    with pytest.raises(ValueError, match="Unknown trait"):
        generate(tmp_path / "bad", seed=1, count=1, traits=("no_such_trait",))


@pytest.mark.parametrize("seed", [1, 2])
def test_the_pipeline_gets_a_small_generated_world_fully_right(tmp_path: Path, seed: int) -> None:
    """Domain, address, verdict and title right for every interview of a 12-company world."""
    generate(tmp_path / "world", seed=seed, count=12)
    expected = tomllib.loads((tmp_path / "world" / "expected.toml").read_text())["interview"]
    misses = []
    with serve_world(tmp_path / "world", latency=False) as running:
        settings = load_settings({"LOOKUP_DATA_DIR": str(tmp_path / "data")}).in_world(
            running.endpoints)
        for interview in expected:
            run = asyncio.run(run_pipeline(make_interview(interview["name"], interview["company"]),
                                           settings, smtp=True, transport=running.transport()))
            r, want = run.result, interview["expect"]
            best = r.candidates[0] if r.candidates else None
            got = (r.domain, best and best.address, best and best.status,
                   r.profile and r.profile.title)
            if got != (want["domain"], want["email"], want["email_status"], want["title"]):
                misses.append((interview["name"], interview["traits"], got))
    assert misses == []
