"""Politeness across every worker: the policy, and the limiters that keep it.

``policy`` says which Prefect global concurrency limits exist and what intervals
they keep (``lookup deploy`` and ``lookup server start`` create them);
``limiters`` takes turns at them during a run (``run_politeness``). The limiters
import the policy, never the reverse. Without a Prefect server, runs share the
library's in-process limiters instead (``lookup.ratelimit``).
"""
