"""One world interview through the real pipeline, and the four fields "fully right" compares.

Shared by the committed worlds (test_worlds), the real-page worlds (test_real_worlds) and the
generated ones (test_scenarios); bench/research.py counts the same four fields.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lookup.intake.interview import make_interview
from lookup.research.pipeline import run_pipeline
from lookup.settings import Settings, load_settings
from lookup.world import serve_world

FIELDS = ("domain", "email", "email_status", "title")


def fields(result) -> dict:  # noqa: ANN001 - a ResearchResult
    """Domain, best address, its verdict and the title, as the expected.toml files name them."""
    best = result.candidates[0] if result.candidates else None
    return {
        "domain": result.domain,
        "email": best.address if best else None,
        "email_status": best.status if best else None,
        "title": result.profile.title if result.profile else None,
    }


def research(interview: dict, settings: Settings, transport) -> object:  # noqa: ANN001
    """The pipeline's result for one expected.toml interview, SMTP on."""
    return asyncio.run(run_pipeline(make_interview(interview["name"], interview["company"]),
                                    settings, smtp=True, transport=transport)).result


def research_in_world(world: Path, interview: dict, data: Path, overrides: dict | None = None):  # noqa: ANN201
    """Serve ``world``, research ``interview`` in it with a data folder of its own."""
    with serve_world(world, latency=False) as running:
        settings = load_settings({"LOOKUP_DATA_DIR": str(data)},
                                 overrides=overrides).in_world(running.endpoints)
        return research(interview, settings, running.transport())
