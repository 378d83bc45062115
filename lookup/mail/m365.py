"""Microsoft 365 without port 25: the OneDrive personal-site check (HTTPS, opt-in).

Every Microsoft 365 account that has used OneDrive has a personal site at a
predictable address::

    https://<tenant>-my.sharepoint.com/personal/<user>_<domain>/_layouts/15/onedrive.aspx

where ``<user>_<domain>`` is the sign-in address with every character other
than a letter or digit written as ``_``. Asked without signing in, SharePoint
answers 403 (access denied) when that site exists and 404 when it does not.
This is the check nyxgeek's onedrive_user_enum (TrustedSec, 2019) made known
and that TeamFiltration and verifiers in the check-if-email-exists family use:
it sends no mail and signs in to nothing. It only ever proves presence: a 404
is "no OneDrive", which is also what a real mailbox whose owner never opened
OneDrive gives, so a 404 stays "unknown", never "undeliverable".

The tenant name is guessed as those tools do, from the domain's first label
with anything but letters and digits removed (tenant names are letters and
digits only: ``<tenant>.onmicrosoft.com``). When the guess is wrong the tenant
host does not resolve and the check says so. One request per candidate, at
most one per ``m365.per_tenant_interval_s`` for each tenant, never following
redirects. Worlds stand in ``sharepoint.test`` for ``sharepoint.com``.
"""

from __future__ import annotations

import re

import httpx

from lookup.mail.verdicts import NOT_PROBED, SmtpPart
from lookup.ratelimit import Clock, RateLimiter
from lookup.settings import M365Settings

__all__ = ["OneDriveCheck", "combine", "onedrive_url", "tenant_of"]

_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def tenant_of(domain: str) -> str:
    """The tenant name guessed from a mail domain: its first label, letters and digits only."""
    return _NOT_ALNUM.sub("", domain.lower().split(".", 1)[0])


def onedrive_url(address: str, tenant: str, suffix: str = "sharepoint.com") -> str:
    """The OneDrive personal-site address of ``address`` in ``tenant``."""
    site = _NOT_ALNUM.sub("_", address.strip().lower().replace("@", "_"))
    return f"https://{tenant}-my.{suffix}/personal/{site}/_layouts/15/onedrive.aspx"


class OneDriveCheck:
    """Asks SharePoint about each candidate once, spaced per tenant."""

    def __init__(
        self, client: httpx.AsyncClient, settings: M365Settings, *, clock: Clock | None = None
    ) -> None:
        self.client = client
        self.settings = settings
        self.limiter = RateLimiter(settings.per_tenant_interval_s, clock=clock)
        self._done: dict[str, SmtpPart] = {}
        self.requests_sent = 0

    async def check(self, address: str, domain: str) -> SmtpPart:
        """The OneDrive verdict on ``address``: deliverable on a 403, else unknown with why."""
        key = address.lower()
        if key not in self._done:
            self._done[key] = await self._ask(address, domain)
        return self._done[key]

    async def _ask(self, address: str, domain: str) -> SmtpPart:
        tenant = tenant_of(domain)
        url = onedrive_url(address, tenant, self.settings.sharepoint_suffix)
        host = httpx.URL(url).host
        await self.limiter.wait(tenant)
        self.requests_sent += 1
        try:
            response = await self.client.get(url, follow_redirects=False)
        except httpx.HTTPError as exc:
            return SmtpPart("unknown", [
                f"The OneDrive check (Microsoft 365, HTTPS) could not reach {host} "
                f"({exc.__class__.__name__}); the tenant name {tenant!r} guessed from {domain} "
                "may be wrong, so it tells nothing."
            ], flags=["onedrive_unreachable"])
        status = response.status_code
        if status == 403:
            return SmtpPart("deliverable", [
                f"The OneDrive check (Microsoft 365, HTTPS) found this account: {host} answered "
                "403 for its personal site, which exists only for an account that has used "
                "OneDrive, so the mailbox very likely exists."
            ], flags=["onedrive"])
        if status == 404:
            return SmtpPart("unknown", [
                f"The OneDrive check (Microsoft 365, HTTPS) found no personal site at {host} "
                "(404); many people never open OneDrive, so this proves nothing."
            ])
        return SmtpPart("unknown", [
            f"The OneDrive check (Microsoft 365, HTTPS) got HTTP {status} from {host}, "
            "which tells nothing either way."
        ])


def combine(smtp: SmtpPart | None, onedrive: SmtpPart) -> SmtpPart:
    """An SMTP part without a definite answer (or none), and the OneDrive check's, as one."""
    base = smtp or SmtpPart("unknown", [])
    if onedrive.status == "deliverable":
        said = [r for r in base.reasons if r != NOT_PROBED]  # the account was found all the same
        return SmtpPart("deliverable", [*onedrive.reasons, *said], base.steps,
                        [*onedrive.flags, *base.flags])
    if base.reasons == [NOT_PROBED]:  # the check that ran speaks first
        reasons = [*onedrive.reasons, *base.reasons]
    else:
        reasons = [*base.reasons, *onedrive.reasons]
    return SmtpPart(base.status, reasons, base.steps, [*base.flags, *onedrive.flags],
                    base.retry_after)
