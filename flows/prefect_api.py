"""Calls to Prefect's REST API that survive a busy server and fail in one sentence.

Prefect's SQLite-backed server answers 503 (or an error body saying "database is
locked") when several writers meet (see PREFECT.md); 429 when it sheds load. Those
are retried with exponential backoff a bounded number of times. Any other error,
or the last retry's, becomes one ``ServerError`` sentence with the status and the
start of the body, never a ``KeyError`` on a JSON error document.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from lookup.errors import ServerError

__all__ = ["RETRY_STATUS", "prefect_request"]

RETRY_STATUS = frozenset({429, 502, 503, 504})
RETRIES = 5
BACKOFF_S = 0.5  # doubles each time: 0.5, 1, 2, 4, 8 s (about 15 s in all)
_BODY_SHOWN = 300


def _retryable(response: httpx.Response) -> bool:
    return response.status_code in RETRY_STATUS or (
        response.status_code >= 500 and "database is locked" in response.text
    )


def prefect_request(
    method: str,
    url: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    timeout_s: float = 10.0,
    retries: int = RETRIES,
    backoff_s: float = BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
    ok: tuple[int, ...] = (200, 201, 204),
    client: httpx.Client | None = None,
) -> httpx.Response:
    """``method url`` against Prefect's API: the response when its status is in ``ok``.

    Busy answers (429, 502-504, "database is locked") and connection errors are retried
    ``retries`` times with exponential backoff; anything else raises ServerError.
    """
    owned = client is None
    client = client or httpx.Client(trust_env=False, timeout=timeout_s)
    try:
        for attempt in range(retries + 1):
            last = attempt == retries
            try:
                response = client.request(method, url, json=json, params=params)
            except httpx.TransportError as exc:
                if last:
                    raise ServerError(
                        f"Prefect's API did not answer {method} {url} after {retries + 1} "
                        f"attempts ({type(exc).__name__}: {exc}). Is the server running?"
                    ) from exc
            else:
                if response.status_code in ok:
                    return response
                if last or not _retryable(response):
                    body = " ".join(response.text.split())[:_BODY_SHOWN]
                    tries = f" after {retries + 1} attempts" if last and _retryable(response) else ""
                    raise ServerError(
                        f"Prefect's API answered {method} {url} with HTTP "
                        f"{response.status_code}{tries}: {body or '(no body)'}"
                    )
            sleep(backoff_s * 2**attempt)
    finally:
        if owned:
            client.close()
    raise AssertionError("unreachable")  # pragma: no cover
