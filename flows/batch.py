"""Several research runs from one command: a panel (``research --panel``, ``import``).

Each interviewer gets their own flow run and card; one that fails is reported
and the others still run. A panel then gets its index card, linking the cards.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

from lookup.card.panel import PanelMember
from lookup.models import Interview
from lookup.settings import Settings

__all__ = ["import_params", "panel_interview", "research_one", "research_panel", "run_research"]


def research_one(params: dict[str, Any]) -> dict[str, Any]:
    """One research flow run (Prefect is imported here, not at the CLI's start)."""
    from flows.research import research_interviewer

    return asyncio.run(research_interviewer(**params))


def _member(name: str, summary: dict[str, Any] | None, problem: str | None) -> PanelMember:
    if summary is None:
        return PanelMember(name, None, problem=problem)
    email = summary.get("email") or {}
    return PanelMember(
        name,
        Path(summary["card"]).stem,
        title=summary.get("title"),
        address=email.get("address"),
        status=email.get("status"),
    )


def panel_interview(params: dict[str, Any], names: list[str], settings: Settings) -> Interview:
    """The panel's interview as the index card shows it (bad input raises here)."""
    from flows.runtime import followup_defaults
    from lookup.intake.interview import make_interview

    options = followup_defaults(settings, params)
    keys = ("domain", "role", "interview_date", "recruiter", "notes", "interview_time",
            "timezone", "honorific", "tone", "language")
    return make_interview(names[0], options["company"], panel=names,
                          **{k: options.get(k) for k in keys})


def research_panel(params: dict[str, Any], names: list[str], settings: Settings
                   ) -> dict[str, Any]:
    """Research every panelist (``params`` shared, each with the whole panel) and write the
    panel's index card; one failure does not stop the others."""
    from lookup.card.write import write_panel_index

    interview = panel_interview(params, names, settings)
    summaries: list[dict[str, Any]] = []
    members: list[PanelMember] = []
    failures: list[str] = []
    for name in interview.panel:
        try:
            summary = research_one({**params, "name": name, "panel": list(interview.panel)})
        except Exception as exc:  # one panelist's failure is reported; the others still run
            failures.append(f"{name}: {exc}")
            members.append(_member(name, None, f"research failed: {exc}"))
            continue
        summaries.append(summary)
        members.append(_member(name, summary, None))
    index = write_panel_index(interview, members, settings=settings, now=dt.datetime.now(dt.UTC))
    return {
        "panel_index": str(index) if index else None,
        "interviewers": summaries,
        "failed": failures,
    }


def import_params(interview: Interview, *, smtp: bool, world: str | None) -> dict[str, Any]:
    """The flow parameters for an interview read from a calendar (times in the user's zone)."""
    recruiter = interview.recruiter or interview.recruiter_email
    if interview.recruiter and interview.recruiter_email:
        recruiter = f"{interview.recruiter} <{interview.recruiter_email}>"
    time = None
    start, end = interview.starts_at, interview.ends_at
    if start is not None:
        same_day = end is not None and end.date() == start.date()
        time = f"{start:%H:%M}" + (f"-{end:%H:%M}" if same_day and end else "")
    return {
        "name": interview.name,
        "company": interview.company,
        "domain": interview.domain,
        "role": interview.role,
        "interview_date": interview.interview_date.isoformat() if interview.interview_date else None,
        "recruiter": recruiter,
        "notes": interview.notes,
        "interview_time": time,
        "timezone": interview.timezone,
        "panel": list(interview.panel) or None,
        "smtp": True if smtp else None,
        "world": world,
    }


def run_research(params: dict[str, Any], panel: str | None) -> dict[str, Any]:
    """`lookup research`: check the input (nothing starts on bad input), then one flow run,
    or one per panelist and the panel's index."""
    from flows._cli import check_world
    from flows.runtime import (
        FAST_RUNS_HINT,
        followup_defaults,
        prefect_api,
        quiet_expected_failures,
        require_network,
        settings_for_run,
        stderr,
    )
    from lookup.intake.interview import make_interview

    check_world(params["world"])
    settings = settings_for_run(params["world"], smtp_proxy=params.get("smtp_proxy"),
                                m365_https=params.get("m365_https"))
    check_world(settings.general.world or None)
    options = followup_defaults(settings, params)  # settings fill what was not given
    others = [p.strip() for p in (panel or "").split(",") if p.strip()]
    checked = {k: options[k] for k in (
        "domain", "role", "interview_date", "recruiter", "notes", "interview_time", "timezone",
        "honorific", "tone", "language")}
    # Bad input stops here, before Prefect starts or anything is written.
    interview = make_interview(params["name"], params["company"], panel=others, **checked)
    require_network(settings)
    if prefect_api(settings) is None:
        stderr(FAST_RUNS_HINT)
    import flows.research  # noqa: F401  (Prefect's log handlers exist from here on)

    quiet_expected_failures()
    if interview.panel:
        return research_panel(options, list(interview.panel), settings)
    return research_one(options)
