"""Is this machine's public IP on a DNS blocklist? Asked over DNS, remembered for the day.

A DNS blocklist (DNSBL, RFC 5782) answers an A query for the IP's reversed
octets under its zone: ``25.113.0.203.zen.spamhaus.org`` answers ``127.0.0.x``
when 203.0.113.25 is listed (a TXT record says why) and NXDOMAIN when it is
not. Spamhaus answers ``127.255.255.x`` instead when it refuses the query (sent
through a public resolver such as 8.8.8.8, or too many of them): that is "could
not check", never "listed". The zones are ``smtp.blocklists``; the queries go to
the configured name servers (a world's DNS in world mode), never anywhere else.

Probing from a listed address is refused (``refusal``): mail servers answer it
with block-list refusals that say nothing about the mailbox, and probing more
from it makes its reputation worse. A listing found by ``lookup doctor
--blocklists`` (or by a run with ``smtp.check_blocklists``) is remembered for the
day in ``<data>/cache/smtp-blocklists.json``, per route, with the IP it was found
for: a run whose public IP is another one (another network) is not refused.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lookup.mail.dayfile import day_of, read_entries, write_entry
from lookup.mail.dnscheck import DnsAnswer, DnsCache

__all__ = [
    "BLOCKLIST_FILE",
    "BlocklistMemory",
    "Listing",
    "Remembered",
    "check_blocklists",
    "memory_key",
    "query_name",
    "read_listing",
    "refusal",
]

BLOCKLIST_FILE = "smtp-blocklists.json"
ListingStatus = Literal["listed", "clean", "refused", "failed"]


@dataclass(frozen=True, slots=True)
class Listing:
    """One list's answer about one IP: listed, clean, refused (the list declined) or failed."""

    zone: str
    status: ListingStatus
    detail: str = ""  # the A answer and the TXT reason, or why there is no answer


@dataclass(frozen=True, slots=True)
class Remembered:
    """Today's blocklist answer for one route: the IP asked about and the lists naming it."""

    ip: str
    listed: tuple[Listing, ...]
    checked_at: float  # epoch seconds


def memory_key(proxy: str, scope: str) -> str:
    """The day file's key for a route (directly or through a proxy), live or in one world."""
    return f"{proxy or 'direct'} " + (f"world {scope}" if scope else "live")


def query_name(ip: str, zone: str) -> str:
    """The DNSBL query name: reversed octets (IPv4) or nibbles (IPv6) under ``zone``."""
    parsed = ipaddress.ip_address(ip)
    if parsed.version == 4:
        labels = str(parsed).split(".")[::-1]
    else:
        labels = list(parsed.exploded.replace(":", ""))[::-1]
    return ".".join([*labels, zone.strip().strip(".").lower()])


def read_listing(zone: str, answer: DnsAnswer, reason: DnsAnswer | None = None) -> Listing:
    """A list's A answer (and TXT reason) in words (pure)."""
    if answer.outcome in ("nxdomain", "nodata"):
        return Listing(zone, "clean")
    if answer.outcome != "ok":
        return Listing(zone, "failed", f"the lookup failed ({answer.outcome})")
    codes = sorted(str(r) for r in answer.records)
    if all(code.startswith("127.255.255.") for code in codes):
        # Spamhaus' return codes for a refused query: 252 typing error, 254 public resolver,
        # 255 excessive number of queries (https://www.spamhaus.org/faqs/domain-blocklist/).
        return Listing(zone, "refused", f"{zone} declined the query ({', '.join(codes)}); ask it "
                                        "through your own resolver, not a public one")
    if not all(code.startswith("127.") for code in codes):
        return Listing(zone, "failed", f"an answer that is not a list code ({', '.join(codes)})")
    why = ""
    if reason is not None and reason.outcome == "ok" and reason.records:
        why = ": " + " ".join(str(r).strip('"') for r in reason.records)[:200]
    return Listing(zone, "listed", f"{', '.join(codes)}{why}")


async def check_blocklists(
    ip: str, zones: Sequence[str], *, cache: DnsCache
) -> tuple[Listing, ...]:
    """Ask every list about ``ip`` at once; the answers in the order of ``zones``."""

    async def one(zone: str) -> Listing:
        name = query_name(ip, zone)
        answer = await cache.query(name, "A")
        reason = await cache.query(name, "TXT") if answer.outcome == "ok" else None
        return read_listing(zone, answer, reason)

    return tuple(await asyncio.gather(*(one(z) for z in zones if z.strip())))


def refusal(remembered: Remembered, *, current_ip: str | None, route_label: str) -> str | None:
    """The sentence refusing to probe from a listed IP, or None when probing may go on.

    ``current_ip`` is this run's public IP when known: a listing found for another
    IP (the laptop moved to another network) does not hold.
    """
    if not remembered.listed or (current_ip is not None and current_ip != remembered.ip):
        return None
    zones = ", ".join(listing.zone for listing in remembered.listed)
    at = dt.datetime.fromtimestamp(remembered.checked_at).strftime("%H:%M")
    return (
        f"SMTP probing refused: this machine's public IP {remembered.ip} ({route_label}) is "
        f"listed on {zones} (checked at {at} today), so mail servers would refuse the probes "
        "and probing would harm that address further; probe through another network "
        "(--smtp-proxy), or set smtp.ignore_blocklists = true to probe anyway."
    )


class BlocklistMemory:
    """Today's blocklist answers in the data folder, one per route (and per world)."""

    def __init__(self, cache_file: Path | None, key: str) -> None:
        self.cache_file = cache_file
        self.key = key

    def today(self, now: float) -> Remembered | None:
        """The answer found earlier today for this route, if any."""
        entry = read_entries(self.cache_file).get(self.key)
        if not isinstance(entry, dict) or day_of(float(entry.get("checked_at", 0))) != day_of(now):
            return None
        listed = tuple(Listing(str(z), "listed", str(d)) for z, d in entry.get("listed", ()))
        return Remembered(str(entry.get("ip", "")), listed, float(entry["checked_at"]))

    def remember(self, ip: str, listings: Sequence[Listing], now: float) -> Remembered:
        """Write this route's answer (listed or clean) for the day, and return it."""
        listed = tuple(x for x in listings if x.status == "listed")
        write_entry(self.cache_file, self.key, {
            "ip": ip, "listed": [[x.zone, x.detail] for x in listed], "checked_at": now,
            "day": day_of(now),
        })
        return Remembered(ip, listed, now)
