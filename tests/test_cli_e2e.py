"""Every command the README lists, run as a subprocess the way a user types it (issue 18).

One real Prefect server (`lookup server start`) serves the whole module, so each research
run costs seconds; the tests run in order: start the server, research (with --notes and
--recruiter), list, import a calendar, reverify --due and --research, forget, world serve,
server status, server stop. They assert on what the user sees and on the stored state.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import CANDIDATE, DEMO_WORLD, HARBOR_WORLD, ROOT
from tests.netkit import free_port

pytestmark = [pytest.mark.server, pytest.mark.timeout(900)]
LOOKUP = str(Path(sys.executable).with_name("lookup"))




class User:
    """Types `lookup ...` commands in one data folder, against one local Prefect server."""

    def __init__(self, data: Path, port: int) -> None:
        self.data = data
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LOOKUP_"))}
        self.env |= {"LOOKUP_DATA_DIR": str(data), "LOOKUP_CONFIG": "",
                     "LOOKUP_PREFECT__SERVER_PORT": str(port),
                     "LOOKUP_PREFECT__STARTUP_TIMEOUT_S": "240",
                     "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "LOOKUP_CANDIDATE": CANDIDATE}

    def run(self, *args: str, ok: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run([LOOKUP, *args], capture_output=True, text=True, env=self.env,
                              cwd=ROOT, timeout=timeout)
        if ok:
            assert done.returncode == 0, f"lookup {' '.join(args)}: {done.stderr[-3000:]}"
        return done

    def rows(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.data / "lookup.db") as db:
            return db.execute(sql).fetchall()


@pytest.fixture(scope="module")
def user(tmp_path_factory: pytest.TempPathFactory) -> Iterator[User]:
    person = User(tmp_path_factory.mktemp("cli") / "data", free_port())
    try:
        yield person
    finally:
        person.run("server", "stop", ok=False)


def test_server_start_then_status(user: User) -> None:
    """`lookup server start` brings a server up in the data folder; `status` says so."""
    started = user.run("server", "start", timeout=300)
    assert re.search(r"Prefect server up at http://127\.0\.0\.1:\d+ \(pid \d+\)", started.stdout)
    status = user.run("server", "status")
    assert status.stdout.startswith("Prefect server: up at http://127.0.0.1:")
    assert (user.data / "prefect" / "prefect.db").is_file()


def test_research_with_notes_and_recruiter_writes_the_card_and_rows(user: User) -> None:
    """research with --notes and --recruiter: summary on stdout, the card, and the rows kept."""
    done = user.run("research", "Dana Okafor", "--company", "Brightwater Analytics", "--role",
                    "Senior Data Engineer", "--interview-date", "2026-11-30", "--recruiter",
                    "Sam Lee", "--notes", "We discussed migrating their batch jobs to Flink",
                    "--world", str(DEMO_WORLD), "--smtp")
    assert "Address: dokafor@brightwater.test" in done.stdout
    assert "Card: " in done.stdout and "Tip:" not in done.stderr  # the server made it fast
    card = (user.data / "briefings" / CANDIDATE / "dana-okafor.md").read_text(encoding="utf-8")
    assert card.startswith("# Dana Okafor — Brightwater Analytics")
    assert user.rows("SELECT recruiter, notes FROM interviews") == [
        ("Sam Lee", "We discussed migrating their batch jobs to Flink")]


def test_list_shows_the_person_with_the_verdict(user: User) -> None:
    """`lookup list --json` lists the researched person, their address and its verdict."""
    (person,) = json.loads(user.run("list", "--json").stdout)
    assert (person["slug"], person["address"], person["status"]) == (
        "dana-okafor", "dokafor@brightwater.test", "deliverable")


def test_import_researches_the_calendar_s_new_interviews(user: User, tmp_path: Path) -> None:
    """`lookup import FILE.ics` researches each new interview; one already known is skipped."""
    ics = tmp_path / "interviews.ics"
    ics.write_text("\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN",
        "BEGIN:VEVENT", "UID:1@test", "DTSTAMP:20261201T090000Z",
        "DTSTART:20261201T100000Z", "DTEND:20261201T110000Z",
        "SUMMARY:Interview with Tomasz Wierzbicki (Harbor Lane Logistics)",
        "DESCRIPTION:Interviewer: Tomasz Wierzbicki\\nCompany: Harbor Lane Logistics",
        "END:VEVENT",
        # The interview researched above (same person, same day): already known. Another
        # day would be a second round, researched again (issue 15).
        "BEGIN:VEVENT", "UID:2@test", "DTSTAMP:20261201T090000Z",
        "DTSTART:20261130T100000Z", "DTEND:20261130T110000Z",
        "SUMMARY:Interview with Dana Okafor (Brightwater Analytics)",
        "DESCRIPTION:Interviewer: Dana Okafor\\nCompany: Brightwater Analytics",
        "END:VEVENT", "END:VCALENDAR", ""]), encoding="utf-8")
    done = user.run("import", str(ics), "--world", str(HARBOR_WORLD), "--max-age-days", "3650")
    assert "researched Tomasz Wierzbicki (Harbor Lane Logistics)" in done.stdout
    assert "skipped Dana Okafor (Brightwater Analytics): already researched" in done.stdout
    assert (user.data / "briefings" / CANDIDATE / "tomasz-wierzbicki.md").is_file()


def test_reverify_due_and_research(user: User) -> None:
    """`reverify --due` checks what is due (nothing right after research); `--all --research`
    re-runs the research and records a new check for every stored contact."""
    before = user.rows("SELECT count(*) FROM verifications")[0][0]
    due = json.loads(user.run("reverify", "--due", "--world", str(DEMO_WORLD), "--json").stdout)
    assert due["checked"] == 0
    again = json.loads(user.run("reverify", "--all", "--research", "--world", str(DEMO_WORLD),
                                "--json").stdout)
    assert again["checked"] >= 1
    assert user.rows("SELECT count(*) FROM verifications")[0][0] > before


def test_forget_removes_the_person_everywhere(user: User) -> None:
    """`lookup forget` removes the rows and card, and Prefect's runs and artifacts."""
    done = user.run("forget", "Dana Okafor")
    assert done.stdout.startswith(f"Forgot Dana Okafor (dana-okafor) for {CANDIDATE}:")
    assert "Prefect: " in done.stdout
    assert not (user.data / "briefings" / CANDIDATE / "dana-okafor.md").exists()
    assert user.rows("SELECT count(*) FROM people WHERE slug = 'dana-okafor'") == [(0,)]
    listed = json.loads(user.run("list", "--json").stdout)
    assert [p["slug"] for p in listed] == ["tomasz-wierzbicki"]


def test_world_serve_prints_its_endpoints_and_stops_on_ctrl_c(user: User) -> None:
    """`lookup world serve DIR` serves until Ctrl-C; its web endpoint answers meanwhile."""
    # Ctrl-C as in a terminal: a suite started in the background (`make test &`) inherits an
    # ignored SIGINT, which the child would keep
    proc = subprocess.Popen([LOOKUP, "world", "serve", str(DEMO_WORLD)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=user.env, cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        lines = []  # the endpoints are data, on stdout; how to stop it is said on stderr
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("LOOKUP_WORLD=" in x for x in lines):
            lines.append(proc.stdout.readline())
        web = next(re.search(r"web +(http://127\.0\.0\.1:\d+/)", x) for x in lines
                   if re.search(r"web +http", x))
        page = httpx.get(web.group(1), headers={"Host": "www.brightwater.test"}, trust_env=False)
        assert page.status_code == 200 and "Brightwater" in page.text
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Stopping the world." in err and "Press Ctrl-C" in err


def test_server_stop_then_status(user: User) -> None:
    """`lookup server stop` stops it; `status` then says it is down."""
    assert user.run("server", "stop").stdout.strip() == "Prefect server stopped."
    assert user.run("server", "status").stdout.startswith("Prefect server: down")
