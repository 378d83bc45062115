"""The world's web sites and search engine as HTTP apps for ``_httpd.HttpServer``."""

from __future__ import annotations

import asyncio
import json
import mimetypes
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lookup.settings import WORLD_ECHO_HOST
from lookup.world._httpd import HttpRequest, HttpResponse, text_response
from lookup.world._logs import FaultBook, HttpHit, SearchQuery, WorldLogs
from lookup.world._model import Redirect, path_matches
from lookup.world.format import Fault, World
from lookup.world.search_engine import SearchIndex, page_words

__all__ = ["SearchApp", "SiteApp", "resolve_site_file"]

# Types mimetypes may not know on a bare system, and charsets for text.
EXTRA_TYPES = {".md": "text/markdown", ".jsonld": "application/ld+json", ".ics": "text/calendar",
               ".vcf": "text/vcard", ".pdf": "application/pdf", ".xml": "application/xml"}
# Compressed files are sent as they are, as their own type (sitemap.xml.gz: application/gzip).
ENCODED_TYPES = {"gzip": "application/gzip", "bzip2": "application/x-bzip2", "xz": "application/x-xz"}
TEXTUAL_TYPES = ("application/json", "application/ld+json", "application/xml")


class SiteApp:
    """Serves ``sites/<host>/`` by the Host header, with redirects, faults and latency."""

    def __init__(self, world: World, logs: WorldLogs, *, latency: bool) -> None:
        self._world = world
        self._logs = logs
        self._delay = world.latency.waiter("http", seed=world.name) if latency else None
        self._faults = FaultBook(world.faults_for("http"))
        self._redirects = {(r.host, r.path): r for r in world.redirects if "*" not in r.path}
        self._redirect_globs = tuple(r for r in world.redirects if "*" in r.path)
        self._hosts = world.http_hosts

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        host, path, arrived = request.host, request.path, time.monotonic()
        if self._delay:
            await asyncio.sleep(self._delay())
        faults = self._faults.take(lambda f: f.host == host and f.matches_path(path))
        response, kind = await _apply_faults(faults)
        if response is None:
            response = self._answer(request, host, path)
        response = _shaped(response, faults)
        status = 0 if response.reset else response.status
        self._logs.add(HttpHit(host, path, status, request.method, kind, arrived, time.monotonic(),
                               query=request.query))
        return response

    def _redirect(self, host: str, path: str) -> Redirect | None:
        """The redirect for this request: an exact path first, then globs in file order."""
        exact = self._redirects.get((host, path))
        if exact is not None:
            return exact
        return next((r for r in self._redirect_globs
                     if r.host == host and path_matches(r.path, path)), None)

    def _answer(self, request: HttpRequest, host: str, path: str) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return text_response(405, "Only GET and HEAD are served.", ("Allow", "GET, HEAD"))
        machine = self._world.machine
        if host == WORLD_ECHO_HOST and machine is not None and path == "/":
            # the world's "what is my IP" service (smtp.public_ip_url in world mode)
            return text_response(200, machine.public_ip)
        redirect = self._redirect(host, path)
        if redirect is not None:
            to = redirect.location(path + (f"?{request.query}" if request.query else ""))
            return text_response(redirect.status, f"Moved to {to}", ("Location", to))
        site = self._world.site_dir(host)
        if host not in self._hosts:
            shown = host or "(no Host header)"
            return text_response(404, f"unknown host: {shown} is not in this world.")
        file = None
        if site is not None:
            file = resolve_site_file(site, path, request.query)
        if file is None:
            return text_response(404, f"Not found: {path}")
        return HttpResponse(200, (("Content-Type", _content_type(file)),), file.read_bytes())


def _shaped(response: HttpResponse, faults: tuple[Fault, ...]) -> HttpResponse:
    """The answer sent chunked, dripped or with a lying Content-Length, as faults say."""
    for fault in faults:
        if fault.chunked or fault.drip_bytes_per_s or fault.content_length is not None:
            response = replace(response, chunked=response.chunked or fault.chunked,
                               drip_bytes_per_s=fault.drip_bytes_per_s or response.drip_bytes_per_s,
                               content_length=fault.content_length if fault.content_length
                               is not None else response.content_length)
    return response


async def _apply_faults(faults: tuple[Fault, ...]) -> tuple[HttpResponse | None, str]:
    """Sleep for delay faults; return the status or reset answer a fault forces, if any."""
    kind = ""
    for fault in faults:
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
            kind = "delay"
    for fault in faults:
        if fault.reset:
            return HttpResponse(0, reset=True), "reset"
        if fault.status:
            retry = () if fault.retry_after is None else (("Retry-After", str(fault.retry_after)),)
            return _fault_response(fault, retry), "status"
    return None, kind


def _fault_response(fault: Fault, retry: tuple[tuple[str, str], ...]) -> HttpResponse:
    """The forced status, with the fault's own body and headers when it gives them."""
    assert fault.status is not None
    if fault.body is None:
        return text_response(fault.status, "Fault injected by world.toml.", *retry, *fault.headers)
    named = {name.lower() for name, _ in fault.headers}
    kind = () if "content-type" in named else (("Content-Type", "text/html; charset=utf-8"),)
    return HttpResponse(fault.status, (*kind, *retry, *fault.headers), fault.body)


def resolve_site_file(site: Path, path: str, query: str = "") -> Path | None:
    """The file serving ``path`` under ``site``, or None (missing, or escaping the folder).

    A query string picks its own file when there is one, named like the path's with
    ``@`` and the query added (``/staff?page=2``: ``staff@page=2``, ``staff@page=2.html``
    or ``staff/index@page=2.html``); otherwise the query is ignored, as static hosts do.
    """
    if query and "/" not in unquote(query):
        found = resolve_site_file(site, f"{path.rstrip('/')}@{query}") if path != "/" else None
        found = found or _query_index(site, path, query)
        if found is not None:
            return found
    decoded = unquote(path)
    parts = [p for p in decoded.split("/") if p]
    if any(p in (".", "..") or "\\" in p or "\x00" in p for p in parts):
        return None
    root = site.resolve()
    base = root.joinpath(*parts)
    candidates = [base / "index.html"]
    if parts:
        candidates = [base, base / "index.html", base.with_name(base.name + ".html")]
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_file() and resolved.is_relative_to(root):
            return resolved
    return None


def _query_index(site: Path, path: str, query: str) -> Path | None:
    """``/staff/?page=2`` (or ``/?page=2``) served by ``staff/index@page=2.html``."""
    found = resolve_site_file(site, f"{path.rstrip('/')}/index@{query}.html")
    return found if found is not None and found.name != "index.html" else None


def _content_type(file: Path) -> str:
    guessed, encoding = mimetypes.guess_type(file.name)
    if encoding in ENCODED_TYPES:
        return ENCODED_TYPES[encoding]
    kind = EXTRA_TYPES.get(file.suffix.lower()) or guessed
    kind = kind or "application/octet-stream"
    textual = kind.startswith("text/") or kind in TEXTUAL_TYPES
    return f"{kind}; charset=utf-8" if textual else kind


def page_bodies(world: World) -> dict[str, str]:
    """The words of each page search.jsonl lists that the world serves, by the document's URL:
    what a web search engine would have indexed of it (``search_engine.page_words``)."""
    bodies: dict[str, str] = {}
    for document in world.documents:
        parts = urlsplit(document.url)
        site = world.site_dir((parts.hostname or "").lower())
        file = resolve_site_file(site, parts.path or "/") if site is not None else None
        if file is not None and document.url not in bodies and \
                _content_type(file).startswith("text/html"):
            bodies[document.url] = page_words(file.read_text("utf-8", errors="replace"))
    return bodies


class SearchApp:
    """A SearXNG-compatible JSON API: ``GET /search?q=...&format=json`` (or a POST form)."""

    def __init__(self, world: World, logs: WorldLogs, *, latency: bool) -> None:
        self._index = SearchIndex(world.documents, page_bodies(world))
        self._max = world.max_results
        self._logs = logs
        self._delay = world.latency.waiter("search", seed=world.name) if latency else None
        self._faults = FaultBook(world.faults_for("search"))

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        params = request.params()
        query, arrived = params.get("q", ""), time.monotonic()
        if self._delay:
            await asyncio.sleep(self._delay())
        if request.path.rstrip("/") not in ("/search", ""):
            return text_response(404, "This search engine answers /search?q=...&format=json.")
        folded = query.casefold()
        faults = self._faults.take(lambda f: f.query is None or f.query.casefold() in folded)
        forced, kind = await _apply_faults(faults)
        if forced is not None:
            self._logs.add(SearchQuery(query, 0, 0 if forced.reset else forced.status, arrived, time.monotonic()))
            return forced
        return self._answer(params, query, arrived)

    def _answer(self, params: dict[str, str], query: str, arrived: float) -> HttpResponse:
        if params.get("format", "json") != "json":
            # What a SearXNG without that output format answers.
            return text_response(403, "This search engine only answers format=json.")
        limit, page = self._max, 1
        try:
            limit = max(1, min(self._max, int(params.get("max_results", self._max))))
            page = max(1, int(params.get("pageno", "1")))
        except ValueError:
            return text_response(400, "max_results and pageno must be whole numbers.")
        offset = (page - 1) * limit
        hits = self._index.search(query, limit=limit, offset=offset) if query.strip() else []
        self._logs.add(SearchQuery(query, len(hits), 200, arrived, time.monotonic()))
        body = {
            "query": query,
            "number_of_results": len(hits),
            "results": [
                {"url": h.document.url, "title": h.document.title, "content": h.snippet,
                 "engine": "world", "engines": ["world"], "score": h.score, "category": "general"}
                for h in hits
            ],
            "answers": [], "corrections": [], "infoboxes": [], "suggestions": [],
            "unresponsive_engines": [],
        }
        data = json.dumps(body, ensure_ascii=False).encode()
        return HttpResponse(200, (("Content-Type", "application/json"),), data)
