"""Wall time of one `lookup research` process, by phase, against Prefect's own floor.

    python bench/end_to_end.py --world data/demo [--runs 3] [--skip-temporary] [--json]
                               [--before OTHER/.venv/bin/lookup] [--no-bytecode-cache]

For each Prefect mode (a running `prefect server start`, then Prefect's
temporary server) it times whole processes from launch to exit:

- `lookup research NAME --company C --world DIR --smtp --json`, split with the
  timings the command and the flow report (``timings`` in its JSON) into:
  ``command`` (launch -> the command parsed: Python, the CLI's imports, settings),
  ``world`` (the offline world served), ``ready`` (the looks at the network and the
  blocklists, and Prefect imported), ``flow start`` (Prefect creates the run ->
  the pipeline starts), ``research`` (pipeline start -> result ready), ``card``
  (stored and written), ``flow end`` (Prefect finishes the run) and ``exit``
  (the process ends: Prefect flushes its logs and events). Commands from before
  issue 31 report only the flow's three marks: their start-up is one figure;
- a trivial three-task Prefect flow in the same mode: Prefect's own floor;

and prints the critical-path lower bound implied by the world's latencies
(one round per dependent stage). Target with a running server:
research process <= floor + 1.3 x critical path.

Each research process starts with no cached searches (as for a new interviewer).
``--before`` names another checkout's `lookup` (e.g. the merge base's): its runs
alternate with this one's, in the same server and load, for a before/after table.

Every process reads compiled bytecode, as on a user's machine after a first run: the
processes write it to a folder of their own (``PYTHONPYCACHEPREFIX``), filled by the
warm-up runs, even where ``PYTHONDONTWRITEBYTECODE`` is set (as on the project's build
machine, whose environment sets it: every process there compiled some 1,200 modules from
source, about 2 s of a run and 1 s of the floor, and a venv installed by uv holds no
bytecode). ``--no-bytecode-cache`` measures that case instead (the environment as it is).

One more run, with the world served by this bench (``LOOKUP_WORLD_ENDPOINTS``), gives
the research phase's timeline: every search, HTTP request, DNS query and SMTP session
the world saw, from the pipeline's start (``--json``: ``timeline``), and how much of
the phase had a request in flight.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.server import api_url, start_server, stop_server  # noqa: E402
from lookup.settings import load_settings  # noqa: E402
from lookup.world import serve_world, write_endpoints  # noqa: E402

LOOKUP = Path(sys.executable).with_name("lookup")

TRIVIAL_FLOW = """
from prefect import flow, task

@task
async def one(x):
    return x + 1

@flow
async def trivial():
    a = await one(1)
    b = await one(a)
    return await one(b)

