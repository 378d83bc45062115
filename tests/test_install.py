"""The tool as a user installs it: the wheel alone, from an empty folder, and its Prefect UI
seen in a real browser.

`make test` builds the wheel from a clean copy of the checkout and installs it into a
fresh venv outside it (``.ci/wheel-venv``), and passes that folder as
``LOOKUP_TEST_WHEEL_HOME``; without it the wheel tests skip and say so. The browser test
uses that venv when there is one, else this checkout's own (editable) install, and
needs Chromium (``make test`` installs Debian's ``chromium`` when it runs as root).
"""

from __future__ import annotations

import getpass
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import lookup
from flows.privacy import artifact_key
from lookup.slug import candidate_key
from tests.browser import chromium, find_chromium
from tests.netkit import free_port

ROOT = Path(__file__).resolve().parents[1]
# Read at import: the autouse fixture in conftest.py removes every LOOKUP_* variable.
WHEEL_HOME = os.environ.get("LOOKUP_TEST_WHEEL_HOME", "")
EDITABLE_BIN = Path(sys.executable).parent
ADDRESS = "dokafor@brightwater.test"
HEADING = "Dana Okafor — Brightwater Analytics"
DEMO = ("Dana Okafor", "--company", "Brightwater Analytics")
# A user who names no candidate researches for their user name: their cards live under
# briefings/<you>/, their card artifacts are keyed briefing-<you>-<slug>.
YOU = candidate_key(getpass.getuser())
KEY = artifact_key("dana-okafor", YOU)

pytestmark = [pytest.mark.server, pytest.mark.timeout(900)]


def wheel_home() -> Path:
    """The folder .ci/wheel-venv filled (dist/ and venv/), or skip saying how to get one."""
    if not WHEEL_HOME:
        pytest.skip("No wheel venv: `make test` builds one (.ci/wheel-venv OUT, then "
                    "LOOKUP_TEST_WHEEL_HOME=OUT).")
    return Path(WHEEL_HOME)


