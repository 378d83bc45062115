"""SMTP benchmarks for ``bench/verify.py --blocked`` and ``--proxy`` (issue 17).

``blocked``: a world of 40 mail domains and 200 addresses (20 ms DNS latency)
whose port 25 stand-in either refuses connections (nothing listens) or
black-holes them (a loopback listener whose full accept queue makes the
kernel drop SYNs, as a firewall does). In each round, on fresh verifiers:
200 verifications without SMTP (the baseline), the same with SMTP on and no
answer for the day yet (one port check, then nothing is probed), and again
with the day's answer already in the data folder (a later run the same day).
Ratios to the baseline are printed; the target is <= 1.1x.

``proxy``: the held-out-style cases of tests/test_verify.py verified directly
and through a real SOCKS5 server on loopback (pproxy): the verdicts must be
the same; then N single-address probes each way (one SMTP session each, no
simulated latency) give the proxy's added time per probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from lookup.mail.portcheck import REACH_FILE, PortAnswer
from lookup.mail.verify import Verifier
from lookup.settings import Settings
from lookup.world import serve_world
from tests.netkit import black_hole, closed_port
from tests.socks5 import serve_socks5
from tests.test_verify import WORLD as CASES_WORLD
from tests.worldkit import write_world

__all__ = ["run_blocked", "run_proxy"]

CASES = [
    "jane.doe@acme.test", "nobody.here@acme.test", "info@acme.test", "jane.doe@catchall.test",
    "jane.doe@grey.test", "jane.doe@blocked.test", "jane.doe@full.test",
    "jane.doe@failover.test", "jane.doe@nomail.test", "jane.doe@afallback.test",
    "jane.doe@dropper.test", "jane.doe@closed.test",
]


def _blocked_world(root: Path, domains: int, addresses: int) -> list[str]:
    lines = ['name = "blocked bench"', "[latency_ms]", "dns = 20", ""]
    names = [f"co{i:03d}-blocked.test" for i in range(domains)]
    for name in names:
        lines += [f'[dns."{name}"]', f'mx = ["10 mx1.{name}", "20 mx2.{name}"]',
                  f'[dns."mx1.{name}"]', 'a = ["127.0.0.1"]', f'[dns."mx2.{name}"]',
                  'a = ["127.0.0.1"]', f'[mail."{name}"]', 'mailboxes = ["someone"]', ""]
    (root / "world.toml").write_text("\n".join(lines), encoding="utf-8")
    return [f"person{i}@{names[i % domains]}" for i in range(addresses)]


@contextlib.contextmanager
def _port(kind: str) -> Iterator[int]:
    if kind == "black-hole":
        with black_hole() as port:
            yield port
    else:
        yield closed_port()


def _timed(verifier: Verifier, addresses: list[str], smtp: bool) -> tuple[float, list]:
    start = time.perf_counter()
    out = asyncio.run(verifier.verify_many(addresses, smtp=smtp, concurrency=50))
    return time.perf_counter() - start, out


def run_blocked(*, rounds: int, count: int, domains: int, connect_timeout_s: float) -> None:
    """Print wall times of ``count`` verifications with and without SMTP on a blocked port."""
    print(f"blocked-port bench: {count} addresses at {domains} domains, DNS latency 20 ms, "
          f"smtp.connect_timeout_s {connect_timeout_s:g} s, medians of {rounds} rounds")
    with tempfile.TemporaryDirectory() as tmp:
        addresses = _blocked_world(Path(tmp), domains, count)
        with serve_world(tmp, latency=True) as world:
            base = Settings().in_world(world.endpoints)
            for kind in ("refuse", "black-hole"):
                with _port(kind) as port:
                    smtp = dataclasses.replace(base.smtp, port=port,
                                               connect_timeout_s=connect_timeout_s)
                    settings = dataclasses.replace(base, smtp=smtp)
                    _report_blocked(kind, settings, addresses, rounds, Path(tmp))


def _report_blocked(kind: str, settings: Settings, addresses: list[str], rounds: int,
                    tmp: Path) -> None:
    plain, cold, warm, statuses = [], [], [], set()
    for r in range(rounds):
        day = tmp / f"{kind}-{r}" / REACH_FILE
        plain.append(_timed(Verifier(settings), addresses, False)[0])
        elapsed, out = _timed(Verifier(settings, day_cache=day), addresses, True)
        cold.append(elapsed)
        elapsed, out = _timed(Verifier(settings, day_cache=day), addresses, True)
        warm.append(elapsed)
        statuses |= {(v.status, "smtp_blocked" in v.flags) for v in out}
    t_plain, t_cold, t_warm = (statistics.median(t) for t in (plain, cold, warm))
    print(f"  port 25 {kind:<10} without --smtp {t_plain:.3f} s | with --smtp, first run of the "
          f"day {t_cold:.3f} s = {t_cold / t_plain:.2f}x | later runs {t_warm:.3f} s = "
          f"{t_warm / t_plain:.2f}x | verdicts {sorted(statuses)}")
    # For comparison, once: the same probes with the check skipped (every session waits out
    # smtp.timeout_s on each MX host), which is what --smtp cost before the check existed.
    blind = Verifier(settings)
    blind.port_check._answer = PortAnswer(False, "assumed reachable", 0.0)
    elapsed, out = _timed(blind, addresses, True)
    print(f"    reference, no port check (each session waits smtp.timeout_s "
          f"{settings.smtp.timeout_s:g} s per MX host): {elapsed:.1f} s = "
          f"{elapsed / t_plain:.0f}x, verdicts {sorted({v.status for v in out})}")


def run_proxy(*, rounds: int, probes: int) -> None:
    """Print whether proxied verdicts equal direct ones, and the proxy's added time per probe."""
    with tempfile.TemporaryDirectory() as tmp:
        root = write_world(Path(tmp), CASES_WORLD)
        with serve_world(root, latency=False) as world, serve_socks5() as proxy:
            base = Settings().in_world(world.endpoints)

            def settings(url: str) -> Settings:
                smtp = dataclasses.replace(base.smtp, proxy=url, timeout_s=2.0,
                                           greylist_retry_s=(0.4,), max_inline_wait_s=1.0)
                return dataclasses.replace(base, smtp=smtp)

            direct = _verdicts(settings(""))
            proxied = _verdicts(settings(proxy.url))
            same = sum(d == p for d, p in zip(direct, proxied, strict=True))
            print(f"proxy bench: {len(CASES)} held-out-style cases from tests/test_verify.py, "
                  f"direct vs through a SOCKS5 proxy on loopback (pproxy)")
            print(f"  same verdicts: {same} of {len(CASES)}")
            for d, p in zip(direct, proxied, strict=True):
                if d != p:
                    print(f"    differs: {d} direct, {p} through the proxy")
            t_direct, t_proxy = [], []
            for _ in range(rounds):  # alternate, so neighbours' load hits both alike
                t_direct.append(_per_probe(settings(""), probes))
                t_proxy.append(_per_probe(settings(proxy.url), probes))
            d, p = statistics.median(t_direct), statistics.median(t_proxy)
            print(f"  per probe (one session: connect, EHLO, MAIL, 2 RCPT, RSET, QUIT; {probes} "
                  f"probes, medians of {rounds} rounds): direct {d * 1000:.2f} ms, through the "
                  f"proxy {p * 1000:.2f} ms, added {1000 * (p - d):.2f} ms "
                  f"({len(proxy.relayed())} connections relayed)")


def _verdicts(settings: Settings) -> list[tuple[str, str, tuple[str, ...]]]:
    verifier = Verifier(settings, rng=random.Random(3))
    out = asyncio.run(verifier.verify_many(CASES, smtp=True))
    return [(v.address, v.status, tuple(sorted(v.flags))) for v in out]


def _per_probe(settings: Settings, probes: int) -> float:
    async def run() -> float:
        verifier = Verifier(settings, rng=random.Random(1))
        await verifier.verify("jane.doe@acme.test", smtp=True)  # the port check, not timed
        start = time.perf_counter()
        for _ in range(probes):
            verifier.smtp._catch_all.clear()  # each probe a full session with its catch-all test
            verifier.smtp_limiter = verifier.smtp.limiter = _Unlimited()
            await verifier.verify("jane.doe@acme.test", smtp=True)
        return (time.perf_counter() - start) / probes

    return asyncio.run(run())


class _Unlimited:
    """No per-minute limit: the benchmark measures the dialogue, not the politeness wait."""

    def reserve(self, key: str, *, max_wait_s: float) -> float:
        return 0.0

    async def take(self, key: str, *, max_wait_s: float, sleep) -> float:
        return 0.0

    def next_free_in(self, key: str) -> float:
        return 0.0
