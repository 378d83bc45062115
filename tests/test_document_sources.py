"""The card names vCards and PDFs as sources like pages: numbered, with their URL, cited."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from lookup.intake.interview import make_interview
from lookup.research import run_pipeline
from lookup.settings import load_settings
from lookup.world import serve_world
from tests.conftest import ROOT


def card_for(world: str, name: str, company: str, tmp_path: Path) -> str:
    with serve_world(ROOT / "tests" / "worlds" / world, latency=False) as running:
        settings = load_settings({"LOOKUP_DATA_DIR": str(tmp_path)}).in_world(running.endpoints)
        run = asyncio.run(run_pipeline(make_interview(name, company), settings, smtp=True,
                                       transport=running.transport()))
    return Path(run.card).read_text(encoding="utf-8")


def sources(card: str) -> dict[int, str]:
    section = card.split("## Sources", 1)[1].split("\n## ", 1)[0]
    return {int(n): url for n, url in re.findall(r"^(\d+)\. \[.*?\]\((\S+)\)", section, re.M)}


@pytest.mark.parametrize(("world", "name", "company", "kind", "title_from"), [
    ("vcards", "Imogen Thale", "Ashdown Pryce", ".vcf", "imogen-thale.vcf"),
    ("pdfs", "Agnes Whitlock", "Brantley Fasteners", ".pdf", "Annual-Report-2025.pdf"),
])
def test_documents_are_numbered_sources_and_cited(tmp_path: Path, world: str, name: str,
                                                  company: str, kind: str, title_from: str) -> None:
    """The Sources list numbers each document with its URL; the title cites that number."""
    card = card_for(world, name, company, tmp_path)
    listed = sources(card)
    assert any(url.endswith(kind) for url in listed.values())
    number = next(n for n, url in listed.items() if url.endswith(title_from))
    title_row = next(line for line in card.splitlines() if line.startswith("| **Title**"))
    assert f"[[{number}]({listed[number]})]" in title_row
