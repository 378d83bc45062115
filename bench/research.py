"""Research quality and politeness on worlds: `python bench/research.py --world DIR... [--json]`.

`--world` takes one or more world folders, or a folder of worlds (each subfolder with an
expected.toml, e.g. ../shared/real-worlds); over several it prints the share fully right
and one line per miss.

`python bench/research.py --generate N --seed S [--traits a,b]` writes a world of N
fictional companies with lookup.world.scenarios first, runs every interview, and prints
the share fully right (domain, address, verdict and title all correct), overall and per
trait, with one line per miss saying what was expected and what was found.


For each interview in the world's expected.toml, runs the real pipeline (the
same steps the Prefect flow runs, without Prefect's start-up) against the
world's servers with a fresh data folder, and prints whether the domain,
title, address and its status matched, the search queries and HTTP requests
used, and robots.txt violations counted from the world's own request log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from protego import Protego

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lookup.intake.interview import make_interview  # noqa: E402
from lookup.research.pipeline import run_pipeline  # noqa: E402
from lookup.settings import load_settings  # noqa: E402
from lookup.world import serve_world  # noqa: E402

BUDGET_QUERIES = 6
BUDGET_REQUESTS = 25


def robots_violations(world_dir: Path, hits: list) -> list[str]:
    """Requests the world served that its robots.txt files disallow for our user agent."""
    cache: dict[str, Protego | None] = {}
    agent = load_settings({}).general.user_agent
    bad = []
    for hit in hits:
        if hit.path.split("?", 1)[0] == "/robots.txt":
            continue
        if hit.host not in cache:
            robots = world_dir / "sites" / hit.host / "robots.txt"
            cache[hit.host] = Protego.parse(robots.read_text()) if robots.is_file() else None
        rules = cache[hit.host]
        if rules is not None and not rules.can_fetch(f"https://{hit.host}{hit.path}", agent):
            bad.append(f"{hit.host}{hit.path}")
    return bad


async def one(interview: dict, world_dir: Path, smtp: bool) -> dict:
    expect = interview.get("expect", {})
    with tempfile.TemporaryDirectory() as data, serve_world(world_dir) as running:
        settings = load_settings({"LOOKUP_DATA_DIR": data}).in_world(running.endpoints)
        start = len(running.http_log)
        began = time.perf_counter()
        run = await run_pipeline(
            make_interview(interview["name"], interview["company"]),
            settings,
            smtp=smtp,
            transport=running.transport(),
        )
        elapsed = time.perf_counter() - began
        served = list(running.http_log)[start:]
    result = run.result
    best = result.candidates[0] if result.candidates else None
    title = result.profile.title if result.profile else None
    row = {
        "name": interview["name"],
        "domain": result.domain,
        "domain_ok": result.domain == expect.get("domain"),
        "title": title,
        "title_ok": expect.get("title") is None or title == expect.get("title"),
        "email": best.address if best else None,
        "probability": round(best.probability, 3) if best else None,
        "email_ok": (best.address if best else None) == expect.get("email"),
        "status": best.status if best else None,
        "status_ok": expect.get("email_status") is None
        or (best and best.status) == expect["email_status"],
        "search_queries": result.stats.get("search_queries", 0),
        "http_requests": result.stats.get("http_requests", 0),
        "http_served": len(served),
        "robots_violations": robots_violations(world_dir, served),
        "seconds": round(elapsed, 2),
    }
    row["within_budget"] = (
        row["search_queries"] <= BUDGET_QUERIES and row["http_requests"] <= BUDGET_REQUESTS
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, nargs="+", help="world folders, or folders of worlds")
    parser.add_argument("--generate", type=int, metavar="N", help="generate a world of N interviews")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--traits", default="", help="comma-separated traits to force")
    parser.add_argument("--keep", type=Path, help="write the generated world here (kept)")
    parser.add_argument("--no-smtp", action="store_true", help="skip the SMTP probe")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.generate:
        generated(args)
        return
    if args.world is None:
        parser.error("give --world DIR or --generate N")
    worlds = world_dirs(args.world)
    if not worlds:
        parser.error(f"no expected.toml in {' '.join(map(str, args.world))} or their subfolders")
    rows, cases = [], []
    for world in worlds:
        for interview in tomllib.loads((world / "expected.toml").read_text()).get("interview", []):
            row = asyncio.run(one(interview, world.resolve(), not args.no_smtp))
            row["world"], row["fully_right"] = world.name, fully_right(row)
            rows.append(row)
            cases.append(interview)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        mark = lambda ok: "ok " if ok else "MISS"  # noqa: E731
        print(f"{r['world']}: {r['name']}:")
        print(f"  domain  {mark(r['domain_ok'])} {r['domain']}")
        print(f"  title   {mark(r['title_ok'])} {r['title']}")
        print(f"  address {mark(r['email_ok'])} {r['email']} (p={r['probability']})")
        print(f"  status  {mark(r['status_ok'])} {r['status']}")
        print(
            f"  search queries {r['search_queries']} (budget {BUDGET_QUERIES}), "
            f"HTTP requests {r['http_requests']} (budget {BUDGET_REQUESTS}; world served "
            f"{r['http_served']}), robots.txt violations {len(r['robots_violations'])}, "
            f"{r['seconds']} s"
        )
    total = len(rows)
    print(
        f"matched: domain {sum(r['domain_ok'] for r in rows)}/{total}, "
        f"title {sum(r['title_ok'] for r in rows)}/{total}, "
        f"address {sum(r['email_ok'] for r in rows)}/{total}, "
        f"status {sum(bool(r['status_ok']) for r in rows)}/{total}; "
        f"robots violations {sum(len(r['robots_violations']) for r in rows)}"
    )
    right = sum(r["fully_right"] for r in rows)
    print(f"fully right: {right}/{total} = {right / max(total, 1):.3f} over {len(worlds)} world(s)")
    print_misses(rows, cases)


def world_dirs(paths: list[Path]) -> list[Path]:
    """Each path that is a world, or the worlds in its subfolders (a folder of worlds)."""
    found: list[Path] = []
    for path in paths:
        if (path / "expected.toml").is_file():
            found.append(path)
        else:
            found.extend(sorted(p.parent for p in path.glob("*/expected.toml")))
    return found


def print_misses(rows: list[dict], cases: list[dict]) -> None:
    """One line per interview not fully right: what was found, and what was expected."""
    for r, e in zip(rows, cases, strict=True):
        if r["fully_right"]:
            continue
        want, exp = [], e["expect"]
        for key, got, ok in (("domain", r["domain"], r["domain_ok"]), ("email", r["email"], r["email_ok"]),
                             ("status", r["status"], r["status_ok"]), ("title", r["title"], r["title_ok"])):
            if not ok:
                want.append(f"{key} {got!r} (expected {exp.get('email_status' if key == 'status' else key)!r})")
        where = f"{r['world']}: " if "world" in r else ""
        traits = f" [{','.join(r['traits'])}]" if r.get("traits") else ""
        print(f"MISS {where}{r['name']}{traits}: {'; '.join(want)}")


def fully_right(row: dict) -> bool:
    return bool(row["domain_ok"] and row["email_ok"] and row["status_ok"] and row["title_ok"])


def generated(args: argparse.Namespace) -> None:
    """Generate a world, run every interview, print the share fully right overall and per trait."""
    from lookup.world.scenarios import generate

    forced = tuple(t for t in args.traits.split(",") if t)
    with tempfile.TemporaryDirectory() as scratch:
        world = (args.keep or Path(scratch) / "world").resolve()
        began = time.perf_counter()
        interviews = generate(world, seed=args.seed, count=args.generate, traits=forced)
        expected = tomllib.loads((world / "expected.toml").read_text())["interview"]
        rows = [asyncio.run(one(i, world, not args.no_smtp)) for i in expected]
        elapsed = time.perf_counter() - began
    per_trait: dict[str, list[bool]] = {}
    for interview, row in zip(interviews, rows, strict=True):
        row["traits"] = list(interview.traits)
        row["fully_right"] = fully_right(row)
        for trait in interview.traits:
            per_trait.setdefault(trait, []).append(row["fully_right"])
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    right = sum(r["fully_right"] for r in rows)
    print(f"generated world: seed {args.seed}, {len(rows)} interviews, {elapsed:.1f} s")
    print(f"fully right: {right}/{len(rows)} = {right / max(len(rows), 1):.3f}")
    for trait, oks in sorted(per_trait.items(), key=lambda kv: (sum(kv[1]) / len(kv[1]), kv[0])):
        print(f"  {trait:<18} {sum(oks):>4}/{len(oks):<4} {sum(oks) / len(oks):.3f}")
    searches = sum(r["search_queries"] for r in rows) / max(len(rows), 1)
    requests = sum(r["http_requests"] for r in rows) / max(len(rows), 1)
    violations = sum(len(r["robots_violations"]) for r in rows)
    print(f"per interview: {searches:.1f} searches, {requests:.1f} HTTP requests; "
          f"robots.txt violations {violations}")
    print_misses(rows, expected)


if __name__ == "__main__":
    main()
