"""What works from here: DNS, HTTPS, port 25, and port 25 through the configured proxy.

``diagnose`` runs each check once against one mail domain (a world's first
mail domain in world mode; ``gmail.com``, whose mail servers always take
connections, live) and rewrites the day's port-25 answer that research runs
read (``lookup.mail.portcheck``): run ``lookup doctor`` after moving to another network.
No mail is sent: the port checks open a TCP connection and close it.

It also says who the probe is to a mail server (``identity_checks``): the public
IP (through the proxy when one is set), its reverse DNS, the EHLO name and
whether they match; and, when asked (``--blocklists``), whether that IP is on
the DNS blocklists of ``smtp.blocklists``, an answer that probing obeys for the
rest of the day (``require_unlisted``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from lookup.errors import ProbeRefusedError
from lookup.mail.blocklists import Listing, check_blocklists
from lookup.mail.dnscheck import host_addresses
from lookup.mail.identity import Identity
from lookup.mail.portcheck import REACH_FILE, PortAnswer, PortCheck
from lookup.mail.smtpconnect import SmtpRoute
from lookup.mail.verify import Verifier
from lookup.settings import Settings, machine_name
from lookup.web.fetch import make_client

__all__ = ["LIVE_DOMAIN", "Check", "diagnose", "identity_checks", "require_unlisted"]

LIVE_DOMAIN = "gmail.com"


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report: what was checked, whether it works (None: not set up), and why."""

    name: str
    works: bool | None
    detail: str


async def diagnose(
    settings: Settings,
    *,
    domain: str,
    url: str,
    transport: httpx.AsyncBaseTransport | None = None,
    blocklists: bool = False,
) -> list[Check]:
    """Each check's result, in the order a person reads them (``blocklists``: ask the lists)."""
    day_cache = settings.cache_dir / REACH_FILE
    verifier = Verifier(settings, day_cache=day_cache)
    mail = await verifier.check_domain(domain)
    checks = [Check("DNS", mail.status != "unknown", mail.reasons[0] if mail.reasons else "")]
    checks.append(await _https(settings, url, transport))
    hosts, missing = await verifier.mail_hosts(mail.mx) if mail.status == "accepts" else ([], "")
    if not hosts:
        why = missing or f"{domain} has no mail server to try"
        checks.append(Check("Port 25", None, f"not checked: {why}"))
    else:
        checks.append(_port_line(await _port(settings, SmtpRoute(), hosts, day_cache)))
    proxy = settings.smtp.proxy.strip()
    if not proxy:
        checks.append(Check("SMTP proxy", None, "none configured (--smtp-proxy socks5://host:port, "
                                                "or smtp.proxy in the settings)"))
    elif hosts:
        answer = await _port(settings, SmtpRoute(proxy), hosts, day_cache)
        checks.append(Check("SMTP proxy", not answer.blocked,
                            f"{SmtpRoute(proxy).shown}: {answer.detail}"))  # no password shown
    checks += await identity_checks(verifier, blocklists=blocklists)
    on = settings.m365.enabled
    checks.append(Check("OneDrive check", True if on else None, "on, for Microsoft 365 domains" if on else
                        "off (--m365-https, or m365.enabled): HTTPS only, for Microsoft 365"))
    return checks


async def _https(
    settings: Settings, url: str, transport: httpx.AsyncBaseTransport | None
) -> Check:
    async with make_client(settings, transport=transport) as client:
        try:
            response = await client.get(url)
        except httpx.HTTPError as exc:
            return Check("HTTPS", False, f"{url} could not be reached ({exc.__class__.__name__})")
    return Check("HTTPS", True, f"{url} answered HTTP {response.status_code}")


async def _port(
    settings: Settings, route: SmtpRoute, hosts: list[tuple[str, str]], day_cache: Path
) -> PortAnswer:
    check = PortCheck(
        port=settings.smtp.port, timeout_s=settings.smtp.connect_timeout_s, route=route,
        cache_file=day_cache, world_mode=settings.world_mode,
        scope=settings.world.directory if settings.world else "",
        machine=machine_name(settings),
    )
    answer = await check.check(hosts)
    check.remember(answer)  # a fresh answer replaces the day's, blocked or not
    return answer


