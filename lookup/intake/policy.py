"""What a run submitted through Prefect may ask of the machine that runs it. Pure.

A deployment's parameters come from whoever reaches the Prefect API, so on a worker the
run options are the worker's settings' call, not the submitter's:

- ``smtp`` and ``m365_https`` only narrow: a run may turn probing or the OneDrive check
  off, never on where ``smtp.enabled`` / ``m365.enabled`` keep it off;
- ``smtp_proxy`` is a name from ``smtp.proxies`` (the worker's own list, credentials from
  its environment), never an address: an address would let a run make the worker connect
  to any host and port, and read which answer ("could not be reached", "the proxy said");
- ``world`` is a folder under one of ``runs.worlds`` (empty by default: no world).

``refusal`` gives the one sentence that ends a refused run (its state message), or None.
Runs started on this machine by its own user (``lookup research``) are not policed: the
options there are the user's own.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

# ``settings`` below is a loaded ``lookup.settings.Settings``; it is not imported here, so
# the purity walk (tests/test_core_purity.py) need not enter the module that reads the
# environment.
Settings = Any

__all__ = ["refusal"]


def refusal(options: Mapping[str, Any], settings: Settings) -> str | None:
    """Why this worker refuses a submitted run's options (one sentence), or None."""
    for check in (_smtp, _proxy, _m365, _world):
        said = check(options, settings)
        if said:
            return said
    return None


def _smtp(options: Mapping[str, Any], settings: Settings) -> str | None:
    wants = bool(options.get("smtp")) or bool(options.get("smtp_proxy"))
    if wants and not settings.smtp.enabled:
        return ("This worker's settings keep SMTP probing off (smtp.enabled = false), so a "
                "submitted run cannot turn it on; set LOOKUP_SMTP__ENABLED=true on the workers "
                "to allow it.")
    return None


def _proxy(options: Mapping[str, Any], settings: Settings) -> str | None:
    choice = str(options.get("smtp_proxy") or "").strip()
    if not choice or choice.lower() in settings.smtp.proxies:
        return None
    named = ", ".join(sorted(settings.smtp.proxies)) or "none"
    # (a choice never carries credentials: ResearchRequest refuses them, check_proxy_choice)
    return (f"The SMTP proxy {choice!r} is not one this worker's settings name (smtp.proxies: "
            f"{named}); a submitted run picks a proxy by its name.")


def _m365(options: Mapping[str, Any], settings: Settings) -> str | None:
    if options.get("m365_https") and not settings.m365.enabled:
        return ("This worker's settings keep the OneDrive check off (m365.enabled = false), "
                "so a submitted run cannot turn it on; set LOOKUP_M365__ENABLED=true on the "
                "workers to allow it.")
    return None


def _world(options: Mapping[str, Any], settings: Settings) -> str | None:
    world = str(options.get("world") or "").strip()
    if not world:
        return None
    allowed = [posixpath.normpath(a) for a in settings.runs.worlds if a.strip()]
    if not allowed:
        return (f"This worker runs no world for a submitted run (runs.worlds is empty), so "
                f"{world} is refused; list the folder holding it in runs.worlds "
                "(LOOKUP_RUNS__WORLDS) on the workers to allow it.")
    here = posixpath.normpath(world)
    if posixpath.isabs(here) and any(_inside(here, a) for a in allowed):
        return None
    return (f"The world {world} is not under a folder this worker allows (runs.worlds: "
            f"{', '.join(allowed)}); a submitted run names a world by its absolute path there.")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")
