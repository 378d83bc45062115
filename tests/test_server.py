"""The local Prefect server: start once, reuse, status, stop; a fake one for speed, one real."""

from __future__ import annotations

import json
import socket
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from flows.server import (
    ServerInfo,
    api_url,
    server_status,
    start_server,
    stop_server,
    ui_api_url,
    ui_url,
)
from lookup.errors import ServerError
from lookup.settings import load_settings
from tests.netkit import prefect_call

FAKE_SERVER = textwrap.dedent(
    f"""\
    #!{sys.executable}
    # A stand-in for `prefect server start`: answers /api/health on --host/--port.
    import http.server, os, sys
    args = sys.argv[1:]
    assert args[:2] == ["server", "start"], args
    host, port = args[args.index("--host") + 1], int(args[args.index("--port") + 1])
    print("PREFECT_HOME=" + os.environ["PREFECT_HOME"], flush=True)
    print("PREFECT_API_URL=" + os.environ.get("PREFECT_API_URL", "-"), flush=True)

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"true" if self.path == "/api/health" else b"no"
            self.send_response(200 if body == b"true" else 404)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    http.server.HTTPServer((host, port), Health).serve_forever()
    """
)
FAILING_SERVER = "#!/bin/sh\necho 'boom: the database is locked'\nexit 3\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_for(data_dir: Path, port: int, timeout: float = 20.0):
    return load_settings(env={}, user_file=None, overrides={
        "general": {"data_dir": str(data_dir)},
        "prefect": {"server_host": "127.0.0.1", "server_port": port,
                    "startup_timeout_s": timeout},
    })


def script(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "prefect"  # the name a real server's command line carries
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def fake(tmp_path):
    return script(tmp_path / "bin", FAKE_SERVER)


def test_api_url_appends_api():
    """api_url gives the PREFECT_API_URL form of a server's base URL."""
    info = ServerInfo(pid=1, url="http://127.0.0.1:4270", log_path=Path("x.log"))
    assert api_url(info) == "http://127.0.0.1:4270/api"


def test_no_record_means_no_server(tmp_path):
    """Without a record, status is None and stop reports nothing stopped."""
    settings = settings_for(tmp_path, free_port())
    assert server_status(settings) is None
    assert stop_server(settings) is False


def test_stale_record_is_not_a_server(tmp_path):
    """A record whose process is gone is not reported as running, and stop removes it."""
    record = tmp_path / "prefect-server.json"
    record.write_text(json.dumps({"pid": 2**22 + 12345, "url": "http://127.0.0.1:9",
                                  "log_path": str(tmp_path / "x.log")}))
    settings = settings_for(tmp_path, free_port())
    assert server_status(settings) is None
    assert stop_server(settings) is False and not record.exists()


def test_fake_server_start_reuse_stop(tmp_path, fake):
    """start runs the command detached, records it, reuses it, and stop ends it."""
    settings = settings_for(tmp_path / "data", free_port())
    info = start_server(settings, prefect_bin=fake, env={"PREFECT_API_URL": "http://elsewhere"})
    try:
        assert server_status(settings) == info
        assert start_server(settings, prefect_bin=fake) == info  # reused, not a second one
        record = json.loads((tmp_path / "data" / "prefect-server.json").read_text())
        assert record["pid"] == info.pid and record["url"] == info.url
        log = info.log_path.read_text()
        assert f"PREFECT_HOME={tmp_path / 'data' / 'prefect'}" in log
        assert "PREFECT_API_URL=-" in log  # another API URL is not passed to the server
    finally:
        assert stop_server(settings) is True
    assert server_status(settings) is None
    with pytest.raises(httpx.HTTPError):
        httpx.get(info.url + "/api/health", timeout=2, trust_env=False)


def test_taken_port_moves_to_a_free_one(tmp_path, fake):
    """When the configured port is taken by something else, another port is used."""
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        settings = settings_for(tmp_path, taken)
        info = start_server(settings, prefect_bin=fake)
        try:
            assert not info.url.endswith(f":{taken}")
            assert server_status(settings) == info
        finally:
            stop_server(settings)


def test_server_that_exits_points_at_its_log(tmp_path):
    """A server command that exits at once raises ServerError naming the log file."""
    settings = settings_for(tmp_path, free_port())
    failing = script(tmp_path / "bin", FAILING_SERVER)
    with pytest.raises(ServerError, match=r"exited with code 3; see its log at .*prefect-server"):
        start_server(settings, prefect_bin=failing)
    assert "boom: the database is locked" in (tmp_path / "prefect-server.log").read_text()
    assert not (tmp_path / "prefect-server.json").exists()


def test_missing_command_is_a_server_error(tmp_path):
    """A prefect command that does not exist raises ServerError with a sentence."""
    settings = settings_for(tmp_path, free_port())
    with pytest.raises(ServerError, match="could not be started"):
        start_server(settings, prefect_bin=tmp_path / "nope" / "prefect")


@pytest.mark.server
@pytest.mark.timeout(240)
def test_real_prefect_server_starts_answers_and_stops(tmp_path):
    """A real `prefect server start` comes up in a fresh data dir, answers, and is stopped."""
    settings = settings_for(tmp_path, free_port(), timeout=180)
    try:
        info = start_server(settings)
        assert server_status(settings) == info
        response = prefect_call("GET", api_url(info) + "/health")
        assert response.json() is True, f"/health answered {response.text!r}"
        # the UI in a browser is told this server's own API, not Prefect's default port 4200
        ui_settings = httpx.get(info.url + "/ui-settings", timeout=10, trust_env=False).json()
        assert ui_settings["api_url"] == api_url(info) and info.ui == info.url
        assert (tmp_path / "prefect" / "prefect.db").is_file()
    finally:
        stopped = stop_server(settings)
    assert stopped is True
    assert server_status(settings) is None
    with pytest.raises(httpx.HTTPError):
        httpx.get(info.url + "/api/health", timeout=2, trust_env=False)


@pytest.mark.parametrize(("host", "public", "ui", "api"), [
    ("127.0.0.1", "", "http://127.0.0.1:4391", "http://127.0.0.1:4391/api"),
    ("::1", "", "http://[::1]:4391", "http://[::1]:4391/api"),
    ("0.0.0.0", "", "http://127.0.0.1:4391", "/api"),
    ("0.0.0.0", "https://prefect.example.org/", "https://prefect.example.org",
     "https://prefect.example.org/api"),
    ("127.0.0.1", "https://example.org/prefect", "https://example.org/prefect",
     "https://example.org/prefect/api"),
])
def test_the_ui_follows_host_port_and_the_public_url(tmp_path, host, public, ui, api):
    """The UI's address and the API address it calls follow --host/--port, a wildcard host
    gets the page's own origin (/api), and prefect.public_url wins behind a proxy."""
    settings = load_settings(env={}, user_file=None, overrides={
        "general": {"data_dir": str(tmp_path)}, "prefect": {"public_url": public}})
    assert (ui_url(settings, host, 4391), ui_api_url(settings, host, 4391)) == (ui, api)
