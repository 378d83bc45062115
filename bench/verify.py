"""Benchmark: verify 10,000 stored addresses at 1,000 domains (no SMTP) through a world's DNS.

Generates a world in a temporary folder: 1,000 domains (normal MX, null MX,
no MX but an A record, NXDOMAIN) with 20 ms of DNS latency, and 10,000
addresses spread over them. Then, in the same run:

1. baseline: a bare dnspython async loop resolving MX for the unique domains
   at the chosen concurrency;
2. the real ``Verifier.verify_many`` over all 10,000 addresses (syntax, DNS
   with the shared cache, provider, flags, verdict) at the same concurrency;
3. the same batch again with the warm cache (a re-verification batch).

Each round runs all three; the medians of ``--rounds`` rounds are printed
(the machine is shared, single runs are noisy). The world's servers run in a
thread of this process, so their CPU time counts against both sides alike.

Prints wall times, the ratio to the baseline (target: within 2x), DNS queries
the world's server answered, and verifications per second. Figures are
printed, never asserted.

    .venv/bin/python bench/verify.py [--domains 1000] [--addresses 10000] [--concurrency 200]

``--blocked`` and ``--proxy`` measure SMTP instead (see bench/verify_smtp.py):
200 verifications on a network whose port 25 refuses or black-holes, with
``--smtp`` and without (target <= 1.1x); and the same verdicts through a
loopback SOCKS5 proxy as direct, with the proxy's added time per probe.

    .venv/bin/python bench/verify.py --blocked [--count 200] [--rounds 3]
    .venv/bin/python bench/verify.py --proxy [--probes 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import dns.asyncresolver
import dns.exception
import dns.name

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lookup.mail.verify import Verifier, make_resolver  # noqa: E402
from lookup.settings import Settings  # noqa: E402
from lookup.world import serve_world  # noqa: E402

KINDS = (("mx", 0.7), ("null_mx", 0.1), ("a_only", 0.1), ("nxdomain", 0.1))
FIRST = ("ada", "ben", "chioma", "dara", "eli", "farah", "gus", "hana", "ivo", "june")
LAST = ("abara", "brook", "cole", "dunn", "eze", "frost", "gale", "hale", "ince", "jory")


def build_world(
    root: Path, domains: int, addresses: int, rng: random.Random
) -> tuple[list[str], dict[str, str]]:
    """Write world.toml for ``domains`` domains; return the addresses and each domain's kind."""
    names = [f"co{i:04d}-bench.test" for i in range(domains)]
    kinds = dict(zip(names, rng.choices([k for k, _ in KINDS], [w for _, w in KINDS], k=domains), strict=True))
    lines = ['name = "verify bench"', "[latency_ms]", "dns = 20", ""]
    for name, kind in kinds.items():
        if kind == "mx":
            lines += [f'[dns."{name}"]', f'mx = ["10 mx1.{name}", "20 mx2.{name}"]',
                      f'[dns."mx1.{name}"]', 'a = ["127.0.0.1"]']
        elif kind == "null_mx":
            lines += [f'[dns."{name}"]', 'mx = ["0 ."]']
        elif kind == "a_only":
            lines += [f'[dns."{name}"]', 'a = ["127.0.0.1"]']
    (root / "world.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "search.jsonl").write_text("", encoding="utf-8")
    picked = [
        f"{rng.choice(FIRST)}.{rng.choice(LAST)}{i}@{names[i % domains]}" for i in range(addresses)
    ]
    rng.shuffle(picked)
    return picked, kinds


async def baseline(settings: Settings, domains: list[str], concurrency: int) -> float:
    """A bare dnspython loop: MX for each unique domain, at the given concurrency."""
    resolver = make_resolver(settings)
    gate = asyncio.Semaphore(concurrency)

    async def one(domain: str) -> None:
        async with gate:
            try:
                await resolver.resolve(dns.name.from_text(domain), "MX", raise_on_no_answer=False)
            except dns.exception.DNSException:
                pass

    start = time.perf_counter()
    await asyncio.gather(*(one(d) for d in domains))
    return time.perf_counter() - start


async def verify_all(
    verifier: Verifier, addresses: list[str], concurrency: int
) -> tuple[float, list]:
    start = time.perf_counter()
    out = await verifier.verify_many(addresses, smtp=False, concurrency=concurrency)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--addresses", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="print medians of this many rounds")
    parser.add_argument("--blocked", action="store_true",
                        help="SMTP on a network whose port 25 refuses or black-holes")
    parser.add_argument("--proxy", action="store_true",
                        help="SMTP through a loopback SOCKS5 proxy vs direct")
    parser.add_argument("--count", type=int, default=200, help="--blocked: verifications")
    parser.add_argument("--probes", type=int, default=200, help="--proxy: timed probes")
    parser.add_argument("--connect-timeout", type=float, default=3.0,
                        help="--blocked: smtp.connect_timeout_s (the default setting)")
    args = parser.parse_args()
    if args.blocked or args.proxy:
        from bench.verify_smtp import run_blocked, run_proxy

        if args.blocked:
            run_blocked(rounds=args.rounds, count=args.count, domains=40,
                        connect_timeout_s=args.connect_timeout)
        if args.proxy:
            run_proxy(rounds=args.rounds, probes=args.probes)
        return
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        addresses, kinds = build_world(Path(tmp), args.domains, args.addresses, rng)
        with serve_world(tmp, latency=True) as world:
            base = Settings().in_world(world.endpoints)
            settings = dataclasses.replace(base, dns=dataclasses.replace(base.dns, timeout_s=10.0))
            unique = sorted({a.rpartition("@")[2] for a in addresses})
            t_base, t_cold, t_warm = [], [], []
            for _ in range(args.rounds):  # alternate, so neighbours' load hits both alike
                world.clear_logs()
                t_base.append(asyncio.run(baseline(settings, unique, args.concurrency)))
                base_queries = world.dns_queries.total
                world.clear_logs()
                verifier = Verifier(settings)  # a fresh, cold DNS cache each round
                elapsed, results = asyncio.run(verify_all(verifier, addresses, args.concurrency))
                t_cold.append(elapsed)
                counts = world.dns_queries
                world.clear_logs()
                t_warm.append(asyncio.run(verify_all(verifier, addresses, args.concurrency))[0])
                warm_queries = world.dns_queries.total
    times = [statistics.median(t) for t in (t_base, t_cold, t_warm)]
    report(args, kinds, unique, results, counts, base_queries, warm_queries, *times)


def report(
    args, kinds, unique, results, counts, base_queries, warm_queries, t_base, t_cold, t_warm
):
    by_kind = collections.Counter(kinds[d] for d in unique)
    statuses = collections.Counter(v.status for v in results)
    a_only = by_kind["a_only"]
    print(f"verify bench: {len(results)} addresses at {len(unique)} domains "
          f"({', '.join(f'{k} {n}' for k, n in sorted(by_kind.items()))}), DNS latency 20 ms, "
          f"concurrency {args.concurrency}, SMTP off; medians of {args.rounds} rounds")
    print(f"  baseline (bare dnspython MX loop): {t_base:.2f} s, {base_queries} DNS queries")
    print(f"  Verifier.verify_many, cold cache:  {t_cold:.2f} s = {t_cold / t_base:.2f}x baseline, "
          f"{len(results) / t_cold:,.0f} verifications/s")
    print(f"  DNS queries sent: {counts.total} (by type {dict(sorted(counts.by_type.items()))}); "
          f"unique domains {len(unique)} + {a_only} A lookups for the no-MX domains "
          f"(RFC 5321 implicit MX) = {len(unique) + a_only}")
    print(f"  Verifier.verify_many, warm cache:  {t_warm:.2f} s, {warm_queries} DNS queries, "
          f"{len(results) / t_warm:,.0f} verifications/s")
    print(f"  verdicts: {dict(sorted(statuses.items()))}")


if __name__ == "__main__":
    main()
