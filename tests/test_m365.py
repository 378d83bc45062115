"""Microsoft 365 without port 25: the OneDrive personal-site check, on a world's tenant host."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from lookup.intake.interview import make_interview
from lookup.mail.m365 import onedrive_url, tenant_of
from lookup.research.pipeline import PipelineRun, run_pipeline
from lookup.settings import load_settings
from lookup.world import RunningWorld, serve_world
from tests.conftest import ROOT

M365_WORLD = ROOT / "tests" / "worlds" / "m365"
TENANT = "vellum-my.sharepoint.test"
runner = CliRunner()


@pytest.mark.parametrize(("domain", "tenant"), [
    ("vellum.test", "vellum"),
    ("acme-robotics.co.uk", "acmerobotics"),
    ("Contoso.com", "contoso"),
])
def test_tenant_is_guessed_from_the_domain(domain: str, tenant: str) -> None:
    """The tenant name is the domain's first label, letters and digits only (onmicrosoft.com rules)."""
    assert tenant_of(domain) == tenant


def test_onedrive_url_writes_every_other_character_as_underscore() -> None:
    """Dots, hyphens and the @ of the sign-in address become underscores in the personal path."""
    url = onedrive_url("Jean-Luc.Picard@acme-robotics.co.uk", "acmerobotics")
    assert url == ("https://acmerobotics-my.sharepoint.com/personal/"
                   "jean_luc_picard_acme_robotics_co_uk/_layouts/15/onedrive.aspx")


def _research(world_dir: Path, data: Path, *, smtp: bool, m365: bool) -> tuple[PipelineRun, list]:
    env = {"LOOKUP_DATA_DIR": str(data), "LOOKUP_M365__ENABLED": "1" if m365 else "0"}
    with serve_world(world_dir, latency=False) as world:
        settings = load_settings(env).in_world(world.endpoints)
        interview = make_interview("Nadia Petrov", "Vellum Analytics")
        run = asyncio.run(run_pipeline(interview, settings, smtp=smtp, transport=world.transport()))
        return run, _tenant_hits(world)


def _tenant_hits(world: RunningWorld) -> list:
    return [h for h in world.http_log if h.host == TENANT]


def test_without_port_25_the_onedrive_check_finds_the_fourth_address(tmp_path: Path) -> None:
    """SMTP off: the check walks down the list (404, 404, 404, 403) and the card says which check."""
    run, hits = _research(M365_WORLD, tmp_path / "data", smtp=False, m365=True)
    best = run.result.candidates[0]
    assert (best.address, best.status) == ("nadiap@vellum.test", "deliverable")
    assert [h.status for h in hits] == [404, 404, 404, 403]  # one request per candidate
    assert len({h.path for h in hits}) == 4
    assert best.verification is not None and "onedrive" in best.verification.flags
    card = Path(run.card).read_text(encoding="utf-8")
    assert "OneDrive check" in card.split("## Address to use", 1)[1].split("###", 1)[0]
    others = [c for c in run.result.candidates if c.verification and c is not best]
    assert others and {c.status for c in others} == {"unknown"}  # a 404 is never a refusal


def test_with_smtp_the_catch_all_answer_is_overruled_by_the_onedrive_check(tmp_path: Path) -> None:
    """Exchange Online accepts anything (risky); the OneDrive check then confirms one address."""
    run, hits = _research(M365_WORLD, tmp_path / "data", smtp=True, m365=True)
    best = run.result.candidates[0]
    assert (best.address, best.status) == ("nadiap@vellum.test", "deliverable")
    assert best.verification is not None and "onedrive" in best.verification.flags
    first = next(c for c in run.result.candidates if c.address == "nadia.petrov@vellum.test")
    assert first.status == "risky" and first.verification is not None
    assert "catch_all" in first.verification.flags  # SMTP alone could only say this
    assert hits[-1].status == 403


def test_the_check_is_off_unless_asked_for(tmp_path: Path) -> None:
    """Without --m365-https (m365.enabled) the tenant host is never asked."""
    run, hits = _research(M365_WORLD, tmp_path / "data", smtp=True, m365=False)
    assert hits == []
    assert run.result.candidates[0].status == "risky"


def test_a_wrong_tenant_guess_tells_nothing(tmp_path: Path) -> None:
    """When the tenant host does not exist, the check says so and the verdict stays unknown."""
    world_dir = tmp_path / "world"
    shutil.copytree(M365_WORLD, world_dir)
    shutil.rmtree(world_dir / "sites" / TENANT)
    toml = world_dir / "world.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text[: text.index("[[fault]]")], encoding="utf-8")
    run, _ = _research(world_dir, tmp_path / "data", smtp=False, m365=True)
    best = run.result.candidates[0]
    assert best.status == "unknown"
    assert best.verification is not None
    assert "could not reach vellum-my.sharepoint.test" in best.verification.reasons[0]


def test_verify_cli_with_m365_https() -> None:
    """`lookup verify --m365-https --world W`: 403 deliverable, 404 unknown, each saying why."""
    result = runner.invoke(app, ["verify", "nadiap@vellum.test", "nadia.petrov@vellum.test",
                                 "--m365-https", "--world", str(M365_WORLD), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["status"] for r in rows] == ["deliverable", "unknown"]
    assert rows[0]["provider"] == "Microsoft 365"
    assert "answered 403" in rows[0]["reasons"][0]
    assert "404" in rows[1]["reasons"][0] and "proves nothing" in rows[1]["reasons"][0]
