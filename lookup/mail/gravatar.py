"""Gravatar (opt-in, ``gravatar.enabled``): has anyone registered this address there?

``GET /avatar/<sha256 of the address>?d=404`` answers 200 when a profile
exists and 404 otherwise; most people have none, so a miss proves little.
"""

from __future__ import annotations

import hashlib

import httpx

__all__ = ["gravatar_check"]


async def gravatar_check(client: httpx.AsyncClient, base_url: str, address: str) -> tuple[str, bool]:
    """The reason to show, and whether a profile exists."""
    digest = hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()
    url = f"{base_url}/avatar/{digest}?d=404"
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        return f"The Gravatar check failed ({exc.__class__.__name__}), so it tells nothing.", False
    if response.status_code == 200:
        return "A Gravatar profile exists for this address, so someone has used it.", True
    if response.status_code == 404:
        return "No Gravatar profile for this address (most people have none; it proves little).", False
    return f"The Gravatar check answered HTTP {response.status_code}, so it tells nothing.", False
