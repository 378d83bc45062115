"""Wall time of one `lookup research` process, by phase, against Prefect's own floor.

    python bench/end_to_end.py --world data/demo [--runs 3] [--skip-temporary] [--json]

For each Prefect mode (a running `prefect server start`, then Prefect's
temporary server) it times whole processes from launch to exit:

- `lookup research NAME --company C --world DIR --smtp --json`, split with the
  timings the flow reports into Prefect start-up (launch -> pipeline start),
  research (pipeline start -> result ready), card writing, and teardown;
- a trivial three-task Prefect flow in the same mode: Prefect's own floor;

and prints the critical-path lower bound implied by the world's latencies
(one round per dependent stage). Target with a running server:
research process <= floor + 1.3 x critical path.
"""

from __future__ import annotations

import argparse
import json
import os
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


def research_run(world: Path, case: dict, env: dict[str, str]) -> dict[str, float]:
    cmd = [str(LOOKUP), "research", case["name"], "--company", case["company"],
           "--world", str(world), "--smtp", "--json"]
    launched, wall, out = timed(cmd, env)
    t = json.loads(out[out.index("{"):])["timings"]
    return {
        "wall": wall,
        "startup": t["started"] - launched,
        "research": t["researched"] - t["started"],
        "card": t["written"] - t["researched"],
        "teardown": launched + wall - t["written"],
    }


def trivial_run(env: dict[str, str]) -> float:
    return timed([sys.executable, "-c", TRIVIAL_FLOW], env)[1]


def measure(mode: str, world: Path, case: dict, env: dict[str, str], runs: int) -> dict:
    trivial_run(env)  # warm-up, not measured: the first process migrates Prefect's database
    research = [research_run(world, case, env) for _ in range(runs)]
    floor = [trivial_run(env) for _ in range(runs)]
    median = {k: statistics.median(r[k] for r in research) for k in research[0]}
    return {"mode": mode, "runs": runs, "research": median, "floor": statistics.median(floor)}


def report(row: dict, critical: float) -> None:
    r, floor = row["research"], row["floor"]
    bound = floor + 1.3 * critical
    print(f"[{row['mode']}] median of {row['runs']} process(es)")
    print(f"  lookup research wall  {r['wall']:7.2f} s  = start-up {r['startup']:.2f} + research "
          f"{r['research']:.2f} + card {r['card']:.3f} + teardown {r['teardown']:.2f}")
    print(f"  Prefect floor (3-task flow process)  {floor:7.2f} s   ratio research/floor "
          f"{r['wall'] / floor:.2f}")
    print(f"  research phase / critical path       {r['research'] / critical:7.2f}")
    print(f"  target wall <= floor + 1.3 x critical = {bound:.2f} s: "
          f"{'met' if r['wall'] <= bound else 'NOT met'} (wall - floor = {r['wall'] - floor:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-temporary", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    world = args.world.resolve()
    case = tomllib.loads((world / "expected.toml").read_text())["interview"][0]
    critical = critical_path_s(world)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("PREFECT_", "LOOKUP_"))}
        base["LOOKUP_DATA_DIR"] = str(Path(tmp) / "data")
        settings = load_settings({"LOOKUP_DATA_DIR": base["LOOKUP_DATA_DIR"]})
        info = start_server(settings)
        try:
            env = {**base, "PREFECT_API_URL": api_url(info)}
            rows.append(measure("running server", world, case, env, args.runs))
        finally:
            stop_server(settings)
        if not args.skip_temporary:
            env = {**base, "PREFECT_HOME": str(Path(tmp) / "prefect-temp"),
                   "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
            rows.append(measure("temporary server", world, case, env, 1))
    if args.json:
        print(json.dumps({"critical_path_s": critical, "modes": rows}, indent=2))
        return
    print(f"critical-path lower bound from {world.name}'s latencies: {critical:.3f} s "
          f"({', '.join(f'{n} {k}' for k, n in CRITICAL_ROUNDS.items())} rounds)")
    for row in rows:
        report(row, critical)


if __name__ == "__main__":
    main()
