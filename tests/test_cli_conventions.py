"""Every command keeps one convention (flows/cli/_output.py), checked command by command.

stdout carries data only (with --json exactly one JSON document, parsed here without any
trimming); words for the person go to stderr; exit 0 success, 1 a run (or part of a batch)
failed, 2 bad input, 130 Ctrl-C; --wait has a timeout and says what it waits for.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from lookup.text import inert
from tests.conftest import DEMO_WORLD, HARBOR_WORLD
from tests.netkit import closed_port

runner = CliRunner()
DEMO = str(DEMO_WORLD)


def _run(*args: str):
    return runner.invoke(app, list(args))


def _bad_input(*args: str, words: str) -> None:
    done = _run(*args)
    assert done.exit_code == 2, done.output
    assert done.stdout == "" and done.stderr.startswith("Error: ") and words in done.stderr


def _store_dana(data_dir: Path) -> None:
    from lookup.intake.interview import make_interview
    from lookup.store import Store
    from tests.card_fixtures import dana_result

    with Store.open(f"sqlite:///{data_dir / 'lookup.db'}") as store:
        interview = make_interview("Dana Okafor", "Brightwater Analytics")
        store.save_research(replace(dana_result(), interview=interview), card_path=None,
                            now=dt.datetime.now(dt.UTC))


# -- people ---------------------------------------------------------------------------


def test_research() -> None:
    """research: bad input is exit 2 with nothing on stdout; --dry-run --json is one document;
    --wait without a batch is refused rather than ignored."""
    _bad_input("research", "Dana Okafor", "--company", "B", "--tone", "rude", words="tone")
    _bad_input("research", "Dana Okafor", "--company", "B", "--wait", words="--batch")
    _bad_input("research", "--batch", "f.csv", "--timeout", "5", words="give --wait too")
    done = _run("research", "Dana Okafor", "--company", "B", "--world", DEMO, "--dry-run",
                "--json")
    assert done.exit_code == 0 and [r["name"] for r in json.loads(done.stdout)] == ["Dana Okafor"]
    assert "nothing was started" in done.stderr


def test_guess() -> None:
    """guess: ranked lines on stdout; --json one object with or without --explain."""
    args = ("guess", "Dana Okafor", "--domain", "brightwater.test", "--world", DEMO, "--known",
            "Priya Raman <praman@brightwater.test>")
    text = _run(*args)
    assert text.exit_code == 0 and text.stdout.splitlines()[0].endswith(
        "colleague's address follows {f}{last}.") and text.stderr == ""
    plain, explained = (json.loads(_run(*args, *extra, "--json").stdout)
                        for extra in ((), ("--explain",)))
    assert set(plain) == set(explained) == {"candidates", "steps"}
    assert plain["steps"] == [] and explained["steps"] and plain["candidates"]


def test_list(data_dir: Path) -> None:
    """list: nobody yet is a hint on stderr and nothing on stdout; --json is []."""
    empty = _run("list")
    assert empty.exit_code == 0 and empty.stdout == "" and "Nobody researched yet" in empty.stderr
    assert json.loads(_run("list", "--json").stdout) == []
    _store_dana(data_dir)
    assert [p["slug"] for p in json.loads(_run("list", "--json").stdout)] == ["dana-okafor"]


def test_list_interrupted_exits_130(monkeypatch) -> None:
    """Ctrl-C during a command: one sentence on stderr, exit 130."""
    from lookup.store import Store

    def interrupted(self, candidate=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "list_people", interrupted)
    done = _run("list")
    assert done.exit_code == 130 and done.stdout == ""
    assert done.stderr.startswith("Error: Interrupted")


def test_show(data_dir: Path) -> None:
    """show: an unknown person is exit 2; a stored one without its card file too, naming it."""
    _bad_input("show", "Nobody Here", words="Nobody called 'Nobody Here'")
    _store_dana(data_dir)
    _bad_input("show", "Dana Okafor", words="is missing; run the research again")


def test_forget_exits_1_when_prefect_s_records_cannot_be_removed(data_dir: Path,
                                                                 monkeypatch) -> None:
    """forget: our rows go; Prefect's API not answering is said, and the exit code is 1,
    with the one JSON document saying what was removed."""
    _bad_input("forget", "Nobody Here", words="Nobody called")
    _store_dana(data_dir)
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{closed_port()}/api")
    done = _run("forget", "Dana Okafor", "--json")
    assert done.exit_code == 1, done.output
    report = json.loads(done.stdout)
    assert report["slug"] == "dana-okafor" and report["rows"]["people"] == 1
    assert "does not answer" in report["prefect"]["error"]
    assert done.stderr.startswith("Error: Prefect's records could not be removed")
    assert json.loads(_run("list", "--json").stdout) == []


def test_reverify() -> None:
    """reverify: contradictory options are exit 2 before anything runs."""
    _bad_input("reverify", "--all", "--due", words="not both")


# -- mail -----------------------------------------------------------------------------


def test_verify() -> None:
    """verify: --json is one array even for one address; text lines on stdout; a bad proxy
    URL is exit 2."""
    one = _run("verify", "dokafor@brightwater.test", "--world", DEMO, "--json")
    assert one.exit_code == 0, one.output
    (row,) = json.loads(one.stdout)
    assert row["address"] == "dokafor@brightwater.test"
    text = _run("verify", "dokafor@brightwater.test", "--world", DEMO)
    assert text.stdout.splitlines()[0].startswith("dokafor@brightwater.test: ")
    _bad_input("verify", "a@b.test", "--smtp-proxy", "http://proxy", words="SOCKS5")


def test_doctor() -> None:
    """doctor: --json is one object naming the domain and each check."""
    done = _run("doctor", "--world", DEMO, "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["domain"] == "brightwater.test" and {c["name"] for c in report["checks"]} >= {
        "DNS", "HTTPS", "Port 25"}


# -- operations -----------------------------------------------------------------------------


def test_server(monkeypatch) -> None:
    """server status/stop: data on stdout, one object with --json; a bad --postgres URL is
    exit 2 before anything starts."""
    status = _run("server", "status", "--json")
    assert status.exit_code == 0 and json.loads(status.stdout) == {
        "up": False, "url": None, "pid": None, "ui": None}
    stop = _run("server", "stop")
    assert stop.exit_code == 0 and stop.stdout == "No local Prefect server was running.\n"
    _bad_input("server", "start", "--postgres", "mysql://db/x", words="must be PostgreSQL")


def test_serve_and_deploy_say_what_is_missing(monkeypatch) -> None:
    """serve and deploy against a Prefect API that does not answer: exit 1, one sentence."""
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{closed_port()}/api")
    for command in ("serve", "deploy"):
        done = _run(command)
        assert done.exit_code == 1 and done.stdout == ""
        assert done.stderr.startswith("Error: Prefect's API at http://127.0.0.1:"), command


def test_deploy_without_a_server() -> None:
    """deploy with no Prefect server at all: exit 1 and what to start."""
    done = _run("deploy", "--json")
    assert done.exit_code == 1 and done.stdout == ""
    assert "lookup deploy needs a Prefect server" in done.stderr


def test_import_with_nothing_new_is_the_same_with_and_without_submit(tmp_path: Path) -> None:
    """import: a calendar with no interview gives exit 0, the same note and the same document
    whether or not --submit is given; a missing file is exit 2."""
    path = tmp_path / "empty.ics"
    path.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n")
    plain, submitted = (_run("import", str(path), "--json", *extra) for extra in ((), ("--submit",)))
    assert plain.exit_code == submitted.exit_code == 0
    assert plain.stdout == submitted.stdout and json.loads(plain.stdout)["researched"] == []
    assert plain.stderr == submitted.stderr and "Nothing new to research" in plain.stderr
    _bad_input("import", str(tmp_path / "none.ics"), words="does not exist")
    _bad_input("import", str(path), "--wait", words="--submit")


def test_world_serve() -> None:
    """world serve: a directory that is not there is exit 2 (the served case is in
    tests/test_cli_e2e.py, as a user runs it)."""
    _bad_input("world", "serve", "/no/such/world", words="does not exist")


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_demo(tmp_path: Path) -> None:
    """demo --json: one object, the run's summary and the card's text (inert, as every string
    of a JSON document), on the Prefect API already set (no local server of its own);
    --path: the folder only (the text output, from an installed wheel, is in
    tests/test_install.py)."""
    done = _run("demo", "--json")
    assert not (tmp_path / "data" / "prefect-server.json").exists()
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["name"] == "Dana Okafor" and report["email"]["address"].endswith(
        "@brightwater.test")
    assert report["card_text"] == inert(Path(report["card"]).read_text(encoding="utf-8"))
    assert report["card_text"].startswith("# Dana Okafor — Brightwater Analytics\n")
    path = _run("demo", "--path")
    assert path.exit_code == 0 and path.stdout == f"{DEMO_WORLD}\n"


# -- batches, for real ------------------------------------------------------------------


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_batch_with_one_failing_row_exits_1_and_says_how_many(tmp_path: Path) -> None:
    """Two rows, one whose world cannot be served: the good one completes; stdout is one JSON
    array of both outcomes; stderr ends "Error: 1 of 2 runs failed."; exit 1."""
    broken = tmp_path / "broken-world"
    broken.mkdir()  # exists, so the row passes its check; serving it fails in the run
    batch = tmp_path / "batch.csv"
    batch.write_text("name,company,world\n"
                     f"Tomasz Wierzbicki,Harbor Lane Logistics,{HARBOR_WORLD}\n"
                     f"Dana Okafor,Brightwater Analytics,{broken}\n", encoding="utf-8")
    done = _run("research", "--batch", str(batch), "--json")
    assert done.exit_code == 1, done.output
    outcomes = json.loads(done.stdout)
    assert [(o["name"], o["state"]) for o in outcomes] == [
        ("Tomasz Wierzbicki", "COMPLETED"), ("Dana Okafor", "FAILED")]
    assert done.stderr.strip().splitlines()[-1] == "Error: 1 of 2 runs failed."


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_wait_stops_at_its_timeout_and_says_what_it_waited_for(tmp_path: Path,
                                                               monkeypatch) -> None:
    """With the deployment registered but no worker, --wait --timeout 2 says what it waits for,
    gives up after 2 s, reports the run as not finished and exits 1; the run is left alone."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    from flows.research import research_interviewer

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())

    async def register() -> object:
        async with get_client() as client:
            flow_id = await client.create_flow(research_interviewer)
            return await client.create_deployment(flow_id=flow_id, name="on-demand",
                                                  entrypoint="flows.research:research_interviewer")

    async def remove(deployment_id: object, run_ids: list[str]) -> None:
        async with get_client() as client:
            for run_id in run_ids:
                await client.delete_flow_run(run_id)
            await client.delete_deployment(deployment_id)

    deployment_id = asyncio.run(register())
    runs: list[str] = []
    try:
        batch = tmp_path / "batch.csv"
        batch.write_text(f"name,company,world\nDana Okafor,Brightwater Analytics,{DEMO}\n")
        done = _run("research", "--batch", str(batch), "--wait", "--timeout", "2", "--json")
        outcomes = json.loads(done.stdout)
        runs = [o["flow_run_id"] for o in outcomes]
        assert done.exit_code == 1, done.output
        assert "Waiting up to 2 s for the 1 run(s) to finish" in done.stderr
        assert outcomes[0]["state"] in ("SCHEDULED", "PENDING") and "wait ran out" in \
            outcomes[0]["message"]
        assert done.stderr.strip().splitlines()[-1].startswith(
            "Error: 1 of 1 run(s) had not finished after 2 s of waiting")
    finally:
        asyncio.run(remove(deployment_id, runs))


def test_the_console_script_points_at_the_cli() -> None:
    """pyproject's `lookup` script names flows.cli:main, which exists."""
    import tomllib

    from flows import cli

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["lookup"] == "flows.cli:main" and callable(cli.main)
    assert shutil.which("lookup") or True  # installed or not, the entry point resolves
