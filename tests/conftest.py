"""Shared fixtures: an isolated data folder per test and one Prefect harness per session."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import pytest

# Prefect's server sends anonymous telemetry to the internet by default; no test may.
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"

ROOT = Path(__file__).resolve().parent.parent


def _loopback_only(event: str, args: tuple) -> None:
    """Fail any test that opens a connection (or sends a datagram) beyond loopback.

    The code under test must refuse such addresses before a socket is used; this hook
    makes the whole class of mistake impossible to miss (issue 12). Unix sockets pass.
    """
    if event not in ("socket.connect", "socket.sendto"):
        return
    address = args[1] if event == "socket.connect" else args[-1]
    if not isinstance(address, tuple) or not address:
        return
    host = str(address[0]).split("%")[0]
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise RuntimeError(f"A test tried to reach {host}, beyond loopback: forbidden here.")


sys.addaudithook(_loopback_only)

# Timing never decides whether a test passes: hypothesis' per-example deadline (200 ms by
# default) failed a property test on a loaded 2-core machine (316 ms once, 0.2 ms on retry).
try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # the test extra is not installed: nothing to configure
    pass
else:
    _hypothesis_settings.register_profile("lookup", deadline=None)
    _hypothesis_settings.load_profile("lookup")
DEMO_WORLD = ROOT / "data" / "demo"
CANDIDATE = "me"  # the tests' candidate: cards live under data/briefings/me/
HARBOR_WORLD = ROOT / "tests" / "worlds" / "harbor"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the user's settings or writes into the real data folder."""
    for name in list(os.environ):
        if name.startswith("LOOKUP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LOOKUP_CONFIG", "")
    monkeypatch.setenv("LOOKUP_DATA_DIR", str(tmp_path / "data"))
    # Whose research it is, as the store's default (DEFAULT_CANDIDATE), not the OS user's name.
    monkeypatch.setenv("LOOKUP_CANDIDATE", CANDIDATE)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    """The data folder the test's settings point at."""
    return tmp_path / "data"


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server on loopback for the session (tests/pgcluster.py).

    Skipped where PostgreSQL is not installed, except in CI (``CI=true``), where a
    missing server is a failure: the team tests must run there.
    """
    from tests.pgcluster import find_pg_bin, pg_cluster

    if find_pg_bin() is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("PostgreSQL binaries (initdb, postgres) are missing; CI must run these tests.")
        pytest.skip("PostgreSQL is not installed (set LOOKUP_PG_BIN to its bin folder)")
    with pg_cluster() as cluster:
        yield cluster


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(postgres) -> str:
    """A fresh, empty PostgreSQL database for one test (psycopg URL, as LOOKUP_DATABASE_URL takes)."""
    return postgres.create_database(f"store_{next(_databases)}")


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for every flow test of the session (it costs 10-20 s to start)."""
    # Importing Prefect here binds its console log handler to pytest's stream, not
    # to the short-lived streams of CliRunner invocations inside the tests.
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(autouse=True)
def _each_test_fills_the_caches_under_mutmut_stats() -> None:
    """In mutmut's coverage run (`make mutation`), empty lookup's function caches first.

    mutmut runs a mutant only against the tests it saw reach the mutated function. A cached
    table loader (``_rules()``) runs once per process, so without this only the first test
    that read the table would count as covering it. Outside `make mutation` it does nothing.
    """
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        for module in [m for name, m in sys.modules.items() if name.startswith("lookup.")]:
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)) and getattr(
                        value, "__module__", "") == module.__name__:
                    value.cache_clear()
