"""A local Prefect server, started once and reused: `prefect server start` as a child process.

No Prefect import here: the server is the ``prefect`` command next to the
running Python, detached into its own session so it outlives the command
that started it. Its pid and URL are recorded in
``<data_dir>/prefect-server.json``; its output goes to
``<data_dir>/prefect-server.log``; its SQLite database lives under
``settings.prefect_home``, unless ``prefect.database_url`` names PostgreSQL
(``lookup server start --postgres URL``; see ``flows/serverdb.py``), which the
server then gets as ``PREFECT_SERVER_DATABASE_CONNECTION_URL``.

The UI in a browser calls the API at the address ``/ui-settings`` gives it; Prefect
derives that from its own host and port settings, not from ``--host``/``--port``, so
the child gets it from ``ui_api_url`` (``prefect.public_url`` behind a proxy).

``prefect server start --background`` is not used: in Prefect 3.9.1 that
server dies at its first log line (measured, see docs/prefect.md).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NoReturn

import httpx

from flows.access import require_auth, server_env, tls_verify
from lookup.atomic import write_atomic
from lookup.errors import ServerError
from lookup.settings import Settings

__all__ = [
    "ServerInfo", "api_url", "health", "server_process", "server_status", "start_server",
    "stop_server",
    "ui_api_url", "ui_url",
]

log = logging.getLogger(__name__)

RECORD = "prefect-server.json"
LOG = "prefect-server.log"
POLL_S = 0.5
STOP_WAIT_S = 15.0
# Environment variables that would point the new server's UI at another API.
_DROP_ENV = ("PREFECT_API_URL", "PREFECT_UI_API_URL", "PREFECT_SERVER_UI_API_URL",
             "PREFECT_API_KEY")
_WILDCARDS = ("0.0.0.0", "::", "")


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """A running local Prefect server: its process, base URL and log file."""

    pid: int
    url: str  # e.g. "http://127.0.0.1:4270"
    log_path: Path
    database: str = ""  # the server's database URL without its password; "" = SQLite
    ui: str = ""  # where a person opens the UI (the public URL behind a proxy); "" = url


def api_url(info: ServerInfo) -> str:
    """The value for PREFECT_API_URL: the server's base URL plus /api."""
    return info.url.rstrip("/") + "/api"


def ui_url(settings: Settings, host: str, port: int) -> str:
    """Where a person opens the UI: ``prefect.public_url``, else the server's own address."""
    public = settings.prefect.public_url.strip().rstrip("/")
    return public or f"http://{_url_host(host)}:{port}"


def ui_api_url(settings: Settings, host: str, port: int) -> str:
    """The API address the UI in a browser calls (Prefect's ``server.ui.api_url``).

    Behind a proxy, ``prefect.public_url`` plus /api; a server listening on every
    interface gets the relative ``/api``, so a browser reaches it by whatever name it
    used for the page; otherwise the server's own host and port.
    """
    if settings.prefect.public_url.strip() or host not in _WILDCARDS:
        return ui_url(settings, host, port) + "/api"
    return "/api"


# -- public operations --------------------------------------------------------------


def server_status(settings: Settings) -> ServerInfo | None:
    """The recorded server when its process is alive and /api/health answers, else None."""
    info = _read_record(settings)
    if info is None or not _alive(info.pid) or not _healthy(info.url):
        return None
    return info


def server_process(settings: Settings) -> ServerInfo | None:
    """The recorded server while its Prefect process lives (healthy or still starting)."""
    info = _read_record(settings)
    if info is None or not _alive(info.pid) or not _is_prefect(info.pid):
        return None
    return info


