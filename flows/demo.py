"""`lookup demo`: the research flow on the demo world that ships with the tool.

The same run as the README's `make demo`, from any folder: the world comes from the
package (``lookup.resources.demo_world``), the card, database and Prefect's state go
to the user's data folder (``LOOKUP_DATA_DIR``, else the checkout's ``data/``, else
the platform's user data folder). The command (``flows/cli/operations.py``) runs the
request as ``lookup research`` runs its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lookup import resources
from lookup.intake.request import ResearchRequest

__all__ = ["DEMO_INTERVIEW", "demo_request"]

# The interview the demo researches: Dana Okafor at Brightwater Analytics (fictional,
# `.test` domains), with the options that show the follow-up part of the card.
DEMO_INTERVIEW: dict[str, Any] = {
    "name": "Dana Okafor",
    "company": "Brightwater Analytics",
    "role": "Senior Data Engineer",
    "recruiter": "Sam Lee <sam@agency.test>",
    "notes": "We discussed migrating their batch jobs to Flink and the on-call rotation",
}


def demo_request(today: dt.date) -> ResearchRequest:
    """The demo's research request: interviewed ``today``, SMTP probing on (the world's
    own mail server answers), every other option as the user's settings say."""
    return ResearchRequest(**DEMO_INTERVIEW, interview_date=today.isoformat(), smtp=True,
                           world=str(resources.demo_world()))