import asyncio
asyncio.run(trivial())
"""

# Dependent rounds of the pipeline (each waits for the one before): search, homepage
# robots.txt + page, MX, the "@domain" search, page robots.txt + page, follow-up pages,
# then the SMTP dialogue (banner, EHLO, MAIL, RCPT, RCPT catch-all, QUIT) after MX + A.
CRITICAL_ROUNDS = {"search": 2, "http": 5, "dns": 3, "smtp": 6}
# The process's marks in order (those a command reports), and the phase each one ends.
MARKS = (("command", "command"), ("world", "world"), ("ready", "ready"),
         ("started", "flow start"), ("researched", "research"), ("written", "card"),
         ("returned", "flow end"))


def critical_path_s(world: Path) -> float:
    latency = tomllib.loads((world / "world.toml").read_text()).get("latency_ms", {})
    return sum(latency.get(kind, 0) * rounds for kind, rounds in CRITICAL_ROUNDS.items()) / 1000


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    launched = time.time()
    began = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - began
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return launched, wall, proc.stdout


def split(launched: float, wall: float, timings: dict[str, float]) -> dict[str, float]:
    """The wall time as phases, each from the previous mark the command reported to its own,
    and ``start-up``: launch -> pipeline start, whatever the command reports."""
    phases = {"wall": wall, "start-up": timings["started"] - launched}
    since = launched
    for mark, phase in MARKS:
        if mark in timings:
            phases[phase] = timings[mark] - since
            since = timings[mark]
    phases["exit"] = launched + wall - since
    return phases


def research_run(lookup: Path, world: Path, case: dict, env: dict[str, str]) -> dict:
    cache = Path(env["LOOKUP_DATA_DIR"]) / "cache" / "search"
    shutil.rmtree(cache, ignore_errors=True)  # no cached searches: a new interviewer
    cmd = [str(lookup), "research", case["name"], "--company", case["company"],
           "--world", str(world), "--smtp", "--json"]
    launched, wall, out = timed(cmd, env)
    summary = json.loads(out[out.index("{"):])
    return {"phases": split(launched, wall, summary["timings"]), "timings": summary["timings"],
            "launched": launched, "email": (summary.get("email") or {}).get("address")}


def trivial_run(env: dict[str, str]) -> float:
    return timed([sys.executable, "-c", TRIVIAL_FLOW], env)[1]


def _median(rows: list[dict]) -> dict[str, float]:
    keys = dict.fromkeys(k for r in rows for k in r["phases"])
    return {k: statistics.median(r["phases"].get(k, 0.0) for r in rows) for k in keys}


def measure(mode: str, world: Path, case: dict, env: dict[str, str], runs: int,
            lookups: dict[str, Path]) -> dict:
    trivial_run(env)  # warm-up, not measured: the first process migrates Prefect's database
    for lookup in lookups.values():  # and one research each (a new server's services settle)
        research_run(lookup, world, case, env)
    rows: dict[str, list[dict]] = {label: [] for label in lookups}
    floor = []
    for n in range(runs):  # interleaved, in turn first, so that the load falls on each alike
        order = list(lookups.items())
        for label, lookup in order[::-1] if n % 2 else order:
            rows[label].append(research_run(lookup, world, case, env))
        floor.append(trivial_run(env))
    return {"mode": mode, "runs": runs, "load": os.getloadavg(), "floor": statistics.median(floor),
            "research": {label: _median(r) for label, r in rows.items()},
            "raw": {label: r for label, r in rows.items()}}


def timeline(lookup: Path, world: Path, case: dict, env: dict[str, str]) -> dict:
    """One run on a world served here: each request the world saw, in seconds from the
    pipeline's start, and the share of the research phase with a request in flight."""
    with serve_world(world) as running, tempfile.TemporaryDirectory() as tmp:
        endpoints = Path(tmp) / "world.json"
        write_endpoints(endpoints, running.endpoints)
        offset = time.time() - time.monotonic()  # the world's clock to epoch seconds
        run = research_run(lookup, world, case, env | {"LOOKUP_WORLD_ENDPOINTS": str(endpoints)})
        start = run["timings"]["started"]
        end = run["timings"]["researched"]
        events = [{"kind": "search", "what": q.query, "start": q.at, "end": q.answered}
                  for q in running.search_log]
        events += [{"kind": "http", "what": f"{h.host}{h.path}", "start": h.at, "end": h.answered}
                   for h in running.http_log]
        events += [{"kind": "dns", "what": f"{q.name} {q.type}", "start": q.at, "end": q.at}
                   for q in running.dns_log]
        sessions: dict[int, list[float]] = {}
        writes: dict[int, set[int]] = {}  # the client's writes: a round trip each (RFC 2920
        for line in running.smtp_log:     # pipelined commands share one)
            sessions.setdefault(line.connection, []).append(line.at)
            if line.direction == "C":
                writes.setdefault(line.connection, set()).add(line.flight)
        events += [{"kind": "smtp", "what": f"session {n}", "start": min(t), "end": max(t),
                    "rounds": len(writes.get(n, ())) + bool(writes.get(n))}  # and the banner
                   for n, t in sessions.items()]
    for e in events:
        e["start"] = round(e["start"] + offset - start, 4)
        e["end"] = round(e["end"] + offset - start, 4)
    events.sort(key=lambda e: e["start"])
    phase = end - start
    return {"research_s": round(phase, 4), "in_flight_s": round(_covered(events, phase), 4),
            "requests": len(events), "events": events}


def _covered(events: list[dict], limit: float) -> float:
    """Seconds of [0, limit] during which at least one request was in flight."""
    total, reach = 0.0, 0.0
    for e in sorted(events, key=lambda e: e["start"]):
        start, end = max(e["start"], reach, 0.0), min(e["end"], limit)
        if end > start:
            total += end - start
        reach = max(reach, min(e["end"], limit))
    return total


