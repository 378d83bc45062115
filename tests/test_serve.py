"""`lookup serve` against a real Prefect server: both deployments register and a run goes through."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from flows.server import api_url, start_server, stop_server
from lookup.settings import load_settings
from tests.conftest import CANDIDATE, HARBOR_WORLD
from tests.netkit import free_port, prefect_call, wait_for

pytestmark = [pytest.mark.server, pytest.mark.timeout(420)]
LOOKUP = Path(sys.executable).with_name("lookup")






def _deployment(api: str, name: str) -> dict | None:
    """The deployment, or None while it is not registered yet (404)."""
    response = prefect_call("GET", f"{api}/deployments/name/{name}", ok=(200, 404))
    return response.json() if response.status_code == 200 else None


def _finished(api: str, run_id: str) -> dict | None:
    run = prefect_call("GET", f"{api}/flow_runs/{run_id}").json()
    return run if run["state"]["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None


def test_serve_registers_both_deployments_and_runs_research_on_demand(tmp_path: Path) -> None:
    """`lookup serve` registers research (on demand) and re-verification (Mondays 08:00); a triggered run completes."""
    data = tmp_path / "data"
    settings = load_settings(env={}, overrides={
        "general": {"data_dir": str(data)},
        "prefect": {"server_port": free_port(), "startup_timeout_s": 180},
    })
    log = (tmp_path / "serve.log").open("w")
    serving = None
    try:
        api = api_url(start_server(settings))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LOOKUP_"))}
        env |= {"PREFECT_API_URL": api, "LOOKUP_DATA_DIR": str(data),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "TZ": "Europe/Berlin",
                "LOOKUP_RUNS__WORLDS": str(HARBOR_WORLD.parent),  # runs it serves may name it
                "LOOKUP_CANDIDATE": CANDIDATE}
        serving = subprocess.Popen([str(LOOKUP), "serve"], env=env, stdout=log, stderr=log,
                                   start_new_session=True)
        research = wait_for(lambda: _deployment(api, "research-interviewer/on-demand"), 240,
                             "`lookup serve` to register research-interviewer/on-demand")
        reverify = wait_for(lambda: _deployment(api, "reverify-contacts/scheduled"), 60,
                             "`lookup serve` to register reverify-contacts/scheduled")
        (schedule,) = reverify["schedules"]
        assert schedule["schedule"]["cron"] == "0 8 * * 1"
        assert schedule["schedule"]["timezone"] == "Europe/Berlin"
        assert research["schedules"] == []
        created = prefect_call(
            "POST", f"{api}/deployments/{research['id']}/create_flow_run",
            json={"parameters": {"name": "Tomasz Wierzbicki", "company": "Harbor Lane Logistics",
                                 "world": str(HARBOR_WORLD)}},
        ).json()
        assert "id" in created, f"create_flow_run answered {created!r}"
        run = wait_for(lambda: _finished(api, created["id"]), 300, "the research run to finish")
        assert run["state"]["type"] == "COMPLETED", (tmp_path / "serve.log").read_text()[-3000:]
        assert (data / "briefings" / CANDIDATE / "tomasz-wierzbicki.md").is_file()
    finally:
        if serving is not None:
            os.killpg(serving.pid, signal.SIGINT)
            try:
                serving.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(serving.pid, signal.SIGKILL)
        stop_server(settings)
        log.close()
