"""Stage ``intake``: what the user says about an interview → a checked request, and when to follow up.

``interview`` checks what the user typed (``make_interview``: one sentence per
problem, nothing started on bad input); ``ics`` reads the interviews of a
calendar export; ``followup`` says when the follow-up is due and which round an
interview is. All pure.
"""

from __future__ import annotations

from lookup._exports import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Deadline": "followup",
        "ParseReport": "ics",
        "followup_deadline": "followup",
        "make_interview": "interview",
        "parse_interviews": "ics",
    },
)