def report(row: dict, critical: float) -> None:
    floor = row["floor"]
    bound = floor + 1.3 * critical
    one, five, fifteen = row["load"]
    print(f"[{row['mode']}] median of {row['runs']} process(es); load average after "
          f"{one:.1f} {five:.1f} {fifteen:.1f}")
    print(f"  Prefect floor (3-task flow process)  {floor:7.2f} s")
    for label, r in row["research"].items():
        shown = [p for _, p in MARKS if p in r] if "command" in r else [
            "flow start", "research", "card", "flow end"]
        parts = " + ".join(f"{k} {r[k]:.2f}" for k in (*shown, "exit") if k in r)
        print(f"  [{label}] lookup research wall {r['wall']:7.2f} s = {parts} "
              f"(start-up to the pipeline {r['start-up']:.2f})")
        print(f"  [{label}] wall / floor {r['wall'] / floor:.2f}; research phase / critical "
              f"path {r['research'] / critical:.2f}; wall - floor = {r['wall'] - floor:.2f} s; "
              f"target wall <= floor + 1.3 x critical = {bound:.2f} s: "
              f"{'met' if r['wall'] <= bound else 'NOT met'}")


def bytecode(as_it_is: bool) -> str:
    """How the measured processes load Python modules (the first line of the report)."""
    if not as_it_is:
        return "cached (written by the warm-up runs to a folder of the bench's own)"
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return "as the environment has it: PYTHONDONTWRITEBYTECODE is set (nothing written)"
    return "as the environment has it (written next to the sources where allowed)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-temporary", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="the environment as it is: no bytecode written where "
                             "PYTHONDONTWRITEBYTECODE is set")
    parser.add_argument("--before", type=Path,
                        help="another checkout's `lookup`: its runs alternate with this one's")
    args = parser.parse_args()
    world = args.world.resolve()
    case = tomllib.loads((world / "expected.toml").read_text())["interview"][0]
    critical = critical_path_s(world)
    lookups = {"before": args.before.resolve()} if args.before else {}
    lookups["this"] = LOOKUP
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("PREFECT_", "LOOKUP_"))}
        base["LOOKUP_DATA_DIR"] = str(Path(tmp) / "data")
        base["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
        if not args.no_bytecode_cache:
            base.pop("PYTHONDONTWRITEBYTECODE", None)
            base["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        settings = load_settings({"LOOKUP_DATA_DIR": base["LOOKUP_DATA_DIR"]})
        info = start_server(settings)
        try:
            env = {**base, "PREFECT_API_URL": api_url(info)}
            rows.append(measure("running server", world, case, env, args.runs, lookups))
            spans = timeline(LOOKUP, world, case, env)
        finally:
            stop_server(settings)
        if not args.skip_temporary:
            env = {**base, "PREFECT_HOME": str(Path(tmp) / "prefect-temp"),
                   "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
            rows.append(measure("temporary server", world, case, env, 1, lookups))
    if args.json:
        print(json.dumps({"bytecode": bytecode(args.no_bytecode_cache),
                          "critical_path_s": critical, "modes": rows, "timeline": spans},
                         indent=2))
        return
    print(f"bytecode: {bytecode(args.no_bytecode_cache)}")
    print(f"critical-path lower bound from {world.name}'s latencies: {critical:.3f} s "
          f"({', '.join(f'{n} {k}' for k, n in CRITICAL_ROUNDS.items())} rounds)")
    for row in rows:
        report(row, critical)
    busy = spans["in_flight_s"] / spans["research_s"] if spans["research_s"] else 0.0
    print(f"research phase timeline (this, world served by the bench): {spans['requests']} "
          f"requests; {spans['research_s']:.2f} s, of which {spans['in_flight_s']:.2f} s "
          f"({busy:.0%}) with a request in flight")
    smtp = max((e for e in spans["events"] if e["kind"] == "smtp"),
               key=lambda e: e["end"] - e["start"], default=None)
    if smtp is not None and smtp["rounds"]:
        print(f"  its longest SMTP session: {smtp['end'] - smtp['start']:.2f} s, "
              f"{smtp['rounds']} round trips, pipelined commands sharing one (the critical "
              f"path counts {CRITICAL_ROUNDS['smtp']}: one address and the catch-all check, "
              f"a command at a time; with PIPELINING that dialogue takes 5)")


if __name__ == "__main__":
    main()
