"""Writing a file so that readers see the whole old file or the whole new one, never half.

One helper for every file the tool rewrites in place: cards and reminders, the search
cache, the day's port-25 and blocklist answers, the local Prefect server's record.
Workers may share the data folder (even over the network), so the text goes to a
temporary name no other writer has, is flushed to disk, and is renamed over the target;
the folder is flushed too, so the rename survives a crash. A failure leaves the previous
file and no temporary one. ``locked`` serialises writers that read a file before
replacing it (one entry of a shared JSON file), across processes.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["locked", "write_atomic"]


def write_atomic(path: str | Path, text: str | bytes) -> None:
    """Replace ``path`` with ``text`` (UTF-8, ``\\n`` line ends; bytes as they are), all at
    once; folders are made."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with (os.fdopen(fd, "wb") if isinstance(text, bytes)
              else os.fdopen(fd, "w", encoding="utf-8", newline="\n")) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open folders; the rename is still atomic there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(path: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a ``.lock`` file beside the data) for the block.

    ``flock``: processes on one machine queue on it, and on Linux an NFS mount turns it into
    a lock the server holds. Windows has no ``flock``: there the block runs unlocked.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
