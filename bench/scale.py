"""Team scale: N interviews through 1, 2 and 4 process workers on a PostgreSQL-backed Prefect server.

    python bench/scale.py [--interviews 40] [--workers 1,2,4] [--seed 2026]
                          [--search-interval 1.0] [--host-interval 0.5] [--overhead-runs 8]

What it does, all on loopback with the real commands a team types:

1. writes a generated world of N fictional companies (``lookup.world.scenarios``) with
   realistic latencies drawn per request (search 300-800 ms, HTTP 80-300 ms, DNS 5-30 ms,
   SMTP 20-80 ms) and serves it once for every worker (``LOOKUP_WORLD_ENDPOINTS``);
2. starts a throwaway PostgreSQL (``tests/pgcluster.py``), ``lookup server start --postgres``
   on it, ``lookup deploy`` (work pool, deployments, global politeness limits);
3. for each worker count: a fresh store database and data folder (no warm caches), that many
   ``prefect worker start --pool`` processes, then ``lookup research --batch FILE --wait``;
   it prints wall time, runs per minute, and the politeness bound: the least wall time the
   global limits allow for the requests the runs actually made, read from the world's logs
   (searches to one engine and requests to one host are spaced by the interval counted from
   the previous answer, so the bound is, per engine or host, the sum of its answer times
   plus an interval between each two; SMTP: a domain's probes over its per-minute budget);
   and the number of limit violations seen in the logs;
4. the per-run Prefect overhead, PostgreSQL vs SQLite server, in the same run: the same
   small batch (``--overhead-runs`` interviews, no simulated latency, no politeness
   spacing) through one worker on each server; each run's Prefect overhead is its time
   from submission to completion minus the pipeline time its flow logged, averaged; and
   where it goes (issue 31): queued for a worker, the new process until Prefect runs the
   flow, the flow's set-up before its first search, the pipeline, the finish, from each
   run's state history and log lines, beside the cost of a bare flow-run process.
   ``--overhead-only`` runs this part alone.

Every process reads compiled bytecode, as on a team's machines after a first run: they write
it to a folder of the bench's own (``PYTHONPYCACHEPREFIX``) even where
``PYTHONDONTWRITEBYTECODE`` is set (as on the project's build machine, where each flow-run
process otherwise compiled Prefect and the project from source: ~2 s of CPU);
``--no-bytecode-cache`` measures the environment as it is.

SMTP probing is on (``--smtp``), as a team would run it. Figures depend on the machine:
on 2 cores, each flow run is a new Python process (about 2-3 s of CPU to import Prefect
and the project), so several workers compete for the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lookup.world import serve_world, smtp_sessions_by_domain, write_endpoints  # noqa: E402
from lookup.world.scenarios import generate  # noqa: E402
from tests.netkit import free_port, prefect_call  # noqa: E402
from tests.pgcluster import find_pg_bin, pg_cluster  # noqa: E402

BIN = Path(sys.executable).parent
POOL = "bench-scale-pool"
LATENCY = ("[latency_ms]\nhttp = [80, 300]\nsearch = [300, 800]\ndns = [5, 30]\n"
           "smtp = [20, 80]\n")
NOISE_S = 0.005  # clock granularity allowed when counting violations (same clock, one process)


def _world(directory: Path, *, count: int, seed: int, latency: bool) -> list[dict]:
    generate(directory, seed=seed, count=count)
    toml = (directory / "world.toml").read_text(encoding="utf-8")
    block = LATENCY if latency else "[latency_ms]\n"
    toml = re.sub(r"(?ms)^\[latency_ms\]\n(?:[a-z]+ = [^\n]*\n)*", block, toml, count=1)
    (directory / "world.toml").write_text(toml, encoding="utf-8")
    return tomllib.loads((directory / "expected.toml").read_text())["interview"]


def _batch(path: Path, interviews: list[dict], world: Path) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "company", "world"])
        for i in interviews:
            writer.writerow([i["name"], i["company"], str(world)])


@dataclass
class Slice:
    """The world's log entries made during one configuration."""

    searches: list
    hits: list
    smtp: list


def _mark(running) -> tuple[int, int, int]:
    return len(running.search_log), len(running.http_log), len(running.smtp_log)


def _since(running, mark: tuple[int, int, int]) -> Slice:
    return Slice(running.search_log[mark[0]:], running.http_log[mark[1]:],
                 running.smtp_log[mark[2]:])


