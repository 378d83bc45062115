"""Who may talk to the Prefect server: authentication off loopback, the clients' auth string.

Prefect 3.9's server checks HTTP basic authentication on every API route but
``/api/health`` and ``/api/ready`` when ``PREFECT_SERVER_API_AUTH_STRING``
(``user:password``) is set; its clients (this CLI, ``prefect worker start``, the
flow runs a worker starts) send ``PREFECT_API_AUTH_STRING``. Without it, anyone
who reaches the API can create flow runs, and so run code on every worker.

- ``require_auth`` refuses a listen address beyond loopback (``0.0.0.0``, a LAN
  address, a host name) unless an auth string is set, before anything binds;
- ``server_env`` gives the server we start its auth string and turns on
  Prefect's CSRF protection (the Python client fetches a token by itself;
  ``PREFECT_SERVER_CSRF_PROTECTION_ENABLED=false`` turns it off);
- ``adopt_client_auth`` lets a process on the server's machine, given only the
  server's string, use it as a client too (``lookup server start`` creates the
  politeness limits through the API right after starting it);
- ``require_access`` asks an authenticated route once, so a missing or wrong
  string is one sentence instead of a raw ``401 Unauthorized`` later.

The strings come from the environment only, never from a flow parameter, a
card or a record (``prefect-server.json`` notes ``auth: true`` and nothing else).
"""

from __future__ import annotations

import base64
import os
import ssl
from collections.abc import Mapping, MutableMapping

from lookup.errors import BadInputError, ServerError
from lookup.web.hosts import is_loopback

__all__ = [
    "CLIENT_AUTH",
    "SERVER_AUTH",
    "adopt_client_auth",
    "auth_header",
    "is_loopback",
    "require_access",
    "require_auth",
    "server_auth",
    "server_env",
    "tls_verify",
]

SERVER_AUTH = "PREFECT_SERVER_API_AUTH_STRING"
CLIENT_AUTH = "PREFECT_API_AUTH_STRING"
CSRF = "PREFECT_SERVER_CSRF_PROTECTION_ENABLED"


def server_auth(env: Mapping[str, str] | None = None) -> str:
    """The auth string a server we start requires: ``PREFECT_SERVER_API_AUTH_STRING``, else
    the clients' ``PREFECT_API_AUTH_STRING`` (one string for the whole team); "" for none."""
    env = os.environ if env is None else env
    return (env.get(SERVER_AUTH) or env.get(CLIENT_AUTH) or "").strip()


def require_auth(host: str, env: Mapping[str, str] | None = None) -> None:
    """BadInputError (exit 2, nothing started) when ``host`` lets other machines in and no
    auth string is set; a malformed string is refused too."""
    auth = server_auth(env)
    if auth and ":" not in auth:
        raise BadInputError(
            f"The Prefect auth string in {SERVER_AUTH} must read user:password (a colon "
            "between them), as HTTP basic authentication sends it."
        )
    if auth or is_loopback(host):
        return
    raise BadInputError(
        f"Listening on {host or 'every address'} lets other machines reach Prefect's API, "
        f"which runs code on every worker, so it needs an auth string: export "
        f"{SERVER_AUTH}='user:long-random-password' here (and {CLIENT_AUTH}, the same, on "
        "every worker and client), or listen on 127.0.0.1."
    )


def server_env(child: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """The server's environment with its auth string and CSRF protection (unless turned off)."""
    auth = server_auth(child)
    if auth:
        child[SERVER_AUTH] = auth
    child.setdefault(CSRF, "true")
    return child


def adopt_client_auth(env: MutableMapping[str, str] | None = None) -> bool:
    """On the server's machine, use the server's string as this process's client string when
    no client string is set; True when this process now sends one. Call before ``import
    prefect`` (Prefect reads its settings once)."""
    env = os.environ if env is None else env
    if not env.get(CLIENT_AUTH) and env.get(SERVER_AUTH):
        env[CLIENT_AUTH] = env[SERVER_AUTH]
    return bool(env.get(CLIENT_AUTH))


def auth_header(auth: str) -> dict[str, str]:
    """The ``Authorization`` header for an auth string, as Prefect's client builds it."""
    if not auth:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")}


def tls_verify(env: Mapping[str, str] | None = None) -> str | bool | ssl.SSLContext:
    """How this tool's own calls to Prefect's API check TLS, as Prefect's client does: the
    CA file ``PREFECT_API_SSL_CERT_FILE`` (a reverse proxy with a private CA), else the usual
    roots (the process's one context: each new one costs 30-60 ms, and a run checks the API
    twice before it starts); ``PREFECT_API_TLS_INSECURE_SKIP_VERIFY`` turns checking off."""
    env = os.environ if env is None else env
    if env.get("PREFECT_API_TLS_INSECURE_SKIP_VERIFY", "").strip().lower() in ("1", "true"):
        return False
    from lookup.web.tls import httpx_context

    return env.get("PREFECT_API_SSL_CERT_FILE") or httpx_context()


def require_access(api: str, env: Mapping[str, str] | None = None, timeout_s: float = 5.0) -> None:
    """ServerError in one sentence when the API at ``api`` (PREFECT_API_URL's form) refuses
    this process's auth string (or its lack of one)."""
    import httpx

    env = os.environ if env is None else env
    auth = env.get(CLIENT_AUTH, "")
    try:
        with httpx.Client(trust_env=False, timeout=timeout_s, verify=tls_verify(env)) as client:
            answer = client.get(api.rstrip("/") + "/admin/version", headers=auth_header(auth))
    except httpx.HTTPError:
        return  # not reachable is said elsewhere (health); only a refusal is ours to say
    if answer.status_code != 401:
        return
    if auth:
        raise ServerError(
            f"Prefect's API at {api} refused this machine's auth string ({CLIENT_AUTH}): "
            "set it to the server's user:password exactly."
        )
    raise ServerError(
        f"Prefect's API at {api} asks for an auth string: export {CLIENT_AUTH}='user:password' "
        f"(the server's {SERVER_AUTH}) before running lookup or a worker here."
    )
