"""A panel: one research run per interviewer, then the panel's index card.

``lookup research --panel "A, B"`` and ``lookup import`` of an event with several
interviewers end here. Each interviewer gets their own flow run and card (the
same request, about them, knowing the whole panel); one that fails is reported
and the others still run. The index card then links the cards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lookup.card.panel import PanelMember
from lookup.intake.request import ResearchRequest
from lookup.settings import Settings

__all__ = ["PanelOutcome", "research_panel"]

RunOne = Callable[[ResearchRequest], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PanelOutcome:
    """The panel's index card, each interviewer's summary, and each failure in a sentence."""

    panel_index: str | None
    interviewers: list[dict[str, Any]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def research_panel(request: ResearchRequest, settings: Settings, run_one: RunOne) -> PanelOutcome:
    """Research every panelist with ``run_one`` (a flow run each) and write the panel's
    index card; one failure does not stop the others."""
    from lookup.card.write import write_panel_index

    summaries: list[dict[str, Any]] = []
    members: list[PanelMember] = []
    failures: list[str] = []
    for name in request.panel:
        try:
            summary = run_one(request.for_panelist(name))
        except Exception as exc:  # one panelist's failure is reported; the others still run
            failures.append(f"{name}: {exc}")
            members.append(PanelMember(name, None, problem=f"research failed: {exc}"))
            continue
        summaries.append(summary)
        members.append(_member(name, summary))
    index = write_panel_index(request.interview(), members, settings=settings,
                              now=dt.datetime.now(dt.UTC))
    return PanelOutcome(str(index) if index else None, summaries, failures)


def _member(name: str, summary: dict[str, Any]) -> PanelMember:
    email = summary.get("email") or {}
    return PanelMember(
        name,
        Path(summary["card"]).stem,
        title=summary.get("title"),
        address=email.get("address"),
        status=email.get("status"),
    )