def start_server(
    settings: Settings,
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    prefect_bin: str | Path | None = None,
    wait: bool = True,
) -> ServerInfo:
    """Return the running local server, starting one (and waiting for it) when needed.

    ``wait=False`` returns as soon as the process is started (or found): the caller does
    other work while the server comes up, and a later ``start_server`` waits for it.
    """
    timeout = settings.prefect.startup_timeout_s if timeout is None else timeout
    recorded = server_process(settings)
    if recorded is not None:
        if not wait:
            return recorded
        if _wait_healthy(recorded, timeout, process=None):  # running, or still starting
            return recorded
        if _alive(recorded.pid):
            raise ServerError(
                f"The Prefect server process {recorded.pid} is running but {recorded.url} does "
                f"not answer; see {recorded.log_path}, or stop it and start again."
            )
    host = settings.prefect.server_host
    env = os.environ if env is None else env
    require_auth(host, env)  # before anything binds, even to find a free port
    port = _choose_port(host, settings.prefect.server_port)
    return _spawn(settings, host, port, timeout=timeout if wait else None, env=env,
                  prefect_bin=Path(prefect_bin) if prefect_bin else _prefect_bin())


def stop_server(settings: Settings) -> bool:
    """Stop the recorded server (SIGTERM, then SIGKILL); True when a process was stopped."""
    info = _read_record(settings)
    if info is None:
        return False
    stopped = False
    if _alive(info.pid) and _is_prefect(info.pid):
        _terminate(info.pid)
        stopped = True
    _record_path(settings).unlink(missing_ok=True)
    _reclaim(settings.prefect_home / "prefect.db")
    return stopped


def _reclaim(database: Path) -> None:
    """Rewrite Prefect's SQLite file without its free pages and empty its WAL, now that no
    server holds it: rows `lookup forget` deleted while the server ran leave no trace."""
    if not database.is_file():
        return
    try:
        with contextlib.closing(sqlite3.connect(database, timeout=10)) as db:
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:  # another process still has it: the next stop tries again
        log.warning("Could not compact %s: %s", database, exc)


# -- starting ---------------------------------------------------------------------


def _prefect_bin() -> Path:
    sibling = Path(sys.executable).with_name("prefect")
    if sibling.is_file():
        return sibling
    found = shutil.which("prefect")
    if found:
        return Path(found)
    raise ServerError(
        f"The `prefect` command was not found next to {sys.executable} or on PATH; "
        "install interviewer-lookup (with Prefect) into this environment."
    )


def _server_env(
    settings: Settings, env: Mapping[str, str], host: str, port: int
) -> dict[str, str]:
    child = {k: v for k, v in env.items() if k not in _DROP_ENV}
    child["PREFECT_HOME"] = str(settings.prefect_home)
    # What --host/--port say, as the settings Prefect derives the UI's API address from.
    child["PREFECT_SERVER_API_HOST"] = host
    child["PREFECT_SERVER_API_PORT"] = str(port)
    child["PREFECT_UI_API_URL"] = ui_api_url(settings, host, port)
    # No anonymous telemetry from the server this tool starts, unless the user asks.
    child.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if settings.prefect.database_url:
        child["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = settings.prefect.database_url
    else:  # SQLite: made from the shipped schema, not migrated, when it is new (issue 31)
        from flows.prefectdb import prepare_sqlite

        prepare_sqlite(settings.prefect_home, child)
    server_env(child)  # its auth string, CSRF protection (flows/access.py)
    return child


def _spawn(
    settings: Settings,
    host: str,
    port: int,
    *,
    timeout: float | None,
    env: Mapping[str, str],
    prefect_bin: Path,
) -> ServerInfo:
    """Start the server process and record it; wait up to ``timeout`` for it (None: not)."""
    data_dir = settings.data_dir
    log_path = data_dir / LOG
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        settings.prefect_home.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log_file:
            process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [str(prefect_bin), "server", "start", "--host", host, "--port", str(port),
                 "--analytics-off"],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=_server_env(settings, env, host, port),
                cwd=data_dir,
                start_new_session=True,  # its own session: it outlives this command
                close_fds=True,
            )
    except OSError as exc:
        raise ServerError(
            f"The Prefect server could not be started with {prefect_bin}: {exc}."
        ) from exc
    info = ServerInfo(pid=process.pid, url=f"http://{_url_host(host)}:{port}", log_path=log_path,
                      database=_redacted(settings.prefect.database_url),
                      ui=ui_url(settings, host, port))
    _write_record(settings, info)
    log.info("started Prefect server pid %s at %s", info.pid, info.url)
    if timeout is None or _wait_healthy(info, timeout, process=process):
        return info
    return _give_up(settings, info, process)


