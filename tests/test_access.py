"""Who may talk to the Prefect server: loopback without an auth string, anything else only with
one, refused before a socket is bound; the server's environment; the clients' string."""

from __future__ import annotations

import sys

import pytest

from flows.access import (
    adopt_client_auth,
    auth_header,
    is_loopback,
    require_auth,
    server_env,
)
from flows.server import start_server
from lookup.errors import BadInputError
from lookup.settings import load_settings

_BINDS: list[tuple] = []
_WATCHING: list[bool] = []


def _watch_binds(event: str, args: tuple) -> None:
    if event == "socket.bind" and _WATCHING:
        _BINDS.append(args[1])


sys.addaudithook(_watch_binds)


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("::", False), ("", False),
    ("192.168.1.20", False), ("10.0.0.1", False), ("server.internal", False),
    ("fe80::1%eth0", False),
])
def test_only_loopback_addresses_count_as_loopback(host, loopback):
    """127.0.0.0/8, ::1 and localhost are loopback; wildcards, private ranges and names are not."""
    assert is_loopback(host) is loopback


def test_a_non_loopback_server_is_refused_before_any_socket_is_bound(tmp_path):
    """start_server on 0.0.0.0 without an auth string raises the sentence, and not one
    socket was bound on the way (not even to find a free port); no record, no log."""
    settings = load_settings(env={}, overrides={
        "general": {"data_dir": str(tmp_path / "data")},
        "prefect": {"server_host": "0.0.0.0", "server_port": 4999}})
    _WATCHING.append(True)
    try:
        with pytest.raises(BadInputError, match="needs an auth string: export "
                                                "PREFECT_SERVER_API_AUTH_STRING="):
            start_server(settings, env={}, prefect_bin=tmp_path / "never-run")
    finally:
        _WATCHING.clear()
    assert _BINDS == [] and not (tmp_path / "data").exists()


def test_an_auth_string_lets_a_server_listen_beyond_loopback():
    """With an auth string (server's, or the clients' one string for the team) any address
    passes; a string without a colon is refused as not user:password."""
    require_auth("0.0.0.0", {"PREFECT_SERVER_API_AUTH_STRING": "admin:pw"})
    require_auth("192.168.1.20", {"PREFECT_API_AUTH_STRING": "admin:pw"})
    require_auth("127.0.0.1", {})
    with pytest.raises(BadInputError, match="must read user:password"):
        require_auth("127.0.0.1", {"PREFECT_SERVER_API_AUTH_STRING": "justapassword"})


def test_the_server_gets_its_auth_string_and_csrf_protection():
    """The server's environment carries the auth string and turns CSRF protection on, unless
    the user turned it off."""
    env = server_env({"PREFECT_API_AUTH_STRING": "admin:pw"})
    assert env["PREFECT_SERVER_API_AUTH_STRING"] == "admin:pw"
    assert env["PREFECT_SERVER_CSRF_PROTECTION_ENABLED"] == "true"
    off = server_env({"PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "false"})
    assert off["PREFECT_SERVER_CSRF_PROTECTION_ENABLED"] == "false"
    assert "PREFECT_SERVER_API_AUTH_STRING" not in off


def test_a_client_on_the_server_s_machine_adopts_its_string():
    """Given only the server's string, this process sends it as a client; a client string
    already set is kept; the header is Prefect's basic form."""
    env = {"PREFECT_SERVER_API_AUTH_STRING": "admin:pw"}
    assert adopt_client_auth(env) and env["PREFECT_API_AUTH_STRING"] == "admin:pw"
    mine = {"PREFECT_SERVER_API_AUTH_STRING": "admin:pw", "PREFECT_API_AUTH_STRING": "me:x"}
    adopt_client_auth(mine)
    assert mine["PREFECT_API_AUTH_STRING"] == "me:x"
    assert not adopt_client_auth({})
    assert auth_header("admin:pw") == {"Authorization": "Basic YWRtaW46cHc="}
