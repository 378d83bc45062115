"""The scenario generator writes valid, reproducible worlds, and the pipeline gets them right."""

from __future__ import annotations

import filecmp
import tomllib
from pathlib import Path

import pytest

from lookup.settings import load_settings
from lookup.world import load_world, serve_world
from lookup.world.scenarios import TRAITS, generate
from tests.fully_right import FIELDS, fields, research


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
            got = fields(research(interview, settings, running.transport()))
            if got != {key: interview["expect"][key] for key in FIELDS}:
                misses.append((interview["name"], interview["traits"], got))
    assert misses == []


def test_the_evidence_place_traits_write_what_they_name(tmp_path: Path) -> None:
    """vCards, real PDFs, a sitemap, an old domain's redirect and a challenge fault appear."""
    pytest.importorskip("reportlab", reason="PDF worlds need reportlab (the worlds extra)")
    for trait in ("vcard_only", "pdf_only", "sitemap_only", "renamed", "bot_wall"):
        generate(tmp_path / trait, seed=5, count=3, traits=(trait,))
    files = lambda t, pattern: list((tmp_path / t / "sites").rglob(pattern))  # noqa: E731
    assert files("vcard_only", "*.vcf") and all(
        f.read_text().startswith("BEGIN:VCARD") for f in files("vcard_only", "*.vcf"))
    assert files("pdf_only", "*.pdf") and all(
        f.read_bytes().startswith(b"%PDF-") for f in files("pdf_only", "*.pdf"))
    assert files("sitemap_only", "sitemap*.xml*")
    renamed = load_world(tmp_path / "renamed")
    refusing = {d for d, m in renamed.mail.items() if not m.mailboxes and not m.catch_all}
    assert len(refusing) == 3  # each old domain's mail server refuses everyone
    moved = {r.host for r in renamed.redirects if r.path == "/*"}
    announced = {p.parts[-2] for p in files("renamed", "index.html")
                 if "is now part of" in p.read_text()}
    assert {d.removeprefix("www.") for d in moved | announced} >= refusing
    walled = load_world(tmp_path / "bot_wall")
    assert walled.faults and all(f.body and f.path == "/*" for f in walled.faults)


def test_traits_that_leave_no_room_for_each_other_cannot_be_forced_together(tmp_path: Path) -> None:
    """A bot wall hides the site's vCards: forcing both is refused with both named."""
    with pytest.raises(ValueError, match="bot_wall and vcard_only cannot be forced together"):
        generate(tmp_path, seed=1, count=1, traits=("bot_wall", "vcard_only"))
