"""`lookup demo`: the research flow on the demo world that ships with the tool.

The same run as the README's `make demo`, from any folder: the world comes from the
package (``lookup.resources.demo_world``), the card, database and Prefect's state go
to the user's data folder (``LOOKUP_DATA_DIR``, else the checkout's ``data/``, else
the platform's user data folder).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from lookup import resources

__all__ = ["DEMO_INTERVIEW", "demo_params", "demo_world", "run_demo"]

# The interview the demo researches: Dana Okafor at Brightwater Analytics (fictional,
# `.test` domains), with the options that show the follow-up part of the card.
DEMO_INTERVIEW: dict[str, Any] = {
    "name": "Dana Okafor",
    "company": "Brightwater Analytics",
    "role": "Senior Data Engineer",
    "recruiter": "Sam Lee <sam@agency.test>",
    "notes": "We discussed migrating their batch jobs to Flink and the on-call rotation",
}


def demo_world() -> Path:
    """The shipped demo world's folder (give it to `lookup research --world`)."""
    return resources.demo_world()


def demo_params(today: dt.date) -> dict[str, Any]:
    """`lookup research`'s parameters for the demo: interviewed ``today``, SMTP probing on
    (the world's own mail server answers), every other option at its default."""
    params: dict[str, Any] = dict.fromkeys((
        "domain", "smtp_proxy", "m365_https", "interview_time", "timezone", "honorific",
        "tone", "language"))
    return params | DEMO_INTERVIEW | {
        "interview_date": today.isoformat(), "smtp": True, "world": str(demo_world()),
    }


def run_demo(today: dt.date | None = None) -> tuple[dict[str, Any], str]:
    """Run the demo research; return its summary and the card's text."""
    from flows.batch import run_research

    summary = run_research(demo_params(today or dt.date.today()), None)
    card = Path(summary["card"]).read_text(encoding="utf-8")
    return summary, card
