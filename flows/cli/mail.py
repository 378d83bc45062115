"""`lookup` commands about mail: verify addresses, and what verification can reach from here."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from flows.cli._app import JsonOpt, M365Opt, ProxyOpt, SmtpOpt, WorldOpt, app
from flows.cli._output import convention, emit, out, say
from flows.runtime import require_unlisted_ip, settings_for_run, world_settings, world_transport

__all__ = ["doctor", "verify"]


@app.command()
@convention
def verify(
    addresses: Annotated[list[str], typer.Argument(help="One or more addresses.")],
    smtp: SmtpOpt = False,
    smtp_proxy: ProxyOpt = None,
    m365_https: M365Opt = False,
    world: WorldOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check addresses: syntax, DNS MX, provider, and optionally SMTP and OneDrive.

    With --json, one array: an object per address, in the order given."""
    from lookup.mail.verdicts import notices, verification_to_json

    base = settings_for_run(world, smtp_proxy=smtp_proxy, m365_https=m365_https)
    probing = True if smtp or smtp_proxy else None
    with world_settings(base) as settings:
        require_unlisted_ip(settings, probing)  # issue 30: refuse from a listed IP
        results = asyncio.run(_verify(settings, addresses, probing))
    for notice in notices(results):  # once, not under every address
        say(f"Note: {notice}")
    if as_json:
        emit([verification_to_json(v) for v in results])
        return
    for v in results:
        out(f"{v.address}: {v.status}")
        for reason in v.reasons:
            out(f"  - {reason}")


async def _verify(settings: Any, addresses: list[str], smtp: bool | None) -> list[Any]:
    from lookup.mail.portcheck import REACH_FILE
    from lookup.mail.verify import Verifier
    from lookup.web.fetch import make_client

    async with make_client(settings, transport=world_transport(settings)) as client:
        verifier = Verifier(settings, http_client=client, day_cache=settings.cache_dir / REACH_FILE)
        return await verifier.verify_many(addresses, smtp=smtp)


@app.command()
@convention
def doctor(
    domain: Annotated[
        str | None,
        typer.Option(help="The mail domain to check against (default: gmail.com, or the "
                          "world's first mail domain)."),
    ] = None,
    smtp_proxy: ProxyOpt = None,
    world: WorldOpt = None,
    as_json: JsonOpt = False,
    blocklists: Annotated[bool, typer.Option(
        "--blocklists", help="Also ask the DNS blocklists of smtp.blocklists whether this "
        "machine's public IP is listed (they learn the IP); a listing stops SMTP probing today."
    )] = False,
) -> None:
    """Say what works from here: DNS, HTTPS, port 25, the SMTP proxy, who the probe is to a
    mail server (public IP, reverse DNS, EHLO name, blocklists), the OneDrive check."""
    from lookup.intake.interview import clean_domain
    from lookup.network.doctor import diagnose

    base = settings_for_run(world, smtp_proxy=smtp_proxy)
    with world_settings(base) as settings:
        target, url = _targets(settings)
        if domain:
            target = clean_domain(domain) or target
            url = f"https://{target}/"
        checks = asyncio.run(
            diagnose(settings, domain=target, url=url, transport=world_transport(settings),
                     blocklists=blocklists)
        )
    if as_json:
        emit({"domain": target, "checks": [
            {"name": c.name, "works": c.works, "detail": c.detail} for c in checks
        ]})
        return
    out(f"What works from here (checked against {target}):")
    for c in checks:
        state = {True: "works", False: "fails", None: "-"}[c.works]
        out(f"  {c.name:<15} {state:<6} {c.detail}")


def _targets(settings: Any) -> tuple[str, str]:
    """(mail domain, HTTPS URL) to check when none is named: a world's own, else gmail.com."""
    from lookup.network.doctor import LIVE_DOMAIN

    if settings.world is None:
        return LIVE_DOMAIN, f"https://{LIVE_DOMAIN}/"
    from lookup.world import load_world

    world = load_world(settings.world.directory)
    homes = sorted(h for h in world.site_hosts if (world.sites_dir / h / "index.html").is_file())
    domain = next(iter(sorted(world.mail)), LIVE_DOMAIN)
    return domain, f"https://{next(iter(homes), domain)}/"
