"""A batch past Prefect's page size, on a real server: 201 rows with --wait, then the same file
again after a partial failure.

The server is real (`lookup server start`, with an auth string); the deployment is the research
deployment's name on a flow that no worker runs: the test marks each scheduled run Completed
itself, so what is measured is the batch's submitting and following (pages of at most 200, keys
from each row's content), not 201 research runs on a 2-core machine.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netkit import free_port, prefect_call

pytestmark = [pytest.mark.server, pytest.mark.timeout(600)]

BIN = Path(sys.executable).parent
AUTH = "batch-admin:not-a-real-password-4b1d"
ROWS = 201
FIRST = ("Ada", "Bram", "Chloe", "Dario", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonah",
         "Kaito", "Lena", "Mateo", "Nora", "Oskar")
LAST = ("Abbott", "Brandt", "Castell", "Dunmore", "Eskew", "Fairholm", "Grieve", "Hallett",
        "Ingram", "Jessop", "Kettle", "Lorne", "Marsh", "Nyland")


class Api:
    """The test's own calls to the server (with its auth string)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, method: str, path: str, json=None, ok=(200, 201, 204)):
        return prefect_call(method, self.url + path, json=json, ok=ok, auth=AUTH)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[dict[str, str], Api, str]]:
    """A real Prefect server with the research deployment's name on a flow nobody runs."""
    tmp = tmp_path_factory.mktemp("pages")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LOOKUP_"))}
    env |= {"LOOKUP_CONFIG": "", "HOME": str(tmp / "home"), "LOOKUP_DATA_DIR": str(tmp / "data"),
            "LOOKUP_PREFECT__SERVER_PORT": str(free_port()),
            "LOOKUP_PREFECT__STARTUP_TIMEOUT_S": "240",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_API_AUTH_STRING": AUTH}
    try:
        started = subprocess.run([str(BIN / "lookup"), "server", "start"], env=env,
                                 capture_output=True, text=True, timeout=300)
        assert started.returncode == 0, started.stdout + started.stderr
        record = json.loads((tmp / "data" / "prefect-server.json").read_text())
        env["PREFECT_API_URL"] = record["url"] + "/api"
        api = Api(env["PREFECT_API_URL"])
        flow = api("POST", "/flows/", json={"name": "research-interviewer"}).json()
        deployment = api("POST", "/deployments/", json={
            "name": "on-demand", "flow_id": flow["id"], "enforce_parameter_schema": False,
        }).json()
        yield env, api, deployment["id"]
    finally:
        subprocess.run([str(BIN / "lookup"), "server", "stop"], env=env, timeout=120)


def _complete_scheduled(api: Api, deployment: str, stop: threading.Event) -> None:
    """Stand in for a worker: mark every scheduled run of the deployment Completed."""
    while not stop.wait(0.5):
        runs = api("POST", "/flow_runs/filter", json={
            "deployments": {"id": {"any_": [deployment]}},
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}, "limit": 200}).json()
        for run in runs:
            api("POST", f"/flow_runs/{run['id']}/set_state",
                json={"state": {"type": "COMPLETED"}, "force": True})


def _batch_file(folder: Path) -> Path:
    names = [f"{a} {b}" for a, b in itertools.product(FIRST, LAST)][:ROWS]
    path = folder / "interviews.csv"
    path.write_text("name,company\n" + "".join(f"{n},Quillfeather Labs\n" for n in names),
                    encoding="utf-8")
    return path


def _lookup(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "lookup"), *args], env=env, capture_output=True, text=True,
                          timeout=400)


def test_201_rows_are_followed_to_the_end_and_a_second_pass_submits_only_what_is_missing(
        server, tmp_path):
    """201 runs are submitted and followed (in pages of at most 200) until each completes;
    the same file again submits only the rows whose run is gone or ended in failure."""
    env, api, deployment = server
    batch = _batch_file(tmp_path)
    stop = threading.Event()
    worker = threading.Thread(target=_complete_scheduled, args=(api, deployment, stop))
    worker.start()
    try:
        done = _lookup(env, "research", "--batch", str(batch), "--wait", "--json")
    finally:
        stop.set()
        worker.join()
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    outcomes = json.loads(done.stdout)
    assert len(outcomes) == ROWS
    assert {o["state"] for o in outcomes} == {"COMPLETED"}
    assert len({o["flow_run_id"] for o in outcomes}) == ROWS
    assert not any(o["earlier"] for o in outcomes)
    # a partial failure: two runs failed, three are gone (never created, as far as Prefect knows)
    failed, gone = outcomes[:2], outcomes[-3:]
    for o in failed:
        api("POST", f"/flow_runs/{o['flow_run_id']}/set_state",
            json={"state": {"type": "FAILED", "message": "lost"}, "force": True})
    for o in gone:
        api("DELETE", f"/flow_runs/{o['flow_run_id']}")
    again = _lookup(env, "research", "--batch", str(batch), "--json")
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-3000:]
    second = json.loads(again.stdout)
    fresh = [o for o in second if not o["earlier"]]
    assert [o["name"] for o in fresh] == [o["name"] for o in failed + gone]
    assert all(o["state"] == "SUBMITTED" for o in fresh)
    assert all(o["flow_run_id"] not in {x["flow_run_id"] for x in outcomes} for o in fresh)
    assert [o["message"] for o in fresh[:2]] == ["submitted again: run "
                                                 f"{o['flow_run_name']} ended failed"
                                                 for o in failed]
    kept = [o for o in second if o["earlier"]]
    assert len(kept) == ROWS - 5 and {o["state"] for o in kept} == {"COMPLETED"}
    assert f"{ROWS - 5} of {ROWS} row(s) had been submitted earlier today" in again.stderr
    # and a third pass creates nothing new
    third = json.loads(_lookup(env, "research", "--batch", str(batch), "--json").stdout)
    assert all(o["earlier"] for o in third)
    assert {o["flow_run_id"] for o in third} == {o["flow_run_id"] for o in second}
