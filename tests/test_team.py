"""A team's set-up, for real: PostgreSQL, a Prefect server on it, a work pool, two workers, a batch.

Everything is the real thing on loopback: a PostgreSQL server (tests/pgcluster.py), the
Prefect server started by `lookup server start --postgres`, `lookup deploy`, two `prefect
worker start` processes, `lookup research --batch --wait` against two offline worlds
served once for every worker (``LOOKUP_WORLD_ENDPOINTS``). Then the world's own logs
say whether any politeness limit was broken across the workers, the store and the cards
are checked, and a worker is killed in the middle of a run.

The set-up is locked as the README's team section says: the server refuses a non-loopback
address without an auth string (before anything binds), and runs with one, CSRF protection
on; unauthenticated calls get 401 while the CLI and the workers (given the string) work; the
work pool's template ignores ``-jv command=…``; the workers' settings decide what a run may
ask; a person is forgotten in the middle of a run; and after runs that used a proxy password
and a database password, neither is found in the data folder, the databases or the logs (nor
is the auth string's password).

Slow (about two minutes): skip it with ``pytest -m "not team"``; CI runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from lookup.world import serve_world, smtp_sessions_by_domain, write_endpoints
from tests.conftest import CANDIDATE, DEMO_WORLD, HARBOR_WORLD
from tests.netkit import free_port, prefect_call, wait_for
from tests.socks5 import serve_socks5

pytestmark = [pytest.mark.team, pytest.mark.timeout(900)]

BIN = Path(sys.executable).parent
# A worker machine installs the package (`pip install 'interviewer-lookup[postgres]'`): under
# `make test` the workers run from the wheel's own venv (.ci/wheel-venv), in a folder of
# their own, so they load nothing from this checkout. Read at import: conftest drops LOOKUP_*.
_WHEEL = os.environ.get("LOOKUP_TEST_WHEEL_HOME", "")
WORKER_BIN = Path(_WHEEL, "venv", "bin") if _WHEEL else BIN
SEARCH_INTERVAL_S = 0.5
HOST_INTERVAL_S = 0.25
SMTP_PER_MINUTE = 6
# The world logs when a request arrives; the limiter grants turns some milliseconds before
# the request leaves. On a loaded 2-core machine both clocks wobble by tens of ms.
NOISE_S = 0.05
POOL = "team-test-pool"
AUTH_PASSWORD = "Team-Auth-7c1f"
AUTH = f"team-admin:{AUTH_PASSWORD}"  # the server's auth string: every client sends it
PROXY_USER = "team-proxy-user"
PROXY_PASSWORD = "S3cretPW-socks"  # a proxy password, from the workers' environment only
DB_PASSWORD = "DbS3cret-store"  # in the store's URL (PostgreSQL trusts loopback: any works)
SECRETS = (PROXY_PASSWORD, DB_PASSWORD, AUTH_PASSWORD)






@dataclass
class Team:
    env: dict[str, str]
    api: str
    data: Path
    store_url: str
    demo: object
    harbor: object
    slow: object
    slow_dir: Path
    workers: list[subprocess.Popen]
    logs: Path
    proxy: object = None

    def lookup(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "lookup"), *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def start_worker(self) -> subprocess.Popen:
        n = len(self.workers)
        worker = subprocess.Popen(
            [str(WORKER_BIN / "prefect"), "worker", "start", "--pool", POOL, "--limit", "1",
             "--name", f"worker-{n}"],
            env=self.env, stdout=open(self.logs / f"worker-{n}.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT, start_new_session=True, cwd=self.logs,
        )
        self.workers.append(worker)
        return worker

    def rows(self, sql: str) -> list[tuple]:
        engine = create_engine(self.store_url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(text(sql))]
        finally:
            engine.dispose()

    def task_runs(self, run_id: str) -> dict[str, str]:
        """The run's task runs so far: task name -> state type."""
        found = prefect_call("POST", f"{self.api}/task_runs/filter", auth=AUTH,
                             json={"flow_runs": {"id": {"any_": [run_id]}}}).json()
        return {r["name"].rsplit("-", 1)[0]: r["state_type"] for r in found}

    def flow_run(self, run_id: str) -> dict:
        return prefect_call("GET", f"{self.api}/flow_runs/{run_id}", auth=AUTH).json()

    def prefect(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "prefect"), *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout, cwd=self.logs)

    def log_tail(self, chars: int = 3000) -> str:
        return "\n".join(p.read_text(errors="replace")[-chars:]
                         for p in sorted(self.logs.glob("*.log")))