def _give_up(settings: Settings, info: ServerInfo, process: subprocess.Popen) -> NoReturn:
    code = process.poll()
    if code is None:
        _terminate(info.pid)
    _record_path(settings).unlink(missing_ok=True)
    what = f"exited with code {code}" if code is not None else "did not answer in time"
    raise ServerError(
        f"The Prefect server at {info.url} {what}; see its log at {info.log_path}."
    )


def _wait_healthy(
    info: ServerInfo, timeout: float, *, process: subprocess.Popen | None
) -> bool:
    """Poll /api/health until it answers (True), the process dies or time runs out (False)."""
    deadline = time.monotonic() + timeout
    while True:
        # Liveness first: a health answer from some other server on the port must not
        # pass for ours when ours has already exited (e.g. "address already in use").
        if process is not None and process.poll() is not None:
            return False
        if process is None and not _alive(info.pid):
            return False
        if _healthy(info.url):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)


def health(url: str, timeout_s: float = 3.0) -> str | None:
    """None when the Prefect server at ``url`` (its base URL) says it is healthy, else why not."""
    try:
        with httpx.Client(trust_env=False, timeout=timeout_s, verify=tls_verify()) as client:
            response = client.get(url.rstrip("/") + "/api/health")
    except httpx.HTTPError as exc:
        return type(exc).__name__
    if response.status_code != 200 or response.text.strip() != "true":
        return f"HTTP {response.status_code} from /api/health"
    return None


def _healthy(url: str) -> bool:
    return health(url, timeout_s=2.0) is None


def _redacted(url: str) -> str:
    if not url:
        return ""
    from lookup.store.engine import redacted

    return redacted(url)


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):  # listening everywhere; reach it on loopback
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


# -- ports ------------------------------------------------------------------------


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _choose_port(host: str, wanted: int) -> int:
    """The configured port when free, else one the system picks (logged)."""
    if wanted and _port_free(host, wanted):
        return wanted
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port = sock.getsockname()[1]
    log.info("port %s on %s is taken; the Prefect server will use %s", wanted, host, port)
    return port


# -- the record -------------------------------------------------------------------


def _record_path(settings: Settings) -> Path:
    return settings.data_dir / RECORD


def _write_record(settings: Settings, info: ServerInfo) -> None:
    data = {**asdict(info), "log_path": str(info.log_path)}
    write_atomic(_record_path(settings), json.dumps(data, indent=2) + "\n")


def _read_record(settings: Settings) -> ServerInfo | None:
    path = _record_path(settings)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServerInfo(pid=int(data["pid"]), url=str(data["url"]),
                          log_path=Path(data["log_path"]), database=str(data.get("database", "")),
                          ui=str(data.get("ui", "")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("ignoring unreadable server record %s", path)
        return None


# -- processes --------------------------------------------------------------------


def _reap(pid: int) -> None:
    """Collect the exit status if the server is our own child (else it stays a zombie)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _alive(pid: int) -> bool:
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError, IndexError):
        if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _is_prefect(pid: int) -> bool:
    """Guard against a recycled pid: the process must be a `prefect server`."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        argv = cmdline.read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc (macOS): trust the record
    text = b" ".join(argv).decode("utf-8", errors="replace")
    return "prefect" in text and "server" in text


def _terminate(pid: int) -> None:
    """SIGTERM the server's process group, wait, then SIGKILL it if it is still there."""
    for sig, wait in ((signal.SIGTERM, STOP_WAIT_S), (signal.SIGKILL, 5.0)):
        _signal(pid, sig)
        deadline = time.monotonic() + wait
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not _alive(pid):
            return
    raise ServerError(f"The Prefect server process {pid} could not be stopped; stop it by hand.")


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        # start_new_session made the server its group's leader: the group is its workers.
        if hasattr(os, "killpg") and os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass
