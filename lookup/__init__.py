"""interviewer-lookup: research an interviewer, infer and verify their work address.

The library reads like the pipeline, one package per stage:

- ``lookup.intake``: what the user says → a checked ``ResearchRequest`` (CLI options, a CSV
  row, a calendar event), and when the follow-up is due;
- ``lookup.network``: this machine → whether it is online, and what works from here;
- ``lookup.web``: a name and company → search hits, pages, sourced facts, the company's domain;
- ``lookup.address``: a name, a domain and colleagues' addresses → ranked candidates (pure);
- ``lookup.mail``: an address → a verdict with reasons (syntax, DNS, provider, SMTP) and a score;
- ``lookup.research``: an interview → the researched result and its card (``run_pipeline``
  runs the I/O ``steps`` around the pure ``analysis``);
- ``lookup.store``: results → rows, history and card files; forgetting a person;
- ``lookup.card``: a result → the Markdown briefing card;
- ``lookup.world``: a folder → loopback servers standing in for the internet.

At the top: records (``models``), errors, settings and small helpers (``text``,
``slug``, ``ratelimit``, ``atomic``).
The public API, importable from ``lookup`` directly::

    from lookup import predict, parse_name, extract, Verifier, load_settings

Names are resolved lazily, so ``import lookup.settings`` stays cheap for the
command line.
"""

from __future__ import annotations

from lookup._exports import lazy_exports

__version__ = "0.1.0"

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Candidate": "lookup.models",
        "Evidence": "lookup.models",
        "Interview": "lookup.models",
        "LookupToolError": "lookup.errors",
        "ResearchResult": "lookup.models",
        "Settings": "lookup.settings",
        "Verification": "lookup.models",
        "Verifier": "lookup.mail.verify",
        "extract": "lookup.web.extract",
        "load_settings": "lookup.settings",
        "make_interview": "lookup.intake.interview",
        "parse_name": "lookup.address.names",
        "predict": "lookup.address.patterns",
        "render_card": "lookup.card.render",
        "run_pipeline": "lookup.research.pipeline",
        "serve_world": "lookup.world",
    },
    "__version__",
)
