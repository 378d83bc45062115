"""A throwaway PostgreSQL server on loopback, for the tests and benchmarks that need a real one.

``pg_cluster()`` runs ``initdb`` into a fresh temporary folder, starts ``postgres`` on
127.0.0.1 at a free port (its Unix socket in the same folder, so nothing outside it is
touched), waits until it takes connections and removes everything on exit::

    with pg_cluster() as pg:
        url = pg.create_database("lookup")          # postgresql+psycopg://lookup@127.0.0.1:PORT/lookup
        prefect_url = pg.url("prefect", driver="asyncpg")

``postgres`` refuses to run as root, so as root the server runs as an unprivileged account
that already exists (``postgres``, else ``nobody``) and the folder is handed to it; as
any other user it runs as that user. The binaries are looked up in ``LOOKUP_PG_BIN``,
then ``/usr/lib/postgresql/<newest>/bin``, then ``PATH``. Authentication is ``trust`` on
loopback only: a test cluster that lives for one session.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PgCluster", "find_pg_bin", "pg_cluster"]

SUPERUSER = "lookup"
START_TIMEOUT_S = 60.0
# Fast and disposable: nothing here must survive a power cut.
FAST_OPTIONS = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


def find_pg_bin() -> Path | None:
    """The folder holding ``initdb`` and ``postgres``, or None when PostgreSQL is not installed."""
    given = os.environ.get("LOOKUP_PG_BIN")
    if given:
        return Path(given) if (Path(given) / "initdb").is_file() else None
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@dataclass
class PgCluster:
    """A running PostgreSQL server: where it listens and how to reach its databases."""

    root: Path
    port: int
    process: subprocess.Popen
    host: str = "127.0.0.1"

    def url(self, database: str, *, driver: str = "psycopg") -> str:
        """A SQLAlchemy URL for ``database`` with the given driver (psycopg, asyncpg)."""
        return f"postgresql+{driver}://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create ``name`` (dropping an old one) and return its psycopg URL."""
        import psycopg

        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _dsn(self, database: str) -> str:
        return f"host={self.host} port={self.port} user={SUPERUSER} dbname={database}"

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"


def _account() -> tuple[int, int] | None:
    """(uid, gid) to run the server as: None when this process may run it itself."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    raise RuntimeError("Running as root and no unprivileged account (postgres, nobody) exists.")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spawn(argv: list[str], account: tuple[int, int] | None, log: Path) -> subprocess.Popen:
    ids = {} if account is None else {"user": account[0], "group": account[1], "extra_groups": []}
    with open(log, "ab") as out:
        return subprocess.Popen(  # noqa: S603 - fixed argv
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, **ids,
        )


def _ready(pg: PgCluster) -> bool:
    import psycopg

    try:
        with psycopg.connect(pg._dsn("postgres"), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@contextlib.contextmanager
def pg_cluster(*, fast: bool = True) -> Iterator[PgCluster]:
    """Run a fresh PostgreSQL server for the duration of the block (see the module docstring).

    ``fast`` turns off fsync and friends (tests); a benchmark passes False to measure the
    server as a team would run it.
    """
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb); set LOOKUP_PG_BIN.")
    account = _account()
    root = Path(tempfile.mkdtemp(prefix="lookup-pg-"))
    process: subprocess.Popen | None = None
    try:
        if account is not None:
            os.chown(root, *account)
        root.chmod(0o700)
        log = root / "postgres.log"
        log.touch()
        if account is not None:
            os.chown(log, *account)
        init = _spawn([str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", SUPERUSER,
                       "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], account, log)
        if init.wait(timeout=120) != 0:
            raise RuntimeError(f"initdb failed: {log.read_text(errors='replace')[-2000:]}")
        port = _free_port()
        process = _spawn(
            [str(bin_dir / "postgres"), "-D", str(root / "data"), "-p", str(port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={root}",
             "-c", "max_connections=300", *(FAST_OPTIONS if fast else ())],
            account, log,
        )
        pg = PgCluster(root, port, process)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _ready(pg):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL did not start: {log.read_text(errors='replace')[-2000:]}"
                )
            time.sleep(0.2)
        yield pg
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # "fast" shutdown: disconnect clients, stop
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)
