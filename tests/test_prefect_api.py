"""Calls to Prefect's REST API: busy answers retried, other errors one sentence (no KeyError)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from flows.prefect_api import prefect_request
from lookup.errors import ServerError


class _Scripted(http.server.BaseHTTPRequestHandler):
    """Answers each request with the next (status, body) of the server's script."""

    def _answer(self) -> None:
        status, body = self.server.script.pop(0) if self.server.script else (200, b"{}")
        self.server.seen.append(self.command)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def api() -> Iterator[http.server.HTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    server.script, server.seen = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: http.server.HTTPServer, path: str = "/api/flow_runs/x") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_a_busy_server_is_retried_until_it_answers(api) -> None:
    """503, then 'database is locked' (500), then 429, then 200: four requests, one answer."""
    api.script = [(503, b"busy"), (500, b'{"detail":"database is locked"}'), (429, b""),
                  (201, b'{"id": "run-1"}')]
    waits: list[float] = []
    response = prefect_request("POST", _url(api), json={}, sleep=waits.append, backoff_s=0.01)
    assert response.json() == {"id": "run-1"}
    assert api.seen == ["POST"] * 4 and waits == [0.01, 0.02, 0.04]


def test_any_other_error_is_one_sentence_with_status_and_body(api) -> None:
    """A 404 is not retried: ServerError names the method, URL, status and body."""
    api.script = [(404, b'{"detail": "Deployment not found."}')]
    with pytest.raises(ServerError) as caught:
        prefect_request("GET", _url(api, "/api/deployments/x"), sleep=lambda _: None)
    assert str(caught.value) == (
        f"Prefect's API answered GET {_url(api, '/api/deployments/x')} with HTTP 404: "
        '{"detail": "Deployment not found."}')
    assert api.seen == ["GET"]


def test_the_retry_bound_is_kept(api) -> None:
    """A server that stays busy: retries+1 requests, then a sentence saying so."""
    api.script = [(503, b"still busy")] * 10
    with pytest.raises(ServerError, match=r"HTTP 503 after 3 attempts: still busy"):
        prefect_request("GET", _url(api), retries=2, sleep=lambda _: None)
    assert len(api.seen) == 3


def test_a_server_that_is_not_there_is_a_sentence() -> None:
    """Nothing listening: a ServerError asking whether the server runs, not a traceback."""
    with pytest.raises(ServerError, match=r"did not answer GET .* after 2 attempts .*running\?"):
        prefect_request("GET", "http://127.0.0.1:9/api/health", retries=1, sleep=lambda _: None)
