"""Stage ``research``: an interview → a researched, verified, stored result and its card.

The pipeline that composes the other stages. ``pipeline`` (``run_pipeline``) runs
the steps in order and owns the run's clients; ``steps`` are its I/O steps
(search, the company's domain, pages, the mail domain, verification, the card),
each taking the run's tools; ``analysis`` is its pure middle (profile, evidence,
ranked candidates, the final result). The Prefect flow (``flows/research.py``)
wraps each step in a task; tests and benchmarks call ``run_pipeline`` directly.
"""

from __future__ import annotations

from lookup._exports import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "PipelineRun": "pipeline",
        "Steps": "pipeline",
        "run_pipeline": "pipeline",
    },
)
