"""Research quality and politeness on a world: `python bench/research.py --world DIR [--json]`.

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

from lookup.interview import make_interview  # noqa: E402
from lookup.research import run_pipeline  # noqa: E402
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
    parser.add_argument("--world", required=True, type=Path)
    parser.add_argument("--no-smtp", action="store_true", help="skip the SMTP probe")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    expected = tomllib.loads((args.world / "expected.toml").read_text())
    rows = [
        asyncio.run(one(i, args.world.resolve(), not args.no_smtp))
        for i in expected.get("interview", [])
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        mark = lambda ok: "ok " if ok else "MISS"  # noqa: E731
        print(f"{r['name']}:")
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


if __name__ == "__main__":
    main()
