"""One verifying TLS context per process, shared by the tool's HTTP clients.

Building a context loads a CA bundle: 40-90 ms of CPU each time (measured: two
``load_verify_locations`` calls took 0.18 s of a 1.9 s research run), and a run
builds several clients (the fetcher's, the search engine's, the look at the network
before it) and mail servers' STARTTLS sessions. A context holds no per-connection state and may serve any number of
clients, threads and event loops; these are built as the clients would build theirs.
"""

from __future__ import annotations

import functools
import ssl

import httpx

__all__ = ["httpx_context", "system_context", "unverified_context"]


@functools.cache
def httpx_context() -> ssl.SSLContext:
    """What an ``httpx`` client verifies with by default (certifi's bundle, or
    ``SSL_CERT_FILE``/``SSL_CERT_DIR``), built once."""
    return httpx.create_ssl_context()


@functools.cache
def system_context() -> ssl.SSLContext:
    """``ssl.create_default_context()`` (the system's certificates), built once."""
    return ssl.create_default_context()


@functools.cache
def unverified_context() -> ssl.SSLContext:
    """A context that encrypts without checking the peer (opportunistic STARTTLS to a mail
    server whose certificate we are told not to verify), built once."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