def _slow_copy(tmp: Path) -> Path:
    """Harbor with web sites that take 6 s to answer: a run there is caught mid-way."""
    slow = tmp / "harbor-slow"
    shutil.copytree(HARBOR_WORLD, slow)
    toml = (slow / "world.toml").read_text(encoding="utf-8")
    toml = re.sub(r"(?m)^http = \d+", "http = 6000", toml)
    assert "http = 6000" in toml
    (slow / "world.toml").write_text(toml, encoding="utf-8")
    return slow


@pytest.fixture(scope="module")
def team(postgres, tmp_path_factory) -> Iterator[Team]:
    """PostgreSQL + `lookup server start --postgres` + `lookup deploy` + two workers."""
    tmp = tmp_path_factory.mktemp("team")
    logs = tmp / "logs"
    logs.mkdir()
    store_url = postgres.create_database("team_store").replace("@", f":{DB_PASSWORD}@", 1)
    postgres.create_database("team_prefect")
    slow_dir = _slow_copy(tmp)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LOOKUP_"))}
    env |= {
        "LOOKUP_CONFIG": "", "HOME": str(tmp / "home"), "LOOKUP_DATA_DIR": str(tmp / "data"),
        "LOOKUP_CANDIDATE": CANDIDATE,
        # the workers' policy: probing allowed, these worlds and no other, one named proxy
        "LOOKUP_SMTP__ENABLED": "true",
        "LOOKUP_RUNS__WORLDS": f"{DEMO_WORLD},{HARBOR_WORLD},{slow_dir}",
        "LOOKUP_DATABASE_URL": store_url, "LOOKUP_PREFECT__SERVER_PORT": str(free_port()),
        "LOOKUP_PREFECT__WORK_POOL": POOL, "LOOKUP_PREFECT__STARTUP_TIMEOUT_S": "240",
        "LOOKUP_GENERAL__WORLD_LIMITS": "true",
        "LOOKUP_SEARCH__MIN_INTERVAL_S": str(SEARCH_INTERVAL_S),
        "LOOKUP_FETCH__PER_HOST_DELAY_S": str(HOST_INTERVAL_S),
        "LOOKUP_SMTP__PROBES_PER_DOMAIN_PER_MINUTE": str(SMTP_PER_MINUTE),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    team = None
    try:
        # the server's machine has only the server's string: `server start` uses it as a
        # client too (it creates the politeness limits through the API)
        started = subprocess.run(
            [str(BIN / "lookup"), "server", "start", "--postgres", postgres.url("team_prefect")],
            env=env | {"PREFECT_SERVER_API_AUTH_STRING": AUTH}, capture_output=True, text=True,
            timeout=300)
        assert started.returncode == 0, started.stdout + started.stderr
        assert "on postgresql+asyncpg://" in started.stdout
        assert "API authentication: on" in started.stderr
        record = json.loads((tmp / "data" / "prefect-server.json").read_text())
        env["PREFECT_API_URL"] = record["url"] + "/api"
        env["PREFECT_API_AUTH_STRING"] = AUTH  # every other client and worker sends it
        with serve_world(DEMO_WORLD) as demo, serve_world(HARBOR_WORLD) as harbor, \
                serve_world(slow_dir) as slow, serve_socks5(f"{PROXY_USER}:{PROXY_PASSWORD}") as proxy:
            env["LOOKUP_SMTP__PROXIES__OFFICE"] = f"socks5://{PROXY_USER}:${{OFFICE_PW}}@127.0.0.1:{proxy.port}"
            env["OFFICE_PW"] = PROXY_PASSWORD
            write_endpoints(tmp / "worlds.json", demo.endpoints, harbor.endpoints, slow.endpoints)
            env["LOOKUP_WORLD_ENDPOINTS"] = str(tmp / "worlds.json")
            team = Team(env, env["PREFECT_API_URL"], tmp / "data", store_url, demo, harbor, slow,
                        slow_dir, [], logs, proxy)
            deployed = team.lookup("deploy", "--json")
            assert deployed.returncode == 0, deployed.stdout + deployed.stderr
            assert json.loads(deployed.stdout)["work_pool"] == POOL
            team.start_worker()
            team.start_worker()
            yield team
    finally:
        for worker in team.workers if team else []:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in team.workers if team else []:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        subprocess.run([str(BIN / "lookup"), "server", "stop"], env=env, timeout=120)


def _expected(world: Path) -> dict:
    return tomllib.loads((world / "expected.toml").read_text())["interview"][0]


def _gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [b - a for a, b in zip(ordered, ordered[1:], strict=False)]




def test_a_batch_on_two_workers_completes_and_no_limit_is_broken(team: Team, tmp_path: Path):
    """Four interviews on two workers: every run completes, rows and cards are right, and the
    worlds saw no engine, host or mail domain served faster than the global limits allow."""
    dana, tomasz = _expected(DEMO_WORLD), _expected(HARBOR_WORLD)
    batch = tmp_path / "batch.csv"
    batch.write_text(
        "name,company,world\n"
        f"{dana['name']},{dana['company']},{DEMO_WORLD}\n"
        f"{tomasz['name']},{tomasz['company']},{HARBOR_WORLD}\n"
        f"Priya Raman,{dana['company']},{DEMO_WORLD}\n"
        f"Jonas Weber,{dana['company']},{DEMO_WORLD}\n",
        encoding="utf-8",
    )
    done = team.lookup("research", "--batch", str(batch), "--wait", "--smtp", "--json")
    assert done.returncode == 0, done.stdout + done.stderr + team.log_tail()
    outcomes = json.loads(done.stdout)
    assert [o["state"] for o in outcomes] == ["COMPLETED"] * 4
    assert len({o["flow_run_id"] for o in outcomes}) == 4
    # the store: one row per person, the expected addresses chosen
    people = dict(team.rows("SELECT slug, name FROM people"))
    assert sorted(people) == ["dana-okafor", "jonas-weber", "priya-raman", "tomasz-wierzbicki"]
    assert team.rows("SELECT COUNT(*), COUNT(DISTINCT person_id) FROM interviews") == [(4, 4)]
    chosen = dict(team.rows(
        "SELECT p.slug, c.address FROM candidate_addresses c JOIN people p ON p.id = c.person_id "
        "WHERE c.chosen"))
    assert chosen["dana-okafor"] == dana["expect"]["email"]
    assert chosen["tomasz-wierzbicki"] == tomasz["expect"]["email"]
    for slug, name in people.items():
        card = (team.data / "briefings" / CANDIDATE / f"{slug}.md").read_text(encoding="utf-8")
        assert name in card and chosen[slug] in card
    # politeness, from the worlds' own logs
    for world in (team.demo, team.harbor):
        assert world.search_log, "the batch searched"
        assert min(_gaps([q.at for q in world.search_log])) >= SEARCH_INTERVAL_S - NOISE_S
        by_host: dict[str, list[float]] = defaultdict(list)
        for hit in world.http_log:
            by_host[hit.host].append(hit.at)
        for host, times in by_host.items():
            assert min(_gaps(times), default=HOST_INTERVAL_S) >= HOST_INTERVAL_S - NOISE_S, host
        for domain, times in smtp_sessions_by_domain(world.smtp_log).items():
            for start in times:
                in_window = [t for t in times if start <= t < start + 60.0]
                assert len(in_window) <= SMTP_PER_MINUTE, domain
    assert sum(len(t) for t in smtp_sessions_by_domain(team.demo.smtp_log).values()) >= 2, "the demo was probed"
    # the limits were the server's global ones, not each worker's own (which would also
    # pass the checks above when the runs happen not to overlap)
    used = re.findall(r"Global politeness: (\d+) acquired", team.log_tail(100_000))
    assert len(used) >= 4 and all(int(n) > 0 for n in used), team.log_tail()


def _run_in(team: Team, run_id: str, state: str, timeout: float) -> dict:
    return wait_for(lambda: (r := team.flow_run(run_id))["state_type"] == state and r,
                     timeout, f"run {run_id} to be {state}")


def test_a_worker_killed_mid_run_leaves_the_run_crashed_and_the_card_intact(team: Team, tmp_path):
    """Killing the worker running an interview ends its run Crashed, keeps the previous rows and
    card, and submitting the interview again finishes it."""
    tomasz = _expected(HARBOR_WORLD)
    card = team.data / "briefings" / CANDIDATE / "tomasz-wierzbicki.md"
    if not card.is_file():  # this test may run alone
        first = tmp_path / "first.csv"
        first.write_text(f"name,company,world\n{tomasz['name']},{tomasz['company']},"
                         f"{HARBOR_WORLD}\n", encoding="utf-8")
        assert team.lookup("research", "--batch", str(first), "--wait").returncode == 0
    before_card = card.read_text(encoding="utf-8")
    rows_sql = ("SELECT i.updated_at, COUNT(c.id) FROM interviews i JOIN people p ON p.id = "
                "i.person_id JOIN candidate_addresses c ON c.person_id = p.id "
                "WHERE p.slug = 'tomasz-wierzbicki' GROUP BY i.updated_at")
    before_rows = team.rows(rows_sql)
    slow = tmp_path / "slow.csv"
    slow.write_text(f"name,company,world\n{tomasz['name']},{tomasz['company']},{team.slow_dir}\n",
                    encoding="utf-8")
    submitted = team.lookup("research", "--batch", str(slow), "--json")
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    (outcome,) = json.loads(submitted.stdout)
    run = _run_in(team, outcome["flow_run_id"], "RUNNING", 240)
    wait_for(lambda: "search" in team.task_runs(outcome["flow_run_id"]), 120,
              "the run to have searched")
    child = int(str(run["infrastructure_pid"]).rsplit(":", 1)[-1])
    (worker,) = [w for w in team.workers if w.poll() is None and
                 str(w.pid) == Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[1]]
    os.kill(worker.pid, signal.SIGKILL)
    crashed = _run_in(team, outcome["flow_run_id"], "CRASHED", 200)
    assert crashed["state_type"] == "CRASHED"
    assert card.read_text(encoding="utf-8") == before_card
    assert team.rows(rows_sql) == before_rows
    team.start_worker()
    again = tmp_path / "again.csv"
    again.write_text(f"name,company,world,role\n{tomasz['name']},{tomasz['company']},"
                     f"{HARBOR_WORLD},Operations Analyst\n", encoding="utf-8")  # a new row
    finished = team.lookup("research", "--batch", str(again), "--wait", "--json")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert [o["state"] for o in json.loads(finished.stdout)] == ["COMPLETED"]
    assert card.read_text(encoding="utf-8") != before_card
    assert team.rows("SELECT COUNT(*) FROM people WHERE slug = 'tomasz-wierzbicki'") == [(1,)]


def test_a_non_loopback_address_without_an_auth_string_is_refused_before_anything_binds(
        tmp_path: Path):
    """`lookup server start --host 0.0.0.0` with no auth string exits 2 with one sentence
    saying how, and has started, bound and written nothing (its port on loopback is free)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LOOKUP_"))}
    env |= {"LOOKUP_CONFIG": "", "HOME": str(tmp_path / "home"),
            "LOOKUP_DATA_DIR": str(tmp_path / "data"), "LOOKUP_PREFECT__SERVER_PORT": str(port)}
    refused = subprocess.run([str(BIN / "lookup"), "server", "start", "--host", "0.0.0.0"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stdout == ""
    assert refused.stderr.strip() == (
        "Error: Listening on 0.0.0.0 lets other machines reach Prefect's API, which runs code "
        "on every worker, so it needs an auth string: export "
        "PREFECT_SERVER_API_AUTH_STRING='user:long-random-password' here (and "
        "PREFECT_API_AUTH_STRING, the same, on every worker and client), or listen on 127.0.0.1.")
    assert not (tmp_path / "data").exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2, trust_env=False)


def test_the_api_asks_every_caller_for_the_auth_string(team: Team):
    """Without the auth string the API answers 401 (health excepted), and a change is refused
    before that for want of a CSRF token, which only the string gets; with a wrong string the CLI
    says so in one sentence; with it, reads and changes (CSRF token and all) go through."""
    for path in ("/flow_runs/00000000-0000-0000-0000-000000000000", "/work_pools/" + POOL,
                 "/csrf-token?client=someone", "/admin/version"):
        answer = httpx.get(team.api + path, timeout=10, trust_env=False)
        assert answer.status_code == 401, (path, answer.text)
    for path in ("/deployments/filter", "/work_pools/filter", "/flow_runs/"):
        answer = httpx.post(team.api + path, json={}, timeout=10, trust_env=False)
        assert (answer.status_code, answer.json()) == (403, {"detail": "Missing CSRF token."})
    assert httpx.get(team.api + "/health", timeout=10, trust_env=False).text == "true"
    wrong = subprocess.run([str(BIN / "lookup"), "deploy"], capture_output=True, text=True,
                           env=team.env | {"PREFECT_API_AUTH_STRING": "team-admin:guess"},
                           timeout=120)
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == (
        f"Error: Prefect's API at {team.api} refused this machine's auth string "
        "(PREFECT_API_AUTH_STRING): set it to the server's user:password exactly.")
    pools = prefect_call("POST", f"{team.api}/work_pools/filter", json={}, auth=AUTH).json()
    assert [p["name"] for p in pools if p["name"] == POOL] == [POOL]


def test_a_run_asking_for_another_command_runs_the_normal_one(team: Team, tmp_path: Path):
    """`prefect deployment run … -jv command=… -jv env=…` creates a run that does the research
    with the worker's own command and environment; asking for another value of the pool's one
    variable is refused by the server."""
    tomasz = _expected(HARBOR_WORLD)
    marker, elsewhere = tmp_path / "PWNED", tmp_path / "elsewhere"
    started = team.prefect(
        "deployment", "run", "research-interviewer/on-demand",
        "--param", f"name={tomasz['name']}", "--param", f"company={tomasz['company']}",
        "--param", f"world={HARBOR_WORLD}", "--param", "interview_date=2026-11-02",
        "-jv", f"command=touch {marker}", "-jv", "env=" + json.dumps({
            "LOOKUP_DATA_DIR": str(elsewhere), "LOOKUP_DATABASE_URL": f"sqlite:///{marker}"}))
    assert started.returncode == 0, started.stdout + started.stderr
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", started.stdout).group(1)
    done = wait_for(lambda: (r := team.flow_run(run_id))["state_type"] in
                    ("COMPLETED", "FAILED", "CRASHED") and r, 300, "the -jv run to end")
    assert done["state_type"] == "COMPLETED", team.log_tail()
    assert done["job_variables"]["command"] == f"touch {marker}"  # asked for, and ignored:
    assert not marker.exists() and not elsewhere.exists()
    rounds = team.rows("SELECT i.interview_date FROM interviews i JOIN people p ON p.id = "
                       "i.person_id WHERE p.slug = 'tomasz-wierzbicki'")
    assert ("2026-11-02",) in [(str(d),) for (d,) in rounds]
    refused = team.prefect("deployment", "run", "research-interviewer/on-demand",
                           "--param", "name=Nobody Here", "--param", "company=Acme",
                           "-jv", 'fixed_environment={"PYTHONSTARTUP": "/tmp/x.py"}')
    assert refused.returncode != 0
    assert "Validation failed for field 'fixed_environment'" in refused.stdout + refused.stderr


def test_submitted_runs_may_ask_only_what_the_workers_allow(team: Team, tmp_path: Path):
    """A world outside the workers' runs.worlds and a proxy they do not name: each run ends
    Failed with the one sentence why, and writes nothing."""
    stray = tmp_path / "stray-world"
    shutil.copytree(HARBOR_WORLD, stray)
    batch = tmp_path / "refused.csv"
    batch.write_text(f"name,company,world\nAda Fenwick,Harbor Lane Logistics,{stray}\n",
                     encoding="utf-8")
    done = team.lookup("research", "--batch", str(batch), "--wait", "--json")
    proxied = tmp_path / "proxied.csv"
    proxied.write_text(f"name,company,world\nAda Fenwick,Harbor Lane Logistics,{HARBOR_WORLD}\n",
                       encoding="utf-8")
    by_lab = team.lookup("research", "--batch", str(proxied), "--smtp-proxy", "lab", "--wait",
                         "--json")
    assert done.returncode == 1 and by_lab.returncode == 1, done.stderr + by_lab.stderr
    ((world,), (lab,)) = json.loads(done.stdout), json.loads(by_lab.stdout)
    allowed = f"{DEMO_WORLD}, {HARBOR_WORLD}, {team.slow_dir}"
    assert (world["state"], world["message"]) == ("FAILED", (
        f"The world {stray} is not under a folder this worker allows (runs.worlds: {allowed}); "
        "a submitted run names a world by its absolute path there."))
    assert (lab["state"], lab["message"]) == ("FAILED", (
        "The SMTP proxy 'lab' is not one this worker's settings name (smtp.proxies: office); "
        "a submitted run picks a proxy by its name."))
    assert team.rows("SELECT COUNT(*) FROM people WHERE slug = 'ada-fenwick'") == [(0,)]


def test_forget_during_a_run_cancels_it_and_nothing_is_written(team: Team, tmp_path: Path):
    """A candidate forgets an interviewer whose first research for them is still going (a slow
    world): the run is cancelled, and neither rows nor a card of theirs appear, then or later."""
    tomasz = _expected(HARBOR_WORLD)
    slow = tmp_path / "slow.csv"
    slow.write_text(f"name,company,world,role\n{tomasz['name']},{tomasz['company']},"
                    f"{team.slow_dir},Forklift Planner\n", encoding="utf-8")
    submitted = team.lookup("research", "--batch", str(slow), "--candidate", "Bea Moss",
                            "--json")
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    (outcome,) = json.loads(submitted.stdout)
    _run_in(team, outcome["flow_run_id"], "RUNNING", 240)
    wait_for(lambda: "search" in team.task_runs(outcome["flow_run_id"]), 120,
             "the run to have searched")
    forgot = team.lookup("forget", tomasz["name"], "--candidate", "Bea Moss", "--json")
    assert forgot.returncode == 0, forgot.stdout + forgot.stderr
    report = json.loads(forgot.stdout)
    assert report["prefect"]["cancelled"] == {"runs": 1, "still_going": []}
    assert "Cancelled 1 run(s) for Tomasz Wierzbicki still going." in forgot.stderr
    card = team.data / "briefings" / "bea-moss" / "tomasz-wierzbicki.md"
    mine = "SELECT COUNT(*) FROM interviews WHERE candidate = 'bea-moss'"
    assert not card.exists() and team.rows(mine) == [(0,)]
    # it ended (forget waited for that), then its records went with the rest of Bea's
    gone = prefect_call("GET", f"{team.api}/flow_runs/{outcome['flow_run_id']}", ok=(404,),
                        auth=AUTH)
    assert gone.status_code == 404
    time.sleep(20)  # longer than the slow world's remaining pages would take
    assert not card.exists() and team.rows(mine) == [(0,)]


def test_no_password_is_recorded_anywhere(team: Team, tmp_path: Path):
    """After runs that probed through a proxy named in the workers' settings (its password from
    their environment) against a store whose URL holds a password, on a server with an auth
    string, none of the three passwords is in any file of the data folder, the workers' logs,
    or a dump of the store's or Prefect's database; the proxy is shown as socks5://host:port
    only."""
    dana = _expected(DEMO_WORLD)
    batch = tmp_path / "proxied.csv"
    batch.write_text(f"name,company,world,role\n{dana['name']},{dana['company']},{DEMO_WORLD},"
                     "Proxy Test\n", encoding="utf-8")
    done = team.lookup("research", "--batch", str(batch), "--smtp-proxy", "office", "--wait",
                       "--json")
    assert done.returncode == 0, done.stdout + done.stderr + team.log_tail()
    assert team.proxy.relayed(), "the probes went through the proxy"
    doctor = team.lookup("doctor", "--world", str(DEMO_WORLD), "--smtp-proxy", "office")
    assert f"socks5://127.0.0.1:{team.proxy.port}:" in doctor.stdout, doctor.stdout
    assert PROXY_USER not in doctor.stdout + doctor.stderr  # shown without user or password
    leaks = [f"{p}: {s}" for p in [*team.data.rglob("*"), *team.logs.rglob("*")] if p.is_file()
             for s in SECRETS if s.encode() in p.read_bytes()]
    from tests.pgcluster import find_pg_bin

    for database in ("team_store", "team_prefect"):
        url = team.store_url.rsplit("/", 1)[0].replace(f":{DB_PASSWORD}", "").replace(
            "postgresql+psycopg://", "postgresql://") + "/" + database
        dump = subprocess.run([str(find_pg_bin() / "pg_dump"), "--data-only", url],
                              capture_output=True, timeout=120)
        assert dump.returncode == 0, dump.stderr
        assert b"Dana Okafor" in dump.stdout, database  # the runs are in this dump
        leaks += [f"{database}: {s}" for s in SECRETS if s.encode() in dump.stdout]
    assert leaks == []