def _port_line(answer: PortAnswer) -> Check:
    if answer.blocked:
        return Check("Port 25", False, f"blocked: {answer.detail}. Research skips SMTP probes "
                                       "today; use --smtp-proxy socks5://host:port to probe "
                                       "through a server of yours.")
    return Check("Port 25", True, answer.detail)


async def identity_checks(verifier: Verifier, *, blocklists: bool = False) -> list[Check]:
    """Public IP, reverse DNS, EHLO name and (when ``blocklists``) the DNS blocklists.

    The IP is asked afresh along the verifier's route (through its proxy, if any);
    a blocklist answer is written for the day, for probing runs to obey.
    """
    identity = await verifier.identity.learn(ask=True)
    ip, route = identity.public.ip, verifier.route.label
    if ip is None:
        checks = [Check("Public IP", False, f"unknown: {identity.public.detail}")]
    else:
        checks = [Check("Public IP", True, f"{ip} ({identity.public.detail})")]
    reverse = identity.reverse
    if reverse is not None:
        checks.append(Check("Reverse DNS", reverse.confirms, reverse.detail))
    checks.append(await _ehlo_line(verifier, identity))
    checks.append(await _blocklist_line(verifier, ip, route) if blocklists and ip else Check(
        "Blocklists", None, "not checked: the public IP is unknown" if blocklists else
        "not checked (--blocklists asks smtp.blocklists over DNS about the public IP)"))
    return checks


async def _ehlo_line(verifier: Verifier, identity: Identity) -> Check:
    """The EHLO name, where it comes from, and whether it matches the reverse DNS."""
    name, source, reverse = identity.helo, identity.helo_source, identity.reverse
    said = f"EHLO {name} ({source})"
    ptr = reverse.name if reverse is not None else None
    if ptr is not None and name.lower() == ptr:
        good = reverse is not None and reverse.confirms
        return Check("EHLO name", good, f"{said} matches the reverse DNS"
                     + ("" if good else ", but that name does not resolve back to the IP"))
    if source == "address literal":
        return Check("EHLO name", None, f"{said}: no reverse DNS name resolves; servers that "
                                        "require a name refuse it (set smtp.helo_name, or use "
                                        "--smtp-proxy through a server that has one)")
    found, _ = await host_addresses(name, cache=verifier.dns_cache)
    if ptr:
        mismatch = f"; the reverse DNS says {ptr}"
    else:
        known = identity.public.ip is not None
        mismatch = "; the public IP has no reverse DNS" if known else "; the public IP is unknown"
    if not found:
        return Check("EHLO name", False, f"{said} does not resolve{mismatch}: servers that check "
                                         "HELO names (Postfix reject_unknown_helo_hostname) "
                                         "refuse the probe")
    return Check("EHLO name", None, f"{said} resolves to {', '.join(found)}{mismatch}")


async def _blocklist_line(verifier: Verifier, ip: str, route: str) -> Check:
    """Ask every list of smtp.blocklists about ``ip`` now, and remember the answer for the day."""
    settings = verifier.settings
    found = await check_blocklists(ip, settings.smtp.blocklists, cache=verifier.dns_cache)
    remembered = verifier.smtp.memory.remember(ip, found, verifier.clock.time())
    unsure = [x for x in found if x.status in ("refused", "failed")]
    tail = "".join(f"; {x.zone}: {x.detail}" for x in unsure)
    if not remembered.listed:
        clean = ", ".join(x.zone for x in found if x.status == "clean") or "none of them answered"
        works = None if unsure else True  # a list that declined is not a clean answer
        return Check("Blocklists", works, f"{ip} is not listed on {clean}{tail}")
    listed = "; ".join(_listed(x) for x in remembered.listed)
    then = ("SMTP probing refuses to start today unless smtp.ignore_blocklists = true"
            if not settings.smtp.ignore_blocklists else
            "smtp.ignore_blocklists is set, so probing goes on regardless")
    return Check("Blocklists", False, f"{ip} ({route}) is listed on {listed}{tail}. {then}")


def _listed(listing: Listing) -> str:
    return f"{listing.zone} ({listing.detail})"


async def require_unlisted(settings: Settings) -> None:
    """ProbeRefusedError, in one sentence, when today's answer lists this machine's IP."""
    verifier = Verifier(settings, day_cache=settings.cache_dir / REACH_FILE)
    sentence = await verifier.smtp.refusal()
    if sentence is not None:
        raise ProbeRefusedError(sentence)