def _spaced_bound(events: list, interval: float) -> tuple[float, int]:
    """Least time a spacing counted from each answer allows, and how many gaps broke it."""
    ordered = sorted(events, key=lambda e: e.at)
    bound = sum(e.answered - e.at for e in ordered) + interval * max(0, len(ordered) - 1)
    broken = sum(1 for a, b in zip(ordered, ordered[1:], strict=False)
                 if b.at - a.at < interval - NOISE_S)
    return bound, broken


def politeness(part: Slice, *, search_s: float, host_s: float, per_minute: int) -> dict:
    """The politeness bound and the violations of one configuration, from the world's logs."""
    search_bound, search_broken = _spaced_bound(part.searches, search_s)
    by_host: dict[str, list] = defaultdict(list)
    for hit in part.hits:
        by_host[hit.host].append(hit)
    host_bounds = {h: _spaced_bound(v, host_s) for h, v in by_host.items()}
    host_bound = max((b for b, _ in host_bounds.values()), default=0.0)
    host_broken = sum(n for _, n in host_bounds.values())
    smtp_broken = 0
    smtp_bound = 0.0
    for times in smtp_sessions_by_domain(part.smtp).values():
        smtp_bound = max(smtp_bound, 60.0 * ((len(times) - 1) // per_minute))
        smtp_broken += sum(1 for start in times
                           if len([t for t in times if start <= t < start + 60.0]) > per_minute)
    return {
        "searches": len(part.searches), "requests": len(part.hits),
        "smtp_sessions": sum(len(t) for t in smtp_sessions_by_domain(part.smtp).values()),
        "bound_s": max(search_bound, host_bound, smtp_bound),
        "bound_by": max((("search", search_bound), ("host", host_bound), ("smtp", smtp_bound)),
                        key=lambda kv: kv[1])[0],
        "violations": f"{search_broken}/{host_broken}/{smtp_broken}",
    }


class Server:
    """``lookup server start`` on a database, with its own data folder; stopped on exit."""

    def __init__(self, base_env: dict[str, str], root: Path, postgres: str | None) -> None:
        self.env = dict(base_env) | {"LOOKUP_DATA_DIR": str(root / "server"),
                                     "LOOKUP_PREFECT__SERVER_PORT": str(free_port())}
        self.postgres = postgres

    def __enter__(self) -> str:
        argv = [str(BIN / "lookup"), "server", "start"]
        if self.postgres:
            argv += ["--postgres", self.postgres]
        started = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=400)
        if started.returncode != 0:
            raise SystemExit(f"lookup server start failed:\n{started.stdout}{started.stderr}")
        record = json.loads((Path(self.env["LOOKUP_DATA_DIR"]) / "prefect-server.json").read_text())
        self.api = record["url"] + "/api"
        return self.api

    def __exit__(self, *exc: object) -> None:
        subprocess.run([str(BIN / "lookup"), "server", "stop"], env=self.env, timeout=120,
                       capture_output=True)


def _workers_online(api: str, count: int) -> bool:
    import httpx

    try:  # a POST: with the server's CSRF protection it needs a token (prefect_call)
        found = prefect_call("POST", f"{api}/work_pools/{POOL}/workers/filter", json={}).json()
    except (httpx.HTTPError, AssertionError):
        return False
    return sum(1 for w in found if w.get("status") == "ONLINE") >= count


def run_config(env: dict[str, str], api: str, batch: Path, workers: int, logs: Path,
               timeout: float) -> tuple[float, list[dict]]:
    """Start ``workers`` workers, run the batch with --wait; wall time and outcomes."""
    procs = []
    try:
        for n in range(workers):
            procs.append(subprocess.Popen(
                [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--limit", "1",
                 "--name", f"w{workers}-{n}"],
                env=env, stdout=open(logs / f"worker-{workers}-{n}.log", "w"),  # noqa: SIM115
                stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 120
        while not _workers_online(api, workers):
            if time.monotonic() > deadline:
                raise SystemExit(f"{workers} worker(s) did not come online in 120 s")
            time.sleep(0.5)
        started = time.monotonic()
        done = subprocess.run([str(BIN / "lookup"), "research", "--batch", str(batch), "--wait",
                               "--smtp", "--json"], env=env, capture_output=True, text=True,
                              timeout=timeout)
        wall = time.monotonic() - started
        if done.returncode not in (0, 1) or not done.stdout.strip():
            raise SystemExit(f"the batch failed:\n{done.stdout}{done.stderr}")
        return wall, json.loads(done.stdout)
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(2)  # the server marks them offline; the next configuration's count is its own


def _config_env(base: dict[str, str], root: Path, api: str, store_url: str | None) -> dict:
    env = dict(base) | {"PREFECT_API_URL": api, "LOOKUP_DATA_DIR": str(root)}
    if store_url:
        env["LOOKUP_DATABASE_URL"] = store_url
    return env


def _pipeline_baseline(world: Path, interviews: list[dict], data: Path) -> float:
    """Mean seconds of the research pipeline itself, in this process, without Prefect."""
    import asyncio

    os.environ["LOOKUP_DATA_DIR"] = str(data)
    os.environ["LOOKUP_CONFIG"] = ""
    for key in ("LOOKUP_SEARCH__MIN_INTERVAL_S", "LOOKUP_FETCH__PER_HOST_DELAY_S"):
        os.environ[key] = "0"
    from flows.runtime import world_transport
    from lookup.intake.interview import make_interview
    from lookup.research.pipeline import run_pipeline
    from lookup.settings import load_settings

    spent = []
    with serve_world(world) as running:
        settings = load_settings().in_world(running.endpoints)
        for i in interviews:
            started = time.monotonic()
            asyncio.run(run_pipeline(make_interview(i["name"], i["company"]), settings,
                                     smtp=True, transport=world_transport(settings)))
            spent.append(time.monotonic() - started)
    return sum(spent) / len(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=40)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--search-interval", type=float, default=1.0,
                        help="seconds between queries to one search engine (all workers)")
    parser.add_argument("--host-interval", type=float, default=0.5,
                        help="seconds between requests to one web host (all workers)")
    parser.add_argument("--smtp-per-minute", type=int, default=6)
    parser.add_argument("--overhead-runs", type=int, default=8,
                        help="interviews in the PostgreSQL-vs-SQLite overhead batch (0: skip)")
    parser.add_argument("--keep", type=Path, help="keep the work folder here")
    parser.add_argument("--overhead-only", action="store_true",
                        help="only the per-run overhead table (part 4)")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="the environment as it is: no bytecode written where "
                             "PYTHONDONTWRITEBYTECODE is set")
    args = parser.parse_args()
    counts = [int(c) for c in args.workers.split(",") if c.strip()]
    if find_pg_bin() is None:
        raise SystemExit("PostgreSQL is not installed (set LOOKUP_PG_BIN to its bin folder).")
    root = Path(tempfile.mkdtemp(prefix="scale-")) if args.keep is None else args.keep
    root.mkdir(parents=True, exist_ok=True)
    (root / "home").mkdir(exist_ok=True)
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    interviews = _world(root / "world", count=args.interviews, seed=args.seed, latency=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LOOKUP_"))}
    base |= {
        "LOOKUP_CONFIG": "", "HOME": str(root / "home"), "LOOKUP_PREFECT__WORK_POOL": POOL,
        "LOOKUP_PREFECT__STARTUP_TIMEOUT_S": "300", "LOOKUP_GENERAL__WORLD_LIMITS": "true",
        "LOOKUP_SEARCH__MIN_INTERVAL_S": str(args.search_interval),
        "LOOKUP_FETCH__PER_HOST_DELAY_S": str(args.host_interval),
        "LOOKUP_SMTP__PROBES_PER_DOMAIN_PER_MINUTE": str(args.smtp_per_minute),
        # the workers allow the runs' --smtp (a submitted run cannot turn on what they keep off)
        "LOOKUP_SMTP__ENABLED": "true",
        "LOOKUP_RUNS__WORLDS": str(root),  # and the generated worlds under this folder
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # a worker asks for new runs every 10 s by default: idle time between a batch's runs
        "PREFECT_WORKER_QUERY_SECONDS": "2",
    }
    if not args.no_bytecode_cache:  # as on a team's machines after a first run (docstring)
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        base["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    print(f"bench/scale.py: {args.interviews} interviews (generated world, seed {args.seed}), "
          f"search {args.search_interval:g} s and host {args.host_interval:g} s apart across "
          f"workers, SMTP {args.smtp_per_minute}/min per domain; {os.cpu_count()} CPU(s)")
    print("latency per request: search 300-800 ms, HTTP 80-300 ms, DNS 5-30 ms, SMTP 20-80 ms")
    print("bytecode: " + ("as the environment has it" if args.no_bytecode_cache else
                          "cached (written by the first processes to a folder of the bench's own)"))
    rows = []
    with pg_cluster() as pg:
        if args.overhead_only:
            _overhead_table(args, root, base, pg)
            if args.keep is None:
                shutil.rmtree(root, ignore_errors=True)
            return
        prefect_db = pg.create_database("prefect_scale")
        with serve_world(root / "world") as running, \
                Server(base, root, pg.url("prefect_scale")) as api:
            del prefect_db
            write_endpoints(root / "worlds.json", running.endpoints)
            base["LOOKUP_WORLD_ENDPOINTS"] = str(root / "worlds.json")
            deploy_env = _config_env(base, root / "deploy", api, None)
            deployed = subprocess.run([str(BIN / "lookup"), "deploy", "--json"], env=deploy_env,
                                      capture_output=True, text=True, timeout=300)
            if deployed.returncode != 0:
                raise SystemExit(f"lookup deploy failed:\n{deployed.stdout}{deployed.stderr}")
            batch = root / "batch.csv"
            _batch(batch, interviews, root / "world")
            print()
            print("| workers | wall s | runs/min | completed | searches | requests | SMTP "
                  "sessions | bound s (by) | wall / bound | violations search/host/SMTP |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            for workers in counts:
                store = pg.create_database(f"store_w{workers}")
                env = _config_env(base, root / f"data-w{workers}", api, store)
                mark = _mark(running)
                wall, outcomes = run_config(env, api, batch, workers, logs,
                                            timeout=60 * args.interviews)
                part = _since(running, mark)
                if args.keep is not None:  # the world's view of this configuration, for a look
                    (logs / f"world-w{workers}.json").write_text(json.dumps({
                        "searches": [[q.at, q.answered, q.query] for q in part.searches],
                        "hits": [[h.at, h.answered, h.host, h.path] for h in part.hits]}))
                polite = politeness(part, search_s=args.search_interval,
                                    host_s=args.host_interval, per_minute=args.smtp_per_minute)
                ok = sum(1 for o in outcomes if o["state"] == "COMPLETED")
                rows.append((workers, wall, ok))
                print(f"| {workers} | {wall:.1f} | {60 * ok / wall:.1f} | {ok}/{len(outcomes)} | "
                      f"{polite['searches']} | {polite['requests']} | {polite['smtp_sessions']} | "
                      f"{polite['bound_s']:.1f} ({polite['bound_by']}) | "
                      f"{wall / polite['bound_s']:.2f} | {polite['violations']} |", flush=True)
        walls = {w: wall for w, wall, _ in rows}
        if 1 in walls and 2 in walls:
            print(f"\nthroughput 1 -> 2 workers: {walls[1] / walls[2]:.2f}x")
        if args.overhead_runs:
            _overhead_table(args, root, base, pg)
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)


def _overhead_table(args: argparse.Namespace, root: Path, base: dict[str, str], pg) -> None:
    """Per-run Prefect overhead: the same small batch through one worker on each server, minus
    the same interviews' pipeline time measured in this process without Prefect."""
    quick = root / "quick"
    interviews = _world(quick, count=args.overhead_runs, seed=args.seed + 1, latency=False)
    batch = root / "quick.csv"
    _batch(batch, interviews, quick)
    baseline = _pipeline_baseline(quick, interviews, root / "quick-baseline")
    spread = {k: "0" for k in ("LOOKUP_SEARCH__MIN_INTERVAL_S", "LOOKUP_FETCH__PER_HOST_DELAY_S")}
    print(f"\nper-run Prefect overhead: {args.overhead_runs} interviews one after another "
          f"(1 worker, no simulated latency); the pipeline alone, in-process: "
          f"{baseline:.2f} s per interview")
    print("| server database | s per run | Prefect overhead s per run |")
    print("|---|---|---|")
    results: dict[str, float] = {}
    parts: dict[str, dict[str, float]] = {}
    with serve_world(quick) as running:
        write_endpoints(root / "quick.json", running.endpoints)
        env0 = base | spread | {"LOOKUP_WORLD_ENDPOINTS": str(root / "quick.json")}
        for label in ("SQLite", "PostgreSQL"):
            url = pg.create_database("prefect_quick") and pg.url("prefect_quick") \
                if label == "PostgreSQL" else None
            here = root / f"quick-{label}"
            with Server(env0, here, url) as api:
                deploy_env = _config_env(env0, here / "deploy", api, None)
                subprocess.run([str(BIN / "lookup"), "deploy", "--json"], env=deploy_env,
                               capture_output=True, text=True, timeout=300, check=True)
                store = pg.create_database(f"store_quick_{label.lower()}")
                env = _config_env(env0, here / "data", api, store)
                wall, outcomes = run_config(env, api, batch, 1, root / "logs", timeout=900)
                per_run = wall / max(1, len(outcomes))
                results[label] = per_run - baseline
                parts[label] = run_phases(api, outcomes)
                print(f"| {label} | {per_run:.2f} | {results[label]:.2f} |", flush=True)
    if results.get("SQLite", 0) > 0:
        print(f"PostgreSQL / SQLite overhead per run: "
              f"{results['PostgreSQL'] / results['SQLite']:.2f}x")
    process = _process_start_s(env0)
    print(f"\nwhere a run's time goes (mean s per run, from each run's states and log lines); a new "
          f"flow-run process alone (Python, Prefect and the flow's imports, measured here): "
          f"{process:.2f} s")
    print("| server database | " + " | ".join(PHASES) + " |")
    print("|---|" + "---|" * len(PHASES))
    for label, phases in parts.items():
        print(f"| {label} | " + " | ".join(f"{phases.get(p, float('nan')):.2f}" for p in PHASES)
              + " |")
    for label, phases in parts.items():  # the split issue 31 asks for
        if "process" in phases:
            rest = phases["process"] - process
            print(f"{label}: process {phases['process']:.2f} s = a new process importing Prefect "
                  f"and the flow {process:.2f} s + the worker, Prefect's engine and its API round "
                  f"trips {rest:.2f} s; set-up {phases.get('set-up', 0):.2f} s and finish "
                  f"{phases.get('finish', 0):.2f} s are the flow's own")
    print("queued: created, or the worker's previous run over -> the worker took it (it polls "
          "every 2 s); process: Pending -> "
          "Running (a new Python process, imports, Prefect loading the flow and its API "
          "round trips); set-up: Running -> the pipeline's first log line (settings, world, "
          "politeness policy); pipeline: to 'Briefing card written'; finish: -> Completed "
          "(the artifact, the final state)")


PHASES = ("queued", "process", "set-up", "pipeline", "finish")


def run_phases(api: str, outcomes: list[dict]) -> dict[str, float]:
    """Mean seconds per phase of the batch's runs, from the server's state history and the
    flows' own log lines (their timestamps are the flow process's clock)."""
    import datetime as dt

    import httpx

    def at(text: str) -> float:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

    sums: dict[str, list[float]] = defaultdict(list)
    free_since = 0.0  # when the (one) worker finished its previous run
    with httpx.Client(base_url=api, timeout=30, trust_env=False) as client:
        runs = []
        for outcome in outcomes:
            run_id = outcome.get("flow_run_id")
            if not run_id or outcome.get("state") != "COMPLETED":
                continue
            states = client.get("/flow_run_states/", params={"flow_run_id": run_id}).json()
            runs.append((run_id, {s["type"]: at(s["timestamp"]) for s in states}))
        runs.sort(key=lambda r: r[1].get("PENDING", 0.0))  # in the order the worker took them
        for run_id, when in runs:
            logs = prefect_call("POST", f"{api}/logs/filter", json={
                "logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC"}).json()
            first = next((at(x["timestamp"]) for x in logs if x["message"].startswith("Searching")),
                         None)
            written = next((at(x["timestamp"]) for x in logs
                            if x["message"].startswith("Briefing card written")), None)
            if None in (first, written) or not {"SCHEDULED", "PENDING", "RUNNING",
                                                "COMPLETED"} <= when.keys():
                continue
            # waiting for the worker to ask for it: from its creation, or from when the worker
            # finished the run before (a batch is submitted at once to one worker)
            sums["queued"].append(when["PENDING"] - max(when["SCHEDULED"], free_since))
            free_since = when["COMPLETED"]
            sums["process"].append(when["RUNNING"] - when["PENDING"])
            sums["set-up"].append(first - when["RUNNING"])
            sums["pipeline"].append(written - first)
            sums["finish"].append(when["COMPLETED"] - written)
    return {k: sum(v) / len(v) for k, v in sums.items()}


def _process_start_s(env: dict[str, str], times: int = 3) -> float:
    """Median wall seconds of a Python process that imports Prefect's engine and the flow."""
    spent = []
    for _ in range(times):
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", "import prefect.engine, flows.research"], env=env,
                       cwd=env.get("HOME", "/"), check=True, capture_output=True, timeout=300)
        spent.append(time.monotonic() - started)
    return sorted(spent)[len(spent) // 2]


if __name__ == "__main__":
    main()
