"""What works from here: DNS, HTTPS, port 25, and port 25 through the configured proxy.

``diagnose`` runs each check once against one mail domain (a world's first
mail domain in world mode; ``gmail.com``, whose mail servers always take
connections, live) and rewrites the day's port-25 answer that research runs
read (``lookup.mail.portcheck``): run ``lookup doctor`` after moving to another network.
No mail is sent: the port checks open a TCP connection and close it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from lookup.mail.portcheck import REACH_FILE, PortAnswer, PortCheck
from lookup.mail.smtpconnect import SmtpRoute
from lookup.mail.verify import Verifier
from lookup.settings import Settings
from lookup.web.fetch import make_client

__all__ = ["LIVE_DOMAIN", "Check", "diagnose"]

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
) -> list[Check]:
    """Each check's result, in the order a person reads them."""
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