def user_env(home: Path, **extra: str) -> dict[str, str]:
    """A user's environment: no LOOKUP_*, PREFECT_*, XDG_* or Python path from this session."""
    drop = ("LOOKUP_", "PREFECT_", "XDG_", "PYTHON", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return env | {
        "HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "240", **extra,
    }


def run(bin_dir: Path, *args: str, cwd: Path, env: dict[str, str],
        timeout: float = 600) -> subprocess.CompletedProcess:
    """`lookup ARGS` from ``bin_dir``, run in ``cwd``."""
    return subprocess.run([str(bin_dir / "lookup"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


# -- the wheel ---------------------------------------------------------------------


def test_the_wheel_carries_settings_templates_tables_and_the_demo_world() -> None:
    """The built wheel holds the default settings, every template and phrasebook, the data
    tables, priors and calibration, and the demo world; its version is lookup.__version__."""
    wheel = next((wheel_home() / "dist").glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"lookup/_shipped/config/{p.relative_to(ROOT / 'config')}"
               for p in (ROOT / "config").rglob("*") if p.is_file()}
    shipped |= {f"lookup/_shipped/demo/{p.relative_to(ROOT / 'data' / 'demo')}"
                for p in (ROOT / "data" / "demo").rglob("*") if p.is_file()}
    shipped |= {f"lookup/data/{p.name}" for p in (ROOT / "lookup" / "data").iterdir()
                if p.is_file() and p.suffix != ".py"}
    shipped |= {f"flows/prefect_schema/{p.name}" for p in (ROOT / "flows" / "prefect_schema")
                .glob("sqlite-*.sql")}  # Prefect's database at its head: no migration wait
    assert shipped - names == set()
    assert any(name.startswith("flows/prefect_schema/sqlite-") for name in names)
    assert f"-{lookup.__version__}-" in wheel.name


def test_lookup_demo_from_an_empty_folder_with_only_the_wheel(tmp_path: Path) -> None:
    """From an empty folder, the wheel's `lookup demo` prints the card with the expected
    address, writes nothing there, and keeps its state in the platform's user data folder;
    the local server it starts listens on loopback only (even with a wider address
    configured), a second demo reuses it, and the command the demo prints stops it."""
    venv_bin = wheel_home() / "venv" / "bin"
    empty, home = tmp_path / "empty", tmp_path / "home"
    empty.mkdir()
    env = user_env(home, LOOKUP_PREFECT__SERVER_HOST="0.0.0.0")  # a team's setting
    where = subprocess.run([str(venv_bin / "python"), "-c", "import lookup, flows; "
                            "print(lookup.__file__); print(flows.__file__)"],
                           cwd=empty, env=env, capture_output=True, text=True, check=True)
    assert str(ROOT) not in where.stdout  # the wheel's own copy, not this checkout
    version = run(venv_bin, "--version", cwd=empty, env=env)
    assert version.stdout.startswith(f"interviewer-lookup {lookup.__version__} (Prefect 3.")
    try:
        first = run(venv_bin, "demo", cwd=empty, env=env)
        assert first.returncode == 0, first.stdout + first.stderr[-3000:]
        kept = _kept_server(first.stderr, "started for this demo")
        listening = _listening(kept["port"])
        second = run(venv_bin, "demo", cwd=empty, env=env)
        stopped = subprocess.run(kept["stop"], shell=True, cwd=empty, env=env,
                                 capture_output=True, text=True, timeout=120)
    finally:  # whatever failed, the server the demo started is not left running
        run(venv_bin, "server", "stop", cwd=empty, env=env, timeout=120)
    assert f"Address: {ADDRESS}" in first.stdout and f"# {HEADING}" in first.stdout
    assert listening == {"127.0.0.1"}
    assert second.returncode == 0, second.stdout + second.stderr[-3000:]
    assert _kept_server(second.stderr, "that was already running") == kept
    assert kept["stop"] == f"{venv_bin / 'lookup'} server stop"
    assert stopped.stdout.strip() == "Prefect server stopped.", stopped.stderr
    data = home / ".local" / "share" / "interviewer-lookup"
    card = data / "briefings" / YOU / "dana-okafor.md"
    assert card.is_file() and ADDRESS in card.read_text(encoding="utf-8")
    assert list(empty.iterdir()) == []


def _kept_server(stderr: str, how: str) -> dict[str, Any]:
    """The demo's line about the server it leaves running: port, pid and stop command."""
    said = re.search(rf"The local Prefect server {how} keeps running on 127\.0\.0\.1:(\d+) "
                     r"\(pid (\d+)\).* Stop it with: (.+)$", stderr, re.MULTILINE)
    assert said is not None, stderr[-3000:]
    return {"port": int(said[1]), "pid": int(said[2]), "stop": said[3].strip()}


def _listening(port: int) -> set[str]:
    """The addresses a TCP socket listens on at ``port`` in this network namespace, from
    /proc/net/tcp and tcp6 (state 0A: LISTEN), dotted for IPv4, "v6:HEX" otherwise."""
    found: set[str] = set()
    for table in ("tcp", "tcp6"):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state != "0A" or int(hex_port, 16) != port:
                continue
            if len(address) == 8:  # little-endian IPv4
                found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
            else:
                found.add(f"v6:{address}")
    return found


# -- the Prefect UI in a real browser ------------------------------------------------


@dataclass
class Served:
    """A `lookup server start` server that ran the demo research, and how to reach it."""

    bin_dir: Path
    data: Path
    ui: str
    env: dict[str, str]
    empty: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`lookup server start` on a free port, then `lookup research … --world <shipped demo>`."""
    bin_dir = Path(WHEEL_HOME) / "venv" / "bin" if WHEEL_HOME else EDITABLE_BIN
    tmp = tmp_path_factory.mktemp("ui")
    empty = tmp / "empty"
    empty.mkdir()
    env = user_env(tmp / "home", LOOKUP_DATA_DIR=str(tmp / "data"),
                   LOOKUP_PREFECT__SERVER_PORT=str(free_port()))
    try:
        started = run(bin_dir, "server", "start", cwd=empty, env=env)
        assert started.returncode == 0, started.stdout + started.stderr
        ui = json.loads(run(bin_dir, "server", "status", "--json", cwd=empty, env=env).stdout)["ui"]
        world = run(bin_dir, "demo", "--path", cwd=empty, env=env).stdout.strip()
        assert Path(world, "world.toml").is_file()
        done = run(bin_dir, "research", *DEMO, "--world", world, "--smtp", cwd=empty, env=env)
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
        assert f"Address: {ADDRESS}" in done.stdout
        yield Served(bin_dir, tmp / "data", ui, env, empty)
    finally:
        run(bin_dir, "server", "stop", cwd=empty, env=env, timeout=120)


def test_the_ui_is_told_the_api_of_the_server_it_came_from(served: Served) -> None:
    """/ui-settings names the API of the server that served the page, not Prefect's 4200."""
    settings = httpx.get(f"{served.ui}/ui-settings", timeout=10, trust_env=False).json()
    assert settings["api_url"] == f"{served.ui}/api"


def test_the_card_is_visible_in_the_prefect_ui_in_a_real_browser(
    served: Served, tmp_path: Path
) -> None:
    """Headless Chromium opens the Artifacts page, finds the user's `briefing-<you>-dana-okafor`,
    follows it to the artifact and finds the card's heading in the rendered page; a screenshot
    is saved."""
    binary = find_chromium()
    if binary is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; `make test` "
                    "does it when run as root), or set LOOKUP_CHROMIUM to its binary.")
    links = "[...document.querySelectorAll('a')].map(a => a.href)"
    headings = "[...document.querySelectorAll('h1')].map(h => h.innerText.trim())"
    with chromium(binary, tmp_path / "profile") as page:
        page.open(f"{served.ui}/artifacts")
        page.wait_for(lambda p: KEY in p.text())
        assert "Can't connect to Server API" not in page.text()
        key = page.wait_for(lambda p: p.evaluate(
            f"{links}.find(h => h.endsWith('/artifacts/key/{KEY}'))"))
        page.open(key)
        artifact = page.wait_for(lambda p: p.evaluate(
            f"{links}.find(h => h.includes('/artifacts/artifact/'))"))
        page.open(artifact)
        page.wait_for(lambda p: HEADING in (p.evaluate(headings) or []))
        assert ADDRESS in page.text()
        shot = page.screenshot(tmp_path / "briefing-card.png")
        # the redesigned UI Prefect opens by default lists the artifact too
        page.open(f"{served.ui}/v2/artifacts")
        page.wait_for(lambda p: KEY in p.text())
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank image


def test_editable_lookup_demo_from_an_empty_folder_matches(served: Served, tmp_path: Path) -> None:
    """This checkout's editable install runs the same `lookup demo` from an empty folder (on
    the running server, so it is quick), with the same card as the wheel's."""
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    demo = run(EDITABLE_BIN, "demo", cwd=empty, env=served.env)
    assert demo.returncode == 0, demo.stdout + demo.stderr[-3000:]
    assert f"Address: {ADDRESS}" in demo.stdout and f"# {HEADING}" in demo.stdout
    assert list(empty.iterdir()) == []
    path = run(EDITABLE_BIN, "demo", "--path", cwd=empty, env=served.env).stdout.strip()
    assert Path(path) == ROOT / "data" / "demo"
