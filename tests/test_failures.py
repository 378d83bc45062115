"""Failures read like a sentence: no network said at once, no tracebacks unless asked for.

The CLI runs as a subprocess, the way a user types it, against offline worlds whose DNS and
search engine are broken on purpose (world.toml faults): nothing here leaves loopback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.runtime import _ExpectedFailures
from lookup.errors import SearchError
from lookup.network.online import check_reach
from lookup.settings import load_settings
from lookup.world import serve_world
from tests.conftest import ROOT
from tests.worldkit import write_world

LOOKUP = Path(sys.executable).with_name("lookup")
DOWN = """
name = "No network"
[dns."acme.test"]
a = ["127.0.0.1"]
[[fault]]
service = "search"
reset = true
[[fault]]
service = "dns"
drop = true
"""
SITES = {"acme.test/index.html": "<title>Acme</title>"}
DOCS = [{"title": "Acme", "url": "https://acme.test/", "snippet": "Acme"}]


def _lookup(*args: str, data: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LOOKUP_"))}
    clean |= {"LOOKUP_DATA_DIR": str(data), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
              "LOOKUP_CONFIG": ""} | (env or {})
    return subprocess.run([str(LOOKUP), *args], capture_output=True, text=True, env=clean,
                          cwd=ROOT, timeout=120)


def test_a_world_without_dns_and_search_fails_at_once_in_one_sentence(tmp_path: Path) -> None:
    """Exit 1, one 'No internet connection' sentence, no traceback, and Prefect never started
    nor a query retried (the look at DNS and search comes first; ~3 s instead of ~30)."""
    world = write_world(tmp_path, DOWN, DOCS, SITES)
    done = _lookup("research", "Jane Roe", "--company", "Acme", "--world", str(world),
                   data=tmp_path / "data")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.count("No internet connection") == 1
    assert done.stderr.strip().splitlines() == [line for line in done.stderr.strip().splitlines()
                                                if line.startswith("Error: No internet connection")]
    assert "Starting temporary server" not in done.stderr and done.stdout == ""


def test_verbose_shows_the_traceback_of_the_same_failure(tmp_path: Path) -> None:
    """With --verbose the same failure comes with its traceback, for a bug report."""
    world = write_world(tmp_path, DOWN, DOCS, SITES)
    done = _lookup("--verbose", "research", "Jane Roe", "--company", "Acme", "--world",
                   str(world), data=tmp_path / "data")
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "OfflineError" in done.stderr


def test_an_unreachable_prefect_api_is_one_sentence(tmp_path: Path) -> None:
    """PREFECT_API_URL naming a server that is not there: exit 1 and a sentence saying what to do."""
    done = _lookup("research", "Dana Okafor", "--company", "Brightwater Analytics", "--world",
                   str(ROOT / "data" / "demo"), data=tmp_path / "data",
                   env={"PREFECT_API_URL": "http://127.0.0.1:9/api"})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "Error: Prefect's API at http://127.0.0.1:9/api (PREFECT_API_URL) does not answer "
        "(ConnectError). Start that server, or unset PREFECT_API_URL to let lookup use its own.")


@pytest.mark.parametrize(("faults", "dns", "search"), [
    ("", True, True),
    ('[[fault]]\nservice = "dns"\ndrop = true\n', False, True),
    ('[[fault]]\nservice = "search"\nreset = true\n', True, False),
])
def test_check_reach_tells_dns_and_search_apart(tmp_path: Path, faults: str, dns: bool,
                                                search: bool) -> None:
    """Either one answering is enough to go on; each failure is named."""
    world = write_world(tmp_path, '[dns."acme.test"]\na = ["127.0.0.1"]\n' + faults, DOCS, SITES)
    with serve_world(world, latency=False) as running:
        reach = asyncio.run(check_reach(load_settings({}).in_world(running.endpoints),
                                        timeout_s=0.5))
    assert (reach.dns, reach.search, reach.offline) == (dns, search, False)
    assert len(reach.reasons) == (not dns) + (not search)


def _record(message: str, error: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(error), error, None) if error else None
    return logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1, message, (), exc_info)


def test_prefect_s_lines_about_an_expected_failure_are_dropped_from_the_terminal() -> None:
    """The traceback record and the state line repeating the message go; other lines stay."""
    keep = _ExpectedFailures()
    error = SearchError("Every search failed; the first said: DNSError('no records') for it's")
    assert not keep.filter(_record("Encountered exception during execution", error))
    inner = f'Flow run encountered an exception: SearchError: {error} "quoted"'
    assert not keep.filter(_record(f"Finished in state Failed({inner!r})"))  # repr-escaped
    assert keep.filter(_record("Searching: 5 queries for Jane Roe at Acme"))
    assert keep.filter(_record("Task failed", RuntimeError("a bug stays visible")))
